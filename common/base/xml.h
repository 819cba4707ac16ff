/* XML read safely, and the few tree helpers every reader uses. */
#ifndef SOLR_XML_H
#define SOLR_XML_H

#include <stddef.h>

#include <libxml/tree.h>

#include "base/err.h"

/* The DUIS namespace and the XML Signature namespace. */
#define SOLR_NS_SR "http://www.dccinterface.co.uk/ServiceUserGateway"
#define SOLR_NS_DS "http://www.w3.org/2000/09/xmldsig#"

/* Parses XML with no DTD (a DOCTYPE is refused before anything in it is
 * read), no network, no entity expansion, blanks kept.  libxml2 out of
 * memory on the way is SOLR_ERR_NOMEM, whatever it made of the document. */
int solr_xml_parse(const unsigned char *p, size_t n, xmlDocPtr *doc,
    struct solr_err *e);

/* The next element from n on (n itself if it is one), or NULL. */
xmlNodePtr solr_xml_next(xmlNodePtr n);
/* The first child element of parent with this local name, or NULL. */
xmlNodePtr solr_xml_child(xmlNodePtr parent, const char *name);
/* The element inside the root's Body, or NULL. */
xmlNodePtr solr_xml_body(xmlDocPtr doc);
/* The text of a simple element, exactly as the document writes it: one
 * form only, so that every reader of the same bytes reads the same value.
 * An element whose text a character or entity reference or a CDATA
 * section made, that holds anything but text, or whose text has white
 * space at either end, is refused: SOLR_ERR_VERIFY names the element,
 * its line and the rule.  Inner white space is left for the field's own
 * rule. */
int solr_xml_text(xmlNodePtr n, char *out, size_t cap, struct solr_err *e);
/* n is an element of the DUIS namespace, with this local name (any name
 * when name is NULL). */
int solr_xml_is_sr(const xmlNode *n, const char *name);

#endif
