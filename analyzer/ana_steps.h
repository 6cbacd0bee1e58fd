/* ana_steps.h — the steps of a trace, one row each: who ran what, where. */
#ifndef ANA_STEPS_H
#define ANA_STEPS_H

#include <stdint.h>

#include "ana_trace.h"

typedef struct ana_step_row {
  uint64_t step, seq;
  uint64_t frame, thread;
  uint32_t depth;          /* 0 for the outermost (module) frame */
  ana_loc loc;             /* file, line and function of the instruction */
  const char *source;      /* that line's text (borrowed), NULL when not recorded */
  uint64_t opcode;
} ana_step_row;

/* Call fn for each step with from <= step <= to (to 0: the last step),
** restricted to line `line` of the main script when line is not 0. fn
** returns 0 to go on, ANA_SCAN_STOP to stop, or an HR_ status. */
int ana_steps_each(ana_trace *t, uint64_t from, uint64_t to, uint32_t line,
                   int (*fn)(void *ctx, const ana_step_row *row), void *ctx);

#endif /* ANA_STEPS_H */
