/* rnd_board_order.h — one vertical order of objects for a whole storyboard.
**
** Each slide of a storyboard is laid out on its own (it fits its own
** content), but a reader follows the objects from slide to slide: two
** objects in the same column must not swap places. dot chooses the order
** within a column anew for each graph, so a slide is laid out twice: a first
** layout tells which objects share a column (a rank, within one cluster)
** and where dot would put the objects the storyboard has not shown yet;
** those join the storyboard's order next to their neighbours there. The
** second layout is constrained: the objects of each column, in the
** storyboard's order, are chained by invisible same-rank edges, which dot
** keeps in order when it does not re-run its crossing minimisation over the
** clusters (remincross=false).
*/
#ifndef RND_BOARD_ORDER_H
#define RND_BOARD_ORDER_H

#include <graphviz/gvc.h>

#include "ana_map.h"
#include "rnd_scene.h"

typedef struct rnd_order {
  ana_map at;          /* object id -> index in ids + 1 */
  ana_map col;         /* object id -> its rank (column) on the previous slide + 1 */
  uint64_t *ids;       /* every object shown so far, top to bottom */
  size_t n, cap;
} rnd_order;

void rnd_order_init(rnd_order *o);
void rnd_order_reset(rnd_order *o);

/* Keep columns: mark back (rnd_row) each arrow of sc from an object to one
** that was left of it on the previous slide and that keeps a column of its
** own without that arrow (a frame points at it, or it is garbage). Without it, an arrow a new
** reference adds would push that object a column right: `a.append(b)`
** after `b = [a]` swapped the two lists' columns. */
void rnd_order_pin(const rnd_order *o, rnd_scene *sc);

/* The graph of sc drawn with opt (both borrowed; rnd_graph_build) into
** *out (owned: agclose), constrained so that dot keeps o's order in every
** column. sc's objects not in o yet join it, where a first layout puts them
** (each layout is freed again). HR_OK or HR_ENOMEM; a graph Graphviz
** cannot lay out comes back unconstrained, to fail when it is rendered. */
int rnd_order_graph(rnd_order *o, GVC_t *gvc, const rnd_scene *sc, const rnd_options *opt,
                    Agraph_t **out);

#endif /* RND_BOARD_ORDER_H */
