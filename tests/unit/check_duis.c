/* DUIS codes named once, the E020101/E2 rule, RequestIDs, and the rules
 * that pick a record's codes: the signer's identity (solr-verify-sig),
 * the response to the sender and the required stages (solr-countersign). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide/countersign.h"
#include "base/decision.h"
#include "duis/duis.h"
#include "decide/identity.h"
#include "unit.h"
#include "world/schema.h"
#include "base/xml.h"
#include "base/yread.h"

START_TEST(codes_named_once)
{
	int c;

	ck_assert_ptr_null(duis_code_name(DUIS_NONE));
	ck_assert_ptr_null(duis_code_name(DUIS_NCODES));
	ck_assert_ptr_null(duis_code_name((enum duis_code)-1));
	for (c = DUIS_NONE + 1; c < DUIS_NCODES; c++)
		ck_assert_int_eq(duis_code_parse(duis_code_name(c)), c);
	ck_assert_str_eq(duis_code_name(DUIS_E020101), "E020101");
	ck_assert_str_eq(duis_code_name(DCC_AD1), "AD1");
	ck_assert_int_eq(duis_code_parse("e65"), DUIS_NONE);
	ck_assert_int_eq(duis_code_parse("E6"), DUIS_NONE);
	ck_assert_int_eq(duis_code_parse(NULL), DUIS_NONE);
}
END_TEST

/* schema version, first version with E020101, the code */
static const struct {
	const char *sv, *from;
	enum duis_code want;
} content_codes[] = {
	{ "5.4", "5.5", DUIS_E2 },
	{ "5.5", "5.5", DUIS_E020101 },
	{ "5.6", "5.5", DUIS_E020101 },
	{ "5.10", "5.5", DUIS_E020101 },	/* numbers, not text */
	{ "5.4.1", "5.5", DUIS_E2 },
	{ "5", "5.5", DUIS_E2 },
	{ "6", "5.5", DUIS_E020101 },
	{ "4.9", "5.5", DUIS_E2 },
	{ "5.5", NULL, DUIS_E2 },		/* no version has it */
	{ NULL, "5.5", DUIS_E2 },
	{ "5.x", "5.5", DUIS_E2 },		/* not a version: stops */
};

START_TEST(content_code)
{
	ck_assert_int_eq(duis_content_code(content_codes[_i].sv,
	    content_codes[_i].from), content_codes[_i].want);
}
END_TEST

static const struct {
	const char *id;
	int ok;
	uint64_t bo, bt, counter;
} request_ids[] = {
	{ "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1003", 1,
	    0x90B3D51F30010000ULL, 0x00DB1234567890A0ULL, 1003 },
	{ "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:0", 1,
	    0x90B3D51F30010000ULL, 0x00DB1234567890A0ULL, 0 },
	{ "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:"
	    "18446744073709551615", 1, 0x90B3D51F30010000ULL,
	    0x00DB1234567890A0ULL, UINT64_MAX },
	{ "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:"
	    "18446744073709551616", 0, 0, 0, 0 },
	{ "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:01003", 0, 0, 0,
	    0 },
	{ "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:", 0, 0, 0, 0 },
	{ "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:10a", 0, 0, 0, 0 },
	{ "90B3D51F30010000:00-DB-12-34-56-78-90-A0:1003", 0, 0, 0, 0 },
	{ "90-B3-D5-1F-30-01-00-00-00-DB-12-34-56-78-90-A0:1003", 0, 0, 0,
	    0 },
};

/* schemaVersion: one rule wherever it is read (the schema, the header,
 * the signature's structure). */
static const struct {
	const char *attr;	/* NULL: no attribute */
	const char *want;	/* NULL: refused */
	const char *why;
} versions[] = {
	{ "5.4", "5.4", NULL },
	{ "10.0.1", "10.0.1", NULL },
	{ "4", "4", NULL },
	{ NULL, NULL, "the root has no schemaVersion" },
	{ "", NULL, "is not a DUIS version" },
	{ ".5", NULL, "is not a DUIS version" },
	{ "5.", NULL, "is not a DUIS version" },
	{ "5..4", NULL, "is not a DUIS version" },
	{ "../5.4", NULL, "'../5.4' is not a DUIS version" },
	{ "5.4a", NULL, "is not a DUIS version" },
	{ " 5.4", NULL, "is not a DUIS version" },
	{ "1.2.3.4.5.6.7.89", NULL, "is not a DUIS version" },
	{ "1.2.3.4.5.6.7.8", "1.2.3.4.5.6.7.8", NULL },
};

START_TEST(schema_version_rule)
{
	char doc[256], v[DUIS_VERSION_MAX];
	struct solr_err e = { 0 };
	xmlDocPtr d = NULL;

	if (versions[_i].attr)
		snprintf(doc, sizeof(doc), "<Request schemaVersion=\"%s\"/>",
		    versions[_i].attr);
	else
		snprintf(doc, sizeof(doc), "<Request/>");
	ck_assert_int_eq(solr_xml_parse((const unsigned char *)doc,
	    strlen(doc), &d, &e), 0);
	if (versions[_i].want) {
		ck_assert_int_eq(duis_schema_version(d, v, &e), 0);
		ck_assert_str_eq(v, versions[_i].want);
	} else {
		ck_assert_int_eq(duis_schema_version(d, v, &e),
		    SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, versions[_i].why) != NULL, "%s",
		    e.msg);
		ck_assert_str_eq(v, "");
	}
	xmlFreeDoc(d);
}
END_TEST

START_TEST(request_id)
{
	uint64_t bo = 0, bt = 0, c = 0;
	int r = duis_parse_request_id(request_ids[_i].id, &bo, &bt, &c);

	if (!request_ids[_i].ok) {
		ck_assert_int_ne(r, 0);
		return;
	}
	ck_assert_int_eq(r, 0);
	ck_assert(bo == request_ids[_i].bo);
	ck_assert(bt == request_ids[_i].bt);
	ck_assert(c == request_ids[_i].counter);
}
END_TEST

/* The quarantine reference: the first 8 bytes of SHA-256("abc") are
 * ba7816bf8f01cfea = 13436514500253700074, modulo 10^19
 * (echo -n abc | openssl dgst -sha256). */
START_TEST(quarantine_ref)
{
	char q[24];

	duis_quarantine_ref("abc", q);
	ck_assert_str_eq(q, "3436514500253700074");
}
END_TEST

/* verdict, record code -> response code and alert */
static const struct {
	const char *verdict;
	enum duis_code code, want, alert;
} responses[] = {
	{ "accept", DUIS_NONE, DUIS_I99, DUIS_NONE },
	{ "accept", DUIS_E65, DUIS_I99, DUIS_NONE },
	{ "reject", DUIS_E65, DUIS_E65, DUIS_NONE },
	{ "reject", DUIS_E020101, DUIS_E020101, DUIS_NONE },
	{ "reject", DUIS_NONE, DUIS_NONE, DUIS_NONE },	/* no response */
	{ "quarantine", DCC_AD1, DUIS_I0, DCC_AD1 },
	{ "quarantine", DUIS_NONE, DUIS_NONE, DUIS_NONE },
	{ "pass", DUIS_NONE, DUIS_NONE, DUIS_NONE },
	{ NULL, DUIS_E2, DUIS_E2, DUIS_NONE },
};

START_TEST(response_code)
{
	enum duis_code alert;

	ck_assert_int_eq(countersign_response_code(responses[_i].verdict,
	    responses[_i].code, &alert), responses[_i].want);
	ck_assert_int_eq(alert, responses[_i].alert);
}
END_TEST

/* stages present in the record -> the first required one missing */
static const struct {
	const char *stages;
	const char *missing;
} required[] = {
	{ "{verify-sig: {result: pass}, failed-suppliers: {result: pass}}",
	    NULL },
	{ "{verify-sig: {result: pass}, failed-suppliers: {result: skipped}}",
	    NULL },
	{ "{verify-sig: {result: pass}}", "failed-suppliers" },
	{ "{failed-suppliers: {result: pass}}", "verify-sig" },
	{ "{verify-sig: {result: pass}, failed-suppliers: {result: reject}}",
	    "failed-suppliers" },
	{ "{verify-sig: {result: quarantine}, failed-suppliers: {result: "
	    "pass}}", "verify-sig" },
	{ "{verify-sig: {result: PASS}, failed-suppliers: {result: pass}}",
	    "verify-sig" },
	{ "{verify-sig: pass, failed-suppliers: {result: pass}}",
	    "verify-sig" },
	{ "{}", "verify-sig" },
};

START_TEST(required_stages)
{
	char *names[] = { "verify-sig", "failed-suppliers" };
	struct solr_policy p = { .required_stages = names,
	    .nrequired_stages = 2 };
	struct ynode *rec;
	struct solr_err e;
	char y[512];
	const char *got;

	snprintf(y, sizeof(y), "{stages: %s}", required[_i].stages);
	ck_assert_int_eq(yn_parse(y, strlen(y), "r", 1, &rec, &e), 0);
	got = countersign_missing_stage(&p, rec);
	if (required[_i].missing == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, required[_i].missing);
	yn_free(rec);
}
END_TEST

/* A world in memory for the identity rules: a failed supplier, a healthy
 * one, an SRP, a suspended SRP, and a supplier that also holds the SoLR
 * role. */
#define SUPPLIER 0x90B3D51F30010000ULL
#define HEALTHY 0x90B3D51F30030000ULL
#define SRP 0x00DB123456780004ULL
#define SRP_SUSPENDED 0x00DB123456780005ULL
#define BOTH 0x90B3D51F30090000ULL
#define STRANGER 0x1122334455667788ULL

static char *supplier_roles[] = { "IS", "GS" };
static char *srp_roles[] = { "SolrContingency" };
static char *both_roles[] = { "IS", "SolrContingency" };
static struct solr_user users[] = {
	{ SUPPLIER, "Example Energy", supplier_roles, 2, 1 },
	{ HEALTHY, "Steady Power", supplier_roles, 2, 0 },
	{ SRP, "Shared Resource", srp_roles, 1, 0 },
	{ SRP_SUSPENDED, "Other Resource", srp_roles, 1, 1 },
	{ BOTH, "Both Energy", both_roles, 2, 0 },
};
static char *srvs[] = { "2.1" };
static struct solr_role_policy roles[] = {
	{ "SolrContingency", srvs, 1, { 4, 5, 6, 7 }, 4, NULL, NULL, 0 },
};

static void
mini_world(struct solr_world *w)
{
	memset(w, 0, sizeof(*w));
	w->users = users;
	w->nusers = sizeof(users) / sizeof(users[0]);
	w->policy.roles = roles;
	w->policy.nroles = 1;
}

static const struct {
	uint64_t signer;
	int has_eui;
	uint64_t originator;
	const char *srv;
	enum verify_mode mode;
	enum verdict verdict;
	enum duis_code code;
	enum originator_check oc;
	const char *reason;
} identities[] = {
	/* the ordinary path: signer = Business Originator */
	{ HEALTHY, 1, HEALTHY, "2.1", VERIFY_REQUEST, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_IS_SIGNER, NULL },
	{ HEALTHY, 1, SUPPLIER, "2.1", VERIFY_REQUEST, VERDICT_REJECT,
	    DUIS_E65, ORIGINATOR_NOT_CHECKED, "is not the Business Originator" },
	{ HEALTHY, 1, SUPPLIER, "2.1", VERIFY_COUNTERSIGNED, VERDICT_REJECT,
	    DUIS_S1VE100, ORIGINATOR_NOT_CHECKED, "is not the Business" },
	/* the SoLR path: deferred to the Failed Suppliers stage */
	{ SRP, 1, SUPPLIER, "2.1", VERIFY_REQUEST, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_DEFERRED, NULL },
	{ SRP, 1, SUPPLIER, "2.3", VERIFY_REQUEST, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_DEFERRED, NULL },	/* the role rule is adt-check's */
	{ SRP, 1, SUPPLIER, "2.3", VERIFY_COUNTERSIGNED, VERDICT_REJECT,
	    DUIS_S1VE2, ORIGINATOR_NOT_CHECKED, "may not send SRV 2.3" },
	{ SRP, 1, SUPPLIER, "2.1", VERIFY_COUNTERSIGNED, VERDICT_PASS,
	    DUIS_NONE, ORIGINATOR_DEFERRED, NULL },
	/* registry */
	{ STRANGER, 1, STRANGER, "2.1", VERIFY_REQUEST, VERDICT_REJECT,
	    DUIS_E1, ORIGINATOR_NOT_CHECKED, "is not a DCC user" },
	{ STRANGER, 1, STRANGER, "2.1", VERIFY_COUNTERSIGNED, VERDICT_REJECT,
	    DUIS_S1VE2, ORIGINATOR_NOT_CHECKED, "is not a DCC user" },
	{ SUPPLIER, 1, SUPPLIER, "2.1", VERIFY_REQUEST, VERDICT_REJECT,
	    DUIS_E3, ORIGINATOR_NOT_CHECKED, "is suspended" },
	{ SRP_SUSPENDED, 1, SUPPLIER, "2.1", VERIFY_COUNTERSIGNED,
	    VERDICT_REJECT, DUIS_S1VE3, ORIGINATOR_NOT_CHECKED, "suspended" },
	{ HEALTHY, 0, HEALTHY, "2.1", VERIFY_REQUEST, VERDICT_REJECT,
	    DUIS_E65, ORIGINATOR_NOT_CHECKED, "no x500UniqueIdentifier" },
	/* responses: no originator rule */
	{ HEALTHY, 1, SUPPLIER, "", VERIFY_RESPONSE, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_NOT_CHECKED, NULL },
	/* a party with both roles: its own requests take the ordinary path */
	{ BOTH, 1, BOTH, "2.1", VERIFY_REQUEST, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_IS_SIGNER, NULL },
	{ BOTH, 1, BOTH, "2.3", VERIFY_COUNTERSIGNED, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_IS_SIGNER, NULL },
	{ BOTH, 1, SUPPLIER, "2.1", VERIFY_REQUEST, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_DEFERRED, NULL },
	{ SRP, 1, SRP, "2.1", VERIFY_REQUEST, VERDICT_PASS, DUIS_NONE,
	    ORIGINATOR_IS_SIGNER, NULL },
	/* the ServiceReference is the variant's (E2: no policy version) */
	{ SRP, 1, SUPPLIER, "2.1", VERIFY_REQUEST, VERDICT_REJECT, DUIS_E2,
	    ORIGINATOR_NOT_CHECKED, "ServiceReference 1.6 is not the one of" },
};

/* A Signed Pre-Command's payload: exactly one, its text in one form. */
static const char *const spc_rows[][2] = {
	{ "<sr:GBCSPayload>AAEC</sr:GBCSPayload>", NULL },
	{ "", "must hold one sr:GBCSPayload and nothing else" },
	{ "<sr:GBCSPayload>AAEC</sr:GBCSPayload><sr:GBCSPayload>AAED</sr:"
	    "GBCSPayload>", "must hold one sr:GBCSPayload and nothing else" },
	{ "<sr:GBCSPayload>AAEC</sr:GBCSPayload><sr:Colour/>", "must hold one "
	    "sr:GBCSPayload and nothing else" },
	{ "<sr:Colour/>", "must hold one sr:GBCSPayload" },
	{ "<sr:GBCSPayload><![CDATA[AAEC]]></sr:GBCSPayload>", "sr:GBCSPayload "
	    "(line 1) must be written out as one text" },
	{ "<sr:GBCSPayload>&#65;AEC</sr:GBCSPayload>", "must be written out as "
	    "one text" },
	{ "<sr:GBCSPayload> AAEC</sr:GBCSPayload>", "has white space around "
	    "its value" },
};

START_TEST(spc_payload)
{
	char doc[512], *text;
	xmlDocPtr d;
	struct solr_err e;
	int r;

	snprintf(doc, sizeof(doc), "<sr:SignedPreCommand xmlns:sr=\"%s\">%s"
	    "</sr:SignedPreCommand>", SOLR_NS_SR, spc_rows[_i][0]);
	ck_assert_int_eq(solr_xml_parse((unsigned char *)doc, strlen(doc), &d,
	    &e), 0);
	r = duis_spc_payload(xmlDocGetRootElement(d), &text, &e);
	if (spc_rows[_i][1] == NULL) {
		ck_assert_msg(r == 0, "%s", e.msg);
		ck_assert_str_eq(text, "AAEC");
		free(text);
	} else {
		ck_assert_int_eq(r, SOLR_ERR_VERIFY);
		ck_assert_ptr_null(text);
		ck_assert_msg(strstr(e.msg, spc_rows[_i][1]) != NULL, "%s",
		    e.msg);
	}
	xmlFreeDoc(d);
}
END_TEST

START_TEST(identity_rules)
{
	struct solr_world w;
	struct solr_cert cert;
	struct duis_header h;
	struct decision d;
	enum originator_check oc;

	mini_world(&w);
	memset(&cert, 0, sizeof(cert));
	memset(&h, 0, sizeof(h));
	cert.eui = identities[_i].signer;
	cert.has_eui = identities[_i].has_eui;
	h.originator = identities[_i].originator;
	snprintf(h.srv, sizeof(h.srv), "%s", identities[_i].srv);
	duis_service_reference(h.srv, h.service_reference,
	    sizeof(h.service_reference));
	if (identities[_i].reason && strstr(identities[_i].reason,
	    "ServiceReference"))
		strcpy(h.service_reference, "1.6");
	ck_assert_int_eq(identity_decide(&w, &h, &cert, identities[_i].mode,
	    &d, &oc), 0);
	ck_assert_int_eq(d.verdict, identities[_i].verdict);
	ck_assert_int_eq(d.code, identities[_i].code);
	ck_assert_int_eq(oc, identities[_i].oc);
	if (identities[_i].reason)
		ck_assert_msg(strstr(d.reason, identities[_i].reason) != NULL,
		    "'%s'", d.reason);
}
END_TEST

Suite *
duis_suite(void)
{
	Suite *s = suite_create("duis");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_test(tc, codes_named_once);
	tcase_add_loop_test(tc, spc_payload, 0, sizeof(spc_rows) /
	    sizeof(spc_rows[0]));
	tcase_add_loop_test(tc, content_code, 0, sizeof(content_codes) /
	    sizeof(content_codes[0]));
	tcase_add_loop_test(tc, request_id, 0, sizeof(request_ids) /
	    sizeof(request_ids[0]));
	tcase_add_test(tc, quarantine_ref);
	tcase_add_loop_test(tc, schema_version_rule, 0, sizeof(versions) /
	    sizeof(versions[0]));
	tcase_add_loop_test(tc, response_code, 0, sizeof(responses) /
	    sizeof(responses[0]));
	tcase_add_loop_test(tc, required_stages, 0, sizeof(required) /
	    sizeof(required[0]));
	tcase_add_loop_test(tc, identity_rules, 0, sizeof(identities) /
	    sizeof(identities[0]));
	suite_add_tcase(s, tc);
	return s;
}
