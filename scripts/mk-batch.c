/*
 * mk-batch WORLD DIR COUNT ELEC.HEX GAS.HEX: a rehearsal batch for an
 * operator: COUNT signed SR 2.1 requests in the mix of a failure, each to
 * a meter of its own: six in ten SMETS2+ Signed Pre-Commands
 * (CommandVariant 5) and three SMETS1 requests (CommandVariant 4, the XML
 * body) to the supplier with an instruction, by its SRP, and one SMETS1
 * request by the second SRP, whose supplier no instruction covers.  The
 * Pre-Commands are ELEC.HEX and GAS.HEX (mk-gbcs's ECS08a and GCS05),
 * each given its own counter and meter and signed with the supplier's
 * key, and each SMETS2+ meter gets a key-agreement certificate of the
 * world's device CA in pki/device.  The XML is signed with the xmlsec1
 * library and the GBCS and certificates with OpenSSL's, in this one
 * process: neither is the code under test.  DIR/DEVICES lists each meter
 * and its type, as an operator commissions them ("EUI TYPE" lines, what
 * solr-countersign devices import reads), and DIR/BATCH.tsv lists file,
 * supplier, SRP, meter, fuel and CommandVariant.  mk-requests --count
 * runs it, and imports the meters.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <xmlsec/crypto.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "device-cert.h"

static const char elec_body[] =
    "<sr:UpdatePrepayConfiguration><sr:UpdatePrepayConfigElectricity><s"
    "r:DebtRecoveryRateCap>0</sr:DebtRecoveryRateCap><sr:EmergencyCredi"
    "tLimit>1000000</sr:EmergencyCreditLimit><sr:EmergencyCreditThresho"
    "ld>500000</sr:EmergencyCreditThreshold><sr:LowCreditThreshold>2000"
    "00</sr:LowCreditThreshold><sr:ElectricityNonDisablementCalendar><s"
    "r:ElectricitySpecialDays/><sr:ElectricityNonDisablementSchedule><s"
    "r:NonDisablementScript>START</sr:NonDisablementScript><sr:SpecialD"
    "aysApplicability/><sr:DaysOfWeekApplicability><sr:DayOfWeekApplica"
    "bility><sr:DayOfWeekID>Monday</sr:DayOfWeekID></sr:DayOfWeekApplic"
    "ability><sr:DayOfWeekApplicability><sr:DayOfWeekID>Tuesday</sr:Day"
    "OfWeekID></sr:DayOfWeekApplicability><sr:DayOfWeekApplicability><s"
    "r:DayOfWeekID>Wednesday</sr:DayOfWeekID></sr:DayOfWeekApplicabilit"
    "y><sr:DayOfWeekApplicability><sr:DayOfWeekID>Thursday</sr:DayOfWee"
    "kID></sr:DayOfWeekApplicability><sr:DayOfWeekApplicability><sr:Day"
    "OfWeekID>Friday</sr:DayOfWeekID></sr:DayOfWeekApplicability><sr:Da"
    "yOfWeekApplicability><sr:DayOfWeekID>Saturday</sr:DayOfWeekID></sr"
    ":DayOfWeekApplicability><sr:DayOfWeekApplicability><sr:DayOfWeekID"
    ">Sunday</sr:DayOfWeekID></sr:DayOfWeekApplicability></sr:DaysOfWee"
    "kApplicability><sr:ScheduleDatesAndTime><sr:SwitchTime>00:00:00.00"
    "Z</sr:SwitchTime><sr:StartDate>2026-03-02Z</sr:StartDate><sr:EndDa"
    "te>65535-12-31Z</sr:EndDate></sr:ScheduleDatesAndTime></sr:Electri"
    "cityNonDisablementSchedule></sr:ElectricityNonDisablementCalendar>"
    "<sr:MaxMeterBalance>10000000</sr:MaxMeterBalance><sr:MaxCreditThre"
    "shold>9000000</sr:MaxCreditThreshold></sr:UpdatePrepayConfigElectr"
    "icity></sr:UpdatePrepayConfiguration>";

static const char gas_body[] =
    "<sr:UpdatePrepayConfiguration><sr:UpdatePrepayConfigGas><sr:DebtRe"
    "coveryRateCap>0</sr:DebtRecoveryRateCap><sr:EmergencyCreditLimit>1"
    "000000</sr:EmergencyCreditLimit><sr:EmergencyCreditThreshold>50000"
    "0</sr:EmergencyCreditThreshold><sr:LowCreditThreshold>200000</sr:L"
    "owCreditThreshold><sr:GasNonDisablementCalendar><sr:DayProfiles><s"
    "r:GasNonDisablementDayProfile><sr:TimeStartAction><sr:StartTime>00"
    ":00:00.00Z</sr:StartTime><sr:NonDisablementAction>START</sr:NonDis"
    "ablementAction></sr:TimeStartAction><sr:GasDayName>1</sr:GasDayNam"
    "e></sr:GasNonDisablementDayProfile></sr:DayProfiles><sr:WeekProfil"
    "es><sr:WeekProfile><sr:WeekName>1</sr:WeekName><sr:ReferencedDayNa"
    "me index=\"1\">1</sr:ReferencedDayName><sr:ReferencedDayName index"
    "=\"2\">1</sr:ReferencedDayName><sr:ReferencedDayName index=\"3\">1"
    "</sr:ReferencedDayName><sr:ReferencedDayName index=\"4\">1</sr:Ref"
    "erencedDayName><sr:ReferencedDayName index=\"5\">1</sr:ReferencedD"
    "ayName><sr:ReferencedDayName index=\"6\">1</sr:ReferencedDayName><"
    "sr:ReferencedDayName index=\"7\">1</sr:ReferencedDayName></sr:Week"
    "Profile></sr:WeekProfiles><sr:SeasonProfiles><sr:Season><sr:Season"
    "StartDate><sr:GasYearWithWildcards><sr:NonSpecifiedYear/></sr:GasY"
    "earWithWildcards><sr:GasMonthWithWildcards><sr:NonSpecifiedMonth/>"
    "</sr:GasMonthWithWildcards><sr:GasDayOfMonthWithWildcards><sr:GasN"
    "onSpecifiedDayOfMonth/></sr:GasDayOfMonthWithWildcards><sr:GasDayO"
    "fWeekWithWildcards><sr:NonSpecifiedDayOfWeek/></sr:GasDayOfWeekWit"
    "hWildcards></sr:SeasonStartDate><sr:ReferencedWeekName>1</sr:Refer"
    "encedWeekName></sr:Season></sr:SeasonProfiles><sr:SpecialDays/></s"
    "r:GasNonDisablementCalendar><sr:MaxMeterBalance>10000000</sr:MaxMe"
    "terBalance><sr:MaxCreditThreshold>9000000</sr:MaxCreditThreshold><"
    "/sr:UpdatePrepayConfigGas></sr:UpdatePrepayConfiguration>";

static const char sig_template[] =
    "<ds:Signature><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="
    "\"http://www.w3.org/2001/10/xml-exc-c14n#\"/><ds:SignatureMethod A"
    "lgorithm=\"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256\"/>"
    "<ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"ht"
    "tp://www.w3.org/2000/09/xmldsig#enveloped-signature\"/></ds:Transf"
    "orms><ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc"
    "#sha256\"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:Sig"
    "natureValue/><ds:KeyInfo><ds:X509Data><ds:X509IssuerSerial/></ds:X"
    "509Data></ds:KeyInfo></ds:Signature>";


static void
die(const char *what, const char *arg)
{
	fprintf(stderr, "mk-batch: %s%s%s\n", what, arg ? ": " : "",
	    arg ? arg : "");
	exit(2);
}

static xmlSecKeyPtr
load_key(const char *world, const char *name)
{
	char key[PATH_MAX], cert[PATH_MAX];
	xmlSecKeyPtr k;

	snprintf(key, sizeof(key), "%s/test-keys/%s.key", world, name);
	snprintf(cert, sizeof(cert), "%s/pki/org/%s.pem", world, name);
	if ((k = xmlSecCryptoAppKeyLoad(key, xmlSecKeyDataFormatPem, NULL,
	    NULL, NULL)) == NULL)
		die("cannot load the key", key);
	if (xmlSecCryptoAppKeyCertLoad(k, cert, xmlSecKeyDataFormatPem) < 0)
		die("cannot load the certificate", cert);
	return k;
}

/* EUI-64 as DUIS writes it, and as pki/device names it. */
static void
eui(unsigned long long v, char dashed[24], char hex[17])
{
	snprintf(dashed, 24, "%02llX-%02llX-%02llX-%02llX-%02llX-%02llX-"
	    "%02llX-%02llX", v >> 56 & 0xff, v >> 48 & 0xff, v >> 40 & 0xff,
	    v >> 32 & 0xff, v >> 24 & 0xff, v >> 16 & 0xff, v >> 8 & 0xff,
	    v & 0xff);
	snprintf(hex, 17, "%016llX", v);
}

/* The PEM file at path: a certificate (cert) or a private key. */
static void *
pem_load(const char *path, int cert)
{
	void *p;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		die(strerror(errno), path);
	p = cert ? (void *)PEM_read_X509(f, NULL, NULL, NULL) :
	    (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (p == NULL)
		die(cert ? "not a certificate" : "not a private key", path);
	return p;
}

/* A Pre-Command template: mk-gbcs's hex, as bytes. */
struct gbcs {
	unsigned char b[4096];
	size_t n;
	size_t content;		/* where its content starts */
};

static void
gbcs_read(const char *path, struct gbcs *g)
{
	FILE *f = fopen(path, "r");
	unsigned int x;
	size_t l;

	if (f == NULL)
		die(strerror(errno), path);
	for (g->n = 0; g->n < sizeof(g->b) - 65 && fscanf(f, "%2x", &x) == 1;
	    g->n++)
		g->b[g->n] = (unsigned char)x;
	fclose(f);
	/* DF 09 01, counter, 08 originator, 08 recipient, 00, 02 and the
	 * message code, then the content's length (1, 2 or 3 bytes) */
	if (g->n < 36 || g->b[0] != 0xDF)
		die("not a Pre-Command's hex", path);
	l = g->b[33] == 0x82 ? 3 : g->b[33] == 0x81 ? 2 : 1;
	g->content = 33 + l;
}

static void
put_be64(unsigned char *p, unsigned long long v)
{
	int i;

	for (i = 7; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

/* The template to the meter, with the counter (in the header and, for
 * ECS08a, the DLMS invoke-id), signed by the supplier: the body of a
 * Signed Pre-Command. */
static void
spc_body(const struct gbcs *t, unsigned long long counter,
    unsigned long long meter, EVP_PKEY *sup, char *out, size_t cap)
{
	unsigned char g[4096 + 65], der[80], b64[6000];
	const unsigned char *dp = der;
	size_t dl = sizeof(der);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	ECDSA_SIG *sig;
	const BIGNUM *r, *s;

	memcpy(g, t->b, t->n);
	put_be64(g + 3, counter);
	put_be64(g + 21, meter);
	if (g[31] == 0x00 && g[32] == 0xDE) {	/* ECS08a: D9 20 and 3 bytes */
		g[t->content + 2] = (unsigned char)(counter >> 16);
		g[t->content + 3] = (unsigned char)(counter >> 8);
		g[t->content + 4] = (unsigned char)counter;
	}
	/* signed: all but the first byte; the signature is r and s, 64
	 * bytes after a 0x40 length */
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
	    sup) != 1 || EVP_DigestSign(md, der, &dl, g + 1, t->n - 1) != 1 ||
	    (sig = d2i_ECDSA_SIG(NULL, &dp, (long)dl)) == NULL)
		die("cannot sign a Pre-Command", NULL);
	ECDSA_SIG_get0(sig, &r, &s);
	g[t->n] = 0x40;
	if (BN_bn2binpad(r, g + t->n + 1, 32) != 32 || BN_bn2binpad(s,
	    g + t->n + 33, 32) != 32)
		die("a signature too long for P-256", NULL);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	EVP_EncodeBlock(b64, g, (int)t->n + 65);
	if ((size_t)snprintf(out, cap, "<sr:SignedPreCommand><sr:GBCSPayload>"
	    "%s</sr:GBCSPayload></sr:SignedPreCommand>", b64) >= cap)
		die("a Pre-Command too long", NULL);
}

/* The meter's key-agreement certificate, of the world's device CA. */
static void
device_cert(const char *world, unsigned long long meter, X509 *ca,
    EVP_PKEY *cakey)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/pki/device/%016llX.ka.pem", world,
	    meter);
	if (device_cert_write(path, meter, ca, cakey) != 0)
		die("cannot make or write a device certificate", path);
}

/* One request, signed, into path. */
static void
one(xmlSecKeyPtr key, const char *bo, const char *bt, long counter,
    int cv, const char *body, const char *path)
{
	static char text[16384];
	xmlSecDSigCtxPtr ctx;
	xmlNodePtr node;
	xmlDocPtr doc;
	int n;

	n = snprintf(text, sizeof(text), "<?xml version=\"1.0\" encoding="
	    "\"UTF-8\"?>\n<sr:Request xmlns:ds=\"http://www.w3.org/2000/09/"
	    "xmldsig#\" xmlns:sr=\"http://www.dccinterface.co.uk/"
	    "ServiceUserGateway\" xmlns:xsi=\"http://www.w3.org/2001/"
	    "XMLSchema-instance\" schemaVersion=\"5.4\"><sr:Header>"
	    "<sr:RequestID>%s:%s:%ld</sr:RequestID><sr:CommandVariant>%d"
	    "</sr:CommandVariant><sr:ServiceReference>2.1</sr:ServiceReference>"
	    "<sr:ServiceReferenceVariant>2.1</sr:ServiceReferenceVariant>"
	    "</sr:Header><sr:Body>%s</sr:Body>%s</sr:Request>\n", bo, bt,
	    counter, cv, body, sig_template);
	if (n < 0 || (size_t)n >= sizeof(text))
		die("a request is too long", NULL);
	if ((doc = xmlReadMemory(text, n, "request.xml", NULL, 0)) == NULL)
		die("cannot parse the request", NULL);
	node = xmlSecFindNode(xmlDocGetRootElement(doc), xmlSecNodeSignature,
	    xmlSecDSigNs);
	if (node == NULL)
		die("no signature template", NULL);
	if ((ctx = xmlSecDSigCtxCreate(NULL)) == NULL)
		die("xmlsec cannot make a signing context", NULL);
	if ((ctx->signKey = xmlSecKeyDuplicate(key)) == NULL ||
	    xmlSecDSigCtxSign(ctx, node) < 0)
		die("signing failed", path);
	xmlSecDSigCtxDestroy(ctx);
	if (xmlSaveFile(path, doc) < 0)
		die("cannot write", path);
	xmlFreeDoc(doc);
}

/* How far the batch is, on stderr: a line a second (a line rewritten
 * four times a second on a terminal), and the last. */
static void
progress(long done, long count)
{
	static struct timespec t0, last;
	static int tty = -1;
	struct timespec now;
	double el, rest;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tty < 0) {
		tty = isatty(STDERR_FILENO);
		t0 = last = now;
	}
	el = (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec -
	    last.tv_nsec) / 1e9;
	if (done < count && el < (tty ? 0.25 : 1.0))
		return;
	last = now;
	el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec -
	    t0.tv_nsec) / 1e9;
	rest = done > 0 ? el * (double)(count - done) / (double)done : 0;
	fprintf(stderr, "%smk-requests: %ld of %ld requests signed (%.0f%%, "
	    "%ld:%02ld left)%s", tty ? "\r" : "", done, count, 100.0 *
	    (double)done / (double)count, (long)rest / 60, (long)rest % 60,
	    done == count ? (tty ? "\033[K\n" : "\n") : tty ? "\033[K" :
	    "\n");
	fflush(stderr);
}

/* The mix of a failure, one in ten of each kind: SMETS2+ to the supplier
 * with an instruction (0 to 5, electricity and gas in turn), SMETS1 to it
 * (6 to 8), and SMETS1 by the second SRP, for the supplier no instruction
 * covers (9, gas). */
#define FAILED "90-B3-D5-1F-30-01-00-00"
#define GONE "90-B3-D5-1F-30-04-00-00"
#define SRP "00-DB-12-34-56-78-00-04"
#define SRP2 "00-DB-12-34-56-78-00-05"

int
main(int argc, char *argv[])
{
	static char body[8192];
	char dashed[24], hex[17], path[PATH_MAX], name[32];
	xmlSecKeyPtr keys[2];
	struct gbcs tmpl[2];
	unsigned long long meter;
	EVP_PKEY *sup, *cakey;
	X509 *ca;
	long count, i;
	char *end;
	FILE *tsv, *devs;

	if (argc != 6)
		die("usage: mk-batch WORLD DIR COUNT ELEC.HEX GAS.HEX", NULL);
	errno = 0;
	count = strtol(argv[3], &end, 10);
	if (errno != 0 || *end != '\0' || count < 1 || count > 9999999)
		die("COUNT must be a whole number from 1 to 9999999", argv[3]);
	if (mkdir(argv[2], 0700) != 0 && errno != EEXIST)
		die(strerror(errno), argv[2]);
	gbcs_read(argv[4], &tmpl[0]);
	gbcs_read(argv[5], &tmpl[1]);
	xmlInitParser();
	if (xmlSecInit() < 0 || xmlSecCryptoAppInit(NULL) < 0 ||
	    xmlSecCryptoInit() < 0)
		die("xmlsec cannot start", NULL);
	keys[0] = load_key(argv[1], "srp-xmlsign");
	keys[1] = load_key(argv[1], "srp2-xmlsign");
	snprintf(path, sizeof(path), "%s/test-keys/failed-ds.key", argv[1]);
	sup = pem_load(path, 0);
	snprintf(path, sizeof(path), "%s/test-keys/device-ca.key", argv[1]);
	cakey = pem_load(path, 0);
	snprintf(path, sizeof(path), "%s/pki/trust/device-ca.pem", argv[1]);
	ca = pem_load(path, 1);
	snprintf(path, sizeof(path), "%s/BATCH.tsv", argv[2]);
	if ((tsv = fopen(path, "w")) == NULL)
		die(strerror(errno), path);
	snprintf(path, sizeof(path), "%s/DEVICES", argv[2]);
	if ((devs = fopen(path, "w")) == NULL)
		die(strerror(errno), path);
	for (i = 0; i < count; i++) {
		int kind = (int)(i % 10), smets2 = kind < 6, gone = kind == 9,
		    gas = gone || (i & 1);

		/* meters of their own, beside the demo's 00-DB-12-34-... */
		meter = 0x00DB123600000000ULL + (unsigned long long)i;
		eui(meter, dashed, hex);
		fprintf(devs, "%s %s\n", hex, gas ? "GSME" : "ESME");
		if (smets2) {
			device_cert(argv[1], meter, ca, cakey);
			spc_body(&tmpl[gas], 100000 + (unsigned long long)i,
			    meter, sup, body, sizeof(body));
		}
		snprintf(name, sizeof(name), "r-%07ld.xml", i + 1);
		snprintf(path, sizeof(path), "%s/%s", argv[2], name);
		one(keys[gone], gone ? GONE : FAILED, dashed, 100000 + i,
		    smets2 ? 5 : 4, smets2 ? body : gas ? gas_body : elec_body,
		    path);
		fprintf(tsv, "%s\t%s\t%s\t%s\t%s\t%d\n", name, gone ? GONE :
		    FAILED, gone ? SRP2 : SRP, dashed, gas ? "gas" : "elec",
		    smets2 ? 5 : 4);
		progress(i + 1, count);
	}
	if (fclose(tsv) != 0)
		die("cannot write BATCH.tsv", NULL);
	if (fclose(devs) != 0)
		die("cannot write DEVICES", NULL);
	EVP_PKEY_free(sup);
	EVP_PKEY_free(cakey);
	X509_free(ca);
	xmlSecKeyDestroy(keys[0]);
	xmlSecKeyDestroy(keys[1]);
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
	return 0;
}
