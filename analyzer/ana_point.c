/* ana_point.c — a point of a run from its name: step, mark, start or end. */
#include "ana_point.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_heap.h"
#include "ana_stacks.h"
#include "hr_status.h"

static int is_number(const char *s, uint64_t *v) {
  if (!s || *s < '0' || *s > '9') return 0;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || *end) return 0;
  *v = x;
  return 1;
}

int ana_point_resolve(ana_trace *t, const char *text, ana_point *p) {
  memset(p, 0, sizeof *p);
  if (!text || !*text) return ana_trace_fail(t, HR_EUSAGE, "%s", "an empty point: give a step, a mark, 'start' or 'end'");
  snprintf(p->label, sizeof p->label, "%s", text);
  uint64_t n;
  if (strcmp(text, "start") == 0) {
    p->kind = ANA_POINT_START;
    return HR_OK;
  }
  if (strcmp(text, "end") == 0) {
    int is_mark;
    p->kind = ANA_POINT_END;
    ana_heap_end(t, &p->seq, &is_mark);
    uint64_t seq;
    if (is_mark) ana_trace_mark(t, "end", &seq, &p->step);
    return HR_OK;
  }
  if (is_number(text, &n)) {
    /* An alloc trace's step numbers count allocation sites, not lines run. */
    if (ana_trace_is_alloc(t))
      return ana_trace_fail(t, HR_ERANGE, "step %llu: '%s' has no steps (recorded with --detail alloc); "
                            "name a mark, 'start' or 'end'", (unsigned long long)n, ana_trace_path(t));
    trc_event ev;
    int rc = ana_trace_step_event(t, n, &ev);
    if (rc) return rc;
    p->kind = ANA_POINT_STEP;
    p->seq = ev.seq - 1;
    p->step = n;
    return HR_OK;
  }
  const char *label = strncmp(text, "mark:", 5) == 0 ? text + 5 : text;
  uint64_t seq;
  int rc = ana_trace_mark(t, label, &seq, &p->step);
  if (rc) return rc;
  p->kind = ANA_POINT_MARK;
  p->seq = seq - 1;
  return HR_OK;
}
