/* rec_main.c — heapreel-record: run a script exactly as python3.11 would, and record it.
**
** The interpreter is configured from a python3.11 command line (argv, sys.path,
** site-packages, an active virtual environment, environment variables all as
** CPython computes them) and the script runs through Py_RunMain, so exit
** statuses, tracebacks and `sys.exit` behave as they do under python3.11.
**
** Finishing the trace has three ways out, because Py_RunMain does not always
** return:
**  - normal end or uncaught exception: Py_RunMain returns the status and main
**    finishes the trace;
**  - SystemExit (sys.exit): CPython finalises and calls exit(status) itself;
**    an on_exit handler, which receives the status, finishes the trace;
**  - unhandled KeyboardInterrupt: after finalising, CPython kills the process
**    with SIGINT, so no exit handler runs. The atexit hook (the first moment
**    of finalisation, after the main script and the joining of threads) sees
**    _Py_UnhandledKeyboardInterrupt already set and finishes the trace there
**    with exit_status 130 (128 + SIGINT, what a shell reports).
**  - os._exit(status): its function is hooked (rec_fork.c) and finishes the
**    trace first, with that status, meta complete = '0' (the program's
**    finalisation never runs);
**  - a fatal signal (SIGSEGV, SIGABRT, ...): rec_crash.c commits what the
**    writer holds, leaving meta complete = '0', and lets the signal kill.
** A recording killed with SIGKILL keeps what the writer committed so far,
** with meta complete = '0'.
**
** `-m MODULE` and `-c CODE` are handed to CPython's own command line parser,
** so runpy._run_module_as_main finds and runs the module, and sys.argv and
** sys.path[0] are what python3.11 makes them.
**
** stderr is the program's: heapreel adds nothing to it unless it is a
** terminal (a progress line on a line of its own, the closing line) or
** --verbose asks for the closing line.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <elf.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hr_escape.h"
#include "hr_mem.h"
#include "hr_record_opts.h"
#include "hr_record_usage.h"
#include "hr_size.h"
#include "hr_status.h"
#include "rec_allocmode.h"
#include "rec_crash.h"
#include "rec_fork.h"
#include "rec_module.h"
#include "rec_output.h"
#include "rec_region.h"
#include "rec_tracer.h"
#include "trc_target.h"
#include "trc_writer.h"

/* Set by CPython when the main script ended with an uncaught
** KeyboardInterrupt (exported by libpython3.11, declared in its internal
** headers only). */
extern int _Py_UnhandledKeyboardInterrupt;

#define REC_EXIT_SIGINT 130          /* 128 + SIGINT: the status a shell reports */
#define REC_EXIT_NO_SCRIPT 2         /* python3.11's status for a script it cannot open */
#define REC_SYSTEM_PYTHON "/usr/bin/python3.11"
#define REC_PROGRESS_DELAY_MS 1000   /* short runs never show progress */
#define REC_PROGRESS_EVERY_MS 250

static const char usage_text[] =
  "usage: heapreel record " HR_RECORD_SYNOPSIS
  "\n"
  "Run SCRIPT as 'python3.11 SCRIPT ARGS...' would (or -m MODULE, -c CODE as\n"
  "'python3.11 -m' and '-c' would) and record its memory life. Options come\n"
  "before SCRIPT, -m or -c; everything after them is the program's.\n"
  "\n"
  HR_RECORD_OPTIONS;

/* What runs: python3.11 SCRIPT, -m MODULE or -c CODE. */
enum rec_kind { REC_RUN_SCRIPT = 0, REC_RUN_MODULE, REC_RUN_COMMAND };

struct rec_args {
  const char *out;        /* -o, or NULL for the default (borrowed from argv) */
  int all_frames;
  int detail;             /* enum rec_detail */
  int stack_depth;        /* 0: default */
  const char *start_mark; /* borrowed from argv */
  int paused;
  int verbose;            /* the closing line even when stderr is not a terminal */
  int kind;               /* enum rec_kind */
  const char *target;     /* SCRIPT, MODULE or CODE (borrowed from argv) */
  int follow_fork;
  int force;              /* --force: -o may replace a file that is not a trace */
  int script;             /* index in argv of SCRIPT, or of the first ARG after -m/-c's */
};

/* The one recording of this process. Touched by the main thread only (holding
** the GIL while Python runs); the progress thread uses g_progress alone. */
static struct {
  trc_writer *w;
  char *path;             /* the trace's path as given, for messages (owned) */
  char *abs;              /* the same made absolute before the program can chdir (owned) */
  int verbose;
  int kind;               /* enum rec_kind */
  char **args;            /* -m: the module's ARGS, for the end-of-run meta (borrowed) */
  int nargs;
  struct timespec t0;     /* when the script started */
  double duration_s;      /* script start to end of main, once ended */
  uint64_t end_step;
  int started;            /* the script is about to run or has run */
  int ended;              /* the atexit hook saw the end of the main script */
  int finished;           /* the trace is closed */
  int child;              /* a forked child recording into a trace of its own */
} g_run;

/* Progress on a terminal: a thread asks the main thread, through a pending
** call, to print events and size every REC_PROGRESS_EVERY_MS, on a line of
** its own: never while the program's text left a line open, and wiped
** before the program writes (rec_output.h). */
static struct {
  pthread_t thread;
  pthread_mutex_t lock;   /* protects stop */
  pthread_cond_t wake;
  int stop;
  int running;            /* main thread only */
  atomic_int queued;      /* a pending call is queued and has not run yet */
  atomic_int enabled;     /* the pending call may print */
  int shown;              /* a progress line is on the terminal (main thread only) */
} g_progress = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* ---- small helpers ------------------------------------------------------- */

static void rec_error(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;

/* s on stderr, escaped by the rule of every heapreel message (hr_term_step):
** a path or an argument cannot move the cursor or forge a line. */
static void put_safe(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t n = strlen(s); n;) {
    char esc[4];
    size_t used, k = hr_term_step(p, n, 1, esc, &used);
    fwrite(k ? esc : (const char *)p, 1, k ? k : used, stderr);
    p += used;
    n -= used;
  }
}

static void rec_error(const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fputs("heapreel: ", stderr);
  put_safe(n < 0 ? "(message lost)" : msg);
  fputc('\n', stderr);
}

/* strerror with a lowercase first letter, as heapreel's messages are. */
static const char *rec_strerror(int err, char *buf, size_t n) {
  snprintf(buf, n, "%s", strerror(err));
  if (buf[0] >= 'A' && buf[0] <= 'Z' && !(buf[1] >= 'A' && buf[1] <= 'Z')) buf[0] += 'a' - 'A';
  return buf;
}

static double elapsed_s(const struct timespec *t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The default trace path: the script's file name without its last extension,
** plus ".heapreel", in the current directory. Owned; NULL when out of memory. */
static char *default_trace_path(const char *script) {
  size_t n = strlen(script);
  while (n > 1 && script[n - 1] == '/') n--;            /* "pkg/" names "pkg" */
  size_t b = n;
  while (b > 0 && script[b - 1] != '/') b--;
  size_t e = n;
  for (size_t i = n; i > b + 1; i--)                      /* ".hidden" keeps its name */
    if (script[i - 1] == '.') { e = i - 1; break; }
  return hr_sprintf("%.*s.heapreel", (int)(e - b), script + b);
}

/* path made absolute against the current directory, without resolving
** links (the file may not exist yet); path itself when the current
** directory cannot be known. Owned; NULL when out of memory. */
static char *absolute_path(const char *path) {
  if (path[0] == '/') return hr_strdup(path);
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL) return hr_strdup(path);
  while (path[0] == '.' && path[1] == '/') path += 2;
  return hr_sprintf("%s%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/", path);
}

/* sys.argv as a JSON array: first (NULL: none; "-m", "-c" or the module's
** file) then argv's argc strings, escaped as every JSON heapreel writes:
** UTF-8 passes, each byte that is not strict UTF-8 becomes \ufffd (an
** argument is bytes, meta must stay valid JSON for json_extract). Owned;
** NULL when out of memory. */
static char *json_argv(const char *first, int argc, char **argv) {
  size_t cap = 3 + (first ? 6 * strlen(first) + 3 : 0);   /* 6: the longest escape per byte */
  for (int i = 0; i < argc; i++) cap += 6 * strlen(argv[i]) + 3;
  char *s = hr_malloc(cap), *p = s;
  if (s == NULL) return NULL;
  *p++ = '[';
  for (int i = first ? -1 : 0; i < argc; i++) {
    if (p[-1] != '[') *p++ = ',';
    *p++ = '"';
    const unsigned char *c = (const unsigned char *)(i < 0 ? first : argv[i]);
    for (size_t n = strlen((const char *)c); n;) {
      size_t used, k = hr_json_step(c, n, 0, p, &used);
      if (k == 0) memcpy(p, c, used);
      p += k ? k : used;
      c += used;
      n -= used;
    }
    *p++ = '"';
  }
  *p++ = ']';
  *p = '\0';
  return s;
}

/* The interpreter's program name: the active virtual environment's python3.11
** when there is one (so CPython finds its pyvenv.cfg and site-packages, as
** `python3.11` run inside the venv would), else Debian's python3.11. Never
** searched on PATH, whose python3.11 may be a different build. */
static char *python_program(void) {
  const char *venv = getenv("VIRTUAL_ENV");
  if (venv && *venv) {
    char *p = hr_sprintf("%s/bin/python3.11", venv);
    if (p && access(p, X_OK) == 0) return p;
    hr_free(p);
  }
  return hr_strdup(REC_SYSTEM_PYTHON);
}

/* ---- arguments ------------------------------------------------------------ */

/* Returns 0 to run, 1 when -h was answered, 2 after a usage error. The
** options are the table `heapreel record` checked them by (hr_record_opts.h). */
static int parse_args(int argc, char **argv, struct rec_args *a) {
  hr_record_args p;
  char err[320];
  int rc = hr_record_parse(argc, argv, &p, err, sizeof err);
  if (rc == HR_RECORD_HELP) {
    fputs(usage_text, stdout);
    return 1;
  }
  if (rc != HR_RECORD_RUN) {
    rec_error("%s", err);
    fputs(usage_text, stderr);
    return 2;
  }
  memset(a, 0, sizeof *a);
  a->out = p.out;
  a->all_frames = p.all_frames;
  a->detail = p.alloc ? REC_DETAIL_ALLOC : REC_DETAIL_FULL;
  a->stack_depth = p.stack_depth;
  a->start_mark = p.start_mark;
  a->paused = p.paused;
  a->verbose = p.verbose;
  a->kind = p.kind == HR_RECORD_MODULE ? REC_RUN_MODULE
          : p.kind == HR_RECORD_COMMAND ? REC_RUN_COMMAND : REC_RUN_SCRIPT;
  a->target = p.target;
  a->follow_fork = p.follow_fork;
  a->force = p.force;
  a->script = p.script;
  return 0;
}

/* ---- progress --------------------------------------------------------------- */

/* Wipe the progress line; the program is about to write to the terminal. */
static void progress_wipe(void) {
  if (g_progress.shown) {
    fputs("\r\033[K", stderr);
    g_progress.shown = 0;
  }
}

static int progress_print(void *unused) {
  atomic_store(&g_progress.queued, 0);
  if (!atomic_load(&g_progress.enabled) || g_run.w == NULL) return 0;
  if (rec_output_terminal_mid_line()) return 0;   /* the program's line stays as it is */
  /* The file as it grows: the trace and its write-ahead log. */
  struct stat st;
  uint64_t bytes = stat(g_run.abs, &st) == 0 ? (uint64_t)st.st_size : 0;
  char wal[PATH_MAX];
  snprintf(wal, sizeof wal, "%s-wal", g_run.abs);
  if (stat(wal, &st) == 0) bytes += (uint64_t)st.st_size;
  char size[32];
  hr_size_format(bytes, size, sizeof size);
  fputs("\r\033[Kheapreel: recording '", stderr);
  put_safe(g_run.path);
  fprintf(stderr, "': %llu events, %s", (unsigned long long)trc_writer_events(g_run.w), size);
  g_progress.shown = 1;
  return 0;
}

static void *progress_thread(void *unused) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  long wait_ms = REC_PROGRESS_DELAY_MS;
  pthread_mutex_lock(&g_progress.lock);
  while (!g_progress.stop) {
    t.tv_sec += wait_ms / 1000;
    t.tv_nsec += (wait_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) { t.tv_sec++; t.tv_nsec -= 1000000000L; }
    if (pthread_cond_timedwait(&g_progress.wake, &g_progress.lock, &t) == ETIMEDOUT &&
        !g_progress.stop && !_Py_IsFinalizing() && !atomic_exchange(&g_progress.queued, 1)) {
      /* Runs on the main thread with the GIL, serialised with the producer. */
      if (Py_AddPendingCall(progress_print, NULL) != 0) atomic_store(&g_progress.queued, 0);
    }
    wait_ms = REC_PROGRESS_EVERY_MS;
  }
  pthread_mutex_unlock(&g_progress.lock);
  return NULL;
}

static void progress_start(void) {
  if (!isatty(STDERR_FILENO)) return;
  /* Without seeing the program's writes, a progress line could cut its text. */
  if (rec_output_watch_terminal(progress_wipe) != HR_OK) return;
  atomic_store(&g_progress.enabled, 1);
  if (pthread_create(&g_progress.thread, NULL, progress_thread, NULL) == 0)
    g_progress.running = 1;
}

/* Stop the thread and wipe the progress line; a pending call still queued
** finds printing disabled. */
static void progress_stop(void) {
  atomic_store(&g_progress.enabled, 0);
  if (g_progress.running) {
    pthread_mutex_lock(&g_progress.lock);
    g_progress.stop = 1;
    pthread_cond_signal(&g_progress.wake);
    pthread_mutex_unlock(&g_progress.lock);
    pthread_join(g_progress.thread, NULL);
    g_progress.running = 0;
  }
  progress_wipe();
  /* After the end of main only with the GIL (rec_finish may run from exit). */
  if (Py_IsInitialized() && PyGILState_Check()) rec_output_unwatch_terminal();
}

/* ---- finishing the trace ---------------------------------------------------- */

/* Close the trace once: end-of-run meta, commit, the closing line. Returns
** HR_OK or the writer's first error (reported here). */
static int rec_finish(int exit_status) {
  if (g_run.finished || rec_fork_foreign()) return HR_OK;
  g_run.finished = 1;
  rec_crash_writer(NULL);
  progress_stop();
  if (!g_run.ended && Py_IsInitialized() && PyGILState_Check()) {
    rec_tracer_stop();
    rec_allocmode_stop();
  }
  char buf[64];
  snprintf(buf, sizeof buf, "%d", exit_status);
  trc_writer_meta(g_run.w, "exit_status", buf);
  double d = g_run.ended ? g_run.duration_s : elapsed_s(&g_run.t0);
  snprintf(buf, sizeof buf, "%.6f", d);
  trc_writer_meta(g_run.w, "duration_s", buf);
  snprintf(buf, sizeof buf, "%llu",
           (unsigned long long)(g_run.ended ? g_run.end_step : rec_tracer_step()));
  trc_writer_meta(g_run.w, "end_step", buf);
  uint64_t events = trc_writer_events(g_run.w);
  char *err = NULL;
  /* complete: the program ran to its end (normal, exception, sys.exit, Ctrl-C). */
  int status = trc_writer_close(g_run.w, g_run.ended, &err);
  g_run.w = NULL;
  if (status != HR_OK) {
    rec_error("%s", err ? err : hr_status_str(status));
    hr_free(err);
    return status;
  }
  /* Only on a terminal or when asked: a program's stderr stays its own. */
  if (!g_run.verbose && !isatty(STDERR_FILENO)) return HR_OK;
  struct stat st;
  char size[32];
  hr_size_format(stat(g_run.abs, &st) == 0 ? (uint64_t)st.st_size : 0, size, sizeof size);
  fprintf(stderr, "%sheapreel: recorded '",
          isatty(STDERR_FILENO) && rec_output_terminal_mid_line() ? "\n" : "");
  put_safe(g_run.path);
  fprintf(stderr, "': %llu events, %s\n", (unsigned long long)events, size);
  return HR_OK;
}

/* -m: once runpy found the module, its file is the program, and sys.argv[0]
** (meta argv is what sys.argv was when the module started). */
static void write_module_meta(void) {
  PyObject *m = PyImport_AddModule("__main__");           /* borrowed */
  PyObject *f = m ? PyModule_GetFilenameObject(m) : NULL;
  const char *file = f ? PyUnicode_AsUTF8(f) : NULL;
  if (file != NULL) {
    char *json = json_argv(file, g_run.nargs, g_run.args);
    if (json) trc_writer_meta(g_run.w, "argv", json);
    trc_writer_meta(g_run.w, "program", file);
    hr_free(json);
  }
  Py_XDECREF(f);
  PyErr_Clear();
}

/* sys.exit() in the script: CPython finalises, then calls exit(status). */
static void rec_on_exit(int status, void *unused) {
  /* A trace that could not be written turns success into 1, as at a
  ** normal end; the rest of exit is skipped but for stdio's buffers. */
  if (g_run.started && rec_finish(status) != HR_OK && status == 0) {
    fflush(NULL);
    _exit(1);
  }
}

/* Python's atexit runs this first thing in finalisation (after the program's
** own atexit functions, registered later, and after non-daemon threads were
** joined): the main script has ended. */
static PyObject *rec_at_exit(PyObject *self, PyObject *unused) {
  if (g_run.ended || g_run.finished) Py_RETURN_NONE;
  g_run.duration_s = elapsed_s(&g_run.t0);
  progress_stop();
  if (rec_allocmode_on()) {
    rec_allocmode_end_of_main();
  } else if (rec_region_on()) {
    rec_region_end_of_main();
  } else {
    rec_tracer_end_of_main();
    rec_tracer_stop();
  }
  g_run.end_step = rec_tracer_step();
  g_run.ended = 1;
  if (g_run.kind == REC_RUN_MODULE) write_module_meta();
  /* Py_RunMain will end the process with SIGINT without returning. */
  if (_Py_UnhandledKeyboardInterrupt) rec_finish(REC_EXIT_SIGINT);
  Py_RETURN_NONE;
}

static PyMethodDef rec_at_exit_def = {"_heapreel_end_of_main", rec_at_exit, METH_NOARGS, NULL};

/* Register rec_at_exit with Python's atexit, leaving sys.modules as the
** program would find it under python3.11 (atexit not imported). */
static int register_at_exit(void) {
  return rec_module_at_exit(&rec_at_exit_def);
}

/* ---- a forked child ------------------------------------------------------------ */

/* Inside fork(): the progress thread is the parent's alone. */
static void forked_now(void) {
  atomic_store(&g_progress.enabled, 0);
  g_progress.running = 0;
  g_progress.shown = 0;
  g_progress.stop = 0;
  pthread_mutex_init(&g_progress.lock, NULL);
  pthread_cond_init(&g_progress.wake, NULL);
}

/* The child's recording is w into path (both owned), or none: the parent's
** writer, inert here, is left alone, and the child's end finishes w only. */
static int forked_trace(trc_writer *w, char *path) {
  g_run.w = w;
  rec_crash_writer(w);
  g_run.finished = w == NULL;
  if (w == NULL) return 0;
  char *abs = hr_strdup(path);       /* path is absolute (rec_fork.c) */
  if (abs == NULL) {                  /* out of memory: the child runs unrecorded */
    rec_allocmode_stop();
    rec_crash_writer(NULL);
    trc_writer_discard(w, NULL);
    hr_free(path);
    g_run.w = NULL;
    g_run.finished = 1;
    return -1;
  }
  hr_free(g_run.path);
  hr_free(g_run.abs);
  g_run.path = path;
  g_run.abs = abs;
  g_run.ended = 0;
  g_run.child = 1;
  clock_gettime(CLOCK_MONOTONIC, &g_run.t0);
  return 0;
}

/* The program calls os._exit(status). For a multiprocessing child the
** normal end, so its trace ends as at exit. The main program skips its
** finalisation (atexit functions, the teardown of modules): its trace keeps
** everything up to the call, with the status, and says it was cut short.
** A 0 becomes 1 when the trace failed. */
static void forked_exit(int status) {
  if (g_run.child) Py_XDECREF(rec_at_exit(NULL, NULL));
  if (rec_finish(status) != HR_OK && status == 0) _exit(1);
}

static const rec_fork_host fork_host = {forked_now, forked_trace, forked_exit};

/* ---- starting --------------------------------------------------------------- */

/* Where in an ELF file its .rodata section lies (byte offset and size), or
** 0 when fd is not a 64-bit ELF file with one. The build's date and time
** are string literals there; a program without section headers is searched
** whole. */
static int rodata_of(int fd, off_t file_size, off_t *off, size_t *size) {
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof eh, 0) != (ssize_t)sizeof eh || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
      eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr) ||
      eh.e_shnum == 0 || eh.e_shnum > 4096 || eh.e_shstrndx >= eh.e_shnum ||
      eh.e_shoff > (uint64_t)file_size)
    return 0;
  size_t n = eh.e_shnum;
  Elf64_Shdr *sh = hr_malloc(n * sizeof *sh);
  if (sh == NULL) return 0;
  int found = 0;
  if (pread(fd, sh, n * sizeof *sh, (off_t)eh.e_shoff) == (ssize_t)(n * sizeof *sh)) {
    const Elf64_Shdr *names = &sh[eh.e_shstrndx];
    for (size_t i = 0; i < n && !found; i++) {
      char name[8];
      if (sh[i].sh_type != SHT_PROGBITS || sh[i].sh_name >= names->sh_size ||
          pread(fd, name, sizeof name, (off_t)(names->sh_offset + sh[i].sh_name)) != (ssize_t)sizeof name ||
          memcmp(name, ".rodata", sizeof name) != 0 ||
          sh[i].sh_offset > (uint64_t)file_size || sh[i].sh_size > (uint64_t)file_size - sh[i].sh_offset)
        continue;
      *off = (off_t)sh[i].sh_offset;
      *size = (size_t)sh[i].sh_size;
      found = *size > 0;
    }
  }
  hr_free(sh);
  return found;
}

/* Both NUL-terminated literals in [off, off + size) of fd; -1 when it
** cannot be read. */
static int literals_in(int fd, off_t off, size_t size, const char *a, const char *b) {
  long page = sysconf(_SC_PAGESIZE);
  off_t start = off - off % (page > 0 ? page : 4096);
  size_t len = size + (size_t)(off - start);
  void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, start);
  if (map == MAP_FAILED) return -1;
  const char *p = (const char *)map + (off - start);
  int same = memmem(p, size, a, strlen(a) + 1) != NULL && memmem(p, size, b, strlen(b) + 1) != NULL;
  munmap(map, len);
  return same;
}

/* The core recorded programs run must be the build of the python3.11 they
** stand in for (Debian's, or the active venv's), or they may compute
** something else (a recorder built before an `apt-get upgrade` kept an old
** re module's bug). Refused before anything runs, when:
**  - the libpython3.11 loaded is another upstream version than the headers
**    heapreel-record was compiled with (it reads CPython's internal
**    structures);
**  - that python3.11 program is not of the build the core comes from.
**    Debian's python3.11 is statically linked, not a user of
**    libpython3.11.so, but both are made in one package build and carry its
**    date and time (Py_GetBuildInfo: "main, Oct  7 2026, 12:35:07") as two
**    string literals; another build of the program lacks them. They are
**    looked for in its .rodata section, where they lie near the start (a
**    few kB read); only when they are not there is the whole program
**    searched (6.8 MB, about 1 ms of CPU and 100 page faults).
** Returns 0 to go on, or the exit status. */
static int check_python_build(void) {
  if (Py_Version != PY_VERSION_HEX) {
    rec_error("heapreel-record was built for Python " PY_VERSION " but runs libpython3.11 "
              "%lu.%lu.%lu: rebuild heapreel", (Py_Version >> 24) & 0xff,
              (Py_Version >> 16) & 0xff, (Py_Version >> 8) & 0xff);
    return 1;
  }
  /* "gitid[:revision], DATE, TIME": the last two fields. */
  const char *info = Py_GetBuildInfo();
  const char *t = strrchr(info, ',');
  const char *d = t;
  while (d && d > info && d[-1] != ',') d--;
  if (t == NULL || d == NULL || d == info) return 0;      /* not a layout we know */
  char date[32], hms[32];
  snprintf(date, sizeof date, "%.*s", (int)(t - d), d + (d[0] == ' '));
  snprintf(hms, sizeof hms, "%s", t + 1 + (t[1] == ' '));
  if (date[0] && date[strlen(date) - 1] == ',') date[strlen(date) - 1] = '\0';
  char *program = python_program();
  if (program == NULL) return 0;
  int fd = open(program, O_RDONLY | O_CLOEXEC);
  struct stat st;
  int same = -1;                  /* -1: nothing to compare with, python3.11 runs as it is */
  if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
    off_t off;
    size_t size;
    if (rodata_of(fd, st.st_size, &off, &size)) same = literals_in(fd, off, size, date, hms);
    if (same != 1) same = literals_in(fd, 0, (size_t)st.st_size, date, hms);
  }
  if (fd >= 0) close(fd);
  if (same == 0)
    rec_error("'%s' is not the build of Python %s (%s %s) heapreel-record runs: rebuild "
              "heapreel against it (python3.11 upgraded since?)", program, PY_VERSION, date, hms);
  hr_free(program);
  return same == 0 ? 1 : 0;
}

/* Fail before anything runs when the script cannot be opened, as python3.11
** does (its status 2), with heapreel's own message. */
static int check_script(const char *script) {
  int fd = open(script, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    char e[128];
    rec_error("cannot open script '%s': %s", script, rec_strerror(errno, e, sizeof e));
    return REC_EXIT_NO_SCRIPT;
  }
  close(fd);
  return 0;
}

/* Configure and start CPython as `python3.11 SCRIPT ARGS...` (or -m MODULE,
** -c CODE) would start. */
static int init_python(int argc, char **argv, const struct rec_args *a) {
  char *program = python_program();
  int nscript = argc - a->script;
  /* A script named like an option needs "--" to stay the script. */
  int dashdash = a->kind == REC_RUN_SCRIPT && argv[a->script][0] == '-';
  char **pyargv = hr_calloc((size_t)nscript + 4, sizeof *pyargv);
  if (program == NULL || pyargv == NULL) {
    hr_free(program);
    hr_free(pyargv);
    rec_error("cannot start python3.11: out of memory");
    return HR_ENOMEM;
  }
  int n = 0;
  pyargv[n++] = "python3.11";
  if (dashdash) pyargv[n++] = "--";
  if (a->kind != REC_RUN_SCRIPT) {
    pyargv[n++] = a->kind == REC_RUN_MODULE ? "-m" : "-c";
    pyargv[n++] = (char *)a->target;
  }
  for (int i = a->script; i < argc; i++) pyargv[n++] = argv[i];

  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.parse_argv = 1;
  PyStatus st = PyConfig_SetBytesString(&config, &config.program_name, program);
  if (!PyStatus_Exception(st)) st = PyConfig_SetBytesArgv(&config, n, pyargv);
  if (!PyStatus_Exception(st)) st = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  hr_free(pyargv);
  hr_free(program);
  if (PyStatus_Exception(st)) {
    rec_error("cannot start python3.11: %s",
              st.err_msg ? st.err_msg : PyStatus_IsExit(st) ? "it asked to exit" : "unknown error");
    return HR_EPYTHON;
  }
  return HR_OK;
}

/* Facts known before the script runs, so even a killed trace has them. */
/* For -m and -c, sys.argv as python3.11 starts them: "-m" or "-c" then the
** ARGS; runpy puts the module's file in place of "-m" (written at the end). */
static int write_start_meta(int argc, char **argv, const struct rec_args *a) {
  const char *first = a->kind == REC_RUN_SCRIPT ? NULL : a->kind == REC_RUN_MODULE ? "-m" : "-c";
  char *json = json_argv(first, argc - a->script, argv + a->script);
  if (json == NULL) return HR_ENOMEM;
  trc_writer_meta(g_run.w, "argv", json);
  hr_free(json);
  /* -m: the module's name until its file is known; -c: "-c". */
  trc_writer_meta(g_run.w, "program", a->kind == REC_RUN_COMMAND ? "-c" : a->target);
  trc_writer_meta(g_run.w, "python_version", Py_GetVersion());
  trc_writer_meta(g_run.w, "detail", a->detail == REC_DETAIL_ALLOC ? "alloc" : "full");
  trc_writer_meta(g_run.w, "all_frames", a->all_frames ? "1" : "0");
  trc_writer_meta(g_run.w, "recorder", "heapreel " HEAPREEL_VERSION);
  /* Committed before the script runs: a trace cut short still says what ran. */
  return trc_writer_sync(g_run.w);
}

/* Everything between a running interpreter and the script's first line. On
** failure the message is printed and the new trace removed. */
static int start_recording(const struct rec_args *a, int argc, char **argv) {
  /* The main module's file as its code objects name it: -c's is "<string>",
  ** -m's is known once runpy found it (NULL: ask __main__). */
  const char *script = a->kind == REC_RUN_SCRIPT ? a->target
                     : a->kind == REC_RUN_COMMAND ? "<string>" : NULL;
  PyObject *main_mod = PyImport_AddModule("__main__");   /* borrowed */
  rec_options opt = {.all_frames = a->all_frames, .detail = a->detail, .script = script,
                     .stack_depth = a->stack_depth, .start_mark = a->start_mark,
                     .paused = a->paused,
                     .main_globals = main_mod ? PyModule_GetDict(main_mod) : NULL,
                     .command = a->kind == REC_RUN_COMMAND ? a->target : NULL};
  PyErr_Clear();
  char *err = NULL, depth[16];
  int status = write_start_meta(argc, argv, a);
  if (status == HR_OK && (register_at_exit() < 0 || on_exit(rec_on_exit, NULL) != 0)) {
    if (PyErr_Occurred()) PyErr_Print();
    err = hr_strdup("cannot install the end-of-run hook");
    status = HR_EPYTHON;
  }
  if (status == HR_OK && a->detail == REC_DETAIL_ALLOC) {
    snprintf(depth, sizeof depth, "%d", a->stack_depth ? a->stack_depth : 8);
    trc_writer_meta(g_run.w, "stack_depth", depth);
    if (a->start_mark) trc_writer_meta(g_run.w, "start_at_mark", a->start_mark);
    status = rec_allocmode_start(g_run.w, &opt, &err);
  } else if (status == HR_OK && (a->start_mark || a->paused)) {
    /* The stacks of objects made outside the regions (rec_origin.h). */
    snprintf(depth, sizeof depth, "%d", a->stack_depth ? a->stack_depth : 8);
    trc_writer_meta(g_run.w, "stack_depth", depth);
    if (a->start_mark) trc_writer_meta(g_run.w, "start_at_mark", a->start_mark);
    status = rec_region_open(g_run.w, &opt, &err);
  } else if (status == HR_OK) {
    status = rec_tracer_start(g_run.w, &opt, &err);
  }
  if (status == HR_OK) status = rec_fork_start(&fork_host, g_run.w, g_run.abs, a->follow_fork, &err);
  if (status == HR_OK && rec_crash_start() != HR_OK) {
    err = hr_strdup("cannot install the fatal signal handlers");
    status = HR_EPYTHON;
  }
  if (status == HR_OK) {
    rec_crash_writer(g_run.w);
    return HR_OK;
  }
  rec_tracer_stop();
  rec_allocmode_stop();
  char *werr = NULL;
  trc_writer_discard(g_run.w, &werr);    /* a writer failure explains itself best */
  g_run.w = NULL;
  g_run.finished = 1;
  if (werr) rec_error("%s", werr);
  else rec_error("cannot start recording '%s': %s", a->target, err ? err : hr_status_str(status));
  hr_free(werr);
  hr_free(err);
  return status;
}

int main(int argc, char **argv) {
  struct rec_args a;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc == 1 ? 0 : 2;
  if ((rc = check_python_build()) != 0) return rc;
  if (a.kind == REC_RUN_SCRIPT && (rc = check_script(a.target)) != 0) return rc;

  g_run.verbose = a.verbose;
  g_run.kind = a.kind;
  g_run.args = argv + a.script;
  g_run.nargs = argc - a.script;
  g_run.path = a.out ? hr_strdup(a.out)
             : a.kind == REC_RUN_SCRIPT ? default_trace_path(a.target)
             : a.kind == REC_RUN_MODULE ? hr_sprintf("%s.heapreel", a.target)
             : hr_strdup("c.heapreel");
  g_run.abs = g_run.path ? absolute_path(g_run.path) : NULL;
  if (g_run.abs == NULL) { rec_error("out of memory"); return 1; }
  char *err = NULL;
  /* Before anything is created: the path must be free, empty or a trace. */
  if (trc_target_check(g_run.path, a.kind == REC_RUN_SCRIPT ? a.target : NULL, a.force, &err) !=
      HR_OK) {
    rec_error("%s", err ? err : "cannot write the trace");
    hr_free(err);
    hr_free(g_run.path);
    hr_free(g_run.abs);
    return 2;
  }
  /* Opening replaces an existing trace only once the new file is ready. */
  trc_writer_options wopt = {0};
  if (a.detail == REC_DETAIL_ALLOC) rec_allocmode_writer_options(&wopt);
  /* The absolute path: the program may chdir before the trace is closed. */
  if (trc_writer_open(g_run.abs, &wopt, &g_run.w, &err) != HR_OK) {
    rec_error("%s", err ? err : "cannot create trace");
    hr_free(err);
    hr_free(g_run.path);
    hr_free(g_run.abs);
    return 1;
  }
  if (PyImport_AppendInittab("heapreel", rec_module_init) < 0 ||
      init_python(argc, argv, &a) != HR_OK) {
    trc_writer_discard(g_run.w, NULL);  /* the recording never started */
    hr_free(g_run.path);
    hr_free(g_run.abs);
    return 1;
  }
  /* Before the recording starts: its hook on the program's text is the
  ** recorder's own setup, not part of the program's run. */
  progress_start();
  if (start_recording(&a, argc, argv) != HR_OK) {
    progress_stop();
    Py_FinalizeEx();
    hr_free(g_run.path);
    hr_free(g_run.abs);
    return 1;
  }
  g_run.started = 1;
  clock_gettime(CLOCK_MONOTONIC, &g_run.t0);

  int status = Py_RunMain();          /* ends the process itself on sys.exit and Ctrl-C */

  if (rec_finish(status) != HR_OK && status == 0) status = 1;
  hr_free(g_run.path);
  hr_free(g_run.abs);
  return status;
}
