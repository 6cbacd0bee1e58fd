/* rec_ptm.c — memory C extensions report with PyTraceMalloc_Track / Untrack. */
#define _GNU_SOURCE 1
#include "rec_ptm.h"

#include <dlfcn.h>
#include <stddef.h>

#include "hr_status.h"
#include "rec_hooks.h"
#include "rec_map.h"

/* The buffers reported while counting, (domain, address) -> size, and the
** counter; rec_hooks_lock, since an extension may report without the GIL. */
static rec_map g_bufs;
static void (*g_bytes)(int64_t delta);

typedef int (*track_fn)(unsigned int domain, uintptr_t ptr, size_t size);
typedef int (*untrack_fn)(unsigned int domain, uintptr_t ptr);

/* One key for a buffer of a domain: tracemalloc keeps (domain, ptr) pairs.
** Addresses use 48 bits; the domain goes above them, spread by a multiply. */
static uintptr_t buf_key(unsigned int domain, uintptr_t ptr) {
  uintptr_t k = ptr ^ ((uintptr_t)domain * (uintptr_t)0x9E3779B97F4A7C15ull & ~(uintptr_t)0xFFFFFFFFFFFF);
  return k ? k : 1;
}

void rec_ptm_count(void (*bytes)(int64_t delta)) {
  rec_hooks_lock();
  g_bytes = bytes;
  if (bytes == NULL) rec_map_reset(&g_bufs);
  rec_hooks_unlock();
}

/* Linked with libpython3.11.a the executable holds libpython's own (the
** build for measuring only): reports are then not counted. */
#ifndef HR_STATIC_PYTHON

/* libpython's function `name`, next after the executable in lookup order. */
static void *next_fn(void **cache, const char *name) {
  void *f = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
  if (f == NULL) {
    f = dlsym(RTLD_NEXT, name);
    __atomic_store_n(cache, f, __ATOMIC_RELEASE);
  }
  return f;
}

__attribute__((visibility("default"))) int PyTraceMalloc_Track(unsigned int domain, uintptr_t ptr,
                                                               size_t size) {
  static void *real;
  if (__atomic_load_n(&g_bytes, __ATOMIC_RELAXED) != NULL) {
    int64_t delta = 0;
    void (*bytes)(int64_t) = NULL;
    rec_hooks_lock();
    if (g_bytes != NULL) {
      int created;
      uintptr_t *slot = rec_map_slot(&g_bufs, buf_key(domain, ptr), &created);
      if (slot != NULL) {
        delta = (int64_t)size - (int64_t)*slot;    /* tracked again: the new size replaces the old */
        *slot = size;
      }
      bytes = g_bytes;
    }
    rec_hooks_unlock();
    if (bytes && delta) bytes(delta);
  }
  track_fn f = (track_fn)next_fn(&real, "PyTraceMalloc_Track");
  return f ? f(domain, ptr, size) : -2;
}

__attribute__((visibility("default"))) int PyTraceMalloc_Untrack(unsigned int domain,
                                                                 uintptr_t ptr) {
  static void *real;
  if (__atomic_load_n(&g_bytes, __ATOMIC_RELAXED) != NULL) {
    uintptr_t old = 0;
    void (*bytes)(int64_t) = NULL;
    rec_hooks_lock();
    if (g_bytes != NULL && rec_map_del(&g_bufs, buf_key(domain, ptr), &old)) bytes = g_bytes;
    rec_hooks_unlock();
    if (bytes && old) bytes(-(int64_t)old);
  }
  untrack_fn f = (untrack_fn)next_fn(&real, "PyTraceMalloc_Untrack");
  return f ? f(domain, ptr) : -2;
}
#endif
