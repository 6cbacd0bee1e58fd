/* rnd_flame.h — a flame graph of an ana_flame tree: one self-contained HTML
** page (search, click to zoom) or a static SVG.
**
** The page is the template render/rnd_flame.html with the tree as JSON in a
** <script type="application/json"> element (rnd_json_str: no string a
** program makes can end it); its script draws the frames as boxes, widths
** in proportion to bytes, the whole at the top and callees below. The SVG
** is the same drawing at the whole, each frame's <title> its full name and
** bytes; it has no script.
*/
#ifndef RND_FLAME_H
#define RND_FLAME_H

#include <stddef.h>

#include "ana_flame.h"
#include "ana_trace.h"

/* The page for f (borrowed; built on t), `what` saying what its bytes are
** ("live at the peak"), into *out (owned, hr_free; NUL-terminated) and *len.
** HR_OK, HR_ENOMEM or HR_EIO (a template without its data mark). */
int rnd_flame_html(ana_trace *t, const ana_flame *f, const char *what, char **out, size_t *len);
/* The SVG drawing of f, likewise. HR_OK or HR_ENOMEM. */
int rnd_flame_svg(ana_trace *t, const ana_flame *f, const char *what, char **out, size_t *len);

#endif /* RND_FLAME_H */
