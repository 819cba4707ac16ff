/* The DUIS schema at the door: each document is validated against the
 * XML schema of its own schemaVersion, which the world holds in
 * schemas/<version>/duis.xsd (solr-world(5)); each schema is parsed once
 * a run. */
#ifndef SOLR_SCHEMA_H
#define SOLR_SCHEMA_H

#include <libxml/tree.h>

#include "base/err.h"

#define SCHEMA_CACHE 8

struct schema_one;
struct duis_schemas {
	const char *world;
	struct schema_one *c[SCHEMA_CACHE];
	int n;
};

void duis_schemas_init(struct duis_schemas *s, const char *world);
void duis_schemas_free(struct duis_schemas *s);
/* 0 when doc is valid in its schemaVersion's schema; SOLR_ERR_VERIFY with
 * the reason (no schemaVersion, none installed for it, or the first
 * error: line, element, rule); SOLR_ERR_CONFIG when the world's schema
 * cannot be read or parsed (names the file). */
int duis_schema_validate(struct duis_schemas *s, xmlDocPtr doc,
    struct solr_err *e);
/* The schemaVersion of the document's root, read by the one rule: 1 to
 * 15 digits and dots, a digit first and last, no two dots together (5.4).
 * 0, or SOLR_ERR_VERIFY saying which part of the rule it breaks. */
#define DUIS_VERSION_MAX 16
int duis_schema_version(xmlDocPtr doc, char buf[DUIS_VERSION_MAX],
    struct solr_err *e);

#endif
