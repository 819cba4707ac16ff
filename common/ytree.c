#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "ytree.h"
#include "ywrite.h"

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

/* Parsing. */

struct pstate {
	yaml_parser_t p;
	const char *fname;
	int first_line;
	size_t nodes;
	struct solr_err *e;
};

static int
perr(struct pstate *ps, int line, const char *fmt, const char *arg)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, arg);
	return solr_seterr_at(ps->e, SOLR_ERR_FORMAT, ps->fname, line, "%s",
	    msg);
}

static int
next_event(struct pstate *ps, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ps->p, ev)) {
		int line = ps->first_line + (int)ps->p.problem_mark.line;

		return perr(ps, line, "not valid YAML: %s",
		    ps->p.problem ? ps->p.problem : "parse error");
	}
	return 0;
}

static int parse_node(struct pstate *, yaml_event_t *, int, struct ynode **);

static int
parse_collection(struct pstate *ps, struct ynode *c, yaml_event_type_t end,
    int depth)
{
	yaml_event_t ev;
	struct ynode *child;
	int r;

	for (;;) {
		if ((r = next_event(ps, &ev)) != 0)
			return r;
		if (ev.type == end) {
			const struct ynode *d;

			yaml_event_delete(&ev);
			/* keys checked once the mapping is whole: linear */
			if (c->kind == YN_MAP && (d = yn_map_dup(c)) != NULL)
				return perr(ps, d->line, "duplicate key '%s'",
				    d->str);
			return 0;
		}
		child = NULL;
		r = parse_node(ps, &ev, depth + 1, &child);
		yaml_event_delete(&ev);
		if (r != 0)
			return r;
		if (c->kind == YN_MAP && c->n % 2 == 0) {
			if (child->kind != YN_SCALAR) {
				r = perr(ps, child->line,
				    "a mapping key must be a scalar%s", "");
				yn_free(child);
				return r;
			}
			if (c->n / 2 >= YN_MAX_KEYS) {
				r = perr(ps, child->line, "more than %s keys in "
				    "one mapping", YN_MAX_KEYS_STR);
				yn_free(child);
				return r;
			}
		}
		if (push_item(c, child) != 0) {
			yn_free(child);
			return solr_seterr(ps->e, SOLR_ERR_NOMEM,
			    "out of memory");
		}
	}
}

static int
parse_node(struct pstate *ps, yaml_event_t *ev, int depth, struct ynode **out)
{
	struct ynode *n = NULL;
	int line = ps->first_line + (int)ev->start_mark.line;
	int r;

	if (++ps->nodes > YN_MAX_NODES)
		return solr_seterr_at(ps->e, SOLR_ERR_LIMIT, ps->fname, line,
		    "more than %d YAML nodes", YN_MAX_NODES);
	if (depth > YN_MAX_DEPTH)
		return solr_seterr_at(ps->e, SOLR_ERR_LIMIT, ps->fname, line,
		    "YAML nested deeper than %d levels", YN_MAX_DEPTH);
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		return perr(ps, line, "YAML aliases are not accepted%s", "");
	case YAML_SCALAR_EVENT:
		if (ev->data.scalar.anchor)
			return perr(ps, line,
			    "YAML anchors are not accepted%s", "");
		n = new_scalar((const char *)ev->data.scalar.value,
		    ev->data.scalar.length,
		    ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE);
		if (n == NULL)
			return solr_seterr(ps->e, SOLR_ERR_NOMEM,
			    "out of memory");
		if (strlen(n->str) != n->len) {
			yn_free(n);
			return perr(ps, line, "a scalar contains a NUL "
			    "character%s", "");
		}
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if ((ev->type == YAML_SEQUENCE_START_EVENT &&
		    ev->data.sequence_start.anchor) ||
		    (ev->type == YAML_MAPPING_START_EVENT &&
		    ev->data.mapping_start.anchor))
			return perr(ps, line,
			    "YAML anchors are not accepted%s", "");
		if (ev->type == YAML_SEQUENCE_START_EVENT)
			n = yn_new_seq(ev->data.sequence_start.style ==
			    YAML_FLOW_SEQUENCE_STYLE);
		else
			n = yn_new_map(ev->data.mapping_start.style ==
			    YAML_FLOW_MAPPING_STYLE);
		if (n == NULL)
			return solr_seterr(ps->e, SOLR_ERR_NOMEM,
			    "out of memory");
		n->line = line;
		r = parse_collection(ps, n, ev->type ==
		    YAML_SEQUENCE_START_EVENT ? YAML_SEQUENCE_END_EVENT :
		    YAML_MAPPING_END_EVENT, depth);
		if (r != 0) {
			yn_free(n);
			return r;
		}
		/* an empty collection is written "{}" or "[]" whatever its
		 * style: what is added to it later takes the block style */
		if (n->n == 0)
			n->flow = 0;
		break;
	default:
		return perr(ps, line, "unexpected YAML event%s", "");
	}
	n->line = line;
	*out = n;
	return 0;
}

int
yn_parse(const char *buf, size_t len, const char *fname, int first_line,
    struct ynode **out, struct solr_err *e)
{
	int r;

	/* what our writer wrote is read without libyaml; anything else,
	 * and every error, is libyaml's */
	if ((r = yn_parse_fast(buf, len, first_line, out)) == 0)
		return 0;
	if (r == SOLR_ERR_NOMEM)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	return yn_parse_libyaml(buf, len, fname, first_line, out, e);
}

int
yn_parse_libyaml(const char *buf, size_t len, const char *fname,
    int first_line, struct ynode **out, struct solr_err *e)
{
	struct pstate ps;
	yaml_event_t ev;
	struct ynode *root = NULL;
	int r, ndocs = 0;

	memset(&ps, 0, sizeof(ps));
	ps.fname = fname;
	ps.first_line = first_line;
	ps.e = e;
	*out = NULL;
	if (!yaml_parser_initialize(&ps.p))
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	yaml_parser_set_input_string(&ps.p, (const unsigned char *)buf, len);
	for (;;) {
		if ((r = next_event(&ps, &ev)) != 0)
			goto out;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_DOCUMENT_START_EVENT) {
			int line = first_line + (int)ev.start_mark.line;

			yaml_event_delete(&ev);
			if (++ndocs > 1) {
				r = perr(&ps, line, "more than one YAML "
				    "document where one was expected%s", "");
				goto out;
			}
			if ((r = next_event(&ps, &ev)) != 0)
				goto out;
			r = parse_node(&ps, &ev, 0, &root);
			yaml_event_delete(&ev);
			if (r != 0)
				goto out;
			if ((r = next_event(&ps, &ev)) != 0)
				goto out;
			yaml_event_delete(&ev);	/* DOCUMENT-END */
			continue;
		}
		yaml_event_delete(&ev);
	}
	if (root == NULL) {
		r = perr(&ps, first_line, "empty YAML document%s", "");
		goto out;
	}
	*out = root;
	root = NULL;
	r = 0;
out:
	yn_free(root);
	yaml_parser_delete(&ps.p);
	return r;
}

/* Emitting. */

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

static int
emit(yaml_emitter_t *em, const struct ynode *n)
{
	yaml_event_t ev;
	size_t i;
	int ok;

	switch (n->kind) {
	case YN_SCALAR: {
		int q = n->quoted && yn_looks_typed(n->str);

		ok = yaml_scalar_event_initialize(&ev, NULL, NULL,
		    (yaml_char_t *)n->str, (int)n->len, !q, 1,
		    q ? YAML_SINGLE_QUOTED_SCALAR_STYLE :
		    YAML_PLAIN_SCALAR_STYLE);
		if (!ok || !yaml_emitter_emit(em, &ev))
			return SOLR_ERR_IO;
		return 0;
	}
	case YN_SEQ:
		ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    n->flow ? YAML_FLOW_SEQUENCE_STYLE :
		    YAML_BLOCK_SEQUENCE_STYLE);
		break;
	case YN_MAP:
		ok = yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    n->flow ? YAML_FLOW_MAPPING_STYLE :
		    YAML_BLOCK_MAPPING_STYLE);
		break;
	default:
		return SOLR_ERR_INTERNAL;
	}
	if (!ok || !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	for (i = 0; i < n->n; i++)
		if (emit(em, n->items[i]) != 0)
			return SOLR_ERR_IO;
	if (n->kind == YN_SEQ)
		ok = yaml_sequence_end_event_initialize(&ev);
	else
		ok = yaml_mapping_end_event_initialize(&ev);
	if (!ok || !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	return 0;
}

int
yn_emit_doc(yaml_emitter_t *em, const struct ynode *n)
{
	yaml_event_t ev;

	if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0) ||
	    !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	if (emit(em, n) != 0)
		return SOLR_ERR_IO;
	if (!yaml_document_end_event_initialize(&ev, 1) ||
	    !yaml_emitter_emit(em, &ev))
		return SOLR_ERR_IO;
	return 0;
}

/* A string as jq writes it, so that a record piped through jq -c keeps
 * its bytes (and its seal): the short escapes, \u00XX for the other
 * control characters and DEL, UTF-8 as it is, U+FFFD for bytes that are
 * not UTF-8. */
static void
json_string(struct solr_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), w;
	char u[8];

	solr_buf_addc(b, '"');
	while (n > 0) {
		unsigned char c = *p;
		const char *short_esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" :
		    c == '\b' ? "\\b" : c == '\t' ? "\\t" : c == '\n' ? "\\n" :
		    c == '\f' ? "\\f" : c == '\r' ? "\\r" : NULL;

		w = 1;
		if (short_esc != NULL)
			solr_buf_add(b, short_esc, 2);
		else if (c < 0x20 || c == 0x7f) {
			snprintf(u, sizeof(u), "\\u%04x", c);
			solr_buf_add(b, u, 6);
		} else if (c < 0x80)
			solr_buf_addc(b, c);
		else if (yw_utf8(p, n, &w) < 0) {
			solr_buf_add(b, "\xef\xbf\xbd", 3);
			w = 1;
		} else
			solr_buf_add(b, p, w);
		p += w;
		n -= w;
	}
	solr_buf_addc(b, '"');
}

/* A plain decimal integer (hex, versions and times stay strings). */
static int
json_number(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9' || (*p == '0' && p[1] != '\0'))
		return 0;
	return strspn(p, "0123456789") == strlen(p) && strlen(p) < 16;
}

int
yn_json(const struct ynode *n, struct solr_buf *b)
{
	size_t i;

	if (n == NULL) {
		solr_buf_add(b, "null", 4);
		return 0;
	}
	switch (n->kind) {
	case YN_SCALAR:
		if (!n->quoted && yn_is_null(n))
			solr_buf_add(b, "null", 4);
		else if (!n->quoted && (strcmp(n->str, "true") == 0 ||
		    strcmp(n->str, "false") == 0))
			solr_buf_add(b, n->str, strlen(n->str));
		else if (!n->quoted && json_number(n->str))
			solr_buf_add(b, n->str, strlen(n->str));
		else
			json_string(b, n->str);
		break;
	case YN_SEQ:
		solr_buf_addc(b, '[');
		for (i = 0; i < n->n; i++) {
			if (i)
				solr_buf_addc(b, ',');
			yn_json(n->items[i], b);
		}
		solr_buf_addc(b, ']');
		break;
	case YN_MAP:
		solr_buf_addc(b, '{');
		for (i = 0; i + 1 < n->n; i += 2) {
			if (i)
				solr_buf_addc(b, ',');
			json_string(b, n->items[i]->str);
			solr_buf_addc(b, ':');
			yn_json(n->items[i + 1], b);
		}
		solr_buf_addc(b, '}');
		break;
	}
	return 0;
}
