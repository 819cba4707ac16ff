/* Writing a tree as YAML (directly, or through libyaml's emitter, the
 * reference) and as JSON. */
#ifndef SOLR_YWRITE_H
#define SOLR_YWRITE_H

#include <yaml.h>

#include "base/ytree.h"

struct solr_buf;
/* n as JSON, appended to b: plain decimal integers, true, false and null
 * as themselves; everything else (hex, versions, times) as strings. */
int yn_json(const struct ynode *n, struct solr_buf *b);
/* n as one document (explicit "---"), appended to b, in the layout and
 * scalar styles of libyaml's emitter; SOLR_ERR_NOMEM. */
int yn_write_doc(const struct ynode *n, struct solr_buf *b);

/* One scalar as the writers write it: s (n bytes), a string when quoted
 * (quoted again if YAML would read it as anything else), in a flow
 * collection when flow; and a string as JSON. */
int yw_scalar(struct solr_buf *b, const char *s, size_t n, int quoted,
    int flow);
void yw_json_string(struct solr_buf *b, const char *s);

#endif
