/* cli_referrers.c — `heapreel referrers`: who holds an object, and what it keeps alive. */
#include <stdio.h>
#include <string.h>

#include "ana_refs.h"
#include "ana_region.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_json.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel referrers [--at <point>] [--depth <n>] [--max-paths <n>] [--json] <trace> <object>\n"
  "\n"
  "    --at <point>      where: a step, a mark's label, 'start' or 'end' (default: end)\n"
  "    --depth <n>       the longest path to look for, in references (default 32)\n"
  "    --max-paths <n>   stop after this many paths (default 100)\n"
  "    --json            print {format, object, referrers, paths, retained_bytes} as JSON\n"
  "\n"
  "The object is its id (#123 or 123, as state, leaks and history show it).\n"
  "Prints the roots and objects that refer to it, every distinct path from a\n"
  "root (a module global or a frame's slot) to it, and its retained size: the\n"
  "bytes of what it alone keeps alive (its dominator subtree).\n";

static void hop_label(ana_trace *t, const ana_refs *r, const ana_ref *h, char *buf, size_t n) {
  if (!h->holder) ana_heap_root_label(t, &r->roots[h->root], buf, n);
  else ana_heap_slot_label(t, r->heap, h->kind, h->arg, buf, n);
}

static const char *type_of(ana_trace *t, const ana_refs *r, uint64_t id) {
  const ana_obj *o = ana_state_obj(ana_heap_state(r->heap), id);
  return o ? ana_trace_type_name(t, o->type) : "?";
}

static void print_json(ana_trace *t, const ana_refs *r, const ana_point *at) {
  char buf[256];
  const ana_obj *o = ana_state_obj(ana_heap_state(r->heap), r->obj);
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "at"); cli_ana_json_point(&j, at);
  cli_json_key(&j, "object"); cli_json_uint(&j, r->obj);
  cli_json_key(&j, "type"); cli_json_string(&j, ana_trace_type_name(t, o->type));
  cli_json_key(&j, "size"); cli_json_uint(&j, o->size);
  cli_json_key(&j, "retained_bytes"); cli_json_uint(&j, r->retained_bytes);
  cli_json_key(&j, "retained_count"); cli_json_uint(&j, r->retained_count);
  cli_json_key(&j, "referrers");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < r->ndirect; i++) {
    const ana_ref *h = &r->direct[i];
    hop_label(t, r, h, buf, sizeof buf);
    cli_json_begin_object(&j);
    cli_json_key(&j, "holder");
    if (h->holder) cli_json_uint(&j, h->holder); else cli_json_null(&j);
    cli_json_key(&j, "holder_type"); cli_json_string(&j, h->holder ? type_of(t, r, h->holder) : NULL);
    cli_json_key(&j, h->holder ? "slot" : "root"); cli_json_string(&j, buf);
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_key(&j, "paths");
  cli_json_begin_array(&j);
  for (size_t p = 0; p < r->npaths; p++) {
    cli_json_begin_array(&j);
    for (size_t k = r->path_start[p]; k < r->path_start[p + 1]; k++) {
      hop_label(t, r, &r->hops[k], buf, sizeof buf);
      cli_json_string(&j, buf);
    }
    cli_json_end_array(&j);
  }
  cli_json_end_array(&j);
  cli_json_key(&j, "truncated"); cli_json_bool(&j, r->truncated);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_text(ana_trace *t, const ana_refs *r, const ana_point *at) {
  char buf[256];
  const ana_obj *o = ana_state_obj(ana_heap_state(r->heap), r->obj);
  printf("#%llu ", (unsigned long long)r->obj);
  cli_put_safe(stdout, ana_trace_type_name(t, o->type));
  const char *v = ana_value_short(t, o, buf, sizeof buf);
  if (v) {
    fputc(' ', stdout);
    cli_put_safe(stdout, v);
  }
  printf(" (%llu bytes) at ", (unsigned long long)o->size);
  cli_ana_put_point(stdout, at);
  printf("\nretained: %llu bytes in %llu object%s (what it alone keeps alive)\n",
         (unsigned long long)r->retained_bytes, (unsigned long long)r->retained_count,
         r->retained_count == 1 ? "" : "s");
  printf("\nreferred to by %zu:\n", r->ndirect);
  for (size_t i = 0; i < r->ndirect; i++) {
    const ana_ref *h = &r->direct[i];
    hop_label(t, r, h, buf, sizeof buf);
    fputs("  ", stdout);
    if (h->holder) {
      cli_put_safe(stdout, type_of(t, r, h->holder));
      printf(" #%llu  ", (unsigned long long)h->holder);
    }
    cli_put_safe(stdout, buf);
    fputc('\n', stdout);
  }
  if (!r->ndirect) puts("  nothing the trace shows (interpreter internals, C extensions)");
  printf("\npaths from a root: %zu%s\n", r->npaths, r->truncated ? " (more not shown: --depth, --max-paths)" : "");
  for (size_t p = 0; p < r->npaths; p++) {
    fputs("  ", stdout);
    for (size_t k = r->path_start[p]; k < r->path_start[p + 1]; k++) {
      if (k > r->path_start[p]) fputs(" \xe2\x86\x92 ", stdout);
      hop_label(t, r, &r->hops[k], buf, sizeof buf);
      cli_put_safe(stdout, buf);
    }
    fputc('\n', stdout);
  }
  if (!r->npaths && !r->truncated) puts("  none: no root reaches it");
}

int cli_referrers(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  enum { OPT_JSON = 1, OPT_AT, OPT_DEPTH, OPT_MAX_PATHS };
  static const hr_opt options[] = {
    {"at", 0, 1, OPT_AT, "a value"},
    {"depth", 0, 1, OPT_DEPTH, "a value"},
    {"max-paths", 0, 1, OPT_MAX_PATHS, "a value"},
    {"json", 0, 0, OPT_JSON, NULL},
    {NULL, 0, 0, 0, NULL},
  };
  int json = 0, id;
  const char *at_text = "end", *path = NULL, *obj_text = NULL;
  uint64_t depth = 32, max_paths = 100, obj = 0;
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  while ((id = cli_opts_next(&o, usage)) > 0) {
    if (id == OPT_JSON) json = 1;
    else if (id == OPT_AT) at_text = o.arg;
    else if (hr_parse_u64(o.arg, 1, 100000, id == OPT_DEPTH ? &depth : &max_paths))
      return cli_usage_error(usage, "%s needs a number from 1 to 100000, not '%s'", o.name, o.arg);
  }
  if (id < 0) return CLI_USAGE;
  const char *args[2] = {NULL, NULL};
  if (cli_opts_operands(&o, usage, args, 2) < 0) return CLI_USAGE;
  path = args[0];
  obj_text = args[1];
  if (!path) return cli_usage_error(usage, "no trace given");
  if (!obj_text) return cli_usage_error(usage, "no object given");
  if (cli_parse_u64(obj_text[0] == '#' ? obj_text + 1 : obj_text, &obj) || !obj)
    return cli_usage_error(usage, "an object is an id such as #12, not '%s'", obj_text);
  ana_trace *t = cli_ana_open(path);
  if (!t) return CLI_FAIL;
  ana_point at;
  int rc = cli_ana_point(t, at_text, &at);
  if (rc == CLI_OK && ana_region_check(t, at.seq, at.label) != HR_OK) rc = cli_ana_fail(t, HR_ERANGE);
  if (rc != CLI_OK) {
    ana_trace_free(t);
    return rc;
  }
  ana_refs r;
  int st = ana_refs_compute(t, at.seq, obj, (uint32_t)depth, (size_t)max_paths, &r);
  if (st == HR_OK) {
    if (json) print_json(t, &r, &at);
    else print_text(t, &r, &at);
    rc = CLI_OK;
  } else {
    rc = cli_ana_fail(t, st);
  }
  ana_refs_reset(&r);
  ana_trace_free(t);
  return cli_end_output(rc);
}
