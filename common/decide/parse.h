/* The stage solr-gbcs-parse: the SR 2.1 values out of a Signed
 * Pre-Command (GBCS, signed by the supplier) or a DUIS XML body into one
 * prepay: mapping; device alerts in DUIS Responses decoded and checked. */
#ifndef SOLR_PARSE_H
#define SOLR_PARSE_H

#include "gbcs/gbcs.h"
#include "store/objstore.h"
#include "stage/stage.h"
#include "world/world.h"

struct parse_stage {
	struct solr_world *world;
	struct solr_objstore objects;
	int have_at;
	int64_t at;
};
extern const struct stage_ops gbcs_parse_stage;

/* A DUIS alert Response given as a document (its record is rec):
 * stored, then decoded and checked. */
int parse_alert_document(struct parse_stage *ps, struct ynode *rec,
    const unsigned char *p, size_t n, struct solr_err *e);

/* The record's alert: of a decoded alert, check saying what verified. */
void parse_alert_of(const struct gbcs_alert *al, const char *check,
    struct rec_alert *a);

#endif
