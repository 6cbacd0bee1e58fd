/* ana_pertest.h — which tests' objects outlive them.
**
** heapreel.pytest_plugin marks each test's call with `test:<nodeid>:start`
** and `test:<nodeid>:end`. A test leaves objects behind when an object the
** program allocated between its two marks is still alive at the end of the
** run (ana_leaks: the mark "end", else the trace's last event) and a root
** still reaches it. Objects of a test that no root reaches are counted
** apart: cyclic garbage the collector would free, or objects held where the
** trace does not look (interpreter caches). Code objects belong to no
** test: a comprehension's or a nested function's is made by compiling, yet
** a trace may report it at the first call that runs it, held by its
** function's constants, which would name every test that has one. Tests
** run one after another, so each object belongs to at most one test.
*/
#ifndef ANA_PERTEST_H
#define ANA_PERTEST_H

#include <stddef.h>
#include <stdint.h>

#include "ana_leaks.h"
#include "ana_trace.h"

#define ANA_PERTEST_PREFIX "test:"
#define ANA_PERTEST_START ":start"
#define ANA_PERTEST_END ":end"

typedef struct ana_test_leak {
  char *nodeid;              /* owned */
  uint64_t start_seq, end_seq;
  uint64_t count, bytes;     /* its objects alive at the end that a root reaches */
  ana_leak_group *groups;    /* owned: those objects by site and type, biggest first */
  uint64_t unreached_count, unreached_bytes;   /* alive, but no root reaches them */
  size_t ngroups;
} ana_test_leak;

typedef struct ana_pertest {
  ana_test_leak *tests;      /* owned: every test with both marks, in run order */
  size_t ntests;
  size_t nleaking;           /* tests with count > 0 */
} ana_pertest;

/* Fill *out from t and l (both borrowed; l computed from t by ana_leaks_compute).
** HR_OK (no marked tests: ntests = 0), HR_ENOMEM or HR_ESQL with a message on t. */
int ana_pertest_compute(ana_trace *t, const ana_leaks *l, ana_pertest *out);
void ana_pertest_reset(ana_pertest *p);

#endif /* ANA_PERTEST_H */
