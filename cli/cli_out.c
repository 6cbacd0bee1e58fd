/* cli_out.c — buffered output with hand-rolled integer formatting and escaping. */
#include "cli_out.h"

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

/* Length of the UTF-8 sequence at p (at most n bytes) as text for a
** terminal accepts it (lead byte and continuation bytes), 0 when it is not
** one or is a C1 control (U+0080..U+009F: U+009B is CSI to some terminals). */
static size_t safe_utf8_len(const unsigned char *p, size_t n) {
  unsigned c = *p;
  size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3
             : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len > n) return 0;
  for (size_t k = 1; len > 1 && k < len; k++)
    if ((p[k] & 0xc0) != 0x80) return 0;
  if (c == 0xc2 && p[1] < 0xa0) return 0;
  return len;
}

static const char hexdigits[] = "0123456789abcdef";

size_t cli_safe_step(const unsigned char *p, size_t n, int keep_tab, char esc[4], size_t *used) {
  unsigned c = p[0];
  *used = 1;
  if ((c >= 0x20 && c < 0x7f) || (c == '\t' && keep_tab)) return 0;
  if (c >= 0x80) {
    size_t len = safe_utf8_len(p, n);
    if (len > 1) {
      *used = len;
      return 0;
    }
  }
  if (c == '\n' || c == '\r' || c == '\t') {
    esc[0] = '\\';
    esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
    return 2;
  }
  esc[0] = '\\';
  esc[1] = 'x';
  esc[2] = hexdigits[c >> 4];
  esc[3] = hexdigits[c & 15];
  return 4;
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
    size_t used, k = cli_safe_step(p, n, 1, esc, &used);
    if (k) cli_out_write(o, esc, k);
    else cli_out_write(o, p, used);
    p += used;
    n -= used;
  }
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when the
** bytes there are not one: overlong forms, surrogates and values past
** U+10FFFF are refused, as JSON parsers refuse them. */
static size_t json_utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c >= 0xc2 && c <= 0xdf) len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef) len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4) len = 4, min = 0x10000;
  else return 0;
  if (len > n) return 0;
  unsigned cp = c & (0xff >> (len + 1));
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80) return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
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
    unsigned c = p[i];
    if (c >= 0x80) {
      size_t len = json_utf8_len(p + i, n - i);
      if (len == 0) {
        cli_out_write(o, "\\ufffd", 6);
        i++;
      } else {
        cli_out_write(o, p + i, len);
        i += len;
      }
      continue;
    }
    switch (c) {
    case '"': cli_out_write(o, "\\\"", 2); break;
    case '\\': cli_out_write(o, "\\\\", 2); break;
    case '\n': cli_out_write(o, "\\n", 2); break;
    case '\r': cli_out_write(o, "\\r", 2); break;
    case '\t': cli_out_write(o, "\\t", 2); break;
    case '\b': cli_out_write(o, "\\b", 2); break;
    case '\f': cli_out_write(o, "\\f", 2); break;
    default: {
      char e[6] = {'\\', 'u', '0', '0', hexdigits[c >> 4], hexdigits[c & 15]};
      cli_out_write(o, e, 6);
    }
    }
    i++;
  }
  cli_out_char(o, '"');
}
