/* The Failed Suppliers list: its file, its validation against the world,
 * and the lookups the pipeline makes. */
#ifndef SOLR_FSLIST_H
#define SOLR_FSLIST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "util.h"
#include "world.h"

struct fs_entry {
	uint64_t id;
	char *name;
	int has_srp;
	uint64_t srp;
	int line;
};

struct fs_list {
	int present;		/* 0: no list applied (an empty list) */
	int64_t version;
	struct fs_entry *entry;
	size_t n;
	char sha256[SOLR_SHA256_HEX];
};

struct fs_finding {
	const char *code;	/* stable: see solr-failed-suppliers(1) */
	uint64_t supplier;
	int line;
	char msg[512];
};

/* Parses a list strictly: version, suppliers with id (EUI-64), name and
 * an optional srp, no duplicates, no other keys.  SOLR_ERR_FORMAT names
 * the file, the line, the field and the rule. */
int fslist_parse(const char *buf, size_t len, const char *file,
    struct fs_list *l, struct solr_err *e);
/* The applied list of the world; a world with none has an empty list. */
int fslist_load(const char *world, struct fs_list *l, struct solr_err *e);
void fslist_free(struct fs_list *l);
const struct fs_entry *fslist_find(const struct fs_list *l, uint64_t id);

/* The operator's review: every finding about the list in this world at
 * time at. */
int fslist_validate(struct solr_world *w, const struct fs_list *l,
    int64_t at, struct fs_finding **out, size_t *n, struct solr_err *e);

/* The list as YAML, with the given version. */
char *fslist_render(const struct fs_list *l, int64_t version);

#endif
