/* ana_finished.c — putting the returned main module frame back, with its globals. */
#include "ana_finished.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_scan.h"
#include "trc_sqlite.h"

static const char sql_main_return[] =
  "SELECT f.id, f.return_seq FROM frames f JOIN locations l ON l.id = f.location "
  "JOIN strings fn ON fn.id = l.function "
  "WHERE l.file = ?1 AND fn.text = '<module>' AND f.return_seq IS NOT NULL AND f.return_seq <= ?2 "
  "ORDER BY f.call_seq LIMIT 1";

/* The main module frame and its return's seq; 0 when it had not returned by seq. */
static uint64_t main_returned(ana_trace *t, uint64_t seq, uint64_t *ret_seq) {
  sqlite3_stmt *st = NULL;
  uint64_t id = 0, file = ana_trace_main_file(t);
  if (file && sqlite3_prepare_v2(ana_trace_db(t), sql_main_return, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_bind_int64(st, 1, (sqlite3_int64)file) == SQLITE_OK &&
      sqlite3_bind_int64(st, 2, (sqlite3_int64)seq) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
    id = (uint64_t)sqlite3_column_int64(st, 0);
    *ret_seq = (uint64_t)sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  return id;
}

struct later {
  ana_frame *f;
  int rc;
};

/* A bind or unbind of one of the finished frame's globals after it returned. */
static int later_bind(void *ctx, const trc_event *ev) {
  struct later *l = ctx;
  if ((ev->kind != TRC_EV_BIND && ev->kind != TRC_EV_UNBIND) || ev->f[0] != l->f->id ||
      ev->f[1] != TRC_SLOT_GLOBAL)
    return 0;
  uint64_t old;
  l->rc = ana_slots_set(&l->f->slots, TRC_SLOT_GLOBAL, ev->f[2], ev->kind == TRC_EV_BIND ? ev->f[3] : 0, &old);
  return l->rc ? l->rc : 0;
}

int ana_finished_add_main(ana_trace *t, ana_state *s, uint64_t seq) {
  uint64_t ret_seq = 0;
  uint64_t id = main_returned(t, seq, &ret_seq);
  if (!id || !ret_seq || ana_state_frame(s, id)) return HR_OK;
  ana_state *before = ana_state_new();
  if (!before) return HR_ENOMEM;
  int rc = ana_trace_state_at_seq(t, ret_seq - 1, before);
  const ana_frame *f = rc == HR_OK ? ana_state_frame(before, id) : NULL;
  if (!f) {
    ana_state_free(before);
    return rc;
  }
  ana_frame nf = *f;
  memset(&nf.slots, 0, sizeof nf.slots);
  nf.finished = 1;
  for (uint32_t i = 0; rc == HR_OK && i < f->slots.n; i++)
    if (f->slots.v[i].kind == TRC_SLOT_GLOBAL && f->slots.v[i].obj)
      rc = ana_slots_add(&nf.slots, TRC_SLOT_GLOBAL, f->slots.v[i].arg, f->slots.v[i].obj);
  ana_state_free(before);
  struct later l = {&nf, HR_OK};
  if (rc == HR_OK && ret_seq < seq) rc = ana_trace_scan(t, TRC_SCAN_SEQ, ret_seq + 1, seq, later_bind, &l);
  if (rc == HR_OK) rc = ana_state_add_frame(s, &nf);
  if (rc) ana_slots_reset(&nf.slots);
  return rc;
}
