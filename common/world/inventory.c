/*
 * The device inventory: state/devices, an append-only log of 512-byte
 * entries, and state/devices.idx, an open-addressing table of EUI to the
 * device's latest entry (solr-world(5) gives both layouts).
 *
 * Every entry carries an HMAC-SHA-256 under a key derived from
 * keys/records.key for this use alone, over its bytes and the MAC of the
 * entry before it, so that without the key no entry can be made, changed,
 * moved or taken out of the middle.  The index's header binds it to one
 * length of the log and to the log's last MAC; each slot's MAC binds the
 * slot to that header, so that an old index's slot (an older entry of a
 * device) is refused beside a newer log.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/guard.h"
#include "base/crypto.h"
#include "base/layout.h"
#include "base/util.h"
#include "world/inventory.h"

#define IDX_MAGIC "SOLRDIX1"
#define SLOT_MAGIC "SOLRSLT1"
#define IDX_HEADER 128
#define IDX_MACED 96
#define SLOT_LEN 32
#define PROBE_RUN 4		/* slots read at once */
/* what makes the index again: an import of no device, which checks the
 * whole log */
#define REBUILD "make it again with solr-countersign devices import < " \
    "/dev/null"
#define INV_BATCH 8192		/* entries an import writes at once */
#define CERT_AT(u) (64 + 192 * (u))

const char *
inv_use_name(enum inv_use u)
{
	return u == INV_KA ? "ka" : "ds";
}

const char *
inv_fuel_name(enum inv_fuel f)
{
	return f == INV_FUEL_ELECTRICITY ? "electricity" : f == INV_FUEL_GAS ?
	    "gas" : "none";
}

enum inv_fuel
inv_fuel_of(const char *type)
{
	if (strcmp(type, "ESME") == 0)
		return INV_FUEL_ELECTRICITY;
	if (strcmp(type, "GSME") == 0)
		return INV_FUEL_GAS;
	return INV_FUEL_NONE;
}

int
inv_type_ok(const char *type)
{
	size_t i, n = strlen(type);

	if (n == 0 || n > INV_TYPE_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((type[i] >= 'A' && type[i] <= 'Z') || (type[i] >= '0' &&
		    type[i] <= '9')))
			return 0;
	return 1;
}

static void
cert_encode(const struct inv_cert *c, unsigned char *p)
{
	if (!c->present)
		return;
	memcpy(p, c->point, 65);
	p[65] = (unsigned char)c->serial_len;
	memcpy(p + 66, c->serial, c->serial_len);
	solr_put_le64(p + 88, (uint64_t)c->not_before);
	solr_put_le64(p + 96, (uint64_t)c->not_after);
	solr_put_le64(p + 104, c->size);
	solr_put_le64(p + 112, (uint64_t)c->mtime_ns);
	memcpy(p + 120, c->sha256, 32);
	memcpy(p + 152, c->issuer16, 16);
	memcpy(p + 168, c->ca16, 16);
}

int
inv_encode(struct solr_sealer *key, struct inv_entry *en,
    unsigned char out[INV_ENTRY_LEN])
{
	int u;

	memset(out, 0, INV_ENTRY_LEN);
	memcpy(out, INV_ENTRY_MAGIC, 8);
	solr_put_le64(out + 8, en->seq);
	solr_put_le64(out + 16, en->eui);
	out[24] = (unsigned char)en->op;
	out[25] = (unsigned char)en->fuel;
	out[26] = (unsigned char)((en->cert[INV_KA].present ? 1 : 0) |
	    (en->cert[INV_DS].present ? 2 : 0) | (en->chained ? 4 : 0));
	memcpy(out + 32, en->type, strlen(en->type));
	solr_put_le64(out + 40, (uint64_t)en->imported_at);
	solr_put_le64(out + 48, (uint64_t)en->chain_not_before);
	solr_put_le64(out + 56, (uint64_t)en->chain_not_after);
	for (u = 0; u < INV_NUSES; u++)
		cert_encode(&en->cert[u], out + CERT_AT(u));
	memcpy(out + 448, en->prev, 32);
	if (solr_sealer_mac(key, out, INV_ENTRY_MACED, en->mac) != 0)
		return SOLR_ERR_INTERNAL;
	memcpy(out + INV_ENTRY_MACED, en->mac, 32);
	return 0;
}

static int
all_zero(const unsigned char *p, size_t n)
{
	while (n > 0)
		if (p[--n] != 0)
			return 0;
	return 1;
}

static int
cert_decode(const unsigned char *p, int present, struct inv_cert *c)
{
	memset(c, 0, sizeof(*c));
	if (!(c->present = present))
		return all_zero(p, 192) ? 0 : -1;
	memcpy(c->point, p, 65);
	c->serial_len = p[65];
	if (p[0] != 0x04 || c->serial_len == 0 || c->serial_len > 20 ||
	    !all_zero(p + 66 + c->serial_len, 22 - c->serial_len) ||
	    !all_zero(p + 184, 8))
		return -1;
	memcpy(c->serial, p + 66, c->serial_len);
	c->not_before = (int64_t)solr_get_le64(p + 88);
	c->not_after = (int64_t)solr_get_le64(p + 96);
	c->size = solr_get_le64(p + 104);
	c->mtime_ns = (int64_t)solr_get_le64(p + 112);
	memcpy(c->sha256, p + 120, 32);
	memcpy(c->issuer16, p + 152, 16);
	memcpy(c->ca16, p + 168, 16);
	return 0;
}

/* The fields of an entry whose MAC held: in range, or -1. */
static int
fields_decode(const unsigned char *in, struct inv_entry *en)
{
	int u, flags = in[26];

	en->eui = solr_get_le64(in + 16);
	en->op = (enum inv_op)in[24];
	en->fuel = (enum inv_fuel)in[25];
	en->chained = (flags & 4) != 0;
	memcpy(en->type, in + 32, 8);
	en->type[INV_TYPE_MAX] = '\0';
	en->imported_at = (int64_t)solr_get_le64(in + 40);
	en->chain_not_before = (int64_t)solr_get_le64(in + 48);
	en->chain_not_after = (int64_t)solr_get_le64(in + 56);
	if ((en->op != INV_PUT && en->op != INV_REMOVE) || (flags & ~7) ||
	    in[27] != 0 || !all_zero(in + 28, 4) || en->fuel > INV_FUEL_GAS ||
	    (en->op == INV_PUT && (!inv_type_ok(en->type) ||
	    en->fuel != inv_fuel_of(en->type))) ||
	    (en->op == INV_REMOVE && (flags || en->type[0])) ||
	    !all_zero(in + 32 + strlen(en->type), 8 - strlen(en->type)))
		return -1;
	for (u = 0; u < INV_NUSES; u++)
		if (cert_decode(in + CERT_AT(u), (flags >> u) & 1,
		    &en->cert[u]) != 0)
			return -1;
	return 0;
}

int
inv_decode(struct solr_sealer *key, const unsigned char
    in[INV_ENTRY_LEN], uint64_t seq, struct inv_entry *en,
    struct solr_err *e)
{
	unsigned char mac[32];

	memset(en, 0, sizeof(*en));
	if (memcmp(in, INV_ENTRY_MAGIC, 8) != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "entry %llu is not a "
		    "device inventory entry", (unsigned long long)seq);
	if (solr_sealer_mac(key, in, INV_ENTRY_MACED, mac) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	if (CRYPTO_memcmp(mac, in + INV_ENTRY_MACED, 32) != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "entry %llu: its MAC "
		    "does not hold (changed, or made under another "
		    "keys/records.key)", (unsigned long long)seq);
	en->seq = solr_get_le64(in + 8);
	if (en->seq != seq)
		return solr_seterr(e, SOLR_ERR_VERIFY, "entry %llu says it is "
		    "entry %llu (moved)", (unsigned long long)seq,
		    (unsigned long long)en->seq);
	if (fields_decode(in, en) != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "entry %llu: a field "
		    "is out of range", (unsigned long long)seq);
	memcpy(en->prev, in + 448, 32);
	memcpy(en->mac, in + INV_ENTRY_MACED, 32);
	return 0;
}

static int
inv_err(struct solr_err *e, const char *dir, enum world_file f, int code,
    const char *msg)
{
	char path[PATH_MAX];

	world_path(path, sizeof(path), dir, f);
	return solr_seterr_at(e, code, path, 0, "%s", msg);
}

/* Where an EUI's probe starts in a table of 2^bits slots. */
static uint64_t
slot_of(uint64_t eui, uint64_t nslots)
{
	return (eui * UINT64_C(0x9E3779B97F4A7C15)) >> 17 & (nslots - 1);
}

/* A slot's MAC: the slot (EUI, entry) under the header it belongs to. */
static int
slot_mac(struct solr_sealer *key, uint64_t nentries,
    const unsigned char head[32], uint64_t eui, uint64_t seq,
    unsigned char out[16])
{
	unsigned char m[8 + 8 + 32 + 16], mac[32];

	memcpy(m, SLOT_MAGIC, 8);
	solr_put_le64(m + 8, nentries);
	memcpy(m + 16, head, 32);
	solr_put_le64(m + 48, eui);
	solr_put_le64(m + 56, seq);
	if (solr_sealer_mac(key, m, sizeof(m), mac) != 0)
		return SOLR_ERR_INTERNAL;
	memcpy(out, mac, 16);
	return 0;
}

/*
 * The reader: the log and the index as they were when last opened, and
 * their identity, checked on every lookup.
 */
struct inv_reader {
	int logfd, idxfd;
	struct stat log_st, idx_st;
	size_t idxlen;
	uint64_t nentries, nslots;
	unsigned char head[32];
	uint64_t fresh_in;	/* the world's batch it was found fresh in */
};

void
inv_reader_free(struct inv_reader *r)
{
	if (r == NULL)
		return;
	if (r->logfd >= 0)
		close(r->logfd);
	if (r->idxfd >= 0)
		close(r->idxfd);
	free(r);
}

/* The index's header, checked against the log open at r->logfd. */
static int
idx_header(struct solr_world *w, struct inv_reader *r, struct solr_err *e)
{
	unsigned char h[IDX_HEADER], mac[32], last[INV_ENTRY_LEN];
	char msg[160];

	if (r->idxlen < IDX_HEADER || pread(r->idxfd, h, sizeof(h), 0) !=
	    IDX_HEADER || memcmp(h, IDX_MAGIC, 8) != 0)
		return inv_err(e, w->dir, WF_INVENTORY_IDX, SOLR_ERR_CONFIG,
		    "not a device inventory index");
	if (solr_sealer_mac(w->inventory_sealer, h, IDX_MACED, mac) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	r->nentries = solr_get_le64(h + 8);
	r->nslots = solr_get_le64(h + 16);
	memcpy(r->head, h + 24, 32);
	if (CRYPTO_memcmp(mac, h + IDX_MACED, 32) != 0 || r->nslots < 2 ||
	    (r->nslots & (r->nslots - 1)) != 0 || r->nslots >
	    (r->idxlen - IDX_HEADER) / SLOT_LEN || r->idxlen != IDX_HEADER +
	    r->nslots * SLOT_LEN)
		return inv_err(e, w->dir, WF_INVENTORY_IDX, SOLR_ERR_CONFIG,
		    "its header's MAC or size does not hold: " REBUILD);
	if ((uint64_t)r->log_st.st_size != r->nentries * INV_ENTRY_LEN) {
		snprintf(msg, sizeof(msg), "the index is of %llu entries and "
		    "the log holds %lld bytes (an import that did not end): "
		    REBUILD,
		    (unsigned long long)r->nentries,
		    (long long)r->log_st.st_size);
		return inv_err(e, w->dir, WF_INVENTORY_IDX, SOLR_ERR_CONFIG,
		    msg);
	}
	if (r->nentries > 0 && (pread(r->logfd, last, sizeof(last),
	    (off_t)((r->nentries - 1) * INV_ENTRY_LEN)) != INV_ENTRY_LEN ||
	    CRYPTO_memcmp(last + INV_ENTRY_MACED, r->head, 32) != 0))
		return inv_err(e, w->dir, WF_INVENTORY_IDX, SOLR_ERR_CONFIG,
		    "the log's last entry is not the one the index was made "
		    "for: " REBUILD);
	return 0;
}

/* state/devices.head: the number of entries and the last entry's MAC as
 * the last change left them, MACed.  The log put back behind it (fewer
 * entries, or others in their place), with its index, is refused: a
 * removed device is not taken for one imported. */
static int
head_text(struct solr_world *w, uint64_t n, const unsigned char head[32],
    char *out, size_t cap)
{
	unsigned char mac[32];
	char hh[65], mh[65];
	int len;

	solr_hex(head, 32, hh);
	len = snprintf(out, cap, "entries: %llu\nhead: %s\n",
	    (unsigned long long)n, hh);
	if (len < 0 || (size_t)len >= cap || solr_sealer_mac(
	    w->inventory_sealer, out, (size_t)len, mac) != 0)
		return -1;
	solr_hex(mac, 32, mh);
	return snprintf(out + len, cap - (size_t)len, "mac: %s\n", mh) > 0 ?
	    0 : -1;
}

static int
head_write(struct solr_world *w, uint64_t n, const unsigned char head[32],
    struct solr_err *e)
{
	char path[PATH_MAX], text[256];

	if (head_text(w, n, head, text, sizeof(text)) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	world_path(path, sizeof(path), w->dir, WF_INVENTORY_HEAD);
	return solr_write_atomic(path, text, strlen(text), 1, e);
}

/* Under the log's lock: the log (fd, of n entries) holds the head
 * recorded. */
static int
head_check(struct solr_world *w, int fd, uint64_t nentries,
    struct solr_err *e)
{
	char path[PATH_MAX], want[256], hex[65], msg[160];
	unsigned char head[32], last[INV_ENTRY_LEN];
	unsigned long long n;
	struct solr_buf b = { 0 };
	size_t hl = 0;
	int rc;

	world_path(path, sizeof(path), w->dir, WF_INVENTORY_HEAD);
	if ((rc = solr_read_guarded(path, 256, &b, e)) != 0) {
		solr_buf_free(&b);
		if (errno != ENOENT)
			return rc;
		return nentries == 0 ? 0 : solr_seterr_at(e,
		    SOLR_ERR_VERIFY, path, 0, "gone, while the inventory "
		    "holds %llu entries: its record of the inventory was "
		    "removed; refused (solr-world(5), SECURITY)",
		    (unsigned long long)nentries);
	}
	rc = solr_buf_addc(&b, '\0') != 0 || sscanf((const char *)b.p,
	    "entries: %llu\nhead: %64[0-9a-f]\n", &n, hex) != 2 ||
	    solr_unhex(hex, 64, head, 32, &hl) != 0 || hl != 32 ||
	    head_text(w, n, head, want,
	    sizeof(want)) != 0 || strcmp((const char *)b.p, want) != 0;
	solr_buf_free(&b);
	if (rc)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "not a "
		    "record this world wrote (its MAC does not hold); refused");
	if (nentries < n)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "inventory holds %llu entries, where its last change left "
		    "%llu: it was put back to an older copy; refused",
		    (unsigned long long)nentries, n);
	/* a read that fails is trouble, not a sign of a replaced entry */
	if (n > 0 && pread(fd, last, sizeof(last), (off_t)((n - 1) *
	    INV_ENTRY_LEN)) != INV_ENTRY_LEN) {
		snprintf(msg, sizeof(msg), "cannot read its last entry: %s",
		    strerror(errno ? errno : EIO));
		return inv_err(e, w->dir, WF_INVENTORY, SOLR_ERR_IO, msg);
	}
	if (n > 0 && CRYPTO_memcmp(last + INV_ENTRY_MACED, head, 32) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "inventory's entry %llu is not the one its last change "
		    "left: it was replaced; refused", n - 1);
	return 0;
}

/* Opens the log and the index, under the log's shared lock so that no
 * import is half done while they are read. */
static int
reader_open(struct solr_world *w, struct inv_reader *r, struct solr_err *e)
{
	char path[PATH_MAX];
	int rc;

	world_path(path, sizeof(path), w->dir, WF_INVENTORY);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return solr_seterr(e, SOLR_ERR_NOTFOUND, "the world has no "
		    "device inventory (state/devices): its devices are "
		    "imported with solr-countersign devices import");
	if ((r->logfd = solr_open_regular(path, O_RDONLY, 1, e)) < 0)
		return e->code;
	if (solr_flock(r->logfd, LOCK_SH) != 0 || fstat(r->logfd, &r->log_st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	world_path(path, sizeof(path), w->dir, WF_INVENTORY_IDX);
	if ((r->idxfd = solr_open_regular(path, O_RDONLY, 1, e)) < 0)
		rc = e->code;
	else if (fstat(r->idxfd, &r->idx_st) != 0)
		rc = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	else {
		r->idxlen = (size_t)r->idx_st.st_size;
		if ((rc = idx_header(w, r, e)) == 0)
			rc = head_check(w, r->logfd, r->nentries, e);
	}
	flock(r->logfd, LOCK_UN);
	return rc;
}

/* The reader, opened again when the log or the index is not the file,
 * or not of the size, it was. */
static int
reader_fresh(struct solr_world *w, struct inv_reader **out,
    struct solr_err *e)
{
	struct inv_reader *r = w->inventory;
	char lp[PATH_MAX], ip[PATH_MAX];
	struct stat ls, is;
	int rc;

	/* looked at once a batch */
	if (r != NULL && w->batch != 0 && r->fresh_in == w->batch) {
		*out = r;
		return 0;
	}
	world_path(lp, sizeof(lp), w->dir, WF_INVENTORY);
	world_path(ip, sizeof(ip), w->dir, WF_INVENTORY_IDX);
	if (r != NULL && lstat(lp, &ls) == 0 && lstat(ip, &is) == 0 &&
	    solr_same_file(&ls, &r->log_st) &&
	    solr_same_file(&is, &r->idx_st)) {
		r->fresh_in = w->batch;
		*out = r;
		return 0;
	}
	inv_reader_free(r);
	w->inventory = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	r->logfd = r->idxfd = -1;
	if ((rc = reader_open(w, r, e)) != 0) {
		inv_reader_free(r);
		return rc;
	}
	r->fresh_in = w->batch;
	*out = w->inventory = r;
	w->inventory_free = inv_reader_free;
	return 0;
}

static int
not_found(struct solr_err *e, uint64_t eui, const char *why)
{
	char d[SOLR_EUI_STRLEN];

	solr_eui_format(eui, d);
	return solr_seterr(e, SOLR_ERR_NOTFOUND, "device %s %s", d, why);
}

int
inv_lookup(struct solr_world *w, uint64_t eui, struct inv_entry *out,
    struct solr_err *e)
{
	struct inv_reader *r = NULL;
	unsigned char buf[INV_ENTRY_LEN], mac[16], run[PROBE_RUN * SLOT_LEN];
	uint64_t i, k, n, left, seq;
	const unsigned char *s = run;
	int rc;

	if ((rc = reader_fresh(w, &r, e)) != 0)
		return rc;
	/* the slots read a few at a time, not mapped: a lookup costs the
	 * same, and the process's memory stays the same, at any size */
	for (i = 0, left = 0, k = slot_of(eui, r->nslots); i < r->nslots;
	    i++, k = (k + 1) & (r->nslots - 1)) {
		if (left == 0) {
			n = r->nslots - k < PROBE_RUN ? r->nslots - k :
			    PROBE_RUN;
			if (pread(r->idxfd, run, n * SLOT_LEN,
			    (off_t)(IDX_HEADER + k * SLOT_LEN)) !=
			    (ssize_t)(n * SLOT_LEN))
				return inv_err(e, w->dir, WF_INVENTORY_IDX,
				    SOLR_ERR_IO, "cannot read a slot");
			s = run;
			left = n;
		} else
			s += SLOT_LEN;
		left--;
		if (solr_get_le64(s + 8) == 0 || solr_get_le64(s) == eui)
			break;
	}
	if (i >= r->nslots || solr_get_le64(s + 8) == 0)
		return not_found(e, eui, "is not in the device inventory");
	seq = solr_get_le64(s + 8) - 1;
	if ((rc = slot_mac(w->inventory_sealer, r->nentries, r->head, eui, seq,
	    mac)) != 0)
		return solr_seterr(e, rc, "HMAC-SHA-256 is not available");
	if (CRYPTO_memcmp(mac, s + 16, 16) != 0 || seq >= r->nentries)
		return inv_err(e, w->dir, WF_INVENTORY_IDX, SOLR_ERR_CONFIG,
		    "a slot's MAC does not hold: " REBUILD);
	if (pread(r->logfd, buf, sizeof(buf), (off_t)(seq * INV_ENTRY_LEN)) !=
	    INV_ENTRY_LEN)
		return inv_err(e, w->dir, WF_INVENTORY, SOLR_ERR_IO,
		    "cannot read an entry");
	if ((rc = inv_decode(w->inventory_sealer, buf, seq, out, e)) != 0) {
		char path[PATH_MAX], msg[sizeof(e->msg)];

		world_path(path, sizeof(path), w->dir, WF_INVENTORY);
		snprintf(msg, sizeof(msg), "%s", e->msg);
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "%s", msg);
	}
	if (out->eui != eui)
		return inv_err(e, w->dir, WF_INVENTORY_IDX, SOLR_ERR_CONFIG,
		    "a slot names another device's entry");
	if (out->op == INV_REMOVE) {
		char why[64];

		snprintf(why, sizeof(why), "was removed from the device "
		    "inventory (entry %llu)", (unsigned long long)seq);
		return not_found(e, eui, why);
	}
	return 0;
}

int
inv_head(struct solr_world *w, uint64_t *n, unsigned char head[32],
    struct solr_err *e)
{
	struct inv_reader *r;
	int rc;

	if ((rc = reader_fresh(w, &r, e)) != 0)
		return rc;
	*n = r->nentries;
	memcpy(head, r->head, 32);
	return 0;
}

int
inv_holds(struct solr_world *w, uint64_t n, const unsigned char head[32],
    struct solr_err *e)
{
	unsigned char buf[INV_ENTRY_LEN];
	struct inv_reader *r;
	struct inv_entry en;
	char msg[sizeof(e->msg)];
	int rc;

	if (n == 0)
		return 0;
	if ((rc = reader_fresh(w, &r, e)) != 0)
		return rc;
	if (r->nentries < n) {
		snprintf(msg, sizeof(msg), "%llu entries, where %llu were "
		    "recorded", (unsigned long long)r->nentries,
		    (unsigned long long)n);
		return inv_err(e, w->dir, WF_INVENTORY, SOLR_ERR_VERIFY, msg);
	}
	if (pread(r->logfd, buf, sizeof(buf), (off_t)((n - 1) *
	    INV_ENTRY_LEN)) != INV_ENTRY_LEN)
		return inv_err(e, w->dir, WF_INVENTORY, SOLR_ERR_IO,
		    "cannot read an entry");
	if (inv_decode(w->inventory_sealer, buf, n - 1, &en, e) != 0) {
		snprintf(msg, sizeof(msg), "%s", e->msg);
		return inv_err(e, w->dir, WF_INVENTORY, SOLR_ERR_VERIFY, msg);
	}
	if (CRYPTO_memcmp(en.mac, head, 32) != 0) {
		snprintf(msg, sizeof(msg), "entry %llu is not the one "
		    "recorded", (unsigned long long)n - 1);
		return inv_err(e, w->dir, WF_INVENTORY, SOLR_ERR_VERIFY, msg);
	}
	return 0;
}

/*
 * The writer: the log under its exclusive lock, every entry checked, a
 * table of each device's latest entry, and what is to be appended.
 */
struct inv_writer {
	struct solr_world *w;
	int fd;
	uint64_t nentries;	/* in the log, written so far */
	uint64_t base;		/* in the log when it began: what a change
				 * that does not commit is cut back to */
	int changing, committed;
	unsigned char head[32];	/* the MAC of the last entry, made or not */
	uint64_t *tab;		/* slots: seq + 1 of each EUI's latest */
	uint64_t *teui;
	uint64_t nslots, ndevices;
	unsigned char *pending;	/* entries to append, written a batch
				 * at a time */
	size_t npending, cap;
	struct inv_entry scratch;
};

/* The table's slot of eui: its own, or the empty one it would take. */
static uint64_t *
tab_slot(struct inv_writer *wr, uint64_t eui)
{
	uint64_t k = slot_of(eui, wr->nslots);

	while (wr->tab[k] != 0 && wr->teui[k] != eui)
		k = (k + 1) & (wr->nslots - 1);
	return &wr->tab[k];
}

static int
tab_grow(struct inv_writer *wr)
{
	uint64_t *ot = wr->tab, *oe = wr->teui, n = wr->nslots, i;

	wr->nslots = n ? n * 2 : 1024;
	wr->tab = calloc(wr->nslots, sizeof(*wr->tab));
	wr->teui = calloc(wr->nslots, sizeof(*wr->teui));
	if (wr->tab == NULL || wr->teui == NULL) {
		free(wr->tab);
		free(wr->teui);
		wr->tab = ot;
		wr->teui = oe;
		wr->nslots = n;
		return -1;
	}
	for (i = 0; i < n; i++)
		if (ot[i] != 0) {
			uint64_t *s = tab_slot(wr, oe[i]);

			*s = ot[i];
			wr->teui[s - wr->tab] = oe[i];
		}
	free(ot);
	free(oe);
	return 0;
}

/* Notes entry seq as eui's latest. */
static int
tab_note(struct inv_writer *wr, uint64_t eui, uint64_t seq)
{
	uint64_t *s;

	if ((wr->ndevices + 1) * 2 > wr->nslots && tab_grow(wr) != 0)
		return -1;
	s = tab_slot(wr, eui);
	if (*s == 0)
		wr->ndevices++;
	*s = seq + 1;
	wr->teui[s - wr->tab] = eui;
	return 0;
}

static int
writer_err(struct inv_writer *wr, struct solr_err *e, int code)
{
	char path[PATH_MAX], msg[sizeof(e->msg)];

	world_path(path, sizeof(path), wr->w->dir, WF_INVENTORY);
	snprintf(msg, sizeof(msg), "%s", e->msg);
	return solr_seterr_at(e, code, path, 0, "%s", msg);
}

/* Reads and checks the log's n entries, into the table. */
static int
writer_scan(struct inv_writer *wr, uint64_t n, struct solr_err *e)
{
	unsigned char buf[64 * INV_ENTRY_LEN];
	struct inv_entry en;
	uint64_t seq = 0;
	size_t i, want;
	ssize_t got;

	while (seq < n) {
		want = (n - seq < 64 ? (size_t)(n - seq) : 64) * INV_ENTRY_LEN;
		if ((got = pread(wr->fd, buf, want, (off_t)(seq *
		    INV_ENTRY_LEN))) != (ssize_t)want) {
			solr_seterr(e, SOLR_ERR_IO, "%s", got < 0 ?
			    strerror(errno) : "shorter than it was");
			return writer_err(wr, e, SOLR_ERR_IO);
		}
		for (i = 0; i < want; i += INV_ENTRY_LEN, seq++) {
			if (inv_decode(wr->w->inventory_sealer, buf + i, seq,
			    &en, e) != 0)
				return writer_err(wr, e, SOLR_ERR_CONFIG);
			if (CRYPTO_memcmp(en.prev, wr->head, 32) != 0) {
				solr_seterr(e, SOLR_ERR_VERIFY, "entry %llu "
				    "does not follow the entry before it "
				    "(one taken out or put in)",
				    (unsigned long long)seq);
				return writer_err(wr, e, SOLR_ERR_CONFIG);
			}
			memcpy(wr->head, en.mac, 32);
			if (tab_note(wr, en.eui, seq) != 0)
				return solr_seterr(e, SOLR_ERR_NOMEM, "out of "
				    "memory");
		}
	}
	wr->nentries = wr->base = seq;
	return 0;
}

/* The log, checked whole under its lock: exclusive to change it (a torn
 * last entry is then cut), shared to read it (an inventory not made yet
 * reads as empty). */
static int
writer_open(struct solr_world *w, int change, struct inv_writer **out,
    int64_t *cut, struct solr_err *e)
{
	struct inv_writer *wr;
	char path[PATH_MAX];
	struct stat st;
	int rc;

	*out = NULL;
	*cut = 0;
	world_path(path, sizeof(path), w->dir, WF_STATE);
	if (change && solr_mkdirs(path, e) != 0)
		return e->code;
	if ((wr = calloc(1, sizeof(*wr))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	wr->w = w;
	world_path(path, sizeof(path), w->dir, WF_INVENTORY);
	if (!change && access(path, F_OK) != 0 && errno == ENOENT) {
		wr->fd = -1;
		*out = wr;
		return 0;
	}
	if ((wr->fd = solr_open_regular(path, change ? O_RDWR | O_CREAT :
	    O_RDONLY, 1, e)) < 0) {
		free(wr);
		return e->code;
	}
	if (flock(wr->fd, change ? LOCK_EX : LOCK_SH) != 0 ||
	    fstat(wr->fd, &st) != 0)
		rc = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	/* a torn last entry: an append that did not finish */
	else if ((*cut = st.st_size % INV_ENTRY_LEN) != 0 && change &&
	    ftruncate(wr->fd, st.st_size - *cut) != 0)
		rc = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	else if ((rc = writer_scan(wr, (uint64_t)st.st_size / INV_ENTRY_LEN,
	    e)) == 0)
		rc = head_check(w, wr->fd, (uint64_t)st.st_size /
		    INV_ENTRY_LEN, e);
	if (rc != 0) {
		inv_end(wr);
		return rc;
	}
	/* from here, what is appended and not committed is cut again */
	wr->changing = change;
	*out = wr;
	return 0;
}

int
inv_begin(struct solr_world *w, struct inv_writer **out, int64_t *cut,
    struct solr_err *e)
{
	return writer_open(w, 1, out, cut, e);
}

const struct inv_entry *
inv_latest(struct inv_writer *wr, uint64_t eui)
{
	struct solr_err e = { 0 };
	unsigned char buf[INV_ENTRY_LEN];
	const unsigned char *p;
	uint64_t seq;

	if (wr->nslots == 0 || *tab_slot(wr, eui) == 0)
		return NULL;
	seq = *tab_slot(wr, eui) - 1;
	if (seq >= wr->nentries)
		p = wr->pending + (seq - wr->nentries) * INV_ENTRY_LEN;
	else if (pread(wr->fd, buf, sizeof(buf), (off_t)(seq *
	    INV_ENTRY_LEN)) == INV_ENTRY_LEN)
		p = buf;
	else
		return NULL;
	if (inv_decode(wr->w->inventory_sealer, p, seq, &wr->scratch, &e) != 0)
		return NULL;
	return &wr->scratch;
}

/* Whether a and b say the same of a device (their place aside). */
static int
same_entry(const struct inv_entry *a, const struct inv_entry *b)
{
	struct inv_entry x = *a, y = *b;

	x.seq = y.seq = 0;
	x.imported_at = y.imported_at = 0;
	memset(x.prev, 0, 32);
	memset(y.prev, 0, 32);
	memset(x.mac, 0, 32);
	memset(y.mac, 0, 32);
	return memcmp(&x, &y, sizeof(x)) == 0;
}

/* The pending entries, appended to the log (not yet synced). */
static int
writer_flush(struct inv_writer *wr, struct solr_err *e)
{
	size_t len = wr->npending * INV_ENTRY_LEN, done = 0;
	off_t at = (off_t)(wr->nentries * INV_ENTRY_LEN);
	ssize_t n;

	while (done < len) {
		if ((n = pwrite(wr->fd, wr->pending + done, len - done, at +
		    (off_t)done)) <= 0) {
			solr_seterr(e, SOLR_ERR_IO, "%s", n < 0 ?
			    strerror(errno) : "nothing written");
			return writer_err(wr, e, SOLR_ERR_IO);
		}
		done += (size_t)n;
	}
	wr->nentries += wr->npending;
	wr->npending = 0;
	return 0;
}

static int
writer_add(struct inv_writer *wr, struct inv_entry *en, struct solr_err *e)
{
	unsigned char *p;

	if (wr->npending == INV_BATCH && writer_flush(wr, e) != 0)
		return e->code;
	if (wr->npending == wr->cap) {
		size_t cap = wr->cap ? wr->cap * 2 : 64;

		if ((p = realloc(wr->pending, cap * INV_ENTRY_LEN)) == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		wr->pending = p;
		wr->cap = cap;
	}
	en->seq = wr->nentries + wr->npending;
	memcpy(en->prev, wr->head, 32);
	p = wr->pending + wr->npending * INV_ENTRY_LEN;
	if (inv_encode(wr->w->inventory_sealer, en, p) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	if (tab_note(wr, en->eui, en->seq) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	memcpy(wr->head, en->mac, 32);
	wr->npending++;
	return 0;
}

int
inv_put(struct inv_writer *wr, struct inv_entry *en, int *unchanged,
    struct solr_err *e)
{
	const struct inv_entry *old = inv_latest(wr, en->eui);

	en->op = INV_PUT;
	if ((*unchanged = old != NULL && old->op == INV_PUT && same_entry(old,
	    en)))
		return 0;
	return writer_add(wr, en, e);
}

int
inv_remove(struct inv_writer *wr, uint64_t eui, int64_t at,
    struct solr_err *e)
{
	const struct inv_entry *old = inv_latest(wr, eui);
	struct inv_entry en;

	if (old == NULL || old->op == INV_REMOVE)
		return not_found(e, eui, old == NULL ? "is not in the device "
		    "inventory" : "is removed already");
	memset(&en, 0, sizeof(en));
	en.eui = eui;
	en.op = INV_REMOVE;
	en.imported_at = at;
	return writer_add(wr, &en, e);
}

/* The index of every device's latest entry, for a log of n entries
 * whose last MAC is head. */
static int
writer_index(struct inv_writer *wr, struct solr_err *e)
{
	uint64_t n = wr->nentries, nslots = 16, i, k;
	unsigned char *b;
	char path[PATH_MAX];
	size_t len;
	int rc;

	while (nslots < wr->ndevices * 2)
		nslots *= 2;
	len = IDX_HEADER + nslots * SLOT_LEN;
	if ((b = calloc(1, len)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	memcpy(b, IDX_MAGIC, 8);
	solr_put_le64(b + 8, n);
	solr_put_le64(b + 16, nslots);
	memcpy(b + 24, wr->head, 32);
	rc = solr_sealer_mac(wr->w->inventory_sealer, b, IDX_MACED,
	    b + IDX_MACED);
	for (i = 0; rc == 0 && i < wr->nslots; i++) {
		unsigned char *s;

		if (wr->tab[i] == 0)
			continue;
		for (k = slot_of(wr->teui[i], nslots);
		    solr_get_le64(b + IDX_HEADER + k * SLOT_LEN + 8) != 0;
		    k = (k + 1) & (nslots - 1))
			;
		s = b + IDX_HEADER + k * SLOT_LEN;
		solr_put_le64(s, wr->teui[i]);
		solr_put_le64(s + 8, wr->tab[i]);
		rc = slot_mac(wr->w->inventory_sealer, n, wr->head, wr->teui[i],
		    wr->tab[i] - 1, s + 16);
	}
	world_path(path, sizeof(path), wr->w->dir, WF_INVENTORY_IDX);
	if (rc != 0)
		rc = solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	else
		rc = solr_write_atomic(path, b, len, 1, e);
	free(b);
	return rc;
}

int
inv_commit(struct inv_writer *wr, struct solr_err *e)
{
	if (writer_flush(wr, e) != 0)
		return e->code;
	if (wr->nentries > wr->base && fsync(wr->fd) != 0) {
		solr_seterr(e, SOLR_ERR_IO, "%s", strerror(errno));
		return writer_err(wr, e, SOLR_ERR_IO);
	}
	wr->committed = 1;
	if (writer_index(wr, e) != 0)
		return e->code;
	return head_write(wr->w, wr->nentries, wr->head, e);
}

void
inv_end(struct inv_writer *wr)
{
	if (wr == NULL)
		return;
	/* a change that did not commit leaves nothing in the log */
	if (wr->fd >= 0 && wr->changing && !wr->committed &&
	    ftruncate(wr->fd, (off_t)(wr->base * INV_ENTRY_LEN)) != 0)
		(void)0;	/* the next import cuts what is left */
	if (wr->fd >= 0) {
		flock(wr->fd, LOCK_UN);
		close(wr->fd);
	}
	free(wr->tab);
	free(wr->teui);
	free(wr->pending);
	free(wr);
}

int
inv_each(struct solr_world *w, int all,
    int (*fn)(const struct inv_entry *, void *), void *arg,
    struct solr_err *e)
{
	struct inv_writer *wr;
	struct inv_entry en;
	unsigned char buf[INV_ENTRY_LEN];
	uint64_t seq;
	int64_t cut;
	int rc;

	/* under the log's lock, so that what is listed is whole */
	if ((rc = writer_open(w, 0, &wr, &cut, e)) != 0)
		return rc;
	for (seq = 0, rc = 0; rc == 0 && seq < wr->nentries; seq++) {
		if (pread(wr->fd, buf, sizeof(buf), (off_t)(seq *
		    INV_ENTRY_LEN)) != INV_ENTRY_LEN) {
			solr_seterr(e, SOLR_ERR_IO, "cannot read entry %llu",
			    (unsigned long long)seq);
			rc = writer_err(wr, e, SOLR_ERR_IO);
		} else if ((rc = inv_decode(w->inventory_sealer, buf, seq, &en,
		    e)) == 0 && *tab_slot(wr, en.eui) == seq + 1 &&
		    (all || en.op == INV_PUT))
			rc = fn(&en, arg);
	}
	inv_end(wr);
	return rc;
}
