#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <openssl/pem.h>

#include "base/guard.h"
#include "base/layout.h"
#include "decide/countersign.h"
#include "store/register.h"
#include "base/crypto.h"
#include "duis/duis.h"
#include "gbcs/gbcs.h"
#include "prepay/prepay.h"
#include "store/record.h"
#include "store/sathead.h"
#include "world/device.h"
#include "world/inventory.h"
#include "base/util.h"
#include "base/version.h"
#include "duis/xmlsig.h"

#define STAGE "countersign"

static int
nomem(struct solr_err *e)
{
	return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
}

/* The key files of the run, in the order countersign_keys reads them. */
static const enum world_file key_files[3] = { WF_ACB_KEY, WF_DCC_KEY,
    WF_DCC_CERT };

/* The identity of the next key file, the one just read: the same before
 * and after the read, or it changed while it was read. */
static int
key_identity(struct countersign_stage *c, const char *path,
    const struct stat *before, struct solr_err *e)
{
	struct stat *st = &c->key_st[c->nkeys];

	if (stat(path, st) != 0 || !solr_same_file(st, before))
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "it "
		    "changed while it was read");
	c->nkeys++;
	return 0;
}

/* Whether each key file read is still the file it was (device, inode,
 * size, times): SOLR_ERR_CONFIG naming the first that changed. */
static int
keys_unchanged(struct countersign_stage *c, struct solr_err *e)
{
	char path[PATH_MAX];
	struct stat st;
	int i;

	/* looked at once a batch: a key put in place under the run is
	 * refused from the batch after */
	if (c->world->batch != 0 && c->keys_fresh_in == c->world->batch)
		return 0;
	for (i = 0; i < c->nkeys; i++) {
		world_path(path, sizeof(path), c->world->dir, key_files[i]);
		if (stat(path, &st) != 0 || !solr_same_file(&st,
		    &c->key_st[i]))
			return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0,
			    "%s changed since the run began: nothing more is "
			    "signed or MACed with what was read; run again "
			    "to use it", world_layout[key_files[i]].path);
	}
	c->keys_fresh_in = c->world->batch;
	return 0;
}

int
countersign_keys(struct countersign_stage *c, int need_dcc,
    struct solr_err *e)
{
	char path[PATH_MAX];
	struct stat before;
	FILE *f;
	X509 *x;
	int r;

	c->nkeys = 0;
	world_path(path, sizeof(path), c->world->dir, WF_ACB_KEY);
	if (stat(path, &before) != 0)
		memset(&before, 0, sizeof(before));
	if ((r = solr_load_private_key(path, &c->acb, e)) != 0 ||
	    (r = key_identity(c, path, &before, e)) != 0)
		return r;
	if ((c->acb_ka = solr_ka_new(c->acb)) == NULL)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "not a "
		    "P-256 private key");
	if (!need_dcc)
		return 0;
	world_path(path, sizeof(path), c->world->dir, WF_DCC_KEY);
	if (stat(path, &before) != 0)
		memset(&before, 0, sizeof(before));
	if ((r = solr_load_private_key(path, &c->dcc, e)) != 0 ||
	    (r = key_identity(c, path, &before, e)) != 0)
		return r;
	world_path(path, sizeof(path), c->world->dir, WF_DCC_CERT);
	if ((f = solr_fopen_guarded(path, e)) == NULL)
		return e->code = SOLR_ERR_CONFIG;
	if (fstat(fileno(f), &before) != 0)
		memset(&before, 0, sizeof(before));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0,
		    "not a PEM certificate");
	if ((r = key_identity(c, path, &before, e)) != 0) {
		X509_free(x);
		return r;
	}
	r = solr_cert_from_x509(x, path, &c->dcc_cert, e);
	X509_free(x);
	if (r != 0)
		return r;
	if (world_cert_role(c->world, c->dcc_cert) != SOLR_ROLE_DSPXMLSIGN ||
	    X509_check_private_key(c->dcc_cert->x, c->dcc) != 1)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "the DCC's "
		    "XML-signing certificate must have role 0x89 and match "
		    "keys/dcc.xmlsign.key");
	return 0;
}

int
countersign_open(struct countersign_stage *c, struct solr_err *e)
{
	int r;

	ledger_memory(&c->requests);
	if ((r = fslist_load(c->world->dir, &c->list, e)) != 0 ||
	    (r = instructions_load(c->world->dir, &c->is, e)) != 0)
		return r;
	if (c->replay)
		return 0;
	if ((r = ledger_open_named(c->world->dir, "countersign-requests",
	    "was decided before for another document", c->world->state_key,
	    &c->requests, e)) != 0)
		return r;
	return 0;
}

/* The certificate that verified the signer's XML signature, at t. */
static int
recheck_signer(struct countersign_stage *c, const struct solr_record *rec,
    int64_t t, struct decision *d, struct solr_err *e)
{
	const char *issuer = rec->sender_issuer, *serial = rec->sender_serial;
	struct solr_cert *cert;
	char ts[SOLR_TIME_STRLEN];
	int r;

	solr_time_format(t, ts);
	if (issuer == NULL || serial == NULL)
		return decision_reject(d, DUIS_E65, "the record names no signer "
		    "certificate (sender.cert)");
	if ((r = world_find_org(c->world, issuer, serial, &cert, e)) ==
	    SOLR_ERR_NOTFOUND)
		return decision_reject(d, DUIS_E65, "at countersigning (%s), "
		    "the signer's certificate (serial %s) is no longer in "
		    "pki/org", ts, serial);
	if (r != 0)
		return r;
	if ((r = world_check_cert(c->world, cert, t, e)) == SOLR_ERR_VERIFY)
		return decision_reject(d, DUIS_E65, "at countersigning (%s), "
		    "the signer's certificate (serial %s) no longer holds: %s",
		    ts, serial, e->msg);
	return r;
}

int
countersign_recheck(struct countersign_stage *c,
    const struct solr_record *rec, int64_t t, struct decision *d,
    struct solr_err *e)
{
	char ts[SOLR_TIME_STRLEN], sid[SOLR_EUI_STRLEN], bo[SOLR_EUI_STRLEN],
	    lack[160];
	uint64_t sender = rec->sender.eui, orig = rec->request.originator.eui;
	int r;

	decision_pass(d);
	if ((r = recheck_signer(c, rec, t, d, e)) != 0 || !decision_is_pass(d))
		return r;
	if (rec_lacks(rec, RV_SENDER | RV_IDS, lack, sizeof(lack)) != 0)
		return decision_reject(d, DUIS_NONE, "%s", lack);
	if (!world_solr_path(c->world, sender, orig))
		return 0;
	solr_time_format(t, ts);
	if (fslist_decide(c->world, &c->list, sender, orig, d) != 0 ||
	    !decision_is_pass(d)) {
		char why[DECISION_REASON_MAX];

		snprintf(why, sizeof(why), "%s", d->reason);
		return decision_reject(d, d->code, "at countersigning (%s): %s",
		    ts, why);
	}
	if ((r = fslist_decide_revoked(c->world, orig, t, d, e)) != 0)
		return r;
	if (!decision_is_pass(d)) {
		char why[DECISION_REASON_MAX];

		snprintf(why, sizeof(why), "%s", d->reason);
		return decision_reject(d, d->code, "at countersigning (%s): %s",
		    ts, why);
	}
	if (instruction_find(&c->is, orig, sender, t) == NULL) {
		solr_eui_format(sender, sid);
		solr_eui_format(orig, bo);
		return decision_quarantine(d, DCC_AD1, "at countersigning (%s), "
		    "no Authority instruction in instructions.yaml covers the "
		    "failed supplier %s and the SRP %s", ts, bo, sid);
	}
	return 0;
}

static void batch_clear(struct countersign_stage *);

void
countersign_free(struct countersign_stage *c)
{
	ledger_close(&c->requests);
	solr_live_leave(&c->live);
	fslist_free(&c->list);
	instructions_free(&c->is);
	batch_clear(c);
	free(c->batch);
	c->batch = NULL;
	c->capbatch = 0;
	solr_ka_free(c->acb_ka);
	EVP_PKEY_free(c->acb);
	EVP_PKEY_free(c->dcc);
	solr_cert_free(c->dcc_cert);
	c->acb = c->dcc = NULL;
	c->acb_ka = NULL;
	c->dcc_cert = NULL;
}

/*
 * The device inventory's entry for the device, en: 0, or SOLR_ERR_VERIFY
 * with *code E19 when the inventory holds nothing of the device (or it
 * was removed), and E11 when it is another kind than want (unless NULL).
 * what names the message or body the device's kind follows from.
 */
static int
device_entry(const struct countersign_stage *c, uint64_t eui,
    const char *want, const char *what, struct inv_entry *en,
    enum duis_code *code, struct solr_err *e)
{
	char dev[SOLR_EUI_STRLEN];
	int r;

	if ((r = inv_lookup(c->world, eui, en, e)) != 0) {
		if (r != SOLR_ERR_NOTFOUND)
			return r;
		*code = DUIS_E19;
		e->code = SOLR_ERR_VERIFY;
		return SOLR_ERR_VERIFY;
	}
	if (want != NULL && strcmp(en->type, want) != 0) {
		solr_eui_format(eui, dev);
		*code = DUIS_E11;
		return solr_seterr(e, SOLR_ERR_VERIFY, "%s is for a %s; the "
		    "device inventory says %s is a %s", what, want, dev,
		    en->type);
	}
	return 0;
}

int
countersign_command(struct countersign_stage *c, const struct srv_row *row,
    const unsigned char *spc, size_t n, int64_t at, struct solr_buf *cmd,
    enum duis_code *code, struct solr_err *e)
{
	const struct srv_gbcs *m;
	struct gbcs_apdu a;
	unsigned char sha[32];
	struct inv_entry en;
	EVP_PKEY *dev = NULL;
	int again, r;
	char what[32];

	*code = DUIS_NONE;
	if ((r = gbcs_parse_signing(spc, n, 1, &a, NULL, e)) != 0)
		return r;
	/* a Command only for the kind of device its message is for, as
	 * the SRV's row says (E11); the device key first: nothing goes in
	 * the ledger that is not MACed; a device the inventory does not
	 * hold is E19 */
	m = srv_gbcs_of(row ? row : srv_row_by_gbcs(a.message_code),
	    a.message_code);
	snprintf(what, sizeof(what), "message code 0x%04X", a.message_code);
	if ((r = device_entry(c, a.recipient, m ? m->device_type : NULL, what,
	    &en, code, e)) != 0)
		return r;
	if ((r = world_entry_key(c->world, &en, INV_KA, at, &dev, e)) != 0) {
		if (r == SOLR_ERR_NOTFOUND) {
			*code = DUIS_E19;
			e->code = r = SOLR_ERR_VERIFY;
		}
		return r;
	}
	solr_sha256(spc, n, sha);
	if ((r = ledger_record(&c->ledger, a.originator, a.counter,
	    a.recipient, sha, &again, e)) == 0)
		r = gbcs_command(&a, c->acb_ka, dev, cmd, e);
	EVP_PKEY_free(dev);
	return r;
}

int
countersign_precommand_check(struct countersign_stage *c,
    const unsigned char *spc, size_t n, struct solr_err *e)
{
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_cert *signer;
	int r;

	if ((r = gbcs_parse_signing(spc, n, 1, &a, NULL, e)) != 0 ||
	    (r = gbcs_read_values(NULL, &a, &pp, NULL, e)) != 0)
		return r;
	return gbcs_verify_supplier(&a, c->world, &signer, e);
}

const char *
countersign_missing_stage(const struct solr_policy *p, const struct ynode *rec)
{
	const struct ynode *st = rec_part(rec, RK_STAGES);
	size_t i;

	for (i = 0; i < p->nrequired_stages; i++) {
		const char *name = p->required_stages[i];
		const char *res = rec_str(yn_get(st, name), RK_RESULT);

		if (res == NULL || (strcmp(res, "pass") && strcmp(res,
		    "skipped")))
			return name;
	}
	return NULL;
}

enum duis_code
countersign_response_code(const char *verdict, enum duis_code code,
    enum duis_code *alert)
{
	*alert = DUIS_NONE;
	if (verdict != NULL && strcmp(verdict, "accept") == 0)
		return DUIS_I99;
	if (verdict != NULL && strcmp(verdict, "quarantine") == 0 &&
	    code != DUIS_NONE) {
		*alert = code;
		return DUIS_I0;
	}
	return code;
}

/* -o: a copy named after the RequestID; when another request's artifact
 * holds that name already, this one's name carries its SHA-256 too, so
 * that none is overwritten. */
static int
write_artifact(struct countersign_stage *c, const char *rid, const char *what,
    const struct solr_buf *b, const char *sha, struct solr_err *e)
{
	char path[PATH_MAX], name[128];
	struct solr_buf old = { 0 };
	struct solr_err oe = { 0 };
	size_t i;
	int same;

	if (c->outdir == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s", rid);
	for (i = 0; name[i]; i++)
		if (name[i] == ':' || name[i] == '/')
			name[i] = '_';
	if (c->tar.fd >= 0) {
		/* a member named by its content too: the same name is the
		 * same bytes, whichever process or run appended it */
		snprintf(path, sizeof(path), "%s.%.12s.%s", name, sha, what);
		return tar_out_add(&c->tar, path, b->p, b->len, c->have_at ?
		    c->at : (int64_t)time(NULL), e);
	}
	snprintf(path, sizeof(path), "%s/%s.%s", c->outdir, name, what);
	if (solr_read_guarded(path, 64 * 1024 * 1024, &old, &oe) == 0) {
		same = old.len == b->len && memcmp(old.p, b->p, b->len) == 0;
		solr_buf_free(&old);
		if (same)
			return 0;
		snprintf(path, sizeof(path), "%s/%s.%.12s.%s", c->outdir, name,
		    sha, what);
	} else
		solr_buf_free(&old);
	return solr_write_atomic(path, b->p, b->len, 0, e);
}

/* An artifact into the store (and -o), its name under output.<key>. */
/* The bytes of an object the batch read or made, kept for its trail
 * entry (nothing when there is no trail, or past the bound). */
#define BATCH_BYTES_MAX (4 << 20)
static void
batch_keep(struct countersign_stage *c, const char *name,
    const struct solr_buf *b)
{
	struct batch_obj *nb;
	size_t cap;

	if (!c->have_sat || b->len > BATCH_BYTES_MAX - c->batch_bytes)
		return;
	if (c->nbatch == c->capbatch) {
		cap = c->capbatch ? c->capbatch * 2 : 64;
		if ((nb = realloc(c->batch, cap * sizeof(*nb))) == NULL)
			return;	/* read back instead */
		c->batch = nb;
		c->capbatch = cap;
	}
	nb = &c->batch[c->nbatch];
	memset(nb, 0, sizeof(*nb));
	if (solr_buf_add(&nb->b, b->p, b->len) != 0) {
		solr_buf_free(&nb->b);
		return;
	}
	snprintf(nb->name, sizeof(nb->name), "%s", name);
	c->batch_bytes += b->len;
	c->nbatch++;
}

static const struct solr_buf *
batch_find(const struct countersign_stage *c, const char *name)
{
	size_t i;

	for (i = c->nbatch; i-- > 0; )
		if (strcmp(c->batch[i].name, name) == 0)
			return &c->batch[i].b;
	return NULL;
}

static void
batch_clear(struct countersign_stage *c)
{
	size_t i;

	for (i = 0; i < c->nbatch; i++)
		solr_buf_free(&c->batch[i].b);
	c->nbatch = 0;
	c->batch_bytes = 0;
}

static int
keep(struct countersign_stage *c, struct ynode *out, const char *key,
    const char *rid, const char *what, const struct solr_buf *b,
    struct solr_err *e)
{
	char name[SOLR_SHA256_HEX], at[OBJSTORE_AT], atkey[32];
	int r;

	/* made just now: not looked for in the store first, so that the
	 * store's table of names is never read into memory here */
	if ((r = objstore_put_new(&c->objects, b->p, b->len, name, at, e)) !=
	    0 || (rid && (r = write_artifact(c, rid, what, b, name, e)) != 0))
		return r;
	batch_keep(c, name, b);
	snprintf(atkey, sizeof(atkey), "%s_at", key);
	return yn_set_str(out, key, name) || yn_set_str(out, atkey, at) ?
	    nomem(e) : 0;
}

/* The DUIS Response to the sender. */
static int
respond(struct countersign_stage *c, const struct solr_record *rec,
    struct ynode *out, int64_t t, struct solr_err *e)
{
	const struct solr_request *req = &rec->request;
	const char *sid = rec->sender.text;
	enum duis_code alert, code = countersign_response_code(rec_verdict(
	    rec->tree), duis_code_parse(rec_str(rec->tree, RK_CODE)), &alert);
	struct duis_response r;
	struct solr_buf b = { 0 };
	char qref[24];
	int rc;

	if (sid == NULL || code == DUIS_NONE) {
		/* nobody verified to answer, or no DUIS rule decided */
		if (rec_put(out, RK_RESPONSE, yn_new_null()) != 0 ||
		    rec_put_str(out, RK_RESPONSE_NOTE, sid == NULL ? "no "
		    "response: the sender is not known from a verified "
		    "signature" : "no response: no DUIS rule decided the "
		    "request") != 0)
			return nomem(e);
		return 0;
	}
	memset(&r, 0, sizeof(r));
	r.schema_version = req->schema_version;
	r.request_id = req->request_id;
	r.time = t;
	r.srv = req->srv;
	r.code = duis_code_name(code);
	if (alert != DUIS_NONE) {
		/* the reference names the quarantined request's bytes */
		duis_quarantine_ref(req->object ? req->object : "", qref);
		r.alert_code = duis_code_name(alert);
		r.quarantine_ref = qref;
	}
	if ((rc = duis_build_response(&r, c->dcc, c->dcc_cert, &b, e)) == 0 &&
	    (rc = keep(c, out, "response", r.request_id, "response.xml", &b,
	    e)) == 0 && (rec_put_str(out, RK_RESPONSE_CODE, r.alert_code ?
	    r.alert_code : r.code) != 0 || rec_put_str(out, RK_RESPONSE_TO, sid)
	    != 0))
		rc = nomem(e);
	solr_buf_free(&b);
	return rc;
}

/* In a replay: the code the response would carry, against the recorded
 * one. */
static int
replay_respond(const struct solr_record *rec, struct ynode *out)
{
	const char *now, *was;
	enum duis_code alert, code = countersign_response_code(rec_verdict(
	    rec->tree), duis_code_parse(rec_str(rec->tree, RK_CODE)), &alert);

	now = rec->sender.text == NULL ? NULL : duis_code_name(alert !=
	    DUIS_NONE ? alert : code);
	was = rec_recorded_output(rec->tree, RK_RESPONSE_CODE);
	if (now && rec_put_str(out, RK_RESPONSE_CODE, now) != 0)
		return SOLR_ERR_NOMEM;
	if ((now == NULL) != (was == NULL) || (now && strcmp(now, was)))
		return rec_put_str(out, RK_REPLAY_NOTE, "the response code "
		    "differs from the one recorded");
	return 0;
}

/* In a replay: the recorded countersigned request is this request with
 * a DCC countersignature that verifies (a signature cannot be made
 * again). */
static int
replay_countersigned(struct countersign_stage *c, struct ynode *rec,
    const unsigned char *req, size_t n, int64_t t, struct solr_err *e)
{
	const char *was = rec_recorded_output(rec, RK_COUNTERSIGNED);
	const struct solr_policy *p = &c->world->policy;
	struct solr_buf b = { 0 };
	struct solr_cert *dcc, *srp;
	struct ynode *out;
	xmlDocPtr doc = NULL;
	size_t pre = 0, suf = 0;
	int r;

	if (was == NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "no countersigned "
		    "request was recorded");
	if ((r = objstore_get_at(&c->objects, was, yn_get_str(yn_path(rec,
	    "recorded.output"), "countersigned_at"), p->max_document_bytes * 2,
	    &b, e)) != 0) {
		solr_buf_free(&b);
		return r;
	}
	/* the request's bytes, unchanged, with one insertion: the
	 * countersignature */
	while (b.len > n && pre < n && b.p[pre] == req[pre])
		pre++;
	while (b.len > n && suf < n - pre && b.p[b.len - 1 - suf] ==
	    req[n - 1 - suf])
		suf++;
	if (b.len <= n || pre + suf != n)
		r = solr_seterr(e, SOLR_ERR_VERIFY, "the recorded countersigned "
		    "request is not this request");
	if (r == 0)
		r = solr_xml_parse(b.p, b.len, &doc, e);
	if (r == 0)
		r = xmlsig_verify_countersigned(doc, c->world, t,
		    p->response_signer_roles, p->n_response_signer_roles,
		    p->xml_signer_roles, p->n_xml_signer_roles, &dcc, &srp, e);
	out = rec_part(rec, RK_OUTPUT);
	if (r == 0 && (rec_put_str(out, RK_COUNTERSIGNED, was) != 0 ||
	    rec_put_str(out, RK_COUNTERSIGNED_CHECK, "the recorded "
	    "countersignature verifies") != 0))
		r = nomem(e);
	xmlFreeDoc(doc);
	solr_buf_free(&b);
	return r;
}

/* The Signed Pre-Command inside the stored request. */
static int
precommand_of(const struct solr_buf *req, unsigned char *spc, size_t *len,
    struct solr_err *e)
{
	xmlDocPtr doc = NULL;
	xmlNodePtr n;
	char *text = NULL;
	int r;

	*len = 0;
	if ((r = solr_xml_parse(req->p, req->len, &doc, e)) != 0)
		return r;
	n = solr_xml_child(xmlDocGetRootElement(doc), "Body");
	if ((r = duis_spc_payload(solr_xml_child(n, "SignedPreCommand"), &text,
	    e)) == 0)
		r = solr_b64_decode(text, strlen(text), spc, GBCS_MAX_LEN, len,
		    e);
	free(text);
	xmlFreeDoc(doc);
	return r;
}

/* A failure of check A or B: E020101, or E2 for an older DUIS. */
static enum duis_code
content_code(const struct countersign_stage *c, const struct solr_record *rec)
{
	return duis_content_code(rec->request.schema_version,
	    c->world->policy.e020101_from);
}

/* SMETS2+: the Command.  0 (the record rejected when it was refused),
 * SOLR_ERR_TROUBLE, or an error. */
static int
command(struct countersign_stage *c, const struct solr_record *rec,
    struct ynode *out, const struct solr_buf *req, int64_t t,
    struct solr_err *e)
{
	const char *rid = rec->request.request_id, *was;
	unsigned char *spc = malloc(GBCS_MAX_LEN);
	struct solr_buf cmd = { 0 };
	char name[SOLR_SHA256_HEX];
	enum duis_code code;
	size_t len;
	int r;

	if (spc == NULL)
		return nomem(e);
	code = DUIS_NONE;
	if ((r = precommand_of(req, spc, &len, e)) == 0)
		r = countersign_command(c, world_srv_row(c->world,
		    rec->request.srv), spc, len, t, &cmd, &code, e);
	free(spc);
	if (r != 0) {
		/* the device store's word (E11, E19); else the Signed
		 * Pre-Command or its counter refused (check B: E020101 or
		 * E2) */
		if (code == DUIS_NONE)
			code = content_code(c, rec);
		if (rec_reject(rec->tree, STAGE, duis_code_name(code), e->msg)
		    != 0)
			r = SOLR_ERR_NOMEM;
		else
			r = r == SOLR_ERR_VERIFY ? 0 : SOLR_ERR_TROUBLE;
	} else if (c->replay) {
		was = rec_recorded_output(rec->tree, RK_COMMAND);
		solr_sha256_hex(cmd.p, cmd.len, name);
		r = rec_put_str(out, RK_COMMAND, name);
		if (r == 0 && (was == NULL || strcmp(was, name) != 0))
			r = rec_put_str(out, RK_REPLAY_NOTE, "the Command made "
			    "now is not the one recorded");
	} else
		r = keep(c, out, "command", rid, "command.gbcs", &cmd, e);
	solr_buf_free(&cmd);
	return r == SOLR_ERR_NOMEM ? nomem(e) : r;
}

/*
 * A SMETS1 request, read from its own bytes: a body its SRV's row reads
 * goes only to the kind of device the reader says (GSME for a gas
 * prepayment configuration, ESME for an electricity one), as the device
 * store says.  A body whose content is not inspected names no kind: 0.
 */
static int
smets1_device(const struct countersign_stage *c, xmlDocPtr doc,
    enum duis_code *code, struct solr_err *e)
{
	const struct srv_row *row;
	struct duis_header h;
	struct inv_entry en;
	struct srv_read rd = { 0 };
	xmlNodePtr body;
	char label[96];
	int r;

	if ((r = duis_read_header(doc, 0, &h, e)) != 0 ||
	    (row = world_srv_row(c->world, h.srv)) == NULL ||
	    row->not_inspected || row->xml_read == NULL ||
	    (body = solr_xml_body(doc)) == NULL ||
	    strcmp((const char *)body->name, row->element) != 0)
		return r;
	if ((r = row->xml_read(body, &rd, e)) == 0)
		r = device_entry(c, h.target, rd.device_type, rd.what ?
		    rd.what : row->element, &en, code, e);
	else if (r == SOLR_ERR_VERIFY && e->code == 0)
		r = solr_seterr(e, SOLR_ERR_VERIFY, "the body is not the %s "
		    "of %s", row->element, srv_label(row, label,
		    sizeof(label)));
	yn_free(rd.values);
	return r;
}

/* SMETS1: the DCC countersigns the request. */
static int
countersigned(struct countersign_stage *c, const struct solr_record *rec,
    struct ynode *out, const struct solr_buf *req, int64_t t,
    struct solr_err *e)
{
	const char *rid = rec->request.request_id;
	struct solr_buf art = { 0 };
	enum duis_code code = DUIS_NONE;
	xmlDocPtr doc = NULL;
	int r;

	/* the request only for the kind of device it is for (E11), as a
	 * Command is; no such device is E19.  Parsed once: the same tree
	 * is then countersigned. */
	if ((r = solr_xml_parse(req->p, req->len, &doc, e)) != 0 ||
	    (r = smets1_device(c, doc, &code, e)) != 0) {
		xmlFreeDoc(doc);
		if (code == DUIS_NONE)
			code = content_code(c, rec);
		if (rec_reject(rec->tree, STAGE, duis_code_name(code), e->msg)
		    != 0)
			return nomem(e);
		return r == SOLR_ERR_VERIFY ? 0 : SOLR_ERR_TROUBLE;
	}
	if (c->replay) {
		xmlFreeDoc(doc);
		if (replay_countersigned(c, rec->tree, req->p, req->len, t, e)
		    != 0 &&
		    rec_put_str(out, RK_REPLAY_NOTE, e->msg) != 0)
			return nomem(e);
		return 0;
	}
	r = xmlsig_countersign_doc(doc, req->p, req->len, c->dcc, c->dcc_cert,
	    &art, e);
	xmlFreeDoc(doc);
	if (r != 0)
		r = rec_reject(rec->tree, STAGE, duis_code_name(DUIS_E65),
		    e->msg) ? nomem(e) : 0;
	else
		r = keep(c, out, "countersigned", rid, "countersigned.xml",
		    &art, e);
	solr_buf_free(&art);
	return r;
}

/* What the DCC makes for a record that passed: 0 (its verdict says
 * whether it was accepted or rejected), SOLR_ERR_TROUBLE, or an error. */
static int
act(struct countersign_stage *c, const struct solr_record *rec,
    struct ynode *out, int64_t t, struct solr_err *e)
{
	const struct solr_request *req = &rec->request;
	const char *missing;
	struct solr_buf b = { 0 };
	struct decision d;
	struct ynode *st;
	char why[DECISION_REASON_MAX];
	int r;

	if ((missing = countersign_missing_stage(&c->world->policy,
	    rec->tree))) {
		snprintf(why, sizeof(why), "the required stage %s did not pass "
		    "this record (policy.yaml required_stages)", missing);
		return rec_reject(rec->tree, STAGE, duis_code_name(content_code(
		    c, rec)), why) ? nomem(e) : 0;
	}
	if (rec_lacks(rec, RV_BODY | RV_OBJECT | RV_IDS, why, sizeof(why)))
		return rec_reject(rec->tree, STAGE, duis_code_name(content_code(
		    c, rec)), why) ? nomem(e) : 0;
	if ((r = countersign_recheck(c, rec, t, &d, e)) != 0) {
		decision_reject(&d, DUIS_NONE, "%s", e->msg);
		return rec_decide(rec->tree, STAGE, &d) ? SOLR_ERR_TROUBLE :
		    nomem(e);
	}
	if (!decision_is_pass(&d))
		return rec_decide(rec->tree, STAGE, &d) ? 0 : nomem(e);
	if ((r = objstore_get_at(&c->objects, req->object, req->at,
	    c->world->policy.max_document_bytes, &b, e)) != 0) {
		solr_buf_free(&b);
		return rec_reject(rec->tree, STAGE, NULL, e->msg) ? nomem(e) :
		    SOLR_ERR_TROUBLE;
	}
	batch_keep(c, req->object, &b);
	if (strcmp(req->body, "signed-pre-command") == 0)
		r = command(c, rec, out, &b, t, e);
	else
		r = countersigned(c, rec, out, &b, t, e);
	solr_buf_free(&b);
	if (r != 0 || !rec_is_pass(rec->tree))
		return r;
	if (rec_accept(rec->tree) != 0 ||
	    (st = rec_stage_pass(rec->tree, STAGE)) == NULL ||
	    rec_put(st, RK_RESULT, yn_new_plain("accept")) != 0)
		return nomem(e);
	return 0;
}

static int
replay_final(const struct solr_record *r, struct ynode *out)
{
	struct ynode *rec = r->tree, *st;
	const char *note;

	if (replay_respond(r, out) != 0)
		return SOLR_ERR_NOMEM;
	note = rec_str(out, RK_REPLAY_NOTE);
	if (rec_replay_note(rec, STAGE) != 0 || (note && (st = yn_get(rec_part(
	    rec, RK_STAGES), STAGE)) != NULL && rec_put(st, RK_REPLAY,
	    yn_new_plain("differs")) != 0))
		return SOLR_ERR_NOMEM;
	return rec_replay_final(rec);
}

/* -o for a request decided before: the first decision's artifacts,
 * from the store, so that every run's directory holds what answers its
 * requests.  One the store no longer holds is named in the record
 * (output.artifacts_note), not made again. */
static int
copy_artifacts(struct countersign_stage *c, const struct solr_record *view,
    struct solr_err *e)
{
	static const struct {
		const char *key, *at, *what;
	} art[] = {
		{ "command", "command_at", "command.gbcs" },
		{ "countersigned", "countersigned_at", "countersigned.xml" },
		{ "response", "response_at", "response.xml" },
	};
	struct ynode *out = rec_part(view->tree, RK_OUTPUT);
	struct solr_buf b = { 0 };
	struct solr_err oe = { 0 };
	const char *name;
	size_t i;
	int r = 0;

	if (c->outdir == NULL || c->replay || view->request.request_id == NULL)
		return 0;
	for (i = 0; r == 0 && i < sizeof(art) / sizeof(art[0]); i++) {
		if ((name = yn_get_str(out, art[i].key)) == NULL ||
		    !solr_is_sha256_hex(name))
			continue;
		if (objstore_get_at(&c->objects, name, yn_get_str(out,
		    art[i].at), 64 * 1024 * 1024, &b, &oe) != 0)
			r = rec_put_str(out, RK_ARTIFACTS_NOTE, oe.msg) != 0 ?
			    nomem(e) : 0;
		else
			r = write_artifact(c, view->request.request_id,
			    art[i].what, &b, name, e);
		solr_buf_free(&b);
		solr_err_clear(&oe);
	}
	return r;
}

/* What countersign keeps of its first decision on a request. */
static const char *const kept[] = { "output", "stages.countersign", NULL };

/*
 * The register, before anything is made: the same document under its
 * RequestID again gets the first decision and the first one's artifacts
 * (nothing counted, MACed, signed or answered again); another document
 * under it is refused, never countersigned.  *seen says which: nothing
 * (a new record), a decision made here, or a replay refused (which still
 * needs its answer).
 */
enum seen { SEEN_NEW, SEEN_DECIDED, SEEN_REPLAY };

static int
seen_before(struct countersign_stage *c, const struct solr_record *view,
    const struct reg_key *k, enum seen *seen, struct solr_err *e)
{
	struct ynode *rec = view->tree, *first, *out, *st, *dup;
	enum reg_found found;
	int r;

	*seen = SEEN_NEW;
	if ((r = reg_find(&c->requests, k, &first, &found, e)) < 0)
		return r;
	if (found == REG_NEW)
		return 0;
	if (found == REG_REPLAY) {
		*seen = SEEN_REPLAY;
		r = rec_is_pass(rec) ? rec_reject(rec, STAGE, duis_code_name(
		    content_code(c, view)), e->msg) : 0;
		solr_err_clear(e);
		return r ? nomem(e) : 0;
	}
	*seen = SEEN_DECIDED;
	out = reg_first_field(first, "output");
	st = reg_first_field(first, "stages.countersign");
	dup = reg_duplicate_of(first);
	if (out != NULL)
		out->flow = 0;
	r = out == NULL || dup == NULL;
	if (!r) {
		r |= rec_outcome(rec, first, NULL);
		r |= st && yn_set(rec_part_add(rec, RK_STAGES, 0), STAGE,
		    st);
		st = NULL;
		r |= rec_put(rec, RK_OUTPUT, out);
		out = NULL;
		r |= rec_put(rec, RK_DUPLICATE_OF, dup);
		dup = NULL;
	}
	yn_free(out);
	yn_free(st);
	yn_free(dup);
	yn_free(first);
	if (r != 0)
		return nomem(e);
	return copy_artifacts(c, view, e);
}

/* One record, its RequestID locked against other processes (k NULL: the
 * record has none). */
static int
decide_locked(struct countersign_stage *c, const struct solr_record *rec,
    const struct reg_key *k, struct solr_err *e)
{
	struct solr_err re = { 0 };
	struct ynode *out;
	enum reg_found found;
	enum seen seen = SEEN_NEW;
	int64_t t;
	int r = 0, rr;

	if (k != NULL && (r = seen_before(c, rec, k, &seen, e)) < 0)
		return r;
	if (seen == SEEN_DECIDED)
		return c->replay && replay_final(rec, rec_part(rec->tree,
		    RK_OUTPUT)) ? nomem(e) : 0;
	/* the moment of use: --at or now; a replay decides as recorded */
	if (c->have_at)
		t = c->at;
	else if (c->replay && (rec->has & RV_TIME))
		t = rec->received_at;
	else
		t = (int64_t)time(NULL);
	if ((out = rec_part_add(rec->tree, RK_OUTPUT, 0)) == NULL)
		return nomem(e);
	/* a key rotated under the run: nothing more is made with the old
	 * one; the record is rejected, and so is each after it */
	if (!c->replay && keys_unchanged(c, e) != 0)
		return rec_reject(rec->tree, STAGE, NULL, e->msg) ? nomem(e) :
		    SOLR_ERR_TROUBLE;
	if (rec_is_pass(rec->tree) && (r = act(c, rec, out, t, e)) < 0 &&
	    r != SOLR_ERR_TROUBLE)
		return r;
	/* a count adt-check made stays, whatever is decided here: it was
	 * final when adt-check's batch left (solr-adt-check(1)) */
	if (c->replay)
		rr = replay_final(rec, out) ? nomem(&re) : 0;
	else
		rr = respond(c, rec, out, t, &re);
	/* the first decision under a RequestID is the one kept; when
	 * another process made one meanwhile, that one stands */
	if (rr == 0 && k != NULL && seen == SEEN_NEW && r == 0 &&
	    (rr = reg_put(&c->requests, k, rec->tree, kept, &found, &re)) ==
	    0 && found != REG_NEW)
		rr = seen_before(c, rec, k, &seen, &re);
	if (rr != 0) {
		*e = re;
		return rr;
	}
	return r;
}

static int
decide_record(void *ctx, struct solr_record *rec, struct solr_err *e)
{
	struct countersign_stage *c = ctx;
	struct reg_key k;
	int r, have_key = reg_key_of(rec, &k) == 0;

	if (have_key && reg_lock(&c->requests, &k, e) != 0)
		return SOLR_ERR_IO;
	r = decide_locked(c, rec, have_key ? &k : NULL, e);
	if (have_key)
		reg_unlock(&c->requests, &k);
	return r;
}

static const char *
str_at(const struct ynode *rec, const char *path)
{
	const struct ynode *n = yn_path(rec, path);

	return n != NULL && yn_is_scalar(n) && !yn_is_null(n) ? n->str : NULL;
}

/* The world inputs that decided the record, by their hashes. */
/* A world file into the trail's bundle (none when it is absent). */
static int
keep_file(struct countersign_stage *c, const char *path,
    char name[SOLR_SHA256_HEX], struct solr_err *e)
{
	struct solr_buf b = { 0 };
	char at[OBJSTORE_AT];
	int r;

	name[0] = '\0';
	if (access(path, F_OK) != 0)
		return 0;
	/* into the bundle alone: the world's store keeps what entries name.
	 * Once a run (an ADT file once a sender), looked for by reading the
	 * bundle's indexes through: a table of its names would grow with
	 * the trail */
	if ((r = solr_read_guarded(path, 4 * 1024 * 1024, &b, e)) == 0)
		r = objstore_put_scan(&c->sat.objects, b.p, b.len, name, at,
		    e);
	solr_buf_free(&b);
	return r;
}

int
countersign_check_inventory(struct countersign_stage *c, struct solr_err *e)
{
	struct ynode *last = NULL;
	unsigned char head[32];
	char hex[SOLR_SHA256_HEX], why[sizeof(e->msg)], file[sizeof(e->file)];
	uint64_t n, num = 0;
	size_t hl;
	int r, has;

	if ((r = sat_last_entry(&c->sat, &last, e)) != 0 || last == NULL)
		return r;
	num = sat_entry_n(last);
	if ((r = sat_entry_inventory(last, &has, &n, hex)) == 0 && !has)
		r = 0;		/* recorded before there was an inventory */
	else if (r != 0 || solr_unhex(hex, 64, head, sizeof(head), &hl) != 0)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, c->sat.log, 0, "entry "
		    "%llu: world.inventory is not {entries, head}",
		    (unsigned long long)num);
	else if ((r = inv_holds(c->world, n, head, e)) != 0) {
		/* no inventory at all, where the trail recorded one, is the
		 * same finding */
		snprintf(why, sizeof(why), "%s", e->msg);
		snprintf(file, sizeof(file), "%s", e->file);
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, file, 0, "%s by the "
		    "trail's last entry (%llu): the device inventory was "
		    "rolled back or replaced since; restore it", why,
		    (unsigned long long)num);
	}
	yn_free(last);
	return r;
}

int
countersign_keep_world(struct countersign_stage *c, struct solr_err *e)
{
	static const enum world_file f[] = { WF_POLICY, WF_REGISTRY,
	    WF_FAILED_SUPPLIERS, WF_INSTRUCTIONS };
	char path[PATH_MAX], name[SOLR_SHA256_HEX];
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && i < sizeof(f) / sizeof(f[0]); i++) {
		world_path(path, sizeof(path), c->world->dir, f[i]);
		r = keep_file(c, path, name, e);
	}
	return r;
}

/* The sender's ADT file, the one adt-check read, into the bundle once. */
static int
keep_adt(struct countersign_stage *c, const struct ynode *rec,
    struct solr_err *e)
{
	const char *sha = str_at(rec, "stages.adt-check.adt_sha256"),
	    *sid = str_at(rec, "sender.id");
	char path[PATH_MAX], name[SOLR_SHA256_HEX];
	uint64_t srp;
	unsigned i;
	int r;

	if (!c->have_sat || c->replay || sha == NULL || sid == NULL ||
	    solr_eui_parse(sid, strlen(sid), &srp) != 0)
		return 0;
	for (i = 0; i < c->nadt_kept && i < ADT_KEPT; i++)
		if (strcmp(c->adt_kept[i], sha) == 0)
			return 0;
	world_adt_path(path, sizeof(path), c->world->dir, srp);
	if ((r = keep_file(c, path, name, e)) != 0)
		return r;
	/* the last ADT_KEPT files kept: with more SRPs, the oldest goes */
	if (strcmp(name, sha) == 0)
		memcpy(c->adt_kept[c->nadt_kept++ % ADT_KEPT], sha,
		    SOLR_SHA256_HEX);
	return 0;
}

/* The device inventory as the entry's world records it: its entries and
 * the MAC of its last, read under the trail's lock so that, the
 * inventory only growing, the entries record it growing.  A world
 * without one records none. */
int
countersign_inventory_input(void *arg, struct ynode *body)
{
	struct countersign_stage *c = arg;
	struct solr_err e = { 0 };
	unsigned char head[32];
	char hex[SOLR_SHA256_HEX];
	uint64_t n;

	if (inv_head(c->world, &n, head, &e) != 0)
		return 0;
	solr_hex(head, 32, hex);
	return sat_body_inventory(body, n, hex);
}

/* The world inputs that decided the record, by their hashes. */
static void
world_inputs(const struct countersign_stage *c, const struct ynode *rec,
    struct sat_world_in *w)
{
	const struct ynode *fs = rec_stage(rec, "failed-suppliers"),
	    *adt = rec_stage(rec, "adt-check");

	*w = (struct sat_world_in){
		.policy_sha256 = c->world->policy_sha256,
		.registry_sha256 = c->world->registry_sha256,
		.instructions_sha256 = c->is.present ? c->is.sha256 : NULL,
		.failed_suppliers_version = rec_str(fs, RK_LIST_VERSION),
		.failed_suppliers_sha256 = rec_str(fs, RK_LIST_SHA256),
		.adt_sha256 = rec_str(adt, RK_ADT_SHA256),
		.instruction = rec_str(adt, RK_INSTRUCTION),
		.certificate_serials = { str_at(rec, "sender.cert.serial"),
		    str_at(rec, "gbcs.signer.serial"),
		    c->dcc_cert ? c->dcc_cert->serial : NULL },
	};
}

/* The SAT entry of a final record: the sender as actor, the record with
 * every stage's result, the world inputs that decided, and the objects. */
static int
audit(struct countersign_stage *c, struct ynode *rec, struct solr_err *e)
{
	static const char *const objects[] = { "request.object",
	    "output.command", "output.countersigned", "output.response" };
	static const char *const where[] = { "request.at",
	    "output.command_at", "output.countersigned_at",
	    "output.response_at" };
	struct ynode *body, *objs = yn_new_seq(0), *missing = NULL;
	struct sat_world_in w;
	char *objv[4], *atv[4], ver[64];
	const struct solr_buf *bytev[4];
	const char *s;
	size_t n = 0, i;
	int r = 0, fatal = 0, accepted = strcmp(rec_verdict(rec) ? rec_verdict(rec) :
	    "", "accept") == 0;
	/* a first decision's objects are new to the bundle; a duplicate's
	 * are the first one's, which an earlier entry may have copied */
	enum sat_copy how = rec_part(rec, RK_DUPLICATE_OF) ? SAT_COPY_ONCE :
	    SAT_COPY_NEW;

	if (objs == NULL)
		return nomem(e);
	if ((r = keep_adt(c, rec, e)) != 0) {
		yn_free(objs);
		return r;
	}
	for (i = 0; r == 0 && i < 4; i++) {
		struct solr_err oe = { 0 };

		if ((s = str_at(rec, objects[i])) == NULL ||
		    !solr_is_sha256_hex(s))
			continue;
		/* a record refused because its bytes could not be read has
		 * its entry all the same: the object it lacks is named, and
		 * the rest of the batch goes on */
		if (!accepted && sat_place(&c->sat, &c->objects, s,
		    str_at(rec, where[i]), how, &oe) != 0) {
			if (oe.code != SOLR_ERR_IO && oe.code !=
			    SOLR_ERR_VERIFY) {
				fatal = solr_seterr(e, oe.code, "%s", oe.msg);
				break;
			}
			if (missing == NULL && (missing = yn_new_seq(0)) == NULL)
				r = 1;
			r |= yn_push(missing, yn_new_str(s));
			continue;
		}
		atv[n] = (char *)str_at(rec, where[i]);
		bytev[n] = batch_find(c, s);
		objv[n++] = (char *)s;
		r |= yn_push(objs, yn_new_str(s));
	}
	if (fatal || r != 0) {
		yn_free(objs);
		yn_free(missing);
		return fatal ? fatal : nomem(e);
	}
	snprintf(ver, sizeof(ver), "solr-tools %s", SOLR_VERSION);
	world_inputs(c, rec, &w);
	if ((body = sat_body_new(&(struct sat_body_in){
	    .at = rec_str(rec, RK_RECEIVED_AT),
	    .actor = str_at(rec, "sender.id"), .tool = ver, .world = &w,
	    .record = rec, .objects = objs,
	    .objects_missing = missing })) == NULL)
		return nomem(e);
	r = sat_append(&c->sat, body, &c->objects, objv, atv, bytev,
	    accepted ? n : 0, how, e);
	sat_body_free(body);	/* the record is the caller's */
	return r;
}

/* Group commit: the ledger entries, then the SAT entries of the batch,
 * on disk before any of its records leaves. */
static int
sync_state(struct countersign_stage *c, struct ynode **recs, size_t n,
    struct solr_err *e)
{
	size_t i;
	int r;

	solr_live_beat(&c->live);
	if ((r = ledger_sync(&c->ledger, e)) != 0 ||
	    (r = ledger_sync(&c->requests, e)) != 0)
		return r;
	/* the batch's entries under one lock of the trail, written at once
	 * after the objects they name */
	if (c->have_sat && n > 0 && (r = sat_batch_begin(&c->sat, e)) != 0)
		return r;
	for (i = 0, r = 0; c->have_sat && r == 0 && i < n; i++)
		r = audit(c, recs[i], e);
	if (c->have_sat && n > 0) {
		struct solr_err be = { 0 };
		int rb = sat_batch_end(&c->sat, r == 0, &be);

		if (r == 0 && rb != 0) {
			*e = be;
			r = rb;
		}
	}
	batch_clear(c);	/* what the entries copied, this batch's only */
	if (r != 0)
		return r;
	/* the objects the records name (ours, and the segments of the
	 * stages before us that we read), then the entries and their
	 * objects, then the signed head that covers them */
	if ((r = objstore_sync(&c->objects, e)) != 0 || !c->have_sat ||
	    (r = sat_sync(&c->sat, e)) != 0)
		return r;
	/* the head says when it was signed: --at is the moment the
	 * requests are decided at, not the clock of the signature */
	return sat_head_write(&c->sat, c->dcc, c->dcc_cert,
	    (int64_t)time(NULL), e);
}

static int
sync_batch(void *ctx, struct ynode **recs, size_t n, struct solr_err *e)
{
	struct countersign_stage *c = ctx;
	int r = sync_state(c, recs, n, e);

	/* the trail named the inputs the batch was decided with; the next
	 * batch looks at the files again */
	world_batch_next(c->world);
	return r;
}

static void
commit_batch(void *ctx)
{
	struct countersign_stage *c = ctx;

	ledger_commit(&c->ledger);
	ledger_commit(&c->requests);
	if (c->have_sat) {
		sat_commit(&c->sat);
		c->sat.head_changed = 0;
	}
}

static int
undo_batch(void *ctx)
{
	struct countersign_stage *c = ctx;

	struct solr_err e;
	int r = 0;

	/* each is taken back even when another cannot be */
	r |= ledger_undo(&c->ledger) != 0;
	r |= ledger_undo(&c->requests) != 0;
	r |= c->have_sat && sat_take_back(&c->sat, &e) != 0;
	return r ? -1 : 0;
}

const struct stage_ops countersign_stage = {
	.name = STAGE,
	.decide = decide_record,
	.sync = sync_batch,
	.commit = commit_batch,
	.undo = undo_batch,
	.state = "ledger and SAT entries",
	.every_record = 1,
	.final_verdict = 1,
};
