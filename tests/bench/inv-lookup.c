/*
 * inv-lookup WORLD N K: K lookups in the device inventory of WORLD, of
 * devices 0x00DB123700000000 + i for i random below N (the devices
 * tests/bench/inventory imports), through inv_lookup, the stages'
 * own path.  Prints TSV: devices, lookups, microseconds of CPU a lookup,
 * peak RSS in KiB.
 */
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "world/device.h"
#include "world/world.h"

static double
cpu(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int
main(int argc, char *argv[])
{
	struct solr_world w;
	struct solr_err e;
	struct rusage ru;
	struct inv_entry en;
	long n, k, i;
	uint64_t x = 88172645463325252ULL;
	double t0, t1;

	if (argc != 4 || (n = atol(argv[2])) < 1 || (k = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: inv-lookup WORLD N K\n");
		return 2;
	}
	if (world_load(&w, argv[1], &e) != 0) {
		fprintf(stderr, "inv-lookup: %s\n", e.msg);
		return 2;
	}
	/* the first lookup opens the inventory: not counted */
	if (inv_lookup(&w, 0x00DB123700000000ULL, &en, &e) != 0) {
		fprintf(stderr, "inv-lookup: %s\n", e.msg);
		return 2;
	}
	t0 = cpu();
	for (i = 0; i < k; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (inv_lookup(&w, 0x00DB123700000000ULL + x % (uint64_t)n, &en,
		    &e) != 0 || (strcmp(en.type, "ESME") != 0 &&
		    strcmp(en.type, "GSME") != 0)) {
			fprintf(stderr, "inv-lookup: %s\n", e.msg);
			return 1;
		}
	}
	t1 = cpu();
	getrusage(RUSAGE_SELF, &ru);
	printf("%ld\t%ld\t%.2f\t%ld\n", n, k, (t1 - t0) / (double)k,
	    ru.ru_maxrss);
	world_free(&w);
	return 0;
}
