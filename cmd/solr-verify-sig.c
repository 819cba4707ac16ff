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

#include <libxml/parser.h>

#include "decide/identity.h"
#include "store/record.h"
#include "base/util.h"
#include "cli.h"

static struct cli_common opt;

static const char help[] =
"usage: solr-verify-sig [-r | --countersigned] [-C dir] [--at time] [--json]\n"
"                       [--progress] [--files-from list] [file ...]\n"
"       solr-verify-sig [-C dir] [--replay] < records\n"
"\n"
"Checks the XML signature of each DUIS document (the files named, or one\n"
"document on standard input) against the strict profile, takes the\n"
"signer from the world's certificate registry, stores the bytes and writes\n"
"one record per document; records on standard input are checked again\n"
"from their stored bytes.  solr-verify-sig(1).\n"
"\n"
"  -r, --response  the documents are DUIS Responses (alerts), not Requests\n"
"  --countersigned the documents are SMETS1 requests the DCC countersigned:\n"
"                  check both signatures\n"
"  --files-from list\n"
"                  read the names of the documents from list, one a line\n"
"                  (- for standard input), after any named as operands: for\n"
"                  batches too large for the command line\n"
CLI_HELP_STAGE CLI_HELP_COMMON
"\n"
"Exit status: 0 every record passed, 1 one or more rejected, 2 trouble.\n";

/* A document from a file or stdin: its record, stored and checked. */
static void
document(struct stage *s, struct verify_stage *v, int64_t seq,
    const char *source, const unsigned char *p, size_t n,
    struct solr_err *readerr)
{
	struct ynode *rec = rec_new(seq, source, cli_now(&opt));
	struct solr_err e = { 0 };
	int r;

	if (rec == NULL)
		cli_nomem();
	if (readerr != NULL) {
		e = *readerr;
		r = verify_unreadable(v, rec, &e);
	} else
		r = verify_document(v, rec, p, n, &e);
	if (r != 0)
		cli_error(&e);
	if (r < 0)
		stage_status(s, SOLR_EXIT_TROUBLE);
	if (r == SOLR_ERR_NOMEM)
		cli_nomem();
	stage_emit(s, rec);
}

static void
file(struct stage *s, struct verify_stage *v, int64_t seq, const char *path)
{
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };

	if (solr_read_file(path, v->world->policy.max_document_bytes, &b, &e)
	    != 0) {
		if (e.code != SOLR_ERR_LIMIT)
			cli_error(&e);	/* said, and rejected */
		document(s, v, seq, path, NULL, 0, &e);
	}
	else
		document(s, v, seq, path, b.p, b.len, NULL);
	solr_buf_free(&b);
}

/* Standard input: one document, or the records of a stage before. */
static void
input(struct stage *s, struct verify_stage *v)
{
	struct rec_reader *rd = stage_reader(s, stdin, "(stdin)");
	struct solr_err e = { 0 };
	unsigned char *p;
	size_t n;
	int first;

	if (rd == NULL)
		cli_nomem();
	if ((first = rec_reader_peek(rd)) == '<') {
		if (rec_reader_slurp(rd, v->world->policy.max_document_bytes,
		    &p, &n, &e) != 0)
			document(s, v, 1, "(stdin)", NULL, 0, &e);
		else {
			document(s, v, 1, "(stdin)", p, n, NULL);
			free(p);
		}
	} else if (first != EOF)
		stage_run(s, rd);
	rec_reader_free(rd);
}

/* --files-from: one file name a line, for batches too large for argv. */
static void
files_from(struct stage *s, struct verify_stage *v, const char *list,
    int64_t seq)
{
	FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL) {
		cli_warn(list, 0, "%s", strerror(errno));
		stage_status(s, SOLR_EXIT_TROUBLE);
		return;
	}
	errno = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n > 0)
			file(s, v, ++seq, line);
		errno = 0;
	}
	if (ferror(f)) {
		/* a directory, or a list that cannot be read to its end */
		cli_warn(list, 0, "%s", strerror(errno ? errno : EIO));
		stage_status(s, SOLR_EXIT_TROUBLE);
	}
	free(line);
	if (f != stdin)
		fclose(f);
}

/* --progress: how many names a list holds (0 when it cannot be read
 * ahead: standard input). */
static int64_t
count_lines(const char *list)
{
	FILE *f;
	int64_t n = 0;
	int c, prev = '\n';

	if (list == NULL || strcmp(list, "-") == 0 ||
	    (f = fopen(list, "r")) == NULL)
		return 0;
	while ((c = getc(f)) != EOF) {
		if (c == '\n' && prev != '\n')
			n++;
		prev = c;
	}
	if (prev != '\n')
		n++;
	fclose(f);
	return n;
}

/* The world did not load (or its state cannot be written): each
 * document named still gets its record. */
static void
world_failed(struct solr_world *w, const struct solr_err *why, int argc,
    char **argv, const char *list, int loaded)
{
	char **names = calloc((size_t)argc + 1, sizeof(char *)), *line = NULL;
	size_t n = 0, cap = (size_t)argc + 1, lcap = 0;
	ssize_t len;
	FILE *f;
	int i;

	if (names == NULL)
		cli_nomem();
	for (i = 0; i < argc; i++)
		names[n++] = argv[i];
	if (list != NULL && (f = strcmp(list, "-") == 0 ? stdin :
	    fopen(list, "r")) != NULL) {
		while ((len = getline(&line, &lcap, f)) > 0) {
			if (line[len - 1] == '\n')
				line[--len] = '\0';
			if (len == 0)
				continue;
			if (n == cap && (names = realloc(names, (cap *= 2) *
			    sizeof(char *))) == NULL)
				cli_nomem();
			if ((names[n++] = strdup(line)) == NULL)
				cli_nomem();
		}
		free(line);
	}
	if (loaded)
		cli_state_failed(w, why, "verify-sig", names, (int)n);
	cli_world_failed(w, why, "verify-sig", names, (int)n);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "response", no_argument, NULL, 'r' },
		{ "countersigned", no_argument, NULL, 'S' },
		{ "files-from", required_argument, NULL, 'F' },
		CLI_LONGOPTS
	};
	struct solr_world world;
	struct verify_stage v = { .world = &world };
	struct solr_err e = { 0 };
	struct stage s;
	const char *list = NULL;
	int ch, i, response = 0, countersigned = 0, status;

	cli_prog = "solr-verify-sig";
	cli_help_text = help;
	while ((ch = getopt_long(argc, argv, "C:hr", longopts, NULL)) != -1) {
		if (cli_common_opt(&opt, ch, optarg))
			continue;
		if (ch == 'r')
			response = 1;
		else if (ch == 'S')
			countersigned = 1;
		else if (ch == 'F')
			list = optarg;
		else
			cli_usage(NULL);
	}
	argc -= optind;
	argv += optind;
	if (response && countersigned)
		cli_usage("-r and --countersigned exclude each other");
	v.mode = response ? VERIFY_RESPONSE : countersigned ?
	    VERIFY_COUNTERSIGNED : VERIFY_REQUEST;
	xmlInitParser();
	cli_replay_overlay(&opt);
	if (world_load(&world, solr_world_dir(opt.dir), &e) != 0) {
		cli_error(&e);
		world_failed(&world, &e, argc, argv, list, 0);
	}
	duis_schemas_init(&v.schemas, world.dir);
	if (objstore_open(&v.objects, world.objects, &e) != 0)
		world_failed(&world, &e, argc, argv, list, 1);
	if (stage_init(&s, &verify_sig_stage, &v, stdout, cli_error) != 0)
		cli_nomem();
	cli_stage_setup(&s, &opt, &world, argc == 0 && list == NULL);
	if (opt.progress && (argc > 0 || list != NULL))
		cli_progress_total(argc + count_lines(list));
	s.empty_why = list != NULL ? "the --files-from list names no file" :
	    "no document or record on standard input";
	if (argc == 0 && list == NULL)
		input(&s, &v);
	for (i = 0; i < argc; i++)
		file(&s, &v, i + 1, argv[i]);
	if (list != NULL)
		files_from(&s, &v, list, argc);
	status = cli_stage_done(&s);
	stage_free(&s);
	if (objstore_close(&v.objects, &e) != 0) {
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	}
	duis_schemas_free(&v.schemas);
	world_free(&world);
	xmlCleanupParser();
	return cli_close_stdout(status);
}
