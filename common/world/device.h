/* Devices: the inventory's word on a device, what an import reads from
 * pki/device, and the world's private keys. */
#ifndef SOLR_DEVICE_H
#define SOLR_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "base/crypto.h"
#include "base/err.h"
#include "world/inventory.h"
#include "world/world.h"

/*
 * The device's public key for the use (INV_KA, INV_DS), from the point
 * the inventory holds, usable at time at: its certificate valid then and
 * not revoked, its issuing CA still in pki/trust and not revoked, and its
 * certificate file pki/device/<EUI>.<use>.pem the one imported.
 * SOLR_ERR_NOTFOUND with the reason when the inventory holds no such key
 * or its file changed since (the E19 cases); SOLR_ERR_VERIFY when it is
 * not usable at at.  The caller frees *out.
 */
int world_device_key(struct solr_world *w, uint64_t eui, enum inv_use use,
    int64_t at, EVP_PKEY **out, struct solr_err *e);
/* The same, for an entry inv_lookup gave already. */
int world_entry_key(struct solr_world *w, const struct inv_entry *en,
    enum inv_use use, int64_t at, EVP_PKEY **out, struct solr_err *e);

/*
 * What an import takes into the inventory for a device of this type: its
 * certificates in pki/device, each checked (its hardwareModuleName holds
 * eui, its key usage fits its use, a P-256 key, and, when the policy
 * requires chains, chained to pki/trust).  A device with neither file
 * (SMETS1) has its type and fuel only.  SOLR_ERR_VERIFY or
 * SOLR_ERR_CONFIG naming the file and the rule.
 */
int world_device_entry(struct solr_world *w, uint64_t eui, const char *type,
    int64_t at, struct inv_entry *out, struct solr_err *e);

/* The type pki/device/<EUI>.type gives, for an import. */
int world_device_type_file(struct solr_world *w, uint64_t eui, char *out,
    size_t cap, struct solr_err *e);

/* The key agreement of the private key in path (a world's keys/ file),
 * decoded and set up once while its file stays the same (device, inode,
 * size, modification and change times, checked on every use).  *out is
 * the world's: it is good until the next call that reads a private key,
 * and is not freed by the caller. */
int world_private_ka(struct solr_world *w, const char *path,
    struct solr_ka **out, struct solr_err *e);

#endif
