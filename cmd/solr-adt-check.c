/*
 * solr-adt-check: whether a SolrContingency request is allowed.  In this
 * order: its SRV and CommandVariant for the sender's role (E2); its values
 * against the safe prepayment profile (E020101, or E2 before that code's
 * schema version); then the Authority gate and the volume thresholds
 * (quarantine AD1).  submit accepts an SRP's ADT file; counters shows
 * the shared counts.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/adt.h"
#include "../common/prepay.h"
#include "../common/record.h"
#include "../common/safe.h"
#include "../common/util.h"
#include "../common/world.h"
#include "cli.h"

#define STAGE "adt-check"
#define DEFAULT_WINDOW 3600
#define SUBMISSIONS "state/adt-submissions.log"

static struct solr_world world;
static int64_t at;
static int have_at;
static int status;
static int replay;	/* counts come from the record, not the state */

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-h] [-C dir] [--at time] [--replay]\n"
	    "       %s [-C dir] [--at time] submit file\n"
	    "       %s [-C dir] counters\n", cli_prog, cli_prog, cli_prog);
	exit(EXIT_TROUBLE);
}

static int64_t
now(void)
{
	return have_at ? at : (int64_t)time(NULL);
}

static int
log_submission(const char *file, const char *sha, const char *result,
    const char *reason, struct solr_err *e)
{
	char path[PATH_MAX], ts[SOLR_TIME_STRLEN], *q;
	struct solr_buf b = { 0 };
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/state", world.dir);
	if (solr_mkdirs(path, e) != 0)
		return SOLR_ERR_IO;
	snprintf(path, sizeof(path), "%s/%s", world.dir, SUBMISSIONS);
	solr_time_format(now(), ts);
	solr_buf_add(&b, "---\nat: ", 8);
	solr_buf_add(&b, ts, strlen(ts));
	solr_buf_add(&b, "\nfile: '", 8);
	for (q = (char *)file; *q; q++) {
		if (*q == '\'')
			solr_buf_addc(&b, '\'');
		solr_buf_addc(&b, *q);
	}
	solr_buf_add(&b, "'\nsha256: ", 10);
	solr_buf_add(&b, sha, strlen(sha));
	solr_buf_add(&b, "\nresult: ", 9);
	solr_buf_add(&b, result, strlen(result));
	solr_buf_add(&b, "\nreason: '", 10);
	for (q = (char *)reason; *q; q++) {
		if (*q == '\'')
			solr_buf_addc(&b, '\'');
		solr_buf_addc(&b, *q == '\n' ? ' ' : *q);
	}
	solr_buf_add(&b, "'\n", 2);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0 ||
	    write(fd, b.p, b.len) != (ssize_t)b.len || fsync(fd) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	if (fd >= 0)
		close(fd);
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
	char path[PATH_MAX], dir[PATH_MAX], eui[SOLR_EUI_STRLEN],
	    ts[SOLR_TIME_STRLEN], why[1024] = "";
	size_t i;
	int refused = 0;

	if (argc != 1)
		usage();
	if (solr_read_file(argv[0], 4 * 1024 * 1024, &b, &e) != 0 ||
	    adt_parse((const char *)b.p, b.len, argv[0], &a, &e) != 0 ||
	    instructions_load(world.dir, &is, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	solr_eui_format(a.srp, eui);
	solr_time_format(now(), ts);
	/* zero is always allowed; more needs a current instruction */
	for (i = 0; i < a.n && !refused; i++) {
		const struct adt_threshold *t = &a.t[i];

		if (t->warning == 0 && t->quarantine == 0)
			continue;
		if (instruction_find(&is, 0, a.srp, now()) == NULL) {
			refused = 1;
			snprintf(why, sizeof(why), "the threshold for SRV %s is "
			    "not zero (warning %lld, quarantine %lld), but no "
			    "Authority instruction in instructions.yaml covers "
			    "the SRP %s at %s", t->srv, (long long)t->warning,
			    (long long)t->quarantine, eui, ts);
		}
	}
	if (!refused) {
		snprintf(dir, sizeof(dir), "%s/adt", world.dir);
		adt_path(world.dir, a.srp, path, sizeof(path));
		if (solr_mkdirs(dir, &e) != 0 ||
		    solr_write_atomic(path, b.p, b.len, 1, &e) != 0) {
			cli_error(&e);
			return EXIT_TROUBLE;
		}
		snprintf(why, sizeof(why), "installed as adt/%s.yaml", eui);
	}
	if (log_submission(argv[0], a.sha256, refused ? "refused" : "accepted",
	    why, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	if (refused)
		cli_warn(argv[0], 0, "refused: %s", why);
	else
		printf("accepted %s (sha256 %s): %s\n", argv[0], a.sha256, why);
	adt_free(&a);
	instructions_free(&is);
	solr_buf_free(&b);
	return refused ? EXIT_REJECT : EXIT_PASS;
}

static void
print_counter(void *arg, uint64_t srp, const char *srv, int64_t window,
    int64_t start, uint64_t count)
{
	char eui[SOLR_EUI_STRLEN], ts[SOLR_TIME_STRLEN];

	(void)arg;
	solr_eui_format(srp, eui);
	solr_time_format(start, ts);
	printf("%s  %-6s  %s  %6llds  %llu\n", eui, srv, ts, (long long)window,
	    (unsigned long long)count);
}

static int
cmd_counters(int argc)
{
	struct adt_counters c;
	struct solr_err e = { 0 };

	if (argc != 0)
		usage();
	if (adt_counters_open(world.dir, &c, &e) != 0 ||
	    adt_counters_each(&c, print_counter, NULL, &e) != 0 ||
	    adt_counters_close(&c, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	return EXIT_PASS;
}

/* The pipeline stage. */

#define ADT_CACHE 64

struct stage {
	struct safe_policy safe;
	struct instructions is;
	struct adt_counters counters;
	/* the SRPs' ADT files, read once a run */
	struct {
		uint64_t srp;
		int status;	/* 0, or SOLR_ERR_NOTFOUND */
		struct adt_file adt;
	} cache[ADT_CACHE];
	int ncache;
};

static int
adt_of(struct stage *sg, uint64_t srp, const struct adt_file **out)
{
	struct solr_err e = { 0 };
	int i, r;

	for (i = 0; i < sg->ncache; i++)
		if (sg->cache[i].srp == srp) {
			*out = &sg->cache[i].adt;
			return sg->cache[i].status;
		}
	if (sg->ncache == ADT_CACHE) {
		/* many SRPs: keep the first ones, read the others each time */
		static struct adt_file tmp;

		adt_free(&tmp);
		r = adt_load(world.dir, srp, &tmp, &e);
		if (r != 0 && r != SOLR_ERR_NOTFOUND) {
			cli_error(&e);
			exit(EXIT_TROUBLE);
		}
		*out = &tmp;
		return r;
	}
	r = adt_load(world.dir, srp, &sg->cache[sg->ncache].adt, &e);
	if (r != 0 && r != SOLR_ERR_NOTFOUND) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
	sg->cache[sg->ncache].srp = srp;
	sg->cache[sg->ncache].status = r;
	*out = &sg->cache[sg->ncache++].adt;
	return r;
}

/* Is a >= b, both decimal version strings like "5.4"? */
static int
version_ge(const char *a, const char *b)
{
	while (*a || *b) {
		long x = strtol(a, (char **)&a, 10), y = strtol(b, (char **)&b,
		    10);

		if (x != y)
			return x > y;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
		if (!*a && !*b)
			break;
	}
	return 1;
}

static void
emit(struct rec_writer *out, struct ynode *rec)
{
	if (rec == NULL)
		cli_nomem();
	if (!rec_is_pass(rec) && status < EXIT_REJECT)
		status = EXIT_REJECT;
	if (rec_write(out, rec) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(rec);
}

static int
in_list(char **l, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(l[i], s) == 0)
			return 1;
	return 0;
}

static void
decide(struct stage *sg, struct ynode *rec)
{
	struct ynode *req = yn_get(rec, "request"), *st;
	const char *sid = yn_get_str(yn_get(rec, "sender"), "id"),
	    *bo = yn_get_str(req, "originator"), *srv = yn_get_str(req, "srv"),
	    *cvs = yn_get_str(req, "cv"), *sv = yn_get_str(req,
	    "schema_version");
	const struct solr_user *u;
	const struct solr_role_policy *rp = NULL;
	const struct instruction *in;
	const struct adt_threshold *th = NULL;
	const struct adt_file *adt;
	struct prepay pp;
	struct solr_err e = { 0 };
	uint64_t sender, orig, count;
	int64_t t, window, start;
	char why[1200], ts[SOLR_TIME_STRLEN];
	size_t i;
	int cv, r, have_adt;

	if (!rec_is_pass(rec))
		return;
	if (sid == NULL || bo == NULL || srv == NULL || cvs == NULL ||
	    solr_eui_parse(sid, strlen(sid), &sender) != 0 ||
	    solr_eui_parse(bo, strlen(bo), &orig) != 0) {
		rec_reject(rec, STAGE, NULL, "the record lacks the sender or "
		    "the request header: solr-verify-sig must run first");
		return;
	}
	if (have_at)
		t = at;
	else if (rec_time(rec, &t) != 0) {
		rec_reject(rec, STAGE, NULL, "the record's received_at is not "
		    "an RFC 3339 time");
		return;
	}
	u = world_user(&world, sender);
	for (i = 0; u && i < u->nroles && rp == NULL; i++)
		rp = world_role_policy(&world, u->roles[i]);
	if (rp == NULL) {
		if ((st = rec_stage_pass(rec, STAGE)) == NULL)
			cli_nomem();
		yn_set(st, "result", yn_new_plain("skipped"));
		return;
	}
	/* R3: the SRV and CommandVariant for the role */
	cv = atoi(cvs);
	{
		int cv_ok = 0;

		for (i = 0; i < rp->ncvs; i++)
			cv_ok |= rp->cvs[i] == cv;
		if (!in_list(rp->srvs, rp->nsrvs, srv) || !cv_ok) {
			snprintf(why, sizeof(why), "%s %s is not allowed for "
			    "the %s role (policy.yaml roles.%s.%s)",
			    !in_list(rp->srvs, rp->nsrvs, srv) ? "SRV" :
			    "CommandVariant", !in_list(rp->srvs, rp->nsrvs,
			    srv) ? srv : cvs, rp->name, rp->name,
			    !in_list(rp->srvs, rp->nsrvs, srv) ? "srvs" : "cvs");
			rec_reject(rec, STAGE, "E2", why);
			return;
		}
	}
	/* R5: the safe profile, for SR 2.1 */
	if (strcmp(srv, "2.1") == 0) {
		r = prepay_from_yaml(yn_get(rec, "prepay"), &pp, &e);
		if (r == 0)
			r = safe_check(&sg->safe, &pp, t, &e);
		if (r != 0) {
			int new_code = sv && world.policy.e020101_from &&
			    version_ge(sv, world.policy.e020101_from);

			rec_reject(rec, STAGE, new_code ? "E020101" : "E2",
			    e.msg);
			return;
		}
	}
	/* R4, R6A: the Authority gate and the thresholds */
	in = instruction_find(&sg->is, orig, sender, t);
	have_adt = adt_of(sg, sender, &adt);
	if (have_adt == 0)
		th = adt_find(adt, srv);
	window = th ? th->window : DEFAULT_WINDOW;
	start = (t >= 0 ? t / window : (t - window + 1) / window) * window;
	if (replay) {
		/* the count is history: the one recorded, else the first */
		const char *rc = yn_path(rec, "recorded.stages.adt-check.count") ?
		    yn_path(rec, "recorded.stages.adt-check.count")->str : NULL;

		count = rc ? strtoull(rc, NULL, 10) : 1;
	} else if (adt_count(&sg->counters, sender, srv, window, start, &count,
	    &e) != 0) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
	solr_time_format(start, ts);
	if (in == NULL) {
		char t2[SOLR_TIME_STRLEN];

		solr_time_format(t, t2);
		snprintf(why, sizeof(why), "no Authority instruction in "
		    "instructions.yaml covers the failed supplier %s and the "
		    "SRP %s at %s; the threshold is 0", bo, sid, t2);
		rec_quarantine(rec, STAGE, "AD1", why);
	} else if (th == NULL || th->quarantine == 0) {
		snprintf(why, sizeof(why), "the SRP %s has %s for SRV %s; the "
		    "threshold is 0", sid, have_adt == 0 ? "no threshold in "
		    "its ADT file" : "no accepted ADT file", srv);
		rec_quarantine(rec, STAGE, "AD1", why);
	} else if ((int64_t)count > th->quarantine) {
		snprintf(why, sizeof(why), "request %llu of the SRP %s for SRV "
		    "%s in the window from %s is above the quarantine threshold "
		    "%lld", (unsigned long long)count, sid, srv, ts,
		    (long long)th->quarantine);
		rec_quarantine(rec, STAGE, "AD1", why);
	} else if ((st = rec_stage_pass(rec, STAGE)) == NULL)
		cli_nomem();
	st = yn_get(yn_get(rec, "stages"), STAGE);
	if (in)
		yn_set_str(st, "instruction", in->ref);
	if (have_adt == 0)
		yn_set_str(st, "adt_sha256", adt->sha256);
	yn_set(st, "count", yn_new_int((int64_t)count));
	yn_set(st, "window_start", yn_new_plain(ts));
	if (rec_is_pass(rec) && th && (int64_t)count > th->warning) {
		snprintf(why, sizeof(why), "request %llu in the window is above "
		    "the warning threshold %lld", (unsigned long long)count,
		    (long long)th->warning);
		yn_set_str(st, "warning", why);
	}
}

/*
 * Group commit: the records decided since the last commit wait in memory
 * until the counts they carry are on disk; then they go out.  A batch
 * ends at BATCH records, or when no more input is waiting.  When the
 * counts cannot be synced, or nothing of the batch could be written, the
 * counts are taken back and the run ends with exit 2.
 */
#define BATCH 128

static void
commit(struct stage *sg, struct rec_writer *out, int n)
{
	struct solr_err e = { 0 };
	size_t sent = 0;
	int r = 0;

	if (!replay && (r = adt_counters_sync(&sg->counters, &e)) != 0)
		cli_error(&e);
	else if ((r = rec_writer_release(out, &sent, &e)) != 0)
		cli_warn("(stdout)", 0, "%s", e.msg);
	if (r == 0) {
		if (!replay)
			adt_counters_commit(&sg->counters);
		return;
	}
	if (replay)
		exit(EXIT_TROUBLE);
	if (sent > 0)
		cli_warn(NULL, 0, "part of a batch of %d records was written "
		    "before the error; its counts stay", n);
	else if (adt_counters_undo(&sg->counters) != 0)
		cli_warn(NULL, 0, "the counts of a batch of %d records, none "
		    "of which was written, stay: another process counted on "
		    "them since", n);
	else
		cli_warn(NULL, 0, "none of a batch of %d records was written, "
		    "and its counts are taken back", n);
	exit(EXIT_TROUBLE);
}

static int
cmd_stage(int argc)
{
	struct stage sg;
	struct solr_err e = { 0 };

	memset(&sg, 0, sizeof(sg));
	struct rec_reader *rd;
	struct rec_writer *out;
	struct ynode *rec;
	char file[PATH_MAX];
	int64_t pos = 0;
	int r, line, batch = 0;

	if (argc != 0)
		usage();
	snprintf(file, sizeof(file), "%s/policy.yaml", world.dir);
	if (safe_policy_load(world.policy.tree, file, &sg.safe, &e) != 0 ||
	    instructions_load(world.dir, &sg.is, &e) != 0 ||
	    (!replay && adt_counters_open(world.dir, &sg.counters, &e) != 0)) {
		cli_error(&e);
		instructions_free(&sg.is);
		return EXIT_TROUBLE;
	}
	if ((rd = rec_reader_new(stdin, "(stdin)")) == NULL ||
	    (out = rec_writer_new(stdout)) == NULL)
		cli_nomem();
	/* the reader's own buffer is all there is: poll tells the rest */
	setvbuf(stdin, NULL, _IONBF, 0);
	rec_writer_hold(out);
	while ((r = rec_read(rd, &rec, &line, &e)) != REC_EOF) {
		pos++;
		if (r == REC_OK) {
			decide(&sg, rec);
			if (replay)
				rec_replay_note(rec, STAGE);
			emit(out, rec);
		} else if (r == REC_BAD) {
			char src[64];

			cli_error(&e);
			snprintf(src, sizeof(src), "(stdin):%d", line);
			emit(out, rec_new_unreadable(pos, src, STAGE, e.msg));
		} else {
			cli_error(&e);
			status = EXIT_TROUBLE;
			break;
		}
		if (++batch == BATCH || !rec_reader_waiting(rd)) {
			commit(&sg, out, batch);
			batch = 0;
			rec_writer_hold(out);
		}
	}
	commit(&sg, out, batch);
	if (!replay && adt_counters_close(&sg.counters, &e) != 0) {
		cli_error(&e);
		status = EXIT_TROUBLE;
	}
	if (rec_writer_finish(out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		status = EXIT_TROUBLE;
	}
	rec_writer_free(out);
	rec_reader_free(rd);
	instructions_free(&sg.is);
	while (sg.ncache > 0)
		adt_free(&sg.cache[--sg.ncache].adt);
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "replay", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct solr_err e = { 0 };
	const char *dir = NULL;
	int ch, r;

	cli_prog = "solr-adt-check";
	while ((ch = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			dir = optarg;
			break;
		case 'a':
			at = cli_time(optarg);
			have_at = 1;
			break;
		case 'P':
			replay = 1;
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
	if (world_load(&world, solr_world_dir(dir), &e) != 0) {
		cli_error(&e);
		world_free(&world);
		return EXIT_TROUBLE;
	}
	if (argc == 0)
		r = cmd_stage(0);
	else if (strcmp(argv[0], "submit") == 0)
		r = cmd_submit(argc - 1, argv + 1);
	else if (strcmp(argv[0], "counters") == 0)
		r = cmd_counters(argc - 1);
	else
		usage();
	world_free(&world);
	return cli_close_stdout(r);
}
