/* rec_freelists.h — CPython 3.11's free lists, given back to the allocator.
**
** CPython keeps dead list, tuple, dict and float objects (and one slice)
** for reuse: the next object of that type is then handed out without an
** allocator call, so neither the alloc-mode hooks nor the full recorder's
** block table would see it born. Emptying a list makes its next object an
** allocation. Both take the GIL.
*/
#ifndef REC_FREELISTS_H
#define REC_FREELISTS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Empty every free list (what a full collection does to them, without the
** collection: no finaliser of the program's runs). */
void rec_freelists_drain(void);

/* An object of type tp (a tuple of tuple_size items) was just deallocated:
** empty the free list it may have gone to. */
void rec_freelists_freed(PyTypeObject *tp, Py_ssize_t tuple_size);

/* Dict key tables on CPython's key free list: given back (alloc mode's start). */
void rec_freelists_drain_keys(void);

/* Alloc mode's byte count while its hooks record (NULL: none). A drained
** block a plain run would still hold on the list is counted (count(bytes,
** 0)) until an object of its kind is born or a full collection clears the
** lists (count(-bytes, 1): a drop, after which the count stays lower). */
void rec_freelists_count(void (*count)(int64_t bytes, int drop));
/* Entries the drained lists would hold now (rec_freelists_born's fast check). */
extern int rec_freelists_held;
/* An object of type tp was born: one entry of its list would have served it. */
void rec_freelists_born(PyTypeObject *tp, PyObject *op);
/* The collector ran a full collection, which empties CPython's free lists
** (rec_gc.c's callback). */
void rec_freelists_cleared(void);
/* No entries held (a recording's end), the count left as it is. */
void rec_freelists_forget(void);

#endif /* REC_FREELISTS_H */
