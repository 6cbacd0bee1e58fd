/* ana_region.c — the regions of a full trace (ana_region.h). */
#include "ana_region.h"

#include <stdio.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_sqlite.h"

int ana_region_traced(ana_trace *t) {
  const char *v = trc_reader_meta(ana_trace_reader(t), "regions");
  return v != NULL && strcmp(v, "1") == 0;
}

/* The recorder's own marks, in run order: a region runs from a "start" to
** the next "stop" or "end". */
static const char sql_bounds[] =
  "SELECT label, seq, step FROM markers WHERE label IN ('start', 'stop', 'end') ORDER BY seq";

size_t ana_region_list(ana_trace *t, ana_region *out, size_t max) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(ana_trace_db(t), sql_bounds, -1, &st, NULL) != SQLITE_OK) return 0;
  size_t n = 0;
  int open = 0;
  ana_region r = {0};
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *label = (const char *)sqlite3_column_text(st, 0);
    uint64_t seq = (uint64_t)sqlite3_column_int64(st, 1);
    uint64_t step = (uint64_t)sqlite3_column_int64(st, 2);
    if (label == NULL) continue;
    if (strcmp(label, "start") == 0 && !open) {
      /* The state at the mark: the frames it announced, before it. */
      r.from_seq = seq - 1;
      r.from_step = step;
      open = 1;
    } else if (strcmp(label, "start") != 0 && open) {
      r.to_seq = seq;     /* the closing mark itself changes no state */
      r.to_step = step;
      if (n < max) out[n] = r;
      n++;
      open = 0;
    }
  }
  sqlite3_finalize(st);
  if (open) {   /* cut short (a killed run): the region runs to the last event */
    r.to_seq = UINT64_MAX;
    r.to_step = UINT64_MAX;
    if (n < max) out[n] = r;
    n++;
  }
  return n;
}

int ana_region_check(ana_trace *t, uint64_t seq, const char *what) {
  if (!ana_region_traced(t)) return HR_OK;
  size_t n = ana_region_list(t, NULL, 0);
  ana_region *v = n ? hr_calloc(n, sizeof *v) : NULL;
  if (n && v == NULL) return HR_ENOMEM;
  n = ana_region_list(t, v, n);
  for (size_t i = 0; i < n; i++)
    if (seq >= v[i].from_seq && seq <= v[i].to_seq) {
      hr_free(v);
      return HR_OK;
    }
  char list[160] = "";
  size_t used = 0;
  for (size_t i = 0; i < n && i < 3; i++) {
    int k = v[i].to_step == UINT64_MAX
          ? snprintf(list + used, sizeof list - used, "%s%llu-", i ? ", " : "",
                     (unsigned long long)v[i].from_step + 1)
          : snprintf(list + used, sizeof list - used, "%s%llu-%llu", i ? ", " : "",
                     (unsigned long long)v[i].from_step + 1, (unsigned long long)v[i].to_step);
    if (k < 0 || (size_t)k >= sizeof list - used) break;
    used += (size_t)k;
  }
  hr_free(v);
  if (n > 3 && used + 6 < sizeof list) strcat(list, ", ...");
  if (n == 0)
    return ana_trace_fail(t, HR_ERANGE, "'%s' is outside the recorded regions: '%s' was recorded "
                          "in regions (--start-paused or --start-at-mark) and none began",
                          what, ana_trace_path(t));
  return ana_trace_fail(t, HR_ERANGE, "'%s' is outside the recorded regions: '%s' holds the "
                        "program's state only inside them (%zu region%s: steps %s)",
                        what, ana_trace_path(t), n, n == 1 ? "" : "s", list);
}
