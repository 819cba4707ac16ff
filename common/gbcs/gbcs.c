#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/layout.h"
#include "base/crypto.h"
#include "world/device.h"
#include "gbcs/gbcs.h"
#include "base/util.h"

/*
 * A decoder over one message.  Every read is bounded by the range it is
 * in (a nested element gets its own range, which its parser must consume
 * exactly), and every failure names the offset and the rule.
 */
struct g {
	const unsigned char *b;
	struct gbcs_trace *t;
	struct solr_err *e;
	int depth;
	size_t base;		/* offset of b in the whole message */
};

struct rng {
	size_t pos, end;
};

static int
fail(struct g *g, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(struct g *g, size_t off, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return solr_seterr(g->e, SOLR_ERR_VERIFY, "offset %zu: %s",
	    off + g->base, msg);
}

static void
trace(struct g *g, size_t off, size_t len, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
trace(struct g *g, size_t off, size_t len, const char *name,
    const char *fmt, ...)
{
	struct gbcs_trace *t = g->t;
	struct gbcs_field *f;
	va_list ap;

	if (t == NULL)
		return;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 64;
		struct gbcs_field *nf = realloc(t->f, nc * sizeof(*nf));

		if (nf == NULL)
			return;
		t->f = nf;
		t->cap = nc;
	}
	f = &t->f[t->n++];
	f->offset = off + g->base;
	f->length = len;
	f->depth = g->depth;
	snprintf(f->name, sizeof(f->name), "%s", name);
	va_start(ap, fmt);
	vsnprintf(f->value, sizeof(f->value), fmt, ap);
	va_end(ap);
}

void
gbcs_trace_free(struct gbcs_trace *t)
{
	free(t->f);
	t->f = NULL;
	t->n = t->cap = 0;
}

static int
need(struct g *g, const struct rng *r, size_t n, const char *what)
{
	if (r->end - r->pos < n)
		return fail(g, r->pos, "%s: needs %zu bytes but only %zu "
		    "remain", what, n, r->end - r->pos);
	return 0;
}

static int
rd_be(struct g *g, struct rng *r, int n, const char *what, uint64_t *v)
{
	int i, rc;

	if ((rc = need(g, r, (size_t)n, what)) != 0)
		return rc;
	*v = 0;
	for (i = 0; i < n; i++)
		*v = *v << 8 | g->b[r->pos + (size_t)i];
	r->pos += (size_t)n;
	return 0;
}

static int
rd_u8(struct g *g, struct rng *r, const char *what, unsigned *v)
{
	uint64_t x;
	int rc;

	if ((rc = rd_be(g, r, 1, what, &x)) != 0)
		return rc;
	*v = (unsigned)x;
	return 0;
}

/* The A-XDR length: 00-7F, or 81 LL (>= 0x80), or 82 HH LL (>= 0x100);
 * every other form, and every non-minimal one, is refused. */
static int
rd_len(struct g *g, struct rng *r, const char *what, size_t *len)
{
	size_t at = r->pos;
	unsigned b;
	uint64_t v;
	int rc;

	if ((rc = rd_u8(g, r, what, &b)) != 0)
		return rc;
	if (b < 0x80) {
		*len = b;
	} else if (b == 0x81) {
		if ((rc = rd_be(g, r, 1, what, &v)) != 0)
			return rc;
		if (v < 0x80)
			return fail(g, at, "%s: non-minimal length 81 %02X",
			    what, (unsigned)v);
		*len = (size_t)v;
	} else if (b == 0x82) {
		if ((rc = rd_be(g, r, 2, what, &v)) != 0)
			return rc;
		if (v < 0x100)
			return fail(g, at, "%s: non-minimal length 82 %04X",
			    what, (unsigned)v);
		*len = (size_t)v;
	} else
		return fail(g, at, "%s: length form 0x%02X is not accepted "
		    "(only 00-7F, 81 and 82)", what, b);
	trace(g, at, r->pos - at, what, "%zu", *len);
	return 0;
}

/* A sub-range of len bytes for a nested element. */
static int
sub(struct g *g, struct rng *r, size_t len, const char *what, struct rng *out)
{
	int rc;

	if ((rc = need(g, r, len, what)) != 0)
		return rc;
	out->pos = r->pos;
	out->end = r->pos + len;
	r->pos += len;
	return 0;
}

static int
at_end(struct g *g, const struct rng *r, const char *what)
{
	if (r->pos != r->end)
		return fail(g, r->pos, "%zu bytes left over at the end of %s",
		    r->end - r->pos, what);
	return 0;
}

static int
expect_u8(struct g *g, struct rng *r, unsigned want, const char *what)
{
	size_t at = r->pos;
	unsigned v;
	int rc;

	if ((rc = rd_u8(g, r, what, &v)) != 0)
		return rc;
	if (v != want)
		return fail(g, at, "%s is 0x%02X, not 0x%02X", what, v, want);
	trace(g, at, 1, what, "0x%02X", v);
	return 0;
}

/* General-Signing */

static int parse_signing(const unsigned char *, size_t, int, int,
    struct gbcs_apdu *, struct gbcs_trace *, struct solr_err *, size_t);

int
gbcs_parse_signing(const unsigned char *p, size_t n, int cra,
    struct gbcs_apdu *a, struct gbcs_trace *t, struct solr_err *e)
{
	return parse_signing(p, n, cra, 0, a, t, e, 0);
}

/* A system title: length 8, then the EUI-64. */
static int
system_title(struct g *g, struct rng *r, const char *what, uint64_t *eui)
{
	char name[64];
	size_t len, at = r->pos;
	int rc;

	snprintf(name, sizeof(name), "%s system-title length", what);
	if ((rc = rd_len(g, r, name, &len)) != 0)
		return rc;
	if (len != 8)
		return fail(g, at, "%s system-title length is %zu, not 8", what,
		    len);
	at = r->pos;
	if ((rc = rd_be(g, r, 8, what, eui)) != 0)
		return rc;
	trace(g, at, 8, what, "%016llX", (unsigned long long)*eui);
	return 0;
}

/* The transaction-id (CRA flag and originator counter), the system
 * titles and the date-time. */
static int
signing_head(struct g *g, struct rng *r, int cra, struct gbcs_apdu *a)
{
	size_t len, at;
	unsigned c;
	int rc;

	if ((rc = expect_u8(g, r, 0xDF, "general-signing tag")) != 0 ||
	    (rc = rd_len(g, r, "transaction-id length", &len)) != 0)
		return rc;
	if (len != 9)
		return fail(g, 1, "transaction-id length is %zu, not 9", len);
	at = r->pos;
	if ((rc = rd_u8(g, r, "CRA flag", &c)) != 0)
		return rc;
	if ((int)c != cra)
		return fail(g, at, "CRA flag is 0x%02X; %s has 0x%02X", c,
		    cra == 1 ? "a command" : cra == 2 ? "a response" :
		    "an alert", (unsigned)cra);
	a->cra = (int)c;
	trace(g, at, 1, "CRA flag", "%u", c);
	at = r->pos;
	if ((rc = rd_be(g, r, 8, "originator counter", &a->counter)) != 0)
		return rc;
	trace(g, at, 8, "originator counter", "%llu",
	    (unsigned long long)a->counter);
	if ((rc = system_title(g, r, "originator", &a->originator)) != 0 ||
	    (rc = system_title(g, r, "recipient", &a->recipient)) != 0)
		return rc;
	at = r->pos;
	if ((rc = rd_len(g, r, "date-time length", &len)) != 0)
		return rc;
	if (len != 0 && len != 12)
		return fail(g, at, "date-time length is %zu, not 0 or 12", len);
	a->date_time_len = len;
	if (len) {
		if ((rc = need(g, r, 12, "date-time")) != 0)
			return rc;
		memcpy(a->date_time, g->b + r->pos, 12);
		trace(g, r->pos, 12, "date-time", "(12 bytes)");
		r->pos += 12;
	}
	return 0;
}

/* The other-information (the message code first) and the content. */
static int
signing_body(struct g *g, struct rng *r, struct gbcs_apdu *a)
{
	struct rng other, content;
	size_t len, at = r->pos;
	uint64_t v;
	int rc;

	if ((rc = rd_len(g, r, "other-information length", &len)) != 0)
		return rc;
	if (len < 2)
		return fail(g, at, "other-information length is %zu; it holds "
		    "at least the 2-byte message code", len);
	a->other_len = len;
	if ((rc = sub(g, r, len, "other-information", &other)) != 0)
		return rc;
	at = other.pos;
	rd_be(g, &other, 2, "message code", &v);
	a->message_code = (uint16_t)v;
	trace(g, at, 2, "message code", "0x%04X", a->message_code);
	if (other.pos != other.end)
		trace(g, other.pos, other.end - other.pos,
		    "other-information (rest)", "(%zu bytes)",
		    other.end - other.pos);
	if ((rc = rd_len(g, r, "content length", &len)) != 0 ||
	    (rc = sub(g, r, len, "content", &content)) != 0)
		return rc;
	a->content_off = content.pos;
	a->content_len = len;
	return 0;
}

/* The signature that ends the APDU: 64 bytes r||s, or the null
 * signature 00 of a MACed message (null_sig). */
static int
signing_tail(struct g *g, struct rng *r, int null_sig, struct gbcs_apdu *a)
{
	size_t len, at;
	int rc;

	if (r->pos == r->end)
		return fail(g, r->pos, "signature field absent: a Signed "
		    "Pre-Command ends with 40 and a 64-byte signature");
	at = r->pos;
	if ((rc = rd_len(g, r, "signature length", &len)) != 0)
		return rc;
	if (null_sig) {
		if (len != 0)
			return fail(g, at, "signature length is %zu; a MACed "
			    "message carries the null signature 00", len);
		return at_end(g, r, "the General-Signing APDU");
	}
	if (len != 64)
		return fail(g, at, "signature length is %zu; a Signed "
		    "Pre-Command carries exactly 64 bytes (r||s)%s", len,
		    len == 0 ? ", and a null signature is unsigned" : "");
	if ((rc = need(g, r, 64, "signature")) != 0)
		return rc;
	memcpy(a->signature, g->b + r->pos, 64);
	trace(g, r->pos, 64, "signature", "r||s");
	r->pos += 64;
	a->has_signature = 1;
	return at_end(g, r, "the General-Signing APDU");
}

/* null_sig: the signature length is 00 (a MACed message); base: the
 * offset of p in the whole message, for the reasons. */
static int
parse_signing(const unsigned char *p, size_t n, int cra, int null_sig,
    struct gbcs_apdu *a, struct gbcs_trace *t, struct solr_err *e,
    size_t base)
{
	struct g g = { p, t, e, 0, base };
	struct rng r = { 0, n };
	int rc;

	memset(a, 0, sizeof(*a));
	a->buf = p;
	a->len = n;
	a->base = base;
	if (n > GBCS_MAX_LEN)
		return fail(&g, 0, "the message is %zu bytes; the limit is %d",
		    n, GBCS_MAX_LEN);
	if ((rc = signing_head(&g, &r, cra, a)) != 0 ||
	    (rc = signing_body(&g, &r, a)) != 0)
		return rc;
	return signing_tail(&g, &r, null_sig, a);
}

/* DLMS A-XDR data */

static const char *
dlms_type(unsigned tag)
{
	switch (tag) {
	case 0x01: return "array";
	case 0x02: return "structure";
	case 0x03: return "boolean";
	case 0x04: return "bit-string";
	case 0x05: return "double-long";
	case 0x06: return "double-long-unsigned";
	case 0x09: return "octet-string";
	case 0x0F: return "integer";
	case 0x10: return "long";
	case 0x11: return "unsigned";
	case 0x12: return "long-unsigned";
	case 0x16: return "enum";
	default: return "unknown type";
	}
}

static int
dl_tag(struct g *g, struct rng *r, unsigned want, const char *what)
{
	size_t at = r->pos;
	unsigned v;
	int rc;

	if ((rc = rd_u8(g, r, what, &v)) != 0)
		return rc;
	if (v != want)
		return fail(g, at, "%s has data type %s (0x%02X), not %s "
		    "(0x%02X)", what, dlms_type(v), v, dlms_type(want), want);
	return 0;
}

static int
dl_double_long(struct g *g, struct rng *r, const char *what, int64_t *out)
{
	size_t at = r->pos;
	uint64_t v;
	int rc;

	if ((rc = dl_tag(g, r, 0x05, what)) != 0 ||
	    (rc = rd_be(g, r, 4, what, &v)) != 0)
		return rc;
	*out = (int32_t)(uint32_t)v;
	trace(g, at, 5, what, "%lld", (long long)*out);
	return 0;
}

static int
dl_long_unsigned(struct g *g, struct rng *r, const char *what,
    unsigned *out)
{
	size_t at = r->pos;
	uint64_t v;
	int rc;

	if ((rc = dl_tag(g, r, 0x12, what)) != 0 ||
	    (rc = rd_be(g, r, 2, what, &v)) != 0)
		return rc;
	*out = (unsigned)v;
	trace(g, at, 3, what, "%u", *out);
	return 0;
}

static int
dl_octets(struct g *g, struct rng *r, size_t want, const char *what,
    unsigned char *out)
{
	size_t at = r->pos, len;
	int rc;

	if ((rc = dl_tag(g, r, 0x09, what)) != 0 ||
	    (rc = rd_len(g, r, what, &len)) != 0)
		return rc;
	if (len != want)
		return fail(g, at, "%s is an octet-string of %zu bytes, not "
		    "%zu", what, len, want);
	if ((rc = need(g, r, want, what)) != 0)
		return rc;
	memcpy(out, g->b + r->pos, want);
	r->pos += want;
	return 0;
}

/* A bit-string of at most 32 bits, most significant first; the padding
 * bits must be zero. */
static int
dl_bits(struct g *g, struct rng *r, size_t maxbits, const char *what,
    size_t *nbits, uint32_t *bits)
{
	size_t at = r->pos, nbytes, i;
	int rc;

	if ((rc = dl_tag(g, r, 0x04, what)) != 0 ||
	    (rc = rd_len(g, r, what, nbits)) != 0)
		return rc;
	if (*nbits > maxbits)
		return fail(g, at, "%s has %zu bits; at most %zu", what, *nbits,
		    maxbits);
	nbytes = (*nbits + 7) / 8;
	if ((rc = need(g, r, nbytes, what)) != 0)
		return rc;
	*bits = 0;
	for (i = 0; i < *nbits; i++)
		if (g->b[r->pos + i / 8] & (0x80 >> (i % 8)))
			*bits |= 1u << i;
	if (*nbits % 8 && (g->b[r->pos + nbytes - 1] & (0xFF >> (*nbits % 8))))
		return fail(g, at, "%s has non-zero padding bits", what);
	r->pos += nbytes;
	return 0;
}

static int
dl_count(struct g *g, struct rng *r, unsigned tag, size_t min, size_t max,
    const char *what, size_t *n)
{
	size_t at = r->pos;
	int rc;

	if ((rc = dl_tag(g, r, tag, what)) != 0 ||
	    (rc = rd_len(g, r, what, n)) != 0)
		return rc;
	if (*n < min || *n > max)
		return fail(g, at, "%s has %zu elements; %zu to %zu are "
		    "allowed", what, *n, min, max);
	/* every element takes at least two bytes: bound by what is left */
	if (*n > (r->end - r->pos) / 2)
		return fail(g, at, "%s claims %zu elements but only %zu bytes "
		    "remain", what, *n, r->end - r->pos);
	return 0;
}

/* A DLMS date (5 bytes): FFFF and FF are "not specified", day FE is the
 * last day of the month and FD the second last. */
static int
dlms_date(struct g *g, size_t at, const unsigned char *d, int allow_wild_day,
    const char *what, struct pp_date *out)
{
	unsigned y = (unsigned)d[0] << 8 | d[1];

	out->year = y == 0xFFFF ? PP_ANY : (int)y;
	out->month = d[2] == 0xFF ? PP_ANY : d[2];
	out->weekday = d[4] == 0xFF ? PP_ANY : d[4];
	if (d[3] == 0xFF)
		out->day = PP_ANY;
	else if (d[3] == 0xFE)
		out->day = PP_LAST_DAY;
	else if (d[3] == 0xFD)
		out->day = PP_SECOND_LAST_DAY;
	else
		out->day = d[3];
	if ((out->month != PP_ANY && (out->month < 1 || out->month > 12)) ||
	    (out->day > 31 || out->day == 0) ||
	    (out->weekday != PP_ANY && (out->weekday < 1 || out->weekday > 7)) ||
	    (out->year != PP_ANY && (out->year < 1900 || out->year > 9999)))
		return fail(g, at, "%s %02X%02X%02X%02X%02X is not a DLMS date",
		    what, d[0], d[1], d[2], d[3], d[4]);
	if (!allow_wild_day && (out->month == PP_ANY || out->day < 1 ||
	    out->weekday != PP_ANY))
		return fail(g, at, "%s %02X%02X%02X%02X%02X needs a month and "
		    "a day and no weekday (DUIS cannot express it otherwise)",
		    what, d[0], d[1], d[2], d[3], d[4]);
	return 0;
}

/* The 12-byte activation date-time: zeros for "now", FF for a
 * cancellation, else a UTC time. */
static int
dlms_activation(struct g *g, size_t at, const unsigned char *d, int *kind,
    int64_t *t)
{
	static const unsigned char now[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80,
	    0, 0xFF };
	static const unsigned char cancel[12] = { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	    0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0, 0xFF };
	unsigned y = (unsigned)d[0] << 8 | d[1];

	*t = 0;
	if (memcmp(d, now, 12) == 0) {
		*kind = ACT_IMMEDIATE;
		return 0;
	}
	if (memcmp(d, cancel, 12) == 0) {
		*kind = ACT_CANCEL;
		return 0;
	}
	if (y < 2000 || y > 9999 || d[2] < 1 || d[2] > 12 || d[3] < 1 ||
	    d[3] > 31 || (d[4] != 0xFF && (d[4] < 1 || d[4] > 7)) ||
	    d[5] > 23 || d[6] > 59 || d[7] > 59 || (d[8] != 0xFF && d[8] > 99)
	    || !((d[9] == 0x80 && d[10] == 0) || (d[9] == 0 && d[10] == 0)))
		return fail(g, at, "activation date-time is not now, a "
		    "cancellation or a UTC date-time");
	*kind = ACT_AT;
	*t = solr_time_from_civil((int)y, d[2], d[3], d[5], d[6], d[7]);
	return 0;
}

/* ECS08a: the 18 access-request specifications, in order.  The items
 * that carry a value of the prepay field table are its rows' (their
 * names here are NULL); the rest are the calendar and the activation
 * date-times, which no field has. */
#define ECS08A_ITEMS 18
#define ECS08A_SPECIAL_DAYS 0
#define ECS08A_SCHEDULE 3
struct ecs08a_spec {
	unsigned class_id;
	unsigned char obis[6];
	unsigned attr;
	const char *name;
};
static const struct ecs08a_spec ecs08a_calendar[ECS08A_ITEMS] = {
	[ECS08A_SPECIAL_DAYS] = { 11, { 0, 1, 11, 0, 2, 255 }, 2,
	    "special days table" },
	[ECS08A_SCHEDULE] = { 10, { 0, 1, 12, 0, 1, 255 }, 2,
	    "non-disablement schedule" },
	[8] = { 9000, { 0, 0, 94, 44, 128, 31 }, 6, "activation: special days" },
	[10] = { 9000, { 0, 0, 94, 44, 2, 20 }, 6,
	    "activation: maximum meter balance" },
	[11] = { 9000, { 0, 0, 94, 44, 2, 10 }, 6,
	    "activation: maximum credit threshold" },
	[12] = { 9000, { 0, 0, 94, 44, 128, 12 }, 6,
	    "activation: debt recovery rate cap" },
	[13] = { 9000, { 0, 0, 94, 44, 128, 13 }, 6,
	    "activation: debt recovery rate cap period" },
	[14] = { 9000, { 0, 0, 94, 44, 128, 9 }, 6,
	    "activation: low credit threshold" },
	[15] = { 9000, { 0, 0, 94, 44, 128, 2 }, 6,
	    "activation: emergency credit limit" },
	[16] = { 9000, { 0, 0, 94, 44, 128, 3 }, 6,
	    "activation: emergency credit threshold" },
	[17] = { 9000, { 0, 0, 94, 44, 128, 28 }, 6, "activation: schedule" },
};

/* The specification of item i: its field's, or the calendar's. */
static struct ecs08a_spec
ecs08a_spec(size_t i)
{
	const struct pp_field *f = pp_field_dlms((int)i);
	struct ecs08a_spec s;

	if (f == NULL)
		return ecs08a_calendar[i];
	s.class_id = f->dlms.class_id;
	memcpy(s.obis, f->dlms.obis, sizeof(s.obis));
	s.attr = f->dlms.attr;
	s.name = f->dlms.name;
	return s;
}

static int
ecs08a_special_days(struct g *g, struct rng *r, struct prepay *pp)
{
	size_t n, i, at;
	int rc;

	if ((rc = dl_count(g, r, 0x01, 0, PP_ELEC_SPECIAL_MAX,
	    "special days array", &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		struct pp_special_day *s = &pp->special[i];
		unsigned idx, day_id, j;
		unsigned char d[5];

		at = r->pos;
		if ((rc = expect_u8(g, r, 0x02, "special day structure")) != 0 ||
		    (rc = expect_u8(g, r, 3, "special day element count")) != 0
		    || (rc = dl_long_unsigned(g, r, "special day index", &idx))
		    != 0 || (rc = dl_octets(g, r, 5, "special day date", d)) !=
		    0 || (rc = dl_tag(g, r, 0x11, "special day day_id")) != 0 ||
		    (rc = rd_u8(g, r, "special day day_id", &day_id)) != 0)
			return rc;
		if (idx < 1 || idx > 20)
			return fail(g, at, "special day index %u is not 1 to 20",
			    idx);
		for (j = 0; j < i; j++)
			if (pp->special[j].index == (int)idx)
				return fail(g, at, "special day index %u is "
				    "used twice", idx);
		if (day_id != idx)
			return fail(g, at, "special day %u has day_id %u; "
			    "DUIS can only express day_id = index", idx, day_id);
		s->index = (int)idx;
		if ((rc = dlms_date(g, at + 5, d, 1, "special day date",
		    &s->date)) != 0)
			return rc;
		trace(g, at, r->pos - at, "special day", "index %u", idx);
	}
	pp->nspecial = (int)n;
	return 0;
}

/* The special days a schedule entry applies to: each one defined. */
static int
schedule_special_days(struct g *g, struct rng *r, const struct prepay *pp,
    unsigned idx, uint32_t *days)
{
	size_t f = r->pos, nbits, b;
	uint32_t bits;
	int rc, k, found;

	if ((rc = dl_bits(g, r, PP_ELEC_SPECIAL_MAX, "execution special days",
	    &nbits, &bits)) != 0)
		return rc;
	for (b = 0; b < nbits; b++) {
		if (!(bits & (1u << b)))
			continue;
		for (k = 0, found = 0; k < pp->nspecial; k++)
			found |= pp->special[k].index == (int)b + 1;
		if (!found)
			return fail(g, f, "schedule entry %u applies to special "
			    "day %zu, which is not defined", idx, b + 1);
	}
	*days = bits;
	return 0;
}

/* One entry of the non-disablement schedule (the i-th, 0-based). */
static int
ecs08a_schedule_entry(struct g *g, struct rng *r, struct prepay *pp, size_t i)
{
	static const unsigned char script[6] = { 0, 0, 10, 0, 106, 255 };
	struct pp_schedule *s = &pp->schedule[i];
	unsigned idx, sel, win, en;
	unsigned char ln[6], tm[4], d1[5], d2[5];
	uint32_t bits;
	size_t at, nbits, f;
	int rc;

	at = r->pos;
	if ((rc = expect_u8(g, r, 0x02, "schedule structure")) != 0 ||
	    (rc = expect_u8(g, r, 10, "schedule element count")) != 0 ||
	    (rc = dl_long_unsigned(g, r, "schedule index", &idx)) != 0)
		return rc;
	if (idx != i + 1)
		return fail(g, at, "schedule entry %zu has index %u; "
		    "entries are numbered 1 to n in order", i + 1, idx);
	s->index = (int)idx;
	f = r->pos;
	if ((rc = dl_tag(g, r, 0x03, "schedule enable")) != 0 ||
	    (rc = rd_u8(g, r, "schedule enable", &en)) != 0)
		return rc;
	if (en != 0xFF)
		return fail(g, f, "schedule entry %u is not enabled "
		    "(0x%02X); DUIS has no disabled entries", idx, en);
	f = r->pos;
	if ((rc = dl_octets(g, r, 6, "schedule script", ln)) != 0)
		return rc;
	if (memcmp(ln, script, 6) != 0)
		return fail(g, f, "schedule entry %u runs a script other "
		    "than 0-0:10.0.106.255", idx);
	f = r->pos;
	if ((rc = dl_long_unsigned(g, r, "script selector", &sel)) != 0)
		return rc;
	if (sel != 0x20 && sel != 0x21)
		return fail(g, f, "schedule entry %u script selector "
		    "0x%04X is not START (0x0020) or STOP (0x0021)", idx,
		    sel);
	s->start = sel == 0x20;
	f = r->pos;
	if ((rc = dl_octets(g, r, 4, "switch time", tm)) != 0)
		return rc;
	if (tm[0] > 23 || tm[1] > 59 || tm[2] > 59 || tm[3] > 99)
		return fail(g, f, "switch time %02X%02X%02X%02X is not "
		    "a time", tm[0], tm[1], tm[2], tm[3]);
	s->hh = tm[0];
	s->mm = tm[1];
	s->ss = tm[2];
	s->cs = tm[3];
	f = r->pos;
	if ((rc = dl_long_unsigned(g, r, "validity window", &win)) != 0)
		return rc;
	if (win != 0xFFFF)
		return fail(g, f, "schedule entry %u validity window is "
		    "%u; DUIS expresses only 0xFFFF", idx, win);
	f = r->pos;
	if ((rc = dl_bits(g, r, 7, "execution weekdays", &nbits,
	    &bits)) != 0)
		return rc;
	if (nbits != 7)
		return fail(g, f, "execution weekdays has %zu bits, not "
		    "7", nbits);
	s->weekdays = bits;
	if ((rc = schedule_special_days(g, r, pp, idx, &s->special_days)) != 0)
		return rc;
	f = r->pos;
	if ((rc = dl_octets(g, r, 5, "begin date", d1)) != 0 ||
	    (rc = dlms_date(g, f, d1, 0, "begin date", &s->begin)) != 0)
		return rc;
	f = r->pos;
	if ((rc = dl_octets(g, r, 5, "end date", d2)) != 0 ||
	    (rc = dlms_date(g, f, d2, 0, "end date", &s->end)) != 0)
		return rc;
	trace(g, at, r->pos - at, "schedule entry", "index %u %s", idx,
	    s->start ? "START" : "STOP");
	return 0;
}

static int
ecs08a_schedule(struct g *g, struct rng *r, struct prepay *pp)
{
	size_t n, i;
	int rc;

	if ((rc = dl_count(g, r, 0x01, 1, PP_SCHEDULE_MAX,
	    "non-disablement schedule array", &n)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = ecs08a_schedule_entry(g, r, pp, i)) != 0)
			return rc;
	pp->nschedule = (int)n;
	return 0;
}

/* The DLMS ACCESS-Request head: the invoke-id against the originator
 * counter, an empty date-time, and the 18 SET specifications in ECS08a's
 * order. */
static int
ecs08a_specs(struct g *g, struct rng *c, const struct gbcs_apdu *a)
{
	size_t n, at, i;
	uint64_t invoke, cls, attr = 0;
	unsigned choice;
	const unsigned char *obis;
	int rc;

	if ((rc = expect_u8(g, c, 0xD9, "DLMS ACCESS-Request tag")) != 0)
		return rc;
	at = c->pos;
	if ((rc = rd_be(g, c, 4, "long-invoke-id-and-priority", &invoke)) != 0)
		return rc;
	trace(g, at, 4, "long-invoke-id-and-priority", "0x%08llX",
	    (unsigned long long)invoke);
	if ((invoke & 0xFFFFFF) != (a->counter & 0xFFFFFF))
		return fail(g, at, "the invoke-id's low 24 bits 0x%06llX are "
		    "not the originator counter's 0x%06llX",
		    (unsigned long long)(invoke & 0xFFFFFF),
		    (unsigned long long)(a->counter & 0xFFFFFF));
	at = c->pos;
	if ((rc = rd_len(g, c, "DLMS date-time length", &n)) != 0)
		return rc;
	if (n != 0)
		return fail(g, at, "the DLMS date-time of a pre-command is "
		    "empty, not %zu bytes", n);
	at = c->pos;
	if ((rc = rd_len(g, c, "access-request-specification count", &n)) != 0)
		return rc;
	if (n != ECS08A_ITEMS)
		return fail(g, at, "ECS08a has 18 access-request "
		    "specifications, not %zu", n);
	for (i = 0; i < ECS08A_ITEMS; i++) {
		struct ecs08a_spec sp = ecs08a_spec(i);

		at = c->pos;
		if ((rc = rd_u8(g, c, "access-request choice", &choice)) != 0)
			return rc;
		if (choice != 0x02)
			return fail(g, at, "specification %zu is not a SET "
			    "(choice 0x%02X)", i, choice);
		if ((rc = rd_be(g, c, 2, "class-id", &cls)) != 0 ||
		    (rc = need(g, c, 7, "OBIS code and attribute")) != 0)
			return rc;
		obis = g->b + c->pos;
		c->pos += 6;
		rd_be(g, c, 1, "attribute", &attr);
		if (cls != sp.class_id || memcmp(obis, sp.obis, 6) != 0 ||
		    attr != sp.attr)
			return fail(g, at, "specification %zu is class %llu "
			    "OBIS %u-%u:%u.%u.%u.%u attribute %llu; ECS08a "
			    "has %s (class %u attribute %u) there", i,
			    (unsigned long long)cls, obis[0], obis[1], obis[2],
			    obis[3], obis[4], obis[5], (unsigned long long)attr,
			    sp.name, sp.class_id, sp.attr);
		trace(g, at, 10, "SET", "%s", sp.name);
	}
	return 0;
}

/* A value of the prepay field table, as its ECS08a item carries it. */
static int
ecs08a_value(struct g *g, struct rng *c, const struct pp_field *f,
    struct prepay *pp)
{
	int64_t v;
	unsigned u;
	int rc;

	if (f->dlms.is_unsigned) {
		if ((rc = dl_long_unsigned(g, c, f->dlms.name, &u)) != 0)
			return rc;
		v = u;
	} else if ((rc = dl_double_long(g, c, f->dlms.name, &v)) != 0)
		return rc;
	pp_set(pp, f, v);
	return 0;
}

/* The 18 data items: the values by the field table, the calendar, and
 * nine activation date-times, which must be one. */
static int
ecs08a_items(struct g *g, struct rng *c, struct prepay *pp)
{
	unsigned char act[9][12];
	const struct pp_field *f;
	size_t i, n = 0, at;
	int rc;

	g->depth++;
	for (i = 0; i < ECS08A_ITEMS; i++) {
		at = c->pos;
		if ((f = pp_field_dlms((int)i)) != NULL)
			rc = ecs08a_value(g, c, f, pp);
		else if (i == ECS08A_SPECIAL_DAYS)
			rc = ecs08a_special_days(g, c, pp);
		else if (i == ECS08A_SCHEDULE)
			rc = ecs08a_schedule(g, c, pp);
		else if ((rc = dl_octets(g, c, 12, "activation date-time",
		    act[n++])) == 0)
			trace(g, at, 14, "activation date-time", "%s",
			    ecs08a_calendar[i].name + 12);
		if (rc != 0)
			return rc;
	}
	g->depth--;
	for (i = 1; i < n; i++)
		if (memcmp(act[i], act[0], 12) != 0)
			return fail(g, c->pos, "the activation date-times differ "
			    "(item %zu); one request has one activation", i);
	return dlms_activation(g, c->pos, act[0], &pp->activation,
	    &pp->activation_time);
}

static int
ecs08a(struct g *g, struct rng *c, const struct gbcs_apdu *a,
    struct prepay *pp)
{
	size_t n, at;
	int rc;

	if ((rc = ecs08a_specs(g, c, a)) != 0)
		return rc;
	at = c->pos;
	if ((rc = rd_len(g, c, "data count", &n)) != 0)
		return rc;
	if (n != ECS08A_ITEMS)
		return fail(g, at, "there are %zu data items for 18 "
		    "specifications", n);
	if ((rc = ecs08a_items(g, c, pp)) != 0)
		return rc;
	return at_end(g, c, "the ECS08a content");
}

/* GCS05: GBZ components over ZCL payloads (little-endian). */

struct zcl {
	size_t at;		/* offset of the component */
	unsigned ctl;
	unsigned cluster;
	int has_fdt;
	uint32_t fdt;
	unsigned cmd;
	size_t pos, len;	/* the ZCL payload */
};

static int
gbz_component(struct g *g, struct rng *r, int index, int last, int fdt,
    unsigned fc, unsigned cluster, unsigned cmd, const char *what,
    struct zcl *z)
{
	struct rng comp;
	uint64_t v;
	unsigned u;
	size_t len;
	int rc;

	z->at = r->pos;
	if ((rc = rd_u8(g, r, "GBZ extended-header control", &z->ctl)) != 0)
		return rc;
	if (z->ctl & ~0x11u)
		return fail(g, z->at, "GBZ component %d control 0x%02X has bits "
		    "other than last (0x01) and from-date-time (0x10)%s", index,
		    z->ctl, z->ctl & 0x02 ? "; encrypted components are not "
		    "accepted here" : "");
	if (!!(z->ctl & 0x01) != last)
		return fail(g, z->at, "GBZ component %d %s the last-component "
		    "bit", index, last ? "lacks" : "has");
	if ((rc = rd_be(g, r, 2, "GBZ cluster", &v)) != 0)
		return rc;
	z->cluster = (unsigned)v;
	if ((rc = rd_be(g, r, 2, "GBZ component length", &v)) != 0)
		return rc;
	len = (size_t)v;
	if ((rc = sub(g, r, len, "GBZ component", &comp)) != 0)
		return fail(g, z->at + 3, "GBZ component %d: length %zu is "
		    "more than the %zu bytes that remain", index, len,
		    r->end - r->pos);
	z->has_fdt = !!(z->ctl & 0x10);
	if (z->has_fdt != fdt)
		return fail(g, z->at, "GBZ component %d (%s) %s a "
		    "from-date-time; in GCS05 only Set Low Credit Warning Level "
		    "has one", index, what, fdt ? "lacks" : "has");
	if (z->has_fdt) {
		if ((rc = rd_be(g, &comp, 4, "from-date-time", &v)) != 0)
			return rc;
		z->fdt = (uint32_t)v;
	}
	if ((rc = rd_u8(g, &comp, "ZCL frame control", &u)) != 0)
		return rc;
	if (u != fc)
		return fail(g, comp.pos - 1, "GBZ component %d ZCL frame "
		    "control is 0x%02X, not 0x%02X", index, u, fc);
	if ((rc = rd_u8(g, &comp, "ZCL sequence number", &u)) != 0)
		return rc;
	if ((int)u != index)
		return fail(g, comp.pos - 1, "GBZ component %d has ZCL sequence "
		    "number %u", index, u);
	if ((rc = rd_u8(g, &comp, "ZCL command", &z->cmd)) != 0)
		return rc;
	if (z->cluster != cluster || z->cmd != cmd)
		return fail(g, z->at, "GBZ component %d is cluster 0x%04X "
		    "command 0x%02X; GCS05 has %s (cluster 0x%04X command "
		    "0x%02X) there", index, z->cluster, z->cmd, what, cluster,
		    cmd);
	z->pos = comp.pos;
	z->len = comp.end - comp.pos;
	trace(g, z->at, comp.end - z->at, "GBZ component", "%d: %s", index,
	    what);
	return 0;
}

static int
zcl_len(struct g *g, const struct zcl *z, size_t want, const char *what)
{
	if (z->len != want)
		return fail(g, z->at, "%s: ZCL payload is %zu bytes, not %zu",
		    what, z->len, want);
	return 0;
}

/* A ZCL date (year-1900, month, day, weekday; FF not specified). */
static int
zcl_date(struct g *g, size_t at, const unsigned char *d, struct pp_date *o)
{
	o->year = d[0] == 0xFF ? PP_ANY : 1900 + d[0];
	o->month = d[1] == 0xFF ? PP_ANY : d[1];
	o->day = d[2] == 0xFF ? PP_ANY : d[2];
	o->weekday = d[3] == 0xFF ? PP_ANY : d[3];
	if ((o->month != PP_ANY && (o->month < 1 || o->month > 12)) ||
	    (o->day != PP_ANY && (o->day < 1 || o->day > 31)) ||
	    (o->weekday != PP_ANY && (o->weekday < 1 || o->weekday > 7)))
		return fail(g, at, "%02X%02X%02X%02X is not a ZCL date", d[0],
		    d[1], d[2], d[3]);
	return 0;
}

/* A little-endian field of a ZCL payload, consumed. */
static int
rd_le(struct g *g, struct rng *r, int n, const char *what, uint32_t *v)
{
	int i, rc;

	if ((rc = need(g, r, (size_t)n, what)) != 0)
		return rc;
	*v = 0;
	for (i = n - 1; i >= 0; i--)
		*v = *v << 8 | g->b[r->pos + (size_t)i];
	r->pos += (size_t)n;
	return 0;
}

/* The ZCL payload of a component, to be consumed field by field. */
static struct rng
zcl_payload(const struct zcl *z)
{
	struct rng r = { z->pos, z->pos + z->len };

	return r;
}

/* The GBZ components of GCS05 in order, and what the calendar holds. */
struct gcs05 {
	struct rng *c;
	unsigned count;
	int idx;		/* the next component */
	uint32_t t[4];		/* the prepayment commands' start times */
	uint32_t cal_id, cal_start[2];
	int nseasons;
};

static int
component(struct g *g, struct gcs05 *s, int fdt, unsigned fc, unsigned cl,
    unsigned cmd, const char *what, struct zcl *z)
{
	int rc;

	if (s->idx >= (int)s->count)
		return fail(g, s->c->pos, "GBZ component count %u is too "
		    "small: %s is missing", s->count, what);
	if ((rc = gbz_component(g, s->c, s->idx, s->idx + 1 == (int)s->count,
	    fdt, fc, cl, cmd, what, z)) != 0)
		return rc;
	s->idx++;
	return 0;
}

/* A prepayment command's value: 4 bytes, little-endian, traced. */
static int
zval(struct g *g, struct rng *r, const char *what, int is_signed,
    int64_t *out)
{
	size_t at = r->pos;
	uint32_t v;
	int rc;

	if ((rc = rd_le(g, r, 4, what, &v)) != 0)
		return rc;
	*out = is_signed ? (int64_t)(int32_t)v : (int64_t)v;
	trace(g, at, 4, what, "%lld", (long long)*out);
	return 0;
}

/* A time field: 4 bytes, little-endian, traced in hex. */
static int
ztime(struct g *g, struct rng *r, const char *what, uint32_t *t)
{
	size_t at = r->pos;
	int rc;

	if ((rc = rd_le(g, r, 4, what, t)) != 0)
		return rc;
	trace(g, at, 4, what, "0x%08X", *t);
	return 0;
}

/* The prepayment commands of GCS05, in order: their ZCL command and
 * payload length, the 4-byte ids before the start time (a component with
 * a from-date-time has neither).  The values each carries after them are
 * the prepay field table's rows for the command (pp_zcl), by slot. */
struct gcs05_command {
	const char *what;
	unsigned cmd;
	int fdt;
	size_t len;
	int ids;
	const char *time;
};

static const struct gcs05_command gcs05_prepayment_commands[] = {
	{ "Emergency Credit Setup", 0x03, 0, 16, 1, "start time" },
	{ "Set Overall Debt Cap", 0x0C, 0, 16, 2, "implementation time" },
	{ "Set Low Credit Warning Level", 0x09, 1, 4, 0, NULL },
	{ "Set Maximum Credit Limit", 0x0B, 0, 20, 2, "implementation time" },
};

/* The prepayment commands: the values and their start times. */
static int
gcs05_prepayment(struct g *g, struct gcs05 *s, struct prepay *pp)
{
	const struct pp_field *f;
	struct zcl z;
	struct rng r;
	uint32_t skip;
	int64_t v;
	size_t i;
	int rc, k;

	for (i = 0; i < 4; i++) {
		const struct gcs05_command *pc = &gcs05_prepayment_commands[i];

		if ((rc = component(g, s, pc->fdt, 0x01, 0x0705, pc->cmd,
		    pc->what, &z)) != 0 || (rc = zcl_len(g, &z, pc->len,
		    pc->what)) != 0)
			return rc;
		r = zcl_payload(&z);
		g->depth++;
		for (k = 0; k < pc->ids; k++)
			if ((rc = rd_le(g, &r, 4, k + 1 < pc->ids ? "provider id" :
			    "issuer event id", &skip)) != 0)
				return rc;
		if (pc->fdt) {
			s->t[i] = z.fdt;
			trace(g, z.at + 5, 4, "from-date-time", "0x%08X", z.fdt);
		} else if ((rc = ztime(g, &r, pc->time, &s->t[i])) != 0)
			return rc;
		for (k = 0; (f = pp_field_zcl((int)i, k)) != NULL; k++) {
			if ((rc = zval(g, &r, f->zcl.name, f->zcl.is_signed, &v))
			    != 0)
				return rc;
			pp_set(pp, f, v);
		}
		g->depth--;
	}
	return 0;
}

/* The provider and issuer event ids that start each command. */
static int
calendar_ids(struct g *g, struct rng *r)
{
	uint32_t skip;
	int rc;

	if ((rc = rd_le(g, r, 4, "provider id", &skip)) != 0)
		return rc;
	return rd_le(g, r, 4, "issuer event id", &skip);
}

/* The head of the profile commands: the ids, then the calendar's id,
 * which must be the published one's. */
static int
calendar_head(struct g *g, struct gcs05 *s, const struct zcl *z,
    struct rng *r, const char *what)
{
	uint32_t id;
	int rc;

	if ((rc = calendar_ids(g, r)) != 0 ||
	    (rc = rd_le(g, r, 4, "calendar id", &id)) != 0)
		return rc;
	if (id != s->cal_id)
		return fail(g, z->at, "%s for another calendar", what);
	return 0;
}

static int
gcs05_calendar(struct g *g, struct gcs05 *s, struct prepay *pp)
{
	struct zcl z;
	struct rng r;
	uint32_t skip, type, nlen, ns, nw, nd;
	size_t at;
	int rc;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x00, "Publish Calendar",
	    &z)) != 0 || (rc = zcl_len(g, &z, 22, "Publish Calendar")) != 0)
		return rc;
	r = zcl_payload(&z);
	if ((rc = rd_le(g, &r, 4, "provider id", &skip)) != 0 ||
	    (rc = rd_le(g, &r, 4, "issuer event id", &skip)) != 0 ||
	    (rc = rd_le(g, &r, 4, "calendar id", &s->cal_id)) != 0 ||
	    (rc = ztime(g, &r, "calendar start time", &s->cal_start[0])) != 0
	    || (rc = rd_le(g, &r, 1, "calendar type", &type)) != 0 ||
	    (rc = rd_le(g, &r, 1, "calendar time reference", &skip)) != 0 ||
	    (rc = rd_le(g, &r, 1, "calendar name", &nlen)) != 0)
		return rc;
	if (type != 0x03)
		return fail(g, z.at, "calendar type 0x%02X is not the friendly "
		    "credit calendar (0x03)", type);
	if (nlen != 0)
		return fail(g, z.at, "the calendar name must be empty");
	at = r.pos;
	if ((rc = rd_le(g, &r, 1, "seasons", &ns)) != 0 ||
	    (rc = rd_le(g, &r, 1, "week profiles", &nw)) != 0 ||
	    (rc = rd_le(g, &r, 1, "day profiles", &nd)) != 0)
		return rc;
	s->nseasons = (int)ns;
	pp->nweeks = (int)nw;
	pp->nday_profiles = (int)nd;
	trace(g, at, 3, "seasons, week and day profiles", "%d, %d, %d",
	    s->nseasons, pp->nweeks, pp->nday_profiles);
	if (ns < 1 || ns > PP_SEASONS_MAX || nw < 1 || nw > PP_WEEKS_MAX ||
	    nd < 1 || nd > PP_DAY_PROFILES_MAX)
		return fail(g, z.at, "the calendar has %d seasons, %d week "
		    "profiles and %d day profiles; DUIS allows 1-3, 1-2 and "
		    "1-5", s->nseasons, pp->nweeks, pp->nday_profiles);
	if ((int)s->count != 7 + pp->nday_profiles + pp->nweeks)
		return fail(g, s->c->pos, "GBZ component count %u does not "
		    "match the calendar's %d day and %d week profiles",
		    s->count, pp->nday_profiles, pp->nweeks);
	return 0;
}

static int
gcs05_day_profile(struct g *g, struct gcs05 *s, struct prepay *pp, int i)
{
	struct pp_day_profile *d = &pp->day_profile[i];
	struct zcl z;
	struct rng r;
	uint32_t id, n, cmds, ncmd, type, mins, action;
	size_t at;
	int rc, k;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x01, "Publish Day "
	    "Profile", &z)) != 0)
		return rc;
	r = zcl_payload(&z);
	n = z.len >= 17 ? g->b[z.pos + 13] : 0;
	if (z.len < 17 || z.len != 17 + 3u * n)
		return fail(g, z.at, "Publish Day Profile: ZCL payload is %zu "
		    "bytes for %u entries", z.len, n);
	if ((rc = calendar_head(g, s, &z, &r, "day profile")) != 0 ||
	    (rc = rd_le(g, &r, 1, "day id", &id)) != 0 ||
	    (rc = rd_le(g, &r, 1, "entries", &n)) != 0 ||
	    (rc = rd_le(g, &r, 1, "command index", &cmds)) != 0 ||
	    (rc = rd_le(g, &r, 1, "commands", &ncmd)) != 0 ||
	    (rc = rd_le(g, &r, 1, "calendar type", &type)) != 0)
		return rc;
	d->id = (int)id;
	d->nactions = (int)n;
	if (id < 1 || id > 5 || n < 1 || n > PP_ACTIONS_MAX || cmds != 0 ||
	    ncmd != 1 || type != 0x03)
		return fail(g, z.at, "day profile %d: id 1-5, 1-3 entries, one "
		    "command and calendar type 3 are required", d->id);
	for (k = 0; k < i; k++)
		if (pp->day_profile[k].id == d->id)
			return fail(g, z.at, "day profile %d is published "
			    "twice", d->id);
	for (k = 0; k < d->nactions; k++) {
		at = r.pos;
		if ((rc = rd_le(g, &r, 2, "start time", &mins)) != 0 ||
		    (rc = rd_le(g, &r, 1, "action", &action)) != 0)
			return rc;
		if (mins >= 1440 || action > 1)
			return fail(g, z.at, "day profile %d entry %d: start %u "
			    "minutes, action %u", d->id, k, mins, action);
		d->action[k].minutes = (int)mins;
		d->action[k].start = (int)action;
		trace(g, at, 3, "day profile action", "day %d %02u:%02u %s",
		    d->id, mins / 60, mins % 60, action ? "START" : "STOP");
	}
	return 0;
}

/* Is a day profile with this id published? */
static int
day_published(const struct prepay *pp, int id)
{
	int j;

	for (j = 0; j < pp->nday_profiles; j++)
		if (pp->day_profile[j].id == id)
			return 1;
	return 0;
}

static int
gcs05_week_profile(struct g *g, struct gcs05 *s, struct prepay *pp, int i)
{
	struct pp_week *w = &pp->week[i];
	struct zcl z;
	struct rng r;
	uint32_t id, day;
	int rc, k;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x02, "Publish Week "
	    "Profile", &z)) != 0 || (rc = zcl_len(g, &z, 20, "Publish Week "
	    "Profile")) != 0)
		return rc;
	r = zcl_payload(&z);
	if ((rc = calendar_head(g, s, &z, &r, "week profile")) != 0 ||
	    (rc = rd_le(g, &r, 1, "week id", &id)) != 0)
		return rc;
	w->id = (int)id;
	if (w->id < 1 || w->id > 2 || (i == 1 && pp->week[0].id == w->id))
		return fail(g, z.at, "week profile id %d is not 1 or 2, or is "
		    "published twice", w->id);
	trace(g, r.pos - 1, 8, "week profile", "%d: %d %d %d %d %d %d %d",
	    w->id, g->b[r.pos], g->b[r.pos + 1], g->b[r.pos + 2],
	    g->b[r.pos + 3], g->b[r.pos + 4], g->b[r.pos + 5], g->b[r.pos + 6]);
	for (k = 0; k < 7; k++) {
		if ((rc = rd_le(g, &r, 1, "day", &day)) != 0)
			return rc;
		w->day[k] = (int)day;
		if (!day_published(pp, w->day[k]))
			return fail(g, z.at, "week profile %d names day profile "
			    "%d, which is not published", w->id, w->day[k]);
	}
	return 0;
}

/* A ZCL date and the profile it names, consumed. */
static int
dated(struct g *g, const struct zcl *z, struct rng *r, struct pp_date *d,
    int *profile)
{
	uint32_t v;
	int rc;

	if ((rc = need(g, r, 5, "dated entry")) != 0 ||
	    (rc = zcl_date(g, z->at, g->b + r->pos, d)) != 0)
		return rc;
	r->pos += 4;
	if ((rc = rd_le(g, r, 1, "profile", &v)) != 0)
		return rc;
	*profile = (int)v;
	return 0;
}

static int
gcs05_seasons(struct g *g, struct gcs05 *s, struct prepay *pp)
{
	struct zcl z;
	struct rng r;
	uint32_t cmds, ncmd;
	int rc, i, j, found;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x03, "Publish Seasons",
	    &z)) != 0 || (rc = zcl_len(g, &z, 14 + 5u * (unsigned)s->nseasons,
	    "Publish Seasons")) != 0)
		return rc;
	r = zcl_payload(&z);
	if ((rc = calendar_ids(g, &r)) != 0 ||
	    (rc = rd_le(g, &r, 4, "calendar id", &ncmd)) != 0)
		return rc;
	if (ncmd != s->cal_id)
		return fail(g, z.at, "Publish Seasons: another calendar, or "
		    "more than one command");
	if ((rc = rd_le(g, &r, 1, "command index", &cmds)) != 0 ||
	    (rc = rd_le(g, &r, 1, "commands", &ncmd)) != 0)
		return rc;
	if (cmds != 0 || ncmd != 1)
		return fail(g, z.at, "Publish Seasons: another calendar, or "
		    "more than one command");
	for (i = 0; i < s->nseasons; i++) {
		struct pp_season *se = &pp->season[i];

		if ((rc = dated(g, &z, &r, &se->start, &se->week)) != 0)
			return rc;
		trace(g, r.pos - 5, 5, "season", "week %d", se->week);
		for (j = 0, found = 0; j < pp->nweeks; j++)
			found |= pp->week[j].id == se->week;
		if (!found)
			return fail(g, z.at, "season %d names week profile %d, "
			    "which is not published", i + 1, se->week);
	}
	pp->nseasons = s->nseasons;
	return 0;
}

static int
gcs05_special_days(struct g *g, struct gcs05 *s, struct prepay *pp)
{
	struct zcl z;
	struct rng r;
	uint32_t id, type, n, cmds, ncmd;
	int rc, i;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x04, "Publish Special "
	    "Days", &z)) != 0)
		return rc;
	r = zcl_payload(&z);
	n = z.len >= 20 ? g->b[z.pos + 17] : 0;
	if (z.len < 20 || z.len != 20 + 5u * n)
		return fail(g, z.at, "Publish Special Days: ZCL payload is %zu "
		    "bytes for %u days", z.len, n);
	if ((rc = calendar_ids(g, &r)) != 0 ||
	    (rc = rd_le(g, &r, 4, "calendar id", &id)) != 0 ||
	    (rc = rd_le(g, &r, 4, "start time", &s->cal_start[1])) != 0 ||
	    (rc = rd_le(g, &r, 1, "calendar type", &type)) != 0 ||
	    (rc = rd_le(g, &r, 1, "days", &n)) != 0 ||
	    (rc = rd_le(g, &r, 1, "command index", &cmds)) != 0 ||
	    (rc = rd_le(g, &r, 1, "commands", &ncmd)) != 0)
		return rc;
	if (id != s->cal_id || type != 0x03 || cmds != 0 || ncmd != 1)
		return fail(g, z.at, "Publish Special Days: another calendar, "
		    "another calendar type or more than one command");
	if (n > PP_GAS_SPECIAL_MAX)
		return fail(g, z.at, "%u special days; at most %d", n,
		    PP_GAS_SPECIAL_MAX);
	pp->ngas_special = (int)n;
	for (i = 0; i < pp->ngas_special; i++) {
		struct pp_gas_special *sd = &pp->gas_special[i];

		if ((rc = dated(g, &z, &r, &sd->date, &sd->day)) != 0)
			return rc;
		trace(g, r.pos - 5, 5, "special day", "day %d", sd->day);
		if (!day_published(pp, sd->day))
			return fail(g, z.at, "special day %d names day profile "
			    "%d, which is not published", i + 1, sd->day);
	}
	return 0;
}

/* One activation: every prepayment time agrees, and the calendar starts
 * with them (a cancellation marks the calendar 0xFFFFFFFE). */
static int
gcs05_activation(struct g *g, const struct gcs05 *s, struct prepay *pp)
{
	uint32_t t0 = s->t[0];
	int i;

	for (i = 1; i < 4; i++)
		if (s->t[i] != t0)
			return fail(g, s->c->pos, "the prepayment commands' "
			    "start times differ (0x%08X, 0x%08X); one request "
			    "has one activation", t0, s->t[i]);
	for (i = 0; i < 2; i++)
		if (s->cal_start[i] != t0 && !(t0 == 0xFFFFFFFF &&
		    s->cal_start[i] == 0xFFFFFFFE))
			return fail(g, s->c->pos, "the calendar's start time "
			    "0x%08X does not match the prepayment commands' "
			    "0x%08X", s->cal_start[i], t0);
	if (t0 == 0)
		pp->activation = ACT_IMMEDIATE;
	else if (t0 == 0xFFFFFFFF)
		pp->activation = ACT_CANCEL;
	else {
		pp->activation = ACT_AT;
		pp->activation_time = solr_time_from_civil(2000, 1, 1, 0, 0, 0) +
		    t0;
	}
	return 0;
}

static int
gcs05(struct g *g, struct rng *c, struct prepay *pp)
{
	struct gcs05 s = { .c = c };
	uint64_t v;
	int rc, i;

	if ((rc = rd_be(g, c, 2, "GBZ profile id", &v)) != 0)
		return rc;
	if (v != 0x0109)
		return fail(g, c->pos - 2, "GBZ profile id 0x%04X is not 0x0109",
		    (unsigned)v);
	trace(g, c->pos - 2, 2, "GBZ profile id", "0x0109");
	if ((rc = rd_u8(g, c, "GBZ component count", &s.count)) != 0)
		return rc;
	trace(g, c->pos - 1, 1, "GBZ component count", "%u", s.count);
	g->depth++;
	if ((rc = gcs05_prepayment(g, &s, pp)) != 0 ||
	    (rc = gcs05_calendar(g, &s, pp)) != 0)
		return rc;
	for (i = 0; i < pp->nday_profiles; i++)
		if ((rc = gcs05_day_profile(g, &s, pp, i)) != 0)
			return rc;
	for (i = 0; i < pp->nweeks; i++)
		if ((rc = gcs05_week_profile(g, &s, pp, i)) != 0)
			return rc;
	if ((rc = gcs05_seasons(g, &s, pp)) != 0 ||
	    (rc = gcs05_special_days(g, &s, pp)) != 0)
		return rc;
	g->depth--;
	if (s.idx != (int)s.count)
		return fail(g, c->pos, "GBZ component count %u, but %d "
		    "components", s.count, s.idx);
	if ((rc = gcs05_activation(g, &s, pp)) != 0)
		return rc;
	return at_end(g, c, "the GCS05 content");
}

int
gbcs_sr21_content(const struct gbcs_apdu *a, struct prepay *pp,
    struct gbcs_trace *t, struct solr_err *e)
{
	/* offsets (traces and reasons) are the whole message's */
	struct g g = { a->buf, t, e, 1, a->base };
	struct rng c = { a->content_off, a->content_off + a->content_len };

	memset(pp, 0, sizeof(*pp));
	pp->source = "gbcs";
	if (a->other_len != 2)
		return fail(&g, 30, "other-information is %zu bytes; an SR 2.1 "
		    "pre-command has only the message code", a->other_len);
	switch (a->message_code) {
	case GBCS_MSG_ECS08A:
		pp->fuel = FUEL_ELEC;
		return ecs08a(&g, &c, a, pp);
	case GBCS_MSG_GCS05:
		pp->fuel = FUEL_GAS;
		return gcs05(&g, &c, pp);
	case GBCS_MSG_ECS08:
		return fail(&g, 31, "message code 0x001F is the legacy ECS08; "
		    "SR 2.1 for electricity is ECS08a (0x00DE)");
	default:
		return fail(&g, 31, "message code 0x%04X is not SR 2.1 "
		    "(0x00DE electricity, 0x006F gas)", a->message_code);
	}
}

int
gbcs_verify_signature(const struct gbcs_apdu *a, EVP_PKEY *key,
    struct solr_err *e)
{
	if (!a->has_signature)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the message is not "
		    "signed");
	/* the signature covers everything after the tag up to the end of
	 * the content */
	return solr_ecdsa_verify(key, a->signature, a->buf + 1,
	    a->content_off + a->content_len - 1, e);
}

int
gbcs_verify_supplier(const struct gbcs_apdu *a, struct solr_world *w,
    struct solr_cert **signer, struct solr_err *e)
{
	struct solr_cert *c[8];
	char eui[SOLR_EUI_STRLEN], serials[512] = "";
	size_t n, i;
	struct solr_err ce;
	int r;

	*signer = NULL;
	solr_eui_format(a->originator, eui);
	n = world_find_org_by_eui(w, a->originator, SOLR_ROLE_SUPPLIER,
	    KU_DIGITAL_SIGNATURE, c, 8);
	if (n == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "pki/org has no "
		    "supplier-role (0x02) digital-signing certificate for the "
		    "GBCS originator %s", eui);
	for (i = 0; i < n; i++) {
		size_t l = strlen(serials);

		snprintf(serials + l, sizeof(serials) - l, "%s%s",
		    i ? ", " : "", c[i]->serial);
		if (!c[i]->is_p256 || world_check_chain(w, c[i], &ce) != 0)
			continue;
		r = gbcs_verify_signature(a, X509_get0_pubkey(c[i]->x), &ce);
		if (r == 0) {
			*signer = c[i];
			return 0;
		}
		if (r != SOLR_ERR_VERIFY) {
			*e = ce;
			return r;
		}
	}
	return solr_seterr(e, SOLR_ERR_VERIFY, "the GBCS signature does not "
	    "verify with the supplier digital-signing certificate%s of %s "
	    "(serial %s)", n > 1 ? "s" : "", eui, serials);
}

static int
put_len(struct solr_buf *b, size_t n)
{
	unsigned char l[3];

	if (n < 0x80) {
		l[0] = (unsigned char)n;
		return solr_buf_add(b, l, 1);
	}
	if (n < 0x100) {
		l[0] = 0x81;
		l[1] = (unsigned char)n;
		return solr_buf_add(b, l, 2);
	}
	l[0] = 0x82;
	l[1] = (unsigned char)(n >> 8);
	l[2] = (unsigned char)n;
	return solr_buf_add(b, l, 3);
}

static void
be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

int
gbcs_command(const struct gbcs_apdu *a, EVP_PKEY *acb, EVP_PKEY *device,
    struct solr_buf *out, struct solr_err *e)
{
	static const unsigned char alg[7] = { 0x60, 0x85, 0x74, 0x06, 0x08,
	    0x03, 0x00 };
	static const unsigned char hdr[7] = { 0xDD, 0, 0, 0, 0, 0, 0 };
	static const unsigned char sec[5] = { 0x11, 0, 0, 0, 0 };
	static const unsigned char aadpfx[6] = { 0x11, 0, 0, 0, 0, 0 };
	unsigned char z[32], kdf[4 + 32 + 33], md[32], iv[12], tag[16];
	EVP_PKEY_CTX *dc = NULL;
	EVP_CIPHER_CTX *cc = NULL;
	size_t zlen = sizeof(z);
	int outl, ret = SOLR_ERR_INTERNAL;

	out->len = 0;
	if (a->len > 65535 - 5 - 12)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the APDU is too long to "
		    "wrap");
	if ((dc = EVP_PKEY_CTX_new(acb, NULL)) == NULL ||
	    EVP_PKEY_derive_init(dc) != 1 ||
	    EVP_PKEY_derive_set_peer(dc, device) != 1 ||
	    EVP_PKEY_derive(dc, z, &zlen) != 1 || zlen != 32)
		goto out;
	/* SP 800-56A concatenation KDF, one round of SHA-256 */
	memcpy(kdf, "\x00\x00\x00\x01", 4);
	memcpy(kdf + 4, z, 32);
	memcpy(kdf + 36, alg, 7);
	be64(kdf + 43, a->originator);
	kdf[51] = 0x09;
	kdf[52] = (unsigned char)a->cra;
	be64(kdf + 53, a->counter);
	be64(kdf + 61, a->recipient);
	if (solr_sha256(kdf, sizeof(kdf), md) != 0)
		goto out;
	be64(iv, a->originator);
	memset(iv + 8, 0, 4);
	if ((cc = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(cc, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_EncryptInit_ex(cc, NULL, NULL, md, iv) != 1 ||
	    EVP_EncryptUpdate(cc, NULL, &outl, aadpfx, 6) != 1 ||
	    EVP_EncryptUpdate(cc, NULL, &outl, a->buf, (int)a->len) != 1 ||
	    EVP_EncryptFinal_ex(cc, tag, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	if (solr_buf_add(out, hdr, 7) != 0 ||
	    put_len(out, 5 + a->len + 12) != 0 ||
	    solr_buf_add(out, sec, 5) != 0 ||
	    solr_buf_add(out, a->buf, a->len) != 0 ||
	    solr_buf_add(out, tag, 12) != 0) {
		ret = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	if (ret == SOLR_ERR_INTERNAL)
		solr_seterr(e, ret, "the key agreement or GMAC failed");
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(kdf, sizeof(kdf));
	OPENSSL_cleanse(md, sizeof(md));
	ERR_clear_error();
	EVP_CIPHER_CTX_free(cc);
	EVP_PKEY_CTX_free(dc);
	return ret;
}

/* Alerts. */

static int
dlms_time(const unsigned char *d, int64_t *t)
{
	unsigned y = (unsigned)d[0] << 8 | d[1];

	if (y < 1970 || y > 9999 || d[2] < 1 || d[2] > 12 || d[3] < 1 ||
	    d[3] > 31 || d[5] > 23 || d[6] > 59 || d[7] > 59)
		return -1;
	*t = solr_time_from_civil((int)y, d[2], d[3], d[5], d[6], d[7]);
	return 0;
}

static int
alert_dlms(struct g *g, struct rng *c, const struct gbcs_apdu *a,
    struct gbcs_alert *al)
{
	uint64_t v;
	size_t n, at;
	unsigned char ts[12];
	unsigned code;
	int rc, three = a->message_code == GBCS_MSG_FD_DLMS;

	if ((rc = expect_u8(g, c, 0x0F, "DATA-NOTIFICATION tag")) != 0)
		return rc;
	at = c->pos;
	if ((rc = rd_be(g, c, 4, "long-invoke-id-and-priority", &v)) != 0)
		return rc;
	if ((v & 0xFFFFFF) != (a->counter & 0xFFFFFF))
		return fail(g, at, "the invoke-id's low 24 bits are not the "
		    "originator counter's");
	at = c->pos;
	if ((rc = rd_len(g, c, "DLMS date-time length", &n)) != 0)
		return rc;
	if (n != 0)
		return fail(g, at, "the notification's date-time is %zu bytes, "
		    "not empty", n);
	if ((rc = expect_u8(g, c, 0x02, "notification body structure")) != 0 ||
	    (rc = expect_u8(g, c, three ? 3 : 2, "notification element "
	    "count")) != 0 ||
	    (rc = dl_long_unsigned(g, c, "alert code", &code)) != 0 ||
	    (rc = dl_octets(g, c, 12, "alert timestamp", ts)) != 0)
		return rc;
	al->alert_code = (uint16_t)code;
	if (dlms_time(ts, &al->timestamp) != 0)
		return fail(g, c->pos - 12, "the alert timestamp is not a date-"
		    "time");
	if (three) {
		unsigned char f[19];

		at = c->pos;
		if ((rc = dl_octets(g, c, 19, "future-dated command", f)) != 0)
			return rc;
		al->has_future = 1;
		al->future_code = (uint16_t)(f[0] << 8 | f[1]);
		for (al->future_counter = 0, n = 0; n < 8; n++)
			al->future_counter = al->future_counter << 8 | f[2 + n];
		snprintf(al->future_object, sizeof(al->future_object),
		    "class %u, %u-%u:%u.%u.%u.%u, attribute %u",
		    (unsigned)(f[10] << 8 | f[11]), f[12], f[13], f[14], f[15],
		    f[16], f[17], f[18]);
		trace(g, at, 21, "future-dated command", "%s", al->future_object);
	}
	al->payload = "dlms";
	return at_end(g, c, "the alert's content");
}

static int
alert_gbz(struct g *g, struct rng *c, const struct gbcs_apdu *a,
    struct gbcs_alert *al)
{
	uint64_t v;
	unsigned count;
	size_t at;
	int rc, fd = a->message_code == GBCS_MSG_FD_GBZ;

	if ((rc = rd_be(g, c, 2, "GBZ profile id", &v)) != 0)
		return rc;
	if (v != 0x0109)
		return fail(g, c->pos - 2, "GBZ profile id 0x%04X is not 0x0109",
		    (unsigned)v);
	at = c->pos;
	if ((rc = rd_u8(g, c, "GBZ component count", &count)) != 0)
		return rc;
	if ((int)count != (fd ? 1 : 0))
		return fail(g, at, "an alert has %d GBZ components, not %u",
		    fd ? 1 : 0, count);
	at = c->pos;
	if ((rc = rd_be(g, c, 2, "alert code", &v)) != 0)
		return rc;
	al->alert_code = (uint16_t)v;
	trace(g, at, 2, "alert code", "0x%04X", al->alert_code);
	at = c->pos;
	if ((rc = rd_be(g, c, 4, "alert timestamp", &v)) != 0)
		return rc;
	al->timestamp = solr_time_from_civil(2000, 1, 1, 0, 0, 0) +
	    (int64_t)v;
	trace(g, at, 4, "alert timestamp", "0x%08llX", (unsigned long long)v);
	if (fd) {
		unsigned len, k;
		const unsigned char *f;

		at = c->pos;
		if ((rc = rd_u8(g, c, "future-dated command length", &len)) != 0)
			return rc;
		if (len != 14)
			return fail(g, at, "the future-dated command is %u bytes, "
			    "not 14", len);
		if ((rc = need(g, c, 14, "future-dated command")) != 0)
			return rc;
		f = g->b + c->pos;
		c->pos += 14;
		al->has_future = 1;
		al->future_code = (uint16_t)(f[0] << 8 | f[1]);
		for (al->future_counter = 0, k = 0; k < 8; k++)
			al->future_counter = al->future_counter << 8 | f[2 + k];
		snprintf(al->future_object, sizeof(al->future_object),
		    "cluster 0x%04X, command 0x%02X", (unsigned)(f[10] << 8 |
		    f[11]), f[13]);
		trace(g, at, 15, "future-dated command", "%s",
		    al->future_object);
	}
	al->payload = "gbz";
	return at_end(g, c, "the alert's content");
}

/*
 * The General-Ciphering envelope with the Access Control Broker's or the
 * device's MAC (a Command, a non-critical alert): DD, six empty header
 * fields, the ciphered content's length, the security header 11 00000000,
 * the General-Signing APDU, and a 12-byte MAC that ends the message.
 */
static int
ciphering(struct g *g, struct rng *r, size_t *at, size_t *apdu_len,
    unsigned char mac[12])
{
	static const unsigned char hdr[5] = { 0x11, 0, 0, 0, 0 };
	unsigned char z6[6] = { 0 };
	size_t len;
	int rc;

	if ((rc = need(g, r, 7, "General-Ciphering header")) != 0)
		return rc;
	if (memcmp(g->b + 1, z6, 6) != 0)
		return fail(g, 1, "the General-Ciphering header fields must be "
		    "empty (00 x 6)");
	trace(g, 0, 7, "General-Ciphering header", "DD 00 00 00 00 00 00");
	r->pos = 7;
	if ((rc = rd_len(g, r, "ciphered-content length", &len)) != 0)
		return rc;
	if (len != r->end - r->pos)
		return fail(g, r->pos, "the ciphered content is %zu bytes but "
		    "%zu remain: the MAC must end the message", len,
		    r->end - r->pos);
	if (len < 5 + 12 + 1)
		return fail(g, r->pos, "the ciphered content is too short");
	if (memcmp(g->b + r->pos, hdr, 5) != 0)
		return fail(g, r->pos, "the security header is not 11 00000000");
	trace(g, r->pos, 5, "security header", "11 00000000");
	r->pos += 5;
	*at = r->pos;
	*apdu_len = r->end - 12 - r->pos;
	memcpy(mac, g->b + r->end - 12, 12);
	trace(g, r->end - 12, 12, "MAC", "(12 bytes)");
	return 0;
}

int
gbcs_message_kind(const unsigned char *p, size_t n)
{
	size_t at = 7, len = 0;

	if (n > 2 && p[0] == 0xDF)
		return p[2] == 3 ? GBCS_KIND_ALERT : GBCS_KIND_PRECOMMAND;
	if (n < 9 || p[0] != 0xDD)
		return GBCS_KIND_PRECOMMAND;	/* its reader says why not */
	/* the CRA flag of the General-Signing APDU inside */
	if (p[at] < 0x80)
		len = 1;
	else if (p[at] == 0x81)
		len = 2;
	else if (p[at] == 0x82)
		len = 3;
	at += len + 5 + 2;
	if (len == 0 || at >= n)
		return GBCS_KIND_ALERT;
	return p[at] == 1 ? GBCS_KIND_COMMAND : GBCS_KIND_ALERT;
}

int
gbcs_parse_command(const unsigned char *p, size_t n, struct gbcs_command *c,
    struct gbcs_trace *t, struct solr_err *e)
{
	struct g g = { p, t, e, 0, 0 };
	struct rng r = { 0, n };
	int rc;

	memset(c, 0, sizeof(*c));
	c->buf = p;
	c->len = n;
	if (n > GBCS_MAX_LEN)
		return fail(&g, 0, "the message is %zu bytes; the limit is %d",
		    n, GBCS_MAX_LEN);
	if (n == 0 || p[0] != 0xDD)
		return fail(&g, 0, "a Command is General-Ciphering (DD)");
	if ((rc = ciphering(&g, &r, &c->apdu_off, &c->apdu_len, c->mac)) != 0)
		return rc;
	/* the Signed Pre-Command inside, with the supplier's signature */
	return parse_signing(p + c->apdu_off, c->apdu_len, 1, 0, &c->apdu, t,
	    e, c->apdu_off);
}

int
gbcs_command_mac(const struct gbcs_command *c, EVP_PKEY *acb,
    EVP_PKEY *device, struct solr_err *e)
{
	struct solr_buf out = { 0 };
	int r;

	/* the Command made again from its APDU: the same bytes, MAC and
	 * all, or not ours */
	if ((r = gbcs_command(&c->apdu, acb, device, &out, e)) != 0)
		return r;
	r = out.len != c->len || CRYPTO_memcmp(out.p, c->buf, c->len) ?
	    solr_seterr(e, SOLR_ERR_VERIFY, "the Command's MAC does not "
	    "verify: it is not the ACB's, for this device") : 0;
	solr_buf_free(&out);
	return r;
}

int
gbcs_parse_alert(const unsigned char *p, size_t n, struct gbcs_alert *al,
    struct gbcs_trace *t, struct solr_err *e)
{
	struct g g = { p, t, e, 0, 0 };
	struct rng r = { 0, n }, c;
	size_t at;
	int rc;

	memset(al, 0, sizeof(*al));
	al->buf = p;
	al->len = n;
	if (n > GBCS_MAX_LEN)
		return fail(&g, 0, "the message is %zu bytes; the limit is %d",
		    n, GBCS_MAX_LEN);
	if (n > 0 && p[0] == 0xDD) {
		/* General-Ciphering: the non-critical alert with its MAC */
		if ((rc = ciphering(&g, &r, &at, &al->apdu_len, al->mac)) != 0)
			return rc;
		al->apdu_off = at;
		al->has_mac = 1;
		rc = parse_signing(p + at, al->apdu_len, 3, 1, &al->apdu, t, e,
		    at);
		if (rc != 0)
			return rc;
		if (al->apdu.message_code != GBCS_MSG_GNCA)
			return fail(&g, at + 31, "message code 0x%04X in a MACed "
			    "alert; the non-critical alert is 0x1001",
			    al->apdu.message_code);
		al->framing = "non-critical";
	} else {
		al->apdu_off = 0;
		al->apdu_len = n;
		if ((rc = parse_signing(p, n, 3, 0, &al->apdu, t, e, 0)) != 0)
			return rc;
		switch (al->apdu.message_code) {
		case GBCS_MSG_GCA:
			al->framing = "critical";
			break;
		case GBCS_MSG_FD_DLMS:
		case GBCS_MSG_FD_GBZ:
			al->framing = "future-dated";
			break;
		case GBCS_MSG_GNCA:
			return fail(&g, 31, "a non-critical alert (0x1001) comes "
			    "MACed in General-Ciphering, not signed");
		default:
			return fail(&g, 31, "message code 0x%04X is not an alert "
			    "(0x1000, 0x1001, 0x00CC, 0x00CD)",
			    al->apdu.message_code);
		}
	}
	if (al->apdu.other_len != 2)
		return fail(&g, al->apdu_off + 30, "other-information is %zu "
		    "bytes; an alert has only its message code",
		    al->apdu.other_len);
	/* offsets in the inner APDU are the whole message's */
	g.b = al->apdu.buf;
	g.base = al->apdu.base;
	c.pos = al->apdu.content_off;
	c.end = c.pos + al->apdu.content_len;
	g.depth = 1;
	if (al->apdu.message_code == GBCS_MSG_FD_DLMS)
		return alert_dlms(&g, &c, &al->apdu, al);
	if (al->apdu.message_code == GBCS_MSG_FD_GBZ)
		return alert_gbz(&g, &c, &al->apdu, al);
	if (c.end > c.pos && al->apdu.buf[c.pos] == 0x0F)
		return alert_dlms(&g, &c, &al->apdu, al);
	if (c.end - c.pos >= 2 && al->apdu.buf[c.pos] == 0x01 &&
	    al->apdu.buf[c.pos + 1] == 0x09)
		return alert_gbz(&g, &c, &al->apdu, al);
	return fail(&g, c.pos, "the alert's content is neither "
	    "a DLMS DATA-NOTIFICATION (0F) nor GBZ (01 09)");
}

int
gbcs_alert_mac(const struct gbcs_alert *al, EVP_PKEY *recipient,
    EVP_PKEY *device, struct solr_err *e)
{
	struct solr_buf out = { 0 };
	int r;

	/* the same construction as a Command's, from the other side */
	if ((r = gbcs_command(&al->apdu, recipient, device, &out, e)) != 0)
		return r;
	r = out.len < 12 || CRYPTO_memcmp(out.p + out.len - 12, al->mac, 12) ?
	    solr_seterr(e, SOLR_ERR_VERIFY, "the alert's MAC does not verify") :
	    0;
	solr_buf_free(&out);
	return r;
}

/* The GBCS identities against the DUIS header. */
static int
held_to_header(const struct gbcs_apdu *a, uint64_t bo, uint64_t bt,
    uint64_t counter, struct decision *d)
{
	char x[SOLR_EUI_STRLEN], y[SOLR_EUI_STRLEN];

	if (a->originator != bo) {
		solr_eui_format(a->originator, x);
		solr_eui_format(bo, y);
		return decision_reject(d, DUIS_E65, "offset 12: the GBCS "
		    "originator %s is not the Business Originator %s", x, y);
	}
	if (a->recipient != bt) {
		solr_eui_format(a->recipient, x);
		solr_eui_format(bt, y);
		return decision_reject(d, DUIS_E020101, "offset 21: the GBCS "
		    "recipient %s is not the Business Target %s", x, y);
	}
	if (a->counter != counter)
		return decision_reject(d, DUIS_E020101, "offset 3: the GBCS "
		    "originator counter %llu is not the RequestID's counter "
		    "%llu", (unsigned long long)a->counter,
		    (unsigned long long)counter);
	decision_pass(d);
	return 0;
}

int
gbcs_precommand_decide(struct solr_world *w, const char *payload,
    size_t plen, uint64_t bo, uint64_t bt, uint64_t counter,
    unsigned char *buf, struct gbcs_apdu *a, struct prepay *pp,
    struct solr_cert **signer, struct decision *d, struct solr_err *e)
{
	size_t len;
	int r;

	if (solr_b64_decode(payload, plen, buf, GBCS_MAX_LEN, &len, e) != 0)
		return decision_reject(d, DUIS_E020101, "sr:GBCSPayload: "
		    "%.900s", e->msg);
	if (gbcs_parse_signing(buf, len, 1, a, NULL, e) != 0 ||
	    gbcs_sr21_content(a, pp, NULL, e) != 0)
		return decision_reject(d, DUIS_E020101, "%s", e->msg);
	if (held_to_header(a, bo, bt, counter, d) != 0 || !decision_is_pass(d))
		return 0;
	if ((r = gbcs_verify_supplier(a, w, signer, e)) != 0) {
		decision_reject(d, DUIS_E65, "%s", e->msg);
		return r == SOLR_ERR_VERIFY ? 0 : r;
	}
	return 0;
}

static int
alert_signature(struct solr_world *w, const struct gbcs_alert *al,
    int64_t at, char *check, size_t cap, struct solr_err *e)
{
	X509 *dev = NULL;
	int r;

	if ((r = world_device_cert(w, al->apdu.originator, "ds", at, &dev, e))
	    != 0)
		return r;
	r = gbcs_verify_signature(&al->apdu, X509_get0_pubkey(dev), e);
	if (r == 0)
		snprintf(check, cap, "device signature verified");
	else if (r == SOLR_ERR_VERIFY)
		solr_seterr(e, r, "the device's signature does not verify with "
		    "pki/device/%016llX.ds.pem",
		    (unsigned long long)al->apdu.originator);
	X509_free(dev);
	return r;
}

int
gbcs_alert_verify(struct solr_world *w, const struct gbcs_alert *al,
    int64_t at, char *check, size_t cap, struct solr_err *e)
{
	char path[PATH_MAX];
	EVP_PKEY *key = NULL;
	X509 *dev = NULL;
	int r;

	if (!al->has_mac)
		return alert_signature(w, al, at, check, cap, e);
	world_device_key_path(path, sizeof(path), w->dir,
	    al->apdu.recipient);
	if (access(path, F_OK) != 0) {
		snprintf(check, cap, "MAC not verifiable: the world holds no "
		    "key-agreement key of the recipient");
		return 0;
	}
	if ((r = solr_load_private_key(path, &key, e)) != 0)
		return r;
	if ((r = world_device_cert(w, al->apdu.originator, "ka", at, &dev, e))
	    == 0 && (r = gbcs_alert_mac(al, key, X509_get0_pubkey(dev), e)) ==
	    0)
		snprintf(check, cap, "MAC verified");
	X509_free(dev);
	EVP_PKEY_free(key);
	return r;
}

const char *
gbcs_device_type_of(uint16_t message_code)
{
	switch (message_code) {
	case GBCS_MSG_ECS08A:
	case GBCS_MSG_ECS08:
		return "ESME";
	case GBCS_MSG_GCS05:
		return "GSME";
	}
	return NULL;
}
