/* Authority instructions, ADT files and the shared request counters. */
#ifndef SOLR_ADT_H
#define SOLR_ADT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "util.h"

struct instruction {
	char *ref;
	uint64_t supplier, srp;
	int64_t from, until;	/* [from, until) */
	int line;
};

struct instructions {
	struct instruction *i;
	size_t n;
	char sha256[SOLR_SHA256_HEX];
	int present;
};

/* instructions.yaml of the world; none is an empty set. */
int instructions_load(const char *world, struct instructions *is,
    struct solr_err *e);
void instructions_free(struct instructions *is);
/* The instruction for this supplier and SRP current at t (any supplier
 * when supplier is 0), or NULL. */
const struct instruction *instruction_find(const struct instructions *is,
    uint64_t supplier, uint64_t srp, int64_t t);

struct adt_threshold {
	char srv[16];
	int64_t window;		/* seconds */
	int64_t warning, quarantine;
	int line;
};

struct adt_file {
	uint64_t srp;
	struct adt_threshold *t;
	size_t n;
	char sha256[SOLR_SHA256_HEX];
};

int adt_parse(const char *buf, size_t len, const char *file,
    struct adt_file *a, struct solr_err *e);
/* adt/<SRP>.yaml of the world: 0, SOLR_ERR_NOTFOUND, or an error. */
int adt_load(const char *world, uint64_t srp, struct adt_file *a,
    struct solr_err *e);
void adt_free(struct adt_file *a);
const struct adt_threshold *adt_find(const struct adt_file *a,
    const char *srv);
/* adt/<EUI>.yaml */
void adt_path(const char *world, uint64_t srp, char *out, size_t cap);

/* The counters: state/adt-counters, fixed slots shared by every process
 * under a lock, so parallel pipelines count together. */
struct adt_undo;
struct adt_counters {
	int fd;
	char path[4096];
	struct adt_undo *undo;	/* counts made since the last commit */
	size_t nundo, capundo;
};

int adt_counters_open(const char *world, struct adt_counters *c,
    struct solr_err *e);
/* Adds one request and returns the count in that window. */
int adt_count(struct adt_counters *c, uint64_t srp, const char *srv,
    int64_t window, int64_t window_start, uint64_t *count,
    struct solr_err *e);
/* Calls fn for every live counter. */
int adt_counters_each(struct adt_counters *c, void (*fn)(void *, uint64_t,
    const char *, int64_t, int64_t, uint64_t), void *arg, struct solr_err *e);
/* Group commit: the counts made since the last commit to disk, before
 * any record that carries them leaves; then adt_counters_commit, or
 * adt_counters_undo to take them back (0 when it could: no other process
 * counted on those slots since). */
int adt_counters_sync(struct adt_counters *c, struct solr_err *e);
void adt_counters_commit(struct adt_counters *c);
int adt_counters_undo(struct adt_counters *c);
int adt_counters_close(struct adt_counters *c, struct solr_err *e);

#endif
