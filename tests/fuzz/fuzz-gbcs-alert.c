/* GBCS device alerts: critical, non-critical and future-dated, strictly
 * decoded, then the device's signature or the MAC checked with the
 * device inventory and keys of the world; and the same bytes as a Command
 * (General-Ciphering around a Signed Pre-Command), its MAC made again. */
#include <limits.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/crypto.h"
#include "gbcs/gbcs.h"
#include "prepay/prepay.h"
#include "world/device.h"
#include "fuzz.h"

static void
command(struct solr_world *w, const uint8_t *data, size_t size)
{
	struct solr_err e = { 0 };
	struct gbcs_trace t = { 0 };
	struct gbcs_command c;
	struct prepay pp;
	char path[PATH_MAX];
	struct solr_ka *acb;
	EVP_PKEY *dev = NULL;

	(void)gbcs_message_kind(data, size);
	if (gbcs_parse_command(data, size, &c, &t, &e) == 0) {
		(void)gbcs_read_values(NULL, &c.apdu, &pp, &t, &e);
		snprintf(path, sizeof(path), "%s/keys/acb.ka.key", w->dir);
		if (world_device_key(w, c.apdu.recipient, INV_KA, FUZZ_AT, &dev,
		    &e) == 0 && world_private_ka(w, path, &acb, &e) == 0)
			(void)gbcs_command_mac(&c, acb, dev, &e);
	}
	EVP_PKEY_free(dev);
	gbcs_trace_free(&t);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct solr_world *w = fuzz_world();
	struct solr_err e = { 0 };
	struct gbcs_trace t = { 0 };
	struct gbcs_alert al;
	char path[PATH_MAX];
	struct solr_ka *key;
	EVP_PKEY *dev = NULL;

	command(w, data, size);
	if (gbcs_parse_alert(data, size, &al, &t, &e) != 0)
		goto out;
	if (!al.has_mac) {
		if (world_device_key(w, al.apdu.originator, INV_DS, FUZZ_AT,
		    &dev, &e) == 0)
			(void)gbcs_verify_signature(&al.apdu, dev, &e);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/keys/%016llX.ka.key", w->dir,
	    (unsigned long long)al.apdu.recipient);
	if (access(path, F_OK) == 0 &&
	    world_device_key(w, al.apdu.originator, INV_KA, FUZZ_AT, &dev,
	    &e) == 0 && world_private_ka(w, path, &key, &e) == 0)
		(void)gbcs_alert_mac(&al, key, dev, &e);
out:
	EVP_PKEY_free(dev);
	gbcs_trace_free(&t);
	return 0;
}
