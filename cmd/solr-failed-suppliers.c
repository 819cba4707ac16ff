/*
 * solr-failed-suppliers: the Failed Suppliers list, from upload to the
 * pipeline.  validate and apply review and install an uploaded list; show
 * prints it and its history; check is the pipeline stage that holds a
 * SolrContingency sender to the suppliers on the list.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/fslist.h"
#include "../common/record.h"
#include "../common/util.h"
#include "../common/world.h"
#include "cli.h"

#define STAGE "failed-suppliers"
#define HISTORY "state/failed-suppliers.history"
#define LOCK "state/failed-suppliers.lock"

static struct solr_world world;
static int64_t at;
static int have_at;
static int replay;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: %s [-C dir] [--at time] validate file\n"
	    "       %s [-C dir] [--at time] apply file --by name --reason text "
	    "[--accept code[:eui]] ...\n"
	    "       %s [-C dir] show\n"
	    "       %s [-C dir] [--replay] check | route\n", cli_prog, cli_prog,
	    cli_prog, cli_prog);
	exit(EXIT_TROUBLE);
}

static int64_t
now(void)
{
	return have_at ? at : (int64_t)time(NULL);
}

/* Reads and parses an uploaded list; a schema error ends the run. */
static void
read_upload(const char *path, struct fs_list *l, struct solr_buf *raw)
{
	struct solr_err e = { 0 };

	if (solr_read_file(path, 4 * 1024 * 1024, raw, &e) != 0 ||
	    fslist_parse((const char *)raw->p, raw->len, path, l, &e) != 0) {
		cli_error(&e);
		exit(EXIT_TROUBLE);
	}
}

static void
print_findings(const char *path, const struct fs_finding *f, size_t n,
    const int *accepted)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%s:%d: %s: %s%s\n", path, f[i].line, f[i].code,
		    f[i].msg, accepted == NULL ? "" : accepted[i] ?
		    " (accepted)" : " (not accepted)");
}

static int
cmd_validate(int argc, char **argv)
{
	struct fs_list l;
	struct solr_buf raw = { 0 };
	struct fs_finding *f;
	struct solr_err e = { 0 };
	size_t n;

	if (argc != 1)
		usage();
	read_upload(argv[0], &l, &raw);
	if (fslist_validate(&world, &l, now(), &f, &n, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	print_findings(argv[0], f, n, NULL);
	free(f);
	fslist_free(&l);
	solr_buf_free(&raw);
	return n ? EXIT_REJECT : EXIT_PASS;
}

/* The history: YAML documents appended, never rewritten. */

struct last_entry {
	int found;
	char sha_new[SOLR_SHA256_HEX];
	int damaged;	/* an entry that does not parse (a torn append) */
};

static void
history_last(struct last_entry *le, FILE *print)
{
	char path[PATH_MAX];
	FILE *f;
	struct rec_reader *rd;
	struct ynode *doc;
	struct solr_err e = { 0 };
	int r, line;

	memset(le, 0, sizeof(*le));
	snprintf(path, sizeof(path), "%s/%s", world.dir, HISTORY);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if ((rd = rec_reader_new(f, path)) == NULL)
		cli_nomem();
	rec_reader_any(rd);
	while ((r = rec_read(rd, &doc, &line, &e)) != REC_EOF) {
		const char *s;

		if (r != REC_OK) {
			le->damaged = line;
			if (print)
				fprintf(print, "  (line %d: a damaged entry: "
				    "%s)\n", line, e.msg);
			if (r < 0)
				break;
			continue;
		}
		le->found = 1;
		s = yn_path(doc, "sha256.new") ? yn_path(doc,
		    "sha256.new")->str : "";
		snprintf(le->sha_new, sizeof(le->sha_new), "%s", s);
		if (print) {
			struct ynode *ov = yn_get(doc, "overridden");
			size_t i;

			fprintf(print, "  %s  version %s -> %s  by %s: %s\n",
			    yn_get_str(doc, "at") ? yn_get_str(doc, "at") : "?",
			    yn_path(doc, "version.old") ?
			    yn_path(doc, "version.old")->str : "?",
			    yn_path(doc, "version.new") ?
			    yn_path(doc, "version.new")->str : "?",
			    yn_get_str(doc, "by") ? yn_get_str(doc, "by") : "?",
			    yn_get_str(doc, "reason") ? yn_get_str(doc,
			    "reason") : "");
			for (i = 0; ov && ov->kind == YN_SEQ && i < ov->n; i++)
				fprintf(print, "      overridden: %s %s\n",
				    yn_get_str(ov->items[i], "code") ?
				    yn_get_str(ov->items[i], "code") : "?",
				    yn_get_str(ov->items[i], "supplier") ?
				    yn_get_str(ov->items[i], "supplier") : "");
		}
		yn_free(doc);
	}
	rec_reader_free(rd);
	fclose(f);
}

static int
history_append(const char *text, struct solr_err *e)
{
	char path[PATH_MAX];
	struct stat st;
	size_t n = strlen(text);
	ssize_t w;
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s", world.dir, HISTORY);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644)) < 0)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
	/* after a torn append, start on a line of our own */
	if (fstat(fd, &st) != 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
		close(fd);
		return r;
	}
	if (st.st_size > 0) {
		char last;
		int rfd = open(path, O_RDONLY);

		if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) == 1 &&
		    last != '\n' && write(fd, "\n", 1) != 1)
			r = -1;
		if (rfd >= 0)
			close(rfd);
	}
	while (r == 0 && n > 0) {
		if ((w = write(fd, text, n)) < 0) {
			if (errno == EINTR)
				continue;
			r = -1;
			break;
		}
		text += w;
		n -= (size_t)w;
	}
	if (r == 0 && fsync(fd) != 0)
		r = -1;
	if (r != 0) {
		int en = errno;

		/* under the state lock: nobody else appended */
		if (ftruncate(fd, st.st_size) == 0)
			(void)fsync(fd);
		close(fd);
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "append: %s",
		    strerror(en));
	}
	if (close(fd) != 0)
		return solr_seterr_at(e, SOLR_ERR_IO, path, 0, "close: %s",
		    strerror(errno));
	return 0;
}

/* After a failed apply: the list as it was (old: its bytes, or NULL when
 * there was none).  0 when the list is as it was. */
static int
restore_list(const char *path, const struct solr_buf *old)
{
	struct solr_buf now = { 0 };
	struct solr_err e = { 0 };
	int same, r;

	if (solr_read_file(path, 16 * 1024 * 1024, &now, &e) != 0) {
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
		r = unlink(path) == 0 ? 0 : -1;
	else
		r = solr_write_atomic(path, old->p, old->len, 1, &e);
	return r;
}

static int
lock_state(struct solr_err *e)
{
	char path[PATH_MAX], dir[PATH_MAX];
	int fd;

	snprintf(dir, sizeof(dir), "%s/state", world.dir);
	if (solr_mkdirs(dir, e) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/%s", world.dir, LOCK);
	if ((fd = open(path, O_RDWR | O_CREAT, 0644)) < 0) {
		solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s", strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) != 0)
		if (errno != EINTR) {
			solr_seterr_at(e, SOLR_ERR_IO, path, 0, "lock: %s",
			    strerror(errno));
			close(fd);
			return -1;
		}
	return fd;	/* held until exit */
}

/* A YAML-safe single-quoted scalar. */
static void
quoted(struct solr_buf *b, const char *s)
{
	solr_buf_addc(b, '\'');
	for (; *s; s++) {
		if (*s == '\'')
			solr_buf_addc(b, '\'');
		if (*s == '\n' || *s == '\r')
			solr_buf_addc(b, ' ');
		else
			solr_buf_addc(b, *s);
	}
	solr_buf_addc(b, '\'');
}

/* Temporary files of applies that were killed before their rename. */
static void
remove_stale_temporaries(void)
{
	static const char prefix[] = "failed-suppliers.yaml.tmp";
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(world.dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, sizeof(prefix) - 1) == 0) {
			snprintf(path, sizeof(path), "%s/%s", world.dir,
			    de->d_name);
			unlink(path);
		}
	closedir(d);
}

/* An apply that failed: the list as it was, or say that it is not. */
static void
not_applied(const char *path, const struct solr_buf *was)
{
	if (restore_list(path, was) == 0)
		cli_warn(path, 0, "not applied: the list and its history are "
		    "as they were");
	else
		cli_warn(path, 0, "the new list may be installed without its "
		    "history entry; the next apply records the change");
}

static int
accepted_by(const struct fs_finding *f, char **accept, size_t naccept)
{
	char eui[SOLR_EUI_STRLEN];
	size_t i, cl = strlen(f->code);
	uint64_t id;

	solr_eui_format(f->supplier, eui);
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

static int
cmd_apply(int argc, char **argv, const char *by, const char *reason,
    char **accept, size_t naccept)
{
	struct fs_list up, cur = { 0 };
	struct solr_buf raw = { 0 }, h = { 0 }, was = { 0 };
	struct fs_finding *f = NULL;
	struct solr_err e = { 0 };
	struct last_entry le;
	char path[PATH_MAX], ts[SOLR_TIME_STRLEN], upsha[SOLR_SHA256_HEX],
	    newsha[SOLR_SHA256_HEX], eui[SOLR_EUI_STRLEN], line[512];
	const char *oldsha;
	char *text = NULL;
	size_t n, i, refused = 0;
	int *ok = NULL, lockfd = -1, status = EXIT_TROUBLE;

	if (argc != 1 || by == NULL || reason == NULL || !*by || !*reason)
		usage();
	read_upload(argv[0], &up, &raw);
	solr_sha256_hex(raw.p, raw.len, upsha);
	if ((lockfd = lock_state(&e)) < 0 ||
	    fslist_validate(&world, &up, now(), &f, &n, &e) != 0) {
		cli_error(&e);
		goto out;
	}
	if ((ok = calloc(n + 1, sizeof(int))) == NULL)
		cli_nomem();
	for (i = 0; i < n; i++)
		refused += !(ok[i] = accepted_by(&f[i], accept, naccept));
	if (refused) {
		print_findings(argv[0], f, n, ok);
		cli_warn(argv[0], 0, "not applied: %zu finding%s not accepted "
		    "(review them, then --accept CODE or CODE:EUI)", refused,
		    refused > 1 ? "s are" : " is");
		status = EXIT_REJECT;
		goto out;
	}
	/* under the lock: the list as applied now */
	remove_stale_temporaries();
	if (fslist_load(world.dir, &cur, &e) != 0) {
		cli_error(&e);
		goto out;
	}
	oldsha = cur.present ? cur.sha256 : "null";
	solr_time_format(now(), ts);
	history_last(&le, NULL);
	if (le.found && strcmp(le.sha_new, oldsha) != 0) {
		/* an earlier apply installed a list but died before its
		 * history entry, or the file was edited by hand */
		solr_buf_add(&h, "---\nat: ", 8);
		solr_buf_add(&h, ts, strlen(ts));
		snprintf(line, sizeof(line), "\nevent: unrecorded-change\n"
		    "sha256: {expected: %s, found: %s}\n", le.sha_new, oldsha);
		solr_buf_add(&h, line, strlen(line));
	}
	text = fslist_render(&up, cur.version + 1);
	if (text == NULL)
		cli_nomem();
	solr_sha256_hex(text, strlen(text), newsha);
	snprintf(path, sizeof(path), "%s/failed-suppliers.yaml", world.dir);
	if (cur.present && solr_read_file(path, 16 * 1024 * 1024, &was, &e) !=
	    0) {
		cli_error(&e);
		goto out;
	}
	if (solr_write_atomic(path, text, strlen(text), 1, &e) != 0) {
		cli_error(&e);
		not_applied(path, cur.present ? &was : NULL);
		goto out;
	}
	solr_buf_add(&h, "---\nat: ", 8);
	solr_buf_add(&h, ts, strlen(ts));
	solr_buf_add(&h, "\nby: ", 5);
	quoted(&h, by);
	solr_buf_add(&h, "\nreason: ", 9);
	quoted(&h, reason);
	solr_buf_add(&h, "\nfile: ", 7);
	quoted(&h, argv[0]);
	snprintf(line, sizeof(line), "\nuploaded_sha256: %s\nversion: {old: "
	    "%lld, new: %lld}\nsha256: {old: %s, new: %s}\noverridden:%s\n",
	    upsha, (long long)cur.version, (long long)cur.version + 1, oldsha,
	    newsha, n ? "" : " []");
	solr_buf_add(&h, line, strlen(line));
	for (i = 0; i < n; i++) {
		solr_eui_format(f[i].supplier, eui);
		snprintf(line, sizeof(line), "  - {code: %s, supplier: %s}\n",
		    f[i].code, eui);
		solr_buf_add(&h, line, strlen(line));
	}
	if (history_append((const char *)h.p, &e) != 0) {
		cli_error(&e);
		not_applied(path, cur.present ? &was : NULL);
		goto out;
	}
	printf("applied version %lld (sha256 %s)\n", (long long)cur.version + 1,
	    newsha);
	status = EXIT_PASS;
out:
	if (lockfd >= 0)
		close(lockfd);
	free(text);
	free(ok);
	free(f);
	solr_buf_free(&h);
	solr_buf_free(&raw);
	solr_buf_free(&was);
	fslist_free(&up);
	fslist_free(&cur);
	return status;
}

static int
cmd_show(int argc)
{
	struct fs_list l;
	struct solr_err e = { 0 };
	struct last_entry le;
	char eui[SOLR_EUI_STRLEN], srp[SOLR_EUI_STRLEN];
	size_t i;

	if (argc != 0)
		usage();
	if (fslist_load(world.dir, &l, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	if (!l.present)
		printf("No Failed Suppliers list is applied.\n");
	else
		printf("Failed Suppliers list: version %lld, sha256 %s, %zu "
		    "supplier%s\n", (long long)l.version, l.sha256, l.n,
		    l.n == 1 ? "" : "s");
	for (i = 0; i < l.n; i++) {
		solr_eui_format(l.entry[i].id, eui);
		if (l.entry[i].has_srp)
			solr_eui_format(l.entry[i].srp, srp);
		printf("  %s  %s%s%s\n", eui, l.entry[i].name,
		    l.entry[i].has_srp ? "  SRP " : "",
		    l.entry[i].has_srp ? srp : "");
	}
	printf("\nHistory:\n");
	history_last(&le, stdout);
	if (!le.found)
		printf("  (none)\n");
	else if (strcmp(le.sha_new, l.present ? l.sha256 : "null") != 0)
		printf("\nThe applied list is not the one the last history entry "
		    "installed (sha256 %s): it was changed without apply, or an "
		    "apply was interrupted.\n", le.sha_new);
	fslist_free(&l);
	return EXIT_PASS;
}

/* The pipeline stage. */

static int status;

static void
emit(struct rec_writer *out, struct ynode *rec)
{
	if (rec == NULL)
		cli_nomem();
	if (!rec_is_pass(rec) && status < EXIT_REJECT)
		status = EXIT_REJECT;
	if (rec_write(out, rec) != 0) {
		cli_warn("(stdout)", 0, "write error");
		exit(EXIT_TROUBLE);
	}
	yn_free(rec);
}

static void
check_record(const struct fs_list *l, struct ynode *rec)
{
	const struct ynode *req = yn_get(rec, "request");
	const char *sid = yn_get_str(yn_get(rec, "sender"), "id"),
	    *bo = yn_get_str(req, "originator");
	const struct solr_user *u;
	const struct fs_entry *en;
	struct ynode *st;
	uint64_t sender, orig;
	char why[512], srp[SOLR_EUI_STRLEN];

	if (!rec_is_pass(rec))
		return;
	if (sid == NULL || bo == NULL ||
	    solr_eui_parse(sid, strlen(sid), &sender) != 0 ||
	    solr_eui_parse(bo, strlen(bo), &orig) != 0) {
		rec_reject(rec, STAGE, NULL, "the record lacks sender.id or "
		    "request.originator: solr-verify-sig must run first");
		return;
	}
	u = world_user(&world, sender);
	if (u == NULL || !user_has_role(u, "SolrContingency")) {
		if ((st = rec_stage_pass(rec, STAGE)) == NULL)
			cli_nomem();
		yn_set(st, "result", yn_new_plain("skipped"));
	} else if ((en = fslist_find(l, orig)) == NULL) {
		snprintf(why, sizeof(why), "the Business Originator %s is not "
		    "on the Failed Suppliers list (version %lld)", bo,
		    (long long)l->version);
		rec_reject(rec, STAGE, "E65", why);
	} else if (en->has_srp && en->srp != sender) {
		solr_eui_format(en->srp, srp);
		snprintf(why, sizeof(why), "the Failed Suppliers list (version "
		    "%lld) names %s as the SRP of %s, not the sender %s",
		    (long long)l->version, srp, bo, sid);
		rec_reject(rec, STAGE, "E65", why);
	} else if ((st = rec_stage_pass(rec, STAGE)) == NULL)
		cli_nomem();
	/* which list decided, for a replay */
	st = yn_get(yn_get(rec, "stages"), STAGE);
	yn_set(st, "list_version", yn_new_int(l->version));
	yn_set_str(st, "list_sha256", l->present ? l->sha256 : NULL);
}

/* route: alerts for a failed supplier go on to its existing endpoint
 * and are forwarded to its SRP; safety-critical ones are flagged.  Other
 * records are left as they are. */
static void
route_record(const struct fs_list *l, struct ynode *rec)
{
	struct ynode *al = yn_get(rec, "alert"), *st;
	const char *rcp = yn_get_str(al, "recipient"), *code = yn_get_str(al,
	    "code");
	const struct fs_entry *en;
	uint64_t id, c = 0;
	char srp[SOLR_EUI_STRLEN];
	size_t i;
	int critical = 0;

	if (!rec_is_pass(rec) || al == NULL || rcp == NULL ||
	    solr_eui_parse(rcp, strlen(rcp), &id) != 0 ||
	    (en = fslist_find(l, id)) == NULL)
		return;
	if (code)
		solr_parse_uint(code, 0xffff, &c);
	for (i = 0; i < world.policy.nsafety_critical; i++)
		critical |= (uint64_t)world.policy.safety_critical[i] == c;
	yn_set_str(al, "deliver_to", rcp);
	if (en->has_srp) {
		solr_eui_format(en->srp, srp);
		yn_set_str(al, "forward_to", srp);
	} else
		yn_set(al, "forward_to", yn_new_null());
	yn_set(al, "safety_critical", yn_new_plain(critical ? "true" :
	    "false"));
	if ((st = rec_stage_pass(rec, "route")) == NULL)
		cli_nomem();
	yn_set(st, "list_version", yn_new_int(l->version));
	yn_set_str(st, "list_sha256", l->present ? l->sha256 : NULL);
}

static int
cmd_check(int argc, int route)
{
	struct fs_list l;
	struct solr_err e = { 0 };
	struct rec_reader *rd;
	struct rec_writer *out;
	struct ynode *rec;
	int64_t pos = 0;
	int r, line;

	if (argc != 0)
		usage();
	if (fslist_load(world.dir, &l, &e) != 0) {
		cli_error(&e);
		return EXIT_TROUBLE;
	}
	if ((rd = rec_reader_new(stdin, "(stdin)")) == NULL ||
	    (out = rec_writer_new(stdout)) == NULL)
		cli_nomem();
	while ((r = rec_read(rd, &rec, &line, &e)) != REC_EOF) {
		pos++;
		if (r == REC_OK) {
			if (route)
				route_record(&l, rec);
			else
				check_record(&l, rec);
			if (replay)
				rec_replay_note(rec, route ? "route" : STAGE);
			emit(out, rec);
		} else if (r == REC_BAD) {
			char src[64];

			cli_error(&e);
			snprintf(src, sizeof(src), "(stdin):%d", line);
			emit(out, rec_new_unreadable(pos, src, STAGE, e.msg));
		} else {
			cli_error(&e);
			status = EXIT_TROUBLE;
			break;
		}
	}
	if (rec_writer_finish(out, &e) != 0) {
		cli_warn("(stdout)", 0, "%s", e.msg);
		status = EXIT_TROUBLE;
	}
	rec_writer_free(out);
	rec_reader_free(rd);
	fslist_free(&l);
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "at", required_argument, NULL, 'a' },
		{ "by", required_argument, NULL, 'B' },
		{ "reason", required_argument, NULL, 'R' },
		{ "accept", required_argument, NULL, 'A' },
		{ "replay", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct solr_err e = { 0 };
	const char *dir = NULL, *by = NULL, *reason = NULL, *sub;
	char **accept;
	size_t naccept = 0;
	int ch, r;

	cli_prog = "solr-failed-suppliers";
	if ((accept = calloc((size_t)argc + 1, sizeof(char *))) == NULL)
		cli_nomem();
	while ((ch = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C':
			dir = optarg;
			break;
		case 'a':
			at = cli_time(optarg);
			have_at = 1;
			break;
		case 'B':
			by = optarg;
			break;
		case 'R':
			reason = optarg;
			break;
		case 'A':
			accept[naccept++] = optarg;
			break;
		case 'P':
			replay = 1;
			break;
		case 'V':
			cli_version();
			break;
		case 'h':
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	sub = argv[0];
	if (strcmp(sub, "validate") && strcmp(sub, "apply") &&
	    strcmp(sub, "show") && strcmp(sub, "check") && strcmp(sub, "route"))
		usage();
	if ((by || reason || naccept) && strcmp(sub, "apply") != 0)
		usage();
	if (replay && strcmp(sub, "check") != 0 && strcmp(sub, "route") != 0)
		usage();
	if (world_load(&world, solr_world_dir(dir), &e) != 0) {
		cli_error(&e);
		world_free(&world);
		return EXIT_TROUBLE;
	}
	if (strcmp(sub, "validate") == 0)
		r = cmd_validate(argc - 1, argv + 1);
	else if (strcmp(sub, "apply") == 0)
		r = cmd_apply(argc - 1, argv + 1, by, reason, accept, naccept);
	else if (strcmp(sub, "show") == 0)
		r = cmd_show(argc - 1);
	else
		r = cmd_check(argc - 1, strcmp(sub, "route") == 0);
	world_free(&world);
	free(accept);
	return cli_close_stdout(r);
}
