/* hr_huge_grow.h — arrays that grow by doubling and may grow big.
**
** A recording's longest-lived arrays (the refcount candidates, a big list's
** shadow) can reach tens of megabytes. Grown with realloc they are touched
** one 4 KiB page at a time, one page fault each: a million-item list costs
** thousands of faults for its shadow alone. Past HR_HUGE_GROW_MIN bytes an
** array here lives in its own 2 MiB-aligned mapping offered for huge pages
** (hr_huge_reserve), so it faults once per 2 MiB; below, it is an ordinary
** hr_realloc'd block, so small arrays cost what they did. Which of the two
** an array is follows from its capacity alone: free it with
** hr_huge_grow_free and the same capacity and item size.
*/
#ifndef HR_HUGE_GROW_H
#define HR_HUGE_GROW_H

#include <stddef.h>

/* Arrays of at least this many bytes are mappings of their own. */
#define HR_HUGE_GROW_MIN ((size_t)2 << 20)

/* hr_grow's contract: room for need items of size bytes in arr, whose
** capacity is *cap items, doubling from first (at least 1); the array,
** moved or not, with *cap updated; NULL on failure (through hr_malloc's
** fault injection too), when arr and *cap are unchanged. The first *cap
** items are kept; the new ones hold anything. */
void *hr_huge_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first);
/* Free an array made by hr_huge_grow; cap and size as it last set them. */
void hr_huge_grow_free(void *arr, size_t cap, size_t size);

#endif /* HR_HUGE_GROW_H */
