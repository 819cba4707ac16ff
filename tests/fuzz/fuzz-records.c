/* The record stream: read every record of the input (good, malformed or
 * unreadable), write each good one back, and read the written stream
 * again, which must give the same number of records. */
#include <stdio.h>
#include <stdlib.h>

#include "../../common/record.h"
#include "../../common/ytree.h"
#include "fuzz.h"

static size_t
read_all(const unsigned char *p, size_t n, FILE *out)
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
	if (out != NULL)
		wr = rec_writer_new(out);
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = NULL;
	size_t len = 0, good, again;
	FILE *out = open_memstream(&buf, &len);

	if (out == NULL)
		return 0;
	good = read_all(data, size, out);
	fclose(out);
	again = read_all((const unsigned char *)buf, len, NULL);
	if (again != good) {
		fprintf(stderr, "records: %zu read, %zu after writing\n", good,
		    again);
		abort();
	}
	free(buf);
	return 0;
}
