/*
 * The one guard every file the tools keep or rely on goes through: the
 * world's files, a trail's and an output folder's (solr-world(5),
 * SECURITY).  A tree is named once by its root; a path under a root is
 * then taken only when the root and every directory between it and the
 * path, and the path itself:
 *  - is owned by the user the tool runs as, or by root;
 *  - is not writable by group or others;
 *  - is a directory, or a regular file where a file is opened (never a
 *    symbolic link, a FIFO or a device);
 *  - and, for a private key (a name ending in ".key"), is not readable by
 *    group or others.
 * A file is checked on the descriptor that is then used (fstat after an
 * open that follows no link); the directories above it, which only their
 * owner could change, once a process.  What lies above a root is the
 * operator's.  A path under no root is held to the same rules for itself.
 * Each refusal is SOLR_ERR_UNSAFE naming the path, what is wrong and the
 * rule: trouble for every caller, never a record's rejection.
 */
#ifndef SOLR_GUARD_H
#define SOLR_GUARD_H

#include <sys/stat.h>
#include <sys/types.h>

#include <stdio.h>

#include "base/err.h"

/* Names root as the root of a guarded tree, and checks it. */
int solr_guard_root(const char *root, struct solr_err *e);
/* Checks path (a directory when dir, a regular file otherwise) and the
 * directories above it up to its root.  0; SOLR_ERR_NOTFOUND when it is
 * not there; otherwise SOLR_ERR_UNSAFE (the rule) or SOLR_ERR_IO. */
int solr_guard(const char *path, int dir, struct solr_err *e);
/* Checks only the directories above path up to its root (for a file
 * about to be created, renamed or removed there). */
int solr_guard_parent(const char *path, struct solr_err *e);
/* Opens path with flags (and mode 0644 when created) for a regular file
 * only: no symbolic link, never blocking on a FIFO or a device, and with
 * guarded, held to the rules above, on the descriptor returned.  The
 * descriptor, or -1 with e set. */
int solr_open_regular(const char *path, int flags, int guarded,
    struct solr_err *e);
/* The same, with what fstat said of the descriptor in *st. */
int solr_open_regular_st(const char *path, int flags, int guarded,
    struct stat *st, struct solr_err *e);
/* The same, for reading through stdio ("r"). */
FILE *solr_fopen_guarded(const char *path, struct solr_err *e);
/* Checks a program about to be run: under a root as any file there,
 * elsewhere (an absolute path, its links resolved) every directory from
 * / down and the file; and that it may be executed.  The path to run
 * into real. */
int solr_guard_exec(const char *path, char *real, size_t cap,
    struct solr_err *e);

#endif
