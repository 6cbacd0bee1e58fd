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

#endif /* REC_FREELISTS_H */
