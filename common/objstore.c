#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "objstore.h"

int
objstore_open(struct solr_objstore *os, const char *dir, struct solr_err *e)
{
	memset(os, 0, sizeof(*os));
	if ((size_t)snprintf(os->dir, sizeof(os->dir), "%s", dir) >=
	    sizeof(os->dir) - 80)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0,
		    "object store path too long");
	return solr_mkdirs(dir, e);
}

int
objstore_path(const struct solr_objstore *os, const char *name, char *path,
    size_t cap)
{
	if (!solr_is_sha256_hex(name))
		return SOLR_ERR_FORMAT;
	if ((size_t)snprintf(path, cap, "%s/%.2s/%s", os->dir, name,
	    name + 2) >= cap)
		return SOLR_ERR_LIMIT;
	return 0;
}

static int
fanout(const char *name)
{
	static const char hx[] = "0123456789abcdef";

	return (int)((strchr(hx, name[0]) - hx) << 4 |
	    (strchr(hx, name[1]) - hx));
}

int
objstore_put(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], struct solr_err *e)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct stat st;
	int r, fo;

	if ((r = solr_sha256_hex(p, n, name)) != 0)
		return solr_seterr(e, r, "SHA-256 failed");
	objstore_path(os, name, path, sizeof(path));
	/* idempotent: the name fixes the content */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size == n)
		return 0;
	fo = fanout(name);
	if (!os->made[fo]) {
		snprintf(sub, sizeof(sub), "%s/%.2s", os->dir, name);
		if (mkdir(sub, 0755) != 0 && errno != EEXIST)
			return solr_seterr_at(e, SOLR_ERR_IO, sub, 0,
			    "mkdir: %s", strerror(errno));
		os->made[fo] = 1;
	}
	return solr_write_atomic(path, p, n, 0, e);
}

int
objstore_get(struct solr_objstore *os, const char *name, size_t max,
    struct solr_buf *out, struct solr_err *e)
{
	char path[PATH_MAX], got[SOLR_SHA256_HEX];
	int r;

	if (!solr_is_sha256_hex(name))
		return solr_seterr(e, SOLR_ERR_FORMAT,
		    "object name '%.80s' is not 64 lower-case hex digits",
		    name);
	objstore_path(os, name, path, sizeof(path));
	if ((r = solr_read_file(path, max, out, e)) != 0)
		return r;
	if ((r = solr_sha256_hex(out->p, out->len, got)) != 0)
		return solr_seterr(e, r, "SHA-256 failed");
	if (strcmp(got, name) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0,
		    "object content hashes to %s, not to its name", got);
	return 0;
}
