/* ana_peak.h — peak memory: how high the allocator-level bytes went, where
** the program was then, and what it held.
**
** mem events carry (bytes now, highest bytes since the previous mem event).
** The peak is the highest of either. When it is a "highest since" above the
** bytes now, memory fell before the event: the heap is then taken just
** before the first free after the previous mem event, the last point the
** peak can have been reached at. The series for the plot keeps, for each of
** at most ANA_PEAK_BUCKETS equal ranges of steps, the highest and the lowest
** bytes seen, in the order they came: a fall inside a range is drawn too.
*/
#ifndef ANA_PEAK_H
#define ANA_PEAK_H

#include <stddef.h>
#include <stdint.h>

#include "ana_heap.h"
#include "ana_leaks.h"
#include "ana_trace.h"

#define ANA_PEAK_BUCKETS 1000

typedef struct ana_mem_point {
  uint64_t step, bytes;
} ana_mem_point;

typedef struct ana_mark_at {
  uint64_t step;
  char *label;         /* owned */
} ana_mark_at;

typedef struct ana_peak {
  int found;           /* 0: the trace has no mem events */
  uint64_t peak_bytes, step, location;
  uint64_t at_seq;     /* the heap below is the state after this event */
  uint64_t *stack;     /* owned: each frame's current location, outermost first */
  uint32_t depth;
  ana_heap *heap;      /* owned */
  ana_leak_group *live;/* owned: what the program had allocated and held then, by site */
  size_t nlive;
  uint64_t live_count, live_bytes;
  ana_mem_point *series; /* owned: high and low bytes per step range, in step order */
  size_t nseries;
  ana_mark_at *marks;  /* owned, in trace order */
  size_t nmarks;
  uint64_t last_step;
} ana_peak;

/* Where the peak was, from the events in order: the one computation that
** peak and summary share. Feed every free and mem event with the location
** of the running code then (its step's, or an alloc trace's innermost site). */
typedef struct ana_peak_pick {
  int found;
  uint64_t bytes, step, location;
  uint64_t at_seq;     /* the heap at the peak is the state after this event */
  int at_free;         /* 1: the peak is placed just before a free */
  int unresolved;      /* 1: the peak is a high above the count at the first mem
                          event fed, with no free before it: a pass over a later
                          part of a trace places it with the earlier part's free */
  uint64_t nmem;       /* mem events fed */
  uint64_t free_seq, free_step, free_loc;   /* the first free since the previous mem event */
} ana_peak_pick;
void ana_peak_pick_free(ana_peak_pick *k, const trc_event *ev, uint64_t location);
/* Returns 1 when this mem event moved the peak. */
int ana_peak_pick_mem(ana_peak_pick *k, const trc_event *ev, uint64_t location);

/* Fill *out from t (borrowed; must outlive *out). */
int ana_peak_compute(ana_trace *t, ana_peak *out);
void ana_peak_reset(ana_peak *p);

#endif /* ANA_PEAK_H */
