/*
 * mk-batch WORLD DIR COUNT: a rehearsal batch for an operator: COUNT
 * signed SR 2.1 requests (SMETS1, CommandVariant 4, the XML body), each
 * to a meter of its own, spread over the demo world's failed suppliers
 * and their SRPs, signed in this one process with the xmlsec1 library
 * (the same library the xmlsec1 command line is, not the code under
 * test).  DIR/DEVICES lists each meter and its type, as an operator
 * commissions them ("EUI TYPE" lines, what solr-countersign devices
 * import reads), and DIR/BATCH.tsv lists file, supplier, SRP, meter and
 * fuel.  mk-requests --count runs it, and imports the meters.
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

/* who sends what for whom: the failed supplier with an instruction and
 * its SRP twice as often as the one whose SRP has none */
static const struct {
	const char *supplier, *srp_key;
	int gas_only;
} senders[] = {
	{ "90-B3-D5-1F-30-01-00-00", "srp-xmlsign", 0 },
	{ "90-B3-D5-1F-30-01-00-00", "srp-xmlsign", 0 },
	{ "90-B3-D5-1F-30-04-00-00", "srp2-xmlsign", 1 },
};

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

/* One request, signed, into path. */
static void
one(xmlSecKeyPtr key, const char *bo, const char *bt, long counter,
    const char *body, const char *path)
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
	    "<sr:RequestID>%s:%s:%ld</sr:RequestID><sr:CommandVariant>4"
	    "</sr:CommandVariant><sr:ServiceReference>2.1</sr:ServiceReference>"
	    "<sr:ServiceReferenceVariant>2.1</sr:ServiceReferenceVariant>"
	    "</sr:Header><sr:Body>%s</sr:Body>%s</sr:Request>\n", bo, bt,
	    counter, body, sig_template);
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

int
main(int argc, char *argv[])
{
	char dashed[24], hex[17], path[PATH_MAX], name[32];
	xmlSecKeyPtr keys[2];
	unsigned long long meter;
	long count, i;
	char *end;
	FILE *tsv, *devs;

	if (argc != 4)
		die("usage: mk-batch WORLD DIR COUNT", NULL);
	errno = 0;
	count = strtol(argv[3], &end, 10);
	if (errno != 0 || *end != '\0' || count < 1 || count > 9999999)
		die("COUNT must be a whole number from 1 to 9999999", argv[3]);
	if (mkdir(argv[2], 0700) != 0 && errno != EEXIST)
		die(strerror(errno), argv[2]);
	xmlInitParser();
	if (xmlSecInit() < 0 || xmlSecCryptoAppInit(NULL) < 0 ||
	    xmlSecCryptoInit() < 0)
		die("xmlsec cannot start", NULL);
	keys[0] = load_key(argv[1], "srp-xmlsign");
	keys[1] = load_key(argv[1], "srp2-xmlsign");
	snprintf(path, sizeof(path), "%s/BATCH.tsv", argv[2]);
	if ((tsv = fopen(path, "w")) == NULL)
		die(strerror(errno), path);
	snprintf(path, sizeof(path), "%s/DEVICES", argv[2]);
	if ((devs = fopen(path, "w")) == NULL)
		die(strerror(errno), path);
	for (i = 0; i < count; i++) {
		int s = (int)(i % 3), gas = senders[s].gas_only || (i & 1);

		/* meters of their own, beside the demo's 00-DB-12-34-... */
		meter = 0x00DB123600000000ULL + (unsigned long long)i;
		eui(meter, dashed, hex);
		fprintf(devs, "%s %s\n", hex, gas ? "GSME" : "ESME");
		snprintf(name, sizeof(name), "r-%07ld.xml", i + 1);
		snprintf(path, sizeof(path), "%s/%s", argv[2], name);
		one(keys[s == 2], senders[s].supplier, dashed, 100000 + i,
		    gas ? gas_body : elec_body, path);
		fprintf(tsv, "%s\t%s\t%s\t%s\t%s\n", name, senders[s].supplier,
		    s == 2 ? "00-DB-12-34-56-78-00-05" :
		    "00-DB-12-34-56-78-00-04", dashed, gas ? "gas" : "elec");
		progress(i + 1, count);
	}
	if (fclose(tsv) != 0)
		die("cannot write BATCH.tsv", NULL);
	if (fclose(devs) != 0)
		die("cannot write DEVICES", NULL);
	xmlSecKeyDestroy(keys[0]);
	xmlSecKeyDestroy(keys[1]);
	xmlSecCryptoShutdown();
	xmlSecCryptoAppShutdown();
	xmlSecShutdown();
	xmlCleanupParser();
	return 0;
}
