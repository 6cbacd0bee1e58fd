/* hr_test.h — the tiny assertion header every unit test uses.
**
** CHECK(cond) records a failure and goes on; REQUIRE(cond) stops the test
** function. Each test file ends with HR_TEST_MAIN(test_a, test_b, ...), which
** runs them and prints "N passed, N failed" as its last line; the exit status
** is non-zero when anything failed.
**
** hr_test_oom() is the one out-of-memory loop (SQLite's habit): it fails our
** allocations 1, 2, ... N in turn through hr_mem.h's fault injection.
*/
#ifndef HR_TEST_H
#define HR_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_status.h"

static int hr_test_failures;
static int hr_test_checks;

#define CHECK(cond) do { hr_test_checks++; if (!(cond)) { hr_test_failures++; \
  fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define REQUIRE(cond) do { hr_test_checks++; if (!(cond)) { hr_test_failures++; \
  fprintf(stderr, "%s:%d: requirement failed: %s\n", __FILE__, __LINE__, #cond); return; } } while (0)
#define CHECK_EQ_U64(a, b) do { unsigned long long _a = (a), _b = (b); hr_test_checks++; \
  if (_a != _b) { hr_test_failures++; fprintf(stderr, "%s:%d: %s == %llu, expected %s == %llu\n", \
  __FILE__, __LINE__, #a, _a, #b, _b); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); hr_test_checks++; \
  if (!_a || !_b || strcmp(_a, _b) != 0) { hr_test_failures++; fprintf(stderr, \
  "%s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, _a ? _a : "(null)", \
  _b ? _b : "(null)"); } } while (0)

typedef void (*hr_test_fn)(void);

/* Runs body(ctx) with the nth of heapreel's allocations failing (and, when
** sticky, every one after it), for n = 1, 2, ... until a run makes fewer than
** n allocations, so the failure never fired, or n reaches max. Every run must
** return HR_OK (a failure the code could do without) or HR_ENOMEM (either
** sign), never crash or leak (the sanitizer build checks that). Returns the
** number of runs that reported HR_ENOMEM, and checks that the loop reached
** an untouched run. */
static inline long hr_test_oom(const char *what, long max, int sticky,
                               int (*body)(void *ctx), void *ctx) {
  long reported = 0, n = 1;
  int untouched = 0;
  for (; n <= max && !untouched; n++) {
    long before = hr_mem_count();
    hr_mem_fail_at(n, sticky);
    int rc = body(ctx);
    hr_mem_fail_at(0, 0);
    untouched = hr_mem_count() - before < n;
    hr_test_checks++;
    if (rc == HR_ENOMEM || rc == -HR_ENOMEM) reported++;
    else if (rc != HR_OK) {
      hr_test_failures++;
      fprintf(stderr, "%s: allocation %ld failing%s: status %d\n", what, n,
              sticky ? " (and every one after)" : "", rc);
    }
  }
  hr_test_checks++;
  if (!untouched) {
    hr_test_failures++;
    fprintf(stderr, "%s: still failing after %ld allocations\n", what, max);
  }
  return reported;
}

static inline int hr_test_run(const char *const *names, const hr_test_fn *fns, int n) {
  int passed = 0, failed = 0;
  for (int i = 0; i < n; i++) {
    int before = hr_test_failures;
    fns[i]();
    if (hr_test_failures == before) { passed++; printf("ok   %s\n", names[i]); }
    else { failed++; printf("FAIL %s\n", names[i]); }
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

#define HR_TEST_STR_(...) #__VA_ARGS__
#define HR_TEST_MAIN(...) \
  int main(void) { \
    const hr_test_fn fns[] = {__VA_ARGS__}; \
    static char names_buf[] = HR_TEST_STR_(__VA_ARGS__); \
    const char *names[sizeof fns / sizeof fns[0]]; \
    char *save = NULL, *tok = strtok_r(names_buf, ", ", &save); \
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) { \
      names[i] = tok ? tok : "?"; tok = strtok_r(NULL, ", ", &save); } \
    return hr_test_run(names, fns, (int)(sizeof fns / sizeof fns[0])); \
  }

#endif /* HR_TEST_H */
