/* The field list of a decoded message, as a tree or written out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/ywrite.h"
#include "gbcs/trace.h"

static int
by_offset(const void *a, const void *b)
{
	const struct gbcs_field *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	if (x->length != y->length)
		return x->length > y->length ? -1 : 1;
	return x < y ? -1 : 1;
}

void
gbcs_trace_sort(struct gbcs_trace *t)
{
	if (t->n > 1)
		qsort(t->f, t->n, sizeof(*t->f), by_offset);
}

struct ynode *
gbcs_fields_tree(const struct gbcs_trace *t)
{
	struct ynode *fields = yn_new_seq(0), *f;
	size_t i;
	int r = 0;

	for (i = 0; i < t->n; i++) {
		f = yn_new_map(1);
		r |= yn_set_int(f, "offset", (int64_t)t->f[i].offset);
		r |= yn_set_int(f, "length", (int64_t)t->f[i].length);
		r |= yn_set_str(f, "field", t->f[i].name);
		r |= yn_set_str(f, "value", t->f[i].value);
		r |= yn_push(fields, f);
	}
	return yn_done(fields, r);
}

/* {"offset":N,"length":N,"field":S,"value":S}, after a comma unless
 * first */
static int
field_json(struct solr_buf *b, const struct gbcs_field *f, int first)
{
	char num[64];
	int r;

	snprintf(num, sizeof(num), "%s{\"offset\":%zu,\"length\":%zu,"
	    "\"field\":", first ? "" : ",", f->offset, f->length);
	r = solr_buf_add(b, num, strlen(num));
	yw_json_string(b, f->name);
	r = r ? r : solr_buf_add(b, ",\"value\":", 9);
	yw_json_string(b, f->value);
	return r ? r : solr_buf_addc(b, '}');
}

/* n in decimal, appended */
static int
add_size(struct solr_buf *b, size_t n)
{
	char d[24], *p = d + sizeof(d);

	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	return solr_buf_add(b, p, (size_t)(d + sizeof(d) - p));
}

/* - {offset: N, length: N, field: S, value: S} */
static int
field_yaml(struct solr_buf *b, const struct gbcs_field *f)
{
	int r;

	r = solr_buf_add(b, "- {offset: ", 11);
	r = r ? r : add_size(b, f->offset);
	r = r ? r : solr_buf_add(b, ", length: ", 10);
	r = r ? r : add_size(b, f->length);
	r = r ? r : solr_buf_add(b, ", field: ", 9);
	r = r ? r : yw_scalar(b, f->name, strlen(f->name), 1, 1);
	r = r ? r : solr_buf_add(b, ", value: ", 9);
	r = r ? r : yw_scalar(b, f->value, strlen(f->value), 1, 1);
	return r ? r : solr_buf_add(b, "}\n", 2);
}

struct ynode *
gbcs_fields_text(const struct gbcs_trace *t, int json)
{
	struct solr_buf b = { 0 };
	struct ynode *n;
	size_t i;
	int r = json ? solr_buf_addc(&b, '[') : 0;

	for (i = 0; r == 0 && i < t->n; i++)
		r = json ? field_json(&b, &t->f[i], i == 0) :
		    field_yaml(&b, &t->f[i]);
	if (json && r == 0)
		r = solr_buf_addc(&b, ']');
	n = r ? NULL : yn_new_raw((const char *)b.p, b.len, json);
	solr_buf_free(&b);
	return n;
}
