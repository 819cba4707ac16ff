#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/ledger.h"
#include "store/statehead.h"
#include "unit.h"

static const unsigned char test_key[32] = { 7, 1, 7 };

/* lines in the ledger file of world dir */
static int
ledger_lines(const char *dir)
{
	char path[4096];
	FILE *f;
	int c, n = 0;

	snprintf(path, sizeof(path), "%s/state/countersign-ledger", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while ((c = getc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* a batch's entries are taken back after a failed sync: the ledger is as
 * it was; a different APDU for a kept key is refused */
START_TEST(ledger_takes_back_its_own_entries)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200];
	unsigned char a[32] = { 1 }, b[32] = { 2 };
	struct ledger l, m;
	struct solr_err e;
	int again;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	ck_assert_int_eq(ledger_record(&l, 1, 11, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 12, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_lines(dir), 3);
	ck_assert_int_eq(ledger_undo(&l), 0);
	ck_assert_int_eq(ledger_lines(dir), 1);
	ledger_close(&l);
	ck_assert_int_eq(ledger_open(dir, test_key, &m, &e), 0);
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, b, &again, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_int_eq(ledger_record(&m, 1, 11, 2, b, &again, &e), 0);
	ck_assert_int_eq(again, 0);
	ledger_close(&m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* an entry another process relied on is never taken back: the second
 * writes it again as its own, and the first's undo then keeps it */
START_TEST(ledger_keeps_what_another_relied_on)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200];
	unsigned char a[32] = { 1 }, b[32] = { 2 };
	struct ledger l, m, n;
	struct solr_err e;
	int again;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_open(dir, test_key, &m, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(again, 0);
	/* the other process: the same APDU again, from l's unsynced entry */
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(again, 1);
	ck_assert_int_eq(ledger_lines(dir), 2);
	/* only once per process */
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_lines(dir), 2);
	ck_assert_int_eq(ledger_sync(&m, &e), 0);
	ledger_commit(&m);
	/* l's sync fails: its undo must not cut what m relied on */
	ck_assert_int_eq(ledger_undo(&l), -1);
	ck_assert_int_eq(ledger_lines(dir), 2);
	ck_assert_int_eq(ledger_open(dir, test_key, &n, &e), 0);
	ck_assert_int_eq(ledger_record(&n, 1, 10, 2, b, &again, &e),
	    SOLR_ERR_VERIFY);
	ledger_close(&n);
	ledger_close(&m);
	ledger_close(&l);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* Two writers in turn, each looking only when the other has written:
 * what one writes the other sees at its next call; an entry taken back
 * by one's undo (the ledger its old length again) is free for the other;
 * a line torn by a writer that died is not joined to the next. */
START_TEST(ledger_writers_in_turn)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200];
	unsigned char a[32] = { 1 }, b[32] = { 2 };
	struct ledger l, m;
	struct ledger_entry x;
	struct solr_err e;
	int again, found;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_open(dir, test_key, &m, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_record(&m, 1, 11, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_lookup(&l, 1, 11, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(ledger_record(&l, 1, 11, 2, b, &again, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, b, &again, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	ck_assert_int_eq(ledger_sync(&m, &e), 0);
	ledger_commit(&m);
	/* m writes and takes it back: the ledger is as l last saw it */
	ck_assert_int_eq(ledger_lookup(&l, 1, 12, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(ledger_record(&m, 1, 12, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_undo(&m), 0);
	ck_assert_int_eq(ledger_lines(dir), 2);
	ck_assert_int_eq(ledger_record(&l, 1, 12, 2, b, &again, &e), 0);
	ck_assert_int_eq(again, 0);
	ck_assert_int_eq(ledger_record(&m, 1, 12, 2, a, &again, &e),
	    SOLR_ERR_VERIFY);
	/* a torn line from a writer that died, then l again */
	snprintf(cmd, sizeof(cmd), "printf '0000000000000001 13' >> "
	    "%s/state/countersign-ledger", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 14, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_lines(dir), 5);
	ck_assert_int_eq(ledger_lookup(&m, 1, 14, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_int_eq(ledger_lookup(&m, 1, 13, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 0);
	ledger_close(&m);
	ledger_close(&l);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* the same APDU again for a key is the same Command; another is refused
 * for that key and accepted for any other key; a memory ledger (replay)
 * keeps the same rule without a file */
static const struct {
	uint64_t originator, counter, recipient;
	unsigned char sha;
	int want, again;
} rows[] = {
	{ 1, 10, 2, 0xA1, 0, 0 },		/* new */
	{ 1, 10, 2, 0xA1, 0, 1 },		/* the same APDU again */
	{ 1, 10, 2, 0xB2, SOLR_ERR_VERIFY, 0 },	/* another APDU, same key */
	{ 1, 11, 2, 0xB2, 0, 0 },		/* the next counter */
	{ 1, 10, 3, 0xB2, 0, 0 },		/* another recipient */
	{ 4, 10, 2, 0xB2, 0, 0 },		/* another originator */
	{ 1, 0, 2, 0xC3, 0, 0 },		/* counter 0 */
	{ 1, UINT64_MAX, 2, 0xC3, 0, 0 },	/* the largest counter */
	{ 1, UINT64_MAX, 2, 0xC4, SOLR_ERR_VERIFY, 0 },
};

static void
run_rows(struct ledger *l)
{
	unsigned char sha[32];
	struct solr_err e;
	size_t i;
	int again;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		memset(sha, rows[i].sha, sizeof(sha));
		again = -1;
		ck_assert_msg(ledger_record(l, rows[i].originator,
		    rows[i].counter, rows[i].recipient, sha, &again, &e) ==
		    rows[i].want, "row %zu", i);
		if (rows[i].want == 0)
			ck_assert_msg(again == rows[i].again, "row %zu: again %d",
			    i, again);
	}
}

START_TEST(ledger_rules_on_disk)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200];
	struct ledger l, m;
	struct solr_err e;
	unsigned char sha[32];
	int again;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	run_rows(&l);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	ledger_close(&l);
	/* what was committed holds for the next process */
	ck_assert_int_eq(ledger_open(dir, test_key, &m, &e), 0);
	memset(sha, 0xB2, sizeof(sha));
	ck_assert_int_eq(ledger_record(&m, 1, 10, 2, sha, &again, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "counter"));
	ledger_close(&m);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(ledger_rules_in_memory)
{
	struct ledger l;
	struct solr_err e;

	ledger_memory(&l);
	run_rows(&l);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_close(&l);
}
END_TEST

/* lines written to the ledger file directly, as other runs left them,
 * with the record their last sync would have left */
static void
ledger_fill(const char *dir, int from, int to)
{
	char path[4200], line[256], tail[4096];
	struct state_head h;
	struct solr_err e;
	uint64_t off = 0;
	FILE *f;
	int i, n;

	ck_assert_int_eq(from, 0);
	memset(&h, 0, sizeof(h));
	snprintf(path, sizeof(path), "%s/state", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/state/countersign-ledger", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (i = from; i < to; i++) {
		n = snprintf(line, sizeof(line), "%016X %d %016X %064x", 0x1234,
		    i, 0x5678, i);
		fprintf(f, "%s\n", line);
		ck_assert_int_eq(state_digest_item(test_key, off, line,
		    (size_t)n, h.digest), 0);
		off += (uint64_t)n + 1;
	}
	fclose(f);
	h.size = off;
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_int_eq(fseek(f, off > sizeof(tail) ? (long)(off -
	    sizeof(tail)) : 0, SEEK_SET), 0);
	n = (int)fread(tail, 1, sizeof(tail), f);
	fclose(f);
	ck_assert_int_eq(solr_sha256(tail, (size_t)n, h.tail), 0);
	snprintf(path, sizeof(path), "%s/state/countersign-head", dir);
	ck_assert_int_eq(state_head_write(test_key, path, "countersign-ledger",
	    &h, &e), 0);
}

static void
sha_of(int i, unsigned char sha[32])
{
	memset(sha, 0, 32);
	sha[31] = (unsigned char)i;
	sha[30] = (unsigned char)(i >> 8);
	sha[29] = (unsigned char)(i >> 16);
}

/* The index finds every entry of a large ledger, and is built again when
 * it is missing, left unclean by a process that died, or behind a ledger
 * that was cut; a process sees the index another put in place. */
START_TEST(ledger_index)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200];
	unsigned char sha[32], other[32] = { 0xee };
	struct ledger l, m;
	struct solr_err e;
	int again, i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ledger_fill(dir, 0, 20000);
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	for (i = 0; i < 20000; i += 97) {
		sha_of(i, sha);
		ck_assert_int_eq(ledger_record(&l, 0x1234, (uint64_t)i, 0x5678,
		    sha, &again, &e), 0);
		ck_assert_int_eq(again, 1);
		ck_assert_int_eq(ledger_record(&l, 0x1234, (uint64_t)i, 0x5678,
		    other, &again, &e), SOLR_ERR_VERIFY);
	}
	ledger_close(&l);
	/* removed: built again */
	snprintf(cmd, sizeof(cmd), "rm %s/state/countersign-index", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 0x1234, 5000, 0x5678, other,
	    &again, &e), SOLR_ERR_VERIFY);
	ledger_close(&l);
	/* not an index at all: built again */
	snprintf(cmd, sizeof(cmd), "printf 'garbage' | dd "
	    "of=%s/state/countersign-index bs=1 conv=notrunc 2>/dev/null", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 0x1234, 7000, 0x5678, other,
	    &again, &e), SOLR_ERR_VERIFY);
	ledger_close(&l);
	/* slots lost in a crash, left unclean: built again at open */
	snprintf(cmd, sizeof(cmd), "f=%s/state/countersign-index; "
	    "printf '\\000' | dd of=$f bs=1 seek=48 conv=notrunc 2>/dev/null && "
	    "dd if=/dev/zero of=$f bs=1 seek=64 count=1000000 conv=notrunc "
	    "2>/dev/null", dir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	for (i = 0; i < 20000; i += 101)
		ck_assert_int_eq(ledger_record(&l, 0x1234, (uint64_t)i, 0x5678,
		    other, &again, &e), SOLR_ERR_VERIFY);
	/* another process grows the index past its size and puts a new
	 * one in place: this one reads that */
	ck_assert_int_eq(ledger_open(dir, test_key, &m, &e), 0);
	for (i = 20000; i < 70000; i++) {
		sha_of(i, sha);
		ck_assert_int_eq(ledger_record(&m, 0x1234, (uint64_t)i, 0x5678,
		    sha, &again, &e), 0);
		ck_assert_int_eq(again, 0);
	}
	ck_assert_int_eq(ledger_sync(&m, &e), 0);
	ledger_commit(&m);
	ck_assert_int_eq(ledger_record(&l, 0x1234, 69999, 0x5678, other,
	    &again, &e), SOLR_ERR_VERIFY);
	ck_assert_int_eq(ledger_record(&l, 0x1234, 70000, 0x5678, other,
	    &again, &e), 0);
	ck_assert_int_eq(again, 0);
	ledger_close(&m);
	ledger_close(&l);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void
sh(const char *fmt, const char *dir)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), fmt, dir, dir, dir, dir);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

/* 0, or the refusal's message */
static int
opens(const char *dir, const char *words)
{
	struct ledger l;
	struct solr_err e = { 0 };
	int r = ledger_open(dir, test_key, &l, &e);

	ledger_close(&l);
	if (words == NULL)
		ck_assert_msg(r == 0, "%s", e.msg);
	else
		ck_assert_msg(r == SOLR_ERR_VERIFY && strstr(e.msg, words) !=
		    NULL && strstr(e.file, "countersign-") != NULL, "%d %s: %s",
		    r, e.file, e.msg);
	return r;
}

/* The ledger's record: a copy put back, a cut, an emptied file, a last
 * line changed, the record gone or taken from another ledger are refused
 * at open; a line changed far from the end by ledger_check; bytes after
 * the record (a writer that died after its sync) are taken in; an undo
 * moves the record back before a cut another's sync had covered. */
START_TEST(ledger_record_holds)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX";
	unsigned char a[32] = { 1 }, b[32] = { 2 };
	struct ledger l, m;
	struct ledger_entry x;
	struct solr_err e;
	int again, found;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ledger_fill(dir, 0, 200);
	ck_assert_int_eq(ledger_check(dir, "countersign", test_key, &e), 0);
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 1, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	sh("cp %s/state/countersign-ledger %s/old", dir);
	ck_assert_int_eq(ledger_record(&l, 1, 2, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	ledger_close(&l);
	ck_assert_int_eq(ledger_check(dir, "countersign", test_key, &e), 0);
	sh("cp %s/state/countersign-ledger %s/now", dir);
	/* put back, cut, emptied */
	sh("cp %s/old %s/state/countersign-ledger", dir);
	opens(dir, "put back to an older copy");
	sh("head -c 100 %s/now > %s/state/countersign-ledger", dir);
	opens(dir, "cut or emptied");
	sh(": > %s/state/countersign-ledger", dir);
	opens(dir, "cut or emptied");
	/* the same size, the last line's counter changed: another ledger */
	sh("sed '$s/ 2 / 3 /' %s/now > %s/state/countersign-ledger", dir);
	opens(dir, "swapped or changed");
	/* a line far from the end changed in place: only a whole read sees */
	sh("sed '5s/ 4 / 9 /' %s/now > %s/state/countersign-ledger", dir);
	opens(dir, NULL);
	ck_assert_int_eq(ledger_check(dir, "countersign", test_key, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "changed in place") != NULL, "%s", e.msg);
	/* the record gone; a record of another ledger */
	sh("cp %s/now %s/state/countersign-ledger && mv "
	    "%s/state/countersign-head %s/head", dir);
	opens(dir, "its record");
	ck_assert_int_eq(ledger_open_named(dir, "other", "x", test_key, &m, &e),
	    0);
	ck_assert_int_eq(ledger_record(&m, 1, 1, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_sync(&m, &e), 0);
	ledger_close(&m);
	sh("cp %s/state/other-head %s/state/countersign-head", dir);
	opens(dir, "not this world's record");
	/* a line after the record: taken in by the next sync */
	sh("cp %s/head %s/state/countersign-head && printf "
	    "'0000000000000001 7 0000000000000002 %%064d\\n' 0 >> "
	    "%s/state/countersign-ledger", dir);
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 7, 2, b, &again, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_int_eq(ledger_record(&l, 1, 8, 2, b, &again, &e), 0);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	ck_assert_int_eq(ledger_check(dir, "countersign", test_key, &e), 0);
	/* m writes, l writes after it, m's sync covers both; l's undo
	 * takes its line back and the record with it */
	ck_assert_int_eq(ledger_open(dir, test_key, &m, &e), 0);
	ck_assert_int_eq(ledger_record(&m, 1, 9, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_record(&l, 1, 10, 2, a, &again, &e), 0);
	ck_assert_int_eq(ledger_sync(&m, &e), 0);
	ledger_commit(&m);
	ck_assert_int_eq(ledger_undo(&l), 0);
	ledger_close(&l);
	ledger_close(&m);
	opens(dir, NULL);
	ck_assert_int_eq(ledger_check(dir, "countersign", test_key, &e), 0);
	ck_assert_int_eq(ledger_open(dir, test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_lookup(&l, 1, 10, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(ledger_lookup(&l, 1, 9, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 1);
	ledger_close(&l);
	sh("rm -rf %s", dir);
}
END_TEST

/* a named ledger keeps a note with each entry: the first one's, on disk
 * (read back by another process, through a rebuilt index) and in memory;
 * the same sha again keeps it, another sha is refused with the
 * ledger's own words */
START_TEST(ledger_notes)
{
	char dir[] = "/tmp/solr-ledgerXXXXXX", cmd[4200], path[4200];
	unsigned char a[32] = { 7 }, b[32] = { 8 };
	char big[LEDGER_NOTE_MAX + 2];
	struct ledger l, m, mem;
	struct ledger_entry x;
	struct solr_err e;
	int again, k, found;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(ledger_open_named(dir, "test-requests", "was decided "
	    "before for another document", test_key, &l, &e), 0);
	ck_assert_int_eq(ledger_lookup(&l, 1, 5, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 0);
	ck_assert_int_eq(ledger_record_note(&l, 1, 5, 2, a, "{\"seq\":1, "
	    "\"source\":\"a b\"}", &again, &e), 0);
	ck_assert_int_eq(again, 0);
	ck_assert_int_eq(ledger_record_note(&l, 1, 5, 2, a, "{\"seq\":2}",
	    &again, &e), 0);
	ck_assert_int_eq(again, 1);
	ck_assert_int_eq(ledger_record_note(&l, 1, 5, 2, b, "x", &again, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "was decided before for another "
	    "document") != NULL && strstr(e.msg, "from 00-00-00-00-00-00-00-01 "
	    "to 00-00-00-00-00-00-00-02") != NULL, "%s", e.msg);
	/* a note of two lines, or too long, is refused */
	ck_assert_int_eq(ledger_record_note(&l, 1, 6, 2, a, "a\nb", &again, &e),
	    SOLR_ERR_INTERNAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(ledger_record_note(&l, 1, 7, 2, a, big, &again, &e),
	    SOLR_ERR_INTERNAL);
	ck_assert_int_eq(ledger_sync(&l, &e), 0);
	ledger_commit(&l);
	ck_assert_int_eq(ledger_lookup(&l, 1, 5, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_str_eq(x.note, "{\"seq\":1, \"source\":\"a b\"}");
	ck_assert_int_eq(memcmp(x.sha, a, 32), 0);
	/* another process, its index built again from the file */
	snprintf(path, sizeof(path), "%s/state/test-requests-index", dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(ledger_open_named(dir, "test-requests", "x", test_key, &m,
	    &e),
	    0);
	ck_assert_int_eq(ledger_lookup(&m, 1, 5, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_str_eq(x.note, "{\"seq\":1, \"source\":\"a b\"}");
	ck_assert_int_eq(ledger_lookup(&m, 1, 6, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 0);
	ledger_close(&m);
	ledger_close(&l);
	/* files of their own: the countersign ledger is untouched */
	ck_assert_int_eq(ledger_lines(dir), -1);
	/* in memory */
	ledger_memory(&mem);
	for (k = 0; k < 3000; k++)
		ck_assert_int_eq(ledger_record_note(&mem, 1, (uint64_t)k, 2, a,
		    k % 2 ? "odd" : "even", &again, &e), 0);
	ck_assert_int_eq(ledger_lookup(&mem, 1, 2999, 2, &x, &found, &e), 0);
	ck_assert_int_eq(found, 1);
	ck_assert_str_eq(x.note, "odd");
	ck_assert_int_eq(ledger_record_note(&mem, 1, 4, 2, b, "y", &again, &e),
	    SOLR_ERR_VERIFY);
	ledger_close(&mem);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *
ledger_suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = unit_tcase("core", 120);

	/* ledger_index writes 70,000 entries: seconds of system time on a
	 * slow disk, more than Check's 4 s guard against a hang allows */
	tcase_add_test(tc, ledger_rules_on_disk);
	tcase_add_test(tc, ledger_rules_in_memory);
	tcase_add_test(tc, ledger_takes_back_its_own_entries);
	tcase_add_test(tc, ledger_keeps_what_another_relied_on);
	tcase_add_test(tc, ledger_writers_in_turn);
	tcase_add_test(tc, ledger_index);
	tcase_add_test(tc, ledger_notes);
	tcase_add_test(tc, ledger_record_holds);
	suite_add_tcase(s, tc);
	return s;
}
