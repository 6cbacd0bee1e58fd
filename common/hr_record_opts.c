/* hr_record_opts.c — `heapreel record`'s option table and its checks. */
#include "hr_record_opts.h"

#include <stdio.h>
#include <string.h>

#include "hr_opt.h"

enum { OPT_HELP = 1, OPT_OUTPUT, OPT_ALL_FRAMES, OPT_DETAIL, OPT_STACK_DEPTH, OPT_START_AT_MARK,
       OPT_START_PAUSED, OPT_VERBOSE, OPT_FOLLOW_FORK, OPT_FORCE, OPT_MODULE, OPT_CODE };

static const hr_opt options[] = {
  {"help", 'h', 0, OPT_HELP, NULL},
  {"output", 'o', 1, OPT_OUTPUT, "a file name"},
  {"all-frames", 0, 0, OPT_ALL_FRAMES, NULL},
  {"detail", 0, 1, OPT_DETAIL, "'full' or 'alloc'"},
  {"stack-depth", 0, 1, OPT_STACK_DEPTH, "a number from 1 to 128"},
  {"start-at-mark", 0, 1, OPT_START_AT_MARK, "a label"},
  {"start-paused", 0, 0, OPT_START_PAUSED, NULL},
  {"verbose", 0, 0, OPT_VERBOSE, NULL},
  {"follow-fork", 0, 0, OPT_FOLLOW_FORK, NULL},
  {"force", 0, 0, OPT_FORCE, NULL},
  {"", 'm', 1, OPT_MODULE, "a module name"},   /* short only, as python3.11's */
  {"", 'c', 1, OPT_CODE, "the code to run"},
  {NULL, 0, 0, 0, NULL},
};

/* One option's effect; 0, or HR_RECORD_USAGE with err set. */
static int apply(int id, const char *v, hr_record_args *a, char *err, size_t errn) {
  uint64_t n;
  switch (id) {
  case OPT_OUTPUT:
    /* -o=FILE is a slip for --output=FILE, not a file named "=FILE". */
    a->out = v[0] == '=' && v[1] ? v + 1 : v;
    break;
  case OPT_ALL_FRAMES: a->all_frames = 1; break;
  case OPT_DETAIL:
    if (strcmp(v, "full") == 0) a->alloc = 0;
    else if (strcmp(v, "alloc") == 0) a->alloc = 1;
    else {
      snprintf(err, errn, "unknown detail '%s' (expected 'full' or 'alloc')", v);
      return HR_RECORD_USAGE;
    }
    break;
  case OPT_STACK_DEPTH:
    if (hr_parse_u64(v, 1, 128, &n)) {
      snprintf(err, errn, "option '--stack-depth' needs a number from 1 to 128");
      return HR_RECORD_USAGE;
    }
    a->stack_depth = (int)n;
    break;
  case OPT_START_AT_MARK: a->start_mark = v; break;
  case OPT_START_PAUSED: a->paused = 1; break;
  case OPT_VERBOSE: a->verbose = 1; break;
  case OPT_FOLLOW_FORK: a->follow_fork = 1; break;
  case OPT_FORCE: a->force = 1; break;
  default: break;
  }
  return 0;
}

int hr_record_parse(int argc, char **argv, hr_record_args *a, char *err, size_t errn) {
  memset(a, 0, sizeof *a);
  err[0] = '\0';
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 1);
  int id;
  while ((id = hr_opts_next(&o)) > 0) {
    if (id == OPT_HELP) return HR_RECORD_HELP;
    if (id == OPT_MODULE || id == OPT_CODE) {
      /* -m MODULE, -c CODE (or -mMODULE, -cCODE, as python3.11 takes them):
      ** the program, and the end of heapreel's options. */
      a->kind = id == OPT_MODULE ? HR_RECORD_MODULE : HR_RECORD_COMMAND;
      a->target = o.arg;
      break;
    }
    if (apply(id, o.arg, a, err, errn)) return HR_RECORD_USAGE;
  }
  if (id < 0) {
    snprintf(err, errn, "%s", o.err);
    return HR_RECORD_USAGE;
  }
  int i = hr_opts_index(&o);
  if (a->kind == HR_RECORD_SCRIPT) {
    if (i >= argc) { snprintf(err, errn, "no script to record"); return HR_RECORD_USAGE; }
    a->target = argv[i];
  }
  if (a->stack_depth && !a->alloc && !a->paused && !a->start_mark) {
    /* Full regions keep stacks too: where their older objects were made. */
    snprintf(err, errn, "option '--stack-depth' needs '--detail alloc', '--start-paused' or "
                        "'--start-at-mark'");
    return HR_RECORD_USAGE;
  }
  if (a->start_mark && a->paused) {
    snprintf(err, errn, "options '--start-at-mark' and '--start-paused' exclude each other");
    return HR_RECORD_USAGE;
  }
  a->script = i;   /* SCRIPT (sys.argv[0]), or the first ARG after -m/-c's */
  return HR_RECORD_RUN;
}
