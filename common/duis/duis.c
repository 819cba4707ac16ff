#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duis/duis.h"
#include "base/util.h"
#include "base/xml.h"
#include "duis/xmlsig.h"
#include "world/schema.h"

int
duis_parse_request_id(const char *s, uint64_t *bo, uint64_t *bt,
    uint64_t *counter)
{
	const char *c = s + 48;
	size_t i;

	if (strlen(s) < 49 || s[23] != ':' || s[47] != ':')
		return SOLR_ERR_FORMAT;
	if (solr_eui_parse(s, 23, bo) != 0 ||
	    solr_eui_parse(s + 24, 23, bt) != 0)
		return SOLR_ERR_FORMAT;
	for (i = 0; c[i]; i++)
		if (!isdigit((unsigned char)c[i]))
			return SOLR_ERR_FORMAT;
	if (i == 0 || (c[0] == '0' && i > 1))
		return SOLR_ERR_FORMAT;	/* the XSD has no leading zeros */
	return solr_parse_uint(c, UINT64_MAX, counter);
}

void
duis_body_name(const char *name, char *out, size_t cap)
{
	size_t o = 0;

	for (; *name && o + 2 < cap; name++) {
		if (isupper((unsigned char)*name)) {
			if (o > 0)
				out[o++] = '-';
			out[o++] = (char)tolower((unsigned char)*name);
		} else
			out[o++] = *name;
	}
	out[o] = '\0';
}

/* Header children in schema order: name, required? */
struct slot {
	const char *name;
	int required;
	char *dst;
	size_t cap;
};

static int
read_slots(xmlNodePtr hdr, struct slot *slots, struct solr_err *e)
{
	xmlNodePtr c = solr_xml_next(hdr->children);
	struct slot *s;
	int r;

	for (s = slots; s->name; s++) {
		if (c != NULL && solr_xml_is_sr(c, s->name)) {
			if ((r = solr_xml_text(c, s->dst, s->cap, e)) != 0)
				return r;
			c = solr_xml_next(c->next);
		} else if (s->required)
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:Header lacks "
			    "sr:%s%s%s", s->name, c ? " before " : "",
			    c ? (const char *)c->name : "");
	}
	if (c != NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:Header has an "
		    "unexpected or repeated element %s", c->name);
	return 0;
}

static int
header_text(xmlNodePtr hdr, struct solr_err *e)
{
	xmlNodePtr c;

	for (c = hdr->children; c; c = c->next)
		if (c->type == XML_TEXT_NODE) {
			const xmlChar *p;

			for (p = c->content; *p; p++)
				if (!strchr(" \t\r\n", *p))
					return solr_seterr(e, SOLR_ERR_VERIFY,
					    "sr:Header has text between its "
					    "elements");
		}
	return 0;
}

/* A request's header fields into h. */
static int
request_slots(xmlNodePtr hdr, struct duis_header *h, struct solr_err *e)
{
	char cv[16] = "", fis[16], psr[80];
	struct slot slots[] = {
		{ "RequestID", 1, h->request_id, sizeof(h->request_id) },
		{ "FirstInSequence", 0, fis, sizeof(fis) },
		{ "PrecedingServiceRequestID", 0, psr, sizeof(psr) },
		{ "CommandVariant", 1, cv, sizeof(cv) },
		{ "ServiceReference", 1, h->service_reference,
		    sizeof(h->service_reference) },
		{ "ServiceReferenceVariant", 1, h->srv, sizeof(h->srv) },
		{ NULL, 0, NULL, 0 },
	};
	int r;

	if ((r = read_slots(hdr, slots, e)) != 0)
		return r;
	if (strlen(cv) != 1 || cv[0] < '1' || cv[0] > '9')
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:CommandVariant '%s' "
		    "is not one of 1 to 9", cv);
	h->cv = cv[0] - '0';
	if (h->srv[0] == '\0' || strspn(h->srv, "0123456789.") !=
	    strlen(h->srv))
		return solr_seterr(e, SOLR_ERR_VERIFY,
		    "sr:ServiceReferenceVariant '%s' is not a service "
		    "reference variant like 2.1", h->srv);
	return 0;
}

/* A response's header fields into h. */
static int
response_slots(xmlNodePtr hdr, struct duis_header *h, struct solr_err *e)
{
	struct slot slots[] = {
		{ "RequestID", 0, h->request_id, sizeof(h->request_id) },
		{ "ResponseID", 0, h->response_id, sizeof(h->response_id) },
		{ "ResponseCode", 1, h->response_code,
		    sizeof(h->response_code) },
		{ "ResponseDateTime", 1, h->response_datetime,
		    sizeof(h->response_datetime) },
		{ NULL, 0, NULL, 0 },
	};

	return read_slots(hdr, slots, e);
}

int
duis_read_header(xmlDocPtr doc, int response, struct duis_header *h,
    struct solr_err *e)
{
	xmlNodePtr root = xmlDocGetRootElement(doc), hdr, body, b;
	int r;

	memset(h, 0, sizeof(*h));
	if ((r = duis_schema_version(doc, h->schema_version, e)) != 0)
		return r;
	hdr = solr_xml_next(root->children);
	if (!solr_xml_is_sr(hdr, "Header"))
		return solr_seterr(e, SOLR_ERR_VERIFY, "the first element of "
		    "the root is not sr:Header");
	body = solr_xml_next(hdr->next);
	if (!solr_xml_is_sr(body, "Body"))
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:Header is not "
		    "followed by sr:Body (the document has %s instead)",
		    body ? (const char *)body->name : "nothing");
	if (solr_xml_next(body->next) == NULL ||
	    solr_xml_next(solr_xml_next(body->next)->next) != NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the root must hold "
		    "exactly sr:Header, sr:Body and ds:Signature");
	if ((r = header_text(hdr, e)) != 0)
		return r;
	if ((r = response ? response_slots(hdr, h, e) :
	    request_slots(hdr, h, e)) != 0)
		return r;
	if (h->request_id[0]) {
		if (duis_parse_request_id(h->request_id, &h->originator,
		    &h->target, &h->counter) != 0)
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:RequestID "
			    "'%s' is not BusinessOriginatorID:"
			    "BusinessTargetID:counter", h->request_id);
		h->has_request_id = 1;
	}
	b = solr_xml_next(body->children);
	if (b == NULL || !solr_xml_is_sr(b, NULL) || solr_xml_next(b->next) != NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:Body must hold "
		    "exactly one element of the DUIS namespace");
	duis_body_name((const char *)b->name, h->body, sizeof(h->body));
	return 0;
}

void
duis_service_reference(const char *srv, char *out, size_t cap)
{
	const char *d1 = strchr(srv, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
	size_t n = d2 ? (size_t)(d2 - srv) : strlen(srv);

	snprintf(out, cap, "%.*s", (int)n, srv);
}

static xmlNodePtr
el(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
	return xmlNewTextChild(parent, ns, (const xmlChar *)name,
	    (const xmlChar *)text);
}

int
duis_build_response(const struct duis_response *r, EVP_PKEY *key,
    const struct solr_cert *cert, struct solr_buf *out, struct solr_err *e)
{
	xmlDocPtr doc;
	xmlNodePtr root, hdr, body, m;
	xmlNsPtr sr;
	xmlChar *mem = NULL;
	char ts[SOLR_TIME_STRLEN], ref[16];
	int len = 0, rc;

	out->len = 0;
	if ((doc = xmlNewDoc((const xmlChar *)"1.0")) == NULL ||
	    (root = xmlNewNode(NULL, (const xmlChar *)"Response")) == NULL) {
		xmlFreeDoc(doc);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	xmlDocSetRootElement(doc, root);
	sr = xmlNewNs(root, (const xmlChar *)SOLR_NS_SR, (const xmlChar *)"sr");
	xmlNewNs(root, (const xmlChar *)SOLR_NS_DS, (const xmlChar *)"ds");
	xmlSetNs(root, sr);
	xmlNewProp(root, (const xmlChar *)"schemaVersion", (const xmlChar *)
	    (r->schema_version ? r->schema_version : "5.4"));
	hdr = el(root, sr, "Header", NULL);
	if (r->request_id)
		el(hdr, sr, "RequestID", r->request_id);
	el(hdr, sr, "ResponseCode", r->code);
	solr_time_format(r->time, ts);
	el(hdr, sr, "ResponseDateTime", ts);
	body = el(root, sr, "Body", NULL);
	if (r->alert_code) {
		m = el(body, sr, "DCCAlertMessage", NULL);
		el(m, sr, "DCCAlertCode", r->alert_code);
		m = el(el(el(m, sr, "DCCAlert", NULL), sr, "QuarantinedRequest",
		    NULL), sr, "ADUserThresholdBreach", NULL);
		el(m, sr, "RequestID", r->request_id ? r->request_id : "");
		el(m, sr, "QuarantineEventRef", r->quarantine_ref);
	} else {
		m = el(body, sr, "ResponseMessage", NULL);
		duis_service_reference(r->srv ? r->srv : "", ref, sizeof(ref));
		el(m, sr, "ServiceReference", ref);
		el(m, sr, "ServiceReferenceVariant", r->srv ? r->srv : "");
	}
	if ((rc = xmlsig_sign(doc, key, cert, e)) != 0) {
		xmlFreeDoc(doc);
		return rc;
	}
	xmlDocDumpMemoryEnc(doc, &mem, &len, "UTF-8");
	if (mem == NULL || solr_buf_add(out, mem, (size_t)len) != 0)
		rc = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	xmlFree(mem);
	xmlFreeDoc(doc);
	return rc;
}

void
duis_quarantine_ref(const char *object, char out[24])
{
	unsigned char md[32];
	uint64_t q = 0;
	int i;

	solr_sha256(object, strlen(object), md);
	for (i = 0; i < 8; i++)
		q = q << 8 | md[i];
	snprintf(out, 24, "%llu", (unsigned long long)(q %
	    10000000000000000000ULL));
}

/* base64 of a GBCS message of at most 65,536 bytes, and a little over */
#define SPC_TEXT_MAX (65536 / 3 * 4 + 8)

int
duis_spc_payload(xmlNodePtr spc, char **text, struct solr_err *e)
{
	xmlNodePtr p = spc ? solr_xml_next(spc->children) : NULL;
	char *t;

	*text = NULL;
	/* exactly one: a reader that took the first and one that took the
	 * last of two would decide on different Commands */
	if (!solr_xml_is_sr(p, "GBCSPayload") || solr_xml_next(p->next) !=
	    NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:SignedPreCommand "
		    "must hold one sr:GBCSPayload and nothing else");
	if ((t = malloc(SPC_TEXT_MAX)) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (solr_xml_text(p, t, SPC_TEXT_MAX, e) != 0) {
		free(t);
		return e->code;
	}
	*text = t;
	return 0;
}
