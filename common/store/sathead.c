#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "base/guard.h"
#include "store/sathead.h"
#include "store/satplace.h"
#include "base/util.h"

#define HEAD_MAX 4096

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* The signed text: five lines, in this order. */
static int
head_text(const struct sat_head *h, char *out, size_t cap)
{
	char ts[SOLR_TIME_STRLEN];

	solr_time_format(h->time, ts);
	return snprintf(out, cap, "solr-sat-head: 2\ntrail: %s\nentries: %"
	    PRIu64 "\nhash: %s\ntime: %s\n", h->trail, h->entries, h->hash,
	    ts);
}

/* head: the signed text, then "signature: " and the base64 of the DER
 * ECDSA-SHA256 signature over it; *signed_len is the text's length. */
static int
parse_head(const char *p, size_t n, struct sat_head *h, size_t *signed_len,
    unsigned char *sig, size_t *siglen)
{
	char text[HEAD_MAX], ts[64], b64[256], again[HEAD_MAX];
	unsigned long long entries;
	struct solr_err ignore;
	const char *s;
	int len;

	if (n >= sizeof(text))
		return -1;
	memcpy(text, p, n);
	text[n] = '\0';
	if (sscanf(text, "solr-sat-head: 2\ntrail: %32[0-9a-f]\nentries: %llu\n"
	    "hash: %64[0-9a-f]\ntime: %63s\n", h->trail, &entries, h->hash,
	    ts) != 4 || strlen(h->trail) != 32 || strlen(h->hash) != 64 ||
	    solr_time_parse(ts, &h->time) != 0)
		return -1;
	h->entries = entries;
	if ((s = strstr(text, "\nsignature: ")) == NULL)
		return -1;
	*signed_len = (size_t)(s - text) + 1;
	/* exactly the text a writer makes, and nothing else signed */
	len = head_text(h, again, sizeof(again));
	if (len < 0 || (size_t)len != *signed_len || memcmp(again, text,
	    *signed_len) != 0)
		return -1;
	if (sscanf(s + 12, "%255[A-Za-z0-9+/=]", b64) != 1 ||
	    solr_b64_decode(b64, strlen(b64), sig, 128, siglen, &ignore) != 0)
		return -1;
	return 0;
}

static int
sign_der(EVP_PKEY *key, const void *p, size_t n, unsigned char *der,
    size_t *len, struct solr_err *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	*len = 128;
	ok = md != NULL && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
	    key) == 1 && EVP_DigestSign(md, der, len, p, n) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok ? 0 : solr_seterr(e, SOLR_ERR_INTERNAL, "the head could not "
	    "be signed");
}

/* Whether sig is x's signature over text. */
static int
signed_by(X509 *x, const char *text, size_t n, const unsigned char *sig,
    size_t siglen)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	ok = md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    X509_get0_pubkey(x)) == 1 && EVP_DigestVerify(md, sig, siglen,
	    (const unsigned char *)text, n) == 1;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

static int
write_cert(struct sat *s, const struct solr_cert *cert, struct solr_err *e)
{
	char path[PATH_MAX];
	struct solr_buf have = { 0 };
	struct solr_err ignore;
	char *pem = NULL;
	long len;
	BIO *b = BIO_new(BIO_s_mem());
	int r = 0;

	if (b == NULL || !PEM_write_bio_X509(b, cert->x) ||
	    (len = BIO_get_mem_data(b, &pem)) <= 0) {
		BIO_free(b);
		return solr_seterr(e, SOLR_ERR_INTERNAL, "the DCC's certificate "
		    "could not be written");
	}
	snprintf(path, sizeof(path), "%s/head.pem", s->dir);
	if (solr_read_guarded(path, 65536, &have, &ignore) != 0 ||
	    have.len != (size_t)len || memcmp(have.p, pem, (size_t)len) != 0)
		r = solr_write_atomic(path, pem, (size_t)len, 1, e);
	solr_buf_free(&have);
	BIO_free(b);
	return r;
}

static int
lock(struct sat *s, struct solr_err *e)
{
	if (solr_flock(s->fd, LOCK_EX) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
		    "lock: %s", strerror(errno));
	return 0;
}

/* The world's copy of the last head it signed for the trail:
 * state/sat-heads/<trail>, written after the trail's own head. */
static int
remember(struct sat *s, const void *text, size_t n, struct solr_err *e)
{
	char path[PATH_MAX];
	int r;

	if ((r = solr_mkdirs(s->heads, e)) != 0 ||
	    (r = solr_guard(s->heads, 1, e)) != 0 ||
	    (r = sat_place_record(s->heads, s->key, s->dir, s->trail, e)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/%s", s->heads, s->trail);
	return solr_write_atomic(path, text, n, 1, e);
}

/* A head as read from path: 0, SOLR_ERR_NOTFOUND, or SOLR_ERR_VERIFY. */
static int
read_head(const char *path, struct solr_buf *b, struct sat_head *h,
    size_t *sl, unsigned char sig[128], size_t *siglen, struct solr_err *e)
{
	int r;

	b->len = 0;
	if ((r = solr_guard(path, 0, e)) != 0 || (r = solr_read_guarded(path,
	    HEAD_MAX, b, e)) != 0)
		return r;
	if (parse_head((const char *)b->p, b->len, h, sl, sig, siglen) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "not a signed "
		    "head of this version (solr-sat(5))");
	return 0;
}

/* The head of n entries ending in last, signed, written and synced; then
 * the world's copy of it. */
static int
put_head(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    uint64_t n, const char *last, int64_t t, struct solr_err *e)
{
	struct sat_head h = { n, "", t, "" };
	unsigned char der[128];
	char text[HEAD_MAX], b64[256], path[PATH_MAX];
	size_t dlen;
	int len, r;

	memcpy(h.hash, last, SOLR_SHA256_HEX);
	memcpy(h.trail, s->trail, SOLR_TRAIL_ID_HEX);
	len = head_text(&h, text, sizeof(text));
	if ((r = sign_der(key, text, (size_t)len, der, &dlen, e)) != 0 ||
	    (r = write_cert(s, cert, e)) != 0)
		return r;
	solr_b64_encode(der, dlen, b64);
	snprintf(text + len, sizeof(text) - (size_t)len, "signature: %s\n",
	    b64);
	snprintf(path, sizeof(path), "%s/head", s->dir);
	if ((r = solr_write_atomic(path, text, strlen(text), 1, e)) != 0)
		return r;
	return remember(s, text, strlen(text), e);
}

int
sat_head_write(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    int64_t t, struct solr_err *e)
{
	char path[PATH_MAX], last[SOLR_SHA256_HEX];
	struct solr_err ignore;
	uint64_t n;
	int r;

	if (s->trail[0] == '\0')
		return solr_seterr_at(e, SOLR_ERR_INTERNAL, s->log, 0, "the "
		    "trail was not opened for writing (sat_head_open)");
	if ((r = lock(s, e)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	if (!s->head_changed) {
		/* the head before this batch, for a take-back */
		s->old_head.len = 0;
		s->had_head = solr_read_guarded(path, HEAD_MAX, &s->old_head,
		    &ignore) == 0;
		s->old_v = s->v;
	}
	/* a head only over entries whose MAC this writer checked */
	if ((r = sat_check_new(s, e)) == 0 &&
	    (r = sat_tail(s, &n, last, e)) == 0) {
		if (n != s->v.n || strcmp(last, s->v.hash) != 0)
			r = solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the "
			    "last entry is not the one checked");
		else if ((r = put_head(s, key, cert, n, last, t, e)) == 0) {
			s->head_changed = 1;
			s->my_head.len = 0;
			(void)solr_read_guarded(path, HEAD_MAX, &s->my_head,
			    &ignore);
		}
	}
	flock(s->fd, LOCK_UN);
	return r;
}

static int sat_head_restore(struct sat *, struct solr_err *);

int
sat_take_back(struct sat *s, struct solr_err *e)
{
	char path[PATH_MAX];
	struct solr_buf cur = { 0 };
	struct solr_err ignore;
	struct sat_head h;
	unsigned char sig[128];
	size_t sl, siglen;
	int r = 0, ours, covered;

	s->unsynced = 0;
	if (s->fd < 0)
		return 0;
	if ((r = lock(s, e)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	(void)solr_read_guarded(path, HEAD_MAX, &cur, &ignore);
	ours = s->head_changed && cur.len == s->my_head.len &&
	    memcmp(cur.p, s->my_head.p, cur.len) == 0;
	/* another writer's head that covers entries of this batch: they are
	 * signed, and stay */
	covered = !ours && s->app.pending && cur.len > 0 &&
	    parse_head((const char *)cur.p, cur.len, &h, &sl, sig, &siglen) ==
	    0 && h.entries > s->n_before;
	solr_buf_free(&cur);
	if (covered || (s->head_changed && !ours)) {
		flock(s->fd, LOCK_UN);
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "another "
		    "writer's head covers the batch's entries: they stay");
	}
	s->end.valid = 0;	/* the log is cut */
	if (solr_appended_undo(s->fd, &s->app) != 0) {
		flock(s->fd, LOCK_UN);
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "another "
		    "writer appended after the batch's entries: they stay");
	}
	r = ours ? sat_head_restore(s, e) : 0;
	/* what this writer had checked may have gone with the batch: it
	 * checks again from before this batch's head */
	{
		struct stat st;

		if (ours || fstat(s->fd, &st) != 0 || st.st_size < s->v.off)
			s->v = s->old_v;
	}
	flock(s->fd, LOCK_UN);
	s->head_changed = 0;
	return r;
}

/* After a batch is taken back, under the lock: the head before it, in
 * the trail and in the world's copy. */
static int
sat_head_restore(struct sat *s, struct solr_err *e)
{
	char path[PATH_MAX];
	int r;

	if (!s->head_changed)
		return 0;
	s->head_changed = 0;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	if (!s->had_head)
		return unlink(path) == 0 || errno == ENOENT ? 0 :
		    solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	if ((r = solr_write_atomic(path, s->old_head.p, s->old_head.len, 1,
	    e)) != 0)
		return r;
	return remember(s, s->old_head.p, s->old_head.len, e);
}

/* The world's last head for the trail against the trail's own: a head
 * older than the one the world signed last is a trail rolled back. */
static int
against_remembered(struct sat *s, const struct sat_head *h,
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	struct sat_head w;
	unsigned char sig[128];
	char path[PATH_MAX], ts[SOLR_TIME_STRLEN];
	size_t sl, siglen;
	int r;

	snprintf(path, sizeof(path), "%s/%s", s->heads, h->trail);
	r = read_head(path, &b, &w, &sl, sig, &siglen, e);
	solr_buf_free(&b);
	if (r == SOLR_ERR_NOTFOUND)
		return h->entries == 0 ? 0 : solr_seterr_at(e, SOLR_ERR_VERIFY,
		    path, 0, "this world keeps no head for the trail %s, whose "
		    "head covers %" PRIu64 " entries: a trail this world did "
		    "not write, or its record was removed; refused",
		    h->trail, h->entries);
	if (r != 0)
		return r;
	solr_time_format(w.time, ts);
	if (w.entries > h->entries)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the trail "
		    "was rolled back: its signed head covers %" PRIu64 " "
		    "entries, but this world signed a head of %" PRIu64 " for "
		    "it (%s, state/sat-heads/%s); refused", h->entries,
		    w.entries, ts, h->trail);
	if (w.entries == h->entries && strcmp(w.hash, h->hash) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "the trail "
		    "is not the one this world signed: its head of %" PRIu64
		    " entries ends in %s, the world's in %s; refused",
		    h->entries, h->hash, w.hash);
	return 0;
}

/* A new trail: an id of its own, and a signed head of 0 entries before
 * its first batch, so that a crash inside it leaves a head to cut back
 * to. */
static int
new_trail(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    int64_t t, struct solr_err *e)
{
	unsigned char id[16];

	if (RAND_bytes(id, sizeof(id)) != 1) {
		ERR_clear_error();
		return solr_seterr(e, SOLR_ERR_INTERNAL, "no random bytes for "
		    "the trail's id");
	}
	solr_hex(id, sizeof(id), s->trail);
	memcpy(s->v.hash, zero_hash, SOLR_SHA256_HEX);
	s->v.n = 0;
	s->v.off = 0;
	return put_head(s, key, cert, 0, zero_hash, t, e);
}

/* The trail past the signed head h, whose last of n entries hashes to
 * last: checked whether or not this writer is alone (an entry no writer
 * made stops it, and is never cut silently); a batch whose head was never
 * written is cut by a writer alone. */
static int
after_head(struct sat *s, const struct sat_head *h, uint64_t n,
    const char *last, struct solr_err *e)
{
	int64_t off = 0;
	int r = 0;

	/* what follows the head is checked, alone or not: an entry no
	 * writer made stops this one, and is never cut silently */
	if (n > h->entries && (r = sat_entry_offset(s, h->entries, &off,
	    e)) != 0)
		return r;
	s->v.n = h->entries;
	s->v.off = n > h->entries ? off : 0;
	memcpy(s->v.hash, h->hash, SOLR_SHA256_HEX);
	if (n == h->entries) {
		struct stat st;

		if (strcmp(last, h->hash) != 0)
			return solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0,
			    "entry %" PRIu64 " hashes to %s, not to the signed "
			    "head's %s: the chain was rewritten", n, last,
			    h->hash);
		if (fstat(s->fd, &st) != 0)
			return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
			    strerror(errno));
		s->v.off = (int64_t)st.st_size;
	} else if ((r = sat_check_new(s, e)) != 0)
		return r;
	if (n > h->entries && s->alone) {
		/* a batch whose head was never written: none of its records
		 * left, so its entries go (with other writers at work, they
		 * are theirs, and their heads will cover them) */
		s->end.valid = 0;
		if (ftruncate(s->fd, (off_t)off) != 0 || fsync(s->fd) != 0)
			return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
			    strerror(errno));
		s->cut_unsigned = n - h->entries;
		s->v.n = h->entries;
		s->v.off = off;
		memcpy(s->v.hash, h->hash, SOLR_SHA256_HEX);
	}
	return 0;
}

int
sat_head_open(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    int64_t t, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	struct sat_head h;
	unsigned char sig[128];
	char path[PATH_MAX], last[SOLR_SHA256_HEX];
	size_t sl, siglen;
	uint64_t n;
	int r;

	if ((r = lock(s, e)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	if ((r = sat_tail(s, &n, last, e)) != 0)
		goto out;
	if ((r = read_head(path, &b, &h, &sl, sig, &siglen, e)) ==
	    SOLR_ERR_NOTFOUND) {
		/* a trail with entries and no head has lost it; a new one
		 * only where the world recorded none */
		r = n == 0 ? sat_place_check(s->heads, s->key, s->dir, NULL,
		    e) : 0;
		if (r != 0)
			goto out;
		r = n == 0 ? new_trail(s, key, cert, t, e) :
		    solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "%" PRIu64
		    " entries and no signed head: the head was removed; check "
		    "the trail with solr-sat verify", n);
		goto out;
	}
	if (r != 0)
		goto out;
	if (!signed_by(cert->x, (const char *)b.p, sl, sig, siglen)) {
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the head's "
		    "signature does not verify with the DCC's certificate "
		    "(keys/dcc.xmlsign.pem); refused");
		goto out;
	}
	memcpy(s->trail, h.trail, SOLR_TRAIL_ID_HEX);
	if ((r = sat_place_check(s->heads, s->key, s->dir, s->trail, e)) != 0
	    || (r = against_remembered(s, &h, e)) != 0)
		goto out;
	if (n < h.entries) {
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "%" PRIu64
		    " entries, but the signed head covers %" PRIu64 ": the "
		    "trail was cut short; check it with solr-sat verify", n,
		    h.entries);
		goto out;
	}
	if ((r = after_head(s, &h, n, last, e)) != 0)
		goto out;
	/* the world's copy, when it is older (a crash between the two) */
	r = remember(s, b.p, b.len, e);
out:
	flock(s->fd, LOCK_UN);
	solr_buf_free(&b);
	return r;
}

/* The certificate a head is checked with, read as a guarded file; its
 * serial and fingerprint go into c. */
static int
load_cert(const char *cert_path, struct sat_check *c, X509 **out,
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	unsigned char *der = NULL;
	BIO *bio;
	X509 *x = NULL;
	int dl, r;

	if ((r = solr_read_guarded(cert_path, 65536, &b, e)) != 0) {
		solr_buf_free(&b);
		return r == SOLR_ERR_NOTFOUND ? SOLR_ERR_IO : r;
	}
	if ((bio = BIO_new_mem_buf(b.p, (int)b.len)) != NULL)
		x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	solr_buf_free(&b);
	if (x == NULL) {
		ERR_clear_error();
		return solr_seterr_at(e, SOLR_ERR_CONFIG, cert_path, 0,
		    "not a PEM certificate");
	}
	if ((dl = i2d_X509(x, &der)) > 0)
		solr_sha256_hex(der, (size_t)dl, c->signer_sha256);
	OPENSSL_free(der);
	{
		BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
		char *dec = bn ? BN_bn2dec(bn) : NULL;

		snprintf(c->signer_serial, sizeof(c->signer_serial), "%s",
		    dec ? dec : "?");
		OPENSSL_free(dec);
		BN_free(bn);
	}
	*out = x;
	return 0;
}

/* The bundle's directories and files, as a writer's are checked. */
static int
guard_bundle(const char *dir, struct solr_err *e)
{
	static const struct {
		const char *name;
		int dir, need;
	} parts[] = {
		{ "", 1, 1 }, { "sat.log", 0, 1 }, { "head", 0, 0 },
		{ "head.pem", 0, 0 }, { "objects", 1, 0 }, { "live", 0, 0 },
	};
	char path[PATH_MAX];
	size_t i;
	int r;

	if ((r = solr_guard_root(dir, e)) == SOLR_ERR_NOTFOUND)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0, "%s",
		    "no such file or directory: not a trail");
	if (r != 0)
		return r;
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		snprintf(path, sizeof(path), "%s%s%s", dir, *parts[i].name ?
		    "/" : "", parts[i].name);
		if ((r = solr_guard(path, parts[i].dir, e)) == SOLR_ERR_NOTFOUND
		    && !parts[i].need)
			continue;
		if (r == SOLR_ERR_NOTFOUND)
			return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
			    "no such file or directory: not a trail");
		if (r != 0)
			return r;
	}
	return 0;
}

/* The world's record of the trail: the last head it signed for it, and
 * where it lives. */
static int
world_record(const char *dir, const struct sat_trust *t,
    const struct sat_check *c, struct sat_head *w, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	unsigned char sig[128];
	char path[PATH_MAX];
	size_t sl, siglen;
	int r;

	snprintf(path, sizeof(path), "%s/%s", t->heads, c->head.trail);
	if ((r = read_head(path, &b, w, &sl, sig, &siglen, e)) ==
	    SOLR_ERR_NOTFOUND)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the world "
		    "keeps no head for the trail %s: it did not write this "
		    "trail, or its record was removed", c->head.trail);
	solr_buf_free(&b);
	if (r == 0 && t->key != NULL)
		r = sat_place_check(t->heads, t->key, dir, c->head.trail, e);
	return r;
}

/* The trail's head, and its signature checked with t's certificate. */
static int
signed_head(const char *dir, const struct sat_trust *t, struct sat_check *c,
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	unsigned char sig[128];
	char path[PATH_MAX];
	size_t sl, siglen;
	X509 *x = NULL;
	int r;

	snprintf(path, sizeof(path), "%s/head", dir);
	if ((r = read_head(path, &b, &c->head, &sl, sig, &siglen, e)) != 0) {
		solr_buf_free(&b);
		return r == SOLR_ERR_NOTFOUND ? solr_seterr_at(e,
		    SOLR_ERR_VERIFY, path, 0, "no signed head: nothing shows "
		    "the trail is whole") : r;
	}
	if ((r = load_cert(t->cert, c, &x, e)) == 0 && !signed_by(x,
	    (const char *)b.p, sl, sig, siglen))
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the head's "
		    "signature does not verify with %s", t->cert);
	X509_free(x);
	solr_buf_free(&b);
	return r;
}

int
sat_check(const char *dir, const struct sat_trust *t, struct sat_check *c,
    struct solr_err *e)
{
	struct sat_head w;
	struct sat_pos at[2];
	char ts[SOLR_TIME_STRLEN];
	int r, have_w = 0;

	memset(c, 0, sizeof(*c));
	if (t == NULL || t->cert == NULL)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, dir, 0, "no "
		    "certificate to check the head with: the DCC's comes from "
		    "a world (-C), or one named (--cert)");
	if ((r = guard_bundle(dir, e)) != 0) {
		/* a folder where the world recorded a trail, now empty */
		if (t->heads != NULL && t->key != NULL && r == SOLR_ERR_IO &&
		    sat_place_check(t->heads, t->key, dir, NULL, e) != 0)
			return e->code;
		return r;
	}
	if ((r = signed_head(dir, t, c, e)) == 0 && t->heads != NULL)
		r = world_record(dir, t, c, &w, e);
	have_w = r == 0 && t->heads != NULL;
	if (r != 0)
		return r;
	at[0].n = c->head.entries;
	at[1].n = have_w ? w.entries : 0;
	if ((r = t->query ? sat_verify_chain(dir, t->key, at, 2, &c->entries,
	    NULL, t->q, e) : sat_verify(dir, t->key, at, 2, &c->entries, NULL,
	    e)) != 0)
		return r;
	if (c->entries < c->head.entries)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "sat.log", 0, "%" PRIu64
		    " entries, but the signed head covers %" PRIu64 ": entry %"
		    PRIu64 " and those after it were cut", c->entries,
		    c->head.entries, c->entries + 1);
	if (strcmp(at[0].hash, c->head.hash) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "sat.log", 0, "entry %"
		    PRIu64 " hashes to %s, not to the signed head's %s: the "
		    "chain was rewritten", c->head.entries, at[0].hash,
		    c->head.hash);
	if (c->entries > c->head.entries)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "sat.log", 0, "entry %"
		    PRIu64 " and those after it (to %" PRIu64 ") are not "
		    "covered by the signed head", c->head.entries + 1,
		    c->entries);
	if (have_w) {
		solr_time_format(w.time, ts);
		if (w.entries > c->head.entries)
			return solr_seterr_at(e, SOLR_ERR_VERIFY, "head", 0,
			    "the trail was rolled back: its signed head covers "
			    "%" PRIu64 " entries, but the world signed a head "
			    "of %" PRIu64 " for it (%s)", c->head.entries,
			    w.entries, ts);
		if (strcmp(at[1].hash, w.hash) != 0)
			return solr_seterr_at(e, SOLR_ERR_VERIFY, "sat.log", 0,
			    "entry %" PRIu64 " hashes to %s, not to the head "
			    "the world signed for it (%s): not the trail the "
			    "world wrote", w.entries, at[1].hash, w.hash);
	}
	return 0;
}
