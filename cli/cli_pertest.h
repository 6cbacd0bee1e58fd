/* cli_pertest.h — `heapreel leaks --per-test`: the tests whose objects outlive them. */
#ifndef CLI_PERTEST_H
#define CLI_PERTEST_H

#include "ana_leaks.h"
#include "ana_trace.h"

/* Print the tests of t (marked by heapreel.pytest_plugin) whose objects are
** alive at the end, from l (borrowed, computed on t), as text or JSON.
** CLI_OK, or CLI_FAIL after an error message (a trace without test marks). */
int cli_pertest_print(ana_trace *t, const ana_leaks *l, int json, int all);

#endif /* CLI_PERTEST_H */
