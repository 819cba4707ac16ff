/*
 * Layer world: may use base, store, prepay.  The world directory: policy,
 * users and registry, SMKI certificates, the device store and the DUIS
 * schemas.
 *
 * The world directory (solr-world(5)): the DCC-side state every check is
 * made against.
 */
#ifndef SOLR_WORLD_H
#define SOLR_WORLD_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "base/cert.h"
#include "base/err.h"
#include "prepay/safe.h"
#include "prepay/srv.h"
#include "base/util.h"
#include "base/ytree.h"

#define SOLR_MAX_ROLES 16
#define SOLR_CONTINGENCY "SolrContingency"	/* the SoLR user role */

struct solr_role_policy {
	char *name;
	char **srvs;
	size_t nsrvs;
	int cvs[16];
	size_t ncvs;
	/* each SRV's row (srv.h), or NULL; own holds the rows the policy
	 * gives itself: SRVs it lists as not inspected */
	const struct srv_row **rows;
	struct srv_row *own;
	size_t nown;
};

struct solr_policy {
	int xml_signer_roles[SOLR_MAX_ROLES];
	size_t n_xml_signer_roles;
	int response_signer_roles[SOLR_MAX_ROLES];
	size_t n_response_signer_roles;
	int require_chain;
	int decimal_role_ou;	/* legacy: OU "137" read as decimal role */
	size_t max_document_bytes;
	struct solr_role_policy *roles;
	size_t nroles;
	char *e020101_from;
	/* the anti-malware command every Failed Suppliers upload goes
	 * through first (the seed, 4.2.1); NULL: uploads are refused */
	char *upload_scanner;
	int64_t upload_scanner_seconds;	/* its time limit; default 300 */
	char **required_stages;
	size_t nrequired_stages;
	char **supplier_roles;	/* user roles that make a supplier */
	size_t nsupplier_roles;
	int safety_critical[64];	/* alert codes */
	size_t nsafety_critical;
	struct safe_policy safe;	/* safe_prepay and its settings */
	struct ynode *tree;	/* the whole file, for the stages that need more */
};

#define SOLR_SAFETY_CRITICAL_DEFAULT 9
extern const int solr_safety_critical_default[SOLR_SAFETY_CRITICAL_DEFAULT];

struct solr_user {
	uint64_t id;
	char *party;
	char **roles;
	size_t nroles;
	int suspended;
};

#define SOLR_RECORD_KEY_LEN 32
/* The labels of the keys derived from keys/records.key (solr-records(5)) */
#define SOLR_LABEL_REPLAY "solr-tools replay records 1"
#define SOLR_LABEL_TRAIL "solr-tools trail entries 1"
#define SOLR_LABEL_COUNTERS "solr-tools adt counters 1"
#define SOLR_LABEL_INVENTORY "solr-tools device inventory 1"
#define SOLR_LABEL_HISTORY "solr-tools list history 1"
#define SOLR_LABEL_ADT "solr-tools adt accepted 1"
#define SOLR_LABEL_STATE "solr-tools state head 1"
struct solr_sealer;
struct inv_reader;

struct solr_world {
	char dir[PATH_MAX];
	struct solr_sealer *sealer;	/* keys/records.key: the flow's seal */
	/* keys derived from keys/records.key, each for one use only (a
	 * label of its own, solr-records(5)): the seal of an auditor's
	 * --replay records, which no stage of the flow accepts; the MAC of
	 * each SAT entry; the hash of the ADT counters' slots */
	struct solr_sealer *replay_sealer;
	unsigned char trail_key[32];
	unsigned char counters_key[32];
	unsigned char history_key[32];	/* the Failed Suppliers history's
					 * chain of MACs */
	unsigned char adt_key[32];	/* adt/<SRP>.accepted */
	unsigned char state_key[32];	/* the records of the ledgers and
					 * counters (store/statehead.h) */
	struct solr_sealer *inventory_sealer;	/* the device inventory's MAC */
	char objects[PATH_MAX];
	struct solr_policy policy;
	char policy_sha256[SOLR_SHA256_HEX];
	struct solr_user *users;
	size_t nusers;
	char registry_sha256[SOLR_SHA256_HEX];
	X509_STORE *store;
	STACK_OF(X509) *trust;
	STACK_OF(X509_CRL) *crls;
	struct solr_cert **org;
	size_t norg;
	size_t *org_index;	/* open addressing on serial; SIZE_MAX = empty */
	size_t org_index_cap;
	size_t *org_by_eui;	/* indices of certificates with an EUI, by EUI */
	size_t norg_by_eui;
	/* issuer names as the requests write them, parsed lately: a batch
	 * names a few CAs over and over */
	struct {
		char *text;
		X509_NAME *name;
	} issuers[8];
	unsigned issuers_next;
	/* device certificates read lately, by file and modification time
	 * (device.c), and what frees them */
	struct solr_devcache *devcache;
	void (*devcache_free)(struct solr_devcache *);
	/* the device inventory's log and index as last opened
	 * (inventory.c), and what frees them */
	struct inv_reader *inventory;
	void (*inventory_free)(struct inv_reader *);
	/* the batch a stage with group commit is deciding (world_batch_next),
	 * 0 outside one: a file found unchanged in a batch is not looked at
	 * again before the next */
	uint64_t batch;
};

/* Resolves the world directory: dir, else $SOLR_WORLD, else ".". */
const char *solr_world_dir(const char *dir);
int world_load(struct solr_world *w, const char *dir, struct solr_err *e);
void world_free(struct solr_world *w);
/* A stage with group commit begins its next batch: what a lookup found
 * unchanged in the last one (the device inventory's files) is looked at
 * again.  Outside batches it is looked at on every lookup. */
void world_batch_next(struct solr_world *w);

const struct solr_user *world_user(const struct solr_world *w, uint64_t id);
int user_has_role(const struct solr_user *u, const char *role);
/* The row of an SRV for the SolrContingency role: the one its list
 * gives, else the table's (an SRV the role does not list is refused for
 * the role, after its content is read); NULL when there is none. */
const struct srv_row *world_srv_row(const struct solr_world *w,
    const char *srv);
const struct solr_role_policy *world_role_policy(const struct solr_world *w,
    const char *role);

/* Which path a request takes, from the request and its signature: the
 * SoLR path when the signer is not the Business Originator and holds
 * SolrContingency; otherwise the ordinary path, where no SoLR rule
 * applies (even for a party that also holds the role). */
int world_solr_path(const struct solr_world *w, uint64_t sender,
    uint64_t originator);

/* Whether the role's policy lists this SRV, and this CommandVariant. */
int role_allows_srv(const struct solr_role_policy *rp, const char *srv);
int role_allows_cv(const struct solr_role_policy *rp, int cv);

/* Finds the organisation certificate with this issuer (RFC 4514 string)
 * and decimal serial.  SOLR_ERR_NOTFOUND if there is none. */
int world_find_org(struct solr_world *w, const char *issuer,
    const char *serial, struct solr_cert **out, struct solr_err *e);
/* Finds organisation certificates by EUI, role and a key usage bit
 * (KU_DIGITAL_SIGNATURE, KU_KEY_AGREEMENT); fills up to max. */
size_t world_find_org_by_eui(const struct solr_world *w, uint64_t eui,
    int role, uint32_t ku, struct solr_cert **out, size_t max);
/* Role from the certificate, with the policy's legacy OU reading. */
int world_cert_role(const struct solr_world *w, const struct solr_cert *c);

/* Is c usable at time at: in its validity period, not revoked at that
 * time, and (when the policy requires it) chained to pki/trust with
 * every CA certificate valid then too.  SOLR_ERR_VERIFY with the reason. */
int world_check_cert(struct solr_world *w, struct solr_cert *c, int64_t at,
    struct solr_err *e);
/* Whether a CRL of x's issuer revokes x at time at or before (*when: the
 * time it gives, INT64_MIN when it cannot be read). */
int world_revoked_at(struct solr_world *w, X509 *x, int64_t at,
    int64_t *when);
/* Only the chain (when the policy requires one), for keys that are
 * trusted whatever their dates and revocation. */
int world_check_chain(struct solr_world *w, struct solr_cert *c,
    struct solr_err *e);

#endif
