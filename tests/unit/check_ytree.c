#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/ytree.h"
#include "unit.h"
#include "base/yread.h"
#include "base/ywrite.h"

START_TEST(parse_keeps_order_and_lines)
{
	const char *y = "b: 1\na:\n  - x\n  - 'y'\nc: {d: null}\n";
	struct ynode *n;
	struct solr_err e;

	ck_assert_int_eq(yn_parse(y, strlen(y), "t.yaml", 1, &n, &e), 0);
	ck_assert_int_eq(n->kind, YN_MAP);
	ck_assert_str_eq(n->items[0]->str, "b");
	ck_assert_str_eq(n->items[2]->str, "a");
	ck_assert_int_eq(yn_get(n, "a")->line, 3);
	ck_assert_int_eq(yn_get(n, "a")->items[1]->quoted, 1);
	ck_assert(yn_is_null(yn_path(n, "c.d")));
	ck_assert_str_eq(yn_get_str(n, "b"), "1");
	ck_assert_ptr_null(yn_get_str(n, "missing"));
	yn_free(n);
}
END_TEST

static const char *const bad_yaml[] = {
	"a: &x 1\nb: *x\n",	/* alias */
	"a: 1\na: 2\n",		/* duplicate key */
	"a: [1, 2\n",		/* syntax */
	"--- 1\n--- 2\n",	/* two documents */
	"",			/* nothing */
	"? [a]\n: 1\n",		/* non-scalar key */
};

START_TEST(parse_rejects)
{
	struct ynode *n = NULL;
	struct solr_err e;
	const char *y = bad_yaml[_i];

	ck_assert_int_ne(yn_parse(y, strlen(y), "bad.yaml", 10, &n, &e), 0);
	ck_assert_ptr_null(n);
	ck_assert_str_eq(e.file, "bad.yaml");
	ck_assert_int_ge(e.line, 10);
}
END_TEST

START_TEST(depth_is_bounded)
{
	char y[512];
	struct ynode *n = NULL;
	struct solr_err e;
	int i;

	y[0] = '\0';
	for (i = 0; i < 40; i++)
		strcat(y, "[");
	for (i = 0; i < 40; i++)
		strcat(y, "]");
	ck_assert_int_eq(yn_parse(y, strlen(y), "deep.yaml", 1, &n, &e),
	    SOLR_ERR_LIMIT);
}
END_TEST

START_TEST(strings_keep_their_type)
{
	struct ynode *m = yn_new_map(0), *back;
	struct solr_err e;
	char *s;
	static const char *const typed[] = { "2.1", "5.4", "null", "yes",
	    "1003", "0x87", "", "2026-03-02", "12:30" };
	size_t i;
	char key[8];

	for (i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert_int_eq(yn_set_str(m, key, typed[i]), 0);
	}
	yn_set_str(m, "eui", "90-B3-D5-1F-30-01-00-00");
	yn_set_str(m, "code", "E65");
	yn_set(m, "n", yn_new_int(42));
	s = yaml_str(m);
	ck_assert_ptr_nonnull(strstr(s, "k0: '2.1'"));
	ck_assert_ptr_nonnull(strstr(s, "k2: 'null'"));
	ck_assert_ptr_nonnull(strstr(s, "eui: 90-B3-D5-1F-30-01-00-00"));
	ck_assert_ptr_nonnull(strstr(s, "code: E65"));
	ck_assert_ptr_nonnull(strstr(s, "n: 42"));
	ck_assert_int_eq(yn_parse(s, strlen(s), "rt", 1, &back, &e), 0);
	for (i = 0; i < sizeof(typed) / sizeof(typed[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		ck_assert_str_eq(yn_get(back, key)->str, typed[i]);
		ck_assert(!yn_is_null(yn_get(back, key)));
	}
	free(s);
	yn_free(m);
	yn_free(back);
}
END_TEST

/* a string, and whether it is written quoted (a YAML 1.1 reader would
 * type it otherwise) */
static const struct {
	const char *s;
	int quoted;
} plain_or_quoted[] = {
	{ "0b1f9a3c5e7d2b4a6c8e0f1a3b5c7d9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c", 0 },
	{ "0b101", 1 },
	{ "0b", 0 },
	{ "0x87", 1 },
	{ "0x", 0 },
	{ "0xg1", 0 },
	{ "0o17", 1 },
	{ "0o19", 0 },
	{ "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", 0 },
	{ "12e4", 1 },
	{ "E65", 0 },
};

START_TEST(quoting)
{
	struct ynode *m = yn_new_map(0), *back;
	struct solr_err e;
	char want[128], *s;

	ck_assert_int_eq(yn_set_str(m, "k", plain_or_quoted[_i].s), 0);
	s = yaml_str(m);
	snprintf(want, sizeof(want), plain_or_quoted[_i].quoted ? "k: '%s'\n" :
	    "k: %s\n", plain_or_quoted[_i].s);
	ck_assert_msg(strstr(s, want) != NULL, "'%s' lacks '%s'", s, want);
	ck_assert_int_eq(yn_parse(s, strlen(s), "q", 1, &back, &e), 0);
	ck_assert_str_eq(yn_get(back, "k")->str, plain_or_quoted[_i].s);
	free(s);
	yn_free(m);
	yn_free(back);
}
END_TEST

/* JSON in: strict RFC 8259; what it reads, yn_json writes back the same */
static const char *const json_good[][2] = {
	{ "{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}", NULL },
	{ " { \"a\" : -0 , \"b\" : [ ] , \"c\" : { } } ",
	    "{\"a\":-0,\"b\":[],\"c\":{}}" },
	{ "{\"s\":\"\\u00e9\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u007f\"}",
	    "{\"s\":\"\xc3\xa9\xf0\x9f\x98\x80/\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u007f\"}" },
	{ "{\"hex\":\"0x87\",\"n\":123456789012345}", NULL },
	/* what is not a whole number of at most 15 digits comes back a
	 * string */
	{ "{\"f\":1.5e3,\"big\":1234567890123456}",
	    "{\"f\":\"1.5e3\",\"big\":\"1234567890123456\"}" },
};

START_TEST(json_round_trip)
{
	struct ynode *n = NULL;
	struct solr_buf b = { 0 };
	struct solr_err e;
	const char *in = json_good[_i][0], *want = json_good[_i][1];

	ck_assert_msg(yn_parse_json(in, strlen(in), "t", 1, &n, &e) == 0, "%s",
	    e.msg);
	ck_assert_int_eq(yn_json(n, &b), 0);
	solr_buf_addc(&b, '\0');
	ck_assert_str_eq((char *)b.p, want ? want : in);
	solr_buf_free(&b);
	yn_free(n);
}
END_TEST

static const char *const json_bad[][2] = {
	{ "{\"a\":1,}", "a key (a string) was expected" },
	{ "{\"a\":1 \"b\":2}", "',' or '}' was expected" },
	{ "{\"a\":1,\"a\":2}", "a key appears twice" },
	{ "{\"a\":\"x\\u0000\"}", "NUL is not allowed" },
	{ "{\"a\":\"\\ud800\"}", "a high surrogate without a low one" },
	{ "{\"a\":\"\\udc00\"}", "a low surrogate without a high one" },
	{ "{\"a\":\"\\x\"}", "an unknown escape" },
	{ "{\"a\":\"\x01\"}", "a control character in a string" },
	{ "{\"a\":\"\xc3\"}", "not valid UTF-8" },
	{ "{\"a\":01}", "',' or '}' was expected" },
	{ "{\"a\":1.}", "a digit must follow the decimal point" },
	{ "{\"a\":tru}", "a value was expected" },
	{ "{\"a\":1} x", "text after the value" },
	{ "{'a':1}", "a key (a string) was expected" },
	{ "{\"a\":\"open", "a string is not closed" },
	{ "", "a value was expected" },
};

START_TEST(json_rejects)
{
	struct ynode *n = NULL;
	struct solr_err e;
	const char *in = json_bad[_i][0];

	ck_assert_int_eq(yn_parse_json(in, strlen(in), "t.json", 7, &n, &e),
	    SOLR_ERR_FORMAT);
	ck_assert_ptr_null(n);
	ck_assert_msg(strstr(e.msg, json_bad[_i][1]) != NULL, "'%s': %s", in,
	    e.msg);
	ck_assert_str_eq(e.file, "t.json");
	ck_assert_int_eq(e.line, 7);
}
END_TEST

START_TEST(json_depth_is_bounded)
{
	char buf[400];
	struct ynode *n = NULL;
	struct solr_err e;
	size_t i, k = 0;

	for (i = 0; i < 40; i++)
		k += (size_t)snprintf(buf + k, sizeof(buf) - k, "{\"a\":");
	k += (size_t)snprintf(buf + k, sizeof(buf) - k, "1");
	for (i = 0; i < 40; i++)
		buf[k++] = '}';
	ck_assert_int_eq(yn_parse_json(buf, k, "t", 1, &n, &e),
	    SOLR_ERR_FORMAT);
	ck_assert_msg(strstr(e.msg, "nested too deep") != NULL, "%s", e.msg);
}
END_TEST

/* duplicate keys found in linear time, wherever they are */
START_TEST(dup_keys)
{
	struct ynode *m = yn_new_map(0), *inner = yn_new_map(1);
	char k[16];
	int i;

	for (i = 0; i < 1000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		ck_assert_int_eq(yn_set(m, k, yn_new_int(i)), 0);
	}
	ck_assert_ptr_null(yn_map_dup(m));
	ck_assert_ptr_null(yn_find_dup(m));
	ck_assert_int_eq(yn_push_raw(m, yn_new_str("k500")), 0);
	ck_assert_int_eq(yn_push_raw(m, yn_new_int(1)), 0);
	ck_assert_ptr_nonnull(yn_map_dup(m));
	ck_assert_str_eq(yn_map_dup(m)->str, "k500");
	m->n -= 2;
	yn_free(m->items[m->n]);
	yn_free(m->items[m->n + 1]);
	/* in a mapping inside */
	ck_assert_int_eq(yn_push_raw(inner, yn_new_str("a")), 0);
	ck_assert_int_eq(yn_push_raw(inner, yn_new_int(1)), 0);
	ck_assert_int_eq(yn_push_raw(inner, yn_new_str("a")), 0);
	ck_assert_int_eq(yn_push_raw(inner, yn_new_int(2)), 0);
	ck_assert_int_eq(yn_set(m, "inner", inner), 0);
	ck_assert_ptr_null(yn_map_dup(m));
	ck_assert_str_eq(yn_find_dup(m)->str, "a");
	yn_free(m);
}
END_TEST

/* Where two trees first differ, as a replay names a changed key. */
static const struct {
	const char *a, *b, *path, *x, *y;	/* x, y NULL: nothing there */
} diffs[] = {
	{ "{a: 1, b: [x, y]}", "{a: 1, b: [x, y]}", NULL, NULL, NULL },
	{ "{a: 1, b: 2}", "{a: 1, b: 3}", "b", "2", "3" },
	{ "{a: {c: [1, {d: x}]}}", "{a: {c: [1, {d: z}]}}", "a.c[1].d", "x",
	    "z" },
	{ "{a: [1, 2]}", "{a: [1]}", "a[1]", "2", NULL },
	{ "{a: 1}", "{a: 1, n: 5}", "n", NULL, "5" },
	{ "{a: 1, b: 2}", "{b: 2}", "a", "1", NULL },
	{ "{a: null}", "{a: 'null'}", "a", "null", "null" },
	{ "{a: 1, b: 9}", "{b: 9, a: 1}", NULL, NULL, NULL },
};

/* The first difference only: where, and the two nodes there. */
struct first {
	const struct ynode **x, **y;
};

static int
first_of(void *arg, const char *path, const struct ynode *x,
    const struct ynode *y)
{
	struct first *f = arg;

	(void)path;
	*f->x = x;
	*f->y = y;
	return 1;
}

START_TEST(first_diff)
{
	struct ynode *a = NULL, *b = NULL;
	const struct ynode *x = NULL, *y = NULL;
	struct first f = { &x, &y };
	struct solr_err e;
	char path[128] = "";
	int r;

	ck_assert_int_eq(yn_parse(diffs[_i].a, strlen(diffs[_i].a), "a", 1,
	    &a, &e), 0);
	ck_assert_int_eq(yn_parse(diffs[_i].b, strlen(diffs[_i].b), "b", 1,
	    &b, &e), 0);
	r = yn_diff_each(a, b, path, sizeof(path), first_of, &f) != 0;
	ck_assert_int_eq(r, diffs[_i].path != NULL);
	if (r) {
		ck_assert_str_eq(path, diffs[_i].path);
		if (diffs[_i].x)
			ck_assert_str_eq(x->str, diffs[_i].x);
		else
			ck_assert_ptr_null(x);
		if (diffs[_i].y)
			ck_assert_str_eq(y->str, diffs[_i].y);
		else
			ck_assert_ptr_null(y);
	}
	yn_free(a);
	yn_free(b);
}
END_TEST

static int
collect(void *arg, const char *path, const struct ynode *x,
    const struct ynode *y)
{
	char *out = arg;

	(void)x;
	(void)y;
	strcat(out, path);
	strcat(out, " ");
	return 0;
}

/* Every difference, in document order: a's keys, then b's new ones. */
START_TEST(every_diff)
{
	static const char a[] = "{a: 1, b: [1, 2], c: x, e: {f: 1}}";
	static const char b[] = "{a: 2, b: [1], e: {f: 1}, d: y}";
	struct ynode *ta = NULL, *tb = NULL;
	struct solr_err e;
	char path[64] = "", seen[128] = "";

	ck_assert_int_eq(yn_parse(a, strlen(a), "a", 1, &ta, &e), 0);
	ck_assert_int_eq(yn_parse(b, strlen(b), "b", 1, &tb, &e), 0);
	ck_assert_int_eq(yn_diff_each(ta, tb, path, sizeof(path), collect,
	    seen), 0);
	ck_assert_str_eq(seen, "a b[1] c d ");
	ck_assert_str_eq(path, "");
	yn_free(ta);
	yn_free(tb);
}
END_TEST

Suite *
ytree_suite(void)
{
	Suite *s = suite_create("ytree");
	TCase *tc = unit_tcase("core", 30);

	tcase_add_test(tc, dup_keys);
	tcase_add_test(tc, parse_keeps_order_and_lines);
	tcase_add_loop_test(tc, parse_rejects, 0,
	    sizeof(bad_yaml) / sizeof(bad_yaml[0]));
	tcase_add_test(tc, depth_is_bounded);
	tcase_add_loop_test(tc, json_round_trip, 0, sizeof(json_good) /
	    sizeof(json_good[0]));
	tcase_add_loop_test(tc, json_rejects, 0, sizeof(json_bad) /
	    sizeof(json_bad[0]));
	tcase_add_test(tc, json_depth_is_bounded);
	tcase_add_test(tc, strings_keep_their_type);
	tcase_add_loop_test(tc, quoting, 0, sizeof(plain_or_quoted) /
	    sizeof(plain_or_quoted[0]));
	tcase_add_loop_test(tc, first_diff, 0, sizeof(diffs) /
	    sizeof(diffs[0]));
	tcase_add_test(tc, every_diff);
	suite_add_tcase(s, tc);
	return s;
}
