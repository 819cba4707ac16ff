#include <stddef.h>

#include "base/progress.h"

static solr_progress_fn reporter;
static void *reporter_arg;

void
solr_progress_set(solr_progress_fn fn, void *arg)
{
	reporter = fn;
	reporter_arg = arg;
}

int
solr_progress_on(void)
{
	return reporter != NULL;
}

void
solr_progress(const char *what, uint64_t done, uint64_t total)
{
	if (reporter != NULL)
		reporter(reporter_arg, what, done, total);
}
