/* rnd_html.h — the stepping page: one self-contained HTML file that steps
** through a run (`heapreel render FILE --html OUT.html`).
**
** The page holds the program's source (the current line highlighted), the
** diagram of every chosen point, a slider, arrow-key stepping, a step
** counter and what the program printed so far. Nothing is fetched: the
** script, the styles and the data are inline, and the data is JSON inside
** <script type="application/json"> written by rnd_json_str, so no string a
** program makes can end the element or run as script.
**
** The diagrams come from a storyboard (rnd_board.h) drawn without captions,
** so objects keep their order from step to step and consecutive diagrams
** share most of their SVG text. The page stores each distinct SVG line once
** and each distinct diagram as runs of line numbers (rnd_html_pack.h); the
** page's script (render/rnd_page.html) joins them back on demand.
*/
#ifndef RND_HTML_H
#define RND_HTML_H

#include <stddef.h>

#include "rnd_render.h"

/* Above this many steps of user code, the default page takes one point per
** line change instead of one per step. */
#define RND_HTML_MAX_STEPS 400

/* The default points: every step of user code (a file whose source the trace
** holds), or the first step of every line change in user code when there
** are more than RND_HTML_MAX_STEPS. *pts owned (hr_free). HR_ENOTFOUND (the
** reason on t) when no user code ran. */
int rnd_html_default_points(ana_trace *t, rnd_point **pts, size_t *n);

/* A page holds at most this many points: drawing one takes two Graphviz
** layouts (tens of milliseconds), so a page of a long run stays within a
** minute to build and a few megabytes to load. */
#define RND_HTML_MAX_POINTS 300

/* Add every mark of the run to the n points *pts (reallocated), in run
** order, without duplicates. HR_OK also when the run made no marks. */
int rnd_html_add_marks(ana_trace *t, rnd_point **pts, size_t *n);

/* Keep at most max (0: no limit) of the n points, in order: the marks (up to
** half of max), the others evenly spread with the first and the last kept.
** Returns how many were left out. */
size_t rnd_html_thin(rnd_point *pts, size_t *n, size_t max);

typedef struct rnd_html_stats {
  size_t points;        /* positions of the slider */
  size_t diagrams;      /* distinct diagrams among them */
  size_t lines;         /* distinct SVG lines stored */
  size_t svg_bytes;     /* the SVG text of every point, before sharing */
  size_t page_bytes;    /* the page */
} rnd_html_stats;

/* The page for the n points (borrowed, n >= 1) drawn with c's options, into
** *page (owned, hr_free; NUL-terminated) and *len; left_out, the points the
** caller thinned away (rnd_html_thin), is said on the page. st may be NULL. */
int rnd_html_render(rnd_ctx *c, const rnd_point *pts, size_t n, size_t left_out, char **page,
                    size_t *len, rnd_html_stats *st);
/* rnd_html_render, then write the page to path whole (rnd_output_write). */
int rnd_html_write(rnd_ctx *c, const rnd_point *pts, size_t n, size_t left_out, const char *path,
                   rnd_html_stats *st);

#endif /* RND_HTML_H */
