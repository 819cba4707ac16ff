#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/util.h"
#include "../common/version.h"
#include "cli.h"

const char *cli_prog = "solr";

void
cli_warn(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

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
cli_time(const char *s)
{
	int64_t t;

	if (solr_time_parse(s, &t) != 0) {
		cli_warn(NULL, 0, "--at: '%s' is not an RFC 3339 time like "
		    "2026-03-02T10:15:00Z", s);
		exit(EXIT_TROUBLE);
	}
	return t;
}

int
cli_close_stdout(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_warn("(stdout)", 0, "write error: %s",
		    strerror(errno ? errno : EIO));
		return EXIT_TROUBLE;
	}
	return status;
}

void
cli_version(void)
{
	printf("%s %s\n", cli_prog, SOLR_VERSION);
	exit(cli_close_stdout(EXIT_PASS));
}

void
cli_nomem(void)
{
	cli_warn(NULL, 0, "out of memory");
	exit(EXIT_TROUBLE);
}

int
cli_common_opt(struct cli_common *c, int ch, const char *arg)
{
	switch (ch) {
	case 'C':
		c->dir = arg;
		return 1;
	case 'a':
		c->at = cli_time(arg);
		c->have_at = 1;
		return 1;
	case 'P':
		c->replay = 1;
		return 1;
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
cli_world(struct solr_world *w, const struct cli_common *c)
{
	struct solr_err e = { 0 };

	if (world_load(w, solr_world_dir(c->dir), &e) != 0) {
		cli_error(&e);
		world_free(w);
		exit(EXIT_TROUBLE);
	}
}

int
cli_stage(const struct stage_ops *ops, void *ctx, int replay,
    const struct solr_world *w)
{
	struct stage s;
	struct rec_reader *rd;
	int status;

	if (stage_init(&s, ops, ctx, stdout, cli_error) != 0)
		cli_nomem();
	stage_seal(&s, w->sealer);
	if ((rd = stage_reader(&s, stdin, "(stdin)")) == NULL)
		cli_nomem();
	s.replay = replay;
	stage_run(&s, rd);
	status = stage_finish(&s);
	rec_reader_free(rd);
	stage_free(&s);
	return status;
}
