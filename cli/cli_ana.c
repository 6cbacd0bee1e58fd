/* cli_ana.c — helpers shared by the analysis subcommands. */
#include "cli_ana.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ana_point.h"
#include "ana_stacks.h"
#include "cli.h"
#include "cli_out.h"
#include "hr_mem.h"
#include "hr_status.h"

/* Notes always go to stderr; progress only when stderr is a terminal. */
static void print_note(void *ctx, const char *msg, int is_progress) {
  if (is_progress && !isatty(STDERR_FILENO)) return;
  if (is_progress) cli_say("%s", msg);
  else cli_note("%s", msg);
}

ana_trace *cli_ana_open(const char *path) {
  ana_trace *t = NULL;
  char *err = NULL;
  int rc = ana_trace_open(path, &t, &err);
  if (rc) {
    cli_error("cannot open trace '%s': %s", path, err ? err : hr_status_str(rc));
    hr_free(err);
    return NULL;
  }
  ana_trace_set_note_fn(t, print_note, NULL);
  const char *open_note = trc_reader_note(ana_trace_reader(t));
  if (open_note) print_note(NULL, open_note, 0);
  /* For tests: keyframes on a small trace. */
  const char *every = getenv("HEAPREEL_KEYFRAME_EVERY");
  uint64_t n;
  if (every && cli_parse_u64(every, &n) == 0 && n) ana_trace_set_keyframe_every(t, n);
  /* The opt-out of the keyframe cache: the trace file is never written. */
  const char *nocache = getenv("HEAPREEL_NO_CACHE");
  if (nocache && *nocache && strcmp(nocache, "0") != 0) ana_trace_set_cache(t, 0);
  if (!trc_reader_complete(ana_trace_reader(t))) cli_set_incomplete(path);
  return t;
}

int cli_ana_needs_full(ana_trace *t, const char *what) {
  if (!ana_trace_is_alloc(t)) return 0;
  cli_error("%s needs a full recording (--detail full): '%s' was recorded with --detail alloc, "
            "which keeps allocations, frees and stacks, and references only at the end of the "
            "main script", what, ana_trace_path(t));
  return 1;
}

int cli_ana_fail(ana_trace *t, int status) {
  const char *why = t ? ana_trace_errmsg(t) : "";
  cli_error("%s", why && *why ? why : hr_status_str(status));
  return CLI_FAIL;
}

int cli_parse_u64(const char *s, uint64_t *v) {
  return hr_parse_u64(s, 0, UINT64_MAX, v);
}

void cli_put_safe(FILE *out, const char *s) {
  cli_out o;
  cli_out_init(&o, out);
  cli_out_safe(&o, s);
  cli_out_flush(&o);
}

enum { OPT_JSON = 1, OPT_ALL, OPT_PLOT };

int cli_ana_parse(int argc, char **argv, const char *usage, int accepts, cli_ana_args *a) {
  const hr_opt all[] = {
    {"json", 0, 0, OPT_JSON, NULL},
    {"all", 0, 0, OPT_ALL, NULL},
    {"plot", 0, 1, OPT_PLOT, "a file"},
    {NULL, 0, 0, 0, NULL},
  };
  /* The table holds what this command accepts, in the same order. */
  hr_opt table[4];
  int n = 0;
  table[n++] = all[0];
  if (accepts & CLI_ANA_ALL) table[n++] = all[1];
  if (accepts & CLI_ANA_PLOT) table[n++] = all[2];
  table[n] = all[3];
  memset(a, 0, sizeof *a);
  hr_opts o;
  hr_opts_init(&o, argc, argv, table, 0);
  int id;
  while ((id = cli_opts_next(&o, usage)) > 0) {
    if (id == OPT_JSON) a->json = 1;
    else if (id == OPT_ALL) a->all = 1;
    else a->plot = o.arg;
  }
  if (id < 0) return CLI_USAGE;
  if (cli_opts_operands(&o, usage, &a->path, 1) < 0) return CLI_USAGE;
  if (!a->path) return cli_usage_error(usage, "no trace given");
  return CLI_OK;
}

int cli_ana_point(ana_trace *t, const char *text, ana_point *p) {
  /* A step number is parsed as every number on the command line: one out
  ** of range is a usage error, not the label of a mark nobody made. */
  uint64_t n;
  if (text && *text && strspn(text, "0123456789") == strlen(text) && cli_parse_u64(text, &n)) {
    cli_error("'%s' is not a step number (out of range), a mark, 'start' or 'end'", text);
    return CLI_USAGE;
  }
  int rc = ana_point_resolve(t, text, p);
  if (rc == HR_OK) return CLI_OK;
  cli_ana_fail(t, rc);
  return rc == HR_EUSAGE ? CLI_USAGE : CLI_FAIL;
}

int cli_ana_range(ana_trace *t, const char *usage, const char *from, const char *to, ana_point *a,
                  ana_point *b) {
  int rc = cli_ana_point(t, from, a);
  if (rc == CLI_OK) rc = cli_ana_point(t, to, b);
  if (rc == CLI_OK && a->seq > b->seq)
    rc = cli_usage_error(usage, "--from '%s' comes after --to '%s' in the run", from, to);
  return rc;
}

void cli_ana_json_point(cli_json *j, const ana_point *p) {
  static const char *const kinds[] = {NULL, "step", "mark", "start", "end"};
  cli_json_begin_object(j);
  cli_json_key(j, "point"); cli_json_string(j, p->label);
  cli_json_key(j, "kind"); cli_json_string(j, kinds[p->kind]);
  cli_json_key(j, "seq"); cli_json_uint(j, p->seq);
  cli_json_key(j, "step");
  if (p->step) cli_json_uint(j, p->step); else cli_json_null(j);
  cli_json_end_object(j);
}

void cli_ana_put_point(FILE *out, const ana_point *p) {
  switch (p->kind) {
  case ANA_POINT_STEP: fprintf(out, "before step %llu", (unsigned long long)p->step); break;
  case ANA_POINT_MARK:
    fputs("mark '", out);
    cli_put_safe(out, p->kind == ANA_POINT_MARK && strncmp(p->label, "mark:", 5) == 0 ? p->label + 5 : p->label);
    fputc('\'', out);
    if (p->step) fprintf(out, " (step %llu)", (unsigned long long)p->step);
    break;
  case ANA_POINT_START: fputs("the start", out); break;
  default: fputs("the end of the main script", out); break;
  }
}
