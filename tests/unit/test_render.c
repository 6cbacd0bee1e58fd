/* test_render.c — the render library's text escaping and output formats. */
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"

#include "hr_test.h"
#include "rnd_output.h"
#include "rnd_render.h"
#include "rnd_text.h"

static char *esc(const char *s, size_t max) {
  static char out[1024];
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_buf_text(&b, s, max);
  char *p = rnd_buf_take(&b);
  snprintf(out, sizeof out, "%s", p ? p : "(oom)");
  hr_free(p);
  return out;
}

static void test_escape(void) {
  CHECK_STR(esc("<a href=\"x\">&'</a>", 0), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK_STR(esc("a\nb\tc\rd\x01\x7f", 0), "a\\nb\\tc\\rd\\x01\\x7f");
  CHECK_STR(esc("h\xc3\xa9 \xe2\x86\x92", 0), "h\xc3\xa9 \xe2\x86\x92");
  /* Invalid UTF-8: a lone continuation byte, a cut sequence, an overlong '/',
  ** an encoded surrogate, and the non-character U+FFFF. */
  CHECK_STR(esc("\x80", 0), "&#xFFFD;");
  CHECK_STR(esc("\xe2\x86", 0), "&#xFFFD;&#xFFFD;");
  CHECK_STR(esc("\xc0\xaf", 0), "&#xFFFD;&#xFFFD;");
  CHECK_STR(esc("\xed\xa0\x80", 0), "&#xFFFD;&#xFFFD;&#xFFFD;");
  CHECK_STR(esc("\xef\xbf\xbf", 0), "&#xFFFD;");
  CHECK_STR(esc("abcdef", 3), "abc\xe2\x80\xa6");
  CHECK_STR(esc("\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
  CHECK_STR(esc("abc", 3), "abc");
  CHECK_STR(esc(NULL, 0), "");
}

static void test_formats(void) {
  CHECK(rnd_format_from_path("a.svg") == RND_FMT_SVG);
  CHECK(rnd_format_from_path("dir.x/a.PNG") == RND_FMT_PNG);
  CHECK(rnd_format_from_path("a.pdf") == RND_FMT_PDF);
  CHECK(rnd_format_from_path("a.dot") == RND_FMT_DOT);
  CHECK(rnd_format_from_path("a.gif") == -1);
  CHECK(rnd_format_from_path("dir.svg/a") == -1);
  CHECK(rnd_format_from_path("noext") == -1);
}

static void test_oom(void) {
  /* Every allocation failure while escaping leaves an empty result, never a crash. */
  for (long nth = 1; nth < 6; nth++) {
    rnd_buf b;
    rnd_buf_init(&b);
    hr_mem_fail_at(nth, 1);
    for (int i = 0; i < 200; i++) rnd_buf_text(&b, "<some text & more>", 0);
    char *p = rnd_buf_take(&b);
    hr_mem_fail_at(0, 0);
    CHECK(p == NULL);
    hr_free(p);
  }
}

HR_TEST_MAIN(test_escape, test_formats, test_oom)
