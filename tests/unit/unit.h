#ifndef UNIT_H
#define UNIT_H

#include <stddef.h>
#include <stdint.h>

#include <check.h>
#include <yaml.h>

TCase *unit_tcase(const char *, double);
Suite *util_suite(void);
Suite *ytree_suite(void);
Suite *record_suite(void);
Suite *objstore_suite(void);
Suite *xmlsig_suite(void);
Suite *world_suite(void);
Suite *gbcs_suite(void);
Suite *safe_suite(void);
Suite *ledger_suite(void);
Suite *duis_suite(void);
Suite *adt_suite(void);
Suite *fslist_suite(void);
Suite *sat_suite(void);
Suite *prepay_suite(void);
Suite *stage_suite(void);
Suite *ywrite_suite(void);

struct ynode;
/* n as a YAML document, malloc'd. */
char *yaml_str(const struct ynode *n);

/* $SOLR_VECTORS (../shared/vectors), or NULL when the folder is absent. */
const char *vectors_dir(void);
/* A world made by scripts/mk-world ($SOLR_WORLD_DIR), or NULL. */
const char *world_dir(void);
/* A test whose fixture is absent: a visible SKIP line and a count in the
 * summary, never a silent pass; with SOLR_REQUIRE_VECTORS=1 a failure. */
void unit_skip(const char *test, const char *why);
#define UNIT_SKIP(why) do { unit_skip(__func__, why); return; } while (0)

struct prepay;
/* A safe electricity request: the values of scripts/mk-world's profile
 * and a calendar that never stops. */
void unit_safe_elec(struct prepay *pp);
/* The value of the field named in pp, marked carried. */
int64_t *unit_pp(struct prepay *pp, const char *field);
/* The safe_prepay: text of scripts/mk-world, the one profile every unit
 * test starts from. */
extern const char unit_safe_prepay[];
/* unit_safe_prepay into buf, with fuel's ("electricity:" or "gas:") rule
 * for field replaced by rule (NULL: removed); fuel NULL: unchanged. */
void unit_safe_policy(char *buf, size_t cap, const char *fuel,
    const char *field, const char *rule);

/* n as one document through libyaml's emitter, the reference the
 * writer is held to. */
int unit_emit_doc(yaml_emitter_t *em, const struct ynode *n);

/* Reads a whole file; aborts the test if it cannot. */
unsigned char *slurp(const char *path, size_t *len);
/* A DCC sample read as its values are written in their one form: the
 * samples write some months and days with a leading zero ("07"), which
 * the SR 2.1 reader refuses (a C strtol of base 0 reads "08" as 0); the
 * zero is taken out here so that the values can be compared. */
unsigned char *slurp_one_form(const char *path, size_t *len);

#endif
