/* cli_cycles.c — `heapreel cycles`: reference cycles alive at the end and collected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_cycles.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"
#include "hr_mem.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel cycles [--json] [--all] <trace>\n"
  "\n"
  "    --json    print {format, alive, collected, shapes} as JSON\n"
  "    --all     list every cycle in the text output, not the first 10 of each kind\n"
  "\n"
  "Reference cycles (strongly connected components with more than one member\n"
  "or a self-reference): those alive when the main script ended, and whether a\n"
  "root reaches them; and those the cyclic collector freed, as they were just\n"
  "before the collection. Each with its members, the bind that closed it (step\n"
  "and line) and the slots of one cycle through that bind, closing slot first.\n";

#define TEXT_CYCLES 10
#define JSON_CYCLES 1000

static void json_loc(cli_json *j, ana_trace *t, uint64_t location) {
  ana_loc l = ana_trace_location(t, location);
  cli_json_key(j, "file"); cli_json_string(j, location ? l.file : NULL);
  cli_json_key(j, "line");
  if (location) cli_json_uint(j, l.line); else cli_json_null(j);
  cli_json_key(j, "function"); cli_json_string(j, location ? l.function : NULL);
}

static void json_cycle(cli_json *j, ana_trace *t, const ana_cycle *c, int alive, int has_steps) {
  char buf[200];
  cli_json_begin_object(j);
  cli_json_key(j, "members");
  cli_json_begin_array(j);
  for (size_t i = 0; i < c->nmembers; i++) {
    cli_json_begin_object(j);
    cli_json_key(j, "id"); cli_json_uint(j, c->members[i]);
    cli_json_key(j, "type"); cli_json_string(j, ana_trace_type_name(t, c->types[i]));
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
  cli_json_key(j, "closing_slots");
  cli_json_begin_array(j);
  for (size_t i = 0; i < c->nloop; i++) {
    ana_cycles_edge_label(t, &c->edges[c->loop[i]], buf, sizeof buf);
    cli_json_string(j, buf);
  }
  cli_json_end_array(j);
  cli_json_key(j, "loop");
  cli_json_begin_array(j);
  for (size_t i = 0; i < c->nloop; i++) {
    const ana_cyc_edge *e = &c->edges[c->loop[i]];
    ana_cycles_edge_label(t, e, buf, sizeof buf);
    cli_json_begin_object(j);
    cli_json_key(j, "holder"); cli_json_uint(j, e->holder);
    cli_json_key(j, "slot"); cli_json_string(j, buf);
    cli_json_key(j, "object"); cli_json_uint(j, e->obj);
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
  /* Without steps the binds are the end's: the line is where the newest
  ** member was made, and the cycle closed there or later. */
  uint64_t loc = has_steps ? (c->close_seq ? c->close_location : 0) : c->made_location;
  ana_loc l = ana_trace_location(t, loc);
  cli_json_key(j, "step");
  if (c->close_seq && has_steps) cli_json_uint(j, c->close_step); else cli_json_null(j);
  cli_json_key(j, "file"); cli_json_string(j, loc ? l.file : NULL);
  cli_json_key(j, "line");
  if (loc) cli_json_uint(j, l.line); else cli_json_null(j);
  cli_json_key(j, "line_is"); cli_json_string(j, has_steps ? "closing bind" : "newest member made");
  cli_json_key(j, "made");
  cli_json_begin_object(j);
  cli_json_key(j, "step");
  if (c->made_seq) cli_json_uint(j, c->made_step); else cli_json_null(j);
  json_loc(j, t, c->made_location);
  cli_json_end_object(j);
  cli_json_key(j, "edges"); cli_json_uint(j, c->nedges);
  if (alive) {
    cli_json_key(j, "reachable"); cli_json_bool(j, c->reachable);
  } else {
    cli_json_key(j, "gc_step"); cli_json_uint(j, c->gc_step);
  }
  cli_json_key(j, "shape"); cli_json_string(j, c->shape);
  cli_json_end_object(j);
}

typedef struct shape_count {
  const char *shape;   /* borrowed from a cycle */
  size_t count;
  const ana_cycle *first;
} shape_count;

static int cmp_shape_str(const void *a, const void *b) {
  return strcmp((*(const ana_cycle *const *)a)->shape, (*(const ana_cycle *const *)b)->shape);
}

static int cmp_shape_count(const void *a, const void *b) {
  const shape_count *x = a, *y = b;
  if (x->count != y->count) return x->count > y->count ? -1 : 1;
  return strcmp(x->shape, y->shape);
}

/* Cycles grouped by shape, most frequent first (owned array, *n groups). */
static shape_count *shapes(const ana_cycle *v, size_t n, size_t *ns) {
  *ns = 0;
  const ana_cycle **p = hr_malloc((n ? n : 1) * sizeof *p);
  shape_count *out = hr_malloc((n ? n : 1) * sizeof *out);
  if (!p || !out) {
    hr_free(p);
    hr_free(out);
    return NULL;
  }
  for (size_t i = 0; i < n; i++) p[i] = &v[i];
  qsort(p, n, sizeof *p, cmp_shape_str);
  for (size_t i = 0; i < n; i++) {
    if (*ns && strcmp(out[*ns - 1].shape, p[i]->shape) == 0) {
      out[*ns - 1].count++;
      continue;
    }
    out[*ns].shape = p[i]->shape;
    out[*ns].count = 1;
    out[*ns].first = p[i];
    (*ns)++;
  }
  hr_free(p);
  qsort(out, *ns, sizeof *out, cmp_shape_count);
  return out;
}

static void json_list(cli_json *j, ana_trace *t, const ana_cycle *v, size_t n, int alive,
                      int has_steps) {
  cli_json_begin_array(j);
  for (size_t i = 0; i < n && i < JSON_CYCLES; i++) json_cycle(j, t, &v[i], alive, has_steps);
  cli_json_end_array(j);
}

static void json_shapes(cli_json *j, const ana_cycle *v, size_t n) {
  size_t ns;
  shape_count *sc = shapes(v, n, &ns);
  cli_json_begin_array(j);
  for (size_t i = 0; sc && i < ns; i++) {
    cli_json_begin_object(j);
    cli_json_key(j, "shape"); cli_json_string(j, sc[i].shape);
    cli_json_key(j, "count"); cli_json_uint(j, sc[i].count);
    cli_json_key(j, "members"); cli_json_uint(j, sc[i].first->nmembers);
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
  hr_free(sc);
}

static void print_json(ana_trace *t, const ana_cycles *c) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "end_is_mark"); cli_json_bool(&j, c->end_is_mark);
  cli_json_key(&j, "alive_count"); cli_json_uint(&j, c->nalive);
  cli_json_key(&j, "collected_count"); cli_json_uint(&j, c->ncollected);
  cli_json_key(&j, "gc_runs"); cli_json_uint(&j, c->gc_runs);
  cli_json_key(&j, "gc_collected"); cli_json_uint(&j, c->gc_collected);
  cli_json_key(&j, "freed_objects"); cli_json_uint(&j, c->freed_objects);
  cli_json_key(&j, "alive"); json_list(&j, t, c->alive, c->nalive, 1, c->has_steps);
  cli_json_key(&j, "collected"); json_list(&j, t, c->collected, c->ncollected, 0, c->has_steps);
  cli_json_key(&j, "freed_by_site");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < c->nfreed && i < JSON_CYCLES; i++) {
    const ana_gc_group *g = &c->freed[i];
    cli_json_begin_object(&j);
    cli_json_key(&j, "type"); cli_json_string(&j, ana_trace_type_name(t, g->type));
    cli_json_key(&j, "count"); cli_json_uint(&j, g->count);
    cli_json_key(&j, "runs"); cli_json_uint(&j, g->runs);
    json_loc(&j, t, g->location);
    cli_json_key(&j, "example"); cli_json_uint(&j, g->example);
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_key(&j, "shapes");
  cli_json_begin_object(&j);
  cli_json_key(&j, "alive"); json_shapes(&j, c->alive, c->nalive);
  cli_json_key(&j, "collected"); json_shapes(&j, c->collected, c->ncollected);
  cli_json_end_object(&j);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_cycle(ana_trace *t, const ana_cycle *c, int alive, int has_steps) {
  char buf[200], value[120];
  printf("  %zu member%s:", c->nmembers, c->nmembers == 1 ? "" : "s");
  for (size_t i = 0; i < c->nmembers && i < 8; i++) {
    printf("%s ", i ? "," : "");
    cli_put_safe(stdout, ana_trace_type_name(t, c->types[i]));
    printf(" #%llu", (unsigned long long)c->members[i]);
    const char *v = ana_value_recorded(t, c->members[i], value, sizeof value);
    if (v) {
      fputc(' ', stdout);
      cli_put_safe(stdout, v);
    }
  }
  if (c->nmembers > 8) printf(", ... %zu more", c->nmembers - 8);
  if (alive) printf("  (%s)\n", c->reachable ? "reached from a root" : "unreachable: garbage");
  else printf("  (collected by the gc run at step %llu)\n", (unsigned long long)c->gc_step);
  fputs("      ", stdout);
  if (!has_steps) {
    /* An alloc trace's references are the end's: no bind says when it closed. */
    if (c->made_seq) {
      printf("closed at step %llu or later (an alloc trace records no reference changes; its newest "
             "member was made then, at ", (unsigned long long)c->made_step);
      cli_heap_put_loc(stdout, t, c->made_location);
      fputs("): ", stdout);
    } else {
      fputs("closed before the recording saw it or later (all its members were made before): ",
            stdout);
    }
  } else if (c->close_seq) {
    printf("closed at step %llu (", (unsigned long long)c->close_step);
    cli_heap_put_loc(stdout, t, c->close_location);
    fputs("): ", stdout);
  } else {
    fputs("closed before the recording saw it: ", stdout);
  }
  for (size_t i = 0; i < c->nloop; i++) {
    const ana_cyc_edge *e = &c->edges[c->loop[i]];
    ana_cycles_edge_label(t, e, buf, sizeof buf);
    printf("#%llu ", (unsigned long long)e->holder);
    cli_put_safe(stdout, buf);
    fputs(" \xe2\x86\x92 ", stdout);
  }
  if (c->nloop) printf("#%llu", (unsigned long long)c->edges[c->loop[0]].holder);
  fputc('\n', stdout);
}

static void print_kind(ana_trace *t, const char *title, const ana_cycle *v, size_t n, int alive,
                       int all, int has_steps) {
  printf("%s: %zu cycle%s\n", title, n, n == 1 ? "" : "s");
  for (size_t i = 0; i < n && (all || i < TEXT_CYCLES); i++) print_cycle(t, &v[i], alive, has_steps);
  if (!all && n > TEXT_CYCLES) printf("  ... %zu more (--all or --json lists them)\n", n - TEXT_CYCLES);
  size_t ns;
  shape_count *sc = n > 1 ? shapes(v, n, &ns) : NULL;
  if (sc && ns < n) {
    puts("  by shape:");
    for (size_t i = 0; i < ns; i++) {
      printf("    %zu \xc3\x97 ", sc[i].count);
      cli_put_safe(stdout, sc[i].shape);
      fputc('\n', stdout);
    }
  }
  hr_free(sc);
}

/* The collector's frees by type and site. An alloc trace records no
** reference while the program runs, so this is what it knows of the
** collected cycles; a full trace lists it after the cycles. */
static void print_freed(ana_trace *t, const ana_cycles *c, int all) {
  if (!c->has_steps) {
    printf("freed by the cyclic collector: %llu object%s in %llu gc run%s (the runs counted %llu)\n",
           (unsigned long long)c->freed_objects, c->freed_objects == 1 ? "" : "s",
           (unsigned long long)c->gc_runs, c->gc_runs == 1 ? "" : "s",
           (unsigned long long)c->gc_collected);
    if (c->nfreed)
      puts("  an alloc trace records no references while the program runs: the collected\n"
           "  cycles' shapes are not known; what they were made of, by type and allocation site:");
  } else if (c->nfreed) {
    printf("  every object the collector freed (%llu), by type and allocation site:\n",
           (unsigned long long)c->freed_objects);
  }
  for (size_t i = 0; i < c->nfreed && (all || i < TEXT_CYCLES); i++) {
    const ana_gc_group *g = &c->freed[i];
    printf("    %llu ", (unsigned long long)g->count);
    cli_put_safe(stdout, ana_trace_type_name(t, g->type));
    fputs("  allocated at ", stdout);
    cli_heap_put_loc(stdout, t, g->location);
    printf("  (%llu run%s)\n", (unsigned long long)g->runs, g->runs == 1 ? "" : "s");
  }
  if (!all && c->nfreed > TEXT_CYCLES)
    printf("    ... %zu more (--all or --json lists them)\n", c->nfreed - TEXT_CYCLES);
}

int cli_cycles(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  cli_ana_args a;
  if (cli_ana_parse(argc, argv, usage, CLI_ANA_ALL, &a) != CLI_OK) return CLI_USAGE;
  ana_trace *t = cli_ana_open(a.path);
  if (!t) return CLI_FAIL;
  ana_cycles c;
  int rc = ana_cycles_compute(t, &c);
  if (rc) {
    ana_cycles_reset(&c);
    rc = cli_ana_fail(t, rc);
    ana_trace_free(t);
    return rc;
  }
  if (a.json) {
    print_json(t, &c);
  } else {
    print_kind(t, c.end_is_mark ? "alive at the end of the main script" : "alive at the end of the trace",
               c.alive, c.nalive, 1, a.all, c.has_steps);
    fputc('\n', stdout);
    if (c.has_steps) print_kind(t, "freed by the cyclic collector", c.collected, c.ncollected, 0, a.all, 1);
    print_freed(t, &c, a.all);
  }
  ana_cycles_reset(&c);
  ana_trace_free(t);
  return cli_end_output(CLI_OK);
}
