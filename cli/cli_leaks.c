/* cli_leaks.c — `heapreel leaks`: what the program still held at its end. */
#include <stdio.h>
#include <string.h>

#include "ana_leaks.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel leaks [--json] [--all] <trace>\n"
  "\n"
  "    --json    print {groups, cyclic_garbage, unreached} as JSON\n"
  "    --all     list every group in the text output, not the biggest 20\n"
  "\n"
  "Objects the program allocated that were alive when its main script ended\n"
  "(the mark \"end\"; without it, the end of the trace), grouped by allocation\n"
  "site and type, biggest first, each with a retention path from a root (a\n"
  "module global or a frame's slot). Objects no root reaches are cyclic\n"
  "garbage when a cycle holds them, else held by references the trace does\n"
  "not show (interpreter internals, C extensions).\n";

#define PATH_MAX_LABELS 64
#define TEXT_GROUPS 20

static size_t path_of(ana_trace *t, const ana_leaks *l, uint64_t obj, char (*labels)[160]) {
  return ana_heap_path(t, l->heap, &l->reach, l->roots, obj, labels, PATH_MAX_LABELS);
}

static void json_groups(cli_json *j, ana_trace *t, const ana_leaks *l, const ana_leak_group *g,
                        size_t n, int with_path, int with_cycle) {
  static char labels[PATH_MAX_LABELS][160];
  cli_json_begin_array(j);
  for (size_t i = 0; i < n; i++) {
    cli_json_begin_object(j);
    cli_heap_json_group_keys(j, t, l->heap, &g[i]);
    if (with_path) {
      size_t np = path_of(t, l, g[i].example, labels);
      cli_json_key(j, "retention");
      cli_json_begin_array(j);
      for (size_t k = 0; k < np; k++) cli_json_string(j, labels[k]);
      cli_json_end_array(j);
    }
    if (with_cycle) {
      cli_json_key(j, "in_cycle"); cli_json_uint(j, g[i].in_cycle);
    }
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
}

static void print_json(ana_trace *t, const ana_leaks *l) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_object(&j);
  cli_json_key(&j, "end_is_mark"); cli_json_bool(&j, l->end_is_mark);
  cli_json_key(&j, "count"); cli_json_uint(&j, l->count);
  cli_json_key(&j, "bytes"); cli_json_uint(&j, l->bytes);
  cli_json_key(&j, "groups"); json_groups(&j, t, l, l->groups, l->ngroups, 1, 0);
  cli_json_key(&j, "cyclic_garbage"); json_groups(&j, t, l, l->garbage, l->ngarbage, 0, 1);
  cli_json_key(&j, "unreached"); json_groups(&j, t, l, l->unreached, l->nunreached, 0, 0);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static uint64_t total(const ana_leak_group *g, size_t n, int bytes) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s += bytes ? g[i].bytes : g[i].count;
  return s;
}

static void print_text(ana_trace *t, const ana_leaks *l, int all) {
  static char labels[PATH_MAX_LABELS][160];
  char value[120];
  size_t max = all ? 0 : TEXT_GROUPS;
  printf("%llu objects, %llu bytes alive at the end of %s (allocated by the program)\n",
         (unsigned long long)l->count, (unsigned long long)l->bytes,
         l->end_is_mark ? "the main script" : "the trace");
  printf("\nreachable: %llu objects, %llu bytes in %zu group%s\n",
         (unsigned long long)total(l->groups, l->ngroups, 0),
         (unsigned long long)total(l->groups, l->ngroups, 1), l->ngroups, l->ngroups == 1 ? "" : "s");
  for (size_t i = 0; i < l->ngroups && (!max || i < max); i++) {
    cli_heap_put_groups(t, l->heap, &l->groups[i], 1, 0);
    size_t np = path_of(t, l, l->groups[i].example, labels);
    fputs("      held by: ", stdout);
    for (size_t k = 0; k < np; k++) {
      if (k) fputs(" \xe2\x86\x92 ", stdout);
      cli_put_safe(stdout, labels[k]);
    }
    printf("  (#%llu", (unsigned long long)l->groups[i].example);
    const char *v = ana_value_recorded(t, l->groups[i].example, value, sizeof value);
    if (v) {
      fputc(' ', stdout);
      cli_put_safe(stdout, v);
    }
    fputs(")\n", stdout);
  }
  if (max && l->ngroups > max)
    printf("  ... %zu more groups (--all or --json lists them all)\n", l->ngroups - max);
  printf("\ncyclic garbage (no root reaches it; a cycle holds it): %llu objects, %llu bytes\n",
         (unsigned long long)total(l->garbage, l->ngarbage, 0),
         (unsigned long long)total(l->garbage, l->ngarbage, 1));
  cli_heap_put_groups(t, l->heap, l->garbage, l->ngarbage, max);
  printf("\nheld by references the trace does not show: %llu objects, %llu bytes\n",
         (unsigned long long)total(l->unreached, l->nunreached, 0),
         (unsigned long long)total(l->unreached, l->nunreached, 1));
  cli_heap_put_groups(t, l->heap, l->unreached, l->nunreached, max);
}

int cli_leaks(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  cli_ana_args a;
  if (cli_ana_parse(argc, argv, usage, CLI_ANA_ALL, &a) != CLI_OK) return CLI_USAGE;
  ana_trace *t = cli_ana_open(a.path);
  if (!t) return CLI_FAIL;
  ana_leaks l;
  int rc = ana_leaks_compute(t, &l);
  if (rc) {
    ana_leaks_reset(&l);
    rc = cli_ana_fail(t, rc);
    ana_trace_free(t);
    return rc;
  }
  if (a.json) print_json(t, &l);
  else print_text(t, &l, a.all);
  ana_leaks_reset(&l);
  ana_trace_free(t);
  if (fflush(stdout) != 0) {
    cli_error("cannot write output: %s", hr_status_str(HR_EIO));
    return CLI_FAIL;
  }
  return CLI_OK;
}
