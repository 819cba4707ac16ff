#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prepay/prepay.h"
#include "base/util.h"
#include "base/xml.h"

/* Walking the DUIS XML body: element children in the DUIS namespace, in
 * schema order, with nothing else but white space between them. */

struct xwalk {
	xmlNodePtr next;	/* next element child */
	xmlNodePtr parent;
	struct solr_err *e;
};

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

	if (solr_xml_is_sr(n, name)) {
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

/* An XML Schema integer in [min, max], in its one form: decimal digits,
 * no leading zero, '-' before a negative value and no other sign. */
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
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (*p == '\0' || strspn(p, "0123456789") != strlen(p) ||
	    (p[0] == '0' && (p[1] != '\0' || neg)))
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) '%s' is "
		    "not an integer in its one form (decimal digits, no sign "
		    "but '-' before a negative value, no leading zero)",
		    n->name, xmlGetLineNo(n), t);
	if (solr_parse_uint(p, (uint64_t)INT64_MAX, &v) != 0 ||
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

/* The digits of t at the places pattern marks 'd', and its other
 * characters exactly: the one form of a DUIS time or date. */
static int
shaped(const char *t, const char *pattern)
{
	for (; *pattern; t++, pattern++)
		if (*pattern == 'd' ? !isdigit((unsigned char)*t) :
		    *t != *pattern)
			return 0;
	return *t == '\0';
}

static int
two(const char *p)
{
	return (p[0] - '0') * 10 + p[1] - '0';
}

/* xs:time in the one form DUIS writes: "HH:MM:SS.ffZ", UTC, to the
 * hundredth. */
static int
xtime(xmlNodePtr n, int *hh, int *mm, int *ss, int *cs, struct solr_err *e)
{
	char t[32];
	int r;

	if ((r = solr_xml_text(n, t, sizeof(t), e)) != 0)
		return r;
	if (!shaped(t, "dd:dd:dd.ddZ") || (*hh = two(t)) > 23 ||
	    (*mm = two(t + 3)) > 59 || (*ss = two(t + 6)) > 59)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) '%s' "
		    "is not a UTC time in its one form HH:MM:SS.ffZ",
		    n->name, xmlGetLineNo(n), t);
	*cs = two(t + 9);
	return 0;
}

/* xs:date in the one form DUIS writes: "YYYY-MM-DDZ"; year 65535 means
 * every year. */
static int
xdate(xmlNodePtr n, struct pp_date *d, struct solr_err *e)
{
	char t[32];
	int r, y;

	if ((r = solr_xml_text(n, t, sizeof(t), e)) != 0)
		return r;
	if (strncmp(t, "65535-", 6) == 0 && shaped(t + 6, "dd-ddZ"))
		y = PP_ANY;
	else if (shaped(t, "dddd-dd-ddZ"))
		y = two(t) * 100 + two(t + 2);
	else
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) '%s' "
		    "is not a date in its one form YYYY-MM-DDZ (65535 for "
		    "every year)", n->name, xmlGetLineNo(n), t);
	d->year = y;
	d->month = two(t + (y == PP_ANY ? 6 : 5));
	d->day = two(t + (y == PP_ANY ? 9 : 8));
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
	if (solr_xml_is_sr(c, specified)) {
		if ((r = xint(c, min, max, &v, e)) != 0)
			return r;
		*out = (int)v;
		return 0;
	}
	for (; alts->name; alts++)
		if (solr_xml_is_sr(c, alts->name)) {
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

#define XS_INT_MIN (-2147483647LL - 1)
#define XS_INT_MAX 2147483647LL
#define XS_UINT_MAX 4294967295LL

/* The values of SR 2.1, once: what drives the DUIS body, the record's
 * prepay: mapping and the safe profile.  In the record's order; xml_pos
 * is the DUIS body's order, the calendar at pp_xml_calendar within it. */
#define OBIS_PP(a, b) { 0, 0, 94, 44, a, b }
#define XS_INT { XS_INT_MIN, XS_INT_MAX }

const struct pp_field pp_fields[] = {
	{ .name = "EmergencyCreditLimit", .xml_pos = 2,
	    .dlms = { 7, 9000, OBIS_PP(128, 2), 4, 0,
	    "emergency credit limit" },
	    .zcl = { 0, 0, 0, "emergency credit limit" },
	    .elec_min = XS_INT_MIN, .elec_max = XS_INT_MAX,
	    .gas_min = 0, .gas_max = XS_UINT_MAX },
	{ .name = "EmergencyCreditThreshold", .xml_pos = 3,
	    .dlms = { 9, 9000, OBIS_PP(128, 3), 4, 0,
	    "emergency credit threshold" },
	    .zcl = { 0, 1, 0, "emergency credit threshold" },
	    .elec_min = XS_INT_MIN, .elec_max = XS_INT_MAX,
	    .gas_min = 0, .gas_max = XS_UINT_MAX },
	{ .name = "LowCreditThreshold", .xml_pos = 4,
	    .dlms = { 6, 9000, OBIS_PP(128, 9), 4, 0,
	    "low credit threshold" },
	    .zcl = { 2, 0, 0, "low credit warning level" },
	    .elec_min = XS_INT_MIN, .elec_max = XS_INT_MAX,
	    .gas_min = 0, .gas_max = XS_UINT_MAX },
	{ .name = "MaxMeterBalance", .xml_pos = 6,
	    .dlms = { 1, 9000, OBIS_PP(2, 20), 4, 0,
	    "maximum meter balance" },
	    .zcl = { 3, 0, 0, "maximum credit level" },
	    .elec_min = XS_INT_MIN, .elec_max = XS_INT_MAX,
	    .gas_min = 0, .gas_max = XS_UINT_MAX },
	{ .name = "MaxCreditThreshold", .xml_pos = 7,
	    .dlms = { 2, 9000, OBIS_PP(2, 10), 4, 0,
	    "maximum credit threshold" },
	    .zcl = { 3, 1, 0, "maximum credit per top-up" },
	    .elec_min = XS_INT_MIN, .elec_max = XS_INT_MAX,
	    .gas_min = 0, .gas_max = XS_UINT_MAX },
	{ .name = "DebtRecoveryRateCap", .xml_pos = 1,
	    .dlms = { 4, 9000, OBIS_PP(128, 12), 4, 1,
	    "debt recovery rate cap" },
	    .zcl = { 1, 0, 1, "overall debt cap" },
	    .elec_min = 0, .elec_max = 65535,
	    .gas_min = XS_INT_MIN, .gas_max = XS_INT_MAX },
	{ .name = "DebtRecoveryRateCapPeriod", .optional = 1,
	    .dlms = { 5, 9000, OBIS_PP(128, 13), 4, 0,
	    "debt recovery rate cap period" },
	    .zcl = { -1, 0, 0, NULL } },
};
const int pp_nfields = sizeof(pp_fields) / sizeof(pp_fields[0]);
const int pp_xml_calendar = 5;
_Static_assert(sizeof(pp_fields) / sizeof(pp_fields[0]) <= PP_MAX_FIELDS,
    "the field table has more rows than struct prepay has values");

const struct pp_field *
pp_field_named(const char *name)
{
	int i;

	for (i = 0; i < pp_nfields; i++)
		if (strcmp(pp_fields[i].name, name) == 0)
			return &pp_fields[i];
	return NULL;
}

int
pp_field_carried(const struct pp_field *f, int fuel)
{
	return f->xml_pos > 0 || (fuel == FUEL_ELEC ? f->dlms.item >= 0 :
	    f->zcl.command >= 0);
}

int64_t *
pp_field_ptr(struct prepay *pp, const struct pp_field *f)
{
	return &pp->value[f - pp_fields];
}

int
pp_value(const struct prepay *pp, const struct pp_field *f, int64_t *v)
{
	if (!(pp->present & 1u << (f - pp_fields)))
		return -1;
	*v = pp->value[f - pp_fields];
	return 0;
}

static void
pp_set_present(struct prepay *pp, const struct pp_field *f)
{
	pp->present |= 1u << (f - pp_fields);
}

void
pp_set(struct prepay *pp, const struct pp_field *f, int64_t v)
{
	*pp_field_ptr(pp, f) = v;
	pp_set_present(pp, f);
}

const struct pp_field *
pp_field_dlms(int item)
{
	int i;

	for (i = 0; item >= 0 && i < pp_nfields; i++)
		if (pp_fields[i].dlms.item == item)
			return &pp_fields[i];
	return NULL;
}

const struct pp_field *
pp_field_zcl(int command, int slot)
{
	int i;

	for (i = 0; command >= 0 && i < pp_nfields; i++)
		if (pp_fields[i].zcl.command == command &&
		    pp_fields[i].zcl.slot == slot)
			return &pp_fields[i];
	return NULL;
}

/* A list element of the calendar: its items in order, at most max. */
struct xlist {
	const char *item;	/* the items' element */
	int max;
	const char *too_many;	/* "day profiles": "more than %d ..." */
	int (*one)(xmlNodePtr n, struct prepay *pp, struct solr_err *e);
};

static int
xlist(xmlNodePtr list, const struct xlist *l, int *count, struct prepay *pp,
    struct solr_err *e)
{
	struct xwalk w;
	xmlNodePtr n;
	int err = 0, r;

	walk(&w, list, e);
	while ((n = take(&w, l->item, 0, &err)) != NULL) {
		if (*count == l->max)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "%s", l->max, l->too_many);
		if ((r = l->one(n, pp, e)) != 0)
			return r;
	}
	return done(&w);
}

/* An index="N" attribute from 1 to max. */
static int
index_attr(xmlNodePtr n, uint64_t max, uint64_t *v)
{
	xmlChar *idx = xmlGetNoNsProp(n, (const xmlChar *)"index");
	int bad = idx == NULL || solr_parse_uint((const char *)idx, max, v) !=
	    0 || *v < 1;

	xmlFree(idx);
	return bad ? -1 : 0;
}

/* One required child, then nothing else. */
static xmlNodePtr
only_child(xmlNodePtr n, const char *name, struct solr_err *e)
{
	struct xwalk w;
	xmlNodePtr x;
	int err = 0;

	walk(&w, n, e);
	if ((x = take(&w, name, 1, &err)) == NULL || done(&w) != 0)
		return NULL;
	return x;
}

static int
elec_special_day(xmlNodePtr n, struct prepay *pp, struct solr_err *e)
{
	struct pp_special_day *s = &pp->special[pp->nspecial++];
	xmlNodePtr date;
	uint64_t iv;

	if (index_attr(n, 20, &iv) != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:SpecialDay (line "
		    "%ld) index must be 1 to 20", xmlGetLineNo(n));
	s->index = (int)iv;
	if ((date = only_child(n, "Date", e)) == NULL)
		return SOLR_ERR_VERIFY;
	return wild_date(date, 0, &s->date, e);
}

static int
special_days_applicable(xmlNodePtr sda, struct pp_schedule *s,
    struct solr_err *e)
{
	struct xwalk aw;
	xmlNodePtr a, x;
	int64_t v;
	int err = 0, r;

	walk(&aw, sda, e);
	while ((a = take(&aw, "SpecialDayApplicability", 0, &err))) {
		if ((x = only_child(a, "SpecialDayID", e)) == NULL)
			return SOLR_ERR_VERIFY;
		if ((r = xint(x, 1, 20, &v, e)) != 0)
			return r;
		if (s->special_days & (1u << (v - 1)))
			return solr_seterr(e, SOLR_ERR_VERIFY,
			    "sr:SpecialDayID (line %ld) %lld is listed twice",
			    xmlGetLineNo(x), (long long)v);
		s->special_days |= 1u << (v - 1);
	}
	return done(&aw);
}

static int
weekdays_applicable(xmlNodePtr dwa, struct pp_schedule *s,
    struct solr_err *e)
{
	struct xwalk aw;
	xmlNodePtr a, x;
	char t[16];
	int err = 0, r, d;

	walk(&aw, dwa, e);
	while ((a = take(&aw, "DayOfWeekApplicability", 0, &err))) {
		if ((x = only_child(a, "DayOfWeekID", e)) == NULL)
			return SOLR_ERR_VERIFY;
		if ((r = solr_xml_text(x, t, sizeof(t), e)) != 0)
			return r;
		for (d = 0; d < 7 && strcmp(t, day_names[d]); d++)
			;
		if (d == 7 || (s->weekdays & (1u << d)))
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:DayOfWeekID "
			    "(line %ld) '%s' is not a day name, or is listed "
			    "twice", xmlGetLineNo(x), t);
		s->weekdays |= 1u << d;
	}
	return done(&aw);
}

static int
schedule_dates(xmlNodePtr sdt, struct pp_schedule *s, struct solr_err *e)
{
	struct xwalk w;
	xmlNodePtr st, sd, ed;
	int err = 0, r;

	walk(&w, sdt, e);
	st = take(&w, "SwitchTime", 1, &err);
	sd = take(&w, "StartDate", 1, &err);
	ed = take(&w, "EndDate", 1, &err);
	if (err || done(&w) != 0)
		return SOLR_ERR_VERIFY;
	if ((r = xtime(st, &s->hh, &s->mm, &s->ss, &s->cs, e)) != 0 ||
	    (r = xdate(sd, &s->begin, e)) != 0)
		return r;
	return xdate(ed, &s->end, e);
}

static int
elec_schedule_entry(xmlNodePtr n, struct prepay *pp, struct solr_err *e)
{
	struct pp_schedule *s = &pp->schedule[pp->nschedule];
	struct xwalk w;
	xmlNodePtr script, sda, dwa, sdt;
	char t[16];
	int err = 0, r;

	s->index = ++pp->nschedule;
	walk(&w, n, e);
	script = take(&w, "NonDisablementScript", 1, &err);
	sda = take(&w, "SpecialDaysApplicability", 1, &err);
	dwa = take(&w, "DaysOfWeekApplicability", 1, &err);
	sdt = take(&w, "ScheduleDatesAndTime", 1, &err);
	if (err || done(&w) != 0)
		return SOLR_ERR_VERIFY;
	if ((r = solr_xml_text(script, t, sizeof(t), e)) != 0)
		return r;
	if (strcmp(t, "START") != 0 && strcmp(t, "STOP") != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY,
		    "sr:NonDisablementScript (line %ld) '%s' is not START or "
		    "STOP", xmlGetLineNo(script), t);
	s->start = strcmp(t, "START") == 0;
	if ((r = special_days_applicable(sda, s, e)) != 0 ||
	    (r = weekdays_applicable(dwa, s, e)) != 0)
		return r;
	return schedule_dates(sdt, s, e);
}

static int
elec_calendar(xmlNodePtr cal, struct prepay *pp, struct solr_err *e)
{
	static const struct xlist special = { "SpecialDay",
	    PP_ELEC_SPECIAL_MAX, "special days", elec_special_day };
	struct xwalk w;
	xmlNodePtr sd, n;
	int err = 0, r;

	walk(&w, cal, e);
	if ((sd = take(&w, "ElectricitySpecialDays", 1, &err)) == NULL)
		return SOLR_ERR_VERIFY;
	if ((r = xlist(sd, &special, &pp->nspecial, pp, e)) != 0)
		return r;
	while ((n = take(&w, "ElectricityNonDisablementSchedule", 0, &err)) !=
	    NULL) {
		if (pp->nschedule == PP_SCHEDULE_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "more than %d "
			    "non-disablement schedule entries",
			    PP_SCHEDULE_MAX);
		if ((r = elec_schedule_entry(n, pp, e)) != 0)
			return r;
	}
	if (pp->nschedule == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the electricity "
		    "non-disablement calendar has no schedule entry");
	return done(&w);
}

static int
gas_action(xmlNodePtr x, struct pp_day_profile *d, struct solr_err *e)
{
	struct xwalk aw;
	xmlNodePtr st, act;
	int hh, mm, ss, cs, err = 0, r;
	char t[16];

	walk(&aw, x, e);
	st = take(&aw, "StartTime", 1, &err);
	act = take(&aw, "NonDisablementAction", 1, &err);
	if (err || done(&aw) != 0)
		return SOLR_ERR_VERIFY;
	if ((r = xtime(st, &hh, &mm, &ss, &cs, e)) != 0 ||
	    (r = solr_xml_text(act, t, sizeof(t), e)) != 0)
		return r;
	if (ss || cs)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:StartTime (line "
		    "%ld) must be a whole minute", xmlGetLineNo(st));
	if (strcmp(t, "START") && strcmp(t, "STOP"))
		return solr_seterr(e, SOLR_ERR_VERIFY,
		    "sr:NonDisablementAction (line %ld) '%s' is not START or "
		    "STOP", xmlGetLineNo(act), t);
	d->action[d->nactions].minutes = hh * 60 + mm;
	d->action[d->nactions++].start = strcmp(t, "START") == 0;
	return 0;
}

static int
gas_day_profile(xmlNodePtr n, struct prepay *pp, struct solr_err *e)
{
	struct pp_day_profile *d = &pp->day_profile[pp->nday_profiles++];
	struct xwalk w;
	xmlNodePtr x;
	int64_t v;
	int err = 0, r;

	walk(&w, n, e);
	while ((x = take(&w, "TimeStartAction", 0, &err))) {
		if (d->nactions == PP_ACTIONS_MAX)
			return solr_seterr(e, SOLR_ERR_VERIFY, "a day profile "
			    "(line %ld) has more than %d actions",
			    xmlGetLineNo(n), PP_ACTIONS_MAX);
		if ((r = gas_action(x, d, e)) != 0)
			return r;
	}
	if (d->nactions == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "a day profile (line "
		    "%ld) has no action", xmlGetLineNo(n));
	if ((x = take(&w, "GasDayName", 1, &err)) == NULL)
		return SOLR_ERR_VERIFY;
	if ((r = done(&w)) != 0 || (r = xint(x, 1, 5, &v, e)) != 0)
		return r;
	d->id = (int)v;
	return 0;
}

/* index="N", the one digit of the day's place in the week */
static int
day_index(xmlNodePtr x, int n)
{
	xmlChar *idx = xmlGetNoNsProp(x, (const xmlChar *)"index");
	int ok = idx != NULL && strlen((const char *)idx) == 1 &&
	    idx[0] == '0' + n;

	xmlFree(idx);
	return ok;
}

static int
gas_week_profile(xmlNodePtr n, struct prepay *pp, struct solr_err *e)
{
	struct pp_week *wk = &pp->week[pp->nweeks++];
	struct xwalk w;
	xmlNodePtr x;
	int64_t v;
	int err = 0, r, i;

	walk(&w, n, e);
	if ((x = take(&w, "WeekName", 1, &err)) == NULL)
		return SOLR_ERR_VERIFY;
	if ((r = xint(x, 1, 2, &v, e)) != 0)
		return r;
	wk->id = (int)v;
	for (i = 0; i < 7; i++) {
		if ((x = take(&w, "ReferencedDayName", 1, &err)) == NULL)
			return SOLR_ERR_VERIFY;
		if (!day_index(x, i + 1))
			return solr_seterr(e, SOLR_ERR_VERIFY,
			    "sr:ReferencedDayName (line %ld) must have index "
			    "%d", xmlGetLineNo(x), i + 1);
		if ((r = xint(x, 1, 5, &v, e)) != 0)
			return r;
		wk->day[i] = (int)v;
	}
	return done(&w);
}

/* A season, or a gas special day: a date with wildcards and the profile
 * it names. */
static int
gas_dated(xmlNodePtr n, const char *date, const char *ref, int64_t max,
    struct pp_date *d, int *profile, struct solr_err *e)
{
	struct xwalk w;
	xmlNodePtr dn, x;
	int64_t v;
	int err = 0, r;

	walk(&w, n, e);
	dn = take(&w, date, 1, &err);
	x = take(&w, ref, 1, &err);
	if (err)
		return SOLR_ERR_VERIFY;
	if ((r = done(&w)) != 0 || (r = wild_date(dn, 1, d, e)) != 0 ||
	    (r = xint(x, 1, max, &v, e)) != 0)
		return r;
	*profile = (int)v;
	return 0;
}

static int
gas_season(xmlNodePtr n, struct prepay *pp, struct solr_err *e)
{
	struct pp_season *s = &pp->season[pp->nseasons++];

	return gas_dated(n, "SeasonStartDate", "ReferencedWeekName", 2,
	    &s->start, &s->week, e);
}

static int
gas_special_day(xmlNodePtr n, struct prepay *pp, struct solr_err *e)
{
	struct pp_gas_special *s = &pp->gas_special[pp->ngas_special++];

	return gas_dated(n, "Date", "ReferencedDayName", 5, &s->date, &s->day,
	    e);
}

static int
gas_calendar(xmlNodePtr cal, struct prepay *pp, struct solr_err *e)
{
	static const struct xlist days = { "GasNonDisablementDayProfile",
	    PP_DAY_PROFILES_MAX, "day profiles", gas_day_profile };
	static const struct xlist weeks = { "WeekProfile", PP_WEEKS_MAX,
	    "week profiles", gas_week_profile };
	static const struct xlist seasons = { "Season", PP_SEASONS_MAX,
	    "seasons", gas_season };
	static const struct xlist special = { "SpecialDay",
	    PP_GAS_SPECIAL_MAX, "special days", gas_special_day };
	struct xwalk w;
	xmlNodePtr dps, wps, sps, sds;
	int err = 0, r;

	walk(&w, cal, e);
	dps = take(&w, "DayProfiles", 1, &err);
	wps = take(&w, "WeekProfiles", 1, &err);
	sps = take(&w, "SeasonProfiles", 1, &err);
	sds = take(&w, "SpecialDays", 1, &err);
	if (err || done(&w) != 0)
		return SOLR_ERR_VERIFY;
	if ((r = xlist(dps, &days, &pp->nday_profiles, pp, e)) != 0)
		return r;
	if (pp->nday_profiles == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:DayProfiles has no "
		    "day profile");
	if ((r = xlist(wps, &weeks, &pp->nweeks, pp, e)) != 0)
		return r;
	if (pp->nweeks == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:WeekProfiles has no "
		    "week profile");
	if ((r = xlist(sps, &seasons, &pp->nseasons, pp, e)) != 0)
		return r;
	if (pp->nseasons == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:SeasonProfiles has "
		    "no season");
	return xlist(sds, &special, &pp->ngas_special, pp, e);
}

/* The field of the DUIS body's place pos, or NULL. */
static const struct pp_field *
field_at(int pos)
{
	int i;

	for (i = 0; i < pp_nfields; i++)
		if (pp_fields[i].xml_pos == pos)
			return &pp_fields[i];
	return NULL;
}

/* The values in the DUIS body's order, the calendar in its place. */
static int
xml_values(struct xwalk *w, int gas, struct prepay *pp, xmlNodePtr *cal)
{
	const struct pp_field *f;
	int err = 0, r, pos;

	for (pos = 1; pos == pp_xml_calendar || (f = field_at(pos)) != NULL;
	    pos++) {
		if (pos == pp_xml_calendar) {
			if ((*cal = take(w, gas ? "GasNonDisablementCalendar" :
			    "ElectricityNonDisablementCalendar", 1, &err)) ==
			    NULL)
				return SOLR_ERR_VERIFY;
			continue;
		}
		if (f->optional && !solr_xml_is_sr(w->next, f->name))
			continue;
		if ((r = take_int(w, f->name, gas ? f->gas_min : f->elec_min,
		    gas ? f->gas_max : f->elec_max, pp_field_ptr(pp, f))) != 0)
			return r;
		pp_set_present(pp, f);
	}
	return done(w);
}

int
prepay_from_xml(xmlNodePtr node, struct prepay *pp, struct solr_err *e)
{
	struct xwalk w, fw;
	xmlNodePtr edt, f, cal = NULL;
	int err = 0, r, gas;
	char t[64];

	memset(pp, 0, sizeof(*pp));
	pp->source = "xml";
	walk(&w, node, e);
	if ((edt = take(&w, "ExecutionDateTime", 0, &err)) != NULL) {
		if ((r = solr_xml_text(edt, t, sizeof(t), e)) != 0)
			return r;
		/* to the second: a reader that rounds a fraction and one
		 * that drops it would differ */
		if ((!shaped(t, "dddd-dd-ddTdd:dd:dd.ddZ") ||
		    strcmp(t + 19, ".00Z") != 0) &&
		    !shaped(t, "dddd-dd-ddTdd:dd:ddZ"))
			r = 1;
		else
			r = solr_time_parse(t, &pp->activation_time) != 0 ||
			    two(t + 17) > 59;
		if (r)
			return solr_seterr(e, SOLR_ERR_VERIFY,
			    "sr:ExecutionDateTime (line %ld) '%s' is not a UTC "
			    "date-time in its one form YYYY-MM-DDTHH:MM:SS.00Z",
			    xmlGetLineNo(edt), t);
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
	walk(&fw, f, e);
	if ((r = xml_values(&fw, gas, pp, &cal)) != 0)
		return r;
	return gas ? gas_calendar(cal, pp, e) : elec_calendar(cal, pp, e);
}

/* YAML: the keys of the record's prepay: mapping besides the fields'
 * names (pp_fields), named once. */
enum pk {
	PK_FUEL,
	PK_SOURCE,
	PK_ACTIVATION,
	PK_KIND,
	PK_TIME,
	PK_NON_DISABLEMENT_CALENDAR,
	PK_SPECIAL_DAYS,
	PK_SCHEDULE,
	PK_INDEX,
	PK_DATE,
	PK_SCRIPT,
	PK_SWITCH_TIME,
	PK_WEEKDAYS,
	PK_START,
	PK_END,
	PK_DAY_PROFILES,
	PK_DAY,
	PK_ACTIONS,
	PK_ACTION,
	PK_WEEK_PROFILES,
	PK_WEEK,
	PK_DAYS,
	PK_SEASONS,
};
static const char *const pk[] = {
	[PK_FUEL] = "fuel",
	[PK_SOURCE] = "source",
	[PK_ACTIVATION] = "activation",
	[PK_KIND] = "kind",
	[PK_TIME] = "time",
	[PK_NON_DISABLEMENT_CALENDAR] = "NonDisablementCalendar",
	[PK_SPECIAL_DAYS] = "special_days",
	[PK_SCHEDULE] = "schedule",
	[PK_INDEX] = "index",
	[PK_DATE] = "date",
	[PK_SCRIPT] = "script",
	[PK_SWITCH_TIME] = "switch_time",
	[PK_WEEKDAYS] = "weekdays",
	[PK_START] = "start",
	[PK_END] = "end",
	[PK_DAY_PROFILES] = "day_profiles",
	[PK_DAY] = "day",
	[PK_ACTIONS] = "actions",
	[PK_ACTION] = "action",
	[PK_WEEK_PROFILES] = "week_profiles",
	[PK_WEEK] = "week",
	[PK_DAYS] = "days",
	[PK_SEASONS] = "seasons",
};

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
	int i, r = 0;

	for (i = 0; l && i < 7; i++)
		if (bits & (1u << i))
			r |= yn_push(l, yn_new_plain(day_names[i]));
	return yn_done(l, r);
}

static struct ynode *
index_list(uint32_t bits)
{
	struct ynode *l = yn_new_seq(1);
	int i, r = 0;

	for (i = 0; l && i < 32; i++)
		if (bits & (1u << i))
			r |= yn_push(l, yn_new_int(i + 1));
	return yn_done(l, r);
}

static struct ynode *
elec_calendar_yaml(const struct prepay *pp)
{
	struct ynode *cal = yn_new_map(0), *l, *x;
	char b[64];
	int i, r = 0;

	l = yn_new_seq(0);
	for (i = 0; i < pp->nspecial; i++) {
		x = yn_new_map(1);
		r |= yn_set_int(x, pk[PK_INDEX], pp->special[i].index);
		fmt_date(&pp->special[i].date, b, sizeof(b));
		r |= yn_set(x, pk[PK_DATE], str_node(b));
		r |= yn_push(l, x);
	}
	r |= yn_set(cal, pk[PK_SPECIAL_DAYS], l);
	l = yn_new_seq(0);
	for (i = 0; i < pp->nschedule; i++) {
		const struct pp_schedule *s = &pp->schedule[i];

		x = yn_new_map(1);
		r |= yn_set_int(x, pk[PK_INDEX], s->index);
		r |= yn_set(x, pk[PK_SCRIPT], yn_new_plain(s->start ? "START" :
		    "STOP"));
		snprintf(b, sizeof(b), "%02d:%02d:%02d.%02d", s->hh, s->mm,
		    s->ss, s->cs);
		r |= yn_set(x, pk[PK_SWITCH_TIME], str_node(b));
		r |= yn_set(x, pk[PK_WEEKDAYS], days_list(s->weekdays));
		r |= yn_set(x, pk[PK_SPECIAL_DAYS],
		    index_list(s->special_days));
		fmt_date(&s->begin, b, sizeof(b));
		r |= yn_set(x, pk[PK_START], str_node(b));
		fmt_date(&s->end, b, sizeof(b));
		r |= yn_set(x, pk[PK_END], str_node(b));
		r |= yn_push(l, x);
	}
	r |= yn_set(cal, pk[PK_SCHEDULE], l);
	return yn_done(cal, r);
}

static struct ynode *
day_profiles_yaml(const struct prepay *pp)
{
	struct ynode *l = yn_new_seq(0), *x, *acts, *a;
	char b[16];
	int i, j, r = 0;

	for (i = 0; i < pp->nday_profiles; i++) {
		const struct pp_day_profile *d = &pp->day_profile[i];

		acts = yn_new_seq(1);
		for (j = 0; j < d->nactions; j++) {
			a = yn_new_map(1);
			snprintf(b, sizeof(b), "%02d:%02d",
			    d->action[j].minutes / 60,
			    d->action[j].minutes % 60);
			r |= yn_set(a, pk[PK_START], str_node(b));
			r |= yn_set(a, pk[PK_ACTION], yn_new_plain(
			    d->action[j].start ? "START" : "STOP"));
			r |= yn_push(acts, a);
		}
		x = yn_new_map(1);
		r |= yn_set_int(x, pk[PK_DAY], d->id);
		r |= yn_set(x, pk[PK_ACTIONS], acts);
		r |= yn_push(l, x);
	}
	return yn_done(l, r);
}

static struct ynode *
gas_calendar_yaml(const struct prepay *pp)
{
	struct ynode *cal = yn_new_map(0), *l, *x, *days;
	char b[64];
	int i, j, r = 0;

	r |= yn_set(cal, pk[PK_DAY_PROFILES], day_profiles_yaml(pp));
	l = yn_new_seq(0);
	for (i = 0; i < pp->nweeks; i++) {
		days = yn_new_seq(1);
		for (j = 0; j < 7; j++)
			r |= yn_push(days, yn_new_int(pp->week[i].day[j]));
		x = yn_new_map(1);
		r |= yn_set_int(x, pk[PK_WEEK], pp->week[i].id);
		r |= yn_set(x, pk[PK_DAYS], days);
		r |= yn_push(l, x);
	}
	r |= yn_set(cal, pk[PK_WEEK_PROFILES], l);
	l = yn_new_seq(0);
	for (i = 0; i < pp->nseasons; i++) {
		x = yn_new_map(1);
		fmt_date(&pp->season[i].start, b, sizeof(b));
		r |= yn_set(x, pk[PK_START], str_node(b));
		r |= yn_set_int(x, pk[PK_WEEK], pp->season[i].week);
		r |= yn_push(l, x);
	}
	r |= yn_set(cal, pk[PK_SEASONS], l);
	l = yn_new_seq(0);
	for (i = 0; i < pp->ngas_special; i++) {
		x = yn_new_map(1);
		fmt_date(&pp->gas_special[i].date, b, sizeof(b));
		r |= yn_set(x, pk[PK_DATE], str_node(b));
		r |= yn_set_int(x, pk[PK_DAY], pp->gas_special[i].day);
		r |= yn_push(l, x);
	}
	r |= yn_set(cal, pk[PK_SPECIAL_DAYS], l);
	return yn_done(cal, r);
}

struct ynode *
prepay_to_yaml(const struct prepay *pp)
{
	struct ynode *m = yn_new_map(0), *x;
	char b[SOLR_TIME_STRLEN];
	int64_t v;
	int i, r = 0;

	if (m == NULL)
		return NULL;
	r |= yn_set(m, pk[PK_FUEL], yn_new_plain(pp->fuel == FUEL_GAS ? "gas" :
	    "electricity"));
	r |= yn_set(m, pk[PK_SOURCE], yn_new_plain(pp->source));
	for (i = 0; i < pp_nfields; i++)
		if (pp_value(pp, &pp_fields[i], &v) == 0)
			r |= yn_set_int(m, pp_fields[i].name, v);
	x = yn_new_map(1);
	r |= yn_set(x, pk[PK_KIND], yn_new_plain(pp->activation == ACT_AT ?
	    "at" : pp->activation == ACT_CANCEL ? "cancel" : "immediate"));
	if (pp->activation == ACT_AT) {
		solr_time_format(pp->activation_time, b);
		r |= yn_set(x, pk[PK_TIME], yn_new_plain(b));
	}
	r |= yn_set(m, pk[PK_ACTIVATION], x);
	r |= yn_set(m, pk[PK_NON_DISABLEMENT_CALENDAR], pp->fuel == FUEL_ELEC ?
	    elec_calendar_yaml(pp) : gas_calendar_yaml(pp));
	return yn_done(m, r);
}

/* Reading the mapping back. */

static int
yint(const struct ynode *m, const char *key, int64_t min, int64_t max,
    int64_t *out, struct solr_err *e)
{
	const struct ynode *n = yn_get(m, key);
	int64_t v;

	if (!yn_is_scalar(n) || n->quoted || n->len == 0)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: %s is missing "
		    "or not a number", key);
	if (solr_parse_int(n->str, min, max, &v) != 0)
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

static int
weekday_list(const struct ynode *it, unsigned *bits, struct solr_err *e)
{
	const struct ynode *x;
	size_t j;
	int d;

	if ((x = yseq(it, pk[PK_WEEKDAYS], 7, e)) == NULL)
		return e->code;
	for (j = 0; j < x->n; j++) {
		const char *s = yn_is_scalar(x->items[j]) ? x->items[j]->str :
		    NULL;

		for (d = 0; s != NULL && d < 7 && strcmp(s, day_names[d]); d++)
			;
		if (s == NULL || d == 7)
			return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: '%s' "
			    "is not a weekday", s ? s : "(not a name)");
		*bits |= 1u << d;
	}
	return 0;
}

static int
special_list(const struct ynode *it, uint32_t *bits, struct solr_err *e)
{
	const struct ynode *x;
	size_t j;

	if ((x = yseq(it, pk[PK_SPECIAL_DAYS], 20, e)) == NULL)
		return e->code;
	for (j = 0; j < x->n; j++) {
		const struct ynode *d = x->items[j];
		int64_t v;

		if (!yn_is_scalar(d) || d->quoted || d->str == NULL ||
		    solr_parse_int(d->str, 1, 20, &v) != 0)
			return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: "
			    "special day %s is not a number from 1 to 20",
			    yn_is_scalar(d) && d->str ? d->str : "(not one)");
		*bits |= 1u << (v - 1);
	}
	return 0;
}

static int
schedule_from_yaml(const struct ynode *it, struct pp_schedule *s,
    struct solr_err *e)
{
	const char *t = yn_get_str(it, pk[PK_SWITCH_TIME]);
	int r;

	if ((r = yfield(it, pk[PK_INDEX], 1, PP_SCHEDULE_MAX, &s->index, e)) !=
	    0 || (r = script(it, pk[PK_SCRIPT], &s->start, e)) != 0 ||
	    (r = ydate(it, pk[PK_START], &s->begin, e)) != 0 ||
	    (r = ydate(it, pk[PK_END], &s->end, e)) != 0)
		return r;
	if (t == NULL || sscanf(t, "%2d:%2d:%2d.%2d", &s->hh, &s->mm, &s->ss,
	    &s->cs) != 4)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: switch_time is "
		    "not HH:MM:SS.cc");
	if ((r = weekday_list(it, &s->weekdays, e)) != 0)
		return r;
	return special_list(it, &s->special_days, e);
}

static int
elec_from_yaml(const struct ynode *cal, struct prepay *pp, struct solr_err *e)
{
	const struct ynode *l;
	size_t i;
	int r;

	if ((l = yseq(cal, pk[PK_SPECIAL_DAYS], PP_ELEC_SPECIAL_MAX, e)) ==
	    NULL)
		return e->code;
	for (i = 0; i < l->n; i++) {
		struct pp_special_day *s = &pp->special[i];

		if ((r = yfield(l->items[i], pk[PK_INDEX], 1, 20, &s->index,
		    e)) != 0 || (r = ydate(l->items[i], pk[PK_DATE], &s->date,
		    e)) != 0)
			return r;
	}
	pp->nspecial = (int)l->n;
	if ((l = yseq(cal, pk[PK_SCHEDULE], PP_SCHEDULE_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++)
		if ((r = schedule_from_yaml(l->items[i], &pp->schedule[i], e))
		    != 0)
			return r;
	pp->nschedule = (int)l->n;
	return 0;
}

static int
day_profile_from_yaml(const struct ynode *it, struct pp_day_profile *d,
    struct solr_err *e)
{
	const struct ynode *a;
	size_t j;
	int r, hh, mm;

	if ((r = yfield(it, pk[PK_DAY], 1, 5, &d->id, e)) != 0)
		return r;
	if ((a = yseq(it, pk[PK_ACTIONS], PP_ACTIONS_MAX, e)) == NULL)
		return e->code;
	for (j = 0; j < a->n; j++) {
		const char *t = yn_get_str(a->items[j], pk[PK_START]);

		if (t == NULL || sscanf(t, "%2d:%2d", &hh, &mm) != 2 ||
		    hh > 23 || mm > 59)
			return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: action "
			    "start is not HH:MM");
		d->action[j].minutes = hh * 60 + mm;
		if ((r = script(a->items[j], pk[PK_ACTION], &d->action[j].start,
		    e)) != 0)
			return r;
	}
	d->nactions = (int)a->n;
	return 0;
}

static int
week_from_yaml(const struct ynode *it, struct pp_week *w, struct solr_err *e)
{
	const struct ynode *days;
	int r, j;

	if ((r = yfield(it, pk[PK_WEEK], 1, 2, &w->id, e)) != 0)
		return r;
	if ((days = yseq(it, pk[PK_DAYS], 7, e)) == NULL || days->n != 7)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: a week profile "
		    "needs 7 days");
	for (j = 0; j < 7; j++) {
		const struct ynode *d = days->items[j];
		int64_t v;

		if (!yn_is_scalar(d) || d->quoted || d->str == NULL ||
		    solr_parse_int(d->str, 1, 5, &v) != 0)
			return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: a week "
			    "profile's day %d is not a day profile from 1 to "
			    "5", j + 1);
		w->day[j] = (int)v;
	}
	return 0;
}

static int
gas_from_yaml(const struct ynode *cal, struct prepay *pp, struct solr_err *e)
{
	const struct ynode *l;
	size_t i;
	int r;

	if ((l = yseq(cal, pk[PK_DAY_PROFILES], PP_DAY_PROFILES_MAX, e)) ==
	    NULL)
		return e->code;
	for (i = 0; i < l->n; i++)
		if ((r = day_profile_from_yaml(l->items[i], &pp->day_profile[i],
		    e)) != 0)
			return r;
	pp->nday_profiles = (int)l->n;
	if ((l = yseq(cal, pk[PK_WEEK_PROFILES], PP_WEEKS_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++)
		if ((r = week_from_yaml(l->items[i], &pp->week[i], e)) != 0)
			return r;
	pp->nweeks = (int)l->n;
	if ((l = yseq(cal, pk[PK_SEASONS], PP_SEASONS_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++)
		if ((r = ydate(l->items[i], pk[PK_START], &pp->season[i].start,
		    e)) != 0 || (r = yfield(l->items[i], pk[PK_WEEK], 1, 2,
		    &pp->season[i].week, e)) != 0)
			return r;
	pp->nseasons = (int)l->n;
	if ((l = yseq(cal, pk[PK_SPECIAL_DAYS], PP_GAS_SPECIAL_MAX, e)) == NULL)
		return e->code;
	for (i = 0; i < l->n; i++)
		if ((r = ydate(l->items[i], pk[PK_DATE],
		    &pp->gas_special[i].date, e)) != 0 || (r = yfield(
		    l->items[i], pk[PK_DAY], 1, 5,
		    &pp->gas_special[i].day, e)) != 0)
			return r;
	pp->ngas_special = (int)l->n;
	return 0;
}

static int
activation_from_yaml(const struct ynode *act, struct prepay *pp,
    struct solr_err *e)
{
	const char *kind = yn_get_str(act, pk[PK_KIND]), *t = yn_get_str(act,
	    pk[PK_TIME]);

	if (kind && strcmp(kind, "immediate") == 0)
		pp->activation = ACT_IMMEDIATE;
	else if (kind && strcmp(kind, "cancel") == 0)
		pp->activation = ACT_CANCEL;
	else if (kind && strcmp(kind, "at") == 0 && t &&
	    solr_time_parse(t, &pp->activation_time) == 0)
		pp->activation = ACT_AT;
	else
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: activation is "
		    "not immediate, cancel or at a time");
	return 0;
}

int
prepay_from_yaml(const struct ynode *m, struct prepay *pp, struct solr_err *e)
{
	const struct pp_field *f;
	const struct ynode *cal;
	const char *fuel, *src;
	int r, i;

	memset(pp, 0, sizeof(*pp));
	if (m == NULL || m->kind != YN_MAP)
		return solr_seterr(e, SOLR_ERR_FORMAT, "the record has no "
		    "prepay: mapping (solr-gbcs-parse must run first)");
	fuel = yn_get_str(m, pk[PK_FUEL]);
	if (fuel == NULL || (strcmp(fuel, "electricity") && strcmp(fuel,
	    "gas")))
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: fuel is not "
		    "electricity or gas");
	pp->fuel = strcmp(fuel, "gas") == 0 ? FUEL_GAS : FUEL_ELEC;
	src = yn_get_str(m, pk[PK_SOURCE]);
	pp->source = src && strcmp(src, "gbcs") == 0 ? "gbcs" : "xml";
	for (i = 0; i < pp_nfields; i++) {
		f = &pp_fields[i];
		if ((f->optional || !pp_field_carried(f, pp->fuel)) &&
		    yn_get(m, f->name) == NULL)
			continue;	/* only some sources carry it */
		if ((r = yint(m, f->name, INT64_MIN, INT64_MAX, pp_field_ptr(pp,
		    f), e)) != 0)
			return r;
		pp_set_present(pp, f);
	}
	if ((r = activation_from_yaml(yn_get(m, pk[PK_ACTIVATION]), pp, e)) !=
	    0)
		return r;
	cal = yn_get(m, pk[PK_NON_DISABLEMENT_CALENDAR]);
	if (cal == NULL || cal->kind != YN_MAP)
		return solr_seterr(e, SOLR_ERR_FORMAT, "prepay: "
		    "NonDisablementCalendar is missing");
	return pp->fuel == FUEL_ELEC ? elec_from_yaml(cal, pp, e) :
	    gas_from_yaml(cal, pp, e);
}
