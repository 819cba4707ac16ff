/* The Service Audit Trail: a hash-chained log of final records, with every
 * object they reference, in one directory an auditor can take anywhere. */
#ifndef SOLR_SAT_H
#define SOLR_SAT_H

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "objstore.h"
#include "util.h"
#include "ytree.h"

#define SAT_SYNC_EVERY 256

struct sat {
	int fd;
	char dir[PATH_MAX];
	char log[PATH_MAX];
	struct solr_objstore objects;
	int unsynced;
};

/* Opens (creating) the bundle; refuses one whose last entry is torn. */
int sat_open(const char *dir, struct sat *s, struct solr_err *e);
/* Appends body (a mapping: the entry without n, prev and hash) under the
 * lock, after copying each object named in objects from src. */
int sat_append(struct sat *s, struct ynode *body, struct solr_objstore *src,
    char **objects, size_t nobjects, struct solr_err *e);
int sat_close(struct sat *s, struct solr_err *e);

/* Checks the chain and every object; on the first broken link returns
 * SOLR_ERR_VERIFY with where and why.  *entries counts the good ones. */
int sat_verify(const char *dir, uint64_t *entries, struct solr_err *e);

/* Calls fn with each entry (parsed), in order; stops on a non-zero
 * return.  The chain is not checked here. */
int sat_each(const char *dir, int (*fn)(void *, struct ynode *), void *arg,
    struct solr_err *e);

#endif
