#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/record.h"
#include "store/register.h"
#include "base/util.h"
#include "base/yread.h"
#include "base/ywrite.h"

static int
stage_is(const struct ynode *rec, const char *stage, const char *a,
    const char *b)
{
	const char *r = rec_str(yn_get(rec_part(rec, RK_STAGES), stage),
	    RK_RESULT);

	return r != NULL && (strcmp(r, a) == 0 || (b && strcmp(r, b) == 0));
}

int
reg_key_of(const struct solr_record *rec, struct reg_key *k)
{
	const struct solr_request *q = &rec->request;
	size_t n;

	memset(k, 0, sizeof(*k));
	if (!stage_is(rec->tree, "verify-sig", "pass", NULL) ||
	    !stage_is(rec->tree, "failed-suppliers", "pass", "skipped") ||
	    (rec->has & (RV_SENDER | RV_IDS | RV_OBJECT)) != (RV_SENDER |
	    RV_IDS | RV_OBJECT) || q->counter == NULL ||
	    !solr_is_sha256_hex(q->object) ||
	    solr_unhex(q->object, 64, k->sha, 32, &n) != 0 ||
	    solr_parse_uint(q->counter, UINT64_MAX, &k->counter) != 0)
		return -1;
	k->request_id = q->request_id;
	k->originator = q->originator.eui;
	k->target = q->target.eui;
	return 0;
}

int
reg_find(struct ledger *l, const struct reg_key *k, struct ynode **first,
    enum reg_found *found, struct solr_err *e)
{
	struct ledger_entry x;
	struct solr_err pe = { 0 };
	char was[65];
	int r, have;

	*first = NULL;
	*found = REG_NEW;
	if ((r = ledger_lookup(l, k->originator, k->counter, k->target, &x,
	    &have, e)) != 0 || !have)
		return r;
	if (memcmp(x.sha, k->sha, 32) != 0) {
		solr_hex(x.sha, 32, was);
		solr_seterr(e, SOLR_ERR_VERIFY, "RequestID %s was decided "
		    "before for another document (sha256 %s): a second signed "
		    "document for one counter is a replay", k->request_id,
		    was);
		*found = REG_REPLAY;
		return 0;
	}
	if (yn_parse_json(x.note, strlen(x.note), l->path, 0, first, &pe) != 0
	    || (*first)->kind != YN_MAP) {
		yn_free(*first);
		*first = NULL;
		return solr_seterr_at(e, SOLR_ERR_FORMAT, l->path, 0, "the "
		    "entry of RequestID %s does not hold its first decision%s%s",
		    k->request_id, pe.msg[0] ? ": " : "", pe.msg);
	}
	*found = REG_DUPLICATE;
	return 0;
}

/* A field kept as a stage wrote it: on one line. */
static void
flow(struct ynode *n)
{
	size_t i;

	if (n == NULL || n->kind == YN_SCALAR)
		return;
	n->flow = 1;
	for (i = 0; i < n->n; i++)
		flow(n->items[i]);
}

/* A copy of s cut to at most max bytes (on a UTF-8 boundary). */
static struct ynode *
cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return yn_new_str(s);
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return yn_new_strn(s, max);
}

int
reg_put(struct ledger *l, const struct reg_key *k, const struct ynode *rec,
    const char *const *fields, enum reg_found *found, struct solr_err *e)
{
	static const char *const keys[] = { "seq", "received_at", "verdict",
	    "code", NULL };
	struct ynode *n = yn_new_map(1), *v;
	struct solr_buf b = { 0 };
	size_t i, limit;
	int r = 0, again;

	*found = REG_NEW;
	if (n == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; keys[i] != NULL; i++)
		if ((v = yn_get(rec, keys[i])) != NULL)
			r |= yn_set(n, keys[i], yn_copy(v));
	for (i = 0; fields != NULL && fields[i] != NULL; i++)
		if ((v = yn_path(rec, fields[i])) != NULL)
			r |= yn_set(n, fields[i], yn_copy(v));
	/* the free text last, cut to fit the note */
	for (limit = 600; r == 0; limit /= 2) {
		const char *src = rec_str(rec, RK_SOURCE), *why =
		    rec_str(rec, RK_REASON);

		r |= rec_put(n, RK_SOURCE, src ? cut(src, limit / 2) :
		    yn_new_null());
		r |= rec_put(n, RK_REASON, why ? cut(why, limit) :
		    yn_new_null());
		b.len = 0;
		if (r != 0 || yn_json(n, &b) != 0)
			r = 1;
		else if (b.len <= LEDGER_NOTE_MAX || limit < 16)
			break;
	}
	if (r == 0 && b.len > LEDGER_NOTE_MAX)
		r = solr_seterr_at(e, SOLR_ERR_INTERNAL, l->path, 0, "the "
		    "decision of RequestID %s does not fit a note",
		    k->request_id);
	else if (r != 0)
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	else if (solr_buf_addc(&b, '\0') != 0)
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	else if ((r = ledger_record_note(l, k->originator, k->counter,
	    k->target, k->sha, (const char *)b.p, &again, e)) == 0 && again)
		*found = REG_DUPLICATE;	/* another process was first */
	else if (r == SOLR_ERR_VERIFY) {
		solr_err_clear(e);
		*found = REG_REPLAY;
		r = 0;
	}
	solr_buf_free(&b);
	yn_free(n);
	return r;
}

static off_t
key_byte(const struct reg_key *k)
{
	uint64_t h = 1469598103934665603ULL;

	h = (h ^ k->originator) * 1099511628211ULL;
	h = (h ^ k->counter) * 1099511628211ULL;
	h = (h ^ k->target) * 1099511628211ULL;
	return (off_t)(h >> 34);	/* a byte of the first 1 GiB */
}

static int
key_lock(struct ledger *l, const struct reg_key *k, short type, int wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = key_byte(k);
	fl.l_len = 1;
	while (fcntl(l->lfd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
reg_lock(struct ledger *l, const struct reg_key *k, struct solr_err *e)
{
	struct solr_err re = { 0 };

	if (l->lfd < 0)
		return 0;
	/* never wait on a RequestID with the ledger held for a batch: the
	 * process that has it may be waiting for the ledger */
	if (l->held && key_lock(l, k, F_WRLCK, 0) == 0)
		return 0;
	if (l->held && ledger_release(l, &re) != 0) {
		*e = re;
		return re.code;
	}
	if (key_lock(l, k, F_WRLCK, 1) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "the lock of "
		    "RequestID %s: %s", k->request_id, strerror(errno));
	return 0;
}

int
reg_trylock(struct ledger *l, const struct reg_key *k)
{
	if (l->lfd < 0)
		return 0;
	return key_lock(l, k, F_WRLCK, 0) == 0 ? 0 : -1;
}

void
reg_unlock(struct ledger *l, const struct reg_key *k)
{
	if (l->lfd >= 0)
		(void)key_lock(l, k, F_UNLCK, 1);
}

struct ynode *
reg_first_field(const struct ynode *first, const char *field)
{
	struct ynode *n = yn_copy(yn_get(first, field));

	flow(n);
	return n;
}

struct ynode *
reg_duplicate_of(const struct ynode *first)
{
	static const char *const keys[] = { "seq", "received_at", "source",
	    NULL };
	struct ynode *d = yn_new_map(1), *v;
	size_t i;

	for (i = 0; d != NULL && keys[i] != NULL; i++)
		if ((v = yn_get(first, keys[i])) != NULL &&
		    yn_set(d, keys[i], yn_copy(v)) != 0) {
			yn_free(d);
			return NULL;
		}
	return d;
}
