#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/crypto.h"
#include "base/layout.h"
#include "gbcs/gbcs.h"
#include "world/device.h"
#include "world/inventory.h"
#include "world/world.h"
#include "unit.h"

static char tmpdir[64];

static void
write_file(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void
mkworld(const char *policy, const char *registry)
{
	char cmd[128];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/solr-worldXXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	char full[4096];

	/* what every world must have, unless the case is about it */
	snprintf(full, sizeof(full), "%s%s%s", policy,
	    strstr(policy, "roles:") ? "" : "roles:\n  SolrContingency: "
	    "{srvs: ['2.1'], cvs: [4, 5, 6, 7]}\n",
	    strstr(policy, "safe_prepay") ? "" : unit_safe_prepay);
	write_file("policy.yaml", full);
	write_file("registry.yaml", registry);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s/pki/trust %s/keys", tmpdir,
	    tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	write_file("keys/records.key", "00112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n");
	snprintf(cmd, sizeof(cmd), "chmod 600 %s/keys/records.key", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
rmworld(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *const bad_configs[][4] = {
	/* policy, registry, file, words of the message */
	{ "pki: {require_chain: false}\nxml_signer_rolez: [1]\n", "users: []\n",
	    "policy.yaml", "xml_signer_rolez: unknown key" },
	{ "pki: {require_chain: false}\nxml_signer_roles: [0x100]\n",
	    "users: []\n", "policy.yaml", "xml_signer_roles: '0x100'" },
	{ "pki: {require_chain: maybe}\n", "users: []\n", "policy.yaml",
	    "pki.require_chain: must be true or false" },
	{ "pki: {require_chain: false}\n", "users:\n  - {id: 90-B3, party: x, "
	    "roles: [IS], status: active}\n", "registry.yaml",
	    "users[].id: must be an EUI-64" },
	{ "pki: {require_chain: false}\n", "users:\n  - {id: 90-B3-D5-1F-30-01"
	    "-00-00, party: x, roles: [IS], status: gone}\n", "registry.yaml",
	    "must be active or suspended" },
	{ "pki: {require_chain: false}\n", "users:\n"
	    "  - {id: 90-B3-D5-1F-30-01-00-00, party: x, roles: [IS], status: active}\n"
	    "  - {id: 90-b3-d5-1f-30-01-00-00, party: y, roles: [IS], status: active}\n",
	    "registry.yaml", "listed twice" },
	{ "pki: {require_chain: true}\n", "users: []\n", "trust",
	    "requires a chain" },
	/* no policy switches a SoLR control off */
	{ "pki: {require_chain: false}\nroles:\n  Other: {srvs: ['2.1'], "
	    "cvs: [4]}\n", "users: []\n", "policy.yaml",
	    "roles.SolrContingency: missing" },
	{ "pki: {require_chain: false}\nroles:\n  Solrcontingency: {srvs: "
	    "['2.1'], cvs: [4]}\n", "users: []\n", "policy.yaml",
	    "'Solrcontingency' is not the role's name" },
	{ "pki: {require_chain: false}\nroles:\n  SolrContingency: {srvs: "
	    "['2.1', '2.3'], cvs: [4]}\n", "users: []\n", "policy.yaml",
	    "SRV 2.3 has no content rule" },
	{ "pki: {require_chain: false}\nrequired_stages: [verify-sig, "
	    "gbcs-parse]\n", "users: []\n", "policy.yaml",
	    "required_stages: lacks failed-suppliers" },
	{ "pki: {require_chain: false}\nrequired_stages: [verify-sig, "
	    "failed-suppliers, gbcs-parse, adt-check, countersign]\n",
	    "users: []\n", "policy.yaml", "'countersign' is not a stage" },
	{ "pki: {require_chain: false}\nsafe_prepay: {}\n", "users: []\n",
	    "policy.yaml", "the profile for this fuel is missing" },
};

/* The world's layout in one place: the paths solr-world(5) names, and a
 * path that does not fit is said to. */
START_TEST(layout_paths)
{
	char p[64], small[12];

	ck_assert_int_eq(world_path(p, sizeof(p), "w", WF_DIR), 0);
	ck_assert_str_eq(p, "w");
	ck_assert_int_eq(world_path(p, sizeof(p), "w", WF_ACB_KEY), 0);
	ck_assert_str_eq(p, "w/keys/acb.ka.key");
	ck_assert_int_eq(world_path(p, sizeof(p), "w", WF_SAT_HEADS), 0);
	ck_assert_str_eq(p, "w/state/sat-heads");
	ck_assert_int_eq(world_device_path(p, sizeof(p), "w",
	    0x00DB1234567890A0ULL, "ka.pem"), 0);
	ck_assert_str_eq(p, "w/pki/device/00DB1234567890A0.ka.pem");
	ck_assert_int_eq(world_device_key_path(p, sizeof(p), "w", 0xABULL), 0);
	ck_assert_str_eq(p, "w/keys/00000000000000AB.ka.key");
	ck_assert_int_eq(world_adt_path(p, sizeof(p), "w",
	    0x00DB123456780004ULL), 0);
	ck_assert_str_eq(p, "w/adt/00-DB-12-34-56-78-00-04.yaml");
	ck_assert_int_eq(world_state_path(p, sizeof(p), "w", "countersign",
	    "-ledger"), 0);
	ck_assert_str_eq(p, "w/state/countersign-ledger");
	ck_assert_int_eq(world_schema_path(p, sizeof(p), "w", "5.4",
	    "duis.xsd"), 0);
	ck_assert_str_eq(p, "w/schemas/5.4/duis.xsd");
	ck_assert_int_eq(world_schema_path(p, sizeof(p), "w", "5.4", NULL),
	    0);
	ck_assert_str_eq(p, "w/schemas/5.4");
	ck_assert_int_eq(world_path(small, sizeof(small), "w", WF_POLICY), -1);
	/* what only the owner may write: the configuration, not the state
	 * a stage writes */
	ck_assert_int_eq(world_layout[WF_POLICY].config, 1);
	ck_assert_int_eq(world_layout[WF_SCHEMAS].config, 1);
	ck_assert_int_eq(world_layout[WF_ADT_COUNTERS].config, 0);
}
END_TEST

START_TEST(config_errors_name_file_line_field)
{
	struct solr_world w;
	struct solr_err e;

	mkworld(bad_configs[_i][0], bad_configs[_i][1]);
	ck_assert_int_eq(world_load(&w, tmpdir, &e), SOLR_ERR_CONFIG);
	ck_assert_msg(strstr(e.file, bad_configs[_i][2]) != NULL, "file %s",
	    e.file);
	ck_assert_msg(strstr(e.msg, bad_configs[_i][3]) != NULL, "msg %s",
	    e.msg);
	if (strcmp(bad_configs[_i][2], "trust") != 0)
		ck_assert_int_gt(e.line, 0);
	world_free(&w);
	rmworld();
}
END_TEST

/* the record key: what is done to it, and what the world says */
static const char *const bad_keys[][2] = {
	{ "rm -f %s/keys/records.key", "this key seals the records between "
	    "the stages" },
	{ "chmod 640 %s/keys/records.key", "permissions 0640 are too open" },
	{ "chmod 604 %s/keys/records.key", "permissions 0604 are too open" },
	{ "printf 0011 > %s/keys/records.key", "must hold 32 random bytes as 64 "
	    "hex digits" },
	{ "printf '%%064d' 0 | tr 0 g > %s/keys/records.key",
	    "must hold 32 random bytes" },
	{ "printf '%%066d' 0 > %s/keys/records.key", "must hold 32 random "
	    "bytes" },
};

START_TEST(record_key_required)
{
	struct solr_world w;
	struct solr_err e;
	char cmd[512];

	mkworld("pki: {require_chain: false}\n", "users: []\n");
	snprintf(cmd, sizeof(cmd), bad_keys[_i][0], tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(world_load(&w, tmpdir, &e), SOLR_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.file, "keys/records.key"));
	ck_assert_msg(strstr(e.msg, bad_keys[_i][1]) != NULL, "'%s'", e.msg);
	world_free(&w);
	rmworld();
}
END_TEST

START_TEST(registry_and_roles)
{
	struct solr_world w;
	struct solr_err e;
	const struct solr_user *u;

	mkworld("pki: {require_chain: false}\nroles:\n  SolrContingency: "
	    "{srvs: ['2.1'], cvs: [4, 5]}\n", "users:\n  - {id: 00-DB-12-34-"
	    "56-78-00-04, party: SRP, roles: [SolrContingency], status: "
	    "suspended}\n");
	ck_assert_int_eq(world_load(&w, tmpdir, &e), 0);
	u = world_user(&w, 0x00DB123456780004ULL);
	ck_assert_ptr_nonnull(u);
	ck_assert(u->suspended);
	ck_assert(user_has_role(u, "SolrContingency"));
	ck_assert(!user_has_role(u, "IS"));
	ck_assert_str_eq(world_role_policy(&w, "SolrContingency")->srvs[0],
	    "2.1");
	ck_assert_int_eq(w.policy.xml_signer_roles[0], 0x87);
	ck_assert(solr_is_sha256_hex(w.policy_sha256));
	world_free(&w);
	rmworld();
}
END_TEST

/* Against a world made by scripts/mk-world: the chain, the CRL and the
 * certificate fields. */
START_TEST(generated_world_certificates)
{
	const char *dir = world_dir();
	struct solr_world w;
	struct solr_err e;
	struct solr_cert *c[4];
	int64_t before, after;
	size_t n;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	ck_assert_msg(world_load(&w, dir, &e) == 0, "%s", e.msg);
	solr_time_parse("2026-02-01T00:00:00Z", &before);
	solr_time_parse("2026-03-02T10:15:00Z", &after);
	/* the SRP has exactly one certificate that chains: the xmlSign one;
	 * the look-alike CA's certificate for the same EUI does not */
	n = world_find_org_by_eui(&w, 0x00DB123456780004ULL, 0x87,
	    KU_DIGITAL_SIGNATURE, c, 4);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_ne(world_check_cert(&w, c[0], after, &e) == 0,
	    world_check_cert(&w, c[1], after, &e) == 0);
	/* the failed supplier's certificates are revoked from 2026-03-01 */
	n = world_find_org_by_eui(&w, 0x90B3D51F30010000ULL, 0x02,
	    KU_DIGITAL_SIGNATURE, c, 4);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(world_check_cert(&w, c[0], before, &e), 0);
	ck_assert_int_eq(world_check_cert(&w, c[0], after, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "revoked at 2026-03-01"));
	solr_time_parse("2036-01-01T00:00:00Z", &after);
	ck_assert_int_eq(world_check_cert(&w, c[0], after, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "expired"));
	ck_assert_uint_eq(world_find_org_by_eui(&w, 0x90B3D51F30010000ULL,
	    0x02, KU_KEY_AGREEMENT, c, 4), 1);
	world_free(&w);
}
END_TEST

/* A copy of the generated world in tmp (a mkdtemp template), loaded:
 * what a test changes in it changes nothing for the others. */
static void
world_copy(const char *dir, char *tmp, struct solr_world *w)
{
	char cmd[8300];
	struct solr_err e;

	ck_assert_ptr_nonnull(mkdtemp(tmp));
	snprintf(cmd, sizeof(cmd), "cp -R '%s'/. '%s' && chmod -R go-w '%s'",
	    dir, tmp, tmp);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_msg(world_load(w, tmp, &e) == 0, "%s", e.msg);
}

/* The public key in a PEM certificate file, read here for comparing. */
static EVP_PKEY *
cert_key(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x;
	EVP_PKEY *k;

	ck_assert_ptr_nonnull(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(x);
	k = X509_get_pubkey(x);
	X509_free(x);
	return k;
}

static void
rm_tree(const char *tmp)
{
	char cmd[8300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}

#define DEV_A0 0x00DB1234567890A0ULL
#define DEV_A1 0x00DB1234567890A1ULL

/* A device's key comes from the inventory's point, is checked at every
 * use, and is refused once its certificate file changes or goes. */
START_TEST(device_key_inventory)
{
	const char *dir = world_dir();
	char tmp[] = "/tmp/solr-devXXXXXX", cmd[8300], pem[4200];
	struct inv_entry en;
	struct solr_world w;
	struct solr_err e;
	int64_t at, late;
	EVP_PKEY *k, *want;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	world_copy(dir, tmp, &w);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	solr_time_parse("2099-01-01T00:00:00Z", &late);
	snprintf(pem, sizeof(pem), "%s/pki/device/00DB1234567890A0.ka.pem",
	    tmp);
	ck_assert_msg(world_device_key(&w, DEV_A0, INV_KA, at, &k, &e) == 0,
	    "%s", e.msg);
	want = cert_key(pem);
	ck_assert_int_eq(EVP_PKEY_eq(k, want), 1);	/* the certificate's */
	EVP_PKEY_free(k);
	EVP_PKEY_free(want);
	ck_assert_int_eq(inv_lookup(&w, DEV_A0, &en, &e), 0);
	ck_assert_str_eq(en.type, "ESME");
	/* what depends on the time is checked at every use */
	ck_assert_int_eq(world_device_key(&w, DEV_A0, INV_KA, late, &k, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "not valid after"));
	/* a device the inventory does not hold */
	ck_assert_int_eq(world_device_key(&w, 0x00DB1234567890FFULL, INV_KA,
	    at, &k, &e), SOLR_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not in the device inventory"));
	/* the file replaced by another device's: refused until imported,
	 * and the import refuses it */
	snprintf(cmd, sizeof(cmd), "cp '%s/pki/device/00DB1234567890A1.ka.pem' "
	    "'%s.new' && mv '%s.new' '%s'", tmp, pem, pem, pem);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(world_device_key(&w, DEV_A0, INV_KA, at, &k, &e),
	    SOLR_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "has changed since it was "
	    "imported"));
	{
		struct inv_entry en;

		ck_assert_int_eq(world_device_entry(&w, DEV_A0, "ESME", at, &en,
		    &e), SOLR_ERR_VERIFY);
		ck_assert_ptr_nonnull(strstr(e.msg, "hardwareModuleName"));
	}
	/* and gone */
	ck_assert_int_eq(unlink(pem), 0);
	ck_assert_int_eq(world_device_key(&w, DEV_A0, INV_KA, at, &k, &e),
	    SOLR_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "is gone since it was imported"));
	/* a file far larger than a certificate is not read whole, and one
	 * put in its place as a link is refused as the guard refuses it */
	snprintf(cmd, sizeof(cmd), "cp '%s/pki/device/00DB1234567890A1.ka.pem' "
	    "'%s' && head -c 70000 /dev/zero >> '%s'", tmp, pem, pem);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(world_device_key(&w, DEV_A0, INV_KA, at, &k, &e),
	    SOLR_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.msg, "exceeds the limit"));
	ck_assert_ptr_nonnull(strstr(e.file, ".ka.pem"));
	snprintf(cmd, sizeof(cmd), "rm '%s' && ln -s "
	    "'%s/pki/device/00DB1234567890A1.ka.pem' '%s'", pem, tmp, pem);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(world_device_key(&w, DEV_A0, INV_KA, at, &k, &e),
	    SOLR_ERR_UNSAFE);
	ck_assert_ptr_nonnull(strstr(e.msg, "symbolic link"));
	ck_assert_int_eq(unlink(pem), 0);
	/* the other use of the same device is still its own */
	ck_assert_int_eq(world_device_key(&w, DEV_A0, INV_DS, at, &k, &e), 0);
	EVP_PKEY_free(k);
	world_free(&w);
	rm_tree(tmp);
}
END_TEST

/* The device's issuing CA taken out of pki/trust: its keys are refused
 * at use, though the inventory checked the chain at import. */
START_TEST(device_key_ca_gone)
{
	const char *dir = world_dir();
	char tmp[] = "/tmp/solr-devXXXXXX", path[4200];
	struct solr_world w;
	struct solr_err e;
	int64_t at;
	EVP_PKEY *k;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	world_copy(dir, tmp, &w);
	world_free(&w);
	snprintf(path, sizeof(path), "%s/pki/trust/device-ca.pem", tmp);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_msg(world_load(&w, tmp, &e) == 0, "%s", e.msg);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	ck_assert_int_eq(world_device_key(&w, DEV_A0, INV_KA, at, &k, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "no longer in pki/trust"));
	world_free(&w);
	rm_tree(tmp);
}
END_TEST

/* An entry whose chain was checked on import holds the chain's dates: a
 * time outside them refuses the key, however the certificate's own
 * dates stand. */
START_TEST(device_key_chain_dates)
{
	const char *dir = world_dir();
	char tmp[] = "/tmp/solr-devXXXXXX";
	struct solr_world w;
	struct solr_err e;
	struct inv_entry en;
	int64_t at;
	EVP_PKEY *k;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	world_copy(dir, tmp, &w);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	ck_assert_msg(inv_lookup(&w, DEV_A0, &en, &e) == 0, "%s", e.msg);
	ck_assert(en.chained);
	ck_assert_msg(world_entry_key(&w, &en, INV_KA, at, &k, &e) == 0, "%s",
	    e.msg);
	EVP_PKEY_free(k);
	en.chain_not_after = at - 1;
	ck_assert_int_eq(world_entry_key(&w, &en, INV_KA, at, &k, &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "a CA certificate of its chain "
	    "is not valid at 2026-03-02T10:15:00Z"));
	en.chain_not_after = at;
	en.chain_not_before = at + 1;
	ck_assert_int_eq(world_entry_key(&w, &en, INV_KA, at, &k, &e),
	    SOLR_ERR_VERIFY);
	/* an entry without the certificate asked for (a SMETS1 device's):
	 * no key, whatever pki/device holds */
	en.chain_not_before = INT64_MIN;
	en.cert[INV_KA].present = 0;
	ck_assert_int_eq(world_entry_key(&w, &en, INV_KA, at, &k, &e),
	    SOLR_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "device 00-DB-12-34-56-78-90-A0 "
	    "has no key-agreement certificate in the device inventory"));
	ck_assert_ptr_null(k);
	world_free(&w);
	rm_tree(tmp);
}
END_TEST

/* A certificate found by issuer and serial, the issuer's name parsed
 * once and kept among the last few: names that evict it, names that
 * differ by one attribute, and one that is no name, each answered as if
 * nothing were kept. */
START_TEST(org_by_issuer_serial)
{
	const char *dir = world_dir();
	struct solr_world w;
	struct solr_err e;
	struct solr_cert *c = NULL, *want;
	char issuer[64];
	int i, round;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	ck_assert_msg(world_load(&w, dir, &e) == 0, "%s", e.msg);
	ck_assert_uint_gt(w.norg, 0);
	want = w.org[0];
	for (round = 0; round < 2; round++) {
		ck_assert_msg(world_find_org(&w, "CN=Z9,OU=07", want->serial,
		    &c, &e) == 0, "%s", e.msg);
		ck_assert_ptr_eq(c, want);
		for (i = 0; i < 12; i++) {
			snprintf(issuer, sizeof(issuer), "CN=Z%d,OU=07", i);
			ck_assert_int_eq(world_find_org(&w, issuer,
			    want->serial, &c, &e), i == 9 ? 0 :
			    SOLR_ERR_NOTFOUND);
		}
		ck_assert_int_eq(world_find_org(&w, "CN=Z9,OU=08",
		    want->serial, &c, &e), SOLR_ERR_NOTFOUND);
		ck_assert_int_eq(world_find_org(&w, "CN=Z9,XX=07",
		    want->serial, &c, &e), SOLR_ERR_FORMAT);
		ck_assert_ptr_null(c);
	}
	world_free(&w);
}
END_TEST

/* A copied world (new inodes and times): the certificate is compared by
 * its SHA-256, and still found the one imported. */
START_TEST(device_key_copied)
{
	const char *dir = world_dir();
	char tmp[] = "/tmp/solr-devXXXXXX", cmd[8300];
	struct solr_world w;
	struct solr_err e;
	int64_t at;
	EVP_PKEY *k;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	world_copy(dir, tmp, &w);
	snprintf(cmd, sizeof(cmd), "touch -d 2020-01-01 '%s'/pki/device/*",
	    tmp);
	ck_assert_int_eq(system(cmd), 0);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	ck_assert_msg(world_device_key(&w, DEV_A1, INV_DS, at, &k, &e) == 0,
	    "%s", e.msg);
	EVP_PKEY_free(k);
	world_free(&w);
	rm_tree(tmp);
}
END_TEST

static void
flip_byte(const char *path, long off)
{
	FILE *f = fopen(path, "r+b");
	int c;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	c = fgetc(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	fputc(c ^ 1, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* Points the index's slot of eui at entry seq, in place. */
static void
slot_point(const char *idx, uint64_t eui, uint64_t seq)
{
	unsigned char slot[32];
	FILE *f = fopen(idx, "r+b");
	long off;
	int i, found = 0;

	ck_assert_ptr_nonnull(f);
	for (off = 128; !found && fseek(f, off, SEEK_SET) == 0 &&
	    fread(slot, 1, 32, f) == 32; off += 32) {
		uint64_t v = 0;

		for (i = 7; i >= 0; i--)
			v = v << 8 | slot[i];
		if (v != eui)
			continue;
		for (i = 0; i < 8; i++)
			slot[8 + i] = (unsigned char)((seq + 1) >> (8 * i));
		ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
		ck_assert_int_eq(fwrite(slot, 1, 32, f), 32);
		found = 1;
	}
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(found, 1);
}

/* Whoever lacks keys/records.key cannot change, move or drop an entry,
 * nor point the index at an older one; a torn append is cut. */
START_TEST(inventory_tamper)
{
	const char *dir = world_dir();
	char tmp[] = "/tmp/solr-invXXXXXX", cmd[8300], log[4200], idx[4200];
	struct solr_world w;
	struct inv_writer *wr;
	struct inv_entry en;
	struct solr_err e;
	int64_t cut;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	world_copy(dir, tmp, &w);
	snprintf(log, sizeof(log), "%s/state/devices", tmp);
	snprintf(idx, sizeof(idx), "%s/state/devices.idx", tmp);
	/* a removal: then the device is E19's */
	ck_assert_int_eq(inv_begin(&w, &wr, &cut, &e), 0);
	ck_assert_int_eq(inv_remove(wr, DEV_A1, 0, &e), 0);
	ck_assert_int_eq(inv_remove(wr, DEV_A1, 0, &e), SOLR_ERR_NOTFOUND);
	ck_assert_int_eq(inv_commit(wr, &e), 0);
	inv_end(wr);
	ck_assert_int_eq(inv_lookup(&w, DEV_A1, &en, &e), SOLR_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(e.msg, "was removed"));
	/* the index's slot pointed back at the device's entry before the
	 * removal (entry 1): refused, not the device brought back */
	slot_point(idx, DEV_A1, 1);
	ck_assert_int_eq(inv_lookup(&w, DEV_A1, &en, &e), SOLR_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "slot's MAC does not hold"));
	/* the log changed under the index */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s.bak'", idx, idx);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(inv_begin(&w, &wr, &cut, &e), 0);
	ck_assert_int_eq(inv_commit(wr, &e), 0);	/* made again */
	inv_end(wr);
	ck_assert_msg(inv_lookup(&w, DEV_A0, &en, &e) == 0, "%s", e.msg);
	flip_byte(log, 16);	/* entry 0's EUI */
	ck_assert_int_eq(inv_lookup(&w, DEV_A0, &en, &e), SOLR_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "MAC does not hold"));
	ck_assert_int_eq(inv_begin(&w, &wr, &cut, &e), SOLR_ERR_CONFIG);
	flip_byte(log, 16);
	/* an entry's bytes moved: entry 1 in entry 0's place */
	snprintf(cmd, sizeof(cmd), "cd '%s/state' && dd if=devices bs=512 "
	    "skip=1 count=1 of=e1 2>/dev/null && dd if=e1 of=devices bs=512 "
	    "seek=0 conv=notrunc 2>/dev/null", tmp);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(inv_begin(&w, &wr, &cut, &e), SOLR_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "moved"));
	world_free(&w);
	rm_tree(tmp);
}
END_TEST

/* An append that did not finish: the stages refuse the inventory until
 * the next import, which cuts it. */
START_TEST(inventory_torn)
{
	const char *dir = world_dir();
	char tmp[] = "/tmp/solr-invXXXXXX", cmd[8300];
	struct solr_world w;
	struct inv_writer *wr;
	struct inv_entry en;
	struct solr_err e;
	int64_t cut;
	int unchanged;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	world_copy(dir, tmp, &w);
	snprintf(cmd, sizeof(cmd), "head -c 100 /dev/zero >> "
	    "'%s/state/devices'", tmp);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(inv_lookup(&w, DEV_A0, &en, &e), SOLR_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "did not end"));
	ck_assert_int_eq(inv_begin(&w, &wr, &cut, &e), 0);
	ck_assert_int_eq(cut, 100);
	ck_assert_int_eq(inv_commit(wr, &e), 0);
	inv_end(wr);
	ck_assert_msg(inv_lookup(&w, DEV_A0, &en, &e) == 0, "%s", e.msg);
	ck_assert_str_eq(en.type, "ESME");
	ck_assert_int_eq(en.fuel, INV_FUEL_ELECTRICITY);
	/* a change that does not commit leaves the log as it was */
	snprintf(cmd, sizeof(cmd), "cp '%s/state/devices' '%s/log0'", tmp, tmp);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(inv_begin(&w, &wr, &cut, &e), 0);
	ck_assert_int_eq(world_device_entry(&w, 0x00DB1234567890B0ULL, "GSME",
	    0, &en, &e), 0);
	ck_assert_int_eq(inv_put(wr, &en, &unchanged, &e), 0);
	ck_assert_int_eq(unchanged, 0);
	ck_assert_ptr_nonnull(inv_latest(wr, 0x00DB1234567890B0ULL));
	inv_end(wr);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s/state/devices' '%s/log0'", tmp,
	    tmp);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(inv_lookup(&w, 0x00DB1234567890B0ULL, &en, &e),
	    SOLR_ERR_NOTFOUND);
	world_free(&w);
	rm_tree(tmp);
}
END_TEST

#define ENTRY_MACED_LEN 480	/* the bytes an entry's MAC covers */

/* An entry's encoding: what is made reads back; any field out of range,
 * the wrong place or another key is refused. */
START_TEST(inventory_entry_codec)
{
	unsigned char k1[32] = { 1 }, k2[32] = { 2 }, b[INV_ENTRY_LEN];
	struct solr_sealer *key = solr_sealer_new(k1, 32),
	    *other = solr_sealer_new(k2, 32);
	struct inv_entry en, back;
	struct solr_err e;

	memset(&en, 0, sizeof(en));
	en.seq = 7;
	en.eui = DEV_A0;
	en.op = INV_PUT;
	strcpy(en.type, "GSME");
	en.fuel = INV_FUEL_GAS;
	en.cert[INV_KA].present = 1;
	en.cert[INV_KA].point[0] = 0x04;
	en.cert[INV_KA].serial_len = 3;
	en.cert[INV_KA].not_after = 99;
	ck_assert_int_eq(inv_encode(key, &en, b), 0);
	ck_assert_int_eq(inv_decode(key, b, 7, &back, &e), 0);
	ck_assert_int_eq(back.eui, DEV_A0);
	ck_assert_str_eq(back.type, "GSME");
	ck_assert_int_eq(back.cert[INV_KA].not_after, 99);
	ck_assert_int_eq(back.cert[INV_DS].present, 0);
	ck_assert_int_eq(inv_decode(key, b, 6, &back, &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "entry 6 says it is entry 7 "
	    "(moved)"));
	ck_assert_int_eq(inv_decode(other, b, 7, &back, &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "entry 7: its MAC does not "
	    "hold"));
	/* another kind of entry, though MACed under the key */
	b[7] = '2';
	ck_assert_int_eq(solr_sealer_mac(key, b, ENTRY_MACED_LEN,
	    b + ENTRY_MACED_LEN), 0);
	ck_assert_int_eq(inv_decode(key, b, 7, &back, &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "entry 7 is not a device "
	    "inventory entry"));
	/* a fuel that is not the type's, though MACed */
	en.fuel = INV_FUEL_ELECTRICITY;
	ck_assert_int_eq(inv_encode(key, &en, b), 0);
	ck_assert_int_eq(inv_decode(key, b, 7, &back, &e), SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "out of range"));
	ck_assert_int_eq(inv_type_ok("ESME"), 1);
	ck_assert_int_eq(inv_type_ok("esme"), 0);
	ck_assert_int_eq(inv_type_ok("TOOLONGTYPE"), 0);
	ck_assert_int_eq(inv_type_ok(""), 0);
	/* MACed garbage, as a holder of the key could write: each field is
	 * checked, nothing out of range comes back */
	srand(27);
	for (int i = 0; i < 20000; i++) {
		for (size_t j = 0; j < ENTRY_MACED_LEN; j++)
			b[j] = (unsigned char)(i % 3 ? rand() : 0);
		memcpy(b, "SOLRDEV1", 8);
		memset(b + 8, 0, 8);	/* entry 0 */
		if (i % 2)
			b[24] = INV_PUT, b[25] = rand() % 3;
		ck_assert_int_eq(solr_sealer_mac(key, b, ENTRY_MACED_LEN,
		    b + ENTRY_MACED_LEN), 0);
		if (inv_decode(key, b, 0, &back, &e) == 0) {
			ck_assert(back.op == INV_PUT || back.op == INV_REMOVE);
			ck_assert(back.op == INV_REMOVE ||
			    inv_type_ok(back.type));
			ck_assert(back.cert[INV_KA].serial_len <= 20);
			ck_assert(back.cert[INV_DS].serial_len <= 20);
		}
	}
	solr_sealer_free(key);
	solr_sealer_free(other);
}
END_TEST

/* A private key and its key agreement are set up once while its file
 * stays the same, again when the file is replaced, and refused when it
 * is gone. */
START_TEST(private_key_cache)
{
	const char *dir = world_dir();
	char tmp[] = "/tmp/solr-keyXXXXXX", cmd[8300], acb[4200];
	unsigned char z1[32], z2[32], z3[32];
	struct solr_world w;
	struct solr_err e;
	struct solr_ka *ka1, *ka2;
	EVP_PKEY *peer;
	int64_t at;

	if (dir == NULL)
		UNIT_SKIP("no world from scripts/mk-world");
	world_copy(dir, tmp, &w);
	solr_time_parse("2026-03-02T10:15:00Z", &at);
	ck_assert_msg(world_device_key(&w, DEV_A0, INV_KA, at, &peer, &e) ==
	    0, "%s", e.msg);
	snprintf(acb, sizeof(acb), "%s/keys/acb.ka.key", tmp);
	ck_assert_msg(world_private_ka(&w, acb, &ka1, &e) == 0, "%s", e.msg);
	ck_assert_int_eq(world_private_ka(&w, acb, &ka2, &e), 0);
	ck_assert_ptr_eq(ka1, ka2);	/* decoded and set up once */
	ck_assert_int_eq(solr_ka_derive(ka1, peer, z1), 0);
	ck_assert_int_eq(solr_ka_derive(ka2, peer, z3), 0);
	ck_assert_mem_eq(z1, z3, 32);	/* used again, the same */
	/* replaced by another key: read again */
	snprintf(cmd, sizeof(cmd), "cp '%s/test-keys/failed-ka.key' '%s.new' "
	    "&& chmod 600 '%s.new' && mv '%s.new' '%s'", tmp, acb, acb, acb,
	    acb);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(world_private_ka(&w, acb, &ka2, &e), 0);
	ck_assert_int_eq(solr_ka_derive(ka2, peer, z2), 0);
	ck_assert(memcmp(z1, z2, 32) != 0);	/* the new key's */
	/* and gone */
	ck_assert_int_eq(unlink(acb), 0);
	ck_assert_int_ne(world_private_ka(&w, acb, &ka2, &e), 0);
	EVP_PKEY_free(peer);
	world_free(&w);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *
world_suite(void)
{
	Suite *s = suite_create("world");
	TCase *tc = unit_tcase("core", 60);

	tcase_add_loop_test(tc, config_errors_name_file_line_field, 0,
	    sizeof(bad_configs) / sizeof(bad_configs[0]));
	tcase_add_test(tc, layout_paths);
	tcase_add_test(tc, registry_and_roles);
	tcase_add_loop_test(tc, record_key_required, 0, sizeof(bad_keys) /
	    sizeof(bad_keys[0]));
	tcase_add_test(tc, generated_world_certificates);
	tcase_add_test(tc, device_key_inventory);
	tcase_add_test(tc, device_key_copied);
	tcase_add_test(tc, device_key_ca_gone);
	tcase_add_test(tc, device_key_chain_dates);
	tcase_add_test(tc, org_by_issuer_serial);
	tcase_add_test(tc, inventory_tamper);
	tcase_add_test(tc, inventory_torn);
	tcase_add_test(tc, inventory_entry_codec);
	tcase_add_test(tc, private_key_cache);
	suite_add_tcase(s, tc);
	return s;
}
