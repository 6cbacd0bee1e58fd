/* cli_pertest.c — `heapreel leaks --per-test`: the tests whose objects outlive them. */
#include "cli_pertest.h"

#include <stdio.h>

#include "ana_pertest.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"

#define PATH_MAX_LABELS 64
#define TEXT_GROUPS 10

static char labels[PATH_MAX_LABELS][160];

static size_t path_of(ana_trace *t, const ana_leaks *l, uint64_t obj) {
  return ana_heap_path(t, l->heap, &l->reach, l->roots, obj, labels, PATH_MAX_LABELS);
}

static void print_json(ana_trace *t, const ana_leaks *l, const ana_pertest *p) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "end_is_mark"); cli_json_bool(&j, l->end_is_mark);
  cli_json_key(&j, "tests_marked"); cli_json_uint(&j, p->ntests);
  cli_json_key(&j, "tests");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < p->ntests; i++) {
    const ana_test_leak *x = &p->tests[i];
    if (!x->count) continue;
    cli_json_begin_object(&j);
    cli_json_key(&j, "nodeid"); cli_json_string(&j, x->nodeid);
    cli_json_key(&j, "count"); cli_json_uint(&j, x->count);
    cli_json_key(&j, "bytes"); cli_json_uint(&j, x->bytes);
    cli_json_key(&j, "unreached_count"); cli_json_uint(&j, x->unreached_count);
    cli_json_key(&j, "unreached_bytes"); cli_json_uint(&j, x->unreached_bytes);
    cli_json_key(&j, "groups");
    cli_json_begin_array(&j);
    for (size_t g = 0; g < x->ngroups; g++) {
      cli_json_begin_object(&j);
      cli_heap_json_group_keys(&j, t, l->heap, &x->groups[g]);
      size_t np = path_of(t, l, x->groups[g].example);
      cli_json_key(&j, "retention");
      cli_json_begin_array(&j);
      for (size_t k = 0; k < np; k++) cli_json_string(&j, labels[k]);
      cli_json_end_array(&j);
      cli_json_end_object(&j);
    }
    cli_json_end_array(&j);
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_text(ana_trace *t, const ana_leaks *l, const ana_pertest *p, int all) {
  char value[120];
  printf("%zu test%s marked; %zu left objects a root still reaches at the end of %s\n", p->ntests,
         p->ntests == 1 ? "" : "s", p->nleaking, l->end_is_mark ? "the main script" : "the trace");
  for (size_t i = 0; i < p->ntests; i++) {
    const ana_test_leak *x = &p->tests[i];
    if (!x->count) continue;
    fputs("\n", stdout);
    cli_put_safe(stdout, x->nodeid);
    printf(": %llu objects, %llu bytes", (unsigned long long)x->count,
           (unsigned long long)x->bytes);
    if (x->unreached_count)
      printf(" (and %llu objects, %llu bytes no root reaches)", (unsigned long long)x->unreached_count,
             (unsigned long long)x->unreached_bytes);
    fputc('\n', stdout);
    for (size_t g = 0; g < x->ngroups && (all || g < TEXT_GROUPS); g++) {
      cli_heap_put_groups(t, l->heap, &x->groups[g], 1, 0);
      size_t np = path_of(t, l, x->groups[g].example);
      fputs("      held by: ", stdout);
      for (size_t k = 0; k < np; k++) {
        if (k) fputs(" \xe2\x86\x92 ", stdout);
        cli_put_safe(stdout, labels[k]);
      }
      printf("  (#%llu", (unsigned long long)x->groups[g].example);
      const char *v = ana_value_recorded(t, x->groups[g].example, value, sizeof value);
      if (v) {
        fputc(' ', stdout);
        cli_put_safe(stdout, v);
      }
      fputs(")\n", stdout);
    }
    if (!all && x->ngroups > TEXT_GROUPS)
      printf("  ... %zu more groups (--all or --json lists them all)\n", x->ngroups - TEXT_GROUPS);
  }
}

int cli_pertest_print(ana_trace *t, const ana_leaks *l, int json, int all) {
  ana_pertest p;
  int rc = ana_pertest_compute(t, l, &p);
  if (rc) {
    ana_pertest_reset(&p);
    return cli_ana_fail(t, rc);
  }
  if (!p.ntests) {
    cli_error("no test marks in '%s': record pytest with -p heapreel.pytest_plugin",
              ana_trace_path(t));
    return CLI_FAIL;
  }
  if (json) print_json(t, l, &p);
  else print_text(t, l, &p, all);
  ana_pertest_reset(&p);
  return CLI_OK;
}
