#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/guard.h"
#include "base/layout.h"
#include "store/ledger.h"
#include "store/statehead.h"
#include "base/util.h"

/* One line per entry: ORIGINATOR COUNTER RECIPIENT SHA256 [NOTE],
 * hex/decimal, the note a line of text. */
#define LINE_MAX_LEN (128 + LEDGER_NOTE_MAX)

static size_t
hash3(uint64_t o, uint64_t c, uint64_t r)
{
	uint64_t h = 1469598103934665603ULL;

	h = (h ^ o) * 1099511628211ULL;
	h = (h ^ c) * 1099511628211ULL;
	h = (h ^ r) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static ssize_t
find(const struct ledger *l, uint64_t o, uint64_t c, uint64_t r)
{
	size_t i;

	if (l->icap == 0)
		return -1;
	for (i = hash3(o, c, r) & (l->icap - 1); l->index[i] != SIZE_MAX;
	    i = (i + 1) & (l->icap - 1)) {
		const struct ledger_entry *x = &l->e[l->index[i]];

		if (x->originator == o && x->counter == c && x->recipient == r)
			return (ssize_t)l->index[i];
	}
	return -1;
}

static int
add(struct ledger *l, const struct ledger_entry *x)
{
	size_t i;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 1024;
		struct ledger_entry *ne = realloc(l->e, nc * sizeof(*ne));

		if (ne == NULL)
			return -1;
		l->e = ne;
		l->cap = nc;
	}
	if ((l->n + 1) * 2 > l->icap) {
		size_t nc = l->icap ? l->icap * 2 : 2048, k;
		size_t *ni = malloc(nc * sizeof(*ni));

		if (ni == NULL)
			return -1;
		for (k = 0; k < nc; k++)
			ni[k] = SIZE_MAX;
		free(l->index);
		l->index = ni;
		l->icap = nc;
		for (k = 0; k < l->n; k++) {
			const struct ledger_entry *y = &l->e[k];

			for (i = hash3(y->originator, y->counter, y->recipient) &
			    (nc - 1); ni[i] != SIZE_MAX; i = (i + 1) & (nc - 1))
				;
			ni[i] = k;
		}
	}
	l->e[l->n] = *x;
	if ((l->e[l->n].note = strdup(x->note ? x->note : "")) == NULL)
		return -1;
	for (i = hash3(x->originator, x->counter, x->recipient) &
	    (l->icap - 1); l->index[i] != SIZE_MAX; i = (i + 1) & (l->icap - 1))
		;
	l->index[i] = l->n++;
	return 0;
}

#define IDX_MAGIC "solr-ledger-index 1\n"
#define IDX_HDR 64
#define SLOT 16
#define BLOCK 256		/* slots read at once */
#define MIN_SLOTS 65536

static uint64_t
fingerprint(uint64_t o, uint64_t c, uint64_t r)
{
	uint64_t h = (uint64_t)hash3(o, c, r);

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h | 1;	/* 0 is an empty slot */
}

static int
idx_err(struct ledger *l, struct solr_err *e, const char *what)
{
	return solr_seterr_at(e, SOLR_ERR_IO, l->ipath, 0, "%s: %s", what,
	    strerror(errno));
}

static int
hdr_write(struct ledger *l, struct solr_err *e)
{
	unsigned char h[IDX_HDR] = { 0 };

	memcpy(h, IDX_MAGIC, sizeof(IDX_MAGIC) - 1);
	solr_put_le64(h + 24, l->nslots);
	solr_put_le64(h + 32, l->covered);
	solr_put_le64(h + 40, l->count);
	solr_put_le64(h + 48, l->clean);
	return pwrite(l->ifd, h, IDX_HDR, 0) == IDX_HDR ? 0 : idx_err(l, e,
	    "write");
}

/* 0, or -1 when the index is not one (or not whole). */
static int
hdr_read(struct ledger *l)
{
	unsigned char h[IDX_HDR];
	struct stat st;

	if (pread(l->ifd, h, IDX_HDR, 0) != IDX_HDR || memcmp(h, IDX_MAGIC,
	    sizeof(IDX_MAGIC) - 1) != 0)
		return -1;
	l->nslots = solr_get_le64(h + 24);
	l->covered = solr_get_le64(h + 32);
	l->count = solr_get_le64(h + 40);
	l->clean = solr_get_le64(h + 48);
	if (l->nslots < MIN_SLOTS || (l->nslots & (l->nslots - 1)) ||
	    fstat(l->ifd, &st) != 0 || (uint64_t)st.st_size != IDX_HDR +
	    l->nslots * SLOT)
		return -1;
	return 0;
}

/* Whether the index's header is still the one this process last read or
 * wrote: no other process changed the index since. */
static int
hdr_same(struct ledger *l)
{
	unsigned char h[IDX_HDR];

	return pread(l->ifd, h, IDX_HDR, 0) == IDX_HDR &&
	    memcmp(h, IDX_MAGIC, sizeof(IDX_MAGIC) - 1) == 0 &&
	    solr_get_le64(h + 24) == l->nslots &&
	    solr_get_le64(h + 32) == l->covered &&
	    solr_get_le64(h + 40) == l->count &&
	    solr_get_le64(h + 48) == l->clean;
}

/* Before the first change since it was last clean: unclean, synced. */
static int
touch_index(struct ledger *l, struct solr_err *e)
{
	if (!l->clean)
		return 0;
	l->clean = 0;
	if (hdr_write(l, e) != 0)
		return SOLR_ERR_IO;
	return fdatasync(l->ifd) == 0 ? 0 : idx_err(l, e, "fsync");
}

/* The entry of a line; its note goes to notebuf (NULL: not wanted). */
static int
parse_line(const char *line, struct ledger_entry *x, char *notebuf)
{
	char sha[65];
	unsigned long long o, c, r;
	size_t sl;
	int end = 0;

	if (sscanf(line, "%16llx %llu %16llx %64s%n", &o, &c, &r, sha, &end) !=
	    4 || strlen(sha) != 64 || solr_unhex(sha, 64, x->sha, 32, &sl) != 0)
		return -1;
	x->originator = o;
	x->counter = c;
	x->recipient = r;
	x->note = "";
	if (notebuf != NULL && line[end] == ' ') {
		snprintf(notebuf, LEDGER_NOTE_MAX + 1, "%s", line + end + 1);
		x->note = notebuf;
	}
	return 0;
}

/* The entry on the ledger line at off. */
static int
line_at(struct ledger *l, uint64_t off, struct ledger_entry *x)
{
	char line[LINE_MAX_LEN + 1], *nl;
	ssize_t n;

	if ((n = pread(l->fd, line, LINE_MAX_LEN, (off_t)off)) <= 0)
		return -1;
	line[n] = '\0';
	if ((nl = strchr(line, '\n')) == NULL)
		return -1;
	*nl = '\0';
	return parse_line(line, x, l->notebuf);
}

/* The key's slot: *found = 1 and its entry in x, or the empty slot where
 * it would go. */
static int
idx_find(struct ledger *l, uint64_t o, uint64_t c, uint64_t r,
    uint64_t *slot, uint64_t *off, struct ledger_entry *x, int *found,
    struct solr_err *e)
{
	unsigned char b[BLOCK * SLOT];
	uint64_t fp = fingerprint(o, c, r), i = fp & (l->nslots - 1), k,
	    seen = 0, f;
	ssize_t n;

	*found = 0;
	while (seen < l->nslots) {
		uint64_t first = i & ~(uint64_t)(BLOCK - 1);
		uint64_t nb = l->nslots - first < BLOCK ? l->nslots - first :
		    BLOCK;

		if ((n = pread(l->ifd, b, nb * SLOT, (off_t)(IDX_HDR + first *
		    SLOT))) != (ssize_t)(nb * SLOT))
			return idx_err(l, e, "read");
		for (k = i - first; k < nb && seen < l->nslots; k++, seen++) {
			f = solr_get_le64(b + k * SLOT);
			if (f == 0) {
				*slot = first + k;
				return 0;
			}
			if (f != fp)
				continue;
			*off = solr_get_le64(b + k * SLOT + 8);
			if (line_at(l, *off, x) == 0 && x->originator == o &&
			    x->counter == c && x->recipient == r) {
				*slot = first + k;
				*found = 1;
				return 0;
			}
		}
		i = (first + nb) & (l->nslots - 1);
	}
	return solr_seterr_at(e, SOLR_ERR_INTERNAL, l->ipath, 0, "the index "
	    "is full");
}

static int
slot_put(struct ledger *l, uint64_t slot, uint64_t fp, uint64_t off,
    struct solr_err *e)
{
	unsigned char s[SLOT];

	solr_put_le64(s, fp);
	solr_put_le64(s + 8, off);
	return pwrite(l->ifd, s, SLOT, (off_t)(IDX_HDR + slot * SLOT)) ==
	    SLOT ? 0 : idx_err(l, e, "write");
}

static int rebuild(struct ledger *, uint64_t, struct solr_err *);
static int head_check(struct ledger *, struct state_head *, int,
    struct solr_err *);

/* The entry at off into the index, unless its key is there already (the
 * first line of a key is its entry); *rebuilt when the index had to grow
 * and was built again (with it). */
static int
idx_add(struct ledger *l, const struct ledger_entry *x, uint64_t off,
    int *rebuilt, struct solr_err *e)
{
	struct ledger_entry y;
	uint64_t slot, at;
	int found, r;

	if ((*rebuilt = (l->count + 1) * 2 > l->nslots))
		return rebuild(l, l->nslots * 2, e);
	if ((r = idx_find(l, x->originator, x->counter, x->recipient, &slot,
	    &at, &y, &found, e)) != 0 || found)
		return r;
	if ((r = touch_index(l, e)) != 0 || (r = slot_put(l, slot,
	    fingerprint(x->originator, x->counter, x->recipient), off, e))
	    != 0)
		return r;
	l->count++;
	return 0;
}

/* Reads what other processes appended since the index last covered the
 * ledger.  A last line without its newline is an append that died: it
 * never counted.  A ledger shorter than what the index covers was cut
 * (a batch taken back): the index is built again. */
static int scan(struct ledger *, struct solr_err *);

static int
catch_up(struct ledger *l, struct solr_err *e)
{
	struct stat st, ist;

	/* nothing written since this process last looked, under the lock:
	 * the ledger as long and the index's header as it left them (every
	 * change another process makes moves one or the other; a slot is
	 * only ever trusted after its line is read and matched) */
	if (l->ifd >= 0 && l->seen_size >= 0 && fstat(l->fd, &st) == 0 &&
	    st.st_size == l->seen_size && hdr_same(l))
		return 0;
	l->seen_size = -1;
	/* another process may have put a new index in place */
	if (stat(l->ipath, &ist) != 0 || fstat(l->ifd, &st) != 0 ||
	    ist.st_ino != st.st_ino || ist.st_dev != st.st_dev) {
		close(l->ifd);
		if ((l->ifd = solr_open_regular(l->ipath, O_RDWR, 1, e))
		    < 0 && errno != ENOENT)
			return e->code == SOLR_ERR_UNSAFE ? e->code :
			    idx_err(l, e, "open");
	}
	if (l->ifd < 0 || hdr_read(l) != 0 || fstat(l->fd, &st) != 0)
		return rebuild(l, 0, e);
	if ((uint64_t)st.st_size < l->covered) {
		struct state_head h;
		int r;

		/* cut by an undo, or put back: the record tells */
		if ((r = head_check(l, &h, 0, e)) != 0)
			return r;
		return rebuild(l, l->nslots, e);
	}
	return scan(l, e);
}

/* The ledger's lines from where the index covers it into the index. */
static int
scan(struct ledger *l, struct solr_err *e)
{
	char buf[65536], line[LINE_MAX_LEN + 1];
	size_t ll = 0;
	off_t pos, start, lstart;
	ssize_t n, i;
	uint64_t count;
	int r, rebuilt;

	pos = start = lstart = (off_t)l->covered;
	count = l->count;
	for (;;) {
		if ((n = pread(l->fd, buf, sizeof(buf), pos)) < 0)
			return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "%s",
			    strerror(errno));
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			struct ledger_entry x;

			if (buf[i] != '\n') {
				if (ll < LINE_MAX_LEN)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			lstart = start;
			start = pos + i + 1;
			if (ll == 0)
				continue;
			ll = 0;
			if (parse_line(line, &x, NULL) != 0)
				continue;	/* a torn line, completed later */
			if ((r = idx_add(l, &x, (uint64_t)lstart, &rebuilt,
			    e)) != 0 || rebuilt)
				return r;
		}
		pos += n;
	}
	l->read_upto = start;
	l->seen_size = pos;
	if ((uint64_t)start != l->covered || l->count != count) {
		l->covered = (uint64_t)start;
		if ((r = touch_index(l, e)) != 0 || (r = hdr_write(l, e)) != 0)
			return r;
	}
	return 0;
}

/* The index built again from the ledger, with slots slots (0: for the
 * ledger's size), in a new file that takes the old one's place. */
static int
rebuild(struct ledger *l, uint64_t slots, struct solr_err *e)
{
	char tmp[PATH_MAX + 8];
	struct stat st;
	int fd, r;

	if (fstat(l->fd, &st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "%s",
		    strerror(errno));
	/* four slots a line at least (lines of about 90 bytes, or more
	 * with notes) */
	while (slots < MIN_SLOTS || slots < (uint64_t)st.st_size /
	    (l->bytes_per_slot ? l->bytes_per_slot : 20))
		slots = slots < MIN_SLOTS ? MIN_SLOTS : slots * 2;
	snprintf(tmp, sizeof(tmp), "%s.new", l->ipath);
	if ((fd = solr_open_regular(tmp, O_RDWR | O_CREAT | O_TRUNC, 1, e))
	    < 0)
		return e->code;
	if (ftruncate(fd, (off_t)(IDX_HDR + slots * SLOT)) != 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, tmp, 0, "%s",
		    strerror(errno));
		close(fd);
		unlink(tmp);
		return r;
	}
	if (l->ifd >= 0)
		close(l->ifd);
	l->ifd = fd;
	l->nslots = slots;
	l->covered = l->count = 0;
	l->clean = 0;
	if ((r = hdr_write(l, e)) == 0 && (r = scan(l, e)) == 0) {
		l->clean = 1;
		if ((r = hdr_write(l, e)) == 0 && fsync(l->ifd) != 0)
			r = idx_err(l, e, "fsync");
		else if (r == 0 && rename(tmp, l->ipath) != 0)
			r = idx_err(l, e, "rename");
	}
	if (r != 0)
		unlink(tmp);
	return r;
}

/*
 * The ledger's record (store/statehead.h): size, the end of the last
 * whole line its last writer synced; digest, the XOR of every whole
 * line's item before it; tail, SHA-256 of the 4 KiB before it.  The tail
 * is checked at every open (a copy put back, cut or swapped fails it);
 * the digest when the whole ledger is read (ledger_check).
 */
#define TAIL 4096

static int
head_err(struct ledger *l, struct solr_err *e, const char *what)
{
	return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "%s: %s", what,
	    strerror(errno ? errno : EIO));
}

/* XORs into digest the item of every whole line in [from, to); *end: the
 * end of the last whole line (from when there is none). */
static int
lines_xor(struct ledger *l, uint64_t from, uint64_t to,
    unsigned char digest[32], uint64_t *end, struct solr_err *e)
{
	char buf[65536];
	struct solr_buf line = { 0 };
	uint64_t pos = from, start = from;
	ssize_t n, i, k;
	int r = 0;

	*end = from;
	while (r == 0 && pos < to) {
		size_t want = to - pos < sizeof(buf) ? (size_t)(to - pos) :
		    sizeof(buf);

		if ((n = pread(l->fd, buf, want, (off_t)pos)) <= 0) {
			r = n < 0 ? head_err(l, e, "read") : 0;
			break;
		}
		for (i = k = 0; r == 0 && i < n; i++) {
			if (buf[i] != '\n')
				continue;
			if (solr_buf_add(&line, buf + k, (size_t)(i - k)) != 0)
				r = solr_seterr(e, SOLR_ERR_NOMEM, "out of "
				    "memory");
			else if (state_digest_item(l->key, start, line.p,
			    line.len, digest) != 0)
				r = solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-"
				    "SHA-256 is not available");
			line.len = 0;
			k = i + 1;
			start = pos + (uint64_t)k;
			*end = start;
		}
		if (r == 0 && k < n && solr_buf_add(&line, buf + k,
		    (size_t)(n - k)) != 0)
			r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		pos += (uint64_t)n;
	}
	solr_buf_free(&line);
	return r;
}

static int
tail_hash(struct ledger *l, uint64_t at, unsigned char out[32],
    struct solr_err *e)
{
	char buf[TAIL];
	uint64_t from = at > TAIL ? at - TAIL : 0;

	if (pread(l->fd, buf, (size_t)(at - from), (off_t)from) !=
	    (ssize_t)(at - from))
		return head_err(l, e, "read");
	return solr_sha256(buf, (size_t)(at - from), out) == 0 ? 0 :
	    solr_seterr(e, SOLR_ERR_INTERNAL, "SHA-256 is not available");
}

/* Under the lock: the ledger leads to its record (*h).  A ledger with no
 * bytes and no record is a new one: its record of size 0 is written when
 * create says so. */
static int
head_check(struct ledger *l, struct state_head *h, int create,
    struct solr_err *e)
{
	unsigned char t[32];
	struct stat st;
	int r, have;

	memset(h, 0, sizeof(*h));
	if (fstat(l->fd, &st) != 0)
		return head_err(l, e, "stat");
	if ((r = state_head_read(l->key, l->hpath, l->name, h, &have, e)) != 0)
		return r;
	if (!have) {
		if (st.st_size == 0)
			return (r = tail_hash(l, 0, h->tail, e)) != 0 ||
			    !create ? r : state_head_write(l->key, l->hpath,
			    l->name, h, e);
		return solr_seterr_at(e, SOLR_ERR_VERIFY, l->path, 0, "holds "
		    "%lld bytes and its record (%s) is gone: it cannot be told "
		    "from a copy put back; refused (solr-world(5), SECURITY)",
		    (long long)st.st_size, l->hpath);
	}
	if ((uint64_t)st.st_size < h->size)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, l->path, 0, "holds "
		    "%lld bytes where its last writer left %llu (%s): it was "
		    "put back to an older copy, cut or emptied; refused "
		    "(solr-world(5), SECURITY)", (long long)st.st_size,
		    (unsigned long long)h->size, l->hpath);
	if ((r = tail_hash(l, h->size, t, e)) != 0)
		return r;
	if (CRYPTO_memcmp(t, h->tail, 32) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, l->path, 0, "its "
		    "bytes before offset %llu are not those its last writer "
		    "left (%s): it was swapped or changed; refused "
		    "(solr-world(5), SECURITY)", (unsigned long long)h->size,
		    l->hpath);
	return 0;
}

/* Under the lock: the record moved to the end of the last whole line
 * before to, forward only (after a sync) or back only (before an undo
 * cuts). */
static int
head_move(struct ledger *l, uint64_t to, int back, struct solr_err *e)
{
	struct state_head h;
	uint64_t end;
	int r;

	if ((r = head_check(l, &h, 0, e)) != 0)
		return r;
	if (!back && to > h.size) {
		if ((r = lines_xor(l, h.size, to, h.digest, &end, e)) != 0)
			return r;
	} else if (back && to < h.size) {
		if ((r = lines_xor(l, to, h.size, h.digest, &end, e)) != 0)
			return r;
		if (end != h.size)
			return solr_seterr_at(e, SOLR_ERR_INTERNAL, l->path, 0,
			    "a cut at %llu is not at the end of a line",
			    (unsigned long long)to);
		end = to;
	} else
		return 0;
	if (end == h.size)
		return 0;
	h.size = end;
	if ((r = tail_hash(l, end, h.tail, e)) != 0)
		return r;
	return state_head_write(l->key, l->hpath, l->name, &h, e);
}

int
ledger_check(const char *world, const char *name,
    const unsigned char key[32], struct solr_err *e)
{
	struct ledger l;
	struct state_head h;
	unsigned char d[32] = { 0 };
	uint64_t end;
	int r;

	memset(&l, 0, sizeof(l));
	l.fd = l.ifd = l.lfd = -1;
	l.seen_size = -1;
	memcpy(l.key, key, 32);
	world_state_path(l.path, sizeof(l.path), world, name, "-ledger");
	world_state_path(l.hpath, sizeof(l.hpath), world, name, "-head");
	snprintf(l.name, sizeof(l.name), "%s-ledger", name);
	if ((l.fd = solr_open_regular(l.path, O_RDONLY, 1, e)) < 0)
		return errno == ENOENT && e->code == SOLR_ERR_IO &&
		    access(l.hpath, F_OK) != 0 ? 0 : e->code;
	if (solr_flock(l.fd, LOCK_SH) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, l.path, 0, "lock: %s",
		    strerror(errno));
	else if ((r = head_check(&l, &h, 0, e)) == 0 && (r = lines_xor(&l, 0, h.size,
	    d, &end, e)) == 0 && (end != h.size || CRYPTO_memcmp(d, h.digest,
	    32) != 0))
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, l.path, 0, "a line "
		    "before offset %llu is not the one its writer wrote (%s): "
		    "changed in place", (unsigned long long)h.size, l.hpath);
	close(l.fd);
	return r;
}

int
ledger_open(const char *world, const unsigned char key[32],
    struct ledger *l, struct solr_err *e)
{
	return ledger_open_named(world, "countersign", "was MACed before for "
	    "another APDU", key, l, e);
}

int
ledger_open_named(const char *world, const char *name, const char *reuse,
    const unsigned char key[32], struct ledger *l, struct solr_err *e)
{
	char dir[PATH_MAX + 8];
	struct state_head h;
	int r, alone;

	memset(l, 0, sizeof(*l));
	l->seen_size = -1;
	l->fd = l->ifd = l->lfd = -1;	/* ledger_close is safe after any
					 * failure */
	l->reuse = reuse;
	l->bytes_per_slot = strcmp(name, "countersign") == 0 ? 20 : 100;
	world_path(dir, sizeof(dir), world, WF_STATE);
	if (solr_mkdirs(dir, e) != 0)
		return SOLR_ERR_IO;
	world_state_path(l->path, sizeof(l->path), world, name, "-ledger");
	world_state_path(l->ipath, sizeof(l->ipath), world, name, "-index");
	world_state_path(l->hpath, sizeof(l->hpath), world, name, "-head");
	snprintf(l->name, sizeof(l->name), "%s-ledger", name);
	memcpy(l->key, key, 32);
	if ((l->fd = solr_open_regular(l->path, O_RDWR | O_CREAT | O_APPEND, 1,
	    e)) < 0)
		return e->code;
	if (solr_flock(l->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0,
		    "lock: %s", strerror(errno));
	if ((r = head_check(l, &h, 1, e)) != 0)
		goto out;
	/* every process with the ledger open holds .live shared: alone, an
	 * unclean index was left by one that died */
	world_state_path(dir, sizeof(dir), world, name, "-live");
	if ((l->lfd = solr_open_regular(dir, O_RDWR | O_CREAT, 1, e)) < 0) {
		r = e->code;
		goto out;
	}
	alone = flock(l->lfd, LOCK_EX | LOCK_NB) == 0;
	if ((l->ifd = solr_open_regular(l->ipath, O_RDWR, 1, e)) < 0 &&
	    errno != ENOENT)
		r = e->code == SOLR_ERR_UNSAFE ? e->code : idx_err(l, e,
		    "open");
	else if (l->ifd < 0 || hdr_read(l) != 0 || (!l->clean && alone))
		/* none, not one, or left unclean by a process that died */
		r = rebuild(l, 0, e);
	else
		r = catch_up(l, e);
	/* held shared while open: no other process takes itself alone */
	if (r == 0 && solr_flock(l->lfd, LOCK_SH) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "live lock: %s",
		    strerror(errno));
out:
	flock(l->fd, LOCK_UN);
	return r;
}

/* Appends the line of an entry, under the caller's lock; the entries of
 * this process since its last commit are noted for ledger_undo.  *at:
 * where the line starts. */
static int
append(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, const unsigned char sha[32], const char *note,
    uint64_t *at, struct solr_err *e)
{
	char line[LINE_MAX_LEN + 2], hex[65];
	off_t before, size;
	int len;

	/* the size catch_up saw under this lock: no one else appends */
	if ((before = size = l->seen_size) < 0)
		return solr_seterr_at(e, SOLR_ERR_INTERNAL, l->path, 0,
		    "an append before the ledger was read");
	l->seen_size = -1;
	/* after a torn append, start a line of our own */
	if (size > l->read_upto) {
		if (write(l->fd, "\n", 1) != 1)
			return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0,
			    "write: %s", strerror(errno));
		size++;
	}
	*at = (uint64_t)size;
	solr_hex(sha, 32, hex);
	if (note != NULL && (strlen(note) > LEDGER_NOTE_MAX ||
	    strchr(note, '\n') != NULL))
		return solr_seterr_at(e, SOLR_ERR_INTERNAL, l->path, 0, "a "
		    "note of more than one line or %d bytes", LEDGER_NOTE_MAX);
	len = snprintf(line, sizeof(line), "%016llX %llu %016llX %s%s%s\n",
	    (unsigned long long)originator, (unsigned long long)counter,
	    (unsigned long long)recipient, hex, note && *note ? " " : "",
	    note ? note : "");
	if (write(l->fd, line, (size_t)len) != len)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "write: %s",
		    strerror(errno));
	l->dirty = 1;
	l->read_upto = l->seen_size = size + len;
	solr_appended_note(&l->app, before, l->read_upto);
	return 0;
}

/* A second APDU for a key already used: the reason, EUIs in DUIS form. */
static int
reuse(const struct ledger *l, struct solr_err *e, uint64_t counter,
    uint64_t originator, uint64_t recipient, const char *was)
{
	char o[SOLR_EUI_STRLEN], r[SOLR_EUI_STRLEN];
	const char *what = l->reuse ? l->reuse : "was MACed before for "
	    "another APDU";

	solr_eui_format(originator, o);
	solr_eui_format(recipient, r);
	return solr_seterr(e, SOLR_ERR_VERIFY, "counter %llu from %s to %s "
	    "%s%s%s%s; a second one would reuse its key and IV",
	    (unsigned long long)counter, o, r, what, was ? " (sha256 " : "",
	    was ? was : "", was ? ")" : "");
}

static int
memory_record(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, const unsigned char sha[32], const char *note,
    int *again, struct solr_err *e)
{
	struct ledger_entry x;
	ssize_t k;

	/* in memory only: a replay's view of the decisions */
	if ((k = find(l, originator, counter, recipient)) >= 0) {
		if (memcmp(l->e[k].sha, sha, 32) == 0) {
			*again = 1;
			return 0;
		}
		return reuse(l, e, counter, originator, recipient, NULL);
	}
	x.originator = originator;
	x.counter = counter;
	x.recipient = recipient;
	memcpy(x.sha, sha, 32);
	x.note = note;
	return add(l, &x) == 0 ? 0 : solr_seterr(e, SOLR_ERR_NOMEM,
	    "out of memory");
}

int
ledger_record(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, const unsigned char sha[32], int *again,
    struct solr_err *e)
{
	return ledger_record_note(l, originator, counter, recipient, sha, NULL,
	    again, e);
}

int
ledger_hold(struct ledger *l, struct solr_err *e)
{
	int r;

	if (l->fd < 0 || l->held)
		return 0;
	if (solr_flock(l->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0,
		    "lock: %s", strerror(errno));
	if ((r = catch_up(l, e)) != 0) {
		flock(l->fd, LOCK_UN);
		return r;
	}
	l->held = 1;
	return 0;
}

int
ledger_release(struct ledger *l, struct solr_err *e)
{
	int r = 0;

	if (!l->held)
		return 0;
	if (l->hdr_dirty)
		r = hdr_write(l, e);
	l->held = l->hdr_dirty = 0;
	flock(l->fd, LOCK_UN);
	return r;
}

int
ledger_lookup(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, struct ledger_entry *x, int *found,
    struct solr_err *e)
{
	uint64_t slot, off;
	ssize_t k;
	int r;

	*found = 0;
	if (l->fd < 0) {
		if ((k = find(l, originator, counter, recipient)) >= 0) {
			*x = l->e[k];
			*found = 1;
		}
		return 0;
	}
	/* held: caught up when the batch took the lock (again only after a
	 * write of ours failed) */
	if (l->held)
		return (r = l->seen_size < 0 ? catch_up(l, e) : 0) != 0 ? r :
		    idx_find(l, originator, counter, recipient, &slot, &off, x,
		    found, e);
	if (solr_flock(l->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0,
		    "lock: %s", strerror(errno));
	if ((r = catch_up(l, e)) == 0)
		r = idx_find(l, originator, counter, recipient, &slot, &off, x,
		    found, e);
	flock(l->fd, LOCK_UN);
	return r;
}

int
ledger_record_note(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, const unsigned char sha[32], const char *note,
    int *again, struct solr_err *e)
{
	struct ledger_entry x;
	char was[65];
	uint64_t slot, off, at = 0;
	int r = 0, found;

	*again = 0;
	if (l->fd < 0)
		return memory_record(l, originator, counter, recipient, sha,
		    note, again, e);
	if (!l->held && solr_flock(l->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0,
		    "lock: %s", strerror(errno));
	if (((!l->held || l->seen_size < 0) && (r = catch_up(l, e)) != 0) ||
	    (r = idx_find(l, originator, counter, recipient, &slot, &off, &x,
	    &found, e)) != 0)
		goto out;
	if (found && memcmp(x.sha, sha, 32) != 0) {
		solr_hex(x.sha, 32, was);
		r = reuse(l, e, counter, originator, recipient, was);
		goto out;
	}
	*again = found;
	/* the same APDU again, on a line this batch did not write (maybe
	 * another process's, not yet synced): written again as ours, so
	 * that the other cannot take it back after a failed sync (its undo
	 * sees our append) */
	if (found && l->app.pending && off >= (uint64_t)l->app.start &&
	    off < (uint64_t)l->app.end)
		goto out;
	/* the same again keeps the first entry's note */
	if ((r = append(l, originator, counter, recipient, sha, found ? x.note :
	    note, &at, e)) != 0 || (r = touch_index(l, e)) != 0)
		goto out;
	if (found)	/* the key's slot now names our line */
		r = slot_put(l, slot, fingerprint(originator, counter,
		    recipient), at, e);
	else if ((l->count + 1) * 2 > l->nslots)
		r = rebuild(l, l->nslots * 2, e);
	else if ((r = slot_put(l, slot, fingerprint(originator, counter,
	    recipient), at, e)) == 0)
		l->count++;
	if (r == 0) {
		/* caught up before the append: the index covers it too (held
		 * for a batch, its header is written at the release) */
		l->covered = (uint64_t)l->read_upto;
		if (l->held)
			l->hdr_dirty = 1;
		else
			r = hdr_write(l, e);
	}
out:
	if (!l->held)
		flock(l->fd, LOCK_UN);
	return r;
}

int
ledger_sync(struct ledger *l, struct solr_err *e)
{
	struct stat st;
	int r;

	if ((r = ledger_release(l, e)) != 0)
		return r;
	if (l->fd < 0 || !l->dirty)
		return 0;
	/* what the fsync surely covers: every line written before it */
	if (fstat(l->fd, &st) != 0)
		return head_err(l, e, "stat");
	if (fsync(l->fd) != 0) {
		solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "fsync: %s%s",
		    strerror(errno), ledger_undo(l) == 0 ? "; the entries "
		    "of this batch are taken back" : "; the entries of this "
		    "batch stay (another process wrote after them)");
		return SOLR_ERR_IO;
	}
	l->dirty = 0;
	if (solr_flock(l->fd, LOCK_EX) != 0)
		return head_err(l, e, "lock");
	r = head_move(l, (uint64_t)st.st_size, 0, e);
	flock(l->fd, LOCK_UN);
	return r;
}

void
ledger_commit(struct ledger *l)
{
	l->app.pending = 0;
}

int
ledger_undo(struct ledger *l)
{
	int r;

	struct solr_err ignore;

	(void)ledger_release(l, &ignore);
	if (l->fd < 0)
		return 0;
	/* a record a sync moved over this batch's lines goes back before
	 * them first, under the lock the cut is made under (taken again
	 * and let go by solr_appended_undo): behind the file, it holds */
	if (l->app.pending && !l->app.interleaved && solr_flock(l->fd, LOCK_EX) ==
	    0 && head_move(l, (uint64_t)l->app.start, 1, &ignore) != 0)
		l->app.interleaved = 1;	/* the lines stay */
	r = solr_appended_undo(l->fd, &l->app);
	flock(l->fd, LOCK_UN);
	l->dirty = 0;
	l->seen_size = -1;
	/* the index covers lines that are gone: the next to read it builds
	 * it again */
	if (r == 0 && l->ifd >= 0 && solr_flock(l->fd, LOCK_EX) == 0) {
		if (hdr_read(l) == 0 && touch_index(l, &ignore) == 0) {
			l->covered = UINT64_MAX;
			(void)hdr_write(l, &ignore);
		}
		flock(l->fd, LOCK_UN);
	}
	return r;
}

void
ledger_memory(struct ledger *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = l->ifd = l->lfd = -1;
	l->seen_size = -1;
}

void
ledger_close(struct ledger *l)
{
	struct solr_err ignore;

	(void)ledger_release(l, &ignore);
	if (l->fd >= 0 && l->ifd >= 0) {
		/* everything any process wrote to the index is on disk:
		 * it is clean (the next to change it marks it again); when
		 * the lock cannot be had it stays unclean, and is built
		 * again */
		if (solr_flock(l->fd, LOCK_EX) == 0 && hdr_read(l) == 0 &&
		    !l->clean && fsync(l->ifd) == 0) {
			l->clean = 1;
			if (hdr_write(l, &ignore) == 0)
				(void)fdatasync(l->ifd);
		}
		flock(l->fd, LOCK_UN);
	}
	if (l->ifd >= 0)
		close(l->ifd);
	if (l->lfd >= 0)
		close(l->lfd);
	if (l->fd >= 0)
		close(l->fd);
	while (l->n > 0)
		free((char *)l->e[--l->n].note);
	free(l->e);
	free(l->index);
	memset(l, 0, sizeof(*l));
	l->fd = l->ifd = l->lfd = -1;
	l->seen_size = -1;
}
