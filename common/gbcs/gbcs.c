#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/x509v3.h>

#include "base/crypto.h"
#include "base/layout.h"
#include "base/util.h"
#include "gbcs/ecs08a.h"
#include "gbcs/gbcs.h"
#include "gbcs/gcs05.h"
#include "gbcs/reader.h"

static int
read_ecs08a(struct gdec *g, struct span *c, const struct gbcs_apdu *a,
    struct prepay *pp)
{
	pp->fuel = FUEL_ELEC;
	return ecs08a_decode(g, c, a, pp);
}

static int
read_gcs05(struct gdec *g, struct span *c, const struct gbcs_apdu *a,
    struct prepay *pp)
{
	(void)a;
	pp->fuel = FUEL_GAS;
	return gcs05_decode(g, c, pp);
}

/* The reader of each message code an SRV row names. */
static const struct {
	uint16_t code;
	int (*read)(struct gdec *, struct span *, const struct gbcs_apdu *,
	    struct prepay *);
} readers[] = {
	{ GBCS_MSG_ECS08A, read_ecs08a },
	{ GBCS_MSG_GCS05, read_gcs05 },
};

/* The message codes of the rows, for a reason: "0x00DE (ECS08a), ..." */
static void
codes_of(const struct srv_row *row, char *buf, size_t cap)
{
	size_t i, j, n = 0;

	buf[0] = '\0';
	for (i = 0; srv_rows[i] != NULL; i++)
		for (j = 0; j < srv_rows[i]->ngbcs; j++) {
			const struct srv_gbcs *m = &srv_rows[i]->gbcs[j];

			if (m->refused == NULL && (row == NULL ||
			    row == srv_rows[i]) && n < cap)
				n += snprintf(buf + n, cap - n, "%s0x%04X (%s)",
				    n ? ", " : "", m->code, m->message);
		}
}

int
gbcs_read_values(const struct srv_row *row, const struct gbcs_apdu *a,
    struct prepay *pp, struct gbcs_trace *t, struct solr_err *e)
{
	/* offsets (traces and reasons) are the whole message's */
	struct gdec g = { .b = a->buf, .t = t, .e = e, .depth = 1,
	    .base = a->base };
	struct span c = { .pos = a->content_off,
	    .end = a->content_off + a->content_len };
	const struct srv_gbcs *m;
	char label[96], codes[160];
	size_t i;

	memset(pp, 0, sizeof(*pp));
	pp->source = "gbcs";
	if (row == NULL && (row = srv_row_by_gbcs(a->message_code)) == NULL) {
		codes_of(NULL, codes, sizeof(codes));
		return gr_fail(&g, 31, "message code 0x%04X is the Signed "
		    "Pre-Command of no SRV of the table (%s)", a->message_code,
		    codes);
	}
	srv_label(row, label, sizeof(label));
	if ((m = srv_gbcs_of(row, a->message_code)) == NULL) {
		codes_of(row, codes, sizeof(codes));
		return gr_fail(&g, 31, "message code 0x%04X does not carry %s "
		    "(%s)", a->message_code, label, codes[0] ? codes :
		    "no GBCS message does");
	}
	if (m->refused != NULL)
		return gr_fail(&g, 31, "%s", m->refused);
	if (a->other_len != 2)
		return gr_fail(&g, 30, "other-information is %zu bytes; a "
		    "pre-command of %s has only the message code",
		    a->other_len, label);
	if (row->not_inspected)
		return 0;	/* the row says so: nothing read */
	for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++)
		if (readers[i].code == a->message_code)
			return readers[i].read(&g, &c, a, pp);
	return gr_fail(&g, 31, "message code 0x%04X (%s): no reader of its "
	    "values", a->message_code, label);
}

int
gbcs_verify_supplier(const struct gbcs_apdu *a, struct solr_world *w,
    struct solr_cert **signer, struct solr_err *e)
{
	struct solr_cert *c[8];
	char eui[SOLR_EUI_STRLEN], serials[512] = "";
	size_t n, i;
	struct solr_err ce;
	int r;

	*signer = NULL;
	solr_eui_format(a->originator, eui);
	n = world_find_org_by_eui(w, a->originator, SOLR_ROLE_SUPPLIER,
	    KU_DIGITAL_SIGNATURE, c, 8);
	if (n == 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "pki/org has no "
		    "supplier-role (0x02) digital-signing certificate for the "
		    "GBCS originator %s", eui);
	for (i = 0; i < n; i++) {
		size_t l = strlen(serials);

		snprintf(serials + l, sizeof(serials) - l, "%s%s",
		    i ? ", " : "", c[i]->serial);
		if (!c[i]->is_p256)
			continue;
		if ((r = world_check_chain(w, c[i], &ce)) != 0) {
			if (r == SOLR_ERR_VERIFY)
				continue;	/* not this one */
			*e = ce;
			return r;
		}
		r = gbcs_verify_signature(a, X509_get0_pubkey(c[i]->x), &ce);
		if (r == 0) {
			*signer = c[i];
			return 0;
		}
		if (r != SOLR_ERR_VERIFY) {
			*e = ce;
			return r;
		}
	}
	return solr_seterr(e, SOLR_ERR_VERIFY, "the GBCS signature does not "
	    "verify with the supplier digital-signing certificate%s of %s "
	    "(serial %s)", n > 1 ? "s" : "", eui, serials);
}

/* The GBCS identities against the DUIS header. */
static int
held_to_header(const struct gbcs_apdu *a, uint64_t bo, uint64_t bt,
    uint64_t counter, struct decision *d)
{
	char x[SOLR_EUI_STRLEN], y[SOLR_EUI_STRLEN];

	if (a->originator != bo) {
		solr_eui_format(a->originator, x);
		solr_eui_format(bo, y);
		return decision_reject(d, DUIS_E65, "offset 12: the GBCS "
		    "originator %s is not the Business Originator %s", x, y);
	}
	if (a->recipient != bt) {
		solr_eui_format(a->recipient, x);
		solr_eui_format(bt, y);
		return decision_reject(d, DUIS_E020101, "offset 21: the GBCS "
		    "recipient %s is not the Business Target %s", x, y);
	}
	if (a->counter != counter)
		return decision_reject(d, DUIS_E020101, "offset 3: the GBCS "
		    "originator counter %llu is not the RequestID's counter "
		    "%llu", (unsigned long long)a->counter,
		    (unsigned long long)counter);
	decision_pass(d);
	return 0;
}

int
gbcs_precommand_decide(struct solr_world *w, const struct srv_row *row,
    const char *payload, size_t plen, uint64_t bo, uint64_t bt,
    uint64_t counter,
    unsigned char *buf, struct gbcs_apdu *a, struct prepay *pp,
    struct solr_cert **signer, struct decision *d, struct solr_err *e)
{
	size_t len;
	int r;

	if (solr_b64_decode(payload, plen, buf, GBCS_MAX_LEN, &len, e) != 0)
		return decision_reject(d, DUIS_E020101, "sr:GBCSPayload: "
		    "%.900s", e->msg);
	if (gbcs_parse_signing(buf, len, 1, a, NULL, e) != 0 ||
	    gbcs_read_values(row, a, pp, NULL, e) != 0)
		return decision_reject(d, DUIS_E020101, "%s", e->msg);
	if (held_to_header(a, bo, bt, counter, d) != 0 || !decision_is_pass(d))
		return 0;
	if ((r = gbcs_verify_supplier(a, w, signer, e)) != 0) {
		decision_reject(d, DUIS_E65, "%s", e->msg);
		return r == SOLR_ERR_VERIFY ? 0 : r;
	}
	return 0;
}

/* The device's key for use at time at, from the inventory: a device it
 * does not hold (or whose file changed) makes the message not verify. */
static int
device_key(struct solr_world *w, uint64_t eui, enum inv_use use,
    int64_t at, EVP_PKEY **key, struct solr_err *e)
{
	int r = world_device_key(w, eui, use, at, key, e);

	if (r == SOLR_ERR_NOTFOUND)
		e->code = r = SOLR_ERR_VERIFY;
	return r;
}

static int
alert_signature(struct solr_world *w, const struct gbcs_alert *al,
    int64_t at, char *check, size_t cap, struct solr_err *e)
{
	EVP_PKEY *dev = NULL;
	int r;

	if ((r = device_key(w, al->apdu.originator, INV_DS, at, &dev, e)) != 0)
		return r;
	r = gbcs_verify_signature(&al->apdu, dev, e);
	if (r == 0)
		snprintf(check, cap, "device signature verified");
	else if (r == SOLR_ERR_VERIFY)
		solr_seterr(e, r, "the device's signature does not verify with "
		    "its digital-signature key in the device inventory");
	EVP_PKEY_free(dev);
	return r;
}

/* What a MAC is made again with: the key agreement of the world's
 * private key in path (the world's), and the key-agreement key of device
 * at time at (the caller frees it). */
static int
mac_keys(struct solr_world *w, const char *path, uint64_t device,
    int64_t at, struct solr_ka **ka, EVP_PKEY **dev, struct solr_err *e)
{
	int r;

	*dev = NULL;
	if ((r = device_key(w, device, INV_KA, at, dev, e)) != 0)
		return r;
	return world_private_ka(w, path, ka, e);
}

int
gbcs_command_verify(struct solr_world *w, const struct gbcs_command *c,
    int64_t at, char *check, size_t cap, struct solr_err *e)
{
	char path[PATH_MAX];
	struct solr_ka *acb;
	EVP_PKEY *dev;
	int r;

	world_path(path, sizeof(path), w->dir, WF_ACB_KEY);
	if ((r = mac_keys(w, path, c->apdu.recipient, at, &acb, &dev, e)) ==
	    0 && (r = gbcs_command_mac(c, acb, dev, e)) == 0)
		snprintf(check, cap, "verified: the ACB's, for the device's "
		    "key-agreement key");
	EVP_PKEY_free(dev);
	return r;
}

int
gbcs_alert_verify(struct solr_world *w, const struct gbcs_alert *al,
    int64_t at, char *check, size_t cap, struct solr_err *e)
{
	char path[PATH_MAX];
	struct solr_ka *key;
	EVP_PKEY *dev = NULL;
	int r;

	if (!al->has_mac)
		return alert_signature(w, al, at, check, cap, e);
	world_device_key_path(path, sizeof(path), w->dir,
	    al->apdu.recipient);
	if (access(path, F_OK) != 0) {
		snprintf(check, cap, "MAC not verifiable: the world holds no "
		    "key-agreement key of the recipient");
		return 0;
	}
	if ((r = mac_keys(w, path, al->apdu.originator, at, &key, &dev, e)) ==
	    0 && (r = gbcs_alert_mac(al, key, dev, e)) == 0)
		snprintf(check, cap, "MAC verified");
	EVP_PKEY_free(dev);
	return r;
}

