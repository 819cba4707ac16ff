#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "base/ytree.h"
#include "base/ywrite.h"
#include "unit.h"
#include "base/yread.h"
#include "base/ywrite.h"

static unsigned fast_read;	/* documents the fast reader took */

/* The same tree, to the line numbers, styles and quoting. */
static int
identical(const struct ynode *a, const struct ynode *b)
{
	size_t i;

	if (a->kind != b->kind || a->n != b->n || a->line != b->line ||
	    a->flow != b->flow)
		return 0;
	if (a->kind == YN_SCALAR)
		return a->len == b->len && memcmp(a->str, b->str, a->len) ==
		    0 && a->quoted == b->quoted;
	for (i = 0; i < a->n; i++)
		if (!identical(a->items[i], b->items[i]))
			return 0;
	return 1;
}

/* Whatever the fast reader takes, libyaml reads the same. */
static void
both_readers(const char *p, size_t n)
{
	struct ynode *fast = NULL, *slow = NULL;
	struct solr_err e;
	int rf = yn_parse_fast(p, n, 3, &fast);

	ck_assert_int_ne(rf, SOLR_ERR_NOMEM);
	if (rf != 0) {
		ck_assert_ptr_null(fast);
		return;
	}
	fast_read++;
	ck_assert_msg(yn_parse_libyaml(p, n, "t", 3, &slow, &e) == 0,
	    "the fast reader took what libyaml refuses (%s):\n%.*s", e.msg,
	    (int)n, p);
	ck_assert_msg(identical(fast, slow), "the readers differ on:\n%.*s",
	    (int)n, p);
	yn_free(fast);
	yn_free(slow);
}

static int
to_buf(void *data, unsigned char *p, size_t n)
{
	return solr_buf_add(data, p, n) == 0;
}

/* What libyaml's emitter writes for n, set up as the record writer was. */
static void
libyaml(const struct ynode *n, struct solr_buf *b)
{
	yaml_emitter_t em;
	yaml_event_t ev;

	ck_assert(yaml_emitter_initialize(&em));
	yaml_emitter_set_output(&em, to_buf, b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	yaml_emitter_set_indent(&em, 2);
	ck_assert(yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	ck_assert(yaml_emitter_emit(&em, &ev));
	ck_assert_int_eq(unit_emit_doc(&em, n), 0);
	ck_assert(yaml_emitter_flush(&em));
	yaml_emitter_delete(&em);
}

static int
same(const struct ynode *a, const struct ynode *b)
{
	size_t i;

	if (a->kind != b->kind || a->n != b->n)
		return 0;
	if (a->kind == YN_SCALAR) {
		/* a string that a reader would type must stay a string */
		if (a->len != b->len || memcmp(a->str, b->str, a->len) != 0)
			return 0;
		return !(a->quoted && yn_looks_typed(a->str)) || b->quoted;
	}
	for (i = 0; i < a->n; i++)
		if (!same(a->items[i], b->items[i]))
			return 0;
	return 1;
}

static int
has_break(const struct ynode *n)
{
	size_t i;

	if (n->kind == YN_SCALAR)
		return memchr(n->str, '\n', n->len) || memchr(n->str, '\r',
		    n->len) || strstr(n->str, "\xc2\x85") || strstr(n->str,
		    "\xe2\x80\xa8") || strstr(n->str, "\xe2\x80\xa9");
	for (i = 0; i < n->n; i++)
		if (has_break(n->items[i]))
			return 1;
	return 0;
}

/* Bytes that are not UTF-8 (libyaml cannot write them; they are
 * written as U+FFFD). */
static int
bad_utf8(const struct ynode *n)
{
	static const char *const bad[] = { "\xff", "\xc0\xaf",
	    "\xed\xa0\x80", NULL };
	size_t i;

	if (n->kind == YN_SCALAR) {
		for (i = 0; bad[i]; i++)
			if (strstr(n->str, bad[i]))
				return 1;
		return 0;
	}
	for (i = 0; i < n->n; i++)
		if (bad_utf8(n->items[i]))
			return 1;
	return 0;
}

/* Written directly: reads back the same; and, where libyaml would write
 * it on one line, byte for byte what libyaml writes. */
static void
check_tree(const struct ynode *t)
{
	struct solr_buf ours = { 0 }, theirs = { 0 };
	struct ynode *back = NULL;
	struct solr_err e;

	ck_assert_int_eq(yn_write_doc(t, &ours), 0);
	both_readers((const char *)ours.p, ours.len);
	ck_assert_msg(yn_parse((const char *)ours.p, ours.len, "t", 1, &back,
	    &e) == 0, "%s in:\n%.*s", e.msg, (int)ours.len, ours.p);
	if (bad_utf8(t))
		ck_assert_ptr_nonnull(memmem(ours.p, ours.len, "\\uFFFD", 6));
	else
		ck_assert_msg(same(t, back), "not read back the same:\n%.*s",
		    (int)ours.len, ours.p);
	yn_free(back);
	if (!has_break(t) && !bad_utf8(t)) {
		libyaml(t, &theirs);
		ck_assert_msg(ours.len == theirs.len && memcmp(ours.p, theirs.p,
		    ours.len) == 0, "ours:\n%.*s\nlibyaml:\n%.*s",
		    (int)ours.len, ours.p, (int)theirs.len, theirs.p);
	}
	solr_buf_free(&ours);
	solr_buf_free(&theirs);
}

static const char *const strings[] = {
	"plain", "two words", "ds:Signature elements; the profile", "a: b",
	"a:b", "key:", ":x", "-x", "- x", "-", "--- x", "...", "a #b", "a#b",
	"#x", "[x]", "x, y", "{x}", "'q'", "it's", "\"dq\"", "  lead", "trail ",
	"", "null", "true", "0x87", "0b11", "0bff", "1.5", "2026-03-02", "12:30",
	"0c3a", "~", "y", "tab\there", "line\nbreak", "cr\rx", "nul", "bell\a",
	"caf\xc3\xa9", "\xe2\x80\xa8", "nel\xc2\x85x", "bom\xef\xbb\xbfx",
	"bad\xff utf8", "\xc0\xaf", "@at", "`tick", "%pct", "!bang", "&amp",
	"*star", "|pipe", ">gt", "?q", "? q", "a ? b", "(stdin):3", "a\\b",
	"x=y", "<<", "=", "E020101", "90-B3-D5-1F-30-01-00-00", "a  b",
	"\xf0\x9f\x98\x80", "\xed\xa0\x80", "x\x7f", NULL
};

START_TEST(strings_as_values_keys_and_items)
{
	size_t i;

	for (i = 0; strings[i]; i++) {
		struct ynode *m = yn_new_map(0), *f = yn_new_map(1);
		struct ynode *s = yn_new_seq(0), *fs = yn_new_seq(1);

		ck_assert_int_eq(yn_set_str(m, "v", strings[i]), 0);
		ck_assert_int_eq(yn_set_str(f, "v", strings[i]), 0);
		ck_assert_int_eq(yn_set(m, "flow", f), 0);
		ck_assert_int_eq(yn_push(s, yn_new_str(strings[i])), 0);
		ck_assert_int_eq(yn_push(fs, yn_new_str(strings[i])), 0);
		ck_assert_int_eq(yn_set(m, "seq", s), 0);
		ck_assert_int_eq(yn_set(m, "fseq", fs), 0);
		ck_assert_int_eq(yn_set(m, "plain", yn_new_plain(strings[i])),
		    0);
		check_tree(m);
		yn_free(m);
	}
}
END_TEST

static struct ynode *
random_tree(unsigned *seed, int depth)
{
	struct ynode *n;
	int k = depth > 3 ? 0 : rand_r(seed) % 5, i, len;
	char key[16], s[24];

	if (k <= 1) {
		len = rand_r(seed) % 8;
		for (i = 0; i < len; i++)
			s[i] = " :#-'\"[]{},?ab0.\n\t\\x"[rand_r(seed) % 20];
		s[len] = '\0';
		return k == 0 ? yn_new_strn(s, (size_t)len) : yn_new_plain(
		    len ? s : "null");
	}
	n = k == 2 ? yn_new_seq(rand_r(seed) % 3 == 0) :
	    yn_new_map(rand_r(seed) % 3 == 0);
	len = rand_r(seed) % 4;
	for (i = 0; i < len; i++) {
		if (n->kind == YN_MAP) {
			snprintf(key, sizeof(key), "k%d", i);
			ck_assert_int_eq(yn_set(n, key, random_tree(seed,
			    depth + 1)), 0);
		} else
			ck_assert_int_eq(yn_push(n, random_tree(seed,
			    depth + 1)), 0);
	}
	return n;
}

START_TEST(random_trees)
{
	unsigned seed = 1;
	int i;

	for (i = 0; i < 3000; i++) {
		struct ynode *m = yn_new_map(0);

		ck_assert_int_eq(yn_set(m, "t", random_tree(&seed, 0)), 0);
		ck_assert_int_eq(yn_set(m, "u", random_tree(&seed, 0)), 0);
		check_tree(m);
		yn_free(m);
	}
}
END_TEST

/* Documents not in the writer's form: left to libyaml, or read as it
 * reads them. */
static const char *const crafted[] = {
	"---\nk: 'a\xe2\x80\xa8" "b'\n", "---\nk: \"a\xe2\x80\xa9" "b\"\n",
	"---\nk: 'a\xc2\x85" "b'\n", "---\nk: v\r\n", "---\nk: v # c\n",
	"---\nk: \tv\n", "---\nk: &a v\nl: *a\n", "---\nk: !!str 1\n",
	"---\nk:  v\n", "---\nk: {a: b,c: d}\n", "---\nk:\n   a: b\n",
	"---\nk:\n- - x\n", "---\nk:\nl: v\n", "---\nk: v\n...\n",
	"\xef\xbb\xbf---\nk: v\n", "---\nk: v\n---\nl: w\n",
	"---\nk: v\n  w\n", "---\nk: v\nk: w\n", "---\n? k\n: v\n",
	"---\nk: \"\\/\"\n", "---\nk: \"\\x00\"\n", "---\nk: [a, [b, {c: d}]]\n",
	"---\nk:\n- a: b\n  c: d\n- e\n", "---\nk: 'it''s'\n", "---\nk: \"\\u00e9\\U0001F600\"\n",
	"---\nk: v", "---\n", "---\n- a\n", "---\nk: {}\nl: []\n", "---\n\"q\": 1\n",
	"---\nk: a:b\n", "---\nk: a: b\n", "---\nk: -x\n", "---\nk: - x\n",
	"---\nk: [a:b]\n", "---\nk: {a:b: c}\n", "---\nk: ---\n", "---\nk: v \n",
	NULL
};

START_TEST(crafted_documents)
{
	char key[1100];
	size_t i;

	for (i = 0; crafted[i]; i++)
		both_readers(crafted[i], strlen(crafted[i]));
	/* a key past the 1,024 characters libyaml looks ahead */
	memcpy(key, "---\n", 4);
	memset(key + 4, 'k', 1050);
	memcpy(key + 1054, ": v\n", 5);
	both_readers(key, strlen(key));
	ck_assert_uint_gt(fast_read, 5);
}
END_TEST

/* Written documents changed a byte at a time, as by hand or by an
 * intruder: the fast reader takes one only as libyaml reads it. */
START_TEST(mutations)
{
	static const char alphabet[] = " :-#'\"\n\t[]{},?ab0.\\x\xc2\x85";
	unsigned seed = 7, before;
	struct solr_buf doc = { 0 };
	int i, k;

	for (i = 0; i < 400; i++) {
		struct ynode *m = yn_new_map(0);

		ck_assert_int_eq(yn_set(m, "t", random_tree(&seed, 0)), 0);
		ck_assert_int_eq(yn_set_str(m, "s", "plain text"), 0);
		doc.len = 0;
		ck_assert_int_eq(yn_write_doc(m, &doc), 0);
		yn_free(m);
		for (k = 0; k < 60; k++) {
			struct solr_buf mu = { 0 };
			size_t at = (size_t)rand_r(&seed) % doc.len;
			int how = rand_r(&seed) % 3;
			char c = alphabet[rand_r(&seed) % (sizeof(alphabet) - 1)];

			solr_buf_add(&mu, doc.p, at);
			if (how != 1)	/* 0 replace, 2 insert */
				solr_buf_addc(&mu, c);
			solr_buf_add(&mu, doc.p + at + (how == 2 ? 0 : 1),
			    doc.len - at - (how == 2 ? 0 : 1));
			both_readers((const char *)mu.p, mu.len);
			solr_buf_free(&mu);
		}
	}
	solr_buf_free(&doc);
	before = fast_read;
	ck_assert_uint_gt(before, 1000);	/* the fast reader was tried */
}
END_TEST

Suite *
ywrite_suite(void)
{
	Suite *s = suite_create("ywrite");
	TCase *tc = unit_tcase("core", 60);

	tcase_add_test(tc, strings_as_values_keys_and_items);
	tcase_add_test(tc, random_trees);
	tcase_add_test(tc, mutations);
	tcase_add_test(tc, crafted_documents);
	suite_add_tcase(s, tc);
	return s;
}
