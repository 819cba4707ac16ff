#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbcs/reader.h"

int
gr_fail(struct gdec *g, size_t off, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return solr_seterr(g->e, SOLR_ERR_VERIFY, "offset %zu: %s",
	    off + g->base, msg);
}

/* s into out (cap bytes), cut to fit, as snprintf "%s" would. */
static void
copy_cut(char *out, size_t cap, const char *s)
{
	size_t n = strnlen(s, cap - 1);

	memcpy(out, s, n);
	out[n] = '\0';
}

/* v in decimal (with a sign when neg), as snprintf would write it. */
static void
put_dec(char *out, size_t cap, uint64_t v, int neg)
{
	char d[24], *p = d + sizeof(d);

	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (neg)
		*--p = '-';
	copy_cut(out, cap, p);
}

/* "0x" and v in width upper-case hex digits (more when it needs them). */
static void
put_hex(char *out, size_t cap, uint64_t v, int width)
{
	static const char hx[] = "0123456789ABCDEF";
	char d[24], *p = d + sizeof(d);

	*--p = '\0';
	do {
		*--p = hx[v & 15];
		width--;
	} while ((v >>= 4) != 0 || width > 0);
	*--p = 'x';
	*--p = '0';
	copy_cut(out, cap, p);
}

/* The next line of the field list, its place and name set (NULL when
 * there is no list, or no room for one more). */
static struct gbcs_field *
field(struct gdec *g, size_t off, size_t len, const char *name)
{
	struct gbcs_trace *t = g->t;
	struct gbcs_field *f;

	if (t == NULL)
		return NULL;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct gbcs_field *nf = realloc(t->f, nc * sizeof(*nf));

		if (nf == NULL)
			return NULL;
		t->f = nf;
		t->cap = nc;
	}
	f = &t->f[t->n++];
	f->offset = off + g->base;
	f->length = len;
	f->depth = g->depth;
	copy_cut(f->name, sizeof(f->name), name);
	return f;
}

void
gr_trace(struct gdec *g, size_t off, size_t len, const char *name,
    const char *fmt, ...)
{
	struct gbcs_field *f = field(g, off, len, name);
	va_list ap;

	if (f == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(f->value, sizeof(f->value), fmt, ap);
	va_end(ap);
}

void
gr_trace_str(struct gdec *g, size_t off, size_t len, const char *name,
    const char *s)
{
	struct gbcs_field *f = field(g, off, len, name);

	if (f != NULL)
		copy_cut(f->value, sizeof(f->value), s);
}

void
gr_trace_dec(struct gdec *g, size_t off, size_t len, const char *name,
    int64_t v)
{
	struct gbcs_field *f = field(g, off, len, name);

	if (f != NULL)
		put_dec(f->value, sizeof(f->value), v < 0 ? (uint64_t)0 -
		    (uint64_t)v : (uint64_t)v, v < 0);
}

void
gr_trace_udec(struct gdec *g, size_t off, size_t len, const char *name,
    uint64_t v)
{
	struct gbcs_field *f = field(g, off, len, name);

	if (f != NULL)
		put_dec(f->value, sizeof(f->value), v, 0);
}

void
gr_trace_hex(struct gdec *g, size_t off, size_t len, const char *name,
    uint64_t v, int width)
{
	struct gbcs_field *f = field(g, off, len, name);

	if (f != NULL)
		put_hex(f->value, sizeof(f->value), v, width);
}

int
gr_need(struct gdec *g, const struct span *r, size_t n, const char *what)
{
	if (r->end - r->pos < n)
		return gr_fail(g, r->pos, "%s: needs %zu bytes but only %zu "
		    "remain", what, n, r->end - r->pos);
	return 0;
}

int
gr_be(struct gdec *g, struct span *r, int n, const char *what, uint64_t *v)
{
	int i, rc;

	if ((rc = gr_need(g, r, (size_t)n, what)) != 0)
		return rc;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = *v << 8 | g->b[r->pos + (size_t)i];
	r->pos += (size_t)n;
	return 0;
}

int
gr_u8(struct gdec *g, struct span *r, const char *what, unsigned *v)
{
	uint64_t x;
	int rc;

	if ((rc = gr_be(g, r, 1, what, &x)) != 0)
		return rc;
	*v = (unsigned)x;
	return 0;
}

/* The A-XDR length: 00-7F, or 81 LL (>= 0x80), or 82 HH LL (>= 0x100);
 * every other form, and every non-minimal one, is refused. */
int
gr_len(struct gdec *g, struct span *r, const char *what, size_t *len)
{
	size_t at = r->pos;
	unsigned b;
	uint64_t v;
	int rc;

	if ((rc = gr_u8(g, r, what, &b)) != 0)
		return rc;
	if (b < 0x80) {
		*len = b;
	} else if (b == 0x81) {
		if ((rc = gr_be(g, r, 1, what, &v)) != 0)
			return rc;
		if (v < 0x80)
			return gr_fail(g, at, "%s: non-minimal length 81 %02X",
			    what, (unsigned)v);
		*len = (size_t)v;
	} else if (b == 0x82) {
		if ((rc = gr_be(g, r, 2, what, &v)) != 0)
			return rc;
		if (v < 0x100)
			return gr_fail(g, at, "%s: non-minimal length 82 %04X",
			    what, (unsigned)v);
		*len = (size_t)v;
	} else
		return gr_fail(g, at, "%s: length form 0x%02X is not accepted "
		    "(only 00-7F, 81 and 82)", what, b);
	gr_trace_udec(g, at, r->pos - at, what, *len);
	return 0;
}

/* A sub-range of len bytes for a nested element. */
int
gr_sub(struct gdec *g, struct span *r, size_t len, const char *what,
    struct span *out)
{
	int rc;

	if ((rc = gr_need(g, r, len, what)) != 0)
		return rc;
	out->pos = r->pos;
	out->end = r->pos + len;
	r->pos += len;
	return 0;
}

int
gr_end(struct gdec *g, const struct span *r, const char *what)
{
	if (r->pos != r->end)
		return gr_fail(g, r->pos, "%zu bytes left over at the end of "
		    "%s", r->end - r->pos, what);
	return 0;
}

int
gr_expect(struct gdec *g, struct span *r, unsigned want, const char *what)
{
	size_t at = r->pos;
	unsigned v;
	int rc;

	if ((rc = gr_u8(g, r, what, &v)) != 0)
		return rc;
	if (v != want)
		return gr_fail(g, at, "%s is 0x%02X, not 0x%02X", what, v,
		    want);
	gr_trace_hex(g, at, 1, what, v, 2);
	return 0;
}

/* A little-endian field of a ZCL payload, consumed. */
int
gr_le(struct gdec *g, struct span *r, int n, const char *what, uint32_t *v)
{
	int i, rc;

	if ((rc = gr_need(g, r, (size_t)n, what)) != 0)
		return rc;
	*v = 0;
	for (i = n - 1; i >= 0; i--)
		*v = *v << 8 | g->b[r->pos + (size_t)i];
	r->pos += (size_t)n;
	return 0;
}
