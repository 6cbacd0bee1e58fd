/* test_common.c — the shared text rules of common/: the strict UTF-8
** validator, the terminal, JSON and XML escapes every output goes through,
** and the size formatter. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hr_escape.h"
#include "hr_size.h"
#include "hr_test.h"
#include "hr_utf8.h"

/* The length hr_utf8_seq gives the literal's first sequence. */
static size_t seq(const char *s, size_t n) {
  uint32_t cp = 0;
  return hr_utf8_seq((const unsigned char *)s, n, &cp);
}
#define SEQ(lit) seq(lit, sizeof(lit) - 1)

static void test_utf8(void) {
  uint32_t cp = 0;
  CHECK(hr_utf8_seq((const unsigned char *)"A", 1, &cp) == 1 && cp == 'A');
  CHECK(hr_utf8_seq((const unsigned char *)"\xc3\xa9", 2, &cp) == 2 && cp == 0xe9);
  CHECK(hr_utf8_seq((const unsigned char *)"\xe2\x82\xac", 3, &cp) == 3 && cp == 0x20ac);
  CHECK(hr_utf8_seq((const unsigned char *)"\xf0\x9f\x98\x80", 4, &cp) == 4 && cp == 0x1f600);
  CHECK(hr_utf8_seq((const unsigned char *)"\xf4\x8f\xbf\xbf", 4, &cp) == 4 && cp == 0x10ffff);
  CHECK(hr_utf8_seq((const unsigned char *)"\xc2\x80", 2, &cp) == 2 && cp == 0x80);
  /* Overlong forms: '/' in two, three and four bytes; U+07FF in three. */
  CHECK_EQ_U64(SEQ("\xc0\xaf"), 0);
  CHECK_EQ_U64(SEQ("\xc1\xbf"), 0);
  CHECK_EQ_U64(SEQ("\xe0\x80\xaf"), 0);
  CHECK_EQ_U64(SEQ("\xe0\x9f\xbf"), 0);
  CHECK_EQ_U64(SEQ("\xf0\x80\x80\xaf"), 0);
  CHECK_EQ_U64(SEQ("\xf0\x8f\xbf\xbf"), 0);
  /* Surrogates, first and last; past U+10FFFF. */
  CHECK_EQ_U64(SEQ("\xed\xa0\x80"), 0);
  CHECK_EQ_U64(SEQ("\xed\xbf\xbf"), 0);
  CHECK_EQ_U64(SEQ("\xed\x9f\xbf"), 3);      /* U+D7FF, just below */
  CHECK_EQ_U64(SEQ("\xf4\x90\x80\x80"), 0);
  CHECK_EQ_U64(SEQ("\xf5\x80\x80\x80"), 0);
  CHECK_EQ_U64(SEQ("\xff"), 0);
  CHECK_EQ_U64(SEQ("\xfe"), 0);
  /* Truncated: by n, by a NUL, by a non-continuation; a stray continuation. */
  CHECK_EQ_U64(seq("\xe2\x82\xac", 2), 0);
  CHECK_EQ_U64(hr_utf8_seq((const unsigned char *)"\xe2\x82", SIZE_MAX, &cp), 0);
  CHECK_EQ_U64(SEQ("\xe2\x82" "A"), 0);
  CHECK_EQ_U64(SEQ("\x80"), 0);
  CHECK_EQ_U64(SEQ("\xbf"), 0);
}

/* s escaped through a step function into a static buffer. */
static const char *run(int json, int arg, const char *s, size_t n) {   /* json 2: XML */
  static char out[512];
  const unsigned char *p = (const unsigned char *)s;
  size_t o = 0;
  while (n) {
    char esc[8];
    size_t used, k = json == 2 ? hr_xml_step(p, n, esc, &used)
                   : json ? hr_json_step(p, n, arg, esc, &used)
                          : hr_term_step(p, n, arg, esc, &used);
    if (k) memcpy(out + o, esc, k);
    else memcpy(out + o, p, used);
    o += k ? k : used;
    p += used;
    n -= used;
  }
  out[o] = 0;
  return out;
}
#define TERM(lit, tab) run(0, tab, lit, sizeof(lit) - 1)
#define JSON(lit, fl) run(1, fl, lit, sizeof(lit) - 1)
#define XML(lit) run(2, 0, lit, sizeof(lit) - 1)

static void test_term(void) {
  CHECK_STR(TERM("plain text", 0), "plain text");
  CHECK_STR(TERM("h\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80", 0), "h\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x98\x80");
  /* Controls: the cursor cannot move, a line cannot break. */
  CHECK_STR(TERM("a\nb\rc\td", 0), "a\\nb\\rc\\td");
  CHECK_STR(TERM("a\tb", 1), "a\tb");
  CHECK_STR(TERM("\x1b[2J\x07\x7f", 0), "\\x1b[2J\\x07\\x7f");
  /* C1 controls (U+0080..U+009F; U+009B is CSI) are escaped byte by byte;
  ** U+00A0 is the first that passes. */
  CHECK_STR(TERM("\xc2\x9b" "2J", 0), "\\xc2\\x9b2J");
  CHECK_STR(TERM("\xc2\x80\xc2\x9f\xc2\xa0", 0), "\\xc2\\x80\\xc2\\x9f\xc2\xa0");
  /* Not strict UTF-8: overlong, surrogate, truncated, stray, never valid. */
  CHECK_STR(TERM("\xc0\xaf", 0), "\\xc0\\xaf");
  CHECK_STR(TERM("\xed\xa0\x80", 0), "\\xed\\xa0\\x80");
  CHECK_STR(TERM("a\xe2\x86", 0), "a\\xe2\\x86");
  CHECK_STR(TERM("\x80z\xff", 0), "\\x80z\\xff");
}

static void test_json(void) {
  CHECK_STR(JSON("plain", 0), "plain");
  CHECK_STR(JSON("q\"b\\s", 0), "q\\\"b\\\\s");
  CHECK_STR(JSON("\n\t\r\b\f\x01\x1f\x7f", 0), "\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f");
  CHECK_STR(run(1, 0, "nul\0x", 5), "nul\\u0000x");
  CHECK_STR(JSON("h\xc3\xa9 \xe2\x80\xa8 <&>", 0), "h\xc3\xa9 \xe2\x80\xa8 <&>");
  /* C1 controls are valid JSON as they are. */
  CHECK_STR(JSON("\xc2\x9b", 0), "\xc2\x9b");
  /* For HTML: markup and the JavaScript line separators are escaped, \r
  ** (and \b, \f) as \u00XX. */
  CHECK_STR(JSON("</script>&\xe2\x80\xa8\xe2\x80\xa9", HR_JSON_HTML),
            "\\u003c/script\\u003e\\u0026\\u2028\\u2029");
  CHECK_STR(JSON("\r\b\f\n", HR_JSON_HTML), "\\u000d\\u0008\\u000c\\n");
  /* Every byte that is not strict UTF-8 becomes U+FFFD. */
  CHECK_STR(JSON("\xff", 0), "\\ufffd");
  CHECK_STR(JSON("\xc0\xaf", 0), "\\ufffd\\ufffd");
  CHECK_STR(JSON("\xed\xa0\x80z", 0), "\\ufffd\\ufffd\\ufffdz");
  CHECK_STR(JSON("a\xe2\x86", 0), "a\\ufffd\\ufffd");
  CHECK_STR(JSON("\xf4\x90\x80\x80", HR_JSON_HTML), "\\ufffd\\ufffd\\ufffd\\ufffd");
}

static void test_xml(void) {
  CHECK_STR(XML("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  CHECK_STR(XML("h\xc3\xa9 \xe2\x86\x92"), "h\xc3\xa9 \xe2\x86\x92");
  /* Controls are visible; C1 controls are XML characters and pass. */
  CHECK_STR(XML("a\nb\tc\rd\x01\x1b\x7f"), "a\\nb\\tc\\rd\\x01\\x1b\\x7f");
  CHECK_STR(XML("\xc2\x9b"), "\xc2\x9b");
  /* Not strict UTF-8, and the non-characters XML forbids: U+FFFD. */
  CHECK_STR(XML("\xff"), "&#xFFFD;");
  CHECK_STR(XML("\xc0\xaf"), "&#xFFFD;&#xFFFD;");
  CHECK_STR(XML("\xed\xa0\x80"), "&#xFFFD;&#xFFFD;&#xFFFD;");
  CHECK_STR(XML("a\xe2\x86"), "a&#xFFFD;&#xFFFD;");
  CHECK_STR(XML("\xef\xbf\xbe\xef\xbf\xbf\xef\xbf\xbd"), "&#xFFFD;&#xFFFD;\xef\xbf\xbd");
}

static void test_size(void) {
  char b[HR_SIZE_LEN];
  CHECK_STR(hr_size_format(0, b, sizeof b), "0 bytes");
  CHECK_STR(hr_size_format(999, b, sizeof b), "999 bytes");
  CHECK_STR(hr_size_format(1000, b, sizeof b), "1.0 kB");
  CHECK_STR(hr_size_format(45600, b, sizeof b), "45.6 kB");
  CHECK_STR(hr_size_format(10240, b, sizeof b), "10.2 kB");      /* SI, not KiB */
  CHECK_STR(hr_size_format(1200000, b, sizeof b), "1.2 MB");
  CHECK_STR(hr_size_format(3400000000ull, b, sizeof b), "3.4 GB");
  CHECK_STR(hr_size_format(UINT64_MAX, b, sizeof b), "18446744073.7 GB");
  CHECK(strlen(b) < HR_SIZE_LEN);
}

HR_TEST_MAIN(test_utf8, test_term, test_json, test_xml, test_size)
