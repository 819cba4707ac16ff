/*
 * The field list of a decoded message (-x): each field's offset, length,
 * name and value, in message order, as a tree or written straight out.
 */
#ifndef SOLR_GBCS_TRACE_H
#define SOLR_GBCS_TRACE_H

#include "base/ytree.h"
#include "gbcs/apdu.h"

/* Message order: by offset, an element before the fields inside it. */
void gbcs_trace_sort(struct gbcs_trace *t);
/* A sequence of flow mappings {offset, length, field, value}. */
struct ynode *gbcs_fields_tree(const struct gbcs_trace *t);
/*
 * The same list written out into one raw node (yn_new_raw), byte for byte
 * as the record writer writes gbcs_fields_tree: YAML (json 0) or JSON
 * (json 1).  Hundreds of fields a message cost no node each.  NULL when
 * out of memory; an empty list is the tree's to write.
 */
struct ynode *gbcs_fields_text(const struct gbcs_trace *t, int json);

#endif
