/* The record stream between the tools (solr-records(5)): YAML documents,
 * one per Service Request, each starting with "---". */
#ifndef SOLR_RECORD_H
#define SOLR_RECORD_H

#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/ytree.h"

#define SOLR_RECORD_VERSION 1
#define SOLR_RECORD_MAX (256 * 1024)	/* bytes of YAML in one record */

enum {
	REC_EOF = 0,
	REC_OK = 1,	/* *rec holds a record */
	REC_BAD = 2,	/* a record was there but is malformed: e says why */
	REC_UNSEALED = 3,	/* its seal is missing or does not verify: *rec
				 * is what it claims (or NULL), e says why */
};

struct rec_reader;
struct solr_sealer;

struct rec_reader *rec_reader_new(FILE *f, const char *name);
/* f is unbuffered (setvbuf _IONBF) and read with read(2): each record is
 * read as soon as it has come, not when the buffer is full. */
void rec_reader_raw(struct rec_reader *rd);
/* A raw reader calls fn(arg) before a read that would wait for input
 * (nothing has come yet): a stage lets what it holds go then. */
void rec_reader_idle(struct rec_reader *rd, void (*fn)(void *), void *arg);
/* Whether input is already buffered (another record may be read without
 * waiting). */
int rec_reader_buffered(const struct rec_reader *rd);
/* Whether another record can be read without waiting: buffered, at the
 * end, or input ready (for group commit: a batch ends when nothing is
 * waiting). */
int rec_reader_waiting(const struct rec_reader *rd);
/* The name given to rec_reader_new, for messages. */
const char *rec_reader_name(const struct rec_reader *rd);
/* From now on a record must end with its seal; one that does not is
 * REC_UNSEALED. */
void rec_reader_seal(struct rec_reader *rd, struct solr_sealer *sealer);
/* A record sealed with this other key (another seal domain: the flow's,
 * or a replay's) is refused with why, so that the refusal says what it
 * is. */
void rec_reader_foreign(struct rec_reader *rd, struct solr_sealer *sealer,
    const char *why);
/* Reads any YAML mappings, not only records (for logs and histories). */
void rec_reader_any(struct rec_reader *rd);
void rec_reader_free(struct rec_reader *rd);
/* First byte that is not white space (after a UTF-8 BOM), or EOF. */
int rec_reader_peek(struct rec_reader *rd);
/* The rest of the input as one blob of at most max bytes. */
int rec_reader_slurp(struct rec_reader *rd, size_t max, unsigned char **p,
    size_t *len, struct solr_err *e);
/* REC_OK, REC_BAD, REC_EOF, or a negative SOLR_ERR_* on a read error.
 * *line is the line of the record's "---" in the input. */
int rec_read(struct rec_reader *rd, struct ynode **rec, int *line,
    struct solr_err *e);

struct rec_writer;

/* The seal's line, "seal: " and 64 hex digits. */
#define SOLR_SEAL_LINE 71

struct rec_writer *rec_writer_new(FILE *f);
/* From now on every record written ends with its seal (solr-records(5)). */
void rec_writer_seal(struct rec_writer *w, struct solr_sealer *sealer);
/* JSON Lines from now on: one object a line, its seal the last member
 * (solr-records(5)). */
void rec_writer_json(struct rec_writer *w, int json);
int rec_write(struct rec_writer *w, const struct ynode *rec);
/* The errno of the writer's failure (EIO when it has none). */
int rec_writer_errno(const struct rec_writer *w);
/* Ends the stream and flushes; a write error (e.g. a full disk) is
 * SOLR_ERR_IO. */
int rec_writer_finish(struct rec_writer *w, struct solr_err *e);
/* Group commit: records written after rec_writer_hold wait in memory;
 * rec_writer_release writes them out, and *sent says how many bytes
 * left before an error (0: none of them). */
void rec_writer_hold(struct rec_writer *w);
int rec_writer_release(struct rec_writer *w, size_t *sent,
    struct solr_err *e);
void rec_writer_free(struct rec_writer *w);

/* A new record with the contract's keys in order: record, seq, source,
 * received_at, request, sender, verdict (pass), code, reason, stages. */
struct ynode *rec_new(int64_t seq, const char *source, int64_t received_at);
/* The record for input that could not be read as a record. */
struct ynode *rec_new_unreadable(int64_t seq, const char *source,
    const char *stage, const char *reason);

const char *rec_verdict(const struct ynode *rec);
/* True when the record still carries "pass". */
int rec_is_pass(const struct ynode *rec);
/* The verdict, code and reason of another decision (a first one under
 * the same RequestID), or verdict with its code and reason; a decision
 * without a verdict is read as reject.  0 or SOLR_ERR_NOMEM.  With
 * rec_accept, rec_reject, rec_quarantine and rec_decide, the only writers
 * of the three keys. */
int rec_outcome(struct ynode *rec, const struct ynode *from,
    const char *verdict);
int rec_accept(struct ynode *rec);
/* Marks the record rejected by stage, with code (may be NULL). */
int rec_reject(struct ynode *rec, const char *stage, const char *code,
    const char *reason);
/* Quarantines the record (a DCC alert code such as AD1). */
int rec_quarantine(struct ynode *rec, const char *stage, const char *code,
    const char *reason);
/* Returns stages.<stage>, a new flow map {result: pass}. */
struct ynode *rec_stage_pass(struct ynode *rec, const char *stage);
/* Replay (an auditor's re-run of the recorded requests): the record a
 * SAT entry holds, made ready to run again, with what was decided kept
 * under recorded: */
struct ynode *rec_replay_prepare(const struct ynode *recorded);
/* Compares the stage's new result and code with the recorded ones and
 * notes replay: same or differs (with the recorded answer).  0, or
 * SOLR_ERR_NOMEM. */
int rec_replay_note(struct ynode *rec, const char *stage);
/* The whole record: the final verdict and code, and every stage.  0, or
 * SOLR_ERR_NOMEM. */
int rec_replay_final(struct ynode *rec);
/* A deep copy. */
struct ynode *yn_copy(const struct ynode *n);

/* What the first stage learns of a document from its verified header,
 * for the record's request: (besides object, at and size, which the
 * store gives). */
struct rec_header {
	const char *schema_version;
	const char *request_id;	/* NULL: the document has none */
	uint64_t originator, target;	/* with request_id */
	uint64_t counter;
	const char *counter_text;	/* as written, when past INT64_MAX */
	int response;		/* a DUIS Response: no cv and srv */
	int cv;
	const char *srv;
	const char *response_id;	/* "" or NULL: none */
	const char *response_code, *response_datetime;
	const char *body;
};
/* The sender, from the verified certificate and the registry only. */
struct rec_sender {
	uint64_t id;
	const char *party;	/* NULL: not a user the registry holds */
	char *const *user_roles;
	size_t nuser_roles;
	int suspended;
	const char *issuer, *serial;	/* of the certificate */
	int role;		/* the certificate's user role */
};
/* What a rejected document says of itself, apart from everything
 * verified (claimed:, solr-records(5)). */
struct rec_claimed {
	const char *request_id;	/* "" or NULL: none */
	int has_ids;		/* the RequestID's parts could be read */
	uint64_t originator, target;
	const char *srv;	/* "" or NULL: none */
};
/* gbcs: of a Signed Pre-Command that verified. */
struct rec_gbcs {
	unsigned message_code;
	int cra;
	uint64_t counter, originator, recipient;
	const char *apdu_sha256;
	const char *signer_issuer, *signer_serial;	/* NULL: none */
};
/* alert: of a device alert whose signature or MAC verified. */
struct rec_alert {
	unsigned code;
	const char *framing, *payload;
	unsigned message_code;
	uint64_t device, recipient, counter;
	int64_t timestamp;
	const char *check;	/* what was verified */
	int has_future;		/* a future-dated execution alert: */
	unsigned future_code;
	uint64_t future_counter;
	const char *future_object;
};
/* The mappings gbcs: and alert: hold (NULL: out of memory). */
struct ynode *rec_gbcs_node(const struct rec_gbcs *g);
struct ynode *rec_alert_node(const struct rec_alert *a);
/* alert: set, with the SHA-256 of the GBCS message that carried it. */
int rec_alert_set(struct ynode *rec, const struct rec_alert *a,
    const char *gbcs_sha256);
int rec_gbcs_set(struct ynode *rec, const struct rec_gbcs *g);

/* What solr-adt-check notes in its entry (stages.adt-check): the
 * instruction and ADT file that decided (NULL: none), the count, its
 * window, and a warning (NULL: none). */
struct rec_gate {
	const char *instruction, *adt_sha256;
	uint64_t count;
	int64_t window_start, window;
	const char *warning;
};
/* Where solr-failed-suppliers route sends an alert (in alert:). */
struct rec_route {
	uint64_t deliver_to;
	int has_forward;
	uint64_t forward_to;
	int safety_critical;
};
/* The writers of a stage's entry st and of the route.  0 or
 * SOLR_ERR_NOMEM. */
int rec_gate_note(struct ynode *st, const struct rec_gate *g);
/* The Failed Suppliers list that decided: its version and SHA-256 (NULL:
 * none). */
int rec_list_note(struct ynode *st, int64_t version, const char *sha256);
int rec_route_set(struct ynode *rec, const struct rec_route *rt);

/* The writers of request:, sender: and claimed:, in the contract's order.
 * 0 or SOLR_ERR_NOMEM. */
int rec_request_set(struct ynode *rec, const struct rec_header *h);
int rec_sender_set(struct ynode *rec, const struct rec_sender *s);
int rec_claimed_set(struct ynode *rec, const struct rec_claimed *c);

/* The keys of a record a stage reads or sets by name, named once
 * (rec_keys[] in record.c): a stage says RK_COUNT, never "count", and a
 * key renamed is one line here and one there. */
enum rec_key {
	RK_REQUEST,
	RK_SENDER,
	RK_STAGES,
	RK_OUTPUT,
	RK_RECORDED,
	RK_DUPLICATE_OF,
	RK_CODE,
	RK_SOURCE,
	RK_REASON,
	RK_VERDICT,
	RK_RESULT,
	RK_REPLAY,
	RK_FORM,
	RK_SIGNATURE,
	RK_ORIGINATOR_CHECK,
	RK_SCHEMA,
	RK_LIST_VERSION,
	RK_LIST_SHA256,
	RK_INSTRUCTION,
	RK_ADT_SHA256,
	RK_COUNT,
	RK_WINDOW_START,
	RK_WINDOW,
	RK_WARNING,
	RK_RESPONSE,
	RK_RESPONSE_NOTE,
	RK_RESPONSE_CODE,
	RK_RESPONSE_TO,
	RK_COUNTERSIGNED,
	RK_COUNTERSIGNED_CHECK,
	RK_COMMAND,
	RK_REPLAY_NOTE,
	RK_ARTIFACTS_NOTE,
	RK_DELIVER_TO,
	RK_FORWARD_TO,
	RK_SAFETY_CRITICAL,
	RK_OBJECT,
	RK_AT,
	RK_SIZE,
	RK_ID,
	RK_REQUEST_ID,
	RK_ALERT,
	RK_GBCS,
	RK_RECEIVED_AT,
	RK_NKEYS
};
/* The key's name in the record. */
const char *rec_key_name(enum rec_key k);
/* m's value under k (NULL: none), as a string (NULL: none, or not a
 * scalar). */
struct ynode *rec_part(const struct ynode *m, enum rec_key k);
const char *rec_str(const struct ynode *m, enum rec_key k);
/* Sets m's k (v is m's from then on, set or not); a string (NULL: null),
 * an integer.  0 or SOLR_ERR_NOMEM. */
int rec_put(struct ynode *m, enum rec_key k, struct ynode *v);
int rec_put_str(struct ynode *m, enum rec_key k, const char *s);
int rec_put_int(struct ynode *m, enum rec_key k, int64_t v);
/* m's mapping under k, added (flow or block) when there is none. */
struct ynode *rec_part_add(struct ynode *m, enum rec_key k, int flow);
/* stages.<stage>, or NULL. */
struct ynode *rec_stage(const struct ynode *rec, const char *stage);
/* In a replay: what the recorded output said under k, or NULL. */
const char *rec_recorded_output(const struct ynode *rec, enum rec_key k);
/* Where the store put the document: request.object, at and size. */
int rec_object_set(struct ynode *rec, const char *name, const char *at,
    int64_t size);

/* The EUI-64 at a dotted path ("sender.id"): 0, or SOLR_ERR_FORMAT when
 * it is missing or malformed. */
int rec_eui(const struct ynode *rec, const char *path, uint64_t *eui);

/* received_at of the record, or SOLR_ERR_FORMAT. */
int rec_time(const struct ynode *rec, int64_t *t);
int64_t rec_seq(const struct ynode *rec);

#endif
