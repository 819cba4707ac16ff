/*
 * The Service Requests the SolrContingency role may send, one row each,
 * and all that is known of each: the body it carries, the reader of that
 * body's XML form, the GBCS messages that carry it as a Signed
 * Pre-Command (gbcs/ holds the reader of each message code), and the rule
 * its values are held to, or "not inspected", said outright.  A role lists
 * an SRV only when it has a row (world.c refuses the world otherwise);
 * solr-gbcs-parse, solr-adt-check and solr-countersign take everything
 * they know of an SRV from its row.
 */
#ifndef SOLR_SRV_H
#define SOLR_SRV_H

#include <stddef.h>
#include <stdint.h>

#include <libxml/tree.h>

#include "base/err.h"
#include "base/ytree.h"
#include "prepay/safe.h"

/* A GBCS message that carries the SRV, or one refused in its place. */
struct srv_gbcs {
	uint16_t code;
	const char *message;	/* its GBCS name, "ECS08a" */
	const char *device_type;	/* the kind of device it is for */
	const char *refused;	/* NULL, or why it is refused */
};

/* What the XML reader gives: the values, and the kind of device the body
 * is for with a phrase that names it (NULL: any kind). */
struct srv_read {
	struct ynode *values;
	const char *device_type;
	const char *what;
};

struct srv_row {
	const char *srv;	/* as DUIS writes it */
	const char *name;	/* the DUIS name */
	const char *element;	/* the body's element, sr:<element> */
	const char *values_key;	/* the record's key for its values */
	/* reads the body's element strictly: SOLR_ERR_VERIFY says why;
	 * out->values is the caller's to free, read or not */
	int (*xml_read)(xmlNodePtr body, struct srv_read *out,
	    struct solr_err *e);
	const struct srv_gbcs *gbcs;	/* NULL: no Signed Pre-Command */
	size_t ngbcs;
	/* the content rule: 0, or SOLR_ERR_VERIFY with the field, its value
	 * and the rule in e (SOLR_ERR_FORMAT: values not as the reader
	 * wrote them) */
	int (*rule)(const struct safe_policy *sp, const struct ynode *values,
	    int64_t at, struct solr_err *e);
	int not_inspected;	/* no reader and no rule, said outright */
};

/* The rows this build knows, NULL-terminated (srvrows.c). */
extern const struct srv_row *const srv_rows[];
/* SR 2.1, Update Prepay Configuration: read and held to safe_prepay. */
extern const struct srv_row srv_update_prepay;

/* The row of srv in srv_rows, or NULL. */
const struct srv_row *srv_row(const char *srv);
/* The row in srv_rows whose GBCS messages include code, or NULL. */
const struct srv_row *srv_row_by_gbcs(uint16_t code);
/* The GBCS message code of row r, or NULL. */
const struct srv_gbcs *srv_gbcs_of(const struct srv_row *r, uint16_t code);
/* NULL when r may be listed for a role; otherwise why not. */
const char *srv_row_unfit(const struct srv_row *r);
/* "SRV 2.1 (Update Prepay Configuration)" into buf. */
const char *srv_label(const struct srv_row *r, char *buf, size_t cap);

#endif
