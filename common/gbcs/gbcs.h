/*
 * Layer gbcs: may use base, store, prepay, world.  GBCS messages: framing,
 * the SR 2.1 payloads, signatures, Command MACs and alerts.
 *
 * The layer's modules, each over the one below it:
 *   apdu.h     the messages as the decoders leave them
 *   reader.c   the bounded byte reader and the field list
 *   framing.c  General-Signing and General-Ciphering
 *   dlms.c     DLMS A-XDR data;  ecs08a.c  SR 2.1 for electricity
 *   gcs05.c    GBZ and ZCL, SR 2.1 for gas
 *   alert.c    device alerts
 *   command.c  the supplier's signature, the Command and its MAC
 *   gbcs.c     (this header) the SR 2.1 content by message code, the
 *              checks against the world: supplier keys, the DUIS
 *              header, an alert's signature or MAC
 */
#ifndef SOLR_GBCS_H
#define SOLR_GBCS_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/decision.h"
#include "base/err.h"
#include "prepay/prepay.h"
#include "prepay/srv.h"
#include "world/device.h"
#include "world/world.h"
#include "gbcs/alert.h"
#include "gbcs/apdu.h"
#include "gbcs/command.h"
#include "gbcs/framing.h"

/* Reads the values of a Signed Pre-Command of row's SRV (NULL: the row
 * of the table whose messages include its code) into pp, with the reader
 * of its message code.  A code the row does not name, or names as
 * refused, is refused. */
int gbcs_read_values(const struct srv_row *row, const struct gbcs_apdu *a,
    struct prepay *pp, struct gbcs_trace *t, struct solr_err *e);

/* Verifies with the supplier-role (0x02) digital-signing certificates of
 * the originator in the world: their role, key usage, EUI and chain
 * count; their validity dates and revocation do not (the meters trust a
 * failed supplier's key after its certificates are revoked).  *signer is
 * the certificate that verified. */
int gbcs_verify_supplier(const struct gbcs_apdu *a, struct solr_world *w,
    struct solr_cert **signer, struct solr_err *e);

/*
 * The Signed Pre-Command of a request for row's SRV: the base64 text of
 * its sr:GBCSPayload decoded into buf (GBCS_MAX_LEN bytes; a->buf points
 * there), framed strictly, its values read as the row says (none when
 * it says they are not inspected), held to the DUIS header (Business Originator
 * bo, Target bt, counter) and verified with a supplier key of the
 * originator.  d passes, or rejects: E020101 for the framing, the message
 * code, the values, the recipient or the counter; E65 for the originator
 * or the signature.  Returns 0, or the error of a signature check that
 * could not run (d rejects then too).
 */
int gbcs_precommand_decide(struct solr_world *w, const struct srv_row *row,
    const char *payload, size_t plen, uint64_t bo, uint64_t bt,
    uint64_t counter,
    unsigned char *buf, struct gbcs_apdu *a, struct prepay *pp,
    struct solr_cert **signer, struct decision *d, struct solr_err *e);

/* A Command's MAC, made again with the world's ACB key (keys/acb.ka.key)
 * and the recipient's key-agreement certificate at time at; check says
 * what was verified. */
int gbcs_command_verify(struct solr_world *w, const struct gbcs_command *c,
    int64_t at, char *check, size_t cap, struct solr_err *e);

/* A device alert's authenticity at time at: the device's signature, or
 * the MAC when the world holds the recipient's key-agreement key
 * (keys/<EUI>.ka.key); check says which was verified. */
int gbcs_alert_verify(struct solr_world *w, const struct gbcs_alert *al,
    int64_t at, char *check, size_t cap, struct solr_err *e);

#endif
