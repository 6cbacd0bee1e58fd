/* cli_json.c — a tiny streaming JSON writer with strict string escaping. */
#include "cli_json.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void cli_json_init(cli_json *j, FILE *out, int pretty_depth) {
  memset(j, 0, sizeof *j);
  j->out = out;
  j->pretty_depth = pretty_depth;
}

static void newline_indent(cli_json *j, int depth) {
  fputc('\n', j->out);
  for (int i = 0; i < depth; i++) fputs("  ", j->out);
}

/* Separator and layout before a value (or a key) at the current depth. */
static void before_value(cli_json *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->depth == 0) return;
  int d = j->depth - 1 < CLI_JSON_MAX_DEPTH ? j->depth - 1 : CLI_JSON_MAX_DEPTH - 1;
  if (j->count[d]++) fputc(',', j->out);
  if (j->depth <= j->pretty_depth) newline_indent(j, j->depth);
  else if (j->count[d] > 1) fputc(' ', j->out);
}

static void begin(cli_json *j, int open) {
  before_value(j);
  fputc(open, j->out);
  if (j->depth < CLI_JSON_MAX_DEPTH) j->count[j->depth] = 0;
  j->depth++;
}

static void end(cli_json *j, int close) {
  if (j->depth == 0) return;
  j->depth--;
  int had = j->depth < CLI_JSON_MAX_DEPTH ? j->count[j->depth] : 1;
  if (had && j->depth < j->pretty_depth) newline_indent(j, j->depth);
  fputc(close, j->out);
}

void cli_json_begin_object(cli_json *j) { begin(j, '{'); }
void cli_json_end_object(cli_json *j) { end(j, '}'); }
void cli_json_begin_array(cli_json *j) { begin(j, '['); }
void cli_json_end_array(cli_json *j) { end(j, ']'); }

void cli_json_key(cli_json *j, const char *key) {
  before_value(j);
  cli_json_write_string(j->out, key ? key : "", key ? strlen(key) : 0);
  fputs(": ", j->out);
  j->after_key = 1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when the
** bytes there are not one: overlong forms, surrogates and values past
** U+10FFFF are refused, as JSON parsers refuse them. */
static size_t utf8_len(const unsigned char *p, size_t n) {
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c < 0x80) return 1;
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

void cli_json_write_string(FILE *out, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  fputc('"', out);
  for (size_t i = 0; i < n;) {
    unsigned c = p[i];
    if (c >= 0x80) {
      size_t len = utf8_len(p + i, n - i);
      if (len == 0) {
        fputs("\\ufffd", out);
        i++;
      } else {
        fwrite(p + i, 1, len, out);
        i += len;
      }
      continue;
    }
    switch (c) {
    case '"': fputs("\\\"", out); break;
    case '\\': fputs("\\\\", out); break;
    case '\n': fputs("\\n", out); break;
    case '\r': fputs("\\r", out); break;
    case '\t': fputs("\\t", out); break;
    case '\b': fputs("\\b", out); break;
    case '\f': fputs("\\f", out); break;
    default:
      if (c < 0x20 || c == 0x7f) fprintf(out, "\\u%04x", c);
      else fputc((int)c, out);
    }
    i++;
  }
  fputc('"', out);
}

void cli_json_string(cli_json *j, const char *s) {
  if (!s) {
    cli_json_null(j);
    return;
  }
  cli_json_string_n(j, s, strlen(s));
}

void cli_json_string_n(cli_json *j, const char *s, size_t n) {
  before_value(j);
  cli_json_write_string(j->out, s ? s : "", s ? n : 0);
}

void cli_json_int(cli_json *j, int64_t v) {
  before_value(j);
  fprintf(j->out, "%" PRId64, v);
}

void cli_json_uint(cli_json *j, uint64_t v) {
  before_value(j);
  fprintf(j->out, "%" PRIu64, v);
}

void cli_json_double(cli_json *j, double v) {
  before_value(j);
  if (!isfinite(v)) {
    fputs("null", j->out);
    return;
  }
  /* The shortest of %.15g and %.17g that reads back as v; neither ever
  ** writes a form JSON refuses (no "inf", no leading '.'). */
  char buf[40];
  snprintf(buf, sizeof buf, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
  fputs(buf, j->out);
}

void cli_json_bool(cli_json *j, int v) {
  before_value(j);
  fputs(v ? "true" : "false", j->out);
}

void cli_json_null(cli_json *j) {
  before_value(j);
  fputs("null", j->out);
}

void cli_json_hex(cli_json *j, const void *data, size_t n) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *p = data;
  before_value(j);
  fputc('"', j->out);
  for (size_t i = 0; i < n; i++) {
    fputc(digits[p[i] >> 4], j->out);
    fputc(digits[p[i] & 15], j->out);
  }
  fputc('"', j->out);
}

int cli_json_finish(cli_json *j) {
  fputc('\n', j->out);
  return fflush(j->out) == 0 && !ferror(j->out) ? 0 : -1;
}
