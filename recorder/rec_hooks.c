/* rec_hooks.c — installs and removes the recorder's allocator hooks; their re-entry flag and lock. */
#include "rec_hooks.h"

#include "hr_status.h"

static rec_hook g_hooks[3];        /* RAW, MEM, OBJ originals; written only at install */
static int g_installed;            /* GIL */
static int g_lock;                 /* rec_hooks_lock's word */
static const rec_hooks_set *g_set[3]; /* per domain, whose wrapper went in last; GIL */

int rec_hooks_bypass[3];
PyMemAllocatorEx rec_hooks_via[3];
const rec_hook_ops *rec_hooks_via_ops[3];

_Thread_local int rec_hooks_reent;

/* A hint to the CPU that this is a spin-wait loop (it saves power and lets a
** sibling hyperthread run); a plain compiler barrier where there is none. */
static inline void spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield" ::: "memory");
#else
  __asm__ __volatile__("" ::: "memory");
#endif
}

void rec_hooks_lock(void) {
  while (__atomic_exchange_n(&g_lock, 1, __ATOMIC_ACQUIRE))
    while (__atomic_load_n(&g_lock, __ATOMIC_RELAXED)) spin_pause();
}

void rec_hooks_unlock(void) {
  __atomic_store_n(&g_lock, 0, __ATOMIC_RELEASE);
}

int rec_hooks_install(const rec_hooks_set *set) {
  static const PyMemAllocatorDomain doms[3] = {PYMEM_DOMAIN_RAW, PYMEM_DOMAIN_MEM,
                                               PYMEM_DOMAIN_OBJ};
  if (g_installed) rec_hooks_remove();
  for (int i = 0; i < 3; i++) {
    if (rec_hooks_bypass[i]) {
      /* Still called from under another hook, with its original saved:
      ** set's own wrapper resumes, another set's hands each call on. */
      if (set == g_set[i]) {
        rec_hooks_bypass[i] = 0;
      } else {
        rec_hooks_via[i] = set->dom[i];
        rec_hooks_via[i].ctx = &g_hooks[i];
        rec_hooks_via_ops[i] = set->ops;
        rec_hooks_bypass[i] = REC_HOOKS_HAND_ON;
      }
      continue;
    }
    g_hooks[i].domain = doms[i];
    PyMem_GetAllocator(doms[i], &g_hooks[i].orig);
    PyMemAllocatorEx a = set->dom[i];
    a.ctx = &g_hooks[i];
    PyMem_SetAllocator(doms[i], &a);
    g_set[i] = set;
  }
  g_installed = 1;
  return HR_OK;
}

/* Does a call in domain i still pass through the wrapper? One small block
** through whatever is installed now, with rec_hooks_reent set so that the
** wrapper, when reached, only passes it on and says it was there. */
static int reaches_wrapper(int i) {
  PyMemAllocatorEx cur;
  PyMem_GetAllocator(g_hooks[i].domain, &cur);
  if (cur.ctx == &g_hooks[i]) return 1;
  int saved = rec_hooks_reent;
  rec_hooks_reent = REC_HOOKS_PROBE;
  void *p = cur.malloc(cur.ctx, 1);
  int reached = rec_hooks_reent == REC_HOOKS_PROBED;
  rec_hooks_reent = REC_HOOKS_PROBE;
  cur.free(cur.ctx, p);
  rec_hooks_reent = saved;
  return reached;
}

int rec_hooks_alive(void) {
  if (!g_installed) return 0;
  for (int i = 0; i < 3; i++)
    if (!reaches_wrapper(i)) return 0;
  return 1;
}

void rec_hooks_remove(void) {
  if (!g_installed) return;
  for (int i = 0; i < 3; i++) {
    if (rec_hooks_bypass[i] == REC_HOOKS_PASS) continue;
    /* Handing on or not: the wrapper in the chain is g_set[i]'s. */
    rec_hooks_bypass[i] = 0;
    PyMemAllocatorEx cur;
    PyMem_GetAllocator(g_hooks[i].domain, &cur);
    if (cur.ctx == &g_hooks[i]) PyMem_SetAllocator(g_hooks[i].domain, &g_hooks[i].orig);
    else if (reaches_wrapper(i)) rec_hooks_bypass[i] = REC_HOOKS_PASS;
    /* else: already out of the chain; what it saved is not restored */
  }
  g_installed = 0;
}

int rec_hooks_installed(void) {
  return g_installed;
}
