/* ECDSA P-256 with raw r||s signatures, as XML-DSig and GBCS carry them. */
#ifndef SOLR_CRYPTO_H
#define SOLR_CRYPTO_H

#include <stddef.h>

#include <openssl/evp.h>

#include "base/err.h"

/* 0 when r||s verifies over msg (SHA-256); SOLR_ERR_VERIFY when it does
 * not or r or s is out of range; SOLR_ERR_INTERNAL when it cannot run. */
int solr_ecdsa_verify(EVP_PKEY *key, const unsigned char rs[64],
    const unsigned char *msg, size_t len, struct solr_err *e);
/* Signs msg (ECDSA P-256, SHA-256) and writes r||s. */
int solr_ecdsa_sign(EVP_PKEY *key, const unsigned char *msg, size_t len,
    unsigned char rs[64], struct solr_err *e);
/* Whether OpenSSL's error queue holds an allocation that failed; the
 * queue is emptied.  OpenSSL may answer "no" (a signature that does not
 * verify, a chain that does not hold) when it could not find out: this
 * tells the two apart. */
int solr_openssl_oom(void);
/* Reads a PEM private key, refusing a file that group or others can
 * read. */
int solr_load_private_key(const char *path, EVP_PKEY **key,
    struct solr_err *e);
/* 1 when 0 < r, s < n of P-256. */
int solr_ecdsa_rs_in_range(const unsigned char rs[64]);

/* A secret key file: exactly len bytes as 2*len hex digits, readable by
 * its owner only. */
int solr_load_secret_key(const char *path, unsigned char *key, size_t len,
    struct solr_err *e);

/* HMAC-SHA-256 under one key (the seal of the records). */
struct solr_sealer;
/* out = HMAC-SHA-256(key, label): a key for the one use label names. */
int solr_derive_key(const unsigned char *key, size_t len, const char *label,
    unsigned char out[32]);
/* out = HMAC-SHA-256(key, p): one MAC. */
int solr_hmac(const unsigned char key[32], const void *p, size_t n,
    unsigned char out[32]);
struct solr_sealer *solr_sealer_new(const unsigned char *key, size_t len);
int solr_sealer_mac(struct solr_sealer *s, const void *p, size_t n,
    unsigned char out[32]);
void solr_sealer_free(struct solr_sealer *s);

/* ECDH with one private key, its context set up once and used for each
 * peer in turn. */
struct solr_ka;
/* NULL when priv is no P-256 key, or out of memory. */
struct solr_ka *solr_ka_new(EVP_PKEY *priv);
/* z = the x-coordinate of priv * peer: 0, or -1.  The peer is a P-256
 * public key whose point decoding put on the curve. */
int solr_ka_derive(struct solr_ka *ka, EVP_PKEY *peer, unsigned char z[32]);
void solr_ka_free(struct solr_ka *ka);

#endif
