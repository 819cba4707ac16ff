#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/guard.h"
#include "base/progress.h"
#include "store/objstore.h"

#define HDR_MAX 96		/* "obj <64 hex> <length>\n" */
#define IDX_LINE 91		/* "<64 hex> <16 hex> <8 hex>\n" */
#define EMPTY UINT32_MAX

/* 64 hex digits (checked by the caller) to 32 bytes */
static int
unhex32(const char *s, unsigned char sha[32])
{
	size_t n;

	return solr_unhex(s, 64, sha, 32, &n);
}

static int
io_err(struct solr_err *e, const char *path, const char *what)
{
	return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s: %s", what,
	    strerror(errno));
}

static void salt_of(struct solr_objstore *);

static void
seg_path(const struct solr_objstore *os, size_t i, const char *ext,
    char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s.%s", os->dir, os->segs[i].id, ext);
}

/* A segment id: lower-case hex and '-', never a path. */
static int
valid_id(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= OBJSTORE_ID)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f') || s[i] == '-'))
			return 0;
	return 1;
}

static long
seg_find(const struct solr_objstore *os, const char *id, size_t n)
{
	size_t i;

	for (i = 0; i < os->nsegs; i++)
		if (strlen(os->segs[i].id) == n && memcmp(os->segs[i].id, id,
		    n) == 0)
			return (long)i;
	return -1;
}

static long
seg_add(struct solr_objstore *os, const char *id, size_t n)
{
	struct objseg *ns;
	long i = seg_find(os, id, n);

	if (i >= 0)
		return i;
	if (os->nsegs == os->segcap) {
		size_t cap = os->segcap ? os->segcap * 2 : 8;

		if ((ns = realloc(os->segs, cap * sizeof(*ns))) == NULL)
			return -1;
		os->segs = ns;
		os->segcap = cap;
	}
	ns = &os->segs[os->nsegs];
	memset(ns, 0, sizeof(*ns));
	memcpy(ns->id, id, n);
	ns->fd = ns->ifd = -1;
	return (long)os->nsegs++;
}

int
objstore_open(struct solr_objstore *os, const char *dir, struct solr_err *e)
{
	char path[PATH_MAX];
	const char *also;
	int r;

	memset(os, 0, sizeof(*os));
	os->lockfd = -1;
	os->wseg = -1;
	salt_of(os);
	if ((size_t)snprintf(os->dir, sizeof(os->dir), "%s", dir) >=
	    sizeof(os->dir) - 80)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0,
		    "object store path too long");
	if ((r = solr_mkdirs(dir, e)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/lock", dir);
	if ((os->lockfd = solr_open_regular(path, O_RDWR | O_CREAT, 1, e)) < 0)
		return e->code;
	if (solr_flock(os->lockfd, LOCK_SH) != 0)
		return io_err(e, path, "lock");
	if ((also = getenv("SOLR_OBJECTS_ALSO")) != NULL && *also != '\0') {
		if ((os->also = malloc(sizeof(*os->also))) == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		objstore_open_read(os->also, also);
	}
	return 0;
}

void
objstore_open_read(struct solr_objstore *os, const char *dir)
{
	memset(os, 0, sizeof(*os));
	os->lockfd = -1;
	os->wseg = -1;
	salt_of(os);
	snprintf(os->dir, sizeof(os->dir), "%s", dir);
}

static int
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, c, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
new_segment(struct solr_objstore *os, struct solr_err *e)
{
	char id[OBJSTORE_ID], path[PATH_MAX];
	struct timeval tv;
	unsigned k;
	long i;
	int fd = -1, ifd;

	gettimeofday(&tv, NULL);
	for (k = 0; k < 1000; k++) {
		snprintf(id, sizeof(id), "%011llx-%x-%x", (unsigned long long)
		    tv.tv_sec * 1000000ULL + (unsigned long long)tv.tv_usec,
		    (unsigned)getpid(), k);
		snprintf(path, sizeof(path), "%s/%s.seg", os->dir, id);
		if ((fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0644)) >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return io_err(e, path, "create");
	snprintf(path, sizeof(path), "%s/%s.idx", os->dir, id);
	if ((ifd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0644)) < 0) {
		close(fd);
		return io_err(e, path, "create");
	}
	if ((i = seg_add(os, id, strlen(id))) < 0) {
		close(fd);
		close(ifd);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	os->segs[i].fd = fd;
	os->segs[i].ifd = ifd;
	os->wseg = i;
	os->wsize = 0;
	return 0;
}

static size_t
tab_slot(const struct solr_objstore *os, const unsigned char sha[OBJLOC_KEY])
{
	uint64_t h;

	/* the key mixed with the process's salt, the high bits taken: a
	 * name chosen to fall on another's slot cannot be made */
	memcpy(&h, sha, sizeof(h));
	h = (h ^ os->salt) * UINT64_C(0x9E3779B97F4A7C15);
	h ^= h >> 29;
	return (size_t)(h & (os->tabcap - 1));
}

/* The salt of the table's slots: random, from the kernel. */
static void
salt_of(struct solr_objstore *os)
{
	if (getrandom(&os->salt, sizeof(os->salt), 0) !=
	    (ssize_t)sizeof(os->salt))
		os->salt = (uint64_t)getpid() * UINT64_C(0x2545F4914F6CDD1D) ^
		    (uint64_t)time(NULL);
}

/* The next slot, in probe order from *probe (0 to begin), whose key is
 * the name's: eight bytes, so another object's slot may share it, and
 * what a slot names is known only when its object's header is read. */
static struct objloc *
tab_next(const struct solr_objstore *os, const unsigned char sha[32],
    size_t *probe)
{
	size_t i;

	if (os->tabcap == 0)
		return NULL;
	for (i = (tab_slot(os, sha) + *probe) & (os->tabcap - 1);
	    *probe < os->tabcap && os->tab[i].seg != EMPTY;
	    i = (i + 1) & (os->tabcap - 1)) {
		++*probe;
		if (memcmp(os->tab[i].key, sha, OBJLOC_KEY) == 0)
			return &os->tab[i];
	}
	return NULL;
}

/* To at least cap slots (a power of two), or double. */
static int
tab_grow(struct solr_objstore *os, size_t want)
{
	struct objloc *old = os->tab;
	size_t i, j, oldcap = os->tabcap;
	size_t cap = oldcap ? oldcap * 2 : 1024;

	while (cap < want)
		cap *= 2;
	if (cap > SIZE_MAX / sizeof(*os->tab) ||
	    (os->tab = malloc(cap * sizeof(*os->tab))) == NULL) {
		os->tab = old;
		return -1;
	}
	for (i = 0; i < cap; i++)
		os->tab[i].seg = EMPTY;
	os->tabcap = cap;
	for (i = 0; i < oldcap; i++) {
		if (old[i].seg == EMPTY)
			continue;
		for (j = tab_slot(os, old[i].key); os->tab[j].seg != EMPTY;
		    j = (j + 1) & (cap - 1))
			;
		os->tab[j] = old[i];
	}
	free(old);
	return 0;
}

static int name_at(struct solr_objstore *, size_t, uint64_t,
    char [SOLR_SHA256_HEX], int *, struct solr_err *);

/* Puts where the object named sha lies, unless a slot already says
 * where it lies (read from the object's header: a slot of the same key
 * may be another object's).  -1 out of memory, -2 more than
 * OBJLOC_SAME_MAX objects of its key. */
static int
tab_put(struct solr_objstore *os, const unsigned char sha[32],
    uint32_t seg, uint32_t off)
{
	struct solr_err ignore;
	struct objloc *l;
	char want[SOLR_SHA256_HEX], got[SOLR_SHA256_HEX];
	size_t i, probe = 0, same;
	int there;

	want[0] = '\0';
	for (same = 0; (l = tab_next(os, sha, &probe)) != NULL; ) {
		if (l->seg == seg && l->off == off)
			return 0;
		if (want[0] == '\0')
			solr_hex(sha, 32, want);
		if (name_at(os, l->seg, l->off, got, &there, &ignore) == 0 &&
		    there && strcmp(got, want) == 0)
			return 0;
		if (++same >= OBJLOC_SAME_MAX)
			return -2;	/* another would be one too many */
	}
	if ((os->tabn + 1) * 4 > os->tabcap * 3 && tab_grow(os, 0) != 0)
		return -1;
	for (i = tab_slot(os, sha); os->tab[i].seg != EMPTY;
	    i = (i + 1) & (os->tabcap - 1))
		;
	memcpy(os->tab[i].key, sha, OBJLOC_KEY);
	os->tab[i].seg = seg;
	os->tab[i].off = off;
	os->tabn++;
	return 0;
}

static int
same_key(const struct solr_objstore *os, struct solr_err *e)
{
	return solr_seterr_at(e, SOLR_ERR_VERIFY, os->dir, 0, "more than %d "
	    "objects share the first %d bytes of their names: the store's "
	    "indexes are not its own", OBJLOC_SAME_MAX, OBJLOC_KEY);
}

/* once: an object the store holds already is not written again */
enum { PUT_ONCE, PUT_AGAIN };
static int put(struct solr_objstore *, const void *, size_t, const char *,
    char *, int, struct solr_err *);

static int flush_held(struct solr_objstore *, struct solr_err *);
static int list_segments(struct solr_objstore *, struct solr_err *);
static int refresh(struct solr_objstore *, struct solr_err *);
static int read_obj(struct solr_objstore *, size_t, uint64_t, const char *,
    size_t, struct solr_buf *, int *, struct solr_err *);

/* p's name: the SHA-256 of its bytes. */
static int
name_of(const void *p, size_t n, char name[SOLR_SHA256_HEX],
    struct solr_err *e)
{
	int r = solr_sha256_hex(p, n, name);

	return r != 0 ? solr_seterr(e, r, "SHA-256 failed") : 0;
}

int
objstore_put_at(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], char at[OBJSTORE_AT], struct solr_err *e)
{
	int r = name_of(p, n, name, e);

	return r != 0 ? r : put(os, p, n, name, at, PUT_ONCE, e);
}

int
objstore_put_new(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], char at[OBJSTORE_AT], struct solr_err *e)
{
	int r = name_of(p, n, name, e);

	return r != 0 ? r : put(os, p, n, name, at, PUT_AGAIN, e);
}

/* Whether name is in segment i's index and there, whole: *at then
 * says where.  The index is read through, nothing of it kept. */
static int
scan_index(struct solr_objstore *os, size_t i, const char *name, size_t n,
    char *at, int *yes, struct solr_err *e)
{
	char path[PATH_MAX], buf[IDX_LINE * 512];
	struct solr_buf b = { 0 };
	uint64_t off;
	off_t pos = 0;
	ssize_t got;
	size_t k;
	int fd, r = 0, there;

	seg_path(os, i, "idx", path, sizeof(path));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((fd = solr_open_regular(path, O_RDONLY, 1, e)) < 0)
		return e->code;
	while (!*yes && r == 0 && (got = pread(fd, buf, sizeof(buf), pos)) >=
	    IDX_LINE) {
		for (k = 0; !*yes && r == 0 && k + IDX_LINE <= (size_t)got;
		    k += IDX_LINE) {
			if (memcmp(buf + k, name, 64) != 0 ||
			    solr_parse_hexn(buf + k + 65, 16, &off) != 0 ||
			    off >= (uint64_t)OBJSTORE_SEGMENT_MAX)
				continue;
			if ((r = read_obj(os, i, off, name, n, &b, &there,
			    e)) == 0 && there && b.len == n) {
				*yes = 1;
				snprintf(at, OBJSTORE_AT, "%s:%llx",
				    os->segs[i].id, (unsigned long long)off);
			} else if (r != 0 && e->code != SOLR_ERR_UNSAFE) {
				r = 0;	/* a copy that does not read back */
				solr_err_clear(e);
			}
		}
		pos += (off_t)(got - got % IDX_LINE);
	}
	solr_buf_free(&b);
	close(fd);
	return r;
}

int
objstore_put_scan(struct solr_objstore *os, const void *p, size_t n,
    char name[SOLR_SHA256_HEX], char at[OBJSTORE_AT], struct solr_err *e)
{
	size_t i;
	int r, yes = 0;

	if ((r = name_of(p, n, name, e)) != 0)
		return r;
	if (os->tabcap > 0)
		return put(os, p, n, name, at, PUT_ONCE, e);
	if ((r = list_segments(os, e)) != 0)
		return r;
	for (i = 0; r == 0 && !yes && i < os->nsegs; i++)
		r = scan_index(os, i, name, n, at, &yes, e);
	return r != 0 || yes ? r : put(os, p, n, name, at, PUT_AGAIN, e);
}

int
objstore_copy(struct solr_objstore *os, const char *name,
    const struct solr_buf *b, struct solr_err *e)
{
	return put(os, b->p, b->len, name, NULL, PUT_ONCE, e);
}

int
objstore_copy_new(struct solr_objstore *os, const char *name,
    const struct solr_buf *b, struct solr_err *e)
{
	return put(os, b->p, b->len, name, NULL, PUT_AGAIN, e);
}

/* Whether the store holds name already (*yes), whole and hashing to its
 * name: then *at says where, and nothing is written again (a re-run, or
 * the same document twice, adds no copy).  0, or SOLR_ERR_UNSAFE (and
 * out) when a file of the store is one the guard refuses. */
static int
held(struct solr_objstore *os, const char *name, size_t n, char *at,
    int *yes, struct solr_err *out)
{
	struct solr_err e = { 0 };
	struct solr_buf b = { 0 };
	unsigned char sha[32];
	struct objloc *l;
	size_t probe = 0;
	int r = 0, there = 0;

	*yes = 0;
	unhex32(name, sha);
	if (os->tabcap == 0 && refresh(os, &e) != 0) {
		if (e.code != SOLR_ERR_UNSAFE)
			return 0;
		*out = e;
		return e.code;
	}
	/* a slot of its key that holds another object is passed over; a
	 * copy of it that does not read back means a new one */
	while ((l = tab_next(os, sha, &probe)) != NULL &&
	    (r = read_obj(os, l->seg, l->off, name, n, &b, &there, &e)) == 0 &&
	    !there)
		;
	if (l != NULL && r < 0 && e.code == SOLR_ERR_UNSAFE) {
		solr_buf_free(&b);
		*out = e;
		return e.code;
	}
	*yes = l != NULL && r == 0 && there && b.len == n;
	solr_buf_free(&b);
	if (*yes && at != NULL)
		snprintf(at, OBJSTORE_AT, "%s:%llx", os->segs[l->seg].id,
		    (unsigned long long)l->off);
	return 0;
}

static int
put(struct solr_objstore *os, const void *p, size_t n, const char *name,
    char *at, int how, struct solr_err *e)
{
	char hdr[HDR_MAX], line[IDX_LINE + 1], path[PATH_MAX];
	unsigned char sha[32];
	struct iovec iov[3];
	struct objseg *s;
	size_t want;
	ssize_t w;
	int r, hl, yes = 0;

	if (n > UINT32_MAX)
		return solr_seterr(e, SOLR_ERR_LIMIT, "an object of %zu bytes "
		    "is too large for the store", n);
	if (how == PUT_ONCE && ((r = held(os, name, n, at, &yes, e)) != 0 ||
	    yes))
		return r;
	if ((os->wseg < 0 || os->wsize + (off_t)n > OBJSTORE_SEGMENT_MAX) &&
	    ((r = flush_held(os, e)) != 0 || (r = new_segment(os, e)) != 0))
		return r;
	s = &os->segs[os->wseg];
	hl = snprintf(hdr, sizeof(hdr), "obj %s %zu\n", name, n);
	iov[0].iov_base = hdr;
	iov[0].iov_len = (size_t)hl;
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = n;
	iov[2].iov_base = "\n";
	iov[2].iov_len = 1;
	want = (size_t)hl + n + 1;
	snprintf(line, sizeof(line), "%s %016llx %08zx\n", name,
	    (unsigned long long)os->wsize, n);
	if (os->hold) {
		size_t wl = os->wbuf.len, il = os->ibuf.len;

		if (solr_buf_add(&os->wbuf, hdr, (size_t)hl) != 0 ||
		    solr_buf_add(&os->wbuf, p, n) != 0 ||
		    solr_buf_add(&os->wbuf, "\n", 1) != 0 ||
		    solr_buf_add(&os->ibuf, line, IDX_LINE) != 0) {
			/* none of it held: no half object is written */
			os->wbuf.len = wl;
			os->ibuf.len = il;
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		}
		w = (ssize_t)want;
	} else {
		while ((w = writev(s->fd, iov, 3)) < 0 && errno == EINTR)
			;
	}
	if (w != (ssize_t)want || (!os->hold && write_all(s->ifd, line,
	    IDX_LINE) != 0)) {
		/* what is half written stays unindexed: the next object
		 * goes into a new segment */
		if (w >= 0 && w != (ssize_t)want)
			errno = EIO;	/* a short write */
		seg_path(os, (size_t)os->wseg, w == (ssize_t)want ? "idx" :
		    "seg", path, sizeof(path));
		s->unsynced = 1;
		os->wseg = -1;
		return io_err(e, path, "write");
	}
	if (at != NULL)
		snprintf(at, OBJSTORE_AT, "%s:%llx", s->id,
		    (unsigned long long)os->wsize);
	if (os->tabcap > 0) {
		unhex32(name, sha);
		if ((r = tab_put(os, sha, (uint32_t)os->wseg,
		    (uint32_t)os->wsize)) != 0)
			return r == -1 ? solr_seterr(e, SOLR_ERR_NOMEM, "out "
			    "of memory") : same_key(os, e);
	}
	os->wsize += (off_t)want;
	s->unsynced = 1;
	return os->wbuf.len > OBJSTORE_HELD_MAX ? flush_held(os, e) : 0;
}

void
objstore_hold_writes(struct solr_objstore *os)
{
	os->hold = 1;
}

int
objstore_flush(struct solr_objstore *os, struct solr_err *e)
{
	return flush_held(os, e);
}

/* What put held, into our segment and its index.  On a failure, what
 * is half written stays unindexed and the next object goes into a new
 * segment. */
static int
flush_held(struct solr_objstore *os, struct solr_err *e)
{
	char path[PATH_MAX];
	struct objseg *s;
	int bad = 0;

	if (os->wbuf.len == 0)
		return 0;
	s = &os->segs[os->wseg];
	if (write_all(s->fd, os->wbuf.p, os->wbuf.len) != 0)
		bad = 1;
	else if (write_all(s->ifd, os->ibuf.p, os->ibuf.len) != 0)
		bad = 2;
	os->wbuf.len = os->ibuf.len = 0;
	if (bad) {
		seg_path(os, (size_t)os->wseg, bad == 2 ? "idx" : "seg", path,
		    sizeof(path));
		s->unsynced = 1;
		os->wseg = -1;
		return io_err(e, path, "write");
	}
	return 0;
}

static int
seg_fd(struct solr_objstore *os, size_t i, struct solr_err *e)
{
	char path[PATH_MAX];
	int r;

	/* our own segment: what is held is written before it is read */
	if ((long)i == os->wseg && (r = flush_held(os, e)) != 0)
		return r;
	if (os->segs[i].fd >= 0)
		return 0;
	seg_path(os, i, "seg", path, sizeof(path));
	/* a segment or index is read only when it is a regular file that
	 * no one else may write: never a FIFO that would block a reader */
	if ((os->segs[i].fd = solr_open_regular(path, O_RDONLY, 1, e)) < 0)
		return e->code;
	return 0;
}

/* The object at off in segment i into out, when *there says it is name
 * (not when the segment holds another object, or none, there). */
static int
read_obj(struct solr_objstore *os, size_t i, uint64_t off, const char *name,
    size_t max, struct solr_buf *out, int *there, struct solr_err *e)
{
	char hdr[HDR_MAX + 1], path[PATH_MAX], got[SOLR_SHA256_HEX], *end;
	unsigned long long len;
	ssize_t n;
	int r;

	*there = 0;
	if ((r = seg_fd(os, i, e)) != 0)
		return r;
	seg_path(os, i, "seg", path, sizeof(path));
	if ((n = pread(os->segs[i].fd, hdr, HDR_MAX, (off_t)off)) < 0)
		return io_err(e, path, "read");
	hdr[n] = '\0';
	if (n < 70 || memcmp(hdr, "obj ", 4) != 0 || hdr[68] != ' ' ||
	    memcmp(hdr + 4, name, 64) != 0 || (end = strchr(hdr + 69, '\n'))
	    == NULL)
		return 0;
	errno = 0;
	len = strtoull(hdr + 69, NULL, 10);
	if (errno != 0 || len > UINT32_MAX)
		return 0;
	*there = 1;
	if (len > max)
		return solr_seterr_at(e, SOLR_ERR_LIMIT, path, 0, "object %s "
		    "is %llu bytes, over the limit of %zu", name, len, max);
	out->len = 0;
	if (out->cap < len) {
		unsigned char *p = realloc(out->p, (size_t)len);

		if (p == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		out->p = p;
		out->cap = (size_t)len;
	}
	if (len > 0 && (n = pread(os->segs[i].fd, out->p, (size_t)len,
	    (off_t)(off + (uint64_t)(end + 1 - hdr)))) != (ssize_t)len)
		return n < 0 ? io_err(e, path, "read") : solr_seterr_at(e,
		    SOLR_ERR_VERIFY, path, 0, "object %s is cut short", name);
	out->len = (size_t)len;
	if (os->segs[i].ifd < 0)
		os->segs[i].unsynced = 1;
	if ((r = solr_sha256_hex(out->p, out->len, got)) != 0)
		return solr_seterr(e, r, "SHA-256 failed");
	if (strcmp(got, name) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "object "
		    "content hashes to %s, not to its name %s", got, name);
	return 0;
}

static int
read_index(struct solr_objstore *os, size_t i, struct solr_err *e)
{
	char path[PATH_MAX], buf[IDX_LINE * 512];
	unsigned char sha[32];
	uint64_t off, len;
	ssize_t n;
	size_t k;
	int fd, r = 0;

	seg_path(os, i, "idx", path, sizeof(path));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if ((fd = solr_open_regular(path, O_RDONLY, 1, e)) < 0)
		return e->code;
	while ((n = pread(fd, buf, sizeof(buf), os->segs[i].idx_read)) > 0) {
		for (k = 0; k + IDX_LINE <= (size_t)n; k += IDX_LINE) {
			const char *s = buf + k;

			/* no object starts at or past the segment's
			 * limit: such a line is not one of ours */
			if (s[64] != ' ' || s[81] != ' ' || s[90] != '\n' ||
			    unhex32(s, sha) != 0 ||
			    solr_parse_hexn(s + 65, 16, &off) != 0 ||
			    solr_parse_hexn(s + 82, 8, &len) != 0 ||
			    off >= (uint64_t)OBJSTORE_SEGMENT_MAX) {
				r = solr_seterr_at(e, SOLR_ERR_VERIFY, path,
				    0, "line %lld is not an index line",
				    (long long)(os->segs[i].idx_read /
				    IDX_LINE) + 1);
				goto out;
			}
			if ((r = tab_put(os, sha, (uint32_t)i,
			    (uint32_t)off)) != 0) {
				r = r == -1 ? solr_seterr(e, SOLR_ERR_NOMEM,
				    "out of memory") : solr_seterr_at(e,
				    SOLR_ERR_VERIFY, path, 0, "line %lld: "
				    "more than %d objects share the first %d "
				    "bytes of their names: not an index of "
				    "this store", (long long)(os->segs[i].
				    idx_read / IDX_LINE) + 1, OBJLOC_SAME_MAX,
				    OBJLOC_KEY);
				goto out;
			}
			os->segs[i].idx_read += IDX_LINE;
		}
		if (k == 0)
			break;	/* a line still being written */
	}
	if (n < 0)
		r = io_err(e, path, "read");
out:
	close(fd);
	return r;
}

/* The table made large enough at once for what the indexes add: no
 * doubling (and two tables held at once) while they are read. */
static int
presize(struct solr_objstore *os)
{
	char path[PATH_MAX];
	struct stat st;
	size_t i, lines = 0, want = 1024;

	for (i = 0; i < os->nsegs; i++) {
		seg_path(os, i, "idx", path, sizeof(path));
		if (stat(path, &st) == 0 && st.st_size > os->segs[i].idx_read)
			lines += (size_t)(st.st_size - os->segs[i].idx_read) /
			    IDX_LINE;
	}
	while ((os->tabn + lines) * 4 > want * 3 && want < SIZE_MAX / 4)
		want *= 2;
	return want > os->tabcap || os->tabcap == 0 ? tab_grow(os, want) : 0;
}

/* Every segment there is now into segs, what is held written first so
 * that our index holds it too. */
static int
list_segments(struct solr_objstore *os, struct solr_err *e)
{
	struct dirent *d;
	DIR *dir;
	size_t n;
	int r;

	if ((r = flush_held(os, e)) != 0 || (r = solr_guard(os->dir, 1, e)) !=
	    0)
		return r;
	if ((dir = opendir(os->dir)) == NULL)
		return io_err(e, os->dir, "opendir");
	while (r == 0 && (d = readdir(dir)) != NULL) {
		n = strlen(d->d_name);
		if (n > 4 && strcmp(d->d_name + n - 4, ".seg") == 0 &&
		    valid_id(d->d_name, n - 4) && seg_add(os, d->d_name,
		    n - 4) < 0)
			r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	closedir(dir);
	return r;
}

/* Every segment there is now, and what their indexes added. */
static int
refresh(struct solr_objstore *os, struct solr_err *e)
{
	size_t i;
	int r;

	if ((r = list_segments(os, e)) == 0 && presize(os) != 0)
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; r == 0 && i < os->nsegs; i++)
		r = read_index(os, i, e);
	return r;
}

/* An index line that sends a name where another object (or none) is. */
static int
misplaced(const struct solr_objstore *os, const struct objloc *l,
    const char *name, struct solr_err *e)
{
	char path[PATH_MAX], key[2 * OBJLOC_KEY + 1];

	/* without the name, the key the table holds of it */
	solr_hex(l->key, OBJLOC_KEY, key);
	seg_path(os, l->seg, "idx", path, sizeof(path));
	return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "object %s%s: the "
	    "index puts it at offset %llu of the segment, where it is not",
	    name != NULL ? name : key, name != NULL ? "" : "...",
	    (unsigned long long)l->off);
}

/* The segment an "at" names, opened; -1 when it names none. */
static long
hint(struct solr_objstore *os, const char *at, uint64_t *off)
{
	char path[PATH_MAX], *end;
	struct solr_err ignore;
	const char *colon = strchr(at, ':');
	size_t n;
	long i;
	int fd;

	if (colon == NULL || !valid_id(at, n = (size_t)(colon - at)) ||
	    !((colon[1] >= '0' && colon[1] <= '9') || (colon[1] >= 'a' &&
	    colon[1] <= 'f')))
		return -1;
	errno = 0;
	*off = strtoull(colon + 1, &end, 16);
	if (errno != 0 || *end != '\0')
		return -1;
	if ((i = seg_find(os, at, n)) >= 0)
		return i;
	snprintf(path, sizeof(path), "%s/%.*s.seg", os->dir, (int)n, at);
	if ((fd = solr_open_regular(path, O_RDONLY, 1, &ignore)) < 0)
		return -1;
	if ((i = seg_add(os, at, n)) < 0) {
		close(fd);
		return -1;
	}
	os->segs[i].fd = fd;
	return i;
}

int
objstore_get_at(struct solr_objstore *os, const char *name, const char *at,
    size_t max, struct solr_buf *out, struct solr_err *e)
{
	unsigned char sha[32];
	struct objloc *l, *first = NULL;
	size_t probe;
	uint64_t off;
	long i;
	int r, pass, there;

	if (!solr_is_sha256_hex(name))
		return solr_seterr(e, SOLR_ERR_FORMAT,
		    "object name '%.80s' is not 64 lower-case hex digits",
		    name);
	/* the hint first, checked like everything else; one that names
	 * no segment is passed over */
	if (at != NULL && (i = hint(os, at, &off)) >= 0 &&
	    ((r = read_obj(os, (size_t)i, off, name, max, out, &there, e)) !=
	    0 || there))
		return r;
	unhex32(name, sha);
	/* the slots of its key as the table has them, then again after
	 * reading what the indexes added */
	for (pass = 0; pass < 2; pass++) {
		if (pass == 1 && (r = refresh(os, e)) != 0)
			return r;
		for (probe = 0, first = NULL; (l = tab_next(os, sha,
		    &probe)) != NULL; first = first ? first : l)
			if ((r = read_obj(os, l->seg, l->off, name, max, out,
			    &there, e)) != 0 || there)
				return r;
	}
	if (first == NULL && os->also != NULL)
		return objstore_get_at(os->also, name, at, max, out, e);
	if (first == NULL)
		return solr_seterr_at(e, SOLR_ERR_IO, os->dir, 0, "object %s "
		    "is not in the store", name);
	/* a slot of its key where another object lies: the index lied */
	return misplaced(os, first, name, e);
}

int
objstore_get(struct solr_objstore *os, const char *name, size_t max,
    struct solr_buf *out, struct solr_err *e)
{
	return objstore_get_at(os, name, NULL, max, out, e);
}

int
objstore_sync(struct solr_objstore *os, struct solr_err *e)
{
	char path[PATH_MAX];
	struct objseg *s;
	size_t i;
	int r;

	if ((r = flush_held(os, e)) != 0)
		return r;
	for (i = 0; i < os->nsegs; i++) {
		s = &os->segs[i];
		if (!s->unsynced || s->fd < 0)
			continue;
		if (fsync(s->fd) != 0) {
			seg_path(os, i, "seg", path, sizeof(path));
			return io_err(e, path, "fsync");
		}
		if (s->ifd >= 0 && fsync(s->ifd) != 0) {
			seg_path(os, i, "idx", path, sizeof(path));
			return io_err(e, path, "fsync");
		}
		s->unsynced = 0;
	}
	return 0;
}

int
objstore_close(struct solr_objstore *os, struct solr_err *e)
{
	size_t i;
	int r = 0, dfd;

	if (os->dir[0] == '\0')
		return 0;	/* never opened */
	r = objstore_sync(os, e);
	/* a new segment's name is durable too */
	if (os->wseg >= 0) {
		if ((dfd = open(os->dir, O_RDONLY | O_DIRECTORY)) < 0) {
			if (r == 0)
				r = io_err(e, os->dir, "open");
		} else {
			if (fsync(dfd) != 0 && r == 0)
				r = io_err(e, os->dir, "fsync");
			close(dfd);
		}
	}
	for (i = 0; i < os->nsegs; i++) {
		if (os->segs[i].fd >= 0)
			close(os->segs[i].fd);
		if (os->segs[i].ifd >= 0)
			close(os->segs[i].ifd);
	}
	free(os->segs);
	free(os->tab);
	solr_buf_free(&os->wbuf);
	solr_buf_free(&os->ibuf);
	if (os->also != NULL) {
		(void)objstore_close(os->also, e);
		free(os->also);
	}
	if (os->lockfd >= 0)
		close(os->lockfd);
	memset(os, 0, sizeof(*os));
	os->lockfd = -1;
	os->wseg = -1;
	return r;
}

static int
by_place(const void *a, const void *b)
{
	const struct objloc *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The name of the object at off in segment i, as its header gives it,
 * when *there says there is one. */
static int
name_at(struct solr_objstore *os, size_t i, uint64_t off,
    char name[SOLR_SHA256_HEX], int *there, struct solr_err *e)
{
	char hdr[69], path[PATH_MAX];
	ssize_t n;
	int r;

	*there = 0;
	if ((r = seg_fd(os, i, e)) != 0)
		return r;
	if ((n = pread(os->segs[i].fd, hdr, sizeof(hdr), (off_t)off)) < 0) {
		seg_path(os, i, "seg", path, sizeof(path));
		return io_err(e, path, "read");
	}
	if (n != (ssize_t)sizeof(hdr) || memcmp(hdr, "obj ", 4) != 0 ||
	    hdr[68] != ' ')
		return 0;
	memcpy(name, hdr + 4, 64);
	name[64] = '\0';
	*there = solr_is_sha256_hex(name);
	return 0;
}

int
objstore_each(struct solr_objstore *os, size_t max,
    int (*fn)(void *arg, const char *name, const struct solr_buf *b,
    struct solr_err *e), void *arg, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	struct objloc *all;
	char name[SOLR_SHA256_HEX];
	size_t i, nseg, n = 0;
	int r, there = 0;

	if ((r = refresh(os, e)) != 0)
		return r;
	nseg = os->nsegs;
	/* a copy: fn may put, and the table grow */
	if ((all = malloc((os->tabn + 1) * sizeof(*all))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; i < os->tabcap; i++)
		if (os->tab[i].seg != EMPTY && os->tab[i].seg < nseg)
			all[n++] = os->tab[i];
	qsort(all, n, sizeof(*all), by_place);
	for (i = 0; i < n && r == 0; i++) {
		solr_progress("objects", i, n);
		/* the name from the segment, held to the index's key and
		 * then to the bytes */
		if ((r = name_at(os, all[i].seg, all[i].off, name, &there,
		    e)) == 0 && there) {
			unsigned char sha[32];

			unhex32(name, sha);
			if ((there = memcmp(sha, all[i].key, OBJLOC_KEY) == 0))
				r = read_obj(os, all[i].seg, all[i].off, name,
				    max, &b, &there, e);
		}
		if (r == 0 && !there)
			r = misplaced(os, &all[i], NULL, e);
		else if (r == 0)
			r = fn(arg, name, &b, e);
	}
	if (r == 0)
		solr_progress("objects", n, n);
	free(all);
	solr_buf_free(&b);
	return r;
}

struct gc {
	struct solr_objstore *os;
	int (*keep)(void *, const char *);
	void *arg;
	size_t kept, dropped;
};

static int
gc_one(void *arg, const char *name, const struct solr_buf *b,
    struct solr_err *e)
{
	struct gc *g = arg;

	if (!g->keep(g->arg, name)) {
		g->dropped++;
		return 0;
	}
	g->kept++;
	/* a new copy, even of what the store holds: the old segments go */
	return put(g->os, b->p, b->len, name, NULL, PUT_AGAIN, e);
}

/* How many of the store's objects keep would drop, by the names their
 * segments give (no object read): 0, and nothing is rewritten. */
static int
gc_count(struct solr_objstore *os, int (*keep)(void *, const char *),
    void *arg, size_t *kept, size_t *dropped, struct solr_err *e)
{
	char name[SOLR_SHA256_HEX];
	size_t i;
	int r, there;

	*kept = *dropped = 0;
	for (i = 0; i < os->tabcap; i++) {
		if (os->tab[i].seg == EMPTY || os->tab[i].seg >= os->nsegs)
			continue;
		if ((r = name_at(os, os->tab[i].seg, os->tab[i].off, name,
		    &there, e)) < 0)
			return r;
		if (!there || !keep(arg, name))	/* misplaced: the long way */
			(*dropped)++;
		else
			(*kept)++;
	}
	return 0;
}

int
objstore_gc(struct solr_objstore *os, int (*keep)(void *arg,
    const char *name), void *arg, size_t *kept, size_t *dropped,
    struct solr_err *e)
{
	struct gc g = { os, keep, arg, 0, 0 };
	char path[PATH_MAX];
	size_t i, old;
	int r;

	if (flock(os->lockfd, LOCK_EX | LOCK_NB) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, os->dir, 0, "the store "
		    "is in use by another process; run gc when no flow runs");
	if ((r = refresh(os, e)) != 0 || (r = gc_count(os, keep, arg, kept,
	    dropped, e)) != 0 || *dropped == 0)
		goto out;	/* nothing to remove: nothing rewritten */
	old = os->nsegs;
	/* what is kept goes into new segments, synced, before the old
	 * ones go: a crash leaves copies, never a loss */
	if ((r = objstore_each(os, SIZE_MAX, gc_one, &g, e)) != 0 ||
	    (r = objstore_sync(os, e)) != 0)
		goto out;
	for (i = 0; i < old; i++) {
		if ((long)i == os->wseg || os->segs[i].ifd >= 0)
			continue;
		seg_path(os, i, "idx", path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT) {
			r = io_err(e, path, "unlink");
			goto out;
		}
		seg_path(os, i, "seg", path, sizeof(path));
		if (unlink(path) != 0 && errno != ENOENT) {
			r = io_err(e, path, "unlink");
			goto out;
		}
	}
	*kept = g.kept;
	*dropped = g.dropped;
out:
	/* the store's shared lock again, as every user of it holds */
	if (solr_flock(os->lockfd, LOCK_SH) != 0 && r == 0)
		r = io_err(e, os->dir, "lock");
	return r;
}
