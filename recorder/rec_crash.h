/* rec_crash.h — a recorded program that dies of a fatal signal still leaves its events.
**
** SIGSEGV, SIGBUS, SIGABRT, SIGFPE and SIGILL (a crash in an extension, a
** failed assertion, ctypes.string_at(0)) end a process without any exit
** handler. Their handler hands what the writer holds to its thread, waits a
** bounded time for it to commit (trc_writer_crash), then lets the signal
** kill the process as it would have: same signal, same core dump, so the
** status a shell sees is python3.11's (a handler that was there before,
** a sanitizer's, runs after it). Installed after the interpreter
** started, so the program's `signal.getsignal` still reports SIG_DFL; a
** program that installs its own handler (faulthandler chains back to this
** one) keeps it.
*/
#ifndef REC_CRASH_H
#define REC_CRASH_H

#include "trc_writer.h"

/* Install the handlers (once per process; exec resets them). Returns HR_OK
** or HR_EPYTHON when sigaction fails. */
int rec_crash_start(void);

/* The writer a fatal signal saves from now on (borrowed); NULL: none. */
void rec_crash_writer(trc_writer *w);

#endif /* REC_CRASH_H */
