/* ana_view.h — what `state` shows (and diagrams draw) of a replayed state:
** the stack from the outermost frame to the innermost, and the heap objects
** reachable from it, in a stable breadth-first order.
**
** Objects that existed before the program (track events: modules, classes,
** functions, small ints, interned strings) are leaves unless `expand` asks
** for them: a module's reach is the whole interpreter.
*/
#ifndef ANA_VIEW_H
#define ANA_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "ana_state.h"
#include "ana_trace.h"

typedef struct ana_view {
  const ana_frame **frames;  /* owned array of borrowed frames: the current thread's
                                stack outermost first, then any other live frames */
  size_t nframes;
  size_t nstack;             /* how many of frames are the current stack */
  const ana_obj **objs;      /* owned array of borrowed objects, reachable ones */
  size_t nobjs;
  const uint8_t *leaf;       /* owned; leaf[i] = 1 when objs[i]'s refs were not followed */
} ana_view;

/* Build the view of s (borrowed: the view points into it and must be reset
** before s changes) with `current` as the running frame. HR_OK or HR_ENOMEM. */
int ana_view_build(const ana_state *s, uint64_t current, int expand, ana_view *v);
void ana_view_reset(ana_view *v);

/* A slot's label (objgraph / refcycle style) into buf: `x` for a frame's
** name, `item[0]`, `key[#7]`, `value[#7]`, `attr 'name'`, `element`, `cell`,
** `closure[0]`, or the label of another referent. */
void ana_slot_label(ana_trace *t, int kind, uint64_t arg, char *buf, size_t n);

/* A short value for o into buf and returns buf, or NULL when the trace does
** not know one. Today traces carry no object values, so this gives only
** container lengths ("len 3"); value events, when the recorder writes them,
** plug in here. */
const char *ana_value_short(ana_trace *t, const ana_obj *o, char *buf, size_t n);

#endif /* ANA_VIEW_H */
