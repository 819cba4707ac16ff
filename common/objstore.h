/* The content-addressed object store: each object is a file named by the
 * SHA-256 of its bytes, <dir>/ab/cdef..., written atomically and checked
 * against its name whenever it is read. */
#ifndef SOLR_OBJSTORE_H
#define SOLR_OBJSTORE_H

#include <limits.h>
#include <stddef.h>

#include "err.h"
#include "util.h"

struct solr_objstore {
	char dir[PATH_MAX];
	unsigned char made[256];	/* fan-out directories known to exist */
};

int objstore_open(struct solr_objstore *os, const char *dir,
    struct solr_err *e);
/* Stores p and returns its name (64 lower-case hex digits). */
int objstore_put(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], struct solr_err *e);
/* Reads the object; SOLR_ERR_VERIFY if its bytes do not hash to name. */
int objstore_get(struct solr_objstore *os, const char *name, size_t max,
    struct solr_buf *out, struct solr_err *e);
int objstore_path(const struct solr_objstore *os, const char *name,
    char *path, size_t cap);

#endif
