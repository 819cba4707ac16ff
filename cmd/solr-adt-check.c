/*
 * solr-adt-check: whether a SolrContingency request is allowed.  In this
 * order: its SRV and CommandVariant for the sender's role (E2); its values
 * against the safe prepayment profile (E020101, or E2 before that code's
 * schema version); then the Authority gate and the volume thresholds
 * (quarantine AD1).  submit accepts an SRP's ADT file; counters shows
 * the shared counts.
 */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/layout.h"
#include "decide/adt.h"
#include "base/util.h"
#include "world/world.h"
#include "cli.h"

#define SUBMISSIONS "state/adt-submissions.log"

static struct solr_world world;
static struct cli_common opt;

static const char help[] =
"usage: solr-adt-check [-C dir] [--json] [--progress] [--replay] < records\n"
"       solr-adt-check [-C dir] [--at time] submit file\n"
"       solr-adt-check [-C dir] [--json] counters\n"
"\n"
"The pipeline stage (no command) counts each SolrContingency request\n"
"against the sender's Anomaly Detection Thresholds, at the request's\n"
"received_at, and quarantines it past the threshold (AD1) or when no\n"
"Authority instruction is in force.  submit installs an ADT file after\n"
"checking it; counters prints the counts.  solr-adt-check(1).\n"
"\n"
"  --at time       submit: check the file as at this RFC 3339 time\n"
"  --replay        an auditor's re-run (solr-sat replay)\n"
"  --progress      a status line on stderr: records, records/s, verdicts;\n"
"                  stdout is unchanged\n"
CLI_HELP_COMMON
"\n"
"Exit status: 0 every record passed, 1 one or more rejected or\n"
"quarantined, 2 trouble.\n";

/* Every submission, accepted or refused, in state/adt-submissions.log. */
static int
log_submission(const char *file, const char *sha, const char *result,
    const char *reason, struct solr_err *e)
{
	char path[PATH_MAX], ts[SOLR_TIME_STRLEN], line[256];
	struct solr_buf b = { 0 };
	int r;

	world_path(path, sizeof(path), world.dir, WF_STATE);
	if (solr_mkdirs(path, e) != 0)
		return SOLR_ERR_IO;
	snprintf(path, sizeof(path), "%s/%s", world.dir, SUBMISSIONS);
	solr_time_format(cli_now(&opt), ts);
	snprintf(line, sizeof(line), "---\nat: %s\nfile: ", ts);
	r = solr_buf_add(&b, line, strlen(line));
	r |= solr_buf_quoted(&b, file);
	snprintf(line, sizeof(line), "\nsha256: %s\nresult: %s\nreason: ", sha,
	    result);
	r |= solr_buf_add(&b, line, strlen(line));
	r |= solr_buf_quoted(&b, reason);
	r |= solr_buf_addc(&b, '\n');
	if (r != 0)
		cli_nomem();
	r = solr_append_synced(path, b.p, b.len, e);
	solr_buf_free(&b);
	return r;
}

static int
cmd_submit(int argc, char **argv)
{
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };
	struct adt_file a;
	struct instructions is;
	struct decision d;
	char path[PATH_MAX], dir[PATH_MAX], eui[SOLR_EUI_STRLEN];

	if (argc != 1)
		cli_usage("submit takes one file");
	if (solr_read_file(argv[0], 4 * 1024 * 1024, &b, &e) != 0 ||
	    adt_parse((const char *)b.p, b.len, argv[0], &a, &e) != 0 ||
	    instructions_load(world.dir, &is, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	adt_decide_submission(&a, &is, cli_now(&opt), &d);
	if (decision_is_pass(&d)) {
		solr_eui_format(a.srp, eui);
		world_path(dir, sizeof(dir), world.dir, WF_ADT);
		world_adt_path(path, sizeof(path), world.dir, a.srp);
		if (solr_mkdirs(dir, &e) != 0 ||
		    solr_write_atomic(path, b.p, b.len, 1, &e) != 0 ||
		    adt_accepted_write(world.dir, world.adt_key, &a,
		    cli_now(&opt), &e) != 0) {
			cli_error(&e);
			return SOLR_EXIT_TROUBLE;
		}
		snprintf(d.reason, sizeof(d.reason), "installed as adt/%s.yaml",
		    eui);
	}
	if (log_submission(argv[0], a.sha256, decision_is_pass(&d) ?
	    "accepted" : "refused", d.reason, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	if (!decision_is_pass(&d))
		cli_warn(argv[0], 0, "refused: %s", d.reason);
	if (opt.json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_str(o, "file", argv[0]) != 0 ||
		    yn_set_str(o, "sha256", a.sha256) != 0 ||
		    yn_set_str(o, "result", decision_is_pass(&d) ? "accepted" :
		    "refused") != 0 || yn_set_str(o, "reason", d.reason) != 0);
	} else if (decision_is_pass(&d))
		printf("accepted %s (sha256 %s): %s\n", argv[0], a.sha256,
		    d.reason);
	adt_free(&a);
	instructions_free(&is);
	solr_buf_free(&b);
	return decision_is_pass(&d) ? SOLR_EXIT_PASS : SOLR_EXIT_REJECT;
}

static void
print_counter(void *arg, uint64_t srp, const char *srv, int64_t window,
    int64_t start, uint64_t count)
{
	char eui[SOLR_EUI_STRLEN], ts[SOLR_TIME_STRLEN];

	(void)arg;
	solr_eui_format(srp, eui);
	solr_time_format(start, ts);
	if (opt.json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_str(o, "srp", eui) != 0 ||
		    yn_set_str(o, "srv", srv) != 0 ||
		    yn_set_str(o, "window_start", ts) != 0 ||
		    yn_set_int(o, "window", window) != 0 ||
		    yn_set_int(o, "count", (int64_t)count) != 0);
		return;
	}
	printf("%s  %-6s  %s  %6llds  %llu\n", eui, srv, ts, (long long)window,
	    (unsigned long long)count);
}

static int
cmd_counters(int argc)
{
	struct adt_counters c;
	struct instructions is;
	struct solr_err e = { 0 };
	int r;

	if (argc != 0)
		cli_usage("counters takes no operand");
	/* the counts are read in the world the stage would decide in: one
	 * it could not load is not shown as if it could */
	if (instructions_load(world.dir, &is, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	instructions_free(&is);
	if ((r = adt_counters_open_ro(world.dir, world.counters_key,
	    world.state_key, &c, &e)) == SOLR_ERR_NOTFOUND)
		return SOLR_EXIT_PASS;	/* nothing counted yet */
	if (r != 0 || adt_counters_each(&c, print_counter, NULL, &e) != 0 ||
	    adt_counters_close(&c, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	return SOLR_EXIT_PASS;
}

static int
cmd_stage(int argc)
{
	struct adt_stage s;
	struct solr_err e = { 0 };
	int status;

	if (argc != 0)
		cli_usage("the stage takes no operand");
	if (opt.have_at) {
		/* time comes from the first stage, sealed in each record */
		cli_warn(NULL, 0, "--at is for submit: the stage decides each "
		    "record at its received_at");
		return SOLR_EXIT_TROUBLE;
	}
	memset(&s, 0, sizeof(s));
	s.world = &world;
	s.replay = opt.replay;
	if (adt_stage_open(&s, &e) != 0)
		cli_state_failed(&world, &e, "adt-check", NULL, 0);
	status = cli_stage(&adt_check_stage, &s, &opt, &world);
	if (adt_stage_close(&s, &e) != 0) {
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	}
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = { CLI_LONGOPTS };
	int ch, r;

	cli_prog = "solr-adt-check";
	cli_help_text = help;
	while ((ch = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1)
		if (!cli_common_opt(&opt, ch, optarg))
			cli_usage(NULL);
	argc -= optind;
	argv += optind;
	if (argc == 0)
		cli_world_stage(&world, &opt, "adt-check", NULL, 0);
	else
		cli_world(&world, &opt);
	if (argc == 0)
		r = cmd_stage(0);
	else if (strcmp(argv[0], "submit") == 0)
		r = cmd_submit(argc - 1, argv + 1);
	else if (strcmp(argv[0], "counters") == 0)
		r = cmd_counters(argc - 1);
	else
		cli_usage("unknown command '%s' (submit or counters; none "
		    "for the stage)", argv[0]);
	world_free(&world);
	return cli_close_stdout(r);
}
