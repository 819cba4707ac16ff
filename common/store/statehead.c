#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "base/crypto.h"
#include "base/util.h"
#include "store/statehead.h"

#define HEAD_MAX 512

static int
head_text(const unsigned char key[32], const char *name,
    const struct state_head *h, char *out, size_t cap)
{
	unsigned char mac[32];
	char d[65], t[65], m[65];
	int len;

	solr_hex(h->digest, 32, d);
	solr_hex(h->tail, 32, t);
	len = snprintf(out, cap, "solr-state-head 1\npiece: %s\nsize: %llu\n"
	    "digest: %s\ntail: %s\n", name, (unsigned long long)h->size, d, t);
	if (len < 0 || (size_t)len >= cap || solr_hmac(key, out, (size_t)len,
	    mac) != 0)
		return -1;
	solr_hex(mac, 32, m);
	return snprintf(out + len, cap - (size_t)len, "mac: %s\n", m) ==
	    5 + 64 + 1 ? 0 : -1;
}

int
state_head_read(const unsigned char key[32], const char *path,
    const char *name, struct state_head *h, struct solr_err *e)
{
	char want[HEAD_MAX], d[65], t[65];
	unsigned long long size;
	struct solr_buf b = { 0 };
	size_t l1 = 0, l2 = 0;
	int r;

	if ((r = solr_read_guarded(path, HEAD_MAX, &b, e)) != 0) {
		solr_buf_free(&b);
		return errno == ENOENT && r == SOLR_ERR_IO ? 0 : r;
	}
	r = solr_buf_addc(&b, '\0') != 0 || sscanf((const char *)b.p,
	    "solr-state-head 1\npiece: %*s\nsize: %llu\ndigest: %64[0-9a-f]\n"
	    "tail: %64[0-9a-f]\n", &size, d, t) != 3 || solr_unhex(d, 64,
	    h->digest, 32, &l1) != 0 || solr_unhex(t, 64, h->tail, 32, &l2) !=
	    0 || l1 != 32 || l2 != 32;
	h->size = size;
	r = r || head_text(key, name, h, want, sizeof(want)) != 0 ||
	    strlen(want) != b.len - 1 || CRYPTO_memcmp(want, b.p, b.len - 1)
	    != 0;
	solr_buf_free(&b);
	if (r)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "not this "
		    "world's record of %s (its MAC does not hold); refused "
		    "(solr-world(5), SECURITY)", name);
	return 1;
}

int
state_head_write(const unsigned char key[32], const char *path,
    const char *name, const struct state_head *h, struct solr_err *e)
{
	char text[HEAD_MAX];

	if (head_text(key, name, h, text, sizeof(text)) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	return solr_write_atomic(path, text, strlen(text), 1, e);
}

int
state_digest_item(const unsigned char key[32], uint64_t where,
    const void *p, size_t n, unsigned char digest[32])
{
	unsigned char m[8 + 8 + 32], mac[32];
	size_t i;

	/* its place, its length and its bytes' hash: a line never stands
	 * for another at another offset */
	solr_put_le64(m, where);
	solr_put_le64(m + 8, n);
	if (solr_sha256(p, n, m + 16) != 0 || solr_hmac(key, m, sizeof(m),
	    mac) != 0)
		return -1;
	for (i = 0; i < 32; i++)
		digest[i] ^= mac[i];
	return 0;
}
