/* rnd_graph.h — a scene (rnd_scene.h) as a libcgraph graph.
**
** Left, the stack: one node `stack` in cluster_stack whose HTML-like label
** holds one table per frame (function name, line, one row per name with a
** port `f<i>r<j>`). Right, the heap: one node `o<object id>` per object in
** cluster_heap (header with the type or a name, `function f(a, b)`, and a
** refcount badge, `rc static` for CPython's static objects; value or item
** rows with ports `r<j>`), unreachable ones in cluster_unreached, dimmed.
** Edges leave a row's port and land on the object's header (port `h`). Node names hold trace object ids, never
** addresses, so the same run draws the same graph. Colours come from the
** theme; every string from the program is escaped (rnd_text.h).
*/
#ifndef RND_GRAPH_H
#define RND_GRAPH_H

#include <graphviz/cgraph.h>

#include "rnd_render.h"
#include "rnd_scene.h"

/* The graph of sc (borrowed) drawn with o (borrowed); NULL when out of memory.
** Free with agclose. */
Agraph_t *rnd_graph_build(const rnd_scene *sc, const rnd_options *o);

/* Set an attribute of a graph, node or edge to an HTML-like label (text
** borrowed). 0 on success, -1 when out of memory. */
int rnd_graph_set_html(void *obj, const char *attr, const char *html);

/* Colours of a theme (borrowed, static). */
typedef struct rnd_palette {
  const char *bg, *fg, *muted, *line, *edge, *accent, *active, *cluster, *cluster_line;
  const char *head[RND_K_NKINDS], *body[RND_K_NKINDS];
  const char *badge;     /* small text on a header: 4.5:1 or more on every head colour */
} rnd_palette;
const rnd_palette *rnd_palette_of(int theme);

#endif /* RND_GRAPH_H */
