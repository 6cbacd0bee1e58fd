/* rnd_internal.h — what the render modules share and callers do not need. */
#ifndef RND_INTERNAL_H
#define RND_INTERNAL_H

#include <graphviz/gvc.h>

#include "rnd_render.h"

/* Keep msg (owned; NULL means out of memory) as c's reason and return status. */
int rnd_ctx_fail(rnd_ctx *c, int status, char *msg);
GVC_t *rnd_ctx_gvc(rnd_ctx *c);     /* borrowed */
/* Report progress through c's rnd_progress_fn, if any. */
void rnd_ctx_progress(rnd_ctx *c, size_t done, size_t total);
void rnd_ctx_copy_progress(rnd_ctx *to, const rnd_ctx *from);

#endif /* RND_INTERNAL_H */
