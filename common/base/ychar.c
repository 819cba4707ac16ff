/* YAML at the level of characters: UTF-8, what YAML may print, and which
 * scalar styles a text allows (after libyaml's analysis), shared by the
 * readers and the writers. */
#include <string.h>

#include "base/util.h"
#include "base/ychar.h"


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

/* Whether c, first in the text or not, between white space or not, is an
 * indicator that a plain scalar cannot hold in a flow or in a block. */
static void
indicator(long c, int first, int preceded_ws, int followed_ws,
    int *flow_ind, int *block_ind)
{
	if (first) {
		if (strchr("#,[]{}&*!|>'\"%@`", (int)c) && c != 0)
			*flow_ind = *block_ind = 1;
		if (c == '?' || c == ':') {
			*flow_ind = 1;
			if (followed_ws)
				*block_ind = 1;
		}
		if (c == '-' && followed_ws)
			*flow_ind = *block_ind = 1;
		return;
	}
	if (c != 0 && strchr(",?[]{}", (int)c))
		*flow_ind = 1;
	if (c == ':') {
		*flow_ind = 1;
		if (followed_ws)
			*block_ind = 1;
	}
	if (c == '#' && preceded_ws)
		*flow_ind = *block_ind = 1;
}

void
yw_scan(const unsigned char *s, size_t n, struct yw_scan *r)
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
		indicator(c, i == 0, preceded_ws, followed_ws, &flow_ind,
		    &block_ind);
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
	struct yw_scan sc;

	yw_scan((const unsigned char *)s, n, &sc);
	return sc.block_plain;
}

int
yw_flow_plain(const char *s, size_t n)
{
	struct yw_scan sc;

	yw_scan((const unsigned char *)s, n, &sc);
	return sc.flow_plain;
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
