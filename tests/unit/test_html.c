/* test_html.c — the stepping page's pieces: HTML-safe JSON strings and the
** pack that stores many SVG diagrams as distinct lines. */
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"

#include "hr_test.h"
#include "rnd_html.h"
#include "rnd_html_pack.h"
#include "rnd_json.h"

static char *js(const char *s, size_t len) {
  static char out[1024];
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_json_str(&b, s, len);
  char *p = rnd_buf_take(&b);
  snprintf(out, sizeof out, "%s", p ? p : "(oom)");
  hr_free(p);
  return out;
}
#define JS(lit) js(lit, sizeof(lit) - 1)

static void test_json(void) {
  CHECK_STR(JS("plain"), "\"plain\"");
  CHECK_STR(JS("</script><script>alert(1)</script>"),
            "\"\\u003c/script\\u003e\\u003cscript\\u003ealert(1)\\u003c/script\\u003e\"");
  CHECK_STR(JS("a&b <!-- -->"), "\"a\\u0026b \\u003c!-- --\\u003e\"");
  CHECK_STR(JS("q\"b\\s\n\t\r\x01\x7f"), "\"q\\\"b\\\\s\\n\\t\\u000d\\u0001\\u007f\"");
  CHECK_STR(JS("nul\0x"), "\"nul\\u0000x\"");
  CHECK_STR(JS("h\xc3\xa9 \xe2\x86\x92"), "\"h\xc3\xa9 \xe2\x86\x92\"");
  CHECK_STR(JS("\xe2\x80\xa8\xe2\x80\xa9"), "\"\\u2028\\u2029\"");
  /* Not strict UTF-8: a lone continuation byte, a cut sequence, an overlong
  ** '/', an encoded surrogate, a byte that never starts a sequence. */
  CHECK_STR(JS("\x80"), "\"\\ufffd\"");
  CHECK_STR(JS("a\xe2\x86"), "\"a\\ufffd\\ufffd\"");
  CHECK_STR(JS("\xc0\xaf"), "\"\\ufffd\\ufffd\"");
  CHECK_STR(JS("\xed\xa0\x80z"), "\"\\ufffd\\ufffd\\ufffdz\"");
  CHECK_STR(JS("\xff<"), "\"\\ufffd\\u003c\"");
  CHECK_STR(JS("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
  CHECK_STR(js(NULL, 0), "\"\"");
}

static void test_pack(void) {
  static const char a[] = "<svg>\n<g>one</g>\n<g>two</g>\n</svg>\n";
  static const char b[] = "<svg>\n<g>one</g>\n<g>three</g>\n</svg>\n";
  static const char a2[] = "<svg>\n<g>one</g>\n<g>two</g>\n</svg>\n";   /* same bytes, another buffer */
  rnd_pack *p = rnd_pack_new();
  REQUIRE(p);
  uint32_t da = 9, db = 9, da2 = 9;
  CHECK(rnd_pack_add(p, a, sizeof a - 1, &da) == 0);
  CHECK(rnd_pack_add(p, b, sizeof b - 1, &db) == 0);
  CHECK(rnd_pack_add(p, a2, sizeof a2 - 1, &da2) == 0);
  CHECK_EQ_U64(da, 0);
  CHECK_EQ_U64(db, 1);
  CHECK_EQ_U64(da2, 0);
  CHECK_EQ_U64(rnd_pack_diagrams(p), 2);
  CHECK_EQ_U64(rnd_pack_lines(p), 6);   /* 5 of a (the last one empty), "three" */
  rnd_buf j;
  rnd_buf_init(&j);
  rnd_pack_json(p, &j);
  CHECK_STR(j.p, "\"lines\":[\"\\u003csvg\\u003e\",\n\"\\u003cg\\u003eone\\u003c/g\\u003e\",\n"
                 "\"\\u003cg\\u003etwo\\u003c/g\\u003e\",\n\"\\u003c/svg\\u003e\",\n\"\",\n"
                 "\"\\u003cg\\u003ethree\\u003c/g\\u003e\"],\n\"diags\":[[0,5],\n[0,2,5,1,3,2]]");
  rnd_buf_reset(&j);
  rnd_pack_free(p);
  rnd_pack_free(NULL);
}

/* Many lines: the hash table grows and every line keeps its number. */
static void test_pack_many(void) {
  static char svg[200000];
  size_t n = 0;
  for (int i = 0; i < 5000; i++) n += (size_t)snprintf(svg + n, sizeof svg - n, "line %d\n", i % 3000);
  rnd_pack *p = rnd_pack_new();
  REQUIRE(p);
  uint32_t d;
  CHECK(rnd_pack_add(p, svg, n, &d) == 0);
  CHECK_EQ_U64(rnd_pack_lines(p), 3001);
  rnd_pack_free(p);
}

/* A pack made and given one diagram. */
static int pack_once(void *unused) {
  static const char a[] = "<svg>\n<g>one</g>\n</svg>";
  (void)unused;
  rnd_pack *p = rnd_pack_new();
  if (p == NULL) return HR_ENOMEM;
  uint32_t d;
  int rc = rnd_pack_add(p, a, sizeof a - 1, &d);
  rnd_pack_free(p);
  return rc;
}

static void test_oom(void) {
  CHECK(hr_test_oom("pack", 100, 0, pack_once, NULL) > 0);
}

/* Thinning a long run's points: exactly max kept, in order, the first and
** the last step point kept, every mark kept when they are few, and the
** step points evenly spread. */
static void test_thin(void) {
  enum { N = 5000 };
  static rnd_point v[N];
  for (size_t i = 0; i < N; i++) {
    v[i].step = i + 1;
    v[i].seq = (i == 10 || i == 2500 || i == 4998) ? 100000 + i : 0;   /* three marks */
  }
  size_t n = N;
  CHECK(rnd_html_thin(v, &n, 300) == N - 300);
  CHECK(n == 300);
  CHECK(v[0].step == 1 && v[n - 1].step == N);
  size_t marks = 0, maxgap = 0;
  for (size_t i = 0; i < n; i++) {
    marks += v[i].seq != 0;
    if (i) {
      CHECK(v[i].step > v[i - 1].step);
      if (v[i].step - v[i - 1].step > maxgap) maxgap = v[i].step - v[i - 1].step;
    }
  }
  CHECK(marks == 3);
  CHECK(maxgap <= 2 * N / 300);
  /* Under the cap: nothing left out. */
  n = 10;
  CHECK(rnd_html_thin(v, &n, 300) == 0 && n == 10);
  /* Marks only, more than half the cap: half the cap of them, evenly. */
  for (size_t i = 0; i < N; i++) { v[i].step = i + 1; v[i].seq = i + 1; }
  n = N;
  CHECK(rnd_html_thin(v, &n, 100) == N - 100 && n == 100);
  CHECK(v[0].seq == 1 && v[99].seq == N);
}

HR_TEST_MAIN(test_json, test_pack, test_pack_many, test_oom, test_thin)
