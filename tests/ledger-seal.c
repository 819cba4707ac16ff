/*
 * ledger-seal WORLD NAME: writes state/NAME-head for state/NAME-ledger as
 * it stands, as its last sync would have, under the world's state key.
 * Test only: a test that writes a large ledger by hand (t-memory) gives
 * it the record the stages ask for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/layout.h"
#include "base/util.h"
#include "store/statehead.h"
#include "world/world.h"

int
main(int argc, char *argv[])
{
	static char tail[4096];
	struct solr_world w;
	struct solr_err e = { 0 };
	struct state_head h;
	char path[4096], hpath[4096], name[256], *line = NULL;
	size_t cap = 0, keep;
	ssize_t n;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: ledger-seal WORLD NAME\n");
		return 2;
	}
	if (world_load(&w, argv[1], &e) != 0) {
		fprintf(stderr, "ledger-seal: %s: %s\n", e.file, e.msg);
		return 2;
	}
	world_state_path(path, sizeof(path), argv[1], argv[2], "-ledger");
	world_state_path(hpath, sizeof(hpath), argv[1], argv[2], "-head");
	snprintf(name, sizeof(name), "%s-ledger", argv[2]);
	memset(&h, 0, sizeof(h));
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return 2;
	}
	while ((n = getline(&line, &cap, f)) > 0 && line[n - 1] == '\n') {
		if (state_digest_item(w.state_key, h.size, line, (size_t)n - 1,
		    h.digest) != 0)
			return 2;
		h.size += (uint64_t)n;
	}
	free(line);
	keep = h.size < sizeof(tail) ? (size_t)h.size : sizeof(tail);
	if (fseek(f, (long)(h.size - keep), SEEK_SET) != 0 ||
	    fread(tail, 1, keep, f) != keep || solr_sha256(tail, keep,
	    h.tail) != 0 || state_head_write(w.state_key, hpath, name, &h,
	    &e) != 0) {
		fprintf(stderr, "ledger-seal: %s: %s\n", hpath, e.msg);
		return 2;
	}
	fclose(f);
	world_free(&w);
	return 0;
}
