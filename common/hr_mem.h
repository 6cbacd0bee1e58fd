/* hr_mem.h — the one allocation path for heapreel's own memory.
**
** Every allocation heapreel makes for itself goes through these functions so
** that tests can make the Nth one fail (hr_mem_fail_at) and check that each
** failure path reports HR_ENOMEM instead of crashing. They never go through
** Python's allocators, so the recorder's bookkeeping is never observed by its
** own allocator hooks. hr_free(NULL) is a no-op.
*/
#ifndef HR_MEM_H
#define HR_MEM_H

#include <stddef.h>

void *hr_malloc(size_t n);
void *hr_calloc(size_t count, size_t size);
void *hr_realloc(void *p, size_t n);
void hr_free(void *p);
/* Make room for need items of size bytes in arr (owned), whose capacity is
** *cap items: doubling from first (at least 1). Returns the array, moved or
** not, with *cap updated; NULL on failure, when arr and *cap are unchanged. */
void *hr_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first);
/* n bytes of zeroed memory for a big table that fills as it goes and is
** read before it is written (a block index): mapped on its own, aligned to
** 2 MiB, offered to the kernel for transparent huge pages and made present
** at once. So its use takes one page fault per 2 MiB instead of one per
** 4 KiB, no first write replaces a shared zero page it read (which
** interrupts every other CPU to flush its TLB), and unmapping it frees a few
** large pages. Free with hr_huge_free(p, n), the same n. */
void *hr_huge_alloc(size_t n);
/* The same, present at once, but not offered for huge pages: for a buffer
** made, filled and freed in one go, where the kernel compacting memory to
** find a huge page (tens of milliseconds at times) costs more than the
** small pages' faults it saves. Free with hr_huge_free(p, n). */
void *hr_present_alloc(size_t n);
void hr_huge_free(void *p, size_t n);
char *hr_strdup(const char *s);             /* NULL on failure or NULL input */
char *hr_strndup(const char *s, size_t n);
/* printf into a new string (owned by the caller); NULL on failure. */
char *hr_sprintf(const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 1, 2)))
#endif
  ;

/* Fault injection: make the nth allocation from now fail (1 = the next one),
** and every later one too when sticky is set; 0 turns injection off.
** Thread-safe; meant for tests only. */
void hr_mem_fail_at(long nth, int sticky);
/* How many allocations have been made since the process started. */
long hr_mem_count(void);

#endif /* HR_MEM_H */
