/* Writing a document tree as YAML text directly, in the layout libyaml's
 * emitter gives it (block mappings indented by two, sequences in a
 * mapping not indented, flow collections on one line) and with its choice
 * of scalar style: plain where a reader would take the text back as it
 * is, else single quotes, else double quotes with escapes.  What is
 * written reads back to the same tree (tests/unit/check_ywrite.c). */
#include <string.h>

#include "util.h"
#include "ytree.h"
#include "ywrite.h"

/* What a scalar's text allows (after libyaml's analysis). */
struct scan {
	int flow_plain, block_plain, single;
};

/* The code point at p (n bytes left) and its length; -1 if the bytes are
 * not UTF-8. */
long
yw_utf8(const unsigned char *p, size_t n, size_t *w)
{
	long c;
	size_t k, i;

	if (p[0] < 0x80) {
		*w = 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		c = p[0] & 0x1f;
		k = 2;
	} else if ((p[0] & 0xf0) == 0xe0) {
		c = p[0] & 0x0f;
		k = 3;
	} else if ((p[0] & 0xf8) == 0xf0) {
		c = p[0] & 0x07;
		k = 4;
	} else
		return -1;
	if (k > n)
		return -1;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* shortest form, no surrogates, in range */
	if ((k == 2 && c < 0x80) || (k == 3 && c < 0x800) || (k == 4 &&
	    (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*w = k;
	return c;
}

int
yw_printable(long c)
{
	/* as libyaml has it: not NEL, nothing past the BMP */
	return c == 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 &&
	    c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c != 0xfeff);
}

static int
is_break(long c)
{
	return c == '\r' || c == '\n' || c == 0x85 || c == 0x2028 ||
	    c == 0x2029;
}

static int
is_blank(long c)
{
	return c == ' ' || c == '\t';
}

/* Text that every context takes plain: a letter or digit first, then
 * only letters, digits, "_./-+()" and single inner spaces. */
static int
simple(const unsigned char *s, size_t n)
{
	static unsigned char ok[256];
	size_t i;

	if (!ok['a']) {
		for (i = 0; i < 256; i++)
			ok[i] = (i >= 'a' && i <= 'z') || (i >= 'A' && i <= 'Z')
			    || (i >= '0' && i <= '9') ? 2 : strchr("_./-+() ",
			    (int)i) != NULL && i != 0;
	}
	if (n == 0 || ok[s[0]] != 2 || s[n - 1] == ' ')
		return 0;
	for (i = 1; i < n; i++)
		if (!ok[s[i]])
			return 0;
	return 1;
}

static void
scan(const unsigned char *s, size_t n, struct scan *r)
{
	int flow_ind = 0, block_ind = 0, special = 0, breaks = 0;
	int lead_space = 0, lead_break = 0, trail_space = 0, trail_break = 0;
	int break_space = 0, space_break = 0, prev_space = 0, prev_break = 0;
	int preceded_ws = 1, followed_ws;
	size_t i, w, w2;
	long c, next;

	r->flow_plain = r->block_plain = r->single = 1;
	if (simple(s, n))
		return;
	if (n == 0) {
		r->flow_plain = r->block_plain = 0;
		return;
	}
	if (n >= 3 && (memcmp(s, "---", 3) == 0 || memcmp(s, "...", 3) == 0))
		flow_ind = block_ind = 1;
	for (i = 0; i < n; i += w) {
		if ((c = yw_utf8(s + i, n - i, &w)) < 0) {
			r->flow_plain = r->block_plain = r->single = 0;
			return;
		}
		next = i + w < n ? yw_utf8(s + i + w, n - i - w, &w2) : -2;
		followed_ws = next == -2 || is_blank(next) || is_break(next);
		if (i == 0) {
			if (strchr("#,[]{}&*!|>'\"%@`", (int)c) && c != 0)
				flow_ind = block_ind = 1;
			if (c == '?' || c == ':') {
				flow_ind = 1;
				if (followed_ws)
					block_ind = 1;
			}
			if (c == '-' && followed_ws)
				flow_ind = block_ind = 1;
		} else {
			if (c != 0 && strchr(",?[]{}", (int)c))
				flow_ind = 1;
			if (c == ':') {
				flow_ind = 1;
				if (followed_ws)
					block_ind = 1;
			}
			if (c == '#' && preceded_ws)
				flow_ind = block_ind = 1;
		}
		if (!yw_printable(c))
			special = 1;
		if (is_break(c))
			breaks = 1;
		if (c == ' ') {
			if (i == 0)
				lead_space = 1;
			if (next == -2)
				trail_space = 1;
			if (prev_break)
				break_space = 1;
			prev_space = 1;
			prev_break = 0;
		} else if (is_break(c)) {
			if (i == 0)
				lead_break = 1;
			if (next == -2)
				trail_break = 1;
			if (prev_space)
				space_break = 1;
			prev_break = 1;
			prev_space = 0;
		} else
			prev_space = prev_break = 0;
		preceded_ws = is_blank(c) || is_break(c);
	}
	if (lead_space || lead_break || trail_space || trail_break)
		r->flow_plain = r->block_plain = 0;
	if (break_space || space_break || special || breaks)
		r->flow_plain = r->block_plain = r->single = 0;
	if (flow_ind)
		r->flow_plain = 0;
	if (block_ind)
		r->block_plain = 0;
}

int
yw_block_plain(const char *s, size_t n)
{
	struct scan sc;

	scan((const unsigned char *)s, n, &sc);
	return sc.block_plain;
}

int
yw_flow_plain(const char *s, size_t n)
{
	struct scan sc;

	scan((const unsigned char *)s, n, &sc);
	return sc.flow_plain;
}

static int
put(struct solr_buf *b, const char *s, size_t n)
{
	return solr_buf_add(b, s, n);
}

static int
puts_(struct solr_buf *b, const char *s)
{
	return solr_buf_add(b, s, strlen(s));
}

static int
double_quoted(struct solr_buf *b, const unsigned char *s, size_t n)
{
	static const char hx[] = "0123456789ABCDEF";
	char esc[12];
	size_t i, w;
	long c;
	int r = solr_buf_addc(b, '"');

	for (i = 0; r == 0 && i < n; i += w) {
		if ((c = yw_utf8(s + i, n - i, &w)) < 0) {
			/* not UTF-8: the replacement character */
			w = 1;
			r = puts_(b, "\\uFFFD");
			continue;
		}
		switch (c) {
		case 0: r = puts_(b, "\\0"); continue;
		case 0x07: r = puts_(b, "\\a"); continue;
		case 0x08: r = puts_(b, "\\b"); continue;
		case 0x0b: r = puts_(b, "\\v"); continue;
		case 0x0c: r = puts_(b, "\\f"); continue;
		case '\t': r = puts_(b, "\\t"); continue;
		case '\n': r = puts_(b, "\\n"); continue;
		case '\r': r = puts_(b, "\\r"); continue;
		case 0x1b: r = puts_(b, "\\e"); continue;
		case '"': r = puts_(b, "\\\""); continue;
		case '\\': r = puts_(b, "\\\\"); continue;
		case 0x85: r = puts_(b, "\\N"); continue;
		case 0xa0: r = puts_(b, "\\_"); continue;
		case 0x2028: r = puts_(b, "\\L"); continue;
		case 0x2029: r = puts_(b, "\\P"); continue;
		}
		if (yw_printable(c) && c != 0xfeff) {
			r = put(b, (const char *)s + i, w);
		} else if (c <= 0xff) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hx[c >> 4];
			esc[3] = hx[c & 15];
			r = put(b, esc, 4);
		} else {
			int k, d = c <= 0xffff ? 4 : 8;

			esc[0] = '\\';
			esc[1] = d == 4 ? 'u' : 'U';
			for (k = 0; k < d; k++)
				esc[2 + k] = hx[c >> (4 * (d - 1 - k)) & 15];
			r = put(b, esc, (size_t)d + 2);
		}
	}
	return r ? r : solr_buf_addc(b, '"');
}

static int
scalar(struct solr_buf *b, const struct ynode *n, int flow)
{
	const unsigned char *s = (const unsigned char *)n->str;
	struct scan sc;
	size_t i, from;
	int r;

	scan(s, n->len, &sc);
	if (!(n->quoted && yn_looks_typed(n->str)) && strlen(n->str) ==
	    n->len && (flow ? sc.flow_plain : sc.block_plain))
		return put(b, n->str, n->len);
	if (!sc.single)
		return double_quoted(b, s, n->len);
	r = solr_buf_addc(b, '\'');
	for (i = from = 0; r == 0 && i < n->len; i++)
		if (s[i] == '\'') {
			r = put(b, n->str + from, i + 1 - from);
			r = r ? r : solr_buf_addc(b, '\'');
			from = i + 1;
		}
	r = r ? r : put(b, n->str + from, n->len - from);
	return r ? r : solr_buf_addc(b, '\'');
}

static int
indent(struct solr_buf *b, int k)
{
	static const char sp[] = "                                        ";
	int r = 0;

	for (; r == 0 && k > 0; k -= 40)
		r = put(b, sp, k < 40 ? (size_t)k : 40);
	return r;
}

static int node(struct solr_buf *, const struct ynode *, int, int);

static int
flow_node(struct solr_buf *b, const struct ynode *n)
{
	size_t i;
	int r;

	if (n->kind == YN_SCALAR)
		return scalar(b, n, 1);
	r = solr_buf_addc(b, n->kind == YN_MAP ? '{' : '[');
	for (i = 0; r == 0 && i < n->n; i++) {
		if (i > 0)
			r = puts_(b, n->kind == YN_MAP && i % 2 ? ": " : ", ");
		r = r ? r : flow_node(b, n->items[i]);
	}
	return r ? r : solr_buf_addc(b, n->kind == YN_MAP ? '}' : ']');
}

static int
is_block(const struct ynode *n)
{
	return n->kind != YN_SCALAR && !n->flow && n->n > 0;
}

/* A value after "key:" or "-": on the same line, or on the lines after
 * it at indent k. */
static int
value(struct solr_buf *b, const struct ynode *v, int k, int in_map)
{
	int r;

	if (v->kind == YN_SCALAR && v->len == 0 && !v->quoted)
		return solr_buf_addc(b, '\n');	/* an empty plain scalar */
	if (!is_block(v)) {
		r = solr_buf_addc(b, ' ');
		r = r ? r : v->kind == YN_SCALAR ? scalar(b, v, 0) :
		    flow_node(b, v);
		return r ? r : solr_buf_addc(b, '\n');
	}
	if (v->kind == YN_SEQ && in_map) {
		/* a sequence in a mapping is not indented */
		r = solr_buf_addc(b, '\n');
		return r ? r : node(b, v, k - 2, 1);
	}
	r = solr_buf_addc(b, '\n');
	return r ? r : node(b, v, k, 1);
}

/* A block collection at indent k; first: whether its first line needs
 * its indent (not after "- "). */
static int
node(struct solr_buf *b, const struct ynode *n, int k, int first)
{
	size_t i;
	int r = 0;

	if (n->kind == YN_MAP) {
		for (i = 0; r == 0 && i + 1 < n->n; i += 2) {
			if (i > 0 || first)
				r = indent(b, k);
			r = r ? r : n->items[i]->kind == YN_SCALAR ? scalar(b,
			    n->items[i], 0) : flow_node(b, n->items[i]);
			r = r ? r : solr_buf_addc(b, ':');
			r = r ? r : value(b, n->items[i + 1], k + 2, 1);
		}
		return r;
	}
	for (i = 0; r == 0 && i < n->n; i++) {
		const struct ynode *v = n->items[i];

		if (i > 0 || first)
			r = indent(b, k);
		r = r ? r : solr_buf_addc(b, '-');
		if (r == 0 && is_block(v)) {
			/* the collection starts on the item's line */
			r = solr_buf_addc(b, ' ');
			r = r ? r : node(b, v, k + 2, 0);
		} else if (r == 0)
			r = value(b, v, k + 2, 0);
	}
	return r;
}

int
yn_write_doc(const struct ynode *n, struct solr_buf *b)
{
	int r = puts_(b, "---");

	if (r != 0)
		return SOLR_ERR_NOMEM;
	if (is_block(n)) {
		r = solr_buf_addc(b, '\n');
		r = r ? r : node(b, n, 0, 1);
	} else {
		r = solr_buf_addc(b, ' ');
		r = r ? r : n->kind == YN_SCALAR ? scalar(b, n, 0) :
		    flow_node(b, n);
		r = r ? r : solr_buf_addc(b, '\n');
	}
	return r ? SOLR_ERR_NOMEM : 0;
}

int
yw_put_utf8(struct solr_buf *b, long c)
{
	unsigned char u[4];
	size_t n;

	if (c < 0x80) {
		u[0] = (unsigned char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (unsigned char)(0xc0 | c >> 6);
		u[1] = (unsigned char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (unsigned char)(0xe0 | c >> 12);
		u[1] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | c >> 18);
		u[1] = (unsigned char)(0x80 | (c >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (c >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return solr_buf_add(b, u, n);
}
