/* rnd_internal.h — what the render modules share and callers do not need. */
#ifndef RND_INTERNAL_H
#define RND_INTERNAL_H

#include <graphviz/gvc.h>

#include "rnd_render.h"

/* Keep msg (owned; NULL means out of memory) as c's reason and return status. */
int rnd_ctx_fail(rnd_ctx *c, int status, char *msg);
GVC_t *rnd_ctx_gvc(rnd_ctx *c);     /* borrowed */

#endif /* RND_INTERNAL_H */
