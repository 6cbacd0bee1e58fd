/* rnd_board_routes.h — edge routes kept from slide to slide.
**
** dot re-spaces every column of every slide, so an arrow whose two ends
** stay where they were can still be drawn along another curve because
** something elsewhere moved: a reader sees it change and looks for a
** change that is not there. After a slide's layout, an arrow (the same
** row's port to the same object) whose tail and head objects and both
** ends lie where they were on the previous slide (within 2 pt, relative to
** the frames' top-left corner) takes the previous slide's route again,
** unless that route would now cross another object or leave the drawing.
*/
#ifndef RND_BOARD_ROUTES_H
#define RND_BOARD_ROUTES_H

#include <stddef.h>

#include <graphviz/gvc.h>

struct rnd_route;
struct rnd_spot;

typedef struct rnd_routes {
  struct rnd_spot *spots;    /* the previous slide's objects: name, top-left */
  size_t nspots;
  struct rnd_route *routes;  /* its arrows: key, curve */
  size_t nroutes;
} rnd_routes;

void rnd_routes_init(rnd_routes *r);
void rnd_routes_reset(rnd_routes *r);

/* g is laid out: give its arrows whose ends did not move the previous
** slide's routes, name each arrow (its `id`: tail, port and head, so that
** an SVG reader can follow it from slide to slide), and remember g's
** objects and routes for the next slide. HR_OK or HR_ENOMEM (then nothing
** is remembered: the next slide keeps dot's routes). */
int rnd_routes_keep(rnd_routes *r, Agraph_t *g);

#endif /* RND_BOARD_ROUTES_H */
