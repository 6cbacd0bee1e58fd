/* cli_state.c — `heapreel state`: frames and heap objects just before a step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ana_finished.h"
#include "ana_stacks.h"
#include "ana_state.h"
#include "ana_threads.h"
#include "ana_view.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"
#include "ana_point.h"
#include "ana_region.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel state (--step <n> | --line <l>[:<k>] | --mark <label> | --at <point>)\n"
  "                      [--expand] [--all-names]\n"
  "                      [--max-refs <n>] [--json] <trace>\n"
  "\n"
  "    --step <n>        the state just before step <n> runs\n"
  "    --line <l>[:<k>]  before the first step of the <k>-th execution (default 1)\n"
  "                      of line <l> of the main script\n"
  "    --mark <label>    where the program called heapreel.mark(<label>)\n"
  "    --at <point>      a step number, a mark's label, mark:<label>, 'start' or 'end'\n"
  "    --expand          follow the references of objects that existed before the\n"
  "                      program (modules, classes, functions), shown as leaves otherwise\n"
  "    --all-names       also show a module's dunder names (__name__, __doc__,\n"
  "                      __builtins__, ...), a class's (__module__, __dict__, ...)\n"
  "                      and what only they refer to\n"
  "    --max-refs <n>    follow at most <n> references of each object, in slot\n"
  "                      order (default 100; 0: all); the rest are counted\n"
  "    --json            print {format, step, file, line, function, frames, objects} as JSON\n";

struct state_args {
  const char *path, *mark, *line_arg;
  uint64_t step;
  uint32_t line;
  uint64_t k;
  uint64_t max_refs;
  int how, expand, all_names, json;   /* how: 0 none, 's' step, 'l' line, 'm' mark */
};

/* The step, location and running frame that the state is shown at. */
struct where {
  uint64_t step, location, frame;
  int alloc;             /* an alloc trace: the state is its end-of-run graph */
  ana_threads threads;   /* thread numbers (1 the main thread) for output */
};

static int parse_line(const char *s, struct state_args *a) {
  char buf[64];
  uint64_t line, k = 1;
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  char *colon = strchr(buf, ':');
  if (colon) {
    *colon = '\0';
    if (cli_parse_u64(colon + 1, &k) || !k) return -1;
  }
  if (cli_parse_u64(buf, &line) || !line || line > UINT32_MAX) return -1;
  a->line = (uint32_t)line;
  a->k = k;
  return 0;
}

enum { OPT_JSON = 1, OPT_EXPAND, OPT_ALL_NAMES, OPT_MAX_REFS, OPT_STEP, OPT_LINE, OPT_MARK, OPT_AT };
static const hr_opt options[] = {
  {"step", 0, 1, OPT_STEP, "a value"},
  {"line", 0, 1, OPT_LINE, "a value"},
  {"mark", 0, 1, OPT_MARK, "a value"},
  {"at", 0, 1, OPT_AT, "a value"},
  {"expand", 0, 0, OPT_EXPAND, NULL},
  {"all-names", 0, 0, OPT_ALL_NAMES, NULL},
  {"max-refs", 0, 1, OPT_MAX_REFS, "a value"},
  {"json", 0, 0, OPT_JSON, NULL},
  {NULL, 0, 0, 0, NULL},
};

static int parse_args(int argc, char **argv, struct state_args *a) {
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  int id;
  while ((id = cli_opts_next(&o, usage)) > 0) {
    const char *val = o.arg;
    switch (id) {
    case OPT_JSON: a->json = 1; continue;
    case OPT_EXPAND: a->expand = 1; continue;
    case OPT_ALL_NAMES: a->all_names = 1; continue;
    case OPT_MAX_REFS:
      if (hr_parse_u64(val, 0, UINT32_MAX, &a->max_refs))
        return cli_usage_error(usage, "--max-refs needs a count, not '%s'", val);
      continue;
    default: break;
    }
    if (a->how) return cli_usage_error(usage, "give only one of --step, --line, --mark and --at");
    a->how = id == OPT_STEP ? 's' : id == OPT_LINE ? 'l' : id == OPT_MARK ? 'm' : 'a';
    if (id == OPT_STEP && cli_parse_u64(val, &a->step))
      return cli_usage_error(usage, "--step needs a step number, not '%s'", val);
    if (id == OPT_LINE && parse_line(val, a))
      return cli_usage_error(usage, "--line needs <line> or <line>:<k>, not '%s'", val);
    if (id == OPT_MARK || id == OPT_AT) a->mark = val;
  }
  if (id < 0) return CLI_USAGE;
  if (cli_opts_operands(&o, usage, &a->path, 1) < 0) return CLI_USAGE;
  if (!a->path) return cli_usage_error(usage, "no trace given");
  if (!a->how) return cli_usage_error(usage, "say where: --step, --line, --mark or --at");
  return CLI_OK;
}

/* An alloc trace holds references from its end-of-run graph on: the first
** call event (its module frame) starts it. 0 when there is none. */
static uint64_t graph_seq(ana_trace *t) {
  sqlite3_stmt *st = NULL;
  uint64_t seq = 0;
  if (sqlite3_prepare_v2(ana_trace_db(t), "SELECT min(call_seq) FROM frames", -1, &st, NULL) ==
          SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    seq = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return seq;
}

/* Rebuild the state the arguments ask for into s. */
static int load_state(ana_trace *t, const struct state_args *a, ana_state *s, struct where *w) {
  trc_event ev;
  uint64_t step = a->step;
  int rc;
  int alloc = ana_trace_is_alloc(t);
  int how = a->how;
  uint64_t seq = 0;
  if (how == 'a') {
    /* One resolver for every point (ana_point.h); a step goes the --step way. */
    ana_point p;
    if ((rc = ana_point_resolve(t, a->mark, &p)) != HR_OK) return rc;
    if ((rc = ana_region_check(t, p.seq, a->mark)) != HR_OK) return rc;
    how = p.kind == ANA_POINT_STEP ? 's' : 'p';
    step = p.step;
    seq = p.seq + 1;   /* the state holds the events before the mark's */
  }
  if (alloc && how != 'm' && how != 'p') return HR_EUSAGE;
  if (how == 'm' || how == 'p') {
    rc = how == 'm' ? ana_trace_mark(t, a->mark, &seq, &step) : HR_OK;
    if (rc == HR_OK && how == 'm') rc = ana_region_check(t, seq - 1, a->mark);
    if (rc == HR_OK && alloc) {
      uint64_t g = graph_seq(t);
      if (!g || seq < g) return HR_EUSAGE;
    }
    if (rc == HR_OK) rc = ana_trace_state_at_seq(t, seq - 1, s);
    if (rc == HR_OK && !alloc) rc = ana_finished_add_main(t, s, seq - 1);
    if (rc) return rc;
    w->step = step;
    w->location = ana_state_location(s);
    w->frame = ana_state_frame_id(s);
    w->alloc = alloc;
    return HR_OK;
  }
  if (how == 'l' && (rc = ana_trace_line_step(t, a->line, a->k, &step)) != HR_OK) return rc;
  rc = ana_trace_state_before_step(t, step, s, &ev);
  if (rc == HR_OK) rc = ana_finished_add_main(t, s, ev.seq - 1);
  if (rc) return rc;
  w->step = step;
  w->location = ev.f[1];
  w->frame = ev.f[0];
  return HR_OK;
}

/* Where a frame stands: the running frame is about to run w's step, so it
** shows that line; any other frame shows the line of its latest step (its
** call in progress), or its first line before it ran any. */
static ana_loc frame_at(ana_trace *t, const ana_frame *f, const struct where *w) {
  if (f->id == w->frame && w->location) return ana_trace_location(t, w->location);
  return ana_trace_location(t, f->cur_location ? f->cur_location : f->location);
}

static void json_frames(cli_json *j, ana_trace *t, const ana_state *s, const struct where *w,
                        const ana_view *v) {
  char label[256];
  cli_json_key(j, "frames");
  cli_json_begin_array(j);
  for (size_t i = 0; i < v->nframes; i++) {
    const ana_frame *f = v->frames[i];
    ana_loc code = ana_trace_location(t, f->location);
    ana_loc at = frame_at(t, f, w);
    cli_json_begin_object(j);
    cli_json_key(j, "id"); cli_json_uint(j, f->id);
    cli_json_key(j, "function"); cli_json_string(j, code.function);
    cli_json_key(j, "finished"); cli_json_bool(j, f->finished);
    cli_json_key(j, "file"); cli_json_string(j, at.file);
    cli_json_key(j, "line"); cli_json_uint(j, at.line);
    cli_json_key(j, "thread"); cli_json_uint(j, f->thread);
    cli_json_key(j, "thread_no"); cli_json_uint(j, ana_threads_number(&w->threads, f->thread));
    cli_json_key(j, "on_stack"); cli_json_bool(j, i < v->nstack);
    cli_json_key(j, "slots");
    cli_json_begin_array(j);
    for (uint32_t k = 0; k < f->slots.n; k++) {
      const ana_slot *sl = &f->slots.v[k];
      if (!ana_view_shows_slot(t, v, f, sl)) continue;
      ana_slot_label(t, s, sl->kind, sl->arg, label, sizeof label);
      cli_json_begin_object(j);
      cli_json_key(j, "name"); cli_json_string(j, label);
      cli_json_key(j, "kind"); cli_json_string(j, trc_slot_name(sl->kind));
      cli_json_key(j, "object");
      if (sl->obj) cli_json_uint(j, sl->obj); else cli_json_null(j);
      cli_json_end_object(j);
    }
    cli_json_end_array(j);
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
}

/* The next of o's references the view shows (one JSON or text line each),
** from slot *k on; NULL after the last, or once *shown reaches the view's
** max_refs (the rest are counted by ana_view_refs_omitted). */
static const ana_slot *next_shown_ref(ana_trace *t, const ana_view *v, const ana_obj *o,
                                      uint32_t *k, uint32_t *shown) {
  while (*k < o->slots.n) {
    const ana_slot *sl = &o->slots.v[(*k)++];
    if (!sl->obj || !ana_view_shows_ref(t, v, sl)) continue;
    if (v->max_refs && (*shown)++ == v->max_refs) return NULL;
    return sl;
  }
  return NULL;
}

/* Where a tracked object of a trace recorded in regions was made outside
** them (a site event right before its track event): its stack's locations,
** outermost first, into buf; 0 when not known. The stacks table is read
** once; other traces ask nothing (each look-up decodes a chunk). */
static ana_stacks *g_made_stacks;
static int g_made_loaded;

static uint32_t made_at(ana_trace *t, const ana_obj *o, uint64_t *buf, uint32_t cap) {
  if (!o->preexisting || !ana_region_traced(t)) return 0;
  const ana_obj_text *ot = ana_trace_object_text(t, o->id);
  if (ot == NULL || ot->made == 0) return 0;
  if (!g_made_loaded) {
    g_made_loaded = 1;
    if (ana_stacks_load(t, &g_made_stacks) != HR_OK) {
      g_made_stacks = NULL;
      ana_trace_fail(t, HR_OK, "%s", "");
    }
  }
  return g_made_stacks ? ana_stacks_get(g_made_stacks, ot->made, buf, cap) : 0;
}

#define MADE_DEPTH 128

static void json_objects(cli_json *j, ana_trace *t, const ana_state *s, const ana_view *v) {
  char label[512], value[512];
  cli_json_key(j, "objects");
  cli_json_begin_array(j);
  for (size_t i = 0; i < v->nobjs; i++) {
    const ana_obj *o = v->objs[i];
    cli_json_begin_object(j);
    cli_json_key(j, "id"); cli_json_uint(j, o->id);
    cli_json_key(j, "type"); cli_json_string(j, ana_trace_type_name(t, o->type));
    cli_json_key(j, "value"); cli_json_string(j, ana_value_short(t, o, value, sizeof value));
    cli_json_key(j, "refcount");
    if (o->refcount >= 0) cli_json_int(j, o->refcount); else cli_json_null(j);
    cli_json_key(j, "address"); cli_json_uint(j, o->address);
    cli_json_key(j, "size"); cli_json_uint(j, o->size);
    cli_json_key(j, "preexisting"); cli_json_bool(j, o->preexisting);
    uint64_t made[MADE_DEPTH];
    uint32_t nmade = made_at(t, o, made, MADE_DEPTH);
    cli_json_key(j, "made");
    if (nmade) cli_heap_json_stack(j, t, made, nmade); else cli_json_null(j);
    cli_json_key(j, "expanded"); cli_json_bool(j, !v->leaf[i]);
    cli_json_key(j, "refs");
    cli_json_begin_array(j);
    uint32_t k = 0, shown = 0;
    for (const ana_slot *sl; !v->leaf[i] && (sl = next_shown_ref(t, v, o, &k, &shown));) {
      ana_slot_label(t, s, sl->kind, sl->arg, label, sizeof label);
      cli_json_begin_object(j);
      cli_json_key(j, "slot"); cli_json_string(j, label);
      cli_json_key(j, "object"); cli_json_uint(j, sl->obj);
      cli_json_end_object(j);
    }
    cli_json_end_array(j);
    cli_json_key(j, "refs_omitted"); cli_json_uint(j, v->leaf[i] ? 0 : ana_view_refs_omitted(v, o));
    cli_json_end_object(j);
  }
  cli_json_end_array(j);
}

static void print_json(ana_trace *t, const ana_state *s, const struct where *w, const ana_view *v) {
  cli_json j;
  ana_loc at = ana_trace_location(t, w->location);
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "step"); cli_json_uint(&j, w->step);
  cli_json_key(&j, "file"); cli_json_string(&j, at.file);
  cli_json_key(&j, "line"); cli_json_uint(&j, at.line);
  cli_json_key(&j, "function"); cli_json_string(&j, at.function);
  cli_json_key(&j, "frame"); cli_json_uint(&j, w->frame);
  json_frames(&j, t, s, w, v);
  json_objects(&j, t, s, v);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_frames(ana_trace *t, const ana_state *s, const struct where *w,
                         const ana_view *v) {
  char label[512];
  puts("frames (outermost first)");
  for (size_t i = 0; i < v->nframes; i++) {
    const ana_frame *f = v->frames[i];
    ana_loc code = ana_trace_location(t, f->location);
    ana_loc at = frame_at(t, f, w);
    fputs("  ", stdout);
    cli_put_safe(stdout, code.function);
    fputs(f->finished ? " (finished)  " : "  ", stdout);
    cli_put_safe(stdout, at.file);
    if (!w->alloc) printf(":%u", at.line);     /* an alloc trace's frames are modules */
    printf("  (frame %llu", (unsigned long long)f->id);
    if (w->threads.n > 1)
      printf(", thread %llu", (unsigned long long)ana_threads_number(&w->threads, f->thread));
    printf("%s)\n", i < v->nstack || w->alloc ? "" : ", not on the running stack");
    for (uint32_t k = 0; k < f->slots.n; k++) {
      const ana_slot *sl = &f->slots.v[k];
      if (!ana_view_shows_slot(t, v, f, sl)) continue;
      ana_slot_label(t, s, sl->kind, sl->arg, label, sizeof label);
      fputs("    ", stdout);
      cli_put_safe(stdout, label);
      if (sl->obj) printf(" -> #%llu\n", (unsigned long long)sl->obj);
      else puts(" (unbound)");
    }
  }
}

static void print_objects(ana_trace *t, const ana_state *s, const ana_view *v) {
  char label[512], value[512];
  puts("objects");
  for (size_t i = 0; i < v->nobjs; i++) {
    const ana_obj *o = v->objs[i];
    const char *val = ana_value_short(t, o, value, sizeof value);
    printf("  #%llu ", (unsigned long long)o->id);
    cli_put_safe(stdout, ana_trace_type_name(t, o->type));
    if (val) printf("  %s", val);
    if (o->refcount >= 0)
      printf("  refcount %lld%s", (long long)o->refcount,
             ana_refcount_is_static(o->refcount) ? " (static)" : "");
    else fputs("  refcount ?", stdout);
    printf("  size %llu  at 0x%llx", (unsigned long long)o->size, (unsigned long long)o->address);
    uint64_t made[MADE_DEPTH];
    uint32_t nmade = made_at(t, o, made, MADE_DEPTH);
    if (nmade) {
      ana_loc l = ana_trace_location(t, made[nmade - 1]);
      fputs("  (existed before, made at ", stdout);
      cli_put_safe(stdout, l.file);
      printf(":%u%s)\n", l.line, v->leaf[i] ? ", not expanded" : "");
    } else {
      puts(v->leaf[i] ? "  (existed before, not expanded)" : "");
    }
    uint32_t k = 0, shown = 0;
    for (const ana_slot *sl; !v->leaf[i] && (sl = next_shown_ref(t, v, o, &k, &shown));) {
      ana_slot_label(t, s, sl->kind, sl->arg, label, sizeof label);
      fputs("      ", stdout);
      cli_put_safe(stdout, label);
      printf(" -> #%llu\n", (unsigned long long)sl->obj);
    }
    uint32_t omitted = v->leaf[i] ? 0 : ana_view_refs_omitted(v, o);
    if (omitted) printf("      ... %u more (--max-refs 0 shows all)\n", omitted);
  }
}

static void print_text(ana_trace *t, const ana_state *s, const struct where *w, const ana_view *v,
                       const char *mark) {
  if (w->alloc) {
    /* No steps: the end-of-run graph, with the user modules' globals as frames. */
    fputs("mark ", stdout);
    cli_put_safe(stdout, mark);
    puts(": the end of the main script (alloc detail: the objects alive then and their"
         " references)\n");
    print_frames(t, s, w, v);
    fputc('\n', stdout);
    print_objects(t, s, v);
    return;
  }
  ana_loc at = ana_trace_location(t, w->location);
  const char *src = ana_trace_source_line(t, at.file_sid, at.line);
  printf("step %llu  ", (unsigned long long)w->step);
  cli_put_safe(stdout, at.file);
  printf(":%u  in ", at.line);
  cli_put_safe(stdout, at.function);
  fputc('\n', stdout);
  if (src) {
    fputs("  | ", stdout);
    cli_put_safe(stdout, src);
    fputc('\n', stdout);
  }
  fputc('\n', stdout);
  print_frames(t, s, w, v);
  fputc('\n', stdout);
  print_objects(t, s, v);
}

int cli_state(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  struct state_args a;
  memset(&a, 0, sizeof a);
  a.max_refs = 100;
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  ana_trace *t = cli_ana_open(a.path);
  if (!t) return CLI_FAIL;
  ana_state *s = ana_state_new();
  struct where w;
  memset(&w, 0, sizeof w);
  ana_view v;
  memset(&v, 0, sizeof v);
  rc = s ? load_state(t, &a, s, &w) : HR_ENOMEM;
  if (rc == HR_OK) rc = ana_threads_load(t, &w.threads);
  if (rc == HR_EUSAGE) {
    /* An alloc trace answers only from its end-of-run graph. */
    cli_ana_needs_full(t, a.how == 'm' ? "the state at a mark before the end of the main script"
                          : a.how == 'l' ? "state --line" : "state --step");
    ana_state_free(s);
    ana_trace_free(t);
    return CLI_FAIL;
  }
  if (rc == HR_OK) rc = ana_view_build_max(t, s, w.frame, (a.expand ? ANA_VIEW_EXPAND : 0) | (a.all_names ? ANA_VIEW_ALL_NAMES : 0),
                                           (uint32_t)a.max_refs, &v);
  if (rc == HR_OK) {
    if (a.json) print_json(t, s, &w, &v);
    else print_text(t, s, &w, &v, a.mark);
    rc = CLI_OK;
  } else {
    rc = cli_ana_fail(t, rc);
  }
  ana_view_reset(&v);
  ana_threads_reset(&w.threads);
  ana_state_free(s);
  ana_stacks_free(g_made_stacks);
  g_made_stacks = NULL;
  g_made_loaded = 0;
  ana_trace_free(t);
  return cli_end_output(rc);
}
