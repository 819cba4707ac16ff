/*
 * solr-verify-sig: the first stage.  Checks the XML signature of each
 * DUIS document against the strict profile, takes the signer's identity
 * from the certificate and the registry only, and writes one record per
 * document.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "../common/cert.h"
#include "../common/duis.h"
#include "../common/objstore.h"
#include "../common/record.h"
#include "../common/util.h"
#include "../common/world.h"
#include "../common/xmlsig.h"
#include "cli.h"

#define STAGE "verify-sig"
#define SOLR_CONTINGENCY "SolrContingency"

struct ctx {
	struct solr_world world;
	struct solr_objstore objects;
	struct rec_writer *out;
	int response;
	int countersigned;	/* SMETS1 service provider checks */
	int replay;
	int have_at;
	int64_t at;
	int status;
};

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-hr] [--countersigned] [--replay] [-C dir] "
	    "[--at time] [--files-from list] [file ...]\n", cli_prog);
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
	if (!rec_is_pass(rec))
		set_status(c, EXIT_REJECT);
	if (rec_write(c->out, rec) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(rec);
}

static int
reject(struct ynode *rec, const char *code, const char *reason)
{
	return rec_reject(rec, STAGE, code, reason);
}

static struct ynode *
role_list(char **roles, size_t n)
{
	struct ynode *s = yn_new_seq(1);
	size_t i;

	for (i = 0; s && i < n; i++)
		if (yn_push(s, yn_new_str(roles[i])) != 0) {
			yn_free(s);
			return NULL;
		}
	return s;
}

/* Fills request and sender from the verified document and decides the
 * identity rules. */
static int
decide(struct ctx *c, struct ynode *rec, const struct duis_header *h,
    const struct solr_cert *cert)
{
	struct ynode *req = yn_get_or_add_map(rec, "request", 0), *snd, *ci,
	    *st;
	const struct solr_user *u;
	char eui[SOLR_EUI_STRLEN], bo[SOLR_EUI_STRLEN], bt[SOLR_EUI_STRLEN],
	    why[512];
	int role = world_cert_role(&c->world, cert);

	if (req == NULL)
		return SOLR_ERR_NOMEM;
	yn_set_str(req, "schema_version", h->schema_version);
	if (h->has_request_id) {
		solr_eui_format(h->originator, bo);
		solr_eui_format(h->target, bt);
		yn_set_str(req, "request_id", h->request_id);
		yn_set_str(req, "originator", bo);
		yn_set_str(req, "target", bt);
		yn_set(req, "counter", yn_new_int((int64_t)h->counter));
		if (h->counter > INT64_MAX)
			yn_set_str(req, "counter", h->request_id + 48);
	}
	if (!c->response) {
		yn_set_int(req, "cv", h->cv);
		yn_set_str(req, "srv", h->srv);
	} else {
		if (h->response_id[0])
			yn_set_str(req, "response_id", h->response_id);
		yn_set_str(req, "response_code", h->response_code);
		yn_set_str(req, "response_datetime", h->response_datetime);
	}
	yn_set_str(req, "body", h->body);

	if (!cert->has_eui)
		return reject(rec, "E65", "the signing certificate has no "
		    "x500UniqueIdentifier EUI-64 in its subject");
	solr_eui_format(cert->eui, eui);
	snd = yn_new_map(0);
	ci = yn_new_map(1);
	if (snd == NULL || ci == NULL) {
		yn_free(snd);
		yn_free(ci);
		return SOLR_ERR_NOMEM;
	}
	yn_set_str(snd, "id", eui);
	u = world_user(&c->world, cert->eui);
	if (u != NULL) {
		yn_set_str(snd, "party", u->party);
		yn_set(snd, "user_roles", role_list(u->roles, u->nroles));
		yn_set(snd, "status", yn_new_plain(u->suspended ? "suspended" :
		    "active"));
	}
	yn_set_str(ci, "issuer", cert->issuer);
	yn_set_str(ci, "serial", cert->serial);
	yn_set(ci, "role", yn_new_hex((uint64_t)role, 2));
	yn_set(snd, "cert", ci);
	yn_set(rec, "sender", snd);

	if (u == NULL) {
		snprintf(why, sizeof(why), "the signer %s is not a DCC user in "
		    "registry.yaml", eui);
		return reject(rec, c->countersigned ? "S1VE2" : "E1", why);
	}
	if (c->countersigned && user_has_role(u, SOLR_CONTINGENCY)) {
		/* S1VE2: the role and SRV combination */
		const struct solr_role_policy *rp = world_role_policy(&c->world,
		    SOLR_CONTINGENCY);
		size_t i;
		int ok = 0;

		for (i = 0; rp && i < rp->nsrvs; i++)
			ok |= strcmp(rp->srvs[i], h->srv) == 0;
		if (!ok) {
			snprintf(why, sizeof(why), "the %s role may not send "
			    "SRV %s", SOLR_CONTINGENCY, h->srv);
			return reject(rec, "S1VE2", why);
		}
	}
	if (u->suspended) {
		snprintf(why, sizeof(why), "the signer %s (%s) is suspended "
		    "in registry.yaml", eui, u->party);
		return reject(rec, c->countersigned ? "S1VE3" : "E3", why);
	}
	if ((st = rec_stage_pass(rec, STAGE)) == NULL)
		return SOLR_ERR_NOMEM;
	if (c->response)
		return 0;
	if (user_has_role(u, SOLR_CONTINGENCY)) {
		/* the Business Originator is a failed supplier, checked by
		 * the Failed Suppliers stage against the applied list */
		return yn_set_str(st, "originator_check",
		    "deferred-to-failed-suppliers");
	}
	if (cert->eui != h->originator) {
		snprintf(why, sizeof(why), "the signer %s is not the Business "
		    "Originator %s", eui, bo);
		return reject(rec, c->countersigned ? "S1VE100" : "E65", why);
	}
	return yn_set_str(st, "originator_check", "signer-is-originator");
}

static void
check_bytes(struct ctx *c, struct ynode *rec, const unsigned char *p,
    size_t n, int64_t at)
{
	struct solr_err e = { 0 };
	struct xmlsig sig;
	struct duis_header h;
	struct solr_cert *cert = NULL;
	xmlDocPtr doc = NULL;
	const struct solr_policy *pol = &c->world.policy;
	char why[600];
	int r;

	if (n > pol->max_document_bytes) {
		snprintf(why, sizeof(why), "the document is %zu bytes; the "
		    "limit is %zu (policy max_document_bytes)", n,
		    pol->max_document_bytes);
		reject(rec, "E65", why);
		return;
	}
	if ((r = solr_xml_parse(p, n, &doc, &e)) != 0)
		goto fail;
	if (c->countersigned) {
		struct solr_cert *dcc;

		r = xmlsig_verify_countersigned(doc, &c->world, at,
		    pol->response_signer_roles, pol->n_response_signer_roles,
		    pol->xml_signer_roles, pol->n_xml_signer_roles, &dcc, &cert,
		    &e);
	} else
		r = xmlsig_verify(doc, c->response, &c->world, at,
		    c->response ? pol->response_signer_roles :
		    pol->xml_signer_roles, c->response ?
		    pol->n_response_signer_roles : pol->n_xml_signer_roles,
		    &cert, &sig, &e);
	if (r != 0)
		goto fail;
	/* verify before reading: every field below is signed content */
	if ((r = duis_read_header(doc, c->response, &h, &e)) != 0)
		goto fail;
	if (decide(c, rec, &h, cert) != 0)
		cli_nomem();
	xmlFreeDoc(doc);
	return;
fail:
	xmlFreeDoc(doc);
	if (r != SOLR_ERR_VERIFY) {
		/* the check could not run: fail closed, and say so */
		cli_warn(yn_get_str(rec, "source"), 0, "%s", e.msg);
		set_status(c, EXIT_TROUBLE);
	}
	reject(rec, c->countersigned ? "S1VE100" : "E65", e.msg);
}

static int64_t
now(void)
{
	return (int64_t)time(NULL);
}

/* A document from a file or stdin: store it, then check it. */
static void
check_document(struct ctx *c, int64_t seq, const char *source,
    const unsigned char *p, size_t n)
{
	struct ynode *rec, *req;
	struct solr_err e = { 0 };
	char name[SOLR_SHA256_HEX];
	int64_t at = c->have_at ? c->at : now();

	if ((rec = rec_new(seq, source, at)) == NULL)
		emit(c, NULL);
	req = yn_get(rec, "request");
	if (objstore_put(&c->objects, p, n, name, &e) != 0) {
		cli_error(&e);
		set_status(c, EXIT_TROUBLE);
		reject(rec, NULL, "the request could not be stored in the "
		    "object store");
		emit(c, rec);
		return;
	}
	yn_set_str(req, "object", name);
	yn_set_int(req, "size", (int64_t)n);
	check_bytes(c, rec, p, n, at);
	emit(c, rec);
}

/* A document that could not be read still gets its record. */
static void
unreadable(struct ctx *c, int64_t seq, const char *source,
    struct solr_err *e)
{
	struct ynode *rec = rec_new(seq, source, c->have_at ? c->at : now());

	if (rec == NULL)
		emit(c, NULL);
	if (e->code == SOLR_ERR_LIMIT) {
		/* an oversized document is a rejection, not trouble */
		snprintf(e->msg, sizeof(e->msg), "the document exceeds the "
		    "limit of %zu bytes (policy max_document_bytes)",
		    c->world.policy.max_document_bytes);
		reject(rec, "E65", e->msg);
	} else {
		cli_error(e);
		set_status(c, EXIT_TROUBLE);
		reject(rec, NULL, e->msg);
	}
	emit(c, rec);
}

static void
check_file(struct ctx *c, int64_t seq, const char *path)
{
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };

	if (solr_read_file(path, c->world.policy.max_document_bytes, &b, &e)
	    != 0)
		unreadable(c, seq, path, &e);
	else
		check_document(c, seq, path, b.p, b.len);
	solr_buf_free(&b);
}

/* A record from an earlier stage: its bytes come from the store. */
static void
check_record(struct ctx *c, struct ynode *rec)
{
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };
	const char *obj = yn_get_str(yn_get(rec, "request"), "object");
	int64_t at;

	if (!rec_is_pass(rec)) {
		emit(c, rec);	/* decided before us: untouched */
		return;
	}
	if (obj == NULL) {
		reject(rec, NULL, "the record has no request.object");
		emit(c, rec);
		return;
	}
	if (c->have_at)
		at = c->at;
	else if (rec_time(rec, &at) != 0) {
		reject(rec, NULL, "the record's received_at is not an RFC 3339 "
		    "time");
		emit(c, rec);
		return;
	}
	if (objstore_get(&c->objects, obj, c->world.policy.max_document_bytes,
	    &b, &e) != 0) {
		cli_error(&e);
		if (e.code != SOLR_ERR_VERIFY && e.code != SOLR_ERR_LIMIT)
			set_status(c, EXIT_TROUBLE);
		reject(rec, NULL, e.msg);
	} else
		check_bytes(c, rec, b.p, b.len, at);
	solr_buf_free(&b);
	if (c->replay)
		rec_replay_note(rec, STAGE);
	emit(c, rec);
}

static void
run_stdin(struct ctx *c)
{
	struct rec_reader *rd = rec_reader_new(stdin, "(stdin)");
	struct solr_err e = { 0 };
	struct ynode *rec;
	unsigned char *p;
	size_t n;
	int64_t pos = 0;
	int r, line, first;

	if (rd == NULL)
		emit(c, NULL);
	first = rec_reader_peek(rd);
	if (first == EOF) {
		rec_reader_free(rd);
		return;
	}
	if (first == '<') {
		if ((r = rec_reader_slurp(rd,
		    c->world.policy.max_document_bytes, &p, &n, &e)) != 0) {
			unreadable(c, 1, "(stdin)", &e);
		} else {
			check_document(c, 1, "(stdin)", p, n);
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
			check_record(c, rec);
			continue;
		}
		if (r == REC_BAD) {
			char src[64];

			cli_error(&e);
			snprintf(src, sizeof(src), "(stdin):%d", line);
			emit(c, rec_new_unreadable(pos, src, STAGE, e.msg));
			continue;
		}
		cli_error(&e);
		set_status(c, EXIT_TROUBLE);
		break;
	}
	rec_reader_free(rd);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "response", no_argument, NULL, 'r' },
		{ "countersigned", no_argument, NULL, 'S' },
		{ "replay", no_argument, NULL, 'P' },
		{ "files-from", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c;
	struct solr_err e = { 0 };
	const char *dir = NULL, *list = NULL;
	int ch, i, status;

	cli_prog = "solr-verify-sig";
	memset(&c, 0, sizeof(c));
	while ((ch = getopt_long(argc, argv, "C:hr", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			dir = optarg;
			break;
		case 'a':
			c.at = cli_time(optarg);
			c.have_at = 1;
			break;
		case 'r':
			c.response = 1;
			break;
		case 'S':
			c.countersigned = 1;
			break;
		case 'P':
			c.replay = 1;
			break;
		case 'F':
			list = optarg;
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
	if (c.response && c.countersigned)
		usage();

	xmlInitParser();
	if (world_load(&c.world, solr_world_dir(dir), &e) != 0) {
		cli_error(&e);
		world_free(&c.world);
		return EXIT_TROUBLE;
	}
	if (objstore_open(&c.objects, c.world.objects, &e) != 0) {
		cli_error(&e);
		world_free(&c.world);
		return EXIT_TROUBLE;
	}
	if ((c.out = rec_writer_new(stdout)) == NULL) {
		cli_warn(NULL, 0, "out of memory");
		return EXIT_TROUBLE;
	}
	if (argc == 0 && list == NULL)
		run_stdin(&c);
	for (i = 0; i < argc; i++)
		check_file(&c, i + 1, argv[i]);
	if (list != NULL) {
		/* one file name a line, for batches too large for argv */
		FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		int64_t seq = argc;

		if (f == NULL) {
			cli_warn(list, 0, "%s", strerror(errno));
			set_status(&c, EXIT_TROUBLE);
		}
		while (f && (n = getline(&line, &cap, f)) > 0) {
			if (line[n - 1] == '\n')
				line[--n] = '\0';
			if (n > 0)
				check_file(&c, ++seq, line);
		}
		free(line);
		if (f && f != stdin)
			fclose(f);
	}
	if (rec_writer_finish(c.out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		set_status(&c, EXIT_TROUBLE);
	}
	rec_writer_free(c.out);
	world_free(&c.world);
	xmlCleanupParser();
	status = cli_close_stdout(c.status);
	return status;
}
