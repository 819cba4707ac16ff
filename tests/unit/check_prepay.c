/* SR 2.1 in one form: the field table, the DUIS body read strictly in
 * schema order with the XSD's ranges per fuel, and the prepay: mapping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "prepay/prepay.h"
#include "prepay/srv.h"
#include "duis/xmlsig.h"
#include "unit.h"
#include "base/yread.h"

START_TEST(field_table)
{
	int seen[PP_MAX_FIELDS + 2] = { 0 }, i, j, optional = 0, last = 0;
	struct prepay pp;
	int64_t v;

	ck_assert_int_le(pp_nfields, PP_MAX_FIELDS);
	ck_assert_int_le(PP_MAX_FIELDS, (int)sizeof(pp.present) * 8);
	for (i = 0; i < pp_nfields; i++) {
		const struct pp_field *f = &pp_fields[i];

		ck_assert_ptr_eq(pp_field_named(f->name), f);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(pp_fields[j].name, f->name);
		/* a field some form carries */
		ck_assert(pp_field_carried(f, FUEL_ELEC) ||
		    pp_field_carried(f, FUEL_GAS));
		/* ECS08a: a value item, once, whose name it carries (or
		 * -1: a value electricity's GBCS form does not carry) */
		if (f->dlms.item >= 0) {
			ck_assert_int_lt(f->dlms.item, 18);
			ck_assert_ptr_eq(pp_field_dlms(f->dlms.item), f);
			ck_assert_ptr_nonnull(f->dlms.name);
			ck_assert_uint_eq(f->dlms.class_id, 9000);
		}
		/* GCS05: a slot of a prepayment command, once */
		if (f->zcl.command >= 0) {
			ck_assert_int_lt(f->zcl.command, 4);
			ck_assert_ptr_eq(pp_field_zcl(f->zcl.command,
			    f->zcl.slot), f);
			ck_assert_ptr_nonnull(f->zcl.name);
			/* slots are filled from 0, none skipped */
			ck_assert(f->zcl.slot == 0 || pp_field_zcl(
			    f->zcl.command, f->zcl.slot - 1) != NULL);
		}
		if (f->xml_pos > 0) {
			ck_assert_int_le(f->xml_pos, PP_MAX_FIELDS + 1);
			ck_assert_int_ne(f->xml_pos, pp_xml_calendar);
			seen[f->xml_pos]++;
			last = f->xml_pos > last ? f->xml_pos : last;
			ck_assert_int_le(f->elec_min, f->elec_max);
			ck_assert_int_le(f->gas_min, f->gas_max);
		}
		optional += f->optional;
	}
	/* the DUIS body's places are filled from 1, the calendar's among
	 * them, each once; of SR 2.1's values, at least the six the body
	 * must carry are required */
	seen[pp_xml_calendar]++;
	ck_assert_int_ge(last, pp_xml_calendar);
	for (i = 1; i <= last; i++)
		ck_assert_int_eq(seen[i], 1);
	ck_assert_int_le(optional, pp_nfields - 6);
	/* the calendar's items and the activations are no field's */
	ck_assert_ptr_null(pp_field_dlms(0));
	ck_assert_ptr_null(pp_field_dlms(3));
	for (i = 8; i < 18; i++)
		ck_assert(i == 9 || pp_field_dlms(i) == NULL);
	ck_assert_ptr_null(pp_field_dlms(-1));
	ck_assert_ptr_null(pp_field_zcl(-1, 0));
	for (i = 0; i < 4; i++)	/* every prepayment command sets a value */
		ck_assert_ptr_nonnull(pp_field_zcl(i, 0));
	memset(&pp, 0, sizeof(pp));
	pp_set(&pp, pp_field_named("DebtRecoveryRateCapPeriod"), 86400);
	ck_assert_int_eq(pp_value(&pp, pp_field_named(
	    "DebtRecoveryRateCapPeriod"), &v), 0);
	ck_assert_int_eq(v, 86400);
	ck_assert_int_eq(pp_value(&pp, pp_field_named("MaxCreditThreshold"),
	    &v), -1);
	memset(&pp, 0, sizeof(pp));
	ck_assert_ptr_null(pp_field_named("NonDisablementCalendar"));
	ck_assert_ptr_null(pp_field_named("emergencycreditlimit"));
	memset(&pp, 0, sizeof(pp));
	*unit_pp(&pp, "MaxCreditThreshold") = 9000000;
	ck_assert_int_eq(pp_value(&pp, pp_field_named("MaxCreditThreshold"),
	    &v), 0);
	ck_assert_int_eq(v, 9000000);
	ck_assert_int_eq(pp_value(&pp, pp_field_named(
	    "DebtRecoveryRateCapPeriod"), &v), -1);
	unit_pp(&pp, "DebtRecoveryRateCapPeriod");
	ck_assert_int_eq(pp_value(&pp, pp_field_named(
	    "DebtRecoveryRateCapPeriod"), &v), 0);
}
END_TEST

/* The SRV table: one row an SRV, each found by its exact name only, each
 * with a rule for its values or "not inspected" said outright (a role may
 * send only what is checked), its GBCS messages found by code. */
START_TEST(srv_table)
{
	struct srv_row no_rule = { .srv = "9.9", .element = "X" };
	struct srv_row both = { .srv = "9.9", .element = "X",
	    .not_inspected = 1, .rule = srv_update_prepay.rule };
	struct srv_row bare = { .srv = "9.9", .element = "X",
	    .not_inspected = 1 };
	struct srv_row no_reader = { .srv = "9.9", .element = "X",
	    .values_key = "x", .rule = srv_update_prepay.rule };
	char label[96];
	int i, j;

	ck_assert_ptr_nonnull(srv_rows[0]);
	for (i = 0; srv_rows[i] != NULL; i++) {
		const struct srv_row *r = srv_rows[i];

		ck_assert_ptr_eq(srv_row(r->srv), r);
		ck_assert_ptr_nonnull(r->element);
		ck_assert_ptr_null(srv_row_unfit(r));
		for (j = 0; j < i; j++) {
			ck_assert_str_ne(srv_rows[j]->srv, r->srv);
			ck_assert_str_ne(srv_rows[j]->element, r->element);
		}
	}
	ck_assert_ptr_eq(srv_row("2.1"), &srv_update_prepay);
	ck_assert_ptr_null(srv_row("2.10"));
	ck_assert_ptr_null(srv_row("2"));
	ck_assert_ptr_null(srv_row("2.1 "));
	ck_assert_ptr_null(srv_row(""));
	ck_assert_ptr_null(srv_row(NULL));
	ck_assert_ptr_eq(srv_row_by_gbcs(0x00DE), &srv_update_prepay);
	ck_assert_ptr_eq(srv_row_by_gbcs(0x006F), &srv_update_prepay);
	ck_assert_ptr_null(srv_row_by_gbcs(0x1000));
	ck_assert_str_eq(srv_gbcs_of(&srv_update_prepay, 0x006F)->device_type,
	    "GSME");
	ck_assert_ptr_nonnull(srv_gbcs_of(&srv_update_prepay, 0x001F)->refused);
	ck_assert_ptr_null(srv_gbcs_of(NULL, 0x00DE));
	ck_assert_str_eq(srv_label(&srv_update_prepay, label, sizeof(label)),
	    "SRV 2.1 (Update Prepay Configuration)");
	/* a row that is neither checked nor said not to be, and its
	 * kin, may not be listed */
	ck_assert_ptr_nonnull(strstr(srv_row_unfit(&no_rule), "neither has a "
	    "rule"));
	ck_assert_ptr_nonnull(strstr(srv_row_unfit(&both), "not inspected"));
	ck_assert_ptr_nonnull(strstr(srv_row_unfit(&no_reader), "no reader"));
	ck_assert_ptr_null(srv_row_unfit(&bare));
}
END_TEST

#define NS "http://www.dccinterface.co.uk/ServiceUserGateway"
#define ELEC_CAL "<sr:ElectricityNonDisablementCalendar><sr:ElectricitySpecial" \
    "Days/><sr:ElectricityNonDisablementSchedule><sr:NonDisablementScript>" \
    "START</sr:NonDisablementScript><sr:SpecialDaysApplicability/><sr:Days" \
    "OfWeekApplicability><sr:DayOfWeekApplicability><sr:DayOfWeekID>Monday" \
    "</sr:DayOfWeekID></sr:DayOfWeekApplicability></sr:DaysOfWeekApplicabil" \
    "ity><sr:ScheduleDatesAndTime><sr:SwitchTime>00:00:00.00Z</sr:SwitchTim" \
    "e><sr:StartDate>2026-03-02Z</sr:StartDate><sr:EndDate>65535-12-31Z</s" \
    "r:EndDate></sr:ScheduleDatesAndTime></sr:ElectricityNonDisablementSche" \
    "dule></sr:ElectricityNonDisablementCalendar>"
#define GAS_CAL "<sr:GasNonDisablementCalendar><sr:DayProfiles><sr:GasNonDisa" \
    "blementDayProfile><sr:TimeStartAction><sr:StartTime>00:00:00.00Z</sr:Star" \
    "tTime><sr:NonDisablementAction>START</sr:NonDisablementAction></sr:Tim" \
    "eStartAction><sr:GasDayName>1</sr:GasDayName></sr:GasNonDisablementDay" \
    "Profile></sr:DayProfiles><sr:WeekProfiles><sr:WeekProfile><sr:WeekName" \
    ">1</sr:WeekName><sr:ReferencedDayName index=\"1\">1</sr:ReferencedDayN" \
    "ame><sr:ReferencedDayName index=\"2\">1</sr:ReferencedDayName><sr:Refe" \
    "rencedDayName index=\"3\">1</sr:ReferencedDayName><sr:ReferencedDayNam" \
    "e index=\"4\">1</sr:ReferencedDayName><sr:ReferencedDayName index=\"5\"" \
    ">1</sr:ReferencedDayName><sr:ReferencedDayName index=\"6\">1</sr:Refer" \
    "encedDayName><sr:ReferencedDayName index=\"7\">1</sr:ReferencedDayName" \
    "></sr:WeekProfile></sr:WeekProfiles><sr:SeasonProfiles><sr:Season><sr:" \
    "SeasonStartDate><sr:GasYearWithWildcards><sr:NonSpecifiedYear/></sr:Ga" \
    "sYearWithWildcards><sr:GasMonthWithWildcards><sr:NonSpecifiedMonth/></" \
    "sr:GasMonthWithWildcards><sr:GasDayOfMonthWithWildcards><sr:GasNonSpec" \
    "ifiedDayOfMonth/></sr:GasDayOfMonthWithWildcards><sr:GasDayOfWeekWithW" \
    "ildcards><sr:NonSpecifiedDayOfWeek/></sr:GasDayOfWeekWithWildcards></s" \
    "r:SeasonStartDate><sr:ReferencedWeekName>1</sr:ReferencedWeekName></sr" \
    ":Season></sr:SeasonProfiles><sr:SpecialDays/></sr:GasNonDisablementCal" \
    "endar>"

/* fuel, DebtRecoveryRateCap, EmergencyCreditLimit, extra text before the
 * calendar (or NULL), the reason expected (NULL: read) */
static const struct {
	int gas;
	const char *drrc, *ecl, *extra, *why;
} bodies[] = {
	{ 0, "0", "1000000", "", NULL },
	{ 1, "0", "1000000", "", NULL },
	{ 0, "65535", "-2147483648", "", NULL },	/* the bounds */
	{ 0, "65536", "1", "", "sr:DebtRecoveryRateCap (line 1) '65536' is "
	    "not an integer from 0 to 65535" },
	{ 0, "-1", "1", "", "DebtRecoveryRateCap (line 1) '-1' is not an "
	    "integer from 0 to 65535" },
	{ 1, "-2147483648", "4294967295", "", NULL },	/* gas: signed cap */
	{ 1, "0", "-1", "", "EmergencyCreditLimit (line 1) '-1' is not an "
	    "integer from 0 to 4294967295" },
	{ 1, "0", "4294967296", "", "from 0 to 4294967295" },
	{ 0, "0", "2147483648", "", "from -2147483648 to 2147483647" },
	{ 0, "0", "1.5", "", "'1.5' is not an integer" },
	/* one form only: what another reader could read otherwise */
	{ 0, "0", " 7 ", "", "sr:EmergencyCreditLimit (line 1) has white "
	    "space around its value" },
	{ 0, "0", "+1000000", "", "'+1000000' is not an integer in its one "
	    "form" },
	{ 0, "0", "01000000", "", "'01000000' is not an integer in its one "
	    "form" },
	{ 0, "-0", "1000000", "", "'-0' is not an integer in its one form" },
	{ 0, "0", "1<![CDATA[000000]]>", "", "sr:EmergencyCreditLimit (line "
	    "1) must be written out as one text: no character or entity "
	    "reference and no CDATA section" },
	{ 0, "0", "&#49;000000", "", "must be written out as one text" },
	{ 0, "0", "1000&#x30;00", "", "must be written out as one text" },
	{ 0, "&amp;", "1000000", "", "sr:DebtRecoveryRateCap (line 1) must "
	    "be written out as one text" },
	{ 0, "0", "1<!-- -->000000", "", "must hold only text" },
	{ 0, "0", "1<?pi?>000000", "", "must hold only text" },
	{ 0, "0", "0", "", NULL },	/* zero is written 0 */
	{ 0, "0", "1", "<sr:Colour>1</sr:Colour>", "lacks sr:Electricity"
	    "NonDisablementCalendar where it has Colour" },
};

START_TEST(xml_values)
{
	const char *lct = "<sr:LowCreditThreshold>200000</sr:LowCreditThreshold>";
	char doc[8192];
	xmlDocPtr d;
	struct prepay pp;
	int64_t v;
	struct solr_err e;
	int r;

	snprintf(doc, sizeof(doc), "<sr:UpdatePrepayConfiguration xmlns:sr=\""
	    NS "\"><sr:UpdatePrepayConfig%s><sr:DebtRecoveryRateCap>%s</sr:"
	    "DebtRecoveryRateCap><sr:EmergencyCreditLimit>%s</sr:Emergency"
	    "CreditLimit><sr:EmergencyCreditThreshold>500000</sr:Emergency"
	    "CreditThreshold>%s%s%s<sr:MaxMeterBalance>10000000</sr:MaxMeter"
	    "Balance><sr:MaxCreditThreshold>9000000</sr:MaxCreditThreshold>"
	    "</sr:UpdatePrepayConfig%s></sr:UpdatePrepayConfiguration>",
	    bodies[_i].gas ? "Gas" : "Electricity", bodies[_i].drrc,
	    bodies[_i].ecl, lct, bodies[_i].extra, bodies[_i].gas ? GAS_CAL :
	    ELEC_CAL, bodies[_i].gas ? "Gas" : "Electricity");
	ck_assert_int_eq(solr_xml_parse((unsigned char *)doc, strlen(doc), &d,
	    &e), 0);
	r = prepay_from_xml(xmlDocGetRootElement(d), &pp, &e);
	if (bodies[_i].why == NULL) {
		ck_assert_msg(r == 0, "%s", e.msg);
		ck_assert_int_eq(pp.fuel, bodies[_i].gas ? FUEL_GAS : FUEL_ELEC);
		ck_assert_int_eq(*unit_pp(&pp, "DebtRecoveryRateCap"),
		    strtoll(bodies[_i].drrc, NULL, 10));
		ck_assert_int_eq(*unit_pp(&pp, "EmergencyCreditLimit"),
		    strtoll(bodies[_i].ecl, NULL, 10));
		ck_assert_int_eq(*unit_pp(&pp, "LowCreditThreshold"), 200000);
		ck_assert_int_eq(*unit_pp(&pp, "MaxCreditThreshold"), 9000000);
		ck_assert_int_eq(pp_value(&pp, pp_field_named(
		    "DebtRecoveryRateCapPeriod"), &v), -1);
		ck_assert_int_eq(pp.activation, ACT_IMMEDIATE);
	} else {
		ck_assert_int_eq(r, SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, bodies[_i].why) != NULL, "'%s'",
		    e.msg);
	}
	xmlFreeDoc(d);
}
END_TEST

/* base with the first place it holds was written now, into out */
static void
changed(char *out, size_t cap, const char *base, const char *was,
    const char *now)
{
	const char *at = strstr(base, was);

	ck_assert_msg(at != NULL, "%s", was);
	snprintf(out, cap, "%.*s%s%s", (int)(at - base), base, now,
	    at + strlen(was));
}

/* A reader's answer r: read (why NULL), or refused with code, for why. */
static void
answered(int r, int code, const char *why, const struct solr_err *e)
{
	if (why == NULL) {
		ck_assert_msg(r == 0, "%s", e->msg);
		return;
	}
	ck_assert_int_eq(r, code);
	ck_assert_msg(strstr(e->msg, why) != NULL, "'%s'", e->msg);
}

/* The times and dates of a request in their one form only: the element
 * of the electricity body named by each row's first text, written as its
 * second, refused for the reason of its third (NULL: read). */
#define ESD(y, m, d) "<sr:SpecialDay index=\"1\"><sr:Date><sr:Year>" y \
    "</sr:Year><sr:Month>" m "</sr:Month><sr:DayOfMonth>" d "</sr:DayOf" \
    "Month><sr:DayOfWeek><sr:NonSpecifiedDayOfWeek/></sr:DayOfWeek></sr:" \
    "Date></sr:SpecialDay>"
#define GANY "<sr:GasYearWithWildcards><sr:NonSpecifiedYear/></sr:GasYear" \
    "WithWildcards><sr:GasMonthWithWildcards><sr:NonSpecifiedMonth/></sr:" \
    "GasMonthWithWildcards><sr:GasDayOfMonthWithWildcards><sr:GasNonSpeci" \
    "fiedDayOfMonth/></sr:GasDayOfMonthWithWildcards><sr:GasDayOfWeekWith" \
    "Wildcards><sr:NonSpecifiedDayOfWeek/></sr:GasDayOfWeekWithWildcards>"
/* the largest calendars: one more of each than the reader takes */
#define X2(a) a a
#define X3(a) a a a
#define X5(a) a a a a a
#define X21(a) X5(a) X5(a) X5(a) X5(a) a
#define X22(a) X21(a) a
#define ESCHED "<sr:ElectricityNonDisablementSchedule><sr:NonDisablement" \
    "Script>START</sr:NonDisablementScript><sr:SpecialDaysApplicability/>" \
    "<sr:DaysOfWeekApplicability/><sr:ScheduleDatesAndTime><sr:SwitchTime>" \
    "00:00:00.00Z</sr:SwitchTime><sr:StartDate>2026-03-02Z</sr:StartDate>" \
    "<sr:EndDate>65535-12-31Z</sr:EndDate></sr:ScheduleDatesAndTime></sr:" \
    "ElectricityNonDisablementSchedule>"
#define GACT "<sr:TimeStartAction><sr:StartTime>00:00:00.00Z</sr:StartTime>" \
    "<sr:NonDisablementAction>START</sr:NonDisablementAction></sr:Time" \
    "StartAction>"
#define GDP "<sr:GasNonDisablementDayProfile>" GACT "<sr:GasDayName>1</sr:" \
    "GasDayName></sr:GasNonDisablementDayProfile>"
#define GWP "<sr:WeekProfile><sr:WeekName>1</sr:WeekName><sr:Referenced" \
    "DayName index=\"1\">1</sr:ReferencedDayName><sr:ReferencedDayName " \
    "index=\"2\">1</sr:ReferencedDayName><sr:ReferencedDayName index=\"3\">" \
    "1</sr:ReferencedDayName><sr:ReferencedDayName index=\"4\">1</sr:" \
    "ReferencedDayName><sr:ReferencedDayName index=\"5\">1</sr:Referenced" \
    "DayName><sr:ReferencedDayName index=\"6\">1</sr:ReferencedDayName>" \
    "<sr:ReferencedDayName index=\"7\">1</sr:ReferencedDayName></sr:Week" \
    "Profile>"
#define GSEASON "<sr:Season><sr:SeasonStartDate>" GANY "</sr:SeasonStart" \
    "Date><sr:ReferencedWeekName>1</sr:ReferencedWeekName></sr:Season>"
#define GSD "<sr:SpecialDay><sr:Date>" GANY "</sr:Date><sr:ReferencedDay" \
    "Name>1</sr:ReferencedDayName></sr:SpecialDay>"

/* a row leaves out what it does not change: gas 0, no second change */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct {
	const char *was, *now, *why;
	int gas;
	const char *was2, *now2;	/* a second change, or NULL */
} forms[] = {
	{ "00:00:00.00Z</sr:SwitchTime", "00:00:00.00Z</sr:SwitchTime", NULL },
	{ "00:00:00.00Z</sr:SwitchTime", "00:00:00Z</sr:SwitchTime",
	    "sr:SwitchTime (line 1) '00:00:00Z' is not a UTC time in its one "
	    "form HH:MM:SS.ffZ" },
	{ "00:00:00.00Z</sr:SwitchTime", "00:00:00.0Z</sr:SwitchTime",
	    "not a UTC time in its one form" },
	{ "00:00:00.00Z</sr:SwitchTime", "00:00:00.000Z</sr:SwitchTime",
	    "not a UTC time in its one form" },
	{ "00:00:00.00Z</sr:SwitchTime", "00:00:00.00</sr:SwitchTime",
	    "not a UTC time in its one form" },
	{ "00:00:00.00Z</sr:SwitchTime", "00:00:00.00+00:00</sr:SwitchTime",
	    "not a UTC time in its one form" },
	{ "00:00:00.00Z</sr:SwitchTime", "24:00:00.00Z</sr:SwitchTime",
	    "not a UTC time in its one form" },
	{ "00:00:00.00Z</sr:SwitchTime", "0:00:00.00Z</sr:SwitchTime",
	    "not a UTC time in its one form" },
	{ "2026-03-02Z</sr:StartDate", "2026-03-02</sr:StartDate",
	    "sr:StartDate (line 1) '2026-03-02' is not a date in its one form "
	    "YYYY-MM-DDZ" },
	{ "2026-03-02Z</sr:StartDate", "02026-03-02Z</sr:StartDate",
	    "not a date in its one form" },
	{ "2026-03-02Z</sr:StartDate", "2026-3-02Z</sr:StartDate",
	    "not a date in its one form" },
	{ "2026-03-02Z</sr:StartDate", "+2026-03-02Z</sr:StartDate",
	    "not a date in its one form" },
	{ "65535-12-31Z</sr:EndDate", "065535-12-31Z</sr:EndDate",
	    "not a date in its one form" },
	{ "65535-12-31Z</sr:EndDate", "65535-12-31Z</sr:EndDate", NULL },
	{ "START</sr:NonDisablementScript", " START</sr:NonDisablementScript",
	    "sr:NonDisablementScript (line 1) has white space around its "
	    "value" },
	{ "Monday</sr:DayOfWeekID", "Mon&#100;ay</sr:DayOfWeekID",
	    "sr:DayOfWeekID (line 1) must be written out as one text" },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:ExecutionDateTime>2026-"
	    "03-02T10:00:00.00Z</sr:ExecutionDateTime><sr:UpdatePrepayConfig"
	    "Electricity>", NULL },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:ExecutionDateTime>2026-"
	    "03-02T10:00:00Z</sr:ExecutionDateTime><sr:UpdatePrepayConfig"
	    "Electricity>", NULL },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:ExecutionDateTime>2026-"
	    "03-02T10:00:00.50Z</sr:ExecutionDateTime><sr:UpdatePrepayConfig"
	    "Electricity>", "sr:ExecutionDateTime (line 1) '2026-03-02T10:00:"
	    "00.50Z' is not a UTC date-time in its one form" },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:ExecutionDateTime>2026-"
	    "03-02T11:00:00+01:00</sr:ExecutionDateTime><sr:UpdatePrepay"
	    "ConfigElectricity>", "is not a UTC date-time in its one form" },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:ExecutionDateTime>2026-"
	    "03-02t10:00:00z</sr:ExecutionDateTime><sr:UpdatePrepayConfig"
	    "Electricity>", "is not a UTC date-time in its one form" },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:ExecutionDateTime>2026-"
	    "03-02T23:59:60Z</sr:ExecutionDateTime><sr:UpdatePrepayConfig"
	    "Electricity>", "is not a UTC date-time in its one form" },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:ExecutionDateTime>3000-"
	    "12-31T00:00:00Z</sr:ExecutionDateTime><sr:UpdatePrepayConfig"
	    "Electricity>", NULL },	/* a cancellation */

	/* every refusal of the reader, each for its reason */
	{ "</sr:UpdatePrepayConfigElectricity>", "<sr:Colour/></sr:Update"
	    "PrepayConfigElectricity>", "sr:UpdatePrepayConfigElectricity (line "
	    "1) has an unexpected element Colour" },
	{ "</sr:UpdatePrepayConfiguration>", "<sr:Colour/></sr:UpdatePrepay"
	    "Configuration>", "sr:UpdatePrepayConfiguration (line 1) has an "
	    "unexpected element Colour" },
	{ "<sr:MaxMeterBalance>10000000</sr:MaxMeterBalance>", "",
	    "lacks sr:MaxMeterBalance where it has MaxCreditThreshold" },
	{ "<sr:UpdatePrepayConfigElectricity>", "<sr:UpdatePrepayConfigSteam>",
	    "sr:UpdatePrepayConfiguration (line 1) lacks sr:UpdatePrepay"
	    "ConfigGas where it has UpdatePrepayConfigSteam", 0,
	    "</sr:UpdatePrepayConfigElectricity>",
	    "</sr:UpdatePrepayConfigSteam>" },
	{ "<sr:ElectricityNonDisablementCalendar>", "<sr:Colour/><sr:"
	    "ElectricityNonDisablementCalendar>", "lacks sr:ElectricityNon"
	    "DisablementCalendar where it has Colour" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:Colour/>", "sr:Electricity"
	    "NonDisablementCalendar (line 1) lacks sr:ElectricitySpecialDays "
	    "where it has Colour" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    ESD("<sr:SpecifiedYear>2026</sr:SpecifiedYear>", "<sr:Specified"
	    "Month>3</sr:SpecifiedMonth>", "<sr:LastDayOfMonth/>")
	    "</sr:ElectricitySpecialDays>", NULL },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    ESD("<sr:NonSpecifiedYear>x</sr:NonSpecifiedYear>", "<sr:Non"
	    "SpecifiedMonth/>", "<sr:SecondLastDayOfMonth/>")
	    "</sr:ElectricitySpecialDays>", "sr:NonSpecifiedYear (line 1) must "
	    "be empty" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    ESD("<sr:NonSpecifiedYear/><sr:NonSpecifiedYear/>", "<sr:Non"
	    "SpecifiedMonth/>", "<sr:NonSpecifiedDayOfMonth/>")
	    "</sr:ElectricitySpecialDays>", "sr:Year (line 1) must hold "
	    "exactly one element" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    ESD("<sr:Colour/>", "<sr:NonSpecifiedMonth/>", "<sr:NonSpecified"
	    "DayOfMonth/>") "</sr:ElectricitySpecialDays>", "sr:Year (line 1) "
	    "has an unexpected element Colour" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    ESD("<sr:NonSpecifiedYear/>", "<sr:SpecifiedMonth>13</sr:"
	    "SpecifiedMonth>", "<sr:NonSpecifiedDayOfMonth/>")
	    "</sr:ElectricitySpecialDays>", "sr:SpecifiedMonth (line 1) '13' "
	    "is not an integer from 1 to 12" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    ESD("<sr:SpecifiedYear>2013</sr:SpecifiedYear>", "<sr:Non"
	    "SpecifiedMonth/>", "<sr:NonSpecifiedDayOfMonth/>")
	    "</sr:ElectricitySpecialDays>", "sr:SpecifiedYear (line 1) '2013' "
	    "is not an integer from 2014 to 9999" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    ESD("<sr:NonSpecifiedYear/>", "<sr:NonSpecifiedMonth/>",
	    "<sr:SpecifiedDayOfMonth>07</sr:SpecifiedDayOfMonth>")
	    "</sr:ElectricitySpecialDays>", "sr:SpecifiedDayOfMonth (line 1) "
	    "'07' is not an integer in its one form" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    "<sr:SpecialDay index=\"21\"><sr:Date/></sr:SpecialDay></sr:"
	    "ElectricitySpecialDays>", "sr:SpecialDay (line 1) index must be "
	    "1 to 20" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    "<sr:SpecialDay><sr:Date/></sr:SpecialDay></sr:Electricity"
	    "SpecialDays>", "index must be 1 to 20" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    "<sr:SpecialDay index=\"1\"><sr:Colour/></sr:SpecialDay></sr:"
	    "ElectricitySpecialDays>", "sr:SpecialDay (line 1) lacks sr:Date "
	    "where it has Colour" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays><sr:"
	    "Colour/></sr:ElectricitySpecialDays>", "sr:ElectricitySpecialDays "
	    "(line 1) has an unexpected element Colour" },
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    "<sr:SpecialDay index=\"1\"><sr:Date><sr:Year><sr:NonSpecified"
	    "Year/></sr:Year></sr:Date></sr:SpecialDay></sr:ElectricitySpecial"
	    "Days>", "sr:Date (line 1) lacks sr:Month" },
	{ "<sr:SpecialDaysApplicability/>", "<sr:SpecialDaysApplicability>"
	    "<sr:SpecialDayApplicability><sr:SpecialDayID>1</sr:SpecialDayID>"
	    "</sr:SpecialDayApplicability><sr:SpecialDayApplicability><sr:"
	    "SpecialDayID>1</sr:SpecialDayID></sr:SpecialDayApplicability></sr:"
	    "SpecialDaysApplicability>", "sr:SpecialDayID (line 1) 1 is listed "
	    "twice" },
	{ "<sr:SpecialDaysApplicability/>", "<sr:SpecialDaysApplicability>"
	    "<sr:SpecialDayApplicability><sr:SpecialDayID>21</sr:SpecialDayID>"
	    "</sr:SpecialDayApplicability></sr:SpecialDaysApplicability>",
	    "sr:SpecialDayID (line 1) '21' is not an integer from 1 to 20" },
	{ "<sr:SpecialDaysApplicability/>", "<sr:SpecialDaysApplicability>"
	    "<sr:SpecialDayApplicability/></sr:SpecialDaysApplicability>",
	    "sr:SpecialDayApplicability (line 1) lacks sr:SpecialDayID" },
	{ "<sr:SpecialDaysApplicability/>", "<sr:SpecialDaysApplicability>"
	    "<sr:Colour/></sr:SpecialDaysApplicability>", "sr:SpecialDays"
	    "Applicability (line 1) has an unexpected element Colour" },
	{ "<sr:DayOfWeekID>Monday<", "<sr:DayOfWeekID>Funday<",
	    "sr:DayOfWeekID (line 1) 'Funday' is not a day name, or is listed "
	    "twice" },
	{ "<sr:DayOfWeekID>Monday<", "<sr:DayOfWeekID>Monday</sr:DayOfWeekID>"
	    "</sr:DayOfWeekApplicability><sr:DayOfWeekApplicability><sr:DayOf"
	    "WeekID>Monday<", "'Monday' is not a day name, or is listed twice" },
	{ "<sr:DayOfWeekApplicability><sr:DayOfWeekID>Monday</sr:DayOfWeekID>",
	    "<sr:DayOfWeekApplicability><sr:DayOfWeekID>Monday</sr:DayOfWeekID>"
	    "<sr:Colour/>", "sr:DayOfWeekApplicability (line 1) has an "
	    "unexpected element Colour" },
	{ "<sr:DaysOfWeekApplicability>", "<sr:DaysOfWeekApplicability><sr:"
	    "Colour/>", "sr:DaysOfWeekApplicability (line 1) has an unexpected "
	    "element Colour" },
	{ "START</sr:NonDisablementScript>", "GO</sr:NonDisablementScript>",
	    "sr:NonDisablementScript (line 1) 'GO' is not START or STOP" },
	{ "START</sr:NonDisablementScript>", "STOP</sr:NonDisablementScript>",
	    NULL },
	{ "<sr:NonDisablementScript>START</sr:NonDisablementScript>", "",
	    "sr:ElectricityNonDisablementSchedule (line 1) lacks sr:Non"
	    "DisablementScript where it has SpecialDaysApplicability" },
	{ "</sr:ScheduleDatesAndTime>", "<sr:Colour/></sr:ScheduleDatesAnd"
	    "Time>", "sr:ScheduleDatesAndTime (line 1) has an unexpected "
	    "element Colour" },
	{ "</sr:ScheduleDatesAndTime>", "</sr:ScheduleDatesAndTime><sr:"
	    "Colour/>", "sr:ElectricityNonDisablementSchedule (line 1) has an "
	    "unexpected element Colour" },
	{ "<sr:EndDate>65535-12-31Z</sr:EndDate>", "", "sr:ScheduleDatesAnd"
	    "Time (line 1) lacks sr:EndDate" },
	{ "2026-03-02Z</sr:StartDate", "2026-13-02Z</sr:StartDate",
	    "sr:StartDate (line 1) '2026-13-02Z' has no such month or day" },
	{ "65535-12-31Z</sr:EndDate", "65535-12-32Z</sr:EndDate",
	    "has no such month or day" },
	{ "<sr:ElectricityNonDisablementSchedule>", "<!--<sr:Electricity"
	    "NonDisablementSchedule>", "the electricity non-disablement "
	    "calendar has no schedule entry", 0,
	    "</sr:ElectricityNonDisablementSchedule>", "</sr:Electricity"
	    "NonDisablementSchedule>-->" },
	{ "</sr:ElectricityNonDisablementCalendar>", "<sr:Colour/></sr:"
	    "ElectricityNonDisablementCalendar>", "sr:ElectricityNon"
	    "DisablementCalendar (line 1) has an unexpected element Colour" },

	/* gas */
	{ "00:00:00.00Z</sr:StartTime", "00:00:30.00Z</sr:StartTime",
	    "sr:StartTime (line 1) must be a whole minute", 1 },
	{ "00:00:00.00Z</sr:StartTime", "00:00:00.50Z</sr:StartTime",
	    "sr:StartTime (line 1) must be a whole minute", 1 },
	{ "START</sr:NonDisablementAction", "GO</sr:NonDisablementAction",
	    "sr:NonDisablementAction (line 1) 'GO' is not START or STOP", 1 },
	{ "<sr:NonDisablementAction>START</sr:NonDisablementAction>", "",
	    "sr:TimeStartAction (line 1) lacks sr:NonDisablementAction", 1 },
	{ "</sr:TimeStartAction>", "<sr:Colour/></sr:TimeStartAction>",
	    "sr:TimeStartAction (line 1) has an unexpected element Colour", 1 },
	{ "<sr:DayProfiles>", "<sr:DayProfiles><sr:GasNonDisablementDay"
	    "Profile><sr:GasDayName>2</sr:GasDayName></sr:GasNonDisablement"
	    "DayProfile>", "a day profile (line 1) has no action", 1 },
	{ "<sr:GasDayName>1<", "<sr:GasDayName>6<", "sr:GasDayName (line 1) "
	    "'6' is not an integer from 1 to 5", 1 },
	{ "<sr:GasDayName>1</sr:GasDayName>", "", "sr:GasNonDisablementDay"
	    "Profile (line 1) lacks sr:GasDayName", 1 },
	{ "<sr:GasDayName>1</sr:GasDayName>", "<sr:GasDayName>1</sr:GasDay"
	    "Name><sr:Colour/>", "sr:GasNonDisablementDayProfile (line 1) has "
	    "an unexpected element Colour", 1 },
	{ "<sr:DayProfiles>", "<sr:DayProfiles><!--", "sr:DayProfiles has no "
	    "day profile", 1, "</sr:DayProfiles>", "--></sr:DayProfiles>" },
	{ "<sr:WeekProfiles>", "<sr:WeekProfiles><!--", "sr:WeekProfiles has "
	    "no week profile", 1, "</sr:WeekProfiles>", "--></sr:Week"
	    "Profiles>" },
	{ "<sr:SeasonProfiles>", "<sr:SeasonProfiles><!--", "sr:Season"
	    "Profiles has no season", 1, "</sr:SeasonProfiles>", "--></sr:"
	    "SeasonProfiles>" },
	{ "<sr:WeekProfiles>", "", "sr:GasNonDisablementCalendar (line 1) "
	    "lacks sr:WeekProfiles where it has WeekProfile", 1,
	    "</sr:WeekProfiles>", "" },
	{ "<sr:SpecialDays/></sr:GasNonDisablementCalendar>", "<sr:Special"
	    "Days/><sr:Colour/></sr:GasNonDisablementCalendar>", "sr:GasNon"
	    "DisablementCalendar (line 1) has an unexpected element Colour", 1 },
	{ "<sr:WeekName>1<", "<sr:WeekName>3<", "sr:WeekName (line 1) '3' is "
	    "not an integer from 1 to 2", 1 },
	{ "<sr:WeekName>1</sr:WeekName>", "", "sr:WeekProfile (line 1) lacks "
	    "sr:WeekName", 1 },
	{ "index=\"2\">1<", "index=\"3\">1<", "sr:ReferencedDayName (line 1) "
	    "must have index 2", 1 },
	{ "index=\"2\">1<", ">1<", "must have index 2", 1 },
	{ "index=\"2\">1<", "index=\"2\">0<", "sr:ReferencedDayName (line 1) "
	    "'0' is not an integer from 1 to 5", 1 },
	{ "<sr:ReferencedDayName index=\"7\">1</sr:ReferencedDayName>", "",
	    "sr:WeekProfile (line 1) lacks sr:ReferencedDayName", 1 },
	{ "<sr:ReferencedDayName index=\"7\">1</sr:ReferencedDayName>",
	    "<sr:ReferencedDayName index=\"7\">1</sr:ReferencedDayName><sr:"
	    "ReferencedDayName index=\"8\">1</sr:ReferencedDayName>",
	    "sr:WeekProfile (line 1) has an unexpected element "
	    "ReferencedDayName", 1 },
	{ "<sr:ReferencedWeekName>1<", "<sr:ReferencedWeekName>3<",
	    "sr:ReferencedWeekName (line 1) '3' is not an integer from 1 to 2",
	    1 },
	{ "<sr:ReferencedWeekName>1</sr:ReferencedWeekName>", "", "sr:Season "
	    "(line 1) lacks sr:ReferencedWeekName", 1 },
	{ "<sr:ReferencedWeekName>1</sr:ReferencedWeekName>", "<sr:"
	    "ReferencedWeekName>1</sr:ReferencedWeekName><sr:Colour/>",
	    "sr:Season (line 1) has an unexpected element Colour", 1 },
	{ "<sr:GasYearWithWildcards><sr:NonSpecifiedYear/>",
	    "<sr:GasYearWithWildcards><sr:SpecifiedYear>2013</sr:Specified"
	    "Year>", "sr:SpecifiedYear (line 1) '2013' is not an integer from "
	    "2014 to 9999", 1 },
	{ "<sr:GasNonSpecifiedDayOfMonth/>", "<sr:LastDayOfMonth/>",
	    "sr:GasDayOfMonthWithWildcards (line 1) has an unexpected element "
	    "LastDayOfMonth", 1 },
	{ "<sr:SpecialDays/></sr:GasNon", "<sr:SpecialDays><sr:SpecialDay>"
	    "<sr:Date>" GANY "</sr:Date><sr:ReferencedDayName>2</sr:"
	    "ReferencedDayName></sr:SpecialDay></sr:SpecialDays></sr:GasNon",
	    NULL, 1 },
	{ "<sr:SpecialDays/></sr:GasNon", "<sr:SpecialDays><sr:SpecialDay>"
	    "<sr:Date>" GANY "</sr:Date><sr:ReferencedDayName>6</sr:"
	    "ReferencedDayName></sr:SpecialDay></sr:SpecialDays></sr:GasNon",
	    "sr:ReferencedDayName (line 1) '6' is not an integer from 1 to 5",
	    1 },
	{ "<sr:SpecialDays/></sr:GasNon", "<sr:SpecialDays><sr:SpecialDay>"
	    "<sr:Date>" GANY "</sr:Date></sr:SpecialDay></sr:SpecialDays></sr:"
	    "GasNon", "sr:SpecialDay (line 1) lacks sr:ReferencedDayName", 1 },

	/* one more than the most of each: refused, never written past the
	 * reader's tables */
	{ "<sr:ElectricitySpecialDays/>", "<sr:ElectricitySpecialDays>"
	    X21(ESD("<sr:NonSpecifiedYear/>", "<sr:NonSpecifiedMonth/>",
	    "<sr:NonSpecifiedDayOfMonth/>")) "</sr:ElectricitySpecialDays>",
	    "more than 20 special days" },
	{ "<sr:ElectricityNonDisablementSchedule>", X21(ESCHED)
	    "<sr:ElectricityNonDisablementSchedule>", NULL },
	{ "<sr:ElectricityNonDisablementSchedule>", X22(ESCHED)
	    "<sr:ElectricityNonDisablementSchedule>", "more than 22 "
	    "non-disablement schedule entries" },
	{ "<sr:TimeStartAction>", X2(GACT) "<sr:TimeStartAction>", NULL, 1 },
	{ "<sr:TimeStartAction>", X3(GACT) "<sr:TimeStartAction>", "a day "
	    "profile (line 1) has more than 3 actions", 1 },
	{ "<sr:DayProfiles>", "<sr:DayProfiles>" X5(GDP), "more than 5 day "
	    "profiles", 1 },
	{ "<sr:WeekProfiles>", "<sr:WeekProfiles>" X2(GWP), "more than 2 week "
	    "profiles", 1 },
	{ "<sr:SeasonProfiles>", "<sr:SeasonProfiles>" X3(GSEASON), "more than "
	    "3 seasons", 1 },
	{ "<sr:SpecialDays/></sr:GasNon", "<sr:SpecialDays>" X21(GSD)
	    "</sr:SpecialDays></sr:GasNon", "more than 20 special days", 1 },
};
#pragma GCC diagnostic pop

START_TEST(xml_forms)
{
	static char doc[65536], out[65536];
	xmlDocPtr d;
	struct prepay pp;
	struct solr_err e;
	const char *fuel = forms[_i].gas ? "Gas" : "Electricity";

	snprintf(doc, sizeof(doc), "<sr:UpdatePrepayConfiguration xmlns:sr=\""
	    NS "\"><sr:UpdatePrepayConfig%s><sr:DebtRecoveryRateCap>0"
	    "</sr:DebtRecoveryRateCap><sr:EmergencyCreditLimit>1000000</sr:"
	    "EmergencyCreditLimit><sr:EmergencyCreditThreshold>500000</sr:"
	    "EmergencyCreditThreshold><sr:LowCreditThreshold>200000</sr:Low"
	    "CreditThreshold>%s<sr:MaxMeterBalance>10000000</sr:MaxMeter"
	    "Balance><sr:MaxCreditThreshold>9000000</sr:MaxCreditThreshold>"
	    "</sr:UpdatePrepayConfig%s></sr:UpdatePrepayConfiguration>", fuel,
	    forms[_i].gas ? GAS_CAL : ELEC_CAL, fuel);
	changed(out, sizeof(out), doc, forms[_i].was, forms[_i].now);
	if (forms[_i].was2 != NULL) {
		memcpy(doc, out, strlen(out) + 1);
		changed(out, sizeof(out), doc, forms[_i].was2, forms[_i].now2);
	}
	ck_assert_int_eq(solr_xml_parse((unsigned char *)out, strlen(out), &d,
	    &e), 0);
	answered(prepay_from_xml(xmlDocGetRootElement(d), &pp, &e),
	    SOLR_ERR_VERIFY, forms[_i].why, &e);
	xmlFreeDoc(d);
}
END_TEST

/* the prepay: mapping a stage before wrote, and what is wrong in it */
static const char *const bad_yaml[][2] = {
	{ "{}", "prepay: fuel is not electricity or gas" },
	{ "{fuel: steam}", "fuel is not electricity or gas" },
	{ "{fuel: gas, EmergencyCreditLimit: 1}", "EmergencyCreditThreshold "
	    "is missing or not a number" },
	{ "{fuel: gas, EmergencyCreditLimit: '1'}", "EmergencyCreditLimit is "
	    "missing or not a number" },
	{ "{fuel: gas, EmergencyCreditLimit: 1x}", "EmergencyCreditLimit '1x' "
	    "is not a number" },
	{ "{fuel: gas, EmergencyCreditLimit: 1, EmergencyCreditThreshold: 1, "
	    "LowCreditThreshold: 1, MaxMeterBalance: 1, MaxCreditThreshold: 1, "
	    "DebtRecoveryRateCap: 0, activation: {kind: later}}",
	    "activation is not immediate, cancel or at a time" },
	{ "{fuel: gas, EmergencyCreditLimit: 1, EmergencyCreditThreshold: 1, "
	    "LowCreditThreshold: 1, MaxMeterBalance: 1, MaxCreditThreshold: 1, "
	    "DebtRecoveryRateCap: 0, DebtRecoveryRateCapPeriod: x, activation: "
	    "{kind: immediate}}", "DebtRecoveryRateCapPeriod 'x'" },
	{ "{fuel: gas, EmergencyCreditLimit: 1, EmergencyCreditThreshold: 1, "
	    "LowCreditThreshold: 1, MaxMeterBalance: 1, MaxCreditThreshold: 1, "
	    "DebtRecoveryRateCap: 0, activation: {kind: immediate}}",
	    "NonDisablementCalendar is missing" },
};

START_TEST(yaml_errors)
{
	struct ynode *t;
	struct prepay pp;
	struct solr_err e;
	const char *y = bad_yaml[_i][0];

	ck_assert_int_eq(yn_parse(y, strlen(y), "r", 1, &t, &e), 0);
	ck_assert_int_eq(prepay_from_yaml(t, &pp, &e), SOLR_ERR_FORMAT);
	ck_assert_msg(strstr(e.msg, bad_yaml[_i][1]) != NULL, "'%s'", e.msg);
	yn_free(t);
	/* no mapping at all, or a scalar where it should be */
	ck_assert_int_eq(prepay_from_yaml(NULL, &pp, &e), SOLR_ERR_FORMAT);
	ck_assert_ptr_nonnull(strstr(e.msg, "the record has no prepay: "
	    "mapping"));
	ck_assert_int_eq(yn_parse("gas", 3, "r", 1, &t, &e), 0);
	ck_assert_int_eq(prepay_from_yaml(t, &pp, &e), SOLR_ERR_FORMAT);
	ck_assert_ptr_nonnull(strstr(e.msg, "the record has no prepay: "
	    "mapping"));
	yn_free(t);
}
END_TEST

/* The prepay: mapping of the electricity and gas bodies above, as
 * prepay_to_yaml writes them, in JSON (a YAML reader reads it). */
#define YE "{\"fuel\":\"electricity\",\"source\":\"xml\",\"EmergencyCredit" \
    "Limit\":1000000,\"EmergencyCreditThreshold\":500000,\"LowCredit" \
    "Threshold\":200000,\"MaxMeterBalance\":10000000,\"MaxCreditThreshold\"" \
    ":9000000,\"DebtRecoveryRateCap\":0,\"activation\":{\"kind\":\"" \
    "immediate\"},\"NonDisablementCalendar\":{\"special_days\":[],\"" \
    "schedule\":[{\"index\":1,\"script\":\"START\",\"switch_time\":\"00:" \
    "00:00.00\",\"weekdays\":[\"Monday\",\"Tuesday\"],\"special_days\":[]," \
    "\"start\":\"2026-03-02\",\"end\":\"*-12-31\"}]}}"
#define YG "{\"fuel\":\"gas\",\"source\":\"xml\",\"EmergencyCreditLimit\":" \
    "1000000,\"EmergencyCreditThreshold\":500000,\"LowCreditThreshold\":" \
    "200000,\"MaxMeterBalance\":10000000,\"MaxCreditThreshold\":9000000," \
    "\"DebtRecoveryRateCap\":0,\"activation\":{\"kind\":\"immediate\"},\"" \
    "NonDisablementCalendar\":{\"day_profiles\":[{\"day\":1,\"actions\":[{" \
    "\"start\":\"00:00\",\"action\":\"START\"}]}],\"week_profiles\":[{\"" \
    "week\":1,\"days\":[1,1,1,1,1,1,1]}],\"seasons\":[{\"start\":\"*-*-*\"," \
    "\"week\":1}],\"special_days\":[]}}"
#define SD "{\"index\":1,\"date\":\"*-*-*\"},"
#define SD21 SD SD SD SD SD SD SD SD SD SD SD SD SD SD SD SD SD SD SD SD SD
#define ACT "{\"start\":\"00:00\",\"action\":\"START\"},"

/* Every refusal of the mapping's reader (a record's prepay: that a stage
 * before wrote, read again by solr-adt-check): the electricity (0) or gas
 * (1) mapping, the text changed, the reason (NULL: read). */
static const struct {
	int gas;
	const char *was, *now, *why;
} ymaps[] = {
	{ 0, "\"xml\"", "\"xml\"", NULL },
	{ 1, "\"xml\"", "\"xml\"", NULL },
	{ 0, "\"xml\"", "\"gbcs\"", NULL },
	{ 0, "\"immediate\"", "\"cancel\"", NULL },
	{ 0, "\"immediate\"}", "\"at\",\"time\":\"2026-03-02T10:00:00Z\"}",
	    NULL },
	{ 0, "\"immediate\"}", "\"at\"}", "activation is not immediate, "
	    "cancel or at a time" },
	{ 0, "\"immediate\"}", "\"at\",\"time\":\"soon\"}", "activation is "
	    "not immediate, cancel or at a time" },
	{ 0, "\"DebtRecoveryRateCap\":0", "\"DebtRecoveryRateCap\":"
	    "99999999999999999999", "prepay: DebtRecoveryRateCap '9999999999"
	    "9999999999' is not a number" },
	{ 0, "\"NonDisablementCalendar\":{", "\"NonDisablementCalendar\":7,"
	    "\"x\":{", "prepay: NonDisablementCalendar is missing" },
	{ 0, "\"special_days\":[],\"schedule\"", "\"special_days\":7,\"" 
	    "schedule\"", "prepay: special_days is missing or not a list" },
	{ 0, "\"special_days\":[],\"schedule\"", "\"special_days\":[" SD21
	    SD "],\"schedule\"", "prepay: special_days has more than 20 "
	    "entries" },
	{ 0, "\"special_days\":[],\"schedule\"", "\"special_days\":[{\"index\""
	    ":1,\"date\":\"2026-03-second-last\"},{\"index\":2,\"date\":\"*-*-"
	    "last/Monday\"}],\"schedule\"", NULL },
	{ 0, "\"special_days\":[],\"schedule\"", "\"special_days\":[{\"index\""
	    ":21,\"date\":\"*-*-*\"}],\"schedule\"", "prepay: index '21' is not "
	    "a number from 1 to 20" },
	{ 0, "\"special_days\":[],\"schedule\"", "\"special_days\":[{\"index\""
	    ":1}],\"schedule\"", "prepay: date '(missing)' is not a date" },
	{ 0, "\"special_days\":[],\"schedule\"", "\"special_days\":[{\"index\""
	    ":1,\"date\":\"*-*-*/Funday\"}],\"schedule\"", "prepay: date "
	    "'*-*-*/Funday' is not a date" },
	{ 0, "\"2026-03-02\"", "\"1899-03-02\"", "prepay: start '1899-03-02' "
	    "is not a date" },
	{ 0, "\"2026-03-02\"", "\"2026-13-02\"", "is not a date" },
	{ 0, "\"2026-03-02\"", "\"2026-03-32\"", "is not a date" },
	{ 0, "\"2026-03-02\"", "\"2026-03-x\"", "is not a date" },
	{ 0, "\"2026-03-02\"", "\"2026\"", "is not a date" },
	{ 0, "\"2026-03-02\"", "\"2026-03\"", "is not a date" },
	{ 0, ",\"start\":\"2026-03-02\"", "", "prepay: start '(missing)' is "
	    "not a date" },
	{ 0, "\"script\":\"START\"", "\"script\":\"GO\"", "prepay: script is "
	    "not START or STOP" },
	{ 0, "\"00:00:00.00\"", "\"0000\"", "prepay: switch_time is not "
	    "HH:MM:SS.cc" },
	{ 0, "[\"Monday\",", "[\"Funday\",", "prepay: 'Funday' is not a "
	    "weekday" },
	{ 0, "\"weekdays\":[\"Monday\",\"Tuesday\"]", "\"weekdays\":\"Monday\"",
	    "prepay: weekdays is missing or not a list" },
	{ 0, "\"special_days\":[],\"start\"", "\"special_days\":[21],\"start\"",
	    "prepay: special day 21 is not a number from 1 to 20" },
	{ 0, "\"special_days\":[],\"start\"", "\"special_days\":[\"1x\"],"
	    "\"start\"", "prepay: special day 1x is not a number" },
	{ 0, "\"special_days\":[],\"start\"", "\"special_days\":[[1]],"
	    "\"start\"", "prepay: special day (not one) is not a number" },
	{ 0, "\"special_days\":[],\"start\"", "\"special_days\":[2,1],"
	    "\"start\"", NULL },
	{ 0, "[\"Monday\",", "[{\"x\":1},", "prepay: '(not a name)' is not a "
	    "weekday" },
	{ 0, "\"special_days\":[],\"start\"", "\"special_days\":7,\"start\"",
	    "prepay: special_days is missing or not a list" },
	{ 0, "\"index\":1,\"script\"", "\"index\":0,\"script\"", "prepay: index "
	    "'0' is not a number from 1 to 22" },
	{ 0, "\"schedule\":[", "\"schedule\":7,\"x\":[", "prepay: schedule is "
	    "missing or not a list" },
	{ 1, "\"day\":1", "\"day\":6", "prepay: day '6' is not a number from 1 "
	    "to 5" },
	{ 1, "\"actions\":[", "\"actions\":7,\"x\":[", "prepay: actions is "
	    "missing or not a list" },
	{ 1, "\"actions\":[", "\"actions\":[" ACT ACT ACT, "prepay: actions has "
	    "more than 3 entries" },
	{ 1, "\"00:00\"", "\"24:00\"", "prepay: action start is not HH:MM" },
	{ 1, "\"00:00\"", "\"0\"", "prepay: action start is not HH:MM" },
	{ 1, "\"action\":\"START\"", "\"action\":\"GO\"", "prepay: action is "
	    "not START or STOP" },
	{ 1, "\"week\":1,\"days\"", "\"week\":3,\"days\"", "prepay: week '3' is "
	    "not a number from 1 to 2" },
	{ 1, "[1,1,1,1,1,1,1]", "[1,1]", "prepay: a week profile needs 7 days" },
	{ 1, "[1,1,1,1,1,1,1]", "[1,1,1,1,1,1,6]", "prepay: a week profile's "
	    "day 7 is not a day profile from 1 to 5" },
	{ 1, "[1,1,1,1,1,1,1]", "[1,1,{},1,1,1,1]", "prepay: a week profile's "
	    "day 3 is not a day profile" },
	{ 1, "[1,1,1,1,1,1,1]", "[1,1,1,\"1\",1,1,1]", "prepay: a week "
	    "profile's day 4 is not a day profile" },
	{ 1, "\"day_profiles\":[", "\"day_profiles\":7,\"x\":[", "prepay: "
	    "day_profiles is missing or not a list" },
	{ 1, "\"week_profiles\":[", "\"week_profiles\":7,\"x\":[", "prepay: "
	    "week_profiles is missing or not a list" },
	{ 1, "\"seasons\":[", "\"seasons\":7,\"x\":[", "prepay: seasons is "
	    "missing or not a list" },
	{ 1, "\"special_days\":[]", "\"special_days\":7", "prepay: special_days "
	    "is missing or not a list" },
	{ 1, "\"start\":\"*-*-*\"", "\"start\":\"x\"", "prepay: start 'x' is "
	    "not a date" },
	{ 1, "\"*-*-*\",\"week\":1", "\"*-*-*\",\"week\":3", "prepay: week '3' "
	    "is not a number from 1 to 2" },
	{ 1, "\"special_days\":[]", "\"special_days\":[{\"date\":\"*-*-*\","
	    "\"day\":2}]", NULL },
	{ 1, "\"special_days\":[]", "\"special_days\":[{\"date\":\"*-*-*\","
	    "\"day\":6}]", "prepay: day '6' is not a number from 1 to 5" },
	{ 1, "\"special_days\":[]", "\"special_days\":[{\"day\":2}]", "prepay: "
	    "date '(missing)' is not a date" },
};

START_TEST(yaml_refusals)
{
	char text[8192];
	struct ynode *t;
	struct prepay pp;
	struct solr_err e;

	changed(text, sizeof(text), ymaps[_i].gas ? YG : YE, ymaps[_i].was,
	    ymaps[_i].now);
	ck_assert_msg(yn_parse(text, strlen(text), "r", 1, &t, &e) == 0, "%s",
	    e.msg);
	answered(prepay_from_yaml(t, &pp, &e), SOLR_ERR_FORMAT, ymaps[_i].why,
	    &e);
	yn_free(t);
}
END_TEST

Suite *
prepay_suite(void)
{
	Suite *s = suite_create("prepay");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_test(tc, field_table);
	tcase_add_test(tc, srv_table);
	tcase_add_loop_test(tc, xml_forms, 0, sizeof(forms) /
	    sizeof(forms[0]));
	tcase_add_loop_test(tc, xml_values, 0, sizeof(bodies) /
	    sizeof(bodies[0]));
	tcase_add_loop_test(tc, yaml_refusals, 0, sizeof(ymaps) /
	    sizeof(ymaps[0]));
	tcase_add_loop_test(tc, yaml_errors, 0, sizeof(bad_yaml) /
	    sizeof(bad_yaml[0]));
	suite_add_tcase(s, tc);
	return s;
}
