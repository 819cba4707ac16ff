/*
 * solr-failed-suppliers: the Failed Suppliers list, from upload to the
 * pipeline.  validate and apply review and install an uploaded list; show
 * prints it and its history; check is the pipeline stage that holds a
 * SolrContingency sender to the suppliers on the list; route sends
 * device alerts for a failed supplier on to its SRP.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/fslist.h"
#include "../common/util.h"
#include "../common/world.h"
#include "cli.h"

static struct solr_world world;
static struct cli_common opt;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-C dir] [--at time] validate file\n"
	    "       %s [-C dir] apply file --by name --reason text "
	    "[--accept code[:eui]] ...\n"
	    "       %s [-C dir] show\n"
	    "       %s [-C dir] [--replay] check | route\n", cli_prog, cli_prog,
	    cli_prog, cli_prog);
	exit(EXIT_TROUBLE);
}

static void
print_findings(const char *path, const struct fs_finding *f, size_t n,
    const int *accepted)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s:%d: %s: %s%s\n", path, f[i].line, f[i].code,
		    f[i].msg, accepted == NULL ? "" : accepted[i] ?
		    " (accepted)" : " (not accepted)");
}

static int
cmd_validate(int argc, char **argv)
{
	struct fs_list l = { 0 };
	struct solr_buf raw = { 0 };
	struct fs_finding *f = NULL;
	struct solr_err e = { 0 };
	size_t n = 0;
	int status;

	if (argc != 1)
		usage();
	if (solr_read_file(argv[0], 4 * 1024 * 1024, &raw, &e) != 0 ||
	    fslist_parse((const char *)raw.p, raw.len, argv[0], &l, &e) != 0 ||
	    fslist_validate(&world, &l, cli_now(&opt), &f, &n, &e) != 0) {
		cli_error(&e);
		status = EXIT_TROUBLE;
	} else {
		print_findings(argv[0], f, n, NULL);
		status = n ? EXIT_REJECT : EXIT_PASS;
	}
	free(f);
	fslist_free(&l);
	solr_buf_free(&raw);
	return status;
}

static int
cmd_apply(int argc, char **argv, struct fs_apply *a)
{
	struct solr_err e = { 0 };
	int r;

	if (argc != 1 || a->by == NULL || a->reason == NULL || !*a->by ||
	    !*a->reason)
		usage();
	if (opt.have_at) {
		/* the list goes on at the time it is applied, and its history
		 * says so: a review at another time is validate's */
		cli_warn(NULL, 0, "apply validates and records at the real "
		    "time: --at is for validate");
		return EXIT_TROUBLE;
	}
	a->world = &world;
	a->file = argv[0];
	a->at = cli_now(&opt);
	r = fslist_apply(a, &e);
	if (r == SOLR_ERR_VERIFY)
		print_findings(a->file, a->findings, a->nfindings, a->accepted);
	if (r != 0)
		cli_error(&e);
	if (r != 0 && a->tried)
		cli_warn(a->file, 0, a->restored ? "not applied: the list and "
		    "its history are as they were" : "the new list may be "
		    "installed without its history entry; the next apply "
		    "records the change");
	if (r == 0)
		printf("applied version %lld (sha256 %s)\n",
		    (long long)a->version, a->sha256);
	fslist_apply_free(a);
	return r == 0 ? EXIT_PASS : r == SOLR_ERR_VERIFY ? EXIT_REJECT :
	    EXIT_TROUBLE;
}

static const char *
or(const struct ynode *doc, const char *path, const char *dflt)
{
	const struct ynode *n = yn_path(doc, path);

	return n != NULL && yn_is_scalar(n) ? n->str : dflt;
}

static void
print_history(void *arg, const struct fs_history_entry *h)
{
	const struct ynode *ov;
	size_t i;

	(void)arg;
	if (h->doc == NULL) {
		printf("  (line %d: a damaged entry: %s)\n", h->line, h->damage);
		return;
	}
	printf("  %s  version %s -> %s  by %s: %s\n", or(h->doc, "at", "?"),
	    or(h->doc, "version.old", "?"), or(h->doc, "version.new", "?"),
	    or(h->doc, "by", "?"), or(h->doc, "reason", ""));
	ov = yn_get(h->doc, "overridden");
	for (i = 0; ov && ov->kind == YN_SEQ && i < ov->n; i++)
		printf("      overridden: %s %s\n", or(ov->items[i], "code",
		    "?"), or(ov->items[i], "supplier", ""));
}

static int
cmd_show(int argc)
{
	struct fs_list l;
	struct solr_err e = { 0 };
	struct fs_history_last le;
	char eui[SOLR_EUI_STRLEN], srp[SOLR_EUI_STRLEN];
	size_t i;

	if (argc != 0)
		usage();
	if (fslist_load(world.dir, &l, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	if (!l.present)
		printf("No Failed Suppliers list is applied.\n");
	else
		printf("Failed Suppliers list: version %lld, sha256 %s, %zu "
		    "supplier%s\n", (long long)l.version, l.sha256, l.n,
		    l.n == 1 ? "" : "s");
	for (i = 0; i < l.n; i++) {
		solr_eui_format(l.entry[i].id, eui);
		if (l.entry[i].has_srp)
			solr_eui_format(l.entry[i].srp, srp);
		printf("  %s  %s%s%s\n", eui, l.entry[i].name,
		    l.entry[i].has_srp ? "  SRP " : "",
		    l.entry[i].has_srp ? srp : "");
	}
	printf("\nHistory:\n");
	if (fslist_history(world.dir, print_history, NULL, &le) != 0)
		cli_nomem();
	if (!le.found)
		printf("  (none)\n");
	else if (strcmp(le.sha_new, l.present ? l.sha256 : "null") != 0)
		printf("\nThe applied list is not the one the last history entry "
		    "installed (sha256 %s): it was changed without apply, or an "
		    "apply was interrupted.\n", le.sha_new);
	fslist_free(&l);
	return EXIT_PASS;
}

static int
cmd_check(int argc, int route)
{
	struct fs_stage fs = { .world = &world };
	struct solr_err e = { 0 };
	int r;

	if (argc != 0)
		usage();
	if (fslist_load(world.dir, &fs.list, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	r = cli_stage(route ? &fslist_route_stage : &fslist_check_stage, &fs,
	    opt.replay, &world);
	fslist_free(&fs.list);
	return r;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "by", required_argument, NULL, 'B' },
		{ "reason", required_argument, NULL, 'R' },
		{ "accept", required_argument, NULL, 'A' },
		CLI_LONGOPTS
	};
	struct fs_apply a = { 0 };
	const char *sub;
	char **accept;
	int ch, r, is_apply, is_stage;

	cli_prog = "solr-failed-suppliers";
	if ((accept = calloc((size_t)argc + 1, sizeof(char *))) == NULL)
		cli_nomem();
	a.accept = accept;
	while ((ch = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		if (cli_common_opt(&opt, ch, optarg))
			continue;
		if (ch == 'B')
			a.by = optarg;
		else if (ch == 'R')
			a.reason = optarg;
		else if (ch == 'A')
			accept[a.naccept++] = optarg;
		else
			usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	sub = argv[0];
	is_apply = strcmp(sub, "apply") == 0;
	is_stage = strcmp(sub, "check") == 0 || strcmp(sub, "route") == 0;
	if (!is_apply && !is_stage && strcmp(sub, "validate") &&
	    strcmp(sub, "show"))
		usage();
	if ((a.by || a.reason || a.naccept) && !is_apply)
		usage();
	if (opt.replay && !is_stage)
		usage();
	if (is_stage)
		cli_world_stage(&world, &opt, strcmp(sub, "route") == 0 ?
		    "route" : "failed-suppliers", NULL, 0);
	else
		cli_world(&world, &opt);
	if (strcmp(sub, "validate") == 0)
		r = cmd_validate(argc - 1, argv + 1);
	else if (is_apply)
		r = cmd_apply(argc - 1, argv + 1, &a);
	else if (strcmp(sub, "show") == 0)
		r = cmd_show(argc - 1);
	else
		r = cmd_check(argc - 1, strcmp(sub, "route") == 0);
	world_free(&world);
	free(accept);
	return cli_close_stdout(r);
}
