#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/crypto.h"
#include "base/layout.h"
#include "base/util.h"
#include "store/statehead.h"

#define HEAD_MAX 512

static int
head_text(const unsigned char key[32], const char *name,
    const struct state_head *h, char *out, size_t cap)
{
	unsigned char mac[32];
	char d[65], t[65], m[65];
	int len;

	solr_hex(h->digest, 32, d);
	solr_hex(h->tail, 32, t);
	len = snprintf(out, cap, "solr-state-head 1\npiece: %s\nsize: %llu\n"
	    "digest: %s\ntail: %s\n", name, (unsigned long long)h->size, d, t);
	if (len < 0 || (size_t)len >= cap || solr_hmac(key, out, (size_t)len,
	    mac) != 0)
		return -1;
	solr_hex(mac, 32, m);
	return snprintf(out + len, cap - (size_t)len, "mac: %s\n", m) ==
	    5 + 64 + 1 ? 0 : -1;
}

int
state_head_read(const unsigned char key[32], const char *path,
    const char *name, struct state_head *h, int *have, struct solr_err *e)
{
	char want[HEAD_MAX], d[65], t[65];
	unsigned long long size = 0;
	struct solr_buf b = { 0 };
	size_t l1 = 0, l2 = 0;
	int r;

	*have = 0;
	if ((r = solr_read_guarded(path, HEAD_MAX, &b, e)) != 0) {
		solr_buf_free(&b);
		return errno == ENOENT && r == SOLR_ERR_IO ? 0 : r;
	}
	r = solr_buf_addc(&b, '\0') != 0 || sscanf((const char *)b.p,
	    "solr-state-head 1\npiece: %*s\nsize: %llu\ndigest: %64[0-9a-f]\n"
	    "tail: %64[0-9a-f]\n", &size, d, t) != 3 || solr_unhex(d, 64,
	    h->digest, 32, &l1) != 0 || solr_unhex(t, 64, h->tail, 32, &l2) !=
	    0 || l1 != 32 || l2 != 32;
	h->size = size;
	r = r || head_text(key, name, h, want, sizeof(want)) != 0 ||
	    strlen(want) != b.len - 1 || CRYPTO_memcmp(want, b.p, b.len - 1)
	    != 0;
	solr_buf_free(&b);
	if (r)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "not this "
		    "world's record of %s (its MAC does not hold); refused "
		    "(solr-world(5), SECURITY)", name);
	*have = 1;
	return 0;
}

int
state_head_write(const unsigned char key[32], const char *path,
    const char *name, const struct state_head *h, struct solr_err *e)
{
	char text[HEAD_MAX];

	if (head_text(key, name, h, text, sizeof(text)) != 0)
		return solr_seterr(e, SOLR_ERR_INTERNAL, "HMAC-SHA-256 is not "
		    "available");
	return solr_write_atomic(path, text, strlen(text), 1, e);
}

int
state_digest_item(const unsigned char key[32], uint64_t where,
    const void *p, size_t n, unsigned char digest[32])
{
	unsigned char m[8 + 8 + 32], mac[32];
	size_t i;

	/* its place, its length and its bytes' hash: a line never stands
	 * for another at another offset */
	solr_put_le64(m, where);
	solr_put_le64(m + 8, n);
	if (solr_sha256(p, n, m + 16) != 0 || solr_hmac(key, m, sizeof(m),
	    mac) != 0)
		return -1;
	for (i = 0; i < 32; i++)
		digest[i] ^= mac[i];
	return 0;
}

const char *const state_ledgers[] = {
	"countersign", "countersign-requests", "adt-requests", NULL
};

/* The file at path (world-relative name rel) into the hash: its name,
 * its length and its bytes, or its name and "-" when there is none. */
static int
hash_file(EVP_MD_CTX *md, const char *path, const char *rel,
    struct solr_err *e)
{
	struct solr_buf b = { 0 };
	char len[32];
	int r;

	if ((r = solr_read_guarded(path, 64u << 20, &b, e)) != 0 &&
	    (errno != ENOENT || r != SOLR_ERR_IO)) {
		solr_buf_free(&b);
		return r;
	}
	snprintf(len, sizeof(len), r ? "\n-\n" : "\n%zu\n", b.len);
	r = !EVP_DigestUpdate(md, rel, strlen(rel) + 1) ||
	    !EVP_DigestUpdate(md, len, strlen(len)) || (b.len &&
	    !EVP_DigestUpdate(md, b.p, b.len));
	solr_buf_free(&b);
	return r ? solr_seterr(e, SOLR_ERR_INTERNAL, "SHA-256 is not "
	    "available") : 0;
}

static int
suffix_is(const struct dirent *d, const char *suffix)
{
	size_t n = strlen(d->d_name), k = strlen(suffix);

	return d->d_name[0] != '.' && n > k && strcmp(d->d_name + n - k,
	    suffix) == 0 && strstr(d->d_name, ".tmp") == NULL;
}

/* a trail's head (named by its id), its .place and .retired */
static int
is_head_record(const struct dirent *d)
{
	return d->d_name[0] != '.' && strstr(d->d_name, ".tmp") == NULL;
}

static int
is_accepted(const struct dirent *d)
{
	return suffix_is(d, ".accepted");
}

/* Every file of a folder that sel takes, in the order of their names. */
static int
hash_folder(EVP_MD_CTX *md, const char *world, const char *folder,
    int (*sel)(const struct dirent *), struct solr_err *e)
{
	char path[PATH_MAX], rel[PATH_MAX];
	struct dirent **list = NULL;
	int n, i, r = 0;

	snprintf(path, sizeof(path), "%s/%s", world, folder);
	if ((n = scandir(path, &list, sel, alphasort)) < 0)
		return errno == ENOENT ? 0 : solr_seterr_at(e, SOLR_ERR_IO,
		    path, 0, "%s", strerror(errno));
	for (i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), "%s/%s", folder, list[i]->d_name);
		snprintf(path, sizeof(path), "%s/%s", world, rel);
		if (r == 0)
			r = hash_file(md, path, rel, e);
		free(list[i]);
	}
	free(list);
	return r;
}

int
state_world_head(const char *world, char out[65], struct solr_err *e)
{
	static const enum world_file files[] = {
		WF_ADT_COUNTERS_HEAD, WF_INVENTORY_HEAD, WF_FS_HISTORY,
	};
	unsigned char d[32];
	char path[PATH_MAX], rel[PATH_MAX];
	unsigned int len = 0;
	EVP_MD_CTX *md;
	size_t i;
	int r = 0;

	if ((md = EVP_MD_CTX_new()) == NULL || !EVP_DigestInit_ex(md,
	    EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return solr_seterr(e, SOLR_ERR_INTERNAL, "SHA-256 is not "
		    "available");
	}
	for (i = 0; r == 0 && state_ledgers[i] != NULL; i++) {
		snprintf(rel, sizeof(rel), "state/%s-head", state_ledgers[i]);
		world_state_path(path, sizeof(path), world, state_ledgers[i],
		    "-head");
		r = hash_file(md, path, rel, e);
	}
	for (i = 0; r == 0 && i < sizeof(files) / sizeof(files[0]); i++) {
		world_path(path, sizeof(path), world, files[i]);
		r = hash_file(md, path, world_layout[files[i]].path, e);
	}
	if (r == 0)
		r = hash_folder(md, world, world_layout[WF_SAT_HEADS].path,
		    is_head_record, e);
	if (r == 0)
		r = hash_folder(md, world, world_layout[WF_ADT].path,
		    is_accepted, e);
	if (r == 0 && (!EVP_DigestFinal_ex(md, d, &len) || len != 32))
		r = solr_seterr(e, SOLR_ERR_INTERNAL, "SHA-256 is not "
		    "available");
	EVP_MD_CTX_free(md);
	if (r == 0)
		solr_hex(d, 32, out);
	return r;
}
