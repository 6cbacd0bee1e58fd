/* cli_steps.c — `heapreel steps`: the steps of a trace with their source lines. */
#include <stdio.h>
#include <string.h>

#include "ana_region.h"
#include "ana_steps.h"
#include "hr_mem.h"
#include "ana_threads.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_json.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel steps [--from <point>] [--to <point>] [--line <l>] [--json] <trace>\n"
  "\n"
  "    --from <point>  start at step <point>: a step number, a mark's label (the step\n"
  "                    it was made at), 'start' or 'end' (default 1)\n"
  "    --to <point>    stop after step <point> (default the last step)\n"
  "    --line <l>    only steps at line <l> of the main script\n"
  "    --json        print {format, steps} as JSON, steps an array of {step, thread,\n"
  "                  thread_no, depth, function, file, line, source}: thread is the\n"
  "                  recorded ident, thread_no the number the text shows (1 the main\n"
  "                  thread, 2, ... in order of appearance)\n";

struct out {
  int json;
  cli_json j;
  uint64_t rows;
  ana_threads threads;
  ana_region *regions;     /* a trace recorded in regions: its regions (owned) */
  size_t nregions, next;   /* next: the first region whose start is not passed yet */
  uint64_t prev;           /* the step printed last (0: none) */
};

/* Between two regions the program ran untraced: one line says so where
** the listing goes from one region into the next. */
static void region_gap(struct out *o, uint64_t step) {
  int gap = 0;
  while (o->next < o->nregions && step > o->regions[o->next].from_step) {
    if (o->next > 0 && o->prev && o->prev <= o->regions[o->next].from_step) gap = 1;
    o->next++;
  }
  if (gap) puts("         -- between regions: the program ran here, not recorded --");
  o->prev = step;
}

static int row_cb(void *ctx, const ana_step_row *r) {
  struct out *o = ctx;
  o->rows++;
  if (o->json) {
    cli_json *j = &o->j;
    cli_json_begin_object(j);
    cli_json_key(j, "step"); cli_json_uint(j, r->step);
    cli_json_key(j, "thread"); cli_json_uint(j, r->thread);
    cli_json_key(j, "thread_no"); cli_json_uint(j, ana_threads_number(&o->threads, r->thread));
    cli_json_key(j, "depth"); cli_json_uint(j, r->depth);
    cli_json_key(j, "function"); cli_json_string(j, r->loc.function);
    cli_json_key(j, "file"); cli_json_string(j, r->loc.file);
    cli_json_key(j, "line"); cli_json_uint(j, r->loc.line);
    cli_json_key(j, "source"); cli_json_string(j, r->source);
    cli_json_end_object(j);
    return 0;
  }
  if (o->nregions) region_gap(o, r->step);
  printf("%8llu %3llu %5u  ", (unsigned long long)r->step,
         (unsigned long long)ana_threads_number(&o->threads, r->thread), r->depth);
  for (uint32_t d = 0; d < r->depth && d < 40; d++) fputs("  ", stdout);
  cli_put_safe(stdout, r->loc.function);
  fputs("  ", stdout);
  cli_put_safe(stdout, r->loc.file);
  printf(":%u", r->loc.line);
  if (r->source) {
    fputs("  | ", stdout);
    cli_put_safe(stdout, r->source);
  }
  fputc('\n', stdout);
  return 0;
}

struct steps_args {
  uint64_t from, to;
  uint64_t line;
  int has_from, has_to, json;
  const char *from_text, *to_text;   /* borrowed from argv: a point, resolved on the trace */
  const char *path;
};

enum { OPT_JSON = 1, OPT_FROM, OPT_TO, OPT_LINE };
static const hr_opt options[] = {
  {"from", 0, 1, OPT_FROM, "a step or a mark"},
  {"to", 0, 1, OPT_TO, "a step or a mark"},
  {"line", 0, 1, OPT_LINE, "a number"},
  {"json", 0, 0, OPT_JSON, NULL},
  {NULL, 0, 0, 0, NULL},
};

static int parse_args(int argc, char **argv, struct steps_args *a) {
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  int id;
  while ((id = cli_opts_next(&o, usage)) > 0) {
    if (id == OPT_JSON) { a->json = 1; continue; }
    if (id == OPT_FROM) { a->has_from = 1; a->from_text = o.arg; continue; }
    if (id == OPT_TO) { a->has_to = 1; a->to_text = o.arg; continue; }
    if (hr_parse_u64(o.arg, 1, UINT32_MAX, &a->line))
      return cli_usage_error(usage, "option '%s' needs a positive number, not '%s'", o.name, o.arg);
  }
  if (id < 0) return CLI_USAGE;
  if (cli_opts_operands(&o, usage, &a->path, 1) < 0) return CLI_USAGE;
  if (!a->path) return cli_usage_error(usage, "no trace given");
  return CLI_OK;
}

/* --from and --to as steps: a number as it is (0 is refused), a mark as
** the step it was made at, start as 1 and end as the last step. Returns
** CLI_OK or the exit status, with the message printed. */
static int resolve_range(ana_trace *t, struct steps_args *a, uint64_t last) {
  const char *texts[2] = {a->from_text, a->to_text};
  uint64_t *steps[2] = {&a->from, &a->to};
  for (int i = 0; i < 2; i++) {
    if (!texts[i]) continue;
    uint64_t n;
    if (strspn(texts[i], "0123456789") == strlen(texts[i]) && hr_parse_u64(texts[i], 1, UINT64_MAX, &n)) {
      cli_error("option '--%s' needs a step from 1, a mark, 'start' or 'end', not '%s'",
                i ? "to" : "from", texts[i]);
      return CLI_USAGE;
    }
    ana_point p;
    int rc = cli_ana_point(t, texts[i], &p);
    if (rc != CLI_OK) return rc;
    *steps[i] = p.kind == ANA_POINT_START ? 1 : p.step ? p.step : last;
  }
  if (a->has_from && a->has_to && a->from > a->to) {
    cli_error("--from %s (step %llu) is after --to %s (step %llu)", a->from_text,
              (unsigned long long)a->from, a->to_text, (unsigned long long)a->to);
    return CLI_USAGE;
  }
  return CLI_OK;
}

int cli_steps(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  struct steps_args a = {1, 0, 0, 0, 0, 0, NULL, NULL, NULL};
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  ana_trace *t = cli_ana_open(a.path);
  if (!t) return CLI_FAIL;
  if (cli_ana_needs_full(t, "steps")) {
    ana_trace_free(t);
    return CLI_FAIL;
  }
  uint64_t last = trc_reader_last_step(ana_trace_reader(t));
  if ((rc = resolve_range(t, &a, last)) != CLI_OK) {
    ana_trace_free(t);
    return rc;
  }
  if (a.from > last) {
    cli_error("step %llu is out of range (steps are 1 to %llu)", (unsigned long long)a.from,
              (unsigned long long)last);
    ana_trace_free(t);
    return CLI_FAIL;
  }
  uint64_t first;
  if (a.line && (rc = ana_trace_line_step(t, (uint32_t)a.line, 1, &first)) != HR_OK) {
    rc = cli_ana_fail(t, rc);
    ana_trace_free(t);
    return rc;
  }
  struct out o;
  memset(&o, 0, sizeof o);
  o.json = a.json;
  if (!o.json && ana_region_traced(t) && (o.nregions = ana_region_list(t, NULL, 0)) != 0) {
    o.regions = hr_calloc(o.nregions, sizeof *o.regions);
    o.nregions = o.regions ? ana_region_list(t, o.regions, o.nregions) : 0;
  }
  if ((rc = ana_threads_load(t, &o.threads)) != HR_OK) {
    rc = cli_ana_fail(t, rc);
    hr_free(o.regions);
    ana_trace_free(t);
    return rc;
  }
  if (o.json) {
    cli_json_init(&o.j, stdout, 2);
    cli_json_begin_document(&o.j);
    cli_json_key(&o.j, "steps");
    cli_json_begin_array(&o.j);
  }
  rc = ana_steps_each(t, a.from, a.to, (uint32_t)a.line, row_cb, &o);
  if (o.json) {
    cli_json_end_array(&o.j);
    cli_json_end_object(&o.j);
    cli_json_finish(&o.j);
  }
  if (rc) rc = cli_ana_fail(t, rc);
  ana_threads_reset(&o.threads);
  hr_free(o.regions);
  ana_trace_free(t);
  return cli_end_output(rc);
}
