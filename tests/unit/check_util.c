#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "base/crypto.h"
#include "base/guard.h"
#include "base/util.h"
#include "unit.h"

/* path, holding text */
static void
put(const char *path, const char *text)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* A file read whole: to its limit and no further, empty, larger than one
 * read's worth, and a FIFO (not a regular file) */
START_TEST(read_file_limits)
{
	char dir[] = "/tmp/solr-readXXXXXX", path[64], fifo[64];
	struct solr_buf b = { 0 };
	struct solr_err e;
	FILE *f;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	put(path, "0123456789");
	ck_assert_int_eq(solr_read_file(path, 10, &b, &e), 0);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_str_eq((char *)b.p, "0123456789");
	ck_assert_int_eq(solr_read_file(path, 9, &b, &e), SOLR_ERR_LIMIT);
	ck_assert_ptr_nonnull(strstr(e.msg, "limit of 9 bytes"));
	put(path, "");
	ck_assert_int_eq(solr_read_file(path, 10, &b, &e), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_ptr_nonnull(b.p);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	for (i = 0; i < 200000; i++)
		fputc('a' + (int)(i % 26), f);
	fclose(f);
	ck_assert_int_eq(solr_read_file(path, 1 << 20, &b, &e), 0);
	ck_assert_uint_eq(b.len, 200000);
	ck_assert_int_eq(b.p[199999], 'a' + 199999 % 26);
	ck_assert_int_eq(b.p[200000], '\0');
	snprintf(fifo, sizeof(fifo), "%s/p", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	if (fork() == 0) {
		FILE *w = fopen(fifo, "w");

		fputs("through a pipe", w);
		fclose(w);
		_exit(0);
	}
	ck_assert_int_eq(solr_read_file(fifo, 100, &b, &e), 0);
	ck_assert_str_eq((char *)b.p, "through a pipe");
	wait(NULL);
	unlink(fifo);
	unlink(path);
	rmdir(dir);
	solr_buf_free(&b);
}
END_TEST

START_TEST(b64_tolerates_java_line_breaks)
{
	/* "hello world!" as the JDK writes it: CR LF as &#13; plus newline,
	 * and also CR after parsing */
	static const char *const forms[] = { "aGVsbG8g\nd29ybGQh",
	    "aGVsbG8g&#13;\nd29ybGQh", "aGVs bG8g\r\nd29y\tbGQh",
	    "aGVsbG8gd29ybGQh&#13;" };
	unsigned char out[32];
	struct solr_err e;
	size_t i, n;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		ck_assert_int_eq(solr_b64_decode(forms[i], strlen(forms[i]),
		    out, sizeof(out), &n, &e), 0);
		ck_assert_uint_eq(n, 12);
		ck_assert_mem_eq(out, "hello world!", 12);
	}
}
END_TEST

START_TEST(b64_padding)
{
	unsigned char out[8];
	struct solr_err e;
	size_t n;

	ck_assert_int_eq(solr_b64_decode("YQ==", 4, out, 8, &n, &e), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(out[0], 'a');
	ck_assert_int_eq(solr_b64_decode("YWI=", 4, out, 8, &n, &e), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_mem_eq(out, "ab", 2);
}
END_TEST

static const char *const bad_b64[] = {
	"YQ=",		/* length not a multiple of 4 */
	"YQ=a",		/* data after padding */
	"Y===",		/* three pads */
	"YR==",		/* non-zero padding bits */
	"YWJ=",		/* ... with one pad */
	"YW*=",		/* bad character */
	"&#10;YQ==",	/* only CR may be written as a reference */
};

START_TEST(b64_rejects)
{
	unsigned char out[8];
	struct solr_err e;
	size_t n;
	const char *s = bad_b64[_i];

	ck_assert_int_eq(solr_b64_decode(s, strlen(s), out, sizeof(out), &n,
	    &e), SOLR_ERR_FORMAT);
	ck_assert(e.msg[0] != '\0');
}
END_TEST

START_TEST(b64_limit_and_roundtrip)
{
	unsigned char in[100], out[100];
	char enc[200];
	struct solr_err e;
	size_t i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37);
	for (i = 0; i < 5; i++) {
		solr_b64_encode(in, 95 + i, enc);
		ck_assert_int_eq(solr_b64_decode(enc, strlen(enc), out,
		    sizeof(out), &n, &e), 0);
		ck_assert_uint_eq(n, 95 + i);
		ck_assert_mem_eq(out, in, n);
	}
	solr_b64_encode(in, 100, enc);
	ck_assert_int_eq(solr_b64_decode(enc, strlen(enc), out, 99, &n, &e),
	    SOLR_ERR_LIMIT);
}
END_TEST

START_TEST(eui_forms)
{
	uint64_t v;
	char s[SOLR_EUI_STRLEN];

	ck_assert_int_eq(solr_eui_parse("90-b3-D5-1f-30-01-00-00", 23, &v), 0);
	ck_assert_uint_eq(v, 0x90B3D51F30010000ULL);
	solr_eui_format(v, s);
	ck_assert_str_eq(s, "90-B3-D5-1F-30-01-00-00");
	ck_assert_int_ne(solr_eui_parse("90-B3-D5-1F-30-01-00-0", 22, &v), 0);
	ck_assert_int_ne(solr_eui_parse("90:B3-D5-1F-30-01-00-00", 23, &v), 0);
	ck_assert_int_ne(solr_eui_parse("90-B3-D5-1F-30-01-00-0G", 23, &v), 0);
	ck_assert_int_ne(solr_eui_parse("90B3D51F30010000", 16, &v), 0);
	ck_assert_int_eq(solr_eui_parse_compact("00db1234567890A0", 16, &v), 0);
	ck_assert_uint_eq(v, 0x00DB1234567890A0ULL);
}
END_TEST

START_TEST(time_rfc3339)
{
	int64_t t;
	char s[SOLR_TIME_STRLEN];

	/* date -u -d 2026-03-02T10:15:00Z +%s */
	ck_assert_int_eq(solr_time_parse("2026-03-02T10:15:00Z", &t), 0);
	ck_assert_int_eq(t, 1772446500);
	ck_assert_int_eq(solr_time_parse("2026-03-02T11:15:00.25+01:00", &t),
	    0);
	ck_assert_int_eq(t, 1772446500);
	solr_time_format(t, s);
	ck_assert_str_eq(s, "2026-03-02T10:15:00Z");
	ck_assert_int_eq(solr_time_parse("2024-02-29T00:00:00Z", &t), 0);
	ck_assert_int_ne(solr_time_parse("2025-02-29T00:00:00Z", &t), 0);
	ck_assert_int_ne(solr_time_parse("2026-03-02 10:15:00Z", &t), 0);
	ck_assert_int_ne(solr_time_parse("2026-03-02T10:15:00", &t), 0);
	ck_assert_int_ne(solr_time_parse("2026-13-02T10:15:00Z", &t), 0);
	ck_assert_int_ne(solr_time_parse("2026-03-02T10:15:00Zjunk", &t), 0);
	solr_time_format(0, s);
	ck_assert_str_eq(s, "1970-01-01T00:00:00Z");
	solr_time_format(-1, s);
	ck_assert_str_eq(s, "1969-12-31T23:59:59Z");
}
END_TEST

START_TEST(sha256_known_answer)
{
	char hex[SOLR_SHA256_HEX];

	/* printf abc | openssl dgst -sha256 */
	ck_assert_int_eq(solr_sha256_hex("abc", 3, hex), 0);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a"
	    "9cb410ff61f20015ad");
	ck_assert(solr_is_sha256_hex(hex));
	hex[0] = 'B';
	ck_assert(!solr_is_sha256_hex(hex));
}
END_TEST

/* r||s from OpenSSL's DER signature. */
static void
der_to_rs(const unsigned char *der, size_t n, unsigned char rs[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)n);
	const BIGNUM *r, *s;

	ck_assert_ptr_nonnull(sig);
	ECDSA_SIG_get0(sig, &r, &s);
	ck_assert_int_eq(BN_bn2binpad(r, rs, 32), 32);
	ck_assert_int_eq(BN_bn2binpad(s, rs + 32, 32), 32);
	ECDSA_SIG_free(sig);
}

/* solr_ecdsa_verify and _sign (a digest made here, the key's own
 * context) against OpenSSL's digest-and-sign and digest-and-verify,
 * each way; a message changed, and a key that is not an EC key, fail. */
START_TEST(ecdsa_against_digest_api)
{
	static const unsigned char msg[] = "a Signed Pre-Command";
	unsigned char der[80], rs[64], again[64];
	size_t dl = sizeof(der), i;
	EVP_PKEY *k = EVP_EC_gen("P-256"), *rsa = EVP_RSA_gen(2048);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *sig;
	struct solr_err e;
	unsigned char *d2 = NULL;
	int n;

	ck_assert_ptr_nonnull(k);
	ck_assert_ptr_nonnull(rsa);
	ck_assert_int_eq(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k),
	    1);
	ck_assert_int_eq(EVP_DigestSign(md, der, &dl, msg, sizeof(msg)), 1);
	der_to_rs(der, dl, rs);
	ck_assert_msg(solr_ecdsa_verify(k, rs, msg, sizeof(msg), &e) == 0,
	    "%s", e.msg);
	for (i = 0; i < sizeof(msg); i += 7) {
		unsigned char m[sizeof(msg)];

		memcpy(m, msg, sizeof(m));
		m[i] ^= 1;
		ck_assert_int_eq(solr_ecdsa_verify(k, rs, m, sizeof(m), &e),
		    SOLR_ERR_VERIFY);
	}
	ck_assert_int_eq(solr_ecdsa_verify(rsa, rs, msg, sizeof(msg), &e),
	    SOLR_ERR_VERIFY);
	ck_assert_ptr_nonnull(strstr(e.msg, "not an EC key"));
	/* and ours, checked by OpenSSL's digest-and-verify */
	ck_assert_int_eq(solr_ecdsa_sign(k, msg, sizeof(msg), again, &e), 0);
	ck_assert_ptr_nonnull(sig = ECDSA_SIG_new());
	ck_assert_int_eq(ECDSA_SIG_set0(sig, BN_bin2bn(again, 32, NULL),
	    BN_bin2bn(again + 32, 32, NULL)), 1);
	ck_assert_int_gt(n = i2d_ECDSA_SIG(sig, &d2), 0);
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k),
	    1);
	ck_assert_int_eq(EVP_DigestVerify(md, d2, (size_t)n, msg,
	    sizeof(msg)), 1);
	OPENSSL_free(d2);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	EVP_PKEY_free(rsa);
}
END_TEST

START_TEST(parse_uint)
{
	uint64_t v;

	ck_assert_int_eq(solr_parse_uint("0x87", 0xff, &v), 0);
	ck_assert_uint_eq(v, 0x87);
	ck_assert_int_eq(solr_parse_uint("135", 0xff, &v), 0);
	ck_assert_uint_eq(v, 135);
	ck_assert_int_eq(solr_parse_uint("256", 0xff, &v), SOLR_ERR_LIMIT);
	ck_assert_int_eq(solr_parse_uint("1a", 0xff, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_uint("", 0xff, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_uint("18446744073709551616", UINT64_MAX,
	    &v), SOLR_ERR_LIMIT);
}
END_TEST

/* Fixed-width hex fields of our own files: every digit a hex digit,
 * nothing read past the width, nothing clamped. */
START_TEST(parse_hexn)
{
	uint64_t v;

	ck_assert_int_eq(solr_parse_hexn("00000000000001aF", 16, &v), 0);
	ck_assert_uint_eq(v, 0x1af);
	ck_assert_int_eq(solr_parse_hexn("ffffffffffffffff", 16, &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(solr_parse_hexn("0000003x", 8, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_hexn(" 0000003", 8, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_hexn("-0000003", 8, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_hexn("12", 1, &v), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(solr_parse_hexn("12", 0, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_hexn("00000000000000000", 17, &v),
	    SOLR_ERR_FORMAT);
}
END_TEST

/* Signed decimals: the whole string, in range, never clamped to the
 * type's end as strtoll does. */
START_TEST(parse_int)
{
	int64_t v;

	ck_assert_int_eq(solr_parse_int("-5", -10, 10, &v), 0);
	ck_assert_int_eq(v, -5);
	ck_assert_int_eq(solr_parse_int("+7", 0, 10, &v), 0);
	ck_assert_int_eq(v, 7);
	ck_assert_int_eq(solr_parse_int("11", 0, 10, &v), SOLR_ERR_LIMIT);
	ck_assert_int_eq(solr_parse_int("9223372036854775807", INT64_MIN,
	    INT64_MAX, &v), 0);
	ck_assert(v == INT64_MAX);
	ck_assert_int_eq(solr_parse_int("-9223372036854775808", INT64_MIN,
	    INT64_MAX, &v), 0);
	ck_assert(v == INT64_MIN);
	ck_assert_int_eq(solr_parse_int("9223372036854775808", INT64_MIN,
	    INT64_MAX, &v), SOLR_ERR_LIMIT);
	ck_assert_int_eq(solr_parse_int("-9223372036854775809", INT64_MIN,
	    INT64_MAX, &v), SOLR_ERR_LIMIT);
	ck_assert_int_eq(solr_parse_int("", 0, 10, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_int("-", 0, 10, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_int(" 5", 0, 10, &v), SOLR_ERR_FORMAT);
	ck_assert_int_eq(solr_parse_int("5x", 0, 10, &v), SOLR_ERR_FORMAT);
}
END_TEST

/* The one guard: each rule refuses, on the file and on a folder between
 * it and its root, and names what is wrong. */
static const struct {
	const char *setup;	/* sh, in the root R */
	const char *path;	/* checked, under R */
	int dir;
	const char *want;	/* in the message; NULL: passes */
} guard_rows[] = {
	{ "mkdir -p a && touch a/f && chmod 644 a/f", "a/f", 0, NULL },
	{ "mkdir -p a && touch a/f && chmod 664 a/f", "a/f", 0,
	    "mode 0664: group or others may write it" },
	{ "mkdir -p a && touch a/f && chmod 646 a/f", "a/f", 0,
	    "mode 0646: group or others may write it" },
	{ "mkdir -p a && chmod 777 a && touch a/f", "a/f", 0,
	    "/a: mode 0777: group or others may write it" },
	{ "mkdir -p a && touch a/f && ln -s f a/l", "a/l", 0,
	    "a symbolic link" },
	{ "mkdir -p b && ln -s b a", "a/x", 0, "a symbolic link" },
	{ "mkfifo p", "p", 0, "not a regular file" },
	{ "touch d", "d", 1, "not a directory" },
	{ "touch k.key && chmod 640 k.key", "k.key", 0,
	    "permissions 0640 are too open" },
	{ "touch k.key && chmod 600 k.key", "k.key", 0, NULL },
	{ "touch k.pem && chmod 640 k.pem", "k.pem", 0, NULL },
};

START_TEST(guard_rules)
{
	char root[] = "/tmp/check_guard.XXXXXX", cmd[512], path[512];
	char text[1400];
	struct solr_err e = { 0 };
	int r;

	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(cmd, sizeof(cmd), "cd %s && %s", root, guard_rows[_i].setup);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(solr_guard_root(root, &e), 0);
	snprintf(path, sizeof(path), "%s/%s", root, guard_rows[_i].path);
	r = solr_guard(path, guard_rows[_i].dir, &e);
	if (guard_rows[_i].want == NULL)
		ck_assert_msg(r == 0, "%s: %s", guard_rows[_i].setup, e.msg);
	else {
		ck_assert_msg(r != 0, "%s: passed", guard_rows[_i].setup);
		ck_assert_msg(strstr(solr_err_text(&e, text, sizeof(text)),
		    guard_rows[_i].want) != NULL, "%s: %s", guard_rows[_i].setup,
		    text);
		ck_assert_int_eq(r, SOLR_ERR_UNSAFE);
	}
	snprintf(cmd, sizeof(cmd), "chmod -R u+w %s; rm -rf %s", root, root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* On the descriptor used: a file opened refuses what fstat shows; owned
 * by another user (root only can make one). */
START_TEST(guard_open_and_owner)
{
	char root[] = "/tmp/check_guard.XXXXXX", path[512];
	struct solr_err e = { 0 };
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(solr_guard_root(root, &e), 0);
	snprintf(path, sizeof(path), "%s/f", root);
	ck_assert_int_ge(fd = solr_open_regular(path, O_RDWR | O_CREAT, 1, &e),
	    0);
	close(fd);
	ck_assert_int_eq(chmod(path, 0606), 0);
	ck_assert_int_lt(solr_open_regular(path, O_RDONLY, 1, &e), 0);
	ck_assert_int_eq(e.code, SOLR_ERR_UNSAFE);
	ck_assert_int_eq(chmod(path, 0644), 0);
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(path, 4242, 4242), 0);
		ck_assert_int_lt(solr_open_regular(path, O_RDONLY, 1, &e), 0);
		ck_assert_ptr_nonnull(strstr(e.msg, "owned by uid 4242"));
		ck_assert_int_eq(chown(path, 0, 0), 0);
		ck_assert_int_eq(chown(root, 4242, 4242), 0);
		ck_assert_int_eq(solr_guard_root(root, &e), SOLR_ERR_UNSAFE);
		ck_assert_int_eq(chown(root, 0, 0), 0);
	}
	ck_assert_int_ge(fd = solr_open_regular(path, O_RDONLY, 1, &e), 0);
	close(fd);
	unlink(path);
	rmdir(root);
}
END_TEST

/* A guarded file read whole: its bytes; the limit; and what is not a
 * regular file (a FIFO with no writer, a link) refused, never waited on. */
START_TEST(guard_read)
{
	char root[] = "/tmp/check_guard.XXXXXX", path[512], link[512];
	struct solr_buf b = { 0 };
	struct solr_err e = { 0 };

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(solr_guard_root(root, &e), 0);
	snprintf(path, sizeof(path), "%s/f.pem", root);
	put(path, "-----BEGIN CERTIFICATE-----\n");
	ck_assert_int_eq(solr_read_guarded(path, 100, &b, &e), 0);
	ck_assert_uint_eq(b.len, 28);
	ck_assert_int_eq(memcmp(b.p, "-----BEGIN CERTIFICATE-----\n", 28), 0);
	ck_assert_int_eq(solr_read_guarded(path, 27, &b, &e), SOLR_ERR_LIMIT);
	ck_assert_int_eq(solr_read_guarded(path, 28, &b, &e), 0);
	snprintf(link, sizeof(link), "%s/l.pem", root);
	ck_assert_int_eq(symlink(path, link), 0);
	ck_assert_int_eq(solr_read_guarded(link, 100, &b, &e),
	    SOLR_ERR_UNSAFE);
	ck_assert_ptr_nonnull(strstr(e.msg, "symbolic link"));
	unlink(link);
	ck_assert_int_eq(mkfifo(link, 0644), 0);
	ck_assert_int_eq(solr_read_guarded(link, 100, &b, &e),
	    SOLR_ERR_UNSAFE);
	ck_assert_ptr_nonnull(strstr(e.msg, "not a regular file"));
	unlink(link);
	ck_assert_int_ne(solr_read_guarded(link, 100, &b, &e), 0);
	ck_assert_int_eq(errno, ENOENT);
	solr_buf_free(&b);
	unlink(path);
	rmdir(root);
}
END_TEST

/* A program outside every root: checked from / down; a sticky,
 * world-writable folder such as /tmp is refused. */
START_TEST(guard_exec)
{
	char dir[] = "/tmp/check_guard.XXXXXX", path[512], real[4096];
	struct solr_err e = { 0 };
	FILE *f;

	ck_assert_msg(solr_guard_exec("/bin/sh", real, sizeof(real), &e) == 0,
	    "%s: %s", e.file, e.msg);
	ck_assert_int_eq(real[0], '/');
	ck_assert_int_ne(solr_guard_exec("sh", real, sizeof(real), &e), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/scan", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	ck_assert_int_eq(chmod(path, 0755), 0);
	ck_assert_int_eq(solr_guard_exec(path, real, sizeof(real), &e),
	    SOLR_ERR_UNSAFE);
	ck_assert_ptr_nonnull(strstr(e.file, "/tmp"));
	unlink(path);
	rmdir(dir);
}
END_TEST

Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = unit_tcase("core", 60);

	tcase_add_test(tc, read_file_limits);
	tcase_add_test(tc, b64_tolerates_java_line_breaks);
	tcase_add_test(tc, b64_padding);
	tcase_add_loop_test(tc, b64_rejects, 0,
	    sizeof(bad_b64) / sizeof(bad_b64[0]));
	tcase_add_test(tc, b64_limit_and_roundtrip);
	tcase_add_test(tc, eui_forms);
	tcase_add_test(tc, time_rfc3339);
	tcase_add_test(tc, sha256_known_answer);
	tcase_add_test(tc, parse_uint);
	tcase_add_test(tc, ecdsa_against_digest_api);
	tcase_add_test(tc, parse_int);
	tcase_add_test(tc, parse_hexn);
	tcase_add_loop_test(tc, guard_rules, 0, sizeof(guard_rows) /
	    sizeof(guard_rows[0]));
	tcase_add_test(tc, guard_open_and_owner);
	tcase_add_test(tc, guard_read);
	tcase_add_test(tc, guard_exec);
	suite_add_tcase(s, tc);
	return s;
}
