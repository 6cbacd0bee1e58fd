/* rec_fork.h — a recorded program that forks.
**
** The child stops recording at the fork: its hooks are removed, it never
** blocks on the writer (whose thread it does not have), and it never
** writes, finishes or closes the parent's trace.
**
** Two hooks carry it. pthread_atfork handlers, inside fork() itself, keep
** every lock a child could inherit held by a thread it lacks (the writers',
** the allocator hooks' spinlocks) out of that state, and make the parent's
** writer inert in the child. A callback CPython runs in the child once the
** interpreter is whole again (os.register_at_fork's after_in_child, from C:
** the program cannot see it) stops the parent's recorder there.
*/
#ifndef REC_FORK_H
#define REC_FORK_H

#include "trc_writer.h"

/* What rec_main.c does for the fork's child; both run in the child only. */
typedef struct rec_fork_host {
  /* Inside fork(), one thread: forget the threads the child lacks. */
  void (*child_now)(void);
  /* With the GIL, the parent's recorder stopped: the child's trace to
  ** finish at its end (w and path owned), or NULL and NULL: none, the
  ** child's end finishes nothing. The parent's writer is left as it is. */
  void (*child_trace)(trc_writer *w, char *path);
} rec_fork_host;

/* Install the hooks once the recording has started. host is borrowed and
** must outlive the process. On failure *errmsg (owned). */
int rec_fork_start(const rec_fork_host *host, char **errmsg);

/* 1 in a process forked from the one that started the recording, before
** the child callback ran (a fork CPython did not see). */
int rec_fork_foreign(void);

#endif /* REC_FORK_H */
