/* test_render.c — the render library's text escaping and output formats. */
#include <stdio.h>
#include <string.h>

#include "hr_mem.h"

#include "hr_test.h"
#include "rnd_graph.h"
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

/* 200 escaped texts into one buffer: NULL (out of memory) or the text. */
static int escape_once(void *unused) {
  (void)unused;
  rnd_buf b;
  rnd_buf_init(&b);
  for (int i = 0; i < 200; i++) rnd_buf_text(&b, "<some text & more>", 0);
  char *p = rnd_buf_take(&b);
  int rc = p ? HR_OK : HR_ENOMEM;
  if (p && strncmp(p, "&lt;some text &amp; more&gt;", 28) != 0) rc = -99;
  hr_free(p);
  return rc;
}

static void test_oom(void) {
  /* Every allocation failure while escaping leaves an empty result, never a crash. */
  CHECK(hr_test_oom("escape", 100, 1, escape_once, NULL) > 0);
}

/* A scene by hand: one frame whose names refer to a static int and to a list;
** the int's row (as if it had one) refers to the list, the list's item back
** to the int: a cycle. */
static void test_graph(void) {
  rnd_row frow[2] = {{.key = (char *)"x", .obj = 2}, {.key = (char *)"xs", .obj = 3}};
  rnd_row orow[1] = {{.key = (char *)"0", .obj = 2}};
  rnd_row irow[1] = {{.key = (char *)"up", .obj = 3}};
  rnd_box frame = {0};
  frame.id = 1;
  frame.title = (char *)"<module>";
  frame.sub = (char *)"line 3";
  frame.rows = frow;
  frame.nrows = 2;
  frame.refcount = -1;
  frame.active = 1;
  rnd_box objs[2] = {{0}, {0}};
  objs[0].id = 2;
  objs[0].title = (char *)"int";
  objs[0].sub = (char *)"1";
  objs[0].refcount = 999999999 + 16;   /* 3.11's static objects start at 999999999 */
  objs[0].kind = RND_K_SCALAR;
  objs[0].rows = irow;
  objs[0].nrows = 1;
  objs[1].id = 3;
  objs[1].title = (char *)"list";
  objs[1].refcount = 1;
  objs[1].rows = orow;
  objs[1].nrows = 1;
  objs[1].kind = RND_K_SEQ;
  rnd_scene sc = {.frames = &frame, .nframes = 1, .objs = objs, .nobjs = 2,
                  .caption = (char *)"step 3", .step = 3};
  rnd_options o;
  rnd_options_init(&o);
  Agraph_t *g = rnd_graph_build(&sc, &o);
  CHECK(g != NULL);
  if (!g) return;
  Agnode_t *n2 = agnode(g, "o2", 0), *n3 = agnode(g, "o3", 0), *st = agnode(g, "stack", 0);
  CHECK(n2 && n3 && st);
  if (n2 && n3 && st) {
    const char *l2 = agget(n2, "label"), *l3 = agget(n3, "label");
    CHECK(strstr(l2, "rc static") != NULL);
    CHECK(strstr(l2, "999") == NULL && strstr(l2, "10⁹") == NULL);
    CHECK(strstr(l3, "rc 1<") != NULL);
    CHECK(strstr(l2, "PORT=\"h\"") != NULL && strstr(l3, "PORT=\"h\"") != NULL);
    /* Every edge lands on the header port, none on a row. Frames' edges
    ** leave the row's right edge; an object's from the dot in the cell's
    ** middle, except the one closing the cycle (back to the int, which the
    ** walk from the frame's first name reached first): from the right edge. */
    int edges = 0;
    for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n))
      for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e)) {
        CHECK_STR(agget(e, "headport"), "h");
        const char *tp = agget(e, "tailport");
        if (n == st) CHECK(strcmp(tp, "f0r0:e") == 0 || strcmp(tp, "f0r1:e") == 0);
        else if (n == n2) CHECK_STR(tp, "r0:c");
        else CHECK_STR(tp, "r0:e");
        edges++;
      }
    CHECK(edges == 4);
  }
  agclose(g);
}

HR_TEST_MAIN(test_escape, test_formats, test_oom, test_graph)
