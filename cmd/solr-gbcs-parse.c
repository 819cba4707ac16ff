/*
 * solr-gbcs-parse: the DCC's transform parse.  As a pipeline stage it
 * reads the SR 2.1 values out of a Signed Pre-Command (GBCS, signed by
 * the supplier) or a DUIS XML body into one prepay: mapping.  With -x or
 * -b it decodes GBCS messages for a person.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "../common/gbcs.h"
#include "../common/parse.h"
#include "../common/prepay.h"
#include "../common/record.h"
#include "../common/util.h"
#include "cli.h"

static struct cli_common opt;

static const char help[] =
"usage: solr-gbcs-parse [-C dir] [--at time] [--json] [--progress]\n"
"                       [--replay] [alert-response ...] < records\n"
"       solr-gbcs-parse -x | -b [-C dir] [--json] [file ...]\n"
"\n"
"The pipeline stage decodes the GBCS Signed Pre-Command (or the SMETS1\n"
"XML body) of each SolrContingency SR 2.1 request, checks the supplier's\n"
"signature and holds every value to the safe prepayment configuration;\n"
"DUIS alert Responses (as records, or files named) are decoded and their\n"
"device signature or MAC checked.  With -x or -b it decodes one message\n"
"a file (hex or binary) and lists every field.  solr-gbcs-parse(1).\n"
"\n"
"  -x              decode messages written in hex\n"
"  -b              decode binary messages\n"
CLI_HELP_STAGE CLI_HELP_COMMON
"\n"
"Exit status: 0 every record passed (every message decoded and\n"
"verified), 1 one or more rejected, 2 trouble.\n";

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
		stage_status(s, EXIT_TROUBLE);
	}
	stage_emit(s, rec);
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
	if (opt.progress)
		cli_progress_total(argc);
	if ((rd = stage_reader(&s, stdin, "(stdin)")) == NULL)
		cli_nomem();
	if (argc > 0)
		;
	else if (rec_reader_peek(rd) != '<')
		stage_run(&s, rd);
	else if (rec_reader_slurp(rd, ps->world->policy.max_document_bytes, &p,
	    &n, &e) != 0) {
		cli_error(&e);
		stage_status(&s, EXIT_TROUBLE);
	} else {
		alert_document(&s, ps, 1, "(stdin)", p, n);
		free(p);
	}
	for (i = 0; i < argc; i++) {
		if (solr_read_file(argv[i], ps->world->policy.max_document_bytes,
		    &b, &e) != 0) {
			cli_error(&e);
			stage_status(&s, EXIT_TROUBLE);
		} else
			alert_document(&s, ps, i + 1, argv[i], b.p, b.len);
		solr_buf_free(&b);
	}
	status = cli_stage_done(&s);
	rec_reader_free(rd);
	stage_free(&s);
	return status;
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

/* A device alert (CRA 3, or MACed): decoded, and checked with a world. */
static int
decode_alert(struct solr_world *w, struct ynode **out, const unsigned char
    *buf, size_t len, struct gbcs_trace *t, struct solr_err *e)
{
	struct gbcs_alert al;
	char check[700];
	int r;

	r = gbcs_parse_alert(buf, len, &al, t, e);
	if (r == 0 && w != NULL)
		r = gbcs_alert_verify(w, &al, cli_now(&opt), check,
		    sizeof(check), e);
	else if (r == 0)
		snprintf(check, sizeof(check), "not checked: no world (-C)");
	if (r == 0)
		*out = parse_alert_yaml(&al, check);
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
		r = gbcs_sr21_content(&a, &pp, t, e);
	if (r == 0 && w != NULL) {
		r = gbcs_verify_supplier(&a, w, &signer, e);
		if (r == 0)
			snprintf(sig, sizeof(sig), "verified with serial %s",
			    signer->serial);
	} else if (r == 0)
		snprintf(sig, sizeof(sig), "not checked: no world (-C)");
	if (r == 0) {
		yn_set_str(doc, "signature", sig);
		*out = prepay_to_yaml(&pp);
	}
	return r;
}

static int
decode(struct solr_world *w, struct rec_writer *out, int hex,
    const char *source, const unsigned char *in, size_t n)
{
	struct ynode *doc = yn_new_map(0), *fields, *found = NULL;
	struct gbcs_trace t = { 0 };
	struct solr_err e = { 0 };
	unsigned char *buf = malloc(GBCS_MAX_LEN);
	size_t len = 0;
	int r, alert, status = EXIT_PASS;

	if (doc == NULL || buf == NULL)
		cli_nomem();
	yn_set_str(doc, "source", source);
	if (solr_text_decode(hex, in, n, buf, GBCS_MAX_LEN, &len, &e) != 0) {
		cli_warn(source, 0, "not %s: %s", hex ? "hex" : "base64",
		    e.msg);
		yn_set(doc, "verdict", yn_new_plain("reject"));
		yn_set_str(doc, "reason", e.msg);
		status = EXIT_TROUBLE;
	} else {
		yn_set_int(doc, "length", (int64_t)len);
		yn_set(doc, "verdict", yn_new_null());
		yn_set(doc, "reason", yn_new_null());
		alert = len > 2 && (buf[0] == 0xDD || (buf[0] == 0xDF &&
		    buf[2] == 3));
		if (alert)
			r = decode_alert(w, &found, buf, len, &t, &e);
		else
			r = decode_precommand(w, doc, &found, buf, len, &t, &e);
		yn_set(doc, "verdict", yn_new_plain(r ? "reject" : "pass"));
		yn_set_str(doc, "reason", r ? e.msg : NULL);
		/* no byte of a message that failed its signature check */
		if ((r == 0 || w == NULL) && (fields = fields_yaml(&t)) != NULL)
			yn_set(doc, "fields", fields);
		if (found != NULL)
			yn_set(doc, alert ? "alert" : "prepay", found);
		status = r ? EXIT_REJECT : EXIT_PASS;
	}
	if (rec_write(out, doc) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(doc);
	gbcs_trace_free(&t);
	free(buf);
	return status;
}

static int
run_decode(struct solr_world *w, int hex, int argc, char **argv)
{
	struct rec_writer *out = rec_writer_new(stdout);
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };
	int i, r, status = EXIT_PASS;

	if (out == NULL)
		cli_nomem();
	rec_writer_json(out, opt.json);
	for (i = 0; i < (argc ? argc : 1); i++) {
		if (argc ? solr_read_file(argv[i], 4 * GBCS_MAX_LEN, &b, &e) :
		    solr_read_stream(stdin, "(stdin)", 4 * GBCS_MAX_LEN, &b,
		    &e)) {
			cli_error(&e);
			r = EXIT_TROUBLE;
		} else
			r = decode(w, out, hex, argc ? argv[i] : "(stdin)", b.p,
			    b.len);
		status = r > status ? r : status;
		solr_buf_free(&b);
	}
	if (rec_writer_finish(out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		status = EXIT_TROUBLE;
	}
	rec_writer_free(out);
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = { CLI_LONGOPTS };
	struct solr_world world;
	struct parse_stage ps = { .world = &world };
	struct solr_err e = { 0 };
	int ch, mode = 0, have_world = 0, status;

	cli_prog = "solr-gbcs-parse";
	cli_help_text = help;
	while ((ch = getopt_long(argc, argv, "bC:hx", longopts, NULL)) != -1) {
		if (cli_common_opt(&opt, ch, optarg))
			continue;
		if (ch != 'b' && ch != 'x')
			cli_usage(NULL);
		if (mode && mode != ch)
			cli_usage("-x and -b exclude each other");
		mode = ch;
	}
	argc -= optind;
	argv += optind;
	ps.have_at = opt.have_at;
	ps.at = opt.at;
	xmlInitParser();
	if (!mode)
		cli_world_stage(&world, &opt, "gbcs-parse", argv, argc);
	else if (opt.dir != NULL || getenv("SOLR_WORLD") != NULL)
		cli_world(&world, &opt);
	have_world = !mode || opt.dir != NULL || getenv("SOLR_WORLD") != NULL;
	if (mode)
		status = run_decode(have_world ? &world : NULL, mode == 'x',
		    argc, argv);
	else if (objstore_open(&ps.objects, world.objects, &e) != 0) {
		cli_error(&e);
		status = EXIT_TROUBLE;
	} else {
		status = run_stage(&ps, argc, argv);
		if (objstore_close(&ps.objects, &e) != 0) {
			cli_error(&e);
			status = EXIT_TROUBLE;
		}
	}
	if (have_world)
		world_free(&world);
	xmlCleanupParser();
	return cli_close_stdout(status);
}
