#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"

static void
vset(struct solr_err *e, int code, const char *file, int line,
    const char *fmt, va_list ap)
{
	e->code = code;
	e->line = line;
	snprintf(e->file, sizeof(e->file), "%s", file ? file : "");
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

int
solr_seterr(struct solr_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	vset(e, code, NULL, 0, fmt, ap);
	va_end(ap);
	return code;
}

int
solr_seterr_at(struct solr_err *e, int code, const char *file, int line,
    const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return code;
	va_start(ap, fmt);
	vset(e, code, file, line, fmt, ap);
	va_end(ap);
	return code;
}

void
solr_err_clear(struct solr_err *e)
{
	if (e == NULL)
		return;
	e->code = 0;
	e->file[0] = '\0';
	e->line = 0;
	e->msg[0] = '\0';
}

const char *
solr_err_text(const struct solr_err *e, char *buf, size_t n)
{
	if (e->file[0] && e->line > 0)
		snprintf(buf, n, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		snprintf(buf, n, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, n, "%s", e->msg);
	return buf;
}
