/* Runs a fuzz harness over files and directories of inputs (the corpora
 * of testdata/fuzz) without libFuzzer: make check replays them with the
 * ordinary build, and under the sanitizers with make asan check. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int
one(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			unsigned char *nb;

			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	(*count)++;
	return 0;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
main(int argc, char *argv[])
{
	size_t count = 0;
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;
		char **names = NULL;
		size_t n = 0, j;

		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			return 2;
		}
		if (!S_ISDIR(st.st_mode)) {
			bad |= one(argv[i], &count);
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			return 2;
		}
		while ((de = readdir(d)) != NULL) {
			char **nn;

			if (de->d_name[0] == '.')
				continue;
			if ((nn = realloc(names, (n + 1) * sizeof(*nn))) ==
			    NULL)
				return 2;
			names = nn;
			if ((names[n] = malloc(strlen(argv[i]) +
			    strlen(de->d_name) + 2)) == NULL)
				return 2;
			sprintf(names[n++], "%s/%s", argv[i], de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), by_name);
		for (j = 0; j < n; j++) {
			bad |= one(names[j], &count);
			free(names[j]);
		}
		free(names);
	}
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return bad ? 2 : 0;
}
