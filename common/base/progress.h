/* A long task's progress: the library says how far it has gone (bytes
 * of a file, objects of a store), and a command that was asked for it
 * (--progress) shows it.  Nothing is shown unless a reporter is set. */
#ifndef SOLR_PROGRESS_H
#define SOLR_PROGRESS_H

#include <stdint.h>

typedef void (*solr_progress_fn)(void *arg, const char *what, uint64_t done,
    uint64_t total);

/* fn gets every report from now on (NULL: none). */
void solr_progress_set(solr_progress_fn fn, void *arg);
/* Is anyone shown the progress?  (A report that costs a system call is
 * made only then.) */
int solr_progress_on(void);
/* what: the unit counted ("bytes of sat.log", "objects"); done of total,
 * total 0 when it is not known. */
void solr_progress(const char *what, uint64_t done, uint64_t total);

#endif
