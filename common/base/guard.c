/* The one guard of the files the tools keep or rely on (guard.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/guard.h"

/* a tool names at most four trees (its world, an object store kept
 * elsewhere, a trail, an output folder); a process that names more, as
 * the unit tests do, forgets the oldest */
#define MAX_ROOTS 16
#define MAX_SEEN 64

static char *roots[MAX_ROOTS];
static int nroots, roots_next;
/* directories found sound in this process: only their owner (this user
 * or root) could make them otherwise */
static char *seen[MAX_SEEN];
static int nseen, seen_next;

/* the effective user, asked once: the tools never change it */
static uid_t
me(void)
{
	static uid_t uid;
	static int known;

	if (!known) {
		uid = geteuid();
		known = 1;
	}
	return uid;
}

static int
is_secret(const char *path)
{
	size_t n = strlen(path);

	return n >= 4 && strcmp(path + n - 4, ".key") == 0;
}

/* The rules, on what stat said of path. */
static int
rules(const char *path, const struct stat *st, int dir, struct solr_err *e)
{
	if (S_ISLNK(st->st_mode))
		return solr_seterr_at(e, SOLR_ERR_UNSAFE, path, 0, "a symbolic "
		    "link: refused where a %s of the DCC's is read "
		    "(solr-world(5), SECURITY)", dir ? "directory" : "file");
	if (dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		return solr_seterr_at(e, SOLR_ERR_UNSAFE, path, 0, "not a %s: "
		    "refused (solr-world(5), SECURITY)", dir ? "directory" :
		    "regular file");
	if (st->st_uid != me() && st->st_uid != 0)
		return solr_seterr_at(e, SOLR_ERR_UNSAFE, path, 0, "owned by "
		    "uid %lu, neither this user (uid %lu) nor root: refused, "
		    "whoever owns it may change it (chown; solr-world(5), "
		    "SECURITY)", (unsigned long)st->st_uid, (unsigned long)me());
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return solr_seterr_at(e, SOLR_ERR_UNSAFE, path, 0, "mode %04o: "
		    "group or others may write it; refused (chmod go-w; "
		    "solr-world(5), SECURITY)", (unsigned)(st->st_mode & 07777));
	if (!dir && is_secret(path) && (st->st_mode & 077))
		return solr_seterr_at(e, SOLR_ERR_UNSAFE, path, 0, "permissions "
		    "%04o are too open: a private key must not be accessible "
		    "by group or others; this key is not used (chmod 600)",
		    (unsigned)(st->st_mode & 07777));
	return 0;
}

static int
lstat_rules(const char *path, int dir, struct solr_err *e)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? solr_seterr_at(e, SOLR_ERR_NOTFOUND,
		    path, 0, "%s", strerror(errno)) : solr_seterr_at(e,
		    SOLR_ERR_IO, path, 0, "%s", strerror(errno));
	return rules(path, &st, dir, e);
}

/* The length of the longest root path lies under, or 0. */
static size_t
root_of(const char *path)
{
	size_t best = 0, n;
	int i;

	for (i = 0; i < nroots; i++) {
		n = strlen(roots[i]);
		if (n > best && strncmp(path, roots[i], n) == 0 &&
		    (path[n] == '/' || path[n] == '\0'))
			best = n;
	}
	return best;
}

static int
seen_dir(const char *dir)
{
	int i;

	for (i = 0; i < nseen; i++)
		if (strcmp(seen[i], dir) == 0)
			return 1;
	return 0;
}

static void
note_seen(const char *dir)
{
	char *d = strdup(dir);

	if (d == NULL)
		return;
	if (nseen < MAX_SEEN) {
		seen[nseen++] = d;
		return;
	}
	free(seen[seen_next]);
	seen[seen_next] = d;
	seen_next = (seen_next + 1) % MAX_SEEN;
}

/* The root and each directory below it down to path's parent. */
static int
chain(const char *path, struct solr_err *e)
{
	char dir[PATH_MAX];
	size_t rl = root_of(path), n;
	char *slash;
	int r;

	if (rl == 0)
		return 0;
	if ((n = strlen(path)) >= sizeof(dir))
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "path too long");
	memcpy(dir, path, n + 1);
	/* each directory from the root down to path's parent */
	for (slash = dir + rl; slash != NULL; slash = strchr(slash + 1, '/')) {
		char keep = *slash;

		if (keep == '\0')
			break;
		*slash = '\0';
		if (!seen_dir(dir)) {
			if ((r = lstat_rules(dir, 1, e)) != 0)
				return r;
			note_seen(dir);
		}
		*slash = keep;
	}
	return 0;
}

int
solr_guard_root(const char *root, struct solr_err *e)
{
	size_t n = strlen(root);
	char *d;
	int r, i;

	while (n > 1 && root[n - 1] == '/')
		n--;
	if ((r = lstat_rules(root, 1, e)) != 0)
		return r;
	for (i = 0; i < nroots; i++)
		if (strlen(roots[i]) == n && strncmp(roots[i], root, n) == 0)
			return 0;
	if ((d = strndup(root, n)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (nroots < MAX_ROOTS)
		roots[nroots++] = d;
	else {
		free(roots[roots_next]);
		roots[roots_next] = d;
		roots_next = (roots_next + 1) % MAX_ROOTS;
	}
	return 0;
}

int
solr_guard_parent(const char *path, struct solr_err *e)
{
	return chain(path, e);
}

int
solr_guard(const char *path, int dir, struct solr_err *e)
{
	int r;

	if ((r = chain(path, e)) != 0)
		return r;
	return lstat_rules(path, dir, e);
}

int
solr_open_regular_st(const char *path, int flags, int guarded,
    struct stat *st, struct solr_err *e)
{
	int fd, r;

	if (guarded && chain(path, e) != 0) {
		errno = EPERM;
		return -1;
	}
	if ((fd = open(path, flags | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0644)) < 0) {
		int en = errno;

		if (en == ELOOP && guarded)	/* as the rules say it */
			solr_seterr_at(e, SOLR_ERR_UNSAFE, path, 0, "a "
			    "symbolic link: refused where a file of the DCC's "
			    "is read (solr-world(5), SECURITY)");
		else if (en == ELOOP)
			solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "a "
			    "symbolic link: refused");
		else
			solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
			    strerror(en));
		errno = en;
		return -1;
	}
	/* O_NONBLOCK kept the open from waiting on a FIFO; it stays set,
	 * for it changes nothing on the regular file returned (open(2)) */
	if (fstat(fd, st) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	else if (guarded)
		r = rules(path, st, 0, e);
	else
		r = S_ISREG(st->st_mode) ? 0 : solr_seterr_at(e,
		    SOLR_ERR_CONFIG, path, 0, "not a regular file: refused");
	if (r != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

int
solr_open_regular(const char *path, int flags, int guarded,
    struct solr_err *e)
{
	struct stat st;

	return solr_open_regular_st(path, flags, guarded, &st, e);
}

FILE *
solr_fopen_guarded(const char *path, struct solr_err *e)
{
	FILE *f;
	int fd;

	if ((fd = solr_open_regular(path, O_RDONLY, 1, e)) < 0)
		return NULL;
	if ((f = fdopen(fd, "r")) == NULL) {
		solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s", strerror(errno));
		close(fd);
	}
	return f;
}

/* A program outside every root: each directory from / down, then the
 * file, as sshd holds an AuthorizedKeysCommand. */
static int
exec_chain(const char *path, struct solr_err *e)
{
	char dir[PATH_MAX];
	size_t n = strlen(path);
	char *slash;
	int r;

	if (n >= sizeof(dir))
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "path too long");
	memcpy(dir, path, n + 1);
	if ((r = lstat_rules("/", 1, e)) != 0)
		return r;
	for (slash = strchr(dir + 1, '/'); slash != NULL;
	    slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		r = lstat_rules(dir, 1, e);
		*slash = '/';
		if (r != 0)
			return r;
	}
	return 0;
}

int
solr_guard_exec(const char *path, char *real, size_t cap,
    struct solr_err *e)
{
	char buf[PATH_MAX];
	int r;

	if (root_of(path) == 0 && path[0] != '/')
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "not an "
		    "absolute path: a program is run only from a path checked "
		    "from / down");
	/* outside the trees, the system's own links (/bin to usr/bin) are
	 * followed: the path run is the one every folder of is checked */
	if (root_of(path) == 0) {
		if (realpath(path, buf) == NULL)
			return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "%s",
			    strerror(errno));
		path = buf;
		if ((r = exec_chain(path, e)) != 0)
			return r;
	}
	if ((size_t)snprintf(real, cap, "%s", path) >= cap)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "path too "
		    "long");
	if ((r = solr_guard(path, 0, e)) != 0)
		return r;
	if (access(path, X_OK) != 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "%s",
		    strerror(errno));
	return 0;
}
