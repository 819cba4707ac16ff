#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "sat.h"

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* The last entry of the log: its n and hash; *torn is where it starts when
 * its write did not finish, and SOLR_ERR_VERIFY when it is malformed. */
static int
tail(struct sat *s, uint64_t *n, char prev[SOLR_SHA256_HEX], off_t *torn,
    struct solr_err *e)
{
	char buf[65536 + 1], *p, *h, *entry;
	struct stat st;
	off_t off;
	ssize_t got;

	*n = 0;
	*torn = -1;
	memcpy(prev, zero_hash, SOLR_SHA256_HEX);
	if (fstat(s->fd, &st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	if (st.st_size == 0)
		return 0;
	off = st.st_size > 65536 ? st.st_size - 65536 : 0;
	if ((got = pread(s->fd, buf, (size_t)(st.st_size - off), off)) < 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	buf[got] = '\0';
	/* the last entry starts at the last "---" line */
	for (entry = NULL, p = buf; (p = strstr(p, "---\n")) != NULL; p++)
		if (p == buf || p[-1] == '\n')
			entry = p;
	h = entry ? strstr(entry, "\nhash: ") : NULL;
	if (entry != NULL && (h == NULL || strlen(h + 7) < 65 ||
	    (strlen(h + 7) == 65 && h[7 + 64] != '\n'))) {
		/* a write that did not finish: nothing was emitted after it
		 * (records leave after their entries are synced) */
		*torn = off + (entry - buf);
		return 0;
	}
	if (entry == NULL || h == NULL || strlen(h + 7) != 65 ||
	    h[7 + 64] != '\n')
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the last "
		    "entry is torn (a crash while it was written): move the "
		    "log aside or cut it at its last complete entry, then "
		    "check it with --verify-sat");
	memcpy(prev, h + 7, 64);
	prev[64] = '\0';
	if ((p = strstr(entry, "\nn: ")) == NULL)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the last "
		    "entry has no number");
	*n = strtoull(p + 4, NULL, 10);
	return 0;
}

int
sat_tail(struct sat *s, uint64_t *n, char last[SOLR_SHA256_HEX],
    struct solr_err *e)
{
	off_t torn;
	int r;

	if ((r = tail(s, n, last, &torn, e)) != 0)
		return r;
	if (torn >= 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the last "
		    "entry is torn");
	return 0;
}

int
sat_open(const char *dir, struct sat *s, struct solr_err *e)
{
	char objs[PATH_MAX];
	uint64_t n;
	char prev[SOLR_SHA256_HEX];
	off_t torn;
	int r;

	memset(s, 0, sizeof(*s));
	s->live_fd = -1;
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->log, sizeof(s->log), "%s/sat.log", dir);
	snprintf(objs, sizeof(objs), "%s/objects", dir);
	if ((r = solr_mkdirs(dir, e)) != 0 ||
	    (r = objstore_open(&s->objects, objs, e)) != 0)
		return r;
	if ((s->fd = open(s->log, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW,
	    0644)) < 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	while (flock(s->fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			close(s->fd);
			s->fd = -1;
			return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
			    "lock: %s", strerror(errno));
		}
	/* every writer holds sat/live shared: alone, what follows the
	 * signed head is a batch that died; with others at work, it may be
	 * one of theirs in flight */
	snprintf(objs, sizeof(objs), "%s/live", dir);
	if ((s->live_fd = open(objs, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, objs, 0, "%s",
		    strerror(errno));
		flock(s->fd, LOCK_UN);
		close(s->fd);
		s->fd = -1;
		return r;
	}
	s->alone = flock(s->live_fd, LOCK_EX | LOCK_NB) == 0;
	while (flock(s->live_fd, LOCK_SH) != 0 && errno == EINTR)
		;
	if ((r = tail(s, &n, prev, &torn, e)) == 0 && torn >= 0) {
		struct stat st;

		if (fstat(s->fd, &st) != 0 || ftruncate(s->fd, torn) != 0 ||
		    fsync(s->fd) != 0)
			r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "cutting "
			    "the torn last entry: %s", strerror(errno));
		else {
			s->cut = (int64_t)(st.st_size - torn);
			r = tail(s, &n, prev, &torn, e);
		}
	}
	flock(s->fd, LOCK_UN);
	if (r != 0) {
		close(s->fd);
		s->fd = -1;
		close(s->live_fd);
		s->live_fd = -1;
	}
	return r;
}

/* An object into the bundle, from src where at (a hint, may be NULL)
 * says, its bytes checked against its name. */
static int
place(struct sat *s, struct solr_objstore *src, const char *name,
    const char *at, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	int r;

	if ((r = objstore_get_at(src, name, at, 64 << 20, &b, e)) == 0)
		r = objstore_copy(&s->objects, name, &b, e);
	solr_buf_free(&b);
	return r;
}

int
sat_append(struct sat *s, struct ynode *body, struct solr_objstore *src,
    char **objects, char **at, size_t nobjects, struct solr_err *e)
{
	struct solr_buf text = { 0 };
	struct ynode *entry;
	char prev[SOLR_SHA256_HEX], hash[SOLR_SHA256_HEX];
	uint64_t n;
	size_t i;
	off_t torn;
	struct stat st;
	int r;

	for (i = 0; i < nobjects; i++)
		if ((r = place(s, src, objects[i], at[i], e)) != 0)
			return r;
	while (flock(s->fd, LOCK_EX) != 0)
		if (errno != EINTR)
			return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
			    "lock: %s", strerror(errno));
	/* another process may have appended since: the chain goes on from
	 * the entry that is last now */
	if ((r = tail(s, &n, prev, &torn, e)) != 0)
		goto out;
	if (torn >= 0) {
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the last "
		    "entry is torn: another process died while writing it");
		goto out;
	}
	if (fstat(s->fd, &st) != 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
		goto out;
	}
	if ((entry = yn_new_map(0)) == NULL) {
		r = SOLR_ERR_NOMEM;
		goto out;
	}
	yn_set_int(entry, "sat", 1);
	yn_set(entry, "n", yn_new_int((int64_t)n + 1));
	yn_set_str(entry, "prev", prev);
	for (i = 0; i + 1 < body->n; i += 2)
		yn_set(entry, body->items[i]->str, body->items[i + 1]);
	/* the entry's text, from "---" to the line before its hash */
	r = yn_write_doc(entry, &text);
	/* the values are the caller's: only the nodes made here are freed */
	for (i = 6; i < entry->n; i += 2) {
		yn_free(entry->items[i]);
		entry->items[i + 1] = NULL;
	}
	entry->n = 6;
	yn_free(entry);
	if (r != 0) {
		r = solr_seterr(e, r, "the SAT entry could not be written");
		goto out;
	}
	solr_sha256_hex(text.p, text.len, hash);
	solr_buf_add(&text, "hash: ", 6);
	solr_buf_add(&text, hash, 64);
	solr_buf_add(&text, "\n", 1);
	if (write(s->fd, text.p, text.len) != (ssize_t)text.len) {
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "write: %s",
		    strerror(errno));
		goto out;
	}
	if (!s->app.pending)
		s->n_before = n;
	solr_appended_note(&s->app, st.st_size, st.st_size +
	    (int64_t)text.len);
	s->unsynced++;
out:
	flock(s->fd, LOCK_UN);
	solr_buf_free(&text);
	return r;
}

int
sat_sync(struct sat *s, struct solr_err *e)
{
	int r;

	/* the objects before the entries that name them */
	if ((r = objstore_sync(&s->objects, e)) != 0)
		return r;
	if (s->fd < 0 || s->unsynced == 0)
		return 0;
	if (fsync(s->fd) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "fsync: %s",
		    strerror(errno));
	s->unsynced = 0;
	return 0;
}

void
sat_commit(struct sat *s)
{
	s->app.pending = 0;
}

int
sat_close(struct sat *s, struct solr_err *e)
{
	int r = 0;

	if (s->fd < 0)
		return 0;
	r = objstore_close(&s->objects, e);
	if (fsync(s->fd) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "fsync: %s",
		    strerror(errno));
	close(s->fd);
	s->fd = -1;
	if (s->live_fd >= 0)
		close(s->live_fd);
	s->live_fd = -1;
	solr_buf_free(&s->old_head);
	solr_buf_free(&s->my_head);
	return r;
}

/* Reading the log back, entry by entry. */

struct reader {
	FILE *f;
	char *line;
	size_t cap;
	int lineno;
	int pending;		/* a "---" line already read */
	struct solr_buf chunk;
	int start_line;
};

/* The next entry's text; 0 at the end. */
static int
next_entry(struct reader *rd)
{
	ssize_t l;

	rd->chunk.len = 0;
	if (rd->pending) {
		solr_buf_add(&rd->chunk, "---\n", 4);
		rd->start_line = rd->lineno;
		rd->pending = 0;
	}
	while ((l = getline(&rd->line, &rd->cap, rd->f)) > 0) {
		rd->lineno++;
		if (strcmp(rd->line, "---\n") == 0 && rd->chunk.len > 0) {
			rd->pending = 1;
			return 1;
		}
		if (rd->chunk.len == 0)
			rd->start_line = rd->lineno;
		solr_buf_add(&rd->chunk, rd->line, (size_t)l);
	}
	return rd->chunk.len > 0;
}

static int
split_hash(const struct solr_buf *c, size_t *textlen, char hash[65])
{
	const char *p;

	/* the last line: "hash: " and 64 hex digits */
	if (c->len < 71 || c->p[c->len - 1] != '\n')
		return -1;
	p = (const char *)c->p + c->len - 71;
	if (memcmp(p, "hash: ", 6) != 0 || (p != (const char *)c->p &&
	    p[-1] != '\n'))
		return -1;
	memcpy(hash, p + 6, 64);
	hash[64] = '\0';
	if (!solr_is_sha256_hex(hash))
		return -1;
	*textlen = c->len - 71;
	return 0;
}

int
sat_verify(const char *dir, uint64_t at, uint64_t *entries,
    char hash_at[SOLR_SHA256_HEX], char last[SOLR_SHA256_HEX],
    struct solr_err *e)
{
	struct reader rd = { 0 };
	struct solr_objstore os;
	char path[PATH_MAX], objs[PATH_MAX], prev[65], hash[65], got[65];
	uint64_t want = 1;
	size_t tl, i;
	int r = 0;

	*entries = 0;
	memcpy(prev, zero_hash, 65);
	if (hash_at)
		memcpy(hash_at, zero_hash, 65);
	snprintf(path, sizeof(path), "%s/sat.log", dir);
	snprintf(objs, sizeof(objs), "%s/objects", dir);
	objstore_open_read(&os, objs);
	if ((rd.f = fopen(path, "r")) == NULL)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	while (next_entry(&rd)) {
		struct ynode *t = NULL, *ol;
		const char *v;

		if (split_hash(&rd.chunk, &tl, hash) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
			    rd.start_line, "entry %llu is torn or has no hash "
			    "line", (unsigned long long)want);
			break;
		}
		solr_sha256_hex(rd.chunk.p, tl, got);
		if (strcmp(got, hash) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
			    rd.start_line, "entry %llu was changed: its content "
			    "hashes to %s, not to its hash %s",
			    (unsigned long long)want, got, hash);
			break;
		}
		if (yn_parse((const char *)rd.chunk.p, tl, path, rd.start_line,
		    &t, e) != 0) {
			r = SOLR_ERR_VERIFY;
			break;
		}
		v = yn_get_str(t, "prev");
		if (v == NULL || strcmp(v, prev) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
			    rd.start_line, "entry %llu does not follow the one "
			    "before it (prev %s, but that entry's hash is %s)",
			    (unsigned long long)want, v ? v : "missing", prev);
			yn_free(t);
			break;
		}
		v = yn_get_str(t, "n");
		if (v == NULL || strtoull(v, NULL, 10) != want) {
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
			    rd.start_line, "entry %llu is numbered %s",
			    (unsigned long long)want, v ? v : "nothing");
			yn_free(t);
			break;
		}
		ol = yn_get(t, "objects");
		for (i = 0; ol && ol->kind == YN_SEQ && i < ol->n; i++) {
			struct solr_buf b = { 0 };
			struct solr_err oe;

			if (objstore_get(&os, ol->items[i]->str, 64 << 20, &b,
			    &oe) != 0) {
				r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
				    rd.start_line, "entry %llu: object %s: %s",
				    (unsigned long long)want, ol->items[i]->str,
				    oe.msg);
			}
			solr_buf_free(&b);
			if (r)
				break;
		}
		yn_free(t);
		if (r)
			break;
		memcpy(prev, hash, 65);
		if (hash_at && want == at)
			memcpy(hash_at, hash, 65);
		*entries = want++;
	}
	if (last)
		memcpy(last, prev, 65);
	(void)objstore_close(&os, NULL);
	free(rd.line);
	solr_buf_free(&rd.chunk);
	fclose(rd.f);
	return r;
}

int
sat_each(const char *dir, int (*fn)(void *, struct ynode *), void *arg,
    struct solr_err *e)
{
	struct reader rd = { 0 };
	char path[PATH_MAX], hash[65];
	size_t tl;
	int r = 0;

	snprintf(path, sizeof(path), "%s/sat.log", dir);
	if ((rd.f = fopen(path, "r")) == NULL)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	while (r == 0 && next_entry(&rd)) {
		struct ynode *t = NULL;

		if (split_hash(&rd.chunk, &tl, hash) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
			    rd.start_line, "a torn entry");
			break;
		}
		if ((r = yn_parse((const char *)rd.chunk.p, tl, path,
		    rd.start_line, &t, e)) != 0)
			break;
		r = fn(arg, t);
		yn_free(t);
	}
	free(rd.line);
	solr_buf_free(&rd.chunk);
	fclose(rd.f);
	return r;
}
