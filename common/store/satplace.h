/* Where each trail a world writes lives.  Beside the last head it signed
 * for a trail (state/sat-heads/<id>), the world keeps the trail's folder
 * (state/sat-heads/<id>.place, MACed with the trail key): a folder that
 * holds another trail, or none, where the world recorded one is a trail
 * swapped or removed, until an operator retires the record
 * (<id>.retired, MACed too).  solr-world(5), SECURITY. */
#ifndef SOLR_SATPLACE_H
#define SOLR_SATPLACE_H

#include <stdint.h>

#include "base/err.h"

/* dir holds the trail id (NULL: no trail): every record of the world must
 * be one it wrote, every head it keeps must have its place, and no trail
 * but id may be recorded at dir.  0, or SOLR_ERR_VERIFY naming the trail
 * recorded there and the head the world signed for it. */
int sat_place_check(const char *heads, const unsigned char key[32],
    const char *dir, const char *id, struct solr_err *e);
/* Records that trail id lives at dir. */
int sat_place_record(const char *heads, const unsigned char key[32],
    const char *dir, const char *id, struct solr_err *e);
/* Retires the record of the trail at dir (its id into id_out): a new
 * trail may then be written there.  SOLR_ERR_NOTFOUND when none. */
int sat_place_retire(const char *heads, const unsigned char key[32],
    const char *dir, int64_t t, char id_out[33], struct solr_err *e);

#endif
