#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include "base/guard.h"
#include "base/crypto.h"
#include "base/util.h"

/* the order n of P-256 */
static const unsigned char p256_n[32] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84,
	0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static int
scalar_ok(const unsigned char *v)
{
	static const unsigned char zero[32];

	return memcmp(v, zero, 32) != 0 && memcmp(v, p256_n, 32) < 0;
}

int
solr_ecdsa_rs_in_range(const unsigned char rs[64])
{
	return scalar_ok(rs) && scalar_ok(rs + 32);
}

/* OpenSSL's allocations through ours, so that one that failed is
 * counted (solr_oom_count): OpenSSL 3 does not always say so. */
static void *
ossl_malloc(size_t n, const char *file, int line)
{
	void *p = malloc(n);

	(void)file;
	(void)line;
	if (p == NULL && n != 0)
		solr_oom_note();
	return p;
}

static void *
ossl_realloc(void *p, size_t n, const char *file, int line)
{
	void *q = realloc(p, n);

	(void)file;
	(void)line;
	if (q == NULL && n != 0)
		solr_oom_note();
	return q;
}

static void
ossl_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

__attribute__((constructor)) static void
ossl_allocator(void)
{
	(void)CRYPTO_set_mem_functions(ossl_malloc, ossl_realloc, ossl_free);
}

int
solr_openssl_oom(void)
{
	unsigned long err;
	int oom = 0;

	while ((err = ERR_get_error()) != 0)
		oom |= ERR_GET_REASON(err) == ERR_R_MALLOC_FAILURE;
	return oom;
}

int
solr_ecdsa_verify(EVP_PKEY *key, const unsigned char rs[64],
    const unsigned char *msg, size_t len, struct solr_err *e)
{
	ECDSA_SIG *sig = NULL;
	BIGNUM *r = NULL, *s = NULL;
	unsigned char *der = NULL, h[32];
	EVP_PKEY_CTX *pc = NULL;
	int derlen, ok, ret = SOLR_ERR_INTERNAL;

	if (!solr_ecdsa_rs_in_range(rs))
		return solr_seterr(e, SOLR_ERR_VERIFY, "the signature's r and "
		    "s must each be between 1 and n-1 of P-256");
	/* the digest is given as it is: only an EC key may judge it (an
	 * RSA key would take it for a whole signed block) */
	if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the key is not an EC "
		    "key");
	/* OpenSSL verifies DER; the wire form is r||s */
	if ((sig = ECDSA_SIG_new()) == NULL ||
	    (r = BN_bin2bn(rs, 32, NULL)) == NULL ||
	    (s = BN_bin2bn(rs + 32, 32, NULL)) == NULL ||
	    !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		goto out;
	}
	/* the digest made here and the key's context alone: OpenSSL's
	 * digest-and-verify sets up a digest context each time, a third
	 * of the cost of the verification */
	if ((derlen = i2d_ECDSA_SIG(sig, &der)) <= 0 ||
	    solr_sha256(msg, len, h) != 0 ||
	    (pc = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_verify_init(pc) != 1)
		goto out;
	ok = EVP_PKEY_verify(pc, der, (size_t)derlen, h, sizeof(h));
	/* a verification that could not run (OpenSSL out of memory says so
	 * in its error queue, even when it answers 0) is no verdict on the
	 * signature */
	ret = ok == 1 ? 0 : ok < 0 || solr_openssl_oom() ? SOLR_ERR_INTERNAL :
	    SOLR_ERR_VERIFY;
	if (ret == SOLR_ERR_VERIFY)
		solr_seterr(e, ret, "the signature does not verify");
out:
	if (ret == SOLR_ERR_INTERNAL)
		solr_seterr(e, ret, "ECDSA verification could not run");
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	OPENSSL_free(der);
	ECDSA_SIG_free(sig);
	return ret;
}

int
solr_ecdsa_sign(EVP_PKEY *key, const unsigned char *msg, size_t len,
    unsigned char rs[64], struct solr_err *e)
{
	EVP_PKEY_CTX *pc = NULL;
	unsigned char der[80], h[32];
	const unsigned char *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *sig = NULL;
	const BIGNUM *r, *s;
	int ret = SOLR_ERR_INTERNAL;

	/* as solr_ecdsa_verify: the digest here, the key's context alone */
	if (solr_sha256(msg, len, h) != 0 ||
	    (pc = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(pc) != 1 ||
	    EVP_PKEY_sign(pc, der, &dlen, h, sizeof(h)) != 1 ||
	    (sig = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) == NULL)
		goto out;
	ECDSA_SIG_get0(sig, &r, &s);
	if (BN_bn2binpad(r, rs, 32) != 32 || BN_bn2binpad(s, rs + 32, 32) != 32)
		goto out;
	ret = 0;
out:
	if (ret)
		solr_seterr(e, ret, "ECDSA signing failed");
	ERR_clear_error();
	ECDSA_SIG_free(sig);
	EVP_PKEY_CTX_free(pc);
	return ret;
}

/* An encrypted key is refused, never prompted for. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/* A key file, opened only when its owner alone can access it (as ssh's
 * StrictModes); what names the kind of key in the message. */
static FILE *
open_key(const char *path, const char *what, struct solr_err *e)
{
	struct stat st;
	FILE *f;

	if ((f = solr_fopen_guarded(path, e)) == NULL) {
		e->code = SOLR_ERR_CONFIG;
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
		fclose(f);
		solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "permissions %04o are "
		    "too open: a %s must not be accessible by group or others; "
		    "this key is not used (chmod 600)",
		    (unsigned)(st.st_mode & 07777), what);
		return NULL;
	}
	return f;
}

int
solr_load_private_key(const char *path, EVP_PKEY **key, struct solr_err *e)
{
	FILE *f;

	*key = NULL;
	if ((f = open_key(path, "private key", e)) == NULL)
		return SOLR_ERR_CONFIG;
	*key = PEM_read_PrivateKey(f, NULL, no_passphrase, NULL);
	fclose(f);
	if (*key == NULL) {
		/* OpenSSL's reasons may quote the input: none is passed on */
		ERR_clear_error();
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "not an "
		    "unencrypted PEM private key");
	}
	return 0;
}

int
solr_load_secret_key(const char *path, unsigned char *key, size_t len,
    struct solr_err *e)
{
	char text[160];
	size_t n, got;
	FILE *f;

	if ((f = open_key(path, "secret key", e)) == NULL)
		return SOLR_ERR_CONFIG;
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	if (n != 2 * len || solr_unhex(text, n, key, len, &got) != 0 ||
	    got != len)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "must hold "
		    "%zu random bytes as %zu hex digits (openssl rand -hex %zu)",
		    len, 2 * len, len);
	return 0;
}

int
solr_hmac(const unsigned char key[32], const void *p, size_t n,
    unsigned char out[32])
{
	size_t olen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32, p, n, out,
	    32, &olen) == NULL || olen != 32) {
		ERR_clear_error();
		return SOLR_ERR_INTERNAL;
	}
	return 0;
}

int
solr_derive_key(const unsigned char *key, size_t len, const char *label,
    unsigned char out[32])
{
	size_t olen = 0;

	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, len,
	    (const unsigned char *)label,
	    strlen(label), out, 32, &olen) == NULL || olen != 32) {
		ERR_clear_error();
		return SOLR_ERR_INTERNAL;
	}
	return 0;
}

struct solr_sealer {
	EVP_MAC *mac;
	EVP_MAC_CTX *base;	/* keyed once, started again for each seal */
};

struct solr_sealer *
solr_sealer_new(const unsigned char *key, size_t len)
{
	struct solr_sealer *s = calloc(1, sizeof(*s));
	OSSL_PARAM params[2];

	if (s == NULL)
		return NULL;
	params[0] = OSSL_PARAM_construct_utf8_string("digest", "SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((s->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (s->base = EVP_MAC_CTX_new(s->mac)) == NULL ||
	    EVP_MAC_init(s->base, key, len, params) != 1) {
		ERR_clear_error();
		solr_sealer_free(s);
		return NULL;
	}
	return s;
}

int
solr_sealer_mac(struct solr_sealer *s, const void *p, size_t n,
    unsigned char out[32])
{
	size_t olen = 0;
	int ok;

	/* a NULL key starts again with the key already set */
	ok = EVP_MAC_init(s->base, NULL, 0, NULL) == 1 &&
	    EVP_MAC_update(s->base, p, n) == 1 &&
	    EVP_MAC_final(s->base, out, &olen, 32) == 1 && olen == 32;
	if (!ok)
		ERR_clear_error();
	return ok ? 0 : SOLR_ERR_INTERNAL;
}

void
solr_sealer_free(struct solr_sealer *s)
{
	if (s == NULL)
		return;
	EVP_MAC_CTX_free(s->base);
	EVP_MAC_free(s->mac);
	free(s);
}

struct solr_ka {
	EVP_PKEY_CTX *dc;
};

struct solr_ka *
solr_ka_new(EVP_PKEY *priv)
{
	struct solr_ka *ka;
	char group[32];

	/* the peers are P-256: a key of another curve or kind agrees
	 * nothing with them, and is refused here, once */
	if (!EVP_PKEY_is_a(priv, "EC") || EVP_PKEY_get_group_name(priv, group,
	    sizeof(group), NULL) != 1 || strcmp(group, "prime256v1") != 0) {
		ERR_clear_error();
		return NULL;
	}
	if ((ka = calloc(1, sizeof(*ka))) == NULL)
		return NULL;
	if ((ka->dc = EVP_PKEY_CTX_new(priv, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ka->dc) != 1) {
		ERR_clear_error();
		solr_ka_free(ka);
		return NULL;
	}
	return ka;
}

int
solr_ka_derive(struct solr_ka *ka, EVP_PKEY *peer, unsigned char z[32])
{
	size_t zlen = 32;

	/* the full public-key check of the peer (a scalar multiplication
	 * by the order) would only repeat what decoding did: the point is
	 * on the curve, and P-256's cofactor is 1; it is skipped */
	if (EVP_PKEY_derive_set_peer_ex(ka->dc, peer, 0) != 1 ||
	    EVP_PKEY_derive(ka->dc, z, &zlen) != 1 || zlen != 32) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

void
solr_ka_free(struct solr_ka *ka)
{
	if (ka == NULL)
		return;
	EVP_PKEY_CTX_free(ka->dc);
	free(ka);
}
