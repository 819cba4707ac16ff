/*
 * bench-floor WORLD SPC.xml XML.xml: the cost, on this machine and with
 * the same libraries, of the work no implementation can avoid, per
 * operation and per request of the benchmark's mix.  Prints TSV:
 * name, microseconds of CPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/crypto.h"
#include "base/util.h"
#include "world/schema.h"
#include "duis/xmlsig.h"

#define ROUNDS 2000

static double
cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static unsigned char *
slurp(const char *path, size_t *n)
{
	struct solr_buf b = { 0 };
	struct solr_err e;

	if (solr_read_file(path, 1 << 22, &b, &e) != 0) {
		fprintf(stderr, "bench-floor: %s\n", e.msg);
		exit(2);
	}
	*n = b.len;
	return b.p;
}

static EVP_PKEY *
pem_key(const char *path, int priv)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *k = NULL;
	X509 *x;

	if (f && priv)
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	else if (f && (x = PEM_read_X509(f, NULL, NULL, NULL))) {
		k = X509_get_pubkey(x);
		X509_free(x);
	}
	if (f)
		fclose(f);
	if (k == NULL) {
		fprintf(stderr, "bench-floor: %s\n", path);
		exit(2);
	}
	return k;
}

static xmlDocPtr
parse(const unsigned char *p, size_t n)
{
	return xmlReadMemory((const char *)p, (int)n, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

static int
discard(void *ctx, const unsigned char *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

/* The DUIS schema: its parse, once a run, and one validation of each
 * kind of request (what solr-verify-sig adds at the door). */
static void
schema_cost(const char *world, const unsigned char *spc, size_t sn,
    const unsigned char *xml, size_t xn)
{
	struct duis_schemas ss;
	struct solr_err e;
	xmlDocPtr a, b;
	double t0, parse_ms, v_us;
	size_t i;

	a = parse(spc, sn);
	b = parse(xml, xn);
	duis_schemas_init(&ss, world);
	t0 = cpu();
	if (duis_schema_validate(&ss, a, &e) != 0) {
		fprintf(stderr, "bench-floor: %s\n", e.msg);
		exit(2);
	}
	parse_ms = (cpu() - t0) / 1000;
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++)
		if (duis_schema_validate(&ss, i % 2 ? a : b, &e) != 0) {
			fprintf(stderr, "bench-floor: %s\n", e.msg);
			exit(2);
		}
	v_us = (cpu() - t0) / ROUNDS;
	printf("schema-parse-ms\t%.1f\n", parse_ms);
	printf("schema-validate\t%.1f\n", v_us);
	duis_schemas_free(&ss);
	xmlFreeDoc(a);
	xmlFreeDoc(b);
}

int
main(int argc, char *argv[])
{
	char path[4096];
	unsigned char *spc, *xml, md[32], der[80], z[32];
	size_t sn, xn, dl, zl, i;
	double t0, parse_us, incl_us, exc_us, sha_us, ver_us, sign_us, ecdh_us;
	double ka_us;
	struct solr_ka *ka;
	EVP_PKEY *pub, *priv, *acb, *dev;
	EVP_PKEY_CTX *dc;
	xmlDocPtr doc;
	struct xmlsig s;
	struct solr_err e;
	double s2, s2r, s1, cs2, cs2r, cs1, floor, cfloor;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-floor WORLD SPC.xml XML.xml\n");
		return 2;
	}
	xmlInitParser();
	spc = slurp(argv[2], &sn);
	xml = slurp(argv[3], &xn);
	snprintf(path, sizeof(path), "%s/keys/dcc.xmlsign.key", argv[1]);
	priv = pem_key(path, 1);
	pub = priv;	/* verify what was signed: a failure would be cheap */
	snprintf(path, sizeof(path), "%s/keys/acb.ka.key", argv[1]);
	acb = pem_key(path, 1);
	snprintf(path, sizeof(path), "%s/pki/device/00DB1234567890A0.ka.pem",
	    argv[1]);
	dev = pem_key(path, 0);

	/* one parse of the request */
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++)
		xmlFreeDoc(parse(spc, sn));
	parse_us = (cpu() - t0) / ROUNDS;
	/* the canonicalisations the algorithms require */
	doc = parse(spc, sn);
	if (xmlsig_check_profile(doc, 0, &s, &e) != 0) {
		fprintf(stderr, "bench-floor: %s\n", e.msg);
		return 2;
	}
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++)
		xmlsig_c14n_content(doc, s.sig, discard, NULL);
	incl_us = (cpu() - t0) / ROUNDS;
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++)
		xmlsig_c14n_signed_info(doc, s.signed_info, discard, NULL);
	exc_us = (cpu() - t0) / ROUNDS;
	xmlFreeDoc(doc);
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++)
		solr_sha256(spc, sn, md);
	sha_us = (cpu() - t0) / ROUNDS;
	/* the cryptography, each the fastest way the library offers: the
	 * SHA-256 of what is signed (above, counted once) and the key's
	 * context, made for each operation since each request brings
	 * another key; the key agreement's context once, for the ACB's
	 * one key */
	dc = EVP_PKEY_CTX_new(priv, NULL);
	EVP_PKEY_sign_init(dc);
	dl = sizeof(der);
	EVP_PKEY_sign(dc, der, &dl, md, 32);
	EVP_PKEY_CTX_free(dc);
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++) {
		size_t l = sizeof(der);

		dc = EVP_PKEY_CTX_new(priv, NULL);
		EVP_PKEY_sign_init(dc);
		EVP_PKEY_sign(dc, der, &l, md, 32);
		EVP_PKEY_CTX_free(dc);
	}
	sign_us = (cpu() - t0) / ROUNDS;
	dl = sizeof(der);	/* the loop overwrote der: sign once more */
	dc = EVP_PKEY_CTX_new(priv, NULL);
	EVP_PKEY_sign_init(dc);
	EVP_PKEY_sign(dc, der, &dl, md, 32);
	EVP_PKEY_CTX_free(dc);
	dc = EVP_PKEY_CTX_new(pub, NULL);
	EVP_PKEY_verify_init(dc);
	if (EVP_PKEY_verify(dc, der, dl, md, 32) != 1) {
		fprintf(stderr, "bench-floor: the signature does not verify\n");
		return 2;
	}
	EVP_PKEY_CTX_free(dc);
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++) {
		dc = EVP_PKEY_CTX_new(pub, NULL);
		EVP_PKEY_verify_init(dc);
		EVP_PKEY_verify(dc, der, dl, md, 32);
		EVP_PKEY_CTX_free(dc);
	}
	ver_us = (cpu() - t0) / ROUNDS;
	dc = EVP_PKEY_CTX_new(acb, NULL);
	EVP_PKEY_derive_init(dc);
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++) {
		/* as countersign does: the device's point was checked on
		 * the curve when its certificate was decoded */
		EVP_PKEY_derive_set_peer_ex(dc, dev, 0);
		zl = sizeof(z);
		EVP_PKEY_derive(dc, z, &zl);
	}
	ecdh_us = (cpu() - t0) / ROUNDS;
	EVP_PKEY_CTX_free(dc);
	/* the same as countersign makes it, through solr_ka */
	if ((ka = solr_ka_new(acb)) == NULL) {
		fprintf(stderr, "bench-floor: the ACB key agrees no keys\n");
		return 2;
	}
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++)
		solr_ka_derive(ka, dev, z);
	ka_us = (cpu() - t0) / ROUNDS;
	solr_ka_free(ka);
	/* per request of the mix: 6 SMETS2+ accepted, 1 SMETS2+ rejected
	 * for its values (no Command), 3 SMETS1 countersigned */
	s2 = parse_us + incl_us + exc_us + sha_us + 2 * ver_us + ecdh_us +
	    sign_us;
	cs2 = 2 * ver_us + ecdh_us + sign_us;
	s2r = parse_us + incl_us + exc_us + sha_us + 2 * ver_us + sign_us;
	cs2r = 2 * ver_us + sign_us;
	doc = parse(xml, xn);
	xmlsig_check_profile(doc, 0, &s, &e);
	t0 = cpu();
	for (i = 0; i < ROUNDS; i++)
		xmlsig_c14n_content(doc, s.sig, discard, NULL);
	s1 = (cpu() - t0) / ROUNDS;
	xmlFreeDoc(doc);
	/* the XML request: parse, both canonicalisations of its own
	 * signature, the countersignature's document C14N, SHA-256, one
	 * verification, two signatures */
	s1 = parse_us + 2 * s1 + exc_us * 2 + sha_us + ver_us + 2 * sign_us;
	cs1 = ver_us + 2 * sign_us;
	floor = (6 * s2 + s2r + 3 * s1) / 10;
	cfloor = (6 * cs2 + cs2r + 3 * cs1) / 10;
	schema_cost(argv[1], spc, sn, xml, xn);
	printf("xml-parse\t%.1f\n", parse_us);
	printf("c14n-document\t%.1f\n", incl_us);
	printf("exc-c14n-signedinfo\t%.1f\n", exc_us);
	printf("sha256-request\t%.1f\n", sha_us);
	printf("ecdsa-verify\t%.1f\n", ver_us);
	printf("ecdsa-sign\t%.1f\n", sign_us);
	printf("ecdh\t%.1f\n", ecdh_us);
	printf("ecdh-countersign\t%.1f\n", ka_us);
	printf("floor-smets1\t%.1f\n", s1);
	printf("floor-per-request\t%.1f\n", floor);
	printf("crypto-floor-per-request\t%.1f\n", cfloor);
	return 0;
}
