/* What every solr-* command shares: diagnostics, the common options and
 * the exit-status contract. */
#ifndef SOLR_CLI_H
#define SOLR_CLI_H

#include <stdint.h>

#include "base/err.h"
#include "stage/stage.h"
#include "world/world.h"

extern const char *cli_prog;

void cli_warn(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_error(const struct solr_err *e);
/* Says "out of memory" and exits 2. */
void cli_nomem(void) __attribute__((noreturn));
/* Parses --at; exits 2 with a message on a bad value. */
/* The time of option opt (--at, --since): an RFC 3339 time in whole
 * seconds, or exit 2 saying why. */
int64_t cli_time(const char *opt, const char *s);
/* Flushes stdout; on a write error prints a message and returns 2. */
int cli_close_stdout(int status);
void cli_version(void);

/* The tool's help (set by main before it reads its options): the
 * synopsis, a blank line, then every option described.  cli_help prints
 * all of it on stdout and exits 0 (-h, --help); cli_usage prints why (if
 * not NULL) and the synopsis on stderr and exits 2. */
extern const char *cli_help_text;
void cli_help(void) __attribute__((noreturn));
void cli_usage(const char *fmt, ...) __attribute__((noreturn,
    format(printf, 1, 2)));
/* One object as a line of JSON on stdout (--json reports). */
void cli_json_line(const struct ynode *o);
/* A report's object: a new flow map (out of memory: exit 2); then
 * cli_json_put writes it as a line and frees it, or exits 2 when filling
 * it failed (failed != 0). */
struct ynode *cli_json_obj(void);
void cli_json_put(struct ynode *o, int failed);
/* The options every tool has, for the help texts. */
#define CLI_HELP_COMMON \
"  -C dir          the world directory (default $SOLR_WORLD, else .)\n" \
"  --json          write JSON Lines (one object a line) instead of YAML\n" \
"  -h, --help      print this help and exit\n" \
"  --version       print the version and exit\n"
#define CLI_HELP_STAGE \
"  --at time       decide at this RFC 3339 time instead of now\n" \
"  --replay        an auditor's re-run: note whether each result is the\n" \
"                  recorded one (solr-sat replay)\n" \
"  --progress      a status line on stderr: records, records/s, verdicts\n" \
"                  (and the fraction done and time left when the total is\n" \
"                  known); stdout is unchanged\n"

/* The options every tool shares: -C dir, --at time, --replay, --version;
 * getopt_long's long options for them end CLI_LONGOPTS. */
struct cli_common {
	const char *dir;
	int have_at;
	int64_t at;
	int replay;
	int json;		/* --json: JSON Lines out */
	int progress;		/* --progress */
};
#define CLI_LONGOPTS \
	{ "at", required_argument, NULL, 'a' }, \
	{ "replay", no_argument, NULL, 'P' }, \
	{ "json", no_argument, NULL, 'J' }, \
	{ "progress", no_argument, NULL, 'G' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, 'V' }, \
	{ NULL, 0, NULL, 0 }
/* 1 when ch was a shared option (and took it), 0 otherwise. */
int cli_common_opt(struct cli_common *c, int ch, const char *arg);
/* --at, else now. */
int64_t cli_now(const struct cli_common *c);
/* Loads the world of -C (or $SOLR_WORLD); exits 2 with a message. */
/* --replay with SOLR_REPLAY_WORLD_FILES set (by solr-sat replay
 * --world-files): the world's config files read from there where it holds
 * them (base/layout.h, world_overlay_set); cli_world and cli_world_stage
 * call it, a stage that loads its world itself calls it first. */
void cli_replay_overlay(const struct cli_common *c);
void cli_world(struct solr_world *w, const struct cli_common *c);
/* What a trail is checked against in world w: its DCC certificate, its
 * trail key and its last signed heads (buffers of PATH_MAX). */
struct sat_trust;
void cli_sat_trust(struct sat_trust *t, const struct solr_world *w,
    char *cert, char *heads);
/* The same for a pipeline stage: when the world does not load, every
 * record it reads (or file it is given) still comes out, rejected and
 * naming the problem, and it exits 2. */
void cli_world_stage(struct solr_world *w, const struct cli_common *c,
    const char *stage, char **files, int nfiles);
void cli_world_failed(struct solr_world *w, const struct solr_err *why,
    const char *stage, char **files, int nfiles) __attribute__((noreturn));
/* The same when the world loaded but the stage's state cannot be used
 * (its locks do not work, a file cannot be opened): says why, rejects
 * every record it reads (or file it is given: a world the user may read
 * but not write), exits 2. */
void cli_state_failed(struct solr_world *w, const struct solr_err *why,
    const char *stage, char **files, int nfiles) __attribute__((noreturn));
/* Readies a stage made with stage_init: the world's seal, --replay,
 * --json, --progress, and a word on stderr when it reads records from a
 * terminal (reads_stdin). */
void cli_stage_setup(struct stage *s, const struct cli_common *c,
    const struct solr_world *w, int reads_stdin);
/* --progress: the number of records to come, when it is known. */
void cli_progress_total(int64_t total);
/* --progress of a long task that is not a stage (solr-sat): what the
 * library reports of it (base/progress.h), on stderr. */
void cli_progress_task(void);
/* How many lines a regular file holds from where fd stands; 0 when fd is
 * not a regular file. */
int64_t cli_lines_ahead(int fd);
/* stage_finish, and the last progress line. */
int cli_stage_done(struct stage *s);
/* Runs a pipeline stage over standard input; returns the exit status. */
int cli_stage(const struct stage_ops *ops, void *ctx,
    const struct cli_common *c, const struct solr_world *w);

#endif
