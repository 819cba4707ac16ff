/* Runs a fuzz harness over files and directories of inputs (the corpora
 * of testdata/fuzz, and the vectors) without libFuzzer: make check replays
 * them with the ordinary build, and under the sanitizers with make asan
 * check.  After -x, files are hexadecimal text (the .HEX vectors) and are
 * decoded first; directories are walked in name order. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int hex;

static size_t
unhex(unsigned char *p, size_t n)
{
	size_t i, k = 0;
	int hi = -1, v;

	for (i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else
			continue;
		if (hi < 0)
			hi = v;
		else {
			p[k++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	return k;
}

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
	if (hex)
		len = unhex(buf, len);
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

static int
walk(const char *path, size_t *count)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, j;
	int bad = 0;

	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return one(path, count);
	if ((d = opendir(path)) == NULL) {
		perror(path);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char **nn;

		if (de->d_name[0] == '.')
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*nn))) == NULL ||
		    (nn[n] = malloc(strlen(path) + strlen(de->d_name) + 2)) ==
		    NULL) {
			fprintf(stderr, "%s: out of memory\n", path);
			exit(2);
		}
		names = nn;
		sprintf(names[n++], "%s/%s", path, de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), by_name);
	for (j = 0; j < n; j++) {
		bad |= walk(names[j], count);
		free(names[j]);
	}
	free(names);
	return bad;
}

int
main(int argc, char *argv[])
{
	size_t count = 0;
	int i, bad = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-x") == 0)
			hex = 1;
		else
			bad |= walk(argv[i], &count);
	}
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return bad ? 2 : 0;
}
