/* rnd_html_pack.h — many SVG diagrams stored compactly for the stepping page.
**
** Diagrams of consecutive steps differ in a few lines (the objects that
** did not change are drawn the same). A pack keeps every distinct line once (in the order first seen)
** and every distinct diagram once, as runs of line numbers: [start, count,
** start, count, ...]. A diagram seen before gets its old number. Joining a
** diagram's lines with "\n" gives back its bytes exactly.
*/
#ifndef RND_HTML_PACK_H
#define RND_HTML_PACK_H

#include <stddef.h>
#include <stdint.h>

#include "rnd_text.h"

typedef struct rnd_pack rnd_pack;

rnd_pack *rnd_pack_new(void);                   /* NULL when out of memory */
void rnd_pack_free(rnd_pack *p);                /* NULL is a no-op */

/* Add a diagram's bytes (borrowed: they must outlive p); *diag gets its
** number, an old one when the same bytes were added before. HR_OK or HR_ENOMEM. */
int rnd_pack_add(rnd_pack *p, const char *svg, size_t len, uint32_t *diag);

size_t rnd_pack_lines(const rnd_pack *p);
size_t rnd_pack_diagrams(const rnd_pack *p);

/* Append the JSON members `"lines":[...],"diags":[[...],...]` to b. */
void rnd_pack_json(const rnd_pack *p, rnd_buf *b);

#endif /* RND_HTML_PACK_H */
