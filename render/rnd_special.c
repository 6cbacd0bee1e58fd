/* rnd_special.c — diagrams of one cycle or one leak's retention path (rnd_special.h). */
#include "rnd_special.h"

#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_internal.h"

int rnd_render_cycle(rnd_ctx *c, uint64_t n, int fmt, char **bytes, size_t *len) {
  return rnd_ctx_fail(c, HR_EUSAGE, hr_strdup("--cycle is not available yet"));
}

int rnd_render_leak(rnd_ctx *c, uint64_t n, int fmt, char **bytes, size_t *len) {
  return rnd_ctx_fail(c, HR_EUSAGE, hr_strdup("--leak is not available yet"));
}
