/* cli_heap.c — sites, stacks and object groups for leaks, cycles and peak. */
#include "cli_heap.h"

#include "cli_ana.h"

void cli_heap_put_loc(FILE *out, ana_trace *t, uint64_t location) {
  if (location == 0) {
    fputs(CLI_HEAP_NO_LINE, out);
    return;
  }
  ana_loc l = ana_trace_location(t, location);
  cli_put_safe(out, l.file);
  fprintf(out, ":%u in ", l.line);
  cli_put_safe(out, l.function);
}

void cli_heap_put_stack(FILE *out, ana_trace *t, const uint64_t *stack, uint32_t depth) {
  for (uint32_t i = 0; i < depth; i++) {
    if (i) fputs(" \xe2\x86\x92 ", out);
    cli_heap_put_loc(out, t, stack[i]);
  }
}

void cli_heap_json_stack(cli_json *j, ana_trace *t, const uint64_t *stack, uint32_t depth) {
  cli_json_begin_array(j);
  for (uint32_t i = 0; i < depth; i++) {
    ana_loc l = ana_trace_location(t, stack[i]);
    cli_json_begin_object(j);
    cli_json_key(j, "file"); cli_json_string(j, l.file);
    cli_json_key(j, "line"); cli_json_uint(j, l.line);
    cli_json_key(j, "function"); cli_json_string(j, l.function);
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
}

void cli_heap_json_site(cli_json *j, ana_trace *t, const ana_site *site) {
  int known = site && site->location;
  ana_loc l = ana_trace_location(t, known ? site->location : 0);
  cli_json_key(j, "file"); cli_json_string(j, known ? l.file : NULL);
  cli_json_key(j, "line");
  if (known) cli_json_uint(j, l.line); else cli_json_null(j);
  cli_json_key(j, "function"); cli_json_string(j, known ? l.function : NULL);
  cli_json_key(j, "stack");
  cli_heap_json_stack(j, t, site ? site->stack : NULL, site ? site->depth : 0);
}

void cli_heap_put_groups(ana_trace *t, const ana_heap *h, const ana_leak_group *g, size_t n,
                         size_t max) {
  for (size_t i = 0; i < n; i++) {
    if (max && i == max) {
      printf("  ... %zu more group%s (--json lists them all)\n", n - i, n - i == 1 ? "" : "s");
      break;
    }
    const ana_site *site = ana_heap_site(h, g[i].site);
    printf("  %llu bytes in %llu ", (unsigned long long)g[i].bytes, (unsigned long long)g[i].count);
    cli_put_safe(stdout, ana_trace_type_name(t, g[i].type));
    fputs("  allocated at ", stdout);
    if (site && site->location) cli_heap_put_loc(stdout, t, site->location);
    else fputs("an unknown place", stdout);
    fputc('\n', stdout);
    if (site && site->depth > 1) {
      fputs("      stack: ", stdout);
      cli_heap_put_stack(stdout, t, site->stack, site->depth);
      fputc('\n', stdout);
    }
  }
}

void cli_heap_json_group_keys(cli_json *j, ana_trace *t, const ana_heap *h, const ana_leak_group *g) {
  cli_heap_json_site(j, t, ana_heap_site(h, g->site));
  cli_json_key(j, "type"); cli_json_string(j, ana_trace_type_name(t, g->type));
  cli_json_key(j, "count"); cli_json_uint(j, g->count);
  cli_json_key(j, "bytes"); cli_json_uint(j, g->bytes);
  cli_json_key(j, "example"); cli_json_uint(j, g->example);
}
