/* The record stream, YAML or JSON Lines: read every record of the input
 * (good, malformed or unreadable), write each good one back as YAML and
 * as JSON, and read both written streams again, which must give the same
 * number of records; the JSON read back must write the same JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/record.h"
#include "base/ytree.h"
#include "fuzz.h"

static size_t
read_all(const unsigned char *p, size_t n, FILE *out, int json)
{
	FILE *in = fmemopen((void *)p, n, "r");
	struct rec_reader *rd;
	struct rec_writer *wr = NULL;
	struct ynode *rec;
	struct solr_err e = { 0 };
	size_t good = 0;
	int line, r;

	if (in == NULL)
		return 0;
	if ((rd = rec_reader_new(in, "fuzz")) == NULL) {
		fclose(in);
		return 0;
	}
	if (out != NULL && (wr = rec_writer_new(out)) != NULL)
		rec_writer_json(wr, json);
	while ((r = rec_read(rd, &rec, &line, &e)) != REC_EOF && r >= 0) {
		if (r == REC_OK) {
			good++;
			if (wr != NULL && rec_write(wr, rec) != 0)
				abort();
			yn_free(rec);
		}
		solr_err_clear(&e);
	}
	if (wr != NULL) {
		if (rec_writer_finish(wr, &e) != 0)
			abort();
		rec_writer_free(wr);
	}
	rec_reader_free(rd);
	fclose(in);
	return good;
}

static char *
stream(const unsigned char *p, size_t n, int json, size_t *good,
    size_t *len)
{
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);

	if (out == NULL)
		abort();
	*good = read_all(p, n, out, json);
	fclose(out);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len, jlen, j2len, good, again, jgood;
	char *buf = stream(data, size, 0, &good, &len);
	char *js = stream(data, size, 1, &jgood, &jlen), *js2;

	again = read_all((const unsigned char *)buf, len, NULL, 0);
	if (again != good || jgood != good) {
		fprintf(stderr, "records: %zu read, %zu after writing\n", good,
		    again);
		abort();
	}
	/* JSON written, read and written again: the same bytes */
	js2 = stream((const unsigned char *)js, jlen, 1, &again, &j2len);
	if (again != good || j2len != jlen || memcmp(js, js2, jlen) != 0) {
		fprintf(stderr, "records: JSON round trip differs\n");
		abort();
	}
	free(buf);
	free(js);
	free(js2);
	return 0;
}
