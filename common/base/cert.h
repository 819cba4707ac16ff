/* SMKI certificates: the fields the checks need, read once at load. */
#ifndef SOLR_CERT_H
#define SOLR_CERT_H

#include <stdint.h>

#include <openssl/x509.h>

#include "base/err.h"

/* Remote Party roles (subject OU, two hex digits) */
#define SOLR_ROLE_SUPPLIER	0x02
#define SOLR_ROLE_ACB		0x04
#define SOLR_ROLE_XMLSIGN	0x87
#define SOLR_ROLE_DSPXMLSIGN	0x89

struct solr_cert {
	X509 *x;
	char *file;
	uint64_t eui;
	int has_eui;
	int role;		/* 0..255, or -1 when the OU is not two hex digits */
	char ou[32];		/* the OU as written, for messages */
	uint32_t key_usage;	/* X509_get_key_usage() bits */
	int is_p256;
	int64_t not_before, not_after;
	char serial[80];	/* decimal */
	char issuer[256];	/* RFC 2253 */
	/* chain verification, done once (time is checked per use) */
	int chain_state;	/* 0 not yet, 1 good, -1 bad */
	char chain_err[256];
	int64_t chain_not_before, chain_not_after;
	STACK_OF(X509) *chain_cas;	/* CAs between it and the trust anchor */
};

/* Reads the organisation-certificate fields of x (takes a reference). */
int solr_cert_from_x509(X509 *x, const char *file, struct solr_cert **out,
    struct solr_err *e);
void solr_cert_free(struct solr_cert *c);

/* Parses an RFC 2253/4514 distinguished name string ("CN=Z1,OU=07") into
 * an X509_NAME, so that names compare as names and not as bytes. */
X509_NAME *solr_name_parse(const char *s, struct solr_err *e);
int solr_asn1_time(const ASN1_TIME *t, int64_t *out);
void solr_name_format(const X509_NAME *n, char *out, size_t cap);

#endif
