#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/layout.h"
#include "base/yread.h"
#include "decide/replay.h"
#include "store/record.h"
#include "store/sat.h"

#define INPUT_MAX (4 * 1024 * 1024)

/* The inputs a trail entry records, by the key of its world: mapping. */
enum { IN_POLICY, IN_REGISTRY, IN_LIST, IN_INSTRUCTIONS, IN_ADT,
    IN_INVENTORY };
static const struct {
	const char *key;	/* in the entry's world: */
	enum world_file file;
} inputs[] = {
	[IN_POLICY] = { "policy_sha256", WF_POLICY },
	[IN_REGISTRY] = { "registry_sha256", WF_REGISTRY },
	[IN_LIST] = { "failed_suppliers_sha256", WF_FAILED_SUPPLIERS },
	[IN_INSTRUCTIONS] = { "instructions_sha256", WF_INSTRUCTIONS },
	[IN_ADT] = { "adt_sha256", WF_ADT },
	/* not a file's SHA-256: its entries and the MAC of its last */
	[IN_INVENTORY] = { "inventory", WF_INVENTORY },
};

/* What each stage reads of them, the likeliest cause first. */
static const struct {
	const char *stage;
	int in[6];		/* -1 ends */
} reads[] = {
	{ "verify-sig", { IN_REGISTRY, IN_POLICY, -1 } },
	{ "failed-suppliers", { IN_LIST, IN_REGISTRY, IN_POLICY, -1 } },
	{ "gbcs-parse", { IN_POLICY, IN_INVENTORY, -1 } },
	{ "adt-check", { IN_ADT, IN_INSTRUCTIONS, IN_POLICY, -1 } },
	{ "countersign", { IN_LIST, IN_INSTRUCTIONS, IN_INVENTORY,
	    IN_REGISTRY, IN_POLICY, -1 } },
};

/* The SHA-256 of a file now ("null" when there is none, as recorded). */
static void
sha_of(const char *path, char out[SOLR_SHA256_HEX])
{
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };

	if (access(path, F_OK) != 0 || solr_read_guarded(path, INPUT_MAX, &b,
	    &e) != 0 || solr_sha256_hex(b.p, b.len, out) != 0)
		snprintf(out, SOLR_SHA256_HEX, "null");
	solr_buf_free(&b);
}

int
replay_world_open(struct replay_world *rw, const char *world,
    const char *trail, struct solr_err *e)
{
	char path[PATH_MAX];
	int i;

	memset(rw, 0, sizeof(*rw));
	rw->dir = world;
	for (i = IN_POLICY; i <= IN_INSTRUCTIONS; i++) {
		if (world_path(path, sizeof(path), world, inputs[i].file) != 0)
			return solr_seterr_at(e, SOLR_ERR_CONFIG, world, 0,
			    "the world's path is too long");
		sha_of(path, rw->now[i]);
	}
	if (snprintf(path, sizeof(path), "%s/objects", trail) >=
	    (int)sizeof(path))
		return solr_seterr_at(e, SOLR_ERR_CONFIG, trail, 0, "the "
		    "trail's path is too long");
	objstore_open_read(&rw->bundle, path);
	return 0;
}

void
replay_world_inventory(struct replay_world *rw, uint64_t n,
    const char *head)
{
	if (head == NULL)
		snprintf(rw->inventory, sizeof(rw->inventory), "none");
	else
		snprintf(rw->inventory, sizeof(rw->inventory), "%llu (last "
		    "entry's MAC %.16s...)", (unsigned long long)n, head);
}

void
replay_world_close(struct replay_world *rw)
{
	struct solr_err e = { 0 };

	objstore_close(&rw->bundle, &e);
}

/* A node as one short value: its text, or what it is. */
static void
shown(const struct ynode *n, char *out, size_t cap)
{
	if (n == NULL)
		snprintf(out, cap, "(none)");
	else if (n->kind == YN_SCALAR)
		snprintf(out, cap, "%s", n->str);
	else
		snprintf(out, cap, n->kind == YN_MAP ? "(a mapping)" :
		    "(a list)");
}

/* Each key that differs: the first into the change, the next few into
 * its "more". */
static int
one_key(void *arg, const char *path, const struct ynode *x,
    const struct ynode *y)
{
	struct replay_change *c = arg;
	char a[128], b[128];
	size_t l;

	if (c->key[0] == '\0') {
		snprintf(c->key, sizeof(c->key), "%s", path[0] ? path :
		    "(the whole file)");
		shown(x, c->was, sizeof(c->was));
		shown(y, c->now, sizeof(c->now));
		return 0;
	}
	shown(x, a, sizeof(a));
	shown(y, b, sizeof(b));
	l = strlen(c->more);
	if (l + strlen(path) + strlen(a) + strlen(b) + 32 >= sizeof(c->more)) {
		if (l + 6 < sizeof(c->more) && strstr(c->more, "; ...") == NULL)
			snprintf(c->more + l, sizeof(c->more) - l, "%s...",
			    l ? "; " : "");
		return 1;	/* enough said */
	}
	snprintf(c->more + l, sizeof(c->more) - l, "%s%s: %s recorded, %s "
	    "now", l ? "; " : "", path, a, b);
	return 0;
}

/* The keys that differ between the recorded copy (from the bundle) and
 * the file now; without the copy, the two SHA-256s stand. */
static void
key_of(struct replay_world *rw, struct replay_change *c, const char *path,
    const char *was)
{
	struct solr_buf old = { 0 }, cur = { 0 };
	struct solr_err e = { 0 };
	struct ynode *a = NULL, *b = NULL;
	char key[sizeof(c->key)] = "";

	if (solr_is_sha256_hex(was) && objstore_get(&rw->bundle, was,
	    INPUT_MAX, &old, &e) == 0 && yn_parse((const char *)old.p,
	    old.len, c->file, 1, &a, &e) == 0 && (access(path, F_OK) != 0 ||
	    (solr_read_guarded(path, INPUT_MAX, &cur, &e) == 0 &&
	    yn_parse((const char *)cur.p, cur.len, c->file, 1, &b, &e) ==
	    0))) {
		c->key[0] = '\0';
		yn_diff_each(a, b, key, sizeof(key), one_key, c);
	}
	yn_free(a);
	yn_free(b);
	solr_buf_free(&old);
	solr_buf_free(&cur);
}

/* A change noted once: 1 when it is new. */
static int
note(struct replay_world *rw, const char *file, const char *path,
    const char *was, const char *now)
{
	struct replay_change *c;
	int i;

	for (i = 0; i < rw->n; i++)
		if (strcmp(rw->c[i].file, file) == 0)
			return 0;	/* the first difference of a file */
	if (rw->n == REPLAY_CHANGES) {
		rw->more++;
		return 0;
	}
	c = &rw->c[rw->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->file, sizeof(c->file), "%s", file);
	snprintf(c->was, sizeof(c->was), "sha256 %s", was);
	snprintf(c->now, sizeof(c->now), "sha256 %s", now);
	key_of(rw, c, path, was);
	return 1;
}

/* adt/<SRP>.yaml of the entry's actor, its path and its SHA-256 now. */
static int
adt_now(const struct replay_world *rw, const struct ynode *entry,
    char *file, size_t fcap, char *path, size_t pcap,
    char now[SOLR_SHA256_HEX])
{
	const char *actor = sat_entry_actor(entry);
	uint64_t srp;

	if (actor == NULL || solr_eui_parse(actor, strlen(actor), &srp) != 0 ||
	    world_adt_path(path, pcap, rw->dir, srp) != 0)
		return -1;
	snprintf(file, fcap, "adt/%s", strrchr(path, '/') + 1);
	sha_of(path, now);
	return 0;
}

/* The inventory the entry recorded against the world's now, when the
 * caller said what it is now. */
static int
inventory_entry(struct replay_world *rw, const struct ynode *entry)
{
	struct replay_change *c;
	char was[sizeof(c->was)], head[SOLR_SHA256_HEX];
	uint64_t n;
	int i, r, has;

	if (rw->inventory[0] == '\0' || ((r = sat_entry_inventory(entry, &has,
	    &n, head)) == 0 && !has))
		return 0;
	if (r != 0)
		snprintf(was, sizeof(was), "(not {entries, head})");
	else
		snprintf(was, sizeof(was), "%llu (last entry's MAC %.16s...)",
		    (unsigned long long)n, head);
	if (strcmp(was, rw->inventory) == 0)
		return 0;
	for (i = 0; i < rw->n; i++)
		if (strcmp(rw->c[i].file, world_layout[WF_INVENTORY].path) ==
		    0)
			return 0;	/* its first difference only */
	if (rw->n == REPLAY_CHANGES) {
		rw->more++;
		return 0;
	}
	c = &rw->c[rw->n++];
	memset(c, 0, sizeof(*c));
	snprintf(c->file, sizeof(c->file), "%s",
	    world_layout[WF_INVENTORY].path);
	snprintf(c->key, sizeof(c->key), "entries");
	snprintf(c->was, sizeof(c->was), "%s", was);
	snprintf(c->now, sizeof(c->now), "%s", rw->inventory);
	return 1;
}

int
replay_world_entry(struct replay_world *rw, const struct ynode *entry)
{
	const struct ynode *w = sat_entry_world(entry);
	char path[PATH_MAX], file[96], now[SOLR_SHA256_HEX];
	const char *was;
	int i, n = 0;

	for (i = IN_POLICY; i <= IN_ADT; i++) {
		if ((was = yn_get_str(w, inputs[i].key)) == NULL)
			continue;	/* not recorded: nothing to hold it to */
		if (i == IN_ADT) {
			if (adt_now(rw, entry, file, sizeof(file), path,
			    sizeof(path), now) != 0)
				continue;
		} else {
			world_path(path, sizeof(path), rw->dir,
			    inputs[i].file);
			snprintf(file, sizeof(file), "%s",
			    world_layout[inputs[i].file].path);
			memcpy(now, rw->now[i], SOLR_SHA256_HEX);
		}
		if (strcmp(was, now) != 0)
			n += note(rw, file, path, was, now);
	}
	return n + inventory_entry(rw, entry);
}

/* The change of input in for rec, if the world saw one. */
static const struct replay_change *
change_of(const struct replay_world *rw, const struct ynode *rec, int in)
{
	const char *sid = rec_str(rec_part(rec, RK_SENDER), RK_ID);
	char file[96], path[PATH_MAX];
	uint64_t srp;
	int i;

	if (in == IN_ADT) {
		if (sid == NULL || solr_eui_parse(sid, strlen(sid), &srp) != 0 ||
		    world_adt_path(path, sizeof(path), rw->dir, srp) != 0)
			return NULL;
		snprintf(file, sizeof(file), "adt/%s", strrchr(path, '/') + 1);
	} else
		snprintf(file, sizeof(file), "%s",
		    world_layout[inputs[in].file].path);
	for (i = 0; i < rw->n; i++)
		if (strcmp(rw->c[i].file, file) == 0)
			return &rw->c[i];
	return NULL;
}

const struct replay_change *
replay_because(const struct replay_world *rw, const struct ynode *rec,
    const char **stage)
{
	const struct replay_change *c;
	const char *r;
	size_t s;
	int k;

	*stage = NULL;
	for (s = 0; s < sizeof(reads) / sizeof(reads[0]); s++) {
		r = rec_str(rec_stage(rec, reads[s].stage),
		    RK_REPLAY);
		if (r == NULL || strcmp(r, "differs") != 0)
			continue;
		*stage = reads[s].stage;
		for (k = 0; k < 6 && reads[s].in[k] >= 0; k++)
			if ((c = change_of(rw, rec, reads[s].in[k])) != NULL)
				return c;
		return NULL;
	}
	return NULL;
}
