/* rec_hooks.h — the recorder's one set of allocator hooks (RAW, MEM, OBJ), for both detail levels.
**
** As tracemalloc does, the recorder saves the three domains' allocators,
** installs wrappers that call them through ctx, and restores them on stop.
** The wrappers, the re-entry flag and the lock are here, once; what a
** detail level does with each block is a rec_hook_ops table it defines
** once and hands over at start (rec_blocks.c for full recordings,
** rec_ahooks.c for alloc ones).
**
** The wrappers are stamped out per detail level and per domain with
** REC_HOOKS_DEFINE in the level's own file: the table is a static const
** and the domain a constant, so the compiler calls the level's functions
** directly (inlined where they are small) and the MEM and OBJ paths carry
** no test of the domain: on an allocation-heavy program the hooks are a
** large part of what alloc mode costs.
*/
#ifndef REC_HOOKS_H
#define REC_HOOKS_H

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

/* One domain's original allocator, the wrappers' ctx; written only at install. */
typedef struct rec_hook {
  PyMemAllocatorEx orig;
  PyMemAllocatorDomain domain;
} rec_hook;

/* What a detail level does around the original allocator. dom is
** PYMEM_DOMAIN_RAW (called without the GIL), _MEM or _OBJ (with it). A
** word w is the level's note of a block, 0 for a block it does not follow. */
struct rec_hook_ops {
  void (*enter)(int dom);                            /* before any original call; may be NULL */
  void (*got)(int dom, void *p, size_t n);           /* block p of n bytes handed out */
  uint64_t (*lost)(int dom, void *p, size_t *n);     /* block p is going: its word and size */
  void (*freed)(int dom, void *p, uint64_t w);       /* before p (word w != 0) is freed; may be NULL */
  /* A realloc of old (word w, old_n bytes; NULL and 0 for realloc(NULL))
  ** gave p of n bytes (p may be old), or failed and old stays. */
  void (*moved)(int dom, void *old, uint64_t w, size_t old_n, void *p, size_t n);
  void (*kept)(int dom, void *old, uint64_t w, size_t old_n);
};

/* Set while a wrapper runs on this thread, and while the recorder works
** with the hooks installed: an allocator calling another (pymalloc falls
** back on the raw allocator) or the recorder's own Python calls pass
** straight through. */
extern _Thread_local int rec_hooks_reent;
/* rec_hooks_reent while rec_hooks.c asks whether a call still reaches a
** wrapper, and what a wrapper that is reached leaves there. */
enum { REC_HOOKS_PROBE = 2, REC_HOOKS_PROBED = 3 };
/* Per domain (PyMemAllocatorDomain), the state of a wrapper that another
** hook installed after it (tracemalloc.start() in the program) still calls:
** REC_HOOKS_PASS while the recorder's hooks are off, every call passed
** through; REC_HOOKS_HAND_ON while another set of the recorder's wrappers
** is on (a full region begun after the program's tracemalloc started, with
** the hook of outside the regions under it): every call goes on to that
** set's wrapper, rec_hooks_via. 0 otherwise. GIL to write. */
enum { REC_HOOKS_PASS = 1, REC_HOOKS_HAND_ON = 2 };
extern int rec_hooks_bypass[3];
typedef struct rec_hook_ops rec_hook_ops;
extern PyMemAllocatorEx rec_hooks_via[3];          /* REC_HOOKS_HAND_ON: the set in charge */
extern const rec_hook_ops *rec_hooks_via_ops[3];   /* and its ops */

/* The spinlock of what the hooks share between threads (the RAW domain
** runs without the GIL); held for a few table operations only. */
void rec_hooks_lock(void);
void rec_hooks_unlock(void);

/* The wrappers of one detail level, from REC_HOOKS_DEFINE. */
typedef struct rec_hooks_set {
  PyMemAllocatorEx dom[3];   /* RAW, MEM, OBJ; ctx is filled in at install */
  const rec_hook_ops *ops;
} rec_hooks_set;

/* Save the current allocators and install set's wrappers (borrowed,
** static). Where a stopped wrapper still sits under another hook, it
** resumes when it is set's, and hands every call on to set's otherwise
** (REC_HOOKS_HAND_ON). HR_OK. */
int rec_hooks_install(const rec_hooks_set *set);
/* 1 when every domain's calls still reach the set's wrappers (installed,
** or under another hook that calls them): the program's tracemalloc, started
** before the recorder and stopped while it records, puts back what it had
** saved and so unhooks the recorder without a word. GIL. */
int rec_hooks_alive(void);
/* Give the saved allocators back: the wrappers add no header, so blocks
** they handed out are freed later through the originals. A domain whose
** allocator is no longer the wrapper (the program's tracemalloc hooked
** over it and calls it) keeps it, passing through: restoring would unhook
** tracemalloc. */
void rec_hooks_remove(void);
int rec_hooks_installed(void);

#define REC_HOOKS_INLINE static inline __attribute__((always_inline))

/* How the wrapper of ops takes a call in domain dom: 0 records it, 1 passes
** it to the original allocator (the recorder's own call, a probe, hooks
** off), 2 hands it on to rec_hooks_via[dom] (another set is in charge). */
REC_HOOKS_INLINE int rec_hooks_route(const rec_hook_ops *ops, int dom) {
  if (!rec_hooks_reent && !rec_hooks_bypass[dom]) return 0;
  if (rec_hooks_reent) {
    if (rec_hooks_reent == REC_HOOKS_PROBE) rec_hooks_reent = REC_HOOKS_PROBED;
    return 1;
  }
  if (rec_hooks_bypass[dom] != REC_HOOKS_HAND_ON) return 1;
  return rec_hooks_via_ops[dom] == ops ? 0 : 2;
}

REC_HOOKS_INLINE void *rec_hooks_malloc(const rec_hook_ops *ops, int dom, void *ctx, size_t n) {
  const rec_hook *h = ctx;
  int route = rec_hooks_route(ops, dom);
  if (route) return route == 1 ? h->orig.malloc(h->orig.ctx, n) : rec_hooks_via[dom].malloc(ctx, n);
  rec_hooks_reent = 1;
  if (ops->enter) ops->enter(dom);
  void *p = h->orig.malloc(h->orig.ctx, n);
  if (p) ops->got(dom, p, n);
  rec_hooks_reent = 0;
  return p;
}

REC_HOOKS_INLINE void *rec_hooks_calloc(const rec_hook_ops *ops, int dom, void *ctx, size_t nelem,
                                        size_t elsize) {
  const rec_hook *h = ctx;
  int route = rec_hooks_route(ops, dom);
  if (route)
    return route == 1 ? h->orig.calloc(h->orig.ctx, nelem, elsize)
                      : rec_hooks_via[dom].calloc(ctx, nelem, elsize);
  rec_hooks_reent = 1;
  if (ops->enter) ops->enter(dom);
  void *p = h->orig.calloc(h->orig.ctx, nelem, elsize);
  if (p) ops->got(dom, p, nelem * elsize);
  rec_hooks_reent = 0;
  return p;
}

REC_HOOKS_INLINE void *rec_hooks_realloc(const rec_hook_ops *ops, int dom, void *ctx, void *ptr,
                                         size_t n) {
  const rec_hook *h = ctx;
  int route = rec_hooks_route(ops, dom);
  if (route)
    return route == 1 ? h->orig.realloc(h->orig.ctx, ptr, n)
                      : rec_hooks_via[dom].realloc(ctx, ptr, n);
  rec_hooks_reent = 1;
  if (ops->enter) ops->enter(dom);
  size_t old_n = 0;
  uint64_t w = ptr ? ops->lost(dom, ptr, &old_n) : 0;
  void *p = h->orig.realloc(h->orig.ctx, ptr, n);
  if (p != NULL) ops->moved(dom, ptr, w, old_n, p, n);
  else if (w) ops->kept(dom, ptr, w, old_n);
  rec_hooks_reent = 0;
  return p;
}

REC_HOOKS_INLINE void rec_hooks_free(const rec_hook_ops *ops, int dom, void *ctx, void *ptr) {
  const rec_hook *h = ctx;
  int route = ptr == NULL ? 1 : rec_hooks_route(ops, dom);
  if (route) {
    if (ptr == NULL && rec_hooks_reent == REC_HOOKS_PROBE) rec_hooks_reent = REC_HOOKS_PROBED;
    if (route == 1) h->orig.free(h->orig.ctx, ptr);
    else rec_hooks_via[dom].free(ctx, ptr);
    return;
  }
  rec_hooks_reent = 1;
  if (ops->enter) ops->enter(dom);
  size_t n;
  uint64_t w = ops->lost(dom, ptr, &n);
  if (w && ops->freed) ops->freed(dom, ptr, w);
  h->orig.free(h->orig.ctx, ptr);
  rec_hooks_reent = 0;
}

/* Define `static const rec_hooks_set set` whose wrappers run the static
** const rec_hook_ops `ops`, one set of four functions per domain. */
#define REC_HOOKS_DOMAIN_(set, ops, name, dom)                                                     \
  static void *set##_##name##_malloc(void *c, size_t n) { return rec_hooks_malloc(&ops, dom, c, n); } \
  static void *set##_##name##_calloc(void *c, size_t k, size_t n)                                  \
  { return rec_hooks_calloc(&ops, dom, c, k, n); }                                               \
  static void *set##_##name##_realloc(void *c, void *p, size_t n)                                  \
  { return rec_hooks_realloc(&ops, dom, c, p, n); }                                              \
  static void set##_##name##_free(void *c, void *p) { rec_hooks_free(&ops, dom, c, p); }
#define REC_HOOKS_DEFINE(set, ops)                                                                 \
  REC_HOOKS_DOMAIN_(set, ops, raw, PYMEM_DOMAIN_RAW)                                               \
  REC_HOOKS_DOMAIN_(set, ops, mem, PYMEM_DOMAIN_MEM)                                               \
  REC_HOOKS_DOMAIN_(set, ops, obj, PYMEM_DOMAIN_OBJ)                                               \
  static const rec_hooks_set set = {{                                                              \
      {NULL, set##_raw_malloc, set##_raw_calloc, set##_raw_realloc, set##_raw_free},               \
      {NULL, set##_mem_malloc, set##_mem_calloc, set##_mem_realloc, set##_mem_free},               \
      {NULL, set##_obj_malloc, set##_obj_calloc, set##_obj_realloc, set##_obj_free},               \
  }, &ops}

#endif /* REC_HOOKS_H */
