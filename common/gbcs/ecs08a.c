#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gbcs/dlms.h"
#include "gbcs/ecs08a.h"

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
	[8] = { 9000, { 0, 0, 94, 44, 128, 31 }, 6,
	    "activation: special days" },
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
ecs08a_special_days(struct gdec *g, struct span *r, struct prepay *pp)
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
		if ((rc = gr_expect(g, r, 0x02, "special day structure")) ||
		    (rc = gr_expect(g, r, 3, "special day element count")) ||
		    (rc = dl_long_unsigned(g, r, "special day index", &idx)) ||
		    (rc = dl_octets(g, r, 5, "special day date", d)) ||
		    (rc = dl_tag(g, r, 0x11, "special day day_id")) ||
		    (rc = gr_u8(g, r, "special day day_id", &day_id)))
			return rc;
		if (idx < 1 || idx > 20)
			return gr_fail(g, at, "special day index %u is not 1 "
			    "to 20", idx);
		for (j = 0; j < i; j++)
			if (pp->special[j].index == (int)idx)
				return gr_fail(g, at, "special day index %u is "
				    "used twice", idx);
		if (day_id != idx)
			return gr_fail(g, at, "special day %u has day_id %u; "
			    "DUIS can only express day_id = index", idx,
			    day_id);
		s->index = (int)idx;
		if ((rc = dlms_date(g, at + 5, d, 1, "special day date",
		    &s->date)) != 0)
			return rc;
		gr_trace(g, at, r->pos - at, "special day", "index %u", idx);
	}
	pp->nspecial = (int)n;
	return 0;
}

/* The special days a schedule entry applies to: each one defined. */
static int
schedule_special_days(struct gdec *g, struct span *r, const struct prepay *pp,
    unsigned idx, uint32_t *days)
{
	size_t f = r->pos, nbits, b;
	uint32_t bits;
	int rc, k, found, top = 0;

	if ((rc = dl_bits(g, r, PP_ELEC_SPECIAL_MAX, "execution special days",
	    &nbits, &bits)) != 0)
		return rc;
	/* one form: a bit for each index up to the highest defined */
	for (k = 0; k < pp->nspecial; k++)
		if (pp->special[k].index > top)
			top = pp->special[k].index;
	if (nbits != (size_t)top)
		return gr_fail(g, f, "schedule entry %u: execution special "
		    "days has %zu bits; the highest special day index is %d",
		    idx, nbits, top);
	for (b = 0; b < nbits; b++) {
		if (!(bits & (1u << b)))
			continue;
		for (k = 0, found = 0; k < pp->nspecial; k++)
			found |= pp->special[k].index == (int)b + 1;
		if (!found)
			return gr_fail(g, f, "schedule entry %u applies to "
			    "special day %zu, which is not defined", idx,
			    b + 1);
	}
	*days = bits;
	return 0;
}

/* An entry's switch time, its validity window (DUIS has only 0xFFFF)
 * and the weekdays it runs on. */
static int
schedule_when(struct gdec *g, struct span *r, unsigned idx,
    struct pp_schedule *s)
{
	unsigned char tm[4];
	unsigned win;
	uint32_t bits;
	size_t f = r->pos, nbits;
	int rc;

	if ((rc = dl_octets(g, r, 4, "switch time", tm)) != 0)
		return rc;
	if (tm[0] > 23 || tm[1] > 59 || tm[2] > 59 || tm[3] > 99)
		return gr_fail(g, f, "switch time %02X%02X%02X%02X is not "
		    "a time", tm[0], tm[1], tm[2], tm[3]);
	s->hh = tm[0];
	s->mm = tm[1];
	s->ss = tm[2];
	s->cs = tm[3];
	f = r->pos;
	if ((rc = dl_long_unsigned(g, r, "validity window", &win)) != 0)
		return rc;
	if (win != 0xFFFF)
		return gr_fail(g, f, "schedule entry %u validity window is "
		    "%u; DUIS expresses only 0xFFFF", idx, win);
	f = r->pos;
	if ((rc = dl_bits(g, r, 7, "execution weekdays", &nbits,
	    &bits)) != 0)
		return rc;
	if (nbits != 7)
		return gr_fail(g, f, "execution weekdays has %zu bits, not "
		    "7", nbits);
	s->weekdays = bits;
	return 0;
}

/* One entry of the non-disablement schedule (the i-th, 0-based). */
static int
ecs08a_schedule_entry(struct gdec *g, struct span *r, struct prepay *pp,
    size_t i)
{
	static const unsigned char script[6] = { 0, 0, 10, 0, 106, 255 };
	struct pp_schedule *s = &pp->schedule[i];
	unsigned idx, sel, en;
	unsigned char ln[6], d1[5], d2[5];
	size_t at, f;
	int rc;

	at = r->pos;
	if ((rc = gr_expect(g, r, 0x02, "schedule structure")) != 0 ||
	    (rc = gr_expect(g, r, 10, "schedule element count")) != 0 ||
	    (rc = dl_long_unsigned(g, r, "schedule index", &idx)) != 0)
		return rc;
	if (idx != i + 1)
		return gr_fail(g, at, "schedule entry %zu has index %u; "
		    "entries are numbered 1 to n in order", i + 1, idx);
	s->index = (int)idx;
	f = r->pos;
	if ((rc = dl_tag(g, r, 0x03, "schedule enable")) != 0 ||
	    (rc = gr_u8(g, r, "schedule enable", &en)) != 0)
		return rc;
	if (en != 0xFF)
		return gr_fail(g, f, "schedule entry %u is not enabled "
		    "(0x%02X); DUIS has no disabled entries", idx, en);
	f = r->pos;
	if ((rc = dl_octets(g, r, 6, "schedule script", ln)) != 0)
		return rc;
	if (memcmp(ln, script, 6) != 0)
		return gr_fail(g, f, "schedule entry %u runs a script other "
		    "than 0-0:10.0.106.255", idx);
	f = r->pos;
	if ((rc = dl_long_unsigned(g, r, "script selector", &sel)) != 0)
		return rc;
	if (sel != 0x20 && sel != 0x21)
		return gr_fail(g, f, "schedule entry %u script selector "
		    "0x%04X is not START (0x0020) or STOP (0x0021)", idx,
		    sel);
	s->start = sel == 0x20;
	if ((rc = schedule_when(g, r, idx, s)) != 0 ||
	    (rc = schedule_special_days(g, r, pp, idx, &s->special_days)) != 0)
		return rc;
	f = r->pos;
	if ((rc = dl_octets(g, r, 5, "begin date", d1)) != 0 ||
	    (rc = dlms_date(g, f, d1, 0, "begin date", &s->begin)) != 0)
		return rc;
	f = r->pos;
	if ((rc = dl_octets(g, r, 5, "end date", d2)) != 0 ||
	    (rc = dlms_date(g, f, d2, 0, "end date", &s->end)) != 0)
		return rc;
	gr_trace(g, at, r->pos - at, "schedule entry", "index %u %s", idx,
	    s->start ? "START" : "STOP");
	return 0;
}

static int
ecs08a_schedule(struct gdec *g, struct span *r, struct prepay *pp)
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
ecs08a_specs(struct gdec *g, struct span *c, const struct gbcs_apdu *a)
{
	size_t n, at, i;
	uint64_t invoke, cls, attr = 0;
	unsigned choice;
	const unsigned char *obis;
	int rc;

	if ((rc = gr_expect(g, c, 0xD9, "DLMS ACCESS-Request tag")) != 0)
		return rc;
	at = c->pos;
	if ((rc = gr_be(g, c, 4, "long-invoke-id-and-priority", &invoke)) != 0)
		return rc;
	gr_trace_hex(g, at, 4, "long-invoke-id-and-priority", invoke, 8);
	if ((invoke >> 24) != 0x20)
		return gr_fail(g, at, "the invoke-id's top byte is 0x%02llX; a "
		    "pre-command's is 0x20", (unsigned long long)(invoke >> 24));
	if ((invoke & 0xFFFFFF) != (a->counter & 0xFFFFFF))
		return gr_fail(g, at, "the invoke-id's low 24 bits 0x%06llX "
		    "are not the originator counter's 0x%06llX",
		    (unsigned long long)(invoke & 0xFFFFFF),
		    (unsigned long long)(a->counter & 0xFFFFFF));
	at = c->pos;
	if ((rc = gr_len(g, c, "DLMS date-time length", &n)) != 0)
		return rc;
	if (n != 0)
		return gr_fail(g, at, "the DLMS date-time of a pre-command is "
		    "empty, not %zu bytes", n);
	at = c->pos;
	if ((rc = gr_len(g, c, "access-request-specification count", &n)) != 0)
		return rc;
	if (n != ECS08A_ITEMS)
		return gr_fail(g, at, "ECS08a has 18 access-request "
		    "specifications, not %zu", n);
	for (i = 0; i < ECS08A_ITEMS; i++) {
		struct ecs08a_spec sp = ecs08a_spec(i);

		at = c->pos;
		if ((rc = gr_u8(g, c, "access-request choice", &choice)) != 0)
			return rc;
		if (choice != 0x02)
			return gr_fail(g, at, "specification %zu is not a SET "
			    "(choice 0x%02X)", i, choice);
		if ((rc = gr_be(g, c, 2, "class-id", &cls)) != 0 ||
		    (rc = gr_need(g, c, 7, "OBIS code and attribute")) != 0)
			return rc;
		obis = g->b + c->pos;
		c->pos += 6;
		gr_be(g, c, 1, "attribute", &attr);
		if (cls != sp.class_id || memcmp(obis, sp.obis, 6) != 0 ||
		    attr != sp.attr)
			return gr_fail(g, at, "specification %zu is class %llu "
			    "OBIS %u-%u:%u.%u.%u.%u attribute %llu; ECS08a "
			    "has %s (class %u attribute %u) there", i,
			    (unsigned long long)cls, obis[0], obis[1], obis[2],
			    obis[3], obis[4], obis[5], (unsigned long long)attr,
			    sp.name, sp.class_id, sp.attr);
		gr_trace_str(g, at, 10, "SET", sp.name);
	}
	return 0;
}

/* A value of the prepay field table, as its ECS08a item carries it. */
static int
ecs08a_value(struct gdec *g, struct span *c, const struct pp_field *f,
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
ecs08a_items(struct gdec *g, struct span *c, struct prepay *pp)
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
			gr_trace_str(g, at, 14, "activation date-time",
			    ecs08a_calendar[i].name + 12);
		if (rc != 0)
			return rc;
	}
	g->depth--;
	for (i = 1; i < n; i++)
		if (memcmp(act[i], act[0], 12) != 0)
			return gr_fail(g, c->pos, "the activation date-times "
			    "differ (item %zu); one request has one activation",
			    i);
	return dlms_activation(g, c->pos, act[0], &pp->activation,
	    &pp->activation_time);
}

int
ecs08a_decode(struct gdec *g, struct span *c, const struct gbcs_apdu *a,
    struct prepay *pp)
{
	size_t n, at;
	int rc;

	if ((rc = ecs08a_specs(g, c, a)) != 0)
		return rc;
	at = c->pos;
	if ((rc = gr_len(g, c, "data count", &n)) != 0)
		return rc;
	if (n != ECS08A_ITEMS)
		return gr_fail(g, at, "there are %zu data items for 18 "
		    "specifications", n);
	if ((rc = ecs08a_items(g, c, pp)) != 0)
		return rc;
	return gr_end(g, c, "the ECS08a content");
}
