/* solr-adt-check's decisions, in their order: the role (E2), the safe
 * profile (E020101 or E2 by schema version), the Authority gate and the
 * thresholds (AD1); the windows; ADT files and their submission. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/adt.h"
#include "unit.h"

static char *srvs[] = { "2.1", "6.15.1" };
static const struct solr_role_policy solr_role = { "SolrContingency", srvs, 2,
	{ 4, 5, 6, 7 }, 4 };

static const struct {
	const char *srv;
	int cv;
	enum verdict verdict;
	const char *reason;
} role_rows[] = {
	{ "2.1", 4, VERDICT_PASS, NULL },
	{ "2.1", 7, VERDICT_PASS, NULL },
	{ "6.15.1", 5, VERDICT_PASS, NULL },
	{ "2.1", 3, VERDICT_REJECT, "CommandVariant 3 is not allowed for the "
	    "SolrContingency role (policy.yaml roles.SolrContingency.cvs)" },
	{ "2.1", 8, VERDICT_REJECT, "CommandVariant 8" },
	{ "2.3", 4, VERDICT_REJECT, "SRV 2.3 is not allowed for the "
	    "SolrContingency role (policy.yaml roles.SolrContingency.srvs)" },
	{ "2.10", 4, VERDICT_REJECT, "SRV 2.10" },
	{ "2", 4, VERDICT_REJECT, "SRV 2 " },
	{ "", 4, VERDICT_REJECT, "SRV  is not allowed" },
	{ "2.3", 1, VERDICT_REJECT, "SRV 2.3" },	/* the SRV first */
};

START_TEST(role_rules)
{
	struct decision d;
	char cv[8];

	snprintf(cv, sizeof(cv), "%d", role_rows[_i].cv);
	ck_assert_int_eq(adt_decide_role(&solr_role, role_rows[_i].srv,
	    role_rows[_i].cv, cv, &d), 0);
	ck_assert_int_eq(d.verdict, role_rows[_i].verdict);
	ck_assert_int_eq(d.code, role_rows[_i].verdict == VERDICT_PASS ?
	    DUIS_NONE : DUIS_E2);
	if (role_rows[_i].reason)
		ck_assert_msg(strstr(d.reason, role_rows[_i].reason) != NULL,
		    "'%s'", d.reason);
}
END_TEST

static const char policy_text[] =
    "safe_prepay:\n"
    "  electricity:\n"
    "    EmergencyCreditLimit: {min: 1000000}\n"
    "    EmergencyCreditThreshold: {min: 500000}\n"
    "    LowCreditThreshold: {min: 0}\n"
    "    MaxCreditThreshold: {eq: 9000000}\n"
    "    MaxMeterBalance: {gt_field: MaxCreditThreshold}\n"
    "    DebtRecoveryRateCap: {eq: 0}\n"
    "    NonDisablementCalendar: never_ends\n"
    "  gas:\n"
    "    EmergencyCreditLimit: {min: 1000000}\n"
    "    EmergencyCreditThreshold: {min: 500000}\n"
    "    LowCreditThreshold: {min: 0}\n"
    "    MaxCreditThreshold: {eq: 9000000}\n"
    "    MaxMeterBalance: {gt_field: MaxCreditThreshold}\n"
    "    DebtRecoveryRateCap: {eq: 0}\n"
    "    NonDisablementCalendar: never_ends\n";

/* a change to a safe request, the schema version, the verdict, the code */
static const struct {
	int change;	/* 0 none, 1 ECL 999999, 2 DRRC 1, 3 unreadable */
	const char *sv;
	enum verdict verdict;
	enum duis_code code;
	const char *reason;
} content_rows[] = {
	{ 0, "5.5", VERDICT_PASS, DUIS_NONE, NULL },
	{ 0, "5.4", VERDICT_PASS, DUIS_NONE, NULL },
	{ 1, "5.5", VERDICT_REJECT, DUIS_E020101, "EmergencyCreditLimit is "
	    "999999; the profile requires min 1000000" },
	{ 1, "5.4", VERDICT_REJECT, DUIS_E2, "EmergencyCreditLimit is 999999" },
	{ 1, "6.0", VERDICT_REJECT, DUIS_E020101, "min 1000000" },
	{ 2, "5.5", VERDICT_REJECT, DUIS_E020101, "DebtRecoveryRateCap is 1; "
	    "the profile requires eq 0" },
	{ 3, "5.5", VERDICT_REJECT, DUIS_E020101, "cannot be read" },
	{ 3, "5.4", VERDICT_REJECT, DUIS_E2, "cannot be read" },
};

START_TEST(content)
{
	struct ynode *t;
	struct safe_policy sp;
	struct prepay pp;
	struct decision d;
	struct solr_err e;
	int64_t at;

	ck_assert_int_eq(yn_parse(policy_text, strlen(policy_text), "p", 1, &t,
	    &e), 0);
	ck_assert_int_eq(safe_policy_load(t, "p", &sp, &e), 0);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	unit_safe_elec(&pp);
	if (content_rows[_i].change == 1)
		pp.emergency_credit_limit = 999999;
	if (content_rows[_i].change == 2)
		pp.debt_recovery_rate_cap = 1;
	ck_assert_int_eq(adt_decide_content(&sp, content_rows[_i].change == 3 ?
	    NULL : &pp, "the values cannot be read", at, content_rows[_i].sv,
	    "5.5", &d), 0);
	ck_assert_int_eq(d.verdict, content_rows[_i].verdict);
	ck_assert_int_eq(d.code, content_rows[_i].code);
	if (content_rows[_i].reason)
		ck_assert_msg(strstr(d.reason, content_rows[_i].reason) != NULL,
		    "'%s'", d.reason);
	yn_free(t);
}
END_TEST

/* instruction, ADT file, threshold (warning, quarantine), count */
static const struct {
	int instruction, have_adt, have_threshold;
	int64_t quarantine;
	uint64_t count;
	enum verdict verdict;
	const char *reason;
} gate_rows[] = {
	{ 1, 1, 1, 10, 1, VERDICT_PASS, NULL },
	{ 1, 1, 1, 10, 10, VERDICT_PASS, NULL },	/* at the threshold */
	{ 1, 1, 1, 10, 11, VERDICT_QUARANTINE, "request 11 of the SRP "
	    "00-DB-12-34-56-78-00-04 for SRV 2.1 in the window from "
	    "2026-03-02T10:00:00Z is above the quarantine threshold 10" },
	{ 0, 1, 1, 10, 1, VERDICT_QUARANTINE, "no Authority instruction in "
	    "instructions.yaml covers the failed supplier 90-B3-D5-1F-30-01-"
	    "00-00 and the SRP 00-DB-12-34-56-78-00-04 at 2026-03-02T10:15:00Z"
	    "; the threshold is 0" },
	{ 1, 1, 1, 0, 1, VERDICT_QUARANTINE, "has no threshold in its ADT "
	    "file for SRV 2.1; the threshold is 0" },
	{ 1, 1, 0, 0, 1, VERDICT_QUARANTINE, "no threshold in its ADT file" },
	{ 1, 0, 0, 0, 1, VERDICT_QUARANTINE, "has no accepted ADT file for "
	    "SRV 2.1" },
	{ 0, 0, 0, 0, 1, VERDICT_QUARANTINE, "no Authority instruction" },
};

START_TEST(gate)
{
	struct instruction in = { "OFGEM/1", 0x90B3D51F30010000ULL,
	    0x00DB123456780004ULL, 0, 0, 0 };
	struct adt_threshold th = { "2.1", 3600, 8, 0, 1 };
	struct adt_gate g = { 0 };
	struct decision d;

	th.quarantine = gate_rows[_i].quarantine;
	g.instruction = gate_rows[_i].instruction ? &in : NULL;
	g.have_adt = gate_rows[_i].have_adt;
	g.threshold = gate_rows[_i].have_threshold ? &th : NULL;
	g.count = gate_rows[_i].count;
	solr_time_parse("2026-03-02T10:15:00Z", &g.t);
	g.window_start = adt_window_start(g.t, 3600);
	g.sender = "00-DB-12-34-56-78-00-04";
	g.originator = "90-B3-D5-1F-30-01-00-00";
	g.srv = "2.1";
	ck_assert_int_eq(adt_decide_gate(&g, &d), 0);
	ck_assert_int_eq(d.verdict, gate_rows[_i].verdict);
	ck_assert_int_eq(d.code, gate_rows[_i].verdict == VERDICT_PASS ?
	    DUIS_NONE : DCC_AD1);
	if (gate_rows[_i].reason)
		ck_assert_msg(strstr(d.reason, gate_rows[_i].reason) != NULL,
		    "'%s'", d.reason);
}
END_TEST

static const struct {
	int64_t t, window, start;
} windows[] = {
	{ 0, 3600, 0 },
	{ 3599, 3600, 0 },
	{ 3600, 3600, 3600 },
	{ 7201, 3600, 7200 },
	{ -1, 3600, -3600 },	/* before 1970: still the window holding t */
	{ -3600, 3600, -3600 },
	{ -3601, 3600, -7200 },
	{ 86399, 86400, 0 },
	{ 5, 1, 5 },
};

START_TEST(window)
{
	ck_assert_int_eq(adt_window_start(windows[_i].t, windows[_i].window),
	    windows[_i].start);
}
END_TEST

/* [from, until): the instruction covers from and not until */
START_TEST(instruction_window)
{
	struct instruction in[2] = {
		{ "A", 1, 2, 100, 200, 1 },
		{ "B", 3, 2, 150, 300, 2 },
	};
	struct instructions is = { in, 2, "", 1 };

	ck_assert_ptr_null(instruction_find(&is, 1, 2, 99));
	ck_assert_str_eq(instruction_find(&is, 1, 2, 100)->ref, "A");
	ck_assert_str_eq(instruction_find(&is, 1, 2, 199)->ref, "A");
	ck_assert_ptr_null(instruction_find(&is, 1, 2, 200));
	ck_assert_ptr_null(instruction_find(&is, 1, 9, 150));	/* other SRP */
	ck_assert_ptr_null(instruction_find(&is, 9, 2, 150));	/* supplier */
	ck_assert_str_eq(instruction_find(&is, 3, 2, 250)->ref, "B");
	ck_assert_str_eq(instruction_find(&is, 0, 2, 250)->ref, "B");
	ck_assert_ptr_null(instruction_find(&is, 0, 2, 300));
}
END_TEST

/* an ADT file: zero thresholds always; more only under an instruction */
static const struct {
	const char *thresholds;
	int64_t t;
	enum verdict verdict;
} submissions[] = {
	{ "{srv: '2.1', window: 3600, warning: 0, quarantine: 0}", 50,
	    VERDICT_PASS },
	{ "{srv: '2.1', window: 3600, warning: 8, quarantine: 10}", 150,
	    VERDICT_PASS },
	{ "{srv: '2.1', window: 3600, warning: 8, quarantine: 10}", 50,
	    VERDICT_REJECT },
	{ "{srv: '2.1', window: 3600, warning: 8, quarantine: 10}", 200,
	    VERDICT_REJECT },
	{ "{srv: '2.1', window: 3600, warning: 0, quarantine: 1}", 50,
	    VERDICT_REJECT },
};

START_TEST(submission)
{
	struct instruction in = { "A", 1, 0x00DB123456780004ULL, 100, 200, 1 };
	struct instructions is = { &in, 1, "", 1 };
	struct adt_file a;
	struct decision d;
	struct solr_err e;
	char y[512];

	snprintf(y, sizeof(y), "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n"
	    "  - %s\n", submissions[_i].thresholds);
	ck_assert_msg(adt_parse(y, strlen(y), "adt.yaml", &a, &e) == 0, "%s",
	    e.msg);
	ck_assert_int_eq(adt_decide_submission(&a, &is, submissions[_i].t, &d),
	    0);
	ck_assert_int_eq(d.verdict, submissions[_i].verdict);
	if (d.verdict == VERDICT_REJECT)
		ck_assert_ptr_nonnull(strstr(d.reason, "no Authority "
		    "instruction"));
	adt_free(&a);
}
END_TEST

static const char *const bad_adt[][2] = {
	{ "thresholds: []\n", "srp" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 0, warning: 0, quarantine: 0}\n", "window" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 3600, warning: -1, quarantine: 0}\n", "warning" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 3600, warning: 0, quarantine: 0, extra: 1}\n", "extra" },
	{ "srp: 00db123456780004\nthresholds: []\n", "srp" },
};

START_TEST(adt_errors)
{
	struct adt_file a;
	struct solr_err e;
	const char *y = bad_adt[_i][0];

	ck_assert_int_ne(adt_parse(y, strlen(y), "adt.yaml", &a, &e), 0);
	ck_assert_msg(strstr(e.msg, bad_adt[_i][1]) != NULL, "'%s'", e.msg);
	ck_assert_str_eq(e.file, "adt.yaml");
}
END_TEST

Suite *
adt_suite(void)
{
	Suite *s = suite_create("adt");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, role_rules, 0, sizeof(role_rows) /
	    sizeof(role_rows[0]));
	tcase_add_loop_test(tc, content, 0, sizeof(content_rows) /
	    sizeof(content_rows[0]));
	tcase_add_loop_test(tc, gate, 0, sizeof(gate_rows) /
	    sizeof(gate_rows[0]));
	tcase_add_loop_test(tc, window, 0, sizeof(windows) /
	    sizeof(windows[0]));
	tcase_add_test(tc, instruction_window);
	tcase_add_loop_test(tc, submission, 0, sizeof(submissions) /
	    sizeof(submissions[0]));
	tcase_add_loop_test(tc, adt_errors, 0, sizeof(bad_adt) /
	    sizeof(bad_adt[0]));
	suite_add_tcase(s, tc);
	return s;
}
