/*
 * A meter's key-agreement certificate of a device CA, made with OpenSSL
 * alone, for the rehearsal batch (mk-batch.c) and the benchmark
 * (tests/bench/bench-gen.c): its EUI-64 in a hardwareModuleName,
 * keyUsage keyAgreement (critical), a new P-256 key, written as PEM to
 * path.  0, or -1.
 */
#ifndef SOLR_DEVICE_CERT_H
#define SOLR_DEVICE_CERT_H

#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

static int
device_cert_write(const char *path, unsigned long long eui, X509 *ca,
    EVP_PKEY *cakey)
{
	unsigned char san[43] = { 0x30, 0x29, 0xA0, 0x27, 0x06, 0x08, 0x2B,
	    0x06, 0x01, 0x05, 0x05, 0x07, 0x08, 0x04, 0xA0, 0x1B, 0x30, 0x19,
	    0x06, 0x0D, 0x2A, 0x86, 0x3A, 0x00, 0x01, 0x84, 0x8F, 0xB9, 0x0F,
	    0x01, 0x02, 0x02, 0x01, 0x04, 0x08 };
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_EXTENSION *ext;
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	FILE *f;
	int i, r = -1;

	for (i = 7; i >= 0; i--)
		san[35 + i] = (unsigned char)(eui >> (8 * (7 - i)));
	if (k == NULL || x == NULL || os == NULL)
		goto out;
	X509_set_version(x, 2);
	ASN1_INTEGER_set_uint64(X509_get_serialNumber(x),
	    0x4000000000000000ULL | eui);
	X509_set_issuer_name(x, X509_get_subject_name(ca));
	ASN1_TIME_set_string(X509_getm_notBefore(x), "20160406000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), "99991231235959Z");
	X509_set_pubkey(x, k);
	ext = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage,
	    "critical,keyAgreement");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_set(os, san, sizeof(san));
	ext = X509_EXTENSION_create_by_NID(NULL, NID_subject_alt_name, 1, os);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (X509_sign(x, cakey, EVP_sha256()) && (f = fopen(path, "w")) !=
	    NULL) {
		r = PEM_write_X509(f, x) ? 0 : -1;
		if (fclose(f) != 0)
			r = -1;
	}
out:
	ASN1_OCTET_STRING_free(os);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

#endif
