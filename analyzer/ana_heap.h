/* ana_heap.h — the heap as the leak, cycle and peak analyses see it: a full
** replay that also remembers where each object was made and which slots are
** roots.
**
** On top of the plain replay (ana_state.h) it keeps:
**   - allocation sites: for every object allocated while recording, the
**     location of its alloc's step and the Python stack then (interned, so a
**     loop allocating a million objects at one line makes one site);
**   - module globals after their frame returned: a module's frame returns
**     when its code ends, but its globals live on in the module, so the
**     global slots of a returned frame stay roots and later bind / unbind
**     events on them still apply;
**   - reachability: a breadth-first walk from the roots (live frames' slots,
**     then kept globals) with, for each object reached, the slot it was
**     first reached through, so a retention path can be read back.
** The replay always starts at event 1: the kept globals are history that a
** keyframe does not hold.
*/
#ifndef ANA_HEAP_H
#define ANA_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "ana_state.h"
#include "ana_trace.h"

typedef struct ana_site {
  uint64_t location;   /* location of the alloc's step (0: none yet) */
  uint64_t *stack;     /* owned: each frame's current location, outermost first */
  uint32_t depth;
  uint8_t importer;    /* made by the import system's code: an alloc trace's
                          stack ended in its frame (ana_stacks_importer) */
} ana_site;

/* A root: a slot of a frame (live, or a returned module frame's global). */
typedef struct ana_root {
  uint64_t frame, arg, obj;
  uint8_t kind;        /* TRC_SLOT_LOCAL, _GLOBAL or _CELL */
  uint8_t live;        /* 1: the frame is live; 0: a returned frame's global */
} ana_root;

/* How an object was first reached by ana_heap_reach. */
typedef struct ana_reach {
  uint64_t from;       /* holder object id; 0 when reached straight from a root */
  uint64_t arg;        /* slot argument (for a root: the root's index) */
  uint32_t depth;      /* 1 for an object a root refers to */
  uint8_t kind;        /* slot kind */
} ana_reach;

typedef struct ana_heap ana_heap;

ana_heap *ana_heap_new(void);             /* NULL when out of memory */
void ana_heap_free(ana_heap *h);          /* NULL is a no-op */

/* Called for each event just before it is applied; return 0 to go on,
** ANA_HEAP_SKIP to leave the event unapplied (the hook may apply it later
** with ana_heap_apply), ANA_SCAN_STOP to stop (the event is then not
** applied), or an HR_ status. */
typedef int (*ana_heap_hook)(void *ctx, ana_heap *h, const trc_event *ev);
#define ANA_HEAP_SKIP (-2)   /* apart from HR_ statuses and ANA_SCAN_STOP */

/* Apply one event (borrowed) to h, as the replay does. HR_OK or HR_ENOMEM. */
int ana_heap_apply(ana_heap *h, const trc_event *ev);

/* "The end of the main script": the first mark labelled "end", or the last
** event when the trace has none (a run cut short). *is_mark says which. */
int ana_heap_end(ana_trace *t, uint64_t *seq, int *is_mark);

/* Replay events 1..hi into h (which must be fresh). hook may be NULL. */
int ana_heap_replay(ana_trace *t, ana_heap *h, uint64_t hi, ana_heap_hook hook, void *ctx);

const ana_state *ana_heap_state(const ana_heap *h);      /* borrowed */
/* The location of the latest step event replayed. */
uint64_t ana_heap_step_location(const ana_heap *h);
/* The site of a live object allocated while recording, NULL when unknown. */
const ana_site *ana_heap_site_of(const ana_heap *h, uint64_t obj);
/* The site by number (1-based, as ana_heap_site_id gives), NULL when out of range. */
const ana_site *ana_heap_site(const ana_heap *h, uint32_t id);
uint32_t ana_heap_site_id(const ana_heap *h, uint64_t obj);   /* 0: unknown */
/* Whether the program made o (borrowed, live in h): ana_obj_is_programs, and
** when the trace has steps, made while a frame of the program was running
** (a site with a Python stack), not by the import machinery before its first
** line nor by interpreter shutdown after its module returned. The one rule
** leaks and peak count by. */
int ana_heap_is_programs(const ana_heap *h, const ana_obj *o, int has_steps);

/* The roots now, in a new array (owned; hr_free it): live frames by id with
** their bound slots in order, then the kept globals of returned frames.
** *n gets the count; NULL with *n = 0 when there are none. HR_OK or HR_ENOMEM. */
int ana_heap_roots(const ana_heap *h, ana_root **out, size_t *n);

/* Walk from roots (borrowed) over the current heap. *out (owned; free with
** ana_heap_reach_free) maps object id -> ana_reach *. HR_OK or HR_ENOMEM. */
int ana_heap_reach(const ana_heap *h, const ana_root *roots, size_t nroots, ana_map *out);
void ana_heap_reach_free(ana_map *m);

/* The retention path of obj as slot labels, root first: `global '_CACHE'`,
** `value['k']` (the key's short value when the trace knows it, else
** `value[#7]`), `attr 'next'`, ... Writes up to max labels of lab_size bytes
** each into labels and returns how many; 0 when obj was not reached. */
size_t ana_heap_path(ana_trace *t, const ana_heap *h, const ana_map *reach,
                     const ana_root *roots, uint64_t obj, char (*labels)[160], size_t max);

/* A slot label for paths and cycles: ana_slot_label, but dict slots show the
** key's short value when the trace knows one. */
void ana_heap_slot_label(ana_trace *t, const ana_heap *h, int kind, uint64_t arg,
                         char *buf, size_t n);
/* A root's label: `global 'x'`, `local 'x' in f`, `cell 'x' in f`. */
void ana_heap_root_label(ana_trace *t, const ana_root *r, char *buf, size_t n);

#endif /* ANA_HEAP_H */
