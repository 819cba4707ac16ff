/* ECS08a: SR 2.1 for electricity, a DLMS ACCESS-Request of 18 SETs,
 * decoded by the prepay field table. */
#ifndef SOLR_GBCS_ECS08A_H
#define SOLR_GBCS_ECS08A_H

#include "gbcs/apdu.h"
#include "gbcs/reader.h"
#include "prepay/prepay.h"

/* The content c of a's pre-command into pp. */
int ecs08a_decode(struct gdec *g, struct span *c, const struct gbcs_apdu *a,
    struct prepay *pp);

#endif
