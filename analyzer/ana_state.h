/* ana_state.h — the replay engine: the program's frames and heap at one point.
**
** Applying a trace's events in sequence order to an empty state rebuilds what
** the program held at that point: live frames with their slots, live objects
** with type, size, address, reference count and outgoing slots, and the step
** being run. Steps are the unit users name, so the convention is fixed here:
**
**   the state "before step N" is the state after every event whose seq is
**   lower than the seq of step N's step event.
**
** Events of step N that precede its step event (none in a well-formed trace)
** therefore belong to the state before step N, and everything step N's
** instruction does comes after its step event. Keyframes (ana_keyframe.h)
** snapshot a state so replay can start from the nearest one.
**
** Replay is lenient: an event that names an unknown frame or object, or
** unbinds an empty slot, is counted in ana_state_anomalies and otherwise
** ignored, so a damaged or cut-short trace still gives an answer.
*/
#ifndef ANA_STATE_H
#define ANA_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "ana_map.h"
#include "trc_event.h"

/* One slot of a holder: kind (enum trc_slot) and argument name a reference. */
typedef struct ana_slot {
  uint64_t arg;      /* string id, index or key object id, per trc_slot */
  uint64_t obj;      /* object id; 0 while the slot is unbound */
  uint8_t kind;      /* enum trc_slot */
} ana_slot;

/* A holder's slots in first-bind order. While every entry i is item[i] (a
** list or tuple filled in order) an entry is found by its position; else
** small tables are searched linearly, and past ANA_SLOTS_LINEAR entries a
** hash index (positions + 1) is kept. */
typedef struct ana_slots {
  ana_slot *v;
  uint32_t n, cap;
  uint32_t nbound;   /* entries with obj != 0 */
  uint32_t *index;
  uint32_t index_cap;
  uint8_t mixed;     /* 1 once an entry is not item[its position] */
} ana_slots;

#define ANA_SLOTS_LINEAR 12

typedef struct ana_obj {
  uint64_t id, type, size, address;
  uint64_t alloc_seq, alloc_step;
  int64_t refcount;  /* latest count reported; -1 while unknown */
  uint64_t value;    /* string id of its short value (a value event), 0: none;
                        the int itself when is_int */
  uint8_t is_int;    /* 1: value came from an intvalue event */
  uint8_t preexisting; /* 1: from a track event */
  uint8_t born;      /* change tracking: made since the mark */
  uint32_t tag;      /* the replaying analysis's own (ana_heap: allocation
                        site); 0 from replay and keyframes */
  uint32_t mark;     /* change tracking: the epoch it last changed in */
  uint32_t base_n;   /* change tracking: entries its slots had at the mark
                        (0 when made since or its slots were compacted) */
  ana_slots slots;   /* outgoing references */
} ana_obj;

/* Whether o's value is known: an intvalue of 0 (the int 0) is a value, and
** so is any value event's text ('', False, 0.0 have string ids too). */
static inline int ana_obj_has_value(const ana_obj *o) { return o->value != 0 || o->is_int; }

typedef struct ana_frame {
  uint64_t id, location, parent, thread; /* location: the code's first line */
  uint64_t call_seq, call_step;
  uint64_t cur_location; /* location of the frame's latest step (0: none yet) */
  uint64_t cur_step;
  ana_slots slots;   /* local, global and cell names; unbound ones kept */
  uint8_t finished;  /* 1: a module frame that returned, shown with the globals
                        it left (ana_finished.h); never from replay */
  uint8_t born;      /* change tracking, as an object's */
  uint32_t mark;
  uint32_t base_n;
} ana_frame;

typedef struct ana_state ana_state;

ana_state *ana_state_new(void);              /* NULL when out of memory */
void ana_state_free(ana_state *s);           /* NULL is a no-op */
void ana_state_reset(ana_state *s);          /* back to the empty state */

/* Apply one event (borrowed). HR_OK, or HR_ENOMEM (the state is then
** unusable until reset). Events must come in increasing seq order. */
int ana_state_apply(ana_state *s, const trc_event *ev);

uint64_t ana_state_seq(const ana_state *s);      /* last event applied */
uint64_t ana_state_step(const ana_state *s);     /* step of the latest step event */
uint64_t ana_state_frame_id(const ana_state *s); /* frame of the latest step event */
uint64_t ana_state_location(const ana_state *s); /* location of the latest step event */
uint64_t ana_state_anomalies(const ana_state *s);

const ana_frame *ana_state_frame(const ana_state *s, uint64_t id);  /* borrowed or NULL */
const ana_obj *ana_state_obj(const ana_state *s, uint64_t id);      /* borrowed or NULL */
size_t ana_state_nframes(const ana_state *s);
size_t ana_state_nobjs(const ana_state *s);
/* Live frames / objects sorted by id, in a new array (owned; hr_free it).
** *n gets the count. NULL with *n = 0 when empty or out of memory. */
const ana_frame **ana_state_frames(const ana_state *s, size_t *n);
const ana_obj **ana_state_objs(const ana_state *s, size_t *n);

/* Whether the program made o: not an older object it came to hold (track
** event), nor one made before its first instruction (step 0) when the trace
** has steps. */
static inline int ana_obj_is_programs(const ana_obj *o, int has_steps) {
  return !o->preexisting && (!has_steps || o->alloc_step > 0);
}

/* Set a live object's tag; 0 when it is not live. */
int ana_state_set_tag(ana_state *s, uint64_t id, uint32_t tag);

/* The object a holder's slot refers to, 0 when unbound or unknown. holder_is_frame
** follows TRC_SLOT_HOLDER_IS_FRAME(kind). */
uint64_t ana_state_slot(const ana_state *s, uint64_t holder, int kind, uint64_t arg);

/* --- change tracking, for delta keyframes (ana_keyframe.h) -------------------- */
/* Once ana_state_mark is called, the state records what changes after it:
** the objects made or changed, the objects present at the mark and freed
** since, and the slots below an object's base_n rebound. A delta keyframe
** is written from these, so its cost follows what changed, not the heap's
** size: a changed object keeps its first base_n slot entries (slots are
** kept in first-bind order, new ones go after them) and names only those
** rebound; a compaction moves entries, so it sets base_n to 0 and the
** slots are written whole. The next mark starts a new epoch. */
typedef struct ana_slot_touch {
  uint64_t obj;
  uint32_t pos;      /* position in obj's slots, below its base_n then */
} ana_slot_touch;

typedef struct ana_changes {
  uint64_t base_seq;            /* seq of the state at the mark */
  const uint64_t *touched;      /* made or changed since, unsorted, may repeat */
  size_t ntouched;
  const uint64_t *freed;        /* present at the mark, freed since */
  size_t nfreed;
  const ana_slot_touch *slots;  /* unsorted, may repeat */
  size_t nslots;
  /* The same for frames (called, stepped or bound; returned). Live
  ** suspended generators are frames too: there may be many. */
  const uint64_t *ftouched;
  size_t nftouched;
  const uint64_t *ffreed;
  size_t nffreed;
  const ana_slot_touch *fslots;
  size_t nfslots;
} ana_changes;

/* Make the current state the base of the changes (and start tracking).
** HR_OK. */
int ana_state_mark(ana_state *s);
/* The changes since the mark (borrowed until the next apply or mark);
** 0 when tracking is off (no mark since the last reset). */
int ana_state_changes(const ana_state *s, ana_changes *out);
/* The epoch objects changed since the mark carry in their `mark`. */
uint32_t ana_state_epoch(const ana_state *s);

/* --- slot tables, shared with the keyframe decoder -------------------------- */
/* Bind kind/arg to obj (0 unbinds). Returns HR_OK or HR_ENOMEM; *old gets the
** previous object (0 when none). */
int ana_slots_set(ana_slots *t, int kind, uint64_t arg, uint64_t obj, uint64_t *old);
/* Append kind/arg -> obj (obj may be 0) without looking for an existing
** entry: the caller knows it is new. HR_OK or HR_ENOMEM. */
int ana_slots_add(ana_slots *t, int kind, uint64_t arg, uint64_t obj);
/* Make room for n entries in all (a decoder that knows the count). */
int ana_slots_reserve(ana_slots *t, uint32_t n);
/* Position of kind/arg in t->v, or -1. */
long ana_slots_find(const ana_slots *t, int kind, uint64_t arg);
/* Drop unbound entries (positions change). */
int ana_slots_compact(ana_slots *t);
void ana_slots_reset(ana_slots *t);

/* --- restoring a state (keyframe decoding) ---------------------------------- */
/* Insert a frame or object (copied). On HR_OK its slots belong to the state
** and the caller must not reset them; on failure (HR_ENOMEM, or HR_ECORRUPT
** for id 0 or an id already present) they stay the caller's. */
int ana_state_add_frame(ana_state *s, const ana_frame *f);
int ana_state_add_obj(ana_state *s, const ana_obj *o);
/* A live object to edit in place (its id must stay), NULL when absent. */
ana_obj *ana_state_obj_edit(ana_state *s, uint64_t id);
/* Remove a live object; 0 when there is none with that id. */
int ana_state_del_obj(ana_state *s, uint64_t id);
/* A live frame to edit in place (its id must stay), NULL when absent. */
ana_frame *ana_state_frame_edit(ana_state *s, uint64_t id);
/* Remove a live frame; 0 when there is none with that id. */
int ana_state_del_frame(ana_state *s, uint64_t id);
/* Set the position fields that ana_state_seq ... ana_state_location return. */
void ana_state_set_position(ana_state *s, uint64_t seq, uint64_t step,
                            uint64_t frame, uint64_t location);

#endif /* ANA_STATE_H */
