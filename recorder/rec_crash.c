/* rec_crash.c — a recorded program that dies of a fatal signal still leaves its events. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rec_crash.h"

/* Long enough for the writer thread to compress and commit a full ring of
** blocks on a loaded machine; a crash never waits longer. */
#define REC_CRASH_WAIT_MS 3000
/* A stack overflow (deep C recursion) must still find room to run the handler. */
#define REC_CRASH_STACK (64 * 1024)

#define NSIG_FATAL 5
static const int g_signals[NSIG_FATAL] = {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL};
static struct sigaction g_old[NSIG_FATAL];   /* what was there before: run after ours */

static _Atomic(trc_writer *) g_writer;
static atomic_int g_saving;       /* a thread is in the handler */

static void on_fatal(int sig) {
  int saved_errno = errno;
  if (atomic_exchange(&g_saving, 1) == 0) {
    trc_writer *w = atomic_exchange(&g_writer, NULL);
    if (w) trc_writer_crash(w, REC_CRASH_WAIT_MS);
  } else {
    /* Another thread crashed too and is saving the trace: it ends the process. */
    struct timespec ts = {0, 10000000L};
    for (int i = 0; i < REC_CRASH_WAIT_MS / 10 + 100; i++) nanosleep(&ts, NULL);
  }
  /* The action there before (the default, as without heapreel): the signal,
  ** blocked while this handler runs, is delivered to it at its return (a
  ** fault would also recur). */
  for (int i = 0; i < NSIG_FATAL; i++)
    if (g_signals[i] == sig) sigaction(sig, &g_old[i], NULL);
  raise(sig);
  errno = saved_errno;
}

int rec_crash_start(void) {
  static int done;
  if (done) return HR_OK;
  /* The main thread's own alternate stack; faulthandler, when the program
  ** enables it, installs its own. */
  stack_t ss = {0};
  if (sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_DISABLE)) {
    ss.ss_sp = hr_malloc(REC_CRASH_STACK);
    ss.ss_size = REC_CRASH_STACK;
    ss.ss_flags = 0;
    if (ss.ss_sp && sigaltstack(&ss, NULL) != 0) hr_free(ss.ss_sp);
  }
  struct sigaction sa = {.sa_handler = on_fatal, .sa_flags = SA_ONSTACK};
  sigemptyset(&sa.sa_mask);
  for (int i = 0; i < NSIG_FATAL; i++)
    if (sigaction(g_signals[i], &sa, &g_old[i]) != 0) return HR_EPYTHON;
  done = 1;
  return HR_OK;
}

void rec_crash_writer(trc_writer *w) {
  atomic_store(&g_writer, w);
}
