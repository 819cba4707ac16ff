#include <stdlib.h>
#include <string.h>

#include "../../common/util.h"
#include "../../common/ytree.h"
#include "unit.h"

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
	ck_assert_int_eq(yn_emit_doc(&em, n), 0);
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

Suite *
ywrite_suite(void)
{
	Suite *s = suite_create("ywrite");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, strings_as_values_keys_and_items);
	tcase_add_test(tc, random_trees);
	suite_add_tcase(s, tc);
	return s;
}
