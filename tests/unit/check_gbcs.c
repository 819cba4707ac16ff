#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <openssl/pem.h>

#include "base/ychar.h"
#include "base/yread.h"
#include "base/ywrite.h"
#include "gbcs/gbcs.h"
#include "gbcs/reader.h"
#include "gbcs/trace.h"
#include "prepay/prepay.h"
#include "base/util.h"
#include "duis/xmlsig.h"
#include "unit.h"

/* Reads a vector .HEX file into bytes (NULL when the vectors are absent). */
static unsigned char *
hexfile(const char *rel, size_t *n)
{
	const char *v = vectors_dir();
	char path[4096];
	unsigned char *txt, *bin;
	size_t tn;

	if (v == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s/gbcs/%s", v, rel);
	txt = slurp(path, &tn);
	while (tn && (txt[tn - 1] == '\n' || txt[tn - 1] == '\r'))
		tn--;
	bin = malloc(tn / 2 + 1);
	ck_assert_int_eq(solr_unhex((char *)txt, tn, bin, tn / 2 + 1, n), 0);
	free(txt);
	return bin;
}

static EVP_PKEY *
cert_key(const char *rel)
{
	char path[4096];
	FILE *f;
	X509 *x;
	EVP_PKEY *k;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), rel);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(x = PEM_read_X509(f, NULL, NULL, NULL));
	fclose(f);
	k = X509_get_pubkey(x);
	X509_free(x);
	return k;
}

/* The RTDS Signed Pre-Command: PRECOMMAND || 40 || the signature carried
 * by the matching COMMAND (its last 76 bytes before the 12-byte MAC). */
static unsigned char *
rtds_spc(const char *dir, const char *name, size_t *n)
{
	char p[512];
	unsigned char *pre, *cmd, *spc;
	size_t pn, cn;

	snprintf(p, sizeof(p), "rtds/%s/%s_PRECOMMAND_GBCS.HEX", dir, name);
	if ((pre = hexfile(p, &pn)) == NULL)
		return NULL;
	snprintf(p, sizeof(p), "rtds/%s/%s_COMMAND_GBCS.HEX", dir, name);
	cmd = hexfile(p, &cn);
	ck_assert_uint_gt(cn, pn + 77);
	spc = malloc(pn + 65);
	memcpy(spc, pre, pn);
	spc[pn] = 0x40;
	memcpy(spc + pn + 1, cmd + cn - 12 - 64, 64);
	ck_assert_int_eq(cmd[cn - 12 - 65], 0x40);
	*n = pn + 65;
	free(pre);
	free(cmd);
	return spc;
}

/* The prepay: of a DUIS template read through the XML path. */
static struct ynode *
template_prepay(const char *name)
{
	char path[4096];
	unsigned char *x;
	size_t n;
	xmlDocPtr doc;
	xmlNodePtr body;
	struct prepay pp;
	struct solr_err e;

	snprintf(path, sizeof(path), "%s/duis/samples/templates/%s",
	    vectors_dir(), name);
	x = slurp_one_form(path, &n);
	ck_assert_int_eq(solr_xml_parse(x, n, &doc, &e), 0);
	body = xmlDocGetRootElement(doc)->children;
	while (body && !(body->type == XML_ELEMENT_NODE &&
	    strcmp((char *)body->name, "Body") == 0))
		body = body->next;
	ck_assert_ptr_nonnull(body);
	body = body->children;
	while (body->type != XML_ELEMENT_NODE)
		body = body->next;
	ck_assert_msg(prepay_from_xml(body, &pp, &e) == 0, "%s: %s", name,
	    e.msg);
	xmlFreeDoc(doc);
	free(x);
	return prepay_to_yaml(&pp);
}

/* The YAML of a prepay without the keys only one form has. */
static char *
comparable(struct ynode *pp)
{
	char *s, *l, *out = calloc(1, 65536);

	yn_set_str(pp, "source", "-");
	s = yaml_str(pp);
	for (l = strtok(s, "\n"); l; l = strtok(NULL, "\n"))
		if (strstr(l, "DebtRecoveryRateCapPeriod") == NULL) {
			strcat(out, l);
			strcat(out, "\n");
		}
	free(s);
	return out;
}

static const struct {
	const char *dir, *name, *template;
} rtds[] = {
	{ "2.1_ECS08a", "ECS08a_2.1_IMMEDIATE_SUCCESS",
	    "ECS08a_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML" },
	{ "2.1_ECS08a", "ECS08a_2.1_IMMEDIATE_ERROR", NULL },
	{ "2.1_GCS05", "GCS05_2.1_IMMEDIATE_SUCCESS",
	    "GCS05_2.1_IMMEDIATE_SUCCESS_REQUEST_DUIS.XML" },
};

START_TEST(rtds_decode_and_match_templates)
{
	unsigned char *m;
	size_t n;
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_err e;
	EVP_PKEY *k;
	char *g, *x;

	if ((m = rtds_spc(rtds[_i].dir, rtds[_i].name, &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_msg(gbcs_parse_signing(m, n, 1, &a, NULL, &e) == 0, "%s",
	    e.msg);
	ck_assert_msg(gbcs_read_values(NULL, &a, &pp, NULL, &e) == 0, "%s", e.msg);
	k = cert_key("gbcs/keys/90b3d51f30010000-ds.pem");
	ck_assert_int_eq(gbcs_verify_signature(&a, k, &e), 0);
	EVP_PKEY_free(k);
	ck_assert_uint_eq(a.originator, 0x90B3D51F30010000ULL);
	if (rtds[_i].template) {
		struct ynode *gy = prepay_to_yaml(&pp),
		    *xy = template_prepay(rtds[_i].template);

		g = comparable(gy);
		x = comparable(xy);
		ck_assert_str_eq(g, x);
		ck_assert_ptr_nonnull(strstr(g, "NonDisablementCalendar"));
		free(g);
		free(x);
		yn_free(gy);
		yn_free(xy);
	}
	free(m);
}
END_TEST

/* The Signed Pre-Command against the DUIS header: what differs, the code
 * and the reason (the signature is checked only after these hold). */
static const struct {
	uint64_t bo, bt, counter;
	const char *payload;	/* NULL: the RTDS ECS08a pre-command */
	enum duis_code code;
	const char *reason;
} headers[] = {
	{ 1, 0, 0, NULL, DUIS_E65, "offset 12: the GBCS "
	    "originator 90-B3-D5-1F-30-01-00-00 is not the Business Originator "
	    "90-B3-D5-1F-30-01-00-01" },
	{ 0, 1, 0, NULL, DUIS_E020101, "offset 21: the GBCS recipient" },
	{ 0, 0, 1, NULL, DUIS_E020101, "offset 3: the GBCS originator counter" },
	{ 0, 0, 0, "not base64!", DUIS_E020101, "sr:GBCSPayload: " },
	{ 0, 0, 0, "3wk=", DUIS_E020101, "offset" },	/* framing */
};

START_TEST(precommand_against_header)
{
	unsigned char *m, *buf = malloc(GBCS_MAX_LEN);
	char *b64;
	size_t n;
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_cert *signer = NULL;
	struct decision d;
	struct solr_err e;

	if ((m = rtds_spc("2.1_ECS08a", "ECS08a_2.1_IMMEDIATE_SUCCESS", &n)) ==
	    NULL) {
		free(buf);
		UNIT_SKIP("the GBCS vectors are absent");
	}
	ck_assert_int_eq(gbcs_parse_signing(m, n, 1, &a, NULL, &e), 0);
	b64 = malloc(n * 2 + 4);
	solr_b64_encode(m, n, b64);
	if (headers[_i].payload)
		strcpy(b64, headers[_i].payload);
	/* the world is not reached: the header rules come first */
	ck_assert_int_eq(gbcs_precommand_decide(NULL, &srv_update_prepay, b64,
	    strlen(b64),
	    a.originator + headers[_i].bo, a.recipient + headers[_i].bt,
	    a.counter + headers[_i].counter, buf, &a, &pp, &signer, &d, &e), 0);
	ck_assert_int_eq(d.verdict, VERDICT_REJECT);
	ck_assert_int_eq(d.code, headers[_i].code);
	ck_assert_msg(strstr(d.reason, headers[_i].reason) != NULL, "'%s'",
	    d.reason);
	free(b64);
	free(buf);
	free(m);
}
END_TEST

START_TEST(legacy_ecs08_is_refused)
{
	unsigned char *m;
	size_t n;
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_err e;

	if ((m = rtds_spc("2.1_ECS08", "ECS08_2.1_IMMEDIATE_SUCCESS", &n)) ==
	    NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_int_eq(gbcs_parse_signing(m, n, 1, &a, NULL, &e), 0);
	ck_assert_int_eq(gbcs_read_values(NULL, &a, &pp, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "offset 31: message code 0x001F "
	    "is the legacy ECS08"));
	free(m);
}
END_TEST

/* ../vectors/gbcs/malformed: each file with a phrase of our reason */
static const char *const malformed[][2] = {
	{ "ECS08a_SIGNED_PRECOMMAND_OK.HEX", NULL },
	{ "GCS05_SIGNED_PRECOMMAND_OK.HEX", NULL },
	{ "BAD_empty.HEX", "offset 0: general-signing tag: needs 1 bytes" },
	{ "BAD_signature-absent.HEX", "offset 1209: signature field absent" },
	{ "BAD_trailing-byte.HEX", "offset 1274: 1 bytes left over" },
	{ "BAD_cra-zero.HEX", "offset 2: CRA flag is 0x00" },
	{ "BAD_msgcode-006F-on-dlms.HEX", "GBZ profile id 0xD920" },
	{ "BAD_content-len-plus1.HEX", "signature length is 103" },
	{ "BAD_content-len-nonminimal.HEX", "offset 33: content length: "
	    "non-minimal length 82 007F" },
	{ "BAD_dlms-spec-get.HEX", "offset 43: specification 0 is not a SET" },
	{ "BAD_dlms-eclimit-dlu.HEX", "emergency credit limit has data type "
	    "double-long-unsigned" },
	{ "BAD_gbz-comp-len-huge.HEX", "GBZ component 0: length 65535" },
};

static int
full_check(const unsigned char *m, size_t n, EVP_PKEY *k, struct solr_err *e)
{
	struct gbcs_apdu a;
	struct prepay pp;
	int r;

	if ((r = gbcs_parse_signing(m, n, 1, &a, NULL, e)) != 0 ||
	    (r = gbcs_read_values(NULL, &a, &pp, NULL, e)) != 0)
		return r;
	return k ? gbcs_verify_signature(&a, k, e) : 0;
}

START_TEST(malformed_vectors)
{
	char rel[256];
	unsigned char *m;
	size_t n;
	struct solr_err e;
	EVP_PKEY *k;
	int r;

	snprintf(rel, sizeof(rel), "malformed/%s", malformed[_i][0]);
	if ((m = hexfile(rel, &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	k = cert_key("gbcs/keys/90b3d51f30010000-ds.pem");
	r = full_check(m, n, k, &e);
	if (malformed[_i][1] == NULL)
		ck_assert_msg(r == 0, "%s: %s", rel, e.msg);
	else {
		ck_assert_int_eq(r, SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, malformed[_i][1]) != NULL,
		    "%s: '%s' lacks '%s'", rel, e.msg, malformed[_i][1]);
	}
	EVP_PKEY_free(k);
	free(m);
}
END_TEST

/* Every proper prefix, and every single-byte change, of a valid message
 * is rejected: by the framing, the grammar or the signature. */
START_TEST(truncations_and_byte_changes)
{
	static const char *const ok[] = {
	    "malformed/ECS08a_SIGNED_PRECOMMAND_OK.HEX",
	    "malformed/GCS05_SIGNED_PRECOMMAND_OK.HEX" };
	unsigned char *m, *c;
	size_t n, i;
	struct solr_err e;
	EVP_PKEY *k;
	int x;

	if ((m = hexfile(ok[_i], &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	k = cert_key("gbcs/keys/90b3d51f30010000-ds.pem");
	ck_assert_int_eq(full_check(m, n, k, &e), 0);
	for (i = 0; i < n; i++)
		ck_assert_msg(full_check(m, i, k, &e) != 0, "prefix %zu of %zu "
		    "accepted", i, n);
	c = malloc(n);
	for (i = 0; i < n; i++)
		for (x = 0; x < 2; x++) {
			memcpy(c, m, n);
			c[i] ^= x ? 0xFF : 0x01;
			ck_assert_msg(full_check(c, n, k, &e) != 0,
			    "change at %zu accepted", i);
		}
	free(c);
	EVP_PKEY_free(k);
	free(m);
}
END_TEST

/* Every byte of m below end that skip (NULL: none) does not mark,
 * changed seven ways: each change is refused (SOLR_ERR_VERIFY), or read
 * as other than m is. */
static void
sweep_bytes(const unsigned char *m, size_t n, size_t end, const char *skip,
    char *(*read)(const unsigned char *, size_t, struct solr_err *),
    const char *what)
{
	static const unsigned char delta[] = { 0x01, 0x02, 0x10, 0x80, 0xFF };
	unsigned char *c = malloc(n);
	char *want, *got;
	struct solr_err e;
	size_t i, d;

	ck_assert_ptr_nonnull(want = read(m, n, &e));
	for (i = 0; i < end; i++)
		for (d = 0; d < sizeof(delta) + 2 && !(skip && skip[i]); d++) {
			memcpy(c, m, n);
			c[i] = d < sizeof(delta) ? m[i] ^ delta[d] :
			    (unsigned char)(m[i] + (d == sizeof(delta) ? 1 : -1));
			if ((got = read(c, n, &e)) == NULL) {
				ck_assert_int_eq(e.code, SOLR_ERR_VERIFY);
				continue;
			}
			ck_assert_msg(strcmp(got, want) != 0, "%s: byte %zu as "
			    "%02X (was %02X) reads the same", what, i, c[i],
			    m[i]);
			free(got);
		}
	free(c);
	free(want);
}

/* m with the edits "offset:byte ..." made in place. */
static void
apply_edits(unsigned char *m, size_t n, const char *edits)
{
	unsigned off, byte;
	int k;

	for (; sscanf(edits, "%u:%x%n", &off, &byte, &k) == 2; edits += k) {
		ck_assert_uint_lt(off, n);
		m[off] = (unsigned char)byte;
	}
}

/* What a pre-command reads as: its header and its prepay values, as
 * text (NULL when refused).  The values read back through the record's
 * own reader give the same text: nothing out of range passes. */
static char *
read_as(const unsigned char *m, size_t n, struct solr_err *e)
{
	struct gbcs_apdu a;
	struct prepay pp, back;
	struct ynode *y, *yb;
	char *s, *b, *out;
	size_t k;

	if (gbcs_parse_signing(m, n, 1, &a, NULL, e) != 0 ||
	    gbcs_read_values(NULL, &a, &pp, NULL, e) != 0)
		return NULL;
	y = prepay_to_yaml(&pp);
	s = yaml_str(y);
	ck_assert_msg(prepay_from_yaml(y, &back, e) == 0, "read as %s, which "
	    "the record's reader refuses: %s", s, e->msg);
	yb = prepay_to_yaml(&back);
	b = yaml_str(yb);
	ck_assert_str_eq(s, b);
	out = malloc(strlen(s) + 256);
	k = (size_t)sprintf(out, "%d %llx %llx %llx %04x %zu ", a.cra,
	    (unsigned long long)a.counter, (unsigned long long)a.originator,
	    (unsigned long long)a.recipient, a.message_code, a.date_time_len);
	for (size_t i = 0; i < a.date_time_len; i++)
		k += (size_t)sprintf(out + k, "%02x", a.date_time[i]);
	strcpy(out + k, s);
	free(s);
	free(b);
	yn_free(y);
	yn_free(yb);
	return out;
}

/* Marks in skip the bytes of the ZCL ids no value is read from (each
 * command's provider and issuer event ids: the supplier's numbering). */
static void
ids_of(const unsigned char *m, size_t n, char *skip)
{
	struct gbcs_apdu a;
	struct gbcs_trace t = { NULL, 0, 0 };
	struct prepay pp;
	struct solr_err e;
	size_t i;

	ck_assert_int_eq(gbcs_parse_signing(m, n, 1, &a, NULL, &e), 0);
	ck_assert_int_eq(gbcs_read_values(NULL, &a, &pp, &t, &e), 0);
	for (i = 0; i < t.n; i++)
		if (strcmp(t.f[i].name, "provider id") == 0 ||
		    strcmp(t.f[i].name, "issuer event id") == 0)
			memset(skip + t.f[i].offset, 1, t.f[i].length);
	gbcs_trace_free(&t);
}

/* One form of each value: a change to any byte the signature covers is
 * refused, or reads as other values.  A check the reader skipped (a
 * fixed byte, a count, a repeated item, a bound) would let two messages
 * read the same, or a value out of its range through. */
START_TEST(one_form_a_value)
{
	unsigned char *m;
	size_t n;
	char *skip;

	if (_i < 2)
		m = hexfile(_i == 0 ?
		    "malformed/ECS08a_SIGNED_PRECOMMAND_OK.HEX" :
		    "malformed/GCS05_SIGNED_PRECOMMAND_OK.HEX", &n);
	else
		m = rtds_spc(rtds[_i - 2].dir, rtds[_i - 2].name, &n);
	if (m == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	skip = calloc(1, n);
	ids_of(m, n, skip);
	/* the last 65 bytes are the signature's length and value */
	sweep_bytes(m, n, n - 65, skip, read_as, "pre-command");
	free(skip);
	free(m);
}
END_TEST

/* Edits that another check would not refuse first, each refused for
 * its own rule: offset:byte, in a valid pre-command ('p', of
 * malformed/), an RTDS alert ('a') or an RTDS Command ('c'). */
static const struct {
	char kind;
	const char *file, *edits, *reason;
} edits[] = {
	{ 'p', "ECS08a", "230:15 239:15",
	    "special day index 21 is not 1 to 20" },
	{ 'p', "ECS08a", "244:01 253:01",
	    "special day index 1 is used twice" },
	/* special day 3 made 7, and the first entry's bits made 7 with
	 * index 3's set */
	{ 'p', "ECS08a", "258:07 267:07 339:07 340:20",
	    "schedule entry 1 applies to special day 3, which is not "
	    "defined" },
	{ 'p', "ECS08a", "232:06",
	    "special day date is an octet-string of 6 bytes, not 5" },
	{ 'p', "ECS08a", "336:08",
	    "execution weekdays has 8 bits; at most 7" },
	{ 'p', "ECS08a", "337:07",
	    "execution weekdays has non-zero padding bits" },
	{ 'p', "ECS08a", "225:15",
	    "special days array has 21 elements; 0 to 20 are allowed" },
	{ 'p', "ECS08a", "345:FF",
	    "begin date 07DEFF1BFF needs a month and a day and no weekday" },
	{ 'p', "ECS08a", "347:03",
	    "begin date 07DE0A1B03 needs a month and a day and no weekday" },
	{ 'p', "ECS08a", "346:00",
	    "begin date 07DE0A00FF is not a DLMS date" },
	{ 'p', "GCS05", "39:10",
	    "GBZ component 0 (Emergency Credit Setup) has a "
	    "from-date-time; in GCS05 only Set Low Credit Warning Level" },
	{ 'p', "GCS05", "43:14",
	    "Emergency Credit Setup: ZCL payload is 17 bytes, not 16" },
	/* four components, the fourth marked last: the calendar is missing */
	{ 'p', "GCS05", "38:04 103:01",
	    "GBZ component count 4 is too small: Publish Calendar is "
	    "missing" },
	{ 'p', "GCS05", "158:04",
	    "the calendar has 4 seasons, 2 week profiles and 3 day "
	    "profiles; DUIS allows 1-3, 1-2 and 1-5" },
	{ 'p', "GCS05", "38:0D",
	    "GBZ component count 13 does not match the calendar's 3 day "
	    "and 2 week profiles" },
	{ 'p', "GCS05", "182:04",
	    "Publish Day Profile: ZCL payload is 26 bytes for 4 entries" },
	{ 'p', "GCS05", "215:01",
	    "day profile 1 is published twice" },
	{ 'p', "GCS05", "277:03",
	    "week profile id 3 is not 1 or 2" },
	{ 'p', "GCS05", "305:01",
	    "week profile id 1 is not 1 or 2, or is published twice" },
	{ 'p', "GCS05", "370:03",
	    "Publish Special Days: ZCL payload is 40 bytes for 3 days" },
	{ 'p', "GCS05", "181:06",
	    "day profile 6: id 1-5, 1-3 entries, one command and calendar "
	    "type 3 are required" },
	{ 'p', "GCS05", "183:01",
	    "day profile 1: id 1-5, 1-3 entries, one command and calendar "
	    "type 3 are required" },
	{ 'p', "GCS05", "187:06",
	    "day profile 1 entry 0: start 1536 minutes" },
	{ 'p', "GCS05", "188:02",
	    "day profile 1 entry 0: start 0 minutes, action 2" },
	{ 'p', "GCS05", "278:04",
	    "week profile 1 names day profile 4, which is not published" },
	{ 'p', "GCS05", "329:01",
	    "Publish Seasons: another calendar" },
	{ 'p', "GCS05", "333:01",
	    "Publish Seasons: another calendar, or more than one command" },
	{ 'p', "GCS05", "339:03",
	    "season 1 names week profile 3, which is not published" },
	{ 'p', "GCS05", "369:02",
	    "Publish Special Days: another calendar, another calendar type" },
	{ 'p', "GCS05", "377:04",
	    "special day 1 names day profile 4, which is not published" },
	{ 'p', "GCS05", "51:01",
	    "the prepayment commands' start times differ" },
	{ 'p', "GCS05", "151:01",
	    "the calendar's start time 0x00000001 does not match the "
	    "prepayment commands' 0x00000000" },
	{ 'p', "GCS05", "365:01",
	    "the calendar's start time 0x00000001 does not match" },
	{ 'a', "NA_GCA-DLMS/GCA-DLMS_NA_8F30_ALERT_GBCS.HEX", "39:01",
	    "the notification's date-time is 1 bytes, not empty" },
	{ 'a', "NA_GCA-ZigBee/GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX", "36:01",
	    "an alert has 0 GBZ components, not 1" },
	{ 'a', "2.1_GCS05/GCS05_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_EMERGENCY_"
	    "CREDIT_SETUP_GBCS.HEX",
	    "36:00",
	    "an alert has 1 GBZ components, not 0" },
	{ 'a', "2.1_GCS05/GCS05_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_EMERGENCY_"
	    "CREDIT_SETUP_GBCS.HEX",
	    "43:0F",
	    "the future-dated command is 15 bytes, not 14" },
	{ 'a', "NA_GNCA-DLMS/GNCA-DLMS_NA_810E_ALERT_GBCS.HEX", "45:00",
	    "message code 0x1000 in a MACed alert; the non-critical alert "
	    "is 0x1001" },
	{ 'c', "2.1_ECS08a/ECS08a_2.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX",
	    "1:01",
	    "the General-Ciphering header fields must be empty (00 x 6)" },
	{ 'c', "2.1_ECS08a/ECS08a_2.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX",
	    "10:12",
	    "the security header is not 11 00000000" },
	{ 'c', "2.1_ECS08a/ECS08a_2.1_IMMEDIATE_SUCCESS_COMMAND_GBCS.HEX",
	    "0:DF",
	    "a Command is General-Ciphering (DD)" },
	{ 'a', "NA_GNCA-DLMS/GNCA-DLMS_NA_810E_ALERT_GBCS.HEX", "72:01",
	    "a MACed message carries the null signature 00" },
};

START_TEST(edits_refused)
{
	char rel[512];
	unsigned char *m;
	size_t n;
	int r;
	struct gbcs_command cm;
	struct gbcs_alert al;
	struct solr_err e;

	if (edits[_i].kind == 'p')
		snprintf(rel, sizeof(rel), "malformed/%s_SIGNED_PRECOMMAND_"
		    "OK.HEX", edits[_i].file);
	else
		snprintf(rel, sizeof(rel), "rtds/%s", edits[_i].file);
	if ((m = hexfile(rel, &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	/* a pre-command's signature is not edited: it is not checked */
	apply_edits(m, edits[_i].kind == 'p' ? n - 65 : n, edits[_i].edits);
	r = edits[_i].kind == 'p' ? full_check(m, n, NULL, &e) :
	    edits[_i].kind == 'a' ? gbcs_parse_alert(m, n, &al, NULL, &e) :
	    gbcs_parse_command(m, n, &cm, NULL, &e);
	ck_assert_int_eq(r, SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, edits[_i].reason) != NULL, "%s %s: '%s' "
	    "lacks '%s'", edits[_i].file, edits[_i].edits, e.msg,
	    edits[_i].reason);
	free(m);
}
END_TEST

/* GCS05 with its special days grown to n, every length made to agree:
 * 20 are read, 21 refused before the 21st is written past the table. */
START_TEST(gas_special_days_bound)
{
	unsigned char *m, *x;
	size_t n, add, j;
	unsigned v;
	struct solr_err e;
	int days = _i ? 21 : 20;

	if ((m = hexfile("malformed/GCS05_SIGNED_PRECOMMAND_OK.HEX", &n)) ==
	    NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_int_eq(m[370], 4);	/* the days, before the signature */
	ck_assert_int_eq(m[393], 0x40);
	add = (size_t)(days - 4) * 5;
	x = malloc(n + add);
	memcpy(x, m, 393);
	for (j = 0; j < add / 5; j++) {	/* 2020-01-d, any weekday: day 1 */
		const unsigned char sd[5] = { 120, 1, (unsigned char)(j + 2),
		    0xFF, 1 };

		memcpy(x + 393 + 5 * j, sd, 5);
	}
	memcpy(x + 393 + add, m + 393, n - 393);
	x[370] = (unsigned char)days;
	v = ((unsigned)x[34] << 8 | x[35]) + (unsigned)add;	/* content */
	x[34] = (unsigned char)(v >> 8);
	x[35] = (unsigned char)v;
	v = ((unsigned)x[348] << 8 | x[349]) + (unsigned)add;	/* component */
	x[348] = (unsigned char)(v >> 8);
	x[349] = (unsigned char)v;
	if (days == 20)
		ck_assert_msg(full_check(x, n + add, NULL, &e) == 0, "%s",
		    e.msg);
	else {
		ck_assert_int_eq(full_check(x, n + add, NULL, &e),
		    SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, "21 special days; at most 20") !=
		    NULL, "%s", e.msg);
	}
	free(x);
	free(m);
}
END_TEST

/* ECS08a's content cut just after the schedule array's count (22, its
 * bound), the content length made to agree: the count is refused for
 * the bytes left, before any element is read. */
START_TEST(array_past_content)
{
	unsigned char *m, *x;
	size_t n, k, clen;
	struct solr_err e;

	if ((m = hexfile("malformed/ECS08a_SIGNED_PRECOMMAND_OK.HEX", &n)) ==
	    NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_int_eq(m[306], 0x01);	/* the array, of 16 */
	ck_assert_int_eq(m[307], 16);
	k = 308;
	x = malloc(k + 65);
	memcpy(x, m, k);
	x[307] = 22;
	clen = k - 36;
	x[34] = (unsigned char)(clen >> 8);
	x[35] = (unsigned char)clen;
	memcpy(x + k, m + n - 65, 65);
	ck_assert_int_eq(full_check(x, k + 65, NULL, &e), SOLR_ERR_VERIFY);
	ck_assert_str_eq(e.msg, "offset 306: non-disablement schedule array "
	    "claims 22 elements but only 0 bytes remain");
	free(x);
	free(m);
}
END_TEST

START_TEST(other_keys_fail)
{
	static const char *const others[] = { "duis/certs/Z1b-supplier-ds.pem",
	    "duis/certs/Z1-supplier2-ds.pem", "gbcs/keys/00db1234567890a0-ds.pem",
	    "duis/certs/xml-sign-90B3D51F30010000-ds.pem" };
	unsigned char *m;
	size_t n, i;
	struct gbcs_apdu a;
	struct solr_err e;
	EVP_PKEY *k;

	if ((m = hexfile("malformed/ECS08a_SIGNED_PRECOMMAND_OK.HEX", &n)) ==
	    NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_int_eq(gbcs_parse_signing(m, n, 1, &a, NULL, &e), 0);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		k = cert_key(others[i]);
		ck_assert_int_eq(gbcs_verify_signature(&a, k, &e),
		    SOLR_ERR_VERIFY);
		EVP_PKEY_free(k);
	}
	free(m);
}
END_TEST

/* Framing rules on hand-made messages. */
static const char *const framing[][2] = {
	/* a minimal General-Signing APDU with 1 byte of content */
	{ "DF09010000000000000001089999999999999999080000000000000001000200DE01AA40",
	    "needs 64 bytes" },
	{ "DF0A01", "transaction-id length is 10" },
	{ "DF8109", "non-minimal length 81 09" },
	{ "DF8000", "length form 0x80" },
	{ "DF830000", "length form 0x83" },
	{ "DF0902000000000000000108", "CRA flag is 0x02" },
	{ "DF09010000000000000001079999999999999999", "originator system-title "
	    "length is 7" },
	{ "DF090100000000000000010899999999999999990800000000000000010500",
	    "date-time length is 5" },
	{ "DF09010000000000000001089999999999999999080000000000000001000100",
	    "other-information length is 1" },
	{ "DF09010000000000000001089999999999999999080000000000000001000200DE"
	    "01AA00", "null signature is unsigned" },
	{ "DF09010000000000000001089999999999999999080000000000000001000200DE"
	    "01AA8140", "non-minimal length 81 40" },
	{ "DF09010000000000000001089999999999999999080000000000000001000200DE"
	    "82FFFF", "content: needs 65535 bytes" },
};

START_TEST(framing_rules)
{
	unsigned char m[256];
	size_t n;
	struct gbcs_apdu a;
	struct solr_err e;

	ck_assert_int_eq(solr_unhex(framing[_i][0], strlen(framing[_i][0]), m,
	    sizeof(m), &n), 0);
	ck_assert_int_eq(gbcs_parse_signing(m, n, 1, &a, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, framing[_i][1]) != NULL, "'%s' lacks '%s'",
	    e.msg, framing[_i][1]);
}
END_TEST

static EVP_PKEY *
key_file(const char *rel)
{
	char path[4096];
	FILE *f;
	EVP_PKEY *k;

	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), rel);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(k);
	return k;
}

/* The key agreement of the private key in rel. */
static struct solr_ka *
ka_file(const char *rel)
{
	EVP_PKEY *k = key_file(rel);
	struct solr_ka *ka = solr_ka_new(k);

	ck_assert_ptr_nonnull(ka);
	EVP_PKEY_free(k);
	return ka;
}

/* PRECOMMAND || 40 || signature, with the ACB key and the device's KA
 * certificate, gives the RTDS COMMAND byte for byte. */
static const struct {
	const char *dir, *name, *device;
} commands[] = {
	{ "2.1_ECS08a", "ECS08a_2.1_IMMEDIATE_SUCCESS", "00db1234567890a0" },
	{ "2.1_ECS08a", "ECS08a_2.1_IMMEDIATE_ERROR", "00db1234567890a0" },
	{ "2.1_ECS08", "ECS08_2.1_IMMEDIATE_SUCCESS", "00db1234567890a0" },
	{ "2.1_GCS05", "GCS05_2.1_IMMEDIATE_SUCCESS", "00db1234567890a1" },
};

START_TEST(rtds_commands)
{
	unsigned char *spc, *cmd;
	size_t n, cn;
	char p[512];
	struct gbcs_apdu a;
	struct solr_buf out = { 0 };
	struct solr_err e;
	struct solr_ka *acb;
	EVP_PKEY *dev;

	if ((spc = rtds_spc(commands[_i].dir, commands[_i].name, &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	snprintf(p, sizeof(p), "rtds/%s/%s_COMMAND_GBCS.HEX", commands[_i].dir,
	    commands[_i].name);
	cmd = hexfile(p, &cn);
	ck_assert_int_eq(gbcs_parse_signing(spc, n, 1, &a, NULL, &e), 0);
	acb = ka_file("gbcs/keys/90b3d51f30000002-ka.key");
	snprintf(p, sizeof(p), "gbcs/keys/%s-ka.pem", commands[_i].device);
	dev = cert_key(p);
	ck_assert_msg(gbcs_command(&a, acb, dev, &out, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(out.len, cn);
	ck_assert_mem_eq(out.p, cmd, cn);
	solr_ka_free(acb);
	EVP_PKEY_free(dev);
	solr_buf_free(&out);
	free(spc);
	free(cmd);
}
END_TEST

/* An envelope with no room for a header and a MAC, and messages past
 * the size limit, before anything else is read. */
START_TEST(envelope_bounds)
{
	unsigned char tiny[13], *big = calloc(1, GBCS_MAX_LEN + 1);
	size_t n;
	struct gbcs_alert al;
	struct gbcs_command cm;
	struct gbcs_apdu a;
	struct solr_err e;

	ck_assert_int_eq(solr_unhex("DD000000000000051100000000", 26, tiny,
	    sizeof(tiny), &n), 0);
	ck_assert_int_eq(gbcs_parse_command(tiny, n, &cm, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_str_eq(e.msg, "offset 8: the ciphered content is too short");
	big[0] = 0xDD;
	ck_assert_int_eq(gbcs_parse_command(big, GBCS_MAX_LEN + 1, &cm, NULL,
	    &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "the message is 65537 bytes; the "
	    "limit is 65536"));
	big[0] = 0xDF;
	ck_assert_int_eq(gbcs_parse_signing(big, GBCS_MAX_LEN + 1, 1, &a, NULL,
	    &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "the message is 65537 bytes; the "
	    "limit is 65536"));
	ck_assert_int_eq(gbcs_parse_alert(big, GBCS_MAX_LEN + 1, &al, NULL,
	    &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "65537 bytes"));
	/* a MACed alert's envelope too, before its length is read */
	big[0] = 0xDD;
	ck_assert_int_eq(gbcs_parse_alert(big, GBCS_MAX_LEN + 1, &al, NULL,
	    &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "the message is 65537 bytes"));
	free(big);
}
END_TEST

/* What a Command reads as: the APDU inside, byte for byte. */
static char *
command_read_as(const unsigned char *m, size_t n, struct solr_err *e)
{
	struct gbcs_command cm;
	char *out;

	if (gbcs_parse_command(m, n, &cm, NULL, e) != 0)
		return NULL;
	out = malloc(cm.apdu_len * 2 + 1);
	solr_hex(m + cm.apdu_off, cm.apdu_len, out);
	return out;
}

START_TEST(command_one_form)
{
	unsigned char *m;
	char p[512], *skip;
	size_t n;
	struct gbcs_command cm;
	struct solr_err e;

	snprintf(p, sizeof(p), "rtds/%s/%s_COMMAND_GBCS.HEX", commands[_i].dir,
	    commands[_i].name);
	if ((m = hexfile(p, &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_msg(gbcs_parse_command(m, n, &cm, NULL, &e) == 0, "%s",
	    e.msg);
	/* the supplier's signature ends the APDU inside */
	skip = calloc(1, n);
	memset(skip + cm.apdu_off + cm.apdu_len - 64, 1, 64);
	sweep_bytes(m, n, n - 12, skip, command_read_as, p);
	free(skip);
	free(m);
}
END_TEST

/* What the Command and signature code refuses before any cryptography
 * runs, and a key agreement that cannot be made. */
START_TEST(command_refusals)
{
	unsigned char *m, *big;
	size_t n;
	struct gbcs_alert al;
	struct gbcs_apdu a;
	struct solr_buf out = { 0 };
	struct solr_err e;
	struct solr_ka *acb;
	EVP_PKEY *dev, *other;

	if ((m = hexfile("rtds/NA_GNCA-DLMS/GNCA-DLMS_NA_810E_ALERT_GBCS.HEX",
	    &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	/* a MACed alert's APDU carries the null signature */
	ck_assert_int_eq(gbcs_parse_alert(m, n, &al, NULL, &e), 0);
	dev = cert_key("gbcs/keys/00db1234567890a0-ds.pem");
	ck_assert_int_eq(gbcs_verify_signature(&al.apdu, dev, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_str_eq(e.msg, "the message is not signed");
	EVP_PKEY_free(dev);
	acb = ka_file("gbcs/keys/90b3d51f30000002-ka.key");
	dev = cert_key("gbcs/keys/00db1234567890a0-ka.pem");
	/* an APDU too long for the Command's two-byte length */
	big = calloc(1, 65535);
	memset(&a, 0, sizeof(a));
	a.buf = big;
	a.len = 65535 - 5 - 12 + 1;
	ck_assert_int_eq(gbcs_command(&a, acb, dev, &out, &e), SOLR_ERR_VERIFY);
	ck_assert_str_eq(e.msg, "the APDU is too long to wrap");
	/* a device key on another curve: no key agreement */
	a.len = 100;
	other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	ck_assert_ptr_nonnull(other);
	ck_assert_int_eq(gbcs_command(&a, acb, other, &out, &e),
	    SOLR_ERR_INTERNAL);
	ck_assert_str_eq(e.msg, "the key agreement or GMAC failed");
	EVP_PKEY_free(other);
	EVP_PKEY_free(dev);
	solr_ka_free(acb);
	solr_buf_free(&out);
	free(big);
	free(m);
}
END_TEST

/* spec/gbcs.md 3.2: the MAC of ECS08a IMMEDIATE_SUCCESS, and that the
 * wrong device key or a changed APDU gives another one; one key
 * agreement serves each device in turn. */
START_TEST(worked_example_mac)
{
	static const unsigned char mac[12] = { 0x36, 0xE3, 0xE6, 0x84, 0x1A,
	    0x39, 0x52, 0x2A, 0xB8, 0x45, 0xA7, 0x29 };
	static const unsigned char head[15] = { 0xDD, 0, 0, 0, 0, 0, 0, 0x82,
	    0x05, 0x0B, 0x11, 0, 0, 0, 0 };
	unsigned char *spc, md[32];
	char hex[65];
	size_t n;
	struct gbcs_apdu a;
	struct solr_buf out = { 0 };
	struct solr_err e;
	struct solr_ka *acb;
	EVP_PKEY *dev, *other;

	if ((spc = rtds_spc("2.1_ECS08a", "ECS08a_2.1_IMMEDIATE_SUCCESS", &n)) ==
	    NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_uint_eq(n, 1274);
	solr_sha256(spc, n, md);
	solr_hex(md, 32, hex);
	ck_assert_str_eq(hex, "1a1a0e3ce6796783d67e3da18311e40b52945dba9d26bcd2"
	    "938fe4b53382f20d");
	ck_assert_int_eq(gbcs_parse_signing(spc, n, 1, &a, NULL, &e), 0);
	acb = ka_file("gbcs/keys/90b3d51f30000002-ka.key");
	dev = cert_key("gbcs/keys/00db1234567890a0-ka.pem");
	other = cert_key("gbcs/keys/00db1234567890a1-ka.pem");
	ck_assert_int_eq(gbcs_command(&a, acb, dev, &out, &e), 0);
	ck_assert_uint_eq(out.len, 1301);
	ck_assert_mem_eq(out.p, head, 15);
	ck_assert_mem_eq(out.p + 15, spc, n);
	ck_assert_mem_eq(out.p + 1289, mac, 12);
	ck_assert_int_eq(gbcs_command(&a, acb, other, &out, &e), 0);
	ck_assert(memcmp(out.p + 1289, mac, 12) != 0);
	ck_assert_int_eq(gbcs_command(&a, acb, dev, &out, &e), 0);
	ck_assert_mem_eq(out.p + 1289, mac, 12);
	spc[500] ^= 1;
	ck_assert_int_eq(gbcs_command(&a, acb, dev, &out, &e), 0);
	ck_assert(memcmp(out.p + 1289, mac, 12) != 0);
	solr_ka_free(acb);
	EVP_PKEY_free(dev);
	EVP_PKEY_free(other);
	solr_buf_free(&out);
	free(spc);
}
END_TEST

/* RTDS alerts: decode, then the device's signature or the MAC */
static const struct {
	const char *file, *framing, *payload, *dev;
	unsigned code, future_code;
	const char *ts;
} alerts[] = {
	{ "NA_GCA-DLMS/GCA-DLMS_NA_8F30_ALERT_GBCS.HEX", "critical", "dlms",
	    "00db1234567890a0", 0x8F30, 0, "2015-01-01T00:00:00Z" },
	{ "NA_GCA-ZigBee/GCA-ZigBee_NA_8F30_ALERT_GBCS.HEX", "critical", "gbz",
	    "00db1234567890a1", 0x8F30, 0, "2015-01-01T00:00:00Z" },
	{ "NA_GNCA-DLMS/GNCA-DLMS_NA_810E_ALERT_GBCS.HEX", "non-critical",
	    "dlms", "00db1234567890a0", 0x810E, 0, "2015-01-01T00:00:00Z" },
	{ "NA_GNCA-ZigBee/GNCA-ZigBee_NA_810E_ALERT_GBCS.HEX", "non-critical",
	    "gbz", "00db1234567890a1", 0x810E, 0, "2015-01-01T00:00:00Z" },
	{ "2.1_ECS08a/ECS08a_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_CALENDAR_GBCS."
	    "HEX", "future-dated", "dlms", "00db1234567890a0", 0x8F66, 0x00DE,
	    "2030-01-15T09:00:00Z" },
	{ "2.1_GCS05/GCS05_2.1_8F66_FUTURE_DATED_SUCCESS_ALERT_EMERGENCY_CREDIT_"
	    "SETUP_GBCS.HEX", "future-dated", "gbz", "00db1234567890a1", 0x8F66,
	    0x006F, "2030-01-15T09:00:00Z" },
};

START_TEST(rtds_alerts)
{
	unsigned char *m;
	size_t n, i;
	char rel[512], ts[SOLR_TIME_STRLEN];
	struct gbcs_alert al;
	struct solr_err e;
	struct solr_ka *sup;
	EVP_PKEY *k;
	int x;

	snprintf(rel, sizeof(rel), "rtds/%s", alerts[_i].file);
	if ((m = hexfile(rel, &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_msg(gbcs_parse_alert(m, n, &al, NULL, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(al.framing, alerts[_i].framing);
	ck_assert_str_eq(al.payload, alerts[_i].payload);
	ck_assert_uint_eq(al.alert_code, alerts[_i].code);
	ck_assert_uint_eq(al.apdu.recipient, 0x90B3D51F30010000ULL);
	solr_time_format(al.timestamp, ts);
	ck_assert_str_eq(ts, alerts[_i].ts);
	if (alerts[_i].future_code) {
		ck_assert(al.has_future);
		ck_assert_uint_eq(al.future_code, alerts[_i].future_code);
		ck_assert_uint_eq(al.future_counter,
		    alerts[_i].future_code == 0x00DE ? 1004 : 1001);
	}
	if (al.has_mac) {
		snprintf(rel, sizeof(rel), "gbcs/keys/%s-ka.pem", alerts[_i].dev);
		k = cert_key(rel);
		sup = ka_file("gbcs/keys/90b3d51f30010000-ka.key");
		ck_assert_msg(gbcs_alert_mac(&al, sup, k, &e) == 0, "%s", e.msg);
		al.mac[11] ^= 1;
		ck_assert_int_eq(gbcs_alert_mac(&al, sup, k, &e),
		    SOLR_ERR_VERIFY);
		al.mac[11] ^= 1;
		EVP_PKEY_free(k);
		/* another device's key gives another MAC */
		k = cert_key(strstr(alerts[_i].dev, "a0") ?
		    "gbcs/keys/00db1234567890a1-ka.pem" :
		    "gbcs/keys/00db1234567890a0-ka.pem");
		ck_assert_int_eq(gbcs_alert_mac(&al, sup, k, &e),
		    SOLR_ERR_VERIFY);
		solr_ka_free(sup);
	} else {
		snprintf(rel, sizeof(rel), "gbcs/keys/%s-ds.pem", alerts[_i].dev);
		k = cert_key(rel);
		ck_assert_int_eq(gbcs_verify_signature(&al.apdu, k, &e), 0);
		/* the code changed: the signature fails */
		for (i = 0; i + 1 < n; i++)
			if (m[i] == alerts[_i].code >> 8 && m[i + 1] ==
			    (alerts[_i].code & 0xff) && i > 30)
				break;
		m[i + 1] ^= 1;
		ck_assert_int_eq(gbcs_parse_alert(m, n, &al, NULL, &e), 0);
		ck_assert_int_eq(gbcs_verify_signature(&al.apdu, k, &e),
		    SOLR_ERR_VERIFY);
		m[i + 1] ^= 1;
	}
	EVP_PKEY_free(k);
	/* every proper prefix is refused */
	for (i = 0; i < n; i++) {
		x = gbcs_parse_alert(m, i, &al, NULL, &e);
		ck_assert_msg(x != 0, "prefix %zu accepted", i);
	}
	free(m);
}
END_TEST

/* What an alert reads as (NULL when refused): its framing, its code,
 * time and future-dated fields, and the header of its APDU. */
static char *
alert_read_as(const unsigned char *m, size_t n, struct solr_err *e)
{
	struct gbcs_alert al;
	const struct gbcs_apdu *a = &al.apdu;
	char *out;
	size_t k, i;

	if (gbcs_parse_alert(m, n, &al, NULL, e) != 0)
		return NULL;
	out = malloc(512);
	k = (size_t)snprintf(out, 512, "%s %s %04x %lld %d %04x %llu %s | %d "
	    "%llx %llx %llx %04x %zu %zu ", al.framing, al.payload,
	    al.alert_code, (long long)al.timestamp, al.has_future,
	    al.future_code, (unsigned long long)al.future_counter,
	    al.future_object, a->cra, (unsigned long long)a->counter,
	    (unsigned long long)a->originator, (unsigned long long)a->recipient,
	    a->message_code, a->other_len, a->date_time_len);
	for (i = 0; i < a->date_time_len && k + 3 < 512; i++)
		k += (size_t)snprintf(out + k, 512 - k, "%02x", a->date_time[i]);
	return out;
}

/* One form of an alert: a change to any byte its MAC or signature
 * covers is refused, or reads as another alert; but for what a device
 * states beside the time of a DLMS timestamp (its weekday, hundredths
 * and clock status), which is not read and decides nothing. */
START_TEST(alert_one_form)
{
	char rel[512], *skip;
	unsigned char *m;
	size_t n, i, at;
	struct gbcs_alert al;
	struct gbcs_trace t = { NULL, 0, 0 };
	struct solr_err e;

	snprintf(rel, sizeof(rel), "rtds/%s", alerts[_i].file);
	if ((m = hexfile(rel, &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_int_eq(gbcs_parse_alert(m, n, &al, &t, &e), 0);
	skip = calloc(1, n);
	for (i = 0; i < t.n; i++)
		if (strcmp(t.f[i].name, "alert timestamp") == 0 &&
		    t.f[i].length == 1) {
			at = t.f[i].offset + 1;
			skip[at + 4] = skip[at + 8] = skip[at + 11] = 1;
		}
	gbcs_trace_free(&t);
	/* the authenticator: a MAC's 12 bytes, or a signature's 65 */
	sweep_bytes(m, n, n - (al.has_mac ? 12 : 65), skip, alert_read_as,
	    alerts[_i].file);
	free(skip);
	free(m);
}
END_TEST

/* A pre-command and an alert whose other-information holds a byte
 * beside the message code, every length made to agree. */
/* A copy of m (n bytes) with a byte after the message code, counted in
 * the other-information's length. */
static unsigned char *
other_byte(const unsigned char *m, size_t n)
{
	unsigned char *x = malloc(n + 1);

	ck_assert_int_eq(m[30], 2);
	memcpy(x, m, 33);
	x[30] = 3;
	x[33] = 0;
	memcpy(x + 34, m + 33, n - 33);
	return x;
}

START_TEST(other_information)
{
	unsigned char *m, *x;
	size_t n;
	struct gbcs_alert al;
	struct solr_err e;

	/* a pre-command's, read by the SR 2.1 reader */
	if ((m = hexfile("malformed/ECS08a_SIGNED_PRECOMMAND_OK.HEX", &n)) ==
	    NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	x = other_byte(m, n);
	ck_assert_int_eq(full_check(x, n + 1, NULL, &e), SOLR_ERR_VERIFY);
	ck_assert_str_eq(e.msg, "offset 30: other-information is 3 bytes; a "
	    "pre-command of SRV 2.1 (Update Prepay Configuration) has only "
	    "the message code");
	free(x);
	free(m);
	if ((m = hexfile("rtds/NA_GCA-DLMS/GCA-DLMS_NA_8F30_ALERT_GBCS.HEX",
	    &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	x = other_byte(m, n);
	ck_assert_int_eq(gbcs_parse_alert(x, n + 1, &al, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_str_eq(e.msg, "offset 30: other-information is 3 bytes; an "
	    "alert has only its message code");
	free(x);
	free(m);
}
END_TEST

START_TEST(alert_rules)
{
	unsigned char *m, *c;
	size_t n;
	struct gbcs_alert al;
	struct solr_err e;

	if ((m = hexfile("rtds/NA_GCA-DLMS/GCA-DLMS_NA_8F30_ALERT_GBCS.HEX",
	    &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	c = malloc(n + 1);
	memcpy(c, m, n);
	c[2] = 0x01;	/* CRA of a command */
	ck_assert_int_eq(gbcs_parse_alert(c, n, &al, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "CRA flag is 0x01; an alert"));
	memcpy(c, m, n);
	c[32] = 0x01;	/* message code 0x1001, signed */
	ck_assert_int_eq(gbcs_parse_alert(c, n, &al, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "comes MACed"));
	memcpy(c, m, n);
	c[n] = 0;	/* a trailing byte */
	ck_assert_int_eq(gbcs_parse_alert(c, n + 1, &al, NULL, &e),
	    SOLR_ERR_VERIFY);
	free(c);
	free(m);
	if ((m = hexfile("rtds/NA_GNCA-DLMS/GNCA-DLMS_NA_810E_ALERT_GBCS.HEX",
	    &n)) == NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	m[7]++;		/* the ciphered-content length */
	ck_assert_int_eq(gbcs_parse_alert(m, n, &al, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "the MAC must end the message"));
	free(m);
}
END_TEST

/* The field list written straight out is, byte for byte, what the record
 * writer makes of the tree, in YAML and in JSON; and libyaml reads the
 * YAML back to the same strings. */
static int
utf8(const char *s)
{
	size_t n = strlen(s), w;

	for (; n > 0; s += w, n -= w)
		if (yw_utf8((const unsigned char *)s, n, &w) < 0)
			return 0;
	return 1;
}

static void
fields_same(const struct gbcs_trace *t)
{
	struct ynode *a = yn_new_map(0), *b = yn_new_map(0), *back = NULL;
	struct solr_buf ya = { 0 }, yb = { 0 }, ja = { 0 }, jb = { 0 };
	struct solr_err e;
	size_t i;

	ck_assert_int_eq(yn_set(a, "fields", gbcs_fields_tree(t)), 0);
	ck_assert_int_eq(yn_set(b, "fields", gbcs_fields_text(t, 0)), 0);
	ck_assert_int_eq(yn_write_doc(a, &ya), 0);
	ck_assert_int_eq(yn_write_doc(b, &yb), 0);
	ck_assert_int_eq(ya.len, yb.len);
	ck_assert_int_eq(memcmp(ya.p, yb.p, ya.len), 0);
	yn_free(b);
	b = yn_new_map(0);
	ck_assert_int_eq(yn_set(b, "fields", gbcs_fields_text(t, 1)), 0);
	ck_assert_int_eq(yn_json(a, &ja), 0);
	ck_assert_int_eq(yn_json(b, &jb), 0);
	ck_assert_int_eq(ja.len, jb.len);
	ck_assert_int_eq(memcmp(ja.p, jb.p, ja.len), 0);
	/* the YAML form, as libyaml reads it */
	ck_assert_msg(yn_parse_libyaml((char *)yb.p, yb.len, "fields", 1,
	    &back, &e) == 0, "%s", e.msg);
	for (i = 0; i < t->n; i++) {
		const struct ynode *f = yn_get(back, "fields")->items[i];

		/* bytes that are not UTF-8 are written as U+FFFD */
		if (utf8(t->f[i].name))
			ck_assert_str_eq(yn_get(f, "field")->str,
			    t->f[i].name);
		if (utf8(t->f[i].value))
			ck_assert_str_eq(yn_get(f, "value")->str,
			    t->f[i].value);
	}
	/* each form is refused by the other writer, not written wrong */
	solr_buf_free(&ja);
	solr_buf_free(&yb);
	ck_assert_int_ne(yn_write_doc(b, &yb), 0);	/* b holds JSON */
	yn_free(b);
	b = yn_new_map(0);
	ck_assert_int_eq(yn_set(b, "fields", gbcs_fields_text(t, 0)), 0);
	ck_assert_int_ne(yn_json(b, &ja), 0);
	yn_free(back);
	yn_free(a);
	yn_free(b);
	solr_buf_free(&ya);
	solr_buf_free(&yb);
	solr_buf_free(&ja);
	solr_buf_free(&jb);
}

/* A field's value, written without printf for the formats met hundreds
 * of times a message, is what printf writes, at every width. */
START_TEST(trace_values_as_printf)
{
	static const unsigned long long v[] = { 0, 1, 9, 10, 15, 16, 255,
	    256, 4095, 4096, 65535, 65536, 1000000, 4294967295ULL };
	struct gbcs_trace t = { 0 };
	struct gdec g = { 0 };
	char want[64];
	size_t i, k = 0;

	g.t = &t;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		gr_trace(&g, 0, 1, "f", "%zu", (size_t)v[i]);
		snprintf(want, sizeof(want), "%zu", (size_t)v[i]);
		ck_assert_str_eq(t.f[k++].value, want);
		gr_trace(&g, 0, 1, "f", "%u", (unsigned)v[i]);
		snprintf(want, sizeof(want), "%u", (unsigned)v[i]);
		ck_assert_str_eq(t.f[k++].value, want);
		gr_trace(&g, 0, 1, "f", "0x%02X", (unsigned)v[i]);
		snprintf(want, sizeof(want), "0x%02X", (unsigned)v[i]);
		ck_assert_str_eq(t.f[k++].value, want);
		gr_trace(&g, 0, 1, "f", "0x%04X", (unsigned)v[i]);
		snprintf(want, sizeof(want), "0x%04X", (unsigned)v[i]);
		ck_assert_str_eq(t.f[k++].value, want);
		gr_trace(&g, 0, 1, "f", "%lld", -(long long)v[i]);
		snprintf(want, sizeof(want), "%lld", -(long long)v[i]);
		ck_assert_str_eq(t.f[k++].value, want);
	}
	gr_trace(&g, 0, 1, "f", "%lld", LLONG_MIN);
	snprintf(want, sizeof(want), "%lld", LLONG_MIN);
	ck_assert_str_eq(t.f[k++].value, want);
	gr_trace(&g, 0, 1, "f", "%lld", LLONG_MAX);
	snprintf(want, sizeof(want), "%lld", LLONG_MAX);
	ck_assert_str_eq(t.f[k++].value, want);
	gr_trace(&g, 0, 1, "f", "day %d %02u:%02u", 3, 7u, 5u);
	ck_assert_str_eq(t.f[k++].value, "day 3 07:05");
	gbcs_trace_free(&t);
}
END_TEST

START_TEST(fields_written_straight)
{
	static const char *const s[] = { "", "0xDF", "9", "-1", "1.5", "1e3",
	    "0x", "true", "False", "null", "~", "yes", "NO", "a: b", "a:b",
	    "- x", "-x", "#c", "x #c", "x# c", "it's", "\"q\"", "{", "[a]",
	    "a,b", "a, b", " lead", "trail ", "multi\nline", "tab\there",
	    "\xc3\xbc", "\x01", "\xff\xfe", "?", "? x", "&a", "*a", "!t", "|",
	    ">", "%", "@", "`", "'", "---", "...", "day 3 22:00 STOP",
	    "index 2 ESME", "=", "<<", "0o7", ".inf", "-.nan" };
	const size_t ns = sizeof(s) / sizeof(s[0]);
	struct gbcs_trace t = { 0 };
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_err e;
	unsigned char *m;
	size_t i, j, n;

	/* each string as a name and a value, beside three others (the
	 * reader takes at most 20,000 nodes a document) */
	t.f = calloc(ns * 3, sizeof(*t.f));
	for (i = 0; i < ns; i++)
		for (j = 0; j < 3; j++) {
			struct gbcs_field *f = &t.f[t.n++];
			size_t k = (i * (j + 1) + j) % ns;

			f->offset = i * 3 + j;
			f->length = k;
			snprintf(f->name, sizeof(f->name), "%s", s[i]);
			snprintf(f->value, sizeof(f->value), "%s", s[k]);
		}
	fields_same(&t);
	gbcs_trace_free(&t);
	/* a whole large message, as -x decodes it */
	if ((m = hexfile("malformed/ECS08a_SIGNED_PRECOMMAND_OK.HEX", &n)) ==
	    NULL)
		UNIT_SKIP("the GBCS vectors are absent");
	ck_assert_int_eq(gbcs_parse_signing(m, n, 1, &a, &t, &e), 0);
	ck_assert_msg(gbcs_read_values(NULL, &a, &pp, &t, &e) == 0, "%s", e.msg);
	ck_assert_uint_gt(t.n, 250);	/* 18 SETs, special days */
	gbcs_trace_sort(&t);
	fields_same(&t);
	gbcs_trace_free(&t);
	free(m);
}
END_TEST

Suite *
gbcs_suite(void)
{
	Suite *s = suite_create("gbcs");
	TCase *tc = unit_tcase("core", 60);

	tcase_add_loop_test(tc, rtds_decode_and_match_templates, 0,
	    sizeof(rtds) / sizeof(rtds[0]));
	tcase_add_test(tc, legacy_ecs08_is_refused);
	tcase_add_loop_test(tc, precommand_against_header, 0, sizeof(headers) /
	    sizeof(headers[0]));
	tcase_add_loop_test(tc, malformed_vectors, 0,
	    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_loop_test(tc, truncations_and_byte_changes, 0, 2);
	tcase_add_test(tc, other_keys_fail);
	tcase_add_loop_test(tc, gas_special_days_bound, 0, 2);
	tcase_add_test(tc, array_past_content);
	tcase_add_loop_test(tc, edits_refused, 0, sizeof(edits) /
	    sizeof(edits[0]));
	tcase_add_loop_test(tc, one_form_a_value, 0, 2 +
	    (int)(sizeof(rtds) / sizeof(rtds[0])));
	tcase_add_test(tc, envelope_bounds);
	tcase_add_loop_test(tc, command_one_form, 0, sizeof(commands) /
	    sizeof(commands[0]));
	tcase_add_loop_test(tc, rtds_commands, 0,
	    sizeof(commands) / sizeof(commands[0]));
	tcase_add_test(tc, worked_example_mac);
	tcase_add_test(tc, command_refusals);
	tcase_add_loop_test(tc, rtds_alerts, 0, sizeof(alerts) /
	    sizeof(alerts[0]));
	tcase_add_test(tc, alert_rules);
	tcase_add_test(tc, other_information);
	tcase_add_loop_test(tc, alert_one_form, 0, sizeof(alerts) /
	    sizeof(alerts[0]));
	tcase_add_test(tc, fields_written_straight);
	tcase_add_test(tc, trace_values_as_printf);
	tcase_add_loop_test(tc, framing_rules, 0,
	    sizeof(framing) / sizeof(framing[0]));
	suite_add_tcase(s, tc);
	return s;
}
