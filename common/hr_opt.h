/* hr_opt.h — the one option parser: getopt_long (glibc) over a table.
**
** Every subcommand, and heapreel-record, describes its options in one
** hr_opt table; this turns it into getopt_long's arrays, so `--opt=value`
** and `--opt value` mean the same everywhere, `--` ends the options, and a
** bad option gives one message in git's words. Messages are kept on the
** parser (errors as values): the caller prints them.
*/
#ifndef HR_OPT_H
#define HR_OPT_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

enum { HR_OPT_MAX = 40 };          /* options in one table */

typedef struct hr_opt {
  const char *name;    /* long name without "--", "" for none; NULL ends the table */
  char short_name;     /* 0 when it has none */
  int has_arg;         /* 1: takes a value */
  int id;              /* what hr_opts_next returns for it (non-zero) */
  const char *needs;   /* the value in words, for "option '--x' needs <needs>" */
} hr_opt;

typedef struct hr_opts {
  int argc;
  char **argv;         /* borrowed; getopt_long may reorder its operands */
  const hr_opt *table; /* borrowed */
  const char *arg;     /* the current option's value (borrowed from argv) */
  char name[64];       /* the current option as written: "--from", "-o" */
  char err[320];       /* the message after a usage error */
  int too_long;        /* the table has more than HR_OPT_MAX options */
  struct option lo[HR_OPT_MAX + 1];
  char shorts[3 * HR_OPT_MAX + 3];
} hr_opts;

/* Prepare to parse argv[1..argc). in_order: stop at the first operand (the
** recorder's: everything after SCRIPT is the program's); otherwise operands
** and options may mix, as in `heapreel steps t.heapreel --json`. */
void hr_opts_init(hr_opts *o, int argc, char **argv, const hr_opt *table, int in_order);

/* The next option's id, with its value in o->arg; 0 when the options are
** over (the operands are argv[hr_opts_index(o)..argc)); -1 after a usage
** error, described in o->err. An empty value is a usage error. */
int hr_opts_next(hr_opts *o);

/* Index in argv of the first operand once hr_opts_next returned 0, or of the
** argument after the last option parsed. */
int hr_opts_index(const hr_opts *o);

/* The one number parser: decimal digits and nothing else, from min to max.
** 0 on success, -1 otherwise (out of range included). */
int hr_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v);

/* A decimal number at *s that ends at one of the characters of `ends` (the
** terminating NUL counts when `ends` is a string literal's end): *v and *s
** moved past the ending character (not past a NUL). 1 on success, 0 when *s
** holds no number, it overflows or another character ends it. For the
** number lists trace files keep in meta. */
int hr_scan_u64(const char **s, const char *ends, uint64_t *v);

#endif /* HR_OPT_H */
