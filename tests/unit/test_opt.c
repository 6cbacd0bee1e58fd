/* test_opt.c — the one option parser (hr_opt) and record's table
** (hr_record_opts): both spellings of a value, operands and their order,
** `--`, the messages, and the number parser's edges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_opt.h"
#include "hr_record_opts.h"
#include "hr_test.h"

enum { JSON = 1, ALL, AT, TO, OUT };
static const hr_opt table[] = {
  {"json", 0, 0, JSON, NULL},
  {"all", 0, 0, ALL, NULL},
  {"at", 0, 1, AT, "a point"},
  {"to", 0, 1, TO, "a number"},
  {"", 'o', 1, OUT, "a file"},
  {NULL, 0, 0, 0, NULL},
};

/* Parse words (NULL-terminated, after a command name) and describe what came
** out, "json all at=5 | t.heapreel" or "error: <message>", into buf. */
static const char *parse(char *buf, size_t n, int in_order, const char *const *words) {
  char *argv[16] = {"cmd"};
  int argc = 1;
  for (; words[argc - 1]; argc++) argv[argc] = (char *)words[argc - 1];
  hr_opts o;
  hr_opts_init(&o, argc, argv, table, in_order);
  size_t len = 0;
  buf[0] = '\0';
  int id;
  while ((id = hr_opts_next(&o)) > 0) {
    const char *name = id == JSON ? "json" : id == ALL ? "all" : id == AT ? "at" : id == TO ? "to" : "o";
    len += (size_t)snprintf(buf + len, n - len, "%s%s%s ", name, o.arg ? "=" : "", o.arg ? o.arg : "");
  }
  if (id < 0) {
    snprintf(buf, n, "error: %s", o.err);
    return buf;
  }
  len += (size_t)snprintf(buf + len, n - len, "|");
  for (int i = hr_opts_index(&o); i < argc; i++) len += (size_t)snprintf(buf + len, n - len, " %s", argv[i]);
  return buf;
}

#define PARSE(in_order, ...) parse(buf, sizeof buf, in_order, (const char *const[]){__VA_ARGS__, NULL})

static void test_spellings(void) {
  char buf[512];
  CHECK_STR(PARSE(0, "--to=3", "t"), "to=3 | t");
  CHECK_STR(PARSE(0, "--to", "3", "t"), "to=3 | t");
  CHECK_STR(PARSE(0, "-ox.svg", "t"), "o=x.svg | t");
  CHECK_STR(PARSE(0, "-o", "x.svg", "t"), "o=x.svg | t");
  CHECK_STR(PARSE(0, "--at=a=b", "t"), "at=a=b | t");          /* only the first '=' splits */
  CHECK_STR(PARSE(0, "--js", "t"), "json | t");                /* a unique prefix */
}

static void test_operands(void) {
  char buf[512];
  CHECK_STR(PARSE(0, "t", "--json", "u"), "json | t u");       /* operands and options mix */
  CHECK_STR(PARSE(0, "--json", "--", "--all", "-o"), "json | --all -o");
  CHECK_STR(PARSE(1, "--json", "s.py", "--all"), "json | s.py --all");   /* in order: the rest is the program's */
  CHECK_STR(PARSE(1, "--", "-s.py"), "| -s.py");
  CHECK_STR(PARSE(0, "-", "--all"), "all | -");                /* "-" is an operand */
}

static void test_errors(void) {
  char buf[512];
  CHECK_STR(PARSE(0, "--bogus", "t"), "error: unknown option '--bogus'");
  CHECK_STR(PARSE(0, "--bogus=1", "t"), "error: unknown option '--bogus=1'");
  CHECK_STR(PARSE(0, "-x", "t"), "error: unknown option '-x'");
  CHECK_STR(PARSE(0, "--json=1", "t"), "error: option '--json' takes no value");
  CHECK_STR(PARSE(0, "--a", "t"), "error: ambiguous option '--a'");
  CHECK_STR(PARSE(0, "t", "--to"), "error: option '--to' needs a number");
  CHECK_STR(PARSE(0, "--to=", "t"), "error: option '--to' needs a number");
  CHECK_STR(PARSE(0, "-o", "", "t"), "error: option '-o' needs a file");
  CHECK_STR(PARSE(0, "t", "-o"), "error: option '-o' needs a file");
}

static void test_numbers(void) {
  uint64_t v = 7;
  CHECK(hr_parse_u64("18446744073709551615", 0, UINT64_MAX, &v) == 0 && v == UINT64_MAX);
  CHECK(hr_parse_u64("18446744073709551616", 0, UINT64_MAX, &v) == -1);
  CHECK(hr_parse_u64("128", 1, 128, &v) == 0 && v == 128);
  CHECK(hr_parse_u64("129", 1, 128, &v) == -1);
  CHECK(hr_parse_u64("0", 1, 128, &v) == -1);
  static const char *const bad[] = {"", "-1", "+1", " 1", "1 ", "1x", "0x10", NULL};
  for (int i = 0; bad[i]; i++) CHECK(hr_parse_u64(bad[i], 0, UINT64_MAX, &v) == -1);
  CHECK(hr_parse_u64(NULL, 0, 1, &v) == -1);
  CHECK_EQ_U64(v, 128);                                        /* failures leave v alone */
}

static int record(const char *const *words, hr_record_args *a, char *err, size_t n) {
  char *argv[16] = {"record"};
  int argc = 1;
  for (; words[argc - 1]; argc++) argv[argc] = (char *)words[argc - 1];
  return hr_record_parse(argc, argv, a, err, n);
}
#define RECORD(...) record((const char *const[]){__VA_ARGS__, NULL}, &a, err, sizeof err)

static void test_record(void) {
  hr_record_args a;
  char err[320];
  CHECK(RECORD("-o=x.heapreel", "s.py") == HR_RECORD_RUN);
  CHECK_STR(a.out, "x.heapreel");
  CHECK(RECORD("--output=y", "--detail=alloc", "--stack-depth=4", "s.py", "-o", "z") == HR_RECORD_RUN);
  CHECK_STR(a.out, "y");
  CHECK(a.alloc && a.stack_depth == 4 && a.script == 4 && a.kind == HR_RECORD_SCRIPT);
  CHECK_STR(a.target, "s.py");
  CHECK(RECORD("-m", "json.tool", "--x") == HR_RECORD_RUN);
  CHECK(a.kind == HR_RECORD_MODULE && a.script == 3);
  CHECK_STR(a.target, "json.tool");
  CHECK(RECORD("-cprint(1)", "a") == HR_RECORD_RUN);
  CHECK(a.kind == HR_RECORD_COMMAND && a.script == 2);
  CHECK_STR(a.target, "print(1)");
  CHECK(RECORD("--", "-s.py") == HR_RECORD_RUN && a.script == 2);
  CHECK(RECORD("-h", "s.py") == HR_RECORD_HELP);
  CHECK(RECORD("--detail=big", "s.py") == HR_RECORD_USAGE);
  CHECK_STR(err, "unknown detail 'big' (expected 'full' or 'alloc')");
  CHECK(RECORD("--detail", "alloc", "--stack-depth", "129", "s.py") == HR_RECORD_USAGE);
  CHECK_STR(err, "option '--stack-depth' needs a number from 1 to 128");
  /* Regions in both detail levels; --stack-depth is alloc mode's and the
  ** regions' (the stacks of objects made outside them). */
  CHECK(RECORD("--start-paused", "s.py") == HR_RECORD_RUN && a.paused && !a.alloc);
  CHECK(RECORD("--start-at-mark=m", "s.py") == HR_RECORD_RUN && !a.alloc);
  CHECK_STR(a.start_mark, "m");
  CHECK(RECORD("--stack-depth", "3", "s.py") == HR_RECORD_USAGE);
  CHECK_STR(err, "option '--stack-depth' needs '--detail alloc', '--start-paused' or '--start-at-mark'");
  CHECK(RECORD("--start-paused", "--stack-depth", "3", "s.py") == HR_RECORD_RUN && a.stack_depth == 3);
  CHECK(RECORD("--stack-depth", "2", "--start-at-mark", "m", "s.py") == HR_RECORD_RUN && a.stack_depth == 2);
  CHECK(RECORD("--start-paused", "--start-at-mark", "m", "s.py") == HR_RECORD_USAGE);
  CHECK(RECORD("--verbose") == HR_RECORD_USAGE);
  CHECK_STR(err, "no script to record");
  CHECK(RECORD("-m") == HR_RECORD_USAGE);
  CHECK_STR(err, "option '-m' needs a module name");
}

HR_TEST_MAIN(test_spellings, test_operands, test_errors, test_numbers, test_record)
