/*
 * The world directory's layout (solr-world(5)) in one place: every file
 * and folder a tool reads or writes in it, by name, and whether it is
 * configuration that only its owner may write.
 */
#ifndef SOLR_LAYOUT_H
#define SOLR_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

enum world_file {
	WF_DIR,			/* the world directory itself */
	WF_POLICY,		/* policy.yaml */
	WF_REGISTRY,		/* registry.yaml */
	WF_FAILED_SUPPLIERS,	/* failed-suppliers.yaml */
	WF_INSTRUCTIONS,	/* instructions.yaml */
	WF_ADT,			/* adt/ */
	WF_KEYS,		/* keys/ */
	WF_RECORDS_KEY,		/* keys/records.key */
	WF_ACB_KEY,		/* keys/acb.ka.key */
	WF_DCC_KEY,		/* keys/dcc.xmlsign.key */
	WF_DCC_CERT,		/* keys/dcc.xmlsign.pem */
	WF_PKI,			/* pki/ */
	WF_TRUST,		/* pki/trust/ */
	WF_CRL,			/* pki/crl/ */
	WF_ORG,			/* pki/org/ */
	WF_DEVICES,		/* pki/device/ */
	WF_STATE,		/* state/ */
	WF_OBJECTS,		/* state/objects/ */
	WF_ADT_COUNTERS,	/* state/adt-counters */
	WF_ADT_COUNTERS_HEAD,	/* state/adt-counters.head: its record */
	WF_SAT_HEADS,		/* state/sat-heads */
	WF_LIVE,		/* state/live/ */
	WF_INVENTORY,		/* state/devices: the device inventory */
	WF_INVENTORY_IDX,	/* state/devices.idx: its index */
	WF_INVENTORY_HEAD,	/* state/devices.head: its length and head,
				 * as the last change left them */
	WF_FS_HISTORY,		/* state/failed-suppliers.history */
	WF_SCHEMAS,		/* schemas/ */
	WF_NFILES
};

struct world_layout {
	const char *path;	/* in the world directory; "" for itself */
	int config;		/* configuration: the owner's alone to write */
};
extern const struct world_layout world_layout[WF_NFILES];

/*
 * dir/<the file> into out (cap bytes).  0, or -1 when it does not fit
 * (out then holds as much as fits).
 */
int world_path(char *out, size_t cap, const char *dir, enum world_file f);
/* pki/device/<EUI, 16 hex digits>.<what> ("ka.pem", "ds.pem", "type") */
int world_device_path(char *out, size_t cap, const char *dir, uint64_t eui,
    const char *what);
/* keys/<EUI, 16 hex digits>.ka.key: a device's key-agreement key */
int world_device_key_path(char *out, size_t cap, const char *dir,
    uint64_t eui);
/* A replay's what-if world files: from now on world_path's policy.yaml,
 * registry.yaml, failed-suppliers.yaml and instructions.yaml, and
 * world_adt_path's ADT files, are dir's where dir holds one (the rest of
 * the world as it is).  Only a --replay stage and solr-sat replay set it:
 * nothing a replay reads ever feeds the flow (solr-sat(1)). */
void world_overlay_set(const char *dir);
/* adt/<EUI as 00-11-...>.yaml: an SRP's ADT file */
int world_adt_path(char *out, size_t cap, const char *dir, uint64_t srp);
/* state/<name><suffix>: a ledger or register and its companions */
int world_state_path(char *out, size_t cap, const char *dir,
    const char *name, const char *suffix);
/* schemas/<version>/<file>, or the version's folder when file is NULL */
int world_schema_path(char *out, size_t cap, const char *dir,
    const char *version, const char *file);

#endif
