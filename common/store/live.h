/* The processes that share a world's state (state/live, solr-world(5)):
 * a stage that keeps state (counts, registers, ledger, SAT) checks at
 * start that the locks it relies on work, between two processes of its
 * own and across the hosts that share the world, and refuses to run
 * otherwise.  Each such process holds a locked file of its own there,
 * whose time it renews while it works. */
#ifndef SOLR_LIVE_H
#define SOLR_LIVE_H

#include <limits.h>
#include <stdint.h>

#include "base/err.h"

#define SOLR_LIVE_FRESH 15	/* seconds: an entry renewed since is alive */

struct solr_live {
	int fd;
	char path[PATH_MAX];
	int64_t beat;		/* when its time was last renewed */
};

/* Checks the locks and joins: 0, SOLR_ERR_CONFIG when locks do not work
 * (e says how it was seen), or SOLR_ERR_IO. */
int solr_live_join(const char *world, struct solr_live *l, struct solr_err *e);
/* Renews the entry's time (at most once a second). */
void solr_live_beat(struct solr_live *l);
void solr_live_leave(struct solr_live *l);

#endif
