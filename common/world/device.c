/* The device store: pki/device, a device's certificates and its type. */
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/crypto.h"
#include "base/layout.h"
#include "world/device.h"
#include "base/util.h"

/* The EUI in a device certificate's hardwareModuleName. */
static int
device_eui(X509 *x, uint64_t *eui)
{
	GENERAL_NAMES *gns = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL);
	ASN1_OBJECT *hmn = OBJ_txt2obj("1.3.6.1.5.5.7.8.4", 1);
	int i, found = 0;

	for (i = 0; gns && hmn && i < sk_GENERAL_NAME_num(gns) && !found;
	    i++) {
		GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, i);
		const unsigned char *p, *end;
		size_t k;

		if (gn->type != GEN_OTHERNAME ||
		    OBJ_cmp(gn->d.otherName->type_id, hmn) != 0 ||
		    gn->d.otherName->value->type != V_ASN1_SEQUENCE)
			continue;
		/* SEQUENCE { OID hwType, OCTET STRING hwSerialNum (8) } */
		p = gn->d.otherName->value->value.sequence->data;
		end = p + gn->d.otherName->value->value.sequence->length;
		if (end - p < 2 || p[0] != 0x30 || p[1] != end - p - 2)
			continue;
		p += 2;
		if (end - p < 2 || p[0] != 0x06 || p[1] > end - p - 2)
			continue;
		p += 2 + p[1];
		if (end - p != 10 || p[0] != 0x04 || p[1] != 8)
			continue;
		for (*eui = 0, k = 0; k < 8; k++)
			*eui = *eui << 8 | p[2 + k];
		found = 1;
	}
	GENERAL_NAMES_free(gns);
	ASN1_OBJECT_free(hmn);
	ERR_clear_error();
	return found ? 0 : -1;
}

/* A device's certificate, read and checked once for as long as its file
 * stays the same (the same inode, size and modification time); what
 * depends on the time of use is checked at every use. */
#define DEVCACHE 64

struct devcache_ent {
	char path[PATH_MAX];
	struct stat st;
	struct solr_cert *c;	/* NULL: empty */
};

/* and the world's private keys (the ACB's, a recipient's key-agreement
 * key), decoded once while their file stays the same */
#define KEYCACHE 16

struct keycache_ent {
	char path[PATH_MAX];
	struct stat st;
	EVP_PKEY *k;		/* NULL: empty */
};

struct solr_devcache {
	struct devcache_ent ent[DEVCACHE];
	unsigned next;
	struct keycache_ent key[KEYCACHE];
	unsigned knext;
};

static void
devcache_free(struct solr_devcache *dc)
{
	size_t i;

	if (dc == NULL)
		return;
	for (i = 0; i < DEVCACHE; i++)
		solr_cert_free(dc->ent[i].c);
	for (i = 0; i < KEYCACHE; i++)
		EVP_PKEY_free(dc->key[i].k);
	free(dc);
}

static struct solr_devcache *
devcache_of(struct solr_world *w)
{
	if (w->devcache == NULL &&
	    (w->devcache = calloc(1, sizeof(*w->devcache))) != NULL)
		w->devcache_free = devcache_free;
	return w->devcache;
}

static int
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	    a->st_size == b->st_size && a->st_mtim.tv_sec ==
	    b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec ==
	    b->st_ctim.tv_nsec;
}

/* The certificate in path, read and checked for the device and use. */
static int
read_device_cert(const char *path, const char *hex, uint64_t eui,
    const char *use, struct stat *st, struct solr_cert **out,
    struct solr_err *e)
{
	uint64_t got = 0;
	FILE *f;
	X509 *x;
	int r;

	if ((f = fopen(path, "r")) == NULL)
		return solr_seterr(e, SOLR_ERR_VERIFY, "there is no device "
		    "certificate pki/device/%s.%s.pem", hex, use);
	if (fstat(fileno(f), st) != 0)
		memset(st, 0, sizeof(*st));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (x == NULL)
		return solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0,
		    "not a PEM certificate");
	if (device_eui(x, &got) != 0 || got != eui)
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "certificate's hardwareModuleName is not the device %s", hex);
	else if (!(X509_get_key_usage(x) & (strcmp(use, "ka") == 0 ?
	    KU_KEY_AGREEMENT : KU_DIGITAL_SIGNATURE)))
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "certificate lacks the %s key usage", strcmp(use, "ka") ==
		    0 ? "keyAgreement" : "digitalSignature");
	else if ((r = solr_cert_from_x509(x, path, out, e)) == 0 &&
	    !(*out)->is_p256) {
		solr_cert_free(*out);
		*out = NULL;
		r = solr_seterr_at(e, SOLR_ERR_VERIFY, path, 0, "the "
		    "certificate does not hold a P-256 key");
	}
	X509_free(x);
	return r;
}

int
world_device_cert(struct solr_world *w, uint64_t eui, const char *use,
    int64_t at, X509 **out, struct solr_err *e)
{
	char path[PATH_MAX], hex[17], what[16];
	struct devcache_ent *ce = NULL;
	struct solr_cert *c = NULL;
	struct stat st;
	size_t i;
	int r;

	*out = NULL;
	snprintf(hex, sizeof(hex), "%016llX", (unsigned long long)eui);
	snprintf(what, sizeof(what), "%s.pem", use);
	world_device_path(path, sizeof(path), w->dir, eui, what);
	devcache_of(w);
	for (i = 0; w->devcache && i < DEVCACHE; i++)
		if (w->devcache->ent[i].c != NULL &&
		    strcmp(w->devcache->ent[i].path, path) == 0) {
			ce = &w->devcache->ent[i];
			break;
		}
	if (ce != NULL && stat(path, &st) == 0 && same_file(&st, &ce->st))
		c = ce->c;
	else {
		if (ce != NULL) {
			solr_cert_free(ce->c);
			ce->c = NULL;
		}
		if ((r = read_device_cert(path, hex, eui, use, &st, &c, e))
		    != 0)
			return r;
		if (w->devcache != NULL) {
			ce = &w->devcache->ent[w->devcache->next++ % DEVCACHE];
			solr_cert_free(ce->c);
			snprintf(ce->path, sizeof(ce->path), "%s", path);
			ce->st = st;
			ce->c = c;
		}
	}
	/* validity, revocation and the chain at the time of use */
	r = world_check_cert(w, c, at, e);
	if (r == 0 && X509_up_ref(c->x))
		*out = c->x;
	else if (r == 0)
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if (w->devcache == NULL || ce == NULL || ce->c != c)
		solr_cert_free(c);
	return r;
}

int
world_device_type(const struct solr_world *w, uint64_t eui, char *out,
    size_t cap, struct solr_err *e)
{
	char path[PATH_MAX];
	size_t n;
	FILE *f;

	world_device_path(path, sizeof(path), w->dir, eui, "type");
	if ((f = fopen(path, "r")) == NULL) {
		char d[SOLR_EUI_STRLEN];

		solr_eui_format(eui, d);
		return solr_seterr(e, SOLR_ERR_NOTFOUND, "the device store "
		    "gives no type for %s (pki/device/%016llX.type)", d,
		    (unsigned long long)eui);
	}
	n = fread(out, 1, cap - 1, f);
	fclose(f);
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' ||
	    out[n - 1] == ' '))
		out[--n] = '\0';
	if (n == 0)
		return solr_seterr_at(e, SOLR_ERR_NOTFOUND, path, 0, "empty");
	return 0;
}

int
world_private_key(struct solr_world *w, const char *path, EVP_PKEY **out,
    struct solr_err *e)
{
	struct solr_devcache *dc = devcache_of(w);
	struct keycache_ent *ke = NULL;
	struct stat st;
	EVP_PKEY *k;
	size_t i;
	int r;

	*out = NULL;
	for (i = 0; dc != NULL && i < KEYCACHE; i++)
		if (dc->key[i].k != NULL && strcmp(dc->key[i].path, path) == 0)
			ke = &dc->key[i];
	/* the file's identity, checked on every use: a key replaced is
	 * read again, never trusted past its change */
	if (ke != NULL && stat(path, &st) == 0 && same_file(&st, &ke->st))
		k = ke->k;
	else {
		if (stat(path, &st) != 0)
			memset(&st, 0, sizeof(st));
		if ((r = solr_load_private_key(path, &k, e)) != 0)
			return r;
		if (dc != NULL) {
			if (ke == NULL)
				ke = &dc->key[dc->knext++ % KEYCACHE];
			EVP_PKEY_free(ke->k);
			snprintf(ke->path, sizeof(ke->path), "%s", path);
			ke->st = st;
			ke->k = k;
		}
	}
	if (dc != NULL && !EVP_PKEY_up_ref(k))
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	*out = k;
	return 0;
}
