/* rnd_json.c — HTML-safe JSON string literals (rnd_json.h). */
#include "rnd_json.h"

#include "hr_escape.h"

void rnd_json_str(rnd_buf *b, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0, run = 0;   /* bytes [run, i) are copied as they are */
  rnd_buf_putn(b, "\"", 1);
  while (s && i < len) {
    char esc[6];
    size_t used, k = hr_json_step(p + i, len - i, HR_JSON_HTML, esc, &used);
    if (k) {
      rnd_buf_putn(b, s + run, i - run);
      rnd_buf_putn(b, esc, k);
      run = i + used;
    }
    i += used;
  }
  if (s) rnd_buf_putn(b, s + run, i - run);
  rnd_buf_putn(b, "\"", 1);
}
