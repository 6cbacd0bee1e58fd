/* ana_cycles.h — reference cycles: those alive when the main script ended,
** and those the cyclic collector freed during the run.
**
** A cycle is a strongly connected component of the reference graph with more
** than one member or a self-reference (ana_scc.h). Alive ones are found in
** the heap at the end (the mark "end", else the trace's end); collected ones
** in the heap just before each gc start event whose run freed objects,
** among the objects that run freed. For each, the bind that closed it: the
** latest bind, before that point, of a reference inside the component that
** still held then; and one cycle through that reference, as slot labels.
** Cycles made only of objects that existed before the recording (modules,
** classes of the standard library) are the interpreter's, not reported.
*/
#ifndef ANA_CYCLES_H
#define ANA_CYCLES_H

#include <stddef.h>
#include <stdint.h>

#include "ana_trace.h"

typedef struct ana_cyc_edge {
  uint64_t holder, arg, obj;
  uint8_t kind;        /* enum trc_slot */
  char *label;         /* owned: a dict slot's label with its key's value
                          (`value['me']`), read from the heap the cycle was
                          found in; NULL for other slots */
} ana_cyc_edge;

typedef struct ana_cycle {
  uint64_t *members;   /* owned, ascending ids */
  uint64_t *types;     /* owned, types[i] of members[i] */
  size_t nmembers;
  ana_cyc_edge *edges; /* owned: every reference between members */
  size_t nedges;
  uint64_t at_seq;     /* the point it was found at: the gc start, or the end */
  uint64_t gc_step;    /* collected: the step of the gc run; 0 when alive */
  int reachable;       /* alive: some root reaches a member */
  uint64_t close_seq;  /* the closing bind; 0 when the trace has none (bound before recording) */
  uint64_t close_step, close_location;
  size_t close_edge;   /* index into edges of the closing reference */
  size_t *loop;        /* owned: edge indexes of one cycle, the closing edge first */
  size_t nloop;
  char *shape;         /* owned: member types and loop slots, ids left out */
  uint64_t made_location; /* location of the newest member's allocation (its
                          site); on a trace without steps the cycle closed
                          there or later, the binds being the end's */
  uint64_t made_seq;   /* that member's alloc seq */
  uint64_t made_step;  /* and its step (on an alloc trace, its site's) */
} ana_cycle;

/* What the collector freed, by type and allocation site: on a trace without
** steps (--detail alloc) no reference is recorded while the program runs, so
** this is all that can be said of a run's garbage; on a full trace it counts
** the cycles' members and what they held. */
typedef struct ana_gc_group {
  uint64_t type, location;  /* location: the allocation site's (0: unknown) */
  uint64_t count;           /* objects */
  uint64_t runs;            /* gc runs that freed some */
  uint64_t example;         /* one object's id */
  uint64_t last_run;        /* the seq of the latest run counted */
} ana_gc_group;

typedef struct ana_cycles {
  ana_cycle *alive;    /* owned, by smallest member id */
  size_t nalive;
  ana_cycle *collected;/* owned, in gc order */
  size_t ncollected;
  uint64_t gc_runs;    /* gc runs before the end that freed objects */
  ana_gc_group *freed; /* owned: the collector's frees by type and site, most first */
  size_t nfreed;
  uint64_t freed_objects; /* collector frees in the trace */
  uint64_t gc_collected;  /* the sum of the gc end events' counts */
  int has_steps;       /* 0: an alloc trace (closing binds are not known) */
  uint64_t end_seq;
  int end_is_mark;
} ana_cycles;

/* Fill *out from t (borrowed; must outlive *out). */
int ana_cycles_compute(ana_trace *t, ana_cycles *out);
void ana_cycles_reset(ana_cycles *c);

/* The label of edge e (borrowed) into buf: `attr 'next'`, `item[0]`, ... */
void ana_cycles_edge_label(ana_trace *t, const ana_cyc_edge *e, char *buf, size_t n);

#endif /* ANA_CYCLES_H */
