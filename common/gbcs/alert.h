/* GBCS device alerts: critical, non-critical and future-dated, with DLMS
 * or GBZ payloads. */
#ifndef SOLR_GBCS_ALERT_H
#define SOLR_GBCS_ALERT_H

#include "base/err.h"
#include "gbcs/apdu.h"

/* Decodes a device alert strictly: a critical (0x1000) or future-dated
 * (0x00CC DLMS, 0x00CD GBZ) alert signed by the device with CRA 3, or a
 * non-critical one (0x1001) in General-Ciphering with a null signature
 * and a 12-byte MAC that ends the message. */
int gbcs_parse_alert(const unsigned char *p, size_t n, struct gbcs_alert *al,
    struct gbcs_trace *t, struct solr_err *e);

#endif
