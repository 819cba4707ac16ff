/*
 * faults.so: an LD_PRELOAD library for the fault-injection tests (never
 * installed).  It makes calls fail with EIO (or $FAULT_ERRNO, a number)
 * on the paths that contain a given string:
 *
 *   FAULT_OPEN=STR    open and openat of a matching path
 *   FAULT_WRITE=STR   write, writev and pwrite to a descriptor whose path
 *                     matches
 *   FAULT_FSYNC=STR   fsync and fdatasync of a matching descriptor
 *   FAULT_RENAME=STR  rename and renameat of a matching source or target
 *   FAULT_NOLOCK=STR  flock and fcntl locks on a matching descriptor
 *                     succeed without locking anything (a file system
 *                     whose locks are not seen between processes)
 *   FAULT_READ=STR    read, pread of a matching descriptor
 *   FAULT_LOCK=STR    the blocking lock requests (flock without LOCK_NB,
 *                     fcntl F_SETLKW and F_OFD_SETLKW) on a matching
 *                     descriptor: the calls a signal can interrupt
 *   FAULT_TRUNCATE=STR ftruncate and truncate of a matching file
 *   FAULT_CLOSE=STR   close of a matching descriptor (the descriptor is
 *                     closed all the same, as Linux does)
 *   FAULT_ROFS=STR    a read-only file system under the paths that hold
 *                     STR: opening for writing, creating, renaming,
 *                     removing, linking and truncating fail with EROFS,
 *                     silently (reads and locks work), as for a user who
 *                     may read a world but not write it
 *
 * FAULT_SKIP=N lets the first N matching calls through; FAULT_ONCE makes
 * only one call fail (with FAULT_ERRNO=4, an interrupted call the caller
 * should make again).  Each failure it makes is noted on stderr as
 * "faults: CALL PATH".
 *
 *   FAULT_STOP=STR    the process stops itself (SIGSTOP) before the
 *                     write, pwrite, fsync or rename of a matching path
 *                     that comes after the first $FAULT_STOP_SKIP of
 *                     them (0 when unset), once: a test that waits for
 *                     the stop then kills the process at a known point
 *                     in the middle of its work, whatever the load
 *   FAULT_STOP_LOG=FILE each such call is noted in FILE, a line each,
 *                     so that a run can first count its stopping points
 *   FAULT_OPEN_LOG=FILE every path opened (open, openat, fopen, opendir)
 *                     or executed is noted in FILE, a line each: the
 *                     test of the one guard finds every file a run
 *                     touches this way
 *   FAULT_MALLOC=N    the Nth call of malloc, calloc or realloc in the
 *                     process fails (ENOMEM), once
 *   FAULT_MALLOC_AFTER=STR the calls are counted only from the first open
 *                     of a path that holds STR on: the libraries' own
 *                     set-up (OpenSSL 3 carries on after an allocation
 *                     of its start-up failed, and crashes at the next
 *                     use) is left out
 *   FAULT_MALLOC_ABORT  abort() at that call instead, for a debugger
 *   FAULT_MALLOC_LOG=FILE at exit, the number of such calls the process
 *                     made is written to FILE, so that a run can first
 *                     count them (glibc's allocator only: under ASan the
 *                     sanitizer's own comes first and nothing fails)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/file.h>
#include <sys/uio.h>
#include <unistd.h>

static long skip = -1;
static int fired;

static int
fault(const char *var, const char *path, const char *call)
{
	const char *want = getenv(var);
	const char *en;
	char msg[600];
	int n;

	if (want == NULL || *want == '\0' || path == NULL ||
	    strstr(path, want) == NULL)
		return 0;
	if (skip < 0)
		skip = getenv("FAULT_SKIP") ? atol(getenv("FAULT_SKIP")) : 0;
	if (skip > 0) {
		skip--;
		return 0;
	}
	if (fired && getenv("FAULT_ONCE") != NULL)
		return 0;
	fired = 1;
	n = snprintf(msg, sizeof(msg), "faults: %s %s\n", call, path);
	if (n > 0)
		(void)!syscall(SYS_write, 2, msg, (size_t)n);
	en = getenv("FAULT_ERRNO");
	errno = en ? atoi(en) : EIO;
	return 1;
}

/* FAULT_ROFS: does a change at path (relative to dirfd) fail? */
static int
rofs(int dirfd, const char *path)
{
	const char *want = getenv("FAULT_ROFS");
	char buf[8200], dir[4096];
	ssize_t n;

	if (want == NULL || *want == '\0' || path == NULL)
		return 0;
	/* the path as it is, and resolved from its directory */
	if (strstr(path, want) == NULL && path[0] != '/') {
		if (dirfd == AT_FDCWD) {
			if (getcwd(dir, sizeof(dir)) == NULL)
				return 0;
		} else {
			snprintf(buf, sizeof(buf), "/proc/self/fd/%d", dirfd);
			if ((n = readlink(buf, dir, sizeof(dir) - 1)) < 0)
				return 0;
			dir[n] = '\0';
		}
		snprintf(buf, sizeof(buf), "%s/%s", dir, path);
		path = buf;
	}
	if (strstr(path, want) == NULL)
		return 0;
	errno = EROFS;
	return 1;
}

/* an open that writes, or creates a file not there (as Linux, which
 * opens an existing file with O_CREAT alone on a read-only system) */
#define WRITES(dirfd, path, flags) \
	(((flags) & (O_WRONLY | O_RDWR | O_TRUNC)) || (((flags) & O_CREAT) && \
	faccessat((dirfd), (path), F_OK, 0) != 0))

static int alloc_armed;

static void
note_open(const char *call, const char *path)
{
	const char *log = getenv("FAULT_OPEN_LOG");
	const char *after = getenv("FAULT_MALLOC_AFTER");

	if (!alloc_armed && path != NULL && after != NULL && *after &&
	    strstr(path, after) != NULL)
		alloc_armed = 1;
	char line[4200];
	int fd, n;

	if (log == NULL || path == NULL || (fd = (int)syscall(SYS_openat,
	    AT_FDCWD, log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600))
	    < 0)
		return;
	char cwd[2048];

	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
		n = snprintf(line, sizeof(line), "%s %s/%s\n", call, cwd, path);
	else
		n = snprintf(line, sizeof(line), "%s %s\n", call, path);
	if (n > 0 && (size_t)n < sizeof(line))
		(void)!syscall(SYS_write, fd, line, (size_t)n);
	syscall(SYS_close, fd);
}

/* FAULT_STOP: stopped here, once, after FAULT_STOP_SKIP matching calls */
static void
stop_at(const char *path)
{
	static long left = -1;
	const char *want = getenv("FAULT_STOP");

	const char *log = getenv("FAULT_STOP_LOG");
	char line[4200];
	int fd, n;

	if (want == NULL || *want == '\0' || path == NULL ||
	    strstr(path, want) == NULL || left == -2)
		return;
	if (log != NULL && (fd = (int)syscall(SYS_openat, AT_FDCWD, log,
	    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) >= 0) {
		n = snprintf(line, sizeof(line), "%s\n", path);
		if (n > 0 && (size_t)n < sizeof(line))
			(void)!syscall(SYS_write, fd, line, (size_t)n);
		syscall(SYS_close, fd);
	}
	if (left == -1)
		left = getenv("FAULT_STOP_SKIP") ?
		    atol(getenv("FAULT_STOP_SKIP")) : 0;
	if (left-- > 0)
		return;
	left = -2;
	raise(SIGSTOP);
}

/* the path behind a descriptor */
static const char *
fd_path(int fd, char *buf, size_t cap)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, buf, cap - 1)) < 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef int (*fsync_fn)(int);
typedef int (*rename_fn)(const char *, const char *);
typedef int (*renameat_fn)(int, const char *, int, const char *);

#define REAL(name, type) \
	static type real; \
	if (real == NULL) \
		real = (type)dlsym(RTLD_NEXT, name)

/* the mode argument, present when a file may be created */
#define MODE_ARG(flags, mode) do { \
	if ((flags) & (O_CREAT | O_TMPFILE)) { \
		va_list ap; \
		va_start(ap, flags); \
		mode = va_arg(ap, mode_t); \
		va_end(ap); \
	} \
} while (0)

int
open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	REAL("open", open_fn);

	MODE_ARG(flags, mode);
	note_open("open", path);
	if (WRITES(AT_FDCWD, path, flags) && rofs(AT_FDCWD, path))
		return -1;
	return fault("FAULT_OPEN", path, "open") ? -1 :
	    real(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	REAL("open64", open_fn);

	MODE_ARG(flags, mode);
	note_open("open", path);
	if (WRITES(AT_FDCWD, path, flags) && rofs(AT_FDCWD, path))
		return -1;
	return fault("FAULT_OPEN", path, "open") ? -1 :
	    real(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;
	REAL("openat", openat_fn);

	MODE_ARG(flags, mode);
	if (path[0] == '/' || dirfd == AT_FDCWD)
		note_open("open", path);
	if (WRITES(dirfd, path, flags) && rofs(dirfd, path))
		return -1;
	return fault("FAULT_OPEN", path, "open") ? -1 :
	    real(dirfd, path, flags, mode);
}

typedef FILE *(*fopen_fn)(const char *, const char *);
typedef DIR *(*opendir_fn)(const char *);
typedef int (*execve_fn)(const char *, char *const[], char *const[]);

FILE *
fopen(const char *path, const char *mode)
{
	REAL("fopen", fopen_fn);

	note_open("fopen", path);
	if (strpbrk(mode, "wa+") != NULL && rofs(AT_FDCWD, path))
		return NULL;
	return real(path, mode);
}

FILE *
fopen64(const char *path, const char *mode)
{
	REAL("fopen64", fopen_fn);

	note_open("fopen", path);
	if (strpbrk(mode, "wa+") != NULL && rofs(AT_FDCWD, path))
		return NULL;
	return real(path, mode);
}

DIR *
opendir(const char *path)
{
	REAL("opendir", opendir_fn);

	note_open("opendir", path);
	return real(path);
}

int
execve(const char *path, char *const argv[], char *const envp[])
{
	REAL("execve", execve_fn);

	note_open("exec", path);
	return real(path, argv, envp);
}

ssize_t
write(int fd, const void *p, size_t n)
{
	char buf[4096];
	REAL("write", write_fn);

	if (getenv("FAULT_STOP") != NULL)
		stop_at(fd_path(fd, buf, sizeof(buf)));
	if (getenv("FAULT_WRITE") != NULL &&
	    fault("FAULT_WRITE", fd_path(fd, buf, sizeof(buf)), "write"))
		return -1;
	return real(fd, p, n);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	char buf[4096];
	REAL("writev", writev_fn);

	if (getenv("FAULT_STOP") != NULL)
		stop_at(fd_path(fd, buf, sizeof(buf)));
	if (getenv("FAULT_WRITE") != NULL &&
	    fault("FAULT_WRITE", fd_path(fd, buf, sizeof(buf)), "writev"))
		return -1;
	return real(fd, iov, n);
}

typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);

ssize_t
pwrite(int fd, const void *p, size_t n, off_t off)
{
	char buf[4096];
	REAL("pwrite", pwrite_fn);

	if (getenv("FAULT_STOP") != NULL)
		stop_at(fd_path(fd, buf, sizeof(buf)));
	if (getenv("FAULT_WRITE") != NULL &&
	    fault("FAULT_WRITE", fd_path(fd, buf, sizeof(buf)), "pwrite"))
		return -1;
	return real(fd, p, n, off);
}

ssize_t
pwrite64(int fd, const void *p, size_t n, off_t off)
{
	char buf[4096];
	REAL("pwrite64", pwrite_fn);

	if (getenv("FAULT_STOP") != NULL)
		stop_at(fd_path(fd, buf, sizeof(buf)));
	if (getenv("FAULT_WRITE") != NULL &&
	    fault("FAULT_WRITE", fd_path(fd, buf, sizeof(buf)), "pwrite"))
		return -1;
	return real(fd, p, n, off);
}

int
fsync(int fd)
{
	char buf[4096];
	REAL("fsync", fsync_fn);

	if (getenv("FAULT_STOP") != NULL)
		stop_at(fd_path(fd, buf, sizeof(buf)));
	if (fault("FAULT_FSYNC", fd_path(fd, buf, sizeof(buf)), "fsync"))
		return -1;
	return real(fd);
}

int
fdatasync(int fd)
{
	char buf[4096];
	REAL("fdatasync", fsync_fn);

	if (getenv("FAULT_STOP") != NULL)
		stop_at(fd_path(fd, buf, sizeof(buf)));
	if (fault("FAULT_FSYNC", fd_path(fd, buf, sizeof(buf)), "fdatasync"))
		return -1;
	return real(fd);
}

int
rename(const char *from, const char *to)
{
	REAL("rename", rename_fn);

	stop_at(from);
	if (rofs(AT_FDCWD, from) || rofs(AT_FDCWD, to))
		return -1;
	if (fault("FAULT_RENAME", from, "rename") ||
	    fault("FAULT_RENAME", to, "rename"))
		return -1;
	return real(from, to);
}

int
renameat(int fd1, const char *from, int fd2, const char *to)
{
	REAL("renameat", renameat_fn);

	stop_at(from);
	if (rofs(fd1, from) || rofs(fd2, to))
		return -1;
	if (fault("FAULT_RENAME", from, "rename") ||
	    fault("FAULT_RENAME", to, "rename"))
		return -1;
	return real(fd1, from, fd2, to);
}

typedef int (*flock_fn)(int, int);
typedef int (*fcntl_fn)(int, int, ...);

/* no lock at all where FAULT_NOLOCK matches: nothing is said, as a file
 * system that does not lock says nothing */
static int
nolock(int fd)
{
	const char *want = getenv("FAULT_NOLOCK");
	char buf[4096];
	const char *path;

	if (want == NULL || *want == '\0')
		return 0;
	path = fd_path(fd, buf, sizeof(buf));
	return path != NULL && strstr(path, want) != NULL;
}

/* a call on fd that FAULT_var makes fail */
static int
fd_fault(const char *var, int fd, const char *call)
{
	char buf[4096];

	return getenv(var) != NULL && fault(var, fd_path(fd, buf,
	    sizeof(buf)), call);
}

int
flock(int fd, int op)
{
	REAL("flock", flock_fn);

	if (!(op & (LOCK_NB | LOCK_UN)) && fd_fault("FAULT_LOCK", fd, "flock"))
		return -1;
	return nolock(fd) ? 0 : real(fd, op);
}

int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;
	REAL("fcntl", fcntl_fn);

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if ((cmd == F_SETLKW || cmd == F_OFD_SETLKW) &&
	    ((struct flock *)arg)->l_type != F_UNLCK &&
	    fd_fault("FAULT_LOCK", fd, "fcntl"))
		return -1;
	if ((cmd == F_SETLK || cmd == F_SETLKW || cmd == F_OFD_SETLK ||
	    cmd == F_OFD_SETLKW) && nolock(fd))
		return 0;
	return real(fd, cmd, arg);
}

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*pread_fn)(int, void *, size_t, off_t);
typedef int (*ftruncate_fn)(int, off_t);
typedef int (*truncate_fn)(const char *, off_t);
typedef int (*close_fn)(int);

ssize_t
read(int fd, void *p, size_t n)
{
	REAL("read", read_fn);

	return fd_fault("FAULT_READ", fd, "read") ? -1 : real(fd, p, n);
}

ssize_t
pread(int fd, void *p, size_t n, off_t off)
{
	REAL("pread", pread_fn);

	return fd_fault("FAULT_READ", fd, "pread") ? -1 : real(fd, p, n, off);
}

ssize_t
pread64(int fd, void *p, size_t n, off_t off)
{
	REAL("pread64", pread_fn);

	return fd_fault("FAULT_READ", fd, "pread") ? -1 : real(fd, p, n, off);
}

int
ftruncate(int fd, off_t len)
{
	REAL("ftruncate", ftruncate_fn);

	return fd_fault("FAULT_TRUNCATE", fd, "ftruncate") ? -1 :
	    real(fd, len);
}

int
ftruncate64(int fd, off_t len)
{
	REAL("ftruncate64", ftruncate_fn);

	return fd_fault("FAULT_TRUNCATE", fd, "ftruncate") ? -1 :
	    real(fd, len);
}

int
truncate(const char *path, off_t len)
{
	REAL("truncate", truncate_fn);

	if (rofs(AT_FDCWD, path))
		return -1;
	return fault("FAULT_TRUNCATE", path, "truncate") ? -1 :
	    real(path, len);
}

int
close(int fd)
{
	REAL("close", close_fn);
	int bad = fd_fault("FAULT_CLOSE", fd, "close"), en = errno;
	int r = real(fd);

	if (bad) {
		errno = en;
		return -1;
	}
	return r;
}

/* Allocations: glibc's own entry points, so that nothing here allocates
 * or looks a symbol up while malloc is called. */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern char **environ;

static long alloc_count, alloc_fail;
static int alloc_ready, alloc_exiting, alloc_atexit;

/* Nothing fails once the process exits: what runs then (gcov writing its
 * counts, in a coverage build) is not the program's.  Registered at the
 * first counted call, so that it runs before the handlers the program
 * and its libraries registered at start-up. */
static void
alloc_stop(void)
{
	alloc_exiting = 1;
}

static int
alloc_fault(void)
{
	const char *s;

	/* before the environment is there (the loader's own calls), count
	 * and wait */
	if (!alloc_ready && environ != NULL) {
		s = getenv("FAULT_MALLOC");
		alloc_fail = s != NULL && *s ? atol(s) : 0;
		s = getenv("FAULT_MALLOC_AFTER");
		alloc_armed |= s == NULL || *s == '\0';
		alloc_ready = 1;
	}
	if (!alloc_armed || alloc_exiting)
		return 0;
	if (!alloc_atexit) {
		alloc_atexit = 1;
		atexit(alloc_stop);
	}
	if (++alloc_count != alloc_fail || alloc_fail <= 0)
		return 0;
	/* FAULT_MALLOC_ABORT: stop there instead, for a debugger */
	if (getenv("FAULT_MALLOC_ABORT") != NULL)
		abort();
	errno = ENOMEM;
	return 1;
}

void *
malloc(size_t n)
{
	return alloc_fault() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t n, size_t k)
{
	return alloc_fault() ? NULL : __libc_calloc(n, k);
}

void *
realloc(void *p, size_t n)
{
	return alloc_fault() ? NULL : __libc_realloc(p, n);
}

__attribute__((destructor)) static void
alloc_log(void)
{
	const char *path = getenv("FAULT_MALLOC_LOG");
	long n = alloc_count;
	char line[32];
	int fd, len;

	if (path == NULL || *path == '\0')
		return;
	len = snprintf(line, sizeof(line), "%ld\n", n);
	if ((fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT |
	    O_TRUNC, 0644)) >= 0) {
		if (write(fd, line, (size_t)len) != len)
			fd = fd;
		close(fd);
	}
}

/* FAULT_ROFS: the calls that change a directory or a file by its name */
typedef int (*mkdir_fn)(const char *, mode_t);
typedef int (*mkdirat_fn)(int, const char *, mode_t);
typedef int (*unlink_fn)(const char *);
typedef int (*unlinkat_fn)(int, const char *, int);
typedef int (*link_fn)(const char *, const char *);
typedef int (*linkat_fn)(int, const char *, int, const char *, int);

int
mkdir(const char *path, mode_t mode)
{
	REAL("mkdir", mkdir_fn);

	/* a name already there is EEXIST first, as Linux says */
	if (faccessat(AT_FDCWD, path, F_OK, 0) != 0 && rofs(AT_FDCWD, path))
		return -1;
	return real(path, mode);
}

int
mkdirat(int fd, const char *path, mode_t mode)
{
	REAL("mkdirat", mkdirat_fn);

	if (faccessat(fd, path, F_OK, 0) != 0 && rofs(fd, path))
		return -1;
	return real(fd, path, mode);
}

int
unlink(const char *path)
{
	REAL("unlink", unlink_fn);

	return rofs(AT_FDCWD, path) ? -1 : real(path);
}

int
rmdir(const char *path)
{
	REAL("rmdir", unlink_fn);

	return rofs(AT_FDCWD, path) ? -1 : real(path);
}

int
unlinkat(int fd, const char *path, int flags)
{
	REAL("unlinkat", unlinkat_fn);

	return rofs(fd, path) ? -1 : real(fd, path, flags);
}

int
link(const char *from, const char *to)
{
	REAL("link", link_fn);

	return rofs(AT_FDCWD, to) ? -1 : real(from, to);
}

int
linkat(int fd1, const char *from, int fd2, const char *to, int flags)
{
	REAL("linkat", linkat_fn);

	return rofs(fd2, to) ? -1 : real(fd1, from, fd2, to, flags);
}
