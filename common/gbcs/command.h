/* The cryptography of GBCS messages: the supplier's signature, and the
 * Command's and an alert's MAC (ECDH, the GBCS KDF, GMAC). */
#ifndef SOLR_GBCS_COMMAND_H
#define SOLR_GBCS_COMMAND_H

#include <openssl/evp.h>

#include "base/crypto.h"
#include "base/err.h"
#include "base/util.h"
#include "gbcs/apdu.h"

/* Verifies the signature over APDU[1 : content end] (raw r||s, P-256,
 * SHA-256) with key. */
int gbcs_verify_signature(const struct gbcs_apdu *a, EVP_PKEY *key,
    struct solr_err *e);

/*
 * The Command: the Signed Pre-Command a wrapped in General-Ciphering with
 * the Access Control Broker's 12-byte GMAC.  Z = ECDH(acb, device), acb
 * being the ACB's key-agreement private key (solr_ka_new); the
 * key is SHA-256(00000001 || Z || OtherInfo)[0..15]; the IV is the
 * originator || 00000000; the AAD is 11 00 00 00 00 00 || APDU.
 */
int gbcs_command(const struct gbcs_apdu *a, struct solr_ka *acb,
    EVP_PKEY *device, struct solr_buf *out, struct solr_err *e);

/* Whether the Command is the one the ACB's key makes for this device
 * (ECDH with the device's key-agreement public key): byte for byte. */
int gbcs_command_mac(const struct gbcs_command *c, struct solr_ka *acb,
    EVP_PKEY *device, struct solr_err *e);
/* Checks a non-critical alert's MAC: ECDH(the recipient's key-agreement
 * private key, the device's key-agreement public key). */
int gbcs_alert_mac(const struct gbcs_alert *al, struct solr_ka *recipient,
    EVP_PKEY *device, struct solr_err *e);

#endif
