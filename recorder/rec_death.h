/* rec_death.h — the recorder's one death hook: every deallocation of a wrapped type's instances. */
#ifndef REC_DEATH_H
#define REC_DEATH_H

#ifndef Py_BUILD_CORE
#define Py_BUILD_CORE 1
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* What a detail level does when an instance of a wrapped type dies. Chosen
** once when recording starts (rec_death_set); either member may be NULL. */
typedef struct rec_death_ops {
  /* The object's reference count reached zero and its deallocator is about
  ** to run: the object is still whole. Called once per object. */
  void (*died)(PyObject *op);
  /* A wrapped type's deallocator returned: the object is gone. tp is that
  ** type (a base of the object's type, or the type itself); tuple_size is
  ** the tuple's length when tp is tuple, else 0. */
  void (*freed)(PyTypeObject *tp, Py_ssize_t tuple_size);
  /* A type object is being deallocated (any type, wrapped or not): what is
  ** known of its address is stale from now on. */
  void (*type_died)(PyTypeObject *tp);
} rec_death_ops;

/* Learn subtype_dealloc's address and wrap type's own deallocator, which
** stays wrapped for the life of the process, so that heap types that die
** leave no stale entry behind. HR_OK, HR_EPYTHON or HR_ENOMEM. */
int rec_death_init(void);
/* The hooks to call from now on (borrowed, static); NULL: none. */
void rec_death_set(const rec_death_ops *ops);
/* A second `freed` hook, called after the ops' own (NULL: none): the free
** lists emptied between the regions of a full recording (rec_origin.h). */
void rec_death_also_freed(void (*freed)(PyTypeObject *tp, Py_ssize_t tuple_size));
/* Wrap tp's deallocator, or for a Python class its nearest base with a
** deallocator of its own. HR_OK or HR_ENOMEM. */
int rec_dealloc_wrap(PyTypeObject *tp);
/* Give back every wrapped deallocator but type's. Types that copied a
** wrapped deallocator from their base while it was wrapped (PyType_Ready
** inherits tp_dealloc) keep calling the wrapper, which finds the original
** through their bases for as long as the process lives. */
void rec_dealloc_unwrap_all(void);

#endif /* REC_DEATH_H */
