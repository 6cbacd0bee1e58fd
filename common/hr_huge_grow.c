/* hr_huge_grow.c — arrays that grow by doubling, big ones in huge pages. */
#include "hr_huge_grow.h"

#include <stdint.h>
#include <string.h>

#include "hr_mem.h"

static int is_mapped(size_t bytes) { return bytes >= HR_HUGE_GROW_MIN; }

void *hr_huge_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first) {
  if (need <= *cap) return arr;
  if (size == 0) size = 1;
  size_t c = *cap ? *cap : first ? first : 1;
  while (c < need) {
    if (c > SIZE_MAX / 2) return NULL;
    c *= 2;
  }
  if (c > SIZE_MAX / size) return NULL;
  size_t old = *cap * size, bytes = c * size;
  void *v;
  if (!is_mapped(bytes)) {
    v = hr_realloc(arr, bytes);
  } else {
    /* A mapping cannot be realloc'd in place: the items move once per
    ** doubling, no more bytes in all than the array ends up holding. */
    v = hr_huge_reserve(bytes);
    if (v == NULL) return NULL;
    if (old) memcpy(v, arr, old);
    hr_huge_grow_free(arr, *cap, size);
  }
  if (v) *cap = c;
  return v;
}

void hr_huge_grow_free(void *arr, size_t cap, size_t size) {
  if (arr == NULL) return;
  size_t bytes = cap * (size ? size : 1);
  if (is_mapped(bytes)) hr_huge_free(arr, bytes);
  else hr_free(arr);
}
