/* cli_record.c — `heapreel record`: run the recorder program that sits beside heapreel.
**
** heapreel itself never loads Python: recording happens in heapreel-record,
** which embeds CPython 3.11. This command checks the options, then replaces
** itself with that program, so the recorded script inherits the process's
** stdin, stdout, stderr, signals and exit status unchanged.
*/
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hr_mem.h"
#include "hr_record_opts.h"
#include "hr_record_usage.h"

#define RECORDER_NAME "heapreel-record"

static const char usage[] =
  "usage: heapreel record " HR_RECORD_SYNOPSIS
  "\n"
  "Run SCRIPT as 'python3.11 SCRIPT ARGS...' would, or a module or code as\n"
  "'python3.11 -m MODULE' and '-c CODE' would (same sys.argv, sys.path,\n"
  "virtual environment, stdin, stdout, stderr and exit status), and record its\n"
  "memory life into a trace. Options come before SCRIPT, -m or -c; everything\n"
  "after them is the program's.\n"
  "\n"
  HR_RECORD_OPTIONS;

/* Check the options before SCRIPT with the table the recorder parses them
** by (hr_record_opts.h); returns -1 to go on, or the exit status. */
static int check_options(int argc, char **argv) {
  hr_record_args a;
  char err[320];
  switch (hr_record_parse(argc, argv, &a, err, sizeof err)) {
  case HR_RECORD_HELP: fputs(usage, stdout); return CLI_OK;
  case HR_RECORD_USAGE: return cli_usage_error(usage, "%s", err);
  default: return -1;
  }
}

/* strerror with a lowercase first letter, as heapreel's messages are. */
static const char *lower_strerror(int err, char *buf, size_t n) {
  snprintf(buf, n, "%s", strerror(err));
  if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z')) buf[0] += 'a' - 'A';
  return buf;
}

#ifndef HR_RECORDER_RELDIR
#define HR_RECORDER_RELDIR "../libexec/heapreel"
#endif

/* The recorder's path: beside the running heapreel binary (the build tree),
** else in the libexec directory an install put it in, relative to heapreel
** (HR_RECORDER_RELDIR, from CMake). Owned; NULL when it cannot be found out
** (errno set). When neither exists, the path beside heapreel, for the error. */
static char *recorder_path(void) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0) return NULL;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  int dir = slash ? (int)(slash - self) : 0;
  char *beside = hr_sprintf("%.*s/" RECORDER_NAME, dir, self);
  if (beside == NULL || access(beside, X_OK) == 0) {
    if (beside == NULL) errno = ENOMEM;
    return beside;
  }
  char *installed = hr_sprintf("%.*s/" HR_RECORDER_RELDIR "/" RECORDER_NAME, dir, self);
  if (installed != NULL && access(installed, X_OK) == 0) {
    hr_free(beside);
    return installed;
  }
  hr_free(installed);
  return beside;
}

int cli_record(int argc, char **argv) {
  int rc = check_options(argc, argv);
  if (rc >= 0) return rc;
  char *path = recorder_path();
  if (path == NULL) {
    char e[128];
    cli_error("cannot find '" RECORDER_NAME "': %s", lower_strerror(errno, e, sizeof e));
    return CLI_FAIL;
  }
  char **args = hr_calloc((size_t)argc + 1, sizeof *args);
  if (args == NULL) {
    cli_error("out of memory");
    hr_free(path);
    return CLI_FAIL;
  }
  args[0] = path;
  for (int i = 1; i < argc; i++) args[i] = argv[i];
  fflush(NULL);
  execv(path, args);
  int err = errno;
  char e[128];
  if (err == ENOENT)
    cli_error("cannot run the recorder '%s': no such file (it is built beside heapreel, installed in '%s' relative to it)",
              path, HR_RECORDER_RELDIR);
  else
    cli_error("cannot run the recorder '%s': %s", path, lower_strerror(err, e, sizeof e));
  hr_free(args);
  hr_free(path);
  return CLI_FAIL;
}
