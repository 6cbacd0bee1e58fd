/* ana_view.c — stack order and reachable objects of a replayed state. */
#include "ana_view.h"

#include <stdio.h>
#include <string.h>

#include "ana_map.h"
#include "hr_mem.h"
#include "hr_status.h"

void ana_view_reset(ana_view *v) {
  hr_free(v->frames);
  hr_free(v->objs);
  hr_free((void *)v->leaf);
  memset(v, 0, sizeof *v);
}

/* The current stack, outermost first, then the other live frames by id. */
static int order_frames(const ana_state *s, uint64_t current, ana_view *v) {
  size_t n;
  const ana_frame **all = ana_state_frames(s, &n);
  if (!all && ana_state_nframes(s)) return HR_ENOMEM;
  v->frames = hr_calloc(n ? n : 1, sizeof *v->frames);
  if (!v->frames) {
    hr_free(all);
    return HR_ENOMEM;
  }
  /* Walk up from the current frame; the bound stops a parent loop. */
  size_t k = 0;
  for (const ana_frame *f = ana_state_frame(s, current); f && k < n; f = ana_state_frame(s, f->parent)) {
    int seen = 0;
    for (size_t i = 0; i < k; i++) seen |= v->frames[i] == f;
    if (seen) break;
    v->frames[k++] = f;
  }
  for (size_t i = 0; i < k / 2; i++) {
    const ana_frame *tmp = v->frames[i];
    v->frames[i] = v->frames[k - 1 - i];
    v->frames[k - 1 - i] = tmp;
  }
  v->nstack = k;
  for (size_t i = 0; i < n; i++) {
    int in_stack = 0;
    for (size_t j = 0; j < v->nstack && !in_stack; j++) in_stack = v->frames[j] == all[i];
    if (!in_stack) v->frames[k++] = all[i];
  }
  v->nframes = k;
  hr_free(all);
  return HR_OK;
}

/* The names a module gets from the import system rather than from its code. */
static int is_module_dunder(const char *name) {
  static const char *const names[] = {
    "__name__", "__doc__", "__loader__", "__spec__", "__builtins__", "__file__",
    "__cached__", "__annotations__", "__package__", NULL};
  for (int i = 0; names[i]; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

int ana_view_shows_slot(ana_trace *t, const ana_view *v, const ana_frame *f, const ana_slot *sl) {
  if ((v->flags & ANA_VIEW_ALL_NAMES) || !t || !TRC_SLOT_HOLDER_IS_FRAME(sl->kind)) return 1;
  if (!is_module_dunder(ana_trace_string(t, sl->arg))) return 1;
  return strcmp(ana_trace_location(t, f->location).function, "<module>") != 0;
}

/* The attributes `class C: ...` gets without the program writing them. */
static int is_class_dunder(const char *name) {
  static const char *const names[] = {
    "__module__", "__dict__", "__weakref__", "__doc__", "__qualname__", NULL};
  for (int i = 0; names[i]; i++)
    if (strcmp(name, names[i]) == 0) return 1;
  return 0;
}

int ana_view_shows_ref(ana_trace *t, const ana_view *v, const ana_slot *sl) {
  if ((v->flags & ANA_VIEW_ALL_NAMES) || !t || sl->kind != TRC_SLOT_ATTR) return 1;
  return !is_class_dunder(ana_trace_string(t, sl->arg));
}

struct reach {
  const ana_state *s;
  ana_map seen;
  const ana_obj **q;
  size_t n, cap;
};

static int visit(struct reach *r, uint64_t id) {
  if (!id || ana_map_get(&r->seen, id)) return HR_OK;
  const ana_obj *o = ana_state_obj(r->s, id);
  if (!o) return HR_OK;             /* not tracked (or already freed): no node */
  if (ana_map_put(&r->seen, id, (void *)1)) return HR_ENOMEM;
  if (r->n == r->cap) {
    size_t ncap = r->cap ? r->cap * 2 : 64;
    const ana_obj **nq = hr_realloc(r->q, ncap * sizeof *nq);
    if (!nq) return HR_ENOMEM;
    r->q = nq;
    r->cap = ncap;
  }
  r->q[r->n++] = o;
  return HR_OK;
}

int ana_view_build(ana_trace *t, const ana_state *s, uint64_t current, int flags, ana_view *v) {
  return ana_view_build_max(t, s, current, flags, 0, v);
}

uint32_t ana_view_refs_omitted(const ana_view *v, const ana_obj *o) {
  return v->max_refs && o->slots.nbound > v->max_refs ? o->slots.nbound - v->max_refs : 0;
}

int ana_view_build_max(ana_trace *t, const ana_state *s, uint64_t current, int flags,
                       uint32_t max_refs, ana_view *v) {
  int expand = flags & ANA_VIEW_EXPAND;
  memset(v, 0, sizeof *v);
  v->flags = flags;
  v->max_refs = max_refs;
  int rc = order_frames(s, current, v);
  struct reach r;
  memset(&r, 0, sizeof r);
  r.s = s;
  ana_map_init(&r.seen);
  for (size_t i = 0; rc == HR_OK && i < v->nframes; i++)
    for (uint32_t k = 0; rc == HR_OK && k < v->frames[i]->slots.n; k++)
      if (ana_view_shows_slot(t, v, v->frames[i], &v->frames[i]->slots.v[k]))
        rc = visit(&r, v->frames[i]->slots.v[k].obj);
  /* Breadth first: the queue grows while it is walked. */
  for (size_t i = 0; rc == HR_OK && i < r.n; i++) {
    const ana_obj *o = r.q[i];
    if (o->preexisting && !expand) continue;
    uint32_t shown = 0;
    for (uint32_t k = 0; rc == HR_OK && k < o->slots.n; k++) {
      if (!o->slots.v[k].obj || !ana_view_shows_ref(t, v, &o->slots.v[k])) continue;
      if (max_refs && shown++ == max_refs) break;
      rc = visit(&r, o->slots.v[k].obj);
    }
  }
  uint8_t *leaf = rc == HR_OK ? hr_calloc(r.n ? r.n : 1, 1) : NULL;
  if (rc == HR_OK && !leaf) rc = HR_ENOMEM;
  ana_map_reset(&r.seen);
  if (rc) {
    hr_free(r.q);
    ana_view_reset(v);
    v->flags = flags;
    v->max_refs = max_refs;
    return rc;
  }
  for (size_t i = 0; i < r.n; i++) leaf[i] = r.q[i]->preexisting && !expand;
  v->objs = r.q;
  v->nobjs = r.n;
  v->leaf = leaf;
  return HR_OK;
}

/* A dict key's text into buf: its recorded value (`'k'`, `3`), or for a
** tuple of such values `(3, 512)`; 0 when unknown (the label keeps the id). */
static int key_text(ana_trace *t, const ana_state *s, uint64_t id, int depth, char *buf, size_t n) {
  const ana_obj *o = s ? ana_state_obj(s, id) : NULL;
  const ana_obj_text *ot = o ? NULL : ana_trace_object_text(t, id);  /* no state, or freed since */
  uint64_t sid = o ? o->value : ot ? ot->value : 0;
  if (o ? o->is_int : ot && ot->is_int) {
    snprintf(buf, n, "%lld", (long long)(int64_t)sid);
    return 1;
  }
  if (sid) {
    snprintf(buf, n, "%s", ana_trace_string(t, sid));
    return 1;
  }
  if ((!o && !ot) || depth > 3 || (o && o->preexisting && !o->slots.nbound) ||
      strcmp(ana_trace_type_name(t, o ? o->type : ot->type), "tuple") != 0) return 0;
  size_t len = (size_t)snprintf(buf, n, "(");
  uint32_t items = 0, total = o ? o->slots.n : ot->nitems;
  for (uint32_t k = 0; k < total; k++) {
    uint64_t item = ot ? ot->items[k] : o->slots.v[k].obj;
    if (o && (!item || o->slots.v[k].kind != TRC_SLOT_ITEM)) continue;
    if ((o && o->slots.v[k].arg != items) || len + 4 >= n) return 0;   /* a gap, or too long */
    if (items++) len += (size_t)snprintf(buf + len, n - len, ", ");
    if (len + 2 >= n || !key_text(t, s, item, depth + 1, buf + len, n - len)) return 0;
    len += strlen(buf + len);
  }
  if (!items && ot) return 0;   /* no items seen: maybe none recorded */
  if (len + 3 >= n) return 0;
  snprintf(buf + len, n - len, items == 1 ? ",)" : ")");
  return 1;
}

void ana_slot_label(ana_trace *t, const ana_state *s, int kind, uint64_t arg,
                    char *buf, size_t n) {
  char key[160];
  if ((kind == TRC_SLOT_KEY || kind == TRC_SLOT_VALUE) && key_text(t, s, arg, 0, key, sizeof key)) {
    snprintf(buf, n, "%s[%s]", kind == TRC_SLOT_KEY ? "key" : "value", key);
    return;
  }
  unsigned long long a = (unsigned long long)arg;
  switch (kind) {
  case TRC_SLOT_LOCAL:
  case TRC_SLOT_GLOBAL:
  case TRC_SLOT_CELL: snprintf(buf, n, "%s", ana_trace_string(t, arg)); break;
  case TRC_SLOT_ITEM: snprintf(buf, n, "item[%llu]", a); break;
  case TRC_SLOT_KEY: snprintf(buf, n, "key[#%llu]", a); break;
  case TRC_SLOT_VALUE: snprintf(buf, n, "value[#%llu]", a); break;
  case TRC_SLOT_ATTR: snprintf(buf, n, "attr '%s'", ana_trace_string(t, arg)); break;
  case TRC_SLOT_ELEMENT: snprintf(buf, n, "element"); break;
  case TRC_SLOT_CONTENTS: snprintf(buf, n, "cell"); break;
  case TRC_SLOT_CLOSURE: snprintf(buf, n, "closure[%llu]", a); break;
  case TRC_SLOT_OTHER:
    if (arg & ANA_SLOT_IMPLIED) {
      static const char *const implied[] = {"?", "__closure__", "__code__", "co_consts"};
      uint64_t k = arg & 0xff;
      snprintf(buf, n, "%s", implied[k <= ANA_IMPLIED_CONSTS ? k : 0]);
    } else {
      snprintf(buf, n, "%s", ana_trace_string(t, arg));
    }
    break;
  default: snprintf(buf, n, "slot %d[%llu]", kind, a); break;
  }
}

const char *ana_value_short(ana_trace *t, const ana_obj *o, char *buf, size_t n) {
  static const char *const containers[] = {"list", "tuple", "dict", "set", "frozenset", NULL};
  if (o->is_int) {
    snprintf(buf, n, "%lld", (long long)(int64_t)o->value);
    return buf;
  }
  if (o->value) {
    snprintf(buf, n, "%s", ana_trace_string(t, o->value));
    return buf;
  }
  const char *type = ana_trace_type_name(t, o->type);
  /* An older container (a constant tuple) whose items the trace never saw
  ** has no known length: "len 0" would be a wrong answer. */
  if (o->preexisting && !o->slots.nbound) return NULL;
  for (int i = 0; containers[i]; i++)
    if (strcmp(type, containers[i]) == 0) {
      /* A dict's length is its values; the others' their items or elements. */
      uint32_t len = 0;
      for (uint32_t k = 0; k < o->slots.n; k++) {
        int kind = o->slots.v[k].kind;
        if (!o->slots.v[k].obj) continue;
        len += kind == TRC_SLOT_ITEM || kind == TRC_SLOT_VALUE || kind == TRC_SLOT_ELEMENT;
      }
      snprintf(buf, n, "len %u", len);
      return buf;
    }
  return NULL;
}

const char *ana_value_recorded(ana_trace *t, uint64_t id, char *buf, size_t n) {
  const ana_obj_text *ot = ana_trace_object_text(t, id);
  if (!ot) return NULL;
  if (ot->is_int) snprintf(buf, n, "%lld", (long long)(int64_t)ot->value);
  else if (ot->value) snprintf(buf, n, "%s", ana_trace_string(t, ot->value));
  else return NULL;
  return buf;
}
