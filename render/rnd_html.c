/* rnd_html.c — the stepping page (rnd_html.h): points, the data the page
** carries, and the page itself from the template embedded at build time. */
#include "rnd_html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_map.h"
#include "ana_steps.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_board.h"
#include "rnd_html_pack.h"
#include "rnd_internal.h"
#include "rnd_json.h"
#include "rnd_output.h"
#include "trc_sqlite.h"

/* render/rnd_page.html, embedded by render/embed_page.cmake. */
extern const char rnd_page_html[];

#define DATA_MARK "@HEAPREEL_DATA@"
#define MAX_OUTPUT (1u << 20)   /* printed text the page keeps, in bytes */

static const char sql_has_output[] =
  "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'output'";
static const char sql_output[] = "SELECT seq, step, stream, text FROM output ORDER BY rowid";
static const char sql_source[] = "SELECT text FROM sources WHERE file = ?1";

/* --- default points ------------------------------------------------------------------ */
struct pick {
  int lines;                /* 1: line changes only */
  ana_map last_line;        /* frame id -> line of its latest user step + 1 */
  rnd_point *v;
  size_t n, cap;
};

static int on_step(void *ctx, const ana_step_row *row) {
  struct pick *p = ctx;
  if (!row->source) return 0;   /* not user code: the trace holds no text for it */
  if (p->lines) {
    uintptr_t last = (uintptr_t)ana_map_get(&p->last_line, row->frame);
    int rc = ana_map_put(&p->last_line, row->frame, (void *)(uintptr_t)(row->loc.line + 1));
    if (rc) return rc;
    if (last == (uintptr_t)row->loc.line + 1) return 0;
  }
  if (p->n == p->cap) {
    rnd_point *v = hr_grow(p->v, &p->cap, p->n + 1, sizeof *v, 256);
    if (!v) return HR_ENOMEM;
    p->v = v;
  }
  p->v[p->n].step = row->step;
  p->v[p->n].seq = 0;
  p->n++;
  return 0;
}

int rnd_html_default_points(ana_trace *t, rnd_point **pts, size_t *n) {
  struct pick p;
  int rc = HR_OK;
  for (int lines = 0; lines < 2; lines++) {
    memset(&p, 0, sizeof p);
    p.lines = lines;
    rc = ana_steps_each(t, 1, 0, 0, on_step, &p);
    ana_map_reset(&p.last_line);
    /* The line-change pass is the last: whatever it found is the answer. */
    if (rc || p.n <= RND_HTML_MAX_STEPS || lines == 1) break;
    hr_free(p.v);
    p.v = NULL;
  }
  if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
  if (rc == HR_OK && !p.n) rc = ana_trace_fail(t, HR_ENOTFOUND, "no step of user code to show");
  if (rc) { hr_free(p.v); return rc; }
  *pts = p.v;
  *n = p.n;
  return HR_OK;
}

static int cmp_point(const void *pa, const void *pb) {
  const rnd_point *a = pa, *b = pb;
  if (a->step != b->step) return a->step < b->step ? -1 : 1;
  return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int rnd_html_add_marks(ana_trace *t, rnd_point **pts, size_t *n) {
  rnd_point *marks = NULL;
  size_t nm = 0;
  if (rnd_board_every_mark(t, &marks, &nm) != HR_OK) return HR_OK;   /* no marks */
  rnd_point *v = hr_realloc(*pts, (*n + nm) * sizeof *v);
  if (!v) { hr_free(marks); return ana_trace_fail(t, HR_ENOMEM, "out of memory"); }
  memcpy(v + *n, marks, nm * sizeof *v);
  hr_free(marks);
  size_t all = *n + nm, k = 0;
  qsort(v, all, sizeof *v, cmp_point);
  for (size_t i = 0; i < all; i++)
    if (!k || cmp_point(&v[k - 1], &v[i]) != 0) v[k++] = v[i];
  *pts = v;
  *n = k;
  return HR_OK;
}

/* Evenly choosing k of n (k <= n) in one pass: the j-th chosen is number
** j * (n - 1) / (k - 1), so the first and the last are always chosen. */
struct spread { size_t k, n, seen, taken; };

static int spread_next(struct spread *s) {
  size_t at = s->k > 1 ? s->taken * (s->n - 1) / (s->k - 1) : 0;
  int keep = s->taken < s->k && s->seen == at;
  s->taken += keep;
  s->seen++;
  return keep;
}

size_t rnd_html_thin(rnd_point *pts, size_t *n, size_t max) {
  size_t all = *n, nmarks = 0;
  if (!max || all <= max) return 0;
  for (size_t i = 0; i < all; i++) nmarks += pts[i].seq != 0;
  size_t others = all - nmarks;
  /* Marks are the program's own chapter headings: up to half the page, and
  ** more when there are few other points. */
  size_t km = nmarks < max / 2 ? nmarks : max / 2;
  size_t ko = max - km;
  if (others < ko) { ko = others; km = max - others; }
  struct spread m = {km, nmarks, 0, 0}, o = {ko, others, 0, 0};
  size_t k = 0;
  for (size_t i = 0; i < all; i++)
    if (spread_next(pts[i].seq ? &m : &o)) pts[k++] = pts[i];
  *n = k;
  return all - k;
}

/* --- the page's data ----------------------------------------------------------------- */
struct page {
  rnd_ctx *c;
  ana_trace *t;
  sqlite3 *db;
  rnd_buf b;                /* the JSON */
  uint64_t *files;          /* owned: file string ids in the order the page numbers them */
  size_t nfiles;
  uint64_t *out_seq, *out_step;   /* owned: per output row kept */
  size_t nout;
};

static int sql_fail(struct page *pg) {
  return rnd_ctx_fail(pg->c, HR_ESQL, hr_sprintf("cannot read the trace: %s", sqlite3_errmsg(pg->db)));
}

/* The page's number for file sid, adding it when new; -1 when out of memory. */
static long file_index(struct page *pg, uint64_t sid) {
  for (size_t i = 0; i < pg->nfiles; i++)
    if (pg->files[i] == sid) return (long)i;
  uint64_t *v = hr_realloc(pg->files, (pg->nfiles + 1) * sizeof *v);
  if (!v) return -1;
  pg->files = v;
  pg->files[pg->nfiles] = sid;
  return (long)pg->nfiles++;
}

/* "output":[[stream,"text"],...],"outcut":bytes left out */
static int put_output(struct page *pg) {
  sqlite3_stmt *st = NULL;
  rnd_buf_puts(&pg->b, "\"output\":[");
  if (sqlite3_prepare_v2(pg->db, sql_has_output, -1, &st, NULL) != SQLITE_OK) return sql_fail(pg);
  int has = sqlite3_step(st) == SQLITE_ROW;
  sqlite3_finalize(st);
  size_t kept = 0, cut = 0, cap = 0;
  if (has && sqlite3_prepare_v2(pg->db, sql_output, -1, &st, NULL) != SQLITE_OK) return sql_fail(pg);
  int rc = has ? sqlite3_step(st) : SQLITE_DONE;
  for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
    const char *text = (const char *)sqlite3_column_text(st, 3);
    size_t len = (size_t)sqlite3_column_bytes(st, 3);
    if (cut || kept + len > MAX_OUTPUT) { cut += len; continue; }
    if (pg->nout == cap) {
      cap = cap ? cap * 2 : 256;
      uint64_t *a = hr_realloc(pg->out_seq, cap * sizeof *a);
      if (a) pg->out_seq = a;
      uint64_t *s = a ? hr_realloc(pg->out_step, cap * sizeof *s) : NULL;
      if (!s) { sqlite3_finalize(st); return rnd_ctx_fail(pg->c, HR_ENOMEM, NULL); }
      pg->out_step = s;
    }
    pg->out_seq[pg->nout] = (uint64_t)sqlite3_column_int64(st, 0);
    pg->out_step[pg->nout] = (uint64_t)sqlite3_column_int64(st, 1);
    rnd_buf_printf(&pg->b, pg->nout++ ? ",\n[%d," : "[%d,", sqlite3_column_int(st, 2));
    rnd_json_str(&pg->b, text, len);
    rnd_buf_puts(&pg->b, "]");
    kept += len;
  }
  if (has) sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return sql_fail(pg);
  rnd_buf_printf(&pg->b, "],\n\"outcut\":%zu", cut);
  return HR_OK;
}

/* How many kept output rows were written before point p. */
static size_t output_before(const struct page *pg, const rnd_point *p) {
  size_t lo = 0, hi = pg->nout;   /* rows are in time order: seq and step never go down */
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int before = p->seq ? pg->out_seq[mid] < p->seq : pg->out_step[mid] < p->step;
    if (before) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/* "points":[[step,file,line,diagram,output rows,"function"],...] */
static int put_points(struct page *pg, const rnd_point *pts, size_t n, const uint32_t *diag) {
  rnd_buf_puts(&pg->b, ",\n\"points\":[");
  for (size_t i = 0; i < n; i++) {
    trc_event ev;
    int rc = ana_trace_step_event(pg->t, pts[i].step, &ev);
    if (rc) return rnd_ctx_fail(pg->c, rc, hr_strdup(ana_trace_errmsg(pg->t)));
    ana_loc at = ana_trace_location(pg->t, ev.f[1]);
    long f = file_index(pg, at.file_sid);
    if (f < 0) return rnd_ctx_fail(pg->c, HR_ENOMEM, NULL);
    rnd_buf_printf(&pg->b, "%s[%llu,%ld,%u,%u,%zu,", i ? ",\n" : "",
                   (unsigned long long)pts[i].step, f, at.line, diag[i], output_before(pg, &pts[i]));
    rnd_json_str(&pg->b, at.function, strlen(at.function));
    rnd_buf_puts(&pg->b, "]");
  }
  rnd_buf_puts(&pg->b, "]");
  return HR_OK;
}

/* "files":[{"name":"...","text":"..." or null},...] */
static int put_files(struct page *pg) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(pg->db, sql_source, -1, &st, NULL) != SQLITE_OK) return sql_fail(pg);
  rnd_buf_puts(&pg->b, ",\n\"files\":[");
  int rc = HR_OK;
  for (size_t i = 0; i < pg->nfiles && rc == HR_OK; i++) {
    const char *name = ana_trace_string(pg->t, pg->files[i]);
    rnd_buf_puts(&pg->b, i ? ",\n{\"name\":" : "{\"name\":");
    rnd_json_str(&pg->b, name, strlen(name));
    rnd_buf_puts(&pg->b, ",\"text\":");
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)pg->files[i]);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
      rnd_json_str(&pg->b, (const char *)sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    else if (s == SQLITE_DONE) rnd_buf_puts(&pg->b, "null");
    else rc = sql_fail(pg);
    rnd_buf_puts(&pg->b, "}");
  }
  sqlite3_finalize(st);
  rnd_buf_puts(&pg->b, "]");
  return rc;
}

/* The diagrams of the n points, drawn as a storyboard without captions (the
** page shows the step and the line itself), packed; diag[i] gets point i's. */
static int put_diagrams(struct page *pg, const rnd_point *pts, size_t n, uint32_t *diag,
                        rnd_html_stats *st) {
  rnd_options o = *rnd_ctx_options(pg->c);
  o.no_caption = 1;
  rnd_ctx *bc = NULL;
  int rc = rnd_ctx_new(pg->t, &o, &bc);
  if (rc) return rnd_ctx_fail(pg->c, rc, hr_strdup("cannot start graphviz"));
  rnd_ctx_copy_progress(bc, pg->c);
  char **svgs = NULL;
  size_t *lens = NULL;
  rc = rnd_board_render(bc, pts, n, RND_FMT_SVG, &svgs, &lens);
  if (rc) {
    rnd_ctx_fail(pg->c, rc, hr_strdup(rnd_ctx_errmsg(bc)));
    rnd_ctx_free(bc);
    return rc;
  }
  rnd_ctx_free(bc);
  rnd_pack *pk = rnd_pack_new();
  rc = pk ? HR_OK : HR_ENOMEM;
  for (size_t i = 0; i < n && rc == HR_OK; i++) {
    rc = rnd_pack_add(pk, svgs[i], lens[i], &diag[i]);
    st->svg_bytes += lens[i];
  }
  if (rc == HR_OK) {
    rnd_buf_puts(&pg->b, ",\n");
    rnd_pack_json(pk, &pg->b);
    st->diagrams = rnd_pack_diagrams(pk);
    st->lines = rnd_pack_lines(pk);
  }
  rnd_pack_free(pk);   /* before the SVGs: it borrows their text */
  for (size_t i = 0; i < n; i++) hr_free(svgs[i]);
  hr_free(svgs);
  hr_free(lens);
  return rc ? rnd_ctx_fail(pg->c, rc, NULL) : HR_OK;
}

static void put_header(struct page *pg, size_t left_out) {
  static const char *const themes[] = {"light", "dark", "print"};
  const rnd_options *o = rnd_ctx_options(pg->c);
  const char *path = ana_trace_path(pg->t);
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  rnd_buf_puts(&pg->b, "{\"version\":1,\"trace\":");
  rnd_json_str(&pg->b, base, strlen(base));
  rnd_buf_printf(&pg->b, ",\"theme\":\"%s\",\"leftout\":%zu,\n",
                 themes[o->theme >= 0 && o->theme <= 2 ? o->theme : 0], left_out);
}

/* The template with the data in place of DATA_MARK. */
static int assemble(struct page *pg, char **page, size_t *len) {
  const char *mark = strstr(rnd_page_html, DATA_MARK);
  if (!mark) return rnd_ctx_fail(pg->c, HR_EIO, hr_strdup("the page template has no data mark"));
  rnd_buf out;
  rnd_buf_init(&out);
  rnd_buf_putn(&out, rnd_page_html, (size_t)(mark - rnd_page_html));
  rnd_buf_putn(&out, pg->b.p, pg->b.n);
  rnd_buf_puts(&out, mark + strlen(DATA_MARK));
  if (out.oom) { rnd_buf_reset(&out); return rnd_ctx_fail(pg->c, HR_ENOMEM, NULL); }
  *len = out.n;
  *page = rnd_buf_take(&out);
  return HR_OK;
}

int rnd_html_render(rnd_ctx *c, const rnd_point *pts, size_t n, size_t left_out, char **page,
                    size_t *len, rnd_html_stats *st) {
  rnd_html_stats local;
  if (!st) st = &local;
  memset(st, 0, sizeof *st);
  *page = NULL;
  *len = 0;
  if (!n) return rnd_ctx_fail(c, HR_EUSAGE, hr_strdup("no point to show"));
  struct page pg;
  memset(&pg, 0, sizeof pg);
  pg.c = c;
  pg.t = rnd_ctx_trace(c);
  pg.db = ana_trace_db(pg.t);
  rnd_buf_init(&pg.b);
  uint32_t *diag = hr_calloc(n, sizeof *diag);
  int rc = diag ? HR_OK : rnd_ctx_fail(c, HR_ENOMEM, NULL);
  if (rc == HR_OK) { put_header(&pg, left_out); rc = put_output(&pg); }
  if (rc == HR_OK) rc = put_diagrams(&pg, pts, n, diag, st);
  if (rc == HR_OK) rc = put_points(&pg, pts, n, diag);
  if (rc == HR_OK) rc = put_files(&pg);
  rnd_buf_puts(&pg.b, "}");
  if (rc == HR_OK && pg.b.oom) rc = rnd_ctx_fail(c, HR_ENOMEM, NULL);
  if (rc == HR_OK) rc = assemble(&pg, page, len);
  st->points = n;
  st->page_bytes = *len;
  rnd_buf_reset(&pg.b);
  hr_free(diag);
  hr_free(pg.files);
  hr_free(pg.out_seq);
  hr_free(pg.out_step);
  return rc;
}

int rnd_html_write(rnd_ctx *c, const rnd_point *pts, size_t n, size_t left_out, const char *path,
                   rnd_html_stats *st) {
  char *page = NULL, *err = NULL;
  size_t len = 0;
  int rc = rnd_html_render(c, pts, n, left_out, &page, &len, st);
  if (rc) return rc;
  rc = rnd_output_write(path, page, len, &err);
  hr_free(page);
  return rc ? rnd_ctx_fail(c, rc, err) : HR_OK;
}
