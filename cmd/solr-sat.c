/*
 * solr-sat: the auditor's tool for a Service Audit Trail.  verify checks
 * the chain, every object and the signed head; log prints the recorded
 * records that match; replay runs every recorded request through the
 * stages again against a world and says what decides differently, and
 * why.
 */
#include <sys/wait.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "decide/adt.h"
#include "decide/fslist.h"
#include "decide/replay.h"
#include "duis/duis.h"
#include "base/layout.h"
#include "store/satplace.h"
#include "store/record.h"
#include "store/sat.h"
#include "store/sathead.h"
#include "store/ledger.h"
#include "store/statehead.h"
#include "base/util.h"
#include "world/inventory.h"
#include "cli.h"
#include "base/ywrite.h"

static int json;		/* --json */

static const char help[] =
"usage: solr-sat verify [--expect-head hex] -C dir | --cert file [--json] dir\n"
"       solr-sat log [-C dir | --cert file] [--actor id] [--originator id]\n"
"                    [--request-id id]\n"
"                    [--verdict v] [--code c] [--since time] [--until time]\n"
"                    [--json | --tsv | --commands] dir\n"
"       solr-sat replay [-o dir] [--world-files dir] [--json] [--progress]\n"
"                       dir world\n"
"       solr-sat gc -C world [--json] [--progress] dir ...\n"
"       solr-sat retire -C world dir\n"
"       solr-sat state -C world [--expect-head hex] [--json]\n"
"\n"
"The auditor's tool for a Service Audit Trail (solr-sat(5)): verify checks\n"
"its hash chain, every object of its bundle and its signed head; log prints\n"
"the recorded records that match every filter given (of a trail that\n"
"verifies); replay runs the recorded requests through the stages again\n"
"against a world and reports every decision that differs; gc keeps in the\n"
"world's object store only what the trails name; retire lets a new trail\n"
"be written where the world recorded one that is gone; state checks the\n"
"world's state against its records and prints its head.  solr-sat(1).\n"
"\n"
"  --expect-head hex\n"
"                  verify: the head must be this hash (one published or\n"
"                  kept apart from the trail); state: the world's state\n"
"                  head must be this one (printed after the last batch)\n"
"  --cert file     verify, log: the certificate the head's signature is\n"
"                  checked with (instead of the world's keys/dcc.xmlsign.pem;\n"
"                  the trail's own head.pem only when named so)\n"
"  --actor id, --originator id, --request-id id, --verdict v, --code c\n"
"                  log: only the entries with this value\n"
"  --since time, --until time\n"
"                  log: only records received in [since, until)\n"
"  --tsv           log: a line a record, tab-separated under a header line:\n"
"                  seq, received_at, request_id, actor, originator, srv,\n"
"                  verdict, code, reason\n"
"  --commands      log: the Command each matching record names, in hex, one\n"
"                  a line, from the trail's own objects (for solr-gbcs-parse -x)\n"
"  -o dir          replay: keep the replayed records and objects in dir\n"
"  --world-files dir\n"
"                  replay: a what-if: the world's policy.yaml,\n"
"                  registry.yaml, failed-suppliers.yaml, instructions.yaml\n"
"                  and adt/ files that dir holds are read instead of its\n"
"                  own (the world, its state aside, is not copied)\n"
"  --progress      verify, log, gc, replay: how far it is, with the\n"
"                  total and the time left, on stderr\n"
"  -C dir          verify, log: the world whose DCC certificate checks the\n"
"                  head, whose trail key checks every entry's MAC, and whose\n"
"                  last signed head the trail must not be older than;\n"
"                  gc: the world whose object store is collected;\n"
"                  retire, state: the world\n"
"  --json          write JSON Lines instead of YAML and text\n"
"  -h, --help      print this help and exit\n"
"  --version       print the version and exit\n"
"\n"
"Exit status: 0 intact (replay: no decision differs), 1 broken or a\n"
"decision differs, 2 trouble or a usage error.\n";

/* What a head is checked with: the world's DCC certificate, trail key and
 * last heads with -C (its certificate replaced by --cert when given), or
 * the certificate --cert names alone.  Neither: no check is possible, and
 * nothing is trusted by default (solr-sat(1)).  0, or exit 2 said. */
struct trust {
	struct sat_trust t;
	struct solr_world w;
	int have_world;
	char cert[PATH_MAX], heads[PATH_MAX];
};

static int
trust_of(struct trust *tr, const char *cert, const char *world,
    const char *dir)
{
	struct solr_err e = { 0 };
	char own[PATH_MAX];

	memset(tr, 0, sizeof(*tr));
	if (world != NULL) {
		if (world_load(&tr->w, world, &e) != 0) {
			cli_error(&e);
			return SOLR_EXIT_TROUBLE;
		}
		tr->have_world = 1;
		cli_sat_trust(&tr->t, &tr->w, tr->cert, tr->heads);
	}
	if (cert != NULL)
		tr->t.cert = cert;
	if (tr->t.cert == NULL) {
		snprintf(own, sizeof(own), "%s/head.pem", dir);
		cli_warn(dir, 0, "no certificate to check the head with: give "
		    "-C world (its DCC certificate and keys) or --cert file; the "
		    "trail's own certificate is used only when named, as --cert "
		    "%s", own);
		return SOLR_EXIT_TROUBLE;
	}
	return 0;
}

static void
trust_free(struct trust *tr)
{
	if (tr->have_world)
		world_free(&tr->w);
	tr->have_world = 0;
}

/* What a failed verify says on stdout: with --json, the reason as fields
 * (nothing of the trail is vouched for, so no count of it). */
static void
verify_failed(const struct solr_err *e)
{
	struct ynode *o;

	if (!json)
		return;
	o = cli_json_obj();
	cli_json_put(o, yn_set(o, "intact", yn_new_plain("false")) ||
	    yn_set_str(o, "file", e->file[0] ? e->file : NULL) ||
	    (e->line > 0 && yn_set_int(o, "line", e->line)) ||
	    yn_set_str(o, "reason", e->msg));
}

/* Every piece of the world's state against its record (solr-world(5),
 * SECURITY): the ledgers and registers line by line, the ADT counters
 * slot by slot, the inventory, the Failed Suppliers history and the list
 * it installed.  0, SOLR_ERR_VERIFY naming the first that does not hold,
 * or another SOLR_ERR_*. */
static int state_pieces_at(struct solr_world *, struct solr_err *);

static int
state_pieces(struct solr_world *w, struct solr_err *e)
{
	struct solr_err mine = { 0 };
	int r;

	/* e is left as it was unless a piece does not hold: a file that is
	 * not there on the way is no finding */
	if ((r = state_pieces_at(w, &mine)) != 0)
		*e = mine;
	return r;
}

static int
state_pieces_at(struct solr_world *w, struct solr_err *e)
{
	struct adt_counters c;
	struct fs_history_last le;
	struct fs_list l;
	unsigned char head[32];
	char path[PATH_MAX], hpath[PATH_MAX];
	uint64_t n;
	size_t i;
	int r;

	for (i = 0; state_ledgers[i] != NULL; i++)
		if ((r = ledger_check(w->dir, state_ledgers[i], w->state_key,
		    e)) != 0)
			return r;
	world_path(path, sizeof(path), w->dir, WF_ADT_COUNTERS);
	world_path(hpath, sizeof(hpath), w->dir, WF_ADT_COUNTERS_HEAD);
	if (access(path, F_OK) == 0) {
		if ((r = adt_counters_open_ro(w->dir, w->counters_key,
		    w->state_key, &c, e)) == SOLR_ERR_NOTFOUND)
			solr_err_clear(e);	/* begun, not yet made */
		else if (r != 0)
			return r;
		if ((r = adt_counters_close(&c, e)) != 0)
			return r;
	} else if (access(hpath, F_OK) == 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "gone, while "
		    "its record (%s) is there; refused (solr-world(5), "
		    "SECURITY)", hpath);
	if ((r = inv_head(w, &n, head, e)) != 0 && r != SOLR_ERR_NOTFOUND)
		return r;
	if ((r = fslist_load(w->dir, &l, e)) != 0)
		return r;
	if ((r = fslist_history(w, NULL, NULL, &le, e)) == 0)
		r = fslist_history_holds(&l, &le, e);
	fslist_free(&l);
	return r;
}

/* The world's state checked, and its head printed (and compared with
 * one kept apart from the world). */
static int
cmd_state(const char *world, const char *expect)
{
	struct solr_world w;
	struct solr_err e = { 0 };
	char head[65] = "";
	struct ynode *o;
	int r;

	if (world == NULL)
		cli_usage("state: which world? give -C world");
	if (world_load(&w, world, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	if ((r = state_pieces(&w, &e)) == 0 && (r = state_world_head(w.dir,
	    head, &e)) == 0 && expect != NULL && strcmp(expect, head) != 0)
		r = solr_seterr_at(&e, SOLR_ERR_VERIFY, w.dir, 0, "the state "
		    "head is %s, not the expected %s: the world's state is not "
		    "the one that head was printed for", head, expect);
	world_free(&w);
	if (r != 0 && r != SOLR_ERR_VERIFY) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	if (!json && *head)
		printf("state: %s\nchecked: the ledgers, registers and counters "
		    "against their records, the inventory, the Failed "
		    "Suppliers history\n", head);
	else if (json) {
		o = cli_json_obj();
		cli_json_put(o, yn_set(o, "intact", yn_new_plain(r ? "false" :
		    "true")) || (r && yn_set_str(o, "reason", e.msg)) ||
		    (*head && yn_set_str(o, "state", head)));
	}
	if (r != 0) {
		cli_error(&e);
		return SOLR_EXIT_REJECT;
	}
	return SOLR_EXIT_PASS;
}

static int
cmd_verify(const char *dir, const char *expect, const char *cert,
    const char *world)
{
	struct sat_check c;
	struct solr_err e = { 0 };
	struct trust tr;
	char ts[SOLR_TIME_STRLEN];
	struct ynode *o;
	int r;

	if ((r = trust_of(&tr, cert, world, dir)) != 0)
		return r;
	r = sat_check(dir, &tr.t, &c, &e);
	/* with the world, its state too: a piece put back beside the trail */
	if (r == 0 && tr.have_world)
		r = state_pieces(&tr.w, &e);
	trust_free(&tr);
	if (r != 0) {
		cli_error(&e);
		verify_failed(&e);
		return e.code == SOLR_ERR_VERIFY ? SOLR_EXIT_REJECT :
		    SOLR_EXIT_TROUBLE;
	}
	solr_time_format(c.head.time, ts);
	if (expect != NULL && strcmp(expect, c.head.hash) != 0)
		solr_seterr_at(&e, SOLR_ERR_VERIFY, dir, 0, "the head is %s, "
		    "not the expected %s", c.head.hash, expect);
	if (!json)
		printf("entries: %llu\nhead: %s\nsigned: %s by certificate "
		    "serial %s (sha256 %s)\n%s", (unsigned long long)c.entries,
		    c.head.hash, ts, c.signer_serial, c.signer_sha256, world ?
		    "checked: every entry's MAC, and the world's last head for "
		    "the trail\n" : "");
	else {
		o = cli_json_obj();
		cli_json_put(o, yn_set_int(o, "entries", (int64_t)c.entries) ||
		    yn_set(o, "intact", yn_new_plain(e.code ? "false" :
		    "true")) || (e.code && yn_set_str(o, "reason", e.msg)) ||
		    yn_set_str(o, "head", c.head.hash) ||
		    yn_set_str(o, "signed", ts) ||
		    yn_set_str(o, "serial", c.signer_serial) ||
		    yn_set_str(o, "cert_sha256", c.signer_sha256) ||
		    yn_set(o, "macs_checked", yn_new_plain(world ? "true" :
		    "false")));
	}
	if (e.code != 0) {
		cli_error(&e);
		return SOLR_EXIT_REJECT;
	}
	return SOLR_EXIT_PASS;
}

struct filter {
	const char *actor, *originator, *request_id, *verdict, *code;
	uint64_t actor_eui, orig_eui, rid[3];	/* the ids, read as values */
	int64_t since, until;
	int have_since, have_until, json;
	int commands;		/* --commands: each Command in hex, a line */
	int tsv;		/* --tsv: a line a record */
	const char *cert, *world;	/* what the head is checked with */
	struct solr_objstore bundle;
	struct rec_writer *out;
	unsigned long matched;
	int werr;		/* a write to stdout failed: its errno */
};

static int
str_is(const struct ynode *m, const char *path, const char *want)
{
	const struct ynode *n = yn_path(m, path);

	return want == NULL || (n && yn_is_scalar(n) && strcmp(n->str, want) ==
	    0);
}

/* An EUI-64 as a value: any case matches. */
static int
eui_is(const struct ynode *m, const char *path, const char *given,
    uint64_t want)
{
	const struct ynode *n = yn_path(m, path);
	uint64_t v;

	return given == NULL || (n && yn_is_scalar(n) && solr_eui_parse(n->str,
	    strlen(n->str), &v) == 0 && v == want);
}

/* A RequestID as its three values: "90-b3-..." matches "90-B3-...". */
static int
rid_is(const struct ynode *rec, const struct filter *f)
{
	const char *s = rec_str(rec_part(rec, RK_REQUEST), RK_REQUEST_ID);
	uint64_t bo, bt, n;

	return f->request_id == NULL || (s && duis_parse_request_id(s, &bo,
	    &bt, &n) == 0 && bo == f->rid[0] && bt == f->rid[1] &&
	    n == f->rid[2]);
}

/* Does text (len bytes) hold needle? */
static int
has(const char *text, size_t len, const char *needle)
{
	return memmem(text, len, needle, strlen(needle)) != NULL;
}

/* Before an entry is parsed: what a match must hold in its text, as the
 * tools write it (EUI-64s in upper case, a verdict in lower case, a code
 * in upper case); a necessary condition only, the filters decide after
 * the parse. */
/* Whether text holds "key: value", the value in the case fold gives it
 * (as the tools write it). */
static int
has_kv(const char *text, size_t len, const char *key, const char *value,
    int (*fold)(int))
{
	char kv[64];
	size_t i, k = strlen(key) + 2;

	snprintf(kv, sizeof(kv), "%s: %s", key, value);
	for (i = k; i < sizeof(kv) && kv[i]; i++)
		kv[i] = (char)fold((unsigned char)kv[i]);
	return has(text, len, kv);
}

static int
may_match(void *arg, const char *text, size_t len)
{
	const struct filter *f = arg;
	char id[SOLR_EUI_STRLEN];

	if (f->actor) {
		solr_eui_format(f->actor_eui, id);
		if (!has(text, len, id))
			return 0;
	}
	if (f->originator) {
		solr_eui_format(f->orig_eui, id);
		if (!has(text, len, id))
			return 0;
	}
	if (f->request_id) {
		solr_eui_format(f->rid[1], id);
		if (!has(text, len, id))
			return 0;
	}
	return (f->verdict == NULL || has_kv(text, len, "verdict", f->verdict,
	    tolower)) && (f->code == NULL || has_kv(text, len, "code", f->code,
	    toupper));
}

/* The filters read as the stages read their inputs: a value that could
 * match nothing is a usage error, not an empty answer. */
static void
filter_check(struct filter *f)
{
	static const char *const verdicts[] = { "pass", "accept", "reject",
	    "quarantine", NULL };
	enum duis_code c;
	size_t i;

	if (f->json + f->tsv + f->commands > 1)
		cli_usage("log: --json, --tsv and --commands exclude each other");
	if (f->actor && solr_eui_parse(f->actor, strlen(f->actor),
	    &f->actor_eui) != 0)
		cli_usage("--actor: '%s' is not an EUI-64 like "
		    "90-B3-D5-1F-30-01-00-00", f->actor);
	if (f->originator && solr_eui_parse(f->originator,
	    strlen(f->originator), &f->orig_eui) != 0)
		cli_usage("--originator: '%s' is not an EUI-64 like "
		    "90-B3-D5-1F-30-01-00-00", f->originator);
	if (f->request_id && duis_parse_request_id(f->request_id, &f->rid[0],
	    &f->rid[1], &f->rid[2]) != 0)
		cli_usage("--request-id: '%s' is not a RequestID (originator, "
		    "target and counter, joined by ':')", f->request_id);
	for (i = 0; f->verdict && verdicts[i]; i++)
		if (strcmp(f->verdict, verdicts[i]) == 0)
			break;
	if (f->verdict && verdicts[i] == NULL)
		cli_usage("--verdict: '%s' is none of pass, accept, reject and "
		    "quarantine", f->verdict);
	if (f->code) {
		for (c = DUIS_NONE + 1; c < DUIS_NCODES; c++)
			if (strcasecmp(f->code, duis_code_name(c)) == 0)
				break;
		if (c == DUIS_NCODES)
			cli_usage("--code: '%s' is no DUIS response code or DCC "
			    "alert the tools give (E2, E65, AD1, ...)", f->code);
		f->code = duis_code_name(c);
	}
}

/* --commands: the Command an entry's record names, from the bundle's own
 * objects (checked against its name), as one line of hex. */
static int
command_line(struct filter *f, const struct ynode *rec)
{
	const char *name = rec_str(rec_part(rec, RK_OUTPUT), RK_COMMAND);
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };
	char *hex;
	int r = 0;

	if (name == NULL || !solr_is_sha256_hex(name))
		return 0;
	if (objstore_get(&f->bundle, name, 1 << 20, &b, &e) != 0) {
		cli_error(&e);
		return -1;
	}
	if ((hex = malloc(b.len * 2 + 1)) == NULL)
		cli_nomem();
	solr_hex(b.p, b.len, hex);
	for (char *p = hex; *p; p++)
		if (*p >= 'a')
			*p -= 'a' - 'A';
	if (printf("%s\n", hex) < 0) {
		f->werr = errno ? errno : EIO;
		r = -1;
	}
	free(hex);
	solr_buf_free(&b);
	return r;
}

/* A field for a TSV line: a tab or a newline in it would end it. */
static void
tsv_field(struct solr_buf *b, const struct ynode *m, const char *path,
    int last)
{
	const struct ynode *n = yn_path(m, path);
	const char *p = n && yn_is_scalar(n) && !yn_is_null(n) ? n->str : "";

	for (; *p; p++)
		(void)solr_buf_addc(b, *p == '\t' || *p == '\n' ? ' ' : *p);
	(void)solr_buf_addc(b, last ? '\n' : '\t');
}

static const char *const tsv_cols[] = { "seq", "received_at",
    "request.request_id", "actor", "request.originator", "request.srv",
    "verdict", "code", "reason", NULL };

/* --tsv: one line a record (the actor is the entry's, the rest the
 * record's), under a header written before the first. */
static int
tsv_line(struct filter *f, const struct ynode *entry,
    const struct ynode *rec)
{
	struct solr_buf b = { 0 };
	size_t i;
	int r = 0;

	if (f->matched == 1) {
		for (i = 0; tsv_cols[i] != NULL; i++) {
			const char *c = strrchr(tsv_cols[i], '.');

			(void)solr_buf_add(&b, c ? c + 1 : tsv_cols[i],
			    strlen(c ? c + 1 : tsv_cols[i]));
			(void)solr_buf_addc(&b, tsv_cols[i + 1] ? '\t' : '\n');
		}
	}
	for (i = 0; tsv_cols[i] != NULL; i++)
		tsv_field(&b, strcmp(tsv_cols[i], "actor") == 0 ? entry : rec,
		    tsv_cols[i], tsv_cols[i + 1] == NULL);
	if (b.p == NULL)
		cli_nomem();
	if (fwrite(b.p, 1, b.len, stdout) != b.len) {
		f->werr = errno ? errno : EIO;
		r = -1;
	}
	solr_buf_free(&b);
	return r;
}

static int
one_entry(void *arg, struct ynode *entry)
{
	struct filter *f = arg;
	struct ynode *rec = sat_entry_record(entry);
	struct solr_buf b = { 0 };
	int64_t t;

	if (rec == NULL || !eui_is(entry, "actor", f->actor, f->actor_eui) ||
	    !eui_is(rec, "request.originator", f->originator, f->orig_eui) ||
	    !rid_is(rec, f) || !str_is(rec, "verdict", f->verdict) ||
	    !str_is(rec, "code", f->code))
		return 0;
	if ((f->have_since || f->have_until) && (rec_time(rec, &t) != 0 ||
	    (f->have_since && t < f->since) || (f->have_until && t >= f->until)))
		return 0;
	f->matched++;
	if (f->commands)
		return command_line(f, rec);
	if (f->tsv)
		return tsv_line(f, entry, rec);
	if (f->json) {
		yn_json(rec, &b);
		solr_buf_addc(&b, '\n');
		if (fwrite(b.p, 1, b.len, stdout) != b.len) {
			solr_buf_free(&b);
			f->werr = errno ? errno : EIO;
			return -1;
		}
		solr_buf_free(&b);
		return 0;
	}
	if (rec_write(f->out, rec) == 0)
		return 0;
	f->werr = rec_writer_errno(f->out) ? rec_writer_errno(f->out) : EIO;
	return -1;
}

static int
cmd_log(const char *dir, struct filter *f)
{
	struct sat_query q = { 0 };
	struct sat_check c;
	struct solr_err e = { 0 };
	struct trust tr;
	char objs[PATH_MAX], own[PATH_MAX];
	int r;

	/* an auditor reads only a trail that holds; without -C or --cert,
	 * against its own certificate (solr-sat verify is the check) */
	snprintf(own, sizeof(own), "%s/head.pem", dir);
	if ((r = trust_of(&tr, f->cert ? f->cert : f->world ? NULL : own,
	    f->world, dir)) != 0)
		return r;
	/* the chain, its MACs and the head; the objects are verify's (the
	 * records printed come from the entries, and --commands reads each
	 * Command from the bundle by its name, checked as it is read) */
	tr.t.query = 1;
	q.may = may_match;
	q.arg = f;
	tr.t.q = &q;
	r = sat_check(dir, &tr.t, &c, &e);
	trust_free(&tr);
	if (r != 0) {
		free(q.offs);
		free(q.hashes);
		cli_error(&e);
		return e.code == SOLR_ERR_VERIFY ? SOLR_EXIT_REJECT : SOLR_EXIT_TROUBLE;
	}
	if ((f->out = rec_writer_new(stdout)) == NULL)
		cli_nomem();
	snprintf(objs, sizeof(objs), "%s/objects", dir);
	objstore_open_read(&f->bundle, objs);
	/* the candidates the check found, each read where it begins */
	r = sat_each_at(dir, &q, one_entry, f, &e);
	free(q.offs);
	free(q.hashes);
	objstore_close(&f->bundle, &e);
	if (r != 0 && f->werr)
		cli_warn("(stdout)", 0, "write error: %s", strerror(f->werr));
	else if (r != 0)
		cli_error(&e);
	if (r == 0 && rec_writer_finish(f->out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		r = SOLR_ERR_IO;
	}
	rec_writer_free(f->out);
	/* a question with no answer says so: the trail held, nothing matched */
	if (r == 0 && f->matched == 0)
		cli_warn(NULL, 0, "0 records: no entry of the trail matches");
	return r ? SOLR_EXIT_TROUBLE : SOLR_EXIT_PASS;
}

/* s in single quotes for sh. */
/* The directory this program was run from, where the stages are too
 * (an installed solr-sat finds them on PATH as well). */
static void
tool_dir(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	char *slash;

	if (n <= 0) {
		out[0] = '\0';
		return;
	}
	out[n] = '\0';
	if ((slash = strrchr(out, '/')) != NULL)
		slash[1] = '\0';
}

/* In a child: one stage of the replay, reading in and writing out, with
 * the bundle's objects beside a scratch store; its tool from tools (the
 * directory of this program), else from PATH. */
static void
run_stage(const char *tools, const char *const *argv, int in, int out,
    const char *objs, const char *scratch)
{
	char path[PATH_MAX];

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    setenv("SOLR_OBJECTS", scratch, 1) != 0 ||
	    setenv("SOLR_OBJECTS_ALSO", objs, 1) != 0)
		_exit(2);
	if (tools[0] != '\0') {
		snprintf(path, sizeof(path), "%s%s", tools, argv[0]);
		execv(path, (char *const *)argv);
	}
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "solr-sat: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Each change of the world, once, as it is met in the trail. */
static int
world_entry(void *arg, struct ynode *entry)
{
	struct replay_world *rw = arg;
	int before = rw->n, i;

	if (replay_world_entry(rw, entry) == 0)
		return 0;
	for (i = before; i < rw->n; i++) {
		const struct replay_change *c = &rw->c[i];

		if (json) {
			struct ynode *o = cli_json_obj();

			cli_json_put(o, yn_set_str(o, "world", c->file) != 0 ||
			    yn_set_str(o, "key", c->key[0] ? c->key : NULL) !=
			    0 || yn_set_str(o, "recorded", c->was) != 0 ||
			    yn_set_str(o, "now", c->now) != 0 ||
			    (c->more[0] && yn_set_str(o, "more", c->more)));
		} else if (c->key[0])
			printf("world %s: %s: %s recorded, %s now%s%s\n",
			    c->file, c->key, c->was, c->now, c->more[0] ?
			    "; " : "", c->more);
		else
			printf("world %s: %s recorded, %s now (the recorded "
			    "copy is not in the trail)\n", c->file, c->was,
			    c->now);
	}
	return 0;
}

/* One replayed record that differs, with the change that made it. */
static void
one_difference(const struct replay_world *rw, struct ynode *rec,
    const char *stages)
{
	const struct ynode *was = rec_part(rec, RK_RECORDED);
	const char *rid = rec_str(rec_part(rec, RK_REQUEST), RK_REQUEST_ID);
	const char *stage, *v0 = rec_str(was, RK_VERDICT),
	    *c0 = rec_str(was, RK_CODE), *v1 = rec_verdict(rec),
	    *c1 = rec_str(rec, RK_CODE), *why = rec_str(rec, RK_REASON);
	const struct replay_change *c = replay_because(rw, rec, &stage);
	char because[1024];

	if (c != NULL && c->key[0])
		snprintf(because, sizeof(because), "%s: %s: %s recorded, %s "
		    "now%s%s", c->file, c->key, c->was, c->now, c->more[0] ?
		    "; " : "", c->more);
	else if (c != NULL)
		snprintf(because, sizeof(because), "%s changed", c->file);
	else
		snprintf(because, sizeof(because), "no recorded input of %s "
		    "changed (its certificates, schemas or tools did)",
		    stage ? stage : "the stages");
	if (json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_int(o, "seq", rec_seq(rec)) != 0 ||
		    yn_set_str(o, "request_id", rid) != 0 ||
		    yn_set_str(o, "recorded_verdict", v0) != 0 ||
		    yn_set_str(o, "recorded_code", c0) != 0 ||
		    yn_set_str(o, "verdict", v1) != 0 ||
		    yn_set_str(o, "code", c1) != 0 ||
		    yn_set_str(o, "reason", why) != 0 ||
		    yn_set_str(o, "differs_at", stages + 1) != 0 ||
		    yn_set_str(o, "because_file", c ? c->file : NULL) != 0 ||
		    yn_set_str(o, "because_key", c && c->key[0] ? c->key :
		    NULL) != 0 || yn_set_str(o, "because", because) != 0);
		return;
	}
	printf("seq %lld %s: recorded %s %s, now %s %s (differs at:%s)\n"
	    "  because: %s\n  reason now: %s\n", (long long)rec_seq(rec),
	    rid ? rid : "(no RequestID)", v0 ? v0 : "?", c0 ? c0 : "-",
	    v1 ? v1 : "?", c1 ? c1 : "-", stages, because, why ? why :
	    "(none)");
}

/* The differences of the replayed records: request, recorded and new
 * verdict and code, the stages that differ, what changed, and the new
 * reason. */
static int
report(const struct replay_world *rw, FILE *in, unsigned long *n,
    unsigned long *differ)
{
	struct rec_reader *rd = rec_reader_new(in, "(replay)");
	struct ynode *rec, *st;
	struct solr_err e = { 0 };
	char stages[256];
	size_t i;
	int line, r;

	if (rd == NULL)
		cli_nomem();
	while ((r = rec_read(rd, &rec, &line, &e)) != REC_EOF) {
		if (r != REC_OK && r != REC_UNSEALED) {
			cli_error(&e);
			continue;
		}
		(*n)++;
		stages[0] = '\0';
		st = rec_part(rec, RK_STAGES);
		for (i = 0; st && st->kind == YN_MAP && i + 1 < st->n; i += 2)
			if (str_is(st->items[i + 1], "replay", "differs") &&
			    strlen(stages) + strlen(st->items[i]->str) + 2 <
			    sizeof(stages)) {
				strcat(stages, " ");
				strcat(stages, st->items[i]->str);
			}
		if (stages[0] != '\0') {
			(*differ)++;
			one_difference(rw, rec, stages);
		}
		yn_free(rec);
	}
	rec_reader_free(rd);
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* The replay's stages, each run by its argument vector (never through a
 * shell): the trail's records (solr-countersign --sat-records), then
 * every stage with --replay; the last one's output into out.  The worst
 * exit status of them, 2 for one that did not exit, or -1. */
static int
replay_pipeline(const char *tools, const char *world, const char *dir,
    const char *objs, const char *scratch, const char *out, int progress)
{
	const char *argv[6][7] = {
		{ "solr-countersign", "-C", world, "--sat-records", dir, NULL },
		{ "solr-verify-sig", "-C", world, "--replay", NULL },
		{ "solr-failed-suppliers", "-C", world, "--replay", "check",
		    NULL },
		{ "solr-gbcs-parse", "-C", world, "--replay", NULL },
		{ "solr-adt-check", "-C", world, "--replay", NULL },
		{ "solr-countersign", "-C", world, "--replay",
		    progress ? "--progress" : NULL, NULL },
	};
	pid_t pid[6];
	int in, fd, p[2] = { -1, -1 }, i, started, st, worst = 0;

	if ((in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 ||
	    (fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) <
	    0) {
		cli_warn(out, 0, "%s", strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	for (started = 0; started < 6; started++) {
		i = started;
		if (i < 5 && pipe2(p, O_CLOEXEC) != 0)
			break;
		if ((pid[i] = fork()) < 0) {
			if (i < 5) {
				close(p[0]);
				close(p[1]);
			}
			break;
		}
		if (pid[i] == 0)
			run_stage(tools, argv[i], in, i < 5 ? p[1] : fd, objs,
			    scratch);
		close(in);
		if (i < 5) {
			close(p[1]);
			in = p[0];
		}
	}
	if (started < 6) {
		cli_warn(dir, 0, "the replay's stages: %s", strerror(errno));
		close(in);
		worst = -1;
	}
	close(fd);
	for (i = 0; i < started; i++) {
		pid_t w;

		while ((w = waitpid(pid[i], &st, 0)) < 0 && errno == EINTR)
			;
		st = w == pid[i] && WIFEXITED(st) ? WEXITSTATUS(st) : 2;
		if (worst >= 0 && st > worst)
			worst = st;
	}
	return worst;
}

static void
replay_summary(const struct replay_world *rw, unsigned long n,
    unsigned long differ)
{
	if (json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_int(o, "replayed", (int64_t)n) != 0 ||
		    yn_set_int(o, "differ", (int64_t)differ) != 0 ||
		    yn_set_int(o, "world_changes", rw->n + rw->more) != 0);
		return;
	}
	printf("%lu records replayed, %lu differ; %d world %s changed\n", n,
	    differ, rw->n + rw->more, rw->n + rw->more == 1 ? "input" :
	    "inputs");
}

/* The directory the replay writes into: -o, or a temporary one. */
static int
replay_dir(const char *outdir, char *tmp, size_t cap)
{
	struct solr_err e = { 0 };

	if (outdir != NULL) {
		if (solr_mkdirs(outdir, &e) != 0) {
			cli_error(&e);
			return -1;
		}
		snprintf(tmp, cap, "%s", outdir);
		return 0;
	}
	snprintf(tmp, cap, "%s/solr-sat-replay.XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmp) == NULL) {
		cli_warn(tmp, 0, "%s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Replay: the world's changes as the trail meets them, each decision
 * that comes out differently with the change that made it, and exit 1
 * exactly when a decision differs. */
/* The trail checked with the world's DCC certificate and trail key,
 * and the world as the replay reads it, with its device inventory now
 * (to hold each entry's to it).  0, or SOLR_EXIT_TROUBLE, said. */
static int
replay_open(const char *dir, const char *world, struct replay_world *rw)
{
	struct sat_check c;
	struct sat_trust t;
	struct solr_world w;
	struct solr_err e = { 0 }, ie = { 0 };
	char cert[PATH_MAX], heads[PATH_MAX], hex[65];
	unsigned char head[32] = { 0 };
	uint64_t ninv = 0;
	int inv, rc;

	if (world_load(&w, world, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	cli_sat_trust(&t, &w, cert, heads);
	t.heads = NULL;
	rc = sat_check(dir, &t, &c, &e);
	inv = inv_head(&w, &ninv, head, &ie);
	solr_hex(head, 32, hex);
	world_free(&w);
	if (rc != 0 || replay_world_open(rw, world, dir, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	if (inv == 0 || inv == SOLR_ERR_NOTFOUND)
		replay_world_inventory(rw, ninv, inv == 0 ? hex : NULL);
	return 0;
}

static int
cmd_replay(const char *dir, const char *world, const char *outdir,
    int progress)
{
	struct replay_world rw;
	struct solr_err e = { 0 };
	char tools[PATH_MAX], objs[PATH_MAX], out[PATH_MAX], tmp[PATH_MAX],
	    scratch[PATH_MAX];
	unsigned long n = 0, differ = 0;
	FILE *f;
	int rc;

	if ((rc = replay_open(dir, world, &rw)) != 0)
		return rc;	/* nothing to replay from */
	sat_each(dir, world_entry, &rw, &e);
	/* the recorded requests, from the bundle's objects, through every
	 * stage; nothing is written to the world, and what the stages
	 * store goes aside, never into the bundle */
	tool_dir(tools, sizeof(tools));
	snprintf(objs, sizeof(objs), "%s/objects", dir);
	if (replay_dir(outdir, tmp, sizeof(tmp)) != 0) {
		replay_world_close(&rw);
		return SOLR_EXIT_TROUBLE;
	}
	snprintf(out, sizeof(out), "%s/replayed.yaml", tmp);
	snprintf(scratch, sizeof(scratch), "%s/objects", tmp);
	rc = replay_pipeline(tools, world, dir, objs, scratch, out, progress);
	if (rc < 0 || rc > 1) {
		cli_warn(dir, 0, "a stage of the replay failed");
		rc = SOLR_EXIT_TROUBLE;
	} else if ((f = fopen(out, "r")) == NULL) {
		cli_warn(out, 0, "%s", strerror(errno));
		rc = SOLR_EXIT_TROUBLE;
	} else {
		report(&rw, f, &n, &differ);
		fclose(f);
		rc = SOLR_EXIT_PASS;
	}
	if (outdir == NULL)
		(void)nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (rc == SOLR_EXIT_PASS)
		replay_summary(&rw, n, differ);
	replay_world_close(&rw);
	if (rc != SOLR_EXIT_PASS)
		return rc;
	/* exit 0 means something was replayed */
	if (n == 0) {
		cli_warn(dir, 0, "nothing was replayed: the trail holds no "
		    "recorded request");
		return SOLR_EXIT_REJECT;
	}
	/* a change of the world that changes no decision is said, and is
	 * not a difference */
	return differ ? SOLR_EXIT_REJECT : SOLR_EXIT_PASS;
}

/* The objects some trail names: sorted SHA-256s. */
struct named {
	unsigned char (*sha)[32];
	size_t n, cap;
	int nomem;
};

static int
collect(void *arg, struct ynode *entry)
{
	struct named *k = arg;
	const struct ynode *ol = sat_entry_objects(entry);
	size_t i, len;
	void *p;

	for (i = 0; ol && ol->kind == YN_SEQ && i < ol->n; i++) {
		if (ol->items[i]->str == NULL ||
		    !solr_is_sha256_hex(ol->items[i]->str))
			continue;
		if (k->n == k->cap) {
			k->cap = k->cap ? k->cap * 2 : 1024;
			if ((p = realloc(k->sha, k->cap * 32)) == NULL) {
				k->nomem = 1;
				return 1;
			}
			k->sha = p;
		}
		solr_unhex(ol->items[i]->str, 64, k->sha[k->n++], 32, &len);
	}
	return 0;
}

static int
by_sha(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

static int
named(void *arg, const char *name)
{
	const struct named *k = arg;
	unsigned char sha[32];
	size_t len;

	return solr_unhex(name, 64, sha, 32, &len) == 0 && bsearch(sha,
	    k->sha, k->n, 32, by_sha) != NULL;
}

/* The world's object store keeps what the trails name; every trail must
 * verify first. */
static int
cmd_gc(const char *world, int argc, char *argv[])
{
	struct named k = { 0 };
	struct sat_check c;
	struct sat_trust t;
	char cert[PATH_MAX], heads[PATH_MAX];
	struct solr_world w;
	struct solr_objstore os;
	struct solr_err e = { 0 };
	size_t kept = 0, dropped = 0;
	int i, r;

	if (world_load(&w, solr_world_dir(world), &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	cli_sat_trust(&t, &w, cert, heads);
	for (i = 0; i < argc; i++)
		if (sat_check(argv[i], &t, &c, &e) != 0 ||
		    sat_each(argv[i], collect, &k, &e) != 0 || k.nomem) {
			if (k.nomem)
				cli_nomem();
			cli_error(&e);
			world_free(&w);
			free(k.sha);
			return SOLR_EXIT_TROUBLE;
		}
	if (k.n == 0) {
		/* trails that name nothing would empty the store: that is
		 * not a collection after a failure */
		cli_warn(argv[0], 0, "the trails named hold no object (%s): "
		    "nothing would be kept, and nothing is removed", argc == 1 ?
		    "an empty trail" : "all empty");
		world_free(&w);
		free(k.sha);
		return SOLR_EXIT_REJECT;
	}
	qsort(k.sha, k.n, 32, by_sha);
	r = objstore_open(&os, w.objects, &e) != 0 || objstore_gc(&os, named,
	    &k, &kept, &dropped, &e) != 0;
	if (r)
		cli_error(&e);
	else if (json) {
		struct ynode *o = cli_json_obj();

		cli_json_put(o, yn_set_str(o, "objects", w.objects) != 0 ||
		    yn_set_int(o, "kept", (int64_t)kept) != 0 ||
		    yn_set_int(o, "removed", (int64_t)dropped) != 0);
	} else
		printf("%s: kept %zu objects, removed %zu\n", w.objects, kept,
		    dropped);
	if (objstore_close(&os, &e) != 0 && !r) {
		cli_error(&e);
		r = 1;
	}
	world_free(&w);
	free(k.sha);
	return r ? SOLR_EXIT_TROUBLE : SOLR_EXIT_PASS;
}

struct opts {
	struct filter f;
	const char *expect, *cert, *world, *outdir;
	const char *world_files;	/* replay --world-files */
	int progress;
	unsigned given;		/* O_* */
};

/* The options a command may be given (--json, -h and --version: all). */
enum {
	O_EXPECT = 1 << 0, O_CERT = 1 << 1, O_WORLD = 1 << 2, O_OUT = 1 << 3,
	O_WFILES = 1 << 4, O_FILTER = 1 << 5, O_TSV = 1 << 6,
	O_COMMANDS = 1 << 7, O_PROGRESS = 1 << 8,
};
static const struct {
	const char *name;
	unsigned takes;
} commands[] = {
	{ "verify", O_EXPECT | O_CERT | O_WORLD | O_PROGRESS },
	{ "log", O_CERT | O_WORLD | O_FILTER | O_TSV | O_COMMANDS |
	    O_PROGRESS },
	{ "replay", O_OUT | O_WFILES | O_PROGRESS },
	{ "gc", O_WORLD | O_PROGRESS },
	{ "retire", O_WORLD },
	{ "state", O_WORLD | O_EXPECT },
};

/* A command given an option it would not use is a usage error, not an
 * option quietly ignored. */
static void
options_taken(const char *sub, unsigned given)
{
	static const char *const names[] = { "--expect-head", "--cert", "-C",
	    "-o", "--world-files",
	    ("--actor, --originator, --request-id, "
	    "--verdict, --code, --since and --until"), "--tsv", "--commands",
	    "--progress" };
	size_t i, b;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, sub) == 0)
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		return;		/* an unknown command: said after */
	for (b = 0; b < sizeof(names) / sizeof(names[0]); b++)
		if ((given & ~commands[i].takes) & 1u << b)
			cli_usage("%s does not take %s", sub, names[b]);
}

/* The options of every command; the command says which it takes. */
static int
parse_opts(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		{ "expect-head", required_argument, NULL, 'E' },
		{ "cert", required_argument, NULL, 'c' },
		{ "actor", required_argument, NULL, 'A' },
		{ "originator", required_argument, NULL, 'O' },
		{ "request-id", required_argument, NULL, 'I' },
		{ "verdict", required_argument, NULL, 'v' },
		{ "code", required_argument, NULL, 'k' },
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "commands", no_argument, NULL, 'm' },
		{ "tsv", no_argument, NULL, 't' },
		{ "progress", no_argument, NULL, 'p' },
		{ "world-files", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "C:ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'E': o->expect = optarg; o->given |= O_EXPECT; break;
		case 'c': o->cert = optarg; o->given |= O_CERT; break;
		case 'C': o->world = optarg; o->given |= O_WORLD; break;
		case 'o': o->outdir = optarg; o->given |= O_OUT; break;
		case 'W': o->world_files = optarg; o->given |= O_WFILES; break;
		case 'A': o->f.actor = optarg; o->given |= O_FILTER; break;
		case 'O': o->f.originator = optarg; o->given |= O_FILTER; break;
		case 'I': o->f.request_id = optarg; o->given |= O_FILTER; break;
		case 'v': o->f.verdict = optarg; o->given |= O_FILTER; break;
		case 'k': o->f.code = optarg; o->given |= O_FILTER; break;
		case 's': o->f.since = cli_time("--since", optarg);
			o->f.have_since = 1;
			o->given |= O_FILTER;
			break;
		case 'u': o->f.until = cli_time("--until", optarg);
			o->f.have_until = 1;
			o->given |= O_FILTER;
			break;
		case 'j': o->f.json = json = 1; break;
		case 'm': o->f.commands = 1; o->given |= O_COMMANDS; break;
		case 't': o->f.tsv = 1; o->given |= O_TSV; break;
		case 'p': o->progress = 1; o->given |= O_PROGRESS; break;
		case 'V': cli_version(); break;
		case 'h': cli_help(); break;
		default: cli_usage(NULL);
		}
	}
	if (o->expect != NULL && !solr_is_sha256_hex(o->expect))
		cli_usage("--expect-head: '%.80s' is not a head (64 hex digits, "
		    "as verify prints it)", o->expect);
	return optind;
}

/* replay --world-files dir: the what-if copies of the world's
 * configuration the replay's stages read instead of the world's own
 * (base/layout.h); without it, none, whatever the environment says. */
static void
world_files(const char *dir)
{
	static const char *const known[] = { "policy.yaml", "registry.yaml",
	    "failed-suppliers.yaml", "instructions.yaml", "adt", NULL };
	static char abs[PATH_MAX];
	char p[PATH_MAX];
	size_t i, n = 0;

	unsetenv("SOLR_REPLAY_WORLD_FILES");
	if (dir == NULL)
		return;
	if (realpath(dir, abs) == NULL)
		cli_usage("--world-files: %s: %s", dir, strerror(errno));
	for (i = 0; known[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", abs, known[i]);
		n += access(p, F_OK) == 0;
	}
	if (n == 0)
		cli_usage("--world-files: %s holds none of policy.yaml, "
		    "registry.yaml, failed-suppliers.yaml, instructions.yaml "
		    "or adt/", dir);
	if (setenv("SOLR_REPLAY_WORLD_FILES", abs, 1) != 0)
		cli_nomem();
	world_overlay_set(abs);
}

/* The world's record of the trail at dir retired, itself recorded: a new
 * trail may be written there (the old one's head stays kept). */
static int
cmd_retire(const char *world, const char *dir)
{
	struct solr_world w;
	struct solr_err e = { 0 };
	char heads[PATH_MAX], id[33];

	if (world == NULL)
		cli_usage("retire: which world? give -C world");
	if (world_load(&w, world, &e) != 0) {
		cli_error(&e);
		return SOLR_EXIT_TROUBLE;
	}
	world_path(heads, sizeof(heads), w.dir, WF_SAT_HEADS);
	if (sat_place_retire(heads, w.trail_key, dir, (int64_t)time(NULL), id,
	    &e) != 0) {
		cli_error(&e);
		world_free(&w);
		return e.code == SOLR_ERR_NOTFOUND ? SOLR_EXIT_REJECT :
		    SOLR_EXIT_TROUBLE;
	}
	printf("retired trail %s at %s (state/sat-heads/%s.retired)\n", id,
	    dir, id);
	world_free(&w);
	return SOLR_EXIT_PASS;
}

int
main(int argc, char *argv[])
{
	struct opts o = { 0 };
	const char *sub;
	int status, k;

	cli_prog = "solr-sat";
	cli_help_text = help;
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		cli_help();
	if (argc >= 2 && strcmp(argv[1], "--version") == 0)
		cli_version();
	if (argc < 2)
		cli_usage("which command? (verify, log, replay, gc, retire or "
		    "state)");
	sub = argv[1];
	k = parse_opts(argc - 1, argv + 1, &o);
	options_taken(sub, o.given);
	if (o.progress)
		cli_progress_task();
	argc -= k + 1;
	argv += k + 1;
	if (strcmp(sub, "verify") == 0 && argc == 1)
		status = cmd_verify(argv[0], o.expect, o.cert, o.world);
	else if (strcmp(sub, "log") == 0 && argc == 1) {
		filter_check(&o.f);
		o.f.cert = o.cert;
		o.f.world = o.world;
		status = cmd_log(argv[0], &o.f);
	} else if (strcmp(sub, "replay") == 0 && argc == 2) {
		world_files(o.world_files);
		status = cmd_replay(argv[0], argv[1], o.outdir, o.progress);
	}
	else if (strcmp(sub, "gc") == 0 && argc >= 1)
		status = cmd_gc(o.world, argc, argv);
	else if (strcmp(sub, "retire") == 0 && argc == 1)
		status = cmd_retire(o.world, argv[0]);
	else if (strcmp(sub, "state") == 0 && argc == 0)
		status = cmd_state(o.world, o.expect);
	else if (strcmp(sub, "verify") && strcmp(sub, "log") &&
	    strcmp(sub, "replay") && strcmp(sub, "gc") &&
	    strcmp(sub, "retire") && strcmp(sub, "state"))
		cli_usage("unknown command '%s' (verify, log, replay, gc, "
		    "retire or state)", sub);
	else
		cli_usage("%s: wrong number of operands", sub);
	return cli_close_stdout(status);
}
