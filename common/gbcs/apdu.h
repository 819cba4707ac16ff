/*
 * GBCS messages as the decoders leave them: the General-Signing APDU, an
 * alert, a Command, and the field list (trace) a decode writes.
 */
#ifndef SOLR_GBCS_APDU_H
#define SOLR_GBCS_APDU_H

#include <stddef.h>
#include <stdint.h>

#define GBCS_MSG_ECS08A 0x00DE
#define GBCS_MSG_ECS08 0x001F
#define GBCS_MSG_GCS05 0x006F
#define GBCS_MSG_GCA 0x1000	/* generic critical alert */
#define GBCS_MSG_GNCA 0x1001	/* generic non-critical alert */
#define GBCS_MSG_FD_DLMS 0x00CC	/* future-dated execution alert, DLMS */
#define GBCS_MSG_FD_GBZ 0x00CD	/* future-dated execution alert, GBZ */
#define GBCS_MAX_LEN 65536	/* larger than any SR 2.1 message */

/* Every field decoded, with its offset, for a human-readable decode. */
struct gbcs_field {
	size_t offset, length;
	int depth;
	char name[64];
	char value[128];
};

struct gbcs_trace {
	struct gbcs_field *f;
	size_t n, cap;
};

struct gbcs_apdu {
	const unsigned char *buf;
	size_t len;
	size_t base;		/* offset of buf in the whole message (the APDU
				 * of a Command or a MACed alert) */
	int cra;
	uint64_t counter;
	uint64_t originator, recipient;
	size_t date_time_len;
	unsigned char date_time[12];
	uint16_t message_code;
	size_t other_len;
	size_t content_off, content_len;	/* the content, absolute */
	int has_signature;
	unsigned char signature[64];		/* r || s */
};

struct gbcs_alert {
	const unsigned char *buf;
	size_t len;
	struct gbcs_apdu apdu;	/* the General-Signing APDU inside */
	size_t apdu_off, apdu_len;
	const char *framing;	/* critical, non-critical, future-dated */
	const char *payload;	/* dlms, gbz */
	uint16_t alert_code;
	int64_t timestamp;
	int has_mac;
	unsigned char mac[12];
	int has_future;
	uint16_t future_code;
	uint64_t future_counter;
	char future_object[64];
};

/* A Command as the DCC sends it: the Signed Pre-Command's APDU (with the
 * supplier's signature) in General-Ciphering with the ACB's MAC. */
struct gbcs_command {
	const unsigned char *buf;
	size_t len;
	struct gbcs_apdu apdu;	/* the General-Signing APDU inside */
	size_t apdu_off, apdu_len;
	unsigned char mac[12];
};
/* What a message is, from its framing: a Signed Pre-Command (DF, CRA 1),
 * an alert (DF with CRA 3, or DD around CRA 3), or a Command (DD around
 * CRA 1). */
enum { GBCS_KIND_PRECOMMAND, GBCS_KIND_ALERT, GBCS_KIND_COMMAND };
#endif
