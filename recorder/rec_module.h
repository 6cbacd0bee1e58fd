/* rec_module.h — the built-in `heapreel` module a recorded program can import. */
#ifndef REC_MODULE_H
#define REC_MODULE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* Module init function for PyImport_AppendInittab("heapreel", ...); returns a
** new reference or NULL with an exception set. */
PyObject *rec_module_init(void);

/* Have the interpreter call def's function (METH_NOARGS, no self) at exit
** as atexit.register would, importing nothing. 0, or -1 with an exception. */
int rec_module_at_exit(PyMethodDef *def);

#endif /* REC_MODULE_H */
