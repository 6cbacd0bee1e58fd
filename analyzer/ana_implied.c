/* ana_implied.c — __closure__, __code__ and co_consts edges from recorded facts. */
#include "ana_implied.h"

#include <stdlib.h>
#include <string.h>

#include "ana_map.h"
#include "ana_view.h"
#include "hr_mem.h"
#include "hr_status.h"

enum { K_OTHER, K_FUNCTION, K_CODE, K_TUPLE };

struct implied {
  ana_trace *t;
  ana_heap *h;
  ana_map kinds;        /* type id -> K_ + 1 */
  ana_map codes;        /* hash of a code's qualified name -> code id */
  ana_map claimed;      /* tuple id -> 1 once a function took it */
  const ana_obj **tuples;   /* tuples by their first item, for closures */
  size_t ntuples;
  size_t added;
};

static int kind_of(struct implied *m, uint64_t type) {
  uintptr_t k = (uintptr_t)ana_map_get(&m->kinds, type);
  if (k) return (int)k - 1;
  const char *name = ana_trace_type_name(m->t, type);
  int kind = strcmp(name, "function") == 0 ? K_FUNCTION
           : strcmp(name, "code") == 0 ? K_CODE
           : strcmp(name, "tuple") == 0 ? K_TUPLE : K_OTHER;
  ana_map_put(&m->kinds, type, (void *)(uintptr_t)(kind + 1));   /* a cache: a failure costs a look-up */
  return kind;
}

static uint64_t name_hash(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h ? h : 1;
}

static int bind(struct implied *m, uint64_t holder, int which, uint64_t obj) {
  const ana_state *s = ana_heap_state(m->h);
  trc_event ev;
  memset(&ev, 0, sizeof ev);
  ev.kind = TRC_EV_BIND;
  ev.seq = ana_state_seq(s);
  ev.step = ana_state_step(s);
  ev.f[0] = holder;
  ev.f[1] = TRC_SLOT_OTHER;
  ev.f[2] = ANA_SLOT_IMPLIED | (uint64_t)which | obj << 8;
  ev.f[3] = obj;
  m->added++;
  return ana_heap_apply(m->h, &ev);
}

static uint64_t first_item(const ana_obj *o) {
  for (uint32_t k = 0; k < o->slots.n; k++)
    if (o->slots.v[k].kind == TRC_SLOT_ITEM && o->slots.v[k].arg == 0) return o->slots.v[k].obj;
  return 0;
}

static int cmp_tuple(const void *a, const void *b) {
  uint64_t x = first_item(*(const ana_obj *const *)a), y = first_item(*(const ana_obj *const *)b);
  if (x != y) return x < y ? -1 : 1;
  uint64_t i = (*(const ana_obj *const *)a)->id, j = (*(const ana_obj *const *)b)->id;
  return i < j ? -1 : i > j;
}

/* Whether tuple t holds exactly cells[0..n-1] as item[0..n-1]. */
static int tuple_is(const ana_obj *t, const uint64_t *cells, uint32_t n) {
  if (t->slots.nbound != n) return 0;
  for (uint32_t k = 0; k < t->slots.n; k++) {
    const ana_slot *sl = &t->slots.v[k];
    if (!sl->obj) continue;
    if (sl->kind != TRC_SLOT_ITEM || sl->arg >= n || cells[sl->arg] != sl->obj) return 0;
  }
  return 1;
}

static int closure_of(struct implied *m, const ana_obj *f) {
  uint64_t cells[64];
  uint32_t n = 0;
  for (uint32_t k = 0; k < f->slots.n; k++) {
    const ana_slot *sl = &f->slots.v[k];
    if (sl->kind == TRC_SLOT_OTHER && (sl->arg & ANA_SLOT_IMPLIED) && (sl->arg & 0xff) == ANA_IMPLIED_CLOSURE) return HR_OK;
    if (sl->kind != TRC_SLOT_CLOSURE || !sl->obj) continue;
    if (sl->arg >= 64) return HR_OK;   /* a closure this wide: leave it */
    cells[sl->arg] = sl->obj;
    if (sl->arg + 1 > n) n = (uint32_t)sl->arg + 1;
  }
  if (!n) return HR_OK;
  /* The tuples whose first item is cells[0]: a binary search, then a walk. */
  size_t lo = 0, hi = m->ntuples;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (first_item(m->tuples[mid]) < cells[0]) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = lo; i < m->ntuples && first_item(m->tuples[i]) == cells[0]; i++) {
    const ana_obj *t = m->tuples[i];
    if (ana_map_get(&m->claimed, t->id) || !tuple_is(t, cells, n)) continue;
    if (ana_map_put(&m->claimed, t->id, (void *)1)) return HR_ENOMEM;
    return bind(m, f->id, ANA_IMPLIED_CLOSURE, t->id);
  }
  return HR_OK;
}

static int code_of(struct implied *m, const ana_obj *f) {
  if (!f->value || f->is_int) return HR_OK;
  const char *v = ana_trace_string(m->t, f->value);
  const char *paren = strchr(v, '(');
  if (!paren) return HR_OK;
  uint64_t code = (uint64_t)(uintptr_t)ana_map_get(&m->codes, name_hash(v, (size_t)(paren - v)));
  return code ? bind(m, f->id, ANA_IMPLIED_CODE, code) : HR_OK;
}

/* `f.<locals>.g` (or `f.<locals>.<genexpr>`) sits in the constants of `f`. */
static int consts_of(struct implied *m, const ana_obj *c) {
  if (!c->value || c->is_int) return HR_OK;
  const char *v = ana_trace_string(m->t, c->value);
  const char *last = NULL;
  for (const char *p = strstr(v, ".<locals>."); p; p = strstr(p + 1, ".<locals>.")) last = p;
  if (!last) return HR_OK;
  uint64_t parent = (uint64_t)(uintptr_t)ana_map_get(&m->codes, name_hash(v, (size_t)(last - v)));
  return parent && parent != c->id ? bind(m, parent, ANA_IMPLIED_CONSTS, c->id) : HR_OK;
}

int ana_implied_add(ana_trace *t, ana_heap *h, size_t *added) {
  struct implied m;
  memset(&m, 0, sizeof m);
  m.t = t;
  m.h = h;
  ana_map_init(&m.kinds);
  ana_map_init(&m.codes);
  ana_map_init(&m.claimed);
  size_t n = 0;
  const ana_obj **all = ana_state_objs(ana_heap_state(h), &n);
  int rc = !all && ana_state_nobjs(ana_heap_state(h)) ? HR_ENOMEM : HR_OK;
  size_t nfun = 0, ncode = 0;
  const ana_obj **fun = NULL, **code = NULL;
  if (rc == HR_OK && n) {
    fun = hr_malloc(n * sizeof *fun);
    code = hr_malloc(n * sizeof *code);
    m.tuples = hr_malloc(n * sizeof *m.tuples);
    if (!fun || !code || !m.tuples) rc = HR_ENOMEM;
  }
  /* Sort the objects first: the slots added below may move the state's tables. */
  for (size_t i = 0; rc == HR_OK && i < n; i++) {
    switch (kind_of(&m, all[i]->type)) {
    case K_FUNCTION: fun[nfun++] = all[i]; break;
    case K_CODE: code[ncode++] = all[i]; break;
    case K_TUPLE: if (first_item(all[i])) m.tuples[m.ntuples++] = all[i]; break;
    default: break;
    }
  }
  /* The first code object of a name wins: two with one qualified name (two
  ** files) cannot be told apart. */
  for (size_t i = 0; rc == HR_OK && i < ncode; i++) {
    if (!code[i]->value || code[i]->is_int) continue;
    const char *v = ana_trace_string(t, code[i]->value);
    uint64_t key = name_hash(v, strlen(v));
    if (!ana_map_get(&m.codes, key) && ana_map_put(&m.codes, key, (void *)(uintptr_t)code[i]->id)) rc = HR_ENOMEM;
  }
  if (rc == HR_OK && m.ntuples) qsort(m.tuples, m.ntuples, sizeof *m.tuples, cmp_tuple);
  /* Ids, not pointers, from here: binding may grow an object's slot table. */
  uint64_t *ids = rc == HR_OK ? hr_malloc((nfun + ncode + 1) * sizeof *ids) : NULL;
  if (rc == HR_OK && !ids) rc = HR_ENOMEM;
  for (size_t i = 0; rc == HR_OK && i < nfun; i++) ids[i] = fun[i]->id;
  for (size_t i = 0; rc == HR_OK && i < ncode; i++) ids[nfun + i] = code[i]->id;
  for (size_t i = 0; rc == HR_OK && i < nfun; i++) {
    const ana_obj *f = ana_state_obj(ana_heap_state(h), ids[i]);
    if (f) rc = closure_of(&m, f);
    f = ana_state_obj(ana_heap_state(h), ids[i]);
    if (rc == HR_OK && f) rc = code_of(&m, f);
  }
  for (size_t i = 0; rc == HR_OK && i < ncode; i++) {
    const ana_obj *c = ana_state_obj(ana_heap_state(h), ids[nfun + i]);
    if (c) rc = consts_of(&m, c);
  }
  hr_free(ids);
  hr_free(fun);
  hr_free(code);
  hr_free(m.tuples);
  hr_free(all);
  ana_map_reset(&m.kinds);
  ana_map_reset(&m.codes);
  ana_map_reset(&m.claimed);
  if (added) *added = m.added;
  return rc;
}
