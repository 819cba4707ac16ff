#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "base/layout.h"
#include "decide/fslist.h"
#include "base/ytree.h"
#include "base/yread.h"

#define LIST_MAX (4 * 1024 * 1024)

/* One supplier of the list, into l->entry[l->n]. */
static int
parse_entry(const struct ynode *it, const char *file, struct fs_list *l,
    struct solr_err *e)
{
	struct fs_entry *en = &l->entry[l->n];
	const struct ynode *id, *nm, *srp;
	char eui[SOLR_EUI_STRLEN], rule[128];
	size_t j;

	if (it->kind != YN_MAP)
		return yn_err(e, SOLR_ERR_FORMAT, file, it, "suppliers[]",
		    "must be a mapping");
	for (j = 0; j < it->n; j += 2)
		if (strcmp(it->items[j]->str, "id") &&
		    strcmp(it->items[j]->str, "name") &&
		    strcmp(it->items[j]->str, "srp"))
			return yn_err(e, SOLR_ERR_FORMAT, file, it->items[j],
			    it->items[j]->str, "unknown key (an entry has id, "
			    "name and srp)");
	id = yn_get(it, "id");
	nm = yn_get(it, "name");
	srp = yn_get(it, "srp");
	en->line = it->line;
	if (!yn_is_scalar(id) || solr_eui_parse(id->str, id->len, &en->id) != 0)
		return yn_err(e, SOLR_ERR_FORMAT, file, id ? id : it,
		    "suppliers[].id", "must be an EUI-64 in the DUIS form, "
		    "like 90-B3-D5-1F-30-01-00-00");
	if (!yn_is_scalar(nm) || yn_is_null(nm) || nm->len == 0)
		return yn_err(e, SOLR_ERR_FORMAT, file, nm ? nm : it,
		    "suppliers[].name", "every supplier needs a name");
	if ((en->name = strdup(nm->str)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	l->n++;
	if (srp != NULL && !yn_is_null(srp)) {
		if (!yn_is_scalar(srp) || solr_eui_parse(srp->str, srp->len,
		    &en->srp) != 0)
			return yn_err(e, SOLR_ERR_FORMAT, file, srp,
			    "suppliers[].srp", "must be an EUI-64 in the DUIS "
			    "form");
		en->has_srp = 1;
	}
	for (j = 0; j + 1 < l->n; j++)
		if (l->entry[j].id == en->id) {
			solr_eui_format(en->id, eui);
			snprintf(rule, sizeof(rule), "%s is listed twice "
			    "(first at line %d)", eui, l->entry[j].line);
			return yn_err(e, SOLR_ERR_FORMAT, file, id,
			    "suppliers[].id", rule);
		}
	return 0;
}

/* version and suppliers, and nothing else. */
static int
parse_top(const struct ynode *t, const char *file, struct fs_list *l,
    struct solr_err *e)
{
	const struct ynode *v;
	uint64_t ver;
	size_t i;

	if (t->kind != YN_MAP)
		return yn_err(e, SOLR_ERR_FORMAT, file, t, "list", "must be a "
		    "mapping");
	for (i = 0; i < t->n; i += 2)
		if (strcmp(t->items[i]->str, "version") &&
		    strcmp(t->items[i]->str, "suppliers"))
			return yn_err(e, SOLR_ERR_FORMAT, file, t->items[i],
			    t->items[i]->str, "unknown key (the list has "
			    "version and suppliers)");
	if ((v = yn_get(t, "version")) == NULL)
		return yn_err(e, SOLR_ERR_FORMAT, file, t, "version",
		    "the list has no version");
	if (!yn_is_scalar(v) || v->quoted ||
	    solr_parse_uint(v->str, INT64_MAX, &ver) != 0 || ver < 1)
		return yn_err(e, SOLR_ERR_FORMAT, file, v, "version",
		    "must be a whole number from 1");
	l->version = (int64_t)ver;
	l->version_line = v->line;
	return 0;
}

int
fslist_parse(const char *buf, size_t len, const char *file,
    struct fs_list *l, struct solr_err *e)
{
	struct ynode *t = NULL, *s;
	size_t i;
	int r;

	memset(l, 0, sizeof(*l));
	l->present = 1;
	solr_sha256_hex(buf, len, l->sha256);
	if ((r = yn_parse(buf, len, file, 1, &t, e)) != 0)
		return r;
	if ((r = parse_top(t, file, l, e)) != 0)
		goto out;
	s = yn_get(t, "suppliers");
	if (s == NULL || s->kind != YN_SEQ) {
		r = yn_err(e, SOLR_ERR_FORMAT, file, s ? s : t, "suppliers",
		    "must be a list");
		goto out;
	}
	for (i = 0; i + 1 < t->n; i += 2)
		if (t->items[i + 1] == s)
			l->suppliers_line = t->items[i]->line;
	if ((l->entry = calloc(s->n + 1, sizeof(*l->entry))) == NULL) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s->n && r == 0; i++)
		r = parse_entry(s->items[i], file, l, e);
out:
	yn_free(t);
	if (r != 0)
		fslist_free(l);
	return r;
}

int
fslist_load(const char *world, struct fs_list *l, struct solr_err *e)
{
	char path[PATH_MAX];
	struct solr_buf b = { 0 };
	int r;

	memset(l, 0, sizeof(*l));
	world_path(path, sizeof(path), world, WF_FAILED_SUPPLIERS);
	if ((r = solr_read_guarded(path, LIST_MAX, &b, e)) != 0) {
		solr_buf_free(&b);
		if (r == SOLR_ERR_IO && errno == ENOENT) {
			solr_err_clear(e);
			return 0;	/* none applied: nobody has failed */
		}
		return r;
	}
	r = fslist_parse((const char *)b.p, b.len, path, l, e);
	solr_buf_free(&b);
	if (r != 0)
		e->code = SOLR_ERR_CONFIG;
	return r ? SOLR_ERR_CONFIG : 0;
}

void
fslist_free(struct fs_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->entry[i].name);
	free(l->entry);
	l->entry = NULL;
	l->n = 0;
}

const struct fs_entry *
fslist_find(const struct fs_list *l, uint64_t id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->entry[i].id == id)
			return &l->entry[i];
	return NULL;
}

/* Names compare case-folded, with runs of white space as one space. */
static int
same_name(const char *a, const char *b)
{
	for (;;) {
		while (isspace((unsigned char)*a) && (isspace(
		    (unsigned char)a[1]) || a[1] == '\0'))
			a++;
		while (isspace((unsigned char)*b) && (isspace(
		    (unsigned char)b[1]) || b[1] == '\0'))
			b++;
		if (*a == '\0' || *b == '\0')
			return *a == *b;
		if (isspace((unsigned char)*a) && isspace((unsigned char)*b)) {
			a++;
			b++;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
}

static int
is_supplier(const struct solr_world *w, const struct solr_user *u)
{
	size_t i;

	for (i = 0; i < w->policy.nsupplier_roles; i++)
		if (user_has_role(u, w->policy.supplier_roles[i]))
			return 1;
	return 0;
}

const char *const fslist_codes[] = { "not-registered", "not-a-supplier",
	"name-mismatch", "not-suspended", "never-certified",
	"active-certificates", "srp-not-registered", "srp-not-solr",
	"srp-suspended", "removed", "version-not-newer", NULL };

int
fslist_accept_valid(const char *a)
{
	const char *colon = strchr(a, ':');
	size_t i, cl = colon ? (size_t)(colon - a) : strlen(a);
	uint64_t id;

	if (colon != NULL && solr_eui_parse(colon + 1, strlen(colon + 1),
	    &id) != 0)
		return 0;
	for (i = 0; fslist_codes[i] != NULL; i++)
		if (strlen(fslist_codes[i]) == cl &&
		    strncmp(a, fslist_codes[i], cl) == 0)
			return 1;
	return 0;
}

static struct fs_finding *
add(struct fs_finding **f, size_t *n, const char *code, const struct
    fs_entry *en)
{
	struct fs_finding *nf;

	if ((nf = realloc(*f, (*n + 1) * sizeof(**f))) == NULL)
		return NULL;
	*f = nf;
	nf = &(*f)[(*n)++];
	nf->code = code;
	nf->supplier = en->id;
	nf->line = en->line;
	nf->note = 0;
	nf->msg[0] = '\0';
	return nf;
}

/* What the upload changes: suppliers added (notes), removed (requests
 * for them will be refused from the apply on), and its version. */
static int
compare(const struct fs_list *cur, const struct fs_list *l,
    struct fs_finding **out, size_t *n, struct solr_err *e)
{
	struct fs_finding *f;
	char eui[SOLR_EUI_STRLEN];
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct fs_entry *en = &l->entry[i];

		if (fslist_find(cur, en->id) != NULL)
			continue;
		if ((f = add(out, n, "added", en)) == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		f->note = 1;
		solr_eui_format(en->id, eui);
		snprintf(f->msg, sizeof(f->msg), "%s (%s) is added to the "
		    "list", eui, en->name);
	}
	for (i = 0; i < cur->n; i++) {
		struct fs_entry en = cur->entry[i];

		if (fslist_find(l, en.id) != NULL)
			continue;
		en.line = l->suppliers_line;
		if ((f = add(out, n, "removed", &en)) == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		solr_eui_format(en.id, eui);
		snprintf(f->msg, sizeof(f->msg), "%s (%s) is on the installed "
		    "list (version %lld) but not on this one: its SRP's "
		    "requests will be refused", eui, en.name,
		    (long long)cur->version);
	}
	if (cur->present && l->version <= cur->version) {
		struct fs_entry en = { 0 };

		en.line = l->version_line;
		if ((f = add(out, n, "version-not-newer", &en)) == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		snprintf(f->msg, sizeof(f->msg), "version %lld is not above "
		    "the installed version %lld (an old or repeated upload?); "
		    "if it is accepted, it is installed as version %lld",
		    (long long)l->version, (long long)cur->version,
		    (long long)cur->version + 1);
	}
	return 0;
}

#define FIND(code) do {							\
		if ((f = add(out, n, code, en)) == NULL)		\
			return solr_seterr(e, SOLR_ERR_NOMEM,		\
			    "out of memory");				\
	} while (0)

/* What registry.yaml says of a listed supplier. */
static int
registry_findings(const struct solr_world *w, const struct fs_entry *en,
    struct fs_finding **out, size_t *n, struct solr_err *e)
{
	const struct solr_user *u = world_user(w, en->id);
	struct fs_finding *f;
	char eui[SOLR_EUI_STRLEN];

	solr_eui_format(en->id, eui);
	if (u == NULL) {
		FIND("not-registered");
		snprintf(f->msg, sizeof(f->msg), "%s (%s) is not a DCC user in "
		    "registry.yaml", eui, en->name);
		return 0;
	}
	if (!is_supplier(w, u)) {
		FIND("not-a-supplier");
		snprintf(f->msg, sizeof(f->msg), "%s (%s) holds no supplier "
		    "user role", eui, u->party);
	}
	if (!same_name(en->name, u->party)) {
		FIND("name-mismatch");
		snprintf(f->msg, sizeof(f->msg), "%s is '%s' in the list but "
		    "'%s' in registry.yaml", eui, en->name, u->party);
	}
	if (!u->suspended) {
		FIND("not-suspended");
		snprintf(f->msg, sizeof(f->msg), "%s (%s) is active; a failed "
		    "supplier is normally suspended", eui, u->party);
	}
	return 0;
}

/* The seed's check: the SMKI certificates of a failed supplier are
 * normally revoked; and (R6 B/C) an identity that never held one is not a
 * failed supplier. */
static int
cert_findings(struct solr_world *w, const struct fs_entry *en, int64_t at,
    struct fs_finding **out, size_t *n, struct solr_err *e)
{
	struct fs_finding *f = NULL;
	char eui[SOLR_EUI_STRLEN], ts[SOLR_TIME_STRLEN];
	struct solr_cert *c[32];
	struct solr_err ce;
	size_t k, nc, len;

	solr_eui_format(en->id, eui);
	solr_time_format(at, ts);
	nc = world_find_org_by_eui(w, en->id, SOLR_ROLE_SUPPLIER,
	    KU_DIGITAL_SIGNATURE | KU_KEY_AGREEMENT, c, 32);
	if (nc == 0) {
		FIND("never-certified");
		snprintf(f->msg, sizeof(f->msg), "%s never held a "
		    "supplier-role SMKI certificate (pki/org)", eui);
	}
	for (k = 0; k < nc; k++) {
		if (world_check_cert(w, c[k], at, &ce) != 0)
			continue;
		if (f == NULL) {
			FIND("active-certificates");
			snprintf(f->msg, sizeof(f->msg), "%s has supplier "
			    "certificates valid and unrevoked at %s: serial %s",
			    eui, ts, c[k]->serial);
		} else if ((len = strlen(f->msg)) + 50 < sizeof(f->msg))
			snprintf(f->msg + len, sizeof(f->msg) - len, ", %s",
			    c[k]->serial);
	}
	return 0;
}

/* The SRP the list names for a supplier. */
static int
srp_findings(const struct solr_world *w, const struct fs_entry *en,
    struct fs_finding **out, size_t *n, struct solr_err *e)
{
	const struct solr_user *s = world_user(w, en->srp);
	char eui[SOLR_EUI_STRLEN], srp[SOLR_EUI_STRLEN];
	struct fs_finding *f;

	solr_eui_format(en->id, eui);
	solr_eui_format(en->srp, srp);
	if (s == NULL) {
		FIND("srp-not-registered");
		snprintf(f->msg, sizeof(f->msg), "the SRP %s of %s is not a "
		    "DCC user in registry.yaml", srp, eui);
	} else if (!user_has_role(s, "SolrContingency")) {
		FIND("srp-not-solr");
		snprintf(f->msg, sizeof(f->msg), "the SRP %s (%s) of %s does "
		    "not hold the SolrContingency role", srp, s->party, eui);
	} else if (s->suspended) {
		FIND("srp-suspended");
		snprintf(f->msg, sizeof(f->msg), "the SRP %s (%s) of %s is "
		    "suspended", srp, s->party, eui);
	}
	return 0;
}
#undef FIND

int
fslist_validate(struct solr_world *w, const struct fs_list *cur,
    const struct fs_list *l, int64_t at, struct fs_finding **out, size_t *n,
    struct solr_err *e)
{
	size_t i;
	int r;

	*out = NULL;
	*n = 0;
	for (i = 0; i < l->n; i++) {
		const struct fs_entry *en = &l->entry[i];

		if ((r = registry_findings(w, en, out, n, e)) != 0 ||
		    (r = cert_findings(w, en, at, out, n, e)) != 0 ||
		    (en->has_srp && (r = srp_findings(w, en, out, n, e)) != 0))
			return r;
	}
	return compare(cur, l, out, n, e);
}

char *
fslist_render(const struct fs_list *l, int64_t version)
{
	struct solr_buf b = { 0 };
	char line[1024], eui[SOLR_EUI_STRLEN], srp[SOLR_EUI_STRLEN];
	size_t i;

	snprintf(line, sizeof(line), "version: %lld\nsuppliers:%s\n",
	    (long long)version, l->n ? "" : " []");
	solr_buf_add(&b, line, strlen(line));
	for (i = 0; i < l->n; i++) {
		const struct fs_entry *en = &l->entry[i];

		solr_eui_format(en->id, eui);
		solr_buf_add(&b, "  - {id: ", 9);
		solr_buf_add(&b, eui, strlen(eui));
		solr_buf_add(&b, ", name: ", 8);
		solr_buf_quoted(&b, en->name);
		if (en->has_srp) {
			solr_eui_format(en->srp, srp);
			snprintf(line, sizeof(line), ", srp: %s", srp);
			solr_buf_add(&b, line, strlen(line));
		}
		solr_buf_add(&b, "}\n", 2);
	}
	return (char *)b.p;
}

int
fslist_decide(const struct solr_world *w, const struct fs_list *l,
    uint64_t sender, uint64_t originator, struct decision *d)
{
	const struct fs_entry *en;
	char bo[SOLR_EUI_STRLEN], srp[SOLR_EUI_STRLEN], sid[SOLR_EUI_STRLEN];

	if (!world_solr_path(w, sender, originator)) {
		decision_skip(d);
		return 0;
	}
	solr_eui_format(originator, bo);
	solr_eui_format(sender, sid);
	if ((en = fslist_find(l, originator)) == NULL)
		return decision_reject(d, DUIS_E65, "the Business Originator "
		    "%s is not on the Failed Suppliers list (version %lld)", bo,
		    (long long)l->version);
	if (en->has_srp && en->srp != sender) {
		solr_eui_format(en->srp, srp);
		return decision_reject(d, DUIS_E65, "the Failed Suppliers list "
		    "(version %lld) names %s as the SRP of %s, not the sender "
		    "%s", (long long)l->version, srp, bo, sid);
	}
	decision_pass(d);
	return 0;
}

int
fslist_decide_revoked(struct solr_world *w, uint64_t originator, int64_t t,
    struct decision *d, struct solr_err *e)
{
	struct solr_cert *certs[64];
	char bo[SOLR_EUI_STRLEN], ts[SOLR_TIME_STRLEN];
	size_t n, i;
	int r;

	solr_eui_format(originator, bo);
	solr_time_format(t, ts);
	n = world_find_org_by_eui(w, originator, SOLR_ROLE_SUPPLIER, ~0u, certs,
	    sizeof(certs) / sizeof(certs[0]));
	if (n == 0)
		return decision_reject(d, DUIS_E65, "the Business Originator "
		    "%s never held a supplier-role SMKI certificate (pki/org): "
		    "it is not a failed supplier", bo);
	for (i = 0; i < n; i++) {
		if ((r = world_check_cert(w, certs[i], t, e)) == 0)
			return decision_reject(d, DUIS_E65, "the Business "
			    "Originator %s still holds a valid, unrevoked "
			    "supplier-role certificate at %s (serial %s)", bo,
			    ts, certs[i]->serial);
		if (r != SOLR_ERR_VERIFY)
			return r;
	}
	decision_pass(d);
	return 0;
}

int
fslist_route(const struct solr_world *w, const struct fs_list *l,
    uint64_t recipient, uint64_t alert_code, struct fs_route *out)
{
	const struct fs_entry *en = fslist_find(l, recipient);
	size_t i;

	memset(out, 0, sizeof(*out));
	if (en == NULL)
		return 1;
	out->deliver_to = recipient;
	for (i = 0; i < w->policy.nsafety_critical; i++)
		out->safety_critical |= (uint64_t)w->policy.safety_critical[i]
		    == alert_code;
	/* every alert goes to the Business Target; only the safety-critical
	 * ones (seed §4.2.5, Table 1) are flagged for the SRP */
	out->has_forward = en->has_srp && out->safety_critical;
	out->forward_to = out->has_forward ? en->srp : 0;
	return 0;
}

/* Which list decided, for a replay. */
static int
note_list(struct ynode *st, const struct fs_list *l)
{
	return rec_list_note(st, l->version, l->present ? l->sha256 : NULL);
}

static int
check_record(void *ctx, struct solr_record *rec, struct solr_err *e)
{
	struct fs_stage *fs = ctx;
	struct decision d;
	int r;

	if (fslist_decide(fs->world, &fs->list, rec->sender.eui,
	    rec->request.originator.eui, &d) == 0 &&
	    d.verdict == VERDICT_PASS && (r = fslist_decide_revoked(fs->world,
	    rec->request.originator.eui, rec->received_at, &d, e)) != 0)
		return r;	/* on the SoLR path: R6 B/C at the request's
		    time */
	if (d.code == DUIS_NONE && d.verdict == VERDICT_REJECT) {
		if (rec_decide(rec->tree, "failed-suppliers", &d) == NULL)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		return 0;
	}
	if (note_list(rec_decide(rec->tree, "failed-suppliers", &d),
	    &fs->list) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	return 0;
}

static int
route_record(void *ctx, struct solr_record *rec, struct solr_err *e)
{
	struct fs_stage *fs = ctx;
	struct ynode *al = rec_part(rec->tree, RK_ALERT);
	const char *code = rec_str(al, RK_CODE);
	struct fs_route rt;
	struct decision d;
	uint64_t id, c = 0;
	int r;

	if (al == NULL || rec_eui(al, "recipient", &id) != 0)
		return 0;
	if (code)
		solr_parse_uint(code, 0xffff, &c);
	if (fslist_route(fs->world, &fs->list, id, c, &rt) != 0)
		return 0;
	r = rec_route_set(rec->tree, &(struct rec_route){
	    .deliver_to = rt.deliver_to, .has_forward = rt.has_forward,
	    .forward_to = rt.forward_to,
	    .safety_critical = rt.safety_critical });
	decision_pass(&d);
	if (r != 0 || note_list(rec_decide(rec->tree, "route", &d), &fs->list)
	    != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	return 0;
}

const struct stage_ops fslist_check_stage = {
	.name = "failed-suppliers",
	.decide = check_record,
	.needs = RV_TIME | RV_SENDER | RV_IDS,
};

const struct stage_ops fslist_route_stage = {
	.name = "route",
	.decide = route_record,
};
