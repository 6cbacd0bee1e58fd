/* cli_out.c — buffered output with hand-rolled integer formatting and escaping. */
#include "cli_out.h"

#include "hr_escape.h"

void cli_out_init(cli_out *o, FILE *f) {
  o->f = f;
  o->n = 0;
  o->err = 0;
}

int cli_out_flush(cli_out *o) {
  if (!o->f) {              /* a memory-only writer: what no longer fits is lost */
    if (o->n) o->err = 1;
    o->n = 0;
    return -1;
  }
  if (o->n && fwrite(o->buf, 1, o->n, o->f) != o->n) o->err = 1;
  o->n = 0;
  return o->err ? -1 : 0;
}

void cli_out_write_slow(cli_out *o, const void *s, size_t n) {
  cli_out_flush(o);
  if (n >= CLI_OUT_BUF) {
    if (!o->f) {
      o->err = 1;
      return;
    }
    if (fwrite(s, 1, n, o->f) != n) o->err = 1;
    return;
  }
  memcpy(o->buf, s, n);
  o->n = n;
}

size_t cli_fmt_u64(char *buf, uint64_t v) {
  char tmp[20];
  size_t k = 0;
  do {
    tmp[k++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (size_t i = 0; i < k; i++) buf[i] = tmp[k - 1 - i];
  return k;
}

void cli_out_u64(cli_out *o, uint64_t v) {
  char b[20];
  cli_out_write(o, b, cli_fmt_u64(b, v));
}

void cli_out_i64(cli_out *o, int64_t v) {
  if (v < 0) {
    cli_out_char(o, '-');
    cli_out_u64(o, 0 - (uint64_t)v);
    return;
  }
  cli_out_u64(o, (uint64_t)v);
}

void cli_out_pad(cli_out *o, size_t n) {
  static const char spaces[] = "                                ";
  while (n) {
    size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
    cli_out_write(o, spaces, k);
    n -= k;
  }
}

void cli_out_u64_left(cli_out *o, uint64_t v, int width) {
  char b[20];
  size_t k = cli_fmt_u64(b, v);
  cli_out_write(o, b, k);
  if ((size_t)width > k) cli_out_pad(o, (size_t)width - k);
}

void cli_out_safe(cli_out *o, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s);
  while (n) {
    const unsigned char *q = p;
    while (*q >= 0x20 && *q < 0x7f) q++;
    if (q > p) {
      cli_out_write(o, p, (size_t)(q - p));
      n -= (size_t)(q - p);
      p = q;
      continue;
    }
    char esc[4];
    size_t used, k = hr_term_step(p, n, 1, esc, &used);
    if (k) cli_out_write(o, esc, k);
    else cli_out_write(o, p, used);
    p += used;
    n -= used;
  }
}

void cli_out_json_string(cli_out *o, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  cli_out_char(o, '"');
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && p[j] >= 0x20 && p[j] < 0x7f && p[j] != '"' && p[j] != '\\') j++;
    if (j > i) {
      cli_out_write(o, p + i, j - i);
      i = j;
      continue;
    }
    char esc[6];
    size_t used, k = hr_json_step(p + i, n - i, 0, esc, &used);
    if (k) cli_out_write(o, esc, k);
    else cli_out_write(o, p + i, used);
    i += used;
  }
  cli_out_char(o, '"');
}
