#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include "base/cert.h"
#include "base/util.h"

int
solr_asn1_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return SOLR_ERR_FORMAT;
	*out = solr_time_from_civil(tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

void
solr_name_format(const X509_NAME *n, char *out, size_t cap)
{
	BIO *b;
	int len;

	out[0] = '\0';
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)
	    >= 0) {
		len = BIO_read(b, out, (int)cap - 1);
		out[len > 0 ? len : 0] = '\0';
	}
	BIO_free(b);
}

static int
is_p256(EVP_PKEY *pk)
{
	char curve[64];
	size_t len = 0;

	if (pk == NULL || !EVP_PKEY_is_a(pk, "EC"))
		return 0;
	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
	    curve, sizeof(curve), &len))
		return 0;
	return strcmp(curve, "prime256v1") == 0 ||
	    strcmp(curve, "P-256") == 0;
}

static int
hex2(const char *s, int *v)
{
	uint64_t u;

	if (strlen(s) != 2 || solr_parse_uint((char[]){ '0', 'x', s[0], s[1],
	    '\0' }, 0xff, &u) != 0)
		return -1;
	*v = (int)u;
	return 0;
}

int
solr_cert_from_x509(X509 *x, const char *file, struct solr_cert **out,
    struct solr_err *e)
{
	struct solr_cert *c;
	const X509_NAME *subj;
	const X509_NAME_ENTRY *ent;
	const ASN1_STRING *d;
	BIGNUM *bn = NULL;
	char *dec = NULL;
	int i;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	if ((c->file = strdup(file)) == NULL || !X509_up_ref(x)) {
		free(c->file);
		free(c);
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	c->x = x;
	c->role = -1;
	subj = X509_get_subject_name(x);
	if ((i = X509_NAME_get_index_by_NID(subj, NID_organizationalUnitName,
	    -1)) >= 0 &&
	    X509_NAME_get_index_by_NID(subj, NID_organizationalUnitName, i) < 0) {
		ent = X509_NAME_get_entry(subj, i);
		d = X509_NAME_ENTRY_get_data(ent);
		if (d->length > 0 && (size_t)d->length < sizeof(c->ou)) {
			memcpy(c->ou, d->data, (size_t)d->length);
			c->ou[d->length] = '\0';
			if (strlen(c->ou) == 2 && hex2(c->ou, &c->role) != 0)
				c->role = -1;
			else if (strlen(c->ou) != 2)
				c->role = -1;
		}
	}
	/* x500UniqueIdentifier: BIT STRING of exactly 64 bits, the EUI-64 */
	if ((i = X509_NAME_get_index_by_NID(subj, NID_x500UniqueIdentifier,
	    -1)) >= 0) {
		ent = X509_NAME_get_entry(subj, i);
		d = X509_NAME_ENTRY_get_data(ent);
		if (ASN1_STRING_type(d) == V_ASN1_BIT_STRING &&
		    d->length == 8 &&
		    (!(d->flags & ASN1_STRING_FLAG_BITS_LEFT) ||
		    (d->flags & 0x07) == 0)) {
			int k;

			for (k = 0; k < 8; k++)
				c->eui = c->eui << 8 | d->data[k];
			c->has_eui = 1;
		}
	}
	c->key_usage = X509_get_key_usage(x);
	c->is_p256 = is_p256(X509_get0_pubkey(x));
	if (solr_asn1_time(X509_get0_notBefore(x), &c->not_before) != 0 ||
	    solr_asn1_time(X509_get0_notAfter(x), &c->not_after) != 0) {
		solr_cert_free(c);
		return solr_seterr_at(e, SOLR_ERR_CONFIG, file, 0,
		    "certificate validity dates cannot be read");
	}
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL)) ==
	    NULL || (dec = BN_bn2dec(bn)) == NULL ||
	    strlen(dec) >= sizeof(c->serial)) {
		BN_free(bn);
		OPENSSL_free(dec);
		solr_cert_free(c);
		return solr_seterr_at(e, SOLR_ERR_CONFIG, file, 0,
		    "certificate serial number cannot be read");
	}
	snprintf(c->serial, sizeof(c->serial), "%s", dec);
	BN_free(bn);
	OPENSSL_free(dec);
	solr_name_format(X509_get_issuer_name(x), c->issuer,
	    sizeof(c->issuer));
	*out = c;
	return 0;
}

void
solr_cert_free(struct solr_cert *c)
{
	if (c == NULL)
		return;
	X509_free(c->x);
	sk_X509_pop_free(c->chain_cas, X509_free);
	free(c->file);
	free(c);
}

/* RFC 4514 names: RDNs separated by ',' (or ';'), AVAs by '+', values
 * with backslash escapes (\, \+ \" \\ and \XX); white space around
 * separators is ignored; the first RDN written is the last in DER. */

struct ava {
	char type[64];
	char value[256];
	size_t vlen;
	int multi;	/* joined to the previous AVA with '+' */
};

/* The value of one AVA, up to the next separator: escapes decoded,
 * unescaped trailing spaces dropped.  SOLR_ERR_FORMAT when it is
 * malformed. */
static int
ava_value(const char **pp, struct ava *a)
{
	const char *p = *pp;
	size_t trail = 0;
	int c, h1, h2;

	for (; *p && *p != ',' && *p != ';' && *p != '+'; p++) {
		c = (unsigned char)*p;
		if (c == '\\') {
			p++;
			if ((h1 = solr_hexval(p[0])) >= 0 && p[1] &&
			    (h2 = solr_hexval(p[1])) >= 0) {
				c = h1 << 4 | h2;
				p++;
			} else if (*p && strchr(",+\"\\<>;=# ", *p))
				c = (unsigned char)*p;
			else
				return SOLR_ERR_FORMAT;
			trail = 0;
		} else if (c == '"')
			return SOLR_ERR_FORMAT;
		else if (c == ' ')
			trail++;
		else
			trail = 0;
		if (a->vlen + 1 >= sizeof(a->value))
			return SOLR_ERR_FORMAT;
		a->value[a->vlen++] = (char)c;
	}
	a->vlen -= trail;
	*pp = p;
	return a->vlen == 0 ? SOLR_ERR_FORMAT : 0;
}

/* One "type=value": 0, or SOLR_ERR_FORMAT when it is malformed; *hex
 * says the value is hex-encoded (and was not read). */
static int
ava_parse(const char **pp, struct ava *a, int *hex)
{
	const char *p = *pp;
	size_t tl;

	*hex = 0;

	while (*p == ' ')
		p++;
	/* attribute keywords are case-insensitive (RFC 4514) */
	for (tl = 0; *p && *p != '=' && *p != ' '; p++) {
		if (tl + 1 >= sizeof(a->type))
			return SOLR_ERR_FORMAT;
		a->type[tl++] = (char)toupper((unsigned char)*p);
	}
	while (*p == ' ')
		p++;
	if (*p != '=' || tl == 0)
		return SOLR_ERR_FORMAT;
	for (p++; *p == ' '; p++)
		;
	if (*p == '#') {
		*hex = 1;
		return 0;
	}
	*pp = p;
	return ava_value(pp, a);
}

/* The AVAs as an X509_NAME: the RDNs from the last written to the
 * first; inside an RDN the AVAs keep their order. */
static X509_NAME *
name_of(const char *s, const struct ava *avas, size_t na, struct solr_err *e)
{
	X509_NAME *name = X509_NAME_new();
	ASN1_OBJECT *obj;
	size_t i = na, start, k;
	int ok;

	if (name == NULL) {
		solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		return NULL;
	}
	while (i > 0) {
		for (start = i - 1; start > 0 && avas[start].multi; start--)
			;
		for (k = start; k < i; k++) {
			if ((obj = OBJ_txt2obj(avas[k].type, 0)) == NULL) {
				solr_seterr(e, SOLR_ERR_FORMAT, "issuer name "
				    "'%s': unknown attribute type '%s'", s,
				    avas[k].type);
				goto fail;
			}
			ok = X509_NAME_add_entry_by_OBJ(name, obj, MBSTRING_UTF8,
			    (const unsigned char *)avas[k].value,
			    (int)avas[k].vlen, -1, k == start ? 0 : -1);
			ASN1_OBJECT_free(obj);
			if (!ok) {
				solr_seterr(e, SOLR_ERR_FORMAT, "issuer name "
				    "'%s': attribute %s has an invalid value",
				    s, avas[k].type);
				goto fail;
			}
		}
		i = start;
	}
	return name;
fail:
	X509_NAME_free(name);
	ERR_clear_error();
	return NULL;
}

X509_NAME *
solr_name_parse(const char *s, struct solr_err *e)
{
	struct ava avas[16];
	size_t na = 0;
	const char *p = s;
	int multi = 0, hex, r;

	for (;;) {
		if (na == sizeof(avas) / sizeof(avas[0])) {
			solr_seterr(e, SOLR_ERR_LIMIT,
			    "issuer name has more than 16 attributes");
			return NULL;
		}
		memset(&avas[na], 0, sizeof(avas[na]));
		avas[na].multi = multi;
		if ((r = ava_parse(&p, &avas[na], &hex)) == 0 && hex) {
			solr_seterr(e, SOLR_ERR_FORMAT, "issuer name '%s': "
			    "hex-encoded attribute values are not supported",
			    s);
			return NULL;
		}
		if (r != 0) {
			solr_seterr(e, SOLR_ERR_FORMAT, "issuer name '%.200s' is "
			    "not an RFC 4514 distinguished name", s);
			return NULL;
		}
		na++;
		if (*p == '\0')
			break;
		multi = *p++ == '+';
	}
	return name_of(s, avas, na, e);
}
