/* ana_threads.h — threads by number, as a reader counts them.
**
** A trace names a thread by the interpreter's ident (threading.get_ident(),
** a pthread_t such as 139832053868352). Output shows small numbers instead:
** 1 for the thread of the first frame (the main thread), then 2, 3, ... in
** the order each thread's first frame was called; threads without frames
** follow in the threads table's order. The ident stays the key in --json.
*/
#ifndef ANA_THREADS_H
#define ANA_THREADS_H

#include <stdint.h>

#include "ana_map.h"
#include "ana_trace.h"

typedef struct ana_threads {
  ana_map num;      /* thread id -> (void *)number */
  uint64_t n;       /* threads numbered */
} ana_threads;

/* Number the threads of t into th (reset it with ana_threads_reset). */
int ana_threads_load(ana_trace *t, ana_threads *th);
void ana_threads_reset(ana_threads *th);
/* The number of thread id, 0 when the trace does not know it. */
uint64_t ana_threads_number(const ana_threads *th, uint64_t thread_id);

#endif /* ANA_THREADS_H */
