/* Error model: library functions return 0 or a negative SOLR_ERR_* code
 * and describe the failure in a caller-supplied struct solr_err.  Nothing
 * in common/ prints or exits. */
#ifndef SOLR_ERR_H
#define SOLR_ERR_H

#include <stddef.h>

enum {
	SOLR_OK = 0,
	SOLR_ERR_INTERNAL = -1,	/* a bug or an OpenSSL/libxml2 failure */
	SOLR_ERR_NOMEM = -2,
	SOLR_ERR_IO = -3,	/* a file or stream could not be read/written */
	SOLR_ERR_CONFIG = -4,	/* the world directory is invalid */
	SOLR_ERR_FORMAT = -5,	/* input is malformed */
	SOLR_ERR_LIMIT = -6,	/* input exceeds a bound */
	SOLR_ERR_VERIFY = -7,	/* a check on the input failed */
	SOLR_ERR_NOTFOUND = -8,
	SOLR_ERR_UNSAFE = -9,	/* a file the guard refuses (base/guard.h):
				 * trouble, never a record's rejection */
	SOLR_ERR_TROUBLE = -10,	/* a record's check could not run: the
				 * record is rejected, the stream goes on,
				 * and the run ends with exit 2 */
};

struct solr_err {
	int code;
	char file[256];		/* file the problem is in, or "" */
	int line;		/* 1-based line in file, or 0 */
	char msg[1024];
};

/* The exit status of every tool (each man page's EXIT STATUS). */
enum solr_exit {
	SOLR_EXIT_PASS = 0,	/* something was checked, and all of it passed */
	SOLR_EXIT_REJECT = 1,	/* a record rejected or quarantined, or nothing
				 * in the input to check */
	SOLR_EXIT_TROUBLE = 2,	/* usage, configuration or I/O error */
};

int solr_seterr(struct solr_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int solr_seterr_at(struct solr_err *e, int code, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* The message with where it was: "file:line: msg", "file: msg" or
 * "msg", into buf; returns buf. */
const char *solr_err_text(const struct solr_err *e, char *buf, size_t n);
void solr_err_clear(struct solr_err *e);

#endif
