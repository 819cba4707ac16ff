#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "store/recview.h"

/* The scalar at key of m, or NULL (a null, a map or a list is none). */
static const char *
text(const struct ynode *m, const char *key)
{
	const struct ynode *n = yn_get(m, key);

	return n != NULL && yn_is_scalar(n) && !yn_is_null(n) ? n->str : NULL;
}

static int
eui_at(const struct ynode *m, const char *key, struct rec_eui64 *id)
{
	id->text = text(m, key);
	id->eui = 0;
	return id->text != NULL && solr_eui_parse(id->text, strlen(id->text),
	    &id->eui) == 0;
}

static enum rec_verdict
verdict_of(const char *v)
{
	static const char *const names[] = {
		[RV_PASS] = "pass", [RV_ACCEPT] = "accept",
		[RV_REJECT] = "reject", [RV_QUARANTINE] = "quarantine",
	};
	int i;

	for (i = 0; v != NULL && i < RV_UNKNOWN; i++)
		if (strcmp(v, names[i]) == 0)
			return (enum rec_verdict)i;
	return RV_UNKNOWN;
}

static void
request_view(struct solr_record *r, const struct ynode *req)
{
	struct solr_request *q = &r->request;
	const char *s;
	int64_t v;

	q->object = text(req, "object");
	q->at = text(req, "at");
	q->body = text(req, "body");
	q->schema_version = text(req, "schema_version");
	q->request_id = text(req, "request_id");
	q->counter = text(req, "counter");
	q->srv = text(req, "srv");
	if (eui_at(req, "originator", &q->originator) &&
	    eui_at(req, "target", &q->target) && q->request_id != NULL)
		r->has |= RV_IDS;
	if (q->srv != NULL && (s = text(req, "cv")) != NULL &&
	    solr_parse_int(s, 0, 255, &v) == 0) {
		q->cv = (int)v;
		r->has |= RV_COMMAND;
	}
	if (q->object != NULL)
		r->has |= RV_OBJECT;
	if (q->body != NULL)
		r->has |= RV_BODY;
}

/* The view's strings copied into one block it owns: a write to the tree
 * after rec_view cannot pull one from under it. */
static int
own(struct solr_record *r)
{
	const char **f[] = { &r->code, &r->sender.text, &r->sender_issuer,
	    &r->sender_serial, &r->request.object, &r->request.at,
	    &r->request.body, &r->request.schema_version,
	    &r->request.request_id, &r->request.originator.text,
	    &r->request.target.text, &r->request.counter, &r->request.srv };
	size_t i, n = 1, l;
	char *p;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL)
			n += strlen(*f[i]) + 1;
	if ((r->owned = p = malloc(n)) == NULL)
		return SOLR_ERR_NOMEM;
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (*f[i] != NULL) {
			l = strlen(*f[i]) + 1;
			memcpy(p, *f[i], l);
			*f[i] = p;
			p += l;
		}
	return 0;
}

void
rec_view_free(struct solr_record *r)
{
	free(r->owned);
	r->owned = NULL;
}

int
rec_view(struct solr_record *r, struct ynode *tree)
{
	const struct ynode *snd = yn_get(tree, "sender");
	const char *s;

	memset(r, 0, sizeof(*r));
	r->tree = tree;
	if ((s = text(tree, "received_at")) != NULL &&
	    solr_time_parse(s, &r->received_at) == 0)
		r->has |= RV_TIME;
	if (eui_at(snd, "id", &r->sender))
		r->has |= RV_SENDER;
	r->sender_issuer = text(yn_get(snd, "cert"), "issuer");
	r->sender_serial = text(yn_get(snd, "cert"), "serial");
	request_view(r, yn_get(tree, "request"));
	r->verdict = verdict_of(text(tree, "verdict"));
	r->code = text(tree, "code");
	if (own(r) != 0) {
		memset(r, 0, sizeof(*r));
		return SOLR_ERR_NOMEM;
	}
	return 0;
}

/* The field behind a missing RV_* bit, as solr-records(5) names it. */
static const char *
field_of(const struct solr_record *r, unsigned bit)
{
	const struct solr_request *q = &r->request;
	uint64_t v;

	switch (bit) {
	case RV_OBJECT:
		return "request.object";
	case RV_BODY:
		return "request.body";
	case RV_SENDER:
		return "sender.id";
	case RV_IDS:
		if (q->request_id == NULL)
			return "request.request_id";
		return q->originator.text == NULL || solr_eui_parse(
		    q->originator.text, strlen(q->originator.text), &v) != 0 ?
		    "request.originator" : "request.target";
	default:
		return q->srv == NULL ? "request.srv" : "request.cv";
	}
}

unsigned
rec_lacks(const struct solr_record *r, unsigned need, char *why, size_t n)
{
	static const unsigned order[] = {
		RV_OBJECT, RV_BODY, RV_SENDER, RV_IDS, RV_COMMAND, RV_TIME,
	};
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(need & order[i]) || (r->has & order[i]))
			continue;
		if (order[i] == RV_TIME)
			snprintf(why, n, "the record's received_at is not an "
			    "RFC 3339 time");
		else
			snprintf(why, n, "the record lacks %s: solr-verify-sig "
			    "must run first", field_of(r, order[i]));
		return order[i];
	}
	return 0;
}
