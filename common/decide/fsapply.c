/* Applying an uploaded Failed Suppliers list: the review, the list and
 * its history written under the state lock, and the list restored when
 * its history entry cannot be written. */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crypto.h"
#include "base/guard.h"
#include "base/layout.h"
#include "decide/fslist.h"
#include "store/record.h"

#define HISTORY (world_layout[WF_FS_HISTORY].path)
#define LOCK "state/failed-suppliers.lock"
#define UPLOAD_MAX (4 * 1024 * 1024)
#define LIST_FILE_MAX (16 * 1024 * 1024)

static const char *
str_at(const struct ynode *doc, const char *path)
{
	const struct ynode *n = yn_path(doc, path);

	return n != NULL && yn_is_scalar(n) ? n->str : NULL;
}

/* An entry's MAC under the history key: of its bytes up to its mac line. */
static void
entry_mac(const struct solr_world *w, const char *p, size_t n,
    char hex[SOLR_SHA256_HEX])
{
	unsigned char mac[32];

	if (solr_hmac(w->history_key, p, n, mac) != 0)
		memset(mac, 0, sizeof(mac));
	solr_hex(mac, sizeof(mac), hex);
}

/* The end of the entry that starts at p: the next "---" line, or end. */
static const char *
entry_end(const char *p, const char *end)
{
	const char *q = p + 3;

	while (q < end && (q = memmem(q, (size_t)(end - q), "\n---\n", 5))
	    != NULL)
		return q + 1;
	return end;
}

/* One entry against the chain: "prev: H\nmac: M\n" at its end, H the
 * chain so far, M its MAC.  0; 1 when it carries no MAC. */
static int
entry_check(const struct solr_world *w, const char *p, const char *q,
    const char *chain, int *bad)
{
	char want[SOLR_SHA256_HEX];
	const char *mac = q - 70, *prev = q - 141;

	*bad = 0;
	if (q - p < 141 + 4 || memcmp(mac, "mac: ", 5) != 0 || q[-1] != '\n'
	    || memcmp(prev, "prev: ", 6) != 0 || prev[-1] != '\n')
		return 1;
	*bad = memcmp(prev + 6, chain, 64) != 0 ? 'p' : 0;
	entry_mac(w, p, (size_t)(mac - p), want);
	if (*bad == 0 && memcmp(mac + 5, want, 64) != 0)
		*bad = 'm';
	return 0;
}

/* The history's chain of MACs (solr-world(5)): each entry whole, written
 * by this world, in its place.  A last entry without its MAC is a torn
 * append (its start in last->torn_at); any other break is
 * SOLR_ERR_VERIFY naming the entry's line. */
static int
history_chain(const struct solr_world *w, const char *path,
    const struct solr_buf *b, struct fs_history_last *last,
    struct solr_err *e)
{
	const char *s = (const char *)b->p, *end = s + b->len, *p, *q;
	unsigned char sha[32];
	int line = 1, bad, no_mac;

	memset(last->chain, '0', 64);
	last->chain[64] = '\0';
	last->torn_at = -1;
	for (p = s; p < end; p = q) {
		if (end - p < 4 || memcmp(p, "---\n", 4) != 0)
			return solr_seterr_at(e, SOLR_ERR_VERIFY, path, line,
			    "not an entry of the history: the history was "
			    "changed by hand");
		q = entry_end(p, end);
		no_mac = entry_check(w, p, q, last->chain, &bad);
		if (no_mac && q == end) {
			last->torn_at = (long)(p - s);
			break;
		}
		if (no_mac || bad)
			return solr_seterr_at(e, SOLR_ERR_VERIFY, path, line,
			    "the entry here %s: the history was changed by "
			    "hand, or entries were taken out (solr-world(5))",
			    no_mac ? "carries no MAC" : bad == 'p' ? "does not "
			    "follow the one before it" : "is not one this "
			    "world's apply wrote (its MAC does not hold)");
		solr_sha256(p, (size_t)(q - p), sha);
		solr_hex(sha, sizeof(sha), last->chain);
		for (; p < q; p++)
			line += *p == '\n';
	}
	return 0;
}

int
fslist_history(const struct solr_world *w, void (*fn)(void *, const struct
    fs_history_entry *), void *arg, struct fs_history_last *last,
    struct solr_err *err)
{
	char path[PATH_MAX];
	struct fs_history_entry h;
	struct solr_buf b = { 0 };
	struct rec_reader *rd;
	struct ynode *doc;
	struct solr_err e = { 0 };
	FILE *f;
	int r, line;

	memset(last, 0, sizeof(*last));
	memset(last->chain, '0', 64);
	last->torn_at = -1;
	snprintf(path, sizeof(path), "%s/%s", w->dir, HISTORY);
	if ((r = solr_read_guarded(path, LIST_FILE_MAX * 4, &b, err)) != 0) {
		solr_buf_free(&b);
		return errno == ENOENT ? 0 : r;
	}
	r = history_chain(w, path, &b, last, err);
	if (r == 0 && (f = fmemopen(b.p, last->torn_at >= 0 ?
	    (size_t)last->torn_at : b.len, "r")) == NULL)
		r = b.len == 0 || last->torn_at == 0 ? 0 : solr_seterr(err,
		    SOLR_ERR_NOMEM, "out of memory");
	else if (r == 0 && (rd = rec_reader_new(f, path)) == NULL) {
		fclose(f);
		r = solr_seterr(err, SOLR_ERR_NOMEM, "out of memory");
	} else if (r == 0) {
		rec_reader_any(rd);
		while ((r = rec_read(rd, &doc, &line, &e)) != REC_EOF) {
			memset(&h, 0, sizeof(h));
			h.line = line;
			if (r != REC_OK) {
				last->damaged = line;
				h.damage = e.msg;
				if (fn)
					fn(arg, &h);
				if (r < 0)
					break;
				continue;
			}
			last->found = 1;
			snprintf(last->sha_new, sizeof(last->sha_new), "%s",
			    str_at(doc, "sha256.new") ? str_at(doc,
			    "sha256.new") : "");
			h.doc = doc;
			if (fn)
				fn(arg, &h);
			yn_free(doc);
		}
		r = 0;
		rec_reader_free(rd);
		fclose(f);
	}
	solr_buf_free(&b);
	return r;
}

/* After a failed apply: the list as it was (old: its bytes, or NULL when
 * there was none).  0 when the list is as it was. */
static int
restore_list(const char *path, const struct solr_buf *old)
{
	struct solr_buf now = { 0 };
	struct solr_err e = { 0 };
	int same;

	if (solr_read_guarded(path, LIST_FILE_MAX, &now, &e) != 0) {
		solr_buf_free(&now);
		if (errno == ENOENT && old == NULL)
			return 0;
		same = 0;
	} else {
		same = old != NULL && now.len == old->len &&
		    memcmp(now.p, old->p, now.len) == 0;
		solr_buf_free(&now);
	}
	if (same)
		return 0;
	if (old == NULL)
		return unlink(path) == 0 ? 0 : -1;
	return solr_write_atomic(path, old->p, old->len, 1, &e);
}

/* The state lock, held until the descriptor is closed. */
static int
lock_state(const char *world, struct solr_err *e)
{
	char path[PATH_MAX];
	int fd;

	world_path(path, sizeof(path), world, WF_STATE);
	if (solr_mkdirs(path, e) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", world, LOCK);
	if ((fd = solr_open_regular(path, O_RDWR | O_CREAT, 1, e)) < 0)
		return -1;
	if (solr_flock(fd, LOCK_EX) != 0) {
		solr_seterr_at(e, SOLR_ERR_IO, path, 0, "lock: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Temporary files of applies that were killed before their rename. */
static void
remove_stale_temporaries(const char *world)
{
	static const char prefix[] = "failed-suppliers.yaml.tmp";
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (solr_guard(world, 1, &(struct solr_err){ 0 }) != 0 ||
	    (d = opendir(world)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1) == 0) {
			snprintf(path, sizeof(path), "%s/%s", world,
			    de->d_name);
			unlink(path);
		}
	closedir(d);
}

/* The scanner's words: its standard output and error, at most cap - 1
 * bytes, line breaks as "; ". */
static int
scanner_output(int fd, char *out, size_t cap, time_t deadline)
{
	size_t n = 0;
	ssize_t k;
	char buf[512];
	int late = 0;

	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		time_t now = time(NULL);
		ssize_t i;
		int pr;

		if (now >= deadline) {
			late = 1;
			break;
		}
		if ((pr = poll(&pf, 1, (int)(deadline - now) * 1000)) < 0 &&
		    errno == EINTR)
			continue;
		if (pr <= 0) {
			late = pr == 0;
			break;
		}
		if ((k = read(fd, buf, sizeof(buf))) < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;

		for (i = 0; i < k && n + 3 < cap; i++) {
			if (buf[i] == '\n') {
				memcpy(out + n, "; ", 2);
				n += 2;
			} else if ((unsigned char)buf[i] >= 0x20)
				out[n++] = buf[i];
		}
	}
	while (n >= 2 && memcmp(out + n - 2, "; ", 2) == 0)
		n -= 2;
	out[n] = '\0';
	return late;
}

/* The scanner's program (the first word of its command), found as the
 * shell would find it and held to the guard's rules (base/guard.h): in
 * the world, or on an absolute path checked from / down.  Into script,
 * the command that runs that very file on "$1". */
static int
scanner_script(const char *cmd, const char *world, char *script, size_t cap,
    struct solr_err *e)
{
	char word[PATH_MAX], path[PATH_MAX], real[PATH_MAX];
	const char *rest, *env, *p;
	size_t n;

	cmd += strspn(cmd, " \t");
	n = strcspn(cmd, " \t");
	rest = cmd + n;
	if (n == 0 || n >= sizeof(word) || strcspn(cmd, "'\"\\$`;|&<>(){}*?[~")
	    < n)
		return solr_seterr(e, SOLR_ERR_CONFIG, "policy upload_scanner: "
		    "its program must be a plain path or name, without quotes "
		    "or shell syntax (%.*s)", (int)n, cmd);
	memcpy(word, cmd, n);
	word[n] = '\0';
	if (strchr(word, '/') != NULL) {
		if (word[0] == '/')
			snprintf(path, sizeof(path), "%s", word);
		else
			snprintf(path, sizeof(path), "%s/%s", world, word +
			    (strncmp(word, "./", 2) == 0 ? 2 : 0));
	} else {
		path[0] = '\0';
		env = getenv("PATH");
		for (p = env ? env : ""; *p; p += *p == ':') {
			size_t dl = strcspn(p, ":");

			if (dl > 0 && p[0] == '/' && snprintf(path, sizeof(path),
			    "%.*s/%s", (int)dl, p, word) < (int)sizeof(path) &&
			    access(path, X_OK) == 0)
				break;
			path[0] = '\0';
			p += dl;
		}
		if (path[0] == '\0')
			return solr_seterr(e, SOLR_ERR_CONFIG, "policy "
			    "upload_scanner: %s is on no directory of PATH",
			    word);
	}
	if (strchr(path, '\'') != NULL)
		return solr_seterr(e, SOLR_ERR_CONFIG, "policy upload_scanner: "
		    "%s: a quote in its path", path);
	if (solr_guard_exec(path, real, sizeof(real), e) != 0)
		return e->code;
	/* the file checked: the world's by its name in the world (the shell
	 * runs there), any other by the path checked */
	if ((size_t)snprintf(script, cap, "'%s'%s \"$1\"", word[0] == '/' ||
	    strchr(word, '/') == NULL ? real : word, rest) >= cap)
		return solr_seterr(e, SOLR_ERR_CONFIG, "policy upload_scanner: "
		    "too long");
	return 0;
}

/* Runs the scanner in the world's directory on path (as "$1" of sh -c),
 * its words in out;
 * its exit status, or -1 (and errno) when it could not run. */
static int
run_scanner(const char *script, const char *dir, const char *path,
    int64_t seconds, char *out, size_t cap)
{
	int p[2], status, late;
	time_t deadline;
	pid_t pid;

	if (pipe(p) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* its own group, so that all of it can be stopped */
		setpgid(0, 0);
		dup2(p[1], STDOUT_FILENO);
		dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		if (chdir(dir) != 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", script, "solr-upload-scan", path,
		    (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	deadline = time(NULL) + (time_t)seconds;
	late = scanner_output(p[0], out, cap, deadline);
	close(p[0]);
	/* its output closed is not its end: the limit holds until it exits,
	 * whatever it did with its output */
	while (!late) {
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return -1;
		if (time(NULL) >= deadline)
			late = 1;
		else
			nanosleep(&ts, NULL);
	}
	if (late) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return -1;
	}
	if (late)
		return -2;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The scanner names the private copy; the operator knows the upload. */
static void
name_upload(char *words, size_t cap, const char *copy, const char *file)
{
	char out[1024], *p = words, *hit;
	size_t n = 0, cl = strlen(copy), fl = strlen(file);

	while ((hit = strstr(p, copy)) != NULL) {
		size_t k = (size_t)(hit - p);

		if (n + k + fl + 1 > sizeof(out))
			break;
		memcpy(out + n, p, k);
		memcpy(out + n + k, file, fl);
		n += k + fl;
		p = hit + cl;
	}
	if (p == words)
		return;
	snprintf(out + n, sizeof(out) - n, "%s", p);
	snprintf(words, cap, "%s", out);
}

int
fslist_scan(const struct solr_world *w, const char *file,
    const unsigned char *p, size_t n, struct solr_err *e)
{
	const char *scanner = w->policy.upload_scanner;
	char dir[PATH_MAX], path[PATH_MAX + 16], words[1024], script[8192];
	const char *tmp = getenv("TMPDIR");
	int st;

	if (scanner == NULL || *scanner == '\0')
		return solr_seterr_at(e, SOLR_ERR_CONFIG, file, 0, "not "
		    "reviewed: policy.yaml names no upload_scanner, and every "
		    "upload goes through the anti-malware check first (the "
		    "seed, 4.2.1; solr-world(5))");
	if (scanner_script(scanner, w->dir, script, sizeof(script), e) != 0)
		return e->code;
	/* a private copy, readable by a scanning daemon, that nobody can
	 * change between the scan and the parse */
	snprintf(dir, sizeof(dir), "%s/solr-upload.XXXXXX", tmp && *tmp ? tmp :
	    "/tmp");
	if (mkdtemp(dir) == NULL)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0, "mkdtemp: %s",
		    strerror(errno));
	snprintf(path, sizeof(path), "%s/upload", dir);
	if (chmod(dir, 0711) != 0 || solr_write_atomic(path, p, n, 0, e) != 0 ||
	    chmod(path, 0644) != 0) {
		if (e->msg[0] == '\0')
			solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
			    strerror(errno));
		unlink(path);
		rmdir(dir);
		return SOLR_ERR_IO;
	}
	st = run_scanner(script, w->dir, path, w->policy.upload_scanner_seconds,
	    words, sizeof(words));
	unlink(path);
	rmdir(dir);
	name_upload(words, sizeof(words), path, file);
	if (st == -2)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, file, 0, "refused: the "
		    "anti-malware scanner (%s) did not finish within %lld s "
		    "(policy upload_scanner_seconds)", scanner,
		    (long long)w->policy.upload_scanner_seconds);
	if (st < 0)
		return solr_seterr_at(e, SOLR_ERR_IO, file, 0, "the anti-malware "
		    "scanner could not run: %s", strerror(errno));
	if (st != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, file, 0, "refused by "
		    "the anti-malware scanner (%s, exit status %d%s): %s",
		    scanner, st, st == 127 ? ": not found" : st > 128 ?
		    ": killed by a signal" : "", words[0] ? words :
		    "(it said nothing)");
	return 0;
}

int
fslist_accepted(const struct fs_finding *f, char *const *accept,
    size_t naccept)
{
	size_t i, cl = strlen(f->code);
	uint64_t id;

	if (f->note)
		return 1;
	for (i = 0; i < naccept; i++) {
		const char *a = accept[i];

		if (strcmp(a, f->code) == 0)
			return 1;
		if (strncmp(a, f->code, cl) == 0 && a[cl] == ':' &&
		    solr_eui_parse(a + cl + 1, strlen(a + cl + 1), &id) == 0 &&
		    id == f->supplier)
			return 1;
	}
	return 0;
}

static size_t
nnotes(const struct fs_apply *a)
{
	size_t i, k = 0;

	for (i = 0; i < a->nfindings; i++)
		k += a->findings[i].note != 0;
	return k;
}

/* The entry that starts at start of h, chained and MACed: its prev and
 * mac lines added, chain then its SHA-256. */
static int
seal_entry(const struct solr_world *w, struct solr_buf *h, size_t start,
    char chain[SOLR_SHA256_HEX])
{
	char line[80], mac[SOLR_SHA256_HEX];
	unsigned char sha[32];

	snprintf(line, sizeof(line), "prev: %s\n", chain);
	if (solr_buf_add(h, line, strlen(line)) != 0)
		return SOLR_ERR_NOMEM;
	entry_mac(w, (const char *)h->p + start, h->len - start, mac);
	snprintf(line, sizeof(line), "mac: %s\n", mac);
	if (solr_buf_add(h, line, strlen(line)) != 0)
		return SOLR_ERR_NOMEM;
	solr_sha256(h->p + start, h->len - start, sha);
	solr_hex(sha, sizeof(sha), chain);
	return 0;
}

/* The history entry of this apply (and, first, one for a change that
 * was made without apply), each chained and MACed; *torn where a torn
 * last entry starts, to be cut first (-1: none). */
static int
history_text(const struct fs_apply *a, const struct fs_list *cur,
    const char *upsha, const char *ts, struct solr_buf *h, long *torn,
    struct solr_err *e)
{
	struct fs_history_last le;
	const char *oldsha = cur->present ? cur->sha256 : "null";
	char line[512], eui[SOLR_EUI_STRLEN];
	size_t i, start;
	int r = 0;

	/* a broken history is the world's trouble, not a finding of the
	 * upload: nothing is added to it */
	if ((r = fslist_history(a->world, NULL, NULL, &le, e)) != 0)
		return r == SOLR_ERR_VERIFY ? (e->code = SOLR_ERR_CONFIG) : r;
	*torn = le.torn_at;
	if (le.found && strcmp(le.sha_new, oldsha) != 0) {
		/* an earlier apply installed a list but died before its
		 * history entry, or the file was edited by hand */
		snprintf(line, sizeof(line), "---\nat: %s\nevent: "
		    "unrecorded-change\nsha256: {expected: %s, found: %s}\n",
		    ts, le.sha_new, oldsha);
		if (solr_buf_add(h, line, strlen(line)) != 0 ||
		    seal_entry(a->world, h, 0, le.chain) != 0)
			return SOLR_ERR_NOMEM;
	}
	start = h->len;
	snprintf(line, sizeof(line), "---\nat: %s\nby: ", ts);
	r |= solr_buf_add(h, line, strlen(line));
	r |= solr_buf_quoted(h, a->by);
	r |= solr_buf_add(h, "\nreason: ", 9);
	r |= solr_buf_quoted(h, a->reason);
	r |= solr_buf_add(h, "\nfile: ", 7);
	r |= solr_buf_quoted(h, a->file);
	snprintf(line, sizeof(line), "\nuploaded_sha256: %s\nversion: {old: "
	    "%lld, new: %lld}\nsha256: {old: %s, new: %s}\noverridden:%s\n",
	    upsha, (long long)cur->version, (long long)a->version, oldsha,
	    a->sha256, a->nfindings > nnotes(a) ? "" : " []");
	r |= solr_buf_add(h, line, strlen(line));
	for (i = 0; i < a->nfindings; i++) {
		if (a->findings[i].note)
			continue;
		/* a finding about the list itself names no supplier */
		solr_eui_format(a->findings[i].supplier, eui);
		if (a->findings[i].supplier != 0)
			snprintf(line, sizeof(line), "  - {code: %s, supplier: "
			    "%s}\n", a->findings[i].code, eui);
		else
			snprintf(line, sizeof(line), "  - {code: %s}\n",
			    a->findings[i].code);
		r |= solr_buf_add(h, line, strlen(line));
	}
	if (r == 0)
		r = seal_entry(a->world, h, start, le.chain);
	return r ? SOLR_ERR_NOMEM : 0;
}

/* The review: every finding, and whether the operator accepted it. */
static int
review(struct fs_apply *a, const struct fs_list *cur, const struct fs_list *up,
    struct solr_err *e)
{
	size_t i;
	int r;

	a->refused = 0;
	if ((r = fslist_validate(a->world, cur, up, a->at, &a->findings,
	    &a->nfindings, e)) != 0)
		return r;
	if ((a->accepted = calloc(a->nfindings + 1, sizeof(int))) == NULL)
		return solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
	for (i = 0; i < a->nfindings; i++)
		a->refused += !(a->accepted[i] = fslist_accepted(
		    &a->findings[i], a->accept, a->naccept));
	if (a->refused)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, a->file, 0,
		    "not applied: %zu finding%s not accepted (review them, "
		    "then --accept CODE or CODE:EUI)", a->refused,
		    a->refused > 1 ? "s are" : " is");
	return 0;
}

/* Under the lock: the new list, then its history entry; the old list
 * back when the entry cannot be written. */
static int
install(struct fs_apply *a, const struct fs_list *cur_, const struct fs_list *up,
    const char *upsha, struct solr_err *e)
{
	const struct fs_list cur = *cur_;
	struct solr_buf h = { 0 }, was = { 0 };
	char path[PATH_MAX], ts[SOLR_TIME_STRLEN];
	char *text = NULL;
	long torn = -1;
	int r;

	remove_stale_temporaries(a->world->dir);
	/* the upload's version; one above the installed when it is not
	 * above it (a finding the operator accepted) */
	a->version = up->version > cur.version ? up->version : cur.version + 1;
	solr_time_format(a->at, ts);
	world_path(path, sizeof(path), a->world->dir, WF_FAILED_SUPPLIERS);
	if ((text = fslist_render(up, a->version)) == NULL) {
		r = solr_seterr(e, SOLR_ERR_NOMEM, "out of memory");
		goto out;
	}
	solr_sha256_hex(text, strlen(text), a->sha256);
	if ((cur.present && (r = solr_read_guarded(path, LIST_FILE_MAX, &was,
	    e)) != 0) || (r = history_text(a, &cur, upsha, ts, &h, &torn,
	    e)) != 0)
		goto out;
	/* a torn last entry (an apply that died in its append) goes */
	if (torn >= 0 && truncate(a->history, (off_t)torn) != 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, a->history, 0, "cutting a "
		    "torn last entry: %s", strerror(errno));
		goto out;
	}
	a->tried = 1;
	if ((r = solr_write_atomic(path, text, strlen(text), 1, e)) == 0 &&
	    (r = solr_append_synced(a->history, h.p, h.len, e)) == 0)
		goto out;
	a->restored = restore_list(path, cur.present ? &was : NULL) == 0;
out:
	free(text);
	solr_buf_free(&h);
	solr_buf_free(&was);
	return r;
}

int
fslist_apply(struct fs_apply *a, struct solr_err *e)
{
	struct fs_list up, cur = { 0 };
	struct solr_buf raw = { 0 };
	char upsha[SOLR_SHA256_HEX];
	int lockfd = -1, r;

	a->tried = a->restored = 0;
	snprintf(a->history, sizeof(a->history), "%s/%s", a->world->dir,
	    HISTORY);
	if ((r = solr_read_file(a->file, UPLOAD_MAX, &raw, e)) != 0 ||
	    (r = fslist_scan(a->world, a->file, raw.p, raw.len, e)) != 0 ||
	    (r = fslist_parse((const char *)raw.p, raw.len, a->file, &up,
	    e)) != 0) {
		solr_buf_free(&raw);
		a->scan_refused = r == SOLR_ERR_VERIFY;
		return r == SOLR_ERR_FORMAT || r == SOLR_ERR_VERIFY ?
		    SOLR_ERR_CONFIG : r;
	}
	solr_sha256_hex(raw.p, raw.len, upsha);
	if ((lockfd = lock_state(a->world->dir, e)) < 0)
		r = SOLR_ERR_IO;
	else if ((r = fslist_load(a->world->dir, &cur, e)) == 0 &&
	    (r = review(a, &cur, &up, e)) == 0)
		r = install(a, &cur, &up, upsha, e);
	if (lockfd >= 0)
		close(lockfd);
	solr_buf_free(&raw);
	fslist_free(&up);
	fslist_free(&cur);
	return r;
}

void
fslist_apply_free(struct fs_apply *a)
{
	free(a->findings);
	free(a->accepted);
	a->findings = NULL;
	a->accepted = NULL;
}

/* What the history says of the list in force: 0 when its last entry
 * installed it (or none was ever applied to the world's first list);
 * otherwise the break, in e. */
int
fslist_history_holds(const struct fs_list *l, const struct fs_history_last *le,
    struct solr_err *e)
{
	if (!le->found && (!l->present || l->version <= 1))
		return 0;
	if (!le->found)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "state/failed-"
		    "suppliers.history", 0, "no entry, yet list version %lld "
		    "is applied: the history was emptied or removed",
		    (long long)l->version);
	if (strcmp(le->sha_new, l->present ? l->sha256 : "null") != 0)
		return solr_seterr_at(e, SOLR_ERR_VERIFY, "state/failed-"
		    "suppliers.history", 0, "the applied list is not the one "
		    "the last history entry installed (sha256 %s): it was "
		    "changed without apply, an apply was interrupted, or the "
		    "history was cut short", le->sha_new);
	return 0;
}
