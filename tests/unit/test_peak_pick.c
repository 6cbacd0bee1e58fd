/* test_peak_pick.c — summary and peak place the peak at one step: a trace
** whose mem event comes steps after the free that ended the peak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ana_peak.h"
#include "ana_summary.h"
#include "ana_trace.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "hr_test.h"
#include "trc_writer.h"

static char path[1100];

static uint64_t str(trc_writer *w, const char *s) { return trc_writer_string(w, s, strlen(s)); }

/* Line 1 makes a (1000 bytes), line 2 makes b (500), line 3 frees b, lines 4
** and 5 make nothing; the mem event of line 5 reports 1000 bytes now and
** 1500 the highest since line 1's. The peak was just before the free, at
** line 3. */
static int write_trace(void) {
  const char *dir = getenv("HEAPREEL_TEST_TMP");
  snprintf(path, sizeof path, "%s/peak_pick.%ld.heapreel", dir && *dir ? dir : "/tmp", (long)getpid());
  trc_writer *w = NULL;
  char *err = NULL;
  if (trc_writer_open(path, NULL, &w, &err)) {
    fprintf(stderr, "cannot create %s: %s\n", path, err ? err : "?");
    hr_free(err);
    return -1;
  }
  uint64_t file = str(w, "demo.py"), mod = str(w, "<module>");
  uint64_t list_t = trc_writer_type(w, str(w, "list"));
  trc_writer_thread(w, 1, str(w, "MainThread"), 4242);
  trc_writer_meta(w, "program", "demo.py");
  uint64_t loc[6];
  for (uint32_t i = 1; i <= 5; i++) loc[i] = trc_writer_location(w, file, i, mod);
  trc_writer_append(w, TRC_EV_CALL, 1, 1, loc[1], 0, 1);
  for (uint64_t step = 1; step <= 5; step++) {
    trc_writer_append(w, TRC_EV_STEP, step, 1, loc[step], 100, 0);
    if (step == 1) {
      trc_writer_append(w, TRC_EV_ALLOC, step, 1, list_t, 1000, 0x7f0000001000ull);
      trc_writer_append(w, TRC_EV_MEM, step, 1000, 1000, 0, 0);
    }
    if (step == 2) trc_writer_append(w, TRC_EV_ALLOC, step, 2, list_t, 500, 0x7f0000002000ull);
    if (step == 3) trc_writer_append(w, TRC_EV_FREE, step, 2, 0, 0, 0);
    if (step == 5) trc_writer_append(w, TRC_EV_MEM, step, 1000, 1500, 0, 0);
  }
  trc_writer_append(w, TRC_EV_RETURN, 5, 1, 0, 0, 0);
  if (trc_writer_close(w, 1, &err)) {
    fprintf(stderr, "cannot finish %s: %s\n", path, err ? err : "?");
    hr_free(err);
    return -1;
  }
  return 0;
}

static void test_one_peak(void) {
  REQUIRE(write_trace() == 0);
  ana_trace *t = NULL;
  char *err = NULL;
  REQUIRE(ana_trace_open(path, &t, &err) == HR_OK);
  ana_summary s;
  ana_peak p;
  REQUIRE(ana_summary_compute(t, &s) == HR_OK);
  REQUIRE(ana_peak_compute(t, &p) == HR_OK);
  CHECK_EQ_U64(p.peak_bytes, 1500);
  CHECK_EQ_U64(s.peak_bytes, 1500);
  CHECK_EQ_U64(p.step, 3);
  CHECK_EQ_U64(s.peak_step, p.step);
  CHECK_EQ_U64(ana_trace_location(t, p.location).line, 3);
  CHECK_EQ_U64(s.peak_loc.line, 3);
  ana_peak_reset(&p);
  ana_summary_reset(&s);
  ana_trace_free(t);
  unlink(path);
}

int main(void) {
  static const char *const names[] = {"one_peak"};
  static const hr_test_fn fns[] = {test_one_peak};
  return hr_test_run(names, fns, 1);
}
