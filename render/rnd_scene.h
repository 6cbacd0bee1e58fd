/* rnd_scene.h — what one diagram shows, before it becomes a graph.
**
** The scene is built from the analyzer's state at a point and its view
** (ana_view.h): the stack's frames in drawing order, the heap objects the
** frames reach (within --focus, --depth and --max-items), the garbage no
** reference in the trace reaches (cycles awaiting the collector), with
** --all-objects the other live objects, and what changed since the previous
** step: new bindings and objects, objects freed (ghosts, the collector's
** victims among them) and names just unbound. A value a call just returned
** that nothing holds yet but the value stack stays on its frame's `return`
** row, the frame drawn as returned.
** Strings in a scene are raw (unescaped); rnd_graph escapes them.
*/
#ifndef RND_SCENE_H
#define RND_SCENE_H

#include <stddef.h>
#include <stdint.h>

#include "ana_trace.h"
#include "rnd_render.h"

enum rnd_mark {            /* how a row or a box differs from the previous step */
  RND_SAME = 0,
  RND_NEW = 1,             /* a new binding, a new object */
  RND_GONE = 2             /* a just-unbound name, a just-freed object (ghost) */
};

enum rnd_kind {            /* what colour a box gets */
  RND_K_FRAME, RND_K_SCALAR, RND_K_SEQ, RND_K_MAP, RND_K_INSTANCE,
  RND_K_CODE, RND_K_OTHER, RND_K_NKINDS
};

enum rnd_group {
  RND_G_HEAP = 0,
  RND_G_UNREACHED = 1,     /* garbage: no reference in the trace reaches it (ana_garbage.h) */
  RND_G_HIDDEN = 2         /* --all-objects: alive, reached only through what is not drawn */
};

typedef struct rnd_row {
  char *key;        /* owned: the left cell (name, index, dict key, attribute) */
  char *text;       /* owned: an inline value, or NULL */
  uint64_t obj;     /* the object the row refers to, 0 when none (inline, unbound) */
  uint8_t mark;     /* enum rnd_mark */
  uint8_t is_return;/* a returning frame's return value */
  uint8_t back;     /* drawn pointing back: its arrow does not put the object
                    ** right of the row's (a storyboard keeps the object's column) */
} rnd_row;

typedef struct rnd_box {
  uint64_t id;      /* frame or object id */
  char *title;      /* owned: function name or type name */
  char *sub;        /* owned: a frame's line, an object's value; may be NULL */
  rnd_row *rows;    /* owned */
  uint32_t nrows;
  uint32_t more;    /* rows left out (--max-items); 0 when none */
  int64_t refcount; /* -1: unknown */
  uint64_t size, address;
  uint8_t kind;     /* enum rnd_kind */
  uint8_t mark;     /* enum rnd_mark */
  uint8_t group;    /* enum rnd_group */
  uint8_t active;   /* the running frame */
  uint8_t off_stack;/* a live frame not on the running stack (generator, thread) */
  uint8_t leaf;     /* an object older than the program, its references not followed */
  uint32_t thread_no;/* a frame of another thread than the running one: its number, else 0 */
} rnd_box;

typedef struct rnd_scene {
  rnd_box *frames;  /* owned, in drawing order (top first) */
  size_t nframes;
  rnd_box *objs;    /* owned: reachable, ghosts, then unreachable ones */
  size_t nobjs;
  char *caption;    /* owned: "step 19  returns.py:5  make_pair" */
  char *source;     /* owned: the source line about to run, or NULL */
  uint64_t step;
  size_t omitted;   /* references to objects left out by max_objects */
  size_t drawn_max; /* the max_objects limit that left them out */
} rnd_scene;

/* Build the scene of t at p with options o (both borrowed); what changed is
** measured against the previous step. */
int rnd_scene_build(ana_trace *t, const rnd_point *p, const rnd_options *o, rnd_scene *sc);
/* The same with what changed measured against the point since (borrowed;
** an earlier point of the run, the previous slide), NULL: the previous step. */
int rnd_scene_build_since(ana_trace *t, const rnd_point *p, const rnd_point *since,
                          const rnd_options *o, rnd_scene *sc);
void rnd_scene_reset(rnd_scene *sc);
/* Fill x's header (title, value, refcount, size, address, kind) from o
** (borrowed); rows are the caller's. HR_OK or HR_ENOMEM. */
int rnd_scene_obj_header(ana_trace *t, const ana_obj *o, rnd_box *x);
/* The object box with id, or NULL. Linear: scenes are small. */
const rnd_box *rnd_scene_obj(const rnd_scene *sc, uint64_t id);

#endif /* RND_SCENE_H */
