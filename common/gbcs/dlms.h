/* DLMS A-XDR data, read strictly: each value's tag, then its bytes. */
#ifndef SOLR_GBCS_DLMS_H
#define SOLR_GBCS_DLMS_H

#include <stdint.h>

#include "gbcs/reader.h"
#include "prepay/prepay.h"

int dl_tag(struct gdec *g, struct span *r, unsigned want, const char *what);
int dl_double_long(struct gdec *g, struct span *r, const char *what,
    int64_t *out);
int dl_long_unsigned(struct gdec *g, struct span *r, const char *what,
    unsigned *out);
/* An octet-string of exactly want bytes. */
int dl_octets(struct gdec *g, struct span *r, size_t want, const char *what,
    unsigned char *out);
/* A bit-string of at most maxbits bits. */
int dl_bits(struct gdec *g, struct span *r, size_t maxbits, const char *what,
    size_t *nbits, uint32_t *bits);
/* An array or structure (tag) of min to max elements. */
int dl_count(struct gdec *g, struct span *r, unsigned tag, size_t min,
    size_t max, const char *what, size_t *n);
/* A DLMS date (5 bytes) at offset at. */
int dlms_date(struct gdec *g, size_t at, const unsigned char *d,
    int allow_wild_day, const char *what, struct pp_date *out);
/* The 12-byte activation date-time: ACT_IMMEDIATE or ACT_AT and when. */
int dlms_activation(struct gdec *g, size_t at, const unsigned char *d,
    int *kind, int64_t *t);
int dlms_time(const unsigned char *d, int64_t *t);

#endif
