/*
 * solr-countersign: the last stage.  For a record that passed every
 * required stage it makes what the DCC sends on: the Command (the Signed
 * Pre-Command with the Access Control Broker's MAC) for SMETS2+, or the
 * request countersigned with the DCC's XML-signing key for SMETS1; and
 * for every record the DUIS Response that goes to the sender.
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <openssl/pem.h>

#include "../common/crypto.h"
#include "../common/duis.h"
#include "../common/gbcs.h"
#include "../common/ledger.h"
#include "../common/objstore.h"
#include "../common/record.h"
#include "../common/sat.h"
#include "../common/util.h"
#include "../common/version.h"
#include "../common/world.h"
#include "../common/xmlsig.h"
#include "cli.h"

#define STAGE "countersign"

struct ctx {
	struct solr_world world;
	struct solr_objstore objects;
	struct ledger ledger;
	EVP_PKEY *acb;		/* keys/acb.ka.key */
	EVP_PKEY *dcc;		/* keys/dcc.xmlsign.key */
	struct solr_cert *dcc_cert;
	const char *outdir;
	struct sat sat;
	int have_sat;
	int replay;		/* recompute and compare; sign and record nothing */
	int have_at;
	int64_t at;
	int status;
};

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-h] [-C dir] [-o dir] [--sat dir] [--at time]\n"
	    "       %s -x | -b [-C dir]\n"
	    "       %s --verify-sat dir | --sat-records dir\n"
	    "       %s --replay [-C dir]\n", cli_prog, cli_prog, cli_prog,
	    cli_prog);
	exit(EXIT_TROUBLE);
}

static void
set_status(struct ctx *c, int s)
{
	if (s > c->status)
		c->status = s;
}

static void
load_keys(struct ctx *c, int need_dcc)
{
	char path[PATH_MAX];
	struct solr_err e = { 0 };
	FILE *f;
	X509 *x;

	snprintf(path, sizeof(path), "%s/keys/acb.ka.key", c->world.dir);
	if (solr_load_private_key(path, &c->acb, &e) != 0) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
	if (!need_dcc)
		return;
	snprintf(path, sizeof(path), "%s/keys/dcc.xmlsign.key", c->world.dir);
	if (solr_load_private_key(path, &c->dcc, &e) != 0) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
	snprintf(path, sizeof(path), "%s/keys/dcc.xmlsign.pem", c->world.dir);
	if ((f = fopen(path, "r")) == NULL ||
	    (x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL) {
		cli_warn(path, 0, "%s", f ? "not a PEM certificate" :
		    strerror(errno));
		exit(EXIT_TROUBLE);
	}
	fclose(f);
	if (solr_cert_from_x509(x, path, &c->dcc_cert, &e) != 0) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
	X509_free(x);
	if (world_cert_role(&c->world, c->dcc_cert) != SOLR_ROLE_DSPXMLSIGN ||
	    X509_check_private_key(c->dcc_cert->x, c->dcc) != 1) {
		cli_warn(path, 0, "the DCC's XML-signing certificate must have "
		    "role 0x89 and match keys/dcc.xmlsign.key");
		exit(EXIT_TROUBLE);
	}
}

/* The one code path from a Signed Pre-Command to its Command: framing,
 * the ledger, the device's key and the MAC. */
static int
command_of(struct ctx *c, const unsigned char *spc, size_t n, int64_t at,
    struct solr_buf *cmd, struct solr_err *e)
{
	struct gbcs_apdu a;
	unsigned char sha[32];
	X509 *dev = NULL;
	int again, r;

	if ((r = gbcs_parse_signing(spc, n, 1, &a, NULL, e)) != 0)
		return r;
	/* the device key first: nothing goes in the ledger that is not
	 * MACed */
	if ((r = world_device_cert(&c->world, a.recipient, "ka", at, &dev, e))
	    != 0)
		return r;
	solr_sha256(spc, n, sha);
	if ((r = ledger_record(&c->ledger, a.originator, a.counter,
	    a.recipient, sha, &again, e)) == 0)
		r = gbcs_command(&a, c->acb, X509_get0_pubkey(dev), cmd, e);
	X509_free(dev);
	return r;
}

static int
write_artifact(struct ctx *c, const char *rid, const char *what,
    const struct solr_buf *b, struct solr_err *e)
{
	char path[PATH_MAX], name[128];
	size_t i;

	if (c->outdir == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s", rid);
	for (i = 0; name[i]; i++)
		if (name[i] == ':' || name[i] == '/')
			name[i] = '_';
	snprintf(path, sizeof(path), "%s/%s.%s", c->outdir, name, what);
	return solr_write_atomic(path, b->p, b->len, 0, e);
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

static const char *
required_missing(struct ctx *c, const struct ynode *rec)
{
	const struct ynode *st = yn_get(rec, "stages");
	size_t i;

	for (i = 0; i < c->world.policy.nrequired_stages; i++) {
		const char *name = c->world.policy.required_stages[i];
		const char *res = yn_get_str(yn_get(st, name), "result");

		if (res == NULL || (strcmp(res, "pass") && strcmp(res,
		    "skipped")))
			return name;
	}
	return NULL;
}

/* The DUIS Response to the sender. */
static void
respond(struct ctx *c, struct ynode *rec, struct ynode *out, int64_t t)
{
	const struct ynode *req = yn_get(rec, "request");
	const char *verdict = rec_verdict(rec), *code = yn_get_str(rec,
	    "code"), *sid = yn_get_str(yn_get(rec, "sender"), "id");
	struct duis_response r;
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };
	char name[SOLR_SHA256_HEX], qref[24];
	unsigned char md[32];
	uint64_t q = 0;
	int i;

	if (sid == NULL || (code == NULL && strcmp(verdict, "accept") != 0)) {
		/* nobody verified to answer, or no DUIS rule decided */
		yn_set(out, "response", yn_new_null());
		yn_set_str(out, "response_note", sid == NULL ? "no response: "
		    "the sender is not known from a verified signature" :
		    "no response: no DUIS rule decided the request");
		return;
	}
	memset(&r, 0, sizeof(r));
	r.schema_version = yn_get_str(req, "schema_version");
	r.request_id = yn_get_str(req, "request_id");
	r.time = t;
	r.srv = yn_get_str(req, "srv");
	if (strcmp(verdict, "quarantine") == 0) {
		/* the reference names the quarantined request's bytes */
		const char *obj = yn_get_str(req, "object");

		solr_sha256(obj ? obj : "", obj ? strlen(obj) : 0, md);
		for (i = 0; i < 8; i++)
			q = q << 8 | md[i];
		snprintf(qref, sizeof(qref), "%llu", (unsigned long long)(q %
		    10000000000000000000ULL));
		r.code = "I0";
		r.alert_code = code;
		r.quarantine_ref = qref;
	} else
		r.code = strcmp(verdict, "accept") == 0 ? "I99" : code;
	if (duis_build_response(&r, c->dcc, c->dcc_cert, &b, &e) != 0 ||
	    objstore_put(&c->objects, b.p, b.len, name, &e) != 0 ||
	    (r.request_id && write_artifact(c, r.request_id, "response.xml",
	    &b, &e) != 0)) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
	yn_set_str(out, "response", name);
	yn_set_str(out, "response_code", r.alert_code ? r.alert_code : r.code);
	yn_set_str(out, "response_to", sid);
	solr_buf_free(&b);
}

/* The code the response would carry, against the recorded one. */
static void
replay_respond(struct ynode *rec, struct ynode *out)
{
	const char *verdict = rec_verdict(rec), *code = yn_get_str(rec, "code"),
	    *sid = yn_get_str(yn_get(rec, "sender"), "id"), *now, *was;

	now = sid == NULL ? NULL : strcmp(verdict, "accept") == 0 ? "I99" :
	    code;
	was = yn_get_str(yn_path(rec, "recorded.output"), "response_code");
	if (now)
		yn_set_str(out, "response_code", now);
	if ((now == NULL) != (was == NULL) || (now && strcmp(now, was)))
		yn_set_str(out, "replay_note", "the response code differs from "
		    "the one recorded");
}

/* The recorded countersigned request is this request with a DCC
 * countersignature that verifies. */
static int
replay_countersigned(struct ctx *c, struct ynode *rec, const unsigned char
    *req, size_t n, int64_t t, struct solr_err *e)
{
	const char *was = yn_get_str(yn_path(rec, "recorded.output"),
	    "countersigned");
	struct solr_buf b = { 0 };
	struct solr_cert *dcc, *srp;
	xmlDocPtr doc = NULL;
	const struct solr_policy *p = &c->world.policy;
	int r;

	if (was == NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "no countersigned "
		    "request was recorded");
	if ((r = objstore_get(&c->objects, was, p->max_document_bytes * 2, &b,
	    e)) != 0)
		return r;
	/* the request's bytes, unchanged, with one insertion: the
	 * countersignature */
	if (b.len > n) {
		size_t pre = 0, suf = 0;

		while (pre < n && b.p[pre] == req[pre])
			pre++;
		while (suf < n - pre && b.p[b.len - 1 - suf] == req[n - 1 - suf])
			suf++;
		if (pre + suf != n)
			r = solr_seterr(e, SOLR_ERR_VERIFY, "the recorded "
			    "countersigned request is not this request");
	} else
		r = solr_seterr(e, SOLR_ERR_VERIFY, "the recorded countersigned "
		    "request is not this request");
	if (r == 0)
		r = solr_xml_parse(b.p, b.len, &doc, e);
	if (r == 0)
		r = xmlsig_verify_countersigned(doc, &c->world, t,
		    p->response_signer_roles, p->n_response_signer_roles,
		    p->xml_signer_roles, p->n_xml_signer_roles, &dcc, &srp, e);
	if (r == 0) {
		yn_set_str(yn_get(rec, "output"), "countersigned", was);
		yn_set_str(yn_get(rec, "output"), "countersigned_check",
		    "the recorded countersignature verifies");
	}
	xmlFreeDoc(doc);
	solr_buf_free(&b);
	return r;
}

static void
stage(struct ctx *c, struct ynode *rec)
{
	struct ynode *req = yn_get(rec, "request"), *out, *st;
	const char *body = yn_get_str(req, "body"), *obj = yn_get_str(req,
	    "object"), *rid = yn_get_str(req, "request_id"), *missing;
	struct solr_buf b = { 0 }, art = { 0 };
	struct solr_err e = { 0 };
	char name[SOLR_SHA256_HEX], why[1100];
	int64_t t;
	int r;

	if (c->have_at)
		t = c->at;
	else if (rec_time(rec, &t) != 0)
		t = (int64_t)time(NULL);
	if ((out = yn_get_or_add_map(rec, "output", 0)) == NULL)
		cli_nomem();
	if (!rec_is_pass(rec))
		goto respond;
	if ((missing = required_missing(c, rec)) != NULL) {
		snprintf(why, sizeof(why), "the required stage %s did not pass "
		    "this record (policy.yaml required_stages)", missing);
		rec_reject(rec, STAGE, NULL, why);
		goto respond;
	}
	if (body == NULL || obj == NULL || rid == NULL) {
		rec_reject(rec, STAGE, NULL, "the record lacks request.body, "
		    "object or request_id");
		goto respond;
	}
	if ((r = objstore_get(&c->objects, obj,
	    c->world.policy.max_document_bytes, &b, &e)) != 0) {
		cli_error(&e);
		rec_reject(rec, STAGE, NULL, e.msg);
		goto respond;
	}
	if (strcmp(body, "signed-pre-command") == 0) {
		xmlDocPtr doc = NULL;
		xmlNodePtr n = NULL;
		xmlChar *text = NULL;
		unsigned char *spc = malloc(GBCS_MAX_LEN);
		size_t len = 0;

		if (spc == NULL)
			cli_nomem();
		r = solr_xml_parse(b.p, b.len, &doc, &e);
		if (r == 0) {
			n = child_named(xmlDocGetRootElement(doc), "Body");
			n = child_named(n, "SignedPreCommand");
			n = child_named(n, "GBCSPayload");
			text = n ? xmlNodeGetContent(n) : NULL;
			r = text == NULL ? solr_seterr(&e, SOLR_ERR_VERIFY,
			    "no GBCSPayload") : solr_b64_decode((const char *)
			    text, strlen((const char *)text), spc, GBCS_MAX_LEN,
			    &len, &e);
		}
		if (r == 0)
			r = command_of(c, spc, len, t, &art, &e);
		xmlFree(text);
		xmlFreeDoc(doc);
		free(spc);
		if (r != 0) {
			if (r != SOLR_ERR_VERIFY) {
				cli_error(&e);
				set_status(c, EXIT_TROUBLE);
			}
			rec_reject(rec, STAGE, NULL, e.msg);
			goto respond;
		}
		if (c->replay) {
			const char *was = yn_get_str(yn_path(rec,
			    "recorded.output"), "command");

			solr_sha256_hex(art.p, art.len, name);
			yn_set_str(out, "command", name);
			if (was == NULL || strcmp(was, name) != 0)
				yn_set_str(out, "replay_note", "the Command "
				    "made now is not the one recorded");
		} else if (objstore_put(&c->objects, art.p, art.len, name, &e)
		    != 0 || write_artifact(c, rid, "command.gbcs", &art, &e) !=
		    0) {
			cli_error(&e);
			exit(EXIT_TROUBLE);
		} else
			yn_set_str(out, "command", name);
	} else if (c->replay) {
		/* a signature cannot be made again: the recorded one must
		 * verify over this very request */
		if (replay_countersigned(c, rec, b.p, b.len, t, &e) != 0)
			yn_set_str(out, "replay_note", e.msg);
	} else {
		/* SMETS1: the DCC countersigns the request */
		if ((r = xmlsig_countersign(b.p, b.len, c->dcc, c->dcc_cert,
		    &art, &e)) != 0) {
			rec_reject(rec, STAGE, NULL, e.msg);
			goto respond;
		}
		if (objstore_put(&c->objects, art.p, art.len, name, &e) != 0 ||
		    write_artifact(c, rid, "countersigned.xml", &art, &e) != 0) {
			cli_error(&e);
			exit(EXIT_TROUBLE);
		}
		yn_set_str(out, "countersigned", name);
	}
	yn_set(rec, "verdict", yn_new_plain("accept"));
	if ((st = rec_stage_pass(rec, STAGE)) == NULL)
		cli_nomem();
	yn_set(st, "result", yn_new_plain("accept"));
respond:
	if (c->replay)
		replay_respond(rec, out);
	else
		respond(c, rec, out, t);
	solr_buf_free(&b);
	solr_buf_free(&art);
	if (c->replay) {
		const char *note = yn_get_str(out, "replay_note");

		rec_replay_note(rec, STAGE);
		if (note && (st = yn_get(yn_get(rec, "stages"), STAGE)) != NULL)
			yn_set(st, "replay", yn_new_plain("differs"));
		rec_replay_final(rec);
	}
}

/* The SAT entry of a final record: the sender as actor, the record with
 * every stage's result, the world inputs that decided, and the objects. */
static int
audit(struct ctx *c, struct ynode *rec, struct solr_err *e)
{
	struct ynode *body = yn_new_map(0), *w, *d, *certs, *objs;
	const struct ynode *st = yn_get(rec, "stages");
	const char *names[4], *sid = yn_get_str(yn_get(rec, "sender"), "id");
	char *objv[4], ver[64];
	const char *s;
	size_t n = 0, i;
	int r;

	if (body == NULL)
		cli_nomem();
	yn_set_str(body, "at", yn_get_str(rec, "received_at"));
	yn_set_str(body, "actor", sid);
	snprintf(ver, sizeof(ver), "solr-tools %s", SOLR_VERSION);
	yn_set_str(body, "tool", ver);
	w = yn_new_map(0);
	yn_set_str(w, "policy_sha256", c->world.policy_sha256);
	yn_set_str(w, "registry_sha256", c->world.registry_sha256);
	d = yn_get(st, "failed-suppliers");
	if ((s = yn_get_str(d, "list_version")) != NULL)
		yn_set(w, "failed_suppliers_version", yn_new_plain(s));
	if ((s = yn_get_str(d, "list_sha256")) != NULL)
		yn_set_str(w, "failed_suppliers_sha256", s);
	d = yn_get(st, "adt-check");
	if ((s = yn_get_str(d, "adt_sha256")) != NULL)
		yn_set_str(w, "adt_sha256", s);
	if ((s = yn_get_str(d, "instruction")) != NULL)
		yn_set_str(w, "instruction", s);
	certs = yn_new_seq(1);
	if ((s = yn_path(rec, "sender.cert.serial") ? yn_path(rec,
	    "sender.cert.serial")->str : NULL) != NULL)
		yn_push(certs, yn_new_str(s));
	if ((s = yn_path(rec, "gbcs.signer.serial") ? yn_path(rec,
	    "gbcs.signer.serial")->str : NULL) != NULL)
		yn_push(certs, yn_new_str(s));
	if (c->dcc_cert)
		yn_push(certs, yn_new_str(c->dcc_cert->serial));
	yn_set(w, "certificate_serials", certs);
	yn_set(body, "world", w);
	yn_set(body, "record", rec);
	names[0] = yn_get_str(yn_get(rec, "request"), "object");
	names[1] = yn_get_str(yn_get(rec, "output"), "command");
	names[2] = yn_get_str(yn_get(rec, "output"), "countersigned");
	names[3] = yn_get_str(yn_get(rec, "output"), "response");
	objs = yn_new_seq(0);
	for (i = 0; i < 4; i++)
		if (names[i] && solr_is_sha256_hex(names[i])) {
			objv[n++] = (char *)names[i];
			yn_push(objs, yn_new_str(names[i]));
		}
	yn_set(body, "objects", objs);
	r = sat_append(&c->sat, body, &c->objects, objv, n, e);
	/* the record is the caller's */
	for (i = 0; i + 1 < body->n; i += 2)
		if (body->items[i + 1] == rec)
			body->items[i + 1] = yn_new_null();
	yn_free(body);
	return r;
}

static void
emit(struct ctx *c, struct rec_writer *w, struct ynode *rec)
{
	const char *v;

	if (rec == NULL)
		cli_nomem();
	v = rec_verdict(rec);
	if (v == NULL || strcmp(v, "accept") != 0)
		set_status(c, EXIT_REJECT);
	if (rec_write(w, rec) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(rec);
}

/*
 * Group commit: the records made since the last sync wait here until the
 * ledger entries they depend on are on disk; then they go out.  A batch
 * ends at BATCH records, or when no more input is waiting.
 */
#define BATCH 128

struct batch {
	struct ynode *rec[BATCH];
	int n;
};

static void
flush_batch(struct ctx *c, struct rec_writer *w, struct batch *b)
{
	struct solr_err e = { 0 };
	size_t sent;
	int i, r;

	if (b->n == 0)
		return;
	rec_writer_hold(w);
	r = ledger_sync(&c->ledger, &e);
	for (i = 0; i < b->n; i++) {
		if (r == 0 && c->have_sat)
			r = audit(c, b->rec[i], &e);
		emit(c, w, b->rec[i]);
	}
	if (r == 0 && c->have_sat)
		r = sat_sync(&c->sat, &e);
	if (r == 0 && (r = rec_writer_release(w, &sent, &e)) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		if (sent > 0) {
			/* some records left: what they depend on stays */
			cli_warn(NULL, 0, "part of a batch of %d records was "
			    "written before the error; its ledger and SAT "
			    "entries stay", b->n);
			exit(EXIT_TROUBLE);
		}
	} else if (r != 0)
		cli_error(&e);
	if (r != 0) {
		/* nothing of the batch left: take its state back */
		if (ledger_undo(&c->ledger) != 0 ||
		    (c->have_sat && sat_undo(&c->sat) != 0))
			cli_warn(NULL, 0, "the ledger or SAT entries of a "
			    "batch of %d records, none of which was written, "
			    "stay: another process appended after them", b->n);
		else
			cli_warn(NULL, 0, "none of a batch of %d records was "
			    "written, and its ledger and SAT entries are taken "
			    "back", b->n);
		exit(EXIT_TROUBLE);
	}
	ledger_commit(&c->ledger);
	if (c->have_sat)
		sat_commit(&c->sat);
	b->n = 0;
}

static void
run_stage(struct ctx *c)
{
	struct rec_reader *rd = rec_reader_new(stdin, "(stdin)");
	struct rec_writer *w = rec_writer_new(stdout);
	struct solr_err e = { 0 };
	struct ynode *rec;
	struct batch b = { .n = 0 };
	int64_t pos = 0;
	int r, line;

	if (rd == NULL || w == NULL)
		cli_nomem();
	/* the reader's own buffer is all there is: poll tells the rest */
	setvbuf(stdin, NULL, _IONBF, 0);
	while ((r = rec_read(rd, &rec, &line, &e)) != REC_EOF) {
		pos++;
		if (r == REC_OK) {
			stage(c, rec);
			b.rec[b.n++] = rec;
		} else if (r == REC_BAD) {
			char src[64];

			cli_error(&e);
			snprintf(src, sizeof(src), "(stdin):%d", line);
			if ((rec = rec_new_unreadable(pos, src, STAGE, e.msg)) ==
			    NULL)
				cli_nomem();
			b.rec[b.n++] = rec;
		} else {
			cli_error(&e);
			set_status(c, EXIT_TROUBLE);
			break;
		}
		if (b.n == BATCH || !rec_reader_waiting(rd))
			flush_batch(c, w, &b);
	}
	flush_batch(c, w, &b);
	if (rec_writer_finish(w, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		set_status(c, EXIT_TROUBLE);
	}
	rec_writer_free(w);
	rec_reader_free(rd);
}

static void
run_standalone(struct ctx *c, int hex)
{
	struct solr_buf in = { 0 }, cmd = { 0 };
	struct solr_err e = { 0 };
	unsigned char *spc = malloc(GBCS_MAX_LEN);
	char *text;
	size_t n = 0, i;

	if (spc == NULL)
		cli_nomem();
	if (solr_read_stream(stdin, "(stdin)", 4 * GBCS_MAX_LEN, &in, &e) != 0) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
	while (in.len && (in.p[in.len - 1] == '\n' || in.p[in.len - 1] == '\r'))
		in.len--;
	if (hex) {
		for (i = 0; i < in.len; i++)
			if (!strchr("0123456789abcdefABCDEF", in.p[i]) ||
			    in.p[i] == 0) {
				cli_warn("(stdin)", 0, "character %zu is not a "
				    "hex digit", i);
				exit(EXIT_TROUBLE);
			}
		if (solr_unhex((const char *)in.p, in.len, spc, GBCS_MAX_LEN,
		    &n) != 0) {
			cli_warn("(stdin)", 0, "not an even number of hex digits");
			exit(EXIT_TROUBLE);
		}
	} else if (solr_b64_decode((const char *)in.p, in.len, spc,
	    GBCS_MAX_LEN, &n, &e) != 0) {
		cli_warn("(stdin)", 0, "not base64: %s", e.msg);
		exit(EXIT_TROUBLE);
	}
	if (command_of(c, spc, n, c->have_at ? c->at : (int64_t)time(NULL),
	    &cmd, &e) != 0 || ledger_sync(&c->ledger, &e) != 0) {
		ledger_undo(&c->ledger);
		cli_error(&e);
		set_status(c, e.code == SOLR_ERR_VERIFY ? EXIT_REJECT :
		    EXIT_TROUBLE);
	} else {
		if ((text = malloc(cmd.len * 2 + 4)) == NULL)
			cli_nomem();
		if (hex) {
			solr_hex(cmd.p, cmd.len, text);
			for (i = 0; text[i]; i++)
				if (text[i] >= 'a')
					text[i] -= 'a' - 'A';
		} else
			solr_b64_encode(cmd.p, cmd.len, text);
		printf("%s\n", text);
		free(text);
	}
	solr_buf_free(&in);
	solr_buf_free(&cmd);
	free(spc);
}

static struct rec_writer *satrec_out;

static int
one_sat_record(void *arg, struct ynode *entry)
{
	struct ynode *r = rec_replay_prepare(yn_get(entry, "record"));

	(void)arg;
	if (r == NULL)
		cli_nomem();
	if (rec_write(satrec_out, r) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(r);
	return 0;
}

/* The SAT's records, made ready to run through the stages again. */
static int
sat_records(const char *dir)
{
	struct solr_err e = { 0 };
	int r;

	if ((satrec_out = rec_writer_new(stdout)) == NULL)
		cli_nomem();
	r = sat_each(dir, one_sat_record, NULL, &e);
	if (r != 0)
		cli_error(&e);
	if (rec_writer_finish(satrec_out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		r = SOLR_ERR_IO;
	}
	rec_writer_free(satrec_out);
	return cli_close_stdout(r ? EXIT_TROUBLE : EXIT_PASS);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "sat", required_argument, NULL, 's' },
		{ "verify-sat", required_argument, NULL, 'v' },
		{ "sat-records", required_argument, NULL, 'R' },
		{ "replay", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c;
	struct solr_err e = { 0 };
	const char *dir = NULL, *satdir = NULL, *verify = NULL, *satrec = NULL;
	int ch, mode = 0;

	cli_prog = "solr-countersign";
	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "bC:ho:x", longopts, NULL)) != -1) {
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
		case 'o':
			c.outdir = optarg;
			break;
		case 's':
			satdir = optarg;
			break;
		case 'v':
			verify = optarg;
			break;
		case 'R':
			satrec = optarg;
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
	if (optind != argc || (mode && (c.outdir || satdir)))
		usage();
	if (verify) {
		uint64_t n;

		if (mode || satdir || c.outdir || dir)
			usage();
		if (sat_verify(verify, &n, &e) != 0) {
			cli_error(&e);
			printf("%llu entries good before the first broken link\n",
			    (unsigned long long)n);
			return cli_close_stdout(e.code == SOLR_ERR_VERIFY ?
			    EXIT_REJECT : EXIT_TROUBLE);
		}
		printf("%llu entries, chain and objects intact\n",
		    (unsigned long long)n);
		return cli_close_stdout(EXIT_PASS);
	}
	if (satrec) {
		if (mode || satdir || c.outdir || c.replay)
			usage();
		return sat_records(satrec);
	}
	if (c.replay && (mode || satdir || c.outdir))
		usage();
	xmlInitParser();
	if (c.replay)
		ledger_memory(&c.ledger);
	if (world_load(&c.world, solr_world_dir(dir), &e) != 0 ||
	    (!c.replay && ledger_open(c.world.dir, &c.ledger, &e) != 0)) {
		cli_error(&e);
		world_free(&c.world);
		return EXIT_TROUBLE;
	}
	load_keys(&c, !mode && !c.replay);
	if (!mode) {
		if (objstore_open(&c.objects, c.world.objects, &e) != 0 ||
		    (c.outdir && solr_mkdirs(c.outdir, &e) != 0) ||
		    (satdir && sat_open(satdir, &c.sat, &e) != 0)) {
			cli_error(&e);
			return EXIT_TROUBLE;
		}
		c.have_sat = satdir != NULL;
		if (c.have_sat && c.sat.cut > 0)
			cli_warn(c.sat.log, 0, "cut a torn last entry of %lld "
			    "bytes (a write that did not finish: no record "
			    "left after it)", (long long)c.sat.cut);
		run_stage(&c);
		if (c.have_sat && sat_close(&c.sat, &e) != 0) {
			cli_error(&e);
			set_status(&c, EXIT_TROUBLE);
		}
	} else
		run_standalone(&c, mode == 'x');
	ledger_close(&c.ledger);
	EVP_PKEY_free(c.acb);
	EVP_PKEY_free(c.dcc);
	solr_cert_free(c.dcc_cert);
	world_free(&c.world);
	xmlCleanupParser();
	return cli_close_stdout(c.status);
}
