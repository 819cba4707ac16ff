/* GBCS device alerts: critical, non-critical and future-dated, strictly
 * decoded, then the device's signature or the MAC checked with the
 * certificates and keys of the world. */
#include <limits.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "../../common/crypto.h"
#include "../../common/gbcs.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct solr_world *w = fuzz_world();
	struct solr_err e = { 0 };
	struct gbcs_trace t = { 0 };
	struct gbcs_alert al;
	char path[PATH_MAX];
	EVP_PKEY *key = NULL;
	X509 *dev = NULL;

	if (gbcs_parse_alert(data, size, &al, &t, &e) != 0)
		goto out;
	if (!al.has_mac) {
		if (world_device_cert(w, al.apdu.originator, "ds", FUZZ_AT,
		    &dev, &e) == 0)
			(void)gbcs_verify_signature(&al.apdu,
			    X509_get0_pubkey(dev), &e);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/keys/%016llX.ka.key", w->dir,
	    (unsigned long long)al.apdu.recipient);
	if (access(path, F_OK) == 0 &&
	    solr_load_private_key(path, &key, &e) == 0 &&
	    world_device_cert(w, al.apdu.originator, "ka", FUZZ_AT, &dev,
	    &e) == 0)
		(void)gbcs_alert_mac(&al, key, X509_get0_pubkey(dev), &e);
out:
	X509_free(dev);
	EVP_PKEY_free(key);
	gbcs_trace_free(&t);
	return 0;
}
