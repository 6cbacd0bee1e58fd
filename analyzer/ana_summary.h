/* ana_summary.h — the one-screen answer about a trace: what ran, how long,
** how many steps, events and objects, where memory peaked, what the
** collector did, and how big the file is.
**
** "The end of the main script" is the mark labelled "end" (the recorder
** writes it when the script returns, before interpreter teardown) or, when a
** trace has none (a run cut short), the last event.
*/
#ifndef ANA_SUMMARY_H
#define ANA_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "ana_trace.h"

typedef struct ana_summary {
  const char *program;          /* meta values, borrowed from the trace; NULL when absent */
  const char *python_version;
  const char *detail;
  char **argv;                  /* owned: the recorded sys.argv (meta argv) */
  size_t argc;
  int complete;
  const char *gap;              /* meta trace_gap: what the recorder could not see, or NULL */
  int has_exit_status;
  long exit_status;
  int has_duration;
  double duration_s;
  uint64_t steps, events;       /* steps 0 on alloc traces */
  int alloc_detail;             /* 1: recorded with --detail alloc (no steps; the
                                   peak is placed by its allocation's stack) */
  uint64_t objects_allocated;   /* alloc events: objects the program made */
  uint64_t objects_tracked;     /* track events: older objects it used */
  uint64_t objects_freed;       /* frees of allocated objects, whole trace */
  uint64_t objects_alive_at_end;/* allocated and not freed by the end of the main script */
  uint64_t end_seq;
  int end_is_mark;              /* 1: the "end" mark; 0: the last event */
  uint64_t peak_bytes, peak_step; /* peak_step 0: no mem events */
  ana_loc peak_loc;
  uint64_t gc_runs, gc_collected;
  uint64_t marks, exceptions_unhandled;
  uint64_t trace_bytes;
  double bytes_per_event;
} ana_summary;

/* Fill *out from t (borrowed, must outlive *out). One pass over the events. */
int ana_summary_compute(ana_trace *t, ana_summary *out);
void ana_summary_reset(ana_summary *s);   /* frees argv */

/* Parse a JSON array of strings (borrowed) into *out (owned, each string and
** the array hr_malloc'd) with db's JSON functions (json_valid, json_each).
** HR_ECORRUPT when it is not one, HR_ENOMEM. */
int ana_json_string_array(sqlite3 *db, const char *json, char ***out, size_t *n);

#endif /* ANA_SUMMARY_H */
