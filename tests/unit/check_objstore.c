#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/objstore.h"
#include "unit.h"

static const char abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a"
    "9cb410ff61f20015ad";

static void
rmrf(const char *dir)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static int
count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The one segment the store holds ("<dir>/<id>.seg"). */
static void
segment(const char *dir, char *path, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	path[0] = '\0';
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, ".seg"))
			snprintf(path, cap, "%s/%s", dir, de->d_name);
	closedir(d);
	ck_assert(path[0] != '\0');
}

static int
count_segments(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".seg") != NULL;
	closedir(d);
	return n;
}

START_TEST(put_get_and_tamper)
{
	char dir[] = "/tmp/solr-objXXXXXX", name[SOLR_SHA256_HEX],
	    again[SOLR_SHA256_HEX], at[OBJSTORE_AT], path[4096];
	struct solr_objstore os, other;
	struct solr_buf b = { 0 };
	struct solr_err e;
	int fd, i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_put_at(&os, "abc", 3, name, at, &e), 0);
	ck_assert_str_eq(name, abc);
	ck_assert_ptr_nonnull(strchr(at, ':'));
	ck_assert_int_eq(objstore_put_at(&os, "abc", 3, again, NULL, &e), 0);
	ck_assert_str_eq(name, again);
	/* by its place, and by the index */
	ck_assert_int_eq(objstore_get_at(&os, name, at, 100, &b, &e), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_mem_eq(b.p, "abc", 3);
	ck_assert_int_eq(objstore_get(&os, name, 100, &b, &e), 0);
	ck_assert_mem_eq(b.p, "abc", 3);
	/* a hint that lies is passed over, never trusted */
	ck_assert_int_eq(objstore_get_at(&os, name, "../../etc/passwd:0", 100,
	    &b, &e), 0);
	ck_assert_int_eq(objstore_get_at(&os, name, "0123-4:ffffffffffff", 100,
	    &b, &e), 0);
	ck_assert_int_eq(objstore_get_at(&os, name, "nonsense", 100, &b, &e),
	    0);
	/* over the limit */
	ck_assert_int_eq(objstore_get(&os, name, 2, &b, &e), SOLR_ERR_LIMIT);
	for (i = 0; i < 50; i++) {
		char n2[SOLR_SHA256_HEX];

		ck_assert_int_eq(objstore_put_at(&os, &i, sizeof(i), n2, NULL, &e), 0);
	}
	ck_assert_int_eq(objstore_sync(&os, &e), 0);
	/* another process's reader finds it through the index */
	ck_assert_int_eq(objstore_open(&other, dir, &e), 0);
	ck_assert_int_eq(objstore_get(&other, name, 100, &b, &e), 0);
	ck_assert_int_eq(objstore_close(&other, &e), 0);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	/* a segment and its index: a few files, not one per object */
	ck_assert_int_eq(count_files(dir), 3);
	/* a changed object is caught when read, by place and by index */
	segment(dir, path, sizeof(path));
	fd = open(path, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, "abd", 3, 70), 3);
	close(fd);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_get_at(&os, name, at, 100, &b, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "not to its name"));
	ck_assert_int_eq(objstore_get(&os, name, 100, &b, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_int_eq(objstore_get(&os, "../../etc/passwd", 100, &b, &e),
	    SOLR_ERR_FORMAT);
	ck_assert_int_eq(objstore_get(&os, "00000000000000000000000000000000"
	    "00000000000000000000000000000000", 100, &b, &e), SOLR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(e.msg, "not in the store"));
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	solr_buf_free(&b);
	rmrf(dir);
}
END_TEST

/* Index lines in the store's segments (a copy written is a line). */
static int
index_lines(const char *dir)
{
	char cmd[4200], buf[64];
	FILE *p;
	int n = -1;

	snprintf(cmd, sizeof(cmd), "cat '%s'/*.idx 2>/dev/null | wc -l", dir);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	if (fgets(buf, sizeof(buf), p) != NULL)
		n = atoi(buf);
	pclose(p);
	return n;
}

/* put_scan finds what another process stored (no copy more), stores what
 * no segment holds, and stores again what an index names but no longer
 * holds whole; put_new never looks */
START_TEST(put_scan_and_new)
{
	char dir[] = "/tmp/solr-objXXXXXX", name[SOLR_SHA256_HEX],
	    at[OBJSTORE_AT], at2[OBJSTORE_AT], path[4096];
	struct solr_objstore os;
	struct solr_buf b = { 0 };
	struct solr_err e;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_put_at(&os, "abc", 3, name, at, &e), 0);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_put_scan(&os, "abc", 3, name, at2, &e), 0);
	ck_assert_str_eq(name, abc);
	ck_assert_str_eq(at, at2);
	ck_assert_int_eq(index_lines(dir), 1);
	ck_assert_int_eq(objstore_put_scan(&os, "abd", 3, name, at2, &e), 0);
	ck_assert_int_eq(index_lines(dir), 2);
	ck_assert_int_eq(objstore_get_at(&os, name, at2, 100, &b, &e), 0);
	ck_assert_mem_eq(b.p, "abd", 3);
	ck_assert_int_eq(objstore_put_new(&os, "abc", 3, name, NULL, &e), 0);
	ck_assert_int_eq(index_lines(dir), 3);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	/* the first copy of "xyz" changed on disk: stored again */
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_put_new(&os, "xyz", 3, name, at, &e), 0);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	ck_assert_ptr_nonnull(strchr(at, ':'));
	snprintf(path, sizeof(path), "%s/%.*s.seg", dir,
	    (int)(strchr(at, ':') - at), at);
	ck_assert_int_ge(fd = open(path, O_WRONLY), 0);
	ck_assert_int_eq(pwrite(fd, "xya", 3, 70), 3);
	close(fd);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_put_scan(&os, "xyz", 3, name, at2, &e), 0);
	ck_assert_str_ne(at, at2);
	ck_assert_int_eq(objstore_get_at(&os, name, at2, 100, &b, &e), 0);
	ck_assert_mem_eq(b.p, "xyz", 3);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	solr_buf_free(&b);
	rmrf(dir);
}
END_TEST

/* Held writes: nothing is written until the sync or a read of the
 * segment; then all of it, where the names said it would lie */
START_TEST(held_writes)
{
	char dir[] = "/tmp/solr-objXXXXXX", name[SOLR_SHA256_HEX],
	    at[OBJSTORE_AT], at2[OBJSTORE_AT];
	struct solr_objstore os, other;
	struct solr_buf b = { 0 };
	struct solr_err e;
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	objstore_hold_writes(&os);
	ck_assert_int_eq(objstore_put_new(&os, "abc", 3, name, at, &e), 0);
	ck_assert_int_eq(objstore_put_new(&os, "abd", 3, name, at2, &e), 0);
	ck_assert_int_eq(index_lines(dir), 0);
	/* read back: written first */
	ck_assert_int_eq(objstore_get_at(&os, name, at2, 100, &b, &e), 0);
	ck_assert_mem_eq(b.p, "abd", 3);
	ck_assert_int_eq(index_lines(dir), 2);
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(objstore_put_new(&os, &i, sizeof(i), name, at,
		    &e), 0);
	ck_assert_int_eq(index_lines(dir), 2);
	ck_assert_int_eq(objstore_sync(&os, &e), 0);
	ck_assert_int_eq(index_lines(dir), 12);
	/* another process finds the last by its place and by the index */
	ck_assert_int_eq(objstore_open(&other, dir, &e), 0);
	ck_assert_int_eq(objstore_get_at(&other, name, at, 100, &b, &e), 0);
	ck_assert_int_eq(objstore_get(&other, name, 100, &b, &e), 0);
	ck_assert_int_eq(b.len, sizeof(i));
	ck_assert_int_eq(objstore_close(&other, &e), 0);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	solr_buf_free(&b);
	rmrf(dir);
}
END_TEST

static int
no_object(void *arg, const char *name, const struct solr_buf *b,
    struct solr_err *e)
{
	(void)arg;
	(void)b;
	return solr_seterr(e, SOLR_ERR_INTERNAL, "%s was not to be read",
	    name);
}

/* A new store in dir holding "xyz" first (when xyz is not NULL, which
 * gets its name) and "abc", closed; path gets the name of its index. */
static void
abc_store(char *dir, char *xyz, char *path, size_t cap)
{
	struct solr_objstore os;
	struct solr_err e;
	char name[SOLR_SHA256_HEX];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	if (xyz != NULL)
		ck_assert_int_eq(objstore_put_at(&os, "xyz", 3, xyz, NULL, &e), 0);
	ck_assert_int_eq(objstore_put_at(&os, "abc", 3, name, NULL, &e), 0);
	ck_assert_str_eq(name, abc);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	segment(dir, path, cap);
	strcpy(path + strlen(path) - 3, "idx");
}

START_TEST(index_lies)
{
	static const char *const bad[] = {
		("%.0szzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"
		    " 0000000000000001 00000003\n"),
		"x%.0s%89s\n",
		"%s 00000000000000g0 00000003\n",
		"%s 0000000000000000 0000000-\n",
		/* no object starts at the segment's limit or past it */
		"%s 0000000040000000 00000003\n",
	};
	char dir[] = "/tmp/solr-objXXXXXX", path[4096];
	struct solr_objstore os;
	struct solr_buf b = { 0 };
	struct solr_err e;
	size_t k;
	FILE *f;

	/* an index line that sends abc's name to another place */
	abc_store(dir, NULL, path, sizeof(path));
	f = fopen(path, "w");
	fprintf(f, "%s %016x %08x\n", abc, 1, 3);
	fclose(f);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_get(&os, abc, 100, &b, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "the index puts it at offset 1"));
	ck_assert_ptr_nonnull(strstr(e.file, ".idx"));
	/* and going through the store, where the name is the segment's */
	ck_assert_int_eq(objstore_each(&os, 100, no_object, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "ba7816bf8f01cfea...: the "
	    "index puts it at offset 1") != NULL, "%s", e.msg);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	/* lines that are not index lines: a name that is not one, a
	 * short line, an offset or a length that is not all hex digits
	 * (strtoull would read what comes before the first other one) */
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		f = fopen(path, "w");
		fprintf(f, bad[k], abc, "");
		fclose(f);
		ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
		ck_assert_int_eq(objstore_get(&os, abc, 100, &b, &e),
		    SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, "line 1 is not an index line") !=
		    NULL, "%zu: %s", k, e.msg);
		ck_assert_int_eq(objstore_close(&os, &e), 0);
	}
	solr_buf_free(&b);
	rmrf(dir);
}
END_TEST

/* The table keys a slot by the first 8 bytes of the name: a slot of
 * the same key that holds another object (made here by an index line
 * that shares abc's first 8 bytes and sends its name to where "xyz"
 * lies) is passed over, by a lookup and by the next put of abc; the
 * other name, which the store does not hold, is named as misplaced. */
START_TEST(same_key_passed_over)
{
	char dir[] = "/tmp/solr-objXXXXXX", name[SOLR_SHA256_HEX],
	    xyz[SOLR_SHA256_HEX], other[SOLR_SHA256_HEX], path[4096],
	    *lines;
	struct solr_objstore os;
	struct solr_buf b = { 0 };
	struct solr_err e;
	size_t n;
	FILE *f;

	/* the index: first a line of the other name at xyz's place (0),
	 * then the store's own lines */
	abc_store(dir, xyz, path, sizeof(path));
	lines = (char *)slurp(path, &n);
	snprintf(other, sizeof(other), "%.16s%s", abc,
	    "000000000000000000000000000000000000000000000000");
	f = fopen(path, "w");
	fprintf(f, "%s %016x %08x\n%.*s", other, 0, 3, (int)n, lines);
	fclose(f);
	free(lines);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_msg(objstore_get(&os, abc, 100, &b, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_mem_eq(b.p, "abc", 3);
	ck_assert_int_eq(objstore_get(&os, other, 100, &b, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "the index puts it at offset 0"));
	/* held: not written again */
	ck_assert_int_eq(objstore_put_at(&os, "abc", 3, name, NULL, &e), 0);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	ck_assert_int_eq(count_segments(dir), 1);
	solr_buf_free(&b);
	rmrf(dir);
}
END_TEST

/* An index of many names of one key (a hostile one: finding them takes
 * 2^56 work and more) is refused at the seventeenth, so that no lookup
 * has to read them all. */
START_TEST(same_key_flood_refused)
{
	char dir[] = "/tmp/solr-objXXXXXX", path[4096];
	struct solr_objstore os;
	struct solr_buf b = { 0 };
	struct solr_err e;
	FILE *f;
	int i;

	abc_store(dir, NULL, path, sizeof(path));
	f = fopen(path, "a");
	for (i = 1; i <= 100000; i++)
		fprintf(f, "%.16s%048x %016x %08x\n", abc, i, i, 3);
	fclose(f);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_get(&os, abc, 100, &b, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "line 17: more than 16 objects share the "
	    "first 8 bytes of their names") != NULL, "%s", e.msg);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	solr_buf_free(&b);
	rmrf(dir);
}
END_TEST

static int
keep_abc(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, abc) == 0;
}

START_TEST(gc_keeps_what_is_named)
{
	char dir[] = "/tmp/solr-objXXXXXX", name[SOLR_SHA256_HEX],
	    other[SOLR_SHA256_HEX];
	struct solr_objstore os, busy;
	struct solr_buf b = { 0 };
	struct solr_err e;
	size_t kept = 0, dropped = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_put_at(&os, "abc", 3, name, NULL, &e), 0);
	ck_assert_int_eq(objstore_put_at(&os, "xyz", 3, other, NULL, &e), 0);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	/* not while another process has the store open */
	ck_assert_int_eq(objstore_open(&busy, dir, &e), 0);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_gc(&os, keep_abc, NULL, &kept, &dropped,
	    &e), SOLR_ERR_IO);
	ck_assert_ptr_nonnull(strstr(e.msg, "in use"));
	ck_assert_int_eq(objstore_close(&busy, &e), 0);
	ck_assert_int_eq(objstore_gc(&os, keep_abc, NULL, &kept, &dropped,
	    &e), 0);
	ck_assert_uint_eq(kept, 1);
	ck_assert_uint_eq(dropped, 1);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	ck_assert_int_eq(objstore_open(&os, dir, &e), 0);
	ck_assert_int_eq(objstore_get(&os, name, 100, &b, &e), 0);
	ck_assert_int_eq(objstore_get(&os, other, 100, &b, &e), SOLR_ERR_IO);
	ck_assert_int_eq(objstore_close(&os, &e), 0);
	ck_assert_int_eq(count_files(dir), 3);
	solr_buf_free(&b);
	rmrf(dir);
}
END_TEST

Suite *
objstore_suite(void)
{
	Suite *s = suite_create("objstore");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_test(tc, put_get_and_tamper);
	tcase_add_test(tc, put_scan_and_new);
	tcase_add_test(tc, held_writes);
	tcase_add_test(tc, index_lies);
	tcase_add_test(tc, same_key_passed_over);
	tcase_add_test(tc, same_key_flood_refused);
	tcase_add_test(tc, gc_keeps_what_is_named);
	suite_add_tcase(s, tc);
	return s;
}
