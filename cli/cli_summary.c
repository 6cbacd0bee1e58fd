/* cli_summary.c — `heapreel summary`: the one-screen answer about a trace. */
#include <stdio.h>
#include <string.h>

#include "ana_region.h"
#include "ana_summary.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"
#include "hr_mem.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel summary [--json] <trace>\n"
  "\n"
  "    --json    print the summary as one JSON object\n"
  "\n"
  "Objects alive \"at the end\" are those alive when the main script ended (the\n"
  "mark \"end\"), before interpreter teardown; without that mark, at the end of\n"
  "the trace. They count every object allocated while recording, the import\n"
  "machinery's at start-up included (objects_alive_at_end_scope \"all\"); `leaks`\n"
  "counts only what a frame of the program made.\n";

/* A trace recorded in regions: its regions (owned; n 0 for any other trace). */
struct regions {
  ana_region *v;
  size_t n;
  int traced;
};

static void regions_load(ana_trace *t, struct regions *r) {
  memset(r, 0, sizeof *r);
  if (!(r->traced = ana_region_traced(t))) return;
  size_t n = ana_region_list(t, NULL, 0);
  if (n && (r->v = hr_calloc(n, sizeof *r->v)) != NULL) r->n = ana_region_list(t, r->v, n);
}

static void print_json(const ana_summary *s, const struct regions *r) {
  cli_json j;
  cli_json_init(&j, stdout, 1);
  cli_json_begin_document(&j);
  cli_json_key(&j, "program"); cli_json_string(&j, s->program);
  cli_json_key(&j, "argv");
  if (s->argv) {
    cli_json_begin_array(&j);
    for (size_t i = 0; i < s->argc; i++) cli_json_string(&j, s->argv[i]);
    cli_json_end_array(&j);
  } else {
    cli_json_null(&j);
  }
  cli_json_key(&j, "python_version"); cli_json_string(&j, s->python_version);
  cli_json_key(&j, "detail"); cli_json_string(&j, s->detail);
  cli_json_key(&j, "complete"); cli_json_bool(&j, s->complete);
  cli_json_key(&j, "gap"); cli_json_string(&j, s->gap);
  cli_json_key(&j, "exit_status");
  if (s->has_exit_status) cli_json_int(&j, s->exit_status); else cli_json_null(&j);
  cli_json_key(&j, "duration_s");
  if (s->has_duration) cli_json_double(&j, s->duration_s); else cli_json_null(&j);
  cli_json_key(&j, "steps"); cli_json_uint(&j, s->steps);
  cli_json_key(&j, "events"); cli_json_uint(&j, s->events);
  cli_json_key(&j, "objects_allocated"); cli_json_uint(&j, s->objects_allocated);
  cli_json_key(&j, "objects_freed"); cli_json_uint(&j, s->objects_freed);
  cli_json_key(&j, "objects_alive_at_end"); cli_json_uint(&j, s->objects_alive_at_end);
  cli_json_key(&j, "objects_alive_at_end_scope"); cli_json_string(&j, "all");
  cli_json_key(&j, "objects_tracked"); cli_json_uint(&j, s->objects_tracked);
  cli_json_key(&j, "end_is_mark"); cli_json_bool(&j, s->end_is_mark);
  cli_json_key(&j, "peak_bytes"); cli_json_uint(&j, s->peak_bytes);
  cli_json_key(&j, "peak_step");
  /* An alloc trace's step numbers count allocation sites: no step to name. */
  if (s->peak_step && !s->alloc_detail) cli_json_uint(&j, s->peak_step); else cli_json_null(&j);
  /* Line 0: no Python line ran yet (the start-up compiling the script). */
  int placed = s->peak_step && s->peak_loc.line;
  cli_json_key(&j, "peak_file"); cli_json_string(&j, placed ? s->peak_loc.file : NULL);
  cli_json_key(&j, "peak_line");
  if (placed) cli_json_uint(&j, s->peak_loc.line); else cli_json_null(&j);
  cli_json_key(&j, "gc_runs"); cli_json_uint(&j, s->gc_runs);
  cli_json_key(&j, "gc_collected"); cli_json_uint(&j, s->gc_collected);
  cli_json_key(&j, "marks"); cli_json_uint(&j, s->marks);
  cli_json_key(&j, "exceptions_unhandled"); cli_json_uint(&j, s->exceptions_unhandled);
  cli_json_key(&j, "trace_bytes"); cli_json_uint(&j, s->trace_bytes);
  cli_json_key(&j, "bytes_per_event"); cli_json_double(&j, s->bytes_per_event);
  /* [first step, last step] of each region; null for a trace without regions. */
  cli_json_key(&j, "regions");
  if (r->traced) {
    cli_json_begin_array(&j);
    for (size_t i = 0; i < r->n; i++) {
      cli_json_begin_array(&j);
      cli_json_uint(&j, r->v[i].from_step + 1);
      if (r->v[i].to_step == UINT64_MAX) cli_json_null(&j); else cli_json_uint(&j, r->v[i].to_step);
      cli_json_end_array(&j);
    }
    cli_json_end_array(&j);
  } else {
    cli_json_null(&j);
  }
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_row(const char *label) { printf("%-13s", label); }

static void print_text(const ana_summary *s, const struct regions *r) {
  print_row("program");
  if (s->argv && s->argc) {
    for (size_t i = 0; i < s->argc; i++) {
      if (i) fputc(' ', stdout);
      cli_put_safe(stdout, s->argv[i]);
    }
  } else {
    cli_put_safe(stdout, s->program ? s->program : "?");
  }
  fputc('\n', stdout);
  print_row("python");
  cli_put_safe(stdout, s->python_version ? s->python_version : "?");
  fputc('\n', stdout);
  print_row("complete");
  if (!s->complete) {
    puts("no (the recording was cut short)");
  } else if (s->gap) {
    /* The program ran to its end, but part of it was not seen. */
    fputs("yes, with a gap: ", stdout);
    cli_put_safe(stdout, s->gap);
    fputc('\n', stdout);
  } else {
    puts("yes");
  }
  print_row("exit status");
  if (s->has_exit_status) printf("%ld\n", s->exit_status); else puts("unknown");
  print_row("duration");
  if (s->has_duration) printf("%.3f s\n", s->duration_s); else puts("unknown");
  print_row("steps");
  if (s->alloc_detail) puts("0 (alloc detail: allocations and frees, no per-instruction steps)");
  else printf("%llu\n", (unsigned long long)s->steps);
  if (r->traced) {
    /* Nothing silent: the run between the regions was not seen. */
    print_row("regions");
    printf("%zu in full detail", r->n);
    for (size_t i = 0; i < r->n && i < 8; i++) {
      printf("%s%llu-", i ? ", " : " (steps ", (unsigned long long)r->v[i].from_step + 1);
      if (r->v[i].to_step != UINT64_MAX) printf("%llu", (unsigned long long)r->v[i].to_step);
    }
    printf("%s%s; the program ran untraced outside them\n", r->n > 8 ? ", ..." : "", r->n ? ")" : "");
  }
  print_row("events");
  printf("%llu\n", (unsigned long long)s->events);
  print_row("objects");
  printf("%llu allocated, %llu freed, %llu alive at the end of %s\n",
         (unsigned long long)s->objects_allocated, (unsigned long long)s->objects_freed,
         (unsigned long long)s->objects_alive_at_end,
         s->end_is_mark ? "the main script" : "the trace");
  /* Counted from the allocation events alone (fast at any length), so the
  ** start-up's objects are in; leaks replays the heap to tell them apart. */
  print_row("");
  puts("(all allocations while recording, start-up's included; `leaks` counts the program's)");
  print_row("peak");
  if (s->peak_step) {
    if (s->alloc_detail) printf("%llu bytes (", (unsigned long long)s->peak_bytes);
    else printf("%llu bytes at step %llu (", (unsigned long long)s->peak_bytes,
                (unsigned long long)s->peak_step);
    if (s->peak_loc.line) {
      cli_put_safe(stdout, s->peak_loc.file);
      printf(":%u)\n", s->peak_loc.line);
    } else {
      puts(CLI_HEAP_NO_LINE ")");
    }
  } else {
    puts("unknown (no memory events)");
  }
  print_row("gc");
  printf("%llu run%s, %llu object%s collected\n", (unsigned long long)s->gc_runs,
         s->gc_runs == 1 ? "" : "s", (unsigned long long)s->gc_collected,
         s->gc_collected == 1 ? "" : "s");
  print_row("trace");
  printf("%llu bytes, %.2f bytes/event\n", (unsigned long long)s->trace_bytes, s->bytes_per_event);
}

int cli_summary(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  cli_ana_args a;
  if (cli_ana_parse(argc, argv, usage, 0, &a) != CLI_OK) return CLI_USAGE;
  ana_trace *t = cli_ana_open(a.path);
  if (!t) return CLI_FAIL;
  ana_summary s;
  int rc = ana_summary_compute(t, &s);
  if (rc) {
    ana_summary_reset(&s);
    rc = cli_ana_fail(t, rc);
    ana_trace_free(t);
    return rc;
  }
  struct regions r;
  regions_load(t, &r);
  if (a.json) print_json(&s, &r);
  else print_text(&s, &r);
  hr_free(r.v);
  ana_summary_reset(&s);
  ana_trace_free(t);
  return cli_end_output(CLI_OK);
}
