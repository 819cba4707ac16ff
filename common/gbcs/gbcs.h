/*
 * Layer gbcs: may use base, store, prepay, world.  GBCS messages: framing,
 * the SR 2.1 payloads, signatures, Command MACs and alerts.
 *
 * GBCS messages: the General-Signing framing, and the SR 2.1 payloads
 * (ECS08a, DLMS; GCS05, GBZ) decoded strictly.
 */
#ifndef SOLR_GBCS_H
#define SOLR_GBCS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/decision.h"
#include "base/err.h"
#include "prepay/prepay.h"
#include "world/device.h"
#include "world/world.h"

#define GBCS_MSG_ECS08A 0x00DE
#define GBCS_MSG_ECS08 0x001F
#define GBCS_MSG_GCS05 0x006F
#define GBCS_MSG_GCA 0x1000	/* generic critical alert */
#define GBCS_MSG_GNCA 0x1001	/* generic non-critical alert */
#define GBCS_MSG_FD_DLMS 0x00CC	/* future-dated execution alert, DLMS */
#define GBCS_MSG_FD_GBZ 0x00CD	/* future-dated execution alert, GBZ */
#define GBCS_MAX_LEN 65536	/* larger than any SR 2.1 message */

/* Every field decoded, with its offset, for a human-readable decode. */
struct gbcs_field {
	size_t offset, length;
	int depth;
	char name[64];
	char value[128];
};

struct gbcs_trace {
	struct gbcs_field *f;
	size_t n, cap;
};

void gbcs_trace_free(struct gbcs_trace *t);

struct gbcs_apdu {
	const unsigned char *buf;
	size_t len;
	size_t base;		/* offset of buf in the whole message (the APDU
				 * of a Command or a MACed alert) */
	int cra;
	uint64_t counter;
	uint64_t originator, recipient;
	size_t date_time_len;
	unsigned char date_time[12];
	uint16_t message_code;
	size_t other_len;
	size_t content_off, content_len;	/* the content, absolute */
	int has_signature;
	unsigned char signature[64];		/* r || s */
};

/*
 * Parses a General-Signing APDU (tag 0xDF) that must end exactly after a
 * 64-byte signature: only the minimal length forms, transaction-id 9 with
 * CRA flag cra, system titles 8, date-time 0 or 12, other-information at
 * least 2.  SOLR_ERR_VERIFY with the offset and the rule.
 */
int gbcs_parse_signing(const unsigned char *p, size_t n, int cra,
    struct gbcs_apdu *a, struct gbcs_trace *t, struct solr_err *e);

/* Decodes the content of an SR 2.1 pre-command (0x00DE or 0x006F) into pp.
 * Anything else, including the legacy 0x001F, is refused. */
int gbcs_sr21_content(const struct gbcs_apdu *a, struct prepay *pp,
    struct gbcs_trace *t, struct solr_err *e);

/* Verifies the signature over APDU[1 : content end] (raw r||s, P-256,
 * SHA-256) with key. */
int gbcs_verify_signature(const struct gbcs_apdu *a, EVP_PKEY *key,
    struct solr_err *e);

/* Verifies with the supplier-role (0x02) digital-signing certificates of
 * the originator in the world: their role, key usage, EUI and chain
 * count; their validity dates and revocation do not (the meters trust a
 * failed supplier's key after its certificates are revoked).  *signer is
 * the certificate that verified. */
int gbcs_verify_supplier(const struct gbcs_apdu *a, struct solr_world *w,
    struct solr_cert **signer, struct solr_err *e);

struct gbcs_alert {
	const unsigned char *buf;
	size_t len;
	struct gbcs_apdu apdu;	/* the General-Signing APDU inside */
	size_t apdu_off, apdu_len;
	const char *framing;	/* critical, non-critical, future-dated */
	const char *payload;	/* dlms, gbz */
	uint16_t alert_code;
	int64_t timestamp;
	int has_mac;
	unsigned char mac[12];
	int has_future;
	uint16_t future_code;
	uint64_t future_counter;
	char future_object[64];
};

/* A Command as the DCC sends it: the Signed Pre-Command's APDU (with the
 * supplier's signature) in General-Ciphering with the ACB's MAC. */
struct gbcs_command {
	const unsigned char *buf;
	size_t len;
	struct gbcs_apdu apdu;	/* the General-Signing APDU inside */
	size_t apdu_off, apdu_len;
	unsigned char mac[12];
};
int gbcs_parse_command(const unsigned char *p, size_t n,
    struct gbcs_command *c, struct gbcs_trace *t, struct solr_err *e);
/* Whether the Command is the one the ACB's key makes for this device
 * (ECDH with the device's key-agreement public key): byte for byte. */
int gbcs_command_mac(const struct gbcs_command *c, EVP_PKEY *acb,
    EVP_PKEY *device, struct solr_err *e);
/* What a message is, from its framing: a Signed Pre-Command (DF, CRA 1),
 * an alert (DF with CRA 3, or DD around CRA 3), or a Command (DD around
 * CRA 1). */
enum { GBCS_KIND_PRECOMMAND, GBCS_KIND_ALERT, GBCS_KIND_COMMAND };
int gbcs_message_kind(const unsigned char *p, size_t n);

/* Decodes a device alert strictly: a critical (0x1000) or future-dated
 * (0x00CC DLMS, 0x00CD GBZ) alert signed by the device with CRA 3, or a
 * non-critical one (0x1001) in General-Ciphering with a null signature
 * and a 12-byte MAC that ends the message. */
int gbcs_parse_alert(const unsigned char *p, size_t n, struct gbcs_alert *al,
    struct gbcs_trace *t, struct solr_err *e);
/* Checks a non-critical alert's MAC: ECDH(the recipient's key-agreement
 * private key, the device's key-agreement public key). */
int gbcs_alert_mac(const struct gbcs_alert *al, EVP_PKEY *recipient,
    EVP_PKEY *device, struct solr_err *e);

/*
 * The Command: the Signed Pre-Command a wrapped in General-Ciphering with
 * the Access Control Broker's 12-byte GMAC.  Z = ECDH(acb, device); the
 * key is SHA-256(00000001 || Z || OtherInfo)[0..15]; the IV is the
 * originator || 00000000; the AAD is 11 00 00 00 00 00 || APDU.
 */
int gbcs_command(const struct gbcs_apdu *a, EVP_PKEY *acb, EVP_PKEY *device,
    struct solr_buf *out, struct solr_err *e);

/* The device type a Signed Pre-Command's message code is for, or NULL. */
const char *gbcs_device_type_of(uint16_t message_code);

/*
 * The Signed Pre-Command of an SR 2.1 request: the base64 text of its
 * sr:GBCSPayload decoded into buf (GBCS_MAX_LEN bytes; a->buf points
 * there), framed strictly, held to the DUIS header (Business Originator
 * bo, Target bt, counter) and verified with a supplier key of the
 * originator.  d passes, or rejects: E020101 for the framing, the message
 * code, the values, the recipient or the counter; E65 for the originator
 * or the signature.  Returns 0, or the error of a signature check that
 * could not run (d rejects then too).
 */
int gbcs_precommand_decide(struct solr_world *w, const char *payload,
    size_t plen, uint64_t bo, uint64_t bt, uint64_t counter,
    unsigned char *buf, struct gbcs_apdu *a, struct prepay *pp,
    struct solr_cert **signer, struct decision *d, struct solr_err *e);

/* A device alert's authenticity at time at: the device's signature, or
 * the MAC when the world holds the recipient's key-agreement key
 * (keys/<EUI>.ka.key); check says which was verified. */
int gbcs_alert_verify(struct solr_world *w, const struct gbcs_alert *al,
    int64_t at, char *check, size_t cap, struct solr_err *e);

#endif
