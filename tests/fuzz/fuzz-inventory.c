/* Device inventory entries: each 512 bytes of the input decoded as they
 * come, then sealed as an import seals them (magic, place and MAC made
 * right) so that every field behind the MAC is decoded too; an entry
 * that decodes has its keys made and checked at use. */
#include <string.h>

#include <openssl/evp.h>

#include "base/crypto.h"
#include "base/util.h"
#include "world/device.h"
#include "world/inventory.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct solr_world *w = fuzz_world();
	unsigned char in[INV_ENTRY_LEN];
	struct solr_err e = { 0 };
	struct inv_entry en;
	EVP_PKEY *k;
	size_t off = 0, n;
	int u;

	do {
		n = size - off < INV_ENTRY_LEN ? size - off : INV_ENTRY_LEN;
		memset(in, 0, sizeof(in));
		memcpy(in, data + off, n);
		(void)inv_decode(w->inventory_sealer, in, 0, &en, &e);
		memcpy(in, INV_ENTRY_MAGIC, 8);
		solr_put_le64(in + 8, 0);
		if (solr_sealer_mac(w->inventory_sealer, in, INV_ENTRY_MACED,
		    in + INV_ENTRY_MACED) != 0 ||
		    inv_decode(w->inventory_sealer, in, 0, &en, &e) != 0)
			continue;
		for (u = 0; u < INV_NUSES; u++)
			if (world_entry_key(w, &en, (enum inv_use)u, FUZZ_AT,
			    &k, &e) == 0)
				EVP_PKEY_free(k);
	} while ((off += INV_ENTRY_LEN) < size);
	return 0;
}
