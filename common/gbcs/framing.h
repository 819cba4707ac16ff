/*
 * GBCS framing: the General-Signing APDU, and the General-Ciphering
 * envelope of a Command or a MACed alert, read strictly.
 */
#ifndef SOLR_GBCS_FRAMING_H
#define SOLR_GBCS_FRAMING_H

#include "base/err.h"
#include "gbcs/apdu.h"
#include "gbcs/reader.h"

void gbcs_trace_free(struct gbcs_trace *t);

/*
 * Parses a General-Signing APDU (tag 0xDF) that must end exactly after a
 * 64-byte signature: only the minimal length forms, transaction-id 9 with
 * CRA flag cra, system titles 8, date-time 0 or 12, other-information at
 * least 2.  SOLR_ERR_VERIFY with the offset and the rule.
 */
int gbcs_parse_signing(const unsigned char *p, size_t n, int cra,
    struct gbcs_apdu *a, struct gbcs_trace *t, struct solr_err *e);

/* The same, for an APDU inside a message: null_sig when its signature
 * length is 00 (a MACed message), base the offset of p in the whole
 * message (for traces and reasons). */
int gbcs_signing_in(const unsigned char *p, size_t n, int cra, int null_sig,
    struct gbcs_apdu *a, struct gbcs_trace *t, struct solr_err *e,
    size_t base);
/* The General-Ciphering envelope around r's APDU: *at and *apdu_len say
 * where the APDU is, mac gets the 12 bytes that end the message. */
int gbcs_ciphering(struct gdec *g, struct span *r, size_t *at, size_t *apdu_len,
    unsigned char mac[12]);
/* Which of GBCS_KIND_* the message is, from its framing. */
int gbcs_message_kind(const unsigned char *p, size_t n);
/* A Command: the envelope, the Signed Pre-Command inside and the MAC. */
int gbcs_parse_command(const unsigned char *p, size_t n,
    struct gbcs_command *c, struct gbcs_trace *t, struct solr_err *e);

#endif
