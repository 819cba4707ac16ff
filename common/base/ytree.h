/* A small YAML document tree over libyaml, used for records and for the
 * world's configuration files.  Keys keep their order; scalars keep their
 * text and whether they were quoted, so a stage can pass on keys it does
 * not know without changing them. */
#ifndef SOLR_YTREE_H
#define SOLR_YTREE_H

#include <stddef.h>
#include <stdint.h>

#include <yaml.h>

#include "base/err.h"

/* YN_RAW: a value already written out (YAML, or JSON when flow is set),
 * for output only: a long list written straight into one buffer. */
enum yn_kind { YN_SCALAR, YN_SEQ, YN_MAP, YN_RAW };

struct ynode {
	enum yn_kind kind;
	int line;		/* 1-based line in the source, 0 if built */
	int flow;		/* emit the collection in flow style */
	int quoted;		/* scalar: a string, never null/number/bool */
	char *str;		/* scalar text, NUL-terminated */
	size_t len;
	struct ynode **items;	/* seq: items; map: key, value, key, ... */
	size_t n;		/* number of items (maps: 2 * pairs) */
	size_t cap;
};

#define YN_MAX_DEPTH 32
#define YN_MAX_NODES 20000
#define YN_MAX_KEYS 1024	/* in one mapping: far above any record's */
#define YN_MAX_KEYS_STR "1024"

/* The first key of mapping m that appears twice, or NULL: a hash set of
 * its keys, linear in their number. */
const struct ynode *yn_map_dup(const struct ynode *m);
/* The first key that appears twice in its mapping, anywhere in the tree
 * under n, or NULL; linear in the tree's size (a hash set of each
 * mapping's keys). */
const struct ynode *yn_find_dup(const struct ynode *n);

void yn_free(struct ynode *n);
/* Appends v to a sequence or a mapping as it is (the reader's). */
int yn_push_raw(struct ynode *c, struct ynode *v);

struct ynode *yn_new_map(int flow);
struct ynode *yn_new_seq(int flow);
/* A string: quoted on output if YAML would read it as anything else. */
struct ynode *yn_new_str(const char *s);
struct ynode *yn_new_strn(const char *s, size_t len);
/* A plain scalar emitted as is: numbers, booleans, null. */
struct ynode *yn_new_plain(const char *s);
struct ynode *yn_new_plainn(const char *s, size_t len);
struct ynode *yn_new_int(int64_t v);
struct ynode *yn_new_hex(uint64_t v, int width);
struct ynode *yn_new_null(void);
/* A value written out already: YAML lines at indent 0 for a key of a
 * top-level mapping (json 0), or one JSON value (json 1).  Only the
 * writer of its form takes it. */
struct ynode *yn_new_raw(const char *text, size_t len, int json);

/* Map access.  yn_get returns NULL when absent or when m is no map. */
struct ynode *yn_get(const struct ynode *m, const char *key);
/* Dotted path, e.g. "request.object". */
struct ynode *yn_path(const struct ynode *m, const char *path);
const char *yn_get_str(const struct ynode *m, const char *key);
/* Sets key to v, replacing any value; takes ownership of v (also on
 * failure). Keys are appended in order. */
/* A file's rule broken at node n: code (SOLR_ERR_FORMAT, _CONFIG) with
 * "file:line: field: rule", the line n's (0 when n is NULL). */
int yn_err(struct solr_err *e, int code, const char *file,
    const struct ynode *n, const char *field, const char *rule);
/* Every difference of a and b in document order: fn(arg, path, x, y),
 * until fn returns non-zero (which yn_diff_each returns). */
int yn_diff_each(const struct ynode *a, const struct ynode *b, char *path,
    size_t cap, int (*fn)(void *, const char *, const struct ynode *,
    const struct ynode *), void *arg);
/* The NOMEM idiom of a builder: it ors the results of its yn_set and
 * yn_push calls into r (each frees what it could not place, and a NULL
 * map or value makes it fail), then returns yn_done(n, r): n, or NULL
 * with n freed when any of them failed. */
struct ynode *yn_done(struct ynode *n, int r);
int yn_set(struct ynode *m, const char *key, struct ynode *v);
int yn_set_str(struct ynode *m, const char *key, const char *s);
int yn_set_int(struct ynode *m, const char *key, int64_t v);
/* Returns the map at key, creating an empty one if absent. */
struct ynode *yn_get_or_add_map(struct ynode *m, const char *key, int flow);
int yn_push(struct ynode *seq, struct ynode *v);

int yn_is_null(const struct ynode *n);
int yn_is_scalar(const struct ynode *n);

/* Would a YAML 1.1 reader resolve this plain scalar to a non-string? */
int yn_looks_typed(const char *s);
#endif
