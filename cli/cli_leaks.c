/* cli_leaks.c — `heapreel leaks`: what the program still held at its end. */
#include <stdio.h>
#include <string.h>

#include "ana_leakpaths.h"
#include "ana_leaks.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"
#include "cli_pertest.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel leaks [--json] [--all] [--by bytes|retained] [--paths <n>] [--per-test] <trace>\n"
  "\n"
  "    --json          print {format, groups, cyclic_garbage, unreached} as JSON\n"
  "    --all           list every group in the text output, not the biggest 20\n"
  "    --by retained   rank the reachable groups by the bytes they alone keep\n"
  "                    alive (their retained size), not by their own bytes\n"
  "    --paths <n>     show up to <n> distinct retention paths per group (default 1)\n"
  "\n"
  "Objects the program allocated that were alive when its main script ended\n"
  "(the mark \"end\"; without it, the end of the trace), grouped by allocation\n"
  "site and type, biggest first, each with the retention path from a root (a\n"
  "module global or a frame's slot) most of its members share, and how many\n"
  "do, and the bytes the group alone keeps alive. Objects no root reaches are cyclic\n"
  "garbage when a cycle holds them, else held by references the trace does\n"
  "not show (interpreter internals, C extensions).\n";

#define PATH_MAX_LABELS 64
#define TEXT_GROUPS 20

static size_t path_of(ana_trace *t, const ana_leaks *l, uint64_t obj, char (*labels)[160]) {
  return ana_heap_path(t, l->heap, &l->reach, l->roots, obj, labels, PATH_MAX_LABELS);
}

static void json_path(cli_json *j, ana_trace *t, const ana_leaks *l, uint64_t obj) {
  static char labels[PATH_MAX_LABELS][160];
  size_t np = path_of(t, l, obj, labels);
  cli_json_begin_array(j);
  for (size_t k = 0; k < np; k++) cli_json_string(j, labels[k]);
  cli_json_end_array(j);
}

/* The most shared path as "retention", how many share it, every path and
** the retained bytes (more: one entry per group, or NULL). */
static void json_more(cli_json *j, ana_trace *t, const ana_leaks *l, const ana_leak_group *g,
                      const ana_leak_more *more) {
  uint64_t ex = more && more->npaths ? more->paths[0].example : g->example;
  cli_json_key(j, "retention"); json_path(j, t, l, ex);
  if (!more) return;
  cli_json_key(j, "retention_shared_by"); cli_json_uint(j, more->npaths ? more->paths[0].count : g->count);
  cli_json_key(j, "retained_bytes"); cli_json_uint(j, more->retained);
  cli_json_key(j, "paths");
  cli_json_begin_array(j);
  for (size_t k = 0; k < more->npaths && k < 100; k++) {
    cli_json_begin_object(j);
    cli_json_key(j, "count"); cli_json_uint(j, more->paths[k].count);
    cli_json_key(j, "example"); cli_json_uint(j, more->paths[k].example);
    cli_json_key(j, "retention"); json_path(j, t, l, more->paths[k].example);
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
}

static void json_groups(cli_json *j, ana_trace *t, const ana_leaks *l, const ana_leak_group *g,
                        size_t n, int with_path, int with_cycle, const ana_leaks_more *m) {
  cli_json_begin_array(j);
  for (size_t i = 0; i < n; i++) {
    cli_json_begin_object(j);
    cli_heap_json_group_keys(j, t, l->heap, &g[i]);
    if (with_path) json_more(j, t, l, &g[i], m ? &m->groups[i] : NULL);
    if (with_cycle) {
      cli_json_key(j, "in_cycle"); cli_json_uint(j, g[i].in_cycle);
    }
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
}

static void print_json(ana_trace *t, const ana_leaks *l, const ana_leaks_more *m) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "end_is_mark"); cli_json_bool(&j, l->end_is_mark);
  cli_json_key(&j, "count"); cli_json_uint(&j, l->count);
  cli_json_key(&j, "bytes"); cli_json_uint(&j, l->bytes);
  /* Both detail levels size what is alive at the end as sys.getsizeof does. */
  cli_json_key(&j, "sizes"); cli_json_string(&j, "sys.getsizeof");
  cli_json_key(&j, "groups"); json_groups(&j, t, l, l->groups, l->ngroups, 1, 0, m);
  cli_json_key(&j, "cyclic_garbage"); json_groups(&j, t, l, l->garbage, l->ngarbage, 0, 1, NULL);
  cli_json_key(&j, "unreached"); json_groups(&j, t, l, l->unreached, l->nunreached, 0, 0, NULL);
  cli_json_key(&j, "import_system");
  cli_json_begin_object(&j);
  cli_json_key(&j, "count"); cli_json_uint(&j, l->import_count);
  cli_json_key(&j, "bytes"); cli_json_uint(&j, l->import_bytes);
  cli_json_end_object(&j);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static uint64_t total(const ana_leak_group *g, size_t n, int bytes) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s += bytes ? g[i].bytes : g[i].count;
  return s;
}

/* obj's recorded value (ana_value_recorded) into buf, NULL when none. A
** member is alive at the end, so the heap there holds it with its value:
** looking it up in the objects relation instead would cost gathering every
** object of the trace. */
static const char *value_of(ana_trace *t, const ana_leaks *l, uint64_t obj, char *buf, size_t n) {
  const ana_obj *o = ana_state_obj(ana_heap_state(l->heap), obj);
  if (!o) return ana_value_recorded(t, obj, buf, n);
  if (o->is_int) snprintf(buf, n, "%lld", (long long)(int64_t)o->value);
  else if (o->value) snprintf(buf, n, "%s", ana_trace_string(t, o->value));
  else return NULL;
  return buf;
}

/* "      held by: a → b  (#id value)" for one member. */
static void put_path(ana_trace *t, const ana_leaks *l, const char *lead, uint64_t obj) {
  static char labels[PATH_MAX_LABELS][160];
  char value[120];
  size_t np = path_of(t, l, obj, labels);
  fputs(lead, stdout);
  for (size_t k = 0; k < np; k++) {
    if (k) fputs(" \xe2\x86\x92 ", stdout);
    cli_put_safe(stdout, labels[k]);
  }
  printf("  (#%llu", (unsigned long long)obj);
  const char *v = value_of(t, l, obj, value, sizeof value);
  if (v) {
    fputc(' ', stdout);
    cli_put_safe(stdout, v);
  }
  fputc(')', stdout);
}

static void print_text(ana_trace *t, const ana_leaks *l, const ana_leaks_more *m, int all,
                       size_t npaths) {
  size_t max = all ? 0 : TEXT_GROUPS;
  printf("%llu objects, %llu bytes (sys.getsizeof) alive at the end of %s (allocated by the program)\n",
         (unsigned long long)l->count, (unsigned long long)l->bytes,
         l->end_is_mark ? "the main script" : "the trace");
  printf("\nreachable: %llu objects, %llu bytes in %zu group%s\n",
         (unsigned long long)total(l->groups, l->ngroups, 0),
         (unsigned long long)total(l->groups, l->ngroups, 1), l->ngroups, l->ngroups == 1 ? "" : "s");
  for (size_t i = 0; i < l->ngroups && (!max || i < max); i++) {
    const ana_leak_group *g = &l->groups[i];
    const ana_leak_more *gm = &m->groups[i];
    cli_heap_put_groups(t, l->heap, g, 1, 0);
    printf("      retains: %llu bytes (what the group alone keeps alive)\n",
           (unsigned long long)gm->retained);
    if (!gm->npaths) {
      put_path(t, l, "      held by: ", g->example);
      fputc('\n', stdout);
      continue;
    }
    for (size_t k = 0; k < gm->npaths && k < npaths; k++) {
      put_path(t, l, k ? "      also by: " : "      held by: ", gm->paths[k].example);
      if (gm->paths[k].count == g->count) fputs(g->count == 1 ? "\n" : "  all share this path\n", stdout);
      else printf("  %llu of %llu share this path\n", (unsigned long long)gm->paths[k].count,
                  (unsigned long long)g->count);
    }
    if (gm->npaths > npaths)
      printf("      ... %zu more path%s (--paths %zu)\n", gm->npaths - npaths,
             gm->npaths - npaths == 1 ? "" : "s", gm->npaths);
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
  if (l->import_count)
    printf("\nnot counted: %llu objects, %llu bytes the import system made and no root reaches\n"
           "(library modules it ran, its finders' caches, the compiler's node types)\n",
           (unsigned long long)l->import_count, (unsigned long long)l->import_bytes);
}

int cli_leaks(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  enum { OPT_JSON = 1, OPT_ALL, OPT_BY, OPT_PATHS, OPT_PER_TEST };
  static const hr_opt options[] = {
    {"json", 0, 0, OPT_JSON, NULL},
    {"all", 0, 0, OPT_ALL, NULL},
    {"by", 0, 1, OPT_BY, "a value"},
    {"paths", 0, 1, OPT_PATHS, "a value"},
    {"per-test", 0, 0, OPT_PER_TEST, NULL},
    {NULL, 0, 0, 0, NULL},
  };
  int by_retained = 0, per_test = 0, id;
  uint64_t npaths = 1;
  cli_ana_args a;
  memset(&a, 0, sizeof a);
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  while ((id = cli_opts_next(&o, usage)) > 0) {
    if (id == OPT_JSON) a.json = 1;
    else if (id == OPT_ALL) a.all = 1;
    else if (id == OPT_PER_TEST) per_test = 1;
    else if (id == OPT_PATHS) {
      if (hr_parse_u64(o.arg, 1, 1000000, &npaths))
        return cli_usage_error(usage, "--paths needs a number from 1, not '%s'", o.arg);
    } else if (strcmp(o.arg, "retained") == 0) by_retained = 1;
    else if (strcmp(o.arg, "bytes") == 0) by_retained = 0;
    else return cli_usage_error(usage, "--by takes bytes or retained, not '%s'", o.arg);
  }
  if (id < 0) return CLI_USAGE;
  if (cli_opts_operands(&o, usage, &a.path, 1) < 0) return CLI_USAGE;
  if (!a.path) return cli_usage_error(usage, "no trace given");
  ana_trace *t = cli_ana_open(a.path);
  if (!t) return CLI_FAIL;
  ana_leaks l;
  ana_leaks_more m;
  memset(&m, 0, sizeof m);
  int rc = ana_leaks_compute(t, &l);
  /* Per test needs no retained sizes: the dominator tree is left out. */
  if (rc == HR_OK && !per_test) rc = ana_leaks_more_compute(t, &l, &m);
  if (rc) {
    ana_leaks_more_reset(&m);
    ana_leaks_reset(&l);
    rc = cli_ana_fail(t, rc);
    ana_trace_free(t);
    return rc;
  }
  int status = CLI_OK;
  if (per_test) status = cli_pertest_print(t, &l, a.json, a.all);
  else {
    if (by_retained) ana_leaks_sort_retained(&l, &m);
    if (a.json) print_json(t, &l, &m);
    else print_text(t, &l, &m, a.all, (size_t)npaths);
  }
  ana_leaks_more_reset(&m);
  ana_leaks_reset(&l);
  ana_trace_free(t);
  return cli_end_output(status);
}
