/* rnd_render.h — the render library: diagrams of the stack and the heap of a
** trace at one point, as SVG, PNG, PDF or DOT bytes.
**
** This is what `heapreel render` and any page generator build on:
**
**   rnd_options o;  rnd_options_init(&o);
**   rnd_ctx *c;     rnd_ctx_new(trace, &o, &c);
**   rnd_point p;    rnd_point_line(trace, 7, 1, &p);
**   char *svg; size_t len;
**   rnd_render_point(c, &p, RND_FMT_SVG, &svg, &len);   ... hr_free(svg);
**   rnd_ctx_free(c);
**
** A diagram is built in three stages: the scene (rnd_scene.h: what to draw,
** from the analyzer's state and view), the graph (rnd_graph.h: a libcgraph
** graph with HTML-like labels) and the output (rnd_output.h: libgvc layout
** and rendering). Failures return an HR_ status with the one-line reason kept
** on the trace (ana_trace_errmsg) or on the context (rnd_ctx_errmsg).
*/
#ifndef RND_RENDER_H
#define RND_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "ana_trace.h"

enum rnd_show { RND_SHOW_ID = 1, RND_SHOW_SIZE = 2, RND_SHOW_REFCOUNT = 4 };
enum rnd_theme { RND_THEME_LIGHT = 0, RND_THEME_DARK = 1, RND_THEME_PRINT = 2 };
enum rnd_format { RND_FMT_SVG = 0, RND_FMT_PNG = 1, RND_FMT_PDF = 2, RND_FMT_DOT = 3 };

/* Defaults that keep a diagram of a big heap drawable (Graphviz lays out a
** few hundred boxes in well under a second; a million would not finish). */
#define RND_MAX_ITEMS 24
#define RND_MAX_OBJECTS 250

typedef struct rnd_options {
  int show;              /* RND_SHOW_* bits; default RND_SHOW_REFCOUNT */
  int oldest_on_top;     /* 0 (default): the newest frame on top of the stack */
  const char *focus;     /* borrowed; draw only what these names reach: one name or
                            several, comma-separated (NULL: all) */
  uint32_t max_items;    /* rows per container before an ellipsis row; 0: all
                            (default RND_MAX_ITEMS) */
  uint32_t max_objects;  /* heap objects drawn before the rest are left out and
                            counted in the caption; 0: all (default RND_MAX_OBJECTS) */
  uint32_t depth;        /* how many references from the frames; 0: no limit */
  int all_objects;       /* add live objects no frame reaches, dimmed */
  int inline_primitives; /* draw ints, floats, strings, None, bools in their slot */
  int no_changes;        /* do not mark what changed since the previous step */
  int expand;            /* follow references of objects older than the program */
  int all_names;         /* keep a module's dunder names */
  int theme;             /* enum rnd_theme */
  int no_caption;        /* no step/line caption above the diagram (a page shows its own) */
  int slide;             /* the slide preset's quiet parts: functions, classes and
                            modules no name points at drawn as a header only;
                            refcounts only on the program's containers, never
                            "rc static" (the caller sets inline_primitives too) */
  const char *title_stack, *title_heap;   /* borrowed; the clusters' titles (NULL:
                                             "Frames", "Objects") */
} rnd_options;

/* Whether name is one of the comma-separated names of list. */
int rnd_name_in_list(const char *name, const char *list);

void rnd_options_init(rnd_options *o);

/* A point of the run: the state just before step `step` runs (seq 0), or
** the state after event seq - 1 inside step `step` (a mark). */
typedef struct rnd_point {
  uint64_t step;
  uint64_t seq;
} rnd_point;

/* Whether a comes before b in the run. */
int rnd_point_before(const rnd_point *a, const rnd_point *b);

/* Resolve a point; HR_ERANGE / HR_ENOTFOUND with the reason on t. */
int rnd_point_step(ana_trace *t, uint64_t step, rnd_point *p);
int rnd_point_line(ana_trace *t, uint32_t line, uint64_t k, rnd_point *p);
int rnd_point_mark(ana_trace *t, const char *label, rnd_point *p);

typedef struct rnd_ctx rnd_ctx;

/* A renderer for t (borrowed, must outlive it) with options o (copied; the
** focus string stays borrowed). HR_OK, HR_ENOMEM or HR_EUSAGE (no Graphviz). */
int rnd_ctx_new(ana_trace *t, const rnd_options *o, rnd_ctx **out);
void rnd_ctx_free(rnd_ctx *c);                 /* NULL is a no-op */
ana_trace *rnd_ctx_trace(rnd_ctx *c);          /* borrowed */
const rnd_options *rnd_ctx_options(const rnd_ctx *c);
/* Told how far a long render is: done of total units of work. */
typedef void (*rnd_progress_fn)(void *arg, size_t done, size_t total);
/* Call fn (NULL: none) as a storyboard or a page is drawn. */
void rnd_ctx_set_progress(rnd_ctx *c, rnd_progress_fn fn, void *arg);
/* The reason of the last failure, "" when none (borrowed). */
const char *rnd_ctx_errmsg(const rnd_ctx *c);

/* Render the diagram at p in format fmt into *bytes (owned, hr_free it; NUL-
** terminated for the text formats) and *len. */
int rnd_render_point(rnd_ctx *c, const rnd_point *p, int fmt, char **bytes, size_t *len);
/* The same at the state before step `step`: what a stepping page calls. */
int rnd_render_step(rnd_ctx *c, uint64_t step, int fmt, char **bytes, size_t *len);

#endif /* RND_RENDER_H */
