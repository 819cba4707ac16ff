/* GBCS Signed Pre-Commands, from bytes to verdict: the strict decode with
 * its trace, the SR 2.1 content, the safe values, and the supplier
 * signature against the world. */
#include <string.h>

#include "gbcs/gbcs.h"
#include "prepay/prepay.h"
#include "prepay/safe.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct safe_policy sp;
	static int have_sp;
	struct solr_world *w = fuzz_world();
	struct solr_err e = { 0 };
	struct gbcs_trace t = { 0 };
	struct gbcs_apdu a;
	struct prepay pp;
	struct solr_cert *signer = NULL;

	if (!have_sp) {
		if (safe_policy_load(w->policy.tree, "policy.yaml", &sp,
		    &e) != 0)
			return 0;
		have_sp = 1;
	}
	if (gbcs_parse_signing(data, size, 1, &a, &t, &e) == 0 &&
	    gbcs_read_values(NULL, &a, &pp, &t, &e) == 0) {
		(void)safe_check(&sp, &pp, FUZZ_AT, &e);
		(void)gbcs_verify_supplier(&a, w, &signer, &e);
	}
	gbcs_trace_free(&t);
	/* the same bytes without a trace must give the same verdict */
	memset(&e, 0, sizeof(e));
	(void)gbcs_parse_signing(data, size, 3, &a, NULL, &e);
	return 0;
}
