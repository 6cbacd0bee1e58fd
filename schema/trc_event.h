/* trc_event.h — the event model shared by the recorder and the analyzer.
**
** This header, schema/schema.sql and schema/FORMAT.md are the whole contract
** between the two sides. An event is a kind plus up to four unsigned 64-bit
** fields whose meaning depends on the kind (the table below). Events carry a
** global sequence number (assigned by the writer, dense from 1) and the step
** they belong to (supplied by whoever produces the events).
*/
#ifndef TRC_EVENT_H
#define TRC_EVENT_H

#include <stdint.h>

/* Format version: a reader refuses a trace whose major version differs. */
#define TRC_VERSION_MAJOR 2
#define TRC_VERSION_MINOR 2

/* Event kinds. The numbers are stored in traces: never renumber. */
enum trc_kind {
  TRC_EV_STEP = 1,      /* frame, location, opcode */
  TRC_EV_CALL = 2,      /* frame, location (first line), parent frame, thread */
  TRC_EV_RETURN = 3,    /* frame, returned object (0: none, e.g. exception) */
  TRC_EV_BIND = 4,      /* holder, slot kind, slot argument, object */
  TRC_EV_UNBIND = 5,    /* holder, slot kind, slot argument, old object */
  TRC_EV_ALLOC = 6,     /* object, type, size in bytes, address */
  TRC_EV_INCREF = 7,    /* object, new reference count */
  TRC_EV_DECREF = 8,    /* object, new reference count */
  TRC_EV_FREE = 9,      /* object, flags (TRC_FREE_*) */
  TRC_EV_GC = 10,       /* generation, phase (TRC_GC_*), objects collected */
  TRC_EV_MARK = 11,     /* label (string id) */
  TRC_EV_EXCEPTION = 12,/* type name (string id), message (string id), flags, object */
  TRC_EV_MEM = 13,      /* bytes allocated now, highest bytes since the previous mem event */
  TRC_EV_TRACK = 14,    /* object, type, size, address: an object that existed before
                           the recording (or before it was first seen) is tracked from now */
  TRC_EV_RESIZE = 15,   /* object, new size in bytes (sys.getsizeof): its size changed
                           since the alloc, track or resize event that gave it */
  TRC_EV_VALUE = 16,    /* object, short value (string id): the value of an immutable
                           scalar (int, float, bool, None, str, bytes), right after its
                           alloc or track event */
  TRC_EV_SITE = 17,     /* stack id (stacks table): the events that follow, up to the next
                           site event, happened with that Python stack (--detail alloc) */
  TRC_EV_INTVALUE = 18, /* object, value: an exact int's own value, as a two's-complement
                           64-bit number (ints that fit; the others get a value event),
                           right after its alloc or track event */
  TRC_EV_KIND_MAX = 18
};

/* Number of fields each kind uses, indexed by kind (0 unused). */
#define TRC_KIND_NFIELDS_INIT {0, 3, 4, 2, 4, 4, 4, 2, 2, 2, 3, 1, 4, 2, 4, 2, 2, 1, 2}

/* Slot kinds (bind / unbind field b). The holder (field a) is a frame id for
** TRC_SLOT_LOCAL, TRC_SLOT_GLOBAL and TRC_SLOT_CELL, an object id for every
** other kind. The slot argument (field c) is described per kind. */
enum trc_slot {
  TRC_SLOT_LOCAL = 1,    /* arg: name (string id) — `local 'x'` */
  TRC_SLOT_GLOBAL = 2,   /* arg: name (string id) — `global 'x'` */
  TRC_SLOT_CELL = 3,     /* arg: name (string id) — a frame's cell or free variable */
  TRC_SLOT_ITEM = 4,     /* arg: index — list / tuple `item[i]` */
  TRC_SLOT_KEY = 5,      /* arg: key object id — dict `key[k]` */
  TRC_SLOT_VALUE = 6,    /* arg: key object id — dict `value[k]` */
  TRC_SLOT_ATTR = 7,     /* arg: name (string id) — `attr 'name'` */
  TRC_SLOT_ELEMENT = 8,  /* arg: 0 — set / frozenset `element` */
  TRC_SLOT_CONTENTS = 9, /* arg: 0 — a cell object's `cell` contents */
  TRC_SLOT_CLOSURE = 10, /* arg: index — a function's `closure[i]` */
  TRC_SLOT_OTHER = 11,   /* arg: label (string id) — any other referent */
  TRC_SLOT_MAX = 11
};

#define TRC_SLOT_HOLDER_IS_FRAME(s) ((s) >= TRC_SLOT_LOCAL && (s) <= TRC_SLOT_CELL)

/* output.stream: which of the program's streams a write went to. */
enum trc_stream {
  TRC_STREAM_STDOUT = 1,
  TRC_STREAM_STDERR = 2
};

enum trc_free_flags {
  TRC_FREE_GC = 1        /* freed by the cyclic collector (inside a gc run) */
};

enum trc_gc_phase {
  TRC_GC_START = 1,
  TRC_GC_END = 2
};

enum trc_exc_flags {
  TRC_EXC_RAISED = 1,
  TRC_EXC_UNHANDLED = 2
};

/* One event. seq is assigned by the writer; the producer fills the rest. */
typedef struct trc_event {
  uint64_t seq;
  uint64_t step;
  uint64_t f[4];       /* fields a, b, c, d; unused ones are 0 */
  uint8_t kind;        /* enum trc_kind */
} trc_event;

/* Name of a kind ("step", "call", ...) or NULL when out of range. */
const char *trc_kind_name(int kind);
/* Kind for a name, or 0 when unknown. */
int trc_kind_from_name(const char *name);
/* Number of fields used by a kind, 0 when out of range. */
int trc_kind_nfields(int kind);
/* Name of a slot kind ("local", "item", ...) or NULL when out of range. */
const char *trc_slot_name(int slot);

#endif /* TRC_EVENT_H */
