/* rnd_board.h — storyboards: one diagram per chosen point, in numbered files.
**
** Each point is laid out on its own, so each file fits its own content, as a
** single render of that point does (a storyboard that shared one layout of
** the whole run put one list on a page-tall canvas). Objects keep their
** order within a column, and their column, from file to file
** (rnd_board_order.h). What changed is measured against the previous point
** shown.
*/
#ifndef RND_BOARD_H
#define RND_BOARD_H

#include <stddef.h>

#include "rnd_render.h"

/* The first step of every execution of a line of the main script, in order;
** *pts owned (hr_free). HR_ENOTFOUND when there is none. */
int rnd_board_every_line(ana_trace *t, rnd_point **pts, size_t *n);
/* Every mark, in order. HR_ENOTFOUND when the program made none. */
int rnd_board_every_mark(ana_trace *t, rnd_point **pts, size_t *n);

/* The file name of point i (0-based) of a storyboard: "001-line7.svg",
** "002-step31.svg" (no line known), into buf. */
void rnd_board_name(ana_trace *t, const rnd_point *p, size_t i, int fmt, char *buf, size_t n);

/* Render the n points (borrowed) with one shared layout; *out gets n
** buffers (owned, each hr_free'd, then the arrays) and their lengths. */
int rnd_board_render(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt,
                     char ***out, size_t **lens);
/* Draw the n points and write each file into dir (which exists) as soon as
** it is drawn, so that a long storyboard holds one drawing at a time. */
int rnd_board_write(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt, const char *dir);

#endif /* RND_BOARD_H */
