/*
 * solr-countersign: the last stage.  For a record that passed every
 * required stage it makes what the DCC sends on: the Command (the Signed
 * Pre-Command with the Access Control Broker's MAC) for SMETS2+, or the
 * request countersigned with the DCC's XML-signing key for SMETS1; and
 * for every record the DUIS Response that goes to the sender.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "base/guard.h"
#include "base/layout.h"
#include "decide/countersign.h"
#include "world/device.h"
#include "world/inventory.h"
#include "gbcs/gbcs.h"
#include "store/record.h"
#include "store/sathead.h"
#include "base/util.h"
#include "base/progress.h"
#include "cli.h"

static struct cli_common opt;

static const char help[] =
"usage: solr-countersign [-C dir] [-o dir] [--sat dir] [--at time] [--json]\n"
"                        [--progress] < records\n"
"       solr-countersign -x | -b [-C dir] < pre-command\n"
"       solr-countersign --verify-sat dir | [-C dir] --sat-records dir\n"
"       solr-countersign --replay [-C dir] < records\n"
"       solr-countersign [-C dir] [--at time] [--json] [--progress] devices\n"
"                        import [--all | eui ...]\n"
"       solr-countersign [-C dir] [--json] devices list [--all] [eui ...]\n"
"       solr-countersign [-C dir] devices remove eui ...\n"
"\n"
"The last stage: checks again what it is about to sign, then MACs each\n"
"accepted Signed Pre-Command (SMETS2+) or countersigns each accepted\n"
"SMETS1 request, writes the DUIS Response for the sender, and appends\n"
"the Service Audit Trail.  solr-countersign(1).\n"
"\n"
"  -o dir          also write every artifact into dir, named by RequestID\n"
"                  (dir ending in .tar: appended to that one archive)\n"
"  --sat dir       append a Service Audit Trail entry per record to dir\n"
"  -x, -b          one Signed Pre-Command (hex with -x, base64 with -b) on\n"
"                  standard input: check it and write its Command\n"
"  --verify-sat dir\n"
"                  check a trail's chain, objects and signed head\n"
"  --sat-records dir\n"
"                  the records a verified trail holds, as a stream\n"
"  devices import  check devices' certificates in pki/device and take them\n"
"                  into the device inventory: those named, every device\n"
"                  there (--all), or lines of 'eui [type]' on stdin\n"
"  devices list    the inventory's devices (--all: removed ones too)\n"
"  devices remove  take devices out of the inventory\n"
CLI_HELP_STAGE CLI_HELP_COMMON
"\n"
"Exit status: 0 every record accepted (devices: every device taken), 1\n"
"one or more rejected or quarantined (devices: refused), 2 trouble.\n";

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
	unsigned long oom;

	if (spc == NULL)
		cli_nomem();
	if (solr_read_stream(stdin, "(stdin)", 4 * GBCS_MAX_LEN, &in, &e) != 0 ||
	    solr_text_decode(hex, in.p, in.len, spc, GBCS_MAX_LEN, &n, &e) !=
	    0) {
		cli_warn("(stdin)", 0, "%s", e.msg);
		exit(SOLR_EXIT_TROUBLE);
	}
	oom = solr_oom_count();
	if (countersign_precommand_check(c, spc, n, &e) != 0 ||
	    countersign_command(c, NULL, spc, n, cli_now(&opt), &cmd, &code,
	    &e) != 0 ||
	    ledger_sync(&c->ledger, &e) != 0) {
		ledger_undo(&c->ledger);
		cli_error(&e);
		/* a "no" that a library gave while out of memory is none */
		status = e.code == SOLR_ERR_VERIFY && solr_oom_count() == oom ?
		    SOLR_EXIT_REJECT : SOLR_EXIT_TROUBLE;
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

/* -o ARCHIVE.tar: the artifacts appended to one archive. */
static int
is_tar(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && strcmp(path + n - 4, ".tar") == 0;
}

/* The pipeline stage, with its object store, ledger and SAT. */
static int
run_stage(struct countersign_stage *c, const char *satdir)
{
	struct solr_err e = { 0 };
	int status;

	c->tar.fd = -1;
	if (objstore_open(&c->objects, c->world->objects, &e) != 0 ||
	    countersign_open(c, &e) != 0 ||
	    (c->outdir && is_tar(c->outdir) && tar_out_open(&c->tar,
	    c->outdir, &e) != 0) ||
	    (c->outdir && !is_tar(c->outdir) && (solr_mkdirs(c->outdir, &e) !=
	    0 || solr_guard_root(c->outdir, &e) != 0)) ||
	    (satdir && sat_open(satdir, c->world->trail_key, c->world->dir,
	    &c->sat, &e) != 0))
		cli_state_failed(c->world, &e, "countersign", NULL, 0);
	c->have_sat = satdir != NULL;
	/* what is stored is written at each batch's sync, before its
	 * records leave */
	objstore_hold_writes(&c->objects);
	if (c->have_sat) {
		objstore_hold_writes(&c->sat.objects);
		c->sat.locked_fill = countersign_inventory_input;
		c->sat.locked_arg = c;
	}
	if (c->have_sat && c->sat.cut > 0)
		cli_warn(c->sat.log, 0, "cut a torn last entry of %lld bytes (a "
		    "write that did not finish: no record left after it)",
		    (long long)c->sat.cut);
	if (c->have_sat && (sat_head_open(&c->sat, c->dcc, c->dcc_cert,
	    (int64_t)time(NULL), &e) != 0 || countersign_check_inventory(c,
	    &e) != 0 || countersign_keep_world(c, &e) != 0)) {
		struct solr_err ignore = { 0 };

		cli_error(&e);
		(void)sat_close(&c->sat, &ignore);
		(void)objstore_close(&c->objects, &ignore);
		(void)tar_out_close(&c->tar, &ignore);
		return SOLR_EXIT_TROUBLE;
	}
	if (c->have_sat && c->sat.cut_unsigned > 0)
		cli_warn(c->sat.log, 0, "cut %llu %s after the signed head "
		    "(a batch that ended before its head: none of its records "
		    "left)", (unsigned long long)c->sat.cut_unsigned,
		    c->sat.cut_unsigned == 1 ? "entry" : "entries");
	/* the stage notes a replay's differences itself */
	status = cli_stage(&countersign_stage, c, &opt, c->world);
	if (tar_out_close(&c->tar, &e) != 0) {
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	}
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

/* devices import: the counts, for the closing line. */
struct import_run {
	struct solr_world *w;
	struct inv_writer *wr;
	int64_t at;
	unsigned long imported, unchanged, refused;
	uint64_t done, total;	/* --progress: devices checked, of */
};

/* One device into the inventory, with the type given or its .type. */
static int
import_one(struct import_run *ir, uint64_t eui, const char *type)
{
	struct solr_err e = { 0 };
	struct inv_entry en;
	char t[INV_TYPE_MAX + 2];
	int r, unchanged;

	solr_progress("devices checked", ++ir->done, ir->total);
	if (type == NULL && (r = world_device_type_file(ir->w, eui, t,
	    sizeof(t), &e)) != 0)
		;
	else if ((r = world_device_entry(ir->w, eui, type ? type : t, ir->at,
	    &en, &e)) == 0 && (r = inv_put(ir->wr, &en, &unchanged, &e)) == 0 &&
	    unchanged) {
		ir->unchanged++;
		return 0;
	}
	if (r == 0) {
		ir->imported++;
		return 0;
	}
	cli_error(&e);
	if (r == SOLR_ERR_NOMEM || r == SOLR_ERR_INTERNAL || r == SOLR_ERR_IO ||
	    r == SOLR_ERR_UNSAFE)
		return r;	/* the import stops, and nothing is taken */
	ir->refused++;
	return 0;
}

/* An EUI operand: 16 hex digits, or the dashed form. */
static int
eui_arg(const char *s, uint64_t *eui)
{
	size_t n = strlen(s);

	return (n == 16 ? solr_eui_parse_compact(s, n, eui) :
	    solr_eui_parse(s, n, eui)) == 0 ? 0 : -1;
}

static int
has_file(struct solr_world *w, uint64_t eui, const char *what)
{
	char path[PATH_MAX];

	world_device_path(path, sizeof(path), w->dir, eui, what);
	return access(path, F_OK) == 0;
}

/* --all: every device pki/device holds a file of. */
static int
import_all(struct import_run *ir)
{
	char path[PATH_MAX];
	struct dirent *d;
	uint64_t eui;
	DIR *dir;
	int r = 0;

	world_path(path, sizeof(path), ir->w->dir, WF_DEVICES);
	if ((dir = opendir(path)) == NULL) {
		cli_warn(path, 0, "%s", strerror(errno));
		return SOLR_ERR_IO;
	}
	while (r == 0 && (d = readdir(dir)) != NULL) {
		const char *dot = strchr(d->d_name, '.');

		/* each device once: by its .type; a certificate without one
		 * is refused, by its first file */
		if (dot == NULL || dot - d->d_name != 16 ||
		    solr_eui_parse_compact(d->d_name, 16, &eui) != 0)
			continue;
		if (strcmp(dot, ".type") == 0 || (strcmp(dot, ".ka.pem") == 0 &&
		    !has_file(ir->w, eui, "type")) || (strcmp(dot, ".ds.pem") ==
		    0 && !has_file(ir->w, eui, "type") && !has_file(ir->w, eui,
		    "ka.pem")))
			r = import_one(ir, eui, NULL);
	}
	closedir(dir);
	return r;
}

/* Lines of "eui [type]" on stdin. */
static int
import_lines(struct import_run *ir)
{
	char line[256], eui_s[64], type[64];
	unsigned long n = 0;
	uint64_t eui;
	int k, r = 0;

	while (r == 0 && fgets(line, sizeof(line), stdin) != NULL) {
		n++;
		if (strchr(line, '\n') == NULL && !feof(stdin)) {
			cli_warn("(stdin)", (int)n, "a line longer than %zu "
			    "bytes", sizeof(line) - 2);
			return SOLR_ERR_CONFIG;
		}
		type[0] = '\0';
		if ((k = sscanf(line, "%63s %63s", eui_s, type)) < 1)
			continue;
		if (eui_arg(eui_s, &eui) != 0 || (k == 2 &&
		    !inv_type_ok(type))) {
			cli_warn("(stdin)", (int)n, "not 'eui [type]': an "
			    "EUI-64 (16 hex digits or 00-11-...) and a device "
			    "type");
			ir->refused++;
			continue;
		}
		r = import_one(ir, eui, k == 2 ? type : NULL);
	}
	return r;
}

static int
devices_import(struct solr_world *w, int all, int argc, char **argv)
{
	struct import_run ir = { .w = w, .at = cli_now(&opt) };
	struct solr_err e = { 0 };
	uint64_t eui;
	int64_t cut;
	int i, r = 0;

	if (all && argc > 0)
		cli_usage("devices import takes --all or devices, not both");
	for (i = 0; i < argc; i++)
		if (eui_arg(argv[i], &eui) != 0)
			cli_usage("'%s' is not an EUI-64", argv[i]);
	if (inv_begin(w, &ir.wr, &cut, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	if (cut > 0)
		cli_warn("state/devices", 0, "cut a torn last entry of %lld "
		    "bytes (an import that did not finish)", (long long)cut);
	ir.total = argc > 0 ? (uint64_t)argc : all ? 0 :
	    (uint64_t)cli_lines_ahead(STDIN_FILENO);
	if (all)
		r = import_all(&ir);
	else if (argc == 0)
		r = import_lines(&ir);
	for (i = 0; r == 0 && i < argc; i++)
		if (eui_arg(argv[i], &eui) == 0)
			r = import_one(&ir, eui, NULL);
	if (r == 0 && inv_commit(ir.wr, &e) != 0) {
		cli_error(&e);
		r = e.code;
	} else if (r != 0)
		cli_warn("state/devices", 0, "nothing imported");
	inv_end(ir.wr);
	if (r != 0)
		return SOLR_EXIT_TROUBLE;
	if (opt.json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_int(o, "imported",
		    (int64_t)ir.imported) || yn_set_int(o, "unchanged",
		    (int64_t)ir.unchanged) || yn_set_int(o, "refused",
		    (int64_t)ir.refused));
	} else
		printf("%lu imported, %lu unchanged, %lu refused\n",
		    ir.imported, ir.unchanged, ir.refused);
	return ir.refused ? SOLR_EXIT_REJECT : SOLR_EXIT_PASS;
}

/* devices list: the devices asked for (none: all). */
struct list_run {
	uint64_t *euis;
	int n;
	unsigned char *seen;	/* each device asked for: shown */
};

static int
list_one(const struct inv_entry *en, void *arg)
{
	struct list_run *lr = arg;
	char d[SOLR_EUI_STRLEN], sha[SOLR_SHA256_HEX], t[SOLR_TIME_STRLEN];
	int i, u;

	for (i = 0; i < lr->n && lr->euis[i] != en->eui; i++)
		;
	if (lr->n > 0 && i == lr->n)
		return 0;
	if (lr->n > 0)
		lr->seen[i] = 1;
	solr_eui_format(en->eui, d);
	solr_time_format(en->imported_at, t);
	if (opt.json) {
		struct ynode *o = cli_json_obj();
		int f = yn_set_str(o, "device", d) ||
		    yn_set_int(o, "entry", (int64_t)en->seq) ||
		    yn_set_str(o, en->op == INV_PUT ? "imported" : "removed",
		    t);

		if (en->op == INV_PUT)
			f = f || yn_set_str(o, "type", en->type) ||
			    yn_set_str(o, "fuel", inv_fuel_name(en->fuel));
		for (u = 0; u < INV_NUSES && en->op == INV_PUT; u++) {
			char key[16];

			if (!en->cert[u].present)
				continue;
			solr_hex(en->cert[u].sha256, 32, sha);
			snprintf(key, sizeof(key), "%s_sha256",
			    inv_use_name((enum inv_use)u));
			f = f || yn_set_str(o, key, sha);
		}
		cli_json_put(o, f);
		return 0;
	}
	if (en->op == INV_REMOVE) {
		printf("%s removed %s entry %llu\n", d, t,
		    (unsigned long long)en->seq);
		return 0;
	}
	printf("%s %s %s %s%s%s entry %llu\n", d, en->type,
	    inv_fuel_name(en->fuel), en->cert[INV_KA].present ? "ka" : "",
	    en->cert[INV_KA].present && en->cert[INV_DS].present ? "," : "",
	    en->cert[INV_DS].present ? "ds" : !en->cert[INV_KA].present ?
	    "-" : "", (unsigned long long)en->seq);
	return 0;
}

static int
devices_list(struct solr_world *w, int all, int argc, char **argv)
{
	struct list_run lr = { 0 };
	struct solr_err e = { 0 };
	char path[PATH_MAX];
	int i, r, missing = 0;

	if (argc > 0 && ((lr.euis = calloc((size_t)argc, sizeof(uint64_t)))
	    == NULL || (lr.seen = calloc((size_t)argc, 1)) == NULL))
		cli_nomem();
	for (i = 0; i < argc; i++)
		if (eui_arg(argv[i], &lr.euis[i]) != 0)
			cli_usage("'%s' is not an EUI-64", argv[i]);
	lr.n = argc;
	/* no inventory is no list: nothing was checked */
	world_path(path, sizeof(path), w->dir, WF_INVENTORY);
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		cli_warn(path, 0, "no device inventory: make one with "
		    "solr-countersign devices import --all");
		free(lr.euis);
		return SOLR_EXIT_REJECT;
	}
	if ((r = inv_each(w, all || argc > 0, list_one, &lr, &e)) != 0)
		cli_error(&e);
	/* a device asked for and not there is a finding, named */
	for (i = 0; r == 0 && i < argc; i++)
		if (!lr.seen[i]) {
			cli_warn(NULL, 0, "%s is not in the device inventory",
			    argv[i]);
			missing++;
		}
	free(lr.euis);
	free(lr.seen);
	if (r != 0)
		return SOLR_EXIT_TROUBLE;
	return missing ? SOLR_EXIT_REJECT : SOLR_EXIT_PASS;
}

static int
devices_remove(struct solr_world *w, int argc, char **argv)
{
	struct inv_writer *wr;
	struct solr_err e = { 0 };
	uint64_t eui;
	int64_t cut;
	int i, r = 0, refused = 0;

	if (argc == 0)
		cli_usage("devices remove takes the devices to remove");
	for (i = 0; i < argc; i++)
		if (eui_arg(argv[i], &eui) != 0)
			cli_usage("'%s' is not an EUI-64", argv[i]);
	if (inv_begin(w, &wr, &cut, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	for (i = 0; r == 0 && i < argc; i++) {
		eui_arg(argv[i], &eui);
		if ((r = inv_remove(wr, eui, cli_now(&opt), &e)) ==
		    SOLR_ERR_NOTFOUND) {
			cli_error(&e);
			refused++;
			r = 0;
		}
	}
	if (r == 0 && (r = inv_commit(wr, &e)) == 0)
		printf("%d removed, %d not in the inventory\n", argc - refused,
		    refused);
	else
		cli_error(&e);
	inv_end(wr);
	return r ? SOLR_EXIT_TROUBLE : refused ? SOLR_EXIT_REJECT :
	    SOLR_EXIT_PASS;
}

/* solr-countersign devices import | list | remove */
static int
devices(int all, int other, int argc, char **argv)
{
	struct solr_world world;
	int status;

	if (other)
		cli_usage("devices takes only -C, --at, --json and --all");
	if (argc < 1)
		cli_usage("devices takes import, list or remove");
	if (all && strcmp(argv[0], "remove") == 0)
		cli_usage("devices remove takes no --all");
	cli_world(&world, &opt);
	if (opt.progress)
		cli_progress_task();
	if (strcmp(argv[0], "import") == 0)
		status = devices_import(&world, all, argc - 1, argv + 1);
	else if (strcmp(argv[0], "list") == 0)
		status = devices_list(&world, all, argc - 1, argv + 1);
	else if (strcmp(argv[0], "remove") == 0)
		status = devices_remove(&world, argc - 1, argv + 1);
	else
		cli_usage("devices takes import, list or remove, not '%s'",
		    argv[0]);
	world_free(&world);
	return cli_close_stdout(status);
}

static const struct option longopts[] = {
	{ "sat", required_argument, NULL, 's' },
	{ "verify-sat", required_argument, NULL, 'v' },
	{ "sat-records", required_argument, NULL, 'R' },
	{ "all", no_argument, NULL, 'A' },
	CLI_LONGOPTS
};

/* The stage (or -x, -b) on the world: the exit status. */
static int
run(struct countersign_stage *c, int mode, const char *satdir)
{
	struct solr_world world;
	struct solr_err e = { 0 };
	int status;

	c->world = &world;
	c->replay = opt.replay;
	c->have_at = opt.have_at;
	c->at = opt.at;
	xmlInitParser();
	if (c->replay)
		ledger_memory(&c->ledger);
	if (mode)
		cli_world(&world, &opt);
	else
		cli_world_stage(&world, &opt, "countersign", NULL, 0);
	if ((!c->replay && (solr_live_join(world.dir, &c->live, &e) != 0 ||
	    ledger_open(world.dir, world.state_key, &c->ledger, &e) != 0)) ||
	    countersign_keys(c, !mode && !c->replay, &e) != 0) {
		if (!mode)
			cli_state_failed(&world, &e, "countersign", NULL, 0);
		cli_error(&e);
		status = SOLR_EXIT_TROUBLE;
	} else
		status = mode ? standalone(c, mode == 'x') : run_stage(c,
		    satdir);
	ledger_close(&c->ledger);
	countersign_free(c);
	world_free(&world);
	xmlCleanupParser();
	return status;
}

int
main(int argc, char *argv[])
{
	struct countersign_stage c;
	const char *satdir = NULL, *verify = NULL, *satrec = NULL;
	int ch, mode = 0, all = 0;

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
		else if (ch == 'A')
			all = 1;
		else
			cli_usage(NULL);
	}
	if (optind < argc && strcmp(argv[optind], "devices") == 0)
		return devices(all, mode || satdir || c.outdir || verify ||
		    satrec || opt.replay, argc - optind - 1, argv + optind + 1);
	if (all)
		cli_usage("--all is for devices import and list");
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
	return cli_close_stdout(run(&c, mode, satdir));
}
