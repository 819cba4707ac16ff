/* Reading YAML and JSON into a tree: what our writer wrote, fast; any
 * other YAML with libyaml; JSON strictly. */
#ifndef SOLR_YREAD_H
#define SOLR_YREAD_H

#include <stddef.h>

#include "base/err.h"
#include "base/ytree.h"

/* Parses exactly one YAML document.  Anchors, aliases and duplicate keys
 * are refused.  Errors name fname and the line (first_line is the line
 * number of buf's first line). */
int yn_parse(const char *buf, size_t len, const char *fname, int first_line,
    struct ynode **out, struct solr_err *e);
/* The same, with libyaml alone. */
int yn_parse_libyaml(const char *buf, size_t len, const char *fname,
    int first_line, struct ynode **out, struct solr_err *e);
/* yn_parse's fast path: 0 and the tree; SOLR_ERR_FORMAT when the text is
 * not in the writer's form (nothing is made), or SOLR_ERR_NOMEM. */
int yn_parse_fast(const char *buf, size_t len, int first_line,
    struct ynode **out);
/* One JSON value (RFC 8259, strict) as a tree: strings quoted, numbers,
 * true, false and null plain (common/yjson.c).  Errors name fname, line
 * and the byte. */
int yn_parse_json(const char *buf, size_t len, const char *fname, int line,
    struct ynode **out, struct solr_err *e);

#endif
