/* Devices: the inventory's word on a device at its use, what an import
 * reads from pki/device, and the world's private keys. */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509v3.h>

#include "base/guard.h"
#include "base/crypto.h"
#include "base/layout.h"
#include "world/device.h"
#include "base/util.h"

/* The EUI in a device certificate's hardwareModuleName. */
static int
device_eui(X509 *x, uint64_t *eui)
{
	GENERAL_NAMES *gns = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);
	ASN1_OBJECT *hmn = OBJ_txt2obj("1.3.6.1.5.5.7.8.4", 1);
	int i, found = 0;

	for (i = 0; gns && hmn && i < sk_GENERAL_NAME_num(gns) && !found;
	    i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, i);
		const unsigned char *p, *end;
		size_t k;

		if (gn->type != GEN_OTHERNAME ||
		    OBJ_cmp(gn->d.otherName->type_id, hmn) != 0 ||
		    gn->d.otherName->value->type != V_ASN1_SEQUENCE)
			continue;
		/* SEQUENCE { OID hwType, OCTET STRING hwSerialNum (8) } */
		p = gn->d.otherName->value->value.sequence->data;
		end = p + gn->d.otherName->value->value.sequence->length;
		if (end - p < 2 || p[0] != 0x30 || p[1] != end - p - 2)
			continue;
		p += 2;
		if (end - p < 2 || p[0] != 0x06 || p[1] > end - p - 2)
			continue;
		p += 2 + p[1];
		if (end - p != 10 || p[0] != 0x04 || p[1] != 8)
			continue;
		for (*eui = 0, k = 0; k < 8; k++)
			*eui = *eui << 8 | p[2 + k];
		found = 1;
	}
	GENERAL_NAMES_free(gns);
	ASN1_OBJECT_free(hmn);
	ERR_clear_error();
	return found ? 0 : -1;
}

/*
 * What is kept a run: the world's private keys (the ACB's, a recipient's
 * key-agreement key), decoded once while their file stays the same; the
 * public keys made lately from the inventory's points, by entry; and the
 * hashes by which the inventory names CAs and CRL issuers.
 */
/* a device certificate file: some 600 bytes; more is not one */
#define DEVICE_PEM_MAX (64 * 1024)

#define KEYCACHE 16
#define PUBCACHE 16

struct keycache_ent {
	char path[PATH_MAX];
	struct stat st;
	EVP_PKEY *k;		/* NULL: empty */
	struct solr_ka *ka;	/* k's key agreement, once asked for */
};

struct pubcache_ent {
	uint64_t eui, seq;
	enum inv_use use;
	EVP_PKEY *k;		/* NULL: empty */
};

struct solr_devcache {
	struct keycache_ent key[KEYCACHE];
	unsigned knext;
	struct pubcache_ent pub[PUBCACHE];
	unsigned pnext;
	unsigned char (*trust16)[16];	/* of each pki/trust certificate */
	unsigned char (*crl16)[16];	/* of each CRL's issuer name */
	int hashed;
	EVP_PKEY *p256;		/* P-256's parameters */
};

static void
devcache_free(struct solr_devcache *dc)
{
	size_t i;

	if (dc == NULL)
		return;
	for (i = 0; i < KEYCACHE; i++) {
		EVP_PKEY_free(dc->key[i].k);
		solr_ka_free(dc->key[i].ka);
	}
	for (i = 0; i < PUBCACHE; i++)
		EVP_PKEY_free(dc->pub[i].k);
	free(dc->trust16);
	free(dc->crl16);
	EVP_PKEY_free(dc->p256);
	free(dc);
}

static struct solr_devcache *
devcache_of(struct solr_world *w)
{
	if (w->devcache == NULL &&
	    (w->devcache = calloc(1, sizeof(*w->devcache))) != NULL)
		w->devcache_free = devcache_free;
	return w->devcache;
}

/* The first 16 bytes of SHA-256 of a DER encoding. */
static int
hash16_der(const unsigned char *der, int n, unsigned char out[16])
{
	unsigned char h[32];

	if (n <= 0 || solr_sha256(der, (size_t)n, h) != 0)
		return -1;
	memcpy(out, h, 16);
	return 0;
}

static int
hash16_cert(X509 *x, unsigned char out[16])
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der), r = hash16_der(der, n, out);

	OPENSSL_free(der);
	return r;
}

static int
hash16_name(const X509_NAME *name, unsigned char out[16])
{
	unsigned char *der = NULL;
	int n = i2d_X509_NAME(name, &der), r = hash16_der(der, n, out);

	OPENSSL_free(der);
	return r;
}

/* The hashes of pki/trust's certificates and of the CRLs' issuers, made
 * once a run (the world holds them unchanged while it is loaded). */
static int
devcache_hashes(struct solr_world *w, struct solr_devcache *dc)
{
	int i, nt = sk_X509_num(w->trust), nc = sk_X509_CRL_num(w->crls);

	if (dc->hashed)
		return 0;
	dc->trust16 = calloc(nt > 0 ? (size_t)nt : 1, 16);
	dc->crl16 = calloc(nc > 0 ? (size_t)nc : 1, 16);
	if (dc->trust16 == NULL || dc->crl16 == NULL)
		return -1;
	for (i = 0; i < nt; i++)
		if (hash16_cert(sk_X509_value(w->trust, i), dc->trust16[i]))
			return -1;
	for (i = 0; i < nc; i++)
		if (hash16_name(X509_CRL_get_issuer(sk_X509_CRL_value(w->crls,
		    i)), dc->crl16[i]))
			return -1;
	dc->hashed = 1;
	return 0;
}

/* Revoked at time at by a CRL of the imported certificate's issuer? */
static int
cert_revoked(struct solr_world *w, struct solr_devcache *dc,
    const struct inv_cert *c, int64_t at, int64_t *when)
{
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	int i, revoked = 0;

	if (serial == NULL || !ASN1_STRING_set(serial, c->serial,
	    (int)c->serial_len)) {
		ASN1_INTEGER_free(serial);
		return -1;
	}
	for (i = 0; i < sk_X509_CRL_num(w->crls) && !revoked; i++) {
		X509_CRL *crl = sk_X509_CRL_value(w->crls, i);
		X509_REVOKED *rev = NULL;

		if (memcmp(dc->crl16[i], c->issuer16, 16) != 0 ||
		    X509_CRL_get0_by_serial(crl, &rev, serial) != 1 ||
		    rev == NULL)
			continue;
		if (solr_asn1_time(X509_REVOKED_get0_revocationDate(rev),
		    when) != 0)
			*when = INT64_MIN;	/* unreadable: revoked */
		revoked = *when <= at;
	}
	ASN1_INTEGER_free(serial);
	return revoked;
}

/* The issuing CA an entry names, when pki/trust still holds it. */
static X509 *
trusted_ca(struct solr_world *w, struct solr_devcache *dc,
    const unsigned char ca16[16])
{
	int i;

	for (i = 0; i < sk_X509_num(w->trust); i++)
		if (memcmp(dc->trust16[i], ca16, 16) == 0)
			return sk_X509_value(w->trust, i);
	return NULL;
}

/* Is the imported certificate usable at time at?  Its dates, its
 * revocation, and its issuing CA's. */
static int
cert_usable(struct solr_world *w, const struct inv_entry *en,
    enum inv_use use, int64_t at, struct solr_err *e)
{
	const struct inv_cert *c = &en->cert[use];
	struct solr_devcache *dc = devcache_of(w);
	char t1[SOLR_TIME_STRLEN], t2[SOLR_TIME_STRLEN], d[SOLR_EUI_STRLEN];
	int64_t when = 0;
	X509 *ca = NULL;
	int rv;

	solr_eui_format(en->eui, d);
	solr_time_format(at, t2);
	if (dc == NULL || devcache_hashes(w, dc) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (at < c->not_before || at > c->not_after) {
		solr_time_format(at < c->not_before ? c->not_before :
		    c->not_after, t1);
		return solr_seterr(e, SOLR_ERR_VERIFY, "the %s certificate of "
		    "device %s is not valid %s %s (checked at %s)",
		    inv_use_name(use), d, at < c->not_before ? "before" :
		    "after", t1, t2);
	}
	if ((rv = cert_revoked(w, dc, c, at, &when)) != 0) {
		solr_time_format(when, t1);
		return rv < 0 ? solr_seterr(e, SOLR_ERR_NOMEM, "out of "
		    "memory") : solr_seterr(e, SOLR_ERR_VERIFY, "the %s "
		    "certificate of device %s was revoked at %s (checked at "
		    "%s)", inv_use_name(use), d, when == INT64_MIN ? "an "
		    "unreadable time" : t1, t2);
	}
	if (!en->chained)
		return 0;
	if ((ca = trusted_ca(w, dc, c->ca16)) == NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the %s certificate of "
		    "device %s: its issuing CA is no longer in pki/trust",
		    inv_use_name(use), d);
	if (at < en->chain_not_before || at > en->chain_not_after)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the %s certificate of "
		    "device %s: a CA certificate of its chain is not valid at "
		    "%s", inv_use_name(use), d, t2);
	if (world_revoked_at(w, ca, at, &when))
		return solr_seterr(e, SOLR_ERR_VERIFY, "the %s certificate of "
		    "device %s: its issuing CA is revoked", inv_use_name(use),
		    d);
	return 0;
}

/* The DER certificate of a PEM file's bytes, not parsed: for comparing,
 * when *have says they hold one.  0, or SOLR_ERR_NOMEM or
 * SOLR_ERR_INTERNAL, never "another file". */
static int
pem_der_sha256(const struct solr_buf *pem, const char *path,
    unsigned char out[32], int *have, struct solr_err *e)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len = 0;
	BIO *bio;
	int r = 0;

	*have = 0;
	ERR_clear_error();
	if (pem->len > INT_MAX || (bio = BIO_new_mem_buf(pem->p,
	    (int)pem->len)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory reading "
		    "%s", path);
	if (PEM_read_bio(bio, &name, &header, &data, &len) == 1 &&
	    strcmp(name, "CERTIFICATE") == 0) {
		*have = 1;
		r = solr_sha256(data, (size_t)len, out) == 0 ? 0 :
		    solr_seterr(e, SOLR_ERR_INTERNAL, "SHA-256 failed");
	} else if (solr_openssl_oom())
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory reading %s",
		    path);
	BIO_free(bio);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	ERR_clear_error();
	return r;
}

/* Is pki/device/<EUI>.<use>.pem still the certificate imported?  Its
 * certificate's SHA-256 must be the one imported: a file of the same
 * size with its time put back (touch -r) is not taken for it.  Opened
 * once, through the guard, and read in one read. */
static int
file_unchanged(struct solr_world *w, const struct inv_entry *en,
    enum inv_use use, struct solr_err *e)
{
	const struct inv_cert *c = &en->cert[use];
	char path[PATH_MAX], what[8], d[SOLR_EUI_STRLEN];
	struct solr_buf pem = { 0 };
	unsigned char sha[32];
	int r, have;

	snprintf(what, sizeof(what), "%s.pem", inv_use_name(use));
	world_device_path(path, sizeof(path), w->dir, en->eui, what);
	solr_eui_format(en->eui, d);
	if ((r = solr_read_guarded(path, DEVICE_PEM_MAX, &pem, e)) != 0) {
		solr_buf_free(&pem);
		if (r != SOLR_ERR_IO || errno != ENOENT)
			return r;
		return solr_seterr(e, SOLR_ERR_NOTFOUND, "device %s: "
		    "pki/device/%016llX.%s is gone since it was imported "
		    "(entry %llu): import the device again, or remove it", d,
		    (unsigned long long)en->eui, what,
		    (unsigned long long)en->seq);
	}
	/* by content: a size and a time are put back with touch -r */
	r = pem_der_sha256(&pem, path, sha, &have, e);
	solr_buf_free(&pem);
	if (r != 0)
		return r;
	if (have && memcmp(sha, c->sha256, 32) == 0)
		return 0;
	return solr_seterr(e, SOLR_ERR_NOTFOUND, "device %s: "
	    "pki/device/%016llX.%s has changed since it was imported (entry "
	    "%llu): it is refused until it is imported again", d,
	    (unsigned long long)en->eui, what, (unsigned long long)en->seq);
}

/* P-256's parameters, for keys made from points: made once. */
static EVP_PKEY *
p256_params(struct solr_devcache *dc)
{
	OSSL_PARAM p[] = {
		OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
		    "prime256v1", 0),
		OSSL_PARAM_END
	};
	EVP_PKEY_CTX *ctx;

	if (dc->p256 != NULL)
		return dc->p256;
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) != NULL &&
	    EVP_PKEY_fromdata_init(ctx) == 1 && EVP_PKEY_fromdata(ctx,
	    &dc->p256, EVP_PKEY_KEY_PARAMETERS, p) != 1)
		dc->p256 = NULL;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return dc->p256;
}

/* A P-256 public key from an uncompressed point (put on the curve as
 * it is decoded): the parameters copied, then the point set, a third of
 * what making the key from parameters costs. */
static EVP_PKEY *
key_of_point(struct solr_devcache *dc, const unsigned char point[65])
{
	EVP_PKEY *params = p256_params(dc), *k = EVP_PKEY_new();

	if (params == NULL || k == NULL ||
	    EVP_PKEY_copy_parameters(k, params) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(k, point, 65) != 1) {
		EVP_PKEY_free(k);
		k = NULL;
	}
	ERR_clear_error();
	return k;
}

/* The entry's key for use, made once while the entry is the latest. */
static EVP_PKEY *
entry_key(struct solr_world *w, const struct inv_entry *en,
    enum inv_use use)
{
	struct solr_devcache *dc = devcache_of(w);
	struct pubcache_ent *pe;
	EVP_PKEY *k;
	size_t i;

	for (i = 0; dc != NULL && i < PUBCACHE; i++) {
		pe = &dc->pub[i];
		if (pe->k != NULL && pe->eui == en->eui && pe->seq == en->seq &&
		    pe->use == use)
			return EVP_PKEY_up_ref(pe->k) ? pe->k : NULL;
	}
	if (dc == NULL || (k = key_of_point(dc, en->cert[use].point)) ==
	    NULL)
		return NULL;
	pe = &dc->pub[dc->pnext++ % PUBCACHE];
	EVP_PKEY_free(pe->k);
	pe->eui = en->eui;
	pe->seq = en->seq;
	pe->use = use;
	pe->k = EVP_PKEY_up_ref(k) ? k : NULL;
	return k;
}

int
world_entry_key(struct solr_world *w, const struct inv_entry *en,
    enum inv_use use, int64_t at, EVP_PKEY **out, struct solr_err *e)
{
	char d[SOLR_EUI_STRLEN];
	int r;

	*out = NULL;
	solr_eui_format(en->eui, d);
	if (!en->cert[use].present)
		return solr_seterr(e, SOLR_ERR_NOTFOUND, "device %s has no %s "
		    "certificate in the device inventory (entry %llu)", d,
		    use == INV_KA ? "key-agreement" : "digital-signature",
		    (unsigned long long)en->seq);
	if ((r = file_unchanged(w, en, use, e)) != 0 ||
	    (r = cert_usable(w, en, use, at, e)) != 0)
		return r;
	if ((*out = entry_key(w, en, use)) == NULL)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "device %s: the "
		    "inventory's %s point is not a P-256 key", d,
		    inv_use_name(use));
	return 0;
}

int
world_device_key(struct solr_world *w, uint64_t eui, enum inv_use use,
    int64_t at, EVP_PKEY **out, struct solr_err *e)
{
	struct inv_entry en;
	int r;

	*out = NULL;
	if ((r = inv_lookup(w, eui, &en, e)) != 0)
		return r;
	return world_entry_key(w, &en, use, at, out, e);
}

/* The certificate's public point, serial and issuer, into c. */
static int
cert_fields(X509 *x, struct inv_cert *c)
{
	const ASN1_INTEGER *sn = X509_get0_serialNumber(x);
	EVP_PKEY *k = X509_get0_pubkey(x);
	BIGNUM *bx = NULL, *by = NULL;
	unsigned char *der = NULL;
	int n, ok;

	ok = k != NULL && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X,
	    &bx) == 1 && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y,
	    &by) == 1 && BN_bn2binpad(bx, c->point + 1, 32) == 32 &&
	    BN_bn2binpad(by, c->point + 33, 32) == 32;
	c->point[0] = 0x04;
	BN_free(bx);
	BN_free(by);
	if (!ok || sn == NULL || ASN1_STRING_type(sn) != V_ASN1_INTEGER ||
	    ASN1_STRING_length(sn) < 1 || ASN1_STRING_length(sn) > 20)
		return -1;
	c->serial_len = (size_t)ASN1_STRING_length(sn);
	memcpy(c->serial, ASN1_STRING_get0_data(sn), c->serial_len);
	if ((n = i2d_X509(x, &der)) <= 0 || solr_sha256(der, (size_t)n,
	    c->sha256) != 0)
		ok = 0;
	OPENSSL_free(der);
	return ok && hash16_name(X509_get_issuer_name(x), c->issuer16) == 0 ?
	    0 : -1;
}

/* The chain of a certificate being imported: its issuing CA's hash, and
 * the dates every CA of its chain is valid within. */
static int
import_chain(struct solr_world *w, struct solr_cert *sc, struct inv_cert *c,
    struct inv_entry *en, const char *path, struct solr_err *e)
{
	int i;

	if (!w->policy.require_chain)
		return 0;
	if (world_check_chain(w, sc, e) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "%s",
		    sc->chain_err);
	for (i = 0; i < sk_X509_num(w->trust); i++) {
		X509 *ca = sk_X509_value(w->trust, i);

		if (X509_check_issued(ca, sc->x) == X509_V_OK)
			break;
	}
	if (i == sk_X509_num(w->trust) || hash16_cert(sk_X509_value(w->trust,
	    i), c->ca16) != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "its "
		    "issuing CA is not in pki/trust");
	en->chained = 1;
	if (sc->chain_not_before > en->chain_not_before)
		en->chain_not_before = sc->chain_not_before;
	if (sc->chain_not_after < en->chain_not_after)
		en->chain_not_after = sc->chain_not_after;
	return 0;
}

/* The certificate in path, read and checked for the device and use. */
static int
read_device_cert(const char *path, const char *hex, uint64_t eui,
    const char *use, struct stat *st, struct solr_cert **out,
    struct solr_err *e)
{
	uint64_t got = 0;
	FILE *f;
	X509 *x;
	int r;

	if ((f = solr_fopen_guarded(path, e)) == NULL)
		return errno == ENOENT ? solr_seterr(e, SOLR_ERR_VERIFY, "there "
		    "is no device certificate pki/device/%s.%s.pem", hex, use) :
		    e->code;
	if (fstat(fileno(f), st) != 0)
		memset(st, 0, sizeof(*st));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (x == NULL)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0,
		    "not a PEM certificate");
	if (device_eui(x, &got) != 0 || got != eui)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "certificate's hardwareModuleName is not the device %s", hex);
	else if (!(X509_get_key_usage(x) & (strcmp(use, "ka") == 0 ?
	    KU_KEY_AGREEMENT : KU_DIGITAL_SIGNATURE)))
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "certificate lacks the %s key usage", strcmp(use, "ka") ==
		    0 ? "keyAgreement" : "digitalSignature");
	else if ((r = solr_cert_from_x509(x, path, out, e)) == 0 &&
	    !(*out)->is_p256) {
		solr_cert_free(*out);
		*out = NULL;
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "certificate does not hold a P-256 key");
	}
	X509_free(x);
	return r;
}

/* One certificate file of a device being imported; none is no error. */
static int
import_cert(struct solr_world *w, struct inv_entry *en, enum inv_use use,
    struct solr_err *e)
{
	char path[PATH_MAX], hex[17], what[8];
	struct inv_cert *c = &en->cert[use];
	struct solr_cert *sc = NULL;
	struct stat st;
	int r;

	snprintf(hex, sizeof(hex), "%016llX", (unsigned long long)en->eui);
	snprintf(what, sizeof(what), "%s.pem", inv_use_name(use));
	world_device_path(path, sizeof(path), w->dir, en->eui, what);
	if (lstat(path, &st) != 0 && errno == ENOENT)
		return 0;
	if ((r = solr_guard(path, 0, e)) != 0 || (r = read_device_cert(path,
	    hex, en->eui, inv_use_name(use), &st, &sc, e)) != 0)
		return r;
	c->present = 1;
	c->size = (uint64_t)st.st_size;
	c->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	c->not_before = sc->not_before;
	c->not_after = sc->not_after;
	if (cert_fields(sc->x, c) != 0)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "its key, "
		    "serial (1 to 20 bytes, positive) or issuer cannot be "
		    "read");
	else
		r = import_chain(w, sc, c, en, path, e);
	solr_cert_free(sc);
	return r;
}

int
world_device_entry(struct solr_world *w, uint64_t eui, const char *type,
    int64_t at, struct inv_entry *out, struct solr_err *e)
{
	int r, u;

	memset(out, 0, sizeof(*out));
	if (!inv_type_ok(type))
		return solr_seterr(e, SOLR_ERR_CONFIG, "device type '%s': a "
		    "type is 1 to %d of A-Z and 0-9 (ESME, GSME, ...)", type,
		    INV_TYPE_MAX);
	out->eui = eui;
	out->op = INV_PUT;
	snprintf(out->type, sizeof(out->type), "%s", type);
	out->fuel = inv_fuel_of(type);
	out->imported_at = at;
	out->chain_not_before = INT64_MIN;
	out->chain_not_after = INT64_MAX;
	for (u = 0; u < INV_NUSES; u++)
		if ((r = import_cert(w, out, (enum inv_use)u, e)) != 0)
			return r;
	if (!out->chained)
		out->chain_not_before = out->chain_not_after = 0;
	return 0;
}

/* *out = the cache's entry for the private key in path, read again
 * unless its file is the same. */
static int
private_key(struct solr_world *w, const char *path,
    struct keycache_ent **out, struct solr_err *e)
{
	struct solr_devcache *dc = devcache_of(w);
	struct keycache_ent *ke = NULL;
	struct stat st;
	EVP_PKEY *k;
	size_t i;
	int r;

	*out = NULL;
	if (dc == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; i < KEYCACHE; i++)
		if (dc->key[i].k != NULL && strcmp(dc->key[i].path, path) == 0)
			ke = &dc->key[i];
	/* the file's identity, checked on every use: a key replaced is
	 * read again, never trusted past its change */
	if (ke != NULL && stat(path, &st) == 0 &&
	    solr_same_file(&st, &ke->st)) {
		*out = ke;
		return 0;
	}
	if (stat(path, &st) != 0)
		memset(&st, 0, sizeof(st));
	if ((r = solr_load_private_key(path, &k, e)) != 0)
		return r;
	if (ke == NULL)
		ke = &dc->key[dc->knext++ % KEYCACHE];
	EVP_PKEY_free(ke->k);
	solr_ka_free(ke->ka);
	snprintf(ke->path, sizeof(ke->path), "%s", path);
	ke->st = st;
	ke->k = k;
	ke->ka = NULL;
	*out = ke;
	return 0;
}

int
world_private_ka(struct solr_world *w, const char *path,
    struct solr_ka **out, struct solr_err *e)
{
	struct keycache_ent *ke;
	int r;

	*out = NULL;
	if ((r = private_key(w, path, &ke, e)) != 0)
		return r;
	if (ke->ka == NULL && (ke->ka = solr_ka_new(ke->k)) == NULL)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "not a "
		    "P-256 private key");
	*out = ke->ka;
	return 0;
}

int
world_device_type_file(struct solr_world *w, uint64_t eui, char *out,
    size_t cap, struct solr_err *e)
{
	struct solr_buf b = { 0 };
	char path[PATH_MAX];
	size_t n;
	int r;

	world_device_path(path, sizeof(path), w->dir, eui, "type");
	if ((r = solr_read_guarded(path, 64, &b, e)) != 0) {
		if (r == SOLR_ERR_IO && access(path, F_OK) != 0)
			r = solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0,
			    "missing: the inventory needs each device's type");
		solr_buf_free(&b);
		return r;
	}
	n = b.len;
	while (n > 0 && (b.p[n - 1] == '\n' || b.p[n - 1] == '\r' ||
	    b.p[n - 1] == ' '))
		n--;
	if (n == 0 || n >= cap || memchr(b.p, '\0', n) != NULL)
		r = solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "not a device "
		    "type (ESME, GSME, ...)");
	else {
		memcpy(out, b.p, n);
		out[n] = '\0';
	}
	solr_buf_free(&b);
	return r;
}
