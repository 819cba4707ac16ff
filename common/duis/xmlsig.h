/* DUIS XML signatures: the strict profile of solr-verify-sig(1). */
#ifndef SOLR_XMLSIG_H
#define SOLR_XMLSIG_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "base/cert.h"
#include "base/err.h"
#include "world/world.h"
#include "base/xml.h"

#define SOLR_ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define SOLR_ALG_ECDSA_SHA256 \
	"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define SOLR_ALG_ENVELOPED \
	"http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define SOLR_ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"

/* Where canonical bytes go. Returns 0, or non-zero to stop. */
typedef int (*solr_sink)(void *ctx, const unsigned char *p, size_t n);

/* What the profile check found. */
struct xmlsig {
	xmlNodePtr sig;
	xmlNodePtr signed_info;
	unsigned char digest[32];
	unsigned char rs[64];
	char issuer[512];
	char serial[80];
};

/* Checks the document against the profile of spec/duis.md §4.5, steps
 * 1-6 (no cryptography): SOLR_ERR_VERIFY with the rule broken. */
int xmlsig_check_profile(xmlDocPtr doc, int response, struct xmlsig *s,
    struct solr_err *e);
/* The same, allowing one earlier signature right before the last (a
 * countersigned document); s describes the last one. */
int xmlsig_check_profile_cs(xmlDocPtr doc, struct xmlsig *s,
    struct solr_err *e);

/* Inclusive C14N 1.0 of the document without the Signature element (the
 * enveloped-signature transform), and exclusive C14N of SignedInfo. */
int xmlsig_c14n_content(xmlDocPtr doc, xmlNodePtr sig, solr_sink sink,
    void *ctx);
int xmlsig_c14n_signed_info(xmlDocPtr doc, xmlNodePtr si, solr_sink sink,
    void *ctx);

/*
 * The whole check: profile, certificate lookup by issuer and serial in
 * the world, certificate role (one of roles), key usage, P-256, validity
 * at at, revocation, chain, digest and signature.  *signer is the
 * certificate that verified.  SOLR_ERR_VERIFY with the reason on a
 * failed check.
 */
int xmlsig_verify(xmlDocPtr doc, int response, struct solr_world *w,
    int64_t at, const int *roles, size_t nroles, struct solr_cert **signer,
    struct xmlsig *s, struct solr_err *e);

/* Appends an enveloped ds:Signature in the profile as the last child of
 * the root, made with key; cert gives X509IssuerSerial. */
int xmlsig_sign(xmlDocPtr doc, EVP_PKEY *key, const struct solr_cert *cert,
    struct solr_err *e);

/* The document p (n bytes), already parsed into doc, with a second,
 * countersigning ds:Signature appended as the last child of its root,
 * into out: the bytes received are kept as they are and the signature
 * covers them all, the first signature included.  doc is signed in
 * place; the caller frees it. */
int xmlsig_countersign_doc(xmlDocPtr doc, const unsigned char *p, size_t n,
    EVP_PKEY *key, const struct solr_cert *cert, struct solr_buf *out,
    struct solr_err *e);

/* Checks a countersigned request (see solr-verify-sig --countersigned):
 * the countersignature with a role in cs_roles, then the first signature
 * with a role in roles.  *signer is the first signature's certificate,
 * *counter the countersigner's. */
int xmlsig_verify_countersigned(xmlDocPtr doc, struct solr_world *w,
    int64_t at, const int *cs_roles, size_t ncs, const int *roles,
    size_t nroles, struct solr_cert **counter, struct solr_cert **signer,
    struct solr_err *e);

#endif
