/*
 * The Service Requests the SolrContingency role may send, one row each,
 * and what is checked for each: the table world.c checks a role's policy
 * against, solr-gbcs-parse reads a body by, and solr-adt-check holds the
 * values of against a profile.  A role may list an SRV only when it has a
 * row here, and a row only when its values have a rule.
 */
#ifndef SOLR_SRV_H
#define SOLR_SRV_H

struct srv_rule {
	const char *srv;	/* "2.1", as DUIS writes it */
	const char *name;	/* the DUIS name, for messages */
	const char *xml_body;	/* the record's request.body of its XML form */
	const char *xml_element;	/* that body's element (sr:<name>) */
	int safe_profile;	/* its values are held against safe_prepay */
};

extern const struct srv_rule srv_rules[];
extern const int srv_nrules;
/* The row of srv, or NULL: an SRV the role may not send. */
const struct srv_rule *srv_rule(const char *srv);

#endif
