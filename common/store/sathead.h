/* The trail's signed head: after every batch, solr-countersign writes the
 * number of entries, the last entry's hash and the time, signed with the
 * DCC's XML-signing key, like a transparency log's signed tree head.  A
 * trail cut short, or rewritten with consistent hashes, no longer leads
 * to its head (solr-sat(5)). */
#ifndef SOLR_SATHEAD_H
#define SOLR_SATHEAD_H

#include <stdint.h>

#include <openssl/evp.h>

#include "base/cert.h"
#include "store/sat.h"

struct sat_head {
	uint64_t entries;
	char hash[SOLR_SHA256_HEX];
	int64_t time;
	char trail[SOLR_TRAIL_ID_HEX];	/* the trail's id, made with it */
};

/* Under the trail's lock: the head of the trail as it is now, signed
 * (head, head.sig, head.pem, each synced).  The head it replaces is
 * kept for sat_take_back. */
int sat_head_write(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    int64_t t, struct solr_err *e);
/* At open, by the writer: the head must verify with cert and be no older
 * than the world's copy of the last head it signed for the trail (else
 * the trail was rolled back).  Every entry after the head is checked
 * (chain and MAC: one no writer made stops the writer, naming it); when
 * the writer is alone they were appended by a batch none of whose records
 * left, since the process died before the head: they are cut.  A new,
 * empty trail is given an id and a signed head of 0 entries.  A trail
 * shorter than its head, or with entries and no head, is broken:
 * SOLR_ERR_VERIFY. */
int sat_head_open(struct sat *s, EVP_PKEY *key, const struct solr_cert *cert,
    int64_t t, struct solr_err *e);

/* What verification found. */
struct sat_check {
	uint64_t entries;		/* good entries of the chain */
	struct sat_head head;		/* the signed head */
	char signer_serial[80];		/* the certificate that signed it */
	char signer_sha256[SOLR_SHA256_HEX];	/* its DER's SHA-256 */
};
/* What a trail is checked against. */
struct sat_trust {
	const char *cert;		/* the DCC's certificate (required) */
	const unsigned char *key;	/* the world's trail key: each entry's
					 * MAC is checked (NULL: not) */
	const char *heads;		/* the world's state/sat-heads: the
					 * trail must be no older (NULL: not) */
	int query;			/* the chain, MACs and head only, not
					 * the objects (a query, not the
					 * check: sat_verify_chain) */
	struct sat_query *q;		/* a query's candidates (NULL: none) */
};
/* The bundle's files (the owner's alone), the chain, every object, and
 * the head: its signature with t->cert, and that the chain leads to it,
 * no shorter and no longer; with t->key every entry's MAC; with t->heads
 * that it is not older than the last head the world signed for it.
 * SOLR_ERR_VERIFY names what does not hold; SOLR_ERR_CONFIG without a
 * certificate. */
int sat_check(const char *dir, const struct sat_trust *t, struct sat_check *c,
    struct solr_err *e);

#endif
