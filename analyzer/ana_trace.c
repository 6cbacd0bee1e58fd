/* ana_trace.c — dimensions, lookups and bounded replay over an open trace. */
#include "ana_trace.h"

#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ana_kfcheck.h"
#include "ana_keyframe.h"
#include "ana_map.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "trc_index_vtab.h"
#include "trc_scan.h"

typedef struct src_file {
  char *text;          /* owned copy with newlines turned into NULs */
  char **lines;        /* lines[i] is line i + 1 */
  uint32_t nlines;
} src_file;

struct ana_trace {
  char *path;          /* owned copy */
  trc_reader *r;
  sqlite3 *db;
  ana_loc *locs;       /* every location, loaded at open */
  size_t nlocs;
  ana_map loc_index;   /* location id -> index + 1 into locs */
  ana_map types;       /* type id -> name (borrowed from the reader) */
  ana_map sources;     /* file sid -> src_file * (owned) */
  ana_map frames;      /* frame id -> ana_frame_info * (owned) */
  ana_map values;      /* object id -> ana_obj_text * (owned) */
  uint32_t value_scans;  /* scans ana_trace_object_text made, up to VALUE_SCANS_MAX */
  uint64_t main_file;
  int main_file_known;
  int kf_checked;      /* 1 once keyframes were looked for (and built if missing) */
  uint64_t kf_every;   /* keyframe spacing in events when building them */
  int kf_nocache;      /* 1: build no keyframes (HEAPREEL_NO_CACHE) */
  ana_kfcheck *kfc;    /* the keyframes' check, once read (ana_kfcheck.h) */
  int kf_trusted;      /* 1: the keyframe rows match their check */
  int kf_noted;        /* 1: the note about ignored keyframes was given */
  ana_trace_note_fn note_fn;
  void *note_ctx;
  char errmsg[512];
};

int ana_trace_fail(ana_trace *t, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->errmsg, sizeof t->errmsg, fmt, ap);
  va_end(ap);
  return status;
}

static int sql_fail(ana_trace *t) {
  return ana_trace_fail(t, HR_ESQL, "cannot read trace: %s", sqlite3_errmsg(t->db));
}

static const char sql_count_locations[] = "SELECT count(*) FROM locations";
static const char sql_locations[] = "SELECT id, file, line, function FROM locations";
static const char sql_types[] = "SELECT id, name FROM types";

static int load_locations(ana_trace *t) {
  sqlite3_stmt *st = NULL;
  int64_t count = 0;
  if (sqlite3_prepare_v2(t->db, sql_count_locations, -1, &st, NULL) != SQLITE_OK) return sql_fail(t);
  if (sqlite3_step(st) == SQLITE_ROW) count = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  if (count < 0 || count > 100000000) return ana_trace_fail(t, HR_ECORRUPT, "too many code locations");
  t->locs = hr_calloc(count ? (size_t)count : 1, sizeof *t->locs);
  if (!t->locs) return HR_ENOMEM;
  if (sqlite3_prepare_v2(t->db, sql_locations, -1, &st, NULL) != SQLITE_OK) return sql_fail(t);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && t->nlocs < (size_t)count) {
    uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
    ana_loc *l = &t->locs[t->nlocs];
    l->file_sid = (uint64_t)sqlite3_column_int64(st, 1);
    l->file = ana_trace_string(t, l->file_sid);
    l->line = (uint32_t)sqlite3_column_int64(st, 2);
    l->function = ana_trace_string(t, (uint64_t)sqlite3_column_int64(st, 3));
    if (id && ana_map_put(&t->loc_index, id, (void *)(uintptr_t)(t->nlocs + 1))) {
      sqlite3_finalize(st);
      return HR_ENOMEM;
    }
    t->nlocs++;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE || rc == SQLITE_ROW ? HR_OK : sql_fail(t);
}

static int load_types(ana_trace *t) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(t->db, sql_types, -1, &st, NULL) != SQLITE_OK) return sql_fail(t);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t id = (uint64_t)sqlite3_column_int64(st, 0);
    const char *name = ana_trace_string(t, (uint64_t)sqlite3_column_int64(st, 1));
    if (id && ana_map_put(&t->types, id, (void *)name)) {
      sqlite3_finalize(st);
      return HR_ENOMEM;
    }
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? HR_OK : sql_fail(t);
}

/* A kept index that did not match its events is said once, when met. */
static void index_ignored(void *ctx, int rel, const char *why) {
  ana_trace *t = ctx;
  char note[700];
  snprintf(note, sizeof note, "ignoring the %s index kept in '%s': %s; rebuilt from the events",
           rel == TRC_REL_OBJECTS ? "objects" : "frames", t->path, why);
  ana_trace_note(t, note);
}

int ana_trace_open(const char *path, ana_trace **out, char **errmsg) {
  *out = NULL;
  *errmsg = NULL;
  ana_trace *t = hr_calloc(1, sizeof *t);
  if (!t) {
    *errmsg = hr_strdup(hr_status_str(HR_ENOMEM));
    return HR_ENOMEM;
  }
  ana_map_init(&t->loc_index);
  ana_map_init(&t->types);
  ana_map_init(&t->sources);
  ana_map_init(&t->frames);
  ana_map_init(&t->values);
  t->kf_every = ANA_KEYFRAME_EVERY;
  t->path = hr_strdup(path);
  if (!t->path) {
    ana_trace_free(t);
    *errmsg = hr_strdup(hr_status_str(HR_ENOMEM));
    return HR_ENOMEM;
  }
  int rc = trc_reader_open(path, &t->r, errmsg);
  if (rc) {
    ana_trace_free(t);
    return rc;
  }
  t->db = trc_reader_db(t->r);
  trc_index_state_on_ignored(trc_reader_index(t->r), index_ignored, t);
  /* One read transaction for the trace's life: every lookup (a string, a
  ** frame) would otherwise take and drop the file lock on its own, which
  ** costs more than the lookup; and all queries see one snapshot. */
  rc = sqlite3_exec(t->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? HR_OK : sql_fail(t);
  if (rc == HR_OK) rc = load_locations(t);
  if (rc == HR_OK) rc = load_types(t);
  if (rc) {
    *errmsg = hr_strdup(t->errmsg[0] ? t->errmsg : hr_status_str(rc));
    ana_trace_free(t);
    return rc;
  }
  *out = t;
  return HR_OK;
}

/* Whether path and its directory (for SQLite's journal) can be written. */
static int can_write(const char *path) {
  if (access(path, W_OK) != 0) return 0;
  char *copy = hr_strdup(path);
  int ok = copy && access(dirname(copy), W_OK) == 0;
  hr_free(copy);
  return ok;
}

/* The objects and the frames of a format 2 trace are gathered from its
** events by the first query of each (trc_index_vtab.h). Like keyframes,
** what was gathered is kept in a finished trace whose file can be written,
** for the next analysis; silently, and never at the cost of this one. Only
** what this analysis gathered: one that needed a frame keeps no objects. */
static void keep_index(ana_trace *t) {
  trc_index_state *s = trc_reader_index(t->r);
  const trc_index *x[2] = {trc_index_state_built(s, TRC_REL_OBJECTS),
                           trc_index_state_built(s, TRC_REL_FRAMES)};
  if ((!x[0] && !x[1]) || t->kf_nocache || !trc_reader_complete(t->r) || !can_write(t->path))
    return;
  if (ana_trace_pause_read(t) != HR_OK) return;
  int stored = 0;
  uint64_t bytes = 0;
  char why[200];
  (void)trc_index_store(t->path, x, 2, &stored, &bytes, why, sizeof why);
}

void ana_trace_free(ana_trace *t) {
  if (!t) return;
  if (t->r) keep_index(t);
  size_t pos = 0;
  void *v;
  while (ana_map_next(&t->sources, &pos, NULL, &v)) {
    src_file *f = v;
    hr_free(f->text);
    hr_free(f->lines);
    hr_free(f);
  }
  pos = 0;
  while (ana_map_next(&t->frames, &pos, NULL, &v)) hr_free(v);
  ana_map_reset(&t->loc_index);
  ana_map_reset(&t->types);
  ana_map_reset(&t->sources);
  ana_map_reset(&t->frames);
  pos = 0;
  while (ana_map_next(&t->values, &pos, NULL, &v)) hr_free(v);
  ana_map_reset(&t->values);
  hr_free(t->locs);
  ana_kfcheck_free(t->kfc);
  trc_reader_free(t->r);
  hr_free(t->path);
  hr_free(t);
}

trc_reader *ana_trace_reader(ana_trace *t) { return t->r; }

void ana_trace_set_note_fn(ana_trace *t, ana_trace_note_fn fn, void *ctx) {
  t->note_fn = fn;
  t->note_ctx = ctx;
}

void ana_trace_note(ana_trace *t, const char *msg) {
  if (t->note_fn) t->note_fn(t->note_ctx, msg, 0);
}

void ana_trace_progress(ana_trace *t, const char *msg) {
  if (t->note_fn) t->note_fn(t->note_ctx, msg, 1);
}

void ana_trace_set_keyframe_every(ana_trace *t, uint64_t every) {
  t->kf_every = every ? every : 1;
}

uint64_t ana_trace_keyframe_every(const ana_trace *t) { return t->kf_every; }
void ana_trace_set_cache(ana_trace *t, int on) { t->kf_nocache = !on; }
int ana_trace_cache_enabled(const ana_trace *t) { return !t->kf_nocache; }

int ana_trace_pause_read(ana_trace *t) {
  if (sqlite3_get_autocommit(t->db)) return HR_OK;
  return sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? HR_OK : sql_fail(t);
}

int ana_trace_resume_read(ana_trace *t) {
  if (!sqlite3_get_autocommit(t->db)) return HR_OK;
  return sqlite3_exec(t->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? HR_OK : sql_fail(t);
}
const char *ana_trace_path(const ana_trace *t) { return t->path; }
sqlite3 *ana_trace_db(ana_trace *t) { return t->db; }
const char *ana_trace_errmsg(const ana_trace *t) { return t->errmsg; }

const char *ana_trace_string(ana_trace *t, uint64_t sid) {
  const char *s = sid ? trc_reader_string(t->r, sid) : NULL;
  return s ? s : "?";
}

ana_loc ana_trace_location(ana_trace *t, uint64_t loc_id) {
  uintptr_t i = (uintptr_t)ana_map_get(&t->loc_index, loc_id);
  if (i) return t->locs[i - 1];
  ana_loc none = {"?", "?", 0, 0};
  return none;
}

const char *ana_trace_type_name(ana_trace *t, uint64_t type_id) {
  const char *s = ana_map_get(&t->types, type_id);
  return s ? s : "?";
}

/* --- source text ------------------------------------------------------------ */

static const char sql_source[] = "SELECT text FROM sources WHERE file = ?1";

static src_file *load_source(ana_trace *t, uint64_t file_sid) {
  src_file *f = hr_calloc(1, sizeof *f);
  sqlite3_stmt *st = NULL;
  if (!f) return NULL;
  if (sqlite3_prepare_v2(t->db, sql_source, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)file_sid);
    if (sqlite3_step(st) == SQLITE_ROW) {
      const char *text = (const char *)sqlite3_column_text(st, 0);
      if (text) f->text = hr_strdup(text);
    }
  }
  sqlite3_finalize(st);
  if (f->text) {
    /* A final newline ends the last line; it does not start another. */
    uint32_t n = 0;
    size_t len = strlen(f->text);
    for (char *p = f->text; *p; p++) n += *p == '\n';
    if (len && f->text[len - 1] != '\n') n++;
    f->lines = hr_malloc((size_t)(n ? n : 1) * sizeof *f->lines);
    if (f->lines) {
      char *p = f->text;
      for (f->nlines = 0; f->nlines < n;) {
        f->lines[f->nlines++] = p;
        char *nl = strchr(p, '\n');
        if (!nl) break;
        *nl = '\0';
        if (nl > p && nl[-1] == '\r') nl[-1] = '\0';
        p = nl + 1;
      }
    }
  }
  if (ana_map_put(&t->sources, file_sid, f)) {
    hr_free(f->text);
    hr_free(f->lines);
    hr_free(f);
    return NULL;
  }
  return f;
}

const char *ana_trace_source_line(ana_trace *t, uint64_t file_sid, uint32_t line) {
  if (!file_sid || !line) return NULL;
  src_file *f = ana_map_get(&t->sources, file_sid);
  if (!f) f = load_source(t, file_sid);
  if (!f || !f->lines || line > f->nlines) return NULL;
  return f->lines[line - 1];
}

/* --- frames ---------------------------------------------------------------------- */

static const char sql_frame[] =
  "SELECT location, parent, thread, call_seq, call_step, return_seq FROM frames WHERE id = ?1";

static ana_frame_info *fetch_frame(ana_trace *t, uint64_t id) {
  sqlite3_stmt *st = NULL;
  ana_frame_info *fi = NULL;
  if (sqlite3_prepare_v2(t->db, sql_frame, -1, &st, NULL) != SQLITE_OK) return NULL;
  sqlite3_bind_int64(st, 1, (sqlite3_int64)id);
  if (sqlite3_step(st) == SQLITE_ROW && (fi = hr_calloc(1, sizeof *fi))) {
    fi->id = id;
    fi->location = (uint64_t)sqlite3_column_int64(st, 0);
    fi->parent = (uint64_t)sqlite3_column_int64(st, 1);
    fi->thread = (uint64_t)sqlite3_column_int64(st, 2);
    fi->call_seq = (uint64_t)sqlite3_column_int64(st, 3);
    fi->call_step = (uint64_t)sqlite3_column_int64(st, 4);
    fi->return_seq = (uint64_t)sqlite3_column_int64(st, 5);
    fi->depth = UINT32_MAX;   /* not computed yet */
    if (ana_map_put(&t->frames, id, fi)) {
      hr_free(fi);
      fi = NULL;
    }
  }
  sqlite3_finalize(st);
  return fi;
}

const ana_frame_info *ana_trace_frame_info(ana_trace *t, uint64_t id) {
  if (!id) return NULL;
  ana_frame_info *fi = ana_map_get(&t->frames, id);
  if (!fi) fi = fetch_frame(t, id);
  if (!fi || fi->depth != UINT32_MAX) return fi;
  /* Walk up to a frame whose depth is known; a parent loop (a damaged
  ** trace) is cut after a bound so it cannot hang. */
  uint32_t up = 0;
  ana_frame_info *p = fi;
  while (p->parent && up < 1000000) {
    ana_frame_info *q = ana_map_get(&t->frames, p->parent);
    if (!q) q = fetch_frame(t, p->parent);
    if (!q || q == fi) break;
    up++;
    if (q->depth != UINT32_MAX) {
      up += q->depth;
      break;
    }
    p = q;
  }
  fi->depth = up;
  return fi;
}

static const char sql_object_type[] = "SELECT type FROM objects WHERE id = ?1";

uint64_t ana_trace_object_type(ana_trace *t, uint64_t object_id) {
  sqlite3_stmt *st = NULL;
  uint64_t type = 0;
  if (sqlite3_prepare_v2(t->db, sql_object_type, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)object_id);
    if (sqlite3_step(st) == SQLITE_ROW) type = (uint64_t)sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  return type;
}

static const char sql_object_seq[] = "SELECT alloc_seq, type FROM objects WHERE id = ?1";

/* How far after its alloc or track event an object's value event (and a
** tuple's item binds) are looked for. */
#define VALUE_WINDOW 256
/* Each look-up decodes a chunk (about a millisecond): past this many, keys
** keep their ids (`value[#7]`) so a history of an object held under a
** hundred thousand keys stays fast. */
#define VALUE_SCANS_MAX 2000

static int find_value_cb(void *ctx, const trc_event *ev) {
  ana_obj_text *f = ctx;
  /* The event right before a track event: a site event names the stack it
  ** was made with, outside the regions (FORMAT.md). */
  if (ev->seq + 1 == f->seq) {
    if (ev->kind == TRC_EV_SITE) f->made = ev->f[0];
    return 0;
  }
  if (ev->seq == f->seq && ev->kind != TRC_EV_TRACK) f->made = 0;
  if ((ev->kind == TRC_EV_VALUE || ev->kind == TRC_EV_INTVALUE) && ev->f[0] == f->id) {
    f->value = ev->f[1];
    f->is_int = ev->kind == TRC_EV_INTVALUE;
  }
  /* A tuple's items are bound once, in order, right after it is made. */
  if (ev->kind == TRC_EV_BIND && ev->f[0] == f->id && ev->f[1] == TRC_SLOT_ITEM &&
      ev->f[2] == f->nitems && f->nitems < ANA_OBJ_TEXT_ITEMS)
    f->items[f->nitems++] = ev->f[3];
  return 0;
}

const ana_obj_text *ana_trace_object_text(ana_trace *t, uint64_t object_id) {
  if (!object_id) return NULL;
  ana_obj_text *f = ana_map_get(&t->values, object_id);
  if (f) return f;
  if (t->value_scans >= VALUE_SCANS_MAX) return NULL;
  t->value_scans++;
  f = hr_calloc(1, sizeof *f);
  if (!f) return NULL;
  f->id = object_id;
  sqlite3_stmt *st = NULL;
  uint64_t seq = 0;
  if (sqlite3_prepare_v2(t->db, sql_object_seq, -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int64(st, 1, (sqlite3_int64)object_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
      seq = (uint64_t)sqlite3_column_int64(st, 0);
      f->type = (uint64_t)sqlite3_column_int64(st, 1);
    }
  }
  sqlite3_finalize(st);
  char keep[sizeof t->errmsg];
  memcpy(keep, t->errmsg, sizeof keep);   /* a label is no reason to lose a message */
  f->seq = seq;
  if (seq && seq < UINT64_MAX - VALUE_WINDOW &&
      ana_trace_scan(t, TRC_SCAN_SEQ, seq > 1 ? seq - 1 : seq, seq + VALUE_WINDOW, find_value_cb,
                     f) != HR_OK) {
    f->value = 0;
    f->nitems = 0;
    f->made = 0;
  }
  memcpy(t->errmsg, keep, sizeof keep);
  if (ana_map_put(&t->values, object_id, f)) {
    hr_free(f);
    return NULL;
  }
  return f;
}

uint64_t ana_trace_object_value(ana_trace *t, uint64_t object_id) {
  const ana_obj_text *f = ana_trace_object_text(t, object_id);
  return f && !f->is_int ? f->value : 0;
}

/* The main script is the recorded program (meta `program`, as given on the
** command line, while code objects hold the absolute path): a module frame
** whose file is that path, ends with "/" and that path, or failing that
** (a path through "..") ends with "/" and its base name. With --all-frames
** the outermost first frame is the import machinery's, so that frame is only
** the fallback for a trace without a usable `program`. */
static const char sql_main_file_by_program[] =
  "SELECT l.file FROM frames f JOIN locations l ON l.id = f.location "
  "JOIN strings s ON s.id = l.file JOIN strings fn ON fn.id = l.function "
  "WHERE fn.text = '<module>' AND (s.text = ?1 OR substr(s.text, -length(?1) - 1) = '/' || ?1) "
  "ORDER BY f.call_seq LIMIT 1";
static const char sql_program[] = "SELECT value FROM meta WHERE key = 'program'";
static const char sql_main_file[] =
  "SELECT l.file FROM frames f JOIN locations l ON l.id = f.location "
  "WHERE f.parent IS NULL OR f.parent = 0 ORDER BY f.call_seq LIMIT 1";

/* The file string id of the module frame that ran `path`, 0 when none. */
static uint64_t module_file_for(ana_trace *t, const char *path) {
  sqlite3_stmt *st = NULL;
  uint64_t file = 0;
  if (*path && sqlite3_prepare_v2(t->db, sql_main_file_by_program, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_bind_text(st, 1, path, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    file = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return file;
}

static uint64_t main_file_from_program(ana_trace *t) {
  sqlite3_stmt *st = NULL;
  char path[4096] = "";
  if (sqlite3_prepare_v2(t->db, sql_program, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    snprintf(path, sizeof path, "%s", (const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  const char *p = path;
  while (p[0] == '.' && p[1] == '/') p += 2;
  uint64_t file = module_file_for(t, p);
  const char *base = strrchr(p, '/');
  if (!file && base) file = module_file_for(t, base + 1);
  return file;
}

uint64_t ana_trace_main_file(ana_trace *t) {
  if (t->main_file_known) return t->main_file;
  t->main_file = main_file_from_program(t);
  sqlite3_stmt *st = NULL;
  if (!t->main_file && sqlite3_prepare_v2(t->db, sql_main_file, -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    t->main_file = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  t->main_file_known = 1;
  return t->main_file;
}

/* --- scanning ---------------------------------------------------------------------- */

/* The two halves both scans share: opening the cursor, with the failure kept
** on t, and closing it, with a read error (got < 0) kept on t and
** ANA_SCAN_STOP from the callback meaning success. */
static int scan_open(ana_trace *t, int by, uint64_t lo, uint64_t hi, trc_scan **sc) {
  char *err = NULL;
  int rc = trc_scan_open(t->db, by, lo, hi, sc, &err);
  if (rc) {
    ana_trace_fail(t, rc, "cannot read events: %s", err ? err : hr_status_str(rc));
    hr_free(err);
  }
  return rc;
}

static int scan_close(ana_trace *t, trc_scan *sc, int got, int rc) {
  if (got < 0) {
    rc = -got;
    ana_trace_fail(t, rc, "cannot read events: %s", trc_scan_errmsg(sc));
  }
  trc_scan_free(sc);
  return rc == ANA_SCAN_STOP ? HR_OK : rc;
}

int ana_trace_scan(ana_trace *t, int by, uint64_t lo, uint64_t hi,
                   int (*fn)(void *ctx, const trc_event *ev), void *ctx) {
  trc_scan *sc = NULL;
  if (lo > hi) return HR_OK;
  int rc = scan_open(t, by, lo, hi, &sc);
  if (rc) return rc;
  trc_event ev;
  int got;
  while ((got = trc_scan_next(sc, &ev)) == 1) {
    rc = fn(ctx, &ev);
    if (rc) break;
  }
  return scan_close(t, sc, got, rc);
}

int ana_trace_scan_batch(ana_trace *t, int by, uint64_t lo, uint64_t hi,
                         int (*fn)(void *ctx, const trc_event *ev, size_t n), void *ctx) {
  trc_scan *sc = NULL;
  if (lo > hi) return HR_OK;
  int rc = scan_open(t, by, lo, hi, &sc);
  if (rc) return rc;
  const trc_event *ev;
  size_t n;
  int got;
  while ((got = trc_scan_next_batch(sc, &ev, &n)) == 1) {
    rc = fn(ctx, ev, n);
    if (rc) break;
  }
  return scan_close(t, sc, got, rc);
}

struct find_step {
  trc_event ev;
  int found;
};

static int find_step_cb(void *ctx, const trc_event *ev) {
  struct find_step *f = ctx;
  if (ev->kind != TRC_EV_STEP) return 0;
  f->ev = *ev;
  f->found = 1;
  return ANA_SCAN_STOP;
}

int ana_trace_step_event(ana_trace *t, uint64_t step, trc_event *ev) {
  struct find_step f = {{0}, 0};
  uint64_t last = trc_reader_last_step(t->r);
  if (step >= 1 && step <= last) {
    int rc = ana_trace_scan(t, TRC_SCAN_STEP, step, step, find_step_cb, &f);
    if (rc) return rc;
  }
  if (!f.found) {
    if (!last)
      return ana_trace_fail(t, HR_ERANGE, "step %llu is out of range: the trace has no steps",
                            (unsigned long long)step);
    return ana_trace_fail(t, HR_ERANGE, "step %llu is out of range (steps are 1 to %llu)",
                          (unsigned long long)step, (unsigned long long)last);
  }
  *ev = f.ev;
  return HR_OK;
}

static const char sql_mark[] =
  "SELECT seq, step FROM markers WHERE label = ?1 ORDER BY seq LIMIT 1";

int ana_trace_mark(ana_trace *t, const char *label, uint64_t *seq, uint64_t *step) {
  sqlite3_stmt *st = NULL;
  int found = 0;
  if (sqlite3_prepare_v2(t->db, sql_mark, -1, &st, NULL) != SQLITE_OK) return sql_fail(t);
  sqlite3_bind_text(st, 1, label, -1, SQLITE_STATIC);
  if (sqlite3_step(st) == SQLITE_ROW) {
    *seq = (uint64_t)sqlite3_column_int64(st, 0);
    *step = (uint64_t)sqlite3_column_int64(st, 1);
    found = 1;
  }
  sqlite3_finalize(st);
  if (!found) return ana_trace_fail(t, HR_ENOTFOUND, "no mark labelled '%s' in the trace", label);
  return HR_OK;
}

struct find_line {
  ana_trace *t;
  ana_map last;         /* frame id -> location id of its previous step */
  uint64_t file;        /* 0: any file */
  uint32_t line;
  uint64_t k, seen, step;
  int oom;
};

static int find_line_cb(void *ctx, const trc_event *ev) {
  struct find_line *f = ctx;
  if (ev->kind == TRC_EV_RETURN) {
    ana_map_del(&f->last, ev->f[0]);
    return 0;
  }
  if (ev->kind != TRC_EV_STEP) return 0;
  uint64_t prev = (uint64_t)(uintptr_t)ana_map_get(&f->last, ev->f[0]);
  if (ev->f[0] && ana_map_put(&f->last, ev->f[0], (void *)(uintptr_t)ev->f[1])) return HR_ENOMEM;
  if (prev == ev->f[1] && prev) return 0;
  ana_loc l = ana_trace_location(f->t, ev->f[1]);
  if (l.line != f->line || (f->file && l.file_sid != f->file)) return 0;
  /* The same line number in another location (another function on that
  ** line) is still the same line. */
  if (prev) {
    ana_loc p = ana_trace_location(f->t, prev);
    if (p.line == l.line && p.file_sid == l.file_sid) return 0;
  }
  if (++f->seen < f->k) return 0;
  f->step = ev->step;
  return ANA_SCAN_STOP;
}

int ana_trace_line_step(ana_trace *t, uint32_t line, uint64_t k, uint64_t *step) {
  struct find_line f = {0};
  f.t = t;
  f.file = ana_trace_main_file(t);
  f.line = line;
  f.k = k ? k : 1;
  ana_map_init(&f.last);
  int rc = ana_trace_scan(t, TRC_SCAN_SEQ, 1, trc_reader_last_seq(t->r), find_line_cb, &f);
  ana_map_reset(&f.last);
  if (rc) return rc;
  if (!f.step) {
    if (f.seen)
      return ana_trace_fail(t, HR_ENOTFOUND, "line %u ran %llu time%s, not %llu", line,
                            (unsigned long long)f.seen, f.seen == 1 ? "" : "s",
                            (unsigned long long)f.k);
    return ana_trace_fail(t, HR_ENOTFOUND, "line %u never ran in the trace", line);
  }
  *step = f.step;
  return HR_OK;
}

/* --- state ----------------------------------------------------------------------- */

/* Keyframes are keyed by step and their seqs grow with their steps: walking
** the primary key down from the target reads no blob but those of the chain
** (ordering by seq would sort every row, blobs and all). */
static const char sql_keyframe[] =
  "SELECT step, seq, data FROM keyframes WHERE seq <= ?1 ORDER BY step DESC";
static int apply_cb(void *ctx, const trc_event *ev, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int rc = ana_state_apply(ctx, &ev[i]);
    if (rc) return rc;
  }
  return HR_OK;
}

int ana_trace_replay(ana_trace *t, ana_state *s, uint64_t lo, uint64_t hi) {
  int rc = ana_trace_scan_batch(t, TRC_SCAN_SEQ, lo, hi, apply_cb, s);
  if (rc == HR_ENOMEM && !t->errmsg[0]) ana_trace_fail(t, rc, "out of memory");
  return rc;
}

/* Keyframes that do not match the events are never used; one note says so. */
static void kf_distrust(ana_trace *t, const char *why) {
  t->kf_trusted = 0;
  if (t->kf_noted) return;
  t->kf_noted = 1;
  char note[700];
  snprintf(note, sizeof note, "ignoring the keyframes cached in '%s': %s", t->path, why);
  ana_trace_note(t, note);
}

/* Read the keyframes' check, once a snapshot. */
static int kf_load_check(ana_trace *t) {
  if (t->kfc) return HR_OK;
  char why[200];
  int rc = ana_kfcheck_load(t->db, &t->kfc, &t->kf_trusted, why, sizeof why);
  if (rc == HR_ESQL) return sql_fail(t);
  if (rc) return ana_trace_fail(t, rc, "out of memory");
  if (!t->kf_trusted && why[0]) kf_distrust(t, why);
  return HR_OK;
}

const char *ana_trace_keyframe_check(ana_trace *t) { return ana_kfcheck_text(t->kfc); }

/* One keyframe of a chain, newest first as read. */
typedef struct kf_link {
  uint64_t step, seq, base;
  void *blob;          /* owned copy */
  size_t len;
} kf_link;

static void free_chain(kf_link *v, size_t n) {
  for (size_t i = 0; i < n; i++) hr_free(v[i].blob);
  hr_free(v);
}

/* Read the chain that restores the nearest keyframe at or before seq: that
** keyframe, and the ones before it back to a full one, each a delta over
** the one before it. *why says why there is none that holds together. */
static int read_chain(ana_trace *t, uint64_t seq, kf_link **out, size_t *nout, char *why, size_t whylen) {
  sqlite3_stmt *st = NULL;
  kf_link *v = NULL;
  size_t n = 0, cap = 0;
  int rc = HR_OK;
  *out = NULL;
  *nout = 0;
  if (sqlite3_prepare_v2(t->db, sql_keyframe, -1, &st, NULL) != SQLITE_OK) return sql_fail(t);
  sqlite3_bind_int64(st, 1, (sqlite3_int64)(seq > INT64_MAX ? INT64_MAX : seq));
  int step_rc;
  while ((step_rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t kstep = (uint64_t)sqlite3_column_int64(st, 0);
    uint64_t kseq = (uint64_t)sqlite3_column_int64(st, 1);
    const void *blob = sqlite3_column_blob(st, 2);
    int len = sqlite3_column_bytes(st, 2);
    if (n && kseq != v[n - 1].base) {
      snprintf(why, whylen, "the keyframe of step %llu does not follow the one before it",
               (unsigned long long)v[n - 1].step);
      break;
    }
    if (n == cap) {
      kf_link *nv = hr_grow(v, &cap, n + 1, sizeof *nv, 8);
      if (!nv) {
        rc = HR_ENOMEM;
        break;
      }
      v = nv;
    }
    kf_link *k = &v[n];
    k->step = kstep;
    k->seq = kseq;
    k->len = (size_t)(len > 0 ? len : 0);
    k->blob = hr_malloc(k->len ? k->len : 1);
    if (!k->blob) {
      rc = HR_ENOMEM;
      break;
    }
    if (k->len) memcpy(k->blob, blob, k->len);
    n++;
    int brc = ana_keyframe_base(k->blob, k->len, &k->base);
    if (brc == HR_ENOMEM) {
      rc = brc;
      break;
    }
    if (brc || (k->base && k->base >= kseq)) {
      snprintf(why, whylen, "the keyframe of step %llu cannot be decoded", (unsigned long long)kstep);
      break;
    }
    if (!k->base) break;   /* a full keyframe: the chain is complete */
  }
  sqlite3_finalize(st);
  if (rc == HR_OK && step_rc != SQLITE_ROW && step_rc != SQLITE_DONE) rc = sql_fail(t);
  if (rc == HR_OK && !why[0] && n && v[n - 1].base)
    snprintf(why, whylen, "the keyframe of step %llu has no full keyframe before it",
             (unsigned long long)v[n - 1].step);
  if (rc || why[0]) {
    free_chain(v, n);
    return rc == HR_ENOMEM ? ana_trace_fail(t, rc, "out of memory") : rc;
  }
  *out = v;
  *nout = n;
  return HR_OK;
}

/* Load the nearest keyframe at or before seq into s; *from gets its seq (0:
** none). Keyframes that fail their check are ignored (*from 0), never used. */
static int load_keyframe(ana_trace *t, uint64_t seq, ana_state *s, uint64_t *from) {
  *from = 0;
  int rc = kf_load_check(t);
  if (rc || !t->kf_trusted) return rc;
  char why[200] = "";
  kf_link *v = NULL;
  size_t n = 0;
  rc = read_chain(t, seq, &v, &n, why, sizeof why);
  /* Oldest first: each checked against its entry and the chunks before it,
  ** then applied over the one before. */
  for (size_t i = n; rc == HR_OK && !why[0] && i-- > 0;) {
    int valid = 0;
    rc = ana_kfcheck_row(t->kfc, t->db, v[i].step, v[i].blob, v[i].len, &valid, why, sizeof why);
    if (rc == HR_ESQL) rc = sql_fail(t);
    else if (rc) rc = ana_trace_fail(t, rc, "out of memory");
    if (rc || !valid) break;
    rc = ana_keyframe_apply(s, v[i].blob, v[i].len);
    if (rc == HR_OK && ana_state_seq(s) != v[i].seq) {
      snprintf(why, sizeof why, "the keyframe of step %llu holds the state at seq %llu, not %llu",
               (unsigned long long)v[i].step, (unsigned long long)ana_state_seq(s),
               (unsigned long long)v[i].seq);
    } else if (rc == HR_ECORRUPT) {
      snprintf(why, sizeof why, "the keyframe of step %llu cannot be decoded",
               (unsigned long long)v[i].step);
      rc = HR_OK;
    } else if (rc == HR_ENOMEM) {
      ana_trace_fail(t, rc, "out of memory");
    }
  }
  if (rc == HR_OK && !why[0] && n) *from = v[0].seq;
  if (rc == HR_OK && why[0]) {
    ana_state_reset(s);
    kf_distrust(t, why);
  }
  free_chain(v, n);
  return rc;
}

static const char sql_any_keyframe[] = "SELECT 1 FROM keyframes LIMIT 1";

/* Build keyframes when the trace has none that can be used and this replay
** would be long; keyframes that failed their check are replaced. */
static int ensure_keyframes(ana_trace *t, uint64_t seq, uint64_t from) {
  if (t->kf_checked || seq - from <= t->kf_every + t->kf_every / 2) return HR_OK;
  t->kf_checked = 1;
  sqlite3_stmt *st = NULL;
  int any = 0;
  if (sqlite3_prepare_v2(t->db, sql_any_keyframe, -1, &st, NULL) != SQLITE_OK) return sql_fail(t);
  any = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  if (any && t->kf_trusted) return HR_OK;
  int rc = ana_trace_build_keyframes(t);
  /* The file may hold new keyframes now (ours or another process's): read
  ** their check again. */
  ana_kfcheck_free(t->kfc);
  t->kfc = NULL;
  return rc;
}

int ana_trace_state_at_seq(ana_trace *t, uint64_t seq, ana_state *s) {
  uint64_t from = 0;
  ana_state_reset(s);
  int rc = load_keyframe(t, seq, s, &from);
  if (rc) return rc;
  if (!t->kf_checked && seq - from > t->kf_every + t->kf_every / 2) {
    rc = ensure_keyframes(t, seq, from);
    if (rc) return rc;
    ana_state_reset(s);
    rc = load_keyframe(t, seq, s, &from);
    if (rc) return rc;
  }
  return ana_trace_replay(t, s, from + 1, seq);
}

int ana_trace_state_before_step(ana_trace *t, uint64_t step, ana_state *s, trc_event *ev) {
  int rc = ana_trace_step_event(t, step, ev);
  if (rc) return rc;
  return ana_trace_state_at_seq(t, ev->seq - 1, s);
}
