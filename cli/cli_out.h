/* cli_out.h — a buffered writer for large outputs (an object's history can
** run to millions of lines): bytes gather in a fixed buffer and go to the
** FILE in big writes; integers are formatted by hand, strings escaped for the
** terminal (as cli_put_safe) or for JSON (as cli_json) straight into it.
*/
#ifndef CLI_OUT_H
#define CLI_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define CLI_OUT_BUF 16384

typedef struct cli_out {
  FILE *f;        /* borrowed */
  size_t n;       /* bytes waiting in buf */
  int err;        /* a write failed */
  char buf[CLI_OUT_BUF];
} cli_out;

/* f NULL makes a memory-only writer: buf[0..n) is the text while err is 0. */
void cli_out_init(cli_out *o, FILE *f);
/* Write what is buffered to the FILE (not fflush); 0, or -1 after a failed write. */
int cli_out_flush(cli_out *o);
void cli_out_write_slow(cli_out *o, const void *s, size_t n);

static inline void cli_out_write(cli_out *o, const void *s, size_t n) {
  if (n <= CLI_OUT_BUF - o->n) {
    memcpy(o->buf + o->n, s, n);
    o->n += n;
  } else {
    cli_out_write_slow(o, s, n);
  }
}
static inline void cli_out_char(cli_out *o, char c) {
  if (o->n == CLI_OUT_BUF) cli_out_flush(o);
  o->buf[o->n++] = c;
}
static inline void cli_out_str(cli_out *o, const char *s) { cli_out_write(o, s, strlen(s)); }

/* Decimal digits of v into buf (at least 20 bytes), no NUL; returns the count. */
size_t cli_fmt_u64(char *buf, uint64_t v);
void cli_out_u64(cli_out *o, uint64_t v);
void cli_out_i64(cli_out *o, int64_t v);
/* v left-justified in a field of `width` (printf's %-Nllu). */
void cli_out_u64_left(cli_out *o, uint64_t v, int width);
void cli_out_pad(cli_out *o, size_t n);            /* n spaces */
/* s made safe for a terminal (hr_term_step), exactly as cli_put_safe writes it. */
void cli_out_safe(cli_out *o, const char *s);
/* s[0..n) as a quoted JSON string (hr_json_step), exactly as cli_json writes strings. */
void cli_out_json_string(cli_out *o, const char *s, size_t n);

#endif /* CLI_OUT_H */
