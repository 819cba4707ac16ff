/* solr-adt-check's decisions, in their order: the role (E2), the safe
 * profile (E020101 or E2 by schema version), the Authority gate and the
 * thresholds (AD1); the windows; ADT files and their submission. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide/adt.h"
#include "unit.h"
#include "base/yread.h"

static char *srvs[] = { "2.1", "6.15.1" };
static const struct solr_role_policy solr_role = { "SolrContingency", srvs, 2,
	{ 4, 5, 6, 7 }, 4, NULL, NULL, 0 };

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

	ck_assert_int_eq(adt_decide_role(&solr_role, role_rows[_i].srv,
	    role_rows[_i].cv, &d), 0);
	ck_assert_int_eq(d.verdict, role_rows[_i].verdict);
	ck_assert_int_eq(d.code, role_rows[_i].verdict == VERDICT_PASS ?
	    DUIS_NONE : DUIS_E2);
	if (role_rows[_i].reason)
		ck_assert_msg(strstr(d.reason, role_rows[_i].reason) != NULL,
		    "'%s'", d.reason);
}
END_TEST

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
	{ 3, "5.5", VERDICT_REJECT, DUIS_E020101, "no prepay: mapping" },
	{ 3, "5.4", VERDICT_REJECT, DUIS_E2, "no prepay: mapping" },
};

START_TEST(content)
{
	struct ynode *t, *v;
	struct safe_policy sp;
	struct prepay pp;
	struct decision d;
	struct solr_err e;
	int64_t at;

	ck_assert_int_eq(yn_parse(unit_safe_prepay, strlen(unit_safe_prepay), "p", 1, &t,
	    &e), 0);
	ck_assert_int_eq(safe_policy_load(t, "p", &sp, &e), 0);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	unit_safe_elec(&pp);
	if (content_rows[_i].change == 1)
		*unit_pp(&pp, "EmergencyCreditLimit") = 999999;
	if (content_rows[_i].change == 2)
		*unit_pp(&pp, "DebtRecoveryRateCap") = 1;
	pp.source = "xml";
	v = content_rows[_i].change == 3 ? NULL : prepay_to_yaml(&pp);
	ck_assert_int_eq(adt_decide_content(&srv_update_prepay, &sp, v, at,
	    content_rows[_i].sv, "5.5", &d), 0);
	yn_free(v);
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
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds: {}\n", "thresholds: "
	    "must be a list" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 3600, warning: 1, quarantine: 2}\n  - {srv: '2.1', "
	    "window: 60, warning: 1, quarantine: 2}\n", "the SRV has two "
	    "thresholds" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 3600, warning: 3, quarantine: 2}\n", "must not be above "
	    "the quarantine threshold" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: 'x', "
	    "window: 3600, warning: 1, quarantine: 2}\n", "must be a service "
	    "reference variant" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {window: 3600, "
	    "warning: 1, quarantine: 2}\n", "must be a service reference "
	    "variant" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 7000, warning: 1, quarantine: 2}\n", "divides a day" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 3600, warning: '1', quarantine: 2}\n", "thresholds[]."
	    "warning: must be a whole number" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '2.1', "
	    "window: 3600, warning: 1}\n", "thresholds[].quarantine: must be a "
	    "whole number" },
	{ "srp: 00-DB-12-34-56-78-00-04\nsrv: 1\nthresholds: []\n", "srv" },
	{ "[1, 2]\n", "ADT file: must be a mapping" },
	{ "srp: 00-DB-12-34-56-78-00-04\n", "thresholds: must be a list" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: '', "
	    "window: 3600, warning: 1, quarantine: 2}\n", "thresholds[].srv: "
	    "must be a service reference variant" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - {srv: "
	    "'2.1.1.1.1.1.1.1.1', window: 3600, warning: 1, quarantine: 2}\n",
	    "thresholds[].srv: must be a service reference variant" },
	{ "srp: 00-DB-12-34-56-78-00-04\nthresholds:\n  - 5\n",
	    "thresholds[]: must be a mapping" },
};

/* instructions.yaml, wrong in each way: the field and the rule. */
#define INS_OK "supplier: 90-B3-D5-1F-30-01-00-00, srp: " \
    "00-DB-12-34-56-78-00-04, from: 2026-03-01T00:00:00Z, until: " \
    "2026-03-31T00:00:00Z"
static const char *const bad_instructions[][2] = {
	{ "[1]\n", "must be a mapping" },
	{ "instructions: {}\n", "instructions: must be a list" },
	{ "instructions:\n  - 5\n", "instructions[]: must be a mapping" },
	{ "instructions:\n  - {" INS_OK "}\n", "instructions[].ref: every "
	    "instruction needs its reference" },
	{ "instructions:\n  - {ref: '', " INS_OK "}\n", "instructions[].ref: "
	    "every instruction needs its reference" },
	{ "instructions:\n  - {ref: [a], " INS_OK "}\n", "instructions[].ref: "
	    "every instruction needs its reference" },
	{ "instructions:\n  - {ref: A1, supplier: 90B3D51F30010000, srp: "
	    "00-DB-12-34-56-78-00-04, from: 2026-03-01T00:00:00Z, until: "
	    "2026-03-31T00:00:00Z}\n", "instructions[].supplier/srp: must be "
	    "EUI-64s" },
	{ "instructions:\n  - {ref: A1, supplier: 90-B3-D5-1F-30-01-00-00, "
	    "srp: 00-DB-12-34-56-78-00-04, from: 2026-03-31T00:00:00Z, until: "
	    "2026-03-01T00:00:00Z}\n", "from before until" },
	{ "instructions:\n  - {ref: A1, by: me, " INS_OK "}\n", "by" },
	{ "instructions: []\nmore: 1\n", "more" },
};

START_TEST(instructions_errors)
{
	char dir[] = "/tmp/check-ins.XXXXXX", path[64];
	struct instructions is;
	struct solr_err e;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/instructions.yaml", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(bad_instructions[_i][0], f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(instructions_load(dir, &is, &e), SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, bad_instructions[_i][1]) != NULL, "'%s' "
	    "lacks '%s'", e.msg, bad_instructions[_i][1]);
	ck_assert_str_eq(e.file, path);
	instructions_free(&is);
	unlink(path);
	rmdir(dir);
}
END_TEST

/* An instructions.yaml that cannot be read is the world's fault, not
 * "no instruction"; one that is absent is none. */
START_TEST(instructions_unreadable)
{
	char dir[] = "/tmp/check-ins.XXXXXX", path[64];
	struct instructions is;
	struct solr_err e;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(instructions_load(dir, &is, &e), 0);
	ck_assert_int_eq(is.present, 0);
	snprintf(path, sizeof(path), "%s/instructions.yaml", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(instructions_load(dir, &is, &e), SOLR_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.file, "instructions.yaml"));
	rmdir(path);
	rmdir(dir);
}
END_TEST

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

/* The counters under colliding keys.  Windows of one SRP that share a
 * home slot are found by search, as an SRP would search for them if the
 * hash were public; with the keyed hash the search needs the key. */
#define NCOLLIDE 5
static const unsigned char key_a[32] = "counters key a for the unit test";
static const unsigned char key_b[32] = "counters key b for the unit test";
static const uint64_t srp = 0x00DB123456780004ULL;

#define AT 1772446500	/* 2026-03-02T10:15:00Z */

/* Windows of every length that hold AT, all live (none spent). */
static void
colliding(struct adt_counters *c, int64_t windows[NCOLLIDE])
{
	size_t home = adt_counters_home(c, srp, "2.1", 3600,
	    adt_window_start(AT, 3600));
	int64_t w;
	int n = 1;

	windows[0] = 3600;
	for (w = 1; n < NCOLLIDE; w++)
		if (w != 3600 && adt_counters_home(c, srp, "2.1", w,
		    adt_window_start(AT, w)) == home)
			windows[n++] = w;
}

/* The counters of dir, opened under key_a: refused with code, saying
 * what. */
static void
open_refused(const char *dir, int code, const char *what)
{
	struct adt_counters a;
	struct solr_err e;

	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &a, &e), code);
	ck_assert_msg(strstr(e.msg, what) != NULL, "%s", e.msg);
}

static char *
counters_dir(void)
{
	char *dir = strdup("/tmp/check-adt.XXXXXX");

	ck_assert_ptr_nonnull(dir);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	return dir;
}

static void
rm_counters(const char *dir)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/state/adt-counters", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/state/adt-counters.head", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/state", dir);
	rmdir(p);
	rmdir(dir);
	free((char *)dir);
}

static uint64_t
count(struct adt_counters *c, int64_t w)
{
	struct solr_err e = { 0 };
	uint64_t n = 0;

	ck_assert_msg(adt_count(c, srp, "2.1", w, adt_window_start(AT, w), &n,
	    &e) == 0, "%s", e.msg);
	return n;
}

static size_t
home(struct adt_counters *c, int64_t w)
{
	return adt_counters_home(c, srp, "2.1", w, adt_window_start(AT, w));
}

struct listed {
	int64_t window[64];
	uint64_t count[64];
	int n;
};

static void
note(void *arg, uint64_t s, const char *srv, int64_t w, int64_t start,
    uint64_t n)
{
	struct listed *l = arg;

	(void)s;
	(void)srv;
	(void)start;
	if (l->n < 64) {
		l->window[l->n] = w;
		l->count[l->n++] = n;
	}
}

static uint64_t
listed(const struct listed *l, int64_t w, int *times)
{
	uint64_t n = 0;
	int i;

	*times = 0;
	for (i = 0; i < l->n; i++)
		if (l->window[i] == w) {
			n = l->count[i];
			++*times;
		}
	return n;
}

START_TEST(counters_collide)
{
	struct adt_counters c, c2;
	struct solr_err e = { 0 };
	struct listed l = { .n = 0 };
	int64_t st[NCOLLIDE];	/* window lengths */
	char *dir = counters_dir();
	int i, times;

	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c, &e), 0);
	colliding(&c, st);
	for (i = 0; i < NCOLLIDE; i++)
		ck_assert_uint_eq(home(&c, st[i]), home(&c, st[0]));
	/* three windows on one chain; the first given back to 0 */
	ck_assert_uint_eq(count(&c, st[0]), 1);
	ck_assert_uint_eq(count(&c, st[1]), 1);
	ck_assert_uint_eq(count(&c, st[2]), 1);
	adt_counters_commit(&c);
	ck_assert_int_eq(adt_uncount(&c, srp, "2.1", st[0],
	    adt_window_start(AT, st[0]), &e), 0);
	adt_counters_commit(&c);
	/* a window after the emptied slot is still found */
	ck_assert_uint_eq(count(&c, st[2]), 2);
	ck_assert_uint_eq(count(&c, st[1]), 2);
	ck_assert_uint_eq(count(&c, st[0]), 1);
	adt_counters_commit(&c);
	/* a batch taken back while another process put a window after its
	 * slot on the same chain: that window is still found */
	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c2, &e), 0);
	ck_assert_uint_eq(count(&c, st[3]), 1);
	ck_assert_uint_eq(count(&c2, st[4]), 1);
	adt_counters_commit(&c2);
	ck_assert_int_eq(adt_counters_undo(&c), 0);
	ck_assert_uint_eq(count(&c2, st[4]), 2);
	adt_counters_commit(&c2);
	ck_assert_uint_eq(count(&c, st[3]), 1);
	adt_counters_commit(&c);
	/* each window listed once, at its count */
	ck_assert_int_eq(adt_counters_each(&c, note, &l, &e), 0);
	ck_assert_int_eq(l.n, 5);
	ck_assert_uint_eq(listed(&l, st[0], &times), 1);
	ck_assert_int_eq(times, 1);
	ck_assert_uint_eq(listed(&l, st[1], &times), 2);
	ck_assert_int_eq(times, 1);
	ck_assert_uint_eq(listed(&l, st[2], &times), 2);
	ck_assert_int_eq(times, 1);
	ck_assert_uint_eq(listed(&l, st[3], &times), 1);
	ck_assert_int_eq(times, 1);
	ck_assert_uint_eq(listed(&l, st[4], &times), 2);
	ck_assert_int_eq(times, 1);
	ck_assert_int_eq(adt_counters_close(&c2, &e), 0);
	ck_assert_int_eq(adt_counters_close(&c, &e), 0);
	rm_counters(dir);
}
END_TEST

/* Whether another open of the counter file could take its lock now. */
static int
lock_free(const char *dir)
{
	char path[4096];
	int fd, r;

	snprintf(path, sizeof(path), "%s/state/adt-counters", dir);
	ck_assert_int_ge(fd = open(path, O_RDONLY), 0);
	r = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return r;
}

/* Held for a batch: no other writer until the sync; the counts made
 * under the hold, and another writer's between two holds, are all there
 * and the file holds at its next open. */
START_TEST(counters_hold)
{
	struct adt_counters c, c2;
	struct solr_err e = { 0 };
	char *dir = counters_dir();

	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c, &e), 0);
	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c2, &e), 0);
	ck_assert_int_eq(adt_counters_hold(&c, &e), 0);
	ck_assert_int_eq(lock_free(dir), 0);
	ck_assert_uint_eq(count(&c, 3600), 1);
	ck_assert_uint_eq(count(&c, 3600), 2);
	ck_assert_uint_eq(count(&c, 7200), 1);
	ck_assert_int_eq(lock_free(dir), 0);
	ck_assert_int_eq(adt_counters_sync(&c, &e), 0);
	adt_counters_commit(&c);
	ck_assert_int_eq(lock_free(dir), 1);
	/* another writer between two holds: read again, not remembered */
	ck_assert_uint_eq(count(&c2, 3600), 3);
	ck_assert_int_eq(adt_counters_sync(&c2, &e), 0);
	adt_counters_commit(&c2);
	ck_assert_int_eq(adt_counters_hold(&c, &e), 0);
	ck_assert_uint_eq(count(&c, 3600), 4);
	/* let go before a wait, then counted without the hold */
	adt_counters_release(&c);
	ck_assert_int_eq(lock_free(dir), 1);
	ck_assert_uint_eq(count(&c2, 7200), 2);
	ck_assert_int_eq(adt_counters_hold(&c, &e), 0);
	ck_assert_uint_eq(count(&c, 7200), 3);
	/* a batch taken back under a hold: its counts go, the lock too */
	ck_assert_int_eq(adt_counters_undo(&c), 0);
	ck_assert_int_eq(lock_free(dir), 1);
	ck_assert_int_eq(adt_counters_sync(&c2, &e), 0);
	adt_counters_commit(&c2);
	ck_assert_int_eq(adt_counters_close(&c2, &e), 0);
	ck_assert_int_eq(adt_counters_close(&c, &e), 0);
	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c, &e), 0);
	ck_assert_uint_eq(count(&c, 3600), 4);
	ck_assert_uint_eq(count(&c, 7200), 3);
	ck_assert_int_eq(adt_counters_close(&c, &e), 0);
	rm_counters(dir);
}
END_TEST

START_TEST(counters_keyed)
{
	struct adt_counters a, b;
	struct solr_err e = { 0 };
	int64_t st[NCOLLIDE];
	char *dir = counters_dir(), *dir2 = NULL, p[128];
	int i, same = 0, fd;

	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &a, &e), 0);
	colliding(&a, st);
	/* what collides under one key is spread under another */
	dir2 = counters_dir();
	ck_assert_int_eq(adt_counters_open(dir2, key_b, key_b, &b, &e), 0);
	for (i = 1; i < NCOLLIDE; i++)
		same += home(&b, st[i]) == home(&b, st[0]);
	ck_assert_int_lt(same, NCOLLIDE - 1);
	ck_assert_int_eq(adt_counters_close(&b, &e), 0);
	ck_assert_int_eq(adt_counters_close(&a, &e), 0);
	/* a file placed under another key is refused, not searched */
	ck_assert_int_eq(adt_counters_open(dir, key_b, key_b, &b, &e),
	    SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, "another keys/records.key") != NULL, "%s",
	    e.msg);
	/* and a file of the format before */
	snprintf(p, sizeof(p), "%s/state/adt-counters", dir);
	ck_assert_int_ge(fd = open(p, O_WRONLY), 0);
	ck_assert_int_eq(pwrite(fd, "SOLRADT1", 8, 0), 8);
	close(fd);
	open_refused(dir, SOLR_ERR_CONFIG, "not a counter file of this "
	    "version");
	rm_counters(dir);
	rm_counters(dir2);
}
END_TEST

/* Keys that share the home slot of (srp, 2.1, 3600, AT's window) but
 * differ in one part each: another SRP, another SRV, another start; and
 * a start 40 days on, when the first window is spent. */
START_TEST(counters_probe)
{
	struct adt_counters a;
	struct solr_err e;
	struct listed l = { .n = 0 };
	char *dir = counters_dir(), srv[16];
	int64_t st = adt_window_start(AT, 3600), later, s2 = 0;
	uint64_t other_srp = 0, x, n;
	size_t h;
	int i, k;

	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &a, &e), 0);
	h = adt_counters_home(&a, srp, "2.1", 3600, st);
	for (x = srp + 1; other_srp == 0; x++)
		if (adt_counters_home(&a, x, "2.1", 3600, st) == h)
			other_srp = x;
	for (k = 0, srv[0] = '\0'; srv[0] == '\0'; k++) {
		snprintf(srv, sizeof(srv), "%d.%d", 3 + k / 1000, k % 1000);
		if (adt_counters_home(&a, srp, srv, 3600, st) != h)
			srv[0] = '\0';
	}
	for (i = 1; s2 == 0; i++)
		if (adt_counters_home(&a, srp, "2.1", 3600, st - 3600 *
		    (int64_t)i) == h)
			s2 = st - 3600 * (int64_t)i;
	/* each comes first, then the key of the home: each its own count */
	ck_assert_int_eq(adt_count(&a, other_srp, "2.1", 3600, st, &n, &e), 0);
	ck_assert_int_eq(adt_count(&a, srp, srv, 3600, st, &n, &e), 0);
	ck_assert_int_eq(adt_count(&a, srp, "2.1", 3600, s2, &n, &e), 0);
	ck_assert_uint_eq(count(&a, 3600), 1);
	ck_assert_uint_eq(count(&a, 3600), 2);
	ck_assert_int_eq(adt_count(&a, other_srp, "2.1", 3600, st, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	/* 40 days on, a key of the same home takes the first spent slot */
	for (i = 0, later = 0; later == 0; i++)
		if (adt_counters_home(&a, srp, "2.1", 3600, st + 40 * 86400 +
		    3600 * (int64_t)i) == h)
			later = st + 40 * 86400 + 3600 * (int64_t)i;
	ck_assert_int_eq(adt_count(&a, srp, "2.1", 3600, later, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	/* given back to zero: not listed */
	ck_assert_int_eq(adt_uncount(&a, srp, srv, 3600, st, &e), 0);
	ck_assert_int_eq(adt_counters_each(&a, note, &l, &e), 0);
	ck_assert_int_gt(l.n, 0);
	for (i = 0; i < l.n; i++)
		ck_assert_uint_gt(l.count[i], 0);
	ck_assert_int_eq(adt_counters_close(&a, &e), 0);
	rm_counters(dir);
}
END_TEST

/* A header changed in place (its generation, under its MAC), and a file
 * of a few bytes where the world has never recorded one: each refused
 * for its reason. */
START_TEST(counters_header_changed)
{
	struct adt_counters a;
	struct solr_err e;
	char *dir = counters_dir(), p[128];
	unsigned char b;
	uint64_t n;
	int fd;

	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &a, &e), 0);
	ck_assert_int_eq(adt_counters_close(&a, &e), 0);
	snprintf(p, sizeof(p), "%s/state/adt-counters", dir);
	ck_assert_int_ge(fd = open(p, O_RDWR), 0);
	ck_assert_int_eq(pread(fd, &b, 1, 24), 1);	/* the generation */
	b ^= 1;
	ck_assert_int_eq(pwrite(fd, &b, 1, 24), 1);
	close(fd);
	open_refused(dir, SOLR_ERR_VERIFY, "its header's MAC does not hold");
	rm_counters(dir);
	/* an SRV longer than a counter's key: refused, never cut to fit */
	dir = counters_dir();
	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &a, &e), 0);
	ck_assert_int_eq(adt_count(&a, srp, "2.1-and-sixteen!", 3600,
	    adt_window_start(AT, 3600), &n, &e), SOLR_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.msg, "is longer than a counter's key "
	    "holds"));
	ck_assert_int_eq(adt_count(&a, srp, "2.1-and-fifteen", 3600,
	    adt_window_start(AT, 3600), &n, &e), 0);
	/* a count given back where none was made, or given back twice:
	 * nothing below zero */
	ck_assert_int_eq(adt_uncount(&a, srp, "2.1", 3600, adt_window_start(AT,
	    3600), &e), 0);
	ck_assert_int_eq(adt_uncount(&a, srp, "2.1-and-fifteen", 3600,
	    adt_window_start(AT, 3600), &e), 0);
	ck_assert_int_eq(adt_uncount(&a, srp, "2.1-and-fifteen", 3600,
	    adt_window_start(AT, 3600), &e), 0);
	ck_assert_int_eq(adt_count(&a, srp, "2.1-and-fifteen", 3600,
	    adt_window_start(AT, 3600), &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(adt_counters_close(&a, &e), 0);
	rm_counters(dir);
	dir = counters_dir();
	snprintf(p, sizeof(p), "%s/state", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/state/adt-counters", dir);
	ck_assert_int_ge(fd = open(p, O_WRONLY | O_CREAT, 0600), 0);
	ck_assert_int_eq(write(fd, "SOLR", 4), 4);
	close(fd);
	open_refused(dir, SOLR_ERR_CONFIG, "not a counter file of this "
	    "version");
	rm_counters(dir);
}
END_TEST

/* The slot whose count is from, given count to, in place. */
static void
slot_count_set(const char *dir, unsigned char from, unsigned char to)
{
	static unsigned char b[192 + 65536 * 56];
	const unsigned char pat[9] = { from, 0, 0, 0, 0, 0, 0, 0, 1 };
	char p[256];
	size_t i;
	int fd;

	snprintf(p, sizeof(p), "%s/state/adt-counters", dir);
	ck_assert_int_ge(fd = open(p, O_RDWR), 0);
	ck_assert_int_eq(pread(fd, b, sizeof(b), 0), (ssize_t)sizeof(b));
	for (i = 192 + 40; i + sizeof(pat) <= sizeof(b); i += 56)
		if (memcmp(b + i, pat, sizeof(pat)) == 0)
			break;
	ck_assert_uint_lt(i + sizeof(pat), sizeof(b));
	ck_assert_int_eq(pwrite(fd, &to, 1, (off_t)i), 1);
	close(fd);
}

static void
shell(const char *fmt, const char *dir)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static void
refused(const char *dir, const char *words)
{
	struct adt_counters c;
	struct solr_err e = { 0 };

	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, words) != NULL, "%s", e.msg);
	/* and so by a reader who may not write */
	solr_err_clear(&e);
	ck_assert_int_eq(adt_counters_open_ro(dir, key_a, key_a, &c, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, words) != NULL, "%s", e.msg);
}

static void
add_count(void *arg, uint64_t srp, const char *srv, int64_t window,
    int64_t start, uint64_t count)
{
	(void)srp; (void)srv; (void)start;
	if (window == 7200)
		*(uint64_t *)arg += count;
}

/* The counters against their record: put back to an older copy, a slot
 * changed in place, emptied, the record gone or put back: refused.  A
 * writer killed between the header and the slot leaves a change the next
 * open completes; one killed after its sync and before its record, one
 * generation the next takes in. */
START_TEST(counters_record)
{
	struct adt_counters c;
	struct solr_err e = { 0 };
	char *dir = counters_dir();
	uint64_t n7200 = 0;

	/* not yet made: a reader finds no count, and makes nothing */
	ck_assert_int_eq(adt_counters_open_ro(dir, key_a, key_a, &c, &e),
	    SOLR_ERR_NOTFOUND);
	shell("test ! -e %s/state/adt-counters", dir);
	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c, &e), 0);
	ck_assert_uint_eq(count(&c, 3600), 1);
	ck_assert_int_eq(adt_counters_sync(&c, &e), 0);
	adt_counters_commit(&c);
	shell("cp %s/state/adt-counters %s/old && cp "
	    "%s/state/adt-counters.head %s/oldhead", dir);
	ck_assert_uint_eq(count(&c, 3600), 2);
	ck_assert_int_eq(adt_counters_sync(&c, &e), 0);
	adt_counters_commit(&c);
	ck_assert_uint_eq(count(&c, 3600), 3);
	ck_assert_uint_eq(count(&c, 7200), 1);	/* the last slot written */
	ck_assert_int_eq(adt_counters_sync(&c, &e), 0);
	adt_counters_commit(&c);
	ck_assert_int_eq(adt_counters_close(&c, &e), 0);
	shell("cp %s/state/adt-counters %s/now && cp "
	    "%s/state/adt-counters.head %s/nowhead", dir);
	shell("cp %s/old %s/state/adt-counters", dir);
	refused(dir, "put back to an older copy");
	/* the count of a slot from 3 to 1, the header kept */
	shell("cp %s/now %s/state/adt-counters", dir);
	slot_count_set(dir, 3, 1);
	refused(dir, "changed in place");
	shell("cp %s/now %s/state/adt-counters && : > "
	    "%s/state/adt-counters", dir);
	refused(dir, "emptied");
	shell("cp %s/now %s/state/adt-counters && rm "
	    "%s/state/adt-counters.head", dir);
	refused(dir, "is gone");
	shell("cp %s/oldhead %s/state/adt-counters.head", dir);
	refused(dir, "the record was put back");
	/* killed after the header, before the slot: the last slot as it
	 * was, under the header of after, is completed */
	shell("cp %s/nowhead %s/state/adt-counters.head && cp %s/now "
	    "%s/state/adt-counters", dir);
	slot_count_set(dir, 1, 0);
	/* read only, it holds as the header says, and is left as it is */
	shell("cp %s/state/adt-counters %s/torn", dir);
	ck_assert_int_eq(adt_counters_open_ro(dir, key_a, key_a, &c, &e), 0);
	ck_assert_int_eq(adt_counters_each(&c, add_count, &n7200, &e), 0);
	ck_assert_uint_eq(n7200, 1);
	ck_assert_int_eq(adt_counters_close(&c, &e), 0);
	shell("cmp -s %s/torn %s/state/adt-counters && rm %s/torn", dir);
	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c, &e), 0);
	ck_assert_uint_eq(count(&c, 7200), 2);
	ck_assert_uint_eq(count(&c, 3600), 4);
	/* killed after its sync, before its record */
	ck_assert_int_eq(adt_counters_sync(&c, &e), 0);
	adt_counters_commit(&c);
	ck_assert_int_eq(adt_counters_close(&c, &e), 0);
	shell("cp %s/nowhead %s/state/adt-counters.head", dir);
	ck_assert_int_eq(adt_counters_open(dir, key_a, key_a, &c, &e), 0);
	ck_assert_uint_eq(count(&c, 3600), 5);
	ck_assert_int_eq(adt_counters_close(&c, &e), 0);
	shell("rm -f %s/old %s/oldhead %s/now %s/nowhead", dir);
	rm_counters(dir);
}
END_TEST

Suite *
adt_suite(void)
{
	Suite *s = suite_create("adt");
	TCase *tc = unit_tcase("core", 30);

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
	tcase_add_test(tc, instructions_unreadable);
	tcase_add_loop_test(tc, instructions_errors, 0,
	    sizeof(bad_instructions) / sizeof(bad_instructions[0]));
	tcase_add_loop_test(tc, adt_errors, 0, sizeof(bad_adt) /
	    sizeof(bad_adt[0]));
	suite_add_tcase(s, tc);
	/* the search for colliding windows: about 300,000 HMACs */
	tc = unit_tcase("counters", 120);
	tcase_add_test(tc, counters_collide);
	tcase_add_test(tc, counters_hold);
	tcase_add_test(tc, counters_keyed);
	tcase_add_test(tc, counters_header_changed);
	tcase_add_test(tc, counters_probe);
	tcase_add_test(tc, counters_record);
	suite_add_tcase(s, tc);
	return s;
}
