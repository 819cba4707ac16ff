/*
 * A record read once into named fields (solr-records(5)).  The tree
 * holds the whole record, keys no stage knows among them, and it is what
 * the writer writes; the fields are its typed view.  The view owns copies
 * of its strings: a stage that writes to the tree leaves the view as it
 * was read (rec_view again to see the change), and rec_view_free frees
 * them.
 */
#ifndef SOLR_RECVIEW_H
#define SOLR_RECVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "base/ytree.h"

/* What a record carries in a form the stages can use (solr_record.has). */
enum {
	RV_TIME = 1 << 0,	/* received_at is an RFC 3339 time */
	RV_SENDER = 1 << 1,	/* sender.id is an EUI-64 */
	RV_IDS = 1 << 2,	/* request.request_id, and originator and
				 * target as EUI-64s */
	RV_COMMAND = 1 << 3,	/* request.srv, and cv as a number */
	RV_OBJECT = 1 << 4,	/* request.object: the document is stored */
	RV_BODY = 1 << 5,	/* request.body: which body it carries */
};

/* An EUI-64 as a number, and as the record writes it. */
struct rec_eui64 {
	uint64_t eui;
	const char *text;
};

enum rec_verdict {
	RV_PASS,
	RV_ACCEPT,
	RV_REJECT,
	RV_QUARANTINE,
	RV_UNKNOWN,		/* missing, or no verdict of the contract */
};

struct solr_request {
	const char *object;	/* SHA-256 of the document in the store */
	const char *at;		/* where the store put it */
	const char *body;	/* "signed-pre-command", ... */
	const char *schema_version;
	const char *request_id;
	struct rec_eui64 originator, target;
	const char *counter;	/* the RequestID's counter, as written */
	const char *srv;
	int cv;
};

struct solr_record {
	struct ynode *tree;
	unsigned has;		/* RV_* */
	int64_t received_at;	/* with RV_TIME */
	struct solr_request request;
	struct rec_eui64 sender;	/* sender.id, with RV_SENDER */
	const char *sender_issuer, *sender_serial;	/* sender.cert */
	enum rec_verdict verdict;
	const char *code;
	char *owned;		/* the strings above, one block */
};

/* Reads the fields of tree into r, copying the strings: 0, or
 * SOLR_ERR_NOMEM (r then holds nothing to free). */
int rec_view(struct solr_record *r, struct ynode *tree);
void rec_view_free(struct solr_record *r);
/* 0 when r has every RV_* of need; otherwise why holds the one reason
 * every stage gives for the first that is missing ("the record lacks
 * request.originator: solr-verify-sig must run first"), and it returns
 * the RV_* that is missing. */
unsigned rec_lacks(const struct solr_record *r, unsigned need, char *why,
    size_t n);

#endif
