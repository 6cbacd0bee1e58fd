/* rec_fork.h — a recorded program that forks.
**
** Without --follow-fork the child stops recording at the fork: its hooks are
** removed, it never blocks on the writer (whose thread it does not have),
** and it never writes, finishes or closes the parent's trace. With
** --follow-fork each child records into a trace of its own beside the
** parent's, `<parent trace stem>.<child pid>.heapreel`: an alloc-detail
** recording from the fork on, whose meta names the parent (parent_trace,
** parent_pid, fork_step, fork_event), finished at the child's end, also
** when it ends by os._exit (as multiprocessing's children do).
**
** Two hooks carry it. pthread_atfork handlers, inside fork() itself, keep
** every lock a child could inherit held by a thread it lacks (the writers',
** the allocator hooks' spinlock) out of that state, and make the parent's
** writer inert in the child. A callback CPython runs in the child once the
** interpreter is whole again (os.register_at_fork's after_in_child, from C:
** the program cannot see it) stops the parent's recorder there and, when
** following, starts the child's.
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
  ** child's end finishes nothing. The parent's writer is left as it is.
  ** Returns 0, or -1 when it could not take w (closed and removed). */
  int (*child_trace)(trc_writer *w, char *path);
  /* With the GIL, in a process recording into its own trace (the main
  ** one, a followed child): the program calls os._exit(status), the way
  ** multiprocessing's children end. */
  void (*child_exit)(int status);
} rec_fork_host;

/* Install the hooks once the recording has started. w is the trace's writer
** and path its file (both borrowed); follow: --follow-fork. host is
** borrowed and must outlive the process. On failure *errmsg (owned). */
int rec_fork_start(const rec_fork_host *host, trc_writer *w, const char *path, int follow,
                   char **errmsg);

/* 1 in a process forked from the one that started the recording when no
** trace of its own replaced the parent's (a fork CPython did not see). */
int rec_fork_foreign(void);

#endif /* REC_FORK_H */
