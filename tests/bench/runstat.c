/* runstat FILE CMD [ARG...]: runs CMD and appends to FILE one line of
 * "user_seconds sys_seconds maxrss_kb wall_seconds status". */
#include <sys/resource.h>
#include <sys/wait.h>

#include <stdio.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	struct rusage ru;
	struct timespec a, b;
	pid_t pid;
	int status;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: runstat file command [arg ...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	if ((pid = fork()) < 0)
		return 2;
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &b);
	if ((f = fopen(argv[1], "a")) == NULL)
		return 2;
	fprintf(f, "%.6f %.6f %ld %.6f %d\n", ru.ru_utime.tv_sec +
	    ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec +
	    ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss, (b.tv_sec - a.tv_sec) +
	    (b.tv_nsec - a.tv_nsec) / 1e9, WIFEXITED(status) ?
	    WEXITSTATUS(status) : 128);
	fclose(f);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
