#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/guard.h"
#include "base/layout.h"
#include "store/live.h"
#include "base/util.h"

/* An open-file-description lock on byte 0: 0, or -1 and errno. */
static int
ofd_lock(int fd, int wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_len = 1;
	while (fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) != 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int
busy(int err)
{
	return err == EAGAIN || err == EACCES || err == EWOULDBLOCK;
}

/*
 * Two open files of one probe, as two processes would hold them: a lock
 * taken through the first must keep the second out, for both kinds of
 * lock the tools use (flock and byte-range locks).
 */
static int
probe(const char *dir, struct solr_err *e)
{
	char path[PATH_MAX + 16];
	int a, b, r = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/.probe", dir);
	if ((a = solr_open_regular(path, O_RDWR | O_CREAT, 1, e)) < 0)
		return e->code;
	if ((b = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, path, 0, "%s",
		    strerror(errno));
		close(a);
		return r;
	}
	/* serialised with the other processes that probe */
	if (solr_flock(a, LOCK_EX) != 0)
		bad = 1;
	else if (flock(b, LOCK_EX | LOCK_NB) == 0 || !busy(errno))
		bad = 2;
	else if (ofd_lock(a, 1) != 0)
		bad = 3;
	else if (ofd_lock(b, 0) == 0 || !busy(errno))
		bad = 4;
	if (bad)
		r = solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "locks do not "
		    "work on this file system (%s): a world's state needs them, "
		    "and no stage that keeps state runs without them "
		    "(solr-tools(7), Scale-out)", bad == 1 || bad == 3 ?
		    "a lock cannot be taken" : bad == 2 ? "an flock taken by "
		    "one open file does not keep out another" : "a byte-range "
		    "lock taken by one open file does not keep out another");
	close(b);
	close(a);
	return r;
}

/* The file system's own clock: the time of a file just touched. */
static int64_t
fs_now(const char *dir)
{
	char path[PATH_MAX + 16];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/.probe", dir);
	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return (int64_t)time(NULL);
	(void)futimens(fd, NULL);
	if (fstat(fd, &st) != 0) {
		close(fd);
		return (int64_t)time(NULL);
	}
	close(fd);
	return (int64_t)st.st_mtime;
}

/*
 * Another process's entry: its lock held (alive, and locks are seen: the
 * case of every process that shares the world), or free.  Free and
 * renewed within SOLR_LIVE_FRESH seconds, by a process of another host or
 * one that still runs here: a lock it holds is not seen from here, and
 * nothing that relies on locks is safe.  Free and old, or of a process
 * here that is gone: removed.
 */
static int
entry(const char *dir, const char *name, const char *host, int64_t now,
    struct solr_err *e)
{
	char path[PATH_MAX + 300], ehost[256];
	struct stat st;
	int64_t pid = 0;
	int fd, r = 0;
	const char *dot;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;	/* gone meanwhile */
	if (ofd_lock(fd, 0) != 0) {
		close(fd);
		return busy(errno) ? 0 : solr_seterr_at(e, SOLR_ERR_IO, path,
		    0, "lock: %s", strerror(errno));
	}
	if ((dot = strrchr(name, '.')) != NULL) {
		snprintf(ehost, sizeof(ehost), "%.*s", (int)(dot - name), name);
		if (solr_parse_int(dot + 1, 1, INT32_MAX, &pid) != 0)
			pid = 0;	/* not one of ours: no process to ask */
	} else
		ehost[0] = '\0';
	if (fstat(fd, &st) == 0 && now - (int64_t)st.st_mtime <
	    SOLR_LIVE_FRESH && (strcmp(ehost, host) != 0 || (pid > 0 &&
	    kill((pid_t)pid, 0) == 0)))
		r = solr_seterr_at(e, SOLR_ERR_CONFIG, path, 0, "the process "
		    "this names (%s) was at work %llds ago, yet its lock could "
		    "be taken from here: locks on this file system are not seen "
		    "between hosts, and the counts, registers and ledger would "
		    "not be one (solr-tools(7), Scale-out); if it has stopped, "
		    "run again in %d seconds", name, (long long)(now -
		    (int64_t)st.st_mtime), SOLR_LIVE_FRESH);
	else
		unlink(path);
	close(fd);
	return r;
}

/* The entry goes when the process ends, by whatever exit. */
static struct solr_live *joined;

static void
leave_at_exit(void)
{
	if (joined != NULL)
		solr_live_leave(joined);
}

int
solr_live_join(const char *world, struct solr_live *l, struct solr_err *e)
{
	char dir[PATH_MAX], host[256], tmp[PATH_MAX + 32];
	struct dirent *d;
	DIR *dp;
	int64_t now;
	int r = 0;

	l->fd = -1;
	l->beat = 0;
	world_path(dir, sizeof(dir), world, WF_LIVE);
	if (solr_mkdirs(dir, e) != 0)
		return SOLR_ERR_IO;
	if ((r = probe(dir, e)) != 0)
		return r;
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	for (char *p = host; *p; p++)
		if (*p == '/' || *p == '.')
			*p = '-';
	now = fs_now(dir);
	if ((r = solr_guard(dir, 1, e)) != 0)
		return r;
	if ((dp = opendir(dir)) == NULL)
		return solr_seterr_at(e, SOLR_ERR_IO, dir, 0, "%s",
		    strerror(errno));
	while (r == 0 && (d = readdir(dp)) != NULL)
		if (d->d_name[0] != '.')
			r = entry(dir, d->d_name, host, now, e);
	closedir(dp);
	if (r != 0)
		return r;
	/* locked before it has its name, so that nobody sees it free */
	snprintf(tmp, sizeof(tmp), "%s/.new.%ld", dir, (long)getpid());
	snprintf(l->path, sizeof(l->path), "%s/%s.%ld", dir, host,
	    (long)getpid());
	if (solr_guard_parent(tmp, e) != 0)
		return e->code;
	if ((l->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0644)) < 0 || ofd_lock(l->fd, 0) != 0 ||
	    rename(tmp, l->path) != 0) {
		r = solr_seterr_at(e, SOLR_ERR_IO, l->path, 0, "%s",
		    strerror(errno));
		unlink(tmp);
		if (l->fd >= 0)
			close(l->fd);
		l->fd = -1;
		return r;
	}
	l->beat = (int64_t)time(NULL);
	if (joined == NULL)
		atexit(leave_at_exit);
	joined = l;
	return 0;
}

void
solr_live_beat(struct solr_live *l)
{
	int64_t t = (int64_t)time(NULL);

	if (l->fd < 0 || t == l->beat)
		return;
	l->beat = t;
	(void)futimens(l->fd, NULL);
}

void
solr_live_leave(struct solr_live *l)
{
	if (joined == l)
		joined = NULL;
	if (l->fd >= 0) {
		unlink(l->path);
		close(l->fd);
	}
	l->fd = -1;
}
