/* Writing a document tree as YAML text directly, in the layout libyaml's
 * emitter gives it (block mappings indented by two, sequences in a
 * mapping not indented, flow collections on one line) and with its choice
 * of scalar style: plain where a reader would take the text back as it
 * is, else single quotes, else double quotes with escapes.  What is
 * written reads back to the same tree (tests/unit/check_ywrite.c). */
#include <string.h>

#include "base/util.h"
#include "base/ytree.h"
#include "base/ychar.h"
#include "base/ywrite.h"

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

int
yw_scalar(struct solr_buf *b, const char *str, size_t n, int quoted,
    int flow)
{
	const unsigned char *s = (const unsigned char *)str;
	struct yw_scan sc;
	size_t i, from;
	int r;

	yw_scan(s, n, &sc);
	if (!(quoted && yn_looks_typed(str)) && strlen(str) == n &&
	    (flow ? sc.flow_plain : sc.block_plain))
		return put(b, str, n);
	if (!sc.single)
		return double_quoted(b, s, n);
	r = solr_buf_addc(b, '\'');
	for (i = from = 0; r == 0 && i < n; i++)
		if (s[i] == '\'') {
			r = put(b, str + from, i + 1 - from);
			r = r ? r : solr_buf_addc(b, '\'');
			from = i + 1;
		}
	r = r ? r : put(b, str + from, n - from);
	return r ? r : solr_buf_addc(b, '\'');
}

static int
scalar(struct solr_buf *b, const struct ynode *n, int flow)
{
	if (n->kind != YN_SCALAR)
		return SOLR_ERR_INTERNAL;	/* a raw value in a flow */
	return yw_scalar(b, n->str, n->len, n->quoted, flow);
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

	if (n->kind == YN_SCALAR || n->kind == YN_RAW)
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
	return (n->kind == YN_SEQ || n->kind == YN_MAP) && !n->flow &&
	    n->n > 0;
}

/* A value after "key:" or "-": on the same line, or on the lines after
 * it at indent k. */
static int
value(struct solr_buf *b, const struct ynode *v, int k, int in_map)
{
	int r;

	if (v->kind == YN_SCALAR && v->len == 0 && !v->quoted)
		return solr_buf_addc(b, '\n');	/* an empty plain scalar */
	if (v->kind == YN_RAW) {
		/* written out already, for a key of the top-level mapping */
		if (v->flow || !in_map || k != 2)
			return SOLR_ERR_INTERNAL;
		r = solr_buf_addc(b, '\n');
		return r ? r : put(b, v->str, v->len);
	}
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

/* JSON */

/* A string as jq writes it, so that a record piped through jq -c keeps
 * its bytes (and its seal): the short escapes, \u00XX for the other
 * control characters and DEL, UTF-8 as it is, U+FFFD for bytes that are
 * not UTF-8. */
void
yw_json_string(struct solr_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w;
	char u[8];

	solr_buf_addc(b, '"');
	while (n > 0) {
		unsigned char c = *p;
		const char *short_esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" :
		    c == '\b' ? "\\b" : c == '\t' ? "\\t" : c == '\n' ? "\\n" :
		    c == '\f' ? "\\f" : c == '\r' ? "\\r" : NULL;

		w = 1;
		if (short_esc != NULL)
			solr_buf_add(b, short_esc, 2);
		else if (c < 0x20 || c == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			solr_buf_add(b, u, 6);
		} else if (c < 0x80)
			solr_buf_addc(b, c);
		else if (yw_utf8(p, n, &w) < 0) {
			solr_buf_add(b, "\xef\xbf\xbd", 3);
			w = 1;
		} else
			solr_buf_add(b, p, w);
		p += w;
		n -= w;
	}
	solr_buf_addc(b, '"');
}

/* A plain decimal integer (hex, versions and times stay strings). */
static int
json_number(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != '\0'))
		return 0;
	return strspn(p, "0123456789") == strlen(p) && strlen(p) < 16;
}

int
yn_json(const struct ynode *n, struct solr_buf *b)
{
	size_t i;

	if (n == NULL) {
		solr_buf_add(b, "null", 4);
		return 0;
	}
	switch (n->kind) {
	case YN_SCALAR:
		if (!n->quoted && yn_is_null(n))
			solr_buf_add(b, "null", 4);
		else if (!n->quoted && (strcmp(n->str, "true") == 0 ||
		    strcmp(n->str, "false") == 0))
			solr_buf_add(b, n->str, strlen(n->str));
		else if (!n->quoted && json_number(n->str))
			solr_buf_add(b, n->str, strlen(n->str));
		else
			yw_json_string(b, n->str);
		break;
	case YN_SEQ:
		solr_buf_addc(b, '[');
		for (i = 0; i < n->n; i++) {
			if (i)
				solr_buf_addc(b, ',');
			if (yn_json(n->items[i], b) != 0)
				return SOLR_ERR_INTERNAL;
		}
		solr_buf_addc(b, ']');
		break;
	case YN_RAW:
		if (!n->flow)
			return SOLR_ERR_INTERNAL;	/* YAML text */
		solr_buf_add(b, n->str, n->len);
		break;
	case YN_MAP:
		solr_buf_addc(b, '{');
		for (i = 0; i + 1 < n->n; i += 2) {
			if (i)
				solr_buf_addc(b, ',');
			yw_json_string(b, n->items[i]->str);
			solr_buf_addc(b, ':');
			if (yn_json(n->items[i + 1], b) != 0)
				return SOLR_ERR_INTERNAL;
		}
		solr_buf_addc(b, '}');
		break;
	}
	return 0;
}
