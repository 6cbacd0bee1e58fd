/* rec_shadow.h — the recorded slots of containers (rec_shadow.c).
**
** A container's shadow is what the trace last said it holds: a list's,
** tuple's or cell's items by index, a dict's, set's or instance's entries
** by key. After an instruction that may have changed a container, its
** shadow is compared with the object and the differences become bind and
** unbind events. The comparison reads no more of the object than the
** instruction touched wherever that can be known exactly (an index, the
** tail, the keys of the call or the store); otherwise the whole object.
**
** Included by rec_internal.h, after rec_ref; everything here runs under
** the GIL. */
#ifndef REC_SHADOW_H
#define REC_SHADOW_H

#include <stdint.h>

#include "rec_map.h"
#include "opcode.h"

/* One keyed slot of a dict, set or instance: key and value as recorded. */
typedef struct rec_pair {
  rec_ref key;
  rec_ref val;           /* op NULL for set elements */
  uint64_t stamp;        /* last full diff that saw it */
} rec_pair;

enum rec_shkind { REC_SH_SEQ = 1, REC_SH_DICT, REC_SH_SET, REC_SH_CELL, REC_SH_INST,
                  REC_SH_GLOBALS,  /* a frame's globals dict: global slots of the frame */
                  REC_SH_NAMES,    /* a class body's namespace dict: local slots of its frame */
                  REC_SH_FUNC,     /* a function: closure cells, defaults, __dict__ */
                  REC_SH_CLASS };  /* a class the program made: its __dict__ as attributes */

/* The recorded slots of one container. */
typedef struct rec_shadow {
  int kind;              /* enum rec_shkind */
  uint64_t version;      /* ma_version_tag of the dict (an instance's __dict__)
                         ** at the last diff; (uint64_t)-1: none known */
  rec_ref *items;        /* SEQ and CELL slots */
  Py_ssize_t n, cap;
  rec_pair *pairs;       /* DICT, SET, INST slots, packed */
  size_t np, pcap;
  rec_map index;         /* key address -> position in pairs + 1 */
} rec_shadow;

/* How a container is diffed after an instruction touched it: all of it,
** its tail (a list grown or shrunk at the end), one index (arg), or one
** key (arg, a live object). A key the instruction noted beforehand
** (rec_touch_before) is diffed by that note whatever the mode. */
enum rec_diff { REC_DIFF_FULL = 0, REC_DIFF_TAIL, REC_DIFF_INDEX, REC_DIFF_KEY };

struct rec_obj;
struct rec_thread;
struct _PyInterpreterFrame;

int rec_obj_is_container(PyObject *op);      /* its slots are recorded */
void rec_obj_shadow(struct rec_obj *o);      /* start recording its slots */
void rec_obj_diff(struct rec_obj *o, int how, PyObject *arg);
void rec_shadow_free(rec_shadow *sh);
/* o died: its referents become refcount candidates; its shadow is freed. */
void rec_shadow_drop(struct rec_obj *o);

/* Before th's pending instruction (th->op, th->oparg; its stack in
** th->before) runs in iframe: note which entries of which shadowed dict,
** set, instance or globals it will touch, and what they hold now. The
** note is good for that instruction's diffs only (rec_touch_done). */
void rec_touch_before(struct rec_thread *th, struct _PyInterpreterFrame *iframe);
void rec_touch_done(void);                  /* the instruction's diffs are over */
/* Whether rec_touch_before notes anything for opcode op: the instructions
** its switch handles (kept in step with it). The others, most steps, need
** only rec_touch_done; inline, so they cost no call. */
static inline int rec_touch_wanted(int op) {
  switch (op) {
  case STORE_SUBSCR: case DELETE_SUBSCR: case STORE_ATTR: case DELETE_ATTR:
  case STORE_GLOBAL: case DELETE_GLOBAL: case STORE_NAME: case DELETE_NAME:
  case BINARY_OP: case CALL:
    return 1;
  default:
    return 0;
  }
}
void rec_shadow_fini(void);                 /* the recording stops: free the scratch */

#endif /* REC_SHADOW_H */
