#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "gbcs/dlms.h"

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

int
dl_tag(struct gdec *g, struct span *r, unsigned want, const char *what)
{
	size_t at = r->pos;
	unsigned v;
	int rc;

	if ((rc = gr_u8(g, r, what, &v)) != 0)
		return rc;
	if (v != want)
		return gr_fail(g, at, "%s has data type %s (0x%02X), not %s "
		    "(0x%02X)", what, dlms_type(v), v, dlms_type(want), want);
	return 0;
}

int
dl_double_long(struct gdec *g, struct span *r, const char *what, int64_t *out)
{
	size_t at = r->pos;
	uint64_t v;
	int rc;

	if ((rc = dl_tag(g, r, 0x05, what)) != 0 ||
	    (rc = gr_be(g, r, 4, what, &v)) != 0)
		return rc;
	*out = (int32_t)(uint32_t)v;
	gr_trace_dec(g, at, 5, what, *out);
	return 0;
}

int
dl_long_unsigned(struct gdec *g, struct span *r, const char *what,
    unsigned *out)
{
	size_t at = r->pos;
	uint64_t v;
	int rc;

	if ((rc = dl_tag(g, r, 0x12, what)) != 0 ||
	    (rc = gr_be(g, r, 2, what, &v)) != 0)
		return rc;
	*out = (unsigned)v;
	gr_trace_udec(g, at, 3, what, *out);
	return 0;
}

int
dl_octets(struct gdec *g, struct span *r, size_t want, const char *what,
    unsigned char *out)
{
	size_t at = r->pos, len;
	int rc;

	if ((rc = dl_tag(g, r, 0x09, what)) != 0 ||
	    (rc = gr_len(g, r, what, &len)) != 0)
		return rc;
	if (len != want)
		return gr_fail(g, at, "%s is an octet-string of %zu bytes, not "
		    "%zu", what, len, want);
	if ((rc = gr_need(g, r, want, what)) != 0)
		return rc;
	memcpy(out, g->b + r->pos, want);
	r->pos += want;
	return 0;
}

/* A bit-string of at most 32 bits, most significant first; the padding
 * bits must be zero. */
int
dl_bits(struct gdec *g, struct span *r, size_t maxbits, const char *what,
    size_t *nbits, uint32_t *bits)
{
	size_t at = r->pos, nbytes, i;
	int rc;

	if ((rc = dl_tag(g, r, 0x04, what)) != 0 ||
	    (rc = gr_len(g, r, what, nbits)) != 0)
		return rc;
	if (*nbits > maxbits)
		return gr_fail(g, at, "%s has %zu bits; at most %zu", what,
		    *nbits, maxbits);
	nbytes = (*nbits + 7) / 8;
	if ((rc = gr_need(g, r, nbytes, what)) != 0)
		return rc;
	*bits = 0;
	for (i = 0; i < *nbits; i++)
		if (g->b[r->pos + i / 8] & (0x80 >> (i % 8)))
			*bits |= 1u << i;
	if (*nbits % 8 && (g->b[r->pos + nbytes - 1] & (0xFF >> (*nbits % 8))))
		return gr_fail(g, at, "%s has non-zero padding bits", what);
	r->pos += nbytes;
	return 0;
}

int
dl_count(struct gdec *g, struct span *r, unsigned tag, size_t min, size_t max,
    const char *what, size_t *n)
{
	size_t at = r->pos;
	int rc;

	if ((rc = dl_tag(g, r, tag, what)) != 0 ||
	    (rc = gr_len(g, r, what, n)) != 0)
		return rc;
	if (*n < min || *n > max)
		return gr_fail(g, at, "%s has %zu elements; %zu to %zu are "
		    "allowed", what, *n, min, max);
	/* every element takes at least two bytes: bound by what is left */
	if (*n > (r->end - r->pos) / 2)
		return gr_fail(g, at, "%s claims %zu elements but only %zu "
		    "bytes remain", what, *n, r->end - r->pos);
	return 0;
}

/* A DLMS date (5 bytes): FFFF and FF are "not specified", day FE is the
 * last day of the month and FD the second last. */
int
dlms_date(struct gdec *g, size_t at, const unsigned char *d, int allow_wild_day,
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
	    (out->weekday != PP_ANY && (out->weekday < 1 || out->weekday > 7))
	    || (out->year != PP_ANY && (out->year < 1900 || out->year > 9999)))
		return gr_fail(g, at, "%s %02X%02X%02X%02X%02X is not a DLMS "
		    "date", what, d[0], d[1], d[2], d[3], d[4]);
	if (!allow_wild_day && (out->month == PP_ANY || out->day < 1 ||
	    out->weekday != PP_ANY))
		return gr_fail(g, at, "%s %02X%02X%02X%02X%02X needs a month "
		    "and a day and no weekday (DUIS cannot express it "
		    "otherwise)", what, d[0], d[1], d[2], d[3], d[4]);
	return 0;
}

/* The 12-byte activation date-time: zeros for "now", FF for a
 * cancellation, else a UTC time. */
int
dlms_activation(struct gdec *g, size_t at, const unsigned char *d, int *kind,
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
		return gr_fail(g, at, "activation date-time is not now, a "
		    "cancellation or a UTC date-time");
	*kind = ACT_AT;
	*t = solr_time_from_civil((int)y, d[2], d[3], d[5], d[6], d[7]);
	return 0;
}

/* A DLMS date-time (12 bytes) as seconds since the epoch: -1 when it
 * names no time. */
int
dlms_time(const unsigned char *d, int64_t *t)
{
	unsigned y = (unsigned)d[0] << 8 | d[1];

	if (y < 1970 || y > 9999 || d[2] < 1 || d[2] > 12 || d[3] < 1 ||
	    d[3] > 31 || d[5] > 23 || d[6] > 59 || d[7] > 59)
		return -1;
	*t = solr_time_from_civil((int)y, d[2], d[3], d[5], d[6], d[7]);
	return 0;
}
