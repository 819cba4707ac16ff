#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "base/crypto.h"
#include "base/util.h"
#include "duis/xmlsig.h"
#include "world/schema.h"

static int
is_ns(const xmlNode *n, const char *ns)
{
	return n->ns != NULL && n->ns->href != NULL &&
	    strcmp((const char *)n->ns->href, ns) == 0;
}

static int
is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && is_ns(n, ns) &&
	    strcmp((const char *)n->name, name) == 0;
}

static int
is_blank(const xmlChar *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/*
 * The element children of n, which must be exactly the ds: names given
 * (NULL-terminated), with nothing but white space between them.
 */
static int
ds_children(xmlNodePtr n, const char *const *names, xmlNodePtr *out,
    struct solr_err *e)
{
	xmlNodePtr c;
	size_t i = 0;

	for (c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE && is_blank(c->content))
			continue;
		if (c->type != XML_ELEMENT_NODE)
			return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s has "
			    "text content; the profile allows only its child "
			    "elements", n->name);
		if (names[i] == NULL)
			return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s has an "
			    "unexpected child %s after the ones the profile "
			    "allows", n->name, c->name);
		if (!is_el(c, SOLR_NS_DS, names[i]))
			return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s has "
			    "child %s where the profile requires ds:%s",
			    n->name, c->name, names[i]);
		out[i++] = c;
	}
	if (names[i] != NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s lacks the "
		    "child ds:%s", n->name, names[i]);
	return 0;
}

/* Attributes of n must be exactly the one named (or none if NULL). */
static int
only_attr(xmlNodePtr n, const char *name, const char *value,
    struct solr_err *e)
{
	xmlAttrPtr a;
	xmlChar *v;
	int found = 0, ok;

	for (a = n->properties; a; a = a->next) {
		if (name == NULL || a->ns != NULL ||
		    strcmp((const char *)a->name, name) != 0)
			return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s has "
			    "attribute %s, which the profile does not allow",
			    n->name, a->name);
		found = 1;
	}
	if (name == NULL)
		return 0;
	if (!found)
		return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s lacks the "
		    "attribute %s", n->name, name);
	v = xmlGetNoNsProp(n, (const xmlChar *)name);
	ok = v != NULL && strcmp((const char *)v, value) == 0;
	if (!ok)
		solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s %s is \"%.200s\"; the "
		    "profile allows exactly \"%s\"", n->name, name,
		    v ? (const char *)v : "", value);
	xmlFree(v);
	return ok ? 0 : SOLR_ERR_VERIFY;
}

static int
no_children(xmlNodePtr n, struct solr_err *e)
{
	xmlNodePtr c;

	for (c = n->children; c; c = c->next)
		if (!(c->type == XML_TEXT_NODE && is_blank(c->content)))
			return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s has "
			    "content; the profile allows none", n->name);
	return 0;
}

/* The text of an element that may hold only text. */
static int
text_of(xmlNodePtr n, char *out, size_t cap, int trim, struct solr_err *e)
{
	xmlNodePtr c;
	size_t len = 0, l;
	char *s;

	for (c = n->children; c; c = c->next) {
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			return solr_seterr(e, SOLR_ERR_VERIFY, "%s must "
			    "contain only text", n->name);
		l = strlen((const char *)c->content);
		if (len + l >= cap)
			return solr_seterr(e, SOLR_ERR_VERIFY, "%s is longer "
			    "than %zu characters", n->name, cap - 1);
		memcpy(out + len, c->content, l);
		len += l;
	}
	out[len] = '\0';
	if (trim) {
		while (len && strchr(" \t\r\n", out[len - 1]))
			out[--len] = '\0';
		for (s = out; *s && strchr(" \t\r\n", *s); s++)
			;
		memmove(out, s, strlen(s) + 1);
	}
	return 0;
}

static int
b64_field(xmlNodePtr n, unsigned char *out, size_t want, struct solr_err *e)
{
	char text[512];
	unsigned char buf[128];
	size_t len;
	struct solr_err be;
	int r;

	if (only_attr(n, NULL, NULL, e) != 0)
		return SOLR_ERR_VERIFY;
	if ((r = text_of(n, text, sizeof(text), 0, e)) != 0)
		return r;
	if (solr_b64_decode(text, strlen(text), buf, sizeof(buf), &len,
	    &be) != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s is not valid "
		    "base64: %s", n->name, be.msg);
	if (len != want)
		return solr_seterr(e, SOLR_ERR_VERIFY, "ds:%s decodes to %zu "
		    "bytes; the profile requires exactly %zu%s", n->name, len,
		    want, want == 64 ? " (raw r||s, not DER)" : "");
	memcpy(out, buf, want);
	return 0;
}

/* Walks everything inside the root: no comments, no processing
 * instructions, no entity references, and ds:Signature only where the
 * profile allows it. */
static int
scan_tree(xmlNodePtr root, int response, int countersigned, xmlNodePtr *sig,
    struct solr_err *e)
{
	xmlNodePtr n = root->children, inner = NULL;
	int nsig = 0, nroot = 0;

	*sig = NULL;
	while (n != NULL && n != root) {
		switch (n->type) {
		case XML_COMMENT_NODE:
			return solr_seterr(e, SOLR_ERR_VERIFY, "a comment "
			    "inside the root element (line %ld) is outside the "
			    "signature; the profile does not accept comments",
			    xmlGetLineNo(n));
		case XML_PI_NODE:
			return solr_seterr(e, SOLR_ERR_VERIFY, "a processing "
			    "instruction inside the root element (line %ld) is "
			    "not accepted", xmlGetLineNo(n));
		case XML_ENTITY_REF_NODE:
		case XML_ENTITY_NODE:
		case XML_XINCLUDE_START:
		case XML_XINCLUDE_END:
			return solr_seterr(e, SOLR_ERR_VERIFY, "an entity "
			    "reference inside the root element is not "
			    "accepted");
		case XML_ELEMENT_NODE:
			if (strcmp((const char *)n->name, "Signature") != 0)
				break;
			if (!is_ns(n, SOLR_NS_DS))
				return solr_seterr(e, SOLR_ERR_VERIFY, "element "
				    "Signature at line %ld is in namespace "
				    "'%s', not XML-DSig", xmlGetLineNo(n),
				    n->ns && n->ns->href ?
				    (const char *)n->ns->href : "(none)");
			nsig++;
			if (n->parent == root) {
				*sig = n;
				nroot++;
			}
			else if (response && inner == NULL &&
			    is_el(n->parent, SOLR_NS_SR,
			    "SMETS1SignedResponse"))
				inner = n;	/* the S1SP's own signature */
			else
				return solr_seterr(e, SOLR_ERR_VERIFY,
				    "ds:Signature at line %ld is inside %s; the "
				    "profile allows it only as the last child "
				    "of the root", xmlGetLineNo(n),
				    n->parent->name);
			break;
		default:
			break;
		}
		if (n->type == XML_ELEMENT_NODE && n->children) {
			n = n->children;
			continue;
		}
		while (n != root && n->next == NULL)
			n = n->parent;
		if (n != root)
			n = n->next;
	}
	if (nroot != (countersigned ? 2 : 1))
		return solr_seterr(e, SOLR_ERR_VERIFY, "the document has %d "
		    "ds:Signature elements at its root; the profile requires "
		    "exactly %s", nroot, countersigned ? "two (the signature and "
		    "the countersignature)" : "one");
	return 0;
}

static int check_profile(xmlDocPtr, int, int, struct xmlsig *,
    struct solr_err *);

int
xmlsig_check_profile(xmlDocPtr doc, int response, struct xmlsig *s,
    struct solr_err *e)
{
	return check_profile(doc, response, 0, s, e);
}

int
xmlsig_check_profile_cs(xmlDocPtr doc, struct xmlsig *s, struct solr_err *e)
{
	return check_profile(doc, 0, 1, s, e);
}

/* SignedInfo: exclusive C14N, ECDSA-SHA256, and one Reference to the
 * whole document with exactly the enveloped-signature transform. */
static int
check_signed_info(xmlNodePtr sinfo, struct xmlsig *s, struct solr_err *e)
{
	static const char *const si_kids[] = { "CanonicalizationMethod",
	    "SignatureMethod", "Reference", NULL };
	static const char *const ref_kids[] = { "Transforms", "DigestMethod",
	    "DigestValue", NULL };
	static const char *const tr_kids[] = { "Transform", NULL };
	xmlNodePtr si[3], ref[3], tr[1], c;
	int r, nt = 0;

	if ((r = only_attr(sinfo, NULL, NULL, e)) != 0 ||
	    (r = ds_children(sinfo, si_kids, si, e)) != 0)
		return r;
	if ((r = only_attr(si[0], "Algorithm", SOLR_ALG_EXC_C14N, e)) != 0 ||
	    (r = no_children(si[0], e)) != 0 ||
	    (r = only_attr(si[1], "Algorithm", SOLR_ALG_ECDSA_SHA256, e)) !=
	    0 || (r = no_children(si[1], e)) != 0)
		return r;
	if ((r = only_attr(si[2], "URI", "", e)) != 0 ||
	    (r = ds_children(si[2], ref_kids, ref, e)) != 0)
		return r;
	for (c = ref[0]->children; c; c = c->next)
		nt += c->type == XML_ELEMENT_NODE;
	if (nt != 1)
		return solr_seterr(e, SOLR_ERR_VERIFY, "Reference has %d "
		    "transforms; the profile allows exactly enveloped-signature",
		    nt);
	if ((r = only_attr(ref[0], NULL, NULL, e)) != 0 ||
	    (r = ds_children(ref[0], tr_kids, tr, e)) != 0 ||
	    (r = only_attr(tr[0], "Algorithm", SOLR_ALG_ENVELOPED, e)) != 0 ||
	    (r = no_children(tr[0], e)) != 0 ||
	    (r = only_attr(ref[1], "Algorithm", SOLR_ALG_SHA256, e)) != 0 ||
	    (r = no_children(ref[1], e)) != 0)
		return r;
	return b64_field(ref[2], s->digest, 32, e);
}

/* KeyInfo: one X509IssuerSerial, a non-empty issuer and a decimal
 * serial without sign or leading zeros. */
static int
check_key_info(xmlNodePtr kinfo, struct xmlsig *s, struct solr_err *e)
{
	static const char *const ki_kids[] = { "X509Data", NULL };
	static const char *const xd_kids[] = { "X509IssuerSerial", NULL };
	static const char *const is_kids[] = { "X509IssuerName",
	    "X509SerialNumber", NULL };
	xmlNodePtr ki[1], xd[1], is[2];
	size_t i;
	int r;

	if ((r = only_attr(kinfo, NULL, NULL, e)) != 0 ||
	    (r = ds_children(kinfo, ki_kids, ki, e)) != 0 ||
	    (r = only_attr(ki[0], NULL, NULL, e)) != 0 ||
	    (r = ds_children(ki[0], xd_kids, xd, e)) != 0 ||
	    (r = only_attr(xd[0], NULL, NULL, e)) != 0 ||
	    (r = ds_children(xd[0], is_kids, is, e)) != 0 ||
	    (r = only_attr(is[0], NULL, NULL, e)) != 0 ||
	    (r = only_attr(is[1], NULL, NULL, e)) != 0 ||
	    (r = text_of(is[0], s->issuer, sizeof(s->issuer), 1, e)) != 0 ||
	    (r = text_of(is[1], s->serial, sizeof(s->serial), 1, e)) != 0)
		return r;
	for (i = 0; s->serial[i]; i++)
		if (s->serial[i] < '0' || s->serial[i] > '9')
			break;
	if (i == 0 || s->serial[i] != '\0' ||
	    (s->serial[0] == '0' && s->serial[1] != '\0'))
		return solr_seterr(e, SOLR_ERR_VERIFY, "ds:X509SerialNumber "
		    "'%.80s' is not a decimal number without sign or leading "
		    "zeros", s->serial);
	if (s->issuer[0] == '\0')
		return solr_seterr(e, SOLR_ERR_VERIFY,
		    "ds:X509IssuerName is empty");
	return 0;
}

static int
check_profile(xmlDocPtr doc, int response, int countersigned,
    struct xmlsig *s, struct solr_err *e)
{
	static const char *const sig_kids[] = { "SignedInfo",
	    "SignatureValue", "KeyInfo", NULL };
	const char *rootname = response ? "Response" : "Request";
	xmlNodePtr root, c, last = NULL, k[3];
	char sv[DUIS_VERSION_MAX];
	int r;

	memset(s, 0, sizeof(*s));
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !is_el(root, SOLR_NS_SR, rootname))
		return solr_seterr(e, SOLR_ERR_VERIFY, "the root element is "
		    "not sr:%s in namespace %s", rootname, SOLR_NS_SR);
	if ((r = duis_schema_version(doc, sv, e)) != 0)
		return r;
	if ((r = scan_tree(root, response, countersigned, &s->sig, e)) != 0)
		return r;
	for (c = root->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE)
			last = c;
		else if (c->type == XML_TEXT_NODE && !is_blank(c->content))
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s has text "
			    "directly inside it", rootname);
	}
	if (s->sig == NULL || last != s->sig)
		return solr_seterr(e, SOLR_ERR_VERIFY, "ds:Signature is not "
		    "the last child element of the root");
	if ((r = only_attr(s->sig, NULL, NULL, e)) != 0 ||
	    (r = ds_children(s->sig, sig_kids, k, e)) != 0)
		return r;
	s->signed_info = k[0];
	if ((r = check_signed_info(k[0], s, e)) != 0 ||
	    (r = b64_field(k[1], s->rs, 64, e)) != 0)
		return r;
	if (!solr_ecdsa_rs_in_range(s->rs))
		return solr_seterr(e, SOLR_ERR_VERIFY, "ds:SignatureValue: r "
		    "and s must each be between 1 and n-1 of P-256");
	return check_key_info(k[2], s, e);
}

/* C14N output into a sink. */
struct sinkio {
	solr_sink sink;
	void *ctx;
};

static int
sink_write(void *ctx, const char *buf, int len)
{
	struct sinkio *io = ctx;

	if (len > 0 && io->sink(io->ctx, (const unsigned char *)buf,
	    (size_t)len) != 0)
		return -1;
	return len;
}

static int
sink_close(void *ctx)
{
	(void)ctx;
	return 0;
}

static int
c14n(xmlDocPtr doc, xmlC14NIsVisibleCallback cb, void *data, int mode,
    solr_sink sink, void *ctx)
{
	struct sinkio io = { sink, ctx };
	xmlOutputBufferPtr ob;
	int r;

	if ((ob = xmlOutputBufferCreateIO(sink_write, sink_close, &io,
	    NULL)) == NULL)
		return SOLR_ERR_NOMEM;
	r = xmlC14NExecute(doc, cb, data, mode, NULL, 0, ob);
	if (xmlOutputBufferClose(ob) < 0 || r < 0)
		return SOLR_ERR_INTERNAL;
	return 0;
}

int
xmlsig_c14n_content(xmlDocPtr doc, xmlNodePtr sig, solr_sink sink,
    void *ctx)
{
	xmlNodePtr parent = sig->parent, next = sig->next;
	int r;

	/* the enveloped-signature transform: the Signature element and its
	 * subtree leave the node-set; white space around it stays */
	xmlUnlinkNode(sig);
	r = c14n(doc, NULL, NULL, XML_C14N_1_0, sink, ctx);
	if (next)
		xmlAddPrevSibling(next, sig);
	else
		xmlAddChild(parent, sig);
	return r;
}

static int
in_subtree(void *data, xmlNodePtr node, xmlNodePtr parent)
{
	xmlNodePtr top = data, n;

	n = node->type == XML_NAMESPACE_DECL ? parent : node;
	for (; n != NULL; n = n->parent)
		if (n == top)
			return 1;
	return 0;
}

int
xmlsig_c14n_signed_info(xmlDocPtr doc, xmlNodePtr si, solr_sink sink,
    void *ctx)
{
	return c14n(doc, in_subtree, si, XML_C14N_EXCLUSIVE_1_0, sink, ctx);
}

static int
md_sink(void *ctx, const unsigned char *p, size_t n)
{
	return EVP_DigestUpdate(ctx, p, n) == 1 ? 0 : -1;
}

static int
buf_sink(void *ctx, const unsigned char *p, size_t n)
{
	return solr_buf_add(ctx, p, n);
}

static int
role_allowed(int role, const int *roles, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (roles[i] == role)
			return 1;
	return 0;
}

/* The signing certificate c: of a role in roles, for signing, P-256. */
static int
signer_fits(const struct solr_world *w, const struct solr_cert *c,
    int response, const int *roles, size_t nroles, struct solr_err *e)
{
	int role = world_cert_role(w, c);

	if (!role_allowed(role, roles, nroles)) {
		if (role < 0)
			return solr_seterr(e, SOLR_ERR_VERIFY, "the signing "
			    "certificate (serial %s) has subject OU '%s', "
			    "which is not a role of two hex digits", c->serial,
			    c->ou);
		return solr_seterr(e, SOLR_ERR_VERIFY, "the signing "
		    "certificate (serial %s) has role 0x%02X; the policy "
		    "accepts %s signatures only from role%s %s0x%02X",
		    c->serial, role, response ? "response" : "request",
		    nroles > 1 ? "s" : "", nroles > 1 ? "like " : "",
		    nroles ? roles[0] : 0);
	}
	if (!(c->key_usage & KU_DIGITAL_SIGNATURE))
		return solr_seterr(e, SOLR_ERR_VERIFY, "the signing "
		    "certificate (serial %s) lacks the digitalSignature key "
		    "usage", c->serial);
	if (!c->is_p256)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the signing "
		    "certificate (serial %s) does not hold a P-256 key",
		    c->serial);
	return 0;
}

/* The certificate and the cryptography of a signature whose profile has
 * been checked. */
static int
verify_checked(xmlDocPtr doc, int response, struct solr_world *w,
    int64_t at, const int *roles, size_t nroles, struct solr_cert **signer,
    struct xmlsig *s, struct solr_err *e)
{
	struct solr_buf si = { 0 };
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *mdc = NULL;
	struct solr_cert *c = NULL;
	int r;

	*signer = NULL;
	r = world_find_org(w, s->issuer, s->serial, &c, e);
	if (r == SOLR_ERR_NOTFOUND || r == SOLR_ERR_FORMAT) {
		e->code = SOLR_ERR_VERIFY;
		return SOLR_ERR_VERIFY;
	}
	if (r != 0)
		return r;
	if ((r = signer_fits(w, c, response, roles, nroles, e)) != 0 ||
	    (r = world_check_cert(w, c, at, e)) != 0)
		return r;
	/* the Reference: inclusive C14N of the document minus Signature */
	if ((mdc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(mdc, EVP_sha256(), NULL) != 1) {
		r = solr_seterr(e, SOLR_ERR_INTERNAL, "SHA-256 failed");
		goto out;
	}
	if (xmlsig_c14n_content(doc, s->sig, md_sink, mdc) != 0 ||
	    EVP_DigestFinal_ex(mdc, md, &mdlen) != 1 || mdlen != 32) {
		r = solr_seterr(e, SOLR_ERR_VERIFY, "the document cannot be "
		    "canonicalised (C14N 1.0)");
		goto out;
	}
	if (CRYPTO_memcmp(md, s->digest, 32) != 0) {
		r = solr_seterr(e, SOLR_ERR_VERIFY, "ds:DigestValue does not "
		    "match the SHA-256 of the canonical document: the signed "
		    "content was changed");
		goto out;
	}
	if (xmlsig_c14n_signed_info(doc, s->signed_info, buf_sink, &si) !=
	    0) {
		r = solr_seterr(e, SOLR_ERR_VERIFY, "ds:SignedInfo cannot be "
		    "canonicalised (exclusive C14N)");
		goto out;
	}
	if ((r = solr_ecdsa_verify(X509_get0_pubkey(c->x), s->rs, si.p,
	    si.len, e)) != 0) {
		if (r == SOLR_ERR_VERIFY)
			solr_seterr(e, r, "ds:SignatureValue does not verify "
			    "over the canonical SignedInfo with the "
			    "certificate's key");
		goto out;
	}
	*signer = c;
out:
	EVP_MD_CTX_free(mdc);
	solr_buf_free(&si);
	return r;
}

int
xmlsig_verify(xmlDocPtr doc, int response, struct solr_world *w,
    int64_t at, const int *roles, size_t nroles, struct solr_cert **signer,
    struct xmlsig *s, struct solr_err *e)
{
	int r;

	*signer = NULL;
	if ((r = xmlsig_check_profile(doc, response, s, e)) != 0)
		return r;
	return verify_checked(doc, response, w, at, roles, nroles, signer, s,
	    e);
}

int
xmlsig_verify_countersigned(xmlDocPtr doc, struct solr_world *w,
    int64_t at, const int *cs_roles, size_t ncs, const int *roles,
    size_t nroles, struct solr_cert **counter, struct solr_cert **signer,
    struct solr_err *e)
{
	struct xmlsig s;
	xmlNodePtr first;
	int r;

	*counter = *signer = NULL;
	if ((r = xmlsig_check_profile_cs(doc, &s, e)) != 0)
		return r;
	/* the first signature is the element just before the last */
	for (first = s.sig->prev; first && first->type != XML_ELEMENT_NODE;
	    first = first->prev)
		;
	if (first == NULL || !is_el(first, SOLR_NS_DS, "Signature"))
		return solr_seterr(e, SOLR_ERR_VERIFY, "the countersignature "
		    "does not follow the request's signature");
	if ((r = verify_checked(doc, 0, w, at, cs_roles, ncs, counter, &s,
	    e)) != 0) {
		char m[sizeof(e->msg)];

		snprintf(m, sizeof(m), "%s", e->msg);
		solr_seterr(e, r, "the countersignature: %s", m);
		return r;
	}
	/* the request's signature covers the request as the SRP sent it:
	 * without the countersignature */
	xmlUnlinkNode(s.sig);
	xmlFreeNode(s.sig);
	r = xmlsig_verify(doc, 0, w, at, roles, nroles, signer, &s, e);
	if (r != 0) {
		char m[sizeof(e->msg)];

		snprintf(m, sizeof(m), "%s", e->msg);
		solr_seterr(e, r, "the request's signature: %s", m);
	}
	return r;
}

/* Signing. */

static xmlNodePtr
ds_child(xmlNodePtr parent, xmlNsPtr ds, const char *name, const char *alg)
{
	xmlNodePtr n = xmlNewChild(parent, ds, (const xmlChar *)name, NULL);

	if (n && alg)
		xmlNewProp(n, (const xmlChar *)"Algorithm", (const xmlChar *)alg);
	return n;
}

int
xmlsig_sign(xmlDocPtr doc, EVP_PKEY *key, const struct solr_cert *cert,
    struct solr_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), sig, si, ref, tr, dv, sv,
	    is;
	xmlNsPtr ds;
	EVP_MD_CTX *mdc = NULL;
	struct solr_buf c = { 0 };
	unsigned char md[32], rs[64];
	unsigned int mdlen = 0;
	char b64[100];
	int r = SOLR_ERR_INTERNAL;

	if ((sig = xmlNewNode(NULL, (const xmlChar *)"Signature")) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	xmlAddChild(root, sig);
	ds = xmlSearchNsByHref(doc, root, (const xmlChar *)SOLR_NS_DS);
	if (ds == NULL || ds->prefix == NULL)
		ds = xmlNewNs(sig, (const xmlChar *)SOLR_NS_DS,
		    (const xmlChar *)"ds");
	xmlSetNs(sig, ds);
	si = ds_child(sig, ds, "SignedInfo", NULL);
	ds_child(si, ds, "CanonicalizationMethod", SOLR_ALG_EXC_C14N);
	ds_child(si, ds, "SignatureMethod", SOLR_ALG_ECDSA_SHA256);
	ref = ds_child(si, ds, "Reference", NULL);
	xmlNewProp(ref, (const xmlChar *)"URI", (const xmlChar *)"");
	tr = ds_child(ref, ds, "Transforms", NULL);
	ds_child(tr, ds, "Transform", SOLR_ALG_ENVELOPED);
	ds_child(ref, ds, "DigestMethod", SOLR_ALG_SHA256);
	dv = ds_child(ref, ds, "DigestValue", NULL);
	sv = ds_child(sig, ds, "SignatureValue", NULL);
	is = ds_child(ds_child(ds_child(sig, ds, "KeyInfo", NULL), ds,
	    "X509Data", NULL), ds, "X509IssuerSerial", NULL);
	xmlNewTextChild(is, ds, (const xmlChar *)"X509IssuerName",
	    (const xmlChar *)cert->issuer);
	xmlNewTextChild(is, ds, (const xmlChar *)"X509SerialNumber",
	    (const xmlChar *)cert->serial);
	if ((mdc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(mdc, EVP_sha256(), NULL) != 1 ||
	    xmlsig_c14n_content(doc, sig, md_sink, mdc) != 0 ||
	    EVP_DigestFinal_ex(mdc, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	solr_b64_encode(md, 32, b64);
	xmlNodeSetContent(dv, (const xmlChar *)b64);
	if (xmlsig_c14n_signed_info(doc, si, buf_sink, &c) != 0)
		goto out;
	if ((r = solr_ecdsa_sign(key, c.p, c.len, rs, e)) != 0)
		goto out;
	solr_b64_encode(rs, 64, b64);
	xmlNodeSetContent(sv, (const xmlChar *)b64);
	r = 0;
out:
	if (r == SOLR_ERR_INTERNAL)
		solr_seterr(e, r, "the document could not be signed");
	EVP_MD_CTX_free(mdc);
	solr_buf_free(&c);
	return r;
}

int
xmlsig_countersign_doc(xmlDocPtr doc, const unsigned char *p, size_t n,
    EVP_PKEY *key, const struct solr_cert *cert, struct solr_buf *out,
    struct solr_err *e)
{
	xmlNodePtr root;
	xmlBufferPtr b = NULL;
	char tag[256];
	size_t tl, pos;
	int r, found = 0;

	out->len = 0;
	root = xmlDocGetRootElement(doc);
	if ((r = xmlsig_sign(doc, key, cert, e)) != 0)
		goto out;
	/* keep every byte received: the countersignature goes in just
	 * before the root's end tag */
	snprintf(tag, sizeof(tag), "</%s%s%s", root->ns && root->ns->prefix ?
	    (const char *)root->ns->prefix : "", root->ns && root->ns->prefix ?
	    ":" : "", root->name);
	tl = strlen(tag);
	for (pos = n >= tl ? n - tl + 1 : 0; pos-- > 0;) {
		size_t k = pos + tl;

		if (memcmp(p + pos, tag, tl) != 0)
			continue;
		while (k < n && strchr(" \t\r\n", p[k]))
			k++;
		if (k < n && p[k] == '>') {
			found = 1;
			break;
		}
	}
	if (!found) {
		r = solr_seterr(e, SOLR_ERR_VERIFY, "the root's end tag %s> is "
		    "not in the document", tag);
		goto out;
	}
	if ((b = xmlBufferCreate()) == NULL ||
	    xmlNodeDump(b, doc, root->last, 0, 0) < 0) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (solr_buf_add(out, p, pos) != 0 ||
	    solr_buf_add(out, xmlBufferContent(b), (size_t)xmlBufferLength(b))
	    != 0 || solr_buf_add(out, p + pos, n - pos) != 0)
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
out:
	xmlBufferFree(b);
	return r;
}
