/* GCS05: SR 2.1 for gas, GBZ components over ZCL payloads, decoded by
 * the prepay field table. */
#ifndef SOLR_GBCS_GCS05_H
#define SOLR_GBCS_GCS05_H

#include "gbcs/reader.h"
#include "prepay/prepay.h"

/* The content c of a pre-command into pp. */
int gcs05_decode(struct gdec *g, struct span *c, struct prepay *pp);

#endif
