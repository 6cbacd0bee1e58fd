/* ana_steps.c — step rows from step events, frames and source text. */
#include "ana_steps.h"

#include "hr_status.h"
#include "trc_scan.h"

struct steps_pass {
  ana_trace *t;
  uint64_t file;           /* main script's file when filtering by line */
  uint32_t line;
  int (*fn)(void *ctx, const ana_step_row *row);
  void *ctx;
};

static int steps_cb(void *ctx, const trc_event *ev) {
  struct steps_pass *p = ctx;
  if (ev->kind != TRC_EV_STEP) return 0;
  ana_step_row row = {0};
  row.loc = ana_trace_location(p->t, ev->f[1]);
  if (p->line && (row.loc.line != p->line || (p->file && row.loc.file_sid != p->file))) return 0;
  row.step = ev->step;
  row.seq = ev->seq;
  row.frame = ev->f[0];
  row.opcode = ev->f[2];
  const ana_frame_info *fi = ana_trace_frame_info(p->t, ev->f[0]);
  if (fi) {
    row.thread = fi->thread;
    row.depth = fi->depth;
  }
  row.source = ana_trace_source_line(p->t, row.loc.file_sid, row.loc.line);
  return p->fn(p->ctx, &row);
}

int ana_steps_each(ana_trace *t, uint64_t from, uint64_t to, uint32_t line,
                   int (*fn)(void *ctx, const ana_step_row *row), void *ctx) {
  uint64_t last = trc_reader_last_step(ana_trace_reader(t));
  if (!to || to > last) to = last;
  if (from < 1) from = 1;
  struct steps_pass p = {t, line ? ana_trace_main_file(t) : 0, line, fn, ctx};
  return ana_trace_scan(t, TRC_SCAN_STEP, from, to, steps_cb, &p);
}
