/* The Service Audit Trail: entries chained by hash with their objects in
 * the bundle; a changed entry or a missing object is found and named; a
 * torn last entry is cut at open; a batch that could not leave is taken
 * back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "base/cert.h"
#include "base/crypto.h"
#include "store/sat.h"
#include "store/sathead.h"
#include "unit.h"

static const unsigned char tkey[32] = "trail key of the unit tests ...";

struct trail {
	char dir[64], src[96], sat[96], log[128];
	struct solr_objstore objects;
	char names[2][SOLR_SHA256_HEX];
};

static void
trail_new(struct trail *t)
{
	struct solr_err e;

	snprintf(t->dir, sizeof(t->dir), "/tmp/solr-satXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->src, sizeof(t->src), "%s/objects", t->dir);
	snprintf(t->sat, sizeof(t->sat), "%s/sat", t->dir);
	snprintf(t->log, sizeof(t->log), "%s/sat/sat.log", t->dir);
	ck_assert_int_eq(objstore_open(&t->objects, t->src, &e), 0);
	ck_assert_int_eq(objstore_put_at(&t->objects, "request", 7,
	    t->names[0], NULL, &e), 0);
	ck_assert_int_eq(objstore_put_at(&t->objects, "response", 8,
	    t->names[1], NULL, &e), 0);
}

static void
trail_free(struct trail *t)
{
	char cmd[200];
	struct solr_err e;

	objstore_close(&t->objects, &e);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", t->dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* An entry's body: the actor, and both objects named */
static struct ynode *
body_of(struct trail *t, const char *actor)
{
	struct ynode *body = yn_new_map(0), *objs = yn_new_seq(0);

	yn_set_str(body, "actor", actor);
	yn_push(objs, yn_new_str(t->names[0]));
	yn_push(objs, yn_new_str(t->names[1]));
	yn_set(body, "objects", objs);
	return body;
}

/* n entries, each naming both objects, in one batch */
static void
append(struct trail *t, struct sat *s, int n, int commit)
{
	struct ynode *body;
	struct solr_err e;
	char *objv[2] = { t->names[0], t->names[1] };
	char *atv[2] = { NULL, NULL };
	char actor[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(actor, sizeof(actor), "00-DB-12-34-56-78-00-%02d", i);
		body = body_of(t, actor);
		ck_assert_msg(sat_append(s, body, &t->objects, objv, atv, NULL, 2,
		    SAT_COPY_ONCE, &e) == 0,
		    "%s", e.msg);
		yn_free(body);
	}
	ck_assert_int_eq(sat_sync(s, &e), 0);
	if (commit)
		sat_commit(s);
}

/* One entry whose world says the device inventory had n entries with
 * head h (64 hex digits made from the letter). */
static void
append_inventory(struct trail *t, struct sat *s, int n, char h)
{
	struct ynode *body = yn_new_map(0), *w = yn_new_map(0),
	    *inv = yn_new_map(1);
	struct solr_err e;
	char head[65];

	memset(head, h, 64);
	head[64] = '\0';
	yn_set(inv, "entries", yn_new_int(n));
	yn_set_str(inv, "head", head);
	yn_set(w, "inventory", inv);
	yn_set(body, "world", w);
	yn_set(body, "objects", yn_new_seq(0));
	ck_assert_msg(sat_append(s, body, &t->objects, NULL, NULL, NULL, 0,
	    SAT_COPY_ONCE, &e) == 0, "%s", e.msg);
	yn_free(body);
}

/* The device inventory an entry records only grows along the trail:
 * fewer entries than an earlier one recorded, or as many with another
 * head, is named; and the writer reads the last entry back, checked. */
START_TEST(inventory_only_grows)
{
	static const struct {
		int n;
		char h;
		const char *why;	/* NULL: the trail verifies */
	} cases[] = {
		{ 9, 'b', NULL },	/* grown */
		{ 7, 'a', NULL },	/* as many, the same head */
		{ 4, 'c', "has 4 entries, after entry 2 recorded 7: it was "
		    "rolled back" },
		{ 7, 'c', "has 7 entries and another head, after entry 2 "
		    "recorded 7: it was replaced" },
		{ 9, 'Z', "entry 3: world.inventory is not {entries, head}" },
	};
	struct trail t;
	struct sat s;
	struct solr_err e;
	struct ynode *last;
	uint64_t n;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		trail_new(&t);
		ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
		ck_assert_int_eq(sat_last_entry(&s, &last, &e), 0);
		ck_assert_ptr_null(last);	/* an empty log */
		append_inventory(&t, &s, 5, 'a');
		append_inventory(&t, &s, 7, 'a');
		append_inventory(&t, &s, cases[i].n, cases[i].h);
		ck_assert_int_eq(sat_sync(&s, &e), 0);
		sat_commit(&s);
		ck_assert_msg(sat_last_entry(&s, &last, &e) == 0, "%s", e.msg);
		ck_assert_str_eq(yn_get_str(last, "n"), "3");
		ck_assert_int_eq(yn_path(last, "world.inventory.head")->str[0],
		    cases[i].h);
		yn_free(last);
		ck_assert_int_eq(sat_close(&s, &e), 0);
		if (cases[i].why == NULL)
			ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n,
			    NULL, &e) == 0, "%zu: %s", i, e.msg);
		else {
			ck_assert_int_eq(sat_verify(t.sat, tkey, NULL, 0, &n,
			    NULL, &e), SOLR_ERR_VERIFY);
			ck_assert_msg(strstr(e.msg, cases[i].why) != NULL,
			    "%zu: %s", i, e.msg);
			ck_assert_uint_eq(n, 2);
		}
		trail_free(&t);
	}
}
END_TEST

/* The last entry is read only when it is the trail's: one changed by
 * hand is refused. */
START_TEST(last_entry_checked)
{
	struct trail t;
	struct sat s;
	struct solr_err e;
	struct ynode *last;
	char cmd[300];

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append_inventory(&t, &s, 5, 'a');
	ck_assert_int_eq(sat_sync(&s, &e), 0);
	sat_commit(&s);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	snprintf(cmd, sizeof(cmd), "sed -i 's/entries: 5/entries: 9/' %s",
	    t.log);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	ck_assert_int_eq(sat_last_entry(&s, &last, &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_null(last);
	ck_assert_msg(strstr(e.msg, "was changed") != NULL, "%s", e.msg);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	trail_free(&t);
}
END_TEST

START_TEST(chain_verifies)
{
	struct trail t;
	struct sat s;
	struct solr_err e;
	uint64_t n;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 3, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	/* a second process goes on from the last hash */
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 2, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 5);
	trail_free(&t);
}
END_TEST

static int
any_02(void *arg, const char *text, size_t len)
{
	(void)arg;
	return memmem(text, len, "00-DB-12-34-56-78-00-0", 22) != NULL &&
	    (memmem(text, len, "-00-00\n", 7) != NULL ||
	    memmem(text, len, "-00-02\n", 7) != NULL);
}

static int
count_entry(void *arg, struct ynode *entry)
{
	(void)entry;
	(*(int *)arg)++;
	return 0;
}

/* A query: the chain checked, the candidates its filter found noted by
 * where each begins, then read there; one changed after the check (the
 * log rewritten in place between the two reads) is refused, not read. */
START_TEST(query_reads_what_was_checked)
{
	struct sat_query q = { .may = any_02 };
	struct trail t;
	struct sat s;
	struct solr_err e = { 0 };
	char cmd[400];
	uint64_t n;
	int seen = 0;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 3, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	ck_assert_msg(sat_verify_chain(t.sat, tkey, NULL, 0, &n, NULL, &q,
	    &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(q.n, 2);	/* actors 00 and 02 */
	ck_assert_int_eq(sat_each_at(t.sat, &q, count_entry, &seen, &e), 0);
	ck_assert_int_eq(seen, 2);
	/* the last actor's entry changed in place, its length kept */
	snprintf(cmd, sizeof(cmd), "sed -i 's/actor: 00-DB-12-34-56-78-00-02/"
	    "actor: 00-DB-12-34-56-78-00-09/' %s", t.log);
	ck_assert_int_eq(system(cmd), 0);
	seen = 0;
	ck_assert_int_eq(sat_each_at(t.sat, &q, count_entry, &seen, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "not the one checked") != NULL, "%s", e.msg);
	ck_assert_int_eq(seen, 1);
	free(q.offs);
	free(q.hashes);
	trail_free(&t);
}
END_TEST

/* what is changed, and what verification must say */
static const struct {
	const char *sed;	/* applied to sat.log */
	const char *why;
	uint64_t good;
} tampers[] = {
	{ "s/00-DB-12-34-56-78-00-01/00-DB-12-34-56-78-00-09/", "hash", 1 },
	{ "0,/^n: 2$/s//n: 3/", "", 1 },
	{ NULL, "", 2 },	/* cut at an entry: the chain alone cannot tell */
};

/* Cuts the log before its last entry. */
static void
cut_last(const char *log)
{
	unsigned char *p;
	size_t n, at;

	p = slurp(log, &n);
	for (at = n - 1; at > 0 && memcmp(p + at, "\n---\n", 5) != 0; at--)
		;
	ck_assert_uint_gt(at, 0);
	ck_assert_int_eq(truncate(log, (off_t)at + 1), 0);
	free(p);
}

START_TEST(tamper_found)
{
	struct trail t;
	struct sat s;
	struct solr_err e;
	char cmd[400];
	uint64_t n;
	int r;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 3, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	if (tampers[_i].sed == NULL)
		cut_last(t.log);
	else {
		snprintf(cmd, sizeof(cmd), "sed -i '%s' %s", tampers[_i].sed,
		    t.log);
		ck_assert_int_eq(system(cmd), 0);
	}
	r = sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e);
	if (_i == 2) {
		/* a trail cut short at an entry still chains: only a head
		 * kept elsewhere can show it */
		ck_assert_int_eq(r, 0);
		ck_assert_uint_eq(n, 2);
	} else {
		ck_assert_int_eq(r, SOLR_ERR_VERIFY);
		ck_assert_uint_eq(n, tampers[_i].good);
		ck_assert_msg(strstr(e.msg, tampers[_i].why) != NULL, "'%s'",
		    e.msg);
	}
	trail_free(&t);
}
END_TEST

START_TEST(missing_object_found)
{
	struct trail t;
	struct sat s;
	struct solr_err e;
	char path[4200];
	uint64_t n;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 2, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	snprintf(path, sizeof(path), "rm %s/objects/*.seg %s/objects/*.idx",
	    t.sat, t.sat);
	ck_assert_int_eq(system(path), 0);
	ck_assert_int_eq(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e), SOLR_ERR_VERIFY);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(strstr(e.msg, t.names[0]));
	trail_free(&t);
}
END_TEST

START_TEST(torn_entry_cut)
{
	struct trail t;
	struct sat s;
	struct solr_err e;
	char cmd[400];
	uint64_t n;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 2, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	snprintf(cmd, sizeof(cmd), "printf -- '---\\nn: 3\\nprev: ab' >> %s",
	    t.log);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e), SOLR_ERR_VERIFY);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	ck_assert_int_gt(s.cut, 0);
	append(&t, &s, 1, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 3);
	trail_free(&t);
}
END_TEST

/* The last entry is read as sat_verify reads every entry: a number past
 * 2^64 is refused, not clamped (the next entry would wrap to 0). */
START_TEST(tail_number_read_whole)
{
	struct trail t;
	struct sat s;
	struct solr_err e;
	char cmd[600];

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 2, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	/* the last entry's number, and nothing else, made too large */
	snprintf(cmd, sizeof(cmd), "awk -v last=\"$(grep -c '^---$' %s)\" "
	    "'/^---$/{k++} k==last && /^n: /{$0=\"n: 99999999999999999999\"}"
	    " {print}' %s > %s.new && mv %s.new %s", t.log, t.log, t.log,
	    t.log, t.log);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "the last entry is malformed") != NULL,
	    "%s", e.msg);
	trail_free(&t);
}
END_TEST

/* Where each entry of a log starts (its "---" line), and the log's
 * length as the last. */
static size_t
entry_starts(const unsigned char *p, size_t n, size_t *at, size_t cap)
{
	size_t k = 0, i;

	for (i = 0; i + 4 <= n && k + 1 < cap; i++)
		if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, "---\n", 4) ==
		    0)
			at[k++] = i;
	at[k] = n;
	return k;
}

/* An entry's body (its text before the mac line) MACed and hashed again
 * under the trail key, as a holder of the key could, with OpenSSL's own
 * HMAC and SHA-256: out gets the whole entry. */
static size_t
reseal(const char *body, char *out, size_t cap)
{
	unsigned char mac[32], hash[32];
	size_t ml = 0, len;
	char hex[65];
	int i;

	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    tkey, sizeof(tkey), (const unsigned char *)body, strlen(body), mac,
	    sizeof(mac), &ml));
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", mac[i]);
	len = (size_t)snprintf(out, cap, "%smac: %s\n", body, hex);
	ck_assert_int_eq(EVP_Digest(out, len, hash, NULL, EVP_sha256(), NULL),
	    1);
	for (i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", hash[i]);
	return len + (size_t)snprintf(out + len, cap - len, "hash: %s\n", hex);
}

/* The log's last entry with from (in its body) put as to, of the same
 * length, and sealed again under the key. */
static void
reseal_last(const char *log, const char *from, const char *to)
{
	unsigned char *p;
	size_t n, at[16], k, bl;
	char body[8192], entry[8400], *m, *f;
	FILE *fp;

	p = slurp(log, &n);
	k = entry_starts(p, n, at, 16);
	ck_assert_uint_gt(k, 0);
	bl = at[k] - at[k - 1];
	ck_assert_uint_lt(bl, sizeof(body));
	memcpy(body, p + at[k - 1], bl);
	body[bl] = '\0';
	ck_assert_ptr_nonnull(m = strstr(body, "\nmac: "));
	m[1] = '\0';
	ck_assert_ptr_nonnull(f = strstr(body, from));
	ck_assert_uint_eq(strlen(from), strlen(to));
	memcpy(f, to, strlen(to));
	bl = reseal(body, entry, sizeof(entry));
	ck_assert_ptr_nonnull(fp = fopen(log, "w"));
	ck_assert_uint_eq(fwrite(p, 1, at[k - 1], fp), at[k - 1]);
	ck_assert_uint_eq(fwrite(entry, 1, bl, fp), bl);
	ck_assert_int_eq(fclose(fp), 0);
	free(p);
}

/* What only the key's holder could make: an entry spliced in from a fork
 * of the trail (its own MAC, hash and number right), an entry numbered
 * wrong, one of another format.  Each is refused for what it is. */
START_TEST(resealed_refused)
{
	struct trail a, b;
	struct sat s;
	struct solr_err e;
	char cmd[400];
	unsigned char *pa, *pb;
	size_t na, nb, ata[16], atb[16];
	uint64_t n;
	FILE *fp;

	/* two trails that share their first two entries, then fork */
	trail_new(&a);
	ck_assert_int_eq(sat_open(a.sat, tkey, a.dir, &s, &e), 0);
	append(&a, &s, 2, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	trail_new(&b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s && cp -R %s %s", b.sat, a.sat,
	    b.sat);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(sat_open(a.sat, tkey, a.dir, &s, &e), 0);
	append(&a, &s, 2, 1);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	ck_assert_int_eq(sat_open(b.sat, tkey, b.dir, &s, &e), 0);
	append_inventory(&b, &s, 1, 'a');
	ck_assert_int_eq(sat_sync(&s, &e), 0);
	sat_commit(&s);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	/* a's third entry replaced by b's: it follows the second, but a's
	 * fourth does not follow it */
	pa = slurp(a.log, &na);
	pb = slurp(b.log, &nb);
	ck_assert_uint_eq(entry_starts(pa, na, ata, 16), 4);
	ck_assert_uint_eq(entry_starts(pb, nb, atb, 16), 3);
	ck_assert_ptr_nonnull(fp = fopen(a.log, "w"));
	fwrite(pa, 1, ata[2], fp);
	fwrite(pb + atb[2], 1, atb[3] - atb[2], fp);
	fwrite(pa + ata[3], 1, na - ata[3], fp);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_int_eq(sat_verify(a.sat, tkey, NULL, 0, &n, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_uint_eq(n, 3);
	ck_assert_msg(strstr(e.msg, "entry 4 does not follow the one before "
	    "it") != NULL, "%s", e.msg);
	free(pa);
	free(pb);
	/* b's last entry numbered 4, sealed again */
	reseal_last(b.log, "\nn: 3\n", "\nn: 4\n");
	ck_assert_int_eq(sat_verify(b.sat, tkey, NULL, 0, &n, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_uint_eq(n, 2);
	ck_assert_msg(strstr(e.msg, "entry 3 is numbered 4") != NULL, "%s",
	    e.msg);
	/* ... and of another format, sealed again */
	reseal_last(b.log, "\nn: 4\n", "\nn: 3\n");
	ck_assert_msg(sat_verify(b.sat, tkey, NULL, 0, &n, NULL, &e) == 0,
	    "%s", e.msg);
	reseal_last(b.log, "sat: ", "sbt: ");
	ck_assert_int_eq(sat_verify(b.sat, tkey, NULL, 0, &n, NULL, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "entry 3 does not begin with sat: ") !=
	    NULL, "%s", e.msg);
	trail_free(&a);
	trail_free(&b);
}
END_TEST

START_TEST(batch_taken_back)
{
	struct trail t;
	struct sat s;
	struct solr_err e;
	uint64_t n;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &s, &e), 0);
	append(&t, &s, 2, 1);
	append(&t, &s, 3, 0);
	ck_assert_int_eq(sat_take_back(&s, &e), 0);
	ck_assert_int_eq(sat_close(&s, &e), 0);
	ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(n, 2);
	trail_free(&t);
}
END_TEST

/* The DCC's XML-signing key and certificate of the generated world. */
static void
dcc_keys(EVP_PKEY **key, struct solr_cert **cert)
{
	struct solr_err e;
	char path[4096];
	FILE *f;
	X509 *x;

	snprintf(path, sizeof(path), "%s/keys/dcc.xmlsign.key", world_dir());
	ck_assert_int_eq(solr_load_private_key(path, key, &e), 0);
	snprintf(path, sizeof(path), "%s/keys/dcc.xmlsign.pem", world_dir());
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(x = PEM_read_X509(f, NULL, NULL, NULL));
	fclose(f);
	ck_assert_int_eq(solr_cert_from_x509(x, path, cert, &e), 0);
	X509_free(x);	/* the certificate holds its own reference */
}

/* a trail shared by two writers: a batch is taken back only when nobody
 * built on it; a writer that is not alone leaves what follows the signed
 * head to its owner */
/* A writer goes on from its own last entry without reading the tail
 * only while no one appended after it: two writers in turn chain. */
START_TEST(writers_in_turn)
{
	struct trail t;
	struct sat a, b;
	struct solr_err e;
	uint64_t n;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &a, &e), 0);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &b, &e), 0);
	append(&t, &a, 2, 1);
	append(&t, &b, 1, 1);
	append(&t, &a, 1, 1);	/* after b's, not after its own */
	append(&t, &a, 1, 1);	/* after its own */
	append(&t, &b, 2, 1);
	ck_assert_int_eq(sat_close(&a, &e), 0);
	ck_assert_int_eq(sat_close(&b, &e), 0);
	ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(n, 7);
	trail_free(&t);
}
END_TEST

/* n entries under one lock (sat_batch_begin/end), kept or not, then
 * synced and committed */
static void
append_batch(struct trail *t, struct sat *s, int n, int keep)
{
	char *objv[2] = { t->names[0], t->names[1] };
	char *atv[2] = { NULL, NULL };
	struct ynode *body;
	struct solr_err e;
	int i;

	ck_assert_int_eq(sat_batch_begin(s, &e), 0);
	for (i = 0; i < n; i++) {
		body = body_of(t, "00-DB-12-34-56-78-00-04");
		ck_assert_msg(sat_append(s, body, &t->objects, objv, atv, NULL,
		    2, SAT_COPY_NEW, &e) == 0, "%s", e.msg);
		yn_free(body);
	}
	ck_assert_int_eq(sat_batch_end(s, keep, &e), 0);
	ck_assert_int_eq(sat_sync(s, &e), 0);
	sat_commit(s);
}

/* Batches under one lock chain with single entries of another writer;
 * a batch not kept leaves nothing; a kept one can be taken back. */
START_TEST(batches_in_turn)
{
	struct trail t;
	struct sat a, b;
	struct ynode *body;
	struct solr_err e;
	uint64_t n;

	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &a, &e), 0);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &b, &e), 0);
	append_batch(&t, &a, 2, 1);
	append(&t, &b, 1, 1);
	append_batch(&t, &a, 3, 0);
	append_batch(&t, &a, 2, 1);
	append_batch(&t, &b, 1, 1);
	append(&t, &a, 1, 1);
	ck_assert_int_eq(sat_batch_begin(&a, &e), 0);
	ck_assert_int_eq(sat_batch_end(&a, 1, &e), 0);	/* empty */
	ck_assert_int_eq(sat_close(&b, &e), 0);
	ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(n, 7);
	/* a batch kept, then taken back: the trail as it was */
	ck_assert_int_eq(sat_batch_begin(&a, &e), 0);
	body = yn_new_map(0);
	yn_set(body, "objects", yn_new_seq(0));
	ck_assert_int_eq(sat_append(&a, body, &t.objects, NULL, NULL, NULL, 0,
	    SAT_COPY_NEW, &e), 0);
	yn_free(body);
	ck_assert_int_eq(sat_batch_end(&a, 1, &e), 0);
	ck_assert_int_eq(sat_take_back(&a, &e), 0);
	ck_assert_int_eq(sat_close(&a, &e), 0);
	ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(n, 7);
	trail_free(&t);
}
END_TEST

/* A new trail of two entries under a signed head, open in a. */
static void
headed_trail(struct trail *t, struct sat *a, EVP_PKEY *key,
    const struct solr_cert *cert)
{
	struct solr_err e;

	trail_new(t);
	ck_assert_int_eq(sat_open(t->sat, tkey, t->dir, a, &e), 0);
	ck_assert_int_eq(sat_head_open(a, key, cert, 0, &e), 0);
	append(t, a, 2, 1);
	ck_assert_int_eq(sat_head_write(a, key, cert, 0, &e), 0);
}

/* A writer signs a head only over what it checked: a log cut under it
 * (to before what it checked) stops it, named as such. */
START_TEST(cut_under_a_writer)
{
	struct trail t;
	struct sat a;
	struct solr_err e;
	struct solr_cert *cert = NULL;
	EVP_PKEY *key = NULL;
	unsigned char *p;
	size_t n, at[16];

	if (world_dir() == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	dcc_keys(&key, &cert);
	headed_trail(&t, &a, key, cert);
	append(&t, &a, 1, 1);
	p = slurp(t.log, &n);
	ck_assert_uint_eq(entry_starts(p, n, at, 16), 3);
	ck_assert_int_eq(truncate(t.log, (off_t)at[1]), 0);
	free(p);
	ck_assert_int_eq(sat_head_write(&a, key, cert, 0, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "this writer checked: the trail was cut "
	    "under it") != NULL, "%s", e.msg);
	sat_close(&a, &e);
	trail_free(&t);
	solr_cert_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

START_TEST(shared_trail)
{
	struct trail t;
	struct sat a, b;
	struct solr_err e;
	struct solr_cert *cert = NULL;
	EVP_PKEY *key = NULL;
	uint64_t n;

	if (world_dir() == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	dcc_keys(&key, &cert);
	trail_new(&t);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &a, &e), 0);
	ck_assert_int_eq(sat_head_open(&a, key, cert, 0, &e), 0);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &b, &e), 0);
	ck_assert_int_eq(sat_head_open(&b, key, cert, 0, &e), 0);
	ck_assert_int_eq(a.alone, 1);
	ck_assert_int_eq(b.alone, 0);
	/* a's batch, then b's after it: a cannot take its batch back */
	append(&t, &a, 2, 0);
	append(&t, &b, 1, 1);
	ck_assert_int_eq(sat_take_back(&a, &e), SOLR_ERR_VERIFY);
	/* b's head covers a's next batch: a cannot take that back either */
	append(&t, &a, 1, 0);
	ck_assert_int_eq(sat_head_write(&b, key, cert, 0, &e), 0);
	ck_assert_int_eq(sat_take_back(&a, &e), SOLR_ERR_VERIFY);
	/* a's own head over a batch nobody built on: both taken back */
	sat_commit(&a);
	append(&t, &a, 2, 0);
	ck_assert_int_eq(sat_head_write(&a, key, cert, 0, &e), 0);
	ck_assert_int_eq(sat_take_back(&a, &e), 0);
	ck_assert_int_eq(sat_close(&b, &e), 0);
	/* b in flight when c opens: c is not alone and cuts nothing */
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &b, &e), 0);
	ck_assert_int_eq(sat_head_open(&b, key, cert, 0, &e), 0);
	append(&t, &b, 1, 0);
	{
		struct sat c;

		ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &c, &e), 0);
		ck_assert_int_eq(sat_head_open(&c, key, cert, 0, &e), 0);
		ck_assert_uint_eq(c.cut_unsigned, 0);
		ck_assert_int_eq(sat_close(&c, &e), 0);
	}
	ck_assert_int_eq(sat_head_write(&b, key, cert, 0, &e), 0);
	ck_assert_int_eq(sat_close(&b, &e), 0);
	ck_assert_int_eq(sat_close(&a, &e), 0);
	ck_assert_msg(sat_verify(t.sat, tkey, NULL, 0, &n, NULL, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(n, 5);
	solr_cert_free(cert);
	EVP_PKEY_free(key);
	trail_free(&t);
}
END_TEST

static const unsigned char forger[32] = "not the world's trail key ......";

/* An entry chained as the trail expects, but MACed with a key that is not
 * the world's: no writer signs a head over it, alone or not, and a trail
 * put back to an older copy of itself is refused. */
START_TEST(forged_and_rolled_back)
{
	struct trail t;
	struct sat a, b, f;
	struct solr_err e;
	struct solr_cert *cert = NULL;
	EVP_PKEY *key = NULL;
	char path[4096], cmd[600];

	if (world_dir() == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	dcc_keys(&key, &cert);
	headed_trail(&t, &a, key, cert);
	snprintf(cmd, sizeof(cmd), "cp -R %s %s/older", t.sat, t.dir);
	ck_assert_int_eq(system(cmd), 0);
	append(&t, &a, 1, 1);
	ck_assert_int_eq(sat_head_write(&a, key, cert, 0, &e), 0);
	/* the forger appends beside the writer, who is not alone */
	ck_assert_int_eq(sat_open(t.sat, forger, t.dir, &f, &e), 0);
	append(&t, &f, 1, 1);
	append(&t, &a, 1, 0);
	ck_assert_int_eq(sat_head_write(&a, key, cert, 0, &e), SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "entry 4 was not written by a writer of "
	    "this world") != NULL, "%s", e.msg);
	ck_assert_msg(strstr(e.msg, "no head is signed over it") != NULL,
	    "%s", e.msg);
	ck_assert_int_eq(sat_close(&f, &e), 0);
	/* a writer opening it, alone now, refuses it too: nothing is cut */
	sat_close(&a, &e);
	ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &b, &e), 0);
	ck_assert_int_eq(b.alone, 1);
	ck_assert_int_eq(sat_head_open(&b, key, cert, 0, &e), SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "entry 4 was not written") != NULL, "%s",
	    e.msg);
	ck_assert_uint_eq(b.cut_unsigned, 0);
	ck_assert_int_eq(sat_close(&b, &e), 0);
	/* the older copy: its head is older than the one the world keeps */
	snprintf(path, sizeof(path), "%s/older", t.dir);
	ck_assert_int_eq(sat_open(path, tkey, t.dir, &b, &e), 0);
	ck_assert_int_eq(sat_head_open(&b, key, cert, 0, &e), SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "rolled back: its signed head covers 2 "
	    "entries, but this world signed a head of 3") != NULL, "%s",
	    e.msg);
	ck_assert_int_eq(sat_close(&b, &e), 0);
	solr_cert_free(cert);
	EVP_PKEY_free(key);
	trail_free(&t);
}
END_TEST

/* A fork of a trail, grown to as many entries as the trail under its
 * own signed head (from a copy of the world's state), is not the trail
 * this world signed: a writer and the auditor's check refuse it, though
 * its head verifies; and entries no head covers are named. */
START_TEST(fork_of_same_length)
{
	struct trail t;
	struct sat a, b;
	struct solr_err e;
	struct solr_cert *cert = NULL;
	EVP_PKEY *key = NULL;
	char fork[200], other[200], cmd[700], cert_path[4200], heads[300];
	struct sat_trust tr;
	struct sat_check chk;

	if (world_dir() == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	dcc_keys(&key, &cert);
	headed_trail(&t, &a, key, cert);
	/* the trail and the world's state copied aside */
	snprintf(fork, sizeof(fork), "%s/fork", t.dir);
	snprintf(other, sizeof(other), "%s/other", t.dir);
	snprintf(cmd, sizeof(cmd), "cp -R %s %s && mkdir %s && cp -R %s/state "
	    "%s/", t.sat, fork, other, t.dir, other);
	ck_assert_int_eq(system(cmd), 0);
	append(&t, &a, 1, 1);
	ck_assert_int_eq(sat_head_write(&a, key, cert, 0, &e), 0);
	ck_assert_int_eq(sat_close(&a, &e), 0);
	/* the copy grows to three entries of its own, signed */
	ck_assert_int_eq(sat_open(fork, tkey, other, &b, &e), 0);
	ck_assert_msg(sat_head_open(&b, key, cert, 0, &e) == 0, "%s", e.msg);
	append_inventory(&t, &b, 1, 'f');
	ck_assert_int_eq(sat_sync(&b, &e), 0);
	sat_commit(&b);
	ck_assert_int_eq(sat_head_write(&b, key, cert, 0, &e), 0);
	ck_assert_int_eq(sat_close(&b, &e), 0);
	/* put in the trail's place, beside the world that signed the
	 * trail */
	ck_assert_int_eq(sat_open(fork, tkey, t.dir, &b, &e), 0);
	ck_assert_int_eq(sat_head_open(&b, key, cert, 0, &e), SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "the trail is not the one this world "
	    "signed: its head of 3 entries ends in") != NULL, "%s", e.msg);
	sat_close(&b, &e);
	/* and so does the auditor's check against that world */
	snprintf(cert_path, sizeof(cert_path), "%s/keys/dcc.xmlsign.pem",
	    world_dir());
	snprintf(heads, sizeof(heads), "%s/state/sat-heads", t.dir);
	tr.cert = cert_path;
	tr.key = tkey;
	tr.heads = heads;
	ck_assert_int_eq(sat_check(fork, &tr, &chk, &e), SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "entry 3 hashes to") != NULL &&
	    strstr(e.msg, "not the trail the world wrote") != NULL, "%s",
	    e.msg);
	/* against the world the copy grew beside, it verifies */
	snprintf(heads, sizeof(heads), "%s/state/sat-heads", other);
	ck_assert_msg(sat_check(fork, &tr, &chk, &e) == 0, "%s", e.msg);
	/* entries no head covers (a batch whose head was never signed) */
	ck_assert_int_eq(sat_open(fork, tkey, other, &b, &e), 0);
	append_inventory(&t, &b, 2, 'a');
	ck_assert_int_eq(sat_sync(&b, &e), 0);
	sat_commit(&b);
	ck_assert_int_eq(sat_close(&b, &e), 0);
	ck_assert_int_eq(sat_check(fork, &tr, &chk, &e), SOLR_ERR_VERIFY);
	ck_assert_msg(strstr(e.msg, "entry 4 and those after it (to 4) are "
	    "not covered by the signed head") != NULL, "%s", e.msg);
	solr_cert_free(cert);
	EVP_PKEY_free(key);
	trail_free(&t);
}
END_TEST

/* What a writer opening a trail refuses, each for what it is: a head
 * whose signature is another head's, the last entry rewritten under the
 * head (sealed again with the trail key), the trail cut short of its
 * head. */
START_TEST(writer_open_refuses)
{
	struct trail t;
	struct sat a;
	struct solr_err e;
	struct solr_cert *cert = NULL;
	EVP_PKEY *key = NULL;
	char head[200], cmd[600];
	const char *why[3] = { "the head's signature does not verify with the "
	    "DCC's certificate", "entry 3 hashes to", "2 entries, but the "
	    "signed head covers 3: the trail was cut short" };
	int i;

	if (world_dir() == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	dcc_keys(&key, &cert);
	for (i = 0; i < 3; i++) {
		headed_trail(&t, &a, key, cert);
		snprintf(head, sizeof(head), "%s/head", t.sat);
		snprintf(cmd, sizeof(cmd), "cp %s %s.2", head, head);
		ck_assert_int_eq(system(cmd), 0);
		append(&t, &a, 1, 1);
		ck_assert_int_eq(sat_head_write(&a, key, cert, 0, &e), 0);
		ck_assert_int_eq(sat_close(&a, &e), 0);
		if (i == 0) {
			/* the head of 3 entries with the signature of 2 */
			snprintf(cmd, sizeof(cmd), "{ grep -v '^signature:' "
			    "%s; grep '^signature:' %s.2; } > %s.new && mv "
			    "%s.new %s", head, head, head, head, head);
			ck_assert_int_eq(system(cmd), 0);
		} else if (i == 1)
			reseal_last(t.log, "-00-00\n", "-00-07\n");
		else
			cut_last(t.log);
		ck_assert_int_eq(sat_open(t.sat, tkey, t.dir, &a, &e), 0);
		ck_assert_int_eq(sat_head_open(&a, key, cert, 0, &e),
		    SOLR_ERR_VERIFY);
		ck_assert_msg(strstr(e.msg, why[i]) != NULL, "%s", e.msg);
		sat_close(&a, &e);
		trail_free(&t);
	}
	solr_cert_free(cert);
	EVP_PKEY_free(key);
}
END_TEST

Suite *
sat_suite(void)
{
	Suite *s = suite_create("sat");
	TCase *tc = unit_tcase("core", 60);

	tcase_add_test(tc, chain_verifies);
	tcase_add_test(tc, query_reads_what_was_checked);
	tcase_add_test(tc, inventory_only_grows);
	tcase_add_test(tc, last_entry_checked);
	tcase_add_loop_test(tc, tamper_found, 0, sizeof(tampers) /
	    sizeof(tampers[0]));
	tcase_add_test(tc, missing_object_found);
	tcase_add_test(tc, torn_entry_cut);
	tcase_add_test(tc, resealed_refused);
	tcase_add_test(tc, batch_taken_back);
	tcase_add_test(tc, tail_number_read_whole);
	tcase_add_test(tc, writers_in_turn);
	tcase_add_test(tc, batches_in_turn);
	tcase_add_test(tc, cut_under_a_writer);
	tcase_add_test(tc, shared_trail);
	tcase_add_test(tc, forged_and_rolled_back);
	tcase_add_test(tc, fork_of_same_length);
	tcase_add_test(tc, writer_open_refuses);
	suite_add_tcase(s, tc);
	return s;
}
