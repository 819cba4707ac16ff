/* Reading, fast, the YAML that common/ywrite.c writes: "---", block
 * mappings indented by two, sequences in a mapping not indented, flow
 * collections on one line, and scalars plain, single- or double-quoted on
 * one line.  Anything else, and anything that libyaml could read in
 * another way (a plain scalar that is not plain, a line that continues
 * one, an escape the writer does not use, a duplicate key), is left to
 * libyaml: the answer is then 1, and nothing is made.  What is read is
 * the tree libyaml's reader gives, line numbers included
 * (tests/unit/check_ywrite.c compares both). */
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/ytree.h"
#include "base/ychar.h"
#include "base/yread.h"

/* text not in the writer's form: libyaml reads it */
#define NOT_OURS SOLR_ERR_FORMAT

struct rd {
	const char *p, *end;
	int line;		/* of p, from the "---" line as 0 */
	int first_line;
	size_t nodes;
	struct solr_buf tmp;
};

static int
count(struct rd *r, int depth)
{
	return ++r->nodes > YN_MAX_NODES || depth > YN_MAX_DEPTH ? NOT_OURS :
	    0;
}

static struct ynode *
scalar_node(struct rd *r, const char *s, size_t n, int quoted, int line)
{
	struct ynode *v = quoted ? yn_new_strn(s, n) : yn_new_plainn(s, n);

	if (v != NULL)
		v->line = r->first_line + line;
	return v;
}

/* A plain scalar from p: in a flow collection it ends before ", ", "]",
 * "}" or ": " (a key), in a block before ": " (a key) or the line's end. */
static int
plain(struct rd *r, int flow, int key, struct ynode **out)
{
	const char *s = r->p, *q = s;
	int ok;

	for (; q < r->end && *q != '\n'; q++) {
		if (*q == ':' && (q + 1 == r->end || q[1] == ' ' || q[1] ==
		    '\n') && key)
			break;
		if (flow && (*q == ',' || *q == ']' || *q == '}' || (*q == ':'
		    && q + 1 < r->end && q[1] == ' ')))
			break;
	}
	if (q == s)
		return NOT_OURS;
	ok = flow ? yw_flow_plain(s, (size_t)(q - s)) :
	    yw_block_plain(s, (size_t)(q - s));
	if (!ok)
		return NOT_OURS;
	if ((*out = scalar_node(r, s, (size_t)(q - s), 0, r->line)) == NULL)
		return SOLR_ERR_NOMEM;
	r->p = q;
	return 0;
}

/* One character of a quoted scalar, as it is, into r->tmp. */
static int
quoted_char(struct rd *r, const char **q)
{
	size_t w;
	long c;

	if ((c = yw_utf8((const unsigned char *)*q, (size_t)(r->end - *q),
	    &w)) < 0 || !yw_printable(c) || c == '\n' || c == 0x2028 ||
	    c == 0x2029)
		return NOT_OURS;	/* breaks and NEL: left to libyaml */
	if (solr_buf_add(&r->tmp, *q, w))
		return SOLR_ERR_NOMEM;
	*q += w;
	return 0;
}

/* The quoted scalar read into r->tmp, whose closing quote is at q. */
static int
quoted_end(struct rd *r, const char *q, struct ynode **out)
{
	if ((*out = scalar_node(r, (const char *)r->tmp.p, r->tmp.len, 1,
	    r->line)) == NULL)
		return SOLR_ERR_NOMEM;
	r->p = q + 1;
	return 0;
}

static int
single(struct rd *r, struct ynode **out)
{
	const char *q = r->p + 1;
	int rc;

	r->tmp.len = 0;
	for (;;) {
		if (q >= r->end || *q == '\n')
			return NOT_OURS;
		if (*q == '\'') {
			if (q + 1 < r->end && q[1] == '\'') {
				if (solr_buf_addc(&r->tmp, '\''))
					return SOLR_ERR_NOMEM;
				q += 2;
				continue;
			}
			break;
		}
		if ((rc = quoted_char(r, &q)) != 0)
			return rc;
	}
	return quoted_end(r, q, out);
}

static int
hexn(const char *q, const char *end, int n, long *v)
{
	int i, d;

	if (end - q < n)
		return -1;
	for (*v = 0, i = 0; i < n; i++) {
		if ((d = solr_hexval(q[i])) < 0)
			return -1;
		*v = *v << 4 | d;
	}
	return 0;
}

static int
dquoted(struct rd *r, struct ynode **out)
{
	static const char simple[] = "abtnvfre\"\\N_LP";
	static const long value[] = { 7, 8, 9, 10, 11, 12, 13, 27, '"', '\\',
	    0x85, 0xa0, 0x2028, 0x2029 };
	const char *q = r->p + 1, *k;
	long c;
	int n, rc;

	r->tmp.len = 0;
	for (;;) {
		if (q >= r->end || *q == '\n')
			return NOT_OURS;
		if (*q == '"')
			break;
		if (*q == '\\') {
			if (q + 1 >= r->end)
				return NOT_OURS;
			if ((k = strchr(simple, q[1])) != NULL && q[1] != '\0') {
				c = value[k - simple];
				q += 2;
			} else {
				n = q[1] == 'x' ? 2 : q[1] == 'u' ? 4 : q[1] ==
				    'U' ? 8 : 0;
				if (n == 0 || hexn(q + 2, r->end, n, &c) != 0 ||
				    c == 0 || c > 0x10ffff || (c >= 0xd800 &&
				    c <= 0xdfff))
					return NOT_OURS;
				q += 2 + n;
			}
			if (yw_put_utf8(&r->tmp, c))
				return SOLR_ERR_NOMEM;
			continue;
		}
		if ((rc = quoted_char(r, &q)) != 0)
			return rc;
	}
	return quoted_end(r, q, out);
}

static int flow(struct rd *, int, struct ynode **);

/* A scalar or a flow collection at p. */
static int
inline_node(struct rd *r, int in_flow, int key, int depth,
    struct ynode **out)
{
	const char *start = r->p;
	int rc;

	if (r->p >= r->end)
		return NOT_OURS;
	if ((rc = count(r, depth)) != 0)
		return rc;
	switch (*r->p) {
	case '{':
	case '[':
		return key ? NOT_OURS : flow(r, depth, out);
	case '\'':
		rc = single(r, out);
		break;
	case '"':
		rc = dquoted(r, out);
		break;
	default:
		rc = plain(r, in_flow, key, out);
	}
	/* libyaml looks for a key's ':' within 1,024 characters */
	if (rc == 0 && key && r->p - start > 1000) {
		yn_free(*out);
		*out = NULL;
		rc = NOT_OURS;
	}
	return rc;
}

static int
lit(struct rd *r, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, s, n) != 0)
		return 0;
	r->p += n;
	return 1;
}


/* Adds to a collection, refusing what libyaml would report. */
static int
push(struct ynode *c, struct ynode *v)
{
	if (c->kind == YN_MAP && c->n % 2 == 0 && (v->kind != YN_SCALAR ||
	    c->n / 2 >= YN_MAX_KEYS)) {
		yn_free(v);
		return NOT_OURS;
	}
	if (yn_push_raw(c, v) != 0) {
		yn_free(v);
		return SOLR_ERR_NOMEM;
	}
	return 0;
}

static int
flow(struct rd *r, int depth, struct ynode **out)
{
	int is_map = *r->p == '{', rc = 0, i;
	char close = is_map ? '}' : ']';
	struct ynode *c, *v;

	if ((c = is_map ? yn_new_map(1) : yn_new_seq(1)) == NULL)
		return SOLR_ERR_NOMEM;
	c->line = r->first_line + r->line;
	r->p++;
	if (r->p < r->end && *r->p == close) {
		r->p++;
		c->flow = 0;	/* as the reader has an empty one */
		*out = c;
		return 0;
	}
	for (i = 0;; i++) {
		if (i > 0 && !lit(r, ", "))
			break;
		if ((rc = inline_node(r, 1, is_map, depth + 1, &v)) != 0 ||
		    (rc = push(c, v)) != 0)
			break;
		if (is_map && (!lit(r, ": ") || (rc = inline_node(r, 1, 0,
		    depth + 1, &v)) != 0 || (rc = push(c, v)) != 0)) {
			rc = rc ? rc : NOT_OURS;
			break;
		}
	}
	if (rc == 0 && !(r->p < r->end && *r->p == close))
		rc = NOT_OURS;
	if (rc != 0) {
		yn_free(c);
		return rc;
	}
	r->p++;
	*out = c;
	return 0;
}

/* The indent of the line at p, or -1 at the end. */
static int
indent_at(const struct rd *r)
{
	const char *q = r->p;

	if (q >= r->end)
		return -1;
	while (q < r->end && *q == ' ')
		q++;
	return (int)(q - r->p);
}

static int
eol(struct rd *r)
{
	if (r->p >= r->end || *r->p != '\n')
		return NOT_OURS;
	r->p++;
	r->line++;
	return 0;
}

static int block_map(struct rd *, int, int, int, struct ynode **);
static int block_seq(struct rd *, int, int, int, struct ynode **);

/* What follows "key:" or "- " on the next lines, at indent k. */
static int
block_value(struct rd *r, int k, int in_map, int depth, struct ynode **out)
{
	int in = indent_at(r);
	const char *q = r->p + (in > 0 ? in : 0);

	if (in < 0)
		return NOT_OURS;
	if (in_map && in == k - 2 && q < r->end && *q == '-' && q + 1 <
	    r->end && (q[1] == ' ' || q[1] == '\n'))
		return block_seq(r, k - 2, 1, depth, out);
	if (in == k && q < r->end && *q != '-')
		return block_map(r, k, 1, depth, out);
	return NOT_OURS;
}

/* Whether the line at p (after any indent) starts with a key. */
static int
starts_key(struct rd *r)
{
	struct rd t = *r;
	struct ynode *k = NULL;
	int rc;

	t.tmp.p = NULL;
	t.tmp.len = t.tmp.cap = 0;
	rc = inline_node(&t, 0, 1, 0, &k);
	solr_buf_free(&t.tmp);
	yn_free(k);
	return rc == 0 && t.p < t.end && *t.p == ':';
}

/* A block mapping at indent k; first: whether its first line still has
 * its indent (not after "- "). */
static int
block_map(struct rd *r, int k, int first, int depth, struct ynode **out)
{
	struct ynode *m, *key, *v;
	int rc = 0, in, pairs = 0;

	if ((rc = count(r, depth)) != 0)
		return rc;
	if ((m = yn_new_map(0)) == NULL)
		return SOLR_ERR_NOMEM;
	m->line = r->first_line + r->line;
	for (;;) {
		if (pairs > 0 || first) {
			if ((in = indent_at(r)) < k)
				break;	/* the end, or the collection's */
			if (in > k) {
				rc = NOT_OURS;
				break;
			}
			r->p += k;
		}
		if ((rc = inline_node(r, 0, 1, depth + 1, &key)) != 0)
			break;
		if ((rc = push(m, key)) != 0)
			break;
		if (!lit(r, ":")) {
			rc = NOT_OURS;
			break;
		}
		if (lit(r, " ")) {
			if ((rc = inline_node(r, 0, 0, depth + 1, &v)) != 0 ||
			    (rc = push(m, v)) != 0 || (rc = eol(r)) != 0)
				break;
		} else if ((rc = eol(r)) != 0 || (rc = block_value(r, k + 2,
		    1, depth + 1, &v)) != 0 || (rc = push(m, v)) != 0)
			break;
		pairs++;
	}
	if (rc != 0) {
		yn_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* A block sequence at indent k; first: as for block_map. */
static int
block_seq(struct rd *r, int k, int first, int depth, struct ynode **out)
{
	struct ynode *s, *v;
	int rc = 0, in, items = 0;

	if ((rc = count(r, depth)) != 0)
		return rc;
	if ((s = yn_new_seq(0)) == NULL)
		return SOLR_ERR_NOMEM;
	s->line = r->first_line + r->line;
	for (;;) {
		if (items > 0 || first) {
			in = indent_at(r);
			if (in < k || (in == k && (r->p + k >= r->end ||
			    r->p[k] != '-')))
				break;
			if (in > k) {
				rc = NOT_OURS;
				break;
			}
			r->p += k;
		}
		if (!lit(r, "- ")) {
			rc = NOT_OURS;
			break;
		}
		if (lit(r, "- "))
			rc = NOT_OURS;	/* "- - x": left to libyaml */
		else if (starts_key(r))
			rc = block_map(r, k + 2, 0, depth + 1, &v);
		else if ((rc = inline_node(r, 0, 0, depth + 1, &v)) == 0 &&
		    (rc = eol(r)) != 0)
			yn_free(v);
		if (rc != 0 || (rc = push(s, v)) != 0)
			break;
		items++;
	}
	if (rc != 0) {
		yn_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int
yn_parse_fast(const char *buf, size_t len, int first_line, struct ynode **out)
{
	struct rd r = { buf, buf + len, 0, first_line, 0, { 0 } };
	int rc;

	*out = NULL;
	if (!lit(&r, "---\n"))
		return NOT_OURS;
	r.line = 1;
	if (indent_at(&r) != 0 || *r.p == '-' || *r.p == '#')
		rc = NOT_OURS;
	else
		rc = block_map(&r, 0, 1, 0, out);
	/* a key twice (found in linear time over the whole tree) is
	 * libyaml's to report */
	if (rc == 0 && (r.p != r.end || yn_find_dup(*out) != NULL)) {
		yn_free(*out);
		*out = NULL;
		rc = NOT_OURS;
	}
	solr_buf_free(&r.tmp);
	return rc;
}

/* Reading with libyaml. */

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
		if (yn_push_raw(c, child) != 0) {
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
		n = ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ?
		    yn_new_strn((const char *)ev->data.scalar.value,
		    ev->data.scalar.length) :
		    yn_new_plainn((const char *)ev->data.scalar.value,
		    ev->data.scalar.length);
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
