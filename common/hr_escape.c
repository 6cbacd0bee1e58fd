/* hr_escape.c — terminal, JSON and XML escapes (hr_escape.h). */
#include "hr_escape.h"

#include <stdint.h>
#include <string.h>

#include "hr_utf8.h"

static const char hexdigits[] = "0123456789abcdef";

size_t hr_term_step(const unsigned char *p, size_t n, int keep_tab, char esc[4], size_t *used) {
  unsigned c = p[0];
  *used = 1;
  if ((c >= 0x20 && c < 0x7f) || (c == '\t' && keep_tab)) return 0;
  if (c >= 0x80) {
    uint32_t cp;
    size_t len = hr_utf8_seq(p, n, &cp);
    if (len > 1 && cp >= 0xa0) {
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

static size_t two(char *esc, char c) {
  esc[0] = '\\';
  esc[1] = c;
  return 2;
}

static size_t u4(char esc[6], uint32_t cp) {
  esc[0] = '\\';
  esc[1] = 'u';
  esc[2] = hexdigits[cp >> 12 & 15];
  esc[3] = hexdigits[cp >> 8 & 15];
  esc[4] = hexdigits[cp >> 4 & 15];
  esc[5] = hexdigits[cp & 15];
  return 6;
}

size_t hr_json_step(const unsigned char *p, size_t n, int flags, char esc[6], size_t *used) {
  uint32_t cp;
  size_t len = hr_utf8_seq(p, n, &cp);
  int html = flags & HR_JSON_HTML;
  *used = len ? len : 1;
  if (len == 0) return u4(esc, 0xfffd);
  if (cp == '"' || cp == '\\') return two(esc, (char)cp);
  if (cp == '\n') return two(esc, 'n');
  if (cp == '\t') return two(esc, 't');
  if (!html && cp == '\r') return two(esc, 'r');
  if (!html && cp == '\b') return two(esc, 'b');
  if (!html && cp == '\f') return two(esc, 'f');
  if (cp < 0x20 || cp == 0x7f) return u4(esc, cp);
  if (html && (cp == '<' || cp == '>' || cp == '&' || cp == 0x2028 || cp == 0x2029))
    return u4(esc, cp);
  return 0;
}

static size_t lit(char esc[8], const char *s) {
  size_t k = strlen(s);
  memcpy(esc, s, k);
  return k;
}

size_t hr_xml_step(const unsigned char *p, size_t n, char esc[8], size_t *used) {
  uint32_t cp;
  size_t len = hr_utf8_seq(p, n, &cp);
  *used = len ? len : 1;
  if (len == 0 || cp == 0xfffe || cp == 0xffff) return lit(esc, "&#xFFFD;");
  switch (cp) {
  case '&': return lit(esc, "&amp;");
  case '<': return lit(esc, "&lt;");
  case '>': return lit(esc, "&gt;");
  case '"': return lit(esc, "&quot;");
  case '\'': return lit(esc, "&#39;");
  case '\n': return two(esc, 'n');
  case '\t': return two(esc, 't');
  case '\r': return two(esc, 'r');
  }
  if (cp < 0x20 || cp == 0x7f) {
    esc[0] = '\\';
    esc[1] = 'x';
    esc[2] = hexdigits[cp >> 4];
    esc[3] = hexdigits[cp & 15];
    return 4;
  }
  return 0;
}
