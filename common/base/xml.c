/* XML read safely, and the few tree helpers every reader uses. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlerror.h>

#include "base/util.h"
#include "base/xml.h"

/* libxml2's allocations through ours, so that one that failed is known
 * whatever libxml2 then made of it (solr_oom_count, base/util.h) */
static void *
xml_malloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL && n != 0)
		solr_oom_note();
	return p;
}

static void *
xml_realloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (q == NULL && n != 0)
		solr_oom_note();
	return q;
}

static char *
xml_strdup(const char *s)
{
	char *q = strdup(s);

	if (q == NULL)
		solr_oom_note();
	return q;
}

__attribute__((constructor)) static void
xml_allocator(void)
{
	xmlMemSetup(free, xml_malloc, xml_realloc, xml_strdup);
}

struct parse_guard {
	int doctype;
	charactersSAXFunc characters;	/* libxml2's own */
	cdataBlockSAXFunc cdata;
};

/* The mark of an element whose text is not written out as it reads: a
 * character or entity reference, or a CDATA section, made some of it. */
static const char not_literal;

/* Text libxml2 read from the document's own bytes is handed over where
 * it lies in the input; the text of a reference is handed over from
 * elsewhere. */
static void
literal_characters(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_guard *g = ctxt->_private;
	xmlParserInputPtr in = ctxt->input;

	if (ctxt->node != NULL && (in == NULL || in->base == NULL ||
	    ch < in->base || ch + len > in->end))
		ctxt->node->_private = (void *)&not_literal;
	g->characters(ctx, ch, len);
}

static void
literal_cdata(void *ctx, const xmlChar *v, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_guard *g = ctxt->_private;

	if (ctxt->node != NULL)
		ctxt->node->_private = (void *)&not_literal;
	g->cdata(ctx, v, len);
}

static void
refuse_subset(void *ctx, const xmlChar *name, const xmlChar *ext,
    const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct parse_guard *g = ctxt->_private;

	(void)name;
	(void)ext;
	(void)sys;
	g->doctype = 1;
	xmlStopParser(ctxt);
}

static void
no_message(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/*
 * Before libxml2 reads a document: its namespace declarations and each
 * element's attributes counted, in one pass over the bytes, and refused
 * beyond limits far above any DUIS document's (a few namespaces, a few
 * attributes).  libxml2's work on an element grows with the square of
 * its namespace declarations: 40,000 of them cost minutes.  Comments,
 * CDATA sections and processing instructions are passed over; what is
 * not well-formed is left to libxml2 to report.
 */
#define XML_MAX_NS_DECLS 64
#define XML_MAX_ATTRS 64

static const unsigned char *
after(const unsigned char *p, const unsigned char *end, const char *close)
{
	const unsigned char *q = memmem(p, (size_t)(end - p), close,
	    strlen(close));

	return q != NULL ? q + strlen(close) : end;
}

static int
xml_prescan(const unsigned char *p, size_t n, struct solr_err *e)
{
	const unsigned char *end = p + n, *q, *name;
	size_t ns = 0, attrs;
	unsigned char quote;

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if (end - p >= 4 && memcmp(p, "<!--", 4) == 0)
			p = after(p + 4, end, "-->");
		else if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0)
			p = after(p + 9, end, "]]>");
		else if (end - p >= 2 && p[1] == '?')
			p = after(p + 2, end, "?>");
		else if (end - p >= 2 && p[1] == '!')
			return 0;	/* a DOCTYPE: refused by the parser */
		else if (end - p >= 2 && p[1] == '/')
			p = after(p + 2, end, ">");
		else {
			/* a start tag: its name, then its attributes */
			for (q = p + 1; q < end && !strchr(" \t\r\n/>", *q); q++)
				;
			for (attrs = 0;;) {
				while (q < end && strchr(" \t\r\n", *q))
					q++;
				if (q >= end || *q == '>' || *q == '/')
					break;
				for (name = q; q < end && *q != '=' &&
				    !strchr(" \t\r\n/>", *q); q++)
					;
				if (q - name >= 5 && memcmp(name, "xmlns", 5) == 0 &&
				    (q - name == 5 || name[5] == ':') &&
				    ++ns > XML_MAX_NS_DECLS)
					return solr_seterr(e, SOLR_ERR_VERIFY, "the "
					    "document declares more than %d "
					    "namespaces (a DUIS document declares "
					    "a few); refused before it is read",
					    XML_MAX_NS_DECLS);
				if (++attrs > XML_MAX_ATTRS)
					return solr_seterr(e, SOLR_ERR_VERIFY, "an "
					    "element has more than %d attributes "
					    "(a DUIS element has a few); refused "
					    "before it is read", XML_MAX_ATTRS);
				while (q < end && strchr(" \t\r\n", *q))
					q++;
				if (q >= end || *q != '=')
					return 0;	/* not well-formed */
				for (q++; q < end && strchr(" \t\r\n", *q); q++)
					;
				if (q >= end || (*q != '"' && *q != '\''))
					return 0;
				quote = *q++;
				if ((q = memchr(q, quote, (size_t)(end - q))) ==
				    NULL)
					return 0;
				q++;
			}
			p = q;
		}
		if (p >= end)
			break;
	}
	return 0;
}

int
solr_xml_parse(const unsigned char *p, size_t n, xmlDocPtr *out,
    struct solr_err *e)
{
	xmlParserCtxtPtr ctxt;
	struct parse_guard g = { 0 };
	xmlDocPtr doc;
	const xmlError *xe;
	unsigned long oom;
	static int quiet;

	*out = NULL;
	if (!quiet) {
		/* libxml2 reports through us, never on stderr itself (C14N
		 * errors of a hostile document would go there) */
		xmlSetGenericErrorFunc(NULL, no_message);
		quiet = 1;
	}
	oom = solr_oom_count();
	if (n > INT32_MAX)
		return solr_seterr(e, SOLR_ERR_LIMIT, "document too large");
	if (xml_prescan(p, n, e) != 0)
		return SOLR_ERR_VERIFY;
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	ctxt->_private = &g;
	ctxt->sax->internalSubset = refuse_subset;
	ctxt->sax->externalSubset = refuse_subset;
	g.characters = ctxt->sax->characters;
	g.cdata = ctxt->sax->cdataBlock;
	if (g.characters != NULL)
		ctxt->sax->characters = literal_characters;
	if (g.cdata != NULL)
		ctxt->sax->cdataBlock = literal_cdata;
	doc = xmlCtxtReadMemory(ctxt, (const char *)p, (int)n, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	/* libxml2 out of memory stops where it was, or carries on without
	 * what it could not make, and hands back an error or part of a
	 * tree: nothing is read from it, and it is no fault of the
	 * document's */
	if (solr_oom_count() != oom) {
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory reading "
		    "the XML document");
	}
	if (g.doctype || (doc && (doc->intSubset || doc->extSubset))) {
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return solr_seterr(e, SOLR_ERR_VERIFY, "the document has a "
		    "DOCTYPE; DTDs and entities are not accepted");
	}
	if (doc == NULL || !ctxt->wellFormed) {
		char msg[256] = "parse error";

		xe = xmlCtxtGetLastError(ctxt);
		if (xe && xe->message) {
			snprintf(msg, sizeof(msg), "line %d: %s", xe->line,
			    xe->message);
			msg[strcspn(msg, "\n")] = '\0';
		}
		xmlFreeDoc(doc);
		xmlFreeParserCtxt(ctxt);
		return solr_seterr(e, SOLR_ERR_VERIFY,
		    "not well-formed XML: %s", msg);
	}
	xmlFreeParserCtxt(ctxt);
	*out = doc;
	return 0;
}

xmlNodePtr
solr_xml_next(xmlNodePtr n)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

xmlNodePtr
solr_xml_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n;

	for (n = parent ? solr_xml_next(parent->children) : NULL; n;
	    n = solr_xml_next(n->next))
		if (strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

xmlNodePtr
solr_xml_body(xmlDocPtr doc)
{
	xmlNodePtr body = solr_xml_child(xmlDocGetRootElement(doc), "Body");

	return body ? solr_xml_next(body->children) : NULL;
}

int
solr_xml_text(xmlNodePtr n, char *out, size_t cap, struct solr_err *e)
{
	xmlNodePtr c;
	size_t len = 0, l;

	if (n->_private == &not_literal)
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) must "
		    "be written out as one text: no character or entity "
		    "reference and no CDATA section, so that every reader "
		    "reads the value checked", n->name, xmlGetLineNo(n));
	for (c = n->children; c; c = c->next) {
		if (c->type != XML_TEXT_NODE)
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line "
			    "%ld) must hold only text", n->name,
			    xmlGetLineNo(n));
		l = strlen((const char *)c->content);
		if (len + l >= cap)
			return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line "
			    "%ld) is longer than %zu characters", n->name,
			    xmlGetLineNo(n), cap - 1);
		memcpy(out + len, c->content, l);
		len += l;
	}
	out[len] = '\0';
	if (len > 0 && (strchr(" \t\r\n", out[0]) || strchr(" \t\r\n",
	    out[len - 1])))
		return solr_seterr(e, SOLR_ERR_VERIFY, "sr:%s (line %ld) has "
		    "white space around its value; a value is written in one "
		    "form, with none", n->name, xmlGetLineNo(n));
	return 0;
}

int
solr_xml_is_sr(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    strcmp((const char *)n->ns->href, SOLR_NS_SR) == 0 &&
	    (name == NULL || strcmp((const char *)n->name, name) == 0);
}
