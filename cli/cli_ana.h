/* cli_ana.h — what the analysis subcommands (summary, steps, state, history,
** diff, leaks, cycles, peak) share: opening a trace with the right messages,
** parsing the report options, reading numbers, and
** printing strings from a traced program safely on a terminal.
*/
#ifndef CLI_ANA_H
#define CLI_ANA_H

#include <stdint.h>
#include <stdio.h>

#include "ana_point.h"
#include "ana_trace.h"
#include "cli_json.h"

/* Open path for analysis. On failure prints "heapreel: cannot open trace
** 'path': why" and returns NULL. An incomplete trace opens, with a warning
** on stderr that the answers cover only what was recorded. */
ana_trace *cli_ana_open(const char *path);

/* Print the reason kept on t (or a fallback from status) as a runtime error;
** returns CLI_FAIL. */
int cli_ana_fail(ana_trace *t, int status);

/* When t is an alloc trace, print that `what` needs a full recording and
** return 1 (the caller fails with CLI_FAIL); 0 for a full trace. */
int cli_ana_needs_full(ana_trace *t, const char *what);

/* What the report subcommands (summary, leaks, cycles, peak) take:
** [--json] [--all] [--plot <file>] <trace>, `--` ending the options. */
enum { CLI_ANA_ALL = 1, CLI_ANA_PLOT = 2 };   /* options a command accepts besides --json */
typedef struct cli_ana_args {
  const char *path;   /* borrowed from argv */
  const char *plot;   /* borrowed from argv; NULL without --plot */
  int json, all;
} cli_ana_args;

/* Parse argv into a; returns CLI_OK, or CLI_USAGE after printing the error
** and `usage` on stderr. */
int cli_ana_parse(int argc, char **argv, const char *usage, int accepts, cli_ana_args *a);

/* A decimal number with nothing after it; 0 on success, -1 otherwise. */
int cli_parse_u64(const char *s, uint64_t *v);

/* Write s with control characters and bytes that are not UTF-8 escaped
** (\n, \xNN; tabs stay), so a traced program's strings cannot drive the terminal. */
void cli_put_safe(FILE *out, const char *s);

/* Resolve a point (ana_point.h: a step, a mark, start or end) on t; on
** failure print why and return CLI_FAIL (CLI_USAGE for an empty one). */
int cli_ana_point(ana_trace *t, const char *text, ana_point *p);

/* --from and --to (borrowed texts) resolved on t into *a and *b, and *a not
** after *b: CLI_OK, or the exit status with the message (and usage) printed. */
int cli_ana_range(ana_trace *t, const char *usage, const char *from, const char *to, ana_point *a,
                  ana_point *b);
/* A point as JSON {point, kind, seq, step}, and as text ("mark 'warm' (step 9)"). */
void cli_ana_json_point(cli_json *j, const ana_point *p);
void cli_ana_put_point(FILE *out, const ana_point *p);

#endif /* CLI_ANA_H */
