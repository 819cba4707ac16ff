/* Every loader of a world's files.  The first byte chooses the file, the
 * rest is its content, written into a scratch world whose other files
 * come from the fuzz world:
 *   0 policy.yaml   1 registry.yaml   2 failed-suppliers.yaml
 *   3 instructions.yaml   4 adt/<SRP>.yaml   5 state/countersign-ledger */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/layout.h"
#include "decide/adt.h"
#include "decide/fslist.h"
#include "store/ledger.h"
#include "fuzz.h"

#define SRP 0x00DB123456780004ULL

static char scratch[PATH_MAX];

static void
put(const char *name, const void *p, size_t n)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0 ||
	    (n > 0 && write(fd, p, n) != (ssize_t)n) || close(fd) != 0) {
		fprintf(stderr, "fuzz-world: %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static void
copy(const char *name)
{
	char path[PATH_MAX];
	char buf[1 << 16];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", fuzz_world()->dir, name);
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "fuzz-world: %s: %s\n", path, strerror(errno));
		exit(2);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	put(name, buf, n);
}

static void
cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (scratch[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz-world: cannot remove %s\n",
			    scratch);
	}
}

static void
setup(void)
{
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" :
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char sub[PATH_MAX];

	snprintf(scratch, sizeof(scratch), "%s/solr-fuzz-world.XXXXXX", tmp);
	if (mkdtemp(scratch) == NULL) {
		fprintf(stderr, "fuzz-world: mkdtemp: %s\n", strerror(errno));
		exit(2);
	}
	atexit(cleanup);
	snprintf(sub, sizeof(sub), "%s/adt", scratch);
	if (mkdir(sub, 0700) != 0)
		exit(2);
	snprintf(sub, sizeof(sub), "%s/state", scratch);
	if (mkdir(sub, 0700) != 0)
		exit(2);
	copy("policy.yaml");
	copy("registry.yaml");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct solr_err e = { 0 };
	char path[PATH_MAX];
	const char *p = (const char *)data + 1;
	size_t n = size - 1;

	if (scratch[0] == '\0')
		setup();
	if (size == 0)
		return 0;
	switch (data[0] % 6) {
	case 0:
	case 1: {
		struct solr_world w;

		put(data[0] % 6 == 0 ? "policy.yaml" : "registry.yaml", p, n);
		(void)world_load(&w, scratch, &e);
		world_free(&w);
		copy(data[0] % 6 == 0 ? "policy.yaml" : "registry.yaml");
		break;
	}
	case 2: {
		struct fs_list l;
		struct fs_finding *f = NULL;
		size_t nf = 0;

		put("failed-suppliers.yaml", p, n);
		if (fslist_load(scratch, &l, &e) == 0) {
			char *s;

			(void)fslist_validate(fuzz_world(), &l, &l, FUZZ_AT, &f,
			    &nf, &e);
			free(f);
			if ((s = fslist_render(&l, l.version + 1)) != NULL) {
				struct fs_list again;

				/* what we render, we read back */
				if (fslist_parse(s, strlen(s), "rendered",
				    &again, &e) != 0) {
					fprintf(stderr, "%s\n", e.msg);
					abort();
				}
				fslist_free(&again);
				free(s);
			}
			fslist_free(&l);
		}
		break;
	}
	case 3: {
		struct instructions is;

		put("instructions.yaml", p, n);
		if (instructions_load(scratch, &is, &e) == 0) {
			(void)instruction_find(&is, 0, SRP, FUZZ_AT);
			instructions_free(&is);
		}
		break;
	}
	case 4: {
		struct adt_file a;

		world_adt_path(path, sizeof(path), scratch, SRP);
		put(path + strlen(scratch) + 1, p, n);
		if (adt_load(scratch, NULL, SRP, &a, &e) == 0) {
			(void)adt_find(&a, "2.1");
			adt_free(&a);
		}
		break;
	}
	default: {
		static const unsigned char key[32] = { 1 };
		struct ledger l;

		put("state/countersign-ledger", p, n);
		(void)ledger_open(scratch, key, &l, &e);
		ledger_close(&l);
		break;
	}
	}
	return 0;
}
