/* What the YAML writer and the fast reader share: libyaml's view of
 * characters and of which text a reader takes as one plain scalar. */
#ifndef SOLR_YWRITE_H
#define SOLR_YWRITE_H

#include <stddef.h>

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
/* yn_parse's fast path (common/yread.c): 0 and the tree, 1 when the text
 * is not in the writer's form (nothing is made), SOLR_ERR_NOMEM. */
struct ynode;
int yn_parse_fast(const char *buf, size_t len, int first_line,
    struct ynode **out);

#endif
