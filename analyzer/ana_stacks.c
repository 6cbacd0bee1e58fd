/* ana_stacks.c — the stacks table of an alloc trace, loaded once. */
#include "ana_stacks.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_sqlite.h"

#define ANA_STACKS_MAX 50000000     /* ids beyond this are a corrupt table */
#define ANA_STACK_DEPTH_MAX 4096    /* chains longer than this are corrupt (or cyclic) */

struct ana_stacks {
  uint64_t *parent, *location;  /* indexed by id; 0 = none */
  uint8_t *importer;            /* indexed by id: its innermost frame is the import
                                   system's (<frozen importlib.*>), left out by
                                   ana_stacks_get unless the trace has all frames */
  uint64_t n;                   /* ids 1..n - 1 */
};

static const char sql_has[] = "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'stacks'";
static const char sql_max[] = "SELECT max(id) FROM stacks";
static const char sql_all[] = "SELECT id, parent, location FROM stacks";

int ana_trace_is_alloc(ana_trace *t) {
  const char *d = trc_reader_meta(ana_trace_reader(t), "detail");
  return d != NULL && strcmp(d, "alloc") == 0;
}

static int64_t one_int(sqlite3 *db, const char *sql, int *ok) {
  sqlite3_stmt *st = NULL;
  int64_t v = 0;
  *ok = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK;
  if (*ok && sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return v;
}

int ana_stacks_load(ana_trace *t, ana_stacks **out) {
  sqlite3 *db = ana_trace_db(t);
  ana_stacks *s = hr_calloc(1, sizeof *s);
  *out = NULL;
  if (!s) return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  int ok;
  int64_t max = one_int(db, sql_has, &ok) ? one_int(db, sql_max, &ok) : 0;
  if (!ok) {
    hr_free(s);
    return ana_trace_fail(t, HR_ESQL, "cannot read trace: %s", sqlite3_errmsg(db));
  }
  if (max < 0 || max > ANA_STACKS_MAX) {
    hr_free(s);
    return ana_trace_fail(t, HR_ECORRUPT, "corrupt trace: bad stacks table");
  }
  s->n = (uint64_t)max + 1;
  s->parent = hr_calloc(s->n, sizeof *s->parent);
  s->location = hr_calloc(s->n, sizeof *s->location);
  if (!s->parent || !s->location) {
    ana_stacks_free(s);
    return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  }
  sqlite3_stmt *st = NULL;
  if (max > 0 && sqlite3_prepare_v2(db, sql_all, -1, &st, NULL) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      int64_t id = sqlite3_column_int64(st, 0);
      if (id < 1 || (uint64_t)id >= s->n) continue;
      s->parent[id] = (uint64_t)sqlite3_column_int64(st, 1);
      s->location[id] = (uint64_t)sqlite3_column_int64(st, 2);
    }
  }
  sqlite3_finalize(st);
  const char *af = trc_reader_meta(ana_trace_reader(t), "all_frames");
  int all_frames = af && strcmp(af, "1") == 0;
  s->importer = hr_calloc(s->n, 1);
  if (!s->importer) {
    ana_stacks_free(s);
    return ana_trace_fail(t, HR_ENOMEM, "out of memory");
  }
  for (uint64_t id = 1; id < s->n; id++)
    if (s->location[id] &&
        strncmp(ana_trace_location(t, s->location[id]).file, "<frozen importlib.", 18) == 0)
      s->importer[id] = all_frames ? 1 : 2;
  *out = s;
  return HR_OK;
}

void ana_stacks_free(ana_stacks *s) {
  if (!s) return;
  hr_free(s->parent);
  hr_free(s->location);
  hr_free(s->importer);
  hr_free(s);
}

int ana_stacks_importer(const ana_stacks *s, uint64_t id) {
  return id && id < s->n && s->importer[id];
}

uint32_t ana_stacks_get(const ana_stacks *s, uint64_t id, uint64_t *buf, uint32_t cap) {
  /* The import system's frame ends a stack only to say who made the object. */
  if (id && id < s->n && s->importer[id] == 2 && s->parent[id]) id = s->parent[id];
  uint32_t depth = 0;
  for (uint64_t k = id; k && k < s->n && depth < ANA_STACK_DEPTH_MAX; k = s->parent[k]) depth++;
  uint32_t n = depth < cap ? depth : cap, i = depth;
  /* Walk again, writing from the innermost end; frames beyond cap (the
  ** outermost ones) are left out. */
  for (uint64_t k = id; k && k < s->n && i > 0; k = s->parent[k]) {
    i--;
    if (i >= depth - n) buf[i - (depth - n)] = s->location[k];
  }
  return n;
}
