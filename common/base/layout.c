/* The world directory's layout (solr-world(5)) in one place. */
#include <stdio.h>
#include <unistd.h>

#include "base/layout.h"
#include "base/util.h"

const struct world_layout world_layout[WF_NFILES] = {
	[WF_DIR] = { "", 1 },
	[WF_POLICY] = { "policy.yaml", 1 },
	[WF_REGISTRY] = { "registry.yaml", 1 },
	[WF_FAILED_SUPPLIERS] = { "failed-suppliers.yaml", 1 },
	[WF_INSTRUCTIONS] = { "instructions.yaml", 1 },
	[WF_ADT] = { "adt", 1 },
	[WF_KEYS] = { "keys", 1 },
	[WF_RECORDS_KEY] = { "keys/records.key", 0 },
	[WF_ACB_KEY] = { "keys/acb.ka.key", 0 },
	[WF_DCC_KEY] = { "keys/dcc.xmlsign.key", 0 },
	[WF_DCC_CERT] = { "keys/dcc.xmlsign.pem", 0 },
	[WF_PKI] = { "pki", 1 },
	[WF_TRUST] = { "pki/trust", 1 },
	[WF_CRL] = { "pki/crl", 1 },
	[WF_ORG] = { "pki/org", 1 },
	[WF_DEVICES] = { "pki/device", 1 },
	[WF_STATE] = { "state", 1 },
	[WF_OBJECTS] = { "state/objects", 0 },
	[WF_ADT_COUNTERS] = { "state/adt-counters", 0 },
	[WF_ADT_COUNTERS_HEAD] = { "state/adt-counters.head", 0 },
	[WF_SAT_HEADS] = { "state/sat-heads", 0 },
	[WF_LIVE] = { "state/live", 0 },
	[WF_INVENTORY] = { "state/devices", 0 },
	[WF_INVENTORY_IDX] = { "state/devices.idx", 0 },
	[WF_INVENTORY_HEAD] = { "state/devices.head", 0 },
	[WF_FS_HISTORY] = { "state/failed-suppliers.history", 0 },
	[WF_SCHEMAS] = { "schemas", 1 },
};

static int
fits(int n, size_t cap)
{
	return n >= 0 && (size_t)n < cap ? 0 : -1;
}

/* A replay's what-if files (world_overlay_set): none in the flow. */
static const char *overlay;

void
world_overlay_set(const char *dir)
{
	overlay = dir;
}

/* The overlay's copy of rel into out, when there is one. */
static int
overlaid(char *out, size_t cap, const char *rel)
{
	return overlay != NULL && fits(snprintf(out, cap, "%s/%s", overlay,
	    rel), cap) == 0 && access(out, F_OK) == 0;
}

int
world_path(char *out, size_t cap, const char *dir, enum world_file f)
{
	const char *p = world_layout[f].path;

	if ((f == WF_POLICY || f == WF_REGISTRY || f == WF_FAILED_SUPPLIERS ||
	    f == WF_INSTRUCTIONS) && overlaid(out, cap, p))
		return 0;
	return fits(snprintf(out, cap, "%s%s%s", dir, *p ? "/" : "", p), cap);
}

int
world_device_path(char *out, size_t cap, const char *dir, uint64_t eui,
    const char *what)
{
	return fits(snprintf(out, cap, "%s/%s/%016llX.%s", dir,
	    world_layout[WF_DEVICES].path, (unsigned long long)eui, what), cap);
}

int
world_device_key_path(char *out, size_t cap, const char *dir, uint64_t eui)
{
	return fits(snprintf(out, cap, "%s/%s/%016llX.ka.key", dir,
	    world_layout[WF_KEYS].path, (unsigned long long)eui), cap);
}

int
world_adt_path(char *out, size_t cap, const char *dir, uint64_t srp)
{
	char eui[SOLR_EUI_STRLEN];

	solr_eui_format(srp, eui);
	if (fits(snprintf(out, cap, "%s/%s.yaml", world_layout[WF_ADT].path,
	    eui), cap) == 0) {
		char rel[64];

		snprintf(rel, sizeof(rel), "%s", out);
		if (overlaid(out, cap, rel))
			return 0;
	}
	return fits(snprintf(out, cap, "%s/%s/%s.yaml", dir,
	    world_layout[WF_ADT].path, eui), cap);
}

int
world_state_path(char *out, size_t cap, const char *dir, const char *name,
    const char *suffix)
{
	return fits(snprintf(out, cap, "%s/%s/%s%s", dir,
	    world_layout[WF_STATE].path, name, suffix), cap);
}

int
world_schema_path(char *out, size_t cap, const char *dir,
    const char *version, const char *file)
{
	return fits(snprintf(out, cap, "%s/%s/%s%s%s", dir,
	    world_layout[WF_SCHEMAS].path, version, file ? "/" : "",
	    file ? file : ""), cap);
}
