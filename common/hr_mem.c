/* hr_mem.c — heapreel's single allocation path, with fault injection. */
#include "hr_mem.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Both counters are atomics: allocations happen on the interpreter's thread
** and on the writer thread at once. */
static atomic_long mem_count;
static atomic_long mem_fail_at;      /* allocation number that fails; 0 = off */
static atomic_int mem_fail_sticky;

static int mem_should_fail(void) {
  long n = atomic_fetch_add_explicit(&mem_count, 1, memory_order_relaxed) + 1;
  long at = atomic_load_explicit(&mem_fail_at, memory_order_relaxed);
  if (at == 0) return 0;
  if (n == at) return 1;
  return n > at && atomic_load_explicit(&mem_fail_sticky, memory_order_relaxed);
}

void hr_mem_fail_at(long nth, int sticky) {
  long base = atomic_load(&mem_count);
  atomic_store(&mem_fail_sticky, sticky);
  atomic_store(&mem_fail_at, nth > 0 ? base + nth : 0);
}

long hr_mem_count(void) { return atomic_load(&mem_count); }

void *hr_malloc(size_t n) {
  if (mem_should_fail()) return NULL;
  return malloc(n ? n : 1);
}

void *hr_calloc(size_t count, size_t size) {
  if (mem_should_fail()) return NULL;
  return calloc(count ? count : 1, size ? size : 1);
}

void *hr_realloc(void *p, size_t n) {
  if (mem_should_fail()) return NULL;
  return realloc(p, n ? n : 1);
}

void hr_free(void *p) { free(p); }

#define HUGE_PAGE ((size_t)2 << 20)

/* n bytes mapped on their own at a 2 MiB boundary and made present;
** huge: offered for transparent huge pages as well. */
static void *map_present(size_t n, int huge) {
  if (n == 0 || n > SIZE_MAX - 2 * HUGE_PAGE || mem_should_fail()) return NULL;
  n = (n + 4095) & ~(size_t)4095;
  /* Over-map by one huge page, then trim to an aligned start. */
  size_t len = n + HUGE_PAGE;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return NULL;
  char *a = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
  if (a > m) munmap(m, (size_t)(a - m));
  size_t tail = (size_t)(m + len - (a + n));
  if (tail) munmap(a + n, tail);
#ifdef MADV_HUGEPAGE
  if (huge) madvise(a, n, MADV_HUGEPAGE);   /* advice only: without it, small pages */
#endif
#ifdef MADV_POPULATE_WRITE
  if (madvise(a, n, MADV_POPULATE_WRITE) == 0) return a;
#endif
  for (size_t i = 0; i < n; i += 4096) a[i] = 0;     /* older kernels: touch each page */
  return a;
}

void *hr_huge_alloc(size_t n) { return map_present(n, 1); }

void *hr_present_alloc(size_t n) { return map_present(n, 0); }

void hr_huge_free(void *p, size_t n) {
  if (p) munmap(p, (n + 4095) & ~(size_t)4095);
}

void *hr_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first) {
  if (need <= *cap) return arr;
  size_t c = *cap ? *cap * 2 : first ? first : 1;
  while (c < need) c *= 2;
  if (size && c > SIZE_MAX / size) return NULL;
  void *v = hr_realloc(arr, c * size);
  if (v) *cap = c;
  return v;
}

char *hr_strndup(const char *s, size_t n) {
  if (!s) return NULL;
  char *d = hr_malloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *hr_strdup(const char *s) { return s ? hr_strndup(s, strlen(s)) : NULL; }

char *hr_sprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *s = hr_malloc((size_t)n + 1);
  if (!s) return NULL;
  va_start(ap, fmt);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return s;
}
