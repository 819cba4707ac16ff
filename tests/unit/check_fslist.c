/* The Failed Suppliers list: the pipeline's check and alert routing, the
 * operator's --accept, the list's file, and apply as one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decide/fslist.h"
#include "unit.h"

#define SUPPLIER 0x90B3D51F30010000ULL
#define SUPPLIER2 0x90B3D51F30040000ULL
#define HEALTHY 0x90B3D51F30030000ULL
#define SRP 0x00DB123456780004ULL
#define SRP2 0x00DB123456780005ULL

static char *supplier_roles[] = { "IS", "GS" };
static char *srp_roles[] = { "SolrContingency" };
static struct solr_user users[] = {
	{ SUPPLIER, "Example Energy", supplier_roles, 2, 1 },
	{ HEALTHY, "Steady Power", supplier_roles, 2, 0 },
	{ SRP, "Shared Resource", srp_roles, 1, 0 },
	{ SRP2, "Other Resource", srp_roles, 1, 0 },
};

static void
mini(struct solr_world *w, struct fs_list *l)
{
	static struct fs_entry entries[] = {
		{ SUPPLIER, "Example Energy", 1, SRP, 2 },
		{ SUPPLIER2, "Gone Gas", 0, 0, 3 },
	};

	memset(w, 0, sizeof(*w));
	w->users = users;
	w->nusers = sizeof(users) / sizeof(users[0]);
	w->policy.safety_critical[0] = 0x8F1F;
	w->policy.safety_critical[1] = 0x8F3F;
	w->policy.nsafety_critical = 2;
	memset(l, 0, sizeof(*l));
	l->present = 1;
	l->version = 4;
	l->entry = entries;
	l->n = 2;
}

static const struct {
	uint64_t sender, originator;
	enum verdict verdict;
	const char *reason;
} checks[] = {
	{ SRP, SUPPLIER, VERDICT_PASS, NULL },
	{ SRP2, SUPPLIER, VERDICT_REJECT, "the Failed Suppliers list (version "
	    "4) names 00-DB-12-34-56-78-00-04 as the SRP of 90-B3-D5-1F-30-01-"
	    "00-00, not the sender 00-DB-12-34-56-78-00-05" },
	{ SRP, SUPPLIER2, VERDICT_PASS, NULL },	/* the list names no SRP */
	{ SRP2, SUPPLIER2, VERDICT_PASS, NULL },
	{ SRP, HEALTHY, VERDICT_REJECT, "the Business Originator 90-B3-D5-1F-"
	    "30-03-00-00 is not on the Failed Suppliers list (version 4)" },
	{ SRP, SRP, VERDICT_SKIPPED, NULL },	/* its own: the ordinary path */
	{ HEALTHY, HEALTHY, VERDICT_SKIPPED, NULL },	/* not SoLR */
	{ SUPPLIER, SUPPLIER, VERDICT_SKIPPED, NULL },
	{ 0x1122334455667788ULL, SUPPLIER, VERDICT_SKIPPED, NULL },
};

START_TEST(check_rules)
{
	struct solr_world w;
	struct fs_list l;
	struct decision d;

	mini(&w, &l);
	ck_assert_int_eq(fslist_decide(&w, &l, checks[_i].sender,
	    checks[_i].originator, &d), 0);
	ck_assert_int_eq(d.verdict, checks[_i].verdict);
	ck_assert_int_eq(d.code, d.verdict == VERDICT_REJECT ? DUIS_E65 :
	    DUIS_NONE);
	if (checks[_i].reason)
		ck_assert_msg(strstr(d.reason, checks[_i].reason) != NULL, "'%s'",
		    d.reason);
}
END_TEST

START_TEST(empty_list_refuses)
{
	struct solr_world w;
	struct fs_list l, none = { 0 };
	struct decision d;

	mini(&w, &l);
	ck_assert_int_eq(fslist_decide(&w, &none, SRP, SUPPLIER, &d), 0);
	ck_assert_int_eq(d.verdict, VERDICT_REJECT);
	ck_assert_ptr_nonnull(strstr(d.reason, "(version 0)"));
}
END_TEST

static const struct {
	uint64_t recipient, code;
	int routed, forward, critical;
} routes[] = {
	{ SUPPLIER, 0x8F1F, 0, 1, 1 },
	{ SUPPLIER, 0x8F3F, 0, 1, 1 },
	{ SUPPLIER, 0x8F30, 0, 0, 0 },	/* not safety-critical: not forwarded */
	{ SUPPLIER2, 0x8F1F, 0, 0, 1 },	/* no SRP named: nobody to forward to */
	{ HEALTHY, 0x8F1F, 1, 0, 0 },	/* not on the list: left alone */
};

START_TEST(route_rules)
{
	struct solr_world w;
	struct fs_list l;
	struct fs_route rt;

	mini(&w, &l);
	ck_assert_int_eq(fslist_route(&w, &l, routes[_i].recipient,
	    routes[_i].code, &rt), routes[_i].routed);
	if (routes[_i].routed)
		return;
	ck_assert(rt.deliver_to == routes[_i].recipient);
	ck_assert_int_eq(rt.has_forward, routes[_i].forward);
	if (rt.has_forward)
		ck_assert(rt.forward_to == SRP);
	ck_assert_int_eq(rt.safety_critical, routes[_i].critical);
}
END_TEST

static const struct {
	const char *accept[3];
	const char *code;
	uint64_t supplier;
	int want;
} accepts[] = {
	{ { "active-certificates" }, "active-certificates", SUPPLIER, 1 },
	{ { "active-certificates:90-B3-D5-1F-30-01-00-00" },
	    "active-certificates", SUPPLIER, 1 },
	{ { "active-certificates:90-B3-D5-1F-30-03-00-00" },
	    "active-certificates", SUPPLIER, 0 },
	{ { "active-certificates:90b3d51f30010000" }, "active-certificates",
	    SUPPLIER, 0 },
	{ { "active" }, "active-certificates", SUPPLIER, 0 },
	{ { "active-certificates-x" }, "active-certificates", SUPPLIER, 0 },
	{ { "not-suspended", "active-certificates" }, "active-certificates",
	    SUPPLIER, 1 },
	{ { NULL }, "active-certificates", SUPPLIER, 0 },
};

START_TEST(accept_rules)
{
	struct fs_finding f = { .code = accepts[_i].code,
	    .supplier = accepts[_i].supplier, .line = 1 };
	size_t n = 0;

	while (n < 3 && accepts[_i].accept[n])
		n++;
	ck_assert_int_eq(fslist_accepted(&f, (char *const *)accepts[_i].accept,
	    n), accepts[_i].want);
}
END_TEST

/* the rendered list parses back to the same entries, quotes and all */
START_TEST(render_round_trip)
{
	static struct fs_entry entries[] = {
		{ SUPPLIER, "O'Brien \"Energy\": Ltd", 1, SRP, 2 },
		{ SUPPLIER2, "#1 Gas", 0, 0, 3 },
	};
	struct fs_list l = { .present = 1, .version = 4, .entry = entries,
	    .n = 2 }, back;
	struct solr_err e;
	char *text = fslist_render(&l, 5);

	ck_assert_ptr_nonnull(text);
	ck_assert_msg(fslist_parse(text, strlen(text), "r.yaml", &back, &e) ==
	    0, "%s: %s", e.msg, text);
	ck_assert_int_eq(back.version, 5);
	ck_assert_uint_eq(back.n, 2);
	ck_assert_str_eq(back.entry[0].name, entries[0].name);
	ck_assert_str_eq(back.entry[1].name, entries[1].name);
	ck_assert(back.entry[0].srp == SRP && back.entry[0].has_srp);
	ck_assert_int_eq(back.entry[1].has_srp, 0);
	fslist_free(&back);
	free(text);
}
END_TEST

static const char *const bad_lists[][2] = {
	{ "suppliers: []\n", "version: the list has no version" },
	{ "version: 0\nsuppliers: []\n", "must be a whole number from 1" },
	{ "version: '2'\nsuppliers: []\n", "must be a whole number" },
	{ "version: 1\n", "suppliers: must be a list" },
	{ "version: 1\nsuppliers: []\nmpid: x\n", "mpid: unknown key" },
	{ "version: 1\nsuppliers:\n  - {id: 90-B3-D5-1F-30-01-00-00}\n",
	    "every supplier needs a name" },
	{ "version: 1\nsuppliers:\n  - {id: 90B3D51F30010000, name: A}\n",
	    "suppliers[].id: must be an EUI-64" },
	{ "version: 1\nsuppliers:\n  - {id: 90-B3-D5-1F-30-01-00-00, name: A, "
	    "srp: x}\n", "suppliers[].srp" },
	{ "version: 1\nsuppliers:\n  - {id: 90-B3-D5-1F-30-01-00-00, name: A}\n"
	    "  - {id: 90-b3-d5-1f-30-01-00-00, name: B}\n", "listed twice "
	    "(first at line 3)" },
	{ "version: 1\nsuppliers:\n  - x\n", "suppliers[]: must be a mapping" },
};

START_TEST(parse_errors)
{
	struct fs_list l;
	struct solr_err e;
	const char *y = bad_lists[_i][0];

	ck_assert_int_eq(fslist_parse(y, strlen(y), "up.yaml", &l, &e),
	    SOLR_ERR_FORMAT);
	ck_assert_msg(strstr(e.msg, bad_lists[_i][1]) != NULL, "'%s'", e.msg);
	ck_assert_str_eq(e.file, "up.yaml");
	ck_assert_int_gt(e.line, 0);
}
END_TEST

/* Per request, at its time: a Business Originator whose supplier-role
 * certificates are all revoked passes; one that still holds a valid one,
 * or never held one, is refused, each for its reason. */
START_TEST(revoked_rules)
{
	const char *src = world_dir();
	struct solr_world w;
	struct decision d;
	struct solr_err e;
	int64_t at;

	if (src == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	ck_assert_msg(world_load(&w, src, &e) == 0, "%s", e.msg);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	/* the failed supplier, the healthy one, an SRP that supplies no one */
	ck_assert_int_eq(fslist_decide_revoked(&w, 0x90B3D51F30010000ULL, at,
	    &d, &e), 0);
	ck_assert_int_eq(d.verdict, VERDICT_PASS);
	ck_assert_int_eq(fslist_decide_revoked(&w, 0x90B3D51F30030000ULL, at,
	    &d, &e), 0);
	ck_assert_int_eq(d.verdict, VERDICT_REJECT);
	ck_assert_ptr_nonnull(strstr(d.reason, "still holds a valid, "
	    "unrevoked supplier-role certificate"));
	ck_assert_int_eq(fslist_decide_revoked(&w, 0x00DB123456780005ULL, at,
	    &d, &e), 0);
	ck_assert_int_eq(d.verdict, VERDICT_REJECT);
	ck_assert_int_eq(d.code, DUIS_E65);
	ck_assert_ptr_nonnull(strstr(d.reason, "00-DB-12-34-56-78-00-05 never "
	    "held a supplier-role SMKI certificate (pki/org): it is not a "
	    "failed supplier"));
	world_free(&w);
}
END_TEST

/* apply on a copy of the generated world: a finding not accepted changes
 * nothing; accepted, the list is the next version with its history */
START_TEST(apply_transaction)
{
	const char *src = world_dir();
	char dir[] = "/tmp/solr-applyXXXXXX", cmd[8400], list[4200];
	char *accept[] = { "active-certificates", "not-suspended", "removed",
	    "version-not-newer" };
	size_t i, notes = 0;
	struct solr_world w;
	struct fs_apply a = { 0 };
	struct fs_history_last last;
	struct fs_list l;
	struct solr_err e;

	if (src == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "cp -R %s/. %s && rm -rf %s/state", src,
	    dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(list, sizeof(list), "%s/upload.yaml", dir);
	snprintf(cmd, sizeof(cmd), "printf 'version: 9\\nsuppliers:\\n  - {id: "
	    "90-B3-D5-1F-30-03-00-00, name: Steady Power plc}\\n' > %s", list);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(world_load(&w, dir, &e) == 0, "%s", e.msg);
	a.world = &w;
	a.file = list;
	a.by = "ops";
	a.reason = "test";
	solr_time_parse("2026-03-02T10:15:00Z", &a.at);
	/* a healthy, active supplier: findings, none accepted */
	ck_assert_int_eq(fslist_apply(&a, &e), SOLR_ERR_VERIFY);
	ck_assert_uint_gt(a.nfindings, 0);
	/* the two suppliers it drops are findings; the one it adds a note */
	for (i = 0; i < a.nfindings; i++) {
		notes += a.findings[i].note;
		if (a.findings[i].note)
			ck_assert_str_eq(a.findings[i].code, "added");
	}
	ck_assert_uint_eq(notes, 1);
	ck_assert_uint_eq(a.refused, a.nfindings - 1);
	ck_assert_int_eq(a.tried, 0);
	fslist_apply_free(&a);
	ck_assert_int_eq(fslist_load(dir, &l, &e), 0);
	ck_assert_int_eq(l.version, 1);
	fslist_free(&l);
	/* accepted */
	memset(&a, 0, sizeof(a));
	a.world = &w;
	a.file = list;
	a.by = "ops";
	a.reason = "it's accepted";
	a.accept = accept;
	a.naccept = 2;
	solr_time_parse("2026-03-02T10:15:00Z", &a.at);
	/* the removals not accepted: nothing changes */
	ck_assert_int_eq(fslist_apply(&a, &e), SOLR_ERR_VERIFY);
	ck_assert_uint_eq(a.refused, 2);
	fslist_apply_free(&a);
	a.naccept = 3;
	ck_assert_msg(fslist_apply(&a, &e) == 0, "%s", e.msg);
	/* the upload's own version */
	ck_assert_int_eq(a.version, 9);
	fslist_apply_free(&a);
	ck_assert_int_eq(fslist_load(dir, &l, &e), 0);
	ck_assert_int_eq(l.version, 9);
	ck_assert_str_eq(l.sha256, a.sha256);
	ck_assert_int_eq(fslist_history(&w, NULL, NULL, &last, &e), 0);
	ck_assert_int_eq(last.found, 1);
	ck_assert_str_eq(last.sha_new, l.sha256);
	fslist_free(&l);
	/* the same upload again: its version is not above the installed
	 * one; accepted, it goes on as the next version */
	ck_assert_int_eq(fslist_apply(&a, &e), SOLR_ERR_VERIFY);
	ck_assert_uint_eq(a.refused, 1);
	for (i = 0; i < a.nfindings; i++)
		if (!a.accepted[i])
			ck_assert_str_eq(a.findings[i].code,
			    "version-not-newer");
	fslist_apply_free(&a);
	a.naccept = 4;
	ck_assert_msg(fslist_apply(&a, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(a.version, 10);
	fslist_apply_free(&a);
	/* a scanner that refuses: nothing is parsed or installed */
	free(w.policy.upload_scanner);
	w.policy.upload_scanner = strdup("echo 'Eicar-Test-Signature "
	    "FOUND in' && false");
	ck_assert_int_eq(fslist_apply(&a, &e), SOLR_ERR_CONFIG);
	ck_assert_int_eq(a.scan_refused, 1);
	ck_assert_msg(strstr(e.msg, "refused by the anti-malware scanner") &&
	    strstr(e.msg, "Eicar-Test-Signature FOUND in") &&
	    strstr(e.msg, "exit status 1"), "%s", e.msg);
	fslist_apply_free(&a);
	/* no scanner: refused, not waved through */
	free(w.policy.upload_scanner);
	w.policy.upload_scanner = NULL;
	ck_assert_int_eq(fslist_apply(&a, &e), SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, "names no upload_scanner"), "%s", e.msg);
	fslist_apply_free(&a);
	ck_assert_int_eq(fslist_load(dir, &l, &e), 0);
	ck_assert_int_eq(l.version, 10);
	fslist_free(&l);
	world_free(&w);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(accept_values)
{
	ck_assert_int_eq(fslist_accept_valid("removed"), 1);
	ck_assert_int_eq(fslist_accept_valid("version-not-newer"), 1);
	ck_assert_int_eq(fslist_accept_valid("not-suspended:"
	    "90-B3-D5-1F-30-01-00-00"), 1);
	ck_assert_int_eq(fslist_accept_valid("not-suspnded"), 0);
	ck_assert_int_eq(fslist_accept_valid("not-suspended:nobody"), 0);
	ck_assert_int_eq(fslist_accept_valid("added"), 0);
	ck_assert_int_eq(fslist_accept_valid(""), 0);
	ck_assert_int_eq(fslist_accept_valid("removedx"), 0);
}
END_TEST

Suite *
fslist_suite(void)
{
	Suite *s = suite_create("fslist");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_loop_test(tc, check_rules, 0, sizeof(checks) /
	    sizeof(checks[0]));
	tcase_add_test(tc, empty_list_refuses);
	tcase_add_loop_test(tc, route_rules, 0, sizeof(routes) /
	    sizeof(routes[0]));
	tcase_add_loop_test(tc, accept_rules, 0, sizeof(accepts) /
	    sizeof(accepts[0]));
	tcase_add_test(tc, render_round_trip);
	tcase_add_loop_test(tc, parse_errors, 0, sizeof(bad_lists) /
	    sizeof(bad_lists[0]));
	tcase_add_test(tc, revoked_rules);
	tcase_add_test(tc, apply_transaction);
	tcase_add_test(tc, accept_values);
	suite_add_tcase(s, tc);
	return s;
}
