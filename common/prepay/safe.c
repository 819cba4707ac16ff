#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prepay/safe.h"
#include "base/util.h"

#define CALENDAR "NonDisablementCalendar"

static int
num(const struct ynode *n, int64_t *v)
{
	if (!yn_is_scalar(n) || n->quoted || n->len == 0)
		return -1;
	return solr_parse_int(n->str, INT64_MIN, INT64_MAX, v) == 0 ? 0 : -1;
}

/* One field's rule: a mapping of eq, min, max or gt_field. */
static int
load_rule(const struct ynode *v, const char *file, const char *f,
    struct safe_rule *r, struct solr_err *e)
{
	size_t j;
	int64_t n;

	if (v == NULL || v->kind != YN_MAP || v->n == 0)
		return yn_err(e, SOLR_ERR_CONFIG, file, v, f, "a rule is a "
		    "mapping of eq, min, max or gt_field");
	for (j = 0; j + 1 < v->n; j += 2) {
		const char *k = v->items[j]->str;
		const struct ynode *x = v->items[j + 1];

		if (strcmp(k, "gt_field") == 0) {
			if (!yn_is_scalar(x) ||
			    (r->gt_field = pp_field_named(x->str)) == NULL)
				return yn_err(e, SOLR_ERR_CONFIG, file, x, f,
				    "gt_field must name a field of SR 2.1");
			continue;
		}
		if (num(x, &n) != 0)
			return yn_err(e, SOLR_ERR_CONFIG, file, x, f,
			    "eq, min and max take a whole number");
		if (strcmp(k, "eq") == 0) {
			r->has_eq = 1;
			r->eq = n;
		} else if (strcmp(k, "min") == 0) {
			r->has_min = 1;
			r->min = n;
		} else if (strcmp(k, "max") == 0) {
			r->has_max = 1;
			r->max = n;
		} else
			return yn_err(e, SOLR_ERR_CONFIG, file, v->items[j], f,
			    "unknown rule (eq, min, max, gt_field)");
	}
	return 0;
}

/* The profile has a rule for every field a request of the fuel may
 * carry, optional or not, and the calendar: nothing goes unchecked. */
static int
complete(const struct ynode *m, const char *file, const char *fuel,
    int fuel_id, const struct safe_profile *p, int cal, struct solr_err *e)
{
	char f[160];
	int i, k, found;

	for (k = 0; k < pp_nfields; k++) {
		if (!pp_field_carried(&pp_fields[k], fuel_id))
			continue;
		for (i = 0, found = 0; i < p->nrules; i++)
			found |= p->rule[i].field == &pp_fields[k];
		if (!found) {
			snprintf(f, sizeof(f), "safe_prepay.%s.%s", fuel,
			    pp_fields[k].name);
			return yn_err(e, SOLR_ERR_CONFIG, file, m, f,
			    "the profile has no rule for this field");
		}
	}
	if (!cal) {
		snprintf(f, sizeof(f), "safe_prepay.%s.%s", fuel, CALENDAR);
		return yn_err(e, SOLR_ERR_CONFIG, file, m, f, "the profile has "
		    "no rule for the calendar (never_ends)");
	}
	return 0;
}

static int
load_profile(const struct ynode *parent, const char *file, const char *fuel,
    int fuel_id, struct safe_profile *p, struct solr_err *e)
{
	const struct ynode *m = yn_get(parent, fuel);
	const struct pp_field *field;
	char f[160];
	size_t i;
	int r, cal = 0;

	if (m == NULL || m->kind != YN_MAP) {
		snprintf(f, sizeof(f), "safe_prepay.%s", fuel);
		return yn_err(e, SOLR_ERR_CONFIG, file, m ? m : parent, f,
		    "the profile for this fuel is missing or not a mapping");
	}
	p->defined = 1;
	for (i = 0; i + 1 < m->n; i += 2) {
		const char *name = m->items[i]->str;
		const struct ynode *v = m->items[i + 1];

		snprintf(f, sizeof(f), "safe_prepay.%s.%s", fuel, name);
		if (strcmp(name, CALENDAR) == 0) {
			if (!yn_is_scalar(v) || strcmp(v->str, "never_ends"))
				return yn_err(e, SOLR_ERR_CONFIG, file, v, f,
				    "the only rule is never_ends");
			cal = 1;
			p->calendar_pos = p->nrules;
			continue;
		}
		if ((field = pp_field_named(name)) == NULL)
			return yn_err(e, SOLR_ERR_CONFIG, file, m->items[i], f,
			    "not a field of SR 2.1");
		if (!pp_field_carried(field, fuel_id))
			return yn_err(e, SOLR_ERR_CONFIG, file, m->items[i], f,
			    "no request of this fuel carries the field");
		/* the YAML reader refuses a key twice: one rule a field */
		if (p->nrules == SAFE_MAX_RULES)
			return yn_err(e, SOLR_ERR_CONFIG, file, m->items[i], f,
			    "more rules than SR 2.1 has fields");
		p->rule[p->nrules].field = field;
		if ((r = load_rule(v, file, f, &p->rule[p->nrules++], e)) != 0)
			return r;
	}
	return complete(m, file, fuel, fuel_id, p, cal, e);
}

int
safe_policy_load(const struct ynode *policy, const char *file,
    struct safe_policy *sp, struct solr_err *e)
{
	const struct ynode *sps = yn_get(policy, "safe_prepay"), *n;
	size_t i;
	int r;
	int64_t v;

	memset(sp, 0, sizeof(*sp));
	sp->horizon_days = 400;
	if (sps == NULL || sps->kind != YN_MAP)
		return yn_err(e, SOLR_ERR_CONFIG, file, sps ? sps : policy,
		    "safe_prepay", "the policy has no safe prepayment profile");
	for (i = 0; i + 1 < sps->n; i += 2)
		if (strcmp(sps->items[i]->str, "electricity") &&
		    strcmp(sps->items[i]->str, "gas"))
			return yn_err(e, SOLR_ERR_CONFIG, file, sps->items[i],
			    "safe_prepay", "the fuels are electricity and gas");
	if ((r = load_profile(sps, file, "electricity", FUEL_ELEC,
	    &sp->fuel[FUEL_ELEC], e)) != 0 || (r = load_profile(sps, file,
	    "gas", FUEL_GAS, &sp->fuel[FUEL_GAS], e)) != 0)
		return r;
	if ((n = yn_get(policy, "allow_future_activation")) != NULL) {
		if (!yn_is_scalar(n) || (strcmp(n->str, "true") &&
		    strcmp(n->str, "false")))
			return yn_err(e, SOLR_ERR_CONFIG, file, n,
			    "allow_future_activation", "must be true or false");
		sp->allow_future_activation = strcmp(n->str, "true") == 0;
	}
	if ((n = yn_get(policy, "calendar_horizon_days")) != NULL) {
		if (num(n, &v) != 0 || v < 1 || v > 3660)
			return yn_err(e, SOLR_ERR_CONFIG, file, n,
			    "calendar_horizon_days", "must be a number of days "
			    "from 1 to 3660");
		sp->horizon_days = (int)v;
	}
	return 0;
}

static int
check_rule(const struct safe_rule *r, const struct prepay *pp,
    struct solr_err *e)
{
	int64_t v, o;

	if (pp_value(pp, r->field, &v) != 0)
		return 0;	/* an optional field the request lacks */
	if (r->has_eq && v != r->eq)
		return solr_seterr(e, SOLR_ERR_VERIFY, "%s is %lld; the "
		    "profile requires eq %lld", r->field->name, (long long)v,
		    (long long)r->eq);
	if (r->has_min && v < r->min)
		return solr_seterr(e, SOLR_ERR_VERIFY, "%s is %lld; the "
		    "profile requires min %lld", r->field->name, (long long)v,
		    (long long)r->min);
	if (r->has_max && v > r->max)
		return solr_seterr(e, SOLR_ERR_VERIFY, "%s is %lld; the "
		    "profile requires max %lld", r->field->name, (long long)v,
		    (long long)r->max);
	if (r->gt_field != NULL) {
		if (pp_value(pp, r->gt_field, &o) != 0)
			return solr_seterr(e, SOLR_ERR_VERIFY, "%s is missing "
			    "from the request", r->gt_field->name);
		if (!(v > o))
			return solr_seterr(e, SOLR_ERR_VERIFY, "%s is %lld; "
			    "the profile requires it above %s (%lld)",
			    r->field->name, (long long)v, r->gt_field->name,
			    (long long)o);
	}
	return 0;
}

int
safe_check(const struct safe_policy *sp, const struct prepay *pp,
    int64_t now, struct solr_err *e)
{
	const struct safe_profile *p;
	char why[400], at[SOLR_TIME_STRLEN];
	int64_t from = now, end;
	int i, r;

	if (pp->fuel != FUEL_ELEC && pp->fuel != FUEL_GAS)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the request's fuel is "
		    "unknown");
	p = &sp->fuel[pp->fuel];
	if (pp->activation == ACT_AT)
		from = pp->activation_time;
	for (i = 0; i <= p->nrules; i++) {
		if (i == p->calendar_pos) {
			r = calendar_never_ends(pp, from, sp->horizon_days,
			    &end, why, sizeof(why));
			if (r != 0)
				return solr_seterr(e, SOLR_ERR_VERIFY,
				    "%s: %s; the profile requires never_ends",
				    CALENDAR, why);
		}
		if (i < p->nrules && (r = check_rule(&p->rule[i], pp, e)) != 0)
			return r;
	}
	if (pp->activation == ACT_CANCEL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "activation is a "
		    "cancellation; a cancellation is never safe");
	if (pp->activation == ACT_AT && !sp->allow_future_activation) {
		solr_time_format(pp->activation_time, at);
		return solr_seterr(e, SOLR_ERR_VERIFY, "activation is at %s; "
		    "the policy allows only immediate activation "
		    "(allow_future_activation)", at);
	}
	return 0;
}

/* The calendar, day by day. */

static void
civil(int64_t day, int *y, int *m, int *d)
{
	solr_civil_from_days(day, y, m, d);
}

static int
weekday(int64_t day)	/* 1 Monday .. 7 Sunday; day 0 was a Thursday */
{
	return (int)(((day % 7) + 7 + 3) % 7) + 1;
}

static void
next_day(int ymd[3])
{
	if (ymd[2] < solr_days_in_month(ymd[0], ymd[1]))
		ymd[2]++;
	else if (ymd[1] < 12) {
		ymd[1]++;
		ymd[2] = 1;
	} else {
		ymd[0]++;
		ymd[1] = ymd[2] = 1;
	}
}

static int
date_matches(const struct pp_date *p, int y, int m, int d, int wd)
{
	if (p->year != PP_ANY && p->year != y)
		return 0;
	if (p->month != PP_ANY && p->month != m)
		return 0;
	if (p->weekday != PP_ANY && p->weekday != wd)
		return 0;
	if (p->day == PP_ANY)
		return 1;
	if (p->day == PP_LAST_DAY)
		return d == solr_days_in_month(y, m);
	if (p->day == PP_SECOND_LAST_DAY)
		return d == solr_days_in_month(y, m) - 1;
	return p->day == d;
}

static int
cmp3(int a1, int a2, int a3, int b1, int b2, int b3)
{
	if (a1 != b1)
		return a1 < b1 ? -1 : 1;
	if (a2 != b2)
		return a2 < b2 ? -1 : 1;
	return a3 < b3 ? -1 : a3 > b3;
}

/* A schedule entry's date range: a bound with a year is absolute, one
 * without recurs every year; two yearly bounds may wrap the new year. */
static int
in_range(const struct pp_date *b, const struct pp_date *e, int y, int m,
    int d)
{
	int bm = b->month == PP_ANY ? 1 : b->month;
	int bd = b->day < 1 ? 1 : b->day;
	int em = e->month == PP_ANY ? 12 : e->month;
	int ed = e->day < 1 ? 31 : e->day;
	int lo, hi;

	lo = b->year != PP_ANY ? cmp3(y, m, d, b->year, bm, bd) >= 0 :
	    cmp3(0, m, d, 0, bm, bd) >= 0;
	hi = e->year != PP_ANY ? cmp3(y, m, d, e->year, em, ed) <= 0 :
	    cmp3(0, m, d, 0, em, ed) <= 0;
	if (b->year == PP_ANY && e->year == PP_ANY &&
	    cmp3(0, bm, bd, 0, em, ed) > 0)
		return lo || hi;
	return lo && hi;
}

struct ev {
	int64_t t;
	int start;
	int what;	/* schedule entry index or day profile id */
};

static int
ev_cmp(const struct ev *x, const struct ev *y)
{
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	/* at one instant a STOP counts: non-disablement ends there */
	return x->start - y->start;
}

/* A day holds a few events (one, mostly) and the walk sorts some 766
 * days a request: an insertion sort, stable, so that of two events at one
 * instant the first entry in the calendar is the one named. */
static void
ev_sort(struct ev *ev, int n)
{
	struct ev v;
	int i, j;

	for (i = 1; i < n; i++) {
		v = ev[i];
		for (j = i; j > 0 && ev_cmp(&ev[j - 1], &v) > 0; j--)
			ev[j] = ev[j - 1];
		ev[j] = v;
	}
}

static const char *const wd_names[8] = { "", "Monday", "Tuesday",
	"Wednesday", "Thursday", "Friday", "Saturday", "Sunday" };

/* What applied on a day, for the reason when it fails. */
struct day_note {
	int special;	/* special day index (electricity) or 0 */
	int wd;
	int season;	/* gas: the season, or 0 on a special day */
	int profile;	/* gas: the day profile */
};

static void
fmt_note(const struct prepay *pp, const struct day_note *dn, char *note,
    size_t cap)
{
	if (pp->fuel == FUEL_ELEC) {
		if (dn->special)
			snprintf(note, cap, "special day %d", dn->special);
		else
			snprintf(note, cap, "a %s", wd_names[dn->wd]);
	} else if (dn->season == 0)
		snprintf(note, cap, "special day, day profile %d", dn->profile);
	else
		snprintf(note, cap, "a %s in season %d, day profile %d",
		    wd_names[dn->wd], dn->season, dn->profile);
}

/* The events of one day. */
static int
day_events(const struct prepay *pp, int64_t day, const int ymd[3],
    struct ev *ev, int64_t *season_occ, struct day_note *dn)
{
	int y = ymd[0], m = ymd[1], d = ymd[2], wd = weekday(day), n = 0, i,
	    j, sp = 0;

	memset(dn, 0, sizeof(*dn));
	dn->wd = wd;
	if (pp->fuel == FUEL_ELEC) {
		for (i = 0; i < pp->nspecial && !sp; i++)
			if (date_matches(&pp->special[i].date, y, m, d, wd))
				sp = pp->special[i].index;
		for (i = 0; i < pp->nschedule; i++) {
			const struct pp_schedule *s = &pp->schedule[i];

			if (!in_range(&s->begin, &s->end, y, m, d))
				continue;
			if (sp ? !(s->special_days & (1u << (sp - 1))) :
			    !(s->weekdays & (1u << (wd - 1))))
				continue;
			ev[n].t = day * 86400 + s->hh * 3600 + s->mm * 60 +
			    s->ss;
			ev[n].start = s->start;
			ev[n++].what = s->index;
		}
		dn->special = sp;
	} else {
		int prof = 0, best = -1;
		int64_t bestocc = INT64_MIN;

		for (i = 0; i < pp->ngas_special && !prof; i++)
			if (date_matches(&pp->gas_special[i].date, y, m, d, wd))
				prof = pp->gas_special[i].day;
		for (i = 0; i < pp->nseasons; i++) {
			if (date_matches(&pp->season[i].start, y, m, d, wd))
				season_occ[i] = day;
			if (season_occ[i] != INT64_MIN &&
			    season_occ[i] >= bestocc) {
				bestocc = season_occ[i];
				best = i;
			}
		}
		if (!prof && best >= 0) {
			for (j = 0; j < pp->nweeks; j++)
				if (pp->week[j].id == pp->season[best].week)
					prof = pp->week[j].day[wd - 1];
			dn->season = best + 1;
		} else if (!prof)
			return -1;	/* no season has begun */
		dn->profile = prof;
		for (i = 0; i < pp->nday_profiles; i++) {
			const struct pp_day_profile *dp = &pp->day_profile[i];

			if (dp->id != prof)
				continue;
			for (j = 0; j < dp->nactions; j++) {
				ev[n].t = day * 86400 + dp->action[j].minutes *
				    60;
				ev[n].start = dp->action[j].start;
				ev[n++].what = dp->id;
			}
		}
	}
	ev_sort(ev, n);
	return n;
}

/* Which seasons have begun before the day before: those fixed to a date
 * before it, their day in occ (INT64_MIN: not yet). */
static void
seasons_begun(const struct prepay *pp, int64_t before,
    int64_t occ[PP_SEASONS_MAX])
{
	int i;

	for (i = 0; i < PP_SEASONS_MAX; i++)
		occ[i] = INT64_MIN;
	for (i = 0; i < pp->nseasons; i++) {
		const struct pp_date *s = &pp->season[i].start;

		if (s->year != PP_ANY && s->month != PP_ANY && s->day > 0) {
			int64_t d = solr_time_from_civil(s->year, s->month,
			    s->day, 0, 0, 0) / 86400;

			if (d < before)
				occ[i] = d;
		}
	}
}

int
calendar_never_ends(const struct prepay *pp, int64_t from, int days,
    int64_t *end, char *why, size_t cap)
{
	int64_t first = (from >= 0 ? from / 86400 : (from - 86399) / 86400);
	int64_t day, lookback = 366, season_occ[PP_SEASONS_MAX];
	struct ev ev[PP_SCHEDULE_MAX + PP_ACTIONS_MAX];
	struct day_note dn;
	char note[96], ts[SOLR_TIME_STRLEN];
	int state = 0, checked = 0, n, i, ymd[3];

	seasons_begun(pp, first - lookback, season_occ);
	/* the date of the first day, then one day on at a time */
	civil(first - lookback, &ymd[0], &ymd[1], &ymd[2]);
	for (day = first - lookback; day <= first + days; day++,
	    next_day(ymd)) {
		n = day_events(pp, day, ymd, ev, season_occ, &dn);
		if (n < 0) {
			if (day < first)
				continue;
			*end = day * 86400 > from ? day * 86400 : from;
			solr_time_format(*end, ts);
			snprintf(why, cap, "no season has begun on %.10s, so "
			    "no day profile applies", ts);
			return SOLR_ERR_VERIFY;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].t <= from) {
				state = ev[i].start;
				continue;
			}
			if (!checked) {
				checked = 1;
				if (!state)
					goto off_at_activation;
			}
			if (!ev[i].start) {
				*end = ev[i].t;
				solr_time_format(*end, ts);
				fmt_note(pp, &dn, note, sizeof(note));
				if (pp->fuel == FUEL_ELEC)
					snprintf(why, cap, "non-disablement "
					    "would end at %s (schedule entry "
					    "%d: STOP on %s)", ts, ev[i].what,
					    note);
				else
					snprintf(why, cap, "non-disablement "
					    "would end at %s (day profile %d: "
					    "STOP, on %s)", ts, ev[i].what,
					    note);
				return SOLR_ERR_VERIFY;
			}
			state = 1;
		}
	}
	if (!checked && !state)
		goto off_at_activation;
	return 0;
off_at_activation:
	*end = from;
	solr_time_format(from, ts);
	snprintf(why, cap, "non-disablement is not active at activation (%s): "
	    "no START runs before it", ts);
	return SOLR_ERR_VERIFY;
}
