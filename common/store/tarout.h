/*
 * A tar archive (POSIX ustar) that artifacts are appended to, as many
 * processes as write it, a member at a time under its lock: a day's
 * copies in one file that tar(1) lists and extracts.  The archive has
 * no end-of-archive blocks, so that the next member can follow; tar(1)
 * reads it to its end all the same.
 */
#ifndef SOLR_TAROUT_H
#define SOLR_TAROUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct tar_out {
	int fd;			/* -1: none */
	char path[4096];
};

/* The archive at path, made if it is not there (its folder too). */
int tar_out_open(struct tar_out *t, const char *path, struct solr_err *e);
/* A member: name (at most 100 bytes, no '/'), its bytes, mtime. */
int tar_out_add(struct tar_out *t, const char *name, const void *p, size_t n,
    int64_t mtime, struct solr_err *e);
/* Synced and closed; nothing when none is open. */
int tar_out_close(struct tar_out *t, struct solr_err *e);

#endif
