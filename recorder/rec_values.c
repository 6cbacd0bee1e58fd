/* rec_values.c — short values of immutable scalars, for value events.
**
** Only exact int, float, bool, None, str and bytes get a value: their value
** never changes, so one event when the object is first seen says it for its
** whole life. Subclasses are skipped because their __repr__ is user code and
** the recorder never runs user code. The text follows repr() (FORMAT.md), is
** built in C without creating Python objects except for mid-sized ints, and
** is bounded: REC_VALUE_CHARS characters of a str or bytes, REC_INT_DIGITS
** decimal digits of an int.
**
** Functions, classes, modules, builtins, bound methods and code objects get
** their name as CPython names them when the recorder first sees them: a
** function's __qualname__ with its parameters (`add_item(lst, item)`), a
** class's __qualname__, a module's __name__, a builtin's __qualname__
** (`print`, `list.append`). Read from the C structs, never by calling Python;
** a name rebound later (functools.wraps) keeps its first value.
*/
#include "rec_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define REC_VALUE_CHARS 40       /* characters of a str (bytes of a bytes) kept */
#define REC_INT_DIGITS 40        /* longer ints keep REC_INT_HEAD digits and a count */
#define REC_INT_HEAD 20
#define REC_INT_EXACT_DIGITS 100 /* 30-bit digits converted exactly (~900 decimal) */
#define REC_NAME_CHARS 80        /* characters of a qualified name kept */
#define REC_SIG_CHARS 160        /* bytes of name and parameters together */

/* Room for the longest text: every kept character as \Uxxxxxxxx, quotes,
** a b prefix and the ellipsis. */
#define VALUE_BUF (REC_VALUE_CHARS * 10 + 16)

static const char ellipsis[] = "\xe2\x80\xa6";   /* U+2026 in UTF-8 */

/* Append one code point as UTF-8. */
static size_t put_utf8(char *p, Py_UCS4 ch) {
  if (ch < 0x80) { p[0] = (char)ch; return 1; }
  if (ch < 0x800) {
    p[0] = (char)(0xc0 | (ch >> 6));
    p[1] = (char)(0x80 | (ch & 0x3f));
    return 2;
  }
  if (ch < 0x10000) {
    p[0] = (char)(0xe0 | (ch >> 12));
    p[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
    p[2] = (char)(0x80 | (ch & 0x3f));
    return 3;
  }
  p[0] = (char)(0xf0 | (ch >> 18));
  p[1] = (char)(0x80 | ((ch >> 12) & 0x3f));
  p[2] = (char)(0x80 | ((ch >> 6) & 0x3f));
  p[3] = (char)(0x80 | (ch & 0x3f));
  return 4;
}

/* One character as repr() of a str (is_str) or bytes writes it inside quote q. */
static size_t put_repr_char(char *p, Py_UCS4 ch, char q, int is_str) {
  if (ch == (Py_UCS4)q || ch == '\\') { p[0] = '\\'; p[1] = (char)ch; return 2; }
  if (ch == '\t') return (size_t)sprintf(p, "\\t");
  if (ch == '\n') return (size_t)sprintf(p, "\\n");
  if (ch == '\r') return (size_t)sprintf(p, "\\r");
  if (ch < ' ' || ch == 0x7f) return (size_t)sprintf(p, "\\x%02x", (unsigned)ch);
  if (ch < 0x7f) { p[0] = (char)ch; return 1; }
  if (!is_str) return (size_t)sprintf(p, "\\x%02x", (unsigned)ch);
  if (Py_UNICODE_ISPRINTABLE(ch)) return put_utf8(p, ch);
  if (ch <= 0xff) return (size_t)sprintf(p, "\\x%02x", (unsigned)ch);
  if (ch <= 0xffff) return (size_t)sprintf(p, "\\u%04x", (unsigned)ch);
  return (size_t)sprintf(p, "\\U%08x", (unsigned)ch);
}

/* repr() of the first REC_VALUE_CHARS characters of a str or bytes, with the
** ellipsis before the closing quote when some were left out. */
static size_t text_repr(PyObject *op, int is_str, char *buf) {
  Py_ssize_t len = is_str ? PyUnicode_GET_LENGTH(op) : PyBytes_GET_SIZE(op);
  Py_ssize_t keep = len < REC_VALUE_CHARS ? len : REC_VALUE_CHARS;
  int kind = is_str ? PyUnicode_KIND(op) : 0;
  const void *data = is_str ? PyUnicode_DATA(op) : (const void *)PyBytes_AS_STRING(op);
#define CHAR_AT(i) (is_str ? PyUnicode_READ(kind, data, (i)) : (Py_UCS4)((const unsigned char *)data)[(i)])
  /* repr's quote: single, unless the text has a single quote and no double. */
  int single = 0, dbl = 0;
  for (Py_ssize_t i = 0; i < keep; i++) {
    Py_UCS4 ch = CHAR_AT(i);
    single |= ch == '\'';
    dbl |= ch == '"';
  }
  char q = single && !dbl ? '"' : '\'';
  size_t n = 0;
  if (!is_str) buf[n++] = 'b';
  buf[n++] = q;
  for (Py_ssize_t i = 0; i < keep; i++) {
    Py_UCS4 ch = CHAR_AT(i);
    if (ch >= ' ' && ch < 0x7f && ch != (Py_UCS4)q && ch != '\\') buf[n++] = (char)ch;  /* most */
    else n += put_repr_char(buf + n, ch, q, is_str);
  }
#undef CHAR_AT
  if (keep < len) {
    memcpy(buf + n, ellipsis, sizeof ellipsis - 1);
    n += sizeof ellipsis - 1;
  }
  buf[n++] = q;
  return n;
}

/* What repr() does with each ASCII byte: REPR_ESC an escape (control
** characters, DEL, the backslash), REPR_SQ / REPR_DQ a quote that decides
** which quote repr() picks; 0 a byte copied as it is. */
enum { REPR_ESC = 1, REPR_SQ = 2, REPR_DQ = 4 };
static const unsigned char k_repr_class[128] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
  ['"'] = REPR_DQ, ['\''] = REPR_SQ, ['\\'] = REPR_ESC, [0x7f] = REPR_ESC,
};

/* text_repr of a compact ASCII str, the commonest value, when it needs no
** escape: a copy between quotes, no character decoded one by one. 0 when
** it does need one (text_repr then writes it). */
static size_t ascii_repr(PyObject *op, char *buf) {
  Py_ssize_t len = PyUnicode_GET_LENGTH(op);
  size_t keep = len < REC_VALUE_CHARS ? (size_t)len : REC_VALUE_CHARS;
  const unsigned char *a = (const unsigned char *)(((PyASCIIObject *)op) + 1);
  unsigned cls = 0;
  for (size_t i = 0; i < keep; i++) cls |= k_repr_class[a[i]];
  /* Both quotes: repr() escapes the single ones. */
  if ((cls & REPR_ESC) || (cls & (REPR_SQ | REPR_DQ)) == (REPR_SQ | REPR_DQ)) return 0;
  char q = (cls & REPR_SQ) ? '"' : '\'';
  size_t n = 0;
  buf[n++] = q;
  memcpy(buf + n, a, keep);
  n += keep;
  if (keep < (size_t)len) {
    memcpy(buf + n, ellipsis, sizeof ellipsis - 1);
    n += sizeof ellipsis - 1;
  }
  buf[n++] = q;
  return n;
}

/* Decimal text of an exact int: exact up to REC_INT_EXACT_DIGITS internal
** digits (long_to_decimal_string is C and quadratic, so that bounds its cost),
** shortened past REC_INT_DIGITS decimal digits; beyond, an estimate from the
** top bits: `≈1.234567890e+5000`. 0 when the int cannot be formatted. */
static size_t int_text(PyObject *op, char *buf) {
  Py_ssize_t size = Py_SIZE(op);
  Py_ssize_t ndig = size < 0 ? -size : size;
  if (ndig <= 2) {   /* 60 bits: fits a long long */
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(op, &overflow);
    if (overflow || (v == -1 && PyErr_Occurred())) {
      PyErr_Clear();
      return 0;
    }
    return (size_t)snprintf(buf, VALUE_BUF, "%lld", v);
  }
  if (ndig > REC_INT_EXACT_DIGITS) {
    Py_ssize_t e = 0;
    double m = _PyLong_Frexp((PyLongObject *)op, &e);   /* |op| = |m| * 2**e */
    if (m == -1.0 && PyErr_Occurred()) {
      PyErr_Clear();
      return 0;
    }
    long double l = log10l(fabsl((long double)m)) + (long double)e * log10l(2.0L);
    long double ex = floorl(l);
    return (size_t)snprintf(buf, VALUE_BUF, "\xe2\x89\x88%s%.9Lfe+%.0Lf", size < 0 ? "-" : "",
                            powl(10.0L, l - ex), ex);
  }
  PyObject *s = PyLong_Type.tp_repr(op);
  if (s == NULL) {
    PyErr_Clear();
    return 0;
  }
  Py_ssize_t n;
  const char *u = PyUnicode_AsUTF8AndSize(s, &n);
  size_t out = 0;
  if (u == NULL) {
    PyErr_Clear();
  } else {
    size_t sign = u[0] == '-', digits = (size_t)n - sign;
    if (digits <= REC_INT_DIGITS)
      out = (size_t)snprintf(buf, VALUE_BUF, "%s", u);
    else
      out = (size_t)snprintf(buf, VALUE_BUF, "%.*s%s(%zu digits)", (int)(sign + REC_INT_HEAD), u,
                             ellipsis, digits);
  }
  Py_DECREF(s);
  return out;
}

/* --- names of functions, classes, modules ------------------------------------ */

/* Append at most REC_NAME_CHARS characters of str s to buf at n (cap bytes in
** all), control characters escaped as repr() does; the new length. */
static size_t put_name(char *buf, size_t n, size_t cap, PyObject *s) {
  if (s == NULL || !PyUnicode_Check(s) || PyUnicode_READY(s) < 0) {
    PyErr_Clear();
    return n;
  }
  Py_ssize_t len = PyUnicode_GET_LENGTH(s);
  int kind = PyUnicode_KIND(s);
  const void *data = PyUnicode_DATA(s);
  if (PyUnicode_IS_ASCII(s) && len <= REC_NAME_CHARS && n + (size_t)len + 16 <= cap) {
    /* The common case, a plain identifier: copied as is unless it holds a
    ** character repr() escapes. */
    const char *a = data;
    Py_ssize_t i = 0;
    while (i < len && a[i] >= ' ' && a[i] != '\\' && a[i] != 0x7f) i++;
    if (i == len) {
      memcpy(buf + n, a, (size_t)len);
      return n + (size_t)len;
    }
  }
  for (Py_ssize_t i = 0; i < len; i++) {
    if (i == REC_NAME_CHARS || n + 16 > cap) {
      memcpy(buf + n, ellipsis, sizeof ellipsis - 1);
      return n + sizeof ellipsis - 1;
    }
    n += put_repr_char(buf + n, PyUnicode_READ(kind, data, i), 0, 1);
  }
  return n;
}

/* A type's __qualname__: a class's own, a builtin's tp_name after its last dot. */
static size_t put_type_name(char *buf, size_t n, size_t cap, PyTypeObject *tp) {
  if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE) return put_name(buf, n, cap, ((PyHeapTypeObject *)tp)->ht_qualname);
  const char *s = strrchr(tp->tp_name, '.');
  s = s ? s + 1 : tp->tp_name;
  size_t len = strlen(s);
  if (len > REC_NAME_CHARS) len = REC_NAME_CHARS;
  if (n + len + 1 > cap) return n;
  memcpy(buf + n, s, len);
  return n + len;
}

/* One parameter of a signature: a separator, a prefix (`*`, `**`) and a name
** (NULL for the bare `*` and `/` markers, given as the prefix). */
static size_t put_param(char *buf, size_t n, size_t cap, int *first, const char *pre, PyObject *name) {
  if (n + 24 > cap) return n;
  if (!*first) n += (size_t)snprintf(buf + n, cap - n, ", ");
  *first = 0;
  n += (size_t)snprintf(buf + n, cap - n, "%s", pre);
  return name ? put_name(buf, n, cap - 2, name) : n;
}

/* `(a, b, /, c, *args, d, **kw)` from a code object's argument counts: in
** 3.11 the parameters are the first names of co_localsplusnames, positional,
** keyword-only, then *args and **kwargs. skip drops the first positional one
** (a bound method's self). */
static size_t put_params(char *buf, size_t n, size_t cap, PyCodeObject *co, int skip) {
  int npos = co->co_argcount, nkw = co->co_kwonlyargcount;
  int var = (co->co_flags & CO_VARARGS) != 0, varkw = (co->co_flags & CO_VARKEYWORDS) != 0;
  PyObject *names = co->co_localsplusnames;
  if (names == NULL || !PyTuple_Check(names) || PyTuple_GET_SIZE(names) < npos + nkw + var + varkw)
    return n;
  int first = 1;
  buf[n++] = '(';
  for (int i = skip && npos ? 1 : 0; i < npos; i++) {
    n = put_param(buf, n, cap, &first, "", PyTuple_GET_ITEM(names, i));
    if (i + 1 == co->co_posonlyargcount) n = put_param(buf, n, cap, &first, "/", NULL);
  }
  if (var) n = put_param(buf, n, cap, &first, "*", PyTuple_GET_ITEM(names, npos + nkw));
  else if (nkw) n = put_param(buf, n, cap, &first, "*", NULL);
  for (int i = 0; i < nkw; i++) n = put_param(buf, n, cap, &first, "", PyTuple_GET_ITEM(names, npos + i));
  if (varkw) n = put_param(buf, n, cap, &first, "**", PyTuple_GET_ITEM(names, npos + nkw + var));
  if (n + 24 > cap) {
    memcpy(buf + n, ellipsis, sizeof ellipsis - 1);
    n += sizeof ellipsis - 1;
  }
  buf[n++] = ')';
  return n;
}

/* The name text of a function-like object, 0 when op is none of them. */
static size_t name_text(PyObject *op, char *buf) {
  size_t cap = REC_SIG_CHARS + 32, n = 0;
  if (PyFunction_Check(op)) {
    PyFunctionObject *f = (PyFunctionObject *)op;
    n = put_name(buf, 0, cap, f->func_qualname);
    if (n && f->func_code && PyCode_Check(f->func_code)) n = put_params(buf, n, cap, (PyCodeObject *)f->func_code, 0);
  } else if (PyMethod_Check(op) && PyFunction_Check(PyMethod_GET_FUNCTION(op))) {
    PyFunctionObject *f = (PyFunctionObject *)PyMethod_GET_FUNCTION(op);
    n = put_name(buf, 0, cap, f->func_qualname);
    if (n && f->func_code && PyCode_Check(f->func_code)) n = put_params(buf, n, cap, (PyCodeObject *)f->func_code, 1);
  } else if (PyType_Check(op)) {
    n = put_type_name(buf, 0, cap, (PyTypeObject *)op);
  } else if (PyModule_Check(op)) {
    PyObject *name = PyModule_GetNameObject(op);
    n = put_name(buf, 0, cap, name);
    Py_XDECREF(name);
  } else if (PyCFunction_Check(op)) {
    /* meth_get__qualname__: the owner type's qualified name and a dot, unless
    ** the builtin belongs to a module (print) or to nothing. */
    PyCFunctionObject *m = (PyCFunctionObject *)op;
    PyObject *self = PyCFunction_GET_SELF(op);
    if (self != NULL && !PyModule_Check(self)) {
      n = put_type_name(buf, 0, cap, PyType_Check(self) ? (PyTypeObject *)self : Py_TYPE(self));
      buf[n++] = '.';
    }
    if (m->m_ml && m->m_ml->ml_name)
      n += (size_t)snprintf(buf + n, cap - n, "%.*s", REC_NAME_CHARS, m->m_ml->ml_name);
  } else if (PyCode_Check(op)) {
    n = put_name(buf, 0, cap, ((PyCodeObject *)op)->co_qualname);
  }
  return n < cap ? n : 0;
}

/* Only these types can have a value: a quick no for every other object
** (exact types first; a module subclass costs a walk of the type's MRO). */
static int has_value(PyObject *op) {
  PyTypeObject *tp = Py_TYPE(op);
  return tp == &PyLong_Type || tp == &PyUnicode_Type || tp == &PyFloat_Type ||
         tp == &PyFunction_Type || op == Py_None || tp == &PyBool_Type || tp == &PyBytes_Type ||
         tp == &PyMethod_Type || tp == &PyCFunction_Type || tp == &PyCMethod_Type ||
         tp == &PyCode_Type || tp == &PyModule_Type || PyType_Check(op) ||
         ((tp->tp_flags & Py_TPFLAGS_HEAPTYPE) && PyModule_Check(op));
}

static size_t value_text(PyObject *op, char *buf);

int rec_value_int(PyObject *op, int64_t *v) {
  if (!PyLong_CheckExact(op)) return 0;
  Py_ssize_t size = Py_SIZE(op);
  if (size == 0) {
    *v = 0;
    return 1;
  }
  if (size < -2 || size > 2) return 0;   /* two 30-bit digits always fit */
  const digit *d = ((PyLongObject *)op)->ob_digit;
  int64_t m = (int64_t)d[0];
  if (size == 2 || size == -2) m |= (int64_t)d[1] << PyLong_SHIFT;
  *v = size < 0 ? -m : m;
  return 1;
}

/* rec_value_id of a compact ASCII str, most values: it cannot fail, so no
** exception to save, and its repr is a copy unless it needs an escape.
** (A cache of texts already valued, tried in front of the writer's intern
** table, saved instructions but lost time: its entries miss the CPU cache
** while the event ring streams through it, more often than the smaller,
** denser intern table's do.) */
static uint64_t ascii_value_id(PyObject *op) {
  char buf[VALUE_BUF];
  size_t n = ascii_repr(op, buf);
  if (n == 0) n = text_repr(op, 1, buf);
  return trc_writer_string(rec_g.w, buf, n);
}

uint64_t rec_value_id(PyObject *op) {
  char buf[VALUE_BUF];
  if (Py_IS_TYPE(op, &PyUnicode_Type) && PyUnicode_IS_COMPACT_ASCII(op)) return ascii_value_id(op);
  if (!has_value(op)) return 0;
  /* Formatting may fail (memory); the program's pending exception, if any,
  ** must come through untouched. */
  PyObject *et, *ev, *tb;
  PyErr_Fetch(&et, &ev, &tb);
  size_t n = value_text(op, buf);
  PyErr_Restore(et, ev, tb);
  if (n == 0 || n >= sizeof buf) return 0;
  return trc_writer_string(rec_g.w, buf, n);
}

static size_t value_text(PyObject *op, char *buf) {
  size_t sz = VALUE_BUF;
  size_t n = 0;
  if (op == Py_None) {
    n = (size_t)snprintf(buf, sz, "None");
  } else if (op == Py_True || op == Py_False) {
    n = (size_t)snprintf(buf, sz, "%s", op == Py_True ? "True" : "False");
  } else if (PyLong_CheckExact(op)) {
    n = int_text(op, buf);
  } else if (PyFloat_CheckExact(op)) {
    /* float_repr's own call, without a str object. */
    char *s = PyOS_double_to_string(PyFloat_AS_DOUBLE(op), 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (s == NULL) {
      PyErr_Clear();
      return 0;
    }
    n = (size_t)snprintf(buf, sz, "%s", s);
    PyMem_Free(s);
  } else if (PyUnicode_CheckExact(op)) {
    if (PyUnicode_READY(op) < 0) {
      PyErr_Clear();
      return 0;
    }
    n = text_repr(op, 1, buf);
  } else if (PyBytes_CheckExact(op)) {
    n = text_repr(op, 0, buf);
  } else {
    n = name_text(op, buf);
  }
  return n;
}
