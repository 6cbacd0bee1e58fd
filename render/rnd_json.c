/* rnd_json.c — HTML-safe JSON string literals (rnd_json.h). */
#include "rnd_json.h"

#include <stdint.h>
#include <stdio.h>

/* The length of the strict UTF-8 sequence at s (at most n bytes left), 0
** when it is not one: no overlong forms, no surrogates, nothing above
** U+10FFFF. *cp gets the code point. */
static size_t utf8_len(const unsigned char *s, size_t n, uint32_t *cp) {
  unsigned char c = s[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) { *cp = c; return 1; }
  if (c >= 0xc2 && c <= 0xdf) { len = 2; v = c & 0x1f; min = 0x80; }
  else if (c >= 0xe0 && c <= 0xef) { len = 3; v = c & 0x0f; min = 0x800; }
  else if (c >= 0xf0 && c <= 0xf4) { len = 4; v = c & 0x07; min = 0x10000; }
  else return 0;
  if (len > n) return 0;
  for (size_t k = 1; k < len; k++) {
    if ((s[k] & 0xc0) != 0x80) return 0;
    v = (v << 6) | (s[k] & 0x3f);
  }
  if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return 0;
  *cp = v;
  return len;
}

void rnd_json_str(rnd_buf *b, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, run = 0;   /* bytes [run, i) are copied as they are */
  char esc[16];
  rnd_buf_putn(b, "\"", 1);
  while (s && i < len) {
    uint32_t cp = 0;
    size_t k = utf8_len(p + i, len - i, &cp);
    const char *rep = NULL;
    if (!k) { rep = "\\ufffd"; k = 1; }
    else if (cp == '"') rep = "\\\"";
    else if (cp == '\\') rep = "\\\\";
    else if (cp == '\n') rep = "\\n";
    else if (cp == '\t') rep = "\\t";
    else if (cp < 0x20 || cp == '<' || cp == '>' || cp == '&' || cp == 0x7f ||
             cp == 0x2028 || cp == 0x2029) {
      snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
      rep = esc;
    }
    if (rep) {
      rnd_buf_putn(b, s + run, i - run);
      rnd_buf_puts(b, rep);
      run = i + k;
    }
    i += k;
  }
  if (s) rnd_buf_putn(b, s + run, i - run);
  rnd_buf_putn(b, "\"", 1);
}
