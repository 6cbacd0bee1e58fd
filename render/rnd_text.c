/* rnd_text.c — label text: growable buffer and escaping (see rnd_text.h). */
#include "rnd_text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_escape.h"

void rnd_buf_init(rnd_buf *b) { memset(b, 0, sizeof *b); }

void rnd_buf_reset(rnd_buf *b) {
  hr_free(b->p);
  memset(b, 0, sizeof *b);
}

static int reserve(rnd_buf *b, size_t more) {
  if (b->oom) return -1;
  if (b->n + more + 1 <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->n + more + 1) cap *= 2;
  char *p = hr_realloc(b->p, cap);
  if (!p) { b->oom = 1; return -1; }
  b->p = p;
  b->cap = cap;
  return 0;
}

static void put(rnd_buf *b, const char *s, size_t len) {
  if (reserve(b, len)) return;
  memcpy(b->p + b->n, s, len);
  b->n += len;
  b->p[b->n] = '\0';
}

void rnd_buf_puts(rnd_buf *b, const char *s) { put(b, s, strlen(s)); }
void rnd_buf_putn(rnd_buf *b, const char *s, size_t len) { put(b, s, len); }

void rnd_buf_printf(rnd_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (len < 0) return;
  if ((size_t)len < sizeof small) { put(b, small, (size_t)len); return; }
  if (reserve(b, (size_t)len)) return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->n, (size_t)len + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)len;
}

void rnd_buf_text(rnd_buf *b, const char *s, size_t max_chars) {
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  size_t chars = 0;
  while (*p) {
    if (max_chars && chars >= max_chars) {
      rnd_buf_puts(b, "\xe2\x80\xa6");
      return;
    }
    char esc[8];
    size_t used, k = hr_xml_step(p, SIZE_MAX, esc, &used);   /* the NUL ends a short sequence */
    chars++;
    if (k) put(b, esc, k);
    else put(b, (const char *)p, used);
    p += used;
  }
}

char *rnd_buf_take(rnd_buf *b) {
  char *p = b->oom ? NULL : b->p;
  if (b->oom) hr_free(b->p);
  else if (!p) p = hr_strdup("");
  memset(b, 0, sizeof *b);
  return p;
}
