#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "base/crypto.h"
#include "store/record.h"
#include "base/util.h"
#include "base/yread.h"
#include "base/ywrite.h"

#define RBUF 65536

struct rec_reader {
	FILE *f;
	const char *name;
	unsigned char rbuf[RBUF];
	size_t rpos, rlen;
	int eof, ioerr;
	int line;		/* lines started so far */
	int at_bol;		/* next byte starts a line */
	struct solr_buf chunk;
	struct solr_buf pending;	/* a "---" line read ahead */
	int pending_line;
	int any;		/* mappings of any kind, not only records */
	int raw;		/* an unbuffered stream: read(2), which gives
				 * what has come, not fread, which waits for
				 * all it asked */
	void (*idle)(void *);	/* before a read that would wait */
	void *idle_arg;
	struct solr_sealer *sealer;	/* records must carry its seal */
	/* a seal of another domain: named in the refusal, never accepted */
	struct solr_sealer *foreign;
	const char *foreign_why;
};

struct rec_reader *
rec_reader_new(FILE *f, const char *name)
{
	struct rec_reader *rd;

	if ((rd = calloc(1, sizeof(*rd))) == NULL)
		return NULL;
	rd->f = f;
	rd->name = name;
	rd->at_bol = 1;
	return rd;
}

int
rec_reader_buffered(const struct rec_reader *rd)
{
	return rd->rpos < rd->rlen || rd->pending.len > 0;
}

int
rec_reader_waiting(const struct rec_reader *rd)
{
	struct pollfd p = { fileno(rd->f), POLLIN, 0 };

	return rec_reader_buffered(rd) || rd->eof || poll(&p, 1, 0) > 0;
}

const char *
rec_reader_name(const struct rec_reader *rd)
{
	return rd->name;
}

void
rec_reader_raw(struct rec_reader *rd)
{
	rd->raw = 1;
}

void
rec_reader_idle(struct rec_reader *rd, void (*fn)(void *), void *arg)
{
	rd->idle = fn;
	rd->idle_arg = arg;
}

void
rec_reader_any(struct rec_reader *rd)
{
	rd->any = 1;
}

void
rec_reader_free(struct rec_reader *rd)
{
	if (rd == NULL)
		return;
	solr_buf_free(&rd->chunk);
	solr_buf_free(&rd->pending);
	free(rd);
}

/* Up to cap bytes into p: what has come, for a raw stream (a record
 * that has arrived is decided before the next one comes); 0 at the end
 * or on an error, which is kept. */
static size_t
take(struct rec_reader *rd, unsigned char *p, size_t cap)
{
	ssize_t k;
	size_t n;

	if (!rd->raw) {
		if ((n = fread(p, 1, cap, rd->f)) == 0 && ferror(rd->f))
			rd->ioerr = errno ? errno : EIO;
		return n;
	}
	if (rd->idle != NULL) {
		struct pollfd pf = { fileno(rd->f), POLLIN, 0 };

		if (poll(&pf, 1, 0) == 0)
			rd->idle(rd->idle_arg);
	}
	while ((k = read(fileno(rd->f), p, cap)) < 0 && errno == EINTR)
		;
	if (k < 0)
		rd->ioerr = errno ? errno : EIO;
	return k > 0 ? (size_t)k : 0;
}

static int
fill(struct rec_reader *rd)
{
	size_t n;

	if (rd->rpos < rd->rlen)
		return 1;
	if (rd->eof)
		return 0;
	n = take(rd, rd->rbuf, RBUF);
	rd->rpos = 0;
	rd->rlen = n;
	if (n == 0) {
		rd->eof = 1;
		return 0;
	}
	return 1;
}

int
rec_reader_peek(struct rec_reader *rd)
{
	for (;;) {
		if (!fill(rd))
			return EOF;
		/* skip a UTF-8 BOM and white space; they are not content */
		if (rd->rlen - rd->rpos >= 3 && rd->rpos == 0 &&
		    memcmp(rd->rbuf, "\xef\xbb\xbf", 3) == 0) {
			rd->rpos += 3;
			continue;
		}
		while (rd->rpos < rd->rlen) {
			int c = rd->rbuf[rd->rpos];

			if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				return c;
			if (c == '\n')
				rd->line++;
			rd->rpos++;
		}
	}
}

int
rec_reader_slurp(struct rec_reader *rd, size_t max, unsigned char **p,
    size_t *len, struct solr_err *e)
{
	struct solr_buf b = { 0 };

	while (fill(rd)) {
		size_t n = rd->rlen - rd->rpos;

		if (b.len + n > max) {
			solr_buf_free(&b);
			return solr_seterr_at(e, SOLR_ERR_LIMIT, rd->name, 0,
			    "input exceeds the limit of %zu bytes", max);
		}
		if (solr_buf_add(&b, rd->rbuf + rd->rpos, n) != 0) {
			solr_buf_free(&b);
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		}
		rd->rpos = rd->rlen;
	}
	if (rd->ioerr) {
		solr_buf_free(&b);
		return solr_seterr_at(e, SOLR_ERR_IO, rd->name, 0, "read: %s",
		    strerror(rd->ioerr));
	}
	if (b.p == NULL && solr_buf_add(&b, "", 0) != 0)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	*p = b.p;
	*len = b.len;
	return 0;
}

/*
 * Next piece of a line: up to and including '\n', or as much of a long
 * line as the buffer holds.  *bol tells whether the piece starts a line.
 */
static int
next_piece(struct rec_reader *rd, const unsigned char **p, size_t *n,
    int *bol)
{
	const unsigned char *nl;
	size_t avail;

	if (!fill(rd))
		return 0;
	avail = rd->rlen - rd->rpos;
	nl = memchr(rd->rbuf + rd->rpos, '\n', avail);
	if (nl == NULL && !rd->eof && rd->rpos > 0) {
		/* a line cut by the end of the buffer: move it to the front
		 * and read on, so that a line start is always seen whole */
		size_t n2;

		memmove(rd->rbuf, rd->rbuf + rd->rpos, avail);
		rd->rpos = 0;
		rd->rlen = avail;
		/* a raw stream gives a line in pieces as it comes: until its
		 * end, the buffer is full, or the input ends */
		do {
			n2 = take(rd, rd->rbuf + rd->rlen, RBUF - rd->rlen);
			if (n2 == 0)
				rd->eof = 1;
			rd->rlen += n2;
			nl = memchr(rd->rbuf + rd->rlen - n2, '\n', n2);
		} while (nl == NULL && n2 > 0 && rd->rlen < RBUF);
		avail = rd->rlen;
		nl = memchr(rd->rbuf, '\n', avail);
	}
	*p = rd->rbuf + rd->rpos;
	*n = nl ? (size_t)(nl - *p) + 1 : avail;
	*bol = rd->at_bol;
	if (*bol)
		rd->line++;
	rd->at_bol = nl != NULL;
	rd->rpos += *n;
	return 1;
}

static int
is_doc_start(const unsigned char *p, size_t n)
{
	return n >= 3 && memcmp(p, "---", 3) == 0 &&
	    (n == 3 || p[3] == ' ' || p[3] == '\t' || p[3] == '\n' ||
	    p[3] == '\r');
}

/* Blank lines and comments carry nothing. */
static int
is_blank_line(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] == '#')
			return 1;
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n')
			return 0;
	}
	return 1;
}

/* The keys every stage relies on: seq, source and verdict. */
static int
envelope(const struct ynode *rec, const char *name, int line,
    struct solr_err *e)
{
	static const char *const verdicts[] = { "pass", "reject",
	    "quarantine", "accept", NULL };
	const struct ynode *src = yn_get(rec, "source");
	const char *v = rec_verdict(rec);
	size_t i;

	if (rec_seq(rec) < 1)
		return solr_seterr_at(e, SOLR_ERR_FORMAT, name, line,
		    "seq: must be a whole number from 1");
	if (src == NULL || !yn_is_scalar(src) || yn_is_null(src))
		return solr_seterr_at(e, SOLR_ERR_FORMAT, name, line,
		    "source: must be a string");
	for (i = 0; v != NULL && verdicts[i] != NULL; i++)
		if (strcmp(v, verdicts[i]) == 0)
			return 0;
	return solr_seterr_at(e, SOLR_ERR_FORMAT, name, line,
	    "verdict: must be pass, reject, quarantine or accept");
}

/* Where the record starts: its "---" line (whatever the emitter wrote
 * before it belongs to the one before). */
static size_t
doc_start(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i + 3 <= n; i++) {
		if ((i == 0 || p[i - 1] == '\n') && memcmp(p + i, "---", 3) == 0)
			return i;
	}
	return n;
}

/* 0, or SOLR_ERR_INTERNAL when the MAC could not be made (out of
 * memory): then no seal is given, and nothing is judged by it. */
static int
seal_line(struct solr_sealer *sealer, const unsigned char *p, size_t n,
    char line[SOLR_SEAL_LINE + 1])
{
	unsigned char mac[32];

	memcpy(line, "seal: ", 6);
	if (solr_sealer_mac(sealer, p, n, mac) != 0)
		return SOLR_ERR_INTERNAL;
	solr_hex(mac, 32, line + 6);
	line[6 + 64] = '\n';
	line[6 + 65] = '\0';
	return 0;
}

static int
seal_failed(struct solr_err *e)
{
	return solr_seterr(e, SOLR_ERR_INTERNAL, "the seal could not be "
	    "computed (HMAC-SHA-256 failed: out of memory?)");
}

void
rec_reader_seal(struct rec_reader *rd, struct solr_sealer *sealer)
{
	rd->sealer = sealer;
}

void
rec_reader_foreign(struct rec_reader *rd, struct solr_sealer *sealer,
    const char *why)
{
	rd->foreign = sealer;
	rd->foreign_why = why;
}

/*
 * The seal of the record in p: its last line that is not blank (or the
 * "..." that may end a stream) must be "seal: " and the HMAC of the bytes
 * from the "---" line up to it.  0 when it is; *end is where the sealed
 * text ends.  SOLR_ERR_VERIFY says why not.
 */
static int
check_seal(const struct rec_reader *rd, struct solr_sealer *sealer,
    const unsigned char *p, size_t n, size_t *end, struct solr_err *e)
{
	char want[SOLR_SEAL_LINE + 1];
	size_t start = doc_start(p, n), ls, le = n;

	/* the last line that holds something */
	for (;;) {
		while (le > 0 && (p[le - 1] == '\n' || p[le - 1] == '\r' ||
		    p[le - 1] == ' ' || p[le - 1] == '\t'))
			le--;
		for (ls = le; ls > 0 && p[ls - 1] != '\n'; ls--)
			;
		if (le - ls == 3 && memcmp(p + ls, "...", 3) == 0 && ls > 0) {
			le = ls;
			continue;
		}
		break;
	}
	if (ls <= start || le - ls < 6 || memcmp(p + ls, "seal:", 5) != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the record has no seal: "
		    "only a stage of this world writes records (solr-records(5))");
	if (seal_line(sealer, p + start, ls - start, want) != 0)
		return seal_failed(e);
	if (le - ls != SOLR_SEAL_LINE - 1 ||
	    CRYPTO_memcmp(p + ls, want, SOLR_SEAL_LINE - 1) != 0) {
		if (rd->foreign != NULL && le - ls == SOLR_SEAL_LINE - 1) {
			if (seal_line(rd->foreign, p + start, ls - start, want)
			    != 0)
				return seal_failed(e);
			if (CRYPTO_memcmp(p + ls, want, SOLR_SEAL_LINE - 1) == 0)
				return solr_seterr(e, SOLR_ERR_VERIFY, "%s",
				    rd->foreign_why);
		}
		return solr_seterr(e, SOLR_ERR_VERIFY, "the record's seal does "
		    "not verify: it was changed after a stage wrote it, or "
		    "sealed with another world's key");
	}
	*end = ls;
	return 0;
}

static int checked_record(struct rec_reader *rd, struct ynode **rec,
    int line, struct solr_err *e);

/*
 * The seal of a JSON record: its last member, ',"seal":"<64 hex>"}', over
 * the object's bytes without it (the object ending where the seal's comma
 * was).  0 with *end the length of those bytes, with the '}' written in
 * place; SOLR_ERR_VERIFY says why not.
 */
static int
check_json_seal(const struct rec_reader *rd, struct solr_sealer *sealer,
    unsigned char *p, size_t n, size_t *end, struct solr_err *e)
{
	static const char key[] = ",\"seal\":\"";
	const size_t kl = sizeof(key) - 1, tail = kl + 64 + 2;
	char want[SOLR_SEAL_LINE + 1];

	while (n > 0 && (p[n - 1] == '\n' || p[n - 1] == '\r' ||
	    p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	if (n < tail + 1 || memcmp(p + n - tail, key, kl) != 0 ||
	    memcmp(p + n - 2, "\"}", 2) != 0)
		return solr_seterr(e, SOLR_ERR_VERIFY, "the record has no seal "
		    "(its last member must be \"seal\"): only a stage of this "
		    "world writes records (solr-records(5))");
	p[n - tail] = '}';
	if (seal_line(sealer, p, n - tail + 1, want) != 0) {
		p[n - tail] = ',';
		return seal_failed(e);
	}
	if (CRYPTO_memcmp(p + n - tail + kl, want + 6, 64) != 0) {
		if (rd->foreign != NULL) {
			if (seal_line(rd->foreign, p, n - tail + 1, want) !=
			    0) {
				p[n - tail] = ',';
				return seal_failed(e);
			}
			if (CRYPTO_memcmp(p + n - tail + kl, want + 6, 64) ==
			    0) {
				p[n - tail] = ',';
				return solr_seterr(e, SOLR_ERR_VERIFY, "%s",
				    rd->foreign_why);
			}
		}
		p[n - tail] = ',';
		return solr_seterr(e, SOLR_ERR_VERIFY, "the record's seal does "
		    "not verify: it was changed after a stage wrote it (jq -c "
		    "passes a record through unchanged; -S or an edit does "
		    "not), or sealed with another world's key");
	}
	*end = n - tail + 1;
	return 0;
}

/* A record whose seal does not hold (se says why): read only for what it
 * claims, to name it in its rejection; what does not even parse says
 * so.  REC_UNSEALED, REC_BAD or SOLR_ERR_NOMEM. */
static int
unsealed(struct rec_reader *rd, int json, struct ynode **rec, int line,
    const struct solr_err *se, struct solr_err *e)
{
	int r;

	r = json ? yn_parse_json((const char *)rd->chunk.p, rd->chunk.len,
	    rd->name, line, rec, e) : yn_parse((const char *)rd->chunk.p,
	    rd->chunk.len, rd->name, line, rec, e);
	if (r != 0)
		return r == SOLR_ERR_NOMEM ? r : REC_BAD;
	if ((*rec)->kind != YN_MAP) {
		yn_free(*rec);
		*rec = NULL;
	}
	solr_seterr_at(e, SOLR_ERR_VERIFY, rd->name, line, "%s", se->msg);
	return REC_UNSEALED;
}

/* A record on one line of JSON (solr-records(5)), in rd->chunk. */
static int
json_record(struct rec_reader *rd, struct ynode **rec, int line,
    struct solr_err *e)
{
	struct solr_err se = { 0 };
	size_t end = rd->chunk.len;
	int r;

	if (rd->chunk.len > SOLR_RECORD_MAX) {
		solr_seterr_at(e, SOLR_ERR_LIMIT, rd->name, line,
		    "record exceeds the limit of %d bytes", SOLR_RECORD_MAX);
		return REC_BAD;
	}
	if (rd->sealer != NULL && !rd->any && (r = check_json_seal(rd,
	    rd->sealer, rd->chunk.p, rd->chunk.len, &end, &se)) != 0) {
		if (r != SOLR_ERR_VERIFY) {	/* not the record's fault */
			*e = se;
			return r;
		}
		return unsealed(rd, 1, rec, line, &se, e);
	}
	if ((r = yn_parse_json((const char *)rd->chunk.p, end, rd->name,
	    line, rec, e)) != 0)
		return r == SOLR_ERR_NOMEM ? r : REC_BAD;
	return checked_record(rd, rec, line, e);
}

/* The rest of a line that starts a JSON record (its first piece p, n),
 * then the record. */
static int
json_line(struct rec_reader *rd, const unsigned char *p, size_t n,
    struct ynode **rec, int line, struct solr_err *e)
{
	int bol, overflow = 0;

	do
		if (rd->chunk.len + n > SOLR_RECORD_MAX)
			overflow = 1;
		else if (solr_buf_add(&rd->chunk, p, n) != 0)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	while (!rd->at_bol && next_piece(rd, &p, &n, &bol));
	if (overflow) {
		solr_seterr_at(e, SOLR_ERR_LIMIT, rd->name, line, "record "
		    "exceeds the limit of %d bytes", SOLR_RECORD_MAX);
		return REC_BAD;
	}
	return json_record(rd, rec, line, e);
}

/* The YAML record in the chunk, its seal checked over the raw bytes: one
 * that does not hold is read only for what it claims, to name it in its
 * rejection (REC_UNSEALED). */
static int
yaml_record(struct rec_reader *rd, struct ynode **rec, int line,
    struct solr_err *e)
{
	size_t end = rd->chunk.len;
	struct solr_err se = { 0 };
	int r;

	if (rd->sealer != NULL && !rd->any && (r = check_seal(rd, rd->sealer,
	    rd->chunk.p, rd->chunk.len, &end, &se)) != 0) {
		if (r != SOLR_ERR_VERIFY) {	/* not the record's fault */
			*e = se;
			return r;
		}
		return unsealed(rd, 0, rec, line, &se, e);
	}
	/* the seal is not part of the record */
	if ((r = yn_parse((const char *)rd->chunk.p, end, rd->name, line, rec,
	    e)) != 0)
		return r == SOLR_ERR_NOMEM ? r : REC_BAD;
	return checked_record(rd, rec, line, e);
}

int
rec_read(struct rec_reader *rd, struct ynode **rec, int *line,
    struct solr_err *e)
{
	const unsigned char *p;
	size_t n;
	int bol, started = 0, content = 0, overflow = 0;

	*rec = NULL;
	*line = 0;
	rd->chunk.len = 0;
	if (rd->pending.len) {
		solr_buf_add(&rd->chunk, rd->pending.p, rd->pending.len);
		*line = rd->pending_line;
		rd->pending.len = 0;
		if (rd->chunk.p[0] == '{')
			return json_record(rd, rec, *line, e);
		started = 1;
	}
	while (next_piece(rd, &p, &n, &bol)) {
		if (bol && !started && !content && p[0] == '{') {
			/* a JSON Lines record: this line */
			*line = rd->line;
			return json_line(rd, p, n, rec, *line, e);
		}
		if (bol && (is_doc_start(p, n) || p[0] == '{')) {
			if (started || content) {
				/* the start of the next record */
				rd->pending.len = 0;
				if (solr_buf_add(&rd->pending, p, n) != 0)
					return solr_seterr(e, SOLR_ERR_NOMEM,
					    "out of memory");
				rd->pending_line = rd->line;
				/* a long "---" line continues in pieces */
				while (!rd->at_bol && next_piece(rd, &p, &n,
				    &bol))
					if (rd->pending.len < SOLR_RECORD_MAX)
						solr_buf_add(&rd->pending, p,
						    n);
				break;
			}
			started = 1;
			*line = rd->line;
		} else if (bol && !is_blank_line(p, n)) {
			if (!content && !started)
				*line = rd->line;
			content = 1;
		}
		if (overflow)
			continue;
		if (rd->chunk.len + n > SOLR_RECORD_MAX) {
			overflow = 1;
			continue;
		}
		if (solr_buf_add(&rd->chunk, p, n) != 0)
			return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	}
	if (rd->ioerr)
		return solr_seterr_at(e, SOLR_ERR_IO, rd->name, 0, "read: %s",
		    strerror(rd->ioerr));
	if (!started && !content)
		return REC_EOF;
	if (overflow) {
		solr_seterr_at(e, SOLR_ERR_LIMIT, rd->name, *line,
		    "record exceeds the limit of %d bytes", SOLR_RECORD_MAX);
		return REC_BAD;
	}
	if (!started) {
		solr_seterr_at(e, SOLR_ERR_FORMAT, rd->name, *line,
		    "text that is not a record (records start with '---', or are "
		    "one JSON object on a line)");
		return REC_BAD;
	}
	return yaml_record(rd, rec, *line, e);
}

/* What every record must be, YAML or JSON: a mapping with record: 1 and
 * the envelope. */
static int
checked_record(struct rec_reader *rd, struct ynode **rec, int line,
    struct solr_err *e)
{
	if (rd->any && (*rec)->kind == YN_MAP)
		return REC_OK;
	if ((*rec)->kind != YN_MAP || yn_get(*rec, "record") == NULL) {
		yn_free(*rec);
		*rec = NULL;
		solr_seterr_at(e, SOLR_ERR_FORMAT, rd->name, line,
		    "a record must be a mapping with a 'record' key");
		return REC_BAD;
	}
	{
		const char *v = yn_get_str(*rec, "record");

		if (v == NULL || strcmp(v, "1") != 0) {
			solr_seterr_at(e, SOLR_ERR_FORMAT, rd->name, line,
			    "record format '%.40s' is not supported (1 is)",
			    v ? v : "null");
			yn_free(*rec);
			*rec = NULL;
			return REC_BAD;
		}
	}
	if (envelope(*rec, rd->name, line, e) != 0) {
		yn_free(*rec);
		*rec = NULL;
		return REC_BAD;
	}
	return REC_OK;
}

struct rec_writer {
	FILE *f;
	int failed;
	int hold;
	struct solr_buf held;
	struct solr_sealer *sealer;	/* seal each record written */
	struct solr_buf doc;		/* the record being written */
	int json;			/* JSON Lines instead of YAML */
};

static int
out_bytes(struct rec_writer *w, const void *buf, size_t size)
{
	if (w->hold) {
		if (solr_buf_add(&w->held, buf, size) != 0) {
			w->failed = ENOMEM;
			return 0;
		}
		return 1;
	}
	if (fwrite(buf, 1, size, w->f) != size) {
		w->failed = errno ? errno : EIO;
		return 0;
	}
	return 1;
}

struct rec_writer *
rec_writer_new(FILE *f)
{
	struct rec_writer *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->f = f;
	return w;
}

/* The record's seal: HMAC-SHA-256 of its bytes from its "---" line, as
 * its last line. */
static int
seal_doc(struct rec_writer *w)
{
	char line[SOLR_SEAL_LINE + 1];
	size_t start = doc_start(w->doc.p, w->doc.len);

	if (w->doc.len == 0 || w->doc.p[w->doc.len - 1] != '\n' ||
	    seal_line(w->sealer, w->doc.p + start, w->doc.len - start, line) !=
	    0)
		return SOLR_ERR_INTERNAL;
	return solr_buf_add(&w->doc, line, SOLR_SEAL_LINE);
}

void
rec_writer_seal(struct rec_writer *w, struct solr_sealer *sealer)
{
	w->sealer = sealer;
}

void
rec_writer_json(struct rec_writer *w, int json)
{
	w->json = json;
}

/* One line of JSON; the seal is its last member, over the object's bytes
 * without it. */
static int
json_doc(struct rec_writer *w, const struct ynode *rec)
{
	char line[SOLR_SEAL_LINE + 1];

	if (yn_json(rec, &w->doc) != 0 || w->doc.len < 2 ||
	    w->doc.p[w->doc.len - 1] != '}')
		return SOLR_ERR_INTERNAL;
	if (w->sealer != NULL) {
		if (seal_line(w->sealer, w->doc.p, w->doc.len, line) != 0)
			return SOLR_ERR_INTERNAL;
		w->doc.len--;
		if (solr_buf_add(&w->doc, ",\"seal\":\"", 9) != 0 ||
		    solr_buf_add(&w->doc, line + 6, 64) != 0 ||
		    solr_buf_add(&w->doc, "\"}", 2) != 0)
			return SOLR_ERR_INTERNAL;
	}
	return solr_buf_addc(&w->doc, '\n');
}

int
rec_write(struct rec_writer *w, const struct ynode *rec)
{
	w->doc.len = 0;
	if (w->json ? json_doc(w, rec) != 0 : yn_write_doc(rec, &w->doc) != 0 ||
	    (w->sealer != NULL && seal_doc(w) != 0)) {
		w->failed = ENOMEM;
		return SOLR_ERR_IO;
	}
	/* handed on at once, so a pipeline streams */
	if (!out_bytes(w, w->doc.p, w->doc.len))
		return SOLR_ERR_IO;
	return w->failed ? SOLR_ERR_IO : 0;
}

int
rec_writer_finish(struct rec_writer *w, struct solr_err *e)
{
	if (fflush(w->f) != 0 || ferror(w->f))
		w->failed = w->failed ? w->failed : (errno ? errno : EIO);
	if (w->failed)
		return solr_seterr(e, SOLR_ERR_IO, "write error: %s",
		    strerror(w->failed));
	return 0;
}

int
rec_writer_errno(const struct rec_writer *w)
{
	return w->failed ? w->failed : EIO;
}

void
rec_writer_hold(struct rec_writer *w)
{
	w->hold = 1;
}

int
rec_writer_release(struct rec_writer *w, size_t *sent, struct solr_err *e)
{
	size_t off = 0;
	ssize_t k;
	int fd = fileno(w->f);

	*sent = 0;
	w->hold = 0;
	if (w->failed)
		return solr_seterr(e, SOLR_ERR_IO, "write error: %s",
		    strerror(w->failed));
	if (fflush(w->f) != 0)
		return solr_seterr(e, SOLR_ERR_IO, "write error: %s",
		    strerror(errno ? errno : EIO));
	while (off < w->held.len) {
		if ((k = write(fd, w->held.p + off, w->held.len - off)) < 0) {
			if (errno == EINTR)
				continue;
			w->failed = errno ? errno : EIO;
			break;
		}
		off += (size_t)k;
	}
	*sent = off;
	w->held.len = 0;
	if (w->failed)
		return solr_seterr(e, SOLR_ERR_IO, "write error: %s",
		    strerror(w->failed));
	return 0;
}

void
rec_writer_free(struct rec_writer *w)
{
	if (w == NULL)
		return;
	solr_buf_free(&w->held);
	solr_buf_free(&w->doc);
	free(w);
}

struct ynode *
rec_new(int64_t seq, const char *source, int64_t received_at)
{
	struct ynode *r;
	char ts[SOLR_TIME_STRLEN];
	int rc = 0;

	if ((r = yn_new_map(0)) == NULL)
		return NULL;
	solr_time_format(received_at, ts);
	rc |= yn_set_int(r, "record", SOLR_RECORD_VERSION);
	rc |= yn_set_int(r, "seq", seq);
	rc |= yn_set_str(r, "source", source);
	rc |= yn_set(r, "received_at", yn_new_plain(ts));
	rc |= yn_set(r, "request", yn_new_map(0));
	rc |= yn_set(r, "sender", yn_new_null());
	rc |= yn_set(r, "verdict", yn_new_plain("pass"));
	rc |= yn_set(r, "code", yn_new_null());
	rc |= yn_set(r, "reason", yn_new_null());
	rc |= yn_set(r, "stages", yn_new_map(0));
	if (rc) {
		yn_free(r);
		return NULL;
	}
	return r;
}

struct ynode *
rec_new_unreadable(int64_t seq, const char *source, const char *stage,
    const char *reason)
{
	struct ynode *r;

	if ((r = yn_new_map(0)) == NULL)
		return NULL;
	if (yn_set_int(r, "record", SOLR_RECORD_VERSION) != 0 ||
	    yn_set_int(r, "seq", seq) != 0 ||
	    yn_set_str(r, "source", source) != 0 ||
	    yn_set(r, "verdict", yn_new_plain("pass")) != 0 ||
	    yn_set(r, "code", yn_new_null()) != 0 ||
	    yn_set(r, "reason", yn_new_null()) != 0 ||
	    yn_set(r, "stages", yn_new_map(0)) != 0 ||
	    rec_reject(r, stage, NULL, reason) != 0) {
		yn_free(r);
		return NULL;
	}
	return r;
}

const char *
rec_verdict(const struct ynode *rec)
{
	return yn_get_str(rec, "verdict");
}

int
rec_is_pass(const struct ynode *rec)
{
	const char *v = rec_verdict(rec);

	return v != NULL && strcmp(v, "pass") == 0;
}

static int
decide(struct ynode *rec, const char *verdict, const char *stage,
    const char *code, const char *reason)
{
	struct ynode *st, *s;

	if (yn_set(rec, "verdict", yn_new_plain(verdict)) != 0 ||
	    yn_set(rec, "code", code ? yn_new_str(code) : yn_new_null()) != 0
	    || yn_set_str(rec, "reason", reason) != 0)
		return SOLR_ERR_NOMEM;
	if ((st = yn_get_or_add_map(rec, "stages", 0)) == NULL ||
	    (s = yn_new_map(1)) == NULL)
		return SOLR_ERR_NOMEM;
	if (yn_set(s, "result", yn_new_plain(verdict)) != 0 ||
	    (code && yn_set_str(s, "code", code) != 0)) {
		yn_free(s);
		return SOLR_ERR_NOMEM;
	}
	return yn_set(st, stage, s);
}

int
rec_outcome(struct ynode *rec, const struct ynode *from, const char *verdict)
{
	const char *v = verdict ? verdict : yn_get_str(from, "verdict");

	return yn_set(rec, "verdict", yn_new_plain(v ? v : "reject")) |
	    yn_set(rec, "code", yn_copy(yn_get(from, "code"))) |
	    yn_set(rec, "reason", yn_copy(yn_get(from, "reason")));
}

int
rec_accept(struct ynode *rec)
{
	return yn_set(rec, "verdict", yn_new_plain("accept"));
}

int
rec_reject(struct ynode *rec, const char *stage, const char *code,
    const char *reason)
{
	return decide(rec, "reject", stage, code, reason);
}

int
rec_quarantine(struct ynode *rec, const char *stage, const char *code,
    const char *reason)
{
	return decide(rec, "quarantine", stage, code, reason);
}

struct ynode *
rec_stage_pass(struct ynode *rec, const char *stage)
{
	struct ynode *st, *s;

	if ((st = yn_get_or_add_map(rec, "stages", 0)) == NULL ||
	    (s = yn_new_map(1)) == NULL)
		return NULL;
	if (yn_set(s, "result", yn_new_plain("pass")) != 0) {
		yn_free(s);
		return NULL;
	}
	if (yn_set(st, stage, s) != 0)
		return NULL;
	return yn_get(st, stage);
}

int
rec_time(const struct ynode *rec, int64_t *t)
{
	const char *s = yn_get_str(rec, "received_at");

	if (s == NULL || solr_time_parse(s, t) != 0)
		return SOLR_ERR_FORMAT;
	return 0;
}

int64_t
rec_seq(const struct ynode *rec)
{
	const char *s = yn_get_str(rec, "seq");
	uint64_t v;

	if (s == NULL || solr_parse_uint(s, INT64_MAX, &v) != 0)
		return 0;
	return (int64_t)v;
}

struct ynode *
yn_copy(const struct ynode *n)
{
	struct ynode *c;
	size_t i;

	if (n == NULL)
		return NULL;
	if (n->kind == YN_SCALAR) {
		c = n->quoted ? yn_new_strn(n->str, n->len) :
		    yn_new_plain(n->str);
		return c;
	}
	c = n->kind == YN_MAP ? yn_new_map(n->flow) : yn_new_seq(n->flow);
	for (i = 0; c && i < n->n; i++) {
		struct ynode *x = yn_copy(n->items[i]);

		if (x == NULL || (c->kind == YN_SEQ ? yn_push(c, x) :
		    (i % 2 == 0 ? (yn_free(x), 0) :
		    yn_set(c, n->items[i - 1]->str, x))) != 0) {
			yn_free(c);
			return NULL;
		}
	}
	return c;
}

struct ynode *
rec_replay_prepare(const struct ynode *old)
{
	const struct ynode *req = yn_get(old, "request");
	struct ynode *r, *nreq, *rec;
	int64_t t = 0;
	const char *src = yn_get_str(old, "source");
	int nm = 0;

	rec_time(old, &t);
	if ((r = rec_new(rec_seq(old), src ? src : "(sat)", t)) == NULL)
		return NULL;
	nreq = yn_get(r, "request");
	if (yn_get_str(req, "object"))
		nm |= yn_set_str(nreq, "object", yn_get_str(req, "object"));
	if (yn_get_str(req, "size"))
		nm |= yn_set(nreq, "size", yn_new_plain(yn_get_str(req,
		    "size")));
	rec = yn_new_map(0);
	nm |= yn_set(rec, "verdict", yn_copy(yn_get(old, "verdict")));
	nm |= yn_set(rec, "code", yn_copy(yn_get(old, "code")));
	nm |= yn_set(rec, "reason", yn_copy(yn_get(old, "reason")));
	nm |= yn_set(rec, "stages", yn_get(old, "stages") ?
	    yn_copy(yn_get(old, "stages")) : yn_new_map(0));
	if (yn_get(old, "output"))
		nm |= yn_set(rec, "output", yn_copy(yn_get(old, "output")));
	nm |= yn_set(r, "recorded", rec);
	return yn_done(r, nm);
}

static void
answer(const struct ynode *st, char *out, size_t cap)
{
	const char *res = yn_get_str(st, "result"), *code = yn_get_str(st,
	    "code");

	snprintf(out, cap, "%s%s%s", res ? res : "none", code ? " " : "",
	    code ? code : "");
}

int
rec_replay_note(struct ynode *rec, const char *stage)
{
	struct ynode *now = yn_get(yn_get(rec, "stages"), stage);
	const struct ynode *was = yn_get(yn_path(rec, "recorded.stages"),
	    stage);
	char a[64], b[64];

	if (now == NULL || now->kind != YN_MAP)
		return 0;
	answer(now, a, sizeof(a));
	answer(was, b, sizeof(b));
	if (strcmp(a, b) == 0)
		return yn_set(now, "replay", yn_new_plain("same"));
	return yn_set(now, "replay", yn_new_plain("differs")) |
	    yn_set_str(now, "recorded", b);
}

int
rec_replay_final(struct ynode *rec)
{
	const struct ynode *was = yn_get(rec, "recorded"),
	    *st = yn_get(rec, "stages");
	const char *v1 = yn_get_str(rec, "verdict"), *v2 = yn_get_str(was,
	    "verdict"), *c1 = yn_get_str(rec, "code"), *c2 = yn_get_str(was,
	    "code");
	int same = v1 && v2 && strcmp(v1, v2) == 0 && ((!c1 && !c2) ||
	    (c1 && c2 && strcmp(c1, c2) == 0));
	size_t i;

	for (i = 0; st && st->kind == YN_MAP && i + 1 < st->n; i += 2) {
		const char *r = yn_get_str(st->items[i + 1], "replay");

		if (r && strcmp(r, "differs") == 0)
			same = 0;
	}
	return yn_set(rec, "replay", yn_new_plain(same ? "same" : "differs"));
}

int
rec_eui(const struct ynode *rec, const char *path, uint64_t *eui)
{
	const struct ynode *n = yn_path(rec, path);

	if (n == NULL || !yn_is_scalar(n) ||
	    solr_eui_parse(n->str, strlen(n->str), eui) != 0)
		return SOLR_ERR_FORMAT;
	return 0;
}

int
rec_request_set(struct ynode *rec, const struct rec_header *h)
{
	struct ynode *req = yn_get_or_add_map(rec, "request", 0);
	char eui[SOLR_EUI_STRLEN];
	int r = 0;

	if (req == NULL)
		return SOLR_ERR_NOMEM;
	r |= yn_set_str(req, "schema_version", h->schema_version);
	if (h->request_id != NULL) {
		r |= yn_set_str(req, "request_id", h->request_id);
		solr_eui_format(h->originator, eui);
		r |= yn_set_str(req, "originator", eui);
		solr_eui_format(h->target, eui);
		r |= yn_set_str(req, "target", eui);
		if (h->counter > INT64_MAX)
			r |= yn_set_str(req, "counter", h->counter_text);
		else
			r |= yn_set(req, "counter", yn_new_int((int64_t)
			    h->counter));
	}
	if (!h->response) {
		r |= yn_set_int(req, "cv", h->cv);
		r |= yn_set_str(req, "srv", h->srv);
	} else {
		if (h->response_id != NULL && h->response_id[0] != '\0')
			r |= yn_set_str(req, "response_id", h->response_id);
		r |= yn_set_str(req, "response_code", h->response_code);
		r |= yn_set_str(req, "response_datetime", h->response_datetime);
	}
	r |= yn_set_str(req, "body", h->body);
	return r ? SOLR_ERR_NOMEM : 0;
}

int
rec_sender_set(struct ynode *rec, const struct rec_sender *s)
{
	struct ynode *snd = yn_new_map(0), *ci = yn_new_map(1), *roles;
	char eui[SOLR_EUI_STRLEN];
	size_t i;
	int r = 0;

	if (snd == NULL || ci == NULL) {
		yn_free(snd);
		yn_free(ci);
		return SOLR_ERR_NOMEM;
	}
	solr_eui_format(s->id, eui);
	r |= yn_set_str(snd, "id", eui);
	if (s->party != NULL) {
		roles = yn_new_seq(1);
		for (i = 0; roles && i < s->nuser_roles; i++)
			r |= yn_push(roles, yn_new_str(s->user_roles[i]));
		r |= yn_set_str(snd, "party", s->party);
		r |= yn_set(snd, "user_roles", roles);
		r |= yn_set(snd, "status", yn_new_plain(s->suspended ?
		    "suspended" : "active"));
	}
	r |= yn_set_str(ci, "issuer", s->issuer);
	r |= yn_set_str(ci, "serial", s->serial);
	r |= yn_set(ci, "role", yn_new_hex((uint64_t)s->role, 2));
	r |= yn_set(snd, "cert", ci);
	r |= yn_set(rec, "sender", snd);
	return r ? SOLR_ERR_NOMEM : 0;
}

int
rec_claimed_set(struct ynode *rec, const struct rec_claimed *c)
{
	struct ynode *m;
	char eui[SOLR_EUI_STRLEN];
	int r = 0;

	if ((m = yn_new_map(1)) == NULL)
		return SOLR_ERR_NOMEM;
	r |= yn_set(m, "verified", yn_new_plain("false"));
	if (c->request_id != NULL && c->request_id[0] != '\0')
		r |= yn_set_str(m, "request_id", c->request_id);
	if (c->has_ids) {
		solr_eui_format(c->originator, eui);
		r |= yn_set_str(m, "originator", eui);
		solr_eui_format(c->target, eui);
		r |= yn_set_str(m, "target", eui);
	}
	if (c->srv != NULL && c->srv[0] != '\0')
		r |= yn_set_str(m, "srv", c->srv);
	r |= yn_set(rec, "claimed", m);
	return r ? SOLR_ERR_NOMEM : 0;
}

struct ynode *
rec_gbcs_node(const struct rec_gbcs *g)
{
	struct ynode *m = yn_new_map(0), *s;
	char eui[SOLR_EUI_STRLEN];
	int r = 0;

	r |= yn_set(m, "message_code", yn_new_hex(g->message_code, 4));
	r |= yn_set_int(m, "cra", g->cra);
	r |= yn_set(m, "counter", yn_new_int((int64_t)g->counter));
	solr_eui_format(g->originator, eui);
	r |= yn_set_str(m, "originator", eui);
	solr_eui_format(g->recipient, eui);
	r |= yn_set_str(m, "recipient", eui);
	r |= yn_set_str(m, "apdu_sha256", g->apdu_sha256);
	if (g->signer_issuer != NULL) {
		s = yn_new_map(1);
		r |= yn_set_str(s, "issuer", g->signer_issuer);
		r |= yn_set_str(s, "serial", g->signer_serial);
		r |= yn_set(m, "signer", s);
	}
	return yn_done(m, r);
}

int
rec_gbcs_set(struct ynode *rec, const struct rec_gbcs *g)
{
	return yn_set(rec, "gbcs", rec_gbcs_node(g));
}

struct ynode *
rec_alert_node(const struct rec_alert *a)
{
	struct ynode *m = yn_new_map(0), *f;
	char eui[SOLR_EUI_STRLEN], ts[SOLR_TIME_STRLEN];
	int r = 0;

	r |= yn_set(m, "code", yn_new_hex(a->code, 4));
	r |= yn_set(m, "framing", yn_new_plain(a->framing));
	r |= yn_set(m, "payload", yn_new_plain(a->payload));
	r |= yn_set(m, "message_code", yn_new_hex(a->message_code, 4));
	solr_eui_format(a->device, eui);
	r |= yn_set_str(m, "device", eui);
	solr_eui_format(a->recipient, eui);
	r |= yn_set_str(m, "recipient", eui);
	r |= yn_set(m, "counter", yn_new_int((int64_t)a->counter));
	solr_time_format(a->timestamp, ts);
	r |= yn_set(m, "timestamp", yn_new_plain(ts));
	r |= yn_set_str(m, "check", a->check);
	if (a->has_future) {
		f = yn_new_map(1);
		r |= yn_set(f, "message_code", yn_new_hex(a->future_code, 4));
		r |= yn_set(f, "counter", yn_new_int((int64_t)a->future_counter));
		r |= yn_set_str(f, "object", a->future_object);
		r |= yn_set(m, "future_dated", f);
	}
	return yn_done(m, r);
}

int
rec_alert_set(struct ynode *rec, const struct rec_alert *a,
    const char *gbcs_sha256)
{
	struct ynode *m = rec_alert_node(a);

	if (m == NULL || yn_set_str(m, "gbcs_sha256", gbcs_sha256) != 0) {
		yn_free(m);
		return SOLR_ERR_NOMEM;
	}
	return yn_set(rec, "alert", m);
}

static const char *const rec_keys[RK_NKEYS] = {
	[RK_REQUEST] = "request",
	[RK_SENDER] = "sender",
	[RK_STAGES] = "stages",
	[RK_OUTPUT] = "output",
	[RK_RECORDED] = "recorded",
	[RK_DUPLICATE_OF] = "duplicate_of",
	[RK_CODE] = "code",
	[RK_SOURCE] = "source",
	[RK_REASON] = "reason",
	[RK_VERDICT] = "verdict",
	[RK_RESULT] = "result",
	[RK_REPLAY] = "replay",
	[RK_FORM] = "form",
	[RK_SIGNATURE] = "signature",
	[RK_ORIGINATOR_CHECK] = "originator_check",
	[RK_SCHEMA] = "schema",
	[RK_LIST_VERSION] = "list_version",
	[RK_LIST_SHA256] = "list_sha256",
	[RK_INSTRUCTION] = "instruction",
	[RK_ADT_SHA256] = "adt_sha256",
	[RK_COUNT] = "count",
	[RK_WINDOW_START] = "window_start",
	[RK_WINDOW] = "window",
	[RK_WARNING] = "warning",
	[RK_RESPONSE] = "response",
	[RK_RESPONSE_NOTE] = "response_note",
	[RK_RESPONSE_CODE] = "response_code",
	[RK_RESPONSE_TO] = "response_to",
	[RK_COUNTERSIGNED] = "countersigned",
	[RK_COUNTERSIGNED_CHECK] = "countersigned_check",
	[RK_COMMAND] = "command",
	[RK_REPLAY_NOTE] = "replay_note",
	[RK_ARTIFACTS_NOTE] = "artifacts_note",
	[RK_DELIVER_TO] = "deliver_to",
	[RK_FORWARD_TO] = "forward_to",
	[RK_SAFETY_CRITICAL] = "safety_critical",
	[RK_OBJECT] = "object",
	[RK_AT] = "at",
	[RK_SIZE] = "size",
	[RK_ID] = "id",
	[RK_REQUEST_ID] = "request_id",
	[RK_ALERT] = "alert",
	[RK_GBCS] = "gbcs",
	[RK_RECEIVED_AT] = "received_at",
};

const char *
rec_key_name(enum rec_key k)
{
	return rec_keys[k];
}

struct ynode *
rec_part(const struct ynode *m, enum rec_key k)
{
	return yn_get(m, rec_keys[k]);
}

const char *
rec_str(const struct ynode *m, enum rec_key k)
{
	return yn_get_str(m, rec_keys[k]);
}

int
rec_put(struct ynode *m, enum rec_key k, struct ynode *v)
{
	return yn_set(m, rec_keys[k], v);
}

int
rec_put_str(struct ynode *m, enum rec_key k, const char *s)
{
	return yn_set_str(m, rec_keys[k], s);
}

int
rec_put_int(struct ynode *m, enum rec_key k, int64_t v)
{
	return yn_set_int(m, rec_keys[k], v);
}

struct ynode *
rec_part_add(struct ynode *m, enum rec_key k, int flow)
{
	return yn_get_or_add_map(m, rec_keys[k], flow);
}

struct ynode *
rec_stage(const struct ynode *rec, const char *stage)
{
	return yn_get(yn_get(rec, rec_keys[RK_STAGES]), stage);
}

const char *
rec_recorded_output(const struct ynode *rec, enum rec_key k)
{
	return rec_str(rec_part(rec_part(rec, RK_RECORDED), RK_OUTPUT), k);
}

int
rec_object_set(struct ynode *rec, const char *name, const char *at,
    int64_t size)
{
	struct ynode *req = rec_part(rec, RK_REQUEST);

	if (rec_put_str(req, RK_OBJECT, name) != 0 ||
	    rec_put_str(req, RK_AT, at) != 0 ||
	    rec_put_int(req, RK_SIZE, size) != 0)
		return SOLR_ERR_NOMEM;
	return 0;
}

int
rec_gate_note(struct ynode *st, const struct rec_gate *g)
{
	char ws[SOLR_TIME_STRLEN];
	int r = 0;

	if (st == NULL)
		return SOLR_ERR_NOMEM;
	solr_time_format(g->window_start, ws);
	if (g->instruction != NULL)
		r |= rec_put_str(st, RK_INSTRUCTION, g->instruction);
	if (g->adt_sha256 != NULL)
		r |= rec_put_str(st, RK_ADT_SHA256, g->adt_sha256);
	r |= rec_put(st, RK_COUNT, yn_new_int((int64_t)g->count));
	r |= rec_put(st, RK_WINDOW_START, yn_new_plain(ws));
	r |= rec_put(st, RK_WINDOW, yn_new_int(g->window));
	if (g->warning != NULL)
		r |= rec_put_str(st, RK_WARNING, g->warning);
	return r ? SOLR_ERR_NOMEM : 0;
}

int
rec_list_note(struct ynode *st, int64_t version, const char *sha256)
{
	if (st == NULL || rec_put(st, RK_LIST_VERSION, yn_new_int(version)) !=
	    0 || rec_put_str(st, RK_LIST_SHA256, sha256) != 0)
		return SOLR_ERR_NOMEM;
	return 0;
}

int
rec_route_set(struct ynode *rec, const struct rec_route *rt)
{
	struct ynode *al = rec_part(rec, RK_ALERT);
	char eui[SOLR_EUI_STRLEN];
	int r = 0;

	solr_eui_format(rt->deliver_to, eui);
	r |= rec_put_str(al, RK_DELIVER_TO, eui);
	solr_eui_format(rt->forward_to, eui);
	r |= rec_put(al, RK_FORWARD_TO, rt->has_forward ? yn_new_str(eui) :
	    yn_new_null());
	r |= rec_put(al, RK_SAFETY_CRITICAL, yn_new_plain(rt->safety_critical ?
	    "true" : "false"));
	return r ? SOLR_ERR_NOMEM : 0;
}
