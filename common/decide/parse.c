#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/parser.h>

#include "decide/parse.h"
#include "prepay/prepay.h"
#include "prepay/srv.h"
#include "store/record.h"
#include "base/util.h"
#include "duis/duis.h"
#include "duis/xmlsig.h"

#define STAGE "gbcs-parse"

static void
gbcs_of(const struct gbcs_apdu *a, const struct solr_cert *signer,
    char sha[SOLR_SHA256_HEX], struct rec_gbcs *g)
{
	solr_sha256_hex(a->buf, a->len, sha);
	*g = (struct rec_gbcs){ .message_code = a->message_code,
	    .cra = a->cra, .counter = a->counter, .originator = a->originator,
	    .recipient = a->recipient, .apdu_sha256 = sha,
	    .signer_issuer = signer ? signer->issuer : NULL,
	    .signer_serial = signer ? signer->serial : NULL };
}

void
parse_alert_of(const struct gbcs_alert *al, const char *check,
    struct rec_alert *a)
{
	*a = (struct rec_alert){ .code = al->alert_code,
	    .framing = al->framing, .payload = al->payload,
	    .message_code = al->apdu.message_code,
	    .device = al->apdu.originator, .recipient = al->apdu.recipient,
	    .counter = al->apdu.counter, .timestamp = al->timestamp,
	    .check = check, .has_future = al->has_future,
	    .future_code = al->future_code,
	    .future_counter = al->future_counter,
	    .future_object = al->future_object };
}

/* The Signed Pre-Command path: the values go out only once the
 * signature verified. */
static int
signed_pre_command(struct parse_stage *ps, const struct srv_row *row,
    xmlNodePtr spc, const struct solr_record *rec, struct decision *d,
    struct solr_err *e)
{
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_cert *signer = NULL;
	struct rec_gbcs g;
	unsigned char *buf;
	char *text, sha[SOLR_SHA256_HEX];
	uint64_t counter = 0;
	int r;

	if ((r = duis_spc_payload(spc, &text, e)) != 0)
		return r == SOLR_ERR_VERIFY ? decision_reject(d, DUIS_E020101,
		    "%s", e->msg) : r;
	if ((buf = malloc(GBCS_MAX_LEN)) == NULL) {
		free(text);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	if (rec->request.counter != NULL)
		solr_parse_uint(rec->request.counter, UINT64_MAX, &counter);
	r = gbcs_precommand_decide(ps->world, row, text, strlen(text),
	    rec->request.originator.eui, rec->request.target.eui, counter, buf,
	    &a, &pp, &signer, d, e);
	free(text);
	if (r == 0 && decision_is_pass(d))
		gbcs_of(&a, signer, sha, &g);
	if (r == 0 && decision_is_pass(d) && ((!row->not_inspected &&
	    yn_set(rec->tree, row->values_key, prepay_to_yaml(&pp)) != 0) ||
	    rec_gbcs_set(rec->tree, &g) != 0))
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	free(buf);
	return r;
}

/* base64 of the largest GBCS message, and a little over */
#define ALERT_TEXT_MAX (GBCS_MAX_LEN / 3 * 4 + 8)

/*
 * A device alert in a DUIS Response: the GBCS payload decoded strictly,
 * its code checked against the unsigned DUIS one, the device's signature
 * or the MAC checked.  0, and rec filled when *alert says the response
 * holds one; SOLR_ERR_VERIFY on a failure (e says why).
 */
static int
alert_doc(struct parse_stage *ps, xmlNodePtr el, struct ynode *rec,
    int64_t at, int *alert, struct solr_err *e)
{
	xmlNodePtr code, payload;
	unsigned char *buf = NULL;
	struct gbcs_alert al;
	struct rec_alert ra;
	char check[160], duis[16], ct[16], *pt = NULL, sha[SOLR_SHA256_HEX];
	size_t len;
	int r;

	*alert = 1;
	if (strcmp((const char *)el->name, "DeviceAlertMessage") == 0)
		code = solr_xml_child(el, "AlertCode");
	else if ((el = solr_xml_child(el, "FutureDatedDeviceAlertMessage")) !=
	    NULL)
		code = solr_xml_child(el, "FutureDatedAlertCode");
	else {
		*alert = 0;
		return 0;
	}
	payload = solr_xml_child(el, "GBCSPayload");
	if (code == NULL || payload == NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the alert has no alert "
		    "code or no GBCSPayload");
	/* each in its one form (base/xml.h) */
	if ((buf = malloc(GBCS_MAX_LEN)) == NULL || (pt = malloc(
	    ALERT_TEXT_MAX)) == NULL) {
		free(buf);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	if ((r = solr_xml_text(code, ct, sizeof(ct), e)) == 0 &&
	    (r = solr_xml_text(payload, pt, ALERT_TEXT_MAX, e)) == 0)
		r = solr_b64_decode(pt, strlen(pt), buf, GBCS_MAX_LEN, &len,
		    e);
	if (r == 0)
		r = gbcs_parse_alert(buf, len, &al, NULL, e);
	if (r == 0) {
		/* the DUIS code is outside the signed bytes: it must agree */
		snprintf(duis, sizeof(duis), "%04X", al.alert_code);
		if (strcasecmp(ct, duis) != 0)
			r = solr_seterr(e, SOLR_ERR_VERIFY, "AlertCode '%.8s' "
			    "in the DUIS wrapper is not the signed alert code "
			    "%s", ct, duis);
	}
	if (r == 0)
		r = gbcs_alert_verify(ps->world, &al, at, check, sizeof(check),
		    e);
	if (r == 0) {
		solr_sha256_hex(buf, len, sha);
		parse_alert_of(&al, check, &ra);
		if (rec_alert_set(rec, &ra, sha) != 0)
			r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	free(pt);
	free(buf);
	return r;
}

static int
nomem(struct solr_err *e)
{
	return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
}

/* at: the time the first stage gave the record, and no other */
static int
stage_alert(struct parse_stage *ps, struct ynode *rec, int64_t at,
    const unsigned char *p, size_t n, struct solr_err *e)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr el = NULL;
	struct decision d;
	struct ynode *st;
	int r, alert = 0;

	if ((r = solr_xml_parse(p, n, &doc, e)) != 0 ||
	    (el = solr_xml_body(doc)) == NULL)
		decision_reject(&d, DUIS_NONE, "%s", r ? e->msg :
		    "the response has no body");
	else if ((r = alert_doc(ps, el, rec, at, &alert, e)) != 0)
		decision_reject(&d, DUIS_NONE, "%s", e->msg);
	else if (!alert)
		decision_skip(&d);
	else
		decision_pass(&d);
	xmlFreeDoc(doc);
	if ((st = rec_decide(rec, STAGE, &d)) == NULL)
		return nomem(e);
	if (alert && r == 0 && rec_put(st, RK_FORM, yn_new_plain("alert")))
		return nomem(e);
	/* what the document says is the record's; anything else (memory,
	 * the store, the world) is the run's */
	return r != 0 && r != SOLR_ERR_VERIFY && r != SOLR_ERR_LIMIT ?
	    SOLR_ERR_TROUBLE : 0;
}

static int
from_store(struct parse_stage *ps, const struct solr_record *rec,
    struct solr_buf *b, struct solr_err *e)
{
	return objstore_get_at(&ps->objects, rec->request.object,
	    rec->request.at, ps->world->policy.max_document_bytes, b, e);
}

/* Which body the SRV's row carries, and whether the CommandVariant fits
 * it. */
static int
body_rule(const struct srv_row *row, const char *body, int cv, int *spc,
    struct decision *d)
{
	char xml[256];	/* a long element never matches a body cut at 63 */

	duis_body_name(row->element, xml, sizeof(xml));
	*spc = strcmp(body, "signed-pre-command") == 0;
	if (!*spc && strcmp(body, xml) != 0)
		return decision_reject(d, DUIS_E020101, "SRV %s with a %s body; "
		    "it takes %s%s", row->srv, body, row->element, row->ngbcs ?
		    " or SignedPreCommand" : "");
	if (*spc && row->ngbcs == 0)
		return decision_reject(d, DUIS_E020101, "SRV %s with a Signed "
		    "Pre-Command: no GBCS message carries it; it takes %s",
		    row->srv, row->element);
	if (*spc != (cv >= 5 && cv <= 7))
		return decision_reject(d, DUIS_E12, "CommandVariant %d with a "
		    "%s body: a Signed Pre-Command takes 5, 6 or 7, an XML "
		    "body any other", cv, body);
	decision_pass(d);
	return 0;
}

/* The XML form's values, read and kept as the row says. */
static int
xml_values(const struct srv_row *row, xmlNodePtr el, struct ynode *rec,
    struct decision *d, struct solr_err *e)
{
	struct srv_read rd = { 0 };
	int r;

	if (row->not_inspected) {
		decision_pass(d);
		return 0;
	}
	if ((r = row->xml_read(el, &rd, e)) != 0)
		yn_free(rd.values);
	if (r == SOLR_ERR_NOMEM)
		return r;
	if (r != 0)
		return decision_reject(d, DUIS_E020101, "%s", e->msg);
	if (yn_set(rec, row->values_key, rd.values) != 0)
		return nomem(e);
	decision_pass(d);
	return 0;
}

/* The values of the request's body, as its SRV's row reads them. */
static int
body_values(struct parse_stage *ps, const struct srv_row *row,
    const struct solr_record *rec, int spc, struct decision *d,
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	xmlDocPtr doc = NULL;
	xmlNodePtr el = NULL;
	int r;

	if ((r = from_store(ps, rec, &b, e)) != 0) {
		/* a missing or changed object: the run is in trouble */
		decision_reject(d, DUIS_NONE, "%s", e->msg);
		r = SOLR_ERR_TROUBLE;
	} else if ((r = solr_xml_parse(b.p, b.len, &doc, e)) != 0 ||
	    (el = solr_xml_body(doc)) == NULL) {
		decision_reject(d, DUIS_NONE, "%s", r ? e->msg :
		    "the request has no body");
		r = r != 0 && r != SOLR_ERR_VERIFY && r != SOLR_ERR_LIMIT ?
		    SOLR_ERR_TROUBLE : 0;
	} else if (spc)
		r = signed_pre_command(ps, row, el, rec, d, e);
	else
		r = xml_values(row, el, rec->tree, d, e);
	xmlFreeDoc(doc);
	solr_buf_free(&b);
	if (r < 0 && r != SOLR_ERR_NOMEM) {
		/* the supplier's signature check could not run */
		r = SOLR_ERR_TROUBLE;
	}
	return r;
}

/* A DUIS Response carrying a device alert (given as a record). */
static int
alert_record(struct parse_stage *ps, const struct solr_record *rec,
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	struct decision d;
	int r;

	if ((r = from_store(ps, rec, &b, e)) == 0)
		r = stage_alert(ps, rec->tree, rec->received_at, b.p, b.len, e);
	else {
		decision_reject(&d, DUIS_NONE, "%s", e->msg);
		r = rec_decide(rec->tree, STAGE, &d) ? SOLR_ERR_TROUBLE : nomem(e);
	}
	solr_buf_free(&b);
	return r;
}

static int
decide_record(void *ctx, struct solr_record *rec, struct solr_err *e)
{
	struct parse_stage *ps = ctx;
	const struct solr_request *req = &rec->request;
	const struct srv_row *row;
	struct decision d;
	struct ynode *st;
	char why[160];
	int spc = 0, r = 0;

	if (strcmp(req->body, "device-alert-message") == 0 ||
	    strcmp(req->body, "response-message") == 0)
		return alert_record(ps, rec, e);
	if (rec_lacks(rec, RV_SENDER | RV_IDS | RV_COMMAND, why, sizeof(why)))
		decision_reject(&d, DUIS_NONE, "%s", why);
	else if (!world_solr_path(ps->world, rec->sender.eui,
	    req->originator.eui) || (row = world_srv_row(ps->world,
	    req->srv)) == NULL)
		decision_skip(&d);	/* the SoLR rules apply to the SRVs of
					 * the role on the SoLR path only */
	else if (body_rule(row, req->body, req->cv, &spc, &d) == 0 &&
	    decision_is_pass(&d))
		r = body_values(ps, row, rec, spc, &d, e);
	/* check A or B of SECMP0134B: E2 for users of a DUIS before E020101 */
	if (d.code == DUIS_E020101)
		d.code = duis_content_code(req->schema_version,
		    ps->world->policy.e020101_from);
	if (r == SOLR_ERR_NOMEM || (st = rec_decide(rec->tree, STAGE, &d)) ==
	    NULL)
		return nomem(e);
	if (d.verdict == VERDICT_PASS && (rec_put(st, RK_FORM,
	    yn_new_plain(spc ? "signed-pre-command" : "xml")) != 0 ||
	    (spc && rec_put(st, RK_SIGNATURE, yn_new_plain("verified")) != 0)))
		return nomem(e);
	return r;
}

static int
alert_document_in(struct parse_stage *ps, struct ynode *rec,
    const unsigned char *p, size_t n, struct solr_err *e)
{
	struct solr_record view;
	struct decision d;
	char name[SOLR_SHA256_HEX], at[OBJSTORE_AT], why[160];
	unsigned lacks;

	if (objstore_put_at(&ps->objects, p, n, name, at, e) != 0) {
		decision_reject(&d, DUIS_NONE, "%s", e->msg);
		return rec_decide(rec, STAGE, &d) ? SOLR_ERR_TROUBLE : nomem(e);
	}
	if (rec_object_set(rec, name, at, (int64_t)n) != 0 ||
	    rec_view(&view, rec) != 0)
		return nomem(e);
	lacks = rec_lacks(&view, RV_TIME, why, sizeof(why));
	rec_view_free(&view);
	if (lacks) {
		decision_reject(&d, DUIS_NONE, "%s", why);
		return rec_decide(rec, STAGE, &d) ? 0 : nomem(e);
	}
	return stage_alert(ps, rec, view.received_at, p, n, e);
}

/* An alert named as an operand: no stage driver around it, so its own
 * guard against what a library answered while out of memory. */
int
parse_alert_document(struct parse_stage *ps, struct ynode *rec,
    const unsigned char *p, size_t n, struct solr_err *e)
{
	unsigned long oom = solr_oom_count();

	return stage_oom_guard(rec, STAGE, oom, alert_document_in(ps, rec, p,
	    n, e), SOLR_ERR_TROUBLE, e);
}

const struct stage_ops gbcs_parse_stage = {
	.name = STAGE,
	.decide = decide_record,
	.needs = RV_TIME | RV_OBJECT | RV_BODY,
};
