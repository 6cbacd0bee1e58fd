/* cli.h — the command line: the subcommand table and what subcommands share.
**
** Each subcommand lives in its own cli_<name>.c with its usage lines, and is
** one row of the table in heapreel.c. Results go to stdout, diagnostics to
** stderr. Exit codes: 0 success, 1 runtime error, 2 usage error.
*/
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include "hr_opt.h"

enum cli_exit { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* argv[0] is the subcommand's name; returns the process exit status. */
typedef int (*cli_fn)(int argc, char **argv);

/* Print "heapreel: <message>" on stderr (lowercase, no full stop), escaped
** for the terminal (cli_out.h) and on one line whatever it holds. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;

/* "heapreel: note: <message>", "heapreel: warning: <message>" and
** "heapreel: <message>" (a report such as "wrote 3 files"). Like cli_error,
** the message is escaped for the terminal and is always one line. */
void cli_note(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;
void cli_warning(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;
void cli_say(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;

/* The end of a command that printed results: stdout flushed; returns rc, or
** CLI_FAIL with one line when the output could not be written (a full disk,
** a closed pipe). */
int cli_end_output(int rc);

/* The trace at path is incomplete: a warning says so once the command
** ends, or the error line of a command that fails carries it. */
void cli_set_incomplete(const char *path);

/* Print a usage error and the usage lines on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

/* hr_opts_next, printing its usage error and usage on stderr: the next
** option's id, 0 when the options are over, -1 after a usage error (exit
** with CLI_USAGE). */
int cli_opts_next(hr_opts *o, const char *usage);

/* The operands after the options into args[0..max) (borrowed from argv):
** how many, or -1 after printing "too many arguments" and usage. */
int cli_opts_operands(const hr_opts *o, const char *usage, const char **args, int max);

/* If argv holds -h or --help, print usage on stdout and return 1. */
int cli_help_requested(int argc, char **argv, const char *usage);

/* Subcommands. */
int cli_sql(int argc, char **argv);
int cli_record(int argc, char **argv);
int cli_summary(int argc, char **argv);
int cli_steps(int argc, char **argv);
int cli_state(int argc, char **argv);
int cli_history(int argc, char **argv);
int cli_diff(int argc, char **argv);
int cli_growth(int argc, char **argv);
int cli_leaks(int argc, char **argv);
int cli_referrers(int argc, char **argv);
int cli_cycles(int argc, char **argv);
int cli_peak(int argc, char **argv);
int cli_render(int argc, char **argv);
int cli_flamegraph(int argc, char **argv);

#endif /* CLI_H */
