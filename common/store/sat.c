#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/guard.h"
#include "base/layout.h"
#include "base/progress.h"
#include "base/crypto.h"
#include "store/record.h"
#include "store/sat.h"
#include "base/yread.h"
#include "base/ywrite.h"

/* The keys of an entry (solr-sat(5)), named once. */
enum sat_key {
	SK_SAT, SK_N, SK_PREV, SK_AT, SK_ACTOR, SK_TOOL, SK_WORLD, SK_RECORD,
	SK_OBJECTS, SK_OBJECTS_MISSING, SK_INVENTORY, SK_ENTRIES, SK_HEAD,
	SK_POLICY_SHA256, SK_REGISTRY_SHA256, SK_INSTRUCTIONS_SHA256,
	SK_FAILED_SUPPLIERS_VERSION, SK_FAILED_SUPPLIERS_SHA256,
	SK_ADT_SHA256, SK_INSTRUCTION, SK_CERTIFICATE_SERIALS,
};
static const char *const sk[] = {
	[SK_SAT] = "sat", [SK_N] = "n", [SK_PREV] = "prev", [SK_AT] = "at",
	[SK_ACTOR] = "actor", [SK_TOOL] = "tool", [SK_WORLD] = "world",
	[SK_RECORD] = "record", [SK_OBJECTS] = "objects",
	[SK_OBJECTS_MISSING] = "objects_missing",
	[SK_INVENTORY] = "inventory", [SK_ENTRIES] = "entries",
	[SK_HEAD] = "head", [SK_POLICY_SHA256] = "policy_sha256",
	[SK_REGISTRY_SHA256] = "registry_sha256",
	[SK_INSTRUCTIONS_SHA256] = "instructions_sha256",
	[SK_FAILED_SUPPLIERS_VERSION] = "failed_suppliers_version",
	[SK_FAILED_SUPPLIERS_SHA256] = "failed_suppliers_sha256",
	[SK_ADT_SHA256] = "adt_sha256", [SK_INSTRUCTION] = "instruction",
	[SK_CERTIFICATE_SERIALS] = "certificate_serials",
};

#define SAT_VERSION 2	/* an entry's "sat:": 2 has the writer's MAC */

static int place(struct sat *, struct solr_objstore *, const char *,
    const char *, enum sat_copy, struct solr_err *);

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* The parts of one entry's text. */
struct entry_parts {
	size_t body;		/* bytes the MAC covers: from "---" to "mac:" */
	size_t hashed;		/* bytes the hash covers: to "hash:" */
	char mac[65], hash[65];
	uint64_t n;
	char prev[65];
};

/* Its last two lines: "mac: " and 64 hex digits, "hash: " and 64; its
 * first four: "---", "sat: 2", "n: N", "prev: " and 64. */
static int
split_entry(const struct solr_buf *c, struct entry_parts *p)
{
	const char *t = (const char *)c->p, *h, *m;
	char head[32], *end;
	size_t q;

	if (c->len < 71 + 70 || t[c->len - 1] != '\n')
		return -1;
	h = t + c->len - 71;
	m = h - 70;
	if (memcmp(h, "hash: ", 6) != 0 || memcmp(m, "mac: ", 5) != 0 ||
	    (m != t && m[-1] != '\n'))
		return -1;
	memcpy(p->hash, h + 6, 64);
	p->hash[64] = '\0';
	memcpy(p->mac, m + 5, 64);
	p->mac[64] = '\0';
	if (!solr_is_sha256_hex(p->hash) || !solr_is_sha256_hex(p->mac) ||
	    m[69] != '\n')
		return -1;
	p->hashed = (size_t)(h - t);
	p->body = (size_t)(m - t);
	snprintf(head, sizeof(head), "---\nsat: %d\nn: ", SAT_VERSION);
	if (p->body < strlen(head) || memcmp(t, head, strlen(head)) != 0 ||
	    t[strlen(head)] < '1' || t[strlen(head)] > '9')
		return -2;
	errno = 0;
	p->n = strtoull(t + strlen(head), &end, 10);
	/* prev: 64 hex digits, quoted when they look like a number */
	q = (size_t)(end - t) + 7 < p->body && end[7] == '\'';
	if (errno != 0 || (size_t)(end - t) + 7 + 65 + 2 * q > p->body ||
	    memcmp(end, "\nprev: ", 7) != 0 || (q && end[7 + 65] != '\'') ||
	    end[7 + 64 + 2 * q] != '\n')
		return -2;
	memcpy(p->prev, end + 7 + q, 64);
	p->prev[64] = '\0';
	return solr_is_sha256_hex(p->prev) ? 0 : -2;
}

/* The last entry of the log: its n and hash; *torn is where it starts when
 * its write did not finish, and SOLR_ERR_VERIFY when it is malformed. */
static int
tail(struct sat *s, uint64_t *n, char prev[SOLR_SHA256_HEX], off_t *torn,
    struct solr_err *e)
{
	char buf[65536 + 1], *p, *h, *entry;
	struct entry_parts parts;
	struct solr_buf c;
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
	/* read as sat_verify reads every entry */
	c.p = (unsigned char *)entry;
	c.len = strlen(entry);
	if (split_entry(&c, &parts) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the last "
		    "entry is malformed: check the log with --verify-sat");
	*n = parts.n;
	memcpy(prev, parts.hash, SOLR_SHA256_HEX);
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

/* The log's or live file's descriptor: a regular file of the owner's. */
static int
open_own(const char *path, struct solr_err *e)
{
	struct stat st;

	if (lstat(path, &st) == 0 && solr_guard(path, 0, e) != 0)
		return -1;
	return solr_open_regular(path, O_RDWR | O_APPEND | O_CREAT, 1, e);
}

int
sat_open(const char *dir, const unsigned char key[32], const char *world,
    struct sat *s, struct solr_err *e)
{
	char objs[PATH_MAX];
	uint64_t n;
	char prev[SOLR_SHA256_HEX];
	off_t torn;
	int r;

	memset(s, 0, sizeof(*s));
	s->fd = s->live_fd = -1;
	memcpy(s->key, key, sizeof(s->key));
	world_path(s->heads, sizeof(s->heads), world, WF_SAT_HEADS);
	memcpy(s->v.hash, zero_hash, SOLR_SHA256_HEX);
	snprintf(s->dir, sizeof(s->dir), "%s", dir);
	snprintf(s->log, sizeof(s->log), "%s/sat.log", dir);
	snprintf(objs, sizeof(objs), "%s/objects", dir);
	if ((r = solr_mkdirs(dir, e)) != 0 || (r = solr_guard_root(dir, e)) !=
	    0 || (r = objstore_open(&s->objects, objs, e)) != 0 ||
	    (r = solr_guard(objs, 1, e)) != 0)
		return r;
	if ((s->fd = open_own(s->log, e)) < 0)
		return e->code;
	if (solr_flock(s->fd, LOCK_EX) != 0) {
		close(s->fd);
		s->fd = -1;
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
		    "lock: %s", strerror(errno));
	}
	/* every writer holds sat/live shared: alone, what follows the
	 * signed head is a batch that died; with others at work, it may be
	 * one of theirs in flight (and is checked like every entry) */
	snprintf(objs, sizeof(objs), "%s/live", dir);
	if ((s->live_fd = open_own(objs, e)) < 0) {
		r = e->code;
		flock(s->fd, LOCK_UN);
		close(s->fd);
		s->fd = -1;
		return r;
	}
	s->alone = flock(s->live_fd, LOCK_EX | LOCK_NB) == 0;
	if (solr_flock(s->live_fd, LOCK_SH) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "lock: %s",
		    strerror(errno));
	else if ((r = tail(s, &n, prev, &torn, e)) == 0 && torn >= 0) {
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

int
sat_place(struct sat *s, struct solr_objstore *src, const char *name,
    const char *at, enum sat_copy how, struct solr_err *e)
{
	return place(s, src, name, at, how, e);
}

/* Copies b into the bundle under name: looked for first (SAT_COPY_ONCE),
 * or not, unless it is among the names last copied so. */
static int
copy_in(struct sat *s, const char *name, const struct solr_buf *b,
    enum sat_copy how, struct solr_err *e)
{
	unsigned char sha[32], *slot;
	size_t len;
	int r;

	if (how != SAT_COPY_NEW || solr_unhex(name, 64, sha, sizeof(sha),
	    &len) != 0 || len != 32)
		return objstore_copy(&s->objects, name, b, e);
	if (s->copied == NULL && (s->copied = calloc(SAT_COPIED_SLOTS,
	    sizeof(*s->copied))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	slot = s->copied[(((size_t)sha[0] << 8 | sha[1]) << 8 | sha[2]) %
	    SAT_COPIED_SLOTS];
	if (memcmp(slot, sha, 32) == 0)
		return 0;
	if ((r = objstore_copy_new(&s->objects, name, b, e)) == 0)
		memcpy(slot, sha, 32);
	return r;
}

/* An object into the bundle, from src where at (a hint, may be NULL)
 * says, its bytes checked against its name. */
static int
place(struct sat *s, struct solr_objstore *src, const char *name,
    const char *at, enum sat_copy how, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	int r;

	if ((r = objstore_get_at(src, name, at, 64 << 20, &b, e)) == 0)
		r = copy_in(s, name, &b, how, e);
	solr_buf_free(&b);
	return r;
}

/* Entry n + 1's text after prev: the body's keys, the writer's MAC over
 * them, and the hash over both. */
static int
entry_text(struct sat *s, struct ynode *body, uint64_t n, const char *prev,
    struct solr_buf *text, struct solr_err *e)
{
	struct ynode *entry;
	unsigned char mac[32];
	char hash[SOLR_SHA256_HEX], machex[65];
	size_t i;
	int r;

	if ((entry = yn_new_map(0)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	r = yn_set_int(entry, sk[SK_SAT], SAT_VERSION);
	r = r ? r : yn_set(entry, sk[SK_N], yn_new_int((int64_t)n + 1));
	r = r ? r : yn_set_str(entry, sk[SK_PREV], prev);
	for (i = 0; r == 0 && i + 1 < body->n; i += 2)
		r = yn_set(entry, body->items[i]->str, body->items[i + 1]);
	/* the entry's text, from "---" to the line before its hash */
	r = r ? r : yn_write_doc(entry, text);
	/* the values are the caller's: only the nodes made here are freed */
	for (i = 6; i < entry->n; i += 2) {
		yn_free(entry->items[i]);
		entry->items[i + 1] = NULL;
	}
	if (entry->n > 6)
		entry->n = 6;
	yn_free(entry);
	if (r != 0)
		return solr_seterr(e, r, "the SAT entry could not be written");
	/* the writer's MAC over the entry, then the hash over both */
	if (solr_hmac(s->key, text->p, text->len, mac) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 failed");
	solr_hex(mac, sizeof(mac), machex);
	if (solr_buf_add(text, "mac: ", 5) != 0 ||
	    solr_buf_add(text, machex, 64) != 0 ||
	    solr_buf_add(text, "\n", 1) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	solr_sha256_hex(text->p, text->len, hash);
	if (solr_buf_add(text, "hash: ", 6) != 0 ||
	    solr_buf_add(text, hash, 64) != 0 ||
	    solr_buf_add(text, "\n", 1) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	return 0;
}

/* An entry of the batch: its text after the batch's last, held. */
static int
batch_entry(struct sat *s, struct ynode *body, struct solr_err *e)
{
	struct solr_buf text = { 0 };
	int r;

	if (s->locked_fill != NULL && s->locked_fill(s->locked_arg, body))
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if ((r = entry_text(s, body, s->batch_n, s->batch_prev, &text, e)) ==
	    0 && solr_buf_add(&s->batch_text, text.p, text.len) != 0)
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (r == 0) {
		s->batch_n++;
		memcpy(s->batch_prev, text.p + text.len - 65, 64);
		s->batch_prev[64] = '\0';
		s->batch_entries++;
	}
	solr_buf_free(&text);
	return r;
}

/* Under the lock: the log's identity, and the number and hash of the
 * entry the chain goes on from. */
static int
chain_end(struct sat *s, struct stat *st, uint64_t *n,
    char prev[SOLR_SHA256_HEX], struct solr_err *e)
{
	off_t torn;
	int r;

	if (fstat(s->fd, st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	/* another process may have appended since: the chain goes on from
	 * the entry that is last now (ours, while the log ends where our
	 * last entry did) */
	if (s->end.valid && s->end.dev == st->st_dev && s->end.ino ==
	    st->st_ino && s->end.size == (int64_t)st->st_size) {
		*n = s->end.n;
		memcpy(prev, s->end.hash, SOLR_SHA256_HEX);
		return 0;
	}
	if ((r = tail(s, n, prev, &torn, e)) != 0)
		return r;
	if (torn >= 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the last "
		    "entry is torn: another process died while writing it");
	return 0;
}

int
sat_batch_begin(struct sat *s, struct solr_err *e)
{
	int r;

	if (solr_flock(s->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
		    "lock: %s", strerror(errno));
	if ((r = chain_end(s, &s->batch_st, &s->batch_n, s->batch_prev,
	    e)) != 0) {
		flock(s->fd, LOCK_UN);
		return r;
	}
	s->end.valid = 0;
	s->batch = 1;
	s->batch_n0 = s->batch_n;
	s->batch_text.len = 0;
	s->batch_entries = 0;
	return 0;
}

int
sat_batch_end(struct sat *s, int keep, struct solr_err *e)
{
	const struct solr_buf *t = &s->batch_text;
	int64_t size = (int64_t)s->batch_st.st_size;
	ssize_t w = 0;
	int r = 0;

	if (!s->batch)
		return 0;
	s->batch = 0;
	/* the objects before the entries that name them */
	if (keep && t->len > 0 && (r = objstore_flush(&s->objects, e)) == 0 &&
	    (w = write(s->fd, t->p, t->len)) != (ssize_t)t->len) {
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "write: %s",
		    w < 0 ? strerror(errno) : "short write");
	}
	/* what went is this batch's, to be taken back if it cannot stay */
	if (w > 0) {
		if (!s->app.pending)
			s->n_before = s->batch_n0;
		solr_appended_note(&s->app, size, size + (int64_t)w);
	}
	if (keep && t->len > 0 && r == 0) {
		s->end.valid = 1;
		s->end.dev = s->batch_st.st_dev;
		s->end.ino = s->batch_st.st_ino;
		s->end.size = size + (int64_t)t->len;
		s->end.n = s->batch_n;
		memcpy(s->end.hash, s->batch_prev, SOLR_SHA256_HEX);
		s->unsynced += s->batch_entries;
	}
	flock(s->fd, LOCK_UN);
	s->batch_text.len = 0;
	return r;
}

int
sat_append(struct sat *s, struct ynode *body, struct solr_objstore *src,
    char **objects, char **at, const struct solr_buf *const *bytes,
    size_t nobjects, enum sat_copy how, struct solr_err *e)
{
	struct solr_buf text = { 0 };
	char prev[SOLR_SHA256_HEX];
	uint64_t n;
	size_t i;
	struct stat st;
	int r;

	for (i = 0; i < nobjects; i++)
		if ((r = bytes == NULL || bytes[i] == NULL ?
		    place(s, src, objects[i], at[i], how, e) :
		    copy_in(s, objects[i], bytes[i], how, e)) != 0)
			return r;
	if (s->batch)
		return batch_entry(s, body, e);
	if (solr_flock(s->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
		    "lock: %s", strerror(errno));
	if ((r = chain_end(s, &st, &n, prev, e)) != 0)
		goto out;
	s->end.valid = 0;
	if (s->locked_fill != NULL && s->locked_fill(s->locked_arg, body)) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((r = entry_text(s, body, n, prev, &text, e)) != 0)
		goto out;
	/* the objects before the entry that names them */
	if ((r = objstore_flush(&s->objects, e)) != 0)
		goto out;
	if (write(s->fd, text.p, text.len) != (ssize_t)text.len) {
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "write: %s",
		    strerror(errno));
		goto out;
	}
	/* the entry ends with its hash line */
	s->end.valid = 1;
	s->end.dev = st.st_dev;
	s->end.ino = st.st_ino;
	s->end.size = (int64_t)st.st_size + (int64_t)text.len;
	s->end.n = n + 1;
	memcpy(s->end.hash, text.p + text.len - 65, 64);
	s->end.hash[64] = '\0';
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
	solr_buf_free(&s->batch_text);
	free(s->copied);
	s->copied = NULL;
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
	uint64_t size;		/* the log's, for the progress shown */
	int ended;		/* its end reached (and reported) */
	int64_t pos;		/* bytes read from the log */
	int64_t pending_off;	/* where the pending "---" line began */
	int64_t start_off;	/* where the entry in chunk begins */
};

/* The reader's log closed, and what it held freed. */
static void
reader_close(struct reader *rd)
{
	free(rd->line);
	solr_buf_free(&rd->chunk);
	fclose(rd->f);
}

/* The next entry's text; 0 at the end. */
static int
next_entry(struct reader *rd)
{
	ssize_t l;

	rd->chunk.len = 0;
	if (rd->pending) {
		solr_buf_add(&rd->chunk, "---\n", 4);
		rd->start_line = rd->lineno;
		rd->start_off = rd->pending_off;
		rd->pending = 0;
	}
	while ((l = getline(&rd->line, &rd->cap, rd->f)) > 0) {
		rd->lineno++;
		rd->pos += l;
		if (strcmp(rd->line, "---\n") == 0 && rd->chunk.len > 0) {
			rd->pending = 1;
			rd->pending_off = rd->pos - l;
			if (solr_progress_on() && rd->size > 0)
				solr_progress("bytes of sat.log",
				    (uint64_t)ftello(rd->f), rd->size);
			return 1;
		}
		if (rd->chunk.len == 0) {
			rd->start_line = rd->lineno;
			rd->start_off = rd->pos - l;
		}
		solr_buf_add(&rd->chunk, rd->line, (size_t)l);
	}
	if (!rd->ended && rd->size > 0)
		solr_progress("bytes of sat.log", rd->size, rd->size);
	rd->ended = 1;
	return rd->chunk.len > 0;
}

/* One entry, the chain on from (want, prev): its form, its hash, its
 * number, its link and, with key, its MAC.  0, or SOLR_ERR_VERIFY naming
 * the entry (where: the log, line). */
static int
check_entry(const struct solr_buf *c, const unsigned char *key,
    uint64_t want, const char *prev, struct entry_parts *p, const char *where,
    int line, struct solr_err *e)
{
	unsigned char mac[32];
	char got[65];
	int r;

	if ((r = split_entry(c, p)) == -1)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, where, line, "entry "
		    "%llu is torn, or lacks its mac or hash line",
		    (unsigned long long)want);
	if (r != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, where, line, "entry "
		    "%llu does not begin with sat: %d, its number and prev",
		    (unsigned long long)want, SAT_VERSION);
	solr_sha256_hex(c->p, p->hashed, got);
	if (strcmp(got, p->hash) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, where, line, "entry "
		    "%llu was changed: its content hashes to %s, not to its "
		    "hash %s", (unsigned long long)want, got, p->hash);
	if (strcmp(p->prev, prev) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, where, line, "entry "
		    "%llu does not follow the one before it (prev %s, but that "
		    "entry's hash is %s)", (unsigned long long)want, p->prev,
		    prev);
	if (p->n != want)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, where, line, "entry "
		    "%llu is numbered %llu", (unsigned long long)want,
		    (unsigned long long)p->n);
	if (key != NULL) {
		if (solr_hmac(key, c->p, p->body, mac) != 0)
			return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 "
			    "failed");
		solr_hex(mac, sizeof(mac), got);
		if (CRYPTO_memcmp(got, p->mac, 64) != 0)
			return solr_seterr_at(e, SOLR_ERR_VERIFY, where, line,
			    "entry %llu was not written by a writer of this "
			    "world: its MAC does not verify with the world's "
			    "trail key", (unsigned long long)want);
	}
	return 0;
}

int
sat_check_new(struct sat *s, struct solr_err *e)
{
	struct reader rd = { 0 };
	struct entry_parts p;
	struct stat st;
	int fd, r = 0;

	if (fstat(s->fd, &st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	if (st.st_size < s->v.off)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "%lld "
		    "bytes, shorter than the %lld this writer checked: the "
		    "trail was cut under it; check it with solr-sat verify",
		    (long long)st.st_size, (long long)s->v.off);
	if (st.st_size == s->v.off)
		return 0;
	if ((fd = dup(s->fd)) < 0 || (rd.f = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	}
	if (fseeko(rd.f, (off_t)s->v.off, SEEK_SET) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	while (r == 0 && next_entry(&rd)) {
		if ((r = check_entry(&rd.chunk, s->key, s->v.n + 1, s->v.hash,
		    &p, s->log, 0, e)) != 0)
			break;
		s->v.n++;
		memcpy(s->v.hash, p.hash, SOLR_SHA256_HEX);
		s->v.off += (int64_t)rd.chunk.len;
	}
	if (r == 0 && s->v.off != st.st_size)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "entry %llu "
		    "does not start where the one before it ends",
		    (unsigned long long)s->v.n + 1);
	if (r != 0 && e->code == SOLR_ERR_VERIFY) {
		char why[sizeof(e->msg)];

		snprintf(why, sizeof(why), "%s", e->msg);
		solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "%s; no head is "
		    "signed over it, and this writer stops", why);
	}
	reader_close(&rd);
	return r;
}

int
sat_entry_offset(struct sat *s, uint64_t n, int64_t *off, struct solr_err *e)
{
	char want[64], *buf, *p, *found;
	struct stat st;
	size_t span, wl;
	off_t from;
	ssize_t got;

	if (fstat(s->fd, &st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	if (n == 0) {
		*off = 0;
		return 0;
	}
	wl = (size_t)snprintf(want, sizeof(want), "---\nsat: %d\nn: %llu\n",
	    SAT_VERSION, (unsigned long long)n + 1);
	/* from the end back, in spans that grow: what follows the head is a
	 * batch of each writer at work */
	for (span = 1 << 20;; span *= 4) {
		from = st.st_size > (off_t)span ? st.st_size - (off_t)span : 0;
		if ((buf = malloc((size_t)(st.st_size - from) + 1)) == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		got = pread(s->fd, buf, (size_t)(st.st_size - from), from);
		buf[got > 0 ? got : 0] = '\0';
		found = NULL;
		for (p = buf; got > 0 && (p = memmem(p, (size_t)(buf + got - p),
		    want, wl)) != NULL; p++)
			if ((p == buf && from == 0) || (p > buf && p[-1] ==
			    '\n')) {
				found = p;
				break;
			}
		if (found != NULL)
			*off = (int64_t)(from + (found - buf));
		free(buf);
		if (found != NULL)
			return 0;
		if (from == 0)
			break;
	}
	return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "entry %llu is "
	    "not where the signed head ends", (unsigned long long)n + 1);
}

int
sat_last_entry(struct sat *s, struct ynode **out, struct solr_err *e)
{
	struct solr_buf c = { 0 };
	struct entry_parts p = { 0 };
	char last[SOLR_SHA256_HEX], prev[SOLR_SHA256_HEX];
	struct stat st;
	uint64_t n;
	int64_t off;
	ssize_t got;
	int r;

	*out = NULL;
	/* under the lock: no other writer is half way through an entry */
	if (solr_flock(s->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
		    "lock: %s", strerror(errno));
	if ((r = sat_tail(s, &n, last, e)) != 0 || n == 0 ||
	    (r = sat_entry_offset(s, n - 1, &off, e)) != 0)
		goto out;
	if (fstat(s->fd, &st) != 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
		goto out;
	}
	if (st.st_size <= off || (c.p = malloc((size_t)(st.st_size - off))) ==
	    NULL) {
		r = st.st_size <= off ? solr_seterr_at(e, SOLR_ERR_VERIFY,
		    s->log, 0, "entry %llu is not there", (unsigned long long)n)
		    : solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	c.cap = (size_t)(st.st_size - off);
	if ((got = pread(s->fd, c.p, c.cap, (off_t)off)) != (ssize_t)c.cap)
		r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "cannot read "
		    "entry %llu", (unsigned long long)n);
	c.len = c.cap;
	/* read only when it is the trail's: its hash, and its MAC under
	 * the world's trail key */
	if (r == 0 && split_entry(&c, &p) != 0)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "entry %llu "
		    "is malformed", (unsigned long long)n);
	memcpy(prev, p.prev, sizeof(prev));
	if (r == 0)
		r = check_entry(&c, s->key, n, prev, &p, s->log, 0, e);
	if (r == 0 && strcmp(p.hash, last) != 0)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "entry %llu "
		    "is not the last", (unsigned long long)n);
	if (r == 0 && yn_parse((const char *)c.p, p.body, s->log, 0, out,
	    e) != 0)
		r = SOLR_ERR_VERIFY;
out:
	flock(s->fd, LOCK_UN);
	solr_buf_free(&c);
	return r;
}

/* The trail's log in dir, opened for reading as a guarded file (its
 * path into path). */
static uint64_t
log_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_size > 0 ? (uint64_t)st.st_size :
	    0;
}

static int
open_log(const char *dir, char *path, size_t cap, struct reader *rd,
    struct solr_err *e)
{
	int fd;

	snprintf(path, cap, "%s/sat.log", dir);
	if ((fd = solr_open_regular(path, O_RDONLY, 1, e)) < 0)
		return e->code;
	if ((rd->f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	}
	rd->size = log_size(fd);
	/* read in large pieces: a day's log is a gigabyte */
	(void)setvbuf(rd->f, NULL, _IOFBF, 1 << 20);
	return 0;
}

static int
any_object(void *arg, const char *name, const struct solr_buf *b,
    struct solr_err *e)
{
	(void)arg;
	(void)name;
	(void)b;
	(void)e;
	return 0;
}

/* The device inventory an entry recorded (world.inventory) against the
 * one the entries before it recorded: it only grows, so fewer entries,
 * or as many with another head, is a rollback or a replacement. */
struct inv_seen {
	uint64_t n;		/* entries recorded */
	uint64_t at;		/* by this trail entry */
	char head[65];
};

int
sat_entry_inventory(const struct ynode *entry, int *has, uint64_t *n,
    char head[SOLR_SHA256_HEX])
{
	const struct ynode *inv = yn_get(sat_entry_world(entry),
	    sk[SK_INVENTORY]);
	const char *nv, *hv;

	if ((*has = inv != NULL) == 0)
		return 0;
	nv = yn_get_str(inv, sk[SK_ENTRIES]);
	hv = yn_get_str(inv, sk[SK_HEAD]);
	if (nv == NULL || solr_parse_uint(nv, UINT64_MAX, n) != 0 ||
	    hv == NULL || !solr_is_sha256_hex(hv))
		return SOLR_ERR_FORMAT;
	memcpy(head, hv, SOLR_SHA256_HEX);
	return 0;
}

static int
inventory_grows(const struct ynode *t, struct inv_seen *seen, uint64_t want,
    const char *path, int line, struct solr_err *e)
{
	char hv[SOLR_SHA256_HEX];
	uint64_t n;
	int r, has;

	if ((r = sat_entry_inventory(t, &has, &n, hv)) == 0 && !has)
		return 0;
	if (r != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, line, "entry "
		    "%llu: world.inventory is not {entries, head}",
		    (unsigned long long)want);
	if (seen->at != 0 && (n < seen->n || (n == seen->n &&
	    strcmp(hv, seen->head) != 0)))
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, line, "entry "
		    "%llu: the device inventory it was decided with has %llu "
		    "entries%s, after entry %llu recorded %llu: it was %s",
		    (unsigned long long)want, (unsigned long long)n,
		    n == seen->n ? " and another head" : "",
		    (unsigned long long)seen->at, (unsigned long long)seen->n,
		    n < seen->n ? "rolled back" : "replaced");
	seen->n = n;
	seen->at = want;
	memcpy(seen->head, hv, sizeof(seen->head));
	return 0;
}

static int verify(const char *, const unsigned char *, struct sat_pos *,
    size_t, uint64_t *, char [SOLR_SHA256_HEX], struct sat_query *,
    struct solr_err *);

int
sat_verify(const char *dir, const unsigned char *key, struct sat_pos *at,
    size_t nat, uint64_t *entries, char last[SOLR_SHA256_HEX],
    struct solr_err *e)
{
	return verify(dir, key, at, nat, entries, last, NULL, e);
}

int
sat_verify_chain(const char *dir, const unsigned char *key,
    struct sat_pos *at, size_t nat, uint64_t *entries,
    char last[SOLR_SHA256_HEX], struct sat_query *q, struct solr_err *e)
{
	static struct sat_query none;

	return verify(dir, key, at, nat, entries, last, q ? q : &none, e);
}

/* A query's candidate: where its entry begins, and its hash. */
static int
candidate(struct sat_query *q, int64_t off, const char hash[65])
{
	int64_t *n;
	char (*h)[65];
	size_t cap;

	if (q->n == q->cap) {
		cap = q->cap ? q->cap * 2 : 64;
		if ((n = realloc(q->offs, cap * sizeof(*n))) == NULL)
			return -1;
		q->offs = n;
		if ((h = realloc(q->hashes, cap * sizeof(*h))) == NULL)
			return -1;
		q->hashes = h;
		q->cap = cap;
	}
	q->offs[q->n] = off;
	memcpy(q->hashes[q->n++], hash, 65);
	return 0;
}

/* Each object an entry names is in the bundle, hashing to its name. */
static int
entry_objects(struct solr_objstore *os, const struct ynode *ol, uint64_t n,
    const char *path, int line, struct solr_err *e)
{
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && ol && ol->kind == YN_SEQ && i < ol->n; i++) {
		struct solr_buf b = { 0 };
		struct solr_err oe = { 0 };
		char why[1400];

		if (!yn_is_scalar(ol->items[i]) || objstore_get(os,
		    ol->items[i]->str, 64 << 20, &b, &oe) != 0)
			r = solr_seterr_at(e, oe.code == SOLR_ERR_UNSAFE ?
			    SOLR_ERR_UNSAFE : SOLR_ERR_VERIFY, path, line,
			    "entry %llu: object %s: %s", (unsigned long long)n,
			    yn_is_scalar(ol->items[i]) ? ol->items[i]->str :
			    "(not a name)", yn_is_scalar(ol->items[i]) ?
			    solr_err_text(&oe, why, sizeof(why)) :
			    "not a scalar");
		solr_buf_free(&b);
	}
	return r;
}

/* What the auditor's check adds to the chain's for one entry: what it
 * says of the inventory, and each object it names. */
static int
entry_full(struct reader *rd, const struct entry_parts *p,
    struct solr_objstore *os, struct inv_seen *seen, uint64_t want,
    const char *path, struct solr_err *e)
{
	struct ynode *t = NULL;
	int r;

	if (yn_parse((const char *)rd->chunk.p, p->body, path, rd->start_line,
	    &t, e) != 0)
		return SOLR_ERR_VERIFY;
	if ((r = inventory_grows(t, seen, want, path, rd->start_line, e)) == 0)
		r = entry_objects(os, sat_entry_objects(t), want, path,
		    rd->start_line, e);
	yn_free(t);
	return r;
}

/* sat_verify; with q, the chain and the MACs alone (a query's), noting
 * each entry q->may finds a candidate. */
static int
verify(const char *dir, const unsigned char *key, struct sat_pos *at,
    size_t nat, uint64_t *entries, char last[SOLR_SHA256_HEX],
    struct sat_query *q, struct solr_err *e)
{
	struct reader rd = { 0 };
	struct solr_objstore os;
	struct entry_parts p;
	struct inv_seen seen = { 0 };
	char path[PATH_MAX], objs[PATH_MAX], prev[65];
	uint64_t want = 1;
	size_t i;
	int r = 0;

	*entries = 0;
	memcpy(prev, zero_hash, 65);
	for (i = 0; i < nat; i++)
		memcpy(at[i].hash, zero_hash, 65);
	snprintf(objs, sizeof(objs), "%s/objects", dir);
	if ((r = open_log(dir, path, sizeof(path), &rd, e)) != 0)
		return r;
	objstore_open_read(&os, objs);
	while (next_entry(&rd)) {
		if ((r = check_entry(&rd.chunk, key, want, prev, &p, path,
		    rd.start_line, e)) != 0)
			break;
		if (q == NULL)
			r = entry_full(&rd, &p, &os, &seen, want, path, e);
		else if (q->may != NULL && q->may(q->arg, (const char *)
		    rd.chunk.p, rd.chunk.len) && candidate(q, rd.start_off,
		    p.hash) != 0)
			r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		if (r != 0)
			break;
		memcpy(prev, p.hash, 65);
		for (i = 0; i < nat; i++)
			if (at[i].n == want)
				memcpy(at[i].hash, p.hash, 65);
		*entries = want++;
	}
	/* every object of the bundle, named by an entry or kept beside
	 * them (the world files a replay reads), hashes to its name */
	if (r == 0 && q == NULL && (r = objstore_each(&os, 64 << 20,
	    any_object, NULL, e)) != 0)
		r = SOLR_ERR_VERIFY;
	if (last)
		memcpy(last, prev, 65);
	(void)objstore_close(&os, NULL);
	reader_close(&rd);
	return r;
}

/* The entry in rd's chunk (split into p) parsed, and given to fn. */
static int
entry_to(struct reader *rd, const struct entry_parts *p, const char *path,
    int (*fn)(void *, struct ynode *), void *arg, struct solr_err *e)
{
	struct ynode *t = NULL;
	int r;

	if ((r = yn_parse((const char *)rd->chunk.p, p->body, path,
	    rd->start_line, &t, e)) != 0)
		return r;
	r = fn(arg, t);
	yn_free(t);
	return r;
}

int
sat_each_at(const char *dir, const struct sat_query *q,
    int (*fn)(void *, struct ynode *), void *arg, struct solr_err *e)
{
	struct reader rd = { 0 };
	struct entry_parts p;
	char path[PATH_MAX], got[65];
	size_t i;
	int r = 0;

	if ((r = open_log(dir, path, sizeof(path), &rd, e)) != 0)
		return r;
	rd.ended = 1;	/* no progress: the log is not read through */
	for (i = 0; r == 0 && i < q->n; i++) {
		rd.pending = 0;
		if (fseeko(rd.f, (off_t)q->offs[i], SEEK_SET) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "seek: %s",
			    strerror(errno));
			break;
		}
		if (next_entry(&rd) && split_entry(&rd.chunk, &p) == 0)
			solr_sha256_hex(rd.chunk.p, p.hashed, got);
		else
			got[0] = '\0';
		rd.start_line = 0;	/* not counted from the top: none */
		if (strcmp(got, q->hashes[i]) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
			    "entry at byte %lld is not the one checked: the log "
			    "changed while it was read", (long long)q->offs[i]);
			break;
		}
		r = entry_to(&rd, &p, path, fn, arg, e);
	}
	reader_close(&rd);
	return r;
}

int
sat_each(const char *dir, int (*fn)(void *, struct ynode *), void *arg,
    struct solr_err *e)
{
	struct reader rd = { 0 };
	struct entry_parts p;
	char path[PATH_MAX];
	int r = 0;

	if ((r = open_log(dir, path, sizeof(path), &rd, e)) != 0)
		return r;
	while (r == 0 && next_entry(&rd)) {
		if (split_entry(&rd.chunk, &p) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
			    rd.start_line, "a torn entry");
			break;
		}
		r = entry_to(&rd, &p, path, fn, arg, e);
	}
	reader_close(&rd);
	return r;
}

static struct ynode *
world_node(const struct sat_world_in *w)
{
	struct ynode *m = yn_new_map(0), *certs = yn_new_seq(1);
	size_t i;
	int r = 0;

	if (m == NULL || certs == NULL) {
		yn_free(m);
		yn_free(certs);
		return NULL;
	}
	r |= yn_set_str(m, sk[SK_POLICY_SHA256], w->policy_sha256);
	r |= yn_set_str(m, sk[SK_REGISTRY_SHA256], w->registry_sha256);
	if (w->instructions_sha256 != NULL)
		r |= yn_set_str(m, sk[SK_INSTRUCTIONS_SHA256],
		    w->instructions_sha256);
	if (w->failed_suppliers_version != NULL)
		r |= yn_set(m, sk[SK_FAILED_SUPPLIERS_VERSION],
		    yn_new_plain(w->failed_suppliers_version));
	if (w->failed_suppliers_sha256 != NULL)
		r |= yn_set_str(m, sk[SK_FAILED_SUPPLIERS_SHA256],
		    w->failed_suppliers_sha256);
	if (w->adt_sha256 != NULL)
		r |= yn_set_str(m, sk[SK_ADT_SHA256], w->adt_sha256);
	if (w->instruction != NULL)
		r |= yn_set_str(m, sk[SK_INSTRUCTION], w->instruction);
	for (i = 0; i < 3; i++)
		if (w->certificate_serials[i] != NULL)
			r |= yn_push(certs, yn_new_str(
			    w->certificate_serials[i]));
	r |= yn_set(m, sk[SK_CERTIFICATE_SERIALS], certs);
	return yn_done(m, r);
}

/* The value of m's key, or NULL. */
static struct ynode **
slot_of(struct ynode *m, const char *key)
{
	size_t i;

	for (i = 0; m != NULL && i + 1 < m->n; i += 2)
		if (m->items[i]->kind == YN_SCALAR &&
		    strcmp(m->items[i]->str, key) == 0)
			return &m->items[i + 1];
	return NULL;
}

struct ynode *
sat_body_new(const struct sat_body_in *in)
{
	struct ynode *body = yn_new_map(0), **slot;
	int r = 0;

	if (body == NULL) {
		yn_free(in->objects);
		yn_free(in->objects_missing);
		return NULL;
	}
	r |= yn_set_str(body, sk[SK_AT], in->at);
	r |= yn_set_str(body, sk[SK_ACTOR], in->actor);
	r |= yn_set_str(body, sk[SK_TOOL], in->tool);
	r |= yn_set(body, sk[SK_WORLD], world_node(in->world));
	/* the record is lent, in the place of a null: a failure here
	 * never frees it */
	if (yn_set(body, sk[SK_RECORD], yn_new_null()) != 0 ||
	    (slot = slot_of(body, sk[SK_RECORD])) == NULL)
		r = 1;
	else {
		yn_free(*slot);
		*slot = in->record;
	}
	r |= yn_set(body, sk[SK_OBJECTS], in->objects);
	if (in->objects_missing != NULL)
		r |= yn_set(body, sk[SK_OBJECTS_MISSING],
		    in->objects_missing);
	if (r != 0) {
		sat_body_free(body);
		return NULL;
	}
	return body;
}

void
sat_body_free(struct ynode *body)
{
	struct ynode **slot = slot_of(body, sk[SK_RECORD]);

	if (slot != NULL)
		*slot = NULL;	/* the caller's */
	yn_free(body);
}

int
sat_body_inventory(struct ynode *body, uint64_t n,
    const char head[SOLR_SHA256_HEX])
{
	struct ynode *w = yn_get_or_add_map(body, sk[SK_WORLD], 0), *m;

	if (w == NULL)
		return 1;
	/* yn_set frees m when it fails */
	if ((m = yn_new_map(1)) == NULL || yn_set(w, sk[SK_INVENTORY], m) != 0)
		return 1;
	return yn_set(m, sk[SK_ENTRIES], yn_new_int((int64_t)n)) ||
	    yn_set_str(m, sk[SK_HEAD], head);
}

uint64_t
sat_entry_n(const struct ynode *entry)
{
	const char *s = yn_get_str(entry, sk[SK_N]);
	uint64_t n = 0;

	if (s != NULL)
		(void)solr_parse_uint(s, UINT64_MAX, &n);
	return n;
}

const char *
sat_entry_actor(const struct ynode *entry)
{
	return yn_get_str(entry, sk[SK_ACTOR]);
}

const struct ynode *
sat_entry_world(const struct ynode *entry)
{
	return yn_get(entry, sk[SK_WORLD]);
}

struct ynode *
sat_entry_record(const struct ynode *entry)
{
	return yn_get(entry, sk[SK_RECORD]);
}

const struct ynode *
sat_entry_objects(const struct ynode *entry)
{
	return yn_get(entry, sk[SK_OBJECTS]);
}
