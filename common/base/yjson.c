/*
 * JSON (RFC 8259) read into the document tree, for records that come as
 * JSON Lines (solr-records(5)).  Strings become quoted scalars; numbers,
 * true, false and null plain ones, so yn_json writes the same text back.
 * Collections deeper than the record's own mappings are written in flow
 * style, as the record writer does.  Strict: no comments, no trailing commas, no duplicate keys, no NUL in a
 * string, valid UTF-8 only; the tree's depth and size limits hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/ytree.h"
#include "base/ychar.h"
#include "base/yread.h"

struct jp {
	const unsigned char *p, *end, *start;
	const char *fname;
	int line;
	size_t nodes;
	struct solr_err *e;
	int failed;
};

static int
fail(struct jp *j, const char *what)
{
	if (!j->failed)
		solr_seterr_at(j->e, SOLR_ERR_FORMAT, j->fname, j->line,
		    "JSON, at byte %zu: %s", (size_t)(j->p - j->start) + 1,
		    what);
	j->failed = 1;
	return SOLR_ERR_FORMAT;
}

static void
ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
	    *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static int
hex4(struct jp *j, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++, j->p++) {
		int c = j->p < j->end ? *j->p : -1, d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return fail(j, "\\u must be followed by 4 hex digits");
		*v = *v << 4 | (unsigned)d;
	}
	return 0;
}

/* An escape after the backslash. */
static int
escape(struct jp *j, struct solr_buf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *k;
	unsigned hi, lo;

	if (j->p >= j->end)
		return fail(j, "a string is not closed");
	if ((k = memchr(from, *j->p, sizeof(from) - 1)) != NULL) {
		solr_buf_addc(b, to[k - from]);
		j->p++;
		return 0;
	}
	if (*j->p++ != 'u')
		return fail(j, "an unknown escape in a string");
	if (hex4(j, &hi) != 0)
		return SOLR_ERR_FORMAT;
	if (hi == 0)
		return fail(j, "a string holds \\u0000 (NUL is not allowed)");
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return fail(j, "a low surrogate without a high one");
	if (hi >= 0xd800 && hi <= 0xdbff) {
		if (j->end - j->p < 2 || j->p[0] != '\\' || j->p[1] != 'u')
			return fail(j, "a high surrogate without a low one");
		j->p += 2;
		if (hex4(j, &lo) != 0)
			return SOLR_ERR_FORMAT;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(j, "a high surrogate without a low one");
		yw_put_utf8(b, 0x10000 + ((long)(hi - 0xd800) << 10) +
		    (long)(lo - 0xdc00));
		return 0;
	}
	yw_put_utf8(b, (long)hi);
	return 0;
}

static int
string(struct jp *j, struct solr_buf *b)
{
	b->len = 0;
	j->p++;				/* the opening quote */
	for (;;) {
		size_t w;
		long c;

		if (j->p >= j->end)
			return fail(j, "a string is not closed");
		if (*j->p == '"') {
			j->p++;
			break;
		}
		if (*j->p < 0x20)
			return fail(j, "a control character in a string "
			    "(it must be escaped)");
		if (*j->p == '\\') {
			j->p++;
			if (escape(j, b) != 0)
				return SOLR_ERR_FORMAT;
			continue;
		}
		if ((c = yw_utf8(j->p, (size_t)(j->end - j->p), &w)) < 0)
			return fail(j, "a string is not valid UTF-8");
		solr_buf_add(b, j->p, w);
		j->p += w;
	}
	if (solr_buf_addc(b, '\0') != 0)
		return SOLR_ERR_NOMEM;
	b->len--;
	return 0;
}

/* A number's text, kept as it is (a plain scalar). */
static int
number(struct jp *j)
{
	const unsigned char *s = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return fail(j, "a value was expected");
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return fail(j, "a digit must follow the decimal point");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return fail(j, "a digit must follow the exponent");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return (int)(j->p - s);
}

static int value(struct jp *j, int depth, struct ynode **out,
    struct solr_buf *b);

static int
word(struct jp *j, const char *w, struct ynode **out)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0)
		return fail(j, "a value was expected");
	j->p += n;
	return (*out = yn_new_plain(w)) ? 0 : SOLR_ERR_NOMEM;
}

static int
container(struct jp *j, int depth, struct ynode **out, struct solr_buf *b)
{
	int map = *j->p == '{', r;
	unsigned char close = map ? '}' : ']';
	/* the writer's layout: the record and its mappings in block
	 * style, what is deeper on one line */
	struct ynode *c = map ? yn_new_map(depth >= 2) : yn_new_seq(depth >= 2),
	    *v;

	if ((*out = c) == NULL)
		return SOLR_ERR_NOMEM;
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return 0;
	}
	for (;;) {
		ws(j);
		if (map) {
			if (j->p >= j->end || *j->p != '"')
				return fail(j, "a key (a string) was expected");
			if ((r = string(j, b)) != 0)
				return r;
			if (c->n / 2 >= YN_MAX_KEYS)
				return fail(j, "more keys in one object than a "
				    "record has (" YN_MAX_KEYS_STR ")");
			if ((v = yn_new_strn((const char *)b->p, b->len)) ==
			    NULL || yn_push_raw(c, v) != 0)
				return SOLR_ERR_NOMEM;
			ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return fail(j, "':' was expected after a key");
		}
		if ((r = value(j, depth + 1, &v, b)) != 0) {
			yn_free(v);
			return r;
		}
		if (yn_push_raw(c, v) != 0)
			return SOLR_ERR_NOMEM;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == close) {
			const struct ynode *d;

			j->p++;
			/* the keys checked once the object is whole: linear */
			if (map && (d = yn_map_dup(c)) != NULL)
				return fail(j, "a key appears twice");
			return 0;
		}
		return fail(j, map ? "',' or '}' was expected" :
		    "',' or ']' was expected");
	}
}

static int
value(struct jp *j, int depth, struct ynode **out, struct solr_buf *b)
{
	int r;

	*out = NULL;
	if (depth > YN_MAX_DEPTH)
		return fail(j, "nested too deep");
	if (++j->nodes > YN_MAX_NODES)
		return fail(j, "too many values");
	ws(j);
	if (j->p >= j->end)
		return fail(j, "a value was expected");
	switch (*j->p) {
	case '{':
	case '[':
		return container(j, depth, out, b);
	case '"':
		if ((r = string(j, b)) != 0)
			return r;
		return (*out = yn_new_strn((const char *)b->p, b->len)) ? 0 :
		    SOLR_ERR_NOMEM;
	case 't':
		return word(j, "true", out);
	case 'f':
		return word(j, "false", out);
	case 'n':
		return word(j, "null", out);
	}
	{
		const unsigned char *s = j->p;

		if ((r = number(j)) < 0)
			return SOLR_ERR_FORMAT;
		return (*out = yn_new_plainn((const char *)s, (size_t)r)) ?
		    0 : SOLR_ERR_NOMEM;
	}
}

int
yn_parse_json(const char *buf, size_t len, const char *fname, int line,
    struct ynode **out, struct solr_err *e)
{
	struct jp j = { (const unsigned char *)buf,
	    (const unsigned char *)buf + len, (const unsigned char *)buf,
	    fname, line, 0, e, 0 };
	struct solr_buf b = { 0 };
	int r;

	*out = NULL;
	if ((r = value(&j, 0, out, &b)) == 0) {
		ws(&j);
		if (j.p != j.end)
			r = fail(&j, "text after the value");
	}
	solr_buf_free(&b);
	if (r == SOLR_ERR_NOMEM && !j.failed)
		solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (r != 0) {
		yn_free(*out);
		*out = NULL;
	}
	return r;
}
