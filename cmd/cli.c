#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
