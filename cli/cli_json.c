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

void cli_json_init_out(cli_json *j, cli_out *o, int pretty_depth) {
  cli_json_init(j, o->f, pretty_depth);
  j->o = o;
}

static void put(cli_json *j, const char *s, size_t n) {
  if (j->o) cli_out_write(j->o, s, n);
  else fwrite(s, 1, n, j->out);
}

static void put_char(cli_json *j, char c) {
  if (j->o) cli_out_char(j->o, c);
  else fputc(c, j->out);
}

static void put_str(cli_json *j, const char *s) { put(j, s, strlen(s)); }

static void put_string(cli_json *j, const char *s, size_t n) {
  if (j->o) cli_out_json_string(j->o, s, n);
  else cli_json_write_string(j->out, s, n);
}

static void newline_indent(cli_json *j, int depth) {
  char buf[1 + 2 * CLI_JSON_MAX_DEPTH];
  int d = depth < CLI_JSON_MAX_DEPTH ? depth : CLI_JSON_MAX_DEPTH;
  buf[0] = '\n';
  memset(buf + 1, ' ', (size_t)(2 * d));
  put(j, buf, 1 + (size_t)(2 * d));
}

/* Separator and layout before a value (or a key) at the current depth. */
static void before_value(cli_json *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->depth == 0) return;
  int d = j->depth - 1 < CLI_JSON_MAX_DEPTH ? j->depth - 1 : CLI_JSON_MAX_DEPTH - 1;
  if (j->count[d]++) put_char(j, ',');
  if (j->depth <= j->pretty_depth) newline_indent(j, j->depth);
  else if (j->count[d] > 1) put_char(j, ' ');
}

static void begin(cli_json *j, int open) {
  before_value(j);
  put_char(j, (char)open);
  if (j->depth < CLI_JSON_MAX_DEPTH) j->count[j->depth] = 0;
  j->depth++;
}

static void end(cli_json *j, int close) {
  if (j->depth == 0) return;
  j->depth--;
  int had = j->depth < CLI_JSON_MAX_DEPTH ? j->count[j->depth] : 1;
  if (had && j->depth < j->pretty_depth) newline_indent(j, j->depth);
  put_char(j, (char)close);
}

void cli_json_begin_object(cli_json *j) { begin(j, '{'); }
void cli_json_end_object(cli_json *j) { end(j, '}'); }
void cli_json_begin_array(cli_json *j) { begin(j, '['); }
void cli_json_end_array(cli_json *j) { end(j, ']'); }

void cli_json_key(cli_json *j, const char *key) {
  before_value(j);
  put_string(j, key ? key : "", key ? strlen(key) : 0);
  put(j, ": ", 2);
  j->after_key = 1;
}

void cli_json_write_string(FILE *out, const char *s, size_t n) {
  cli_out o;
  cli_out_init(&o, out);
  cli_out_json_string(&o, s, n);
  cli_out_flush(&o);
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
  put_string(j, s ? s : "", s ? n : 0);
}

void cli_json_int(cli_json *j, int64_t v) {
  before_value(j);
  char b[21];
  size_t k = 0;
  uint64_t u = (uint64_t)v;
  if (v < 0) {
    b[k++] = '-';
    u = 0 - u;
  }
  k += cli_fmt_u64(b + k, u);
  put(j, b, k);
}

void cli_json_uint(cli_json *j, uint64_t v) {
  before_value(j);
  char b[20];
  put(j, b, cli_fmt_u64(b, v));
}

void cli_json_double(cli_json *j, double v) {
  before_value(j);
  if (!isfinite(v)) {
    put_str(j, "null");
    return;
  }
  /* The shortest of %.15g and %.17g that reads back as v; neither ever
  ** writes a form JSON refuses (no "inf", no leading '.'). */
  char buf[40];
  snprintf(buf, sizeof buf, "%.15g", v);
  if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
  put_str(j, buf);
}

void cli_json_bool(cli_json *j, int v) {
  before_value(j);
  put_str(j, v ? "true" : "false");
}

void cli_json_null(cli_json *j) {
  before_value(j);
  put_str(j, "null");
}

void cli_json_hex(cli_json *j, const void *data, size_t n) {
  static const char digits[] = "0123456789abcdef";
  const unsigned char *p = data;
  before_value(j);
  put_char(j, '"');
  for (size_t i = 0; i < n; i++) {
    char b[2] = {digits[p[i] >> 4], digits[p[i] & 15]};
    put(j, b, 2);
  }
  put_char(j, '"');
}

void cli_json_raw(cli_json *j, const char *s, size_t n) {
  before_value(j);
  if (n) put(j, s, n);
}

int cli_json_finish(cli_json *j) {
  put_char(j, '\n');
  if (j->o && cli_out_flush(j->o) != 0) return -1;
  return fflush(j->out) == 0 && !ferror(j->out) ? 0 : -1;
}

void cli_json_begin_document(cli_json *j) {
  cli_json_begin_object(j);
  cli_json_key(j, "format");
  cli_json_uint(j, CLI_JSON_FORMAT);
}
