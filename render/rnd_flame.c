/* rnd_flame.c — the flame graph page and SVG of a stack tree. */
#include "rnd_flame.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_json.h"
#include "rnd_text.h"

/* render/rnd_flame.html, embedded by render/embed_page.cmake. */
extern const char rnd_flame_page[];

#define DATA_MARK "@HEAPREEL_DATA@"

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void json_cstr(rnd_buf *b, const char *s) { rnd_json_str(b, s, strlen(s)); }

int rnd_flame_html(ana_trace *t, const ana_flame *f, const char *what, char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  const char *mark = strstr(rnd_flame_page, DATA_MARK);
  if (!mark) return HR_EIO;
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_buf_putn(&b, rnd_flame_page, (size_t)(mark - rnd_flame_page));
  rnd_buf_puts(&b, "{\"version\":1,\"trace\":");
  json_cstr(&b, base_name(ana_trace_path(t)));
  rnd_buf_puts(&b, ",\"what\":");
  json_cstr(&b, what);
  rnd_buf_printf(&b, ",\"total\":%llu,\"count\":%llu,\n\"nodes\":[",
                 (unsigned long long)f->nodes[0].bytes, (unsigned long long)f->nodes[0].count);
  for (size_t i = 0; i < f->n; i++) {
    const ana_flame_node *x = &f->nodes[i];
    rnd_buf_printf(&b, "%s[%ld,", i ? ",\n" : "", x->parent == ANA_FLAME_NONE ? -1L : (long)x->parent);
    if (i == 0 || !x->location) {
      rnd_buf_puts(&b, "null,null,0");
    } else {
      ana_loc l = ana_trace_location(t, x->location);
      json_cstr(&b, l.function);
      rnd_buf_puts(&b, ",");
      json_cstr(&b, l.file);
      rnd_buf_printf(&b, ",%u", l.line);
    }
    rnd_buf_printf(&b, ",%llu,%llu,%llu]", (unsigned long long)x->bytes, (unsigned long long)x->count,
                   (unsigned long long)x->self_bytes);
  }
  rnd_buf_puts(&b, "]}");
  rnd_buf_puts(&b, mark + strlen(DATA_MARK));
  if (b.oom) {
    rnd_buf_reset(&b);
    return HR_ENOMEM;
  }
  *len = b.n;
  *out = rnd_buf_take(&b);
  return HR_OK;
}

/* --- SVG ------------------------------------------------------------------------------ */

enum { SVG_W = 1200, SVG_ROW = 18, SVG_TOP = 40 };

static const ana_flame *sort_tree;

static int by_bytes(const void *a, const void *b) {
  const ana_flame_node *x = &sort_tree->nodes[*(const uint32_t *)a];
  const ana_flame_node *y = &sort_tree->nodes[*(const uint32_t *)b];
  if (x->bytes != y->bytes) return x->bytes < y->bytes ? 1 : -1;
  return *(const uint32_t *)a < *(const uint32_t *)b ? -1 : 1;
}

/* Each node's left edge as a fraction of the whole: children biggest first,
** as the page lays them out. */
static int layout(const ana_flame *f, double *x0) {
  uint32_t *kids = hr_malloc(f->n * sizeof *kids);
  if (!kids) return HR_ENOMEM;
  double total = f->nodes[0].bytes ? (double)f->nodes[0].bytes : 1;
  x0[0] = 0;
  for (size_t i = 0; i < f->n; i++) {
    size_t k = 0;
    for (uint32_t c = f->nodes[i].child; c != ANA_FLAME_NONE; c = f->nodes[c].next) kids[k++] = c;
    sort_tree = f;
    qsort(kids, k, sizeof *kids, by_bytes);
    double x = x0[i];
    for (size_t j = 0; j < k; j++) {
      x0[kids[j]] = x;
      x += (double)f->nodes[kids[j]].bytes / total;
    }
  }
  hr_free(kids);
  return HR_OK;
}

static void name_of(ana_trace *t, const ana_flame_node *x, size_t i, rnd_buf *b, int full) {
  if (i == 0) {
    rnd_buf_printf(b, "all: %llu bytes in %llu objects", (unsigned long long)x->bytes,
                   (unsigned long long)x->count);
    return;
  }
  if (!x->location) {
    rnd_buf_puts(b, "(no Python stack: before the script's first line)");
    return;
  }
  ana_loc l = ana_trace_location(t, x->location);
  char line[32];
  snprintf(line, sizeof line, ":%u", l.line);
  rnd_buf_text(b, l.function, 0);
  rnd_buf_puts(b, full ? " " : " (");
  rnd_buf_text(b, full ? l.file : base_name(l.file), 0);
  rnd_buf_puts(b, line);
  if (!full) rnd_buf_puts(b, ")");
}

int rnd_flame_svg(ana_trace *t, const ana_flame *f, const char *what, char **out, size_t *len) {
  *out = NULL;
  *len = 0;
  double *x0 = hr_malloc(f->n * sizeof *x0);
  if (!x0 || layout(f, x0) != HR_OK) {
    hr_free(x0);
    return HR_ENOMEM;
  }
  uint32_t maxd = 0;
  for (size_t i = 0; i < f->n; i++)
    if (f->nodes[i].depth > maxd) maxd = f->nodes[i].depth;
  double total = f->nodes[0].bytes ? (double)f->nodes[0].bytes : 1;
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_buf_printf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
                 "font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\">\n",
                 SVG_W, SVG_TOP + (maxd + 1) * SVG_ROW + 10, SVG_W, SVG_TOP + (maxd + 1) * SVG_ROW + 10);
  rnd_buf_printf(&b, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
                 "<text x=\"10\" y=\"24\" font-family=\"sans-serif\" font-size=\"15\">");
  rnd_buf_text(&b, base_name(ana_trace_path(t)), 0);
  rnd_buf_puts(&b, " \xe2\x80\x94 bytes ");
  rnd_buf_text(&b, what, 0);
  rnd_buf_puts(&b, ", by Python stack</text>\n");
  rnd_buf tmp;
  rnd_buf_init(&tmp);
  for (size_t i = 0; i < f->n; i++) {
    const ana_flame_node *x = &f->nodes[i];
    double w = (double)x->bytes / total * (SVG_W - 20);
    if (w < 0.5 && i) continue;
    double left = 10 + x0[i] * (SVG_W - 20);
    unsigned y = SVG_TOP + x->depth * SVG_ROW;
    unsigned h = 0;
    ana_loc l = ana_trace_location(t, x->location);
    for (const char *s = i && x->location ? l.function : ""; *s; s++) h = h * 31 + (unsigned char)*s;
    rnd_buf_printf(&b, "<g class=\"f\"><title>");
    name_of(t, x, i, &b, 1);
    rnd_buf_printf(&b, " \xe2\x80\x94 %llu bytes, %llu objects</title>", (unsigned long long)x->bytes,
                   (unsigned long long)x->count);
    if (i == 0) rnd_buf_printf(&b, "<rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%d\" fill=\"#c9cdd4\"/>",
                               left, y, w, SVG_ROW - 1);
    else rnd_buf_printf(&b, "<rect x=\"%.1f\" y=\"%u\" width=\"%.1f\" height=\"%d\" fill=\"hsl(%u,85%%,%u%%)\"/>",
                        left, y, w, SVG_ROW - 1, 10 + h % 40, 62 + h % 15);
    /* The label, cut to what fits (about 7 px a character). */
    size_t fit = w > 14 ? (size_t)((w - 6) / 7) : 0;
    if (fit >= 3) {
      rnd_buf_reset(&tmp);
      rnd_buf_init(&tmp);
      name_of(t, x, i, &tmp, 0);
      rnd_buf_printf(&b, "<text x=\"%.1f\" y=\"%u\">", left + 3, y + SVG_ROW - 5);
      if (!tmp.oom) {
        /* tmp holds escaped text: cut between characters, never inside an entity. */
        size_t chars = 0, k = 0;
        while (k < tmp.n && chars < fit) {
          if (tmp.p[k] == '&') { while (k < tmp.n && tmp.p[k] != ';') k++; k++; }
          else { k++; while (k < tmp.n && ((unsigned char)tmp.p[k] & 0xc0) == 0x80) k++; }
          chars++;
        }
        rnd_buf_putn(&b, tmp.p, k < tmp.n ? k : tmp.n);
        if (k < tmp.n) rnd_buf_puts(&b, "\xe2\x80\xa6");
      }
      rnd_buf_puts(&b, "</text>");
    }
    rnd_buf_puts(&b, "</g>\n");
  }
  rnd_buf_puts(&b, "</svg>\n");
  rnd_buf_reset(&tmp);
  hr_free(x0);
  if (b.oom) {
    rnd_buf_reset(&b);
    return HR_ENOMEM;
  }
  *len = b.n;
  *out = rnd_buf_take(&b);
  return HR_OK;
}
