#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

struct solr_world *
fuzz_world(void)
{
	static struct solr_world w;
	static int loaded;
	struct solr_err e = { 0 };
	const char *dir = getenv("SOLR_FUZZ_WORLD");

	if (loaded)
		return &w;
	if (dir == NULL || *dir == '\0')
		dir = "build/world";
	if (world_load(&w, dir, &e) != 0) {
		fprintf(stderr, "fuzz: cannot load the world %s: %s\n", dir,
		    e.msg);
		exit(2);
	}
	loaded = 1;
	return &w;
}
