/* YAML at the level of characters, shared by the readers and the
 * writers: libyaml's view of characters and of which text a reader takes
 * as one plain scalar. */
#ifndef SOLR_YCHAR_H
#define SOLR_YCHAR_H

#include <stddef.h>

/* What a scalar's text allows (after libyaml's analysis). */
struct yw_scan {
	int flow_plain, block_plain, single;
};
void yw_scan(const unsigned char *s, size_t n, struct yw_scan *r);
/* The code point at p (n bytes left) and its length; -1 if the bytes are
 * not UTF-8. */
long yw_utf8(const unsigned char *p, size_t n, size_t *w);
/* Appends code point c as UTF-8; SOLR_ERR_NOMEM. */
struct solr_buf;
int yw_put_utf8(struct solr_buf *b, long c);
/* Printable as libyaml has it. */
int yw_printable(long c);
/* Whether s would be read back as this plain scalar, in a block or in a
 * flow collection. */
int yw_block_plain(const char *s, size_t n);
int yw_flow_plain(const char *s, size_t n);

#endif
