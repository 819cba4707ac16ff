#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/layout.h"
#include "base/progress.h"
#include "store/record.h"
#include "base/util.h"
#include "base/version.h"
#include "store/sathead.h"
#include "cli.h"
#include "base/ywrite.h"

const char *cli_prog = "solr";
const char *cli_help_text = "";
static int json_out;		/* --json, for the records written here */
static int replay_out;		/* --replay: they are sealed for a replay */
static int stdout_said;		/* a write error on stdout was said */

void
cli_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (file != NULL && strcmp(file, "(stdout)") == 0)
		stdout_said = 1;
	fprintf(stderr, "%s: ", cli_prog);
	if (file && *file) {
		if (line > 0)
			fprintf(stderr, "%s:%d: ", file, line);
		else
			fprintf(stderr, "%s: ", file);
	}
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
cli_error(const struct solr_err *e)
{
	cli_warn(e->file, e->line, "%s", e->msg);
}

int64_t
cli_time(const char *opt, const char *s)
{
	const char *given = s, *t19 = strlen(s) > 19 ? s + 19 : "";
	char buf[64];
	int64_t t;

	/* RFC 3339 (5.6, NOTE) lets a person write a space for the T; the
	 * times the tools write and read elsewhere keep the T */
	if (strlen(s) < sizeof(buf) && strlen(s) > 10 && s[10] == ' ') {
		memcpy(buf, s, strlen(s) + 1);
		buf[10] = 'T';
		s = buf;
	}
	if (solr_time_parse(s, &t) != 0) {
		cli_warn(NULL, 0, "%s: '%s' is not an RFC 3339 time like "
		    "2026-03-02T10:15:00Z", opt, given);
		exit(SOLR_EXIT_TROUBLE);
	}
	/* the tools decide to the second: a fraction is refused, not cut */
	if (*t19 == '.') {
		cli_warn(NULL, 0, "%s: '%s' has a fraction of a second; the "
		    "tools decide to the second: give whole seconds", opt,
		    given);
		exit(SOLR_EXIT_TROUBLE);
	}
	return t;
}

int
cli_close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* said once: the stage may have said it already */
		if (!stdout_said)
			cli_warn("(stdout)", 0, "write error: %s",
			    strerror(errno ? errno : EIO));
		return SOLR_EXIT_TROUBLE;
	}
	return status;
}

void
cli_version(void)
{
	printf("%s %s\n", cli_prog, SOLR_VERSION);
	exit(cli_close_stdout(SOLR_EXIT_PASS));
}

void
cli_help(void)
{
	fputs(cli_help_text, stdout);
	exit(cli_close_stdout(SOLR_EXIT_PASS));
}

void
cli_usage(const char *fmt, ...)
{
	const char *end = strstr(cli_help_text, "\n\n");
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "%s: ", cli_prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "%.*s\nTry '%s --help' for every option.\n",
	    end ? (int)(end - cli_help_text) : (int)strlen(cli_help_text),
	    cli_help_text, cli_prog);
	exit(SOLR_EXIT_TROUBLE);
}

void
cli_json_line(const struct ynode *o)
{
	struct solr_buf b = { 0 };

	if (yn_json(o, &b) != 0 || solr_buf_addc(&b, '\n') != 0)
		cli_nomem();
	fwrite(b.p, 1, b.len, stdout);
	solr_buf_free(&b);
}

struct ynode *
cli_json_obj(void)
{
	struct ynode *o = yn_new_map(1);

	if (o == NULL)
		cli_nomem();
	return o;
}

void
cli_json_put(struct ynode *o, int failed)
{
	if (failed)
		cli_nomem();
	cli_json_line(o);
	yn_free(o);
}

void
cli_nomem(void)
{
	cli_warn(NULL, 0, "out of memory");
	exit(SOLR_EXIT_TROUBLE);
}

int
cli_common_opt(struct cli_common *c, int ch, const char *arg)
{
	switch (ch) {
	case 'C':
		c->dir = arg;
		return 1;
	case 'a':
		c->at = cli_time("--at", arg);
		c->have_at = 1;
		return 1;
	case 'P':
		c->replay = replay_out = 1;
		return 1;
	case 'J':
		c->json = json_out = 1;
		return 1;
	case 'G':
		c->progress = 1;
		return 1;
	case 'h':
		cli_help();
	case 'V':
		cli_version();
		return 1;
	}
	return 0;
}

int64_t
cli_now(const struct cli_common *c)
{
	return c->have_at ? c->at : (int64_t)time(NULL);
}

void
cli_sat_trust(struct sat_trust *t, const struct solr_world *w, char *cert,
    char *heads)
{
	world_path(cert, PATH_MAX, w->dir, WF_DCC_CERT);
	world_path(heads, PATH_MAX, w->dir, WF_SAT_HEADS);
	t->cert = cert;
	t->key = w->trail_key;
	t->heads = heads;
}

/* A replay's what-if world files (solr-sat replay --world-files): read
 * by a --replay stage only, whose records never feed the flow; any
 * other run ignores them. */
void
cli_replay_overlay(const struct cli_common *c)
{
	const char *d = getenv("SOLR_REPLAY_WORLD_FILES");

	if (c->replay && d != NULL && *d != '\0')
		world_overlay_set(d);
}

void
cli_world(struct solr_world *w, const struct cli_common *c)
{
	struct solr_err e = { 0 };

	cli_replay_overlay(c);
	if (world_load(w, solr_world_dir(c->dir), &e) != 0) {
		cli_error(&e);
		world_free(w);
		exit(SOLR_EXIT_TROUBLE);
	}
}

/* --progress: what has been written so far, on one line of stderr. */
static struct {
	struct timespec start, last;
	int64_t n, total, by[4];
	int64_t differ;		/* a replay's records whose decision differs */
	int tty, replaying;
} prog;

static double
since(const struct timespec *t0, const struct timespec *t)
{
	return (double)(t->tv_sec - t0->tv_sec) +
	    (double)(t->tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress_line(int last)
{
	struct timespec now;
	double el, rate;
	char left[64] = "", differ[40] = "";

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!last && since(&prog.last, &now) < (prog.tty ? 0.25 : 1.0))
		return;
	prog.last = now;
	el = since(&prog.start, &now);
	rate = el > 0 ? (double)prog.n / el : 0;
	if (prog.total > 0 && prog.n <= prog.total) {
		double rest = rate > 0 ? (double)(prog.total - prog.n) / rate :
		    0;
		char t[32] = "";

		/* the time left once there is a second to estimate it from */
		if (el >= 1 || last)
			snprintf(t, sizeof(t), ", %lld:%02lld left",
			    (long long)rest / 60, (long long)rest % 60);
		snprintf(left, sizeof(left), " of %lld (%.0f%%%s)",
		    (long long)prog.total, 100.0 * (double)prog.n /
		    (double)prog.total, t);
	}
	if (prog.replaying)
		snprintf(differ, sizeof(differ), "; differ %lld",
		    (long long)prog.differ);
	fprintf(stderr, "%s%s: %lld record%s%s, %.0f/s; accept %lld, pass "
	    "%lld, reject %lld, quarantine %lld%s%s", prog.tty ? "\r" : "",
	    cli_prog, (long long)prog.n, prog.n == 1 ? "" : "s", left, rate,
	    (long long)prog.by[0],
	    (long long)prog.by[1], (long long)prog.by[2],
	    (long long)prog.by[3], differ, prog.tty && !last ? "\033[K" :
	    "\n");
	if (last && prog.tty)
		fputs("\033[K\n", stderr);
	fflush(stderr);
}

static void
tally(void *arg, const struct ynode *rec)
{
	static const char *const v[] = { "accept", "pass", "reject",
	    "quarantine" };
	const char *verdict = rec_verdict(rec), *rp = yn_get_str(rec,
	    "replay");
	int i;

	(void)arg;
	prog.n++;
	if (rp != NULL) {	/* a replay's last stage: what differs */
		prog.replaying = 1;
		prog.differ += strcmp(rp, "differs") == 0;
	}
	for (i = 0; verdict != NULL && i < 4; i++)
		if (strcmp(verdict, v[i]) == 0)
			prog.by[i]++;
	progress_line(0);
}

void
cli_progress_total(int64_t total)
{
	prog.total = total;
}

/* --progress of a long task (a trail read, a store walked): what it
 * counts, how far, and the time left; a line a second (four on a
 * terminal), and the last of each count. */
static void
task_line(void *arg, const char *what, uint64_t done, uint64_t total)
{
	static const char *last_what;
	static struct timespec t0, last;
	struct timespec now;
	double el, frac;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last_what == NULL || strcmp(what, last_what) != 0) {
		last_what = what;
		t0 = now;
		last.tv_sec = 0;
	} else if (done < total && since(&last, &now) < (prog.tty ? 0.25 :
	    1.0))
		return;
	last = now;
	el = since(&t0, &now);
	frac = total > 0 ? (double)done / (double)total : 0;
	if (total > 0 && done < total) {
		double rest = frac > 0 ? el / frac - el : 0;
		char left[32] = "";

		if (frac > 0 && el >= 1)
			snprintf(left, sizeof(left), ", %lld:%02lld left",
			    (long long)rest / 60, (long long)rest % 60);
		fprintf(stderr, "%s%s: %s: %llu of %llu (%.0f%%%s)%s",
		    prog.tty ? "\r" : "", cli_prog, what, (unsigned long
		    long)done, (unsigned long long)total, 100 * frac, left,
		    prog.tty ? "\033[K" : "\n");
	} else if (total > 0 && done >= total)
		fprintf(stderr, "%s%s: %s: %llu of %llu (100%%, done)%s\n",
		    prog.tty ? "\r" : "", cli_prog, what, (unsigned long
		    long)done, (unsigned long long)total, prog.tty ? "\033[K" :
		    "");
	else
		fprintf(stderr, "%s%s: %s: %llu so far%s", prog.tty ? "\r" :
		    "", cli_prog, what, (unsigned long long)done, prog.tty ?
		    "\033[K" : "\n");
	fflush(stderr);
}

void
cli_progress_task(void)
{
	prog.tty = isatty(STDERR_FILENO);
	solr_progress_set(task_line, NULL);
}

/* How many lines (records 0) or records (1: a line that begins a YAML
 * record, ---, or a JSON Lines one, {) a regular file holds from where
 * fd stands, read with pread so the reading is not moved; 0 (not known)
 * from a pipe. */
static int64_t
ahead(int fd, int records)
{
	static char buf[1 << 16];
	struct stat st;
	off_t off = lseek(fd, 0, SEEK_CUR);
	int64_t n = 0;
	ssize_t got, i;
	int col = 0, dashes = 1;	/* the line so far: all dashes? */

	if (off < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	while ((got = pread(fd, buf, sizeof(buf), off)) > 0) {
		for (i = 0; i < got; i++) {
			if (buf[i] == '\n') {
				n += !records;
				col = 0;
				dashes = 1;
				continue;
			}
			if (records && ((col == 0 && buf[i] == '{') || (col ==
			    2 && dashes && buf[i] == '-')))
				n++;
			dashes &= buf[i] == '-';
			col += col < 3;
		}
		off += got;
	}
	return n;
}

int64_t
cli_lines_ahead(int fd)
{
	return ahead(fd, 0);
}

void
cli_stage_setup(struct stage *s, const struct cli_common *c,
    const struct solr_world *w, int reads_stdin)
{
	/* two seal domains: an auditor's replay never feeds the flow, and
	 * the flow's records are not a replay's input */
	if (c->replay) {
		stage_seal(s, w->replay_sealer);
		stage_foreign(s, w->sealer, "the record was sealed by a stage "
		    "of the flow: a --replay stage reads only what solr-"
		    "countersign --sat-records or another --replay stage wrote");
	} else {
		stage_seal(s, w->sealer);
		stage_foreign(s, w->replay_sealer, "the record was sealed by an "
		    "auditor's replay (--replay, solr-sat replay): a replay's "
		    "records are never input to a stage that counts, MACs or "
		    "signs");
	}
	s->replay = c->replay;
	rec_writer_json(s->out, c->json);
	if (c->progress) {
		clock_gettime(CLOCK_MONOTONIC, &prog.start);
		prog.last = prog.start;
		prog.tty = isatty(STDERR_FILENO);
		s->tally = tally;
		if (reads_stdin && prog.total == 0)
			prog.total = ahead(STDIN_FILENO, 1);
	}
	if (reads_stdin && isatty(STDIN_FILENO))
		cli_warn(NULL, 0, "reading records from the terminal (standard "
		    "input); end with Ctrl-D (%s --help)", cli_prog);
}

int
cli_stage_done(struct stage *s)
{
	int status = stage_finish(s);

	if (s->tally != NULL)
		progress_line(1);
	return status;
}

int
cli_stage(const struct stage_ops *ops, void *ctx, const struct cli_common *c,
    const struct solr_world *w)
{
	struct stage s;
	struct rec_reader *rd;
	int status;

	if (stage_init(&s, ops, ctx, stdout, cli_error) != 0)
		cli_nomem();
	cli_stage_setup(&s, c, w, 1);
	if ((rd = stage_reader(&s, stdin, "(stdin)")) == NULL)
		cli_nomem();
	stage_run(&s, rd);
	status = cli_stage_done(&s);
	rec_reader_free(rd);
	stage_free(&s);
	return status;
}

static void rejected_all(struct solr_world *, const char *,
    const struct solr_err *, const char *, char **, int)
    __attribute__((noreturn));

/* What a stage writes when its world does not load: a rejected record for
 * every record it reads (or document it is given), naming the problem,
 * sealed when the key at least could be read; then exit 2. */
void
cli_world_failed(struct solr_world *w, const struct solr_err *why,
    const char *stage, char **files, int nfiles)
{
	rejected_all(w, "the world did not load", why, stage, files, nfiles);
}

void
cli_state_failed(struct solr_world *w, const struct solr_err *why,
    const char *stage, char **files, int nfiles)
{
	cli_error(why);
	rejected_all(w, "the stage's state could not be used", why, stage,
	    files, nfiles);
}

static void
rejected_all(struct solr_world *w, const char *what,
    const struct solr_err *why, const char *stage, char **files, int nfiles)
{
	struct rec_writer *out = rec_writer_new(stdout);
	struct rec_reader *rd;
	struct ynode *rec, *claimed;
	struct solr_err e = { 0 };
	char reason[1400], src[64];
	int64_t seq = 0;
	int i, r, line;

	if (out == NULL)
		cli_nomem();
	if (w->sealer != NULL)
		rec_writer_seal(out, replay_out ? w->replay_sealer : w->sealer);
	rec_writer_json(out, json_out);
	snprintf(reason, sizeof(reason), "%s: %s%s%s", what, why->file,
	    why->file[0] ? ": " : "", why->msg);
	for (i = 0; i < nfiles; i++)
		if ((rec = rec_new_unreadable(i + 1, files[i], stage, reason))
		    == NULL || rec_write(out, rec) != 0)
			break;
		else
			yn_free(rec);
	if ((rd = nfiles ? NULL : rec_reader_new(stdin, "(stdin)")) != NULL &&
	    rec_reader_peek(rd) == '<') {
		/* one document on standard input */
		if ((rec = rec_new_unreadable(1, "(stdin)", stage, reason)))
			rec_write(out, rec);
		yn_free(rec);
	} else while (rd && (r = rec_read(rd, &claimed, &line, &e)) !=
	    REC_EOF && r >= 0) {
		const struct ynode *sv = rec_part(claimed, RK_SOURCE);

		seq++;
		snprintf(src, sizeof(src), "(stdin):%d", line);
		rec = rec_new_unreadable(claimed && rec_seq(claimed) >= 1 ?
		    rec_seq(claimed) : seq, sv && yn_is_scalar(sv) &&
		    !yn_is_null(sv) ? sv->str : src, stage, reason);
		yn_free(claimed);
		if (rec == NULL || rec_write(out, rec) != 0) {
			yn_free(rec);
			break;
		}
		yn_free(rec);
	}
	rec_reader_free(rd);
	if (rec_writer_finish(out, &e) != 0)
		cli_warn("(stdout)", 0, "%s", e.msg);
	rec_writer_free(out);
	world_free(w);
	fflush(stdout);
	exit(SOLR_EXIT_TROUBLE);
}

void
cli_world_stage(struct solr_world *w, const struct cli_common *c,
    const char *stage, char **files, int nfiles)
{
	struct solr_err e = { 0 };

	cli_replay_overlay(c);
	if (world_load(w, solr_world_dir(c->dir), &e) != 0) {
		cli_error(&e);
		cli_world_failed(w, &e, stage, files, nfiles);
	}
}
