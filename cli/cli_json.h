/* cli_json.h — a tiny streaming JSON writer for the subcommands' --json output.
**
** Values are written as they come; the writer tracks nesting to place commas
** and, for containers shallower than pretty_depth, one element per line.
** Strings are escaped for JSON: control characters as \n, \t, \u00XX, and
** bytes that are not valid UTF-8 as U+FFFD, so any string a traced program
** made comes out as valid JSON text.
*/
#ifndef CLI_JSON_H
#define CLI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_out.h"

#define CLI_JSON_MAX_DEPTH 32

typedef struct cli_json {
  FILE *out;                         /* borrowed */
  cli_out *o;                        /* borrowed; when set, output goes through it */
  int depth;
  int pretty_depth;                  /* containers above this depth: one element a line */
  int count[CLI_JSON_MAX_DEPTH];     /* elements written so far at each depth */
  int after_key;                     /* a key was written; its value comes next */
} cli_json;

/* The version of every --json document's shape: its top-level "format"
** key. Raised when a key changes meaning or goes away, not when one is added. */
enum { CLI_JSON_FORMAT = 1 };

/* Open a --json document: the top-level object and its "format" key. */
void cli_json_begin_document(cli_json *j);

/* pretty_depth 0: all on one line; 1: a top-level array or object has one
** element per line, deeper containers stay inline; and so on. */
void cli_json_init(cli_json *j, FILE *out, int pretty_depth);
/* The same writing into o (borrowed; the caller flushes it after finish). */
void cli_json_init_out(cli_json *j, cli_out *o, int pretty_depth);

void cli_json_begin_object(cli_json *j);
void cli_json_end_object(cli_json *j);
void cli_json_begin_array(cli_json *j);
void cli_json_end_array(cli_json *j);
/* The key (borrowed) of the next value in an object. */
void cli_json_key(cli_json *j, const char *key);

void cli_json_string(cli_json *j, const char *s);              /* NULL writes null */
void cli_json_string_n(cli_json *j, const char *s, size_t n);  /* may hold NUL bytes */
void cli_json_int(cli_json *j, int64_t v);
void cli_json_uint(cli_json *j, uint64_t v);
void cli_json_double(cli_json *j, double v);                   /* null when not finite */
void cli_json_bool(cli_json *j, int v);
void cli_json_null(cli_json *j);
/* A value the caller formatted itself (valid JSON, borrowed), placed like
** any other. With s NULL and n 0 only the separator is written: a writer made
** by cli_json_init_out lets the caller then write the value into its cli_out. */
void cli_json_raw(cli_json *j, const char *s, size_t n);
/* Bytes as a string of lowercase hex digits. */
void cli_json_hex(cli_json *j, const void *data, size_t n);

/* Write the escaped form of s (n bytes, borrowed) with its quotes to out. */
void cli_json_write_string(FILE *out, const char *s, size_t n);

/* End the document with a newline; returns 0, or -1 when output failed. */
int cli_json_finish(cli_json *j);

#endif /* CLI_JSON_H */
