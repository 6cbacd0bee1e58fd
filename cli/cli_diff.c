/* cli_diff.c — `heapreel diff`: what changed between two steps. */
#include <stdio.h>
#include <string.h>

#include "ana_diff.h"
#include "ana_history.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_json.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel diff --from <a> --to <b> [--json] <trace>\n"
  "\n"
  "    --from <a>   compare the state just before step <a> ...\n"
  "    --to <b>     ... with the state just before step <b>\n"
  "    --json       print {from, to, allocated, freed, bound, unbound} as JSON\n";

static const char *const section[] = {NULL, "allocated", "freed", "bound", "unbound"};

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
  ana_loc l = ana_trace_location(t, it->location);
  cli_json_begin_object(j);
  cli_json_key(j, "step"); cli_json_uint(j, it->step);
  cli_json_key(j, "file"); cli_json_string(j, it->location ? l.file : NULL);
  cli_json_key(j, "line");
  if (it->location) cli_json_uint(j, l.line); else cli_json_null(j);
  cli_json_key(j, "object"); cli_json_uint(j, it->object);
  if (it->kind == ANA_DIFF_ALLOC || it->kind == ANA_DIFF_FREE) {
    cli_json_key(j, "type"); cli_json_string(j, ana_trace_type_name(t, it->type));
    cli_json_key(j, "size"); cli_json_uint(j, it->size);
    if (it->kind == ANA_DIFF_FREE) {
      cli_json_key(j, "by"); cli_json_string(j, it->by_gc ? "gc" : "refcount");
    }
  } else {
    ana_holder_label(t, TRC_SLOT_HOLDER_IS_FRAME(it->slot_kind), it->holder, buf, sizeof buf);
    cli_json_key(j, "holder"); cli_json_string(j, buf);
    cli_json_key(j, "holder_id"); cli_json_uint(j, it->holder);
    slot_text(t, it, buf, sizeof buf);
    cli_json_key(j, "slot"); cli_json_string(j, buf);
  }
  cli_json_end_object(j);
}

static void print_json(ana_trace *t, const ana_diff *d) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_object(&j);
  cli_json_key(&j, "from"); cli_json_uint(&j, d->from);
  cli_json_key(&j, "to"); cli_json_uint(&j, d->to);
  for (int kind = ANA_DIFF_ALLOC; kind <= ANA_DIFF_UNBIND; kind++) {
    cli_json_key(&j, section[kind]);
    cli_json_begin_array(&j);
    for (size_t i = 0; i < d->n; i++)
      if (d->items[i].kind == kind) json_item(&j, t, &d->items[i]);
    cli_json_end_array(&j);
  }
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_item(ana_trace *t, const ana_diff_item *it) {
  char buf[256];
  ana_loc l = ana_trace_location(t, it->location);
  printf("  step %-6llu ", (unsigned long long)it->step);
  cli_put_safe(stdout, l.file);
  printf(":%-5u ", l.line);
  if (it->kind == ANA_DIFF_ALLOC || it->kind == ANA_DIFF_FREE) {
    printf(" #%llu ", (unsigned long long)it->object);
    cli_put_safe(stdout, ana_trace_type_name(t, it->type));
    printf("  %llu bytes%s\n", (unsigned long long)it->size,
           it->kind == ANA_DIFF_FREE && it->by_gc ? "  by the cyclic collector" : "");
    return;
  }
  ana_holder_label(t, TRC_SLOT_HOLDER_IS_FRAME(it->slot_kind), it->holder, buf, sizeof buf);
  fputc(' ', stdout);
  cli_put_safe(stdout, buf);
  slot_text(t, it, buf, sizeof buf);
  fputs("  ", stdout);
  cli_put_safe(stdout, buf);
  printf(" %s #%llu\n", it->kind == ANA_DIFF_BIND ? "->" : "-/->", (unsigned long long)it->object);
}

static void print_text(ana_trace *t, const ana_diff *d) {
  printf("from before step %llu to before step %llu\n", (unsigned long long)d->from,
         (unsigned long long)d->to);
  for (int kind = ANA_DIFF_ALLOC; kind <= ANA_DIFF_UNBIND; kind++) {
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) n += d->items[i].kind == kind;
    printf("%s (%zu)\n", section[kind], n);
    for (size_t i = 0; i < d->n; i++)
      if (d->items[i].kind == kind) print_item(t, &d->items[i]);
  }
}

int cli_diff(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  int json = 0, dashdash = 0, has_from = 0, has_to = 0;
  uint64_t from = 0, to = 0;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    uint64_t *num = NULL;
    if (!dashdash && strcmp(a, "--") == 0) { dashdash = 1; continue; }
    if (!dashdash && strcmp(a, "--json") == 0) { json = 1; continue; }
    if (!dashdash && strcmp(a, "--from") == 0) { num = &from; has_from = 1; }
    else if (!dashdash && strcmp(a, "--to") == 0) { num = &to; has_to = 1; }
    else if (!dashdash && a[0] == '-' && a[1]) return cli_usage_error(usage, "unknown option '%s'", a);
    else if (path) return cli_usage_error(usage, "too many arguments: '%s'", a);
    else { path = a; continue; }
    if (i + 1 >= argc || cli_parse_u64(argv[i + 1], num))
      return cli_usage_error(usage, "option '%s' needs a step number", a);
    i++;
  }
  if (!path) return cli_usage_error(usage, "no trace given");
  if (!has_from || !has_to) return cli_usage_error(usage, "give both --from and --to");
  if (from > to) return cli_usage_error(usage, "--from %llu is after --to %llu",
                                        (unsigned long long)from, (unsigned long long)to);
  ana_trace *t = cli_ana_open(path);
  if (!t) return CLI_FAIL;
  if (cli_ana_needs_full(t, "diff")) {
    ana_trace_free(t);
    return CLI_FAIL;
  }
  ana_diff d;
  int rc = ana_diff_compute(t, from, to, &d);
  if (rc == HR_OK) {
    if (json) print_json(t, &d);
    else print_text(t, &d);
  } else {
    rc = cli_ana_fail(t, rc);
  }
  ana_diff_reset(&d);
  ana_trace_free(t);
  if (fflush(stdout) != 0) {
    cli_error("cannot write output: %s", hr_status_str(HR_EIO));
    return CLI_FAIL;
  }
  return rc;
}
