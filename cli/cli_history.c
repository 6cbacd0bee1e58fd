/* cli_history.c — `heapreel history`: one object's life. */
#include <stdio.h>
#include <string.h>

#include "ana_history.h"
#include "ana_view.h"
#include "ana_region.h"
#include "ana_stacks.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_json.h"
#include "cli_out.h"
#include "hr_mem.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel history [--json] <trace> <object>\n"
  "\n"
  "    <object>  an object id (3 or #3), or NAME@STEP: what NAME referred to\n"
  "              just before step STEP (the running frame's names, then globals);\n"
  "              NAME@LABEL, NAME@start, NAME@end: at a mark or the end\n"
  "    --json    print {format, object, type, alloc, free, events} as JSON\n";

static const char *const kind_names[] = {"?", "bind", "unbind", "incref", "decref", "return", "resize"};

static int holder_is_frame(const ana_hist_event *e) {
  return e->kind == ANA_HIST_RETURN || TRC_SLOT_HOLDER_IS_FRAME(e->slot_kind);
}

/* Formatted pieces that repeat across millions of events, made once per
** distinct key: a location's "file:line" (text) or `"file": .., "line": ..`
** (JSON), a holder's label, a slot's label. Direct-mapped; a collision
** replaces the entry. */
#define PIECE_SLOTS 256
typedef struct piece {
  uint64_t a, b;
  char *s;           /* owned; NULL: empty entry */
  size_t n;
} piece;

typedef struct hist_out {
  ana_trace *t;
  int json;
  uint64_t *made;    /* owned: a tracked object's allocation stack (locations, outermost first) */
  uint32_t nmade;
  cli_out o;
  cli_out scratch;   /* memory-only, to format a piece */
  piece loc[PIECE_SLOTS], holder[PIECE_SLOTS], slot[PIECE_SLOTS];
} hist_out;

static void pieces_free(piece *p) {
  for (size_t i = 0; i < PIECE_SLOTS; i++) hr_free(p[i].s);
}

static size_t piece_hash(uint64_t a, uint64_t b) {
  uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full);
  return (size_t)(h >> 56) % PIECE_SLOTS;
}

/* `global 'x'`, `local 'a'` for a frame's names; `item[0]`, `attr 'n'` ... for
** objects; file:line for locations: piece (which, a, b) into o. */
static void format_piece(hist_out *w, cli_out *o, int which, uint64_t a, uint64_t b) {
  char buf[256];
  ana_trace *t = w->t;
  if (which == 0) {            /* location a */
    ana_loc l = ana_trace_location(t, a);
    if (!w->json) {
      cli_out_safe(o, l.file);
      cli_out_char(o, ':');
      cli_out_u64_left(o, l.line, 5);
    } else if (a) {
      cli_out_str(o, "\"file\": ");
      cli_out_json_string(o, l.file, strlen(l.file));
      cli_out_str(o, ", \"line\": ");
      cli_out_u64(o, l.line);
    } else {
      cli_out_str(o, "\"file\": null, \"line\": null");
    }
    return;
  }
  if (which == 1) ana_holder_label(t, (int)b, a, buf, sizeof buf);  /* holder a, is_frame b */
  else {                                                            /* slot kind a, arg b */
    char label[200];
    ana_slot_label(t, NULL, (int)a, b, label, sizeof label);
    if (TRC_SLOT_HOLDER_IS_FRAME((int)a))
      snprintf(buf, sizeof buf, "%s '%s'", trc_slot_name((int)a), label);
    else
      snprintf(buf, sizeof buf, "%s", label);
  }
  if (w->json) cli_out_json_string(o, buf, strlen(buf));
  else cli_out_safe(o, buf);
}

/* Write piece (which, a, b), from the cache when it is there. */
static void put_piece(hist_out *w, int which, uint64_t a, uint64_t b) {
  piece *tab = which == 0 ? w->loc : which == 1 ? w->holder : w->slot;
  piece *p = &tab[piece_hash(a, b)];
  if (p->s && p->a == a && p->b == b) {
    cli_out_write(&w->o, p->s, p->n);
    return;
  }
  cli_out_init(&w->scratch, NULL);
  format_piece(w, &w->scratch, which, a, b);
  const char *text = w->scratch.buf;
  size_t n = w->scratch.n;
  char *copy = w->scratch.err ? NULL : hr_malloc(n ? n : 1);
  if (copy) {
    memcpy(copy, text, n);
    hr_free(p->s);
    p->s = copy;
    p->n = n;
    p->a = a;
    p->b = b;
    cli_out_write(&w->o, copy, n);
    return;
  }
  /* Too long to keep (or no memory): format it straight into the output. */
  format_piece(w, &w->o, which, a, b);
}

static void json_where(cli_json *j, ana_trace *t, uint64_t step, uint64_t location) {
  ana_loc l = ana_trace_location(t, location);
  cli_json_key(j, "step"); cli_json_uint(j, step);
  cli_json_key(j, "file"); cli_json_string(j, location ? l.file : NULL);
  cli_json_key(j, "line");
  if (location) cli_json_uint(j, l.line); else cli_json_null(j);
}

/* One event as an inline JSON object, as cli_json would write it. */
static void json_event(hist_out *w, const ana_hist_event *e) {
  cli_out *o = &w->o;
  cli_out_str(o, "{\"step\": ");
  cli_out_u64(o, e->step);
  cli_out_str(o, ", ");
  put_piece(w, 0, e->location, 0);
  cli_out_str(o, ", \"kind\": \"");
  cli_out_str(o, kind_names[e->kind]);
  cli_out_str(o, "\", \"holder\": ");
  if (e->kind == ANA_HIST_INCREF || e->kind == ANA_HIST_DECREF || e->kind == ANA_HIST_RESIZE)
    cli_out_str(o, "null");
  else put_piece(w, 1, e->holder, (uint64_t)holder_is_frame(e));
  cli_out_str(o, ", \"holder_id\": ");
  if (e->holder) cli_out_u64(o, e->holder);
  else cli_out_str(o, "null");
  cli_out_str(o, ", \"slot\": ");
  if (e->slot_kind) put_piece(w, 2, (uint64_t)e->slot_kind, e->slot_arg);
  else cli_out_str(o, "null");
  cli_out_str(o, ", \"refcount\": ");
  if (e->refcount >= 0) cli_out_i64(o, e->refcount);
  else cli_out_str(o, "null");
  if (e->kind == ANA_HIST_RESIZE) {
    cli_out_str(o, ", \"size\": ");
    cli_out_u64(o, e->size);
  }
  cli_out_char(o, '}');
}

static void print_json(hist_out *w, const ana_history *h) {
  ana_trace *t = w->t;
  cli_json j;
  cli_json_init_out(&j, &w->o, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "object"); cli_json_uint(&j, h->object);
  cli_json_key(&j, "type"); cli_json_string(&j, ana_trace_type_name(t, h->type));
  cli_json_key(&j, "value");
  if (h->value) cli_json_string(&j, ana_trace_string(t, h->value));
  else cli_json_null(&j);
  cli_json_key(&j, "size"); cli_json_uint(&j, h->size);
  cli_json_key(&j, "alloc_size"); cli_json_uint(&j, h->alloc_size);
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
  /* A tracked object: the stack its allocation outside the regions had. */
  cli_json_key(&j, "made");
  if (w->nmade) {
    cli_json_begin_array(&j);
    for (uint32_t i = 0; i < w->nmade; i++) {
      ana_loc l = ana_trace_location(t, w->made[i]);
      cli_json_begin_object(&j);
      cli_json_key(&j, "function"); cli_json_string(&j, l.function);
      cli_json_key(&j, "file"); cli_json_string(&j, l.file);
      cli_json_key(&j, "line"); cli_json_uint(&j, l.line);
      cli_json_end_object(&j);
    }
    cli_json_end_array(&j);
  } else {
    cli_json_null(&j);
  }
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
  for (size_t i = 0; i < h->nev; i++) {
    cli_json_raw(&j, NULL, 0);
    json_event(w, &h->ev[i]);
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_where(hist_out *w, uint64_t step, uint64_t location) {
  cli_out_str(&w->o, "step ");
  cli_out_u64_left(&w->o, step, 6);
  cli_out_char(&w->o, ' ');
  put_piece(w, 0, location, 0);
}

/* Which region of v (n of them) holds seq: its index, n past the last. */
static size_t region_of(const ana_region *v, size_t n, uint64_t seq) {
  size_t i = 0;
  while (i < n && v[i].to_seq < seq) i++;
  return i;
}

/* In a trace recorded in regions, a line where the history crosses the
** gap between two: what happened to the object there was not recorded. */
static void region_gap(hist_out *w, const ana_region *v, size_t n, uint64_t prev, uint64_t seq) {
  if (n && region_of(v, n, seq) > region_of(v, n, prev))
    cli_out_str(&w->o, "        -- outside the recorded regions: not recorded --\n");
}

static void print_text(hist_out *w, const ana_history *h) {
  ana_trace *t = w->t;
  cli_out *o = &w->o;
  size_t nreg = ana_region_traced(t) ? ana_region_list(t, NULL, 0) : 0;
  ana_region *reg = nreg ? hr_calloc(nreg, sizeof *reg) : NULL;
  nreg = reg ? ana_region_list(t, reg, nreg) : 0;
  uint64_t prev = h->alloc_seq;
  cli_out_str(o, "object #");
  cli_out_u64(o, h->object);
  cli_out_char(o, ' ');
  cli_out_safe(o, ana_trace_type_name(t, h->type));
  if (h->value) {
    cli_out_str(o, "  ");
    cli_out_safe(o, ana_trace_string(t, h->value));
  }
  char buf[120];
  if (h->alloc_size != h->size)
    snprintf(buf, sizeof buf, "  size %llu (%llu when made)  at 0x%llx\n", (unsigned long long)h->size,
             (unsigned long long)h->alloc_size, (unsigned long long)h->address);
  else
    snprintf(buf, sizeof buf, "  size %llu  at 0x%llx\n", (unsigned long long)h->size,
             (unsigned long long)h->address);
  cli_out_str(o, buf);
  cli_out_str(o, h->preexisting ? "tracked " : "alloc   ");
  print_where(w, h->alloc_step, h->alloc_location);
  cli_out_char(o, '\n');
  for (size_t i = 0; i < h->nstack; i++) {
    const ana_frame_info *fi = ana_trace_frame_info(t, h->stack[i].frame);
    ana_loc l = ana_trace_location(t, h->stack[i].location);
    cli_out_str(o, i ? "        called " : "        in     ");
    cli_out_safe(o, fi ? ana_trace_location(t, fi->location).function : l.function);
    cli_out_str(o, "  ");
    cli_out_safe(o, l.file);
    cli_out_char(o, ':');
    cli_out_u64(o, l.line);
    cli_out_char(o, '\n');
  }
  if (w->nmade) cli_out_str(o, "made    outside the recorded regions\n");
  for (uint32_t i = 0; i < w->nmade; i++) {
    ana_loc l = ana_trace_location(t, w->made[i]);
    cli_out_str(o, i ? "        called " : "        in     ");
    cli_out_safe(o, l.function);
    cli_out_str(o, "  ");
    cli_out_safe(o, l.file);
    cli_out_char(o, ':');
    cli_out_u64(o, l.line);
    cli_out_char(o, '\n');
  }
  for (size_t i = 0; i < h->nev; i++) {
    const ana_hist_event *e = &h->ev[i];
    region_gap(w, reg, nreg, prev, e->seq);
    prev = e->seq;
    const char *kn = kind_names[e->kind];
    size_t kl = strlen(kn);
    cli_out_write(o, kn, kl);
    if (kl < 8) cli_out_pad(o, 8 - kl);
    print_where(w, e->step, e->location);
    if (e->kind == ANA_HIST_INCREF || e->kind == ANA_HIST_DECREF) {
      cli_out_str(o, "  refcount ");
      cli_out_i64(o, e->refcount);
      cli_out_char(o, '\n');
      continue;
    }
    if (e->kind == ANA_HIST_RESIZE) {
      cli_out_str(o, "  size ");
      cli_out_u64(o, e->size);
      cli_out_char(o, '\n');
      continue;
    }
    cli_out_str(o, "  ");
    put_piece(w, 1, e->holder, (uint64_t)holder_is_frame(e));
    if (e->slot_kind) {
      cli_out_str(o, "  ");
      put_piece(w, 2, (uint64_t)e->slot_kind, e->slot_arg);
    }
    cli_out_char(o, '\n');
  }
  if (h->freed) region_gap(w, reg, nreg, prev, h->free_seq);
  hr_free(reg);
  if (!h->freed) {
    cli_out_str(o, "free    never (alive when the trace ends)\n");
    return;
  }
  cli_out_str(o, "free    ");
  print_where(w, h->free_step, h->free_location);
  cli_out_str(o, h->free_by_gc ? "  by the cyclic collector\n" : "  by refcount\n");
}

/* Print h as text or JSON; 0, or -1 when a write failed. */
static int print_history(ana_trace *t, const ana_history *h, int json) {
  hist_out *w = hr_calloc(1, sizeof *w);
  if (!w) return -2;
  w->t = t;
  w->json = json;
  ana_stacks *st = NULL;
  if (h->made_stack && ana_stacks_load(t, &st) == HR_OK &&
      (w->made = hr_malloc(4096 * sizeof *w->made)) != NULL)
    w->nmade = ana_stacks_get(st, h->made_stack, w->made, 4096);
  ana_stacks_free(st);
  cli_out_init(&w->o, stdout);
  if (json) print_json(w, h);
  else print_text(w, h);
  int rc = cli_out_flush(&w->o);
  pieces_free(w->loc);
  pieces_free(w->holder);
  pieces_free(w->slot);
  hr_free(w->made);
  hr_free(w);
  return rc;
}

int cli_history(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  static const hr_opt options[] = {{"json", 0, 0, 1, NULL}, {NULL, 0, 0, 0, NULL}};
  int json = 0, nargs = 0, opt;
  const char *args[2] = {NULL, NULL};
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  while ((opt = cli_opts_next(&o, usage)) > 0) json = 1;
  if (opt < 0) return CLI_USAGE;
  if ((nargs = cli_opts_operands(&o, usage, args, 2)) < 0) return CLI_USAGE;
  if (nargs == 0) return cli_usage_error(usage, "no trace given");
  if (nargs == 1) return cli_usage_error(usage, "no object given");
  /* "ID", "#ID", "NAME@STEP" or "NAME@POINT"; numbers are parsed as
  ** everywhere else on the command line (cli_parse_u64), so one out of
  ** range is a usage error. */
  const char *spec = args[1], *at = strrchr(spec, '@'), *point = NULL;
  uint64_t id = 0, step = 0;
  char *name = NULL;
  if (!at) {
    if (cli_parse_u64(spec[0] == '#' ? spec + 1 : spec, &id) || !id)
      return cli_usage_error(usage, "'%s' is not an object id or NAME@STEP", spec);
  } else {
    /* After the '@', a number is a step; anything else names a point. */
    int by_point = at[1] && (at[1] < '0' || at[1] > '9');
    if (at == spec || (!by_point && cli_parse_u64(at + 1, &step)))
      return cli_usage_error(usage, "'%s' is not an object id or NAME@STEP", spec);
    if (by_point) point = at + 1;
    name = hr_strndup(spec, (size_t)(at - spec));
    if (!name) {
      cli_error("%s", hr_status_str(HR_ENOMEM));
      return CLI_FAIL;
    }
  }
  ana_trace *t = cli_ana_open(args[0]);
  if (!t || cli_ana_needs_full(t, "history")) {
    hr_free(name);
    ana_trace_free(t);
    return CLI_FAIL;
  }
  ana_history h;
  memset(&h, 0, sizeof h);
  int rc = name ? ana_history_name_at(t, name, point, step, &id) : HR_OK;
  hr_free(name);
  if (rc == HR_OK) rc = ana_history_compute(t, id, &h);
  if (rc == HR_OK) {
    if (print_history(t, &h, json) == -2) rc = cli_ana_fail(t, HR_ENOMEM);
  } else {
    rc = cli_ana_fail(t, rc);
  }
  ana_history_reset(&h);
  ana_trace_free(t);
  return cli_end_output(rc);
}
