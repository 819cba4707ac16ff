/*
 * Layer base: may use nothing.  The ground the others stand on: errors,
 * bytes and time, cryptography, certificates, XML read safely, the YAML
 * tree with its readers and writers, and the shape of a decision.
 *
 * Small shared helpers: bytes, hex, SHA-256, base64, EUI-64, RFC 3339
 * time, bounded file reading and atomic file writing.
 */
#ifndef SOLR_UTIL_H
#define SOLR_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"

struct solr_buf {
	unsigned char *p;
	size_t len;
	size_t cap;
};

int solr_buf_add(struct solr_buf *b, const void *p, size_t n);
int solr_buf_addc(struct solr_buf *b, int c);
void solr_buf_free(struct solr_buf *b);

/* The value of a hex digit, or -1. */
int solr_hexval(int c);
void solr_hex(const unsigned char *p, size_t n, char *out /* 2n+1 */);
int solr_unhex(const char *s, size_t slen, unsigned char *out, size_t outcap,
    size_t *outlen);

#define SOLR_SHA256_LEN 32
#define SOLR_SHA256_HEX 65
int solr_sha256(const void *p, size_t n, unsigned char out[SOLR_SHA256_LEN]);
int solr_sha256_hex(const void *p, size_t n, char out[SOLR_SHA256_HEX]);
int solr_is_sha256_hex(const char *s);

/*
 * Decodes base64 as XML Schema base64Binary allows it, and as Java signers
 * write it: space, tab, CR and LF are skipped anywhere, and so is the
 * literal character reference "&#13;".  Padding must be correct.  At most
 * outcap bytes are written; more is SOLR_ERR_LIMIT.
 */
int solr_b64_decode(const char *s, size_t slen, unsigned char *out,
    size_t outcap, size_t *outlen, struct solr_err *e);
/* Encodes without line breaks; out must hold 4*((n+2)/3)+1 bytes. */
void solr_b64_encode(const unsigned char *p, size_t n, char *out);

/* EUI-64: "90-B3-D5-1F-30-01-00-00", hex in either case. */
int solr_eui_parse(const char *s, size_t len, uint64_t *eui);
/* 16 hex digits, either case, no separators. */
int solr_eui_parse_compact(const char *s, size_t len, uint64_t *eui);
#define SOLR_EUI_STRLEN 24
void solr_eui_format(uint64_t eui, char out[SOLR_EUI_STRLEN]);

/* RFC 3339 date-time ("2026-03-02T10:15:00Z", fraction and offset
 * allowed) to seconds since the epoch, UTC. */
int solr_time_parse(const char *s, int64_t *t);
/* The days in month m (1 to 12) of year y, in the Gregorian calendar. */
int solr_days_in_month(int y, int m);
#define SOLR_TIME_STRLEN 32
void solr_time_format(int64_t t, char out[SOLR_TIME_STRLEN]);
int64_t solr_time_from_civil(int y, int mo, int d, int h, int mi, int s);
/* The date of a day number (days since 1970-01-01). */
void solr_civil_from_days(int64_t days, int *y, int *m, int *d);

/* Reads a whole file (or stdin when path is "-") of at most max bytes. */
int solr_read_file(const char *path, size_t max, struct solr_buf *out,
    struct solr_err *e);
int solr_read_stream(FILE *f, const char *name, size_t max,
    struct solr_buf *out, struct solr_err *e);

/* Writes path atomically: temporary file in the same directory, optional
 * fsync, rename, optional directory fsync. */
int solr_write_atomic(const char *path, const void *p, size_t n, int sync,
    struct solr_err *e);
int solr_mkdirs(const char *path, struct solr_err *e);
/* solr_read_file for a file held to the guard's rules (base/guard.h). */
int solr_read_guarded(const char *path, size_t max, struct solr_buf *out,
    struct solr_err *e);

/*
 * What this process appended to a log file shared under flock, since its
 * last commit: a failed sync takes it back, when no other process has
 * appended after it (otherwise the entries stay, which only ever refuses
 * more).
 */
struct solr_appended {
	int64_t start, end;	/* [start, end) of the file */
	int pending;
	int interleaved;	/* another process appended in between */
};
/* Called under the lock, with the file's size before and after a write. */
void solr_appended_note(struct solr_appended *a, int64_t before,
    int64_t after);
/* Truncates the file back to before the first pending write, if it can;
 * 0 when it did (or nothing was pending), -1 otherwise. */
int solr_appended_undo(int fd, struct solr_appended *a);
/* flock(fd, op) for a blocking op, taken again when a signal interrupts
 * the wait: 0, or -1 with errno. */
int solr_flock(int fd, int op);

/* Appends p to the log file path and syncs it; a failed write or sync
 * truncates the file back (the caller holds its lock).  After a torn
 * earlier append, the new text starts on a line of its own. */
int solr_append_synced(const char *path, const void *p, size_t n,
    struct solr_err *e);
/* 64-bit integers little-endian, as our binary files hold them. */
/* Allocations that failed inside the libraries (libxml2 and OpenSSL
 * allocate through base/xml.c and base/crypto.c, which count them): a
 * library out of memory may answer as if the input were at fault (a
 * signature that "does not verify", a chain that "does not hold", part
 * of a tree), so whoever acts on its answer compares the count before
 * and after. */
void solr_oom_note(void);
unsigned long solr_oom_count(void);

void solr_put_le64(unsigned char *p, uint64_t v);
uint64_t solr_get_le64(const unsigned char *p);
/* Whether two stats are of the same file, unchanged: device, inode,
 * size, modification and change times. */
struct stat;
int solr_same_file(const struct stat *a, const struct stat *b);
/* s as a YAML single-quoted scalar on one line. */
int solr_buf_quoted(struct solr_buf *b, const char *s);

/* A message given as text for a person: hex (hex != 0) or base64, one
 * run with at most a final line end, into out. */
int solr_text_decode(int hex, const unsigned char *in, size_t n,
    unsigned char *out, size_t cap, size_t *len, struct solr_err *e);

/* Parses a decimal or 0x-prefixed hexadecimal unsigned integer; the whole
 * string must be consumed. */
int solr_parse_uint(const char *s, uint64_t max, uint64_t *out);
/* Parses a decimal integer, optionally signed, from min to max; the whole
 * string must be consumed.  SOLR_ERR_FORMAT, or SOLR_ERR_LIMIT out of
 * range (never a value clamped to the type's end). */
int solr_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);
/* Exactly n (1 to 16) hex digits at s, as in a fixed-width field of our
 * own files: 0, or SOLR_ERR_FORMAT when one is not a hex digit. */
int solr_parse_hexn(const char *s, size_t n, uint64_t *out);

#endif
