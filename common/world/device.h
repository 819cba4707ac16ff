/* The device store: pki/device, a device's certificates and its type. */
#ifndef SOLR_DEVICE_H
#define SOLR_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "base/err.h"
#include "world/world.h"

/* The device type the device store gives, pki/device/<EUI>.type ("ESME",
 * "GSME", ...), into out; SOLR_ERR_NOTFOUND when it gives none. */
int world_device_type(const struct solr_world *w, uint64_t eui, char *out,
    size_t cap, struct solr_err *e);
/* The device certificate pki/device/<EUI>.<use>.pem ("ka" or "ds"): its
 * hardwareModuleName must hold eui and its key usage fit the use.  It is
 * read and checked once while its file stays the same, and checked
 * against the world at at on every use. */
int world_device_cert(struct solr_world *w, uint64_t eui, const char *use,
    int64_t at, X509 **out, struct solr_err *e);

/* The private key in path (a world's keys/ file), decoded once while its
 * file stays the same (device, inode, size, modification and change
 * times, checked on every use).  The caller frees *out. */
int world_private_key(struct solr_world *w, const char *path,
    EVP_PKEY **out, struct solr_err *e);

#endif
