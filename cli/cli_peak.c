/* cli_peak.c — `heapreel peak`: peak memory, where, what was live; an SVG plot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ana_peak.h"
#include "ana_stacks.h"
#include "cli.h"
#include "cli_ana.h"
#include "cli_heap.h"
#include "cli_json.h"
#include "hr_escape.h"
#include "hr_size.h"
#include "hr_status.h"

static const char usage[] =
  "usage: heapreel peak [--json] [--plot <out.svg>] [--all] <trace>\n"
  "\n"
  "    --json            print {format, peak_bytes, step, file, line, stack, live_by_site, sizes} as JSON\n"
  "    --plot <out.svg>  draw bytes over steps as an SVG line chart, the peak marked\n"
  "                      and the marks (heapreel.mark) labelled on the step axis\n"
  "    --all             list every site in the text output, not the biggest 20\n"
  "\n"
  "Peak bytes are allocator-level (every Python allocator domain, as tracemalloc\n"
  "counts them). What was live is what the program had allocated and still held\n"
  "then, grouped by allocation site and type.\n";

#define TEXT_GROUPS 20

/* What an object's bytes are at the peak. A full trace follows each
** object's sys.getsizeof as it changes; an alloc trace knows an object's own
** block then (an int's sys.getsizeof), not the buffers it holds (a list's
** items, a dict's table): those count in the peak's total only. */
static const char *sizes_of(ana_trace *t) {
  return ana_trace_is_alloc(t) ? "each object's own block, without the buffers it holds"
                               : "sys.getsizeof";
}

static void print_json(ana_trace *t, const ana_peak *p) {
  ana_loc l = ana_trace_location(t, p->location);
  cli_json j;
  cli_json_init(&j, stdout, 2);
  cli_json_begin_document(&j);
  cli_json_key(&j, "peak_bytes"); cli_json_uint(&j, p->peak_bytes);
  cli_json_key(&j, "step");
  if (ana_trace_is_alloc(t)) cli_json_null(&j); else cli_json_uint(&j, p->step);
  cli_json_key(&j, "file"); cli_json_string(&j, p->location ? l.file : NULL);
  cli_json_key(&j, "line");
  if (p->location) cli_json_uint(&j, l.line); else cli_json_null(&j);
  cli_json_key(&j, "function"); cli_json_string(&j, p->location ? l.function : NULL);
  cli_json_key(&j, "stack"); cli_heap_json_stack(&j, t, p->stack, p->depth);
  cli_json_key(&j, "live_count"); cli_json_uint(&j, p->live_count);
  cli_json_key(&j, "live_bytes"); cli_json_uint(&j, p->live_bytes);
  cli_json_key(&j, "sizes");
  cli_json_string(&j, ana_trace_is_alloc(t) ? "object blocks" : "sys.getsizeof");
  cli_json_key(&j, "live_by_site");
  cli_json_begin_array(&j);
  for (size_t i = 0; i < p->nlive; i++) {
    cli_json_begin_object(&j);
    cli_heap_json_group_keys(&j, t, p->heap, &p->live[i]);
    cli_json_end_object(&j);
  }
  cli_json_end_array(&j);
  cli_json_end_object(&j);
  cli_json_finish(&j);
}

static void print_text(ana_trace *t, const ana_peak *p, int all) {
  /* An alloc trace has no steps to name (its step numbers count allocation sites). */
  if (ana_trace_is_alloc(t)) printf("peak %llu bytes (", (unsigned long long)p->peak_bytes);
  else printf("peak %llu bytes at step %llu (", (unsigned long long)p->peak_bytes,
              (unsigned long long)p->step);
  cli_heap_put_loc(stdout, t, p->location);
  puts(")");
  if (p->depth > 1) {
    fputs("  stack: ", stdout);
    cli_heap_put_stack(stdout, t, p->stack, p->depth);
    fputc('\n', stdout);
  }
  printf("\nlive then, allocated by the program: %llu objects, %llu bytes (%s)\n",
         (unsigned long long)p->live_count, (unsigned long long)p->live_bytes, sizes_of(t));
  cli_heap_put_groups(t, p->heap, p->live, p->nlive, all ? 0 : TEXT_GROUPS);
}

/* --- the plot ------------------------------------------------------------------------- */

/* Text for SVG, escaped as the diagrams' labels are (hr_xml_step). */
static void svg_text(FILE *out, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t n = strlen(s); n;) {
    char esc[8];
    size_t used, k = hr_xml_step(p, n, esc, &used);
    if (k) fwrite(esc, 1, k, out);
    else fwrite(p, 1, used, out);
    p += used;
    n -= used;
  }
}

enum { W = 900, H = 420, ML = 80, MR = 30, MT = 40, MB = 90 };

static double px(const ana_peak *p, uint64_t step) {
  uint64_t last = p->last_step ? p->last_step : 1;
  return ML + (double)(W - ML - MR) * (double)step / (double)last;
}

/* The highest point drawn: the peak, or a series point above it (the
** start-up before the program's first step, which the peak leaves out). */
static uint64_t plot_max(const ana_peak *p) {
  uint64_t m = p->peak_bytes;
  for (size_t i = 0; i < p->nseries; i++)
    if (p->series[i].bytes > m) m = p->series[i].bytes;
  return m;
}

static double py(const ana_peak *p, uint64_t bytes) {
  uint64_t m = plot_max(p);
  double top = m ? (double)m * 1.1 : 1;
  return MT + (double)(H - MT - MB) * (1.0 - (double)bytes / top);
}

/* Whether path ends in ".svg" (any case): the only format --plot writes. */
static int is_svg_path(const char *path) {
  size_t n = strlen(path);
  return n > 4 && strcasecmp(path + n - 4, ".svg") == 0;
}

static int write_plot(ana_trace *t, const ana_peak *p, const char *path) {
  FILE *out = fopen(path, "w");
  if (!out) {
    cli_error("cannot write plot '%s': %s", path, strerror(errno));
    return CLI_FAIL;
  }
  char buf[64];
  fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">\n", W, H, W, H);
  fprintf(out, "<title>memory over %s: ", ana_trace_is_alloc(t) ? "the run" : "steps");
  svg_text(out, ana_trace_path(t));
  fprintf(out, "</title>\n<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
  /* Axes and ticks: bytes at 0, half and full peak; steps at both ends. */
  fprintf(out, "<g stroke=\"#444\"><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
               "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>\n",
          ML, MT, ML, H - MB, ML, H - MB, W - MR, H - MB);
  uint64_t top = plot_max(p);
  for (int k = 0; k <= 2; k++) {
    uint64_t b = top / 2 * (uint64_t)k;
    hr_size_format(b, buf, sizeof buf);
    fprintf(out, "<text class=\"ytick\" x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
            ML - 6, py(p, b) + 4, buf);
  }
  fprintf(out, "<text class=\"xtick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">0</text>\n", ML, H - MB + 16);
  fprintf(out, "<text class=\"xtick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%llu</text>\n",
          W - MR, H - MB + 16, (unsigned long long)p->last_step);
  /* An alloc trace has no steps: its step numbers count changes of allocation site. */
  fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", (ML + W - MR) / 2, H - 8,
          ana_trace_is_alloc(t) ? "allocation-site changes (an alloc trace has no steps)" : "step");
  /* Marks: a dashed line and the label on the step axis. */
  for (size_t i = 0; i < p->nmarks; i++) {
    double x = px(p, p->marks[i].step);
    fprintf(out, "<line class=\"mark\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#99a\" "
                 "stroke-dasharray=\"3,3\"/>\n", x, MT, x, H - MB);
    fprintf(out, "<text class=\"mark\" transform=\"translate(%.1f,%d) rotate(45)\">", x, H - MB + 24);
    svg_text(out, p->marks[i].label);
    fputs("</text>\n", out);
  }
  if (top > p->peak_bytes && p->nseries && p->series[0].bytes == top) {
    hr_size_format(top, buf, sizeof buf);
    fprintf(out, "<text class=\"note\" x=\"%d\" y=\"%d\" fill=\"#666\">the line starts at %s: the "
                 "interpreter's start-up before the program's first step, which the peak leaves out</text>\n",
            ML + 6, MT - 14, buf);
  }
  fputs("<polyline class=\"bytes\" fill=\"none\" stroke=\"#2a6fdb\" stroke-width=\"1.5\" points=\"", out);
  for (size_t i = 0; i < p->nseries; i++)
    fprintf(out, "%s%.1f,%.1f", i ? " " : "", px(p, p->series[i].step), py(p, p->series[i].bytes));
  fputs("\"/>\n", out);
  double x = px(p, p->step), y = py(p, p->peak_bytes);
  hr_size_format(p->peak_bytes, buf, sizeof buf);
  ana_loc l = ana_trace_location(t, p->location);
  fprintf(out, "<circle class=\"peak\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#d33\"/>\n", x, y);
  fprintf(out, "<text class=\"peak\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"#d33\">peak %s",
          x + (x > W / 2 ? -8 : 8), y - 8, x > W / 2 ? "end" : "start", buf);
  if (!ana_trace_is_alloc(t)) fprintf(out, " at step %llu", (unsigned long long)p->step);
  fputs(" (", out);
  if (p->location) {
    svg_text(out, l.file);
    fprintf(out, ":%u", l.line);
  } else {
    fputs(CLI_HEAP_NO_LINE, out);
  }
  fputs(")</text>\n</svg>\n", out);
  if (ferror(out) | fclose(out)) {
    cli_error("cannot write plot '%s': %s", path, hr_status_str(HR_EIO));
    return CLI_FAIL;
  }
  return CLI_OK;
}

int cli_peak(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  cli_ana_args a;
  if (cli_ana_parse(argc, argv, usage, CLI_ANA_ALL | CLI_ANA_PLOT, &a) != CLI_OK) return CLI_USAGE;
  if (a.plot && !is_svg_path(a.plot)) {
    cli_error("--plot writes SVG only: give a file ending in .svg, not '%s'", a.plot);
    return CLI_USAGE;
  }
  ana_trace *t = cli_ana_open(a.path);
  if (!t) return CLI_FAIL;
  ana_peak p;
  int rc = ana_peak_compute(t, &p);
  if (rc) {
    ana_peak_reset(&p);
    rc = cli_ana_fail(t, rc);
    ana_trace_free(t);
    return rc;
  }
  int status = a.plot ? write_plot(t, &p, a.plot) : CLI_OK;
  if (status == CLI_OK) {
    if (a.json) print_json(t, &p);
    else print_text(t, &p, a.all);
  }
  ana_peak_reset(&p);
  ana_trace_free(t);
  return cli_end_output(status);
}
