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
#include "base/layout.h"
#include "decide/adt.h"
#include "base/crypto.h"
#include "store/register.h"
#include "store/statehead.h"
#include "prepay/srv.h"
#include "base/ytree.h"
#include "base/yread.h"

#define STAGE "adt-check"

#define FILE_MAX (4 * 1024 * 1024)

static int
only_keys(const struct ynode *m, const char *file, const char *what,
    const char *const *keys, struct solr_err *e)
{
	size_t i;
	const char *const *k;

	if (m == NULL || m->kind != YN_MAP)
		return yn_err(e, SOLR_ERR_FORMAT, file, m, what, "must be a "
		    "mapping");
	for (i = 0; i < m->n; i += 2) {
		for (k = keys; *k && strcmp(*k, m->items[i]->str); k++)
			;
		if (*k == NULL)
			return yn_err(e, SOLR_ERR_FORMAT, file, m->items[i],
			    m->items[i]->str, "unknown key");
	}
	return 0;
}

static int
eui_of(const struct ynode *n, uint64_t *v)
{
	return yn_is_scalar(n) ? solr_eui_parse(n->str, n->len, v) : -1;
}

static int
time_of(const struct ynode *n, int64_t *t)
{
	return yn_is_scalar(n) ? solr_time_parse(n->str, t) : -1;
}

static int
read_yaml(const char *path, struct ynode **t, char sha[SOLR_SHA256_HEX],
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	int r;

	if ((r = solr_read_guarded(path, FILE_MAX, &b, e)) != 0) {
		solr_buf_free(&b);
		return r;
	}
	solr_sha256_hex(b.p, b.len, sha);
	r = yn_parse((const char *)b.p, b.len, path, 1, t, e);
	solr_buf_free(&b);
	return r;
}

/* One instruction of instructions.yaml into is (is->n counts those
 * whose reference is held, for instructions_free). */
static int
instruction_load(const char *path, const struct ynode *it,
    struct instructions *is, struct solr_err *e)
{
	static const char *const keys[] = { "ref", "supplier", "srp", "from",
	    "until", NULL };
	struct instruction *in = &is->i[is->n];
	int r;

	if ((r = only_keys(it, path, "instructions[]", keys, e)) != 0)
		return r;
	in->line = it->line;
	if (!yn_is_scalar(yn_get(it, "ref")) || yn_get(it, "ref")->len == 0)
		return yn_err(e, SOLR_ERR_FORMAT, path, it,
		    "instructions[].ref", "every instruction needs its "
		    "reference");
	if ((in->ref = strdup(yn_get(it, "ref")->str)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	is->n++;
	if (eui_of(yn_get(it, "supplier"), &in->supplier) != 0 ||
	    eui_of(yn_get(it, "srp"), &in->srp) != 0)
		return yn_err(e, SOLR_ERR_FORMAT, path, it,
		    "instructions[].supplier/srp", "must be EUI-64s like "
		    "90-B3-D5-1F-30-01-00-00");
	if (time_of(yn_get(it, "from"), &in->from) != 0 ||
	    time_of(yn_get(it, "until"), &in->until) != 0 ||
	    in->until <= in->from)
		return yn_err(e, SOLR_ERR_FORMAT, path, it,
		    "instructions[].from/until", "must be RFC 3339 times, "
		    "from before until");
	return 0;
}

int
instructions_load(const char *world, struct instructions *is,
    struct solr_err *e)
{
	static const char *const top[] = { "instructions", NULL };
	char path[PATH_MAX];
	struct ynode *t = NULL, *l;
	size_t i;
	int r;

	memset(is, 0, sizeof(*is));
	world_path(path, sizeof(path), world, WF_INSTRUCTIONS);
	if ((r = read_yaml(path, &t, is->sha256, e)) != 0) {
		if (r == SOLR_ERR_IO && errno == ENOENT) {
			solr_err_clear(e);
			return 0;	/* no instruction: thresholds are 0 */
		}
		goto out;
	}
	is->present = 1;
	if ((r = only_keys(t, path, "instructions.yaml", top, e)) != 0)
		goto out;
	l = yn_get(t, "instructions");
	if (l == NULL || l->kind != YN_SEQ) {
		r = yn_err(e, SOLR_ERR_FORMAT, path, l ? l : t, "instructions",
		    "must be a list");
		goto out;
	}
	if ((is->i = calloc(l->n + 1, sizeof(*is->i))) == NULL) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0, r = 0; i < l->n && r == 0; i++)
		r = instruction_load(path, l->items[i], is, e);
out:
	yn_free(t);
	if (r != 0) {
		e->code = SOLR_ERR_CONFIG;
		instructions_free(is);
		return SOLR_ERR_CONFIG;
	}
	return 0;
}

void
instructions_free(struct instructions *is)
{
	size_t i;

	for (i = 0; i < is->n; i++)
		free(is->i[i].ref);
	free(is->i);
	is->i = NULL;
	is->n = 0;
}

const struct instruction *
instruction_find(const struct instructions *is, uint64_t supplier,
    uint64_t srp, int64_t t)
{
	size_t i;

	for (i = 0; i < is->n; i++) {
		const struct instruction *in = &is->i[i];

		if (in->srp == srp && (supplier == 0 ||
		    in->supplier == supplier) && in->from <= t && t < in->until)
			return in;
	}
	return NULL;
}

/* One entry of an ADT file's thresholds list into th. */
static int
threshold_parse(const struct ynode *it, const char *file,
    struct adt_threshold *th, struct solr_err *e)
{
	static const char *const keys[] = { "srv", "window", "warning",
	    "quarantine", NULL };
	const char *names[3] = { "window", "warning", "quarantine" };
	int64_t *dst[3] = { &th->window, &th->warning, &th->quarantine };
	const struct ynode *s;
	uint64_t v;
	int k, r;

	if ((r = only_keys(it, file, "thresholds[]", keys, e)) != 0)
		return r;
	th->line = it->line;
	s = yn_get(it, "srv");
	if (!yn_is_scalar(s) || s->len == 0 || s->len >= sizeof(th->srv) ||
	    strspn(s->str, "0123456789.") != s->len)
		return yn_err(e, SOLR_ERR_FORMAT, file, s ? s : it,
		    "thresholds[].srv", "must be a service reference variant "
		    "like \"2.1\"");
	memcpy(th->srv, s->str, s->len + 1);
	for (k = 0; k < 3; k++) {
		const struct ynode *x = yn_get(it, names[k]);
		char f[40];

		snprintf(f, sizeof(f), "thresholds[].%s", names[k]);
		if (!yn_is_scalar(x) || x->quoted ||
		    solr_parse_uint(x->str, INT32_MAX, &v) != 0)
			return yn_err(e, SOLR_ERR_FORMAT, file, x ? x : it, f,
			    "must be a whole number");
		*dst[k] = (int64_t)v;
	}
	if (th->window < 60 || 86400 % th->window != 0)
		return yn_err(e, SOLR_ERR_FORMAT, file, it,
		    "thresholds[].window", "must be a number of seconds that "
		    "divides a day, at least 60");
	if (th->warning > th->quarantine)
		return yn_err(e, SOLR_ERR_FORMAT, file, it,
		    "thresholds[].warning", "must not be above the quarantine "
		    "threshold");
	return 0;
}

int
adt_parse(const char *buf, size_t len, const char *file, struct adt_file *a,
    struct solr_err *e)
{
	static const char *const top[] = { "srp", "thresholds", NULL };
	struct ynode *t = NULL, *l;
	size_t i, j;
	int r;

	memset(a, 0, sizeof(*a));
	solr_sha256_hex(buf, len, a->sha256);
	if ((r = yn_parse(buf, len, file, 1, &t, e)) != 0)
		return r;
	if ((r = only_keys(t, file, "ADT file", top, e)) != 0)
		goto out;
	if (eui_of(yn_get(t, "srp"), &a->srp) != 0) {
		r = yn_err(e, SOLR_ERR_FORMAT, file, yn_get(t, "srp") ?
		    yn_get(t, "srp") : t, "srp", "must be the SRP's EUI-64");
		goto out;
	}
	l = yn_get(t, "thresholds");
	if (l == NULL || l->kind != YN_SEQ) {
		r = yn_err(e, SOLR_ERR_FORMAT, file, l ? l : t, "thresholds",
		    "must be a list");
		goto out;
	}
	if ((a->t = calloc(l->n + 1, sizeof(*a->t))) == NULL) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < l->n; i++) {
		struct adt_threshold *th = &a->t[a->n++];

		if ((r = threshold_parse(l->items[i], file, th, e)) != 0)
			goto out;
		for (j = 0; j + 1 < a->n; j++)
			if (strcmp(a->t[j].srv, th->srv) == 0) {
				r = yn_err(e, SOLR_ERR_FORMAT, file,
				    l->items[i], "thresholds[].srv", "the SRV "
				    "has two thresholds");
				goto out;
			}
	}
	r = 0;
out:
	yn_free(t);
	if (r != 0)
		adt_free(a);
	return r;
}

/* adt/<SRP>.accepted: the text its MAC covers, and the MAC. */
static int
accepted_mac(const unsigned char key[32], uint64_t srp, const char *sha,
    const char *at, char hex[SOLR_SHA256_HEX])
{
	char text[160], eui[SOLR_EUI_STRLEN];
	unsigned char mac[32];

	solr_eui_format(srp, eui);
	snprintf(text, sizeof(text), "srp: %s\nsha256: %s\naccepted: %s\n",
	    eui, sha, at);
	if (solr_hmac(key, text, strlen(text), mac) != 0)
		return -1;
	solr_hex(mac, sizeof(mac), hex);
	return 0;
}

static void
accepted_path(const char *world, uint64_t srp, char path[PATH_MAX])
{
	char eui[SOLR_EUI_STRLEN];

	/* the world's own, never a replay's what-if copy */
	solr_eui_format(srp, eui);
	snprintf(path, PATH_MAX, "%s/%s/%s.accepted", world,
	    world_layout[WF_ADT].path, eui);
}

int
adt_accepted_write(const char *world, const unsigned char key[32],
    const struct adt_file *a, int64_t t, struct solr_err *e)
{
	char path[PATH_MAX], at[SOLR_TIME_STRLEN], mac[SOLR_SHA256_HEX];
	char text[256];

	solr_time_format(t, at);
	if (accepted_mac(key, a->srp, a->sha256, at, mac) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	snprintf(text, sizeof(text), "sha256: %s\naccepted: %s\nmac: %s\n",
	    a->sha256, at, mac);
	accepted_path(world, a->srp, path);
	return solr_write_atomic(path, text, strlen(text), 1, e);
}

/* The file in force is the one submit accepted (adt_load). */
static int
accepted_check(const char *world, const unsigned char key[32],
    const struct adt_file *a, const char *file, struct solr_err *e)
{
	char path[PATH_MAX], sha[SOLR_SHA256_HEX], at[SOLR_TIME_STRLEN];
	char mac[SOLR_SHA256_HEX], want[SOLR_SHA256_HEX];
	struct solr_buf b = { 0 };
	int r, ok;

	accepted_path(world, a->srp, path);
	if ((r = solr_read_guarded(path, 4096, &b, e)) != 0) {
		solr_buf_free(&b);
		return errno == ENOENT ? solr_seterr_at(e, SOLR_ERR_CONFIG,
		    file, 0, "no record that solr-adt-check submit accepted "
		    "it (%s): an ADT file is in force only through submit",
		    path) : r;
	}
	ok = solr_buf_addc(&b, '\0') == 0 && sscanf((const char *)b.p,
	    "sha256: %64[0-9a-f]\naccepted: %31[0-9TZ:-]\nmac: %64[0-9a-f]\n",
	    sha, at, mac) == 3 && accepted_mac(key, a->srp, sha, at, want) ==
	    0 && strcmp(mac, want) == 0;
	solr_buf_free(&b);
	if (!ok)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "not a "
		    "record this world's submit wrote (its MAC does not hold); "
		    "refused");
	if (strcmp(sha, a->sha256) != 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, file, 0, "not the "
		    "file solr-adt-check submit accepted at %s (sha256 %s; this "
		    "one is %s): changed or put in place by hand; submit it",
		    at, sha, a->sha256);
	return 0;
}

int
adt_load(const char *world, const unsigned char *key, uint64_t srp,
    struct adt_file *a, struct solr_err *e)
{
	char path[PATH_MAX];
	struct solr_buf b = { 0 };
	int r;

	memset(a, 0, sizeof(*a));
	world_adt_path(path, sizeof(path), world, srp);
	if ((r = solr_read_guarded(path, FILE_MAX, &b, e)) != 0) {
		solr_buf_free(&b);
		return errno == ENOENT ? SOLR_ERR_NOTFOUND : SOLR_ERR_CONFIG;
	}
	r = adt_parse((const char *)b.p, b.len, path, a, e);
	solr_buf_free(&b);
	if (r == 0 && a->srp != srp) {
		adt_free(a);
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "the file "
		    "is for another SRP");
	}
	if (r == 0 && key != NULL && (r = accepted_check(world, key, a, path,
	    e)) != 0)
		adt_free(a);
	return r ? SOLR_ERR_CONFIG : 0;
}

void
adt_free(struct adt_file *a)
{
	free(a->t);
	a->t = NULL;
	a->n = 0;
}

const struct adt_threshold *
adt_find(const struct adt_file *a, const char *srv)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->t[i].srv, srv) == 0)
			return &a->t[i];
	return NULL;
}

/*
 * Counter slots: open addressing with linear probing in one file of
 * fixed size.  A window is found by its whole key (SRP, SRV, window,
 * start), never by its hash alone.  A slot once used stays used: a count
 * that falls to 0 leaves its key in place, so no probe sequence is ever
 * cut short and no window is counted in two slots.  The home slot is
 * HMAC-SHA-256 of the key under a key derived from keys/records.key, not
 * a public hash: an SRP chooses its own ADT windows, and with a hash it
 * could compute it could place windows on one chain and make every
 * lookup walk it.  A file per SRP would bound a chain to one SRP's own
 * windows, but not its length; the keyed hash bounds both.
 */

#define MAGIC "SOLRADT3"
#define NSLOTS 65536
#define HEADER ADT_COUNTERS_HEADER
#define FULL_SIZE (HEADER + (off_t)NSLOTS * (off_t)sizeof(struct slot))
#define SLOT_USED 1

struct slot {
	uint64_t srp;
	char srv[16];
	int64_t window;
	int64_t start;
	uint64_t count;
	uint64_t flags;		/* SLOT_USED once a window was put here */
};
_Static_assert(sizeof(struct slot) <= sizeof(((struct adt_counters *)0)->pslot),
    "a slot fits the header's copy of it");

struct adt_undo {
	off_t off;
	struct slot was, now;
};

/*
 * The header: the magic; 16 bytes that tell which key placed the slots
 * (a file made under another key would find none of them); the
 * generation, one more at every sync; the digest of the used slots as
 * they are (store/statehead.h: each adds its keyed MAC by XOR, so a
 * count changes it by two MACs); the slot being written (its index plus
 * one, and its bytes), so that a writer killed between the header and
 * the slot leaves a change the next one completes; and a MAC over all of
 * that.  The world's record, state/adt-counters.head, holds the
 * generation of the last sync.  A slot changed in place no longer adds
 * up to the digest; the file put back to an older copy has an older
 * generation; neither can be mended without the key.
 */
#define H_GEN 24
#define H_DIGEST 32
#define H_PENDING 64
#define H_PSLOT 72
#define H_MAC (H_PSLOT + (int)sizeof(struct slot))

static int
header_mac(struct adt_counters *c, unsigned char hdr[HEADER])
{
	unsigned char m[6 + H_MAC];

	memcpy(m, "header", 6);
	memcpy(m + 6, hdr, H_MAC);
	return solr_sealer_mac(c->hash, m, sizeof(m), hdr + H_MAC);
}

/* A new file's header: generation 0, no slot used. */
static int
counters_header(struct adt_counters *c, unsigned char hdr[HEADER])
{
	unsigned char check[32];

	memset(hdr, 0, HEADER);
	memcpy(hdr, MAGIC, 8);
	if (solr_sealer_mac(c->hash, "key check", 9, check) != 0)
		return -1;
	memcpy(hdr + 8, check, 16);
	return header_mac(c, hdr);
}

/* XORs the slot's item into digest. */
static int
slot_item(struct adt_counters *c, size_t idx, const struct slot *s,
    unsigned char digest[32])
{
	unsigned char m[4 + 8 + sizeof(*s)], mac[32];
	size_t i;

	if (!(s->flags & SLOT_USED))
		return 0;
	memcpy(m, "slot", 4);
	solr_put_le64(m + 4, idx);
	memcpy(m + 12, s, sizeof(*s));
	if (solr_sealer_mac(c->hash, m, sizeof(m), mac) != 0)
		return -1;
	for (i = 0; i < 32; i++)
		digest[i] ^= mac[i];
	return 0;
}

static int
counters_fail(struct adt_counters *c, struct solr_err *e, const char *why)
{
	return solr_seterr_at(e, SOLR_ERR_VERIFY, c->path, 0, "%s; refused "
	    "(solr-world(5), SECURITY)", why);
}

/* The slot idx as read, or as the header says a sync left it (ro). */
static const struct slot *
pending_slot(const struct adt_counters *c, size_t idx, const struct slot *s)
{
	return c->ro && c->pending == idx + 1 ? (const struct slot *)(const
	    void *)c->pslot : s;
}

/* Under the lock: the header read and its MAC checked. */
static int
header_read(struct adt_counters *c, unsigned char hdr[HEADER],
    struct solr_err *e)
{
	unsigned char mac[32];

	if (pread(c->fd, hdr, HEADER, 0) != HEADER)
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
		    strerror(errno ? errno : EIO));
	memcpy(mac, hdr + H_MAC, 32);
	if (header_mac(c, hdr) != 0 || CRYPTO_memcmp(mac, hdr + H_MAC, 32) !=
	    0)
		return counters_fail(c, e, "its header's MAC does not hold");
	return 0;
}

/* Under the lock, at open: every used slot adds up to the header's
 * digest, and the generation is the one the world recorded (or one
 * past it: a sync that died before its record). */
static int
counters_hold(struct adt_counters *c, const unsigned char hdr[HEADER],
    struct solr_err *e)
{
	struct slot s[1024];
	struct state_head h;
	unsigned char d[32] = { 0 };
	uint64_t gen = solr_get_le64(hdr + H_GEN);
	size_t i, k;
	int r, have;

	for (i = 0; i < NSLOTS; i += 1024) {
		if (pread(c->fd, s, sizeof(s), HEADER + (off_t)i *
		    (off_t)sizeof(*s)) != (ssize_t)sizeof(s))
			return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
			    strerror(errno ? errno : EIO));
		for (k = 0; k < 1024; k++)
			if (slot_item(c, i + k, pending_slot(c, i + k, &s[k]),
			    d) != 0)
				return solr_seterr(e, SOLR_ERR_INTERNAL,
				    "HMAC-SHA-256 is not available");
	}
	if (CRYPTO_memcmp(d, hdr + H_DIGEST, 32) != 0)
		return counters_fail(c, e, "a slot is not what its last writer "
		    "left: changed in place");
	if ((r = state_head_read(c->state_key, c->hpath, "adt-counters", &h,
	    &have, e)) != 0)
		return r;
	if (!have)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, c->path, 0, "its "
		    "record (%s) is gone: it cannot be told from a copy put "
		    "back; refused (solr-world(5), SECURITY)", c->hpath);
	if (gen < h.size)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, c->path, 0, "it is "
		    "of generation %llu where its last sync left %llu (%s): "
		    "it was put back to an older copy; refused (solr-world(5), "
		    "SECURITY)", (unsigned long long)gen,
		    (unsigned long long)h.size, c->hpath);
	if (gen > h.size + 1)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, c->hpath, 0, "records "
		    "generation %llu where %s is of %llu: the record was put "
		    "back to an older copy; refused (solr-world(5), SECURITY)",
		    (unsigned long long)h.size, c->path,
		    (unsigned long long)gen);
	return 0;
}

/* Under the lock: the slot at idx goes from was to now, the header
 * first (with the change, for a writer killed before the slot). */
static int
slot_change(struct adt_counters *c, size_t idx, const struct slot *was,
    const struct slot *now, struct solr_err *e)
{
	unsigned char hdr[HEADER], was_hdr[HEADER];
	off_t off = HEADER + (off_t)idx * (off_t)sizeof(*now);
	int r;

	/* held: the header this process wrote last, nobody else since */
	if (c->held && c->hdr_valid)
		memcpy(hdr, c->hdr, HEADER);
	else if ((r = header_read(c, hdr, e)) != 0)
		return r;
	memcpy(was_hdr, hdr, HEADER);
	c->hdr_valid = 0;	/* until both writes are made */
	solr_put_le64(hdr + H_PENDING, (uint64_t)idx + 1);
	memcpy(hdr + H_PSLOT, now, sizeof(*now));
	if (slot_item(c, idx, was, hdr + H_DIGEST) != 0 || slot_item(c, idx,
	    now, hdr + H_DIGEST) != 0 || header_mac(c, hdr) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	if (pwrite(c->fd, hdr, HEADER, 0) != HEADER)
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
		    strerror(errno ? errno : EIO));
	if (pwrite(c->fd, now, sizeof(*now), off) != (ssize_t)sizeof(*now)) {
		r = solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
		    strerror(errno ? errno : EIO));
		/* the header as it was, or the next open completes a change
		 * no record of this batch will carry */
		(void)!pwrite(c->fd, was_hdr, HEADER, 0);
		return r;
	}
	if (c->held) {
		memcpy(c->hdr, hdr, HEADER);
		c->hdr_valid = 1;
	}
	return 0;
}

/* Under the lock, at open: the change a killed writer left half made,
 * completed. */
static int
pending_finish(struct adt_counters *c, const unsigned char hdr[HEADER],
    struct solr_err *e)
{
	uint64_t p = solr_get_le64(hdr + H_PENDING);
	struct slot s;
	off_t off;

	if (p == 0 || p > NSLOTS)
		return p == 0 ? 0 : counters_fail(c, e, "its header names a "
		    "slot past the last");
	off = HEADER + (off_t)(p - 1) * (off_t)sizeof(s);
	if (c->ro) {	/* read as the header says, written by the next writer */
		c->pending = p;
		memcpy(c->pslot, hdr + H_PSLOT, sizeof(s));
		return 0;
	}
	if (pread(c->fd, &s, sizeof(s), off) != (ssize_t)sizeof(s) ||
	    (memcmp(&s, hdr + H_PSLOT, sizeof(s)) != 0 && pwrite(c->fd,
	    hdr + H_PSLOT, sizeof(s), off) != (ssize_t)sizeof(s)))
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
		    strerror(errno ? errno : EIO));
	return 0;
}

/* Under the lock, the file of size bytes not (yet) a counter file: one
 * not yet made, or whose making did not finish, is made, its record of
 * generation 0 written first; a short file under a record of a later
 * generation was cut or emptied, and is refused. */
static int
counters_make(struct adt_counters *c, off_t size,
    const unsigned char want[HEADER], struct solr_err *e)
{
	struct state_head h;
	int r, have;

	if ((r = state_head_read(c->state_key, c->hpath, "adt-counters", &h,
	    &have, e)) != 0)
		return r;
	if (have && h.size > 0)
		return size == 0 ? counters_fail(c, e, "emptied, while its "
		    "record is there") : solr_seterr_at(e, SOLR_ERR_VERIFY,
		    c->path, 0, "holds %lld bytes where a counter file holds "
		    "%lld: it was cut; refused (solr-world(5), SECURITY)",
		    (long long)size, (long long)FULL_SIZE);
	if (!have && size != 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, c->path, 0, "not a "
		    "counter file of this version (%s)", MAGIC);
	if (c->ro)	/* not yet made: no count, and nothing to make here */
		return SOLR_ERR_NOTFOUND;
	memset(&h, 0, sizeof(h));
	if (!have && (r = state_head_write(c->state_key, c->hpath,
	    "adt-counters", &h, e)) != 0)
		return r;
	if (ftruncate(c->fd, 0) != 0 || pwrite(c->fd, want, HEADER, 0) !=
	    HEADER || ftruncate(c->fd, FULL_SIZE) != 0 || fsync(c->fd) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
		    strerror(errno ? errno : EIO));
	return 0;
}

static int
counters_open(const char *world, const unsigned char key[32],
    const unsigned char state_key[32], struct adt_counters *c, int ro,
    struct solr_err *e)
{
	unsigned char hdr[HEADER], want[HEADER];
	char dir[PATH_MAX];
	struct stat st;
	int r = 0;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->ro = ro;
	memcpy(c->state_key, state_key, 32);
	world_path(c->path, sizeof(c->path), world, WF_ADT_COUNTERS);
	world_path(c->hpath, sizeof(c->hpath), world, WF_ADT_COUNTERS_HEAD);
	if ((c->hash = solr_sealer_new(key, 32)) == NULL ||
	    counters_header(c, want) != 0) {
		solr_sealer_free(c->hash);
		c->hash = NULL;
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	}
	world_path(dir, sizeof(dir), world, WF_STATE);
	if (!ro && solr_mkdirs(dir, e) != 0)
		goto fail;
	if (ro && access(c->path, F_OK) != 0 && errno == ENOENT) {
		/* not yet made (SOLR_ERR_NOTFOUND), or refused as emptied */
		r = counters_make(c, 0, want, e);
		goto fail;
	}
	if ((c->fd = solr_open_regular(c->path, ro ? O_RDONLY : O_RDWR |
	    O_CREAT, 1, e)) < 0)
		goto fail;
	if (solr_flock(c->fd, ro ? LOCK_SH : LOCK_EX) != 0 ||
	    fstat(c->fd, &st) != 0)
		goto ioerr;
	if (st.st_size != FULL_SIZE) {
		if ((r = counters_make(c, st.st_size, want, e)) != 0)
			goto fail;
	} else if (pread(c->fd, hdr, HEADER, 0) != HEADER ||
	    memcmp(hdr, MAGIC, 8) != 0) {
		solr_seterr_at(e, SOLR_ERR_CONFIG, c->path, 0, "not a counter "
		    "file of this version (%s)", MAGIC);
		goto fail;
	} else if (CRYPTO_memcmp(hdr + 8, want + 8, 16) != 0) {
		solr_seterr_at(e, SOLR_ERR_CONFIG, c->path, 0, "its slots were "
		    "placed under another keys/records.key: none of its "
		    "windows could be found");
		goto fail;
	} else if (header_read(c, hdr, e) != 0 || pending_finish(c, hdr, e) !=
	    0 || counters_hold(c, hdr, e) != 0)
		goto fail;
	flock(c->fd, LOCK_UN);
	return 0;
ioerr:
	solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s", strerror(errno));
fail:
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	solr_sealer_free(c->hash);
	c->hash = NULL;
	return r == SOLR_ERR_NOTFOUND ? r : e->code ? e->code : SOLR_ERR_IO;
}

int
adt_counters_open(const char *world, const unsigned char key[32],
    const unsigned char state_key[32], struct adt_counters *c,
    struct solr_err *e)
{
	return counters_open(world, key, state_key, c, 0, e);
}

int
adt_counters_open_ro(const char *world, const unsigned char key[32],
    const unsigned char state_key[32], struct adt_counters *c,
    struct solr_err *e)
{
	return counters_open(world, key, state_key, c, 1, e);
}

/* The key's bytes, fixed width, as the keyed hash reads them. */
static void
slot_key(uint64_t srp, const char *srv, int64_t window, int64_t start,
    unsigned char out[40])
{
	memset(out, 0, 40);
	memcpy(out, &srp, 8);
	strncpy((char *)out + 8, srv, 15);
	memcpy(out + 24, &window, 8);
	memcpy(out + 32, &start, 8);
}

size_t
adt_counters_home(const struct adt_counters *c, uint64_t srp,
    const char *srv, int64_t window, int64_t start)
{
	unsigned char k[40], mac[32];
	uint64_t h;

	slot_key(srp, srv, window, start, k);
	if (solr_sealer_mac(c->hash, k, sizeof(k), mac) != 0)
		return 0;	/* a probe from 0 still finds by the whole key
		    */
	memcpy(&h, mac, sizeof(h));
	return (size_t)(h % NSLOTS);
}

static int
slot_is(const struct slot *s, uint64_t srp, const char *srv, int64_t window,
    int64_t start)
{
	return (s->flags & SLOT_USED) && s->srp == srp && s->window == window &&
	    s->start == start && strncmp(s->srv, srv, sizeof(s->srv)) == 0 &&
	    memchr(s->srv, '\0', sizeof(s->srv)) != NULL;
}

/* The lock a count took, let go unless it is held for the batch. */
static void
unlock(struct adt_counters *c)
{
	if (!c->held)
		flock(c->fd, LOCK_UN);
}

int
adt_counters_hold(struct adt_counters *c, struct solr_err *e)
{
	if (c->held || c->fd < 0 || c->ro)
		return 0;
	if (solr_flock(c->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0,
		    "lock: %s", strerror(errno));
	c->held = 1;
	c->hdr_valid = 0;	/* read at the first count, and checked */
	return 0;
}

void
adt_counters_release(struct adt_counters *c)
{
	if (!c->held)
		return;
	c->held = c->hdr_valid = 0;
	flock(c->fd, LOCK_UN);
}

static int count_add(struct adt_counters *c, uint64_t srp, const char *srv,
    int64_t window, int64_t start, int delta, uint64_t *count,
    struct solr_err *e);

int
adt_count(struct adt_counters *c, uint64_t srp, const char *srv,
    int64_t window, int64_t start, uint64_t *count, struct solr_err *e)
{
	return count_add(c, srp, srv, window, start, 1, count, e);
}

int
adt_uncount(struct adt_counters *c, uint64_t srp, const char *srv,
    int64_t window, int64_t start, struct solr_err *e)
{
	uint64_t count;

	return count_add(c, srp, srv, window, start, -1, &count, e);
}

/* Writes the slot now at off, kept with what was there for the batch's
 * undo; the caller holds the lock. */
static int
slot_write(struct adt_counters *c, off_t off, const struct slot *was,
    const struct slot *now, struct solr_err *e)
{
	if (c->nundo == c->capundo) {
		size_t cap = c->capundo ? c->capundo * 2 : 64;
		struct adt_undo *nu = realloc(c->undo, cap * sizeof(*nu));

		if (nu == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		c->undo = nu;
		c->capundo = cap;
	}
	if (slot_change(c, (size_t)((off - HEADER) / (off_t)sizeof(*now)), was,
	    now, e) != 0)
		return e->code;
	c->undo[c->nundo].off = off;
	c->undo[c->nundo].was = *was;
	c->undo[c->nundo++].now = *now;
	return 0;
}

/*
 * Adds delta (+1, or -1 to give back a count of this batch) to the
 * window's counter.  The probe goes on past every used slot, whatever
 * its count, and ends at the first slot never used.  A slot whose window
 * ended 31 days before this one is spent, and may take a new window: it
 * stays used, so the chains through it hold.
 */
static int
count_add(struct adt_counters *c, uint64_t srp, const char *srv,
    int64_t window, int64_t start, int delta, uint64_t *count,
    struct solr_err *e)
{
	struct slot s, was;
	size_t i, idx, reuse = SIZE_MAX;
	off_t off;
	int r;

	if (strlen(srv) >= sizeof(s.srv))
		return solr_seterr_at(e, SOLR_ERR_LIMIT, c->path, 0, "SRV '%s' "
		    "is longer than a counter's key holds", srv);
	idx = adt_counters_home(c, srp, srv, window, start);
	if (!c->held && solr_flock(c->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0,
		    "lock: %s", strerror(errno));
	for (i = 0; i < NSLOTS; i++, idx = (idx + 1) % NSLOTS) {
		off = HEADER + (off_t)idx * (off_t)sizeof(s);
		if (pread(c->fd, &s, sizeof(s), off) != (ssize_t)sizeof(s))
			goto ioerr;
		if (slot_is(&s, srp, srv, window, start)) {
			was = s;
			if (delta < 0 && s.count == 0)
				break;
			s.count = delta < 0 ? s.count - 1 : s.count + 1;
			goto write;
		}
		if (!(s.flags & SLOT_USED)) {
			if (reuse == SIZE_MAX)
				reuse = idx;
			break;
		}
		if (reuse == SIZE_MAX && s.start + s.window + 31 * 86400 <
		    start)
			reuse = idx;
	}
	if (delta < 0) {
		/* nothing counted here: nothing to give back */
		unlock(c);
		*count = 0;
		return 0;
	}
	if (reuse == SIZE_MAX) {
		unlock(c);
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "every "
		    "counter slot holds a window that is not spent");
	}
	idx = reuse;
	off = HEADER + (off_t)idx * (off_t)sizeof(s);
	if (pread(c->fd, &was, sizeof(was), off) != (ssize_t)sizeof(was))
		goto ioerr;
	memset(&s, 0, sizeof(s));
	s.srp = srp;
	snprintf(s.srv, sizeof(s.srv), "%s", srv);
	s.window = window;
	s.start = start;
	s.count = 1;
	s.flags = SLOT_USED;
write:
	if ((r = slot_write(c, off, &was, &s, e)) == 0)
		*count = s.count;
	unlock(c);
	return r;
ioerr:
	unlock(c);
	return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
	    strerror(errno ? errno : EIO));
}

int
adt_counters_each(struct adt_counters *c, void (*fn)(void *, uint64_t,
    const char *, int64_t, int64_t, uint64_t), void *arg, struct solr_err *e)
{
	struct slot s;
	size_t i;

	if (!c->held && solr_flock(c->fd, LOCK_SH) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "lock: %s",
		    strerror(errno));
	for (i = 0; i < NSLOTS; i++) {
		if (pread(c->fd, &s, sizeof(s), HEADER + (off_t)i *
		    (off_t)sizeof(s)) != (ssize_t)sizeof(s)) {
			unlock(c);
			return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
			    strerror(errno ? errno : EIO));
		}
		if (c->ro && c->pending == i + 1)
			memcpy(&s, c->pslot, sizeof(s));
		if ((s.flags & SLOT_USED) && s.count) {
			s.srv[sizeof(s.srv) - 1] = '\0';
			fn(arg, s.srp, s.srv, s.window, s.start, s.count);
		}
	}
	unlock(c);
	return 0;
}

/* The counts to disk, a generation on, then the world's record of it. */
int
adt_counters_sync(struct adt_counters *c, struct solr_err *e)
{
	unsigned char hdr[HEADER];
	struct state_head h;
	int r;

	adt_counters_release(c);	/* the batch's hold ends here */
	if (c->nundo == 0)
		return 0;
	if (solr_flock(c->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, c->path, 0,
		    "lock: %s", strerror(errno));
	memset(&h, 0, sizeof(h));
	if ((r = header_read(c, hdr, e)) == 0) {
		h.size = solr_get_le64(hdr + H_GEN) + 1;
		memcpy(h.digest, hdr + H_DIGEST, 32);
		solr_put_le64(hdr + H_GEN, h.size);
		if (header_mac(c, hdr) != 0)
			r = solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is "
			    "not available");
		else if (pwrite(c->fd, hdr, HEADER, 0) != HEADER ||
		    fsync(c->fd) != 0)
			r = solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "%s",
			    strerror(errno ? errno : EIO));
		else
			r = state_head_write(c->state_key, c->hpath,
			    "adt-counters", &h, e);
	}
	flock(c->fd, LOCK_UN);
	return r;
}

void
adt_counters_commit(struct adt_counters *c)
{
	c->nundo = 0;
}

/* Whether the slot after the one at off was never used: then no window
 * was put past that one on its chain, and it may go back to unused. */
static int
next_unused(struct adt_counters *c, off_t off)
{
	struct slot n;
	size_t idx = (size_t)((off - HEADER) / (off_t)sizeof(n));

	idx = (idx + 1) % NSLOTS;
	return pread(c->fd, &n, sizeof(n), HEADER + (off_t)idx *
	    (off_t)sizeof(n)) == (ssize_t)sizeof(n) && !(n.flags & SLOT_USED);
}

/* Takes back the counts of the batch that none of its records left.  A
 * slot this batch put a new window in goes back to unused only when the
 * slot after it is unused too; otherwise another process may have put a
 * window after it on the same chain, and it keeps its window at 0. */
int
adt_counters_undo(struct adt_counters *c)
{
	struct solr_err ignore;
	struct slot cur, back;
	size_t i;
	int r = 0;

	adt_counters_release(c);	/* the batch's hold ends here */
	if (solr_flock(c->fd, LOCK_EX) != 0)
		return -1;
	for (i = c->nundo; i-- > 0;) {
		struct adt_undo *u = &c->undo[i];

		back = u->was;
		if (!(back.flags & SLOT_USED) && !next_unused(c, u->off)) {
			back = u->now;
			back.count = 0;
		}
		if (pread(c->fd, &cur, sizeof(cur), u->off) !=
		    (ssize_t)sizeof(cur) || memcmp(&cur, &u->now,
		    sizeof(cur)) != 0 || slot_change(c, (size_t)((u->off -
		    HEADER) / (off_t)sizeof(cur)), &cur, &back, &ignore) != 0)
			r = -1;	/* counted on since: it stays */
	}
	(void)fsync(c->fd);
	flock(c->fd, LOCK_UN);
	c->nundo = 0;
	return r;
}

int
adt_counters_close(struct adt_counters *c, struct solr_err *e)
{
	int r = 0;

	if (c->fd >= 0 && fsync(c->fd) != 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "fsync: %s",
		    strerror(errno));
	if (c->fd >= 0 && close(c->fd) != 0 && r == 0)
		r = solr_seterr_at(e, SOLR_ERR_IO, c->path, 0, "close: %s",
		    strerror(errno));
	c->fd = -1;
	solr_sealer_free(c->hash);
	c->hash = NULL;
	free(c->undo);
	c->undo = NULL;
	c->nundo = c->capundo = 0;
	return r;
}

int
adt_decide_role(const struct solr_role_policy *rp, const char *srv, int cv,
    struct decision *d)
{
	if (!role_allows_srv(rp, srv))
		return decision_reject(d, DUIS_E2, "SRV %s is not allowed for "
		    "the %s role (policy.yaml roles.%s.srvs)", srv, rp->name,
		    rp->name);
	if (!role_allows_cv(rp, cv))
		return decision_reject(d, DUIS_E2, "CommandVariant %d is not "
		    "allowed for the %s role (policy.yaml roles.%s.cvs)",
		    cv, rp->name, rp->name);
	decision_pass(d);
	return 0;
}

int
adt_decide_content(const struct srv_row *row, const struct safe_policy *sp,
    const struct ynode *values, int64_t t, const char *schema_version,
    const char *e020101_from, struct decision *d)
{
	struct solr_err e = { 0 };

	if (row->not_inspected || row->rule(sp, values, t, &e) == 0) {
		decision_pass(d);
		return 0;
	}
	return decision_reject(d, duis_content_code(schema_version,
	    e020101_from), "%s", e.msg);
}

int64_t
adt_window_start(int64_t t, int64_t window)
{
	return (t >= 0 ? t / window : (t - window + 1) / window) * window;
}

int
adt_decide_gate(const struct adt_gate *g, struct decision *d)
{
	const struct adt_threshold *th = g->threshold;
	char ts[SOLR_TIME_STRLEN], ws[SOLR_TIME_STRLEN];

	solr_time_format(g->t, ts);
	solr_time_format(g->window_start, ws);
	if (g->instruction == NULL)
		return decision_quarantine(d, DCC_AD1, "no Authority "
		    "instruction in instructions.yaml covers the failed "
		    "supplier %s and the SRP %s at %s; the threshold is 0",
		    g->originator, g->sender, ts);
	if (th == NULL || th->quarantine == 0)
		return decision_quarantine(d, DCC_AD1, "the SRP %s has %s for "
		    "SRV %s; the threshold is 0", g->sender, g->have_adt ?
		    "no threshold in its ADT file" : "no accepted ADT file",
		    g->srv);
	if ((int64_t)g->count > th->quarantine)
		return decision_quarantine(d, DCC_AD1, "request %llu of the "
		    "SRP %s for SRV %s in the window from %s is above the "
		    "quarantine threshold %lld", (unsigned long long)g->count,
		    g->sender, g->srv, ws, (long long)th->quarantine);
	decision_pass(d);
	return 0;
}

int
adt_stage_open(struct adt_stage *s, struct solr_err *e)
{
	int r;

	ledger_memory(&s->requests);
	s->live.fd = -1;
	if ((r = instructions_load(s->world->dir, &s->is, e)) != 0 ||
	    (!s->replay && ((r = solr_live_join(s->world->dir, &s->live, e)) !=
	    0 || (r = adt_counters_open(s->world->dir,
	    s->world->counters_key, s->world->state_key, &s->counters, e)) != 0 || (r =
	    ledger_open_named(s->world->dir, "adt-requests", "was counted "
	    "before for another document", s->world->state_key, &s->requests,
	    e)) != 0))) {
		ledger_close(&s->requests);
		solr_live_leave(&s->live);
		instructions_free(&s->is);
		return r;
	}
	return 0;
}

int
adt_stage_close(struct adt_stage *s, struct solr_err *e)
{
	int r = 0;

	if (!s->replay)
		r = adt_counters_close(&s->counters, e);
	ledger_close(&s->requests);
	solr_live_leave(&s->live);
	instructions_free(&s->is);
	while (s->ncache > 0)
		adt_free(&s->cache[--s->ncache].adt);
	adt_free(&s->spill);
	return r;
}

/* The SRP's accepted ADT file: 0, SOLR_ERR_NOTFOUND, or an error. */
static int
adt_of(struct adt_stage *s, uint64_t srp, const struct adt_file **out,
    struct solr_err *e)
{
	struct adt_file *a = &s->spill;
	int i, r;

	for (i = 0; i < s->ncache; i++)
		if (s->cache[i].srp == srp) {
			*out = &s->cache[i].adt;
			return s->cache[i].status;
		}
	if (s->ncache < ADT_CACHE)
		a = &s->cache[s->ncache].adt;
	else
		adt_free(a);	/* many SRPs: the first ones stay cached */
	/* a replay may ask what another ADT file would have decided */
	r = adt_load(s->world->dir, s->replay ? NULL : s->world->adt_key, srp,
	    a, e);
	if (r != 0 && r != SOLR_ERR_NOTFOUND)
		return r;
	if (a != &s->spill) {
		s->cache[s->ncache].srp = srp;
		s->cache[s->ncache++].status = r;
	}
	*out = a;
	return r;
}

/* The request's count in its window: one more in the shared counters,
 * or, in a replay, the one recorded (history, not state). */
static int
count_of(struct adt_stage *s, const struct solr_record *rec, int64_t window,
    int64_t start, uint64_t *count, struct solr_err *e)
{
	const struct ynode *rc;

	if (!s->replay)
		return adt_count(&s->counters, rec->sender.eui,
		    rec->request.srv, window, start, count, e);
	rc = rec_part(rec_stage(rec_part(rec->tree, RK_RECORDED), STAGE),
	    RK_COUNT);
	if (rc == NULL || !yn_is_scalar(rc) || solr_parse_uint(rc->str,
	    UINT64_MAX, count) != 0)
		*count = 1;
	return 0;
}

/* R5: the values a stage before read, held to the rule of the SRV's
 * row (an SRV with no row is the role's to refuse, R3). */
static int
content(struct adt_stage *s, const struct solr_record *rec,
    struct decision *d)
{
	const struct srv_row *row = world_srv_row(s->world, rec->request.srv);

	if (row == NULL) {
		decision_pass(d);
		return 0;
	}
	return adt_decide_content(row, &s->world->policy.safe, row->values_key ?
	    yn_get(rec->tree, row->values_key) : NULL, rec->received_at,
	    rec->request.schema_version, s->world->policy.e020101_from, d);
}

static int
note_gate(struct ynode *rec, const struct adt_gate *g, const struct
    adt_file *adt, const struct decision *d)
{
	char why[256];
	struct rec_gate n = {
		.instruction = g->instruction ? g->instruction->ref : NULL,
		.adt_sha256 = g->have_adt ? adt->sha256 : NULL,
		.count = g->count,
		.window_start = g->window_start,
		.window = g->window,
	};

	if (decision_is_pass(d) && g->threshold &&
	    (int64_t)g->count > g->threshold->warning) {
		snprintf(why, sizeof(why), "request %llu in the window is "
		    "above the warning threshold %lld",
		    (unsigned long long)g->count,
		    (long long)g->threshold->warning);
		n.warning = why;
	}
	return rec_gate_note(rec_decide(rec, STAGE, d), &n);
}

/* What adt-check keeps of its first decision on a request. */
static const char *const kept[] = { "stages.adt-check", NULL };

/*
 * The same document under its RequestID again: the first decision again,
 * nothing counted (the stage entry keeps the first's count and window, so
 * that a later stage that refuses it gives back the one count there is).
 * Another document under it: refused.  *decided says whether the record
 * was decided here (it was not when it is new).
 */
static int
seen_before(struct adt_stage *s, const struct solr_record *view,
    const struct reg_key *k, int *decided, struct solr_err *e)
{
	struct ynode *rec = view->tree, *first, *st, *dup;
	enum reg_found found;
	struct decision d;
	int r;

	*decided = 0;
	if ((r = reg_find(&s->requests, k, &first, &found, e)) < 0)
		return r;
	if (found == REG_NEW)
		return 0;
	*decided = 1;
	if (found == REG_REPLAY) {
		decision_reject(&d, duis_content_code(
		    view->request.schema_version,
		    s->world->policy.e020101_from), "%s", e->msg);
		solr_err_clear(e);
		return rec_decide(rec, STAGE, &d) ? 0 :
		    solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	st = reg_first_field(first, "stages.adt-check");
	dup = reg_duplicate_of(first);
	if (st == NULL || st->kind != YN_MAP || dup == NULL) {
		r = 1;
		yn_free(st);
	} else	/* yn_set owns st from here, whether it is set or not */
		r = yn_set(rec_part_add(rec, RK_STAGES, 0), STAGE,
		    st) != 0;
	if (r == 0 && strcmp(rec_str(first, RK_VERDICT) ? rec_str(first,
	    RK_VERDICT) : "", "pass") != 0) {
		/* the first was quarantined (or refused) here: so is this */
		r |= rec_outcome(rec, first, NULL);
	}
	if (r == 0)
		r = rec_put(rec_stage(rec, STAGE), RK_DUPLICATE_OF,
		    dup);
	else
		yn_free(dup);
	yn_free(first);
	return r ? solr_seterr(e, SOLR_ERR_NOMEM, "out of memory") : 0;
}

static int gate_locked(struct adt_stage *, struct solr_record *,
    const struct reg_key *, struct solr_err *);

/* R4, R6A: the Authority gate and the thresholds. */
static int
gate(struct adt_stage *s, struct solr_record *rec, struct solr_err *e)
{
	struct reg_key k;
	int r;

	if (reg_key_of(rec, &k) != 0)
		return gate_locked(s, rec, NULL, e);
	/* the RequestID, then the register and the counters held until
	 * the batch's sync: caught up with other writers once a batch.
	 * Nothing is waited on with either held: the process that has the
	 * RequestID may be waiting for them. */
	if (reg_trylock(&s->requests, &k) != 0) {
		adt_counters_release(&s->counters);
		if (reg_lock(&s->requests, &k, e) != 0)
			return SOLR_ERR_IO;
	}
	if ((r = ledger_hold(&s->requests, e)) != 0 || (!s->replay &&
	    (r = adt_counters_hold(&s->counters, e)) != 0)) {
		reg_unlock(&s->requests, &k);
		return r;
	}
	r = gate_locked(s, rec, &k, e);
	reg_unlock(&s->requests, &k);
	return r;
}

/* The gate with the request's RequestID locked (k NULL: it has none). */
static int
gate_locked(struct adt_stage *s, struct solr_record *rec,
    const struct reg_key *k, struct solr_err *e)
{
	uint64_t sender = rec->sender.eui;
	struct adt_gate g = { 0 };
	struct decision d;
	const struct adt_file *adt = NULL;
	int64_t window;
	enum reg_found found;
	int r, decided = 0;

	if (k != NULL && ((r = seen_before(s, rec, k, &decided, e)) != 0 ||
	    decided))
		return r;
	g.t = rec->received_at;
	g.sender = rec->sender.text;
	g.originator = rec->request.originator.text;
	g.srv = rec->request.srv;
	g.instruction = instruction_find(&s->is, rec->request.originator.eui,
	    sender, g.t);
	if ((r = adt_of(s, sender, &adt, e)) != 0 && r != SOLR_ERR_NOTFOUND)
		return r;
	g.have_adt = r == 0;
	g.threshold = g.have_adt ? adt_find(adt, g.srv) : NULL;
	window = g.threshold ? g.threshold->window : ADT_DEFAULT_WINDOW;
	g.window = window;
	g.window_start = adt_window_start(g.t, window);
	if ((r = count_of(s, rec, window, g.window_start, &g.count, e)) != 0)
		return r;
	adt_decide_gate(&g, &d);
	if (note_gate(rec->tree, &g, adt, &d) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (k == NULL || (r = reg_put(&s->requests, k, rec->tree, kept, &found,
	    e)) != 0 || found == REG_NEW)
		return r;
	/* another process decided the RequestID meanwhile: our count goes
	 * back, and its decision stands */
	if (!s->replay && (r = adt_uncount(&s->counters, sender, g.srv,
	    window, g.window_start, e)) != 0)
		return r;
	return seen_before(s, rec, k, &decided, e);
}

static int
decide_record(void *ctx, struct solr_record *rec, struct solr_err *e)
{
	struct adt_stage *s = ctx;
	const struct solr_role_policy *rp = NULL;
	struct decision d;

	/* the SoLR path only, and always under the role's policy, which a
	 * world must have to load */
	if (world_solr_path(s->world, rec->sender.eui,
	    rec->request.originator.eui))
		rp = world_role_policy(s->world, SOLR_CONTINGENCY);
	if (rp == NULL)
		decision_skip(&d);
	else if (adt_decide_role(rp, rec->request.srv, rec->request.cv, &d) ==
	    0 && decision_is_pass(&d) && content(s, rec, &d) == 0 &&
	    decision_is_pass(&d))
		return gate(s, rec, e);
	if (rec_decide(rec->tree, STAGE, &d) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	return 0;
}

static int
sync_counts(void *ctx, struct ynode **recs, size_t n, struct solr_err *e)
{
	struct adt_stage *s = ctx;

	int r;

	(void)recs;
	(void)n;
	if (s->replay)
		return 0;
	solr_live_beat(&s->live);
	/* the counters let go first: the register's sync takes its lock
	 * again, and another process may hold it and wait for them */
	adt_counters_release(&s->counters);
	if ((r = ledger_sync(&s->requests, e)) != 0)
		return r;
	return adt_counters_sync(&s->counters, e);
}

static void
commit_counts(void *ctx)
{
	struct adt_stage *s = ctx;

	if (!s->replay) {
		ledger_commit(&s->requests);
		adt_counters_commit(&s->counters);
	}
}

static int
undo_counts(void *ctx)
{
	struct adt_stage *s = ctx;

	int r;

	if (s->replay)
		return 0;
	adt_counters_release(&s->counters);	/* as at the sync */
	r = ledger_undo(&s->requests);
	return adt_counters_undo(&s->counters) != 0 || r != 0 ? -1 : 0;
}

const struct stage_ops adt_check_stage = {
	.name = STAGE,
	.decide = decide_record,
	.needs = RV_TIME | RV_SENDER | RV_IDS | RV_COMMAND,
	.sync = sync_counts,
	.commit = commit_counts,
	.undo = undo_counts,
	.state = "counts",
};

int
adt_decide_submission(const struct adt_file *a, const struct instructions *is,
    int64_t t, struct decision *d)
{
	char eui[SOLR_EUI_STRLEN], ts[SOLR_TIME_STRLEN];
	size_t i;

	solr_eui_format(a->srp, eui);
	solr_time_format(t, ts);
	for (i = 0; i < a->n; i++) {
		const struct adt_threshold *th = &a->t[i];

		if (th->warning == 0 && th->quarantine == 0)
			continue;
		if (instruction_find(is, 0, a->srp, t) == NULL)
			return decision_reject(d, DUIS_NONE, "the threshold "
			    "for SRV %s is not zero (warning %lld, quarantine "
			    "%lld), but no Authority instruction in "
			    "instructions.yaml covers the SRP %s at %s",
			    th->srv, (long long)th->warning,
			    (long long)th->quarantine, eui, ts);
	}
	decision_pass(d);
	return 0;
}
