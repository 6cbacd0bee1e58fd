/* heapreel.c — the `heapreel` command: dispatch to subcommands from one table. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_out.h"
#include "hr_status.h"

#ifndef HEAPREEL_VERSION
#define HEAPREEL_VERSION "unknown"
#endif

struct cli_command {
  const char *name;
  cli_fn fn;
  const char *summary;
};

/* Subcommands in the order `heapreel --help` lists them. */
static const struct cli_command commands[] = {
  {"record", cli_record, "run a Python 3.11 script and record its memory life into a trace"},
  {"summary", cli_summary, "program, steps, objects, peak memory and gc runs of a trace"},
  {"steps", cli_steps, "list the steps of a trace: thread, depth, function, file:line, source"},
  {"state", cli_state, "frames and heap objects just before a step, a line or a mark"},
  {"history", cli_history, "one object's life: alloc, bindings, refcount changes, free"},
  {"diff", cli_diff, "objects new, gone and changed, names bound and unbound between two points"},
  {"growth", cli_growth, "what the heap gained between two points, by type, line or stack"},
  {"leaks", cli_leaks, "objects alive at the end by allocation site, with retention paths"},
  {"referrers", cli_referrers, "who holds an object: referrers, paths from roots, retained size"},
  {"cycles", cli_cycles, "reference cycles alive at the end and those the collector freed"},
  {"peak", cli_peak, "peak memory: where it was reached and what was live then"},
  {"flamegraph", cli_flamegraph, "bytes by Python stack at the peak or the end: an HTML page or SVG"},
  {"render", cli_render, "Graphviz diagrams of the stack and the heap: one step, a storyboard"},
  {"sql", cli_sql, "run an SQL query on a trace: events, objects, frames and the small tables"},
};

static const char usage_text[] =
  "usage: heapreel [--version] [--help] <command> [<args>]\n"
  "\n"
  "Record the memory life of a Python 3.11 program into one SQLite trace,\n"
  "and analyse the trace afterwards.\n"
  "\n"
  "commands:\n";

static void print_usage(FILE *out) {
  fputs(usage_text, out);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs("\n'heapreel <command> -h' shows the usage of one command.\n", out);
}

/* Every line heapreel writes on stderr comes here: the message may hold
** text from the trace (a path, a name, SQLite's error, which can quote the
** file's schema), so all of it is escaped by the one rule (hr_term_step)
** and it stays one line whatever it holds. */
static void cli_vsay(const char *kind, const char *fmt, va_list ap) {
  char small[1024], *msg = small;
  va_list copy;
  va_copy(copy, ap);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  if (n >= (int)sizeof small) {
    char *big = malloc((size_t)n + 1);
    if (big) {
      vsnprintf(big, (size_t)n + 1, fmt, copy);
      msg = big;
    }
  }
  va_end(copy);
  static cli_out o;
  cli_out_init(&o, stderr);
  cli_out_str(&o, "heapreel: ");
  cli_out_str(&o, kind);
  cli_out_safe(&o, n < 0 ? "(message lost)" : msg);
  cli_out_char(&o, '\n');
  cli_out_flush(&o);
  fflush(stderr);
  if (msg != small) free(msg);
}

/* A trace found incomplete at open: said once, at the end of a command that
** worked, or on the error line of one that failed, never as a line of its
** own before an error. */
static char *incomplete_path;

void cli_set_incomplete(const char *path) {
  free(incomplete_path);
  incomplete_path = strdup(path);
}

static void incomplete_text(char *buf, size_t n) {
  snprintf(buf, n, "trace '%s' is incomplete (the recording was cut short)", incomplete_path);
}

static void cli_verror(const char *fmt, va_list ap) {
  if (!incomplete_path) {
    cli_vsay("", fmt, ap);
    return;
  }
  char msg[2048], inc[1200];
  vsnprintf(msg, sizeof msg, fmt, ap);
  incomplete_text(inc, sizeof inc);
  free(incomplete_path);
  incomplete_path = NULL;
  cli_say("%s; %s", msg, inc);
}

static void say_incomplete(void) {
  if (!incomplete_path) return;
  char inc[1200];
  incomplete_text(inc, sizeof inc);
  free(incomplete_path);
  incomplete_path = NULL;
  cli_warning("%s; answers cover what was recorded", inc);
}

void cli_note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_vsay("note: ", fmt, ap);
  va_end(ap);
}

void cli_warning(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_vsay("warning: ", fmt, ap);
  va_end(ap);
}

void cli_say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_vsay("", fmt, ap);
  va_end(ap);
}

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_verror(fmt, ap);
  va_end(ap);
}

int cli_usage_error(const char *usage, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  cli_verror(fmt, ap);
  va_end(ap);
  fputs(usage, stderr);
  return CLI_USAGE;
}

int cli_opts_next(hr_opts *o, const char *usage) {
  int id = hr_opts_next(o);
  if (id < 0) cli_usage_error(usage, "%s", o->err);
  return id;
}

int cli_opts_operands(const hr_opts *o, const char *usage, const char **args, int max) {
  int n = 0;
  for (int i = hr_opts_index(o); i < o->argc; i++) {
    if (n == max) {
      cli_usage_error(usage, "too many arguments: '%s'", o->argv[i]);
      return -1;
    }
    args[n++] = o->argv[i];
  }
  return n;
}

int cli_help_requested(int argc, char **argv, const char *usage) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--") == 0) break;
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(usage, stdout);
      return 1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return CLI_USAGE;
  }
  const char *name = argv[1];
  if (strcmp(name, "help") == 0 && argc > 2) {
    /* `heapreel help render` is `heapreel render -h`, as git does it. */
    char *sub[] = {argv[2], "-h", NULL};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
      if (strcmp(argv[2], commands[i].name) == 0) return commands[i].fn(2, sub);
    cli_error("'%s' is not a heapreel command (see 'heapreel --help')", argv[2]);
    return CLI_USAGE;
  }
  if (strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0 || strcmp(name, "help") == 0) {
    print_usage(stdout);
    return CLI_OK;
  }
  if (strcmp(name, "--version") == 0) {
    printf("heapreel %s\n", HEAPREEL_VERSION);
    return CLI_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(name, commands[i].name) == 0) {
      int status = commands[i].fn(argc - 1, argv + 1);
      say_incomplete();
      return status;
    }
  if (name[0] == '-') cli_error("unknown option '%s' (see 'heapreel --help')", name);
  else cli_error("'%s' is not a heapreel command (see 'heapreel --help')", name);
  return CLI_USAGE;
}

int cli_end_output(int rc) {
  if (fflush(stdout) == 0) return rc;
  cli_error("cannot write output: %s", hr_status_str(HR_EIO));
  return CLI_FAIL;
}
