#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prepay.h"
#include "util.h"
#include "xmlsig.h"

/* Walking the DUIS XML body: element children in the DUIS namespace, in
 * schema order, with nothing else but white space between them. */

struct xwalk {
	xmlNodePtr next;	/* next element child */
	xmlNodePtr parent;
	struct solr_err *e;
};

static int
is_sr(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	    strcmp((const char *)n->ns->href, SOLR_NS_SR) == 0 &&
	    strcmp((const char *)n->name, name) == 0;
}

static void
walk(struct xwalk *w, xmlNodePtr parent, struct solr_err *e)
{
	w->parent = parent;
	w->next = solr_xml_next(parent->children);
	w->e = e;
}

/* The next child if it is name; NULL (and, if required, an error) if not. */
static xmlNodePtr
take(struct xwalk *w, const char *name, int required, int *err)
{
	xmlNodePtr n = w->next;

	if (is_sr(n, name)) {
		w->next = solr_xml_next(n->next);
		return n;
	}
	if (required && !*err) {
		solr_seterr(w->e, SOLR_ERR_VERIFY, "sr:%s (line %ld) lacks "
		    "sr:%s%s%s", w->parent->name, xmlGetLineNo(w->parent),
		    name, n ? " where it has " : "",
		    n ? (const char *)n->name : "");
		*err = 1;
	}
	return NULL;
}

static int
done(struct xwalk *w)
{
	if (w->next)
		return solr_seterr(w->e, SOLR_ERR_VERIFY, "sr:%s (line %ld) "
		    "has an unexpected element %s", w->parent->name,
		    xmlGetLineNo(w->parent), w->next->name);
	return 0;
}

/* Text of a simple element, white space collapsed at both ends. */
static int
empty(xmlNodePtr n, struct solr_err *e)
{
	xmlNodePtr c;

	for (c = n->children; c; c = c->next)
		if (c->type != XML_TEXT_NODE ||
		    strspn((const char *)c->content, " \t\r\n") !=
		    strlen((const char *)c->content))
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line "
			    "%ld) must be empty", n->name, xmlGetLineNo(n));
	return 0;
}

/* An XML Schema integer in [min, max]. */
static int
xint(xmlNodePtr n, int64_t min, int64_t max, int64_t *out,
    struct solr_err *e)
{
	char t[64], *p;
	uint64_t v;
	int neg = 0, r;

	if ((r = solr_xml_text(n, t, sizeof(t), e)) != 0)
		return r;
	p = t;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
	    solr_parse_uint(p, (uint64_t)INT64_MAX, &v) != 0 ||
	    (neg ? -(int64_t)v : (int64_t)v) < min ||
	    (neg ? -(int64_t)v : (int64_t)v) > max)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) "
		    "'%s' is not an integer from %lld to %lld", n->name,
		    xmlGetLineNo(n), t, (long long)min, (long long)max);
	*out = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

static int
take_int(struct xwalk *w, const char *name, int64_t min, int64_t max,
    int64_t *out)
{
	int err = 0;
	xmlNodePtr n = take(w, name, 1, &err);

	return n ? xint(n, min, max, out, w->e) : SOLR_ERR_VERIFY;
}

#define XS_INT_MIN (-2147483647LL - 1)
#define XS_INT_MAX 2147483647LL
#define XS_UINT_MAX 4294967295LL

/* xs:time "HH:MM:SS[.ff]" with an optional "Z" */
static int
xtime(xmlNodePtr n, int *hh, int *mm, int *ss, int *cs, struct solr_err *e)
{
	char t[32];
	int r, frac = 0, nd = 0;
	char *p;

	if ((r = solr_xml_text(n, t, sizeof(t), e)) != 0)
		return r;
	if (strlen(t) < 8 || !isdigit((unsigned char)t[0]) ||
	    !isdigit((unsigned char)t[1]) || t[2] != ':' ||
	    !isdigit((unsigned char)t[3]) || !isdigit((unsigned char)t[4]) ||
	    t[5] != ':' || !isdigit((unsigned char)t[6]) ||
	    !isdigit((unsigned char)t[7]))
		goto bad;
	*hh = (t[0] - '0') * 10 + t[1] - '0';
	*mm = (t[3] - '0') * 10 + t[4] - '0';
	*ss = (t[6] - '0') * 10 + t[7] - '0';
	p = t + 8;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, nd++)
			if (nd < 2)
				frac = frac * 10 + (*p - '0');
			else if (*p != '0')
				goto bad;	/* finer than hundredths */
		if (nd == 0)
			goto bad;
		if (nd == 1)
			frac *= 10;
	}
	if (*p == 'Z')
		p++;
	if (*p != '\0' || *hh > 23 || *mm > 59 || *ss > 59)
		goto bad;
	*cs = frac;
	return 0;
bad:
	return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) '%s' is not "
	    "a UTC time HH:MM:SS[.ff][Z]", n->name, xmlGetLineNo(n), t);
}

/* xs:date "YYYY-MM-DD[Z]"; year 65535 means every year. */
static int
xdate(xmlNodePtr n, struct pp_date *d, struct solr_err *e)
{
	char t[32], *p;
	unsigned long y;
	int r;

	if ((r = solr_xml_text(n, t, sizeof(t), e)) != 0)
		return r;
	y = strtoul(t, &p, 10);
	if (p - t < 4 || p - t > 5 || !isdigit((unsigned char)t[0]) ||
	    p[0] != '-' || !isdigit((unsigned char)p[1]) ||
	    !isdigit((unsigned char)p[2]) || p[3] != '-' ||
	    !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]) ||
	    (p[6] != '\0' && strcmp(p + 6, "Z") != 0) ||
	    (y > 9999 && y != 65535))
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) '%s' "
		    "is not a date YYYY-MM-DD (65535 for every year)", n->name,
		    xmlGetLineNo(n), t);
	d->year = y == 65535 ? PP_ANY : (int)y;
	d->month = (p[1] - '0') * 10 + p[2] - '0';
	d->day = (p[4] - '0') * 10 + p[5] - '0';
	d->weekday = PP_ANY;
	if (d->month < 1 || d->month > 12 || d->day < 1 || d->day > 31)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) '%s' "
		    "has no such month or day", n->name, xmlGetLineNo(n), t);
	return 0;
}

/* One wildcard-able date part: a choice of a Specified element or one of
 * the named alternatives. */
struct alt {
	const char *name;
	int value;
};

static int
choice(xmlNodePtr part, const char *specified, int64_t min, int64_t max,
    const struct alt *alts, int *out, struct solr_err *e)
{
	xmlNodePtr c = solr_xml_next(part->children);
	int64_t v;
	int r;

	if (c == NULL || solr_xml_next(c->next) != NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) must "
		    "hold exactly one element", part->name,
		    xmlGetLineNo(part));
	if (is_sr(c, specified)) {
		if ((r = xint(c, min, max, &v, e)) != 0)
			return r;
		*out = (int)v;
		return 0;
	}
	for (; alts->name; alts++)
		if (is_sr(c, alts->name)) {
			if ((r = empty(c, e)) != 0)
				return r;
			*out = alts->value;
			return 0;
		}
	return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) has an "
	    "unexpected element %s", part->name, xmlGetLineNo(part),
	    c->name);
}

/* sr:Date (electricity special days) or sr:GasDateWithWildcards */
static int
wild_date(xmlNodePtr n, int gas, struct pp_date *d, struct solr_err *e)
{
	static const struct alt any_year[] = { { "NonSpecifiedYear", PP_ANY },
	    { NULL, 0 } };
	static const struct alt any_month[] = { { "NonSpecifiedMonth",
	    PP_ANY }, { NULL, 0 } };
	static const struct alt elec_day[] = { { "LastDayOfMonth",
	    PP_LAST_DAY }, { "SecondLastDayOfMonth", PP_SECOND_LAST_DAY },
	    { "NonSpecifiedDayOfMonth", PP_ANY }, { NULL, 0 } };
	static const struct alt gas_day[] = { { "GasNonSpecifiedDayOfMonth",
	    PP_ANY }, { NULL, 0 } };
	static const struct alt any_wd[] = { { "NonSpecifiedDayOfWeek",
	    PP_ANY }, { NULL, 0 } };
	struct xwalk w;
	xmlNodePtr y, m, dd, wd;
	int err = 0, r;

	walk(&w, n, e);
	y = take(&w, gas ? "GasYearWithWildcards" : "Year", 1, &err);
	m = take(&w, gas ? "GasMonthWithWildcards" : "Month", 1, &err);
	dd = take(&w, gas ? "GasDayOfMonthWithWildcards" : "DayOfMonth", 1,
	    &err);
	wd = take(&w, gas ? "GasDayOfWeekWithWildcards" : "DayOfWeek", 1,
	    &err);
	if (err)
		return SOLR_ERR_VERIFY;
	if ((r = done(&w)) != 0 ||
	    (r = choice(y, "SpecifiedYear", 2014, 9999, any_year, &d->year,
	    e)) != 0 ||
	    (r = choice(m, "SpecifiedMonth", 1, 12, any_month, &d->month,
	    e)) != 0 ||
	    (r = choice(dd, "SpecifiedDayOfMonth", 1, 31, gas ? gas_day :
	    elec_day, &d->day, e)) != 0 ||
	    (r = choice(wd, "SpecifiedDayOfWeek", 1, 7, any_wd, &d->weekday,
	    e)) != 0)
		return r;
	return 0;
}

static const char *const day_names[7] = { "Monday", "Tuesday", "Wednesday",
	"Thursday", "Friday", "Saturday", "Sunday" };

static int
elec_calendar(xmlNodePtr cal, struct prepay *pp, struct solr_err *e)
{
	struct xwalk w, sw;
	xmlNodePtr sd, n;
	int err = 0, r;
	int64_t v;

	walk(&w, cal, e);
	if ((sd = take(&w, "ElectricitySpecialDays", 1, &err)) == NULL)
		return SOLR_ERR_VERIFY;
	walk(&sw, sd, e);
	while ((n = take(&sw, "SpecialDay", 0, &err)) != NULL) {
		struct pp_special_day *s;
		xmlChar *idx;
		struct xwalk dw;
		xmlNodePtr date;
		uint64_t iv;

		if (pp->nspecial == PP_ELEC_SPECIAL_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "special days", PP_ELEC_SPECIAL_MAX);
		s = &pp->special[pp->nspecial++];
		idx = xmlGetNoNsProp(n, (const xmlChar *)"index");
		r = idx == NULL || solr_parse_uint((const char *)idx, 20, &iv)
		    != 0 || iv < 1;
		xmlFree(idx);
		if (r)
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:SpecialDay "
			    "(line %ld) index must be 1 to 20",
			    xmlGetLineNo(n));
		s->index = (int)iv;
		walk(&dw, n, e);
		if ((date = take(&dw, "Date", 1, &err)) == NULL ||
		    (r = done(&dw)) != 0 ||
		    (r = wild_date(date, 0, &s->date, e)) != 0)
			return err ? SOLR_ERR_VERIFY : r;
	}
	if ((r = done(&sw)) != 0)
		return r;
	while ((n = take(&w, "ElectricityNonDisablementSchedule", 0, &err)) !=
	    NULL) {
		struct pp_schedule *s;
		struct xwalk ew, aw;
		xmlNodePtr script, sda, dwa, sdt, a, x;
		char t[16];

		if (pp->nschedule == PP_SCHEDULE_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "non-disablement schedule entries",
			    PP_SCHEDULE_MAX);
		s = &pp->schedule[pp->nschedule];
		s->index = ++pp->nschedule;
		walk(&ew, n, e);
		script = take(&ew, "NonDisablementScript", 1, &err);
		sda = take(&ew, "SpecialDaysApplicability", 1, &err);
		dwa = take(&ew, "DaysOfWeekApplicability", 1, &err);
		sdt = take(&ew, "ScheduleDatesAndTime", 1, &err);
		if (err || (r = done(&ew)) != 0)
			return SOLR_ERR_VERIFY;
		if ((r = solr_xml_text(script, t, sizeof(t), e)) != 0)
			return r;
		if (strcmp(t, "START") != 0 && strcmp(t, "STOP") != 0)
			return solr_seterr(e, SOLR_ERR_VERIFY,
			    "sr:NonDisablementScript (line %ld) '%s' is not "
			    "START or STOP", xmlGetLineNo(script), t);
		s->start = strcmp(t, "START") == 0;
		walk(&aw, sda, e);
		while ((a = take(&aw, "SpecialDayApplicability", 0, &err))) {
			struct xwalk iw;

			walk(&iw, a, e);
			if ((x = take(&iw, "SpecialDayID", 1, &err)) == NULL ||
			    (r = done(&iw)) != 0 ||
			    (r = xint(x, 1, 20, &v, e)) != 0)
				return err ? SOLR_ERR_VERIFY : r;
			if (s->special_days & (1u << (v - 1)))
				return solr_seterr(e, SOLR_ERR_VERIFY,
				    "sr:SpecialDayID (line %ld) %lld is "
				    "listed twice", xmlGetLineNo(x),
				    (long long)v);
			s->special_days |= 1u << (v - 1);
		}
		if ((r = done(&aw)) != 0)
			return r;
		walk(&aw, dwa, e);
		while ((a = take(&aw, "DayOfWeekApplicability", 0, &err))) {
			struct xwalk iw;
			int d;

			walk(&iw, a, e);
			if ((x = take(&iw, "DayOfWeekID", 1, &err)) == NULL ||
			    (r = done(&iw)) != 0 ||
			    (r = solr_xml_text(x, t, sizeof(t), e)) != 0)
				return err ? SOLR_ERR_VERIFY : r;
			for (d = 0; d < 7 && strcmp(t, day_names[d]); d++)
				;
			if (d == 7 || (s->weekdays & (1u << d)))
				return solr_seterr(e, SOLR_ERR_VERIFY,
				    "sr:DayOfWeekID (line %ld) '%s' is not a "
				    "day name, or is listed twice",
				    xmlGetLineNo(x), t);
			s->weekdays |= 1u << d;
		}
		if ((r = done(&aw)) != 0)
			return r;
		walk(&aw, sdt, e);
		{
			xmlNodePtr st = take(&aw, "SwitchTime", 1, &err);
			xmlNodePtr sd0 = take(&aw, "StartDate", 1, &err);
			xmlNodePtr ed = take(&aw, "EndDate", 1, &err);

			if (err || (r = done(&aw)) != 0)
				return SOLR_ERR_VERIFY;
			if ((r = xtime(st, &s->hh, &s->mm, &s->ss, &s->cs, e))
			    != 0 || (r = xdate(sd0, &s->begin, e)) != 0 ||
			    (r = xdate(ed, &s->end, e)) != 0)
				return r;
		}
	}
	if (pp->nschedule == 0 && !err)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the electricity "
		    "non-disablement calendar has no schedule entry");
	return err ? SOLR_ERR_VERIFY : done(&w);
}

static int
gas_calendar(xmlNodePtr cal, struct prepay *pp, struct solr_err *e)
{
	struct xwalk w, lw;
	xmlNodePtr dps, wps, sps, sds, n, x;
	int err = 0, r;
	int64_t v;

	walk(&w, cal, e);
	dps = take(&w, "DayProfiles", 1, &err);
	wps = take(&w, "WeekProfiles", 1, &err);
	sps = take(&w, "SeasonProfiles", 1, &err);
	sds = take(&w, "SpecialDays", 1, &err);
	if (err || (r = done(&w)) != 0)
		return SOLR_ERR_VERIFY;
	walk(&lw, dps, e);
	while ((n = take(&lw, "GasNonDisablementDayProfile", 0, &err))) {
		struct pp_day_profile *d;
		struct xwalk pw;

		if (pp->nday_profiles == PP_DAY_PROFILES_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "day profiles", PP_DAY_PROFILES_MAX);
		d = &pp->day_profile[pp->nday_profiles++];
		walk(&pw, n, e);
		while ((x = take(&pw, "TimeStartAction", 0, &err))) {
			struct xwalk aw;
			xmlNodePtr st, act;
			int hh, mm, ss, cs;
			char t[16];

			if (d->nactions == PP_ACTIONS_MAX)
				return solr_seterr(e, SOLR_ERR_VERIFY, "a day "
				    "profile (line %ld) has more than %d "
				    "actions", xmlGetLineNo(n), PP_ACTIONS_MAX);
			walk(&aw, x, e);
			st = take(&aw, "StartTime", 1, &err);
			act = take(&aw, "NonDisablementAction", 1, &err);
			if (err || (r = done(&aw)) != 0)
				return SOLR_ERR_VERIFY;
			if ((r = xtime(st, &hh, &mm, &ss, &cs, e)) != 0 ||
			    (r = solr_xml_text(act, t, sizeof(t), e)) != 0)
				return r;
			if (ss || cs)
				return solr_seterr(e, SOLR_ERR_VERIFY,
				    "sr:StartTime (line %ld) must be a whole "
				    "minute", xmlGetLineNo(st));
			if (strcmp(t, "START") && strcmp(t, "STOP"))
				return solr_seterr(e, SOLR_ERR_VERIFY,
				    "sr:NonDisablementAction (line %ld) '%s' "
				    "is not START or STOP", xmlGetLineNo(act),
				    t);
			d->action[d->nactions].minutes = hh * 60 + mm;
			d->action[d->nactions++].start = strcmp(t, "START") ==
			    0;
		}
		if (d->nactions == 0)
			return solr_seterr(e, SOLR_ERR_VERIFY, "a day profile "
			    "(line %ld) has no action", xmlGetLineNo(n));
		if ((x = take(&pw, "GasDayName", 1, &err)) == NULL ||
		    (r = done(&pw)) != 0 || (r = xint(x, 1, 5, &v, e)) != 0)
			return err ? SOLR_ERR_VERIFY : r;
		d->id = (int)v;
	}
	if ((r = done(&lw)) != 0)
		return r;
	if (pp->nday_profiles == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:DayProfiles has no "
		    "day profile");
	walk(&lw, wps, e);
	while ((n = take(&lw, "WeekProfile", 0, &err))) {
		struct pp_week *wk;
		struct xwalk pw;
		int i;

		if (pp->nweeks == PP_WEEKS_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "week profiles", PP_WEEKS_MAX);
		wk = &pp->week[pp->nweeks++];
		walk(&pw, n, e);
		if ((x = take(&pw, "WeekName", 1, &err)) == NULL ||
		    (r = xint(x, 1, 2, &v, e)) != 0)
			return err ? SOLR_ERR_VERIFY : r;
		wk->id = (int)v;
		for (i = 0; i < 7; i++) {
			xmlChar *idx;
			int bad;

			if ((x = take(&pw, "ReferencedDayName", 1, &err)) ==
			    NULL)
				return SOLR_ERR_VERIFY;
			idx = xmlGetNoNsProp(x, (const xmlChar *)"index");
			bad = idx == NULL || strlen((const char *)idx) != 1 ||
			    idx[0] != '1' + i;
			xmlFree(idx);
			if (bad)
				return solr_seterr(e, SOLR_ERR_VERIFY,
				    "sr:ReferencedDayName (line %ld) must "
				    "have index %d", xmlGetLineNo(x), i + 1);
			if ((r = xint(x, 1, 5, &v, e)) != 0)
				return r;
			wk->day[i] = (int)v;
		}
		if ((r = done(&pw)) != 0)
			return r;
	}
	if ((r = done(&lw)) != 0)
		return r;
	if (pp->nweeks == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:WeekProfiles has no "
		    "week profile");
	walk(&lw, sps, e);
	while ((n = take(&lw, "Season", 0, &err))) {
		struct pp_season *s;
		struct xwalk pw;
		xmlNodePtr d;

		if (pp->nseasons == PP_SEASONS_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "seasons", PP_SEASONS_MAX);
		s = &pp->season[pp->nseasons++];
		walk(&pw, n, e);
		d = take(&pw, "SeasonStartDate", 1, &err);
		x = take(&pw, "ReferencedWeekName", 1, &err);
		if (err || (r = done(&pw)) != 0 ||
		    (r = wild_date(d, 1, &s->start, e)) != 0 ||
		    (r = xint(x, 1, 2, &v, e)) != 0)
			return err ? SOLR_ERR_VERIFY : r;
		s->week = (int)v;
	}
	if ((r = done(&lw)) != 0)
		return r;
	if (pp->nseasons == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:SeasonProfiles has "
		    "no season");
	walk(&lw, sds, e);
	while ((n = take(&lw, "SpecialDay", 0, &err))) {
		struct pp_gas_special *s;
		struct xwalk pw;
		xmlNodePtr d;

		if (pp->ngas_special == PP_GAS_SPECIAL_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "special days", PP_GAS_SPECIAL_MAX);
		s = &pp->gas_special[pp->ngas_special++];
		walk(&pw, n, e);
		d = take(&pw, "Date", 1, &err);
		x = take(&pw, "ReferencedDayName", 1, &err);
		if (err || (r = done(&pw)) != 0 ||
		    (r = wild_date(d, 1, &s->date, e)) != 0 ||
		    (r = xint(x, 1, 5, &v, e)) != 0)
			return err ? SOLR_ERR_VERIFY : r;
		s->day = (int)v;
	}
	return err ? SOLR_ERR_VERIFY : done(&lw);
}

int
prepay_from_xml(xmlNodePtr node, struct prepay *pp, struct solr_err *e)
{
	struct xwalk w, fw;
	xmlNodePtr edt, f, cal;
	int err = 0, r, gas;
	int64_t umax;

	memset(pp, 0, sizeof(*pp));
	pp->source = "xml";
	walk(&w, node, e);
	if ((edt = take(&w, "ExecutionDateTime", 0, &err)) != NULL) {
		char t[64];

		if ((r = solr_xml_text(edt, t, sizeof(t), e)) != 0)
			return r;
		if (solr_time_parse(t, &pp->activation_time) != 0)
			return solr_seterr(e, SOLR_ERR_VERIFY,
			    "sr:ExecutionDateTime (line %ld) '%s' is not a "
			    "date-time with a time zone", xmlGetLineNo(edt), t);
		/* DUIS writes a cancellation as 3000-12-31T00:00:00Z */
		pp->activation = pp->activation_time ==
		    solr_time_from_civil(3000, 12, 31, 0, 0, 0) ? ACT_CANCEL :
		    ACT_AT;
	}
	if ((f = take(&w, "UpdatePrepayConfigElectricity", 0, &err)) != NULL)
		gas = 0;
	else if ((f = take(&w, "UpdatePrepayConfigGas", 1, &err)) != NULL)
		gas = 1;
	else
		return SOLR_ERR_VERIFY;
	if ((r = done(&w)) != 0)
		return r;
	pp->fuel = gas ? FUEL_GAS : FUEL_ELEC;
	umax = gas ? XS_UINT_MAX : XS_INT_MAX;
	walk(&fw, f, e);
	if ((r = take_int(&fw, "DebtRecoveryRateCap", gas ? XS_INT_MIN : 0,
	    gas ? XS_INT_MAX : 65535, &pp->debt_recovery_rate_cap)) != 0 ||
	    (r = take_int(&fw, "EmergencyCreditLimit", gas ? 0 : XS_INT_MIN,
	    umax, &pp->emergency_credit_limit)) != 0 ||
	    (r = take_int(&fw, "EmergencyCreditThreshold", gas ? 0 :
	    XS_INT_MIN, umax, &pp->emergency_credit_threshold)) != 0 ||
	    (r = take_int(&fw, "LowCreditThreshold", gas ? 0 : XS_INT_MIN,
	    umax, &pp->low_credit_threshold)) != 0)
		return r;
	cal = take(&fw, gas ? "GasNonDisablementCalendar" :
	    "ElectricityNonDisablementCalendar", 1, &err);
	if (cal == NULL)
		return SOLR_ERR_VERIFY;
	if ((r = take_int(&fw, "MaxMeterBalance", gas ? 0 : XS_INT_MIN, umax,
	    &pp->max_meter_balance)) != 0 ||
	    (r = take_int(&fw, "MaxCreditThreshold", gas ? 0 : XS_INT_MIN,
	    umax, &pp->max_credit_threshold)) != 0 ||
	    (r = done(&fw)) != 0)
		return r;
	return gas ? gas_calendar(cal, pp, e) : elec_calendar(cal, pp, e);
}

/* YAML */

static void
fmt_date(const struct pp_date *d, char *out, size_t cap)
{
	char y[8], m[8], dd[16];

	if (d->year == PP_ANY)
		snprintf(y, sizeof(y), "*");
	else
		snprintf(y, sizeof(y), "%04d", d->year);
	if (d->month == PP_ANY)
		snprintf(m, sizeof(m), "*");
	else
		snprintf(m, sizeof(m), "%02d", d->month);
	if (d->day == PP_ANY)
		snprintf(dd, sizeof(dd), "*");
	else if (d->day == PP_LAST_DAY)
		snprintf(dd, sizeof(dd), "last");
	else if (d->day == PP_SECOND_LAST_DAY)
		snprintf(dd, sizeof(dd), "second-last");
	else
		snprintf(dd, sizeof(dd), "%02d", d->day);
	if (d->weekday == PP_ANY)
		snprintf(out, cap, "%s-%s-%s", y, m, dd);
	else
		snprintf(out, cap, "%s-%s-%s/%s", y, m, dd,
		    day_names[(d->weekday - 1) % 7]);
}

static struct ynode *
str_node(const char *s)
{
	return yn_new_str(s);
}

static struct ynode *
days_list(unsigned bits)
{
	struct ynode *l = yn_new_seq(1);
	int i;

	for (i = 0; l && i < 7; i++)
		if (bits & (1u << i))
			yn_push(l, yn_new_plain(day_names[i]));
	return l;
}

static struct ynode *
index_list(uint32_t bits)
{
	struct ynode *l = yn_new_seq(1);
	int i;

	for (i = 0; l && i < 32; i++)
		if (bits & (1u << i))
			yn_push(l, yn_new_int(i + 1));
	return l;
}

struct ynode *
prepay_to_yaml(const struct prepay *pp)
{
	struct ynode *m = yn_new_map(0), *cal, *l, *x;
	char b[64];
	int i, j;

	if (m == NULL)
		return NULL;
	yn_set(m, "fuel", yn_new_plain(pp->fuel == FUEL_GAS ? "gas" :
	    "electricity"));
	yn_set(m, "source", yn_new_plain(pp->source));
	yn_set_int(m, "EmergencyCreditLimit", pp->emergency_credit_limit);
	yn_set_int(m, "EmergencyCreditThreshold",
	    pp->emergency_credit_threshold);
	yn_set_int(m, "LowCreditThreshold", pp->low_credit_threshold);
	yn_set_int(m, "MaxMeterBalance", pp->max_meter_balance);
	yn_set_int(m, "MaxCreditThreshold", pp->max_credit_threshold);
	yn_set_int(m, "DebtRecoveryRateCap", pp->debt_recovery_rate_cap);
	if (pp->has_cap_period)
		yn_set_int(m, "DebtRecoveryRateCapPeriod",
		    pp->debt_recovery_rate_cap_period);
	x = yn_new_map(1);
	yn_set(x, "kind", yn_new_plain(pp->activation == ACT_AT ? "at" :
	    pp->activation == ACT_CANCEL ? "cancel" : "immediate"));
	if (pp->activation == ACT_AT) {
		solr_time_format(pp->activation_time, b);
		yn_set(x, "time", yn_new_plain(b));
	}
	yn_set(m, "activation", x);
	cal = yn_new_map(0);
	if (pp->fuel == FUEL_ELEC) {
		l = yn_new_seq(0);
		for (i = 0; i < pp->nspecial; i++) {
			x = yn_new_map(1);
			yn_set_int(x, "index", pp->special[i].index);
			fmt_date(&pp->special[i].date, b, sizeof(b));
			yn_set(x, "date", str_node(b));
			yn_push(l, x);
		}
		yn_set(cal, "special_days", l);
		l = yn_new_seq(0);
		for (i = 0; i < pp->nschedule; i++) {
			const struct pp_schedule *s = &pp->schedule[i];

			x = yn_new_map(1);
			yn_set_int(x, "index", s->index);
			yn_set(x, "script", yn_new_plain(s->start ? "START" :
			    "STOP"));
			snprintf(b, sizeof(b), "%02d:%02d:%02d.%02d", s->hh,
			    s->mm, s->ss, s->cs);
			yn_set(x, "switch_time", str_node(b));
			yn_set(x, "weekdays", days_list(s->weekdays));
			yn_set(x, "special_days", index_list(s->special_days));
			fmt_date(&s->begin, b, sizeof(b));
			yn_set(x, "start", str_node(b));
			fmt_date(&s->end, b, sizeof(b));
			yn_set(x, "end", str_node(b));
			yn_push(l, x);
		}
		yn_set(cal, "schedule", l);
	} else {
		l = yn_new_seq(0);
		for (i = 0; i < pp->nday_profiles; i++) {
			const struct pp_day_profile *d = &pp->day_profile[i];
			struct ynode *acts = yn_new_seq(1);

			for (j = 0; j < d->nactions; j++) {
				struct ynode *a = yn_new_map(1);

				snprintf(b, sizeof(b), "%02d:%02d",
				    d->action[j].minutes / 60,
				    d->action[j].minutes % 60);
				yn_set(a, "start", str_node(b));
				yn_set(a, "action", yn_new_plain(
				    d->action[j].start ? "START" : "STOP"));
				yn_push(acts, a);
			}
			x = yn_new_map(1);
			yn_set_int(x, "day", d->id);
			yn_set(x, "actions", acts);
			yn_push(l, x);
		}
		yn_set(cal, "day_profiles", l);
		l = yn_new_seq(0);
		for (i = 0; i < pp->nweeks; i++) {
			struct ynode *days = yn_new_seq(1);

			for (j = 0; j < 7; j++)
				yn_push(days, yn_new_int(pp->week[i].day[j]));
			x = yn_new_map(1);
			yn_set_int(x, "week", pp->week[i].id);
			yn_set(x, "days", days);
			yn_push(l, x);
		}
		yn_set(cal, "week_profiles", l);
		l = yn_new_seq(0);
		for (i = 0; i < pp->nseasons; i++) {
			x = yn_new_map(1);
			fmt_date(&pp->season[i].start, b, sizeof(b));
			yn_set(x, "start", str_node(b));
			yn_set_int(x, "week", pp->season[i].week);
			yn_push(l, x);
		}
		yn_set(cal, "seasons", l);
		l = yn_new_seq(0);
		for (i = 0; i < pp->ngas_special; i++) {
			x = yn_new_map(1);
			fmt_date(&pp->gas_special[i].date, b, sizeof(b));
			yn_set(x, "date", str_node(b));
			yn_set_int(x, "day", pp->gas_special[i].day);
			yn_push(l, x);
		}
		yn_set(cal, "special_days", l);
	}
	yn_set(m, "NonDisablementCalendar", cal);
	return m;
}

/* Reading the mapping back. */

static int
yint(const struct ynode *m, const char *key, int64_t min, int64_t max,
    int64_t *out, struct solr_err *e)
{
	const struct ynode *n = yn_get(m, key);
	char *end;
	long long v;

	if (!yn_is_scalar(n) || n->quoted || n->len == 0)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: %s is missing "
		    "or not a number", key);
	v = strtoll(n->str, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: %s '%s' is not "
		    "a number from %lld to %lld", key, n->str, (long long)min,
		    (long long)max);
	*out = v;
	return 0;
}

static int
yfield(const struct ynode *m, const char *key, int min, int max, int *out,
    struct solr_err *e)
{
	int64_t v;
	int r;

	if ((r = yint(m, key, min, max, &v, e)) != 0)
		return r;
	*out = (int)v;
	return 0;
}

/* "YYYY-MM-DD" with '*', "last", "second-last" and an optional
 * "/Weekday" */
static int
parse_date(const char *s, struct pp_date *d)
{
	char buf[64], *part[3], *wd, *p;
	int i;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	d->weekday = PP_ANY;
	if ((wd = strchr(buf, '/')) != NULL) {
		*wd++ = '\0';
		for (i = 0; i < 7 && strcmp(wd, day_names[i]); i++)
			;
		if (i == 7)
			return -1;
		d->weekday = i + 1;
	}
	part[0] = buf;
	if ((p = strchr(buf, '-')) == NULL)
		return -1;
	*p = '\0';
	part[1] = p + 1;
	if ((p = strchr(part[1], '-')) == NULL)
		return -1;
	*p = '\0';
	part[2] = p + 1;
	d->year = strcmp(part[0], "*") == 0 ? PP_ANY : atoi(part[0]);
	d->month = strcmp(part[1], "*") == 0 ? PP_ANY : atoi(part[1]);
	if (strcmp(part[2], "*") == 0)
		d->day = PP_ANY;
	else if (strcmp(part[2], "last") == 0)
		d->day = PP_LAST_DAY;
	else if (strcmp(part[2], "second-last") == 0)
		d->day = PP_SECOND_LAST_DAY;
	else
		d->day = atoi(part[2]);
	if ((d->year != PP_ANY && (d->year < 1900 || d->year > 9999)) ||
	    (d->month != PP_ANY && (d->month < 1 || d->month > 12)) ||
	    d->day == 0 || d->day > 31)
		return -1;
	return 0;
}

static int
ydate(const struct ynode *m, const char *key, struct pp_date *d,
    struct solr_err *e)
{
	const char *s = yn_get_str(m, key);

	if (parse_date(s, d) != 0)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: %s '%s' is not "
		    "a date", key, s ? s : "(missing)");
	return 0;
}

static const struct ynode *
yseq(const struct ynode *m, const char *key, size_t max, struct solr_err *e)
{
	const struct ynode *n = yn_get(m, key);

	if (n == NULL || n->kind != YN_SEQ) {
		solr_seterr(e, SOLR_ERR_FORMAT, "prepay: %s is missing or not "
		    "a list", key);
		return NULL;
	}
	if (n->n > max) {
		solr_seterr(e, SOLR_ERR_FORMAT, "prepay: %s has more than %zu "
		    "entries", key, max);
		return NULL;
	}
	return n;
}

static int
script(const struct ynode *m, const char *key, int *start,
    struct solr_err *e)
{
	const char *s = yn_get_str(m, key);

	if (s == NULL || (strcmp(s, "START") && strcmp(s, "STOP")))
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: %s is not "
		    "START or STOP", key);
	*start = strcmp(s, "START") == 0;
	return 0;
}

int
prepay_from_yaml(const struct ynode *m, struct prepay *pp, struct solr_err *e)
{
	const struct ynode *cal, *l, *act;
	const char *fuel, *kind, *src;
	size_t i, j;
	int r;

	memset(pp, 0, sizeof(*pp));
	if (m == NULL || m->kind != YN_MAP)
		return solr_seterr(e, SOLR_ERR_FORMAT, "the record has no "
		    "prepay: mapping (solr-gbcs-parse must run first)");
	fuel = yn_get_str(m, "fuel");
	if (fuel == NULL || (strcmp(fuel, "electricity") && strcmp(fuel, "gas")))
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: fuel is not "
		    "electricity or gas");
	pp->fuel = strcmp(fuel, "gas") == 0 ? FUEL_GAS : FUEL_ELEC;
	src = yn_get_str(m, "source");
	pp->source = src && strcmp(src, "gbcs") == 0 ? "gbcs" : "xml";
	if ((r = yint(m, "EmergencyCreditLimit", INT64_MIN, INT64_MAX,
	    &pp->emergency_credit_limit, e)) != 0 ||
	    (r = yint(m, "EmergencyCreditThreshold", INT64_MIN, INT64_MAX,
	    &pp->emergency_credit_threshold, e)) != 0 ||
	    (r = yint(m, "LowCreditThreshold", INT64_MIN, INT64_MAX,
	    &pp->low_credit_threshold, e)) != 0 ||
	    (r = yint(m, "MaxMeterBalance", INT64_MIN, INT64_MAX,
	    &pp->max_meter_balance, e)) != 0 ||
	    (r = yint(m, "MaxCreditThreshold", INT64_MIN, INT64_MAX,
	    &pp->max_credit_threshold, e)) != 0 ||
	    (r = yint(m, "DebtRecoveryRateCap", INT64_MIN, INT64_MAX,
	    &pp->debt_recovery_rate_cap, e)) != 0)
		return r;
	if (yn_get(m, "DebtRecoveryRateCapPeriod") != NULL) {
		if ((r = yint(m, "DebtRecoveryRateCapPeriod", INT64_MIN,
		    INT64_MAX, &pp->debt_recovery_rate_cap_period, e)) != 0)
			return r;
		pp->has_cap_period = 1;
	}
	act = yn_get(m, "activation");
	kind = yn_get_str(act, "kind");
	if (kind && strcmp(kind, "immediate") == 0)
		pp->activation = ACT_IMMEDIATE;
	else if (kind && strcmp(kind, "cancel") == 0)
		pp->activation = ACT_CANCEL;
	else if (kind && strcmp(kind, "at") == 0 && yn_get_str(act, "time") &&
	    solr_time_parse(yn_get_str(act, "time"), &pp->activation_time) == 0)
		pp->activation = ACT_AT;
	else
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: activation is "
		    "not immediate, cancel or at a time");
	cal = yn_get(m, "NonDisablementCalendar");
	if (cal == NULL || cal->kind != YN_MAP)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: "
		    "NonDisablementCalendar is missing");
	if (pp->fuel == FUEL_ELEC) {
		if ((l = yseq(cal, "special_days", PP_ELEC_SPECIAL_MAX, e)) ==
		    NULL)
			return e->code;
		for (i = 0; i < l->n; i++) {
			struct pp_special_day *s = &pp->special[i];

			if ((r = yfield(l->items[i], "index", 1, 20, &s->index,
			    e)) != 0 || (r = ydate(l->items[i], "date",
			    &s->date, e)) != 0)
				return r;
		}
		pp->nspecial = (int)l->n;
		if ((l = yseq(cal, "schedule", PP_SCHEDULE_MAX, e)) == NULL)
			return e->code;
		for (i = 0; i < l->n; i++) {
			struct pp_schedule *s = &pp->schedule[i];
			const struct ynode *it = l->items[i], *x;
			const char *t = yn_get_str(it, "switch_time");

			if ((r = yfield(it, "index", 1, PP_SCHEDULE_MAX,
			    &s->index, e)) != 0 ||
			    (r = script(it, "script", &s->start, e)) != 0 ||
			    (r = ydate(it, "start", &s->begin, e)) != 0 ||
			    (r = ydate(it, "end", &s->end, e)) != 0)
				return r;
			if (t == NULL || sscanf(t, "%2d:%2d:%2d.%2d", &s->hh,
			    &s->mm, &s->ss, &s->cs) != 4)
				return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: "
				    "switch_time is not HH:MM:SS.cc");
			if ((x = yseq(it, "weekdays", 7, e)) == NULL)
				return e->code;
			for (j = 0; j < x->n; j++) {
				int d;

				for (d = 0; d < 7 && strcmp(x->items[j]->str,
				    day_names[d]); d++)
					;
				if (d == 7)
					return solr_seterr(e, SOLR_ERR_FORMAT,
					    "prepay: '%s' is not a weekday",
					    x->items[j]->str);
				s->weekdays |= 1u << d;
			}
			if ((x = yseq(it, "special_days", 20, e)) == NULL)
				return e->code;
			for (j = 0; j < x->n; j++) {
				int v = atoi(x->items[j]->str);

				if (v < 1 || v > 20)
					return solr_seterr(e, SOLR_ERR_FORMAT,
					    "prepay: special day %s", x->items[j]->str);
				s->special_days |= 1u << (v - 1);
			}
		}
		pp->nschedule = (int)l->n;
		return 0;
	}
	if ((l = yseq(cal, "day_profiles", PP_DAY_PROFILES_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++) {
		struct pp_day_profile *d = &pp->day_profile[i];
		const struct ynode *a;

		if ((r = yfield(l->items[i], "day", 1, 5, &d->id, e)) != 0)
			return r;
		if ((a = yseq(l->items[i], "actions", PP_ACTIONS_MAX, e)) ==
		    NULL)
			return e->code;
		for (j = 0; j < a->n; j++) {
			const char *t = yn_get_str(a->items[j], "start");
			int hh, mm;

			if (t == NULL || sscanf(t, "%2d:%2d", &hh, &mm) != 2 ||
			    hh > 23 || mm > 59)
				return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: "
				    "action start is not HH:MM");
			d->action[j].minutes = hh * 60 + mm;
			if ((r = script(a->items[j], "action",
			    &d->action[j].start, e)) != 0)
				return r;
		}
		d->nactions = (int)a->n;
	}
	pp->nday_profiles = (int)l->n;
	if ((l = yseq(cal, "week_profiles", PP_WEEKS_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++) {
		const struct ynode *days;

		if ((r = yfield(l->items[i], "week", 1, 2, &pp->week[i].id,
		    e)) != 0)
			return r;
		if ((days = yseq(l->items[i], "days", 7, e)) == NULL ||
		    days->n != 7)
			return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: a week "
			    "profile needs 7 days");
		for (j = 0; j < 7; j++)
			pp->week[i].day[j] = atoi(days->items[j]->str);
	}
	pp->nweeks = (int)l->n;
	if ((l = yseq(cal, "seasons", PP_SEASONS_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++)
		if ((r = ydate(l->items[i], "start", &pp->season[i].start, e))
		    != 0 || (r = yfield(l->items[i], "week", 1, 2,
		    &pp->season[i].week, e)) != 0)
			return r;
	pp->nseasons = (int)l->n;
	if ((l = yseq(cal, "special_days", PP_GAS_SPECIAL_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++)
		if ((r = ydate(l->items[i], "date", &pp->gas_special[i].date,
		    e)) != 0 || (r = yfield(l->items[i], "day", 1, 5,
		    &pp->gas_special[i].day, e)) != 0)
			return r;
	pp->ngas_special = (int)l->n;
	return 0;
}
