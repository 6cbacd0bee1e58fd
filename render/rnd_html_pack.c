/* rnd_html_pack.c — distinct lines and distinct diagrams (rnd_html_pack.h). */
#include "rnd_html_pack.h"

#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_json.h"

typedef struct pline { const char *s; size_t len; } pline;

typedef struct pdiag {
  const char *svg;          /* borrowed */
  size_t len;
  uint64_t hash;
  uint32_t *runs;           /* owned: start, count, start, count ... */
  size_t nruns;             /* entries in runs (twice the number of runs) */
} pdiag;

struct rnd_pack {
  pline *lines;             /* owned array; the text is borrowed */
  size_t nlines, cap_lines;
  uint32_t *slots;          /* owned hash table: line number + 1, 0 when empty */
  size_t nslots;            /* a power of two, kept over twice nlines */
  pdiag *diags;             /* owned */
  size_t ndiags, cap_diags;
};

static uint64_t fnv1a(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

rnd_pack *rnd_pack_new(void) { return hr_calloc(1, sizeof(rnd_pack)); }

void rnd_pack_free(rnd_pack *p) {
  if (!p) return;
  for (size_t i = 0; i < p->ndiags; i++) hr_free(p->diags[i].runs);
  hr_free(p->diags);
  hr_free(p->lines);
  hr_free(p->slots);
  hr_free(p);
}

size_t rnd_pack_lines(const rnd_pack *p) { return p->nlines; }
size_t rnd_pack_diagrams(const rnd_pack *p) { return p->ndiags; }

static int rehash(rnd_pack *p) {
  size_t n = p->nslots ? p->nslots * 2 : 1024;
  uint32_t *slots = hr_calloc(n, sizeof *slots);
  if (!slots) return HR_ENOMEM;
  for (size_t i = 0; i < p->nlines; i++) {
    size_t at = fnv1a(p->lines[i].s, p->lines[i].len) & (n - 1);
    while (slots[at]) at = (at + 1) & (n - 1);
    slots[at] = (uint32_t)i + 1;
  }
  hr_free(p->slots);
  p->slots = slots;
  p->nslots = n;
  return HR_OK;
}

/* The number of line s, adding it when new; UINT32_MAX when out of memory. */
static uint32_t line_id(rnd_pack *p, const char *s, size_t len) {
  if ((p->nlines + 1) * 2 > p->nslots && rehash(p)) return UINT32_MAX;
  size_t at = fnv1a(s, len) & (p->nslots - 1);
  for (uint32_t id; (id = p->slots[at]); at = (at + 1) & (p->nslots - 1)) {
    const pline *l = &p->lines[id - 1];
    if (l->len == len && memcmp(l->s, s, len) == 0) return id - 1;
  }
  if (p->nlines >= UINT32_MAX - 1) return UINT32_MAX;
  pline *lines = hr_grow(p->lines, &p->cap_lines, p->nlines + 1, sizeof *lines, 64);
  if (!lines) return UINT32_MAX;
  p->lines = lines;
  p->lines[p->nlines].s = s;
  p->lines[p->nlines].len = len;
  p->slots[at] = (uint32_t)++p->nlines;
  return (uint32_t)(p->nlines - 1);
}

/* The runs of line numbers of d's text. */
static int split(rnd_pack *p, pdiag *d) {
  size_t cap = 0;
  const char *s = d->svg, *end = d->svg + d->len;
  for (;;) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t len = nl ? (size_t)(nl - s) : (size_t)(end - s);
    uint32_t id = line_id(p, s, len);
    if (id == UINT32_MAX) return HR_ENOMEM;
    if (d->nruns && d->runs[d->nruns - 2] + d->runs[d->nruns - 1] == id) {
      d->runs[d->nruns - 1]++;
    } else {
      uint32_t *runs = hr_grow(d->runs, &cap, d->nruns + 2, sizeof *runs, 64);
      if (!runs) return HR_ENOMEM;
      d->runs = runs;
      d->runs[d->nruns++] = id;
      d->runs[d->nruns++] = 1;
    }
    if (!nl) return HR_OK;
    s = nl + 1;
  }
}

int rnd_pack_add(rnd_pack *p, const char *svg, size_t len, uint32_t *diag) {
  uint64_t h = fnv1a(svg, len);
  for (size_t i = p->ndiags; i-- > 0;) {
    const pdiag *d = &p->diags[i];
    if (d->hash == h && d->len == len && memcmp(d->svg, svg, len) == 0) {
      *diag = (uint32_t)i;
      return HR_OK;
    }
  }
  pdiag *diags = hr_grow(p->diags, &p->cap_diags, p->ndiags + 1, sizeof *diags, 64);
  if (!diags) return HR_ENOMEM;
  p->diags = diags;
  pdiag *d = &p->diags[p->ndiags];
  memset(d, 0, sizeof *d);
  d->svg = svg;
  d->len = len;
  d->hash = h;
  int rc = split(p, d);
  if (rc) { hr_free(d->runs); return rc; }
  *diag = (uint32_t)p->ndiags++;
  return HR_OK;
}

void rnd_pack_json(const rnd_pack *p, rnd_buf *b) {
  rnd_buf_puts(b, "\"lines\":[");
  for (size_t i = 0; i < p->nlines; i++) {
    if (i) rnd_buf_puts(b, ",\n");
    rnd_json_str(b, p->lines[i].s, p->lines[i].len);
  }
  rnd_buf_puts(b, "],\n\"diags\":[");
  for (size_t i = 0; i < p->ndiags; i++) {
    const pdiag *d = &p->diags[i];
    rnd_buf_puts(b, i ? ",\n[" : "[");
    for (size_t k = 0; k < d->nruns; k++) rnd_buf_printf(b, k ? ",%u" : "%u", d->runs[k]);
    rnd_buf_puts(b, "]");
  }
  rnd_buf_puts(b, "]");
}
