#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "base/ytree.h"

static struct ynode *
yn_alloc(enum yn_kind kind)
{
	struct ynode *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->kind = kind;
	return n;
}

void
yn_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->n; i++)
		yn_free(n->items[i]);
	free(n->items);
	/* a scalar's text is allocated with its node */
	free(n);
}

static int
push_item(struct ynode *c, struct ynode *v)
{
	struct ynode **ni;
	size_t ncap;

	if (c->n == c->cap) {
		ncap = c->cap ? c->cap * 2 : 8;
		if ((ni = realloc(c->items, ncap * sizeof(*ni))) == NULL)
			return SOLR_ERR_NOMEM;
		c->items = ni;
		c->cap = ncap;
	}
	c->items[c->n++] = v;
	return 0;
}

struct ynode *
yn_new_map(int flow)
{
	struct ynode *n = yn_alloc(YN_MAP);

	if (n)
		n->flow = flow;
	return n;
}

struct ynode *
yn_new_seq(int flow)
{
	struct ynode *n = yn_alloc(YN_SEQ);

	if (n)
		n->flow = flow;
	return n;
}

static struct ynode *
new_scalar(const char *s, size_t len, int quoted)
{
	struct ynode *n;

	/* one allocation: the node, then its text */
	if (len > SIZE_MAX - sizeof(*n) - 1 || (n = malloc(sizeof(*n) + len +
	    1)) == NULL)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = YN_SCALAR;
	n->str = (char *)(n + 1);
	if (len > 0)		/* s may be NULL for "" */
		memcpy(n->str, s, len);
	n->str[len] = '\0';
	n->len = len;
	n->quoted = quoted;
	return n;
}

struct ynode *
yn_new_raw(const char *text, size_t len, int json)
{
	struct ynode *n = new_scalar(text, len, 0);

	if (n != NULL) {
		n->kind = YN_RAW;
		n->flow = json;
	}
	return n;
}

struct ynode *
yn_new_strn(const char *s, size_t len)
{
	return new_scalar(s, len, 1);
}

struct ynode *
yn_new_str(const char *s)
{
	return new_scalar(s, strlen(s), 1);
}

struct ynode *
yn_new_plain(const char *s)
{
	return new_scalar(s, strlen(s), 0);
}

struct ynode *
yn_new_plainn(const char *s, size_t len)
{
	return new_scalar(s, len, 0);
}

struct ynode *
yn_new_int(int64_t v)
{
	char b[24], *p = b + sizeof(b) - 1;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	*p = '\0';
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	return new_scalar(p, (size_t)(b + sizeof(b) - 1 - p), 0);
}

struct ynode *
yn_new_hex(uint64_t v, int width)
{
	char b[32];

	snprintf(b, sizeof(b), "0x%0*" PRIX64, width, v);
	return yn_new_plain(b);
}

struct ynode *
yn_new_null(void)
{
	return yn_new_plain("null");
}

int
yn_is_scalar(const struct ynode *n)
{
	return n != NULL && n->kind == YN_SCALAR;
}

int
yn_is_null(const struct ynode *n)
{
	if (n == NULL)
		return 1;
	if (n->kind != YN_SCALAR || n->quoted)
		return 0;
	return n->len == 0 || strcmp(n->str, "~") == 0 ||
	    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	    strcmp(n->str, "NULL") == 0;
}

/* A seed for the keys' hash, so that no one can choose keys that collide
 * ahead of a run (and a collision costs only a longer probe). */
static uint64_t
key_seed(void)
{
	static uint64_t seed;

	if (seed == 0) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = ((uint64_t)ts.tv_nsec << 20 ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)(uintptr_t)&ts ^ (uint64_t)getpid() << 40) |
		    1;
	}
	return seed;
}

static size_t
key_hash(const struct ynode *k, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;
	size_t i;

	for (i = 0; i < k->len; i++)
		h = (h ^ (unsigned char)k->str[i]) * 1099511628211ULL;
	return (size_t)(h ^ h >> 29);
}

static int
same_key(const struct ynode *a, const struct ynode *b)
{
	return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;
}

const struct ynode *
yn_map_dup(const struct ynode *m)
{
	size_t nk = m->n / 2, cap = 32, i, h;
	const struct ynode *dup = NULL;
	uint32_t *t;

	if (nk <= 8) {
		for (i = 0; i < nk; i++)
			for (h = 0; h < i; h++)
				if (same_key(m->items[2 * h], m->items[2 * i]))
					return m->items[2 * i];
		return NULL;
	}
	while (cap < 2 * nk)
		cap <<= 1;
	if ((t = calloc(cap, sizeof(*t))) == NULL) {
		/* no memory for the set: the pairs, slowly but surely */
		for (i = 0; i < nk; i++)
			for (h = 0; h < i; h++)
				if (same_key(m->items[2 * h], m->items[2 * i]))
					return m->items[2 * i];
		return NULL;
	}
	for (i = 0; i < nk && dup == NULL; i++) {
		const struct ynode *k = m->items[2 * i];

		for (h = key_hash(k, key_seed()) & (cap - 1); t[h] != 0;
		    h = (h + 1) & (cap - 1))
			if (same_key(m->items[2 * (t[h] - 1)], k)) {
				dup = k;
				break;
			}
		t[h] = (uint32_t)i + 1;
	}
	free(t);
	return dup;
}

const struct ynode *
yn_find_dup(const struct ynode *n)
{
	const struct ynode *d;
	size_t i;

	if (n == NULL || n->kind == YN_SCALAR)
		return NULL;
	if (n->kind == YN_MAP && (d = yn_map_dup(n)) != NULL)
		return d;
	for (i = 0; i < n->n; i++)
		if (n->items[i]->kind != YN_SCALAR &&
		    (d = yn_find_dup(n->items[i])) != NULL)
			return d;
	return NULL;
}

struct ynode *
yn_get(const struct ynode *m, const char *key)
{
	size_t i;

	if (m == NULL || m->kind != YN_MAP)
		return NULL;
	for (i = 0; i + 1 < m->n; i += 2)
		if (m->items[i]->kind == YN_SCALAR &&
		    strcmp(m->items[i]->str, key) == 0)
			return m->items[i + 1];
	return NULL;
}

struct ynode *
yn_path(const struct ynode *m, const char *path)
{
	char key[128];
	const char *dot;
	size_t l;

	while ((dot = strchr(path, '.')) != NULL) {
		l = (size_t)(dot - path);
		if (l >= sizeof(key))
			return NULL;
		memcpy(key, path, l);
		key[l] = '\0';
		if ((m = yn_get(m, key)) == NULL)
			return NULL;
		path = dot + 1;
	}
	return yn_get(m, path);
}

const char *
yn_get_str(const struct ynode *m, const char *key)
{
	const struct ynode *v = yn_get(m, key);

	if (v == NULL || v->kind != YN_SCALAR || yn_is_null(v))
		return NULL;
	return v->str;
}

int
yn_err(struct solr_err *e, int code, const char *file, const struct ynode *n,
    const char *field, const char *rule)
{
	return solr_seterr_at(e, code, file, n ? n->line : 0, "%s: %s", field,
	    rule);
}

/* path . key, or path [i] (within cap). */
static void
path_add(char *path, size_t cap, const char *key, size_t i)
{
	size_t l = strlen(path);

	if (key != NULL)
		snprintf(path + l, cap - l, "%s%s", l ? "." : "", key);
	else
		snprintf(path + l, cap - l, "[%zu]", i);
}

/* The path is left where fn stopped the walk. */
int
yn_diff_each(const struct ynode *a, const struct ynode *b, char *path,
    size_t cap, int (*fn)(void *, const char *, const struct ynode *,
    const struct ynode *), void *arg)
{
	size_t i, l = strlen(path);
	int r = 0;

	if (a == NULL || b == NULL || a->kind != b->kind)
		return a == b ? 0 : fn(arg, path, a, b);
	if (a->kind == YN_SCALAR)
		return strcmp(a->str, b->str) == 0 && yn_is_null(a) ==
		    yn_is_null(b) ? 0 : fn(arg, path, a, b);
	if (a->kind == YN_SEQ) {
		for (i = 0; r == 0 && (i < a->n || i < b->n); i++) {
			path_add(path, cap, NULL, i);
			r = yn_diff_each(i < a->n ? a->items[i] : NULL,
			    i < b->n ? b->items[i] : NULL, path, cap, fn, arg);
			if (r == 0)
				if (r == 0)
			path[l] = '\0';
		}
		return r;
	}
	for (i = 0; r == 0 && i + 1 < a->n; i += 2) {	/* a's keys */
		path_add(path, cap, a->items[i]->str, 0);
		r = yn_diff_each(a->items[i + 1], yn_get(b, a->items[i]->str),
		    path, cap, fn, arg);
		if (r == 0)
			path[l] = '\0';
	}
	for (i = 0; r == 0 && i + 1 < b->n; i += 2) {	/* then b's new ones */
		if (yn_get(a, b->items[i]->str) != NULL)
			continue;
		path_add(path, cap, b->items[i]->str, 0);
		r = fn(arg, path, NULL, b->items[i + 1]);
		if (r == 0)
			path[l] = '\0';
	}
	return r;
}

struct ynode *
yn_done(struct ynode *n, int r)
{
	if (r == 0)
		return n;
	yn_free(n);
	return NULL;
}

int
yn_set(struct ynode *m, const char *key, struct ynode *v)
{
	struct ynode *k;
	size_t i;

	if (v == NULL || m == NULL || m->kind != YN_MAP) {
		yn_free(v);
		return SOLR_ERR_NOMEM;
	}
	for (i = 0; i + 1 < m->n; i += 2)
		if (m->items[i]->kind == YN_SCALAR &&
		    strcmp(m->items[i]->str, key) == 0) {
			yn_free(m->items[i + 1]);
			m->items[i + 1] = v;
			return 0;
		}
	if ((k = new_scalar(key, strlen(key), 0)) == NULL) {
		yn_free(v);
		return SOLR_ERR_NOMEM;
	}
	if (push_item(m, k) != 0 || push_item(m, v) != 0) {
		if (m->n && m->items[m->n - 1] == k)
			m->n--;
		yn_free(k);
		yn_free(v);
		return SOLR_ERR_NOMEM;
	}
	return 0;
}

int
yn_set_str(struct ynode *m, const char *key, const char *s)
{
	return yn_set(m, key, s ? yn_new_str(s) : yn_new_null());
}

int
yn_set_int(struct ynode *m, const char *key, int64_t v)
{
	return yn_set(m, key, yn_new_int(v));
}

struct ynode *
yn_get_or_add_map(struct ynode *m, const char *key, int flow)
{
	struct ynode *v = yn_get(m, key);

	if (v != NULL && v->kind == YN_MAP)
		return v;
	if (yn_set(m, key, yn_new_map(flow)) != 0)
		return NULL;
	return yn_get(m, key);
}

int
yn_push(struct ynode *seq, struct ynode *v)
{
	if (v == NULL || seq == NULL || seq->kind != YN_SEQ) {
		yn_free(v);
		return SOLR_ERR_NOMEM;
	}
	if (push_item(seq, v) != 0) {
		yn_free(v);
		return SOLR_ERR_NOMEM;
	}
	return 0;
}

int
yn_push_raw(struct ynode *c, struct ynode *v)
{
	return push_item(c, v);
}

static int
word_in(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* Would a YAML 1.1 reader resolve this plain scalar to a non-string? */
int
yn_looks_typed(const char *s)
{
	static const char *const words[] = { "~", "null", "Null", "NULL",
	    "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true",
	    "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off",
	    "Off", "OFF", ".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan",
	    ".NaN", ".NAN", "=", "<<", NULL };
	const char *p;

	/* the words start with one of these and are at most 5 long */
	if (*s == '\0' || (strchr("~nNyYtTfFoO.-+=<", *s) && strnlen(s, 6) <= 5 &&
	    word_in(s, words)))
		return 1;
	/* 0x, 0b and 0o integers: only when the rest is of their digits
	 * (a SHA-256 name that starts "0b" is still a string) */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return s[2] != '\0' && strspn(s + 2, "0123456789abcdefABCDEF_")
		    == strlen(s + 2);
	if (s[0] == '0' && s[1] == 'b')
		return s[2] != '\0' && strspn(s + 2, "01_") == strlen(s + 2);
	if (s[0] == '0' && s[1] == 'o')
		return s[2] != '\0' && strspn(s + 2, "01234567_") ==
		    strlen(s + 2);
	/* numbers, sexagesimals and dates start with a digit, a sign or a
	 * point, and are made only of these */
	if (!strchr("0123456789+-.", s[0]))
		return 0;
	for (p = s; *p; p++)
		if (!strchr("0123456789+-._:eE", *p))
			return 0;
	return 1;
}
