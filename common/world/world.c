#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/guard.h"
#include "base/layout.h"
#include "base/crypto.h"
#include "prepay/safe.h"
#include "prepay/srv.h"
#include "world/world.h"
#include "base/yread.h"

#define CONFIG_MAX (4 * 1024 * 1024)

const char *
solr_world_dir(const char *dir)
{
	const char *env;

	if (dir != NULL)
		return dir;
	if ((env = getenv("SOLR_WORLD")) != NULL && *env)
		return env;
	return ".";
}

/* Reading typed values out of a configuration tree, with errors that name
 * the file, the line and the field. */

struct cfg {
	const char *file;
	struct solr_err *e;
};

static int
cfg_keys(struct cfg *c, const struct ynode *m, const char *what,
    const char *const *known)
{
	size_t i;
	const char *const *k;

	if (m == NULL || m->kind != YN_MAP)
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, m, what,
		    "must be a mapping");
	for (i = 0; i < m->n; i += 2) {
		for (k = known; *k; k++)
			if (strcmp(*k, m->items[i]->str) == 0)
				break;
		if (*k == NULL) {
			char f[160];

			snprintf(f, sizeof(f), "%s.%s", what,
			    m->items[i]->str);
			return yn_err(c->e, SOLR_ERR_CONFIG, c->file,
			    m->items[i], f, "unknown key");
		}
	}
	return 0;
}

static int
cfg_str(struct cfg *c, const struct ynode *n, const char *field, char **out)
{
	if (!yn_is_scalar(n) || yn_is_null(n))
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, field,
		    "must be a string");
	if ((*out = strdup(n->str)) == NULL)
		return solr_seterr(c->e, SOLR_ERR_NOMEM, "out of memory");
	return 0;
}

static int
cfg_bool(struct cfg *c, const struct ynode *n, const char *field, int *out)
{
	if (yn_is_scalar(n) && !n->quoted) {
		if (strcmp(n->str, "true") == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(n->str, "false") == 0) {
			*out = 0;
			return 0;
		}
	}
	return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, field, "must be true "
	    "or false");
}

static int
cfg_uint(struct cfg *c, const struct ynode *n, const char *field,
    uint64_t max, uint64_t *out)
{
	char rule[96];

	if (yn_is_scalar(n) && solr_parse_uint(n->str, max, out) == 0)
		return 0;
	snprintf(rule, sizeof(rule), "'%.40s' is not a number from 0 to %llu",
	    yn_is_scalar(n) ? n->str : "(not a scalar)",
	    (unsigned long long)max);
	return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, field, rule);
}

static int
cfg_int_list(struct cfg *c, const struct ynode *n, const char *field,
    uint64_t max, int *out, size_t cap, size_t *nout)
{
	size_t i;
	uint64_t v;
	int r;

	if (n == NULL || n->kind != YN_SEQ)
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, field,
		    "must be a list");
	if (n->n > cap)
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, field,
		    "has too many entries");
	for (i = 0; i < n->n; i++) {
		if ((r = cfg_uint(c, n->items[i], field, max, &v)) != 0)
			return r;
		out[i] = (int)v;
	}
	*nout = n->n;
	return 0;
}

static int
cfg_str_list(struct cfg *c, const struct ynode *n, const char *field,
    char ***out, size_t *nout)
{
	size_t i;
	int r;

	if (n == NULL || n->kind != YN_SEQ)
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, field,
		    "must be a list");
	if ((*out = calloc(n->n + 1, sizeof(char *))) == NULL)
		return solr_seterr(c->e, SOLR_ERR_NOMEM, "out of memory");
	*nout = n->n;
	for (i = 0; i < n->n; i++)
		if ((r = cfg_str(c, n->items[i], field, &(*out)[i])) != 0)
			return r;
	return 0;
}

static void
free_str_list(char **l, size_t n)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static int
load_yaml(const char *dir, enum world_file f, struct ynode **out,
    char sha[SOLR_SHA256_HEX], struct solr_err *e)
{
	char path[PATH_MAX];
	struct solr_buf b = { 0 };
	int r;

	world_path(path, sizeof(path), dir, f);
	if ((r = solr_read_guarded(path, CONFIG_MAX, &b, e)) != 0) {
		solr_buf_free(&b);
		e->code = SOLR_ERR_CONFIG;
		return SOLR_ERR_CONFIG;
	}
	if (sha)
		solr_sha256_hex(b.p, b.len, sha);
	r = yn_parse((const char *)b.p, b.len, path, 1, out, e);
	solr_buf_free(&b);
	if (r != 0) {
		e->code = SOLR_ERR_CONFIG;
		return SOLR_ERR_CONFIG;
	}
	return 0;
}

/* pki: require_chain and the legacy decimal_role_ou. */
static int
load_pki(struct cfg *c, const struct ynode *n, struct solr_policy *p)
{
	static const char *const pki_keys[] = { "require_chain",
	    "decimal_role_ou", NULL };
	int r;

	if ((r = cfg_keys(c, n, "pki", pki_keys)) != 0)
		return r;
	if (yn_get(n, "require_chain") && (r = cfg_bool(c, yn_get(n,
	    "require_chain"), "pki.require_chain", &p->require_chain)) != 0)
		return r;
	if (yn_get(n, "decimal_role_ou") && (r = cfg_bool(c, yn_get(n,
	    "decimal_role_ou"), "pki.decimal_role_ou",
	    &p->decimal_role_ou)) != 0)
		return r;
	return 0;
}

static int
element_name(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!(s[i] >= 'A' && s[i] <= 'Z') && !(s[i] >= 'a' &&
		    s[i] <= 'z') && !(i > 0 && s[i] >= '0' && s[i] <= '9'))
			return 0;
	return i > 0 && i < 128;
}

/* One SRV the policy lists as not inspected: {srv, body, content}; the
 * row's strings are the policy tree's, which the world keeps. */
static int
load_own_row(struct cfg *c, const struct ynode *it, const char *field,
    struct solr_role_policy *rp, size_t i)
{
	static const char *const keys[] = { "srv", "body", "content", NULL };
	const struct ynode *body = yn_get(it, "body");
	const struct ynode *content = yn_get(it, "content");
	struct srv_row *own;
	char why[200];
	int r;

	if ((r = cfg_keys(c, it, field, keys)) != 0 ||
	    (r = cfg_str(c, yn_get(it, "srv"), field, &rp->srvs[i])) != 0)
		return r;
	if (!yn_is_scalar(content) || strcmp(content->str, "not inspected"))
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, content ?
		    content : it, field, "content: the policy lists an SRV "
		    "only as 'not inspected'; a rule is a row of the SRV table");
	if (!yn_is_scalar(body) || !element_name(body->str))
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, body ? body : it,
		    field, "body: the name of the body's element, as "
		    "UpdateDebt");
	if (srv_row(rp->srvs[i]) != NULL) {
		snprintf(why, sizeof(why), "SRV %.20s has a row with a content "
		    "rule; listing it as not inspected would skip the rule",
		    rp->srvs[i]);
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, it, field, why);
	}
	own = &rp->own[rp->nown++];
	own->srv = rp->srvs[i];
	own->element = body->str;
	own->not_inspected = 1;
	rp->rows[i] = own;
	return 0;
}

/* roles.<name>.srvs: each an SRV as DUIS writes it, with its row of the
 * SRV table, or a row the policy gives: an SRV it lists as not
 * inspected. */
static int
load_srvs(struct cfg *c, const struct ynode *n, const char *field,
    struct solr_role_policy *rp)
{
	size_t i;
	int r;

	if (n == NULL || n->kind != YN_SEQ)
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, field,
		    "must be a list");
	if ((rp->srvs = calloc(n->n + 1, sizeof(*rp->srvs))) == NULL ||
	    (rp->rows = calloc(n->n + 1, sizeof(*rp->rows))) == NULL ||
	    (rp->own = calloc(n->n + 1, sizeof(*rp->own))) == NULL)
		return solr_seterr(c->e, SOLR_ERR_NOMEM, "out of memory");
	rp->nsrvs = n->n;	/* each freed, set or not */
	for (i = 0; i < n->n; i++) {
		if (n->items[i]->kind == YN_MAP)
			r = load_own_row(c, n->items[i], field, rp, i);
		else if ((r = cfg_str(c, n->items[i], field, &rp->srvs[i])) ==
		    0)
			rp->rows[i] = srv_row(rp->srvs[i]);
		if (r != 0)
			return r;
	}
	return 0;
}

/* roles: each user role's SRVs and CommandVariants. */
static int
load_roles(struct cfg *c, const struct ynode *n, struct solr_policy *p)
{
	static const char *const role_keys[] = { "srvs", "cvs", NULL };
	char f[128];
	size_t i;
	int r;

	if (n->kind != YN_MAP)
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n, "roles",
		    "must be a mapping");
	if ((p->roles = calloc(n->n / 2 + 1, sizeof(*p->roles))) == NULL)
		return solr_seterr(c->e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; i + 1 < n->n; i += 2) {
		struct solr_role_policy *rp = &p->roles[p->nroles++];
		struct ynode *rv = n->items[i + 1];

		if ((rp->name = strdup(n->items[i]->str)) == NULL)
			return solr_seterr(c->e, SOLR_ERR_NOMEM, "out of "
			    "memory");
		snprintf(f, sizeof(f), "roles.%s", rp->name);
		if ((r = cfg_keys(c, rv, f, role_keys)) != 0)
			return r;
		snprintf(f, sizeof(f), "roles.%s.srvs", rp->name);
		if ((r = load_srvs(c, yn_get(rv, "srvs"), f, rp)) != 0)
			return r;
		snprintf(f, sizeof(f), "roles.%s.cvs", rp->name);
		if ((r = cfg_int_list(c, yn_get(rv, "cvs"), f, 9, rp->cvs, 16,
		    &rp->ncvs)) != 0)
			return r;
	}
	return 0;
}

/* The seed's Table 1: the safety-critical alerts that still reach a
 * failed supplier. */
const int solr_safety_critical_default[SOLR_SAFETY_CRITICAL_DEFAULT] = {
	0x8F1F, 0x8F3F, 0x8F73, 0x8F74, 0x8F75, 0x8F76, 0x8F77, 0x8F78, 0x8F1D
};

/* supplier_roles and safety_critical_alerts, with their defaults. */
static int
load_lists(struct cfg *c, const struct ynode *t, struct solr_policy *p)
{
	static const char *const dflt[] = { "IS", "GS", "ES" };
	const struct ynode *n;
	size_t i;
	int r;

	if ((n = yn_get(t, "supplier_roles")) != NULL) {
		if ((r = cfg_str_list(c, n, "supplier_roles",
		    &p->supplier_roles, &p->nsupplier_roles)) != 0)
			return r;
	} else {
		if ((p->supplier_roles = calloc(4, sizeof(char *))) == NULL)
			return solr_seterr(c->e, SOLR_ERR_NOMEM, "out of "
			    "memory");
		for (i = 0; i < 3; i++)
			if ((p->supplier_roles[p->nsupplier_roles++] =
			    strdup(dflt[i])) == NULL)
				return solr_seterr(c->e, SOLR_ERR_NOMEM,
				    "out of memory");
	}
	if ((n = yn_get(t, "safety_critical_alerts")) != NULL)
		return cfg_int_list(c, n, "safety_critical_alerts", 0xffff,
		    p->safety_critical, 64, &p->nsafety_critical);
	memcpy(p->safety_critical, solr_safety_critical_default,
	    sizeof(solr_safety_critical_default));
	p->nsafety_critical = SOLR_SAFETY_CRITICAL_DEFAULT;
	return 0;
}

/* The stages every SoLR request must pass before solr-countersign acts. */
static const char *const stages_required[] = { "verify-sig",
	"failed-suppliers", "gbcs-parse", "adt-check", NULL };

/* required_stages: absent, the four stages; present, at least those,
 * and only stages there are. */
static int
strict_stages(struct cfg *c, const struct ynode *t, struct solr_policy *p)
{
	static const char *const known[] = { "verify-sig", "failed-suppliers",
	    "gbcs-parse", "adt-check", "route", NULL };
	const struct ynode *n = yn_get(t, "required_stages");
	char why[160];
	size_t i, j;
	int found;

	for (i = 0; i < p->nrequired_stages; i++) {
		for (j = 0, found = 0; known[j]; j++)
			found |= strcmp(known[j], p->required_stages[i]) == 0;
		if (!found) {
			snprintf(why, sizeof(why), "'%.40s' is not a stage",
			    p->required_stages[i]);
			return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n,
			    "required_stages", why);
		}
	}
	if (n == NULL) {
		if ((p->required_stages = calloc(5, sizeof(char *))) == NULL)
			return solr_seterr(c->e, SOLR_ERR_NOMEM, "out of "
			    "memory");
		for (i = 0; stages_required[i]; i++)
			if ((p->required_stages[p->nrequired_stages++] =
			    strdup(stages_required[i])) == NULL)
				return solr_seterr(c->e, SOLR_ERR_NOMEM,
				    "out of memory");
		return 0;
	}
	for (j = 0; stages_required[j]; j++) {
		for (i = 0, found = 0; i < p->nrequired_stages; i++)
			found |= strcmp(stages_required[j],
			    p->required_stages[i]) == 0;
		if (!found) {
			snprintf(why, sizeof(why), "lacks %s: no configuration "
			    "switches a check off", stages_required[j]);
			return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n,
			    "required_stages", why);
		}
	}
	return 0;
}

/* No policy switches a SoLR control off: the role is there, under its
 * own name, and may send only what the tools check (SR 2.1, against the
 * safe profile, which must load). */
static int
strict_policy(struct cfg *c, const struct ynode *t, struct solr_policy *p)
{
	const struct solr_role_policy *rp = NULL;
	const struct ynode *roles = yn_get(t, "roles");
	char why[200];
	size_t i;
	int r;

	for (i = 0; i < p->nroles; i++) {
		if (strcmp(p->roles[i].name, SOLR_CONTINGENCY) == 0)
			rp = &p->roles[i];
		else if (strcasecmp(p->roles[i].name, SOLR_CONTINGENCY) == 0) {
			snprintf(why, sizeof(why), "'%s' is not the role's "
			    "name (%s)", p->roles[i].name, SOLR_CONTINGENCY);
			return yn_err(c->e, SOLR_ERR_CONFIG, c->file, roles,
			    "roles", why);
		}
	}
	if (rp == NULL)
		return yn_err(c->e, SOLR_ERR_CONFIG, c->file, roles ? roles : t,
		    "roles." SOLR_CONTINGENCY, "missing: without it no SoLR "
		    "rule would hold (the strict one is {srvs: ['2.1'], cvs: "
		    "[4, 5, 6, 7]})");
	for (i = 0; i < rp->nsrvs; i++) {
		const char *unfit = rp->rows[i] ? srv_row_unfit(rp->rows[i]) :
		    "no row of the SRV table reads it, and the policy does "
		    "not list it as {srv: ..., body: ..., content: not "
		    "inspected}";

		if (unfit != NULL) {
			snprintf(why, sizeof(why), "SRV %.20s has no content "
			    "rule: %s", rp->srvs[i], unfit);
			return yn_err(c->e, SOLR_ERR_CONFIG, c->file, yn_path(t,
			    "roles." SOLR_CONTINGENCY ".srvs"), "roles."
			    SOLR_CONTINGENCY ".srvs", why);
		}
	}
	/* loaded once, here, for every stage that holds values to it */
	if ((r = safe_policy_load(t, c->file, &p->safe, c->e)) != 0)
		return r;
	return strict_stages(c, t, p);
}

/* max_document_bytes, upload_scanner and upload_scanner_seconds, with
 * their defaults. */
static int
load_limits(struct cfg *c, const struct ynode *t, struct solr_policy *p)
{
	const struct ynode *n;
	uint64_t v;
	int r;

	p->max_document_bytes = 1024 * 1024;
	if ((n = yn_get(t, "max_document_bytes")) != NULL) {
		if ((r = cfg_uint(c, n, "max_document_bytes", 64 << 20,
		    &v)) != 0)
			return r;
		if (v < 1024)
			return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n,
			    "max_document_bytes", "must be at least 1024");
		p->max_document_bytes = (size_t)v;
	}
	if ((n = yn_get(t, "upload_scanner")) != NULL &&
	    (r = cfg_str(c, n, "upload_scanner", &p->upload_scanner)) != 0)
		return r;
	p->upload_scanner_seconds = 300;
	if ((n = yn_get(t, "upload_scanner_seconds")) != NULL) {
		if ((r = cfg_uint(c, n, "upload_scanner_seconds", 86400, &v))
		    != 0)
			return r;
		if (v < 1)
			return yn_err(c->e, SOLR_ERR_CONFIG, c->file, n,
			    "upload_scanner_seconds", "must be at least 1");
		p->upload_scanner_seconds = (int64_t)v;
	}
	return 0;
}

static int
load_policy(struct solr_world *w, struct solr_err *e)
{
	static const char *const top[] = { "xml_signer_roles",
	    "response_signer_roles", "pki", "roles",
	    "e020101_from_schema_version", "required_stages", "safe_prepay",
	    "safety_critical_alerts", "max_document_bytes", "supplier_roles",
	    "allow_future_activation", "calendar_horizon_days",
	    "upload_scanner", "upload_scanner_seconds", NULL };
	struct solr_policy *p = &w->policy;
	struct cfg c;
	struct ynode *t, *n;
	char path[PATH_MAX];
	int r;

	world_path(path, sizeof(path), w->dir, WF_POLICY);
	c.file = path;
	c.e = e;
	if ((r = load_yaml(w->dir, WF_POLICY, &p->tree, w->policy_sha256,
	    e)) != 0)
		return r;
	t = p->tree;
	if ((r = cfg_keys(&c, t, "policy", top)) != 0)
		return r;
	/* defaults: the production profile */
	p->xml_signer_roles[0] = SOLR_ROLE_XMLSIGN;
	p->n_xml_signer_roles = 1;
	p->response_signer_roles[0] = SOLR_ROLE_DSPXMLSIGN;
	p->n_response_signer_roles = 1;
	p->require_chain = 1;
	if ((n = yn_get(t, "xml_signer_roles")) != NULL &&
	    (r = cfg_int_list(&c, n, "xml_signer_roles", 0xff,
	    p->xml_signer_roles, SOLR_MAX_ROLES, &p->n_xml_signer_roles)) != 0)
		return r;
	if ((n = yn_get(t, "response_signer_roles")) != NULL &&
	    (r = cfg_int_list(&c, n, "response_signer_roles", 0xff,
	    p->response_signer_roles, SOLR_MAX_ROLES,
	    &p->n_response_signer_roles)) != 0)
		return r;
	if ((n = yn_get(t, "pki")) != NULL && (r = load_pki(&c, n, p)) != 0)
		return r;
	if ((r = load_limits(&c, t, p)) != 0)
		return r;
	if ((n = yn_get(t, "roles")) != NULL &&
	    (r = load_roles(&c, n, p)) != 0)
		return r;
	if ((n = yn_get(t, "e020101_from_schema_version")) != NULL &&
	    (r = cfg_str(&c, n, "e020101_from_schema_version",
	    &p->e020101_from)) != 0)
		return r;
	if ((r = load_lists(&c, t, p)) != 0)
		return r;
	if ((n = yn_get(t, "required_stages")) != NULL &&
	    (r = cfg_str_list(&c, n, "required_stages", &p->required_stages,
	    &p->nrequired_stages)) != 0)
		return r;
	return strict_policy(&c, t, p);
}

static int
load_registry(struct solr_world *w, struct solr_err *e)
{
	static const char *const top[] = { "users", NULL };
	static const char *const ukeys[] = { "id", "party", "roles", "status",
	    NULL };
	struct ynode *t = NULL, *users;
	char path[PATH_MAX];
	struct cfg c;
	size_t i, j;
	int r;

	world_path(path, sizeof(path), w->dir, WF_REGISTRY);
	c.file = path;
	c.e = e;
	if ((r = load_yaml(w->dir, WF_REGISTRY, &t, w->registry_sha256,
	    e)) != 0)
		return r;
	if ((r = cfg_keys(&c, t, "registry", top)) != 0)
		goto out;
	users = yn_get(t, "users");
	if (users == NULL || users->kind != YN_SEQ) {
		r = yn_err(c.e, SOLR_ERR_CONFIG, c.file, users ? users : t,
		    "users", "must be a list");
		goto out;
	}
	if ((w->users = calloc(users->n + 1, sizeof(*w->users))) == NULL) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < users->n; i++) {
		struct ynode *u = users->items[i], *id, *st;
		struct solr_user *su = &w->users[w->nusers++];

		if ((r = cfg_keys(&c, u, "users[]", ukeys)) != 0)
			goto out;
		id = yn_get(u, "id");
		if (!yn_is_scalar(id) ||
		    solr_eui_parse(id->str, id->len, &su->id) != 0) {
			r = yn_err(c.e, SOLR_ERR_CONFIG, c.file, id ? id : u,
			    "users[].id", "must be an EUI-64 like "
			    "90-B3-D5-1F-30-01-00-00");
			goto out;
		}
		for (j = 0; j + 1 < w->nusers; j++)
			if (w->users[j].id == su->id) {
				r = yn_err(c.e, SOLR_ERR_CONFIG, c.file, id,
				    "users[].id", "the same user is listed "
				    "twice");
				goto out;
			}
		if ((r = cfg_str(&c, yn_get(u, "party"), "users[].party",
		    &su->party)) != 0)
			goto out;
		if ((r = cfg_str_list(&c, yn_get(u, "roles"), "users[].roles",
		    &su->roles, &su->nroles)) != 0)
			goto out;
		st = yn_get(u, "status");
		if (!yn_is_scalar(st) || (strcmp(st->str, "active") != 0 &&
		    strcmp(st->str, "suspended") != 0)) {
			r = yn_err(c.e, SOLR_ERR_CONFIG, c.file, st ? st : u,
			    "users[].status", "must be active or suspended");
			goto out;
		}
		su->suspended = strcmp(st->str, "suspended") == 0;
	}
	r = 0;
out:
	yn_free(t);
	return r;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.pem files of a directory, sorted; a missing directory is empty. */
static int
list_pem(const char *dir, char ***out, size_t *n, struct solr_err *e)
{
	DIR *d;
	struct dirent *de;
	char **l = NULL, **nl;
	size_t cnt = 0, len;
	int r;

	*out = NULL;
	*n = 0;
	if ((r = solr_guard(dir, 1, e)) == SOLR_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return 0;
		return solr_seterr_at(e, SOLR_ERR_CONFIG, dir, 0, "%s",
		    strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".pem") != 0)
			continue;
		if ((nl = realloc(l, (cnt + 1) * sizeof(*l))) == NULL)
			goto nomem;
		l = nl;
		if ((l[cnt] = malloc(strlen(dir) + len + 2)) == NULL)
			goto nomem;
		sprintf(l[cnt++], "%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (cnt)
		qsort(l, cnt, sizeof(*l), name_cmp);
	*out = l;
	*n = cnt;
	return 0;
nomem:
	closedir(d);
	free_str_list(l, cnt);
	return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
}

/* Calls fn for every certificate (or CRL) in every PEM file of dir. */
static int
each_pem(const char *dir, int crl,
    int (*fn)(struct solr_world *, void *, const char *, struct solr_err *),
    struct solr_world *w, struct solr_err *e)
{
	char **files;
	size_t n, i;
	int r = 0, count;

	if ((r = list_pem(dir, &files, &n, e)) != 0)
		return r;
	for (i = 0; i < n && r == 0; i++) {
		FILE *f = solr_fopen_guarded(files[i], e);
		void *obj;

		if (f == NULL) {
			r = e->code = SOLR_ERR_CONFIG;
			break;
		}
		count = 0;
		for (;;) {
			obj = crl ? (void *)PEM_read_X509_CRL(f, NULL, NULL,
			    NULL) : (void *)PEM_read_X509(f, NULL, NULL, NULL);
			if (obj == NULL)
				break;
			count++;
			r = fn(w, obj, files[i], e);
			if (crl)
				X509_CRL_free(obj);
			else
				X509_free(obj);
			if (r != 0)
				break;
		}
		fclose(f);
		if (r == 0) {
			unsigned long l = ERR_peek_last_error();

			if (count == 0 || (l && !(ERR_GET_LIB(l) == ERR_LIB_PEM
			    && ERR_GET_REASON(l) == PEM_R_NO_START_LINE)))
				r = solr_seterr_at(e, SOLR_ERR_CONFIG,
				    files[i], 0, "not a PEM %s file",
				    crl ? "CRL" : "certificate");
		}
		ERR_clear_error();
	}
	free_str_list(files, n);
	return r;
}

static int
add_trust(struct solr_world *w, void *obj, const char *file,
    struct solr_err *e)
{
	X509 *x = obj;

	if (!X509_STORE_add_cert(w->store, x) || !X509_up_ref(x))
		return solr_seterr_at(e, SOLR_ERR_CONFIG, file, 0,
		    "cannot add to the trust store");
	if (!sk_X509_push(w->trust, x)) {
		X509_free(x);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static int
add_crl(struct solr_world *w, void *obj, const char *file,
    struct solr_err *e)
{
	X509_CRL *crl = obj;
	int i, verified = 0;

	for (i = 0; i < sk_X509_num(w->trust); i++) {
		X509 *ca = sk_X509_value(w->trust, i);

		if (X509_NAME_cmp(X509_get_subject_name(ca),
		    X509_CRL_get_issuer(crl)) != 0)
			continue;
		if (X509_CRL_verify(crl, X509_get0_pubkey(ca)) != 1) {
			ERR_clear_error();
			return solr_seterr_at(e, SOLR_ERR_CONFIG, file, 0,
			    "the CRL's signature does not verify with its "
			    "issuer's certificate in pki/trust");
		}
		verified = 1;
		break;
	}
	if (!verified && w->policy.require_chain)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, file, 0,
		    "the CRL's issuer is not in pki/trust");
	if (!X509_CRL_up_ref(crl))
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (!sk_X509_CRL_push(w->crls, crl)) {
		X509_CRL_free(crl);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	return 0;
}

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int
add_org(struct solr_world *w, void *obj, const char *file,
    struct solr_err *e)
{
	struct solr_cert *c, **no;
	int r;

	if ((r = solr_cert_from_x509(obj, file, &c, e)) != 0)
		return r;
	if ((no = realloc(w->org, (w->norg + 1) * sizeof(*no))) == NULL) {
		solr_cert_free(c);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	w->org = no;
	w->org[w->norg++] = c;
	return 0;
}

static const struct solr_world *sort_world;

static int
by_eui(const void *a, const void *b)
{
	uint64_t x = sort_world->org[*(const size_t *)a]->eui;
	uint64_t y = sort_world->org[*(const size_t *)b]->eui;

	if (x != y)
		return x < y ? -1 : 1;
	/* keep file order among one EUI's certificates */
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int
index_org(struct solr_world *w, struct solr_err *e)
{
	size_t i, cap = 16, h;

	if ((w->org_by_eui = malloc((w->norg + 1) * sizeof(size_t))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; i < w->norg; i++)
		if (w->org[i]->has_eui)
			w->org_by_eui[w->norg_by_eui++] = i;
	sort_world = w;
	qsort(w->org_by_eui, w->norg_by_eui, sizeof(size_t), by_eui);
	sort_world = NULL;

	while (cap < w->norg * 2)
		cap *= 2;
	if ((w->org_index = malloc(cap * sizeof(size_t))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	w->org_index_cap = cap;
	for (i = 0; i < cap; i++)
		w->org_index[i] = SIZE_MAX;
	for (i = 0; i < w->norg; i++) {
		h = (size_t)str_hash(w->org[i]->serial) & (cap - 1);
		while (w->org_index[h] != SIZE_MAX)
			h = (h + 1) & (cap - 1);
		w->org_index[h] = i;
	}
	return 0;
}

/* keys/records.key: the key that seals the records between the stages.
 * Without it the world does not load: no stage runs unsealed. */
static int
load_record_key(struct solr_world *w, struct solr_err *e)
{
	unsigned char key[SOLR_RECORD_KEY_LEN], derived[32];
	char path[PATH_MAX];
	int r;

	world_path(path, sizeof(path), w->dir, WF_RECORDS_KEY);
	if (access(path, F_OK) != 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "%s; this "
		    "key seals the records between the stages (make it with: "
		    "(umask 077; openssl rand -hex %d > %s))", strerror(errno),
		    SOLR_RECORD_KEY_LEN, path);
	if ((r = solr_load_secret_key(path, key, sizeof(key), e)) != 0)
		return r;
	w->sealer = solr_sealer_new(key, sizeof(key));
	if (w->sealer != NULL && (solr_derive_key(key, sizeof(key),
	    SOLR_LABEL_REPLAY, derived) != 0 || (w->replay_sealer =
	    solr_sealer_new(derived, sizeof(derived))) == NULL ||
	    solr_derive_key(key, sizeof(key), SOLR_LABEL_TRAIL,
	    w->trail_key) != 0 || solr_derive_key(key, sizeof(key),
	    SOLR_LABEL_COUNTERS, w->counters_key) != 0 ||
	    solr_derive_key(key, sizeof(key), SOLR_LABEL_HISTORY,
	    w->history_key) != 0 || solr_derive_key(key, sizeof(key),
	    SOLR_LABEL_ADT, w->adt_key) != 0 ||
	    solr_derive_key(key, sizeof(key), SOLR_LABEL_STATE,
	    w->state_key) != 0 ||
	    solr_derive_key(key, sizeof(key), SOLR_LABEL_INVENTORY,
	    derived) != 0 || (w->inventory_sealer =
	    solr_sealer_new(derived, sizeof(derived))) == NULL)) {
		solr_sealer_free(w->sealer);
		w->sealer = NULL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(derived, sizeof(derived));
	if (w->sealer == NULL)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	return 0;
}

/* The world is the DCC's configuration: its files and folders are held
 * to the guard's rules (base/guard.h), as ssh's StrictModes holds a
 * user's, before anything is read. */
static int
strict_modes(const char *dir, struct solr_err *e)
{
	char path[PATH_MAX];
	struct stat st;
	int i, r;

	for (i = 0; i < WF_NFILES; i++) {
		world_path(path, sizeof(path), dir, (enum world_file)i);
		if (lstat(path, &st) != 0)
			continue;	/* what is missing is said where it is
			    read */
		if ((r = solr_guard(path, S_ISDIR(st.st_mode), e)) != 0)
			return r;
	}
	return 0;
}

int
world_load(struct solr_world *w, const char *dir, struct solr_err *e)
{
	char path[PATH_MAX];
	const char *env;
	int r;

	memset(w, 0, sizeof(*w));
	if ((size_t)snprintf(w->dir, sizeof(w->dir), "%s", dir) >=
	    sizeof(w->dir) - 64)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, dir, 0,
		    "path too long");
	if ((env = getenv("SOLR_OBJECTS")) != NULL && *env)
		snprintf(w->objects, sizeof(w->objects), "%s", env);
	else
		world_path(w->objects, sizeof(w->objects), w->dir,
		    WF_OBJECTS);
	world_path(path, sizeof(path), w->dir, WF_POLICY);
	if (access(path, F_OK) != 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "%s: is %s "
		    "a world directory? (-C dir, or SOLR_WORLD; solr-world(5))",
		    strerror(errno), w->dir);
	/* the key first (under the guard): records that cannot be decided
	 * are still sealed */
	if ((r = solr_guard_root(w->dir, e)) != 0 ||
	    (r = load_record_key(w, e)) != 0 || (r = strict_modes(w->dir, e))
	    != 0 || (r = load_policy(w, e)) != 0 ||
	    (r = load_registry(w, e)) != 0)
		return r;
	if ((w->store = X509_STORE_new()) == NULL ||
	    (w->trust = sk_X509_new_null()) == NULL ||
	    (w->crls = sk_X509_CRL_new_null()) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	world_path(path, sizeof(path), w->dir, WF_TRUST);
	if ((r = each_pem(path, 0, add_trust, w, e)) != 0)
		return r;
	if (w->policy.require_chain && sk_X509_num(w->trust) == 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0,
		    "no CA certificate, but policy.yaml requires a chain "
		    "(pki.require_chain)");
	world_path(path, sizeof(path), w->dir, WF_CRL);
	if ((r = each_pem(path, 1, add_crl, w, e)) != 0)
		return r;
	/* with chains, revocation is part of the check: no CRL is no check */
	if (w->policy.require_chain && sk_X509_CRL_num(w->crls) == 0)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "no CRL, "
		    "but policy.yaml requires chains (pki.require_chain): "
		    "without one nothing would be found revoked");
	world_path(path, sizeof(path), w->dir, WF_ORG);
	if ((r = each_pem(path, 0, add_org, w, e)) != 0)
		return r;
	return index_org(w, e);
}

void
world_batch_next(struct solr_world *w)
{
	if (++w->batch == 0)
		w->batch = 1;
}

void
world_free(struct solr_world *w)
{
	size_t i, j;

	for (i = 0; i < sizeof(w->issuers) / sizeof(w->issuers[0]); i++) {
		free(w->issuers[i].text);
		X509_NAME_free(w->issuers[i].name);
		w->issuers[i].text = NULL;
		w->issuers[i].name = NULL;
	}
	if (w->devcache_free != NULL)
		w->devcache_free(w->devcache);
	w->devcache = NULL;
	if (w->inventory_free != NULL)
		w->inventory_free(w->inventory);
	w->inventory = NULL;
	yn_free(w->policy.tree);
	solr_sealer_free(w->sealer);
	solr_sealer_free(w->replay_sealer);
	w->sealer = w->replay_sealer = NULL;
	OPENSSL_cleanse(w->trail_key, sizeof(w->trail_key));
	OPENSSL_cleanse(w->counters_key, sizeof(w->counters_key));
	OPENSSL_cleanse(w->state_key, sizeof(w->state_key));
	solr_sealer_free(w->inventory_sealer);
	w->inventory_sealer = NULL;
	for (i = 0; i < w->policy.nroles; i++) {
		free(w->policy.roles[i].name);
		free_str_list(w->policy.roles[i].srvs,
		    w->policy.roles[i].nsrvs);
		free(w->policy.roles[i].rows);
		free(w->policy.roles[i].own);
	}
	free(w->policy.roles);
	free(w->policy.e020101_from);
	free(w->policy.upload_scanner);
	free_str_list(w->policy.required_stages,
	    w->policy.nrequired_stages);
	free_str_list(w->policy.supplier_roles, w->policy.nsupplier_roles);
	for (i = 0; i < w->nusers; i++) {
		free(w->users[i].party);
		free_str_list(w->users[i].roles, w->users[i].nroles);
	}
	free(w->users);
	X509_STORE_free(w->store);
	sk_X509_pop_free(w->trust, X509_free);
	sk_X509_CRL_pop_free(w->crls, X509_CRL_free);
	for (j = 0; j < w->norg; j++)
		solr_cert_free(w->org[j]);
	free(w->org);
	free(w->org_index);
	free(w->org_by_eui);
	memset(w, 0, sizeof(*w));
}

const struct solr_user *
world_user(const struct solr_world *w, uint64_t id)
{
	size_t i;

	for (i = 0; i < w->nusers; i++)
		if (w->users[i].id == id)
			return &w->users[i];
	return NULL;
}

int
user_has_role(const struct solr_user *u, const char *role)
{
	size_t i;

	for (i = 0; u && i < u->nroles; i++)
		if (strcmp(u->roles[i], role) == 0)
			return 1;
	return 0;
}

const struct solr_role_policy *
world_role_policy(const struct solr_world *w, const char *role)
{
	size_t i;

	for (i = 0; i < w->policy.nroles; i++)
		if (strcmp(w->policy.roles[i].name, role) == 0)
			return &w->policy.roles[i];
	return NULL;
}

/* The issuer name the text says, parsed once while it stays among the
 * last few asked for; the world's, not freed by the caller. */
static X509_NAME *
issuer_name(struct solr_world *w, const char *text, struct solr_err *e)
{
	const size_t n = sizeof(w->issuers) / sizeof(w->issuers[0]);
	X509_NAME *name;
	char *copy;
	size_t i;

	for (i = 0; i < n; i++)
		if (w->issuers[i].text != NULL &&
		    strcmp(w->issuers[i].text, text) == 0)
			return w->issuers[i].name;
	if ((name = solr_name_parse(text, e)) == NULL)
		return NULL;
	if ((copy = strdup(text)) == NULL) {
		X509_NAME_free(name);
		solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		return NULL;
	}
	i = w->issuers_next++ % n;
	free(w->issuers[i].text);
	X509_NAME_free(w->issuers[i].name);
	w->issuers[i].text = copy;
	w->issuers[i].name = name;
	return name;
}

int
world_find_org(struct solr_world *w, const char *issuer, const char *serial,
    struct solr_cert **out, struct solr_err *e)
{
	X509_NAME *name;
	size_t h;

	*out = NULL;
	if ((name = issuer_name(w, issuer, e)) == NULL)
		return e->code;
	h = (size_t)str_hash(serial) & (w->org_index_cap - 1);
	for (; w->org_index[h] != SIZE_MAX; h = (h + 1) &
	    (w->org_index_cap - 1)) {
		struct solr_cert *c = w->org[w->org_index[h]];

		if (strcmp(c->serial, serial) == 0 &&
		    X509_NAME_cmp(X509_get_issuer_name(c->x), name) == 0) {
			*out = c;
			break;
		}
	}
	if (*out == NULL)
		return solr_seterr(e, SOLR_ERR_NOTFOUND,
		    "no certificate in pki/org has issuer '%s' and serial %s",
		    issuer, serial);
	return 0;
}

size_t
world_find_org_by_eui(const struct solr_world *w, uint64_t eui, int role,
    uint32_t ku, struct solr_cert **out, size_t max)
{
	size_t lo = 0, hi = w->norg_by_eui, n = 0, mid;

	/* the first certificate of this EUI in the sorted index */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (w->org[w->org_by_eui[mid]]->eui < eui)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < w->norg_by_eui && n < max; lo++) {
		struct solr_cert *c = w->org[w->org_by_eui[lo]];

		if (c->eui != eui)
			break;
		if (world_cert_role(w, c) == role && (c->key_usage & ku))
			out[n++] = c;
	}
	return n;
}

int
world_cert_role(const struct solr_world *w, const struct solr_cert *c)
{
	uint64_t v;

	if (c->role >= 0)
		return c->role;
	if (w->policy.decimal_role_ou && strlen(c->ou) == 3 &&
	    solr_parse_uint(c->ou, 0xff, &v) == 0)
		return (int)v;
	return -1;
}

int
world_revoked_at(struct solr_world *w, X509 *x, int64_t at, int64_t *when)
{
	int i;

	for (i = 0; i < sk_X509_CRL_num(w->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(w->crls, i);
		X509_REVOKED *rev = NULL;

		if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_issuer_name(x)) != 0)
			continue;
		if (X509_CRL_get0_by_serial(crl, &rev,
		    X509_get0_serialNumber(x)) == 1 && rev != NULL) {
			if (solr_asn1_time(X509_REVOKED_get0_revocationDate(
			    rev), when) != 0)
				*when = INT64_MIN;	/* unreadable: revoked */
			if (*when <= at)
				return 1;
		}
	}
	return 0;
}

static int
verify_chain(struct solr_world *w, struct solr_cert *c)
{
	X509_STORE_CTX *ctx;
	STACK_OF(X509) *chain = NULL;
	int i, ok;

	c->chain_not_before = INT64_MIN;
	c->chain_not_after = INT64_MAX;
	if ((ctx = X509_STORE_CTX_new()) == NULL)
		return -1;
	if (!X509_STORE_CTX_init(ctx, w->store, c->x, NULL)) {
		X509_STORE_CTX_free(ctx);
		return -1;
	}
	/* validity is checked per request, at the request's time */
	X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_NO_CHECK_TIME);
	ERR_clear_error();
	ok = X509_verify_cert(ctx);
	if (ok != 1 && solr_openssl_oom())
		ok = -1;
	if (ok == 1) {
		chain = X509_STORE_CTX_get0_chain(ctx);
		for (i = 1; i < sk_X509_num(chain); i++) {
			X509 *ca = sk_X509_value(chain, i);
			int64_t nb, na;

			/* every issuing CA is kept, for its revocation: one
			 * that could not be is no chain checked */
			if (i + 1 < sk_X509_num(chain)) {
				if ((c->chain_cas == NULL && (c->chain_cas =
				    sk_X509_new_null()) == NULL) ||
				    !X509_up_ref(ca)) {
					ok = -1;
					break;
				}
				if (!sk_X509_push(c->chain_cas, ca)) {
					X509_free(ca);
					ok = -1;
					break;
				}
			}

			if (solr_asn1_time(X509_get0_notBefore(ca), &nb) ||
			    solr_asn1_time(X509_get0_notAfter(ca), &na)) {
				ok = 0;
				snprintf(c->chain_err, sizeof(c->chain_err),
				    "a CA certificate's dates cannot be read");
				break;
			}
			if (nb > c->chain_not_before)
				c->chain_not_before = nb;
			if (na < c->chain_not_after)
				c->chain_not_after = na;
		}
	} else if (ok == 0 && X509_STORE_CTX_get_error(ctx) !=
	    X509_V_ERR_OUT_OF_MEM)
		snprintf(c->chain_err, sizeof(c->chain_err),
		    "it does not chain to pki/trust: %s",
		    X509_verify_cert_error_string(
		    X509_STORE_CTX_get_error(ctx)));
	else
		ok = -1;
	X509_STORE_CTX_free(ctx);
	ERR_clear_error();
	if (ok < 0) {
		/* the check could not run: nothing is kept of it, and the
		 * next use tries again */
		sk_X509_pop_free(c->chain_cas, X509_free);
		c->chain_cas = NULL;
		return -1;
	}
	c->chain_state = ok == 1 ? 1 : -1;
	return 0;
}

int
world_check_chain(struct solr_world *w, struct solr_cert *c,
    struct solr_err *e)
{
	if (!w->policy.require_chain)
		return 0;
	if (c->chain_state == 0 && verify_chain(w, c) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL,
		    "chain verification could not run");
	if (c->chain_state < 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "certificate serial "
		    "%s: %s", c->serial, c->chain_err);
	return 0;
}

int
world_check_cert(struct solr_world *w, struct solr_cert *c, int64_t at,
    struct solr_err *e)
{
	char t1[SOLR_TIME_STRLEN], t2[SOLR_TIME_STRLEN];
	int64_t when;

	solr_time_format(at, t2);
	if (at < c->not_before) {
		solr_time_format(c->not_before, t1);
		return solr_seterr(e, SOLR_ERR_VERIFY, "certificate serial "
		    "%s is not valid before %s (checked at %s)", c->serial, t1,
		    t2);
	}
	if (at > c->not_after) {
		solr_time_format(c->not_after, t1);
		return solr_seterr(e, SOLR_ERR_VERIFY, "certificate serial "
		    "%s expired at %s (checked at %s)", c->serial, t1, t2);
	}
	if (world_revoked_at(w, c->x, at, &when)) {
		solr_time_format(when, t1);
		return solr_seterr(e, SOLR_ERR_VERIFY, "certificate serial "
		    "%s was revoked at %s (checked at %s)", c->serial,
		    when == INT64_MIN ? "an unreadable time" : t1, t2);
	}
	if (!w->policy.require_chain)
		return 0;
	if (world_check_chain(w, c, e) != 0)
		return e->code;
	if (at < c->chain_not_before || at > c->chain_not_after)
		return solr_seterr(e, SOLR_ERR_VERIFY, "certificate serial "
		    "%s: a CA certificate of its chain is not valid at %s",
		    c->serial, t2);
	/* an issuing CA revoked by its root takes its certificates along */
	for (int i = 0; i < sk_X509_num(c->chain_cas); i++) {
		X509 *ca = sk_X509_value(c->chain_cas, i);

		if (world_revoked_at(w, ca, at, &when)) {
			solr_name_format(X509_get_subject_name(ca), t1,
			    sizeof(t1));
			return solr_seterr(e, SOLR_ERR_VERIFY, "certificate "
			    "serial %s: its issuing CA '%s' is revoked",
			    c->serial, t1);
		}
	}
	return 0;
}

int
role_allows_srv(const struct solr_role_policy *rp, const char *srv)
{
	size_t i;

	for (i = 0; rp != NULL && srv != NULL && i < rp->nsrvs; i++)
		if (strcmp(rp->srvs[i], srv) == 0)
			return 1;
	return 0;
}

const struct srv_row *
world_srv_row(const struct solr_world *w, const char *srv)
{
	const struct solr_role_policy *rp = world_role_policy(w,
	    SOLR_CONTINGENCY);
	size_t i;

	for (i = 0; rp != NULL && srv != NULL && i < rp->nsrvs; i++)
		if (strcmp(rp->srvs[i], srv) == 0)
			return rp->rows[i];
	return srv_row(srv);
}

int
role_allows_cv(const struct solr_role_policy *rp, int cv)
{
	size_t i;

	for (i = 0; rp != NULL && i < rp->ncvs; i++)
		if (rp->cvs[i] == cv)
			return 1;
	return 0;
}

int
world_solr_path(const struct solr_world *w, uint64_t sender,
    uint64_t originator)
{
	return sender != originator && user_has_role(world_user(w, sender),
	    SOLR_CONTINGENCY);
}
