#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "base/crypto.h"
#include "gbcs/command.h"

int
gbcs_verify_signature(const struct gbcs_apdu *a, EVP_PKEY *key,
    struct solr_err *e)
{
	if (!a->has_signature)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the message is not "
		    "signed");
	/* the signature covers everything after the tag up to the end of
	 * the content */
	return solr_ecdsa_verify(key, a->signature, a->buf + 1,
	    a->content_off + a->content_len - 1, e);
}

static int
put_len(struct solr_buf *b, size_t n)
{
	unsigned char l[3];

	if (n < 0x80) {
		l[0] = (unsigned char)n;
		return solr_buf_add(b, l, 1);
	}
	if (n < 0x100) {
		l[0] = 0x81;
		l[1] = (unsigned char)n;
		return solr_buf_add(b, l, 2);
	}
	l[0] = 0x82;
	l[1] = (unsigned char)(n >> 8);
	l[2] = (unsigned char)n;
	return solr_buf_add(b, l, 3);
}

static void
be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

int
gbcs_command(const struct gbcs_apdu *a, struct solr_ka *acb,
    EVP_PKEY *device, struct solr_buf *out, struct solr_err *e)
{
	static const unsigned char alg[7] = { 0x60, 0x85, 0x74, 0x06, 0x08,
	    0x03, 0x00 };
	static const unsigned char hdr[7] = { 0xDD, 0, 0, 0, 0, 0, 0 };
	static const unsigned char sec[5] = { 0x11, 0, 0, 0, 0 };
	static const unsigned char aadpfx[6] = { 0x11, 0, 0, 0, 0, 0 };
	unsigned char z[32], kdf[4 + 32 + 33], md[32], iv[12], tag[16];
	EVP_CIPHER_CTX *cc = NULL;
	int outl, ret = SOLR_ERR_INTERNAL;

	out->len = 0;
	if (a->len > 65535 - 5 - 12)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the APDU is too long "
		    "to wrap");
	if (solr_ka_derive(acb, device, z) != 0)
		goto out;
	/* SP 800-56A concatenation KDF, one round of SHA-256 */
	memcpy(kdf, "\x00\x00\x00\x01", 4);
	memcpy(kdf + 4, z, 32);
	memcpy(kdf + 36, alg, 7);
	be64(kdf + 43, a->originator);
	kdf[51] = 0x09;
	kdf[52] = (unsigned char)a->cra;
	be64(kdf + 53, a->counter);
	be64(kdf + 61, a->recipient);
	if (solr_sha256(kdf, sizeof(kdf), md) != 0)
		goto out;
	be64(iv, a->originator);
	memset(iv + 8, 0, 4);
	if ((cc = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(cc, EVP_aes_128_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) != 1 ||
	    EVP_EncryptInit_ex(cc, NULL, NULL, md, iv) != 1 ||
	    EVP_EncryptUpdate(cc, NULL, &outl, aadpfx, 6) != 1 ||
	    EVP_EncryptUpdate(cc, NULL, &outl, a->buf, (int)a->len) != 1 ||
	    EVP_EncryptFinal_ex(cc, tag, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(cc, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1)
		goto out;
	if (solr_buf_add(out, hdr, 7) != 0 ||
	    put_len(out, 5 + a->len + 12) != 0 ||
	    solr_buf_add(out, sec, 5) != 0 ||
	    solr_buf_add(out, a->buf, a->len) != 0 ||
	    solr_buf_add(out, tag, 12) != 0) {
		ret = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	ret = 0;
out:
	if (ret == SOLR_ERR_INTERNAL)
		solr_seterr(e, ret, "the key agreement or GMAC failed");
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(kdf, sizeof(kdf));
	OPENSSL_cleanse(md, sizeof(md));
	ERR_clear_error();
	EVP_CIPHER_CTX_free(cc);
	return ret;
}

int
gbcs_command_mac(const struct gbcs_command *c, struct solr_ka *acb,
    EVP_PKEY *device, struct solr_err *e)
{
	struct solr_buf out = { 0 };
	int r;

	/* the Command made again from its APDU: the same bytes, MAC and
	 * all, or not ours */
	if ((r = gbcs_command(&c->apdu, acb, device, &out, e)) != 0)
		return r;
	r = out.len != c->len || CRYPTO_memcmp(out.p, c->buf, c->len) ?
	    solr_seterr(e, SOLR_ERR_VERIFY, "the Command's MAC does not "
	    "verify: it is not the ACB's, for this device") : 0;
	solr_buf_free(&out);
	return r;
}

int
gbcs_alert_mac(const struct gbcs_alert *al, struct solr_ka *recipient,
    EVP_PKEY *device, struct solr_err *e)
{
	struct solr_buf out = { 0 };
	int r;

	/* the same construction as a Command's, from the other side */
	if ((r = gbcs_command(&al->apdu, recipient, device, &out, e)) != 0)
		return r;
	r = out.len < 12 || CRYPTO_memcmp(out.p + out.len - 12, al->mac, 12) ?
	    solr_seterr(e, SOLR_ERR_VERIFY, "the alert's MAC does not verify") :
	    0;
	solr_buf_free(&out);
	return r;
}
