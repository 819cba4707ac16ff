/*
 * A decoder over one message.  Every read is bounded by the range it is
 * in (a nested element gets its own range, which its parser must consume
 * exactly), and every failure names the offset and the rule.  For the
 * decoders of gbcs/ only.
 */
#ifndef SOLR_GBCS_READER_H
#define SOLR_GBCS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "gbcs/apdu.h"

/* A decoder over one message: its bytes, the field list it writes (or
 * NULL), where a failure goes, the depth of the element it reads (for
 * the field list's indent) and where b lies in the whole message. */
struct gdec {
	const unsigned char *b;
	struct gbcs_trace *t;
	struct solr_err *e;
	int depth;
	size_t base;		/* offset of b in the whole message */
};

/* The bytes of b an element may take: from pos, up to end. */
struct span {
	size_t pos, end;
};

/* SOLR_ERR_VERIFY, "offset N: " and the rule. */
int gr_fail(struct gdec *g, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* One line of the field list (when g has one): its value formatted, or,
 * for the values met hundreds of times a message, written as they are:
 * a string, a signed or unsigned decimal, "0x" and width hex digits. */
void gr_trace(struct gdec *g, size_t off, size_t len, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void gr_trace_str(struct gdec *g, size_t off, size_t len, const char *name,
    const char *s);
void gr_trace_dec(struct gdec *g, size_t off, size_t len, const char *name,
    int64_t v);
void gr_trace_udec(struct gdec *g, size_t off, size_t len, const char *name,
    uint64_t v);
void gr_trace_hex(struct gdec *g, size_t off, size_t len, const char *name,
    uint64_t v, int width);
/* Whether n bytes remain in r. */
int gr_need(struct gdec *g, const struct span *r, size_t n, const char *what);
/* n bytes, big-endian, consumed. */
int gr_be(struct gdec *g, struct span *r, int n, const char *what, uint64_t *v);
int gr_u8(struct gdec *g, struct span *r, const char *what, unsigned *v);
/* The A-XDR length: 00-7F, or 81 LL (>= 0x80), or 82 HH LL (>= 0x100);
 * every other form, and every non-minimal one, is refused. */
int gr_len(struct gdec *g, struct span *r, const char *what, size_t *len);
/* A sub-range of len bytes for a nested element. */
int gr_sub(struct gdec *g, struct span *r, size_t len, const char *what,
    struct span *out);
/* Whether r is consumed exactly. */
int gr_end(struct gdec *g, const struct span *r, const char *what);
/* One byte that must be want. */
int gr_expect(struct gdec *g, struct span *r, unsigned want, const char *what);
/* n bytes, little-endian (ZCL), consumed. */
int gr_le(struct gdec *g, struct span *r, int n, const char *what, uint32_t *v);

#endif
