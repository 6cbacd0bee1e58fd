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

/* ana_view_build flags. */
enum {
  ANA_VIEW_EXPAND = 1,     /* follow the references of objects that existed before */
  ANA_VIEW_ALL_NAMES = 2   /* keep a module frame's dunder names (__name__, ...) */
};

typedef struct ana_view {
  const ana_frame **frames;  /* owned array of borrowed frames: the current thread's
                                stack outermost first, then any other live frames */
  size_t nframes;
  size_t nstack;             /* how many of frames are the current stack */
  const ana_obj **objs;      /* owned array of borrowed objects, reachable ones */
  size_t nobjs;
  const uint8_t *leaf;       /* owned; leaf[i] = 1 when objs[i]'s refs were not followed */
  int flags;                 /* ANA_VIEW_* the view was built with */
  uint32_t max_refs;         /* refs followed per object, in slot order; 0: all */
} ana_view;

/* Build the view of s (borrowed: the view points into it and must be reset
** before s changes) with `current` as the running frame. Like Python Tutor,
** a module frame's dunder names (__name__, __doc__, __builtins__, ...) and
** what only they reach are left out unless flags has ANA_VIEW_ALL_NAMES;
** t (borrowed) names the slots. HR_OK or HR_ENOMEM. */
int ana_view_build(ana_trace *t, const ana_state *s, uint64_t current, int flags, ana_view *v);
/* The same, following at most max_refs bound slots of each object (0: all),
** so a state holding a million-item list shows the first items and a count
** of the rest (ana_view_refs_omitted) instead of a million objects. */
int ana_view_build_max(ana_trace *t, const ana_state *s, uint64_t current, int flags,
                       uint32_t max_refs, ana_view *v);
/* How many of o's bound slots the view leaves out (0 when it shows them all). */
uint32_t ana_view_refs_omitted(const ana_view *v, const ana_obj *o);
void ana_view_reset(ana_view *v);

/* Whether the view shows frame f's slot sl (0: a hidden dunder name). */
int ana_view_shows_slot(ana_trace *t, const ana_view *v, const ana_frame *f, const ana_slot *sl);

/* Whether the view shows an object's reference sl (0: an attribute every
** class gets from the type machinery, __module__, __dict__, __weakref__,
** __doc__, __qualname__, hidden like a module's dunder names unless the view
** has ANA_VIEW_ALL_NAMES). */
int ana_view_shows_ref(ana_trace *t, const ana_view *v, const ana_slot *sl);

/* Slots the analyzer adds for references a trace implies but does not record
** (ana_implied.h): kind TRC_SLOT_OTHER, arg ANA_SLOT_IMPLIED | what << 0 |
** (the referent's id << 8, so one holder's co_consts are distinct slots),
** far above any string id. */
#define ANA_SLOT_IMPLIED (UINT64_C(1) << 62)
enum ana_implied_slot {
  ANA_IMPLIED_CLOSURE = 1,   /* a function's __closure__ tuple */
  ANA_IMPLIED_CODE,          /* a function's __code__ */
  ANA_IMPLIED_CONSTS         /* an enclosing code object's co_consts */
};

/* A slot's label (objgraph / refcycle style) into buf: `x` for a frame's
** name, `item[0]`, `key[#7]`, `value[#7]`, `attr 'name'`, `element`, `cell`,
** `closure[0]`, or the label of another referent. A dict slot reads its key:
** `value['k']`, `key[3]`, `value[(3, 512)]` for a tuple of such, from s
** (borrowed; NULL, or a key s does not hold, asks the trace for the key's
** recorded value); `value[#7]` only when the key has no known value. */
void ana_slot_label(ana_trace *t, const ana_state *s, int kind, uint64_t arg,
                    char *buf, size_t n);

/* A short value for o into buf and returns buf, or NULL when the trace does
** not know one: the recorded value of an immutable scalar (`1`, `'a b'`,
** `None`, from its value event), or a container's length (`len 3`). */
const char *ana_value_short(ana_trace *t, const ana_obj *o, char *buf, size_t n);
/* What the trace recorded of object id without a replayed state: an int's
** value, a scalar's short value, a function's, class's or module's name (its
** value event). Into buf (returned); NULL when nothing was recorded. */
const char *ana_value_recorded(ana_trace *t, uint64_t id, char *buf, size_t n);

/* CPython 3.11's statically allocated objects (small ints, one-character
** strings, the empty tuple, deep-frozen code and its constants) start at a
** count of 999999999 that no program can drain; past this bound a count says
** "static", not how many references there are. */
#define ANA_REFCOUNT_STATIC 500000000
#define ana_refcount_is_static(rc) ((rc) >= ANA_REFCOUNT_STATIC)

#endif /* ANA_VIEW_H */
