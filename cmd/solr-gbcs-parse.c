/*
 * solr-gbcs-parse: the DCC's transform parse.  As a pipeline stage it
 * reads the SR 2.1 values out of a Signed Pre-Command (GBCS, signed by
 * the supplier) or a DUIS XML body into one prepay: mapping.  With -x or
 * -b it decodes GBCS messages for a person.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "base/crypto.h"
#include "gbcs/gbcs.h"
#include "gbcs/trace.h"
#include "decide/parse.h"
#include "prepay/prepay.h"
#include "store/record.h"
#include "base/util.h"
#include "cli.h"

static struct cli_common opt;
static int decode_only;		/* --decode-only: no world, and exit 0 */
static long ndecoded;		/* messages decoded: none is exit 1 */

static const char help[] =
"usage: solr-gbcs-parse [-C dir] [--at time] [--json] [--progress]\n"
"                       [--replay] [alert-response ...] < records\n"
"       solr-gbcs-parse -x | -b [-C dir | --decode-only] [--json] [file ...]\n"
"\n"
"The pipeline stage decodes the GBCS Signed Pre-Command (or the SMETS1\n"
"XML body) of each SolrContingency SR 2.1 request, checks the supplier's\n"
"signature and holds every value to the safe prepayment configuration;\n"
"DUIS alert Responses (as records, or files named) are decoded and their\n"
"device signature or MAC checked.  With -x or -b it decodes one message\n"
"a file (hex or base64) and lists every field.  solr-gbcs-parse(1).\n"
"\n"
"  -x              decode messages written in hex\n"
"  -b              decode messages written in base64\n"
"  --decode-only   -x, -b: decode without a world; each message is\n"
"                  'unchecked' (no signature or MAC checked), and exit 0\n"
CLI_HELP_STAGE CLI_HELP_COMMON
"\n"
"Exit status: 0 every record passed (every message decoded and\n"
"verified, or decoded with --decode-only), 1 one or more rejected or\n"
"unchecked, or nothing in the input, 2 trouble.\n";

/* A DUIS alert Response given as a document, not as a record. */
static void
alert_document(struct stage *s, struct parse_stage *ps, int64_t seq,
    const char *source, const unsigned char *p, size_t n)
{
	struct ynode *rec = rec_new(seq, source, cli_now(&opt));
	struct solr_err e = { 0 };
	int r;

	if (rec == NULL)
		cli_nomem();
	if ((r = parse_alert_document(ps, rec, p, n, &e)) != 0) {
		cli_error(&e);
		stage_status(s, SOLR_EXIT_TROUBLE);
	}
	stage_emit(s, rec);
}

/* An alert file that cannot be read (not there, a directory, too
 * large): said, and its record rejected; the others go on. */
static void
unreadable(struct stage *s, int64_t seq, const char *source,
    const struct solr_err *e)
{
	char why[1200];

	if (e->code == SOLR_ERR_NOMEM)
		cli_nomem();
	cli_error(e);
	snprintf(why, sizeof(why), "the document could not be read: %s",
	    e->msg);
	stage_emit(s, rec_new_unreadable(seq, source, "gbcs-parse", why));
	stage_status(s, SOLR_EXIT_REJECT);
}

static int
run_stage(struct parse_stage *ps, int argc, char **argv)
{
	struct solr_err e = { 0 };
	struct rec_reader *rd;
	struct solr_buf b = { 0 };
	struct stage s;
	unsigned char *p;
	size_t n;
	int i, status;

	if (stage_init(&s, &gbcs_parse_stage, ps, stdout, cli_error) != 0)
		cli_nomem();
	cli_stage_setup(&s, &opt, ps->world, argc == 0);
	if (opt.progress && argc > 0)
		cli_progress_total(argc);
	if ((rd = stage_reader(&s, stdin, "(stdin)")) == NULL)
		cli_nomem();
	if (argc > 0)
		;
	else if (rec_reader_peek(rd) != '<')
		stage_run(&s, rd);
	else if (rec_reader_slurp(rd, ps->world->policy.max_document_bytes, &p,
	    &n, &e) != 0)
		unreadable(&s, 1, "(stdin)", &e);
	else {
		alert_document(&s, ps, 1, "(stdin)", p, n);
		free(p);
	}
	for (i = 0; i < argc; i++) {
		if (solr_read_file(argv[i],
		    ps->world->policy.max_document_bytes, &b, &e) != 0)
			unreadable(&s, i + 1, argv[i], &e);
		else
			alert_document(&s, ps, i + 1, argv[i], b.p, b.len);
		solr_buf_free(&b);
	}
	status = cli_stage_done(&s);
	rec_reader_free(rd);
	stage_free(&s);
	return status;
}

/* Standalone decoding. */

/* The fields in message order, written straight into one buffer (an
 * empty list as the tree writes it). */
static struct ynode *
fields_yaml(struct gbcs_trace *t)
{
	gbcs_trace_sort(t);
	return t->n ? gbcs_fields_text(t, opt.json) : gbcs_fields_tree(t);
}

/* A device alert (CRA 3, or MACed): decoded, and checked with a world. */
static int
decode_alert(struct solr_world *w, struct ynode **out, const unsigned char
    *buf, size_t len, struct gbcs_trace *t, struct solr_err *e)
{
	struct gbcs_alert al;
	struct rec_alert ra;
	char check[700];
	int r;

	r = gbcs_parse_alert(buf, len, &al, t, e);
	if (r == 0 && w != NULL)
		r = gbcs_alert_verify(w, &al, cli_now(&opt), check,
		    sizeof(check), e);
	else if (r == 0)
		snprintf(check, sizeof(check), "not checked: no world (-C)");
	if (r == 0) {
		parse_alert_of(&al, check, &ra);
		*out = rec_alert_node(&ra);
	}
	return r;
}

/* A Signed Pre-Command: decoded, and its signature checked with a world. */
static int
decode_precommand(struct solr_world *w, struct ynode *doc, struct ynode **out,
    const unsigned char *buf, size_t len, struct gbcs_trace *t,
    struct solr_err *e)
{
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_cert *signer = NULL;
	char sig[700];
	int r;

	r = gbcs_parse_signing(buf, len, 1, &a, t, e);
	if (r == 0)
		r = gbcs_read_values(NULL, &a, &pp, t, e);
	if (r == 0 && w != NULL) {
		r = gbcs_verify_supplier(&a, w, &signer, e);
		if (r == 0)
			snprintf(sig, sizeof(sig), "verified with serial %s",
			    signer->serial);
	} else if (r == 0)
		snprintf(sig, sizeof(sig), "not checked: no world (-C)");
	if (r == 0 && (yn_set_str(doc, "signature", sig) != 0 ||
	    (*out = prepay_to_yaml(&pp)) == NULL))
		cli_nomem();
	return r;
}

/* A Command (what the DCC sends): the Signed Pre-Command inside, its
 * supplier signature and, with a world, the ACB's MAC.  The signature
 * and the MAC are checked even when the content is not one the SR 2.1
 * reader knows (a Command made on the ordinary path), and said. */
static int
decode_command(struct solr_world *w, struct ynode *doc, struct ynode **out,
    const unsigned char *buf, size_t len, struct gbcs_trace *t,
    struct solr_err *e)
{
	struct gbcs_command c;
	struct prepay pp;
	struct solr_cert *signer = NULL;
	struct solr_err ce = { 0 };
	char sig[700], mac[300];
	int r, rc;

	if ((r = gbcs_parse_command(buf, len, &c, t, e)) != 0)
		return r;
	rc = gbcs_read_values(NULL, &c.apdu, &pp, t, &ce);
	if (w == NULL) {
		snprintf(sig, sizeof(sig), "not checked: no world (-C)");
		snprintf(mac, sizeof(mac), "not checked: no world (-C)");
	} else {
		if ((r = gbcs_verify_supplier(&c.apdu, w, &signer, e)) == 0)
			snprintf(sig, sizeof(sig), "verified with serial %s",
			    signer->serial);
		else
			snprintf(sig, sizeof(sig), "does not verify");
		if (r == 0 && (r = gbcs_command_verify(w, &c, cli_now(&opt),
		    mac, sizeof(mac), e)) != 0)
			snprintf(mac, sizeof(mac), "does not verify");
		else if (r != 0)
			snprintf(mac, sizeof(mac), "not checked");
	}
	if (yn_set_str(doc, "signature", sig) != 0 ||
	    yn_set_str(doc, "mac", mac) != 0 ||
	    (rc == 0 && (*out = prepay_to_yaml(&pp)) == NULL))
		cli_nomem();
	if (rc != 0 && r == 0) {
		/* framing, signature and MAC hold; the values are not SR
		 * 2.1's */
		if (yn_set_str(doc, "content", ce.msg) != 0)
			cli_nomem();
		*e = ce;
		r = rc;
	}
	return r;
}

static int
decode(struct solr_world *w, struct rec_writer *out, int hex,
    const char *source, const unsigned char *in, size_t n)
{
	struct ynode *doc = yn_new_map(0), *found = NULL;
	struct gbcs_trace t = { 0 };
	struct solr_err e = { 0 };
	unsigned char *buf = malloc(GBCS_MAX_LEN);
	size_t len = 0;
	int r, kind, status = SOLR_EXIT_PASS, nm = 0;
	unsigned long oom;
	static const char *const kinds[] = { "signed-pre-command", "alert",
	    "command" };

	if (doc == NULL || buf == NULL)
		cli_nomem();
	nm |= yn_set_str(doc, "source", source);
	if (solr_text_decode(hex, in, n, buf, GBCS_MAX_LEN, &len, &e) != 0) {
		cli_warn(source, 0, "not %s: %s", hex ? "hex" : "base64",
		    e.msg);
		nm |= yn_set(doc, "verdict", yn_new_plain("reject"));
		nm |= yn_set_str(doc, "reason", e.msg);
		status = SOLR_EXIT_TROUBLE;
	} else {
		nm |= yn_set_int(doc, "length", (int64_t)len);
		nm |= yn_set(doc, "verdict", yn_new_null());
		nm |= yn_set(doc, "reason", yn_new_null());
		kind = gbcs_message_kind(buf, len);
		nm |= yn_set_str(doc, "message", kinds[kind]);
		oom = solr_oom_count();
		if (kind == GBCS_KIND_ALERT)
			r = decode_alert(w, &found, buf, len, &t, &e);
		else if (kind == GBCS_KIND_COMMAND)
			r = decode_command(w, doc, &found, buf, len, &t, &e);
		else
			r = decode_precommand(w, doc, &found, buf, len, &t, &e);
		/* a "no" that a library gave while out of memory is none */
		if (r == SOLR_ERR_VERIFY && solr_oom_count() != oom)
			r = solr_seterr(&e, SOLR_ERR_NOMEM, "out of memory (a "
			    "library could not allocate while the message was "
			    "checked)");
		/* without a world nothing was verified: unchecked, not pass */
		nm |= yn_set(doc, "verdict", yn_new_plain(r ? "reject" : w ==
		    NULL ? "unchecked" : "pass"));
		nm |= yn_set_str(doc, "reason", r ? e.msg : w == NULL ?
		    "no world (-C): the signature and the MAC were not checked"
		    : NULL);
		/* no byte of a message that failed its signature check */
		if (r == 0 || w == NULL)
			nm |= yn_set(doc, "fields", fields_yaml(&t));
		if (found != NULL)
			nm |= yn_set(doc, kind == GBCS_KIND_ALERT ? "alert" :
			    "prepay", found);
		/* only the message's own fault is a reject; the rest is the
		 * run's */
		if (r != 0 && r != SOLR_ERR_VERIFY) {
			cli_warn(source, 0, "%s", e.msg);
			status = SOLR_EXIT_TROUBLE;
		} else
			status = r || (w == NULL && !decode_only) ?
			    SOLR_EXIT_REJECT : SOLR_EXIT_PASS;
	}
	if (nm != 0)
		cli_nomem();
	ndecoded++;
	if (rec_write(out, doc) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(SOLR_EXIT_TROUBLE);
	}
	yn_free(doc);
	gbcs_trace_free(&t);
	free(buf);
	return status;
}

/* A line longer than any message: its record says so. */
static void
too_long(struct rec_writer *out, const char *source, size_t n)
{
	struct ynode *doc = yn_new_map(0);
	char why[128];

	snprintf(why, sizeof(why), "a line of %zu bytes: longer than any "
	    "GBCS message (%d bytes)", n, GBCS_MAX_LEN);
	cli_warn(source, 0, "%s", why);
	if (doc == NULL || yn_set_str(doc, "source", source) != 0 ||
	    yn_set(doc, "verdict", yn_new_plain("reject")) != 0 ||
	    yn_set_str(doc, "reason", why) != 0)
		cli_nomem();
	if (rec_write(out, doc) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(SOLR_EXIT_TROUBLE);
	}
	yn_free(doc);
}

/* One message a line (blank lines and #-comments skipped), each decoded
 * as its own: source FILE when the file holds one, FILE:LINE otherwise. */
static int
decode_lines(struct solr_world *w, struct rec_writer *out, int hex,
    const char *name, FILE *f)
{
	char *line = NULL, src[PATH_MAX + 24];
	size_t cap = 0, n;
	ssize_t len;
	int lineno = 0, r, status = SOLR_EXIT_PASS, many = 0;
	long first = -1;	/* the line of the first message */
	struct solr_buf pend = { 0 };

	/* a file of one message keeps its plain name */
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		for (n = (size_t)len; n > 0 && strchr(" \t\r\n", line[n - 1]);
		    n--)
			;
		if (n == 0 || line[0] == '#')
			continue;
		if ((size_t)n > 4 * GBCS_MAX_LEN) {
			/* rejected in its place, not read */
			snprintf(src, sizeof(src), "%s:%d", name, lineno);
			too_long(out, src, n);
			status = SOLR_EXIT_TROUBLE;
			continue;
		}
		if (first >= 0 && !many) {
			/* the one before, now that there are many */
			many = 1;
			snprintf(src, sizeof(src), "%s:%ld", name, first);
			r = decode(w, out, hex, src, pend.p, pend.len);
			status = r > status ? r : status;
		}
		if (first < 0) {
			first = lineno;
			pend.len = 0;
			if (solr_buf_add(&pend, line, n) != 0)
				cli_nomem();
			continue;
		}
		snprintf(src, sizeof(src), "%s:%d", name, lineno);
		r = decode(w, out, hex, src, (unsigned char *)line, n);
		status = r > status ? r : status;
	}
	if (ferror(f)) {
		cli_warn(name, 0, "read: %s", strerror(errno));
		status = SOLR_EXIT_TROUBLE;
	}
	if (first >= 0 && !many) {
		r = decode(w, out, hex, name, pend.p, pend.len);
		status = r > status ? r : status;
	}
	solr_buf_free(&pend);
	free(line);
	return status;
}

static int
run_decode(struct solr_world *w, int hex, int argc, char **argv)
{
	struct rec_writer *out = rec_writer_new(stdout);
	struct solr_err e = { 0 };
	int i, r, status = SOLR_EXIT_PASS;

	if (out == NULL)
		cli_nomem();
	rec_writer_json(out, opt.json);
	for (i = 0; i < (argc ? argc : 1); i++) {
		FILE *f = argc ? fopen(argv[i], "r") : stdin;

		if (f == NULL) {
			cli_warn(argv[i], 0, "%s", strerror(errno));
			r = SOLR_EXIT_TROUBLE;
		} else
			r = decode_lines(w, out, hex, argc ? argv[i] :
			    "(stdin)", f);
		if (f != NULL && f != stdin)
			fclose(f);
		status = r > status ? r : status;
	}
	if (rec_writer_finish(out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		status = SOLR_EXIT_TROUBLE;
	}
	rec_writer_free(out);
	if (ndecoded == 0 && status == SOLR_EXIT_PASS) {
		cli_warn(NULL, 0, "nothing was checked: no message in %s",
		    argc ? "the files named" : "standard input");
		status = SOLR_EXIT_REJECT;
	}
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "decode-only", no_argument, NULL, 'D' },
		CLI_LONGOPTS
	};
	struct solr_world world;
	struct parse_stage ps = { .world = &world };
	struct solr_err e = { 0 };
	int ch, mode = 0, have_world = 0, status;

	cli_prog = "solr-gbcs-parse";
	cli_help_text = help;
	while ((ch = getopt_long(argc, argv, "bC:hx", longopts, NULL)) != -1) {
		if (cli_common_opt(&opt, ch, optarg))
			continue;
		if (ch == 'D') {
			decode_only = 1;
			continue;
		}
		if (ch != 'b' && ch != 'x')
			cli_usage(NULL);
		if (mode && mode != ch)
			cli_usage("-x and -b exclude each other");
		mode = ch;
	}
	argc -= optind;
	argv += optind;
	if (decode_only && (!mode || opt.dir != NULL))
		cli_usage("--decode-only is for -x and -b, without -C");
	ps.have_at = opt.have_at;
	ps.at = opt.at;
	xmlInitParser();
	if (!mode)
		cli_world_stage(&world, &opt, "gbcs-parse", argv, argc);
	else if (!decode_only && (opt.dir != NULL || getenv("SOLR_WORLD") !=
	    NULL))
		cli_world(&world, &opt);
	have_world = !mode || (!decode_only && (opt.dir != NULL ||
	    getenv("SOLR_WORLD") != NULL));
	if (mode)
		status = run_decode(have_world ? &world : NULL, mode == 'x',
		    argc, argv);
	else if (objstore_open(&ps.objects, world.objects, &e) != 0)
		cli_state_failed(&world, &e, "gbcs-parse", argv, argc);
	else {
		status = run_stage(&ps, argc, argv);
		if (objstore_close(&ps.objects, &e) != 0) {
			cli_error(&e);
			status = SOLR_EXIT_TROUBLE;
		}
	}
	if (have_world)
		world_free(&world);
	xmlCleanupParser();
	return cli_close_stdout(status);
}
