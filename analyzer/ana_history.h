/* ana_history.h — one object's life: alloc, every binding to it and its
** end, every reference-count change, and its free.
**
** Unbindings include the implicit ones the events imply: a slot that held
** the object and is rebound to another, a frame that returns while holding
** it, a holder object that is freed.
*/
#ifndef ANA_HISTORY_H
#define ANA_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "ana_trace.h"

enum ana_hist_kind {
  ANA_HIST_BIND = 1,
  ANA_HIST_UNBIND,
  ANA_HIST_INCREF,
  ANA_HIST_DECREF,
  ANA_HIST_RETURN,    /* a frame returned the object */
  ANA_HIST_RESIZE     /* its size changed (a list grew): size holds the new one */
};

typedef struct ana_hist_event {
  uint64_t seq, step;
  uint64_t location;   /* of the latest step event */
  int kind;            /* enum ana_hist_kind */
  int slot_kind;       /* enum trc_slot; 0 for refcount changes and returns */
  uint64_t slot_arg;
  uint64_t holder;     /* frame id (slot kinds local/global/cell, returns) or object id */
  int64_t refcount;    /* the new count for incref / decref, else the latest known (-1: unknown) */
  uint64_t size;       /* resize: the new size in bytes; else 0 */
} ana_hist_event;

typedef struct ana_frame_line {
  uint64_t frame;
  uint64_t location;   /* the frame's current line, or its first line */
} ana_frame_line;

typedef struct ana_history {
  uint64_t object;
  uint64_t type, size, address;  /* size: the latest, after any resize */
  uint64_t alloc_size;  /* the size its alloc or track event gave */
  int preexisting;     /* 1: tracked from a track event, not allocated while recording */
  uint64_t value;      /* string id of its short value or name (a value event), 0: none */
  uint64_t alloc_seq, alloc_step, alloc_location;
  ana_frame_line *stack;  /* owned: the Python stack at the alloc, outermost first */
  uint64_t made_stack;  /* tracked in a region: the stack (stacks table id) its allocation
                           outside the regions had, from the site event just before its
                           track event; 0: not known */
  size_t nstack;
  int freed, free_by_gc;
  uint64_t free_seq, free_step, free_location;
  ana_hist_event *ev;  /* owned */
  size_t nev;
} ana_history;

/* The history of object `id`. HR_ENOTFOUND (message on t) when the trace
** has no such object. */
int ana_history_compute(ana_trace *t, uint64_t id, ana_history *h);
void ana_history_reset(ana_history *h);

/* What NAME referred to just before step `step` (point NULL), or at a point
** of ana_point.h named by `point` (a mark, start, end), looked up like
** Python: the running frame, then globals. The command line parses "ID",
** "#ID" and "NAME@STEP", numbers included, in cli/. */
int ana_history_name_at(ana_trace *t, const char *name, const char *point, uint64_t step,
                        uint64_t *id);

/* A holder for people: "frame 2 (f)" or "#5 list", into buf. */
void ana_holder_label(ana_trace *t, int is_frame, uint64_t holder, char *buf, size_t n);

#endif /* ANA_HISTORY_H */
