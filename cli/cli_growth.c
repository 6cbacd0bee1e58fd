/* cli_growth.c — `heapreel growth`: what the heap gained between two points. */
#include <stdio.h>
#include <string.h>

#include "ana_growth.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel growth [--from <a>] [--to <b>] [--by type|site|traceback] [--all] [--json] <trace>\n"
  "\n"
  "    --from <a>   the first point (default: start, an empty heap)\n"
  "    --to <b>     the second point (default: end, the end of the main script)\n"
  "    --by <key>   group by type, by allocating line and type (site, the default),\n"
  "                 or by the whole Python stack and type (traceback)\n"
  "    --all        list every group in the text output, not the biggest 20\n"
  "    --json       print {format, from, to, by, rows} as JSON\n"
  "\n"
  "A point is a step number, a mark's label (heapreel.mark), mark:<label>,\n"
  "'start' or 'end'. The heap is the live objects the program allocated; each\n"
  "group shows its count and bytes at <b> and the change since <a>, biggest\n"
  "growth first, as tracemalloc's compare_to and objgraph's show_growth do.\n";

#define TEXT_ROWS 20

static const char *const by_name[] = {NULL, "type", "site", "traceback"};

static void print_json(ana_trace *t, const ana_growth *g, const ana_point *a, const ana_point *b) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "from"); cli_ana_json_point(&j, a);
  cli_json_key(&j, "to"); cli_ana_json_point(&j, b);
  cli_json_key(&j, "by"); cli_json_string(&j, by_name[g->by]);
  cli_json_key(&j, "count_from"); cli_json_uint(&j, g->count_a);
  cli_json_key(&j, "bytes_from"); cli_json_uint(&j, g->bytes_a);
  cli_json_key(&j, "count_to"); cli_json_uint(&j, g->count_b);
  cli_json_key(&j, "bytes_to"); cli_json_uint(&j, g->bytes_b);
  cli_json_key(&j, "rows");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < g->nrows; i++) {
    const ana_growth_row *r = &g->rows[i];
    cli_json_begin_object(&j);
    cli_json_key(&j, "type"); cli_json_string(&j, ana_trace_type_name(t, r->type));
    if (g->by != ANA_GROWTH_TYPE) {
      const ana_site *s = ana_heap_site(g->heap, r->site);
      if (g->by == ANA_GROWTH_SITE) {
        /* By line: the stack of one allocation there would say more than the row means. */
        ana_site line = {.location = r->location};
        cli_heap_json_site(&j, t, s ? &line : NULL);
      } else {
        cli_heap_json_site(&j, t, s);
      }
    }
    cli_json_key(&j, "count"); cli_json_uint(&j, r->count);
    cli_json_key(&j, "bytes"); cli_json_uint(&j, r->bytes);
    cli_json_key(&j, "count_diff"); cli_json_int(&j, ana_growth_count_diff(r));
    cli_json_key(&j, "bytes_diff"); cli_json_int(&j, ana_growth_bytes_diff(r));
    cli_json_key(&j, "new_count"); cli_json_uint(&j, r->count_new);
    cli_json_key(&j, "new_bytes"); cli_json_uint(&j, r->bytes_new);
    cli_json_key(&j, "gone_count"); cli_json_uint(&j, r->count_gone);
    cli_json_key(&j, "gone_bytes"); cli_json_uint(&j, r->bytes_gone);
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_text(ana_trace *t, const ana_growth *g, const ana_point *a, const ana_point *b,
                       int all) {
  fputs("from ", stdout);
  cli_ana_put_point(stdout, a);
  fputs(" to ", stdout);
  cli_ana_put_point(stdout, b);
  printf(": %+lld objects, %+lld bytes (%llu objects, %llu bytes -> %llu objects, %llu bytes)\n",
         (long long)g->count_b - (long long)g->count_a, (long long)g->bytes_b - (long long)g->bytes_a,
         (unsigned long long)g->count_a, (unsigned long long)g->bytes_a,
         (unsigned long long)g->count_b, (unsigned long long)g->bytes_b);
  if (!g->nrows) puts("  no change");
  for (size_t i = 0; i < g->nrows; i++) {
    if (!all && i == TEXT_ROWS) {
      printf("  ... %zu more group%s (--all or --json lists them all)\n", g->nrows - i,
             g->nrows - i == 1 ? "" : "s");
      break;
    }
    const ana_growth_row *r = &g->rows[i];
    printf("  %+8lld bytes %+6lld  ", (long long)ana_growth_bytes_diff(r),
           (long long)ana_growth_count_diff(r));
    cli_put_safe(stdout, ana_trace_type_name(t, r->type));
    printf("  (now %llu in %llu bytes; %llu new, %llu gone)",
           (unsigned long long)r->count, (unsigned long long)r->bytes,
           (unsigned long long)r->count_new, (unsigned long long)r->count_gone);
    if (g->by != ANA_GROWTH_TYPE) {
      fputs("  at ", stdout);
      if (r->location) cli_heap_put_loc(stdout, t, r->location);
      else fputs("an unknown place", stdout);
    }
    fputc('\n', stdout);
    const ana_site *s = g->by == ANA_GROWTH_TRACEBACK ? ana_heap_site(g->heap, r->site) : NULL;
    if (s && s->depth > 1) {
      fputs("      stack: ", stdout);
      cli_heap_put_stack(stdout, t, s->stack, s->depth);
      fputc('\n', stdout);
    }
  }
}

int cli_growth(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  enum { OPT_JSON = 1, OPT_ALL, OPT_FROM, OPT_TO, OPT_BY };
  static const hr_opt options[] = {
    {"from", 0, 1, OPT_FROM, "a value"},
    {"to", 0, 1, OPT_TO, "a value"},
    {"by", 0, 1, OPT_BY, "a value"},
    {"all", 0, 0, OPT_ALL, NULL},
    {"json", 0, 0, OPT_JSON, NULL},
    {NULL, 0, 0, 0, NULL},
  };
  int json = 0, all = 0, by = ANA_GROWTH_SITE, id;
  const char *from = "start", *to = "end", *path = NULL;
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  while ((id = cli_opts_next(&o, usage)) > 0) {
    if (id == OPT_JSON) json = 1;
    else if (id == OPT_ALL) all = 1;
    else if (id == OPT_FROM) from = o.arg;
    else if (id == OPT_TO) to = o.arg;
    else if (strcmp(o.arg, "type") == 0) by = ANA_GROWTH_TYPE;
    else if (strcmp(o.arg, "site") == 0) by = ANA_GROWTH_SITE;
    else if (strcmp(o.arg, "traceback") == 0) by = ANA_GROWTH_TRACEBACK;
    else return cli_usage_error(usage, "--by takes type, site or traceback, not '%s'", o.arg);
  }
  if (id < 0) return CLI_USAGE;
  if (cli_opts_operands(&o, usage, &path, 1) < 0) return CLI_USAGE;
  if (!path) return cli_usage_error(usage, "no trace given");
  ana_trace *t = cli_ana_open(path);
  if (!t) return CLI_FAIL;
  ana_point a, b;
  int rc = cli_ana_range(t, usage, from, to, &a, &b);
  if (rc != CLI_OK) {
    ana_trace_free(t);
    return rc;
  }
  ana_growth g;
  int st = ana_growth_compute(t, &a, &b, by, &g);
  if (st == HR_OK) {
    if (json) print_json(t, &g, &a, &b);
    else print_text(t, &g, &a, &b, all);
    rc = CLI_OK;
  } else {
    rc = cli_ana_fail(t, st);
  }
  ana_growth_reset(&g);
  ana_trace_free(t);
  return cli_end_output(rc);
}
