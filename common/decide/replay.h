/*
 * What a replay says of the world: each input whose SHA-256 is not the
 * one a trail entry recorded, the first key that changed in it (read
 * from the copy the trail's bundle keeps), and for a decision that came
 * out differently, the first of those changes that the stage which
 * differs reads.
 */
#ifndef SOLR_REPLAY_H
#define SOLR_REPLAY_H

#include <stdint.h>

#include "base/err.h"
#include "base/util.h"
#include "base/ytree.h"
#include "store/objstore.h"

#define REPLAY_CHANGES 32

struct replay_change {
	char file[64];		/* "policy.yaml", "adt/<SRP>.yaml" */
	char key[160];		/* "" when the recorded copy is not kept */
	char was[128], now[128];	/* its values, or the SHA-256s */
	char more[400];		/* the other keys that changed, as
				 * "key: was recorded, now now; ..." */
};

struct replay_world {
	const char *dir;	/* the world */
	struct solr_objstore bundle;	/* the trail's objects */
	char now[4][SOLR_SHA256_HEX];	/* policy, registry, list, instr. */
	char inventory[128];	/* the device inventory now, as entries
				 * record it; "" when not said */
	struct replay_change c[REPLAY_CHANGES];
	int n;
	int more;		/* changes past REPLAY_CHANGES, not kept */
};

/* The world's inputs as they are now, and the trail's bundle. */
int replay_world_open(struct replay_world *rw, const char *world,
    const char *trail, struct solr_err *e);
/* The world's device inventory now: n entries, the last one's MAC in
 * hex (NULL: the world has none).  Without it the inventories entries
 * record are not compared. */
void replay_world_inventory(struct replay_world *rw, uint64_t n,
    const char *head);
void replay_world_close(struct replay_world *rw);
/* One trail entry: its recorded inputs against the world's.  Returns the
 * number of changes not seen before (reported once each). */
int replay_world_entry(struct replay_world *rw, const struct ynode *entry);
/* For a replayed record that differs: the first change among the inputs
 * of the first stage that differs, or NULL when none of them changed
 * (the certificates, the schemas or the tools did). */
const struct replay_change *replay_because(const struct replay_world *rw,
    const struct ynode *rec, const char **stage);

#endif
