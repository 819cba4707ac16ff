/* What every solr-* command shares: diagnostics, the common options and
 * the exit-status contract. */
#ifndef SOLR_CLI_H
#define SOLR_CLI_H

#include <stdint.h>

#include "../common/err.h"

enum {
	EXIT_PASS = 0,		/* every record accepted or passed */
	EXIT_REJECT = 1,	/* at least one record rejected or quarantined */
	EXIT_TROUBLE = 2,	/* usage, configuration or I/O error */
};

extern const char *cli_prog;

void cli_warn(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cli_error(const struct solr_err *e);
/* Says "out of memory" and exits 2. */
void cli_nomem(void) __attribute__((noreturn));
/* Parses --at; exits 2 with a message on a bad value. */
int64_t cli_time(const char *s);
/* Flushes stdout; on a write error prints a message and returns 2. */
int cli_close_stdout(int status);
void cli_version(void);

#endif
