/*
 * solr-countersign: the last stage.  For a record that passed every
 * required stage it makes what the DCC sends on: the Command (the Signed
 * Pre-Command with the Access Control Broker's MAC) for SMETS2+, or the
 * request countersigned with the DCC's XML-signing key for SMETS1; and
 * for every record the DUIS Response that goes to the sender.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>

#include "decide/countersign.h"
#include "gbcs/gbcs.h"
#include "store/record.h"
#include "store/sathead.h"
#include "base/util.h"
#include "cli.h"

static struct cli_common opt;

static const char help[] =
"usage: solr-countersign [-C dir] [-o dir] [--sat dir] [--at time] [--json]\n"
"                        [--progress] < records\n"
"       solr-countersign -x | -b [-C dir] < pre-command\n"
"       solr-countersign --verify-sat dir | [-C dir] --sat-records dir\n"
"       solr-countersign --replay [-C dir] < records\n"
"\n"
"The last stage: checks again what it is about to sign, then MACs each\n"
"accepted Signed Pre-Command (SMETS2+) or countersigns each accepted\n"
"SMETS1 request, writes the DUIS Response for the sender, and appends\n"
"the Service Audit Trail.  solr-countersign(1).\n"
"\n"
"  -o dir          also write every artifact into dir, named by RequestID\n"
"  --sat dir       append a Service Audit Trail entry per record to dir\n"
"  -x, -b          one Signed Pre-Command (hex with -x, binary with -b) on\n"
"                  standard input: check it and write its Command\n"
"  --verify-sat dir\n"
"                  check a trail's chain, objects and signed head\n"
"  --sat-records dir\n"
"                  the records a verified trail holds, as a stream\n"
CLI_HELP_STAGE CLI_HELP_COMMON
"\n"
"Exit status: 0 every record accepted, 1 one or more rejected or\n"
"quarantined, 2 trouble.\n";

/* -x, -b: one Signed Pre-Command in, its Command out. */
static int
standalone(struct countersign_stage *c, int hex)
{
	struct solr_buf in = { 0 }, cmd = { 0 };
	struct solr_err e = { 0 };
	unsigned char *spc = malloc(GBCS_MAX_LEN);
	enum duis_code code;
	char *text;
	size_t n = 0, i;
	int status = SOLR_EXIT_PASS;

	if (spc == NULL)
		cli_nomem();
	if (solr_read_stream(stdin, "(stdin)", 4 * GBCS_MAX_LEN, &in, &e) != 0 ||
	    solr_text_decode(hex, in.p, in.len, spc, GBCS_MAX_LEN, &n, &e) !=
	    0) {
		cli_warn("(stdin)", 0, "%s", e.msg);
		exit(SOLR_EXIT_TROUBLE);
	}
	if (countersign_precommand_check(c, spc, n, &e) != 0 ||
	    countersign_command(c, spc, n, cli_now(&opt), &cmd, &code, &e) !=
	    0 ||
	    ledger_sync(&c->ledger, &e) != 0) {
		ledger_undo(&c->ledger);
		cli_error(&e);
		status = e.code == SOLR_ERR_VERIFY ? SOLR_EXIT_REJECT : SOLR_EXIT_TROUBLE;
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
		if (opt.json) {
			struct ynode *o = cli_json_obj();

			cli_json_put(o, yn_set_str(o, hex ? "command_hex" :
			    "command_base64", text) != 0);
		} else
			printf("%s\n", text);
		free(text);
	}
	solr_buf_free(&in);
	solr_buf_free(&cmd);
	free(spc);
	return status;
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
		exit(SOLR_EXIT_TROUBLE);
	}
	yn_free(r);
	return 0;
}

/* The SAT's records, made ready to run through the stages again: only
 * from a trail whose chain and objects verify, and sealed with the
 * world's key, since this tool has checked them. */
static int
sat_records(const char *dir)
{
	struct solr_world world;
	struct solr_err e = { 0 };
	struct sat_check chk;
	struct sat_trust trust;
	char cert[PATH_MAX], heads[PATH_MAX];
	int r;

	cli_world(&world, &opt);
	/* the world's DCC certificate and trail key, never the bundle's own
	 * certificate: a bundle signed by anyone else is refused */
	cli_sat_trust(&trust, &world, cert, heads);
	trust.heads = NULL;	/* a copy of a trail is replayed as it is */
	if (sat_check(dir, &trust, &chk, &e) != 0) {
		cli_error(&e);
		world_free(&world);
		return SOLR_EXIT_TROUBLE;
	}
	if ((satrec_out = rec_writer_new(stdout)) == NULL)
		cli_nomem();
	/* sealed for a replay: no stage of the flow takes these records */
	rec_writer_seal(satrec_out, world.replay_sealer);
	rec_writer_json(satrec_out, opt.json);
	r = sat_each(dir, one_sat_record, NULL, &e);
	if (r != 0)
		cli_error(&e);
	if (rec_writer_finish(satrec_out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		r = SOLR_ERR_IO;
	}
	rec_writer_free(satrec_out);
	world_free(&world);
	return cli_close_stdout(r ? SOLR_EXIT_TROUBLE : SOLR_EXIT_PASS);
}

/* --verify-sat: solr-sat verify -C world, kept for the scripts that use
 * it: the head against the world's DCC certificate, every MAC, and the
 * world's last signed head. */
static int
verify_sat(const char *dir)
{
	struct solr_world world;
	struct sat_check c;
	struct sat_trust trust;
	struct solr_err e = { 0 };
	char cert[PATH_MAX], heads[PATH_MAX];
	int bad;

	cli_world(&world, &opt);
	cli_sat_trust(&trust, &world, cert, heads);
	bad = sat_check(dir, &trust, &c, &e) != 0;
	world_free(&world);

	if (bad)
		cli_error(&e);
	if (opt.json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_int(o, "entries", (int64_t)c.entries) ||
		    yn_set(o, "intact", yn_new_plain(bad ? "false" : "true")) ||
		    (bad && yn_set_str(o, "error", e.msg) != 0));
	} else if (bad)
		printf("%llu entries good before the first broken link\n",
		    (unsigned long long)c.entries);
	else
		printf("%llu entries, chain, objects and signed head intact\n",
		    (unsigned long long)c.entries);
	return cli_close_stdout(!bad ? SOLR_EXIT_PASS : e.code == SOLR_ERR_VERIFY ?
	    SOLR_EXIT_REJECT : SOLR_EXIT_TROUBLE);
}

/* The pipeline stage, with its object store, ledger and SAT. */
static int
run_stage(struct countersign_stage *c, const char *satdir)
{
	struct solr_err e = { 0 };
	int status;

	if (objstore_open(&c->objects, c->world->objects, &e) != 0 ||
	    countersign_open(c, &e) != 0 ||
	    (c->outdir && solr_mkdirs(c->outdir, &e) != 0) ||
	    (satdir && sat_open(satdir, c->world->trail_key, c->world->dir,
	    &c->sat, &e) != 0))
		cli_state_failed(c->world, &e, "countersign");
	c->have_sat = satdir != NULL;
	if (c->have_sat && c->sat.cut > 0)
		cli_warn(c->sat.log, 0, "cut a torn last entry of %lld bytes (a "
		    "write that did not finish: no record left after it)",
		    (long long)c->sat.cut);
	if (c->have_sat && (sat_head_open(&c->sat, c->dcc, c->dcc_cert,
	    (int64_t)time(NULL), &e) != 0 || countersign_keep_world(c,
	    &e) != 0)) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	if (c->have_sat && c->sat.cut_unsigned > 0)
		cli_warn(c->sat.log, 0, "cut %llu %s after the signed head "
		    "(a batch that ended before its head: none of its records "
		    "left)", (unsigned long long)c->sat.cut_unsigned,
		    c->sat.cut_unsigned == 1 ? "entry" : "entries");
	/* the stage notes a replay's differences itself */
	status = cli_stage(&countersign_stage, c, &opt, c->world);
	if (c->have_sat && sat_close(&c->sat, &e) != 0) {
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	}
	if (objstore_close(&c->objects, &e) != 0) {
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	}
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "sat", required_argument, NULL, 's' },
		{ "verify-sat", required_argument, NULL, 'v' },
		{ "sat-records", required_argument, NULL, 'R' },
		CLI_LONGOPTS
	};
	struct solr_world world;
	struct countersign_stage c;
	struct solr_err e = { 0 };
	const char *satdir = NULL, *verify = NULL, *satrec = NULL;
	int ch, mode = 0, status;

	cli_prog = "solr-countersign";
	cli_help_text = help;
	memset(&c, 0, sizeof(c));
	ledger_memory(&c.requests);
	c.live.fd = -1;
	while ((ch = getopt_long(argc, argv, "bC:ho:x", longopts, NULL)) != -1) {
		if (cli_common_opt(&opt, ch, optarg))
			continue;
		if ((ch == 'b' || ch == 'x') && (!mode || mode == ch))
			mode = ch;
		else if (ch == 'o')
			c.outdir = optarg;
		else if (ch == 's')
			satdir = optarg;
		else if (ch == 'v')
			verify = optarg;
		else if (ch == 'R')
			satrec = optarg;
		else
			cli_usage(NULL);
	}
	if (optind != argc)
		cli_usage("no operand is taken ('%s')", argv[optind]);
	if (mode && (c.outdir || satdir))
		cli_usage("-x and -b take neither -o nor --sat");
	if (verify) {
		if (mode || satdir || c.outdir)
			cli_usage("--verify-sat takes only -C");
		return verify_sat(verify);
	}
	if (satrec) {
		if (mode || satdir || c.outdir || opt.replay)
			cli_usage("--sat-records takes only -C");
		return sat_records(satrec);
	}
	if (opt.replay && (mode || satdir || c.outdir))
		cli_usage("--replay takes neither -x, -b, -o nor --sat");
	c.world = &world;
	c.replay = opt.replay;
	c.have_at = opt.have_at;
	c.at = opt.at;
	xmlInitParser();
	if (c.replay)
		ledger_memory(&c.ledger);
	if (mode)
		cli_world(&world, &opt);
	else
		cli_world_stage(&world, &opt, "countersign", NULL, 0);
	if ((!c.replay && (solr_live_join(world.dir, &c.live, &e) != 0 ||
	    ledger_open(world.dir, &c.ledger, &e) != 0)) ||
	    countersign_keys(&c, !mode && !c.replay, &e) != 0) {
		if (!mode)
			cli_state_failed(&world, &e, "countersign");
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	} else
		status = mode ? standalone(&c, mode == 'x') : run_stage(&c,
		    satdir);
	ledger_close(&c.ledger);
	countersign_free(&c);
	world_free(&world);
	xmlCleanupParser();
	return cli_close_stdout(status);
}
