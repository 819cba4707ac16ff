#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "prepay/safe.h"
#include "base/util.h"
#include "duis/xmlsig.h"
#include "unit.h"
#include "base/yread.h"

/* The profile scripts/mk-world writes, with a maximum for gas's
 * EmergencyCreditLimit. */
static const char *
policy(void)
{
	static char text[2048];

	if (text[0] == '\0')
		unit_safe_policy(text, sizeof(text), "gas:",
		    "EmergencyCreditLimit", "{min: 1000000, max: 5000000}");
	return text;
}

static struct safe_policy sp;
static int64_t t0;	/* 2026-03-02T10:15:00Z, a Monday */

static void
setup(void)
{
	struct ynode *t;
	struct solr_err e;

	ck_assert_int_eq(yn_parse(policy(), strlen(policy()), "p", 1,
	    &t, &e), 0);
	ck_assert_msg(safe_policy_load(t, "p", &sp, &e) == 0, "%s", e.msg);
	yn_free(t);
	solr_time_parse("2026-03-02T10:15:00Z", &t0);
}

static const struct pp_date any = { PP_ANY, PP_ANY, PP_ANY, PP_ANY };

/* A safe request: START at 00:00 every day, never stopping. */

static void
safe_gas(struct prepay *pp)
{
	unit_safe_elec(pp);
	pp->fuel = FUEL_GAS;
	pp->nschedule = 0;
	pp->nday_profiles = 1;
	pp->day_profile[0] = (struct pp_day_profile){ 1, 1, { { 0, 1 } } };
	pp->nweeks = 1;
	pp->week[0] = (struct pp_week){ 1, { 1, 1, 1, 1, 1, 1, 1 } };
	pp->nseasons = 1;
	pp->season[0] = (struct pp_season){ any, 1 };
}

/* value rules, both fuels: field, value, phrase of the reason ("" = safe) */
static const struct {
	int fuel;
	const char *field;
	int64_t v;
	const char *why;
} rules[] = {
	{ FUEL_ELEC, "EmergencyCreditLimit", 999999,
	    "EmergencyCreditLimit is 999999; the "
	    "profile requires min 1000000" },
	{ FUEL_ELEC, "EmergencyCreditLimit", 1000000, "" },
	{ FUEL_ELEC, "EmergencyCreditThreshold", 499999,
	    "EmergencyCreditThreshold is 499999; the "
	    "profile requires min 500000" },
	{ FUEL_ELEC, "LowCreditThreshold", -1,
	    "LowCreditThreshold is -1; the profile "
	    "requires min 0" },
	{ FUEL_ELEC, "MaxCreditThreshold", 1000000,
	    "MaxCreditThreshold is 1000000; the "
	    "profile requires eq 9000000" },
	{ FUEL_ELEC, "MaxMeterBalance", 9000000,
	    "MaxMeterBalance is 9000000; the profile "
	    "requires it above MaxCreditThreshold (9000000)" },
	{ FUEL_ELEC, "MaxMeterBalance", 9000001, "" },
	{ FUEL_ELEC, "DebtRecoveryRateCap", 30,
	    "DebtRecoveryRateCap is 30; the profile "
	    "requires eq 0" },
	{ FUEL_GAS, "EmergencyCreditLimit", 5000001,
	    "EmergencyCreditLimit is 5000001; the "
	    "profile requires max 5000000" },
	{ FUEL_GAS, "EmergencyCreditLimit", 5000000, "" },
	{ FUEL_GAS, "EmergencyCreditThreshold", 100000,
	    "EmergencyCreditThreshold is 100000" },
	{ FUEL_GAS, "LowCreditThreshold", -5, "LowCreditThreshold is -5" },
	{ FUEL_GAS, "MaxCreditThreshold", 25000000,
	    "MaxCreditThreshold is 25000000; the "
	    "profile requires eq 9000000" },
	{ FUEL_GAS, "MaxMeterBalance", 100,
	    "MaxMeterBalance is 100; the profile requires "
	    "it above MaxCreditThreshold" },
	{ FUEL_GAS, "DebtRecoveryRateCap", 100000,
	    "DebtRecoveryRateCap is 100000" },
};

START_TEST(value_rules)
{
	struct prepay pp;
	struct solr_err e;
	int64_t *f = NULL;
	int r;

	if (rules[_i].fuel == FUEL_GAS)
		safe_gas(&pp);
	else
		unit_safe_elec(&pp);
	f = unit_pp(&pp, rules[_i].field);
	*f = rules[_i].v;
	r = safe_check(&sp, &pp, t0, &e);
	if (rules[_i].why[0] == '\0')
		ck_assert_msg(r == 0, "%s", e.msg);
	else {
		ck_assert_int_eq(r, SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, rules[_i].why) != NULL, "'%s' lacks "
		    "'%s'", e.msg, rules[_i].why);
	}
}
END_TEST

START_TEST(safe_requests_pass)
{
	struct prepay pp;
	struct solr_err e;

	unit_safe_elec(&pp);
	ck_assert_msg(safe_check(&sp, &pp, t0, &e) == 0, "%s", e.msg);
	safe_gas(&pp);
	ck_assert_msg(safe_check(&sp, &pp, t0, &e) == 0, "%s", e.msg);
	/* values no reader filled in: no fuel, no profile to hold them to */
	memset(&pp, 0, sizeof(pp));
	ck_assert_int_eq(safe_check(&sp, &pp, t0, &e), SOLR_ERR_VERIFY);
	ck_assert_str_eq(e.msg, "the request's fuel is unknown");
}
END_TEST

/* Calendars that stop, and where: the first instant named. */
static void
cal_case(int n, struct prepay *pp)
{
	const struct pp_date every = { PP_ANY, 12, 31, PP_ANY };

	switch (n) {
	case 0:	/* electricity: STOP on one weekday (Wednesdays 18:30) */
		unit_safe_elec(pp);
		pp->nschedule = 2;
		pp->schedule[1] = (struct pp_schedule){ 2, 0, 18, 30, 0, 0,
		    1u << 2, 0, { 2026, 3, 2, PP_ANY }, every };
		break;
	case 1:	/* electricity: STOP on a special day (every 25 December) */
		unit_safe_elec(pp);
		pp->nspecial = 1;
		pp->special[0] = (struct pp_special_day){ 1, { PP_ANY, 12, 25,
		    PP_ANY } };
		pp->nschedule = 2;
		pp->schedule[1] = (struct pp_schedule){ 2, 0, 7, 0, 0, 0, 0, 1,
		    { 2026, 3, 2, PP_ANY }, every };
		break;
	case 2:	/* electricity: STOP only 366 days out */
		unit_safe_elec(pp);
		pp->nschedule = 2;
		pp->schedule[1] = (struct pp_schedule){ 2, 0, 0, 0, 0, 0, 0x7f,
		    0, { 2027, 3, 3, PP_ANY }, { 2027, 3, 3, PP_ANY } };
		break;
	case 3:	/* electricity: nothing STARTs it */
		unit_safe_elec(pp);
		pp->schedule[0].start = 0;
		break;
	case 4:	/* gas: a second season whose week stops */
		safe_gas(pp);
		pp->nday_profiles = 2;
		pp->day_profile[1] = (struct pp_day_profile){ 2, 2, { { 0, 1 },
		    { 8 * 60, 0 } } };
		pp->nweeks = 2;
		pp->week[1] = (struct pp_week){ 2, { 1, 1, 1, 1, 1, 2, 2 } };
		pp->nseasons = 2;
		pp->season[0] = (struct pp_season){ { PP_ANY, 3, 1, PP_ANY },
		    1 };
		pp->season[1] = (struct pp_season){ { PP_ANY, 10, 1, PP_ANY },
		    2 };
		break;
	case 5:	/* gas: one weekday (Sundays) stops at 23:00 */
		safe_gas(pp);
		pp->nday_profiles = 2;
		pp->day_profile[1] = (struct pp_day_profile){ 2, 2, { { 0, 1 },
		    { 23 * 60, 0 } } };
		pp->week[0] = (struct pp_week){ 1, { 1, 1, 1, 1, 1, 1, 2 } };
		break;
	case 6:	/* gas: a special day 366 days out: 29 February 2028 */
		safe_gas(pp);
		pp->nday_profiles = 2;
		pp->day_profile[1] = (struct pp_day_profile){ 2, 1, { { 60, 0 } }
		    };
		pp->ngas_special = 1;
		pp->gas_special[0] = (struct pp_gas_special){ { 2028, 2, 29,
		    PP_ANY }, 2 };
		break;
	case 7:	/* electricity: a leap day (the last day of February 2028) */
		unit_safe_elec(pp);
		pp->nspecial = 1;
		pp->special[0] = (struct pp_special_day){ 1, { 2028, 2,
		    PP_LAST_DAY, PP_ANY } };
		pp->nschedule = 2;
		pp->schedule[1] = (struct pp_schedule){ 2, 0, 12, 0, 0, 0, 0, 1,
		    { 2026, 3, 2, PP_ANY }, { PP_ANY, 12, 31, PP_ANY } };
		break;
	case 8:	/* gas: no season has begun yet */
		safe_gas(pp);
		pp->season[0] = (struct pp_season){ { 2026, 6, 1, PP_ANY }, 1 };
		break;
	case 9:	/* safe: START and STOP never, gas special day that STARTs */
		safe_gas(pp);
		pp->nday_profiles = 2;
		pp->day_profile[1] = (struct pp_day_profile){ 2, 1, { { 0, 1 } }
		    };
		pp->ngas_special = 1;
		pp->gas_special[0] = (struct pp_gas_special){ { PP_ANY, 12, 25,
		    PP_ANY }, 2 };
		break;
	}
}

static const char *const cal_why[] = {
	"would end at 2026-03-04T18:30:00Z (schedule entry 2: STOP on a "
	    "Wednesday)",
	"would end at 2026-12-25T07:00:00Z (schedule entry 2: STOP on special "
	    "day 1)",
	"would end at 2027-03-03T00:00:00Z",
	"not active at activation (2026-03-02T10:15:00Z)",
	"would end at 2026-10-03T08:00:00Z (day profile 2: STOP, on a Saturday "
	    "in season 2",
	"would end at 2026-03-08T23:00:00Z (day profile 2: STOP, on a Sunday",
	"would end at 2028-02-29T01:00:00Z (day profile 2: STOP, on special "
	    "day",
	"would end at 2028-02-29T12:00:00Z",
	"no season has begun on 2026-03-02",
	NULL,
};

START_TEST(calendars)
{
	struct prepay pp;
	struct solr_err e;
	int r;
	int64_t from = t0;

	cal_case(_i, &pp);
	if (_i == 6 || _i == 7)	/* within 400 days of 29 February 2028 */
		solr_time_parse("2027-03-02T10:15:00Z", &from);
	r = safe_check(&sp, &pp, from, &e);
	if (cal_why[_i] == NULL) {
		ck_assert_msg(r == 0, "%s", e.msg);
		return;
	}
	ck_assert_int_eq(r, SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, cal_why[_i]) != NULL, "case %d: '%s' "
	    "lacks '%s'", _i, e.msg, cal_why[_i]);
	ck_assert(strncmp(e.msg, "NonDisablementCalendar: ", 24) == 0);
}
END_TEST

START_TEST(horizon)
{
	struct prepay pp;
	struct solr_err e;

	/* a STOP 401 days out is beyond the 400-day horizon */
	unit_safe_elec(&pp);
	pp.nschedule = 2;
	pp.schedule[1] = (struct pp_schedule){ 2, 0, 0, 0, 0, 0, 0x7f, 0,
	    { 2027, 4, 7, PP_ANY }, { 2027, 4, 7, PP_ANY } };
	ck_assert_int_eq(safe_check(&sp, &pp, t0, &e), 0);
	sp.horizon_days = 410;
	ck_assert_int_eq(safe_check(&sp, &pp, t0, &e), SOLR_ERR_VERIFY);
	sp.horizon_days = 400;
}
END_TEST

START_TEST(activation)
{
	struct prepay pp;
	struct solr_err e;

	unit_safe_elec(&pp);
	pp.activation = ACT_CANCEL;
	ck_assert_int_eq(safe_check(&sp, &pp, t0, &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "a cancellation is never safe"));
	pp.activation = ACT_AT;
	pp.activation_time = t0 + 86400;
	ck_assert_int_eq(safe_check(&sp, &pp, t0, &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "allows only immediate"));
	sp.allow_future_activation = 1;
	ck_assert_int_eq(safe_check(&sp, &pp, t0, &e), 0);
	sp.allow_future_activation = 0;
}
END_TEST

static const char *const bad_policies[][2] = {
	{ "safe_prepay:\n  electricity: {EmergencyCreditLimit: {min: 1}}\n",
	    "has no rule for this field" },
	{ "safe_prepay:\n  steam: {}\n", "the fuels are electricity and gas" },
	{ "safe_prepay:\n  electricity: {EmergencyCreditLimit: {above: 1}}\n",
	    "unknown rule" },
	{ "safe_prepay:\n  electricity: {Colour: {eq: 1}}\n",
	    "not a field of SR 2.1" },
	{ "safe_prepay:\n  electricity: {NonDisablementCalendar: sometimes}\n",
	    "the only rule is never_ends" },
	{ "allow_future_activation: true\n", "no safe prepayment profile" },
	{ "safe_prepay:\n  electricity: {EmergencyCreditLimit: 5}\n",
	    "a rule is a mapping of eq, min, max or gt_field" },
	{ "safe_prepay:\n  electricity: {EmergencyCreditLimit: {}}\n",
	    "a rule is a mapping of eq, min, max or gt_field" },
	/* a number past int64 is refused, not taken as its largest value */
	{ "safe_prepay:\n  electricity: {DebtRecoveryRateCap: "
	    "{max: 9223372036854775808}}\n", "take a whole number" },
};

/* The settings beside a complete profile: the value, and the error
 * (NULL when it is accepted), at and around each bound. */
static const char *const settings[][2] = {
	{ "allow_future_activation: maybe\n", "allow_future_activation: must "
	    "be true or false" },
	{ "allow_future_activation: 1\n", "must be true or false" },
	{ "allow_future_activation: [true]\n", "must be true or false" },
	{ "allow_future_activation: true\n", NULL },
	{ "allow_future_activation: false\n", NULL },
	{ "calendar_horizon_days: 0\n", "calendar_horizon_days: must be a "
	    "number of days from 1 to 3660" },
	{ "calendar_horizon_days: 1\n", NULL },
	{ "calendar_horizon_days: 3660\n", NULL },
	{ "calendar_horizon_days: 3661\n", "from 1 to 3660" },
	{ "calendar_horizon_days: -5\n", "from 1 to 3660" },
	{ "calendar_horizon_days: ten\n", "from 1 to 3660" },
	{ "calendar_horizon_days: '30'\n", "from 1 to 3660" },
};

START_TEST(policy_settings)
{
	struct ynode *t;
	struct safe_policy p;
	struct solr_err e;
	char y[2048];
	int r;

	snprintf(y, sizeof(y), "%s%s", policy(), settings[_i][0]);
	ck_assert_int_eq(yn_parse(y, strlen(y), "p.yaml", 1, &t, &e), 0);
	r = safe_policy_load(t, "p.yaml", &p, &e);
	if (settings[_i][1] == NULL) {
		ck_assert_msg(r == 0, "%s: %s", settings[_i][0], e.msg);
		if (strstr(settings[_i][0], "true"))
			ck_assert_int_eq(p.allow_future_activation, 1);
		if (strstr(settings[_i][0], "3660"))
			ck_assert_int_eq(p.horizon_days, 3660);
	} else {
		ck_assert_int_eq(r, SOLR_ERR_CONFIG);
		ck_assert_msg(strstr(e.msg, settings[_i][1]) != NULL, "%s: "
		    "'%s'", settings[_i][0], e.msg);
		ck_assert_int_gt(e.line, 0);
	}
	yn_free(t);
}
END_TEST

/* Every field of the table, and the period, may have a rule: the bound
 * on rules is the table's size. */
START_TEST(every_field_ruled)
{
	struct ynode *t;
	struct safe_policy p;
	struct solr_err e;
	char y[2048];
	int gas = 0, i;

	for (i = 0; i < pp_nfields; i++)
		gas += pp_field_carried(&pp_fields[i], FUEL_GAS);
	ck_assert_int_le(pp_nfields, SAFE_MAX_RULES);
	/* a rule for every field each fuel may carry, and no other */
	ck_assert_int_eq(yn_parse(unit_safe_prepay, strlen(unit_safe_prepay),
	    "p.yaml", 1, &t, &e), 0);
	ck_assert_msg(safe_policy_load(t, "p.yaml", &p, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(p.fuel[FUEL_ELEC].nrules, pp_nfields);
	ck_assert_int_eq(p.fuel[FUEL_GAS].nrules, gas);
	yn_free(t);
	/* an optional field's rule is no less required */
	unit_safe_policy(y, sizeof(y), "electricity:",
	    "DebtRecoveryRateCapPeriod", NULL);
	ck_assert_int_eq(yn_parse(y, strlen(y), "p.yaml", 1, &t, &e), 0);
	ck_assert_int_eq(safe_policy_load(t, "p.yaml", &p, &e),
	    SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, "safe_prepay.electricity."
	    "DebtRecoveryRateCapPeriod: the profile has no rule for this "
	    "field") != NULL, "%s", e.msg);
	yn_free(t);
	/* every value ruled, the calendar forgotten */
	unit_safe_policy(y, sizeof(y), "electricity:", "NonDisablementCalendar",
	    NULL);
	ck_assert_int_eq(yn_parse(y, strlen(y), "p.yaml", 1, &t, &e), 0);
	ck_assert_int_eq(safe_policy_load(t, "p.yaml", &p, &e),
	    SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, "the profile has no rule for the calendar "
	    "(never_ends)") != NULL, "%s", e.msg);
	yn_free(t);
	/* a rule for a field the fuel never carries is refused */
	unit_safe_policy(y, sizeof(y), "gas:", "DebtRecoveryRateCap",
	    "{eq: 0}\n    DebtRecoveryRateCapPeriod: {min: 0}");
	ck_assert_int_eq(yn_parse(y, strlen(y), "p.yaml", 1, &t, &e), 0);
	ck_assert_int_eq(safe_policy_load(t, "p.yaml", &p, &e),
	    SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, "safe_prepay.gas.DebtRecoveryRateCapPeriod"
	    ": no request of this fuel carries the field") != NULL, "%s",
	    e.msg);
	yn_free(t);
}
END_TEST

START_TEST(policy_errors)
{
	struct ynode *t;
	struct safe_policy p;
	struct solr_err e;
	const char *y = bad_policies[_i][0];

	ck_assert_int_eq(yn_parse(y, strlen(y), "p.yaml", 1, &t, &e), 0);
	ck_assert_int_eq(safe_policy_load(t, "p.yaml", &p, &e),
	    SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, bad_policies[_i][1]) != NULL, "'%s'",
	    e.msg);
	ck_assert_str_eq(e.file, "p.yaml");
	yn_free(t);
}
END_TEST

/* The RTDS-valued templates are not safe; the reason names the first
 * field that is not. */
START_TEST(templates_are_unsafe)
{
	static const char *const t[][2] = {
		{ "ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
		    "EmergencyCreditLimit is 300000; the profile requires min "
		    "1000000" },
		{ "GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML",
		    "EmergencyCreditLimit is 10000000; the profile requires "
		    "max 5000000" },
	};
	const char *v = vectors_dir();
	char path[4096];
	unsigned char *x;
	size_t n, i;
	xmlDocPtr doc;
	xmlNodePtr b;
	struct prepay pp;
	struct solr_err e;

	if (v == NULL)
		UNIT_SKIP("the DUIS vectors are absent");
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/duis/samples/templates/%s", v,
		    t[i][0]);
		x = slurp_one_form(path, &n);
		ck_assert_int_eq(solr_xml_parse(x, n, &doc, &e), 0);
		for (b = xmlDocGetRootElement(doc)->children; b; b = b->next)
			if (b->type == XML_ELEMENT_NODE &&
			    !strcmp((char *)b->name, "Body"))
				break;
		for (b = b->children; b->type != XML_ELEMENT_NODE; b = b->next)
			;
		ck_assert_int_eq(prepay_from_xml(b, &pp, &e), 0);
		ck_assert_int_eq(safe_check(&sp, &pp, t0, &e),
		    SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, t[i][1]) != NULL, "%s", e.msg);
		xmlFreeDoc(doc);
		free(x);
	}
}
END_TEST

/* The prepay: mapping of calendar cases, written out by hand from
 * cal_case: what prepay_to_yaml must write, and what prepay_from_yaml
 * must read back to the same text. */
static const struct {
	int cal_case;
	int period_and_time;	/* with a cap period and a set activation */
	const char *yaml;
} fixed[] = {
	{ 1, 1,
	    "---\n"
	    "fuel: electricity\n"
	    "source: gbcs\n"
	    "EmergencyCreditLimit: 1000000\n"
	    "EmergencyCreditThreshold: 500000\n"
	    "LowCreditThreshold: 200000\n"
	    "MaxMeterBalance: 10000000\n"
	    "MaxCreditThreshold: 9000000\n"
	    "DebtRecoveryRateCap: 0\n"
	    "DebtRecoveryRateCapPeriod: 604800\n"
	    "activation: {kind: at, time: '2026-03-02T10:15:00Z'}\n"
	    "NonDisablementCalendar:\n"
	    "  special_days:\n"
	    "  - {index: 1, date: '*-12-25'}\n"
	    "  schedule:\n"
	    "  - {index: 1, script: START, switch_time: '00:00:00.00', weekdays: "
	    "[Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday], "
	    "special_days: [], start: '2026-03-02', end: '*-12-31'}\n"
	    "  - {index: 2, script: STOP, switch_time: '07:00:00.00', weekdays: "
	    "[], special_days: [1], start: '2026-03-02', end: '*-12-31'}\n" },
	{ 4, 0,
	    "---\n"
	    "fuel: gas\n"
	    "source: gbcs\n"
	    "EmergencyCreditLimit: 1000000\n"
	    "EmergencyCreditThreshold: 500000\n"
	    "LowCreditThreshold: 200000\n"
	    "MaxMeterBalance: 10000000\n"
	    "MaxCreditThreshold: 9000000\n"
	    "DebtRecoveryRateCap: 0\n"
	    "activation: {kind: immediate}\n"
	    "NonDisablementCalendar:\n"
	    "  day_profiles:\n"
	    "  - {day: 1, actions: [{start: '00:00', action: START}]}\n"
	    "  - {day: 2, actions: [{start: '00:00', action: START}, {start: "
	    "'08:00', action: STOP}]}\n"
	    "  week_profiles:\n"
	    "  - {week: 1, days: [1, 1, 1, 1, 1, 1, 1]}\n"
	    "  - {week: 2, days: [1, 1, 1, 1, 1, 2, 2]}\n"
	    "  seasons:\n"
	    "  - {start: '*-03-01', week: 1}\n"
	    "  - {start: '*-10-01', week: 2}\n"
	    "  special_days: []\n" },
	{ 7, 0,
	    "---\n"
	    "fuel: electricity\n"
	    "source: gbcs\n"
	    "EmergencyCreditLimit: 1000000\n"
	    "EmergencyCreditThreshold: 500000\n"
	    "LowCreditThreshold: 200000\n"
	    "MaxMeterBalance: 10000000\n"
	    "MaxCreditThreshold: 9000000\n"
	    "DebtRecoveryRateCap: 0\n"
	    "activation: {kind: immediate}\n"
	    "NonDisablementCalendar:\n"
	    "  special_days:\n"
	    "  - {index: 1, date: 2028-02-last}\n"
	    "  schedule:\n"
	    "  - {index: 1, script: START, switch_time: '00:00:00.00', weekdays: "
	    "[Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday], "
	    "special_days: [], start: '2026-03-02', end: '*-12-31'}\n"
	    "  - {index: 2, script: STOP, switch_time: '12:00:00.00', weekdays: "
	    "[], special_days: [1], start: '2026-03-02', end: '*-12-31'}\n" },
};

START_TEST(yaml_fixed)
{
	struct prepay a, b;
	struct ynode *y, *t;
	struct solr_err e;
	const char *want = fixed[_i].yaml;
	char *s;
	int i;

	cal_case(fixed[_i].cal_case, &a);
	a.source = "gbcs";
	if (fixed[_i].period_and_time) {
		*unit_pp(&a, "DebtRecoveryRateCapPeriod") = 604800;
		a.activation = ACT_AT;
		a.activation_time = t0;
	}
	y = prepay_to_yaml(&a);
	s = yaml_str(y);
	ck_assert_str_eq(s, want);
	free(s);
	yn_free(y);
	/* and the text reads back to the same values */
	ck_assert_int_eq(yn_parse(want, strlen(want), "fixed", 1, &t, &e), 0);
	ck_assert_msg(prepay_from_yaml(t, &b, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(b.fuel, a.fuel);
	ck_assert_uint_eq(b.present, a.present);
	for (i = 0; i < pp_nfields; i++)
		ck_assert_int_eq(b.value[i], a.value[i]);
	ck_assert_int_eq(b.activation, a.activation);
	ck_assert_int_eq(b.nschedule, a.nschedule);
	ck_assert_int_eq(b.nspecial, a.nspecial);
	ck_assert_int_eq(b.nseasons, a.nseasons);
	ck_assert_int_eq(b.nweeks, a.nweeks);
	ck_assert_int_eq(b.nday_profiles, a.nday_profiles);
	ck_assert(memcmp(b.schedule, a.schedule, a.nschedule *
	    sizeof(a.schedule[0])) == 0);
	ck_assert(memcmp(b.special, a.special, a.nspecial *
	    sizeof(a.special[0])) == 0);
	ck_assert(memcmp(b.season, a.season, a.nseasons *
	    sizeof(a.season[0])) == 0);
	ck_assert(memcmp(b.week, a.week, a.nweeks * sizeof(a.week[0])) == 0);
	for (i = 0; i < a.nday_profiles; i++) {
		ck_assert_int_eq(b.day_profile[i].id, a.day_profile[i].id);
		ck_assert_int_eq(b.day_profile[i].nactions,
		    a.day_profile[i].nactions);
		ck_assert(memcmp(b.day_profile[i].action,
		    a.day_profile[i].action, a.day_profile[i].nactions *
		    sizeof(a.day_profile[i].action[0])) == 0);
	}
	yn_free(t);
}
END_TEST

/* The record's prepay: mapping reads back to the same values. */
START_TEST(yaml_round_trip)
{
	struct prepay a, b;
	struct ynode *y, *y2;
	struct solr_err e;
	char *s1, *s2;
	int i;

	for (i = 0; i < 10; i++) {
		cal_case(i, &a);
		a.source = "gbcs";
		y = prepay_to_yaml(&a);
		ck_assert_msg(prepay_from_yaml(y, &b, &e) == 0, "%s", e.msg);
		y2 = prepay_to_yaml(&b);
		s1 = yaml_str(y);
		s2 = yaml_str(y2);
		ck_assert_str_eq(s1, s2);
		free(s1);
		free(s2);
		yn_free(y);
		yn_free(y2);
	}
}
END_TEST

Suite *
safe_suite(void)
{
	Suite *s = suite_create("safe");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_loop_test(tc, value_rules, 0, sizeof(rules) /
	    sizeof(rules[0]));
	tcase_add_test(tc, safe_requests_pass);
	tcase_add_loop_test(tc, calendars, 0, 10);
	tcase_add_test(tc, horizon);
	tcase_add_test(tc, activation);
	tcase_add_loop_test(tc, policy_errors, 0, sizeof(bad_policies) /
	    sizeof(bad_policies[0]));
	tcase_add_loop_test(tc, policy_settings, 0, sizeof(settings) /
	    sizeof(settings[0]));
	tcase_add_test(tc, every_field_ruled);
	tcase_add_test(tc, templates_are_unsafe);
	tcase_add_test(tc, yaml_round_trip);
	tcase_add_loop_test(tc, yaml_fixed, 0, sizeof(fixed) /
	    sizeof(fixed[0]));
	suite_add_tcase(s, tc);
	return s;
}
