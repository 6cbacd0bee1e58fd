/* hr_record_opts.h — `heapreel record`'s options, parsed once.
**
** `heapreel record` checks them before it runs heapreel-record, which parses
** them again to act on them: both go through this one table, so the two
** cannot disagree on what is an option or what it takes.
*/
#ifndef HR_RECORD_OPTS_H
#define HR_RECORD_OPTS_H

#include <stddef.h>

/* What runs: python3.11 SCRIPT, -m MODULE or -c CODE. */
enum hr_record_kind { HR_RECORD_SCRIPT = 0, HR_RECORD_MODULE, HR_RECORD_COMMAND };

typedef struct hr_record_args {
  const char *out;        /* -o, or NULL for the default (borrowed from argv) */
  int all_frames;
  int alloc;              /* --detail alloc */
  int stack_depth;        /* 0: default */
  const char *start_mark; /* borrowed from argv */
  int paused;
  int verbose;            /* the closing line even when stderr is not a terminal */
  int follow_fork;
  int force;              /* -o may replace a regular file that is not a trace */
  int kind;               /* enum hr_record_kind */
  const char *target;     /* SCRIPT, MODULE or CODE (borrowed from argv) */
  int script;             /* index in argv of SCRIPT, or of the first ARG after -m/-c's */
} hr_record_args;

enum { HR_RECORD_RUN = 0, HR_RECORD_HELP = 1, HR_RECORD_USAGE = 2 };

/* Parse argv up to SCRIPT, -m MODULE or -c CODE (the rest is the program's;
** argv is not reordered). Returns HR_RECORD_RUN, HR_RECORD_HELP for -h, or
** HR_RECORD_USAGE with the message (no "heapreel: ", no newline) in err. */
int hr_record_parse(int argc, char **argv, hr_record_args *a, char *err, size_t errn);

#endif /* HR_RECORD_OPTS_H */
