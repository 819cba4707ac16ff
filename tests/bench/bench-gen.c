/*
 * bench-gen [--smets1] WORLD TEMPLATES N OUT [DEVICES]: N distinct
 * requests for the benchmark, in the mix of the demo batch (with
 * --smets1, its SMETS1 requests only, in their order in the mix), and
 * the devices they need in pki/device (certificates and types, for the
 * inventory's import).
 * bench-gen --large WORLD SPC.HEX N OUT: N Signed Pre-Commands as hex,
 * each SPC.HEX (a large ECS08a) with its own counter, signed again with
 * the failed supplier's key.  Each is a template from mk-requests with its own counter and
 * target device, its GBCS signed again with the failed supplier's key and
 * its XML signed again with the SRP's.  The signing here is the library's
 * own: these requests measure speed; correctness is tested on the data
 * scripts/ makes with openssl and xmlsec1.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "base/cert.h"
#include "base/crypto.h"
#include "gbcs/gbcs.h"
#include "base/util.h"
#include "duis/xmlsig.h"
#include "../../scripts/device-cert.h"

static const struct {
	const char *file;
	int spc;
} mix[10] = {
	{ "srp-elec-cv5.xml", 1 }, { "srp-elec-cv5.xml", 1 },
	{ "srp-gas-cv5.xml", 1 }, { "srp-elec-cv5.xml", 1 },
	{ "srp-elec-cv4.xml", 0 }, { "srp-gas-cv5.xml", 1 },
	{ "srp-elec-cv5.xml", 1 }, { "srp-gas-cv4.xml", 0 },
	{ "srp-elec-cv4.xml", 0 }, { "srp-elec-unsafe-cv5.xml", 1 },
};

static void
die(const char *what, const struct solr_err *e)
{
	fprintf(stderr, "bench-gen: %s: %s\n", what, e ? e->msg : "failed");
	exit(2);
}

static EVP_PKEY *
key(const char *path)
{
	EVP_PKEY *k;
	struct solr_err e;

	if (solr_load_private_key(path, &k, &e) != 0)
		die(path, &e);
	return k;
}

static X509 *
cert(const char *path)
{
	FILE *f = fopen(path, "r");
	X509 *x = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	if (x == NULL)
		die(path, NULL);
	return x;
}

static xmlNodePtr
find(xmlNodePtr n, const char *name)
{
	xmlNodePtr c, r;

	for (; n; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return n;
		if ((c = n->children) && (r = find(c, name)))
			return r;
	}
	return NULL;
}

static void
be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* A device key-agreement certificate of the benchmark's device CA. */
static void
device_cert(const char *world, uint64_t eui, X509 *ca, EVP_PKEY *cakey,
    const char *type)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pki/device/%016llX.ka.pem", world,
	    (unsigned long long)eui);
	if (device_cert_write(path, eui, ca, cakey) != 0)
		die(path, NULL);
	snprintf(path, sizeof(path), "%s/pki/device/%016llX.type", world,
	    (unsigned long long)eui);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "%s\n", type) < 0)
		die(path, NULL);
	fclose(f);
}

/* A device of the type, without certificates (SMETS1). */
static void
device_type(const char *world, uint64_t eui, const char *type)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/pki/device/%016llX.type", world,
	    (unsigned long long)eui);
	if ((f = fopen(path, "w")) == NULL || fprintf(f, "%s\n", type) < 0 ||
	    fclose(f) != 0)
		die(path, NULL);
}

/* The counter into a signed ECS08a's header and content, and the
 * signature made again over the new bytes. */
static void
resign(unsigned char *g, size_t gl, uint64_t counter, EVP_PKEY *sup)
{
	struct gbcs_apdu a;
	struct solr_err e;
	unsigned char rs[64];

	if (gbcs_parse_signing(g, gl, 1, &a, NULL, &e) != 0)
		die("template GBCS", &e);
	be64(g + 3, counter);
	if (a.message_code == GBCS_MSG_ECS08A) {
		g[38] = (unsigned char)(counter >> 16);
		g[39] = (unsigned char)(counter >> 8);
		g[40] = (unsigned char)counter;
	}
	if (solr_ecdsa_sign(sup, g + 1, a.content_off + a.content_len - 1, rs,
	    &e) != 0)
		die("GBCS signature", &e);
	memcpy(g + gl - 64, rs, 64);
}

/* --large WORLD SPC.HEX N OUT */
static int
large(const char *world, const char *hex, long n, const char *out)
{
	struct solr_buf b = { 0 };
	struct solr_err e;
	unsigned char g[8192];
	char path[4096], *txt;
	size_t gl, i, j;
	EVP_PKEY *sup;
	long k;
	FILE *f;

	snprintf(path, sizeof(path), "%s/test-keys/failed-ds.key", world);
	sup = key(path);
	if (solr_read_file(hex, 1 << 16, &b, &e) != 0)
		die(hex, &e);
	if ((txt = malloc(b.len + 1)) == NULL)
		die("memory", NULL);
	for (i = j = 0; i < b.len; i++)
		if (solr_hexval(b.p[i]) >= 0)
			txt[j++] = (char)b.p[i];
	if (solr_unhex(txt, j, g, sizeof(g), &gl) != 0)
		die(hex, NULL);
	mkdir(out, 0755);
	for (k = 0; k < n; k++) {
		resign(g, gl, 200000 + (uint64_t)k, sup);
		snprintf(path, sizeof(path), "%s/%07ld.hex", out, k);
		if ((f = fopen(path, "w")) == NULL)
			die(path, NULL);
		for (i = 0; i < gl; i++)
			fprintf(f, "%02X", g[i]);
		if (fclose(f) != 0)
			die(path, NULL);
	}
	free(txt);
	solr_buf_free(&b);
	EVP_PKEY_free(sup);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *world, *tmpl, *out;
	long n, devices, i;
	char path[4096];
	static const int smets1_mix[3] = { 4, 7, 8 };
	int smets1 = 0;
	EVP_PKEY *srp, *sup, *cakey;
	X509 *srpx, *ca;
	struct solr_cert *srpc;
	struct solr_err e;
	FILE *list;

	if (argc == 6 && strcmp(argv[1], "--large") == 0)
		return large(argv[2], argv[3], atol(argv[4]), argv[5]);
	if (argc > 1 && strcmp(argv[1], "--smets1") == 0) {
		smets1 = 1;
		argc--;
		argv++;
	}
	if (argc < 5) {
		fprintf(stderr, "usage: bench-gen [--smets1] WORLD TEMPLATES N "
		    "OUT [DEVICES]\n       bench-gen --large WORLD SPC.HEX N "
		    "OUT\n");
		return 2;
	}
	world = argv[1];
	tmpl = argv[2];
	n = atol(argv[3]);
	out = argv[4];
	devices = argc > 5 ? atol(argv[5]) : 0;
	xmlInitParser();
	snprintf(path, sizeof(path), "%s/test-keys/srp-xmlsign.key", world);
	srp = key(path);
	snprintf(path, sizeof(path), "%s/pki/org/srp-xmlsign.pem", world);
	srpx = cert(path);
	if (solr_cert_from_x509(srpx, path, &srpc, &e) != 0)
		die(path, &e);
	snprintf(path, sizeof(path), "%s/test-keys/failed-ds.key", world);
	sup = key(path);
	snprintf(path, sizeof(path), "%s/test-keys/device-ca.key", world);
	cakey = key(path);
	snprintf(path, sizeof(path), "%s/pki/trust/device-ca.pem", world);
	ca = cert(path);
	mkdir(out, 0755);
	snprintf(path, sizeof(path), "%s/files", out);
	if ((list = fopen(path, "w")) == NULL)
		die(path, NULL);
	for (i = 0; i < n; i++) {
		const int t = smets1 ? smets1_mix[i % 3] : (int)(i % 10);
		struct solr_buf b = { 0 };
		uint64_t counter = 100000 + (uint64_t)i, target =
		    0x00DB120000000000ULL + (uint64_t)i;
		char rid[96], bo[SOLR_EUI_STRLEN], bt[SOLR_EUI_STRLEN];
		xmlDocPtr doc;
		xmlNodePtr node;
		xmlChar *mem = NULL;
		int len = 0;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", tmpl, mix[t].file);
		if (solr_read_file(path, 1 << 20, &b, &e) != 0 ||
		    solr_xml_parse(b.p, b.len, &doc, &e) != 0)
			die(path, &e);
		solr_buf_free(&b);
		solr_eui_format(0x90B3D51F30010000ULL, bo);
		solr_eui_format(target, bt);
		snprintf(rid, sizeof(rid), "%s:%s:%llu", bo, bt,
		    (unsigned long long)counter);
		xmlNodeSetContent(find(xmlDocGetRootElement(doc), "RequestID"),
		    (const xmlChar *)rid);
		if (mix[t].spc) {
			unsigned char g[4096];
			char *b64 = malloc(8192);
			xmlChar *txt;
			size_t gl;

			node = find(xmlDocGetRootElement(doc), "GBCSPayload");
			txt = xmlNodeGetContent(node);
			if (solr_b64_decode((char *)txt, strlen((char *)txt), g,
			    sizeof(g), &gl, &e) != 0)
				die("template GBCS", &e);
			xmlFree(txt);
			be64(g + 21, target);
			resign(g, gl, counter, sup);
			solr_b64_encode(g, gl, b64);
			xmlNodeSetContent(node, (const xmlChar *)b64);
			free(b64);
			if (i < devices || devices == 0)
				device_cert(world, target, ca, cakey,
				    strstr(mix[t].file, "gas") ? "GSME" : "ESME");
		} else if (i < devices || devices == 0)
			device_type(world, target, strstr(mix[t].file, "gas") ?
			    "GSME" : "ESME");
		node = find(xmlDocGetRootElement(doc), "Signature");
		xmlUnlinkNode(node);
		xmlFreeNode(node);
		if (xmlsig_sign(doc, srp, srpc, &e) != 0)
			die("XML signature", &e);
		xmlDocDumpMemoryEnc(doc, &mem, &len, "UTF-8");
		snprintf(path, sizeof(path), "%s/%07ld.xml", out, i);
		if ((f = fopen(path, "w")) == NULL ||
		    fwrite(mem, 1, (size_t)len, f) != (size_t)len)
			die(path, NULL);
		fclose(f);
		fprintf(list, "%s\n", path);
		xmlFree(mem);
		xmlFreeDoc(doc);
	}
	/* a larger store than the batch needs: its size must not matter */
	for (i = n; i < devices; i++)
		device_cert(world, 0x00DB120000000000ULL + (uint64_t)i, ca,
		    cakey, "ESME");
	fclose(list);
	return 0;
}
