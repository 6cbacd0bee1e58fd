/* cli_history.c — `heapreel history`: one object's life. */
#include <stdio.h>
#include <string.h>

#include "ana_history.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_json.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel history [--json] <trace> <object>\n"
  "\n"
  "    <object>  an object id (3 or #3), or NAME@STEP: what NAME referred to\n"
  "              just before step STEP (the running frame's names, then globals)\n"
  "    --json    print {object, type, alloc, free, events} as JSON\n";

static const char *const kind_names[] = {"?", "bind", "unbind", "incref", "decref", "return"};

static int holder_is_frame(const ana_hist_event *e) {
  return e->kind == ANA_HIST_RETURN || TRC_SLOT_HOLDER_IS_FRAME(e->slot_kind);
}

/* `global 'x'`, `local 'a'` for a frame's names; `item[0]`, `attr 'n'` ... for objects. */
static void slot_text(ana_trace *t, const ana_hist_event *e, char *buf, size_t n) {
  char label[200];
  ana_slot_label(t, NULL, e->slot_kind, e->slot_arg, label, sizeof label);
  if (TRC_SLOT_HOLDER_IS_FRAME(e->slot_kind))
    snprintf(buf, n, "%s '%s'", trc_slot_name(e->slot_kind), label);
  else
    snprintf(buf, n, "%s", label);
}

static void json_where(cli_json *j, ana_trace *t, uint64_t step, uint64_t location) {
  ana_loc l = ana_trace_location(t, location);
  cli_json_key(j, "step"); cli_json_uint(j, step);
  cli_json_key(j, "file"); cli_json_string(j, location ? l.file : NULL);
  cli_json_key(j, "line");
  if (location) cli_json_uint(j, l.line); else cli_json_null(j);
}

static void json_event(cli_json *j, ana_trace *t, const ana_hist_event *e) {
  char buf[256];
  cli_json_begin_object(j);
  json_where(j, t, e->step, e->location);
  cli_json_key(j, "kind"); cli_json_string(j, kind_names[e->kind]);
  cli_json_key(j, "holder");
  if (e->kind == ANA_HIST_INCREF || e->kind == ANA_HIST_DECREF) cli_json_null(j);
  else {
    ana_holder_label(t, holder_is_frame(e), e->holder, buf, sizeof buf);
    cli_json_string(j, buf);
  }
  cli_json_key(j, "holder_id");
  if (e->holder) cli_json_uint(j, e->holder); else cli_json_null(j);
  cli_json_key(j, "slot");
  if (e->slot_kind) {
    slot_text(t, e, buf, sizeof buf);
    cli_json_string(j, buf);
  } else {
    cli_json_null(j);
  }
  cli_json_key(j, "refcount");
  if (e->refcount >= 0) cli_json_int(j, e->refcount); else cli_json_null(j);
  cli_json_end_object(j);
}

static void print_json(ana_trace *t, const ana_history *h) {
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_object(&j);
  cli_json_key(&j, "object"); cli_json_uint(&j, h->object);
  cli_json_key(&j, "type"); cli_json_string(&j, ana_trace_type_name(t, h->type));
  cli_json_key(&j, "value");
  if (h->value) cli_json_string(&j, ana_trace_string(t, h->value));
  else cli_json_null(&j);
  cli_json_key(&j, "size"); cli_json_uint(&j, h->size);
  cli_json_key(&j, "address"); cli_json_uint(&j, h->address);
  cli_json_key(&j, "preexisting"); cli_json_bool(&j, h->preexisting);
  cli_json_key(&j, "alloc");
  cli_json_begin_object(&j);
  json_where(&j, t, h->alloc_step, h->alloc_location);
  cli_json_key(&j, "stack");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < h->nstack; i++) {
    const ana_frame_info *fi = ana_trace_frame_info(t, h->stack[i].frame);
    ana_loc l = ana_trace_location(t, h->stack[i].location);
    cli_json_begin_object(&j);
    cli_json_key(&j, "function");
    cli_json_string(&j, fi ? ana_trace_location(t, fi->location).function : l.function);
    cli_json_key(&j, "file"); cli_json_string(&j, l.file);
    cli_json_key(&j, "line"); cli_json_uint(&j, l.line);
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  cli_json_key(&j, "free");
  if (h->freed) {
    cli_json_begin_object(&j);
    json_where(&j, t, h->free_step, h->free_location);
    cli_json_key(&j, "by"); cli_json_string(&j, h->free_by_gc ? "gc" : "refcount");
    cli_json_end_object(&j);
  } else {
    cli_json_null(&j);
  }
  cli_json_key(&j, "events");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < h->nev; i++) json_event(&j, t, &h->ev[i]);
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_where(ana_trace *t, uint64_t step, uint64_t location) {
  ana_loc l = ana_trace_location(t, location);
  printf("step %-6llu ", (unsigned long long)step);
  cli_put_safe(stdout, l.file);
  printf(":%-5u", l.line);
}

static void print_text(ana_trace *t, const ana_history *h) {
  char buf[256];
  printf("object #%llu ", (unsigned long long)h->object);
  cli_put_safe(stdout, ana_trace_type_name(t, h->type));
  if (h->value) {
    fputs("  ", stdout);
    cli_put_safe(stdout, ana_trace_string(t, h->value));
  }
  printf("  size %llu  at 0x%llx\n", (unsigned long long)h->size, (unsigned long long)h->address);
  fputs(h->preexisting ? "tracked " : "alloc   ", stdout);
  print_where(t, h->alloc_step, h->alloc_location);
  fputc('\n', stdout);
  for (size_t i = 0; i < h->nstack; i++) {
    const ana_frame_info *fi = ana_trace_frame_info(t, h->stack[i].frame);
    ana_loc l = ana_trace_location(t, h->stack[i].location);
    fputs(i ? "        called " : "        in     ", stdout);
    cli_put_safe(stdout, fi ? ana_trace_location(t, fi->location).function : l.function);
    fputs("  ", stdout);
    cli_put_safe(stdout, l.file);
    printf(":%u\n", l.line);
  }
  for (size_t i = 0; i < h->nev; i++) {
    const ana_hist_event *e = &h->ev[i];
    printf("%-8s", kind_names[e->kind]);
    print_where(t, e->step, e->location);
    if (e->kind == ANA_HIST_INCREF || e->kind == ANA_HIST_DECREF) {
      printf("  refcount %lld\n", (long long)e->refcount);
      continue;
    }
    ana_holder_label(t, holder_is_frame(e), e->holder, buf, sizeof buf);
    fputs("  ", stdout);
    cli_put_safe(stdout, buf);
    if (e->slot_kind) {
      slot_text(t, e, buf, sizeof buf);
      fputs("  ", stdout);
      cli_put_safe(stdout, buf);
    }
    fputc('\n', stdout);
  }
  if (!h->freed) {
    puts("free    never (alive when the trace ends)");
    return;
  }
  fputs("free    ", stdout);
  print_where(t, h->free_step, h->free_location);
  printf("  by %s\n", h->free_by_gc ? "the cyclic collector" : "refcount");
}

int cli_history(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  int json = 0, dashdash = 0, nargs = 0;
  const char *args[2] = {NULL, NULL};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!dashdash && strcmp(a, "--") == 0) dashdash = 1;
    else if (!dashdash && strcmp(a, "--json") == 0) json = 1;
    else if (!dashdash && a[0] == '-' && a[1]) return cli_usage_error(usage, "unknown option '%s'", a);
    else if (nargs == 2) return cli_usage_error(usage, "too many arguments: '%s'", a);
    else args[nargs++] = a;
  }
  if (nargs == 0) return cli_usage_error(usage, "no trace given");
  if (nargs == 1) return cli_usage_error(usage, "no object given");
  ana_trace *t = cli_ana_open(args[0]);
  if (!t) return CLI_FAIL;
  if (cli_ana_needs_full(t, "history")) {
    ana_trace_free(t);
    return CLI_FAIL;
  }
  uint64_t id = 0;
  ana_history h;
  memset(&h, 0, sizeof h);
  int rc = ana_history_resolve(t, args[1], &id);
  if (rc == HR_EUSAGE) {
    cli_usage_error(usage, "%s", ana_trace_errmsg(t));
    ana_trace_free(t);
    return CLI_USAGE;
  }
  if (rc == HR_OK) rc = ana_history_compute(t, id, &h);
  if (rc == HR_OK) {
    if (json) print_json(t, &h);
    else print_text(t, &h);
  } else {
    rc = cli_ana_fail(t, rc);
  }
  ana_history_reset(&h);
  ana_trace_free(t);
  if (fflush(stdout) != 0) {
    cli_error("cannot write output: %s", hr_status_str(HR_EIO));
    return CLI_FAIL;
  }
  return rc;
}
