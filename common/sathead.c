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

#include "sathead.h"
#include "util.h"

#define HEAD_MAX 4096

/* The signed text: four lines, in this order. */
static int
head_text(const struct sat_head *h, char *out, size_t cap)
{
	char ts[SOLR_TIME_STRLEN];

	solr_time_format(h->time, ts);
	return snprintf(out, cap, "solr-sat-head: 1\nentries: %" PRIu64
	    "\nhash: %s\ntime: %s\n", h->entries, h->hash, ts);
}

/* head: the signed text, then "signature: " and the base64 of the DER
 * ECDSA-SHA256 signature over it; *signed_len is the text's length. */
static int
parse_head(const char *p, size_t n, struct sat_head *h, size_t *signed_len,
    unsigned char *sig, size_t *siglen)
{
	char text[HEAD_MAX], ts[64], b64[256];
	unsigned long long entries;
	struct solr_err ignore;
	const char *s;

	if (n >= sizeof(text))
		return -1;
	memcpy(text, p, n);
	text[n] = '\0';
	if (sscanf(text, "solr-sat-head: 1\nentries: %llu\nhash: %64[0-9a-f]\n"
	    "time: %63s\n", &entries, h->hash, ts) != 3 ||
	    strlen(h->hash) != 64 || solr_time_parse(ts, &h->time) != 0)
		return -1;
	h->entries = entries;
	if ((s = strstr(text, "\nsignature: ")) == NULL)
		return -1;
	*signed_len = (size_t)(s - text) + 1;
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
	if (solr_read_file(path, 65536, &have, &ignore) != 0 ||
	    have.len != (size_t)len || memcmp(have.p, pem, (size_t)len) != 0)
		r = solr_write_atomic(path, pem, (size_t)len, 1, e);
	solr_buf_free(&have);
	BIO_free(b);
	return r;
}

static int
lock(struct sat *s, struct solr_err *e)
{
	while (flock(s->fd, LOCK_EX) != 0)
		if (errno != EINTR)
			return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0,
			    "lock: %s", strerror(errno));
	return 0;
}

/* The head of n entries ending in last, signed, written and synced. */
static int
put_head(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    uint64_t n, const char *last, int64_t t, struct solr_err *e)
{
	struct sat_head h = { n, "", t };
	unsigned char der[128];
	char text[HEAD_MAX], b64[256], path[PATH_MAX];
	size_t dlen;
	int len, r;

	memcpy(h.hash, last, SOLR_SHA256_HEX);
	len = head_text(&h, text, sizeof(text));
	if ((r = sign_der(key, text, (size_t)len, der, &dlen, e)) != 0 ||
	    (r = write_cert(s, cert, e)) != 0)
		return r;
	solr_b64_encode(der, dlen, b64);
	snprintf(text + len, sizeof(text) - (size_t)len, "signature: %s\n",
	    b64);
	snprintf(path, sizeof(path), "%s/head", s->dir);
	return solr_write_atomic(path, text, strlen(text), 1, e);
}

int
sat_head_write(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    int64_t t, struct solr_err *e)
{
	char path[PATH_MAX], last[SOLR_SHA256_HEX];
	struct solr_err ignore;
	uint64_t n;
	int r;

	if ((r = lock(s, e)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	if (!s->head_changed) {
		/* the head before this batch, for a take-back */
		s->old_head.len = 0;
		s->had_head = solr_read_file(path, HEAD_MAX, &s->old_head,
		    &ignore) == 0;
	}
	if ((r = sat_tail(s, &n, last, e)) == 0 &&
	    (r = put_head(s, key, cert, n, last, t, e)) == 0) {
		s->head_changed = 1;
		s->my_head.len = 0;
		(void)solr_read_file(path, HEAD_MAX, &s->my_head, &ignore);
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
		return -1;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	(void)solr_read_file(path, HEAD_MAX, &cur, &ignore);
	ours = s->head_changed && cur.len == s->my_head.len &&
	    memcmp(cur.p, s->my_head.p, cur.len) == 0;
	/* another writer's head that covers entries of this batch: they are
	 * signed, and stay */
	covered = !ours && s->app.pending && cur.len > 0 &&
	    parse_head((const char *)cur.p, cur.len, &h, &sl, sig, &siglen) ==
	    0 && h.entries > s->n_before;
	flock(s->fd, LOCK_UN);
	solr_buf_free(&cur);
	if (covered || (s->head_changed && !ours))
		return -1;
	if (solr_appended_undo(s->fd, &s->app) != 0)
		return -1;	/* another writer appended after them */
	if (ours && sat_head_restore(s, e) != 0)
		return -1;
	s->head_changed = 0;
	return 0;
}

/* After a batch is taken back: the head before it. */
static int
sat_head_restore(struct sat *s, struct solr_err *e)
{
	char path[PATH_MAX];

	if (!s->head_changed)
		return 0;
	s->head_changed = 0;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	if (!s->had_head)
		return unlink(path) == 0 || errno == ENOENT ? 0 :
		    solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	return solr_write_atomic(path, s->old_head.p, s->old_head.len, 1, e);
}

/* Where entry k+1 starts in the log (its "---" line), searching the last
 * megabyte: what follows the head is at most a batch. */
static int
entry_offset(struct sat *s, uint64_t k, off_t *off, struct solr_err *e)
{
	char want[64], *buf, *p, *found = NULL;
	struct stat st;
	off_t from;
	ssize_t got;

	if (fstat(s->fd, &st) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
		    strerror(errno));
	from = st.st_size > (1 << 20) ? st.st_size - (1 << 20) : 0;
	if ((buf = malloc((size_t)(st.st_size - from) + 1)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	got = pread(s->fd, buf, (size_t)(st.st_size - from), from);
	buf[got > 0 ? got : 0] = '\0';
	snprintf(want, sizeof(want), "---\nsat: 1\nn: %" PRIu64 "\n", k + 1);
	for (p = buf; got > 0 && (p = strstr(p, want)) != NULL; p++)
		if (p == buf || p[-1] == '\n') {
			found = p;
			break;
		}
	if (found != NULL)
		*off = from + (found - buf);
	free(buf);
	return found ? 0 : solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0,
	    "entry %" PRIu64 " is not where the head ends", k + 1);
}

int
sat_head_open(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    int64_t t, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	struct solr_err ignore;
	struct sat_head h;
	unsigned char sig[128];
	char path[PATH_MAX], last[SOLR_SHA256_HEX];
	size_t sl, siglen;
	uint64_t n;
	off_t off = 0;
	int r;

	if ((r = lock(s, e)) != 0)
		return r;
	snprintf(path, sizeof(path), "%s/head", s->dir);
	if ((r = sat_tail(s, &n, last, e)) != 0)
		goto out;
	if (solr_read_file(path, HEAD_MAX, &b, &ignore) != 0) {
		/* a new trail is signed empty before its first batch, so a
		 * crash inside that batch leaves a head to cut back to; a
		 * trail with entries and no head has lost it */
		r = n == 0 ? put_head(s, key, cert, 0, last, t, e) :
		    solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "%" PRIu64
		    " entries and no signed head: the head was removed; check "
		    "the trail with solr-sat verify", n);
		goto out;
	}
	if (parse_head((const char *)b.p, b.len, &h, &sl, sig, &siglen) !=
	    0) {
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "not a signed "
		    "head (solr-sat(5))");
		goto out;
	}
	if (n < h.entries) {
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, s->log, 0, "%" PRIu64
		    " entries, but the signed head covers %" PRIu64 ": the "
		    "trail was cut short; check it with solr-sat verify", n,
		    h.entries);
		goto out;
	}
	if (n > h.entries && s->alone) {
		/* a batch whose head was never written: none of its records
		 * left, so its entries go (with other writers at work, they
		 * are theirs, and their heads will cover them) */
		if (h.entries > 0 && (r = entry_offset(s, h.entries, &off, e))
		    != 0)
			goto out;
		if (ftruncate(s->fd, off) != 0 || fsync(s->fd) != 0) {
			r = solr_seterr_at(e, SOLR_ERR_IO, s->log, 0, "%s",
			    strerror(errno));
			goto out;
		}
		s->cut_unsigned = n - h.entries;
	}
out:
	flock(s->fd, LOCK_UN);
	solr_buf_free(&b);
	return r;
}

static int
check_signature(const char *dir, const char *cert_path, const char *text,
    size_t n, const unsigned char *sig, size_t siglen, struct sat_check *c,
    struct solr_err *e)
{
	char path[PATH_MAX];
	unsigned char *der = NULL;
	EVP_MD_CTX *md = NULL;
	X509 *x;
	FILE *f;
	int dl, ok;

	if (cert_path == NULL) {
		snprintf(path, sizeof(path), "%s/head.pem", dir);
		cert_path = path;
	}
	if ((f = fopen(cert_path, "r")) == NULL)
		return solr_seterr_at(e, SOLR_ERR_IO, cert_path, 0, "%s",
		    strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		ERR_clear_error();
		return solr_seterr_at(e, SOLR_ERR_VERIFY, cert_path, 0,
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
	ok = (md = EVP_MD_CTX_new()) != NULL && EVP_DigestVerifyInit(md,
	    NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)) == 1 &&
	    EVP_DigestVerify(md, sig, siglen, (const unsigned char *)text, n)
	    == 1;
	EVP_MD_CTX_free(md);
	X509_free(x);
	ERR_clear_error();
	return ok ? 0 : solr_seterr_at(e, SOLR_ERR_VERIFY, "head", 0, "the "
	    "head's signature does not verify with %s", cert_path);
}

int
sat_check(const char *dir, const char *cert_path, struct sat_check *c,
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	unsigned char sig[128];
	char path[PATH_MAX], at[SOLR_SHA256_HEX];
	size_t sl, siglen;
	int r;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/head", dir);
	if ((r = solr_read_file(path, HEAD_MAX, &b, e)) != 0) {
		solr_buf_free(&b);
		return r == SOLR_ERR_IO ? solr_seterr_at(e, SOLR_ERR_VERIFY,
		    path, 0, "no signed head: nothing shows the trail is whole")
		    : r;
	}
	if (parse_head((const char *)b.p, b.len, &c->head, &sl, sig, &siglen)
	    != 0)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "not a signed "
		    "head (solr-sat(5))");
	else
		r = check_signature(dir, cert_path, (const char *)b.p, sl, sig,
		    siglen, c, e);
	solr_buf_free(&b);
	if (r != 0)
		return r;
	if ((r = sat_verify(dir, c->head.entries, &c->entries, at, NULL, e))
	    != 0)
		return r;
	if (c->entries < c->head.entries)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "sat.log", 0, "%" PRIu64
		    " entries, but the signed head covers %" PRIu64 ": entry %"
		    PRIu64 " and those after it were cut", c->entries,
		    c->head.entries, c->entries + 1);
	if (strcmp(at, c->head.hash) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "sat.log", 0, "entry %"
		    PRIu64 " hashes to %s, not to the signed head's %s: the "
		    "chain was rewritten", c->head.entries, at, c->head.hash);
	if (c->entries > c->head.entries)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "sat.log", 0, "entry %"
		    PRIu64 " and those after it (to %" PRIu64 ") are not "
		    "covered by the signed head", c->head.entries + 1,
		    c->entries);
	return 0;
}
