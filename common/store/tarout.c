#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/guard.h"
#include "base/util.h"
#include "store/tarout.h"

#define BLOCK 512

int
tar_out_open(struct tar_out *t, const char *path, struct solr_err *e)
{
	char dir[4096], *d;
	struct stat st;

	t->fd = -1;
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	/* its folder made when it is not there (one that is, is the user's
	 * choice: a /tmp too) */
	d = dirname(dir);
	if (stat(d, &st) != 0 && solr_mkdirs(d, e) != 0)
		return e->code;
	/* a copy the tools write and never read: anywhere the user may
	 * write (a /tmp too), but a regular file of the user's own, reached
	 * by no symbolic link */
	if ((t->fd = solr_open_regular(path, O_WRONLY | O_CREAT | O_APPEND, 0,
	    e)) < 0)
		return e->code ? e->code : SOLR_ERR_IO;
	if (fstat(t->fd, &st) != 0 || st.st_uid != geteuid()) {
		close(t->fd);
		t->fd = -1;
		return solr_seterr_at(e, SOLR_ERR_UNSAFE, path, 0, "not the "
		    "user's own file: refused");
	}
	return 0;
}

/* An octal field of w bytes, NUL-ended. */
static void
octal(char *f, size_t w, uint64_t v)
{
	snprintf(f, w, "%0*llo", (int)w - 1, (unsigned long long)v);
}

int
tar_out_add(struct tar_out *t, const char *name, const void *p, size_t n,
    int64_t mtime, struct solr_err *e)
{
	unsigned char *m;
	size_t len = BLOCK + (n + BLOCK - 1) / BLOCK * BLOCK, i;
	unsigned sum = 0;
	ssize_t w;
	char *h;
	int r = 0;

	if (t->fd < 0)
		return 0;
	if (strlen(name) > 100 || strchr(name, '/') != NULL)
		return solr_seterr_at(e, SOLR_ERR_INTERNAL, t->path, 0, "a "
		    "member name of more than 100 bytes: %s", name);
	if ((m = calloc(1, len)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	h = (char *)m;
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	octal(h + 124, 12, n);
	octal(h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
	memset(h + 148, ' ', 8);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	for (i = 0; i < BLOCK; i++)
		sum += m[i];
	snprintf(h + 148, 8, "%06o", sum);
	memcpy(m + BLOCK, p, n);
	/* one member, one write, under the archive's lock: appenders of
	 * other processes never interleave */
	if (solr_flock(t->fd, LOCK_EX) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, t->path, 0, "lock: %s",
		    strerror(errno));
	else {
		if ((w = write(t->fd, m, len)) != (ssize_t)len)
			r = solr_seterr_at(e, SOLR_ERR_IO, t->path, 0, "write: "
			    "%s", w < 0 ? strerror(errno) : "short");
		flock(t->fd, LOCK_UN);
	}
	free(m);
	return r;
}

int
tar_out_close(struct tar_out *t, struct solr_err *e)
{
	int r = 0;

	if (t->fd < 0)
		return 0;
	if (fsync(t->fd) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, t->path, 0, "fsync: %s",
		    strerror(errno));
	if (close(t->fd) != 0 && r == 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, t->path, 0, "close: %s",
		    strerror(errno));
	t->fd = -1;
	return r;
}
