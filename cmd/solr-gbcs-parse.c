/*
 * solr-gbcs-parse: the DCC's transform parse.  As a pipeline stage it
 * reads the SR 2.1 values out of a Signed Pre-Command (GBCS, signed by
 * the supplier) or a DUIS XML body into one prepay: mapping.  With -x or
 * -b it decodes GBCS messages for a person.
 */
#include <getopt.h>
#include <limits.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../common/crypto.h"
#include "../common/gbcs.h"
#include "../common/objstore.h"
#include "../common/prepay.h"
#include "../common/record.h"
#include "../common/util.h"
#include "../common/world.h"
#include "../common/xmlsig.h"
#include "cli.h"

#define STAGE "gbcs-parse"

struct ctx {
	struct solr_world world;
	int have_world;
	struct solr_objstore objects;
	struct rec_writer *out;
	int status;
	int replay;
	int have_at;
	int64_t at;
};

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-h] [-C dir] [--at time] [--replay] "
	    "[alert-response ...]\n"
	    "       %s -x | -b [-C dir] [file ...]\n", cli_prog, cli_prog);
	exit(EXIT_TROUBLE);
}

static void
set_status(struct ctx *c, int s)
{
	if (s > c->status)
		c->status = s;
}

static void
emit(struct ctx *c, struct ynode *rec)
{
	if (rec == NULL)
		cli_nomem();
	if (!rec_is_pass(rec) && yn_get_str(rec, "verdict") != NULL &&
	    strcmp(yn_get_str(rec, "verdict"), "accept") != 0)
		set_status(c, EXIT_REJECT);
	if (rec_write(c->out, rec) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(rec);
}

static xmlNodePtr
body_element(xmlDocPtr doc)
{
	xmlNodePtr n;

	for (n = xmlDocGetRootElement(doc)->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "Body") == 0)
			break;
	for (n = n ? n->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static struct ynode *
gbcs_summary(const struct gbcs_apdu *a, const struct solr_cert *signer)
{
	struct ynode *m = yn_new_map(0), *s;
	char eui[SOLR_EUI_STRLEN], sha[SOLR_SHA256_HEX];

	yn_set(m, "message_code", yn_new_hex(a->message_code, 4));
	yn_set_int(m, "cra", a->cra);
	yn_set(m, "counter", yn_new_int((int64_t)a->counter));
	solr_eui_format(a->originator, eui);
	yn_set_str(m, "originator", eui);
	solr_eui_format(a->recipient, eui);
	yn_set_str(m, "recipient", eui);
	solr_sha256_hex(a->buf, a->len, sha);
	yn_set_str(m, "apdu_sha256", sha);
	if (signer) {
		s = yn_new_map(1);
		yn_set_str(s, "issuer", signer->issuer);
		yn_set_str(s, "serial", signer->serial);
		yn_set(m, "signer", s);
	}
	return m;
}

/* Business Originator, Target and counter from the record. */
static void
duis_ids(const struct ynode *req, uint64_t *bo, uint64_t *bt,
    uint64_t *counter)
{
	const char *s;

	*bo = *bt = *counter = 0;
	if ((s = yn_get_str(req, "originator")) != NULL)
		solr_eui_parse(s, strlen(s), bo);
	if ((s = yn_get_str(req, "target")) != NULL)
		solr_eui_parse(s, strlen(s), bt);
	if ((s = yn_get_str(req, "counter")) != NULL)
		solr_parse_uint(s, UINT64_MAX, counter);
}

/* The Signed Pre-Command path.  Returns the DUIS code on a rejection. */
static const char *
signed_pre_command(struct ctx *c, xmlNodePtr spc, struct ynode *rec,
    struct solr_err *e)
{
	struct ynode *req = yn_get(rec, "request");
	xmlNodePtr n, payload = NULL;
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_cert *signer;
	unsigned char *buf;
	xmlChar *text;
	size_t len;
	uint64_t bo, bt, counter;
	int r;

	for (n = spc->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, "GBCSPayload") == 0)
			payload = n;
	if (payload == NULL) {
		solr_seterr(e, SOLR_ERR_VERIFY, "sr:SignedPreCommand has no "
		    "sr:GBCSPayload");
		return "E020101";
	}
	if ((buf = malloc(GBCS_MAX_LEN)) == NULL)
		cli_nomem();
	text = xmlNodeGetContent(payload);
	r = solr_b64_decode(text ? (const char *)text : "", text ?
	    strlen((const char *)text) : 0, buf, GBCS_MAX_LEN, &len, e);
	xmlFree(text);
	if (r != 0) {
		free(buf);
		solr_seterr(e, SOLR_ERR_VERIFY, "sr:GBCSPayload: %.900s",
		    e->msg);
		return "E020101";
	}
	if ((r = gbcs_parse_signing(buf, len, 1, &a, NULL, e)) != 0 ||
	    (r = gbcs_sr21_content(&a, &pp, NULL, e)) != 0) {
		free(buf);
		return "E020101";
	}
	duis_ids(req, &bo, &bt, &counter);
	if (a.originator != bo || a.recipient != bt || a.counter != counter) {
		char x[SOLR_EUI_STRLEN], y[SOLR_EUI_STRLEN];
		int which = a.originator != bo ? 0 : a.recipient != bt ? 1 : 2;

		solr_eui_format(which == 0 ? a.originator : a.recipient, x);
		solr_eui_format(which == 0 ? bo : bt, y);
		if (which == 2)
			solr_seterr(e, SOLR_ERR_VERIFY, "offset 3: the GBCS "
			    "originator counter %llu is not the RequestID's "
			    "counter %llu", (unsigned long long)a.counter,
			    (unsigned long long)counter);
		else
			solr_seterr(e, SOLR_ERR_VERIFY, "offset %d: the GBCS "
			    "%s %s is not the %s %s", which ? 21 : 12,
			    which ? "recipient" : "originator", x, which ?
			    "Business Target" : "Business Originator", y);
		free(buf);
		return which == 0 ? "E65" : "E020101";
	}
	if ((r = gbcs_verify_supplier(&a, &c->world, &signer, e)) != 0) {
		free(buf);
		if (r != SOLR_ERR_VERIFY) {
			cli_warn(NULL, 0, "%s", e->msg);
			set_status(c, EXIT_TROUBLE);
		}
		return "E65";
	}
	/* the signature verified: now, and only now, the values go out */
	yn_set(rec, "prepay", prepay_to_yaml(&pp));
	yn_set(rec, "gbcs", gbcs_summary(&a, signer));
	free(buf);
	return NULL;
}


/* The device's signature, or the MAC when the world holds the
 * recipient's key-agreement key. */
static int
alert_check(struct ctx *c, const struct gbcs_alert *al, int64_t at,
    char *check, size_t cap, struct solr_err *e)
{
	char path[PATH_MAX];
	EVP_PKEY *key = NULL;
	X509 *dev = NULL;
	int r;

	if (!al->has_mac) {
		if ((r = world_device_cert(&c->world, al->apdu.originator, "ds",
		    at, &dev, e)) != 0)
			return r;
		r = gbcs_verify_signature(&al->apdu, X509_get0_pubkey(dev), e);
		if (r == 0)
			snprintf(check, cap, "device signature verified");
		else if (r == SOLR_ERR_VERIFY)
			solr_seterr(e, r, "the device's signature does not "
			    "verify with pki/device/%016llX.ds.pem",
			    (unsigned long long)al->apdu.originator);
		X509_free(dev);
		return r;
	}
	snprintf(path, sizeof(path), "%s/keys/%016llX.ka.key", c->world.dir,
	    (unsigned long long)al->apdu.recipient);
	if (access(path, F_OK) != 0) {
		snprintf(check, cap, "MAC not verifiable: the world holds no "
		    "key-agreement key of the recipient");
		return 0;
	}
	if ((r = solr_load_private_key(path, &key, e)) != 0)
		return r;
	if ((r = world_device_cert(&c->world, al->apdu.originator, "ka", at,
	    &dev, e)) == 0 && (r = gbcs_alert_mac(al, key,
	    X509_get0_pubkey(dev), e)) == 0)
		snprintf(check, cap, "MAC verified");
	X509_free(dev);
	EVP_PKEY_free(key);
	return r;
}

static struct ynode *
alert_yaml(const struct gbcs_alert *al, const char *check)
{
	struct ynode *m = yn_new_map(0), *f;
	char eui[SOLR_EUI_STRLEN], ts[SOLR_TIME_STRLEN];

	yn_set(m, "code", yn_new_hex(al->alert_code, 4));
	yn_set(m, "framing", yn_new_plain(al->framing));
	yn_set(m, "payload", yn_new_plain(al->payload));
	yn_set(m, "message_code", yn_new_hex(al->apdu.message_code, 4));
	solr_eui_format(al->apdu.originator, eui);
	yn_set_str(m, "device", eui);
	solr_eui_format(al->apdu.recipient, eui);
	yn_set_str(m, "recipient", eui);
	yn_set(m, "counter", yn_new_int((int64_t)al->apdu.counter));
	solr_time_format(al->timestamp, ts);
	yn_set(m, "timestamp", yn_new_plain(ts));
	yn_set_str(m, "check", check);
	if (al->has_future) {
		f = yn_new_map(1);
		yn_set(f, "message_code", yn_new_hex(al->future_code, 4));
		yn_set(f, "counter", yn_new_int((int64_t)al->future_counter));
		yn_set_str(f, "object", al->future_object);
		yn_set(m, "future_dated", f);
	}
	return m;
}

static xmlNodePtr
child_named(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n;

	for (n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

static void
reject(struct ynode *rec, const char *code, const char *reason)
{
	if (rec_reject(rec, STAGE, code, reason) != 0)
		cli_nomem();
}

/*
 * A device alert in a DUIS Response: the GBCS payload decoded strictly,
 * its code checked against the unsigned DUIS one, the device's signature
 * or the MAC checked.  Returns 0 and fills rec, 1 when the response
 * holds no alert, SOLR_ERR_VERIFY on a failure (e says why).
 */
static int
alert_doc(struct ctx *c, xmlNodePtr el, struct ynode *rec, int64_t at,
    struct solr_err *e)
{
	xmlNodePtr code, payload;
	xmlChar *ct = NULL, *pt = NULL;
	unsigned char *buf = NULL;
	struct gbcs_alert al;
	char check[160], duis[16], sha[SOLR_SHA256_HEX];
	size_t len;
	int r;

	if (strcmp((const char *)el->name, "DeviceAlertMessage") == 0) {
		code = child_named(el, "AlertCode");
		payload = child_named(el, "GBCSPayload");
	} else if ((el = child_named(el, "FutureDatedDeviceAlertMessage")) !=
	    NULL) {
		code = child_named(el, "FutureDatedAlertCode");
		payload = child_named(el, "GBCSPayload");
	} else
		return 1;
	if (code == NULL || payload == NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the alert has no alert "
		    "code or no GBCSPayload");
	if ((buf = malloc(GBCS_MAX_LEN)) == NULL)
		cli_nomem();
	ct = xmlNodeGetContent(code);
	pt = xmlNodeGetContent(payload);
	r = solr_b64_decode((const char *)pt, strlen((const char *)pt), buf,
	    GBCS_MAX_LEN, &len, e);
	if (r == 0)
		r = gbcs_parse_alert(buf, len, &al, NULL, e);
	if (r == 0) {
		/* the DUIS code is outside the signed bytes: it must agree */
		snprintf(duis, sizeof(duis), "%04X", al.alert_code);
		if (strcasecmp((const char *)ct, duis) != 0)
			r = solr_seterr(e, SOLR_ERR_VERIFY, "AlertCode '%.8s' in "
			    "the DUIS wrapper is not the signed alert code %s",
			    (const char *)ct, duis);
	}
	if (r == 0)
		r = alert_check(c, &al, at, check, sizeof(check), e);
	if (r == 0) {
		solr_sha256_hex(buf, len, sha);
		yn_set(rec, "alert", alert_yaml(&al, check));
		yn_set_str(yn_get(rec, "alert"), "gbcs_sha256", sha);
	}
	xmlFree(ct);
	xmlFree(pt);
	free(buf);
	return r;
}

static void
stage_alert(struct ctx *c, struct ynode *rec, const unsigned char *p,
    size_t n)
{
	struct solr_err e = { 0 };
	xmlDocPtr doc = NULL;
	xmlNodePtr el;
	struct ynode *st;
	int64_t at;
	int r;

	if (rec_time(rec, &at) != 0)
		at = (int64_t)time(NULL);
	if ((r = solr_xml_parse(p, n, &doc, &e)) != 0 ||
	    (el = body_element(doc)) == NULL) {
		reject(rec, NULL, e.msg[0] ? e.msg : "the response has no body");
		goto out;
	}
	r = alert_doc(c, el, rec, at, &e);
	if (r == 1) {
		if ((st = rec_stage_pass(rec, STAGE)) != NULL)
			yn_set(st, "result", yn_new_plain("skipped"));
		goto out;
	}
	if (r != 0) {
		if (r != SOLR_ERR_VERIFY) {
			cli_error(&e);
			set_status(c, EXIT_TROUBLE);
		}
		reject(rec, NULL, e.msg);
		goto out;
	}
	if ((st = rec_stage_pass(rec, STAGE)) != NULL)
		yn_set(st, "form", yn_new_plain("alert"));
out:
	xmlFreeDoc(doc);
}

static void
stage(struct ctx *c, struct ynode *rec)
{
	struct ynode *req = yn_get(rec, "request"), *st;
	const char *srv = yn_get_str(req, "srv"), *body = yn_get_str(req,
	    "body"), *obj = yn_get_str(req, "object"), *cvs = yn_get_str(req,
	    "cv"), *code = NULL;
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };
	xmlDocPtr doc = NULL;
	xmlNodePtr el;
	struct prepay pp;
	int spc, cv;
	char why[1100];

	if (!rec_is_pass(rec)) {
		emit(c, rec);
		return;
	}
	if (body && obj && (strcmp(body, "device-alert-message") == 0 ||
	    strcmp(body, "response-message") == 0)) {
		if (objstore_get(&c->objects, obj,
		    c->world.policy.max_document_bytes, &b, &e) != 0)
			reject(rec, NULL, e.msg);
		else
			stage_alert(c, rec, b.p, b.len);
		solr_buf_free(&b);
		if (c->replay)
			rec_replay_note(rec, STAGE);
		emit(c, rec);
		return;
	}
	if (srv == NULL || body == NULL || obj == NULL || cvs == NULL) {
		reject(rec, NULL, "the record lacks request.srv, body, object "
		    "or cv: solr-verify-sig must run first");
		emit(c, rec);
		return;
	}
	if (strcmp(srv, "2.1") != 0) {
		if ((st = rec_stage_pass(rec, STAGE)) != NULL)
			yn_set(st, "result", yn_new_plain("skipped"));
		emit(c, rec);
		return;
	}
	cv = atoi(cvs);
	spc = strcmp(body, "signed-pre-command") == 0;
	if (!spc && strcmp(body, "update-prepay-configuration") != 0) {
		snprintf(why, sizeof(why), "SRV 2.1 with a %s body; it takes "
		    "UpdatePrepayConfiguration or SignedPreCommand", body);
		reject(rec, "E020101", why);
		emit(c, rec);
		return;
	}
	if (spc != (cv >= 5 && cv <= 7)) {
		snprintf(why, sizeof(why), "CommandVariant %d with a %s body: "
		    "a Signed Pre-Command takes 5, 6 or 7, an XML body any "
		    "other", cv, body);
		reject(rec, "E12", why);
		emit(c, rec);
		return;
	}
	if (objstore_get(&c->objects, obj, c->world.policy.max_document_bytes,
	    &b, &e) != 0 || solr_xml_parse(b.p, b.len, &doc, &e) != 0 ||
	    (el = body_element(doc)) == NULL) {
		if (e.code != SOLR_ERR_VERIFY && e.code != SOLR_ERR_LIMIT &&
		    e.code != 0) {
			cli_error(&e);
			set_status(c, EXIT_TROUBLE);
		}
		reject(rec, NULL, e.msg[0] ? e.msg : "the request has no body");
		goto out;
	}
	if (spc)
		code = signed_pre_command(c, el, rec, &e);
	else if (prepay_from_xml(el, &pp, &e) != 0)
		code = "E020101";
	else
		yn_set(rec, "prepay", prepay_to_yaml(&pp));
	if (code != NULL) {
		reject(rec, code, e.msg);
		goto out;
	}
	if ((st = rec_stage_pass(rec, STAGE)) == NULL)
		cli_nomem();
	yn_set(st, "form", yn_new_plain(spc ? "signed-pre-command" : "xml"));
	if (spc)
		yn_set(st, "signature", yn_new_plain("verified"));
out:
	xmlFreeDoc(doc);
	solr_buf_free(&b);
	if (c->replay)
		rec_replay_note(rec, STAGE);
	emit(c, rec);
}

/* A DUIS alert Response given as a document, not as a record. */
static void
alert_document(struct ctx *c, int64_t seq, const char *source,
    const unsigned char *p, size_t n)
{
	struct ynode *rec = rec_new(seq, source, c->have_at ? c->at :
	    (int64_t)time(NULL));
	struct solr_err e = { 0 };
	char name[SOLR_SHA256_HEX];

	if (rec == NULL)
		cli_nomem();
	if (objstore_put(&c->objects, p, n, name, &e) != 0) {
		cli_error(&e);
		set_status(c, EXIT_TROUBLE);
		reject(rec, NULL, e.msg);
	} else {
		yn_set_str(yn_get(rec, "request"), "object", name);
		yn_set_int(yn_get(rec, "request"), "size", (int64_t)n);
		stage_alert(c, rec, p, n);
	}
	emit(c, rec);
}

static void
run_stage(struct ctx *c)
{
	struct rec_reader *rd = rec_reader_new(stdin, "(stdin)");
	struct solr_err e = { 0 };
	struct ynode *rec;
	int64_t pos = 0;
	int r, line;

	if (rd == NULL)
		emit(c, NULL);
	if (rec_reader_peek(rd) == '<') {
		unsigned char *p;
		size_t n;

		if (rec_reader_slurp(rd, c->world.policy.max_document_bytes, &p,
		    &n, &e) != 0) {
			cli_error(&e);
			set_status(c, EXIT_TROUBLE);
		} else {
			alert_document(c, 1, "(stdin)", p, n);
			free(p);
		}
		rec_reader_free(rd);
		return;
	}
	for (;;) {
		r = rec_read(rd, &rec, &line, &e);
		if (r == REC_EOF)
			break;
		pos++;
		if (r == REC_OK) {
			stage(c, rec);
		} else if (r == REC_BAD) {
			char src[64];

			cli_error(&e);
			snprintf(src, sizeof(src), "(stdin):%d", line);
			emit(c, rec_new_unreadable(pos, src, STAGE, e.msg));
		} else {
			cli_error(&e);
			set_status(c, EXIT_TROUBLE);
			break;
		}
	}
	rec_reader_free(rd);
}

/* Standalone decoding. */

/* fields in message order, an element before the fields inside it */
static int
by_offset(const void *a, const void *b)
{
	const struct gbcs_field *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->length != y->length)
		return x->length > y->length ? -1 : 1;
	return x < y ? -1 : 1;
}

static int
decode_text(int hex, const unsigned char *in, size_t n, unsigned char *out,
    size_t *len, struct solr_err *e)
{
	size_t i;

	if (!hex)
		return solr_b64_decode((const char *)in, n, out, GBCS_MAX_LEN,
		    len, e);
	/* hex: one run of digits; only a final line end is allowed */
	while (n && (in[n - 1] == '\n' || in[n - 1] == '\r'))
		n--;
	for (i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", in[i]) || in[i] == 0)
			return solr_seterr(e, SOLR_ERR_FORMAT, "character "
			    "%zu (0x%02x) is not a hex digit", i, in[i]);
	if (n % 2)
		return solr_seterr(e, SOLR_ERR_FORMAT, "an odd number (%zu) "
		    "of hex digits", n);
	if (solr_unhex((const char *)in, n, out, GBCS_MAX_LEN, len) != 0)
		return solr_seterr(e, SOLR_ERR_LIMIT, "more than %d bytes",
		    GBCS_MAX_LEN);
	return 0;
}

static struct ynode *
fields_yaml(struct gbcs_trace *t)
{
	struct ynode *fields = yn_new_seq(0), *f;
	size_t i;

	if (t->n)
		qsort(t->f, t->n, sizeof(*t->f), by_offset);
	for (i = 0; i < t->n; i++) {
		f = yn_new_map(1);
		yn_set_int(f, "offset", (int64_t)t->f[i].offset);
		yn_set_int(f, "length", (int64_t)t->f[i].length);
		yn_set_str(f, "field", t->f[i].name);
		yn_set_str(f, "value", t->f[i].value);
		yn_push(fields, f);
	}
	return fields;
}

static void
decode(struct ctx *c, int hex, const char *source, const unsigned char *in,
    size_t n)
{
	struct ynode *doc = yn_new_map(0);
	struct gbcs_trace t = { 0 };
	struct solr_err e = { 0 };
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_cert *signer = NULL;
	unsigned char *buf = malloc(GBCS_MAX_LEN);
	size_t len = 0;
	int r, ok = 0;
	char sig[700];

	if (doc == NULL || buf == NULL)
		cli_nomem();
	yn_set_str(doc, "source", source);
	if ((r = decode_text(hex, in, n, buf, &len, &e)) != 0) {
		cli_warn(source, 0, "not %s: %s", hex ? "hex" : "base64",
		    e.msg);
		set_status(c, EXIT_TROUBLE);
		yn_set(doc, "verdict", yn_new_plain("reject"));
		yn_set_str(doc, "reason", e.msg);
		goto out;
	}
	yn_set_int(doc, "length", (int64_t)len);
	if (len > 2 && (buf[0] == 0xDD || (buf[0] == 0xDF && buf[2] == 3))) {
		/* a device alert (CRA 3, or MACed) */
		struct gbcs_alert al;

		r = gbcs_parse_alert(buf, len, &al, &t, &e);
		if (r == 0 && c->have_world)
			r = alert_check(c, &al, (int64_t)time(NULL), sig,
			    sizeof(sig), &e);
		else if (r == 0)
			snprintf(sig, sizeof(sig), "not checked: no world (-C)");
		ok = r == 0;
		yn_set(doc, "verdict", yn_new_plain(ok ? "pass" : "reject"));
		yn_set_str(doc, "reason", ok ? NULL : e.msg);
		if (ok || !c->have_world) {
			yn_set(doc, "fields", fields_yaml(&t));
			if (ok)
				yn_set(doc, "alert", alert_yaml(&al, sig));
		}
		goto out;
	}
	r = gbcs_parse_signing(buf, len, 1, &a, &t, &e);
	if (r == 0)
		r = gbcs_sr21_content(&a, &pp, &t, &e);
	if (r == 0 && c->have_world) {
		r = gbcs_verify_supplier(&a, &c->world, &signer, &e);
		if (r == 0)
			snprintf(sig, sizeof(sig), "verified with serial %s",
			    signer->serial);
	} else if (r == 0)
		snprintf(sig, sizeof(sig), "not checked: no world (-C)");
	ok = r == 0;
	yn_set(doc, "verdict", yn_new_plain(ok ? "pass" : "reject"));
	yn_set_str(doc, "reason", ok ? NULL : e.msg);
	if (ok)
		yn_set_str(doc, "signature", sig);
	if (ok || !c->have_world) {
		/* no byte of a message that failed its signature check */
		yn_set(doc, "fields", fields_yaml(&t));
		if (ok)
			yn_set(doc, "prepay", prepay_to_yaml(&pp));
	}
out:
	if (!ok)
		set_status(c, EXIT_REJECT);
	if (rec_write(c->out, doc) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(doc);
	gbcs_trace_free(&t);
	free(buf);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "replay", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c;
	struct solr_err e = { 0 };
	const char *dir = NULL;
	int ch, i, mode = 0;

	cli_prog = "solr-gbcs-parse";
	c.have_at = 0;
	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "bC:hx", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
		case 'x':
			if (mode && mode != ch)
				usage();
			mode = ch;
			break;
		case 'C':
			dir = optarg;
			break;
		case 'P':
			c.replay = 1;
			break;
		case 'a':
			c.at = cli_time(optarg);
			c.have_at = 1;
			break;
		case 'V':
			cli_version();
			break;
		case 'h':
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	xmlInitParser();
	if (!mode || dir != NULL || getenv("SOLR_WORLD") != NULL) {
		if (world_load(&c.world, solr_world_dir(dir), &e) != 0) {
			cli_error(&e);
			world_free(&c.world);
			return EXIT_TROUBLE;
		}
		c.have_world = 1;
	}
	if (!mode && objstore_open(&c.objects, c.world.objects, &e) != 0) {
		cli_error(&e);
		world_free(&c.world);
		return EXIT_TROUBLE;
	}
	if ((c.out = rec_writer_new(stdout)) == NULL) {
		cli_warn(NULL, 0, "out of memory");
		return EXIT_TROUBLE;
	}
	if (!mode && argc == 0)
		run_stage(&c);
	for (i = 0; !mode && i < argc; i++) {
		struct solr_buf b = { 0 };

		if (solr_read_file(argv[i], c.world.policy.max_document_bytes,
		    &b, &e) != 0) {
			cli_error(&e);
			set_status(&c, EXIT_TROUBLE);
		} else
			alert_document(&c, i + 1, argv[i], b.p, b.len);
		solr_buf_free(&b);
	}
	if (!mode)
		;
	else if (argc == 0) {
		struct solr_buf b = { 0 };

		if (solr_read_stream(stdin, "(stdin)", 4 * GBCS_MAX_LEN, &b,
		    &e) != 0) {
			cli_error(&e);
			set_status(&c, EXIT_TROUBLE);
		} else
			decode(&c, mode == 'x', "(stdin)", b.p, b.len);
		solr_buf_free(&b);
	}
	for (i = 0; mode && i < argc; i++) {
		struct solr_buf b = { 0 };

		if (solr_read_file(argv[i], 4 * GBCS_MAX_LEN, &b, &e) != 0) {
			cli_error(&e);
			set_status(&c, EXIT_TROUBLE);
		} else
			decode(&c, mode == 'x', argv[i], b.p, b.len);
		solr_buf_free(&b);
	}
	if (rec_writer_finish(c.out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		set_status(&c, EXIT_TROUBLE);
	}
	rec_writer_free(c.out);
	if (c.have_world)
		world_free(&c.world);
	xmlCleanupParser();
	return cli_close_stdout(c.status);
}
