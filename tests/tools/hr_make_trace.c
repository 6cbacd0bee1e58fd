/* hr_make_trace.c — write a small synthetic trace through the writer API, for tests that need one without Python. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "trc_writer.h"

static const char usage[] =
  "usage: hr_make_trace [--iterations <n>] [--chunk-events <n>] [--incomplete] <out>\n";

static uint64_t str(trc_writer *w, const char *s) { return trc_writer_string(w, s, strlen(s)); }

/* One frame that, each step, allocates a list, binds it to `x`, drops the
** previous one, and reports memory; then a gc run, an exception with awkward
** text and the return. Every event kind appears; values follow from i. */
static void fill(trc_writer *w, unsigned long iterations) {
  uint64_t file = str(w, "demo.py"), mod = str(w, "<module>");
  uint64_t loc = trc_writer_location(w, file, 1, mod);
  uint64_t list_t = trc_writer_type(w, str(w, "list"));
  uint64_t x = str(w, "x");
  trc_writer_thread(w, 1, str(w, "MainThread"), 4242);
  trc_writer_source(w, file, "x = []\n", 7);
  trc_writer_meta(w, "program", "demo.py");
  uint64_t step = 1;
  trc_writer_append(w, TRC_EV_CALL, step, 1, loc, 0, 1);
  trc_writer_mark(w, step, "start");
  for (unsigned long i = 1; i <= iterations; i++) {
    step++;
    uint64_t line = trc_writer_location(w, file, (uint32_t)(2 + i % 5), mod);
    trc_writer_append(w, TRC_EV_STEP, step, 1, line, 100 + i % 50, 0);
    trc_writer_append(w, TRC_EV_ALLOC, step, i, list_t, 56 + 8 * (i % 4), 0x7f0000000000ull + 64 * i);
    trc_writer_append(w, TRC_EV_BIND, step, 1, TRC_SLOT_LOCAL, x, i);
    trc_writer_append(w, TRC_EV_INCREF, step, i, 2, 0, 0);
    if (i > 1) {
      trc_writer_append(w, TRC_EV_UNBIND, step, 1, TRC_SLOT_LOCAL, x, i - 1);
      trc_writer_append(w, TRC_EV_DECREF, step, i - 1, 0, 0, 0);
      trc_writer_append(w, TRC_EV_FREE, step, i - 1, 0, 0, 0);
    }
    trc_writer_append(w, TRC_EV_MEM, step, 1000 + 64 * i, 0, 0, 0);
  }
  step++;
  trc_writer_append(w, TRC_EV_GC, step, 2, TRC_GC_START, 0, 0);
  trc_writer_append(w, TRC_EV_GC, step, 2, TRC_GC_END, 0, 0);
  const char msg[] = "bad\tvalue \"q\"\n\x01 caf\xc3\xa9 \xff end";
  trc_writer_append(w, TRC_EV_EXCEPTION, step, str(w, "ValueError"),
                    trc_writer_string(w, msg, sizeof msg - 1), TRC_EXC_RAISED, 0);
  trc_writer_append(w, TRC_EV_RETURN, step, 1, 0, 0, 0);
}

int main(int argc, char **argv) {
  unsigned long iterations = 100;
  trc_writer_options opt = {0};
  int complete = 1;
  const char *out = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) iterations = strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--chunk-events") == 0 && i + 1 < argc) opt.chunk_events = (uint32_t)strtoul(argv[++i], NULL, 10);
    else if (strcmp(argv[i], "--incomplete") == 0) complete = 0;
    else if (argv[i][0] != '-' && !out) out = argv[i];
    else {
      fputs(usage, stderr);
      return 2;
    }
  }
  if (!out) {
    fputs(usage, stderr);
    return 2;
  }
  trc_writer *w = NULL;
  char *err = NULL;
  if (trc_writer_open(out, &opt, &w, &err) != 0) {
    fprintf(stderr, "hr_make_trace: cannot create '%s': %s\n", out, err ? err : "unknown error");
    hr_free(err);
    return 1;
  }
  fill(w, iterations);
  if (trc_writer_close(w, complete, &err) != 0) {
    fprintf(stderr, "hr_make_trace: cannot finish '%s': %s\n", out, err ? err : "unknown error");
    hr_free(err);
    return 1;
  }
  return 0;
}
