/* rnd_json.c — HTML-safe JSON string literals (rnd_json.h). */
#include "rnd_json.h"

#include <stdint.h>
#include <stdio.h>

void rnd_json_str(rnd_buf *b, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, run = 0;   /* bytes [run, i) are copied as they are */
  char esc[16];
  rnd_buf_putn(b, "\"", 1);
  while (s && i < len) {
    uint32_t cp = 0;
    size_t k = rnd_utf8_seq(p + i, len - i, &cp);
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
