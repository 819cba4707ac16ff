#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ledger.h"
#include "util.h"

/* One line per entry: ORIGINATOR COUNTER RECIPIENT SHA256, hex/decimal. */
#define LINE_MAX_LEN 128

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
	for (i = hash3(x->originator, x->counter, x->recipient) &
	    (l->icap - 1); l->index[i] != SIZE_MAX; i = (i + 1) & (l->icap - 1))
		;
	l->index[i] = l->n++;
	return 0;
}

/* Reads what other processes appended since the last read.  A last line
 * without its newline is an append that died: it never counted. */
static int
catch_up(struct ledger *l, struct solr_err *e)
{
	char buf[65536], line[LINE_MAX_LEN + 1];
	size_t ll = 0;
	off_t pos = l->read_upto, start = pos;
	ssize_t n, i;

	for (;;) {
		if ((n = pread(l->fd, buf, sizeof(buf), pos)) < 0)
			return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "%s",
			    strerror(errno));
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			struct ledger_entry x;
			char sha[65];
			unsigned long long o, c, r;
			size_t sl;

			if (buf[i] != '\n') {
				if (ll < LINE_MAX_LEN)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			start = pos + i + 1;
			if (ll == 0) {
				ll = 0;
				continue;
			}
			ll = 0;
			if (sscanf(line, "%16llx %llu %16llx %64s", &o, &c, &r,
			    sha) != 4 || strlen(sha) != 64 ||
			    solr_unhex(sha, 64, x.sha, 32, &sl) != 0)
				continue;	/* a torn line, completed later */
			x.originator = o;
			x.counter = c;
			x.recipient = r;
			x.own = 0;
			if (find(l, o, c, r) < 0 && add(l, &x) != 0)
				return solr_seterr(e, SOLR_ERR_NOMEM,
				    "out of memory");
		}
		pos += n;
	}
	l->read_upto = start;
	return 0;
}

int
ledger_open(const char *world, struct ledger *l, struct solr_err *e)
{
	char dir[PATH_MAX];
	int r;

	memset(l, 0, sizeof(*l));
	l->fd = -1;	/* ledger_close is safe after any failure */
	snprintf(dir, sizeof(dir), "%s/state", world);
	if (solr_mkdirs(dir, e) != 0)
		return SOLR_ERR_IO;
	snprintf(l->path, sizeof(l->path), "%s/state/countersign-ledger",
	    world);
	if ((l->fd = open(l->path, O_RDWR | O_CREAT | O_APPEND | O_NOFOLLOW,
	    0644)) < 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "%s",
		    strerror(errno));
	flock(l->fd, LOCK_SH);
	r = catch_up(l, e);
	flock(l->fd, LOCK_UN);
	return r;
}

/* Appends the line of an entry, under the caller's lock; the entries of
 * this process since its last commit are noted for ledger_undo. */
static int
append(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, const unsigned char sha[32], struct solr_err *e)
{
	struct stat st;
	char line[LINE_MAX_LEN + 2], hex[65];
	off_t before;
	int len;

	if (fstat(l->fd, &st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "stat: %s",
		    strerror(errno));
	before = st.st_size;
	/* after a torn append, start a line of our own */
	if (st.st_size > l->read_upto && write(l->fd, "\n", 1) != 1)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "write: %s",
		    strerror(errno));
	solr_hex(sha, 32, hex);
	len = snprintf(line, sizeof(line), "%016llX %llu %016llX %s\n",
	    (unsigned long long)originator, (unsigned long long)counter,
	    (unsigned long long)recipient, hex);
	if (write(l->fd, line, (size_t)len) != len)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "write: %s",
		    strerror(errno));
	l->dirty = 1;
	if (fstat(l->fd, &st) == 0)
		l->read_upto = st.st_size;
	solr_appended_note(&l->app, before, l->read_upto);
	return 0;
}

int
ledger_record(struct ledger *l, uint64_t originator, uint64_t counter,
    uint64_t recipient, const unsigned char sha[32], int *again,
    struct solr_err *e)
{
	struct ledger_entry x;
	char was[65];
	ssize_t k;
	int r = 0;

	*again = 0;
	if (l->fd < 0) {
		/* in memory only: a replay's view of the decisions */
		if ((k = find(l, originator, counter, recipient)) >= 0) {
			if (memcmp(l->e[k].sha, sha, 32) == 0) {
				*again = 1;
				return 0;
			}
			return solr_seterr(e, SOLR_ERR_VERIFY, "counter %llu from "
			    "%016llX to %016llX was MACed before for another "
			    "APDU; a second one would reuse its key and IV",
			    (unsigned long long)counter,
			    (unsigned long long)originator,
			    (unsigned long long)recipient);
		}
		x.originator = originator;
		x.counter = counter;
		x.recipient = recipient;
		memcpy(x.sha, sha, 32);
		x.own = 1;
		return add(l, &x) == 0 ? 0 : solr_seterr(e, SOLR_ERR_NOMEM,
		    "out of memory");
	}
	while (flock(l->fd, LOCK_EX) != 0)
		if (errno != EINTR)
			return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0,
			    "lock: %s", strerror(errno));
	if ((r = catch_up(l, e)) != 0)
		goto out;
	if ((k = find(l, originator, counter, recipient)) >= 0) {
		if (memcmp(l->e[k].sha, sha, 32) == 0) {
			*again = 1;
			/* another process's entry, maybe not yet synced: write
			 * it again as ours, so that the other cannot take it
			 * back after a failed sync (its undo sees our append) */
			if (!l->e[k].own)
				r = append(l, originator, counter, recipient,
				    sha, e);
			if (r == 0)
				l->e[k].own = 1;
			goto out;
		}
		solr_hex(l->e[k].sha, 32, was);
		r = solr_seterr(e, SOLR_ERR_VERIFY, "counter %llu from "
		    "%016llX to %016llX was MACed before for another APDU "
		    "(sha256 %s); a second one would reuse its key and IV",
		    (unsigned long long)counter, (unsigned long long)originator,
		    (unsigned long long)recipient, was);
		goto out;
	}
	if ((r = append(l, originator, counter, recipient, sha, e)) != 0)
		goto out;
	x.originator = originator;
	x.counter = counter;
	x.recipient = recipient;
	memcpy(x.sha, sha, 32);
	x.own = 1;
	if (add(l, &x) != 0) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
out:
	flock(l->fd, LOCK_UN);
	return r;
}

int
ledger_sync(struct ledger *l, struct solr_err *e)
{
	if (l->fd < 0 || !l->dirty)
		return 0;
	if (fsync(l->fd) != 0) {
		solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "fsync: %s%s",
		    strerror(errno), ledger_undo(l) == 0 ? "; the entries "
		    "of this batch are taken back" : "; the entries of this "
		    "batch stay (another process wrote after them)");
		return SOLR_ERR_IO;
	}
	l->dirty = 0;
	return 0;
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

	if (l->fd < 0)
		return 0;
	r = solr_appended_undo(l->fd, &l->app);
	l->dirty = 0;
	return r;
}

void
ledger_memory(struct ledger *l)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

void
ledger_close(struct ledger *l)
{
	if (l->fd >= 0)
		close(l->fd);
	free(l->e);
	free(l->index);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}
