/* cli_flamegraph.c — `heapreel flamegraph`: bytes by Python stack, as a page or an SVG. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ana_flame.h"
#include "ana_leaks.h"
#include "ana_peak.h"
#include "cli.h"
#include "cli_ana.h"
#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_flame.h"
#include "rnd_output.h"

static const char usage[] =
  "usage: heapreel flamegraph [--leaks] -o <out.html|out.svg> <trace>\n"
  "\n"
  "    -o <file>   write a self-contained HTML page (search, click a frame to\n"
  "                zoom into it, Escape to zoom out) or, for a name ending in\n"
  "                .svg, a static SVG\n"
  "    --leaks     what was alive at the end of the main script (leaks' objects),\n"
  "                not what was live at the peak\n"
  "\n"
  "Bytes (sys.getsizeof) by the Python stack that allocated them. By default\n"
  "the objects live at the peak that the program made, as `peak` counts them:\n"
  "the graph's whole is peak's live bytes.\n";

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n > k && strcasecmp(s + n - k, suffix) == 0;
}

int cli_flamegraph(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  enum { OPT_OUT = 1, OPT_LEAKS };
  static const hr_opt options[] = {
    {"", 'o', 1, OPT_OUT, "a file"},
    {"leaks", 0, 0, OPT_LEAKS, NULL},
    {NULL, 0, 0, 0, NULL},
  };
  const char *path = NULL, *out = NULL;
  int leaks = 0, id;
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  while ((id = cli_opts_next(&o, usage)) > 0) {
    if (id == OPT_OUT) out = o.arg;
    else leaks = 1;
  }
  if (id < 0 || cli_opts_operands(&o, usage, &path, 1) < 0) return CLI_USAGE;
  if (!path) return cli_usage_error(usage, "no trace given");
  if (!out) return cli_usage_error(usage, "no output given: -o <out.html> or -o <out.svg>");
  int svg = ends_with(out, ".svg");
  if (!svg && !ends_with(out, ".html") && !ends_with(out, ".htm"))
    return cli_usage_error(usage, "-o writes HTML or SVG: give a file ending in .html or .svg, not '%s'", out);

  ana_trace *t = cli_ana_open(path);
  if (!t) return CLI_FAIL;
  ana_flame f;
  ana_peak p;
  ana_leaks l;
  memset(&p, 0, sizeof p);
  memset(&l, 0, sizeof l);
  const char *what = leaks ? "alive at the end" : "live at the peak";
  int rc = ana_flame_init(&f);
  if (rc == HR_OK && !leaks) {
    rc = ana_peak_compute(t, &p);
    if (rc == HR_OK) rc = ana_flame_add_groups(&f, p.heap, p.live, p.nlive);
  } else if (rc == HR_OK) {
    rc = ana_leaks_compute(t, &l);
    if (rc == HR_OK) rc = ana_flame_add_groups(&f, l.heap, l.groups, l.ngroups);
    if (rc == HR_OK) rc = ana_flame_add_groups(&f, l.heap, l.garbage, l.ngarbage);
    if (rc == HR_OK) rc = ana_flame_add_groups(&f, l.heap, l.unreached, l.nunreached);
  }
  char *bytes = NULL, *err = NULL;
  size_t len = 0;
  int status = CLI_OK;
  if (rc) {
    if (rc == HR_ENOMEM) ana_trace_fail(t, rc, "out of memory");
    status = cli_ana_fail(t, rc);
  } else {
    rc = svg ? rnd_flame_svg(t, &f, what, &bytes, &len) : rnd_flame_html(t, &f, what, &bytes, &len);
    if (rc == HR_OK) rc = rnd_output_write(out, bytes, len, &err);
    if (rc) {
      cli_error("%s", err ? err : rc == HR_ENOMEM ? "out of memory" : "the flame graph template is damaged");
      status = CLI_FAIL;
    } else {
      fprintf(stderr, "heapreel: wrote '%s': %zu frames, %llu bytes in %llu objects %s\n", out, f.n - 1,
              (unsigned long long)f.nodes[0].bytes, (unsigned long long)f.nodes[0].count, what);
    }
  }
  hr_free(bytes);
  hr_free(err);
  ana_flame_reset(&f);
  ana_peak_reset(&p);
  ana_leaks_reset(&l);
  ana_trace_free(t);
  return status;
}
