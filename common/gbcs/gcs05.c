#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "gbcs/gcs05.h"

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
gbz_component(struct gdec *g, struct span *r, int index, int last, int fdt,
    unsigned fc, unsigned cluster, unsigned cmd, const char *what,
    struct zcl *z)
{
	struct span comp;
	uint64_t v;
	unsigned u;
	size_t len;
	int rc;

	z->at = r->pos;
	if ((rc = gr_u8(g, r, "GBZ extended-header control", &z->ctl)) != 0)
		return rc;
	if (z->ctl & ~0x11u)
		return gr_fail(g, z->at, "GBZ component %d control 0x%02X has "
		    "bits other than last (0x01) and from-date-time (0x10)%s",
		    index, z->ctl, z->ctl & 0x02 ? "; encrypted components are "
		    "not accepted here" : "");
	if (!!(z->ctl & 0x01) != last)
		return gr_fail(g, z->at, "GBZ component %d %s the "
		    "last-component bit", index, last ? "lacks" : "has");
	if ((rc = gr_be(g, r, 2, "GBZ cluster", &v)) != 0)
		return rc;
	z->cluster = (unsigned)v;
	if ((rc = gr_be(g, r, 2, "GBZ component length", &v)) != 0)
		return rc;
	len = (size_t)v;
	if ((rc = gr_sub(g, r, len, "GBZ component", &comp)) != 0)
		return gr_fail(g, z->at + 3, "GBZ component %d: length %zu is "
		    "more than the %zu bytes that remain", index, len,
		    r->end - r->pos);
	z->has_fdt = !!(z->ctl & 0x10);
	if (z->has_fdt != fdt)
		return gr_fail(g, z->at, "GBZ component %d (%s) %s a "
		    "from-date-time; in GCS05 only Set Low Credit Warning "
		    "Level has one", index, what, fdt ? "lacks" : "has");
	if (z->has_fdt) {
		if ((rc = gr_be(g, &comp, 4, "from-date-time", &v)) != 0)
			return rc;
		z->fdt = (uint32_t)v;
	}
	if ((rc = gr_u8(g, &comp, "ZCL frame control", &u)) != 0)
		return rc;
	if (u != fc)
		return gr_fail(g, comp.pos - 1, "GBZ component %d ZCL frame "
		    "control is 0x%02X, not 0x%02X", index, u, fc);
	if ((rc = gr_u8(g, &comp, "ZCL sequence number", &u)) != 0)
		return rc;
	if ((int)u != index)
		return gr_fail(g, comp.pos - 1, "GBZ component %d has ZCL "
		    "sequence number %u", index, u);
	if ((rc = gr_u8(g, &comp, "ZCL command", &z->cmd)) != 0)
		return rc;
	if (z->cluster != cluster || z->cmd != cmd)
		return gr_fail(g, z->at, "GBZ component %d is cluster 0x%04X "
		    "command 0x%02X; GCS05 has %s (cluster 0x%04X command "
		    "0x%02X) there", index, z->cluster, z->cmd, what, cluster,
		    cmd);
	z->pos = comp.pos;
	z->len = comp.end - comp.pos;
	gr_trace(g, z->at, comp.end - z->at, "GBZ component", "%d: %s", index,
	    what);
	return 0;
}

static int
zcl_len(struct gdec *g, const struct zcl *z, size_t want, const char *what)
{
	if (z->len != want)
		return gr_fail(g, z->at, "%s: ZCL payload is %zu bytes, not "
		    "%zu", what, z->len, want);
	return 0;
}

/* A ZCL date (year-1900, month, day, weekday; FF not specified). */
static int
zcl_date(struct gdec *g, size_t at, const unsigned char *d, struct pp_date *o)
{
	o->year = d[0] == 0xFF ? PP_ANY : 1900 + d[0];
	o->month = d[1] == 0xFF ? PP_ANY : d[1];
	o->day = d[2] == 0xFF ? PP_ANY : d[2];
	o->weekday = d[3] == 0xFF ? PP_ANY : d[3];
	if ((o->month != PP_ANY && (o->month < 1 || o->month > 12)) ||
	    (o->day != PP_ANY && (o->day < 1 || o->day > 31)) ||
	    (o->weekday != PP_ANY && (o->weekday < 1 || o->weekday > 7)))
		return gr_fail(g, at, "%02X%02X%02X%02X is not a ZCL date",
		    d[0], d[1], d[2], d[3]);
	return 0;
}

/* The ZCL payload of a component, to be consumed field by field. */
static struct span
zcl_payload(const struct zcl *z)
{
	struct span r = { .pos = z->pos, .end = z->pos + z->len };

	return r;
}

/* The GBZ components of GCS05 in order, and what the calendar holds. */
struct gcs05 {
	struct span *c;
	unsigned count;
	int idx;		/* the next component */
	uint32_t t[4];		/* the prepayment commands' start times */
	uint32_t cal_id, cal_start[2];
	int nseasons;
};

static int
component(struct gdec *g, struct gcs05 *s, int fdt, unsigned fc, unsigned cl,
    unsigned cmd, const char *what, struct zcl *z)
{
	int rc;

	if (s->idx >= (int)s->count)
		return gr_fail(g, s->c->pos, "GBZ component count %u is too "
		    "small: %s is missing", s->count, what);
	if ((rc = gbz_component(g, s->c, s->idx, s->idx + 1 == (int)s->count,
	    fdt, fc, cl, cmd, what, z)) != 0)
		return rc;
	s->idx++;
	return 0;
}

/* A prepayment command's value: 4 bytes, little-endian, traced. */
static int
zval(struct gdec *g, struct span *r, const char *what, int is_signed,
    int64_t *out)
{
	size_t at = r->pos;
	uint32_t v;
	int rc;

	if ((rc = gr_le(g, r, 4, what, &v)) != 0)
		return rc;
	*out = is_signed ? (int64_t)(int32_t)v : (int64_t)v;
	gr_trace_dec(g, at, 4, what, *out);
	return 0;
}

/* A time field: 4 bytes, little-endian, traced in hex. */
static int
ztime(struct gdec *g, struct span *r, const char *what, uint32_t *t)
{
	size_t at = r->pos;
	int rc;

	if ((rc = gr_le(g, r, 4, what, t)) != 0)
		return rc;
	gr_trace_hex(g, at, 4, what, *t, 8);
	return 0;
}

/* A provider or issuer event id: the supplier's numbering, listed in
 * the trace and read no further. */
static int
zid(struct gdec *g, struct span *r, const char *what)
{
	size_t at = r->pos;
	uint32_t v;
	int rc;

	if ((rc = gr_le(g, r, 4, what, &v)) != 0)
		return rc;
	gr_trace_udec(g, at, 4, what, v);
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
gcs05_prepayment(struct gdec *g, struct gcs05 *s, struct prepay *pp)
{
	const struct pp_field *f;
	struct zcl z;
	struct span r;
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
			if ((rc = zid(g, &r, k + 1 < pc->ids ? "provider id" :
			    "issuer event id")) != 0)
				return rc;
		if (pc->fdt) {
			s->t[i] = z.fdt;
			gr_trace_hex(g, z.at + 5, 4, "from-date-time", z.fdt,
			    8);
		} else if ((rc = ztime(g, &r, pc->time, &s->t[i])) != 0)
			return rc;
		for (k = 0; (f = pp_field_zcl((int)i, k)) != NULL; k++) {
			if ((rc = zval(g, &r, f->zcl.name, f->zcl.is_signed,
			    &v)) != 0)
				return rc;
			pp_set(pp, f, v);
		}
		g->depth--;
	}
	return 0;
}

/* The provider and issuer event ids that start each command. */
static int
calendar_ids(struct gdec *g, struct span *r)
{
	int rc;

	if ((rc = zid(g, r, "provider id")) != 0)
		return rc;
	return zid(g, r, "issuer event id");
}

/* The head of the profile commands: the ids, then the calendar's id,
 * which must be the published one's. */
static int
calendar_head(struct gdec *g, struct gcs05 *s, const struct zcl *z,
    struct span *r, const char *what)
{
	uint32_t id;
	int rc;

	if ((rc = calendar_ids(g, r)) != 0 ||
	    (rc = gr_le(g, r, 4, "calendar id", &id)) != 0)
		return rc;
	if (id != s->cal_id)
		return gr_fail(g, z->at, "%s for another calendar", what);
	return 0;
}

static int
gcs05_calendar(struct gdec *g, struct gcs05 *s, struct prepay *pp)
{
	struct zcl z;
	struct span r;
	uint32_t tref, type, nlen, ns, nw, nd;
	size_t at;
	int rc;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x00, "Publish Calendar",
	    &z)) != 0 || (rc = zcl_len(g, &z, 22, "Publish Calendar")) != 0)
		return rc;
	r = zcl_payload(&z);
	if ((rc = calendar_ids(g, &r)) != 0 ||
	    (rc = gr_le(g, &r, 4, "calendar id", &s->cal_id)) != 0 ||
	    (rc = ztime(g, &r, "calendar start time", &s->cal_start[0])) != 0
	    || (rc = gr_le(g, &r, 1, "calendar type", &type)) != 0 ||
	    (rc = gr_le(g, &r, 1, "calendar time reference", &tref)) != 0 ||
	    (rc = gr_le(g, &r, 1, "calendar name", &nlen)) != 0)
		return rc;
	/* the times of the profiles are read as the RTDS writes them */
	if (tref != 0x00)
		return gr_fail(g, z.at, "calendar time reference 0x%02X is not "
		    "0x00, the one the checked times are read in", tref);
	if (type != 0x03)
		return gr_fail(g, z.at, "calendar type 0x%02X is not the "
		    "friendly credit calendar (0x03)", type);
	if (nlen != 0)
		return gr_fail(g, z.at, "the calendar name must be empty");
	at = r.pos;
	if ((rc = gr_le(g, &r, 1, "seasons", &ns)) != 0 ||
	    (rc = gr_le(g, &r, 1, "week profiles", &nw)) != 0 ||
	    (rc = gr_le(g, &r, 1, "day profiles", &nd)) != 0)
		return rc;
	s->nseasons = (int)ns;
	pp->nweeks = (int)nw;
	pp->nday_profiles = (int)nd;
	gr_trace(g, at, 3, "seasons, week and day profiles", "%d, %d, %d",
	    s->nseasons, pp->nweeks, pp->nday_profiles);
	if (ns < 1 || ns > PP_SEASONS_MAX || nw < 1 || nw > PP_WEEKS_MAX ||
	    nd < 1 || nd > PP_DAY_PROFILES_MAX)
		return gr_fail(g, z.at, "the calendar has %d seasons, %d week "
		    "profiles and %d day profiles; DUIS allows 1-3, 1-2 and "
		    "1-5", s->nseasons, pp->nweeks, pp->nday_profiles);
	if ((int)s->count != 7 + pp->nday_profiles + pp->nweeks)
		return gr_fail(g, s->c->pos, "GBZ component count %u does not "
		    "match the calendar's %d day and %d week profiles",
		    s->count, pp->nday_profiles, pp->nweeks);
	return 0;
}

static int
gcs05_day_profile(struct gdec *g, struct gcs05 *s, struct prepay *pp, int i)
{
	struct pp_day_profile *d = &pp->day_profile[i];
	struct zcl z;
	struct span r;
	uint32_t id, n, cmds, ncmd, type, mins, action;
	size_t at;
	int rc, k;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x01, "Publish Day "
	    "Profile", &z)) != 0)
		return rc;
	r = zcl_payload(&z);
	n = z.len >= 17 ? g->b[z.pos + 13] : 0;
	if (z.len < 17 || z.len != 17 + 3u * n)
		return gr_fail(g, z.at, "Publish Day Profile: ZCL payload is "
		    "%zu bytes for %u entries", z.len, n);
	if ((rc = calendar_head(g, s, &z, &r, "day profile")) != 0 ||
	    (rc = gr_le(g, &r, 1, "day id", &id)) != 0 ||
	    (rc = gr_le(g, &r, 1, "entries", &n)) != 0 ||
	    (rc = gr_le(g, &r, 1, "command index", &cmds)) != 0 ||
	    (rc = gr_le(g, &r, 1, "commands", &ncmd)) != 0 ||
	    (rc = gr_le(g, &r, 1, "calendar type", &type)) != 0)
		return rc;
	d->id = (int)id;
	d->nactions = (int)n;
	if (id < 1 || id > 5 || n < 1 || n > PP_ACTIONS_MAX || cmds != 0 ||
	    ncmd != 1 || type != 0x03)
		return gr_fail(g, z.at, "day profile %d: id 1-5, 1-3 entries, "
		    "one command and calendar type 3 are required", d->id);
	for (k = 0; k < i; k++)
		if (pp->day_profile[k].id == d->id)
			return gr_fail(g, z.at, "day profile %d is published "
			    "twice", d->id);
	for (k = 0; k < d->nactions; k++) {
		at = r.pos;
		if ((rc = gr_le(g, &r, 2, "start time", &mins)) != 0 ||
		    (rc = gr_le(g, &r, 1, "action", &action)) != 0)
			return rc;
		if (mins >= 1440 || action > 1)
			return gr_fail(g, z.at, "day profile %d entry %d: "
			    "start %u minutes, action %u", d->id, k, mins,
			    action);
		d->action[k].minutes = (int)mins;
		d->action[k].start = (int)action;
		gr_trace(g, at, 3, "day profile action", "day %d %02u:%02u %s",
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
gcs05_week_profile(struct gdec *g, struct gcs05 *s, struct prepay *pp, int i)
{
	struct pp_week *w = &pp->week[i];
	struct zcl z;
	struct span r;
	uint32_t id, day;
	int rc, k;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x02, "Publish Week "
	    "Profile", &z)) != 0 || (rc = zcl_len(g, &z, 20, "Publish Week "
	    "Profile")) != 0)
		return rc;
	r = zcl_payload(&z);
	if ((rc = calendar_head(g, s, &z, &r, "week profile")) != 0 ||
	    (rc = gr_le(g, &r, 1, "week id", &id)) != 0)
		return rc;
	w->id = (int)id;
	if (w->id < 1 || w->id > 2 || (i == 1 && pp->week[0].id == w->id))
		return gr_fail(g, z.at, "week profile id %d is not 1 or 2, or "
		    "is published twice", w->id);
	gr_trace(g, r.pos - 1, 8, "week profile", "%d: %d %d %d %d %d %d %d",
	    w->id, g->b[r.pos], g->b[r.pos + 1], g->b[r.pos + 2],
	    g->b[r.pos + 3], g->b[r.pos + 4], g->b[r.pos + 5], g->b[r.pos + 6]);
	for (k = 0; k < 7; k++) {
		if ((rc = gr_le(g, &r, 1, "day", &day)) != 0)
			return rc;
		w->day[k] = (int)day;
		if (!day_published(pp, w->day[k]))
			return gr_fail(g, z.at, "week profile %d names day "
			    "profile %d, which is not published", w->id,
			    w->day[k]);
	}
	return 0;
}

/* A ZCL date and the profile it names, consumed. */
static int
dated(struct gdec *g, const struct zcl *z, struct span *r, struct pp_date *d,
    int *profile)
{
	uint32_t v;
	int rc;

	if ((rc = gr_need(g, r, 5, "dated entry")) != 0 ||
	    (rc = zcl_date(g, z->at, g->b + r->pos, d)) != 0)
		return rc;
	r->pos += 4;
	if ((rc = gr_le(g, r, 1, "profile", &v)) != 0)
		return rc;
	*profile = (int)v;
	return 0;
}

static int
gcs05_seasons(struct gdec *g, struct gcs05 *s, struct prepay *pp)
{
	struct zcl z;
	struct span r;
	uint32_t cmds, ncmd;
	int rc, i, j, found;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x03, "Publish Seasons",
	    &z)) != 0 || (rc = zcl_len(g, &z, 14 + 5u * (unsigned)s->nseasons,
	    "Publish Seasons")) != 0)
		return rc;
	r = zcl_payload(&z);
	if ((rc = calendar_ids(g, &r)) != 0 ||
	    (rc = gr_le(g, &r, 4, "calendar id", &ncmd)) != 0)
		return rc;
	if (ncmd != s->cal_id)
		return gr_fail(g, z.at, "Publish Seasons: another calendar, or "
		    "more than one command");
	if ((rc = gr_le(g, &r, 1, "command index", &cmds)) != 0 ||
	    (rc = gr_le(g, &r, 1, "commands", &ncmd)) != 0)
		return rc;
	if (cmds != 0 || ncmd != 1)
		return gr_fail(g, z.at, "Publish Seasons: another calendar, or "
		    "more than one command");
	for (i = 0; i < s->nseasons; i++) {
		struct pp_season *se = &pp->season[i];

		if ((rc = dated(g, &z, &r, &se->start, &se->week)) != 0)
			return rc;
		gr_trace(g, r.pos - 5, 5, "season", "week %d", se->week);
		for (j = 0, found = 0; j < pp->nweeks; j++)
			found |= pp->week[j].id == se->week;
		if (!found)
			return gr_fail(g, z.at, "season %d names week profile "
			    "%d, which is not published", i + 1, se->week);
	}
	pp->nseasons = s->nseasons;
	return 0;
}

static int
gcs05_special_days(struct gdec *g, struct gcs05 *s, struct prepay *pp)
{
	struct zcl z;
	struct span r;
	uint32_t id, type, n, cmds, ncmd;
	int rc, i;

	if ((rc = component(g, s, 0, 0x09, 0x0707, 0x04, "Publish Special "
	    "Days", &z)) != 0)
		return rc;
	r = zcl_payload(&z);
	n = z.len >= 20 ? g->b[z.pos + 17] : 0;
	if (z.len < 20 || z.len != 20 + 5u * n)
		return gr_fail(g, z.at, "Publish Special Days: ZCL payload is "
		    "%zu bytes for %u days", z.len, n);
	if ((rc = calendar_ids(g, &r)) != 0 ||
	    (rc = gr_le(g, &r, 4, "calendar id", &id)) != 0 ||
	    (rc = gr_le(g, &r, 4, "start time", &s->cal_start[1])) != 0 ||
	    (rc = gr_le(g, &r, 1, "calendar type", &type)) != 0 ||
	    (rc = gr_le(g, &r, 1, "days", &n)) != 0 ||
	    (rc = gr_le(g, &r, 1, "command index", &cmds)) != 0 ||
	    (rc = gr_le(g, &r, 1, "commands", &ncmd)) != 0)
		return rc;
	if (id != s->cal_id || type != 0x03 || cmds != 0 || ncmd != 1)
		return gr_fail(g, z.at, "Publish Special Days: another "
		    "calendar, another calendar type or more than one command");
	if (n > PP_GAS_SPECIAL_MAX)
		return gr_fail(g, z.at, "%u special days; at most %d", n,
		    PP_GAS_SPECIAL_MAX);
	pp->ngas_special = (int)n;
	for (i = 0; i < pp->ngas_special; i++) {
		struct pp_gas_special *sd = &pp->gas_special[i];

		if ((rc = dated(g, &z, &r, &sd->date, &sd->day)) != 0)
			return rc;
		gr_trace(g, r.pos - 5, 5, "special day", "day %d", sd->day);
		if (!day_published(pp, sd->day))
			return gr_fail(g, z.at, "special day %d names day "
			    "profile %d, which is not published", i + 1,
			    sd->day);
	}
	return 0;
}

/* One activation: every prepayment time agrees, and the calendar starts
 * with them (a cancellation marks the calendar 0xFFFFFFFE). */
static int
gcs05_activation(struct gdec *g, const struct gcs05 *s, struct prepay *pp)
{
	uint32_t t0 = s->t[0];
	int i;

	for (i = 1; i < 4; i++)
		if (s->t[i] != t0)
			return gr_fail(g, s->c->pos, "the prepayment commands' "
			    "start times differ (0x%08X, 0x%08X); one request "
			    "has one activation", t0, s->t[i]);
	for (i = 0; i < 2; i++)
		if (s->cal_start[i] != t0 && !(t0 == 0xFFFFFFFF &&
		    s->cal_start[i] == 0xFFFFFFFE))
			return gr_fail(g, s->c->pos, "the calendar's start "
			    "time 0x%08X does not match the prepayment "
			    "commands' 0x%08X", s->cal_start[i], t0);
	if (t0 == 0)
		pp->activation = ACT_IMMEDIATE;
	else if (t0 == 0xFFFFFFFF)
		pp->activation = ACT_CANCEL;
	else {
		pp->activation = ACT_AT;
		pp->activation_time = solr_time_from_civil(2000, 1, 1, 0, 0, 0)
		    + t0;
	}
	return 0;
}

int
gcs05_decode(struct gdec *g, struct span *c, struct prepay *pp)
{
	struct gcs05 s = { .c = c };
	uint64_t v;
	int rc, i;

	if ((rc = gr_be(g, c, 2, "GBZ profile id", &v)) != 0)
		return rc;
	if (v != 0x0109)
		return gr_fail(g, c->pos - 2, "GBZ profile id 0x%04X is not "
		    "0x0109", (unsigned)v);
	gr_trace(g, c->pos - 2, 2, "GBZ profile id", "0x0109");
	if ((rc = gr_u8(g, c, "GBZ component count", &s.count)) != 0)
		return rc;
	gr_trace_udec(g, c->pos - 1, 1, "GBZ component count", s.count);
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
		return gr_fail(g, c->pos, "GBZ component count %u, but %d "
		    "components", s.count, s.idx);
	if ((rc = gcs05_activation(g, &s, pp)) != 0)
		return rc;
	return gr_end(g, c, "the GCS05 content");
}
