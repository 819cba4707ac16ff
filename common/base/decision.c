#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/decision.h"

static const char *const names[DUIS_NCODES] = {
	[DUIS_NONE] = NULL,
	[DUIS_I0] = "I0",
	[DUIS_I99] = "I99",
	[DUIS_E1] = "E1",
	[DUIS_E2] = "E2",
	[DUIS_E3] = "E3",
	[DUIS_E11] = "E11",
	[DUIS_E12] = "E12",
	[DUIS_E19] = "E19",
	[DUIS_E65] = "E65",
	[DUIS_E020101] = "E020101",
	[DUIS_S1VE2] = "S1VE2",
	[DUIS_S1VE3] = "S1VE3",
	[DUIS_S1VE100] = "S1VE100",
	[DCC_AD1] = "AD1",
};

const char *
duis_code_name(enum duis_code c)
{
	return (unsigned)c < DUIS_NCODES ? names[c] : NULL;
}

enum duis_code
duis_code_parse(const char *s)
{
	int c;

	for (c = DUIS_NONE + 1; s != NULL && c < DUIS_NCODES; c++)
		if (strcmp(names[c], s) == 0)
			return (enum duis_code)c;
	return DUIS_NONE;
}

int
duis_version_ge(const char *a, const char *b)
{
	char *ea, *eb;

	/* stops at the first character that is neither digit nor dot, so
	 * text that is not a version cannot loop */
	while (*a || *b) {
		long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);

		if (x != y)
			return x > y;
		if ((*ea && *ea != '.') || (*eb && *eb != '.'))
			break;
		a = *ea ? ea + 1 : ea;
		b = *eb ? eb + 1 : eb;
	}
	return 1;
}

enum duis_code
duis_content_code(const char *schema_version, const char *e020101_from)
{
	if (schema_version != NULL && e020101_from != NULL &&
	    duis_version_ge(schema_version, e020101_from))
		return DUIS_E020101;
	return DUIS_E2;
}

void
decision_pass(struct decision *d)
{
	d->verdict = VERDICT_PASS;
	d->code = DUIS_NONE;
	d->reason[0] = '\0';
}

void
decision_skip(struct decision *d)
{
	decision_pass(d);
	d->verdict = VERDICT_SKIPPED;
}

static void
set(struct decision *d, enum verdict v, enum duis_code code, const char *fmt,
    va_list ap)
{
	d->verdict = v;
	d->code = code;
	vsnprintf(d->reason, sizeof(d->reason), fmt, ap);
}

int
decision_reject(struct decision *d, enum duis_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(d, VERDICT_REJECT, code, fmt, ap);
	va_end(ap);
	return 0;
}

int
decision_quarantine(struct decision *d, enum duis_code code, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	set(d, VERDICT_QUARANTINE, code, fmt, ap);
	va_end(ap);
	return 0;
}

int
decision_is_pass(const struct decision *d)
{
	return d->verdict == VERDICT_PASS || d->verdict == VERDICT_SKIPPED;
}
