/*
 * Layer duis: may use base, store, prepay, world.  DUIS documents: the XML
 * signature profile, and the header and body of a verified document.
 *
 * The DUIS header and body of a verified document.
 */
#ifndef SOLR_DUIS_H
#define SOLR_DUIS_H

#include <stdint.h>

#include <libxml/tree.h>
#include <openssl/evp.h>

#include "base/cert.h"
#include "base/util.h"

#include "base/err.h"
#include "world/schema.h"

struct duis_header {
	char schema_version[DUIS_VERSION_MAX];
	int has_request_id;
	char request_id[80];
	uint64_t originator;
	uint64_t target;
	uint64_t counter;
	int cv;			/* 0 when absent (responses) */
	char srv[16];		/* ServiceReferenceVariant */
	char service_reference[16];
	char body[64];		/* the Body's element, in kebab case */
	/* responses */
	char response_id[80];
	char response_code[16];
	char response_datetime[40];
};

/* Reads the header of a Request (or Response) whose signature verified;
 * the structure is checked strictly: one Header, one RequestID, the
 * children in schema order.  SOLR_ERR_VERIFY with the reason. */
int duis_read_header(xmlDocPtr doc, int response, struct duis_header *h,
    struct solr_err *e);
/* The one sr:GBCSPayload of a sr:SignedPreCommand, its text as the
 * document writes it in its one form (base/xml.h): 0 and *text (the
 * caller frees it), or SOLR_ERR_VERIFY saying why (none, two, another
 * element beside it, or its text in another form). */
int duis_spc_payload(xmlNodePtr spc, char **text, struct solr_err *e);
/* "BO:BT:counter" */
int duis_parse_request_id(const char *s, uint64_t *bo, uint64_t *bt,
    uint64_t *counter);

struct duis_response {
	const char *schema_version;
	const char *request_id;		/* NULL: none */
	const char *code;		/* I99, E65, E2, E020101, ... */
	int64_t time;
	const char *srv;		/* ServiceReferenceVariant */
	const char *alert_code;		/* a DCC alert (AD1) instead */
	const char *quarantine_ref;	/* its QuarantineEventRef */
};

/* A DUIS Response, compact, signed with key (the DCC's XML-signing key)
 * as the last child of its root. */
int duis_build_response(const struct duis_response *r, EVP_PKEY *key,
    const struct solr_cert *cert, struct solr_buf *out, struct solr_err *e);
/* The QuarantineEventRef of a quarantined request: the first 8 bytes of
 * SHA-256(its object name) as a number, modulo 10^19. */
void duis_quarantine_ref(const char *object, char out[24]);
/* The record's request.body for a Body element: "update-prepay-configuration"
 * for UpdatePrepayConfiguration. */
void duis_body_name(const char *element, char *out, size_t cap);
/* "2.1" for "2.1", "6.15" for "6.15.1" */
void duis_service_reference(const char *srv, char *out, size_t cap);

#endif
