/* rnd_special.h — diagrams of one finding: a reference cycle from
** ana_cycles.h, the retention path of a leak group from ana_leaks.h, or
** the referrers of one object from ana_refs.h.
*/
#ifndef RND_SPECIAL_H
#define RND_SPECIAL_H

#include <stddef.h>
#include <stdint.h>

#include "rnd_render.h"

/* Cycle n (1-based: the alive cycles in `heapreel cycles` order, then the
** collected ones): its members as object tables, every reference between
** them labelled with its slot, the closing reference in the accent colour. */
int rnd_render_cycle(rnd_ctx *c, uint64_t n, int fmt, char **bytes, size_t *len);
/* Leak group n (1-based, `heapreel leaks` order): the path from its root
** (a frame's name) through each holder to the group's example object. */
int rnd_render_leak(rnd_ctx *c, uint64_t n, int fmt, char **bytes, size_t *len);

/* Who holds object obj at the end of the main script (ana_refs.h): the
** frames and objects on every path from a root to it (up to 20 paths) and
** its other referrers, each reference labelled with its slot; the object
** marked. */
int rnd_render_referrers(rnd_ctx *c, uint64_t obj, int fmt, char **bytes, size_t *len);

#endif /* RND_SPECIAL_H */
