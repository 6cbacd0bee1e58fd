/* rnd_board.c — storyboards with one shared layout (rnd_board.h). */
#include "rnd_board.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_internal.h"

int rnd_board_every_line(ana_trace *t, rnd_point **pts, size_t *n) { return HR_ENOTFOUND; }
int rnd_board_every_mark(ana_trace *t, rnd_point **pts, size_t *n) { return HR_ENOTFOUND; }
int rnd_board_write(rnd_ctx *c, const rnd_point *pts, size_t n, int fmt, const char *dir) {
  return rnd_ctx_fail(c, HR_EUSAGE, hr_strdup("storyboards are not available yet"));
}
