/* cli_diff.c — `heapreel diff`: what differs between the states at two points. */
#include <stdio.h>
#include <string.h>

#include "ana_diff.h"
#include "ana_history.h"
#include "ana_region.h"
#include "ana_stacks.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_json.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel diff --from <a> --to <b> [--all] [--json] <trace>\n"
  "\n"
  "    --from <a>   compare the state at point <a> ...\n"
  "    --to <b>     ... with the state at point <b>\n"
  "    --all        list every entry in the text output, not the first 50 of each section\n"
  "    --json       print {format, from, to, allocated, freed, changed, bound, unbound} as JSON\n"
  "\n"
  "A point is a step number (the state just before it runs), a mark's label\n"
  "(heapreel.mark), mark:<label>, 'start' or 'end'. Objects new at <b>\n"
  "(allocated), gone by <b> (freed), alive at both with other references or\n"
  "size (changed), and the names and references bound and unbound from one\n"
  "state to the other: not every event in between.\n";

#define TEXT_ITEMS 50

static const char *const section[] = {NULL, "allocated", "freed", "bound", "unbound", "changed"};
static const char *const heading[] = {NULL, "new objects", "gone objects", "bound", "unbound",
                                      "changed objects"};
static const int order[] = {ANA_DIFF_ALLOC, ANA_DIFF_FREE, ANA_DIFF_CHANGED, ANA_DIFF_BIND, ANA_DIFF_UNBIND};

static void slot_text(ana_trace *t, const ana_diff_item *it, char *buf, size_t n) {
  char label[200];
  ana_slot_label(t, NULL, it->slot_kind, it->slot_arg, label, sizeof label);
  if (TRC_SLOT_HOLDER_IS_FRAME(it->slot_kind))
    snprintf(buf, n, "%s '%s'", trc_slot_name(it->slot_kind), label);
  else
    snprintf(buf, n, "%s", label);
}

static void json_item(cli_json *j, ana_trace *t, const ana_diff_item *it) {
  char buf[256];
  cli_json_begin_object(j);
  cli_json_key(j, "object"); cli_json_uint(j, it->object);
  if (it->kind == ANA_DIFF_BIND || it->kind == ANA_DIFF_UNBIND) {
    ana_holder_label(t, TRC_SLOT_HOLDER_IS_FRAME(it->slot_kind), it->holder, buf, sizeof buf);
    cli_json_key(j, "holder"); cli_json_string(j, buf);
    cli_json_key(j, "holder_id"); cli_json_uint(j, it->holder);
    slot_text(t, it, buf, sizeof buf);
    cli_json_key(j, "slot"); cli_json_string(j, buf);
  } else {
    cli_json_key(j, "type"); cli_json_string(j, ana_trace_type_name(t, it->type));
    cli_json_key(j, "size"); cli_json_uint(j, it->size);
    if (it->kind == ANA_DIFF_CHANGED) {
      cli_json_key(j, "size_from"); cli_json_uint(j, it->size_from);
    }
    if (it->kind == ANA_DIFF_ALLOC) {
      cli_json_key(j, "step");
      if (it->step && !ana_trace_is_alloc(t)) cli_json_uint(j, it->step); else cli_json_null(j);
    }
  }
  cli_json_end_object(j);
}

static void print_json(ana_trace *t, const ana_diff *d, const ana_point *a, const ana_point *b) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "from"); cli_ana_json_point(&j, a);
  cli_json_key(&j, "to"); cli_ana_json_point(&j, b);
  for (size_t s = 0; s < sizeof order / sizeof order[0]; s++) {
    cli_json_key(&j, section[order[s]]);
    cli_json_begin_array(&j);
    for (size_t i = 0; i < d->n; i++)
      if (d->items[i].kind == order[s]) json_item(&j, t, &d->items[i]);
    cli_json_end_array(&j);
  }
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_item(ana_trace *t, const ana_diff_item *it) {
  char buf[256];
  if (it->kind == ANA_DIFF_BIND || it->kind == ANA_DIFF_UNBIND) {
    ana_holder_label(t, TRC_SLOT_HOLDER_IS_FRAME(it->slot_kind), it->holder, buf, sizeof buf);
    fputs("  ", stdout);
    cli_put_safe(stdout, buf);
    slot_text(t, it, buf, sizeof buf);
    fputs("  ", stdout);
    cli_put_safe(stdout, buf);
    printf(" %s #%llu", it->kind == ANA_DIFF_BIND ? "->" : "-/->", (unsigned long long)it->object);
    const char *v = ana_value_recorded(t, it->object, buf, sizeof buf);
    if (v) {
      fputc(' ', stdout);
      cli_put_safe(stdout, v);
    }
    fputc('\n', stdout);
    return;
  }
  printf("  #%llu ", (unsigned long long)it->object);
  cli_put_safe(stdout, ana_trace_type_name(t, it->type));
  if (it->kind == ANA_DIFF_CHANGED && it->size != it->size_from)
    printf("  %llu -> %llu bytes", (unsigned long long)it->size_from, (unsigned long long)it->size);
  else
    printf("  %llu bytes", (unsigned long long)it->size);
  if (it->kind == ANA_DIFF_ALLOC && it->step && !ana_trace_is_alloc(t))
    printf("  (allocated at step %llu)", (unsigned long long)it->step);
  const char *v = ana_value_recorded(t, it->object, buf, sizeof buf);
  if (v) {
    fputs("  ", stdout);
    cli_put_safe(stdout, v);
  }
  fputc('\n', stdout);
}

static void print_text(ana_trace *t, const ana_diff *d, const ana_point *a, const ana_point *b, int all) {
  fputs("from ", stdout);
  cli_ana_put_point(stdout, a);
  fputs(" to ", stdout);
  cli_ana_put_point(stdout, b);
  fputc('\n', stdout);
  for (size_t s = 0; s < sizeof order / sizeof order[0]; s++) {
    int kind = order[s];
    size_t n = 0, shown = 0;
    for (size_t i = 0; i < d->n; i++) n += d->items[i].kind == kind;
    printf("%s (%zu)\n", heading[kind], n);
    for (size_t i = 0; i < d->n; i++) {
      if (d->items[i].kind != kind) continue;
      if (!all && shown == TEXT_ITEMS) {
        printf("  ... %zu more (--all or --json lists them all)\n", n - shown);
        break;
      }
      print_item(t, &d->items[i]);
      shown++;
    }
  }
}

int cli_diff(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  enum { OPT_JSON = 1, OPT_ALL, OPT_FROM, OPT_TO };
  static const hr_opt options[] = {
    {"from", 0, 1, OPT_FROM, "a step, a mark, 'start' or 'end'"},
    {"to", 0, 1, OPT_TO, "a step, a mark, 'start' or 'end'"},
    {"all", 0, 0, OPT_ALL, NULL},
    {"json", 0, 0, OPT_JSON, NULL},
    {NULL, 0, 0, 0, NULL},
  };
  int json = 0, all = 0, id;
  const char *from = NULL, *to = NULL, *path = NULL;
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  while ((id = cli_opts_next(&o, usage)) > 0) {
    if (id == OPT_JSON) json = 1;
    else if (id == OPT_ALL) all = 1;
    else if (id == OPT_FROM) from = o.arg;
    else to = o.arg;
  }
  if (id < 0) return CLI_USAGE;
  if (cli_opts_operands(&o, usage, &path, 1) < 0) return CLI_USAGE;
  if (!path) return cli_usage_error(usage, "no trace given");
  if (!from || !to) return cli_usage_error(usage, "give both --from and --to");
  uint64_t fa, fb;
  if (cli_parse_u64(from, &fa) == 0 && cli_parse_u64(to, &fb) == 0 && fa > fb)
    return cli_usage_error(usage, "--from %s is after --to %s", from, to);
  ana_trace *t = cli_ana_open(path);
  if (!t) return CLI_FAIL;
  ana_point a, b;
  int rc = cli_ana_range(t, usage, from, to, &a, &b);
  /* A trace in regions knows no state between them. */
  if (rc == CLI_OK && (ana_region_check(t, a.seq, a.label) != HR_OK ||
                       ana_region_check(t, b.seq, b.label) != HR_OK))
    rc = cli_ana_fail(t, HR_ERANGE);
  if (rc != CLI_OK) {
    ana_trace_free(t);
    return rc;
  }
  ana_diff d;
  int st = ana_diff_points(t, &a, &b, &d);
  if (st == HR_OK) {
    if (json) print_json(t, &d, &a, &b);
    else print_text(t, &d, &a, &b, all);
  } else {
    rc = cli_ana_fail(t, st);
  }
  ana_diff_reset(&d);
  ana_trace_free(t);
  return cli_end_output(rc);
}
