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

#include "decide/fslist.h"
#include "store/record.h"
#include "base/util.h"
#include "world/world.h"
#include "cli.h"

static struct solr_world world;
static struct cli_common opt;

static const char help[] =
"usage: solr-failed-suppliers [-C dir] [--at time] [--json] validate file\n"
"       solr-failed-suppliers [-C dir] [--json] apply file --by name\n"
"                             --reason text [--accept code[:eui]] ...\n"
"       solr-failed-suppliers [-C dir] [--json] show\n"
"       solr-failed-suppliers [-C dir] [--json] [--progress] [--replay]\n"
"                             check | route < records\n"
"\n"
"validate reviews an uploaded Failed Suppliers list (the policy's\n"
"anti-malware scanner first, then the seed's checks and the changes from\n"
"the installed list); apply installs it when every finding is accepted;\n"
"show prints the list and its history.  check is the pipeline stage that\n"
"holds a SolrContingency sender to the suppliers on the list; route sends\n"
"alerts for a failed supplier's devices to its SRP.\n"
"solr-failed-suppliers(1).\n"
"\n"
"  --at time       validate: review as at this RFC 3339 time\n"
"  --by name       apply: who applies the list (recorded in its history)\n"
"  --reason text   apply: why (recorded in its history)\n"
"  --accept code[:eui]\n"
"                  apply: accept the findings of this code (for this\n"
"                  supplier only, with :eui); the codes are\n"
FS_CODES_HELP
"  --replay        check, route: an auditor's re-run (solr-sat replay)\n"
"  --progress      check, route: a status line on stderr\n"
CLI_HELP_COMMON
"\n"
"Exit status: 0 no finding (or every record passed), 1 findings (or\n"
"records rejected), 2 trouble.\n";

/* A finding as one JSON object. */
static void
json_finding(const char *path, const struct fs_finding *f,
    const int *accepted)
{
	struct ynode *o = cli_json_obj();
	char eui[SOLR_EUI_STRLEN];

	solr_eui_format(f->supplier, eui);
	cli_json_put(o, yn_set_str(o, "file", path) != 0 ||
	    yn_set_int(o, "line", f->line) != 0 ||
	    yn_set(o, "kind", yn_new_str(f->note ? "note" : "finding")) ||
	    yn_set_str(o, "code", f->code) != 0 || (f->supplier &&
	    yn_set_str(o, "supplier", eui) != 0) ||
	    yn_set_str(o, "message", f->msg) != 0 || (accepted != NULL &&
	    yn_set(o, "accepted", yn_new_plain(f->note || *accepted ? "true" :
	    "false")) != 0));
}

static void
print_findings(const char *path, const struct fs_finding *f, size_t n,
    const int *accepted)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (opt.json)
			json_finding(path, &f[i], accepted ? &accepted[i] :
			    NULL);
		else if (f[i].note)
			printf("%s:%d: note: %s\n", path, f[i].line, f[i].msg);
		else
			printf("%s:%d: %s: %s%s\n", path, f[i].line, f[i].code,
			    f[i].msg, accepted == NULL ? "" : accepted[i] ?
			    " (accepted)" : " (not accepted)");
}

static size_t
count_findings(const struct fs_finding *f, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += !f[i].note;
	return k;
}

static int
cmd_validate(int argc, char **argv)
{
	struct fs_list l = { 0 }, cur = { 0 };
	struct solr_buf raw = { 0 };
	struct fs_finding *f = NULL;
	struct solr_err e = { 0 };
	size_t n = 0;
	int status;

	if (argc != 1)
		cli_usage(argc ? "validate takes one file" : "validate: which "
		    "file? (validate FILE)");
	if (solr_read_file(argv[0], 4 * 1024 * 1024, &raw, &e) != 0 ||
	    fslist_scan(&world, argv[0], raw.p, raw.len, &e) != 0 ||
	    fslist_parse((const char *)raw.p, raw.len, argv[0], &l, &e) != 0 ||
	    fslist_load(world.dir, &cur, &e) != 0 ||
	    fslist_validate(&world, &cur, &l, cli_now(&opt), &f, &n, &e) != 0) {
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	} else {
		print_findings(argv[0], f, n, NULL);
		status = count_findings(f, n) ? SOLR_EXIT_REJECT : SOLR_EXIT_PASS;
	}
	free(f);
	fslist_free(&l);
	fslist_free(&cur);
	solr_buf_free(&raw);
	return status;
}

static int
cmd_apply(int argc, char **argv, struct fs_apply *a)
{
	struct solr_err e = { 0 };
	int r;

	if (argc != 1)
		cli_usage(argc ? "apply takes one file" : "apply: which file? "
		    "(apply FILE --by NAME --reason TEXT)");
	if (a->by == NULL || !*a->by)
		cli_usage("apply needs --by NAME: who applies the list goes into "
		    "its history");
	if (a->reason == NULL || !*a->reason)
		cli_usage("apply needs --reason TEXT: why the list is applied "
		    "goes into its history");
	if (opt.have_at) {
		/* the list goes on at the time it is applied, and its history
		 * says so: a review at another time is validate's */
		cli_warn(NULL, 0, "apply validates and records at the real "
		    "time: --at is for validate");
		return SOLR_EXIT_TROUBLE;
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
	if (r == 0 && opt.json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_str(o, "applied", a->file) != 0 ||
		    yn_set_int(o, "version", a->version) != 0 ||
		    yn_set_str(o, "sha256", a->sha256) != 0);
	} else if (r == 0)
		printf("applied version %lld (sha256 %s)\n",
		    (long long)a->version, a->sha256);
	fslist_apply_free(a);
	return r == 0 ? SOLR_EXIT_PASS : r == SOLR_ERR_VERIFY ? SOLR_EXIT_REJECT :
	    SOLR_EXIT_TROUBLE;
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
	if (opt.json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_int(o, "history_line", h->line) != 0 ||
		    (h->doc ? yn_set(o, "entry", yn_copy(h->doc)) :
		    yn_set_str(o, "damage", h->damage)) != 0);
		return;
	}
	if (h->doc == NULL) {
		printf("  (line %d: a damaged entry: %s)\n", h->line, h->damage);
		return;
	}
	printf("  %s  version %s -> %s  by %s: %s\n", or(h->doc, "at", "?"),
	    or(h->doc, "version.old", "?"), or(h->doc, "version.new", "?"),
	    or(h->doc, "by", "?"), or(h->doc, "reason", ""));
	ov = yn_get(h->doc, "overridden");
	for (i = 0; ov && ov->kind == YN_SEQ && i < ov->n; i++)
		printf("      overridden: %s%s%s\n", or(ov->items[i], "code",
		    "?"), yn_get(ov->items[i], "supplier") ? " " : "",
		    or(ov->items[i], "supplier", ""));
}

/* The list as one JSON object (its history follows, an object a line). */
static void
show_json(const struct fs_list *l)
{
	struct ynode *o = yn_new_map(1), *s = yn_new_seq(1), *en;
	char eui[SOLR_EUI_STRLEN];
	size_t i;

	if (o == NULL || yn_set(o, "applied", yn_new_plain(l->present ? "true" :
	    "false")) != 0 || (l->present && (yn_set_int(o, "version",
	    l->version) != 0 || yn_set_str(o, "sha256", l->sha256) != 0)) ||
	    yn_set(o, "suppliers", s) != 0)
		cli_nomem();
	for (i = 0; i < l->n; i++) {
		if ((en = yn_new_map(1)) == NULL || yn_push(s, en) != 0)
			cli_nomem();
		solr_eui_format(l->entry[i].id, eui);
		if (yn_set_str(en, "id", eui) != 0 ||
		    yn_set_str(en, "name", l->entry[i].name) != 0)
			cli_nomem();
		solr_eui_format(l->entry[i].srp, eui);
		if (l->entry[i].has_srp && yn_set_str(en, "srp", eui) != 0)
			cli_nomem();
	}
	cli_json_put(o, 0);
}

static int
cmd_show(int argc)
{
	struct fs_list l;
	struct solr_err e = { 0 };
	struct fs_history_last le;
	char eui[SOLR_EUI_STRLEN], srp[SOLR_EUI_STRLEN];
	size_t i;
	int r;

	if (argc != 0)
		cli_usage("show takes no operand");
	if (fslist_load(world.dir, &l, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	if (opt.json)
		show_json(&l);
	else if (!l.present)
		printf("No Failed Suppliers list is applied.\n");
	else
		printf("Failed Suppliers list: version %lld, sha256 %s, %zu "
		    "supplier%s\n", (long long)l.version, l.sha256, l.n,
		    l.n == 1 ? "" : "s");
	for (i = 0; !opt.json && i < l.n; i++) {
		solr_eui_format(l.entry[i].id, eui);
		if (l.entry[i].has_srp)
			solr_eui_format(l.entry[i].srp, srp);
		printf("  %s  %s%s%s\n", eui, l.entry[i].name,
		    l.entry[i].has_srp ? "  SRP " : "",
		    l.entry[i].has_srp ? srp : "");
	}
	if (!opt.json)
		printf("\nHistory:\n");
	if ((r = fslist_history(&world, print_history, NULL, &le, &e)) == 0 &&
	    !opt.json && !le.found)
		printf("  (none)\n");
	if (r == 0)
		r = fslist_history_holds(&l, &le, &e);
	fslist_free(&l);
	if (r != 0) {
		/* the history is the record of who applied what: a break is
		 * said, never shown as a history */
		cli_error(&e);
		return r == SOLR_ERR_VERIFY ? SOLR_EXIT_REJECT :
		    SOLR_EXIT_TROUBLE;
	}
	return SOLR_EXIT_PASS;
}

static int
cmd_check(int argc, int route)
{
	struct fs_stage fs = { .world = &world };
	struct solr_err e = { 0 };
	int r;

	if (argc != 0)
		cli_usage("%s takes no operand", route ? "route" : "check");
	if (fslist_load(world.dir, &fs.list, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	r = cli_stage(route ? &fslist_route_stage : &fslist_check_stage, &fs,
	    &opt, &world);
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
	cli_help_text = help;
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
		else if (ch == 'A') {
			if (!fslist_accept_valid(optarg))
				cli_usage("--accept %s: not a finding's code "
				    "(CODE or CODE:EUI), and the codes are\n%s",
				    optarg, FS_CODES_HELP);
			accept[a.naccept++] = optarg;
		} else
			cli_usage(NULL);
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		cli_usage("which command? (validate, apply, show, check or "
		    "route)");
	sub = argv[0];
	is_apply = strcmp(sub, "apply") == 0;
	is_stage = strcmp(sub, "check") == 0 || strcmp(sub, "route") == 0;
	if (!is_apply && !is_stage && strcmp(sub, "validate") &&
	    strcmp(sub, "show"))
		cli_usage("unknown command '%s' (validate, apply, show, check "
		    "or route)", sub);
	if ((a.by || a.reason || a.naccept) && !is_apply)
		cli_usage("--by, --reason and --accept are for apply");
	if (opt.replay && !is_stage)
		cli_usage("--replay is for check and route");
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
