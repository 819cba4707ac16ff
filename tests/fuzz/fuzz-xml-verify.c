/* The XML signature path, from bytes to verdict: the hardened parse, the
 * DUIS schema of the document's version, the signature profile,
 * canonicalisation, the signer's certificate against the world, and the
 * DUIS header; as a request, as a response, and as a countersigned
 * request. */
#include <libxml/tree.h>

#include "duis/duis.h"
#include "world/schema.h"
#include "duis/xmlsig.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct solr_world *w = fuzz_world();
	const struct solr_policy *pol = &w->policy;
	struct solr_err e = { 0 };
	struct solr_cert *cert = NULL, *dcc = NULL;
	struct duis_header h;
	struct xmlsig sig;
	xmlDocPtr doc = NULL;
	int response;

	static struct duis_schemas schemas;
	static int ready;

	if (!ready) {
		/* parsed once, as a run of solr-verify-sig does */
		duis_schemas_init(&schemas, w->dir);
		ready = 1;
	}
	if (size > pol->max_document_bytes ||
	    solr_xml_parse(data, size, &doc, &e) != 0)
		return 0;
	(void)duis_schema_validate(&schemas, doc, &e);
	for (response = 0; response < 2; response++) {
		if (xmlsig_verify(doc, response, w, FUZZ_AT, response ?
		    pol->response_signer_roles : pol->xml_signer_roles,
		    response ? pol->n_response_signer_roles :
		    pol->n_xml_signer_roles, &cert, &sig, &e) == 0)
			(void)duis_read_header(doc, response, &h, &e);
	}
	(void)xmlsig_verify_countersigned(doc, w, FUZZ_AT,
	    pol->response_signer_roles, pol->n_response_signer_roles,
	    pol->xml_signer_roles, pol->n_xml_signer_roles, &dcc, &cert, &e);
	/* the header reader must hold on unverified documents too */
	(void)duis_read_header(doc, 0, &h, &e);
	xmlFreeDoc(doc);
	return 0;
}
