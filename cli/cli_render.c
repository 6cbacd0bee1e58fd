/* cli_render.c — `heapreel render`: Graphviz diagrams of the stack and the
** heap at one point, a storyboard of points, one cycle or one leak. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_ana.h"
#include "hr_mem.h"
#include "hr_size.h"
#include "hr_status.h"
#include "rnd_board.h"
#include "rnd_html.h"
#include "rnd_output.h"
#include "rnd_render.h"
#include "rnd_special.h"

static const char usage[] =
  "usage: heapreel render <trace> (--step <n> | --line <l>[:<k>] | --mark <label>) -o <out>\n"
  "   or: heapreel render <trace> (--steps <a,b,...> | --lines <l,l:k,...> | --every line|mark)\n"
  "                       -o <dir>/ [--format svg|png|pdf|dot]\n"
  "   or: heapreel render <trace> (--cycle <n> | --leak <n> | --referrers <object>) -o <out>\n"
  "   or: heapreel render <trace> --html <out.html> [--steps ... | --lines ... | --every ...]\n"
  "\n"
  "    -o <out>            the file to write; its extension picks the format:\n"
  "                        .svg, .png, .pdf, or .dot (the graph before layout)\n"
  "    --step <n>          the state just before step <n> runs (a mark's label: as --mark)\n"
  "    --line <l>[:<k>]    before the <k>-th execution (default 1) of line <l>\n"
  "    --mark <label>      where the program called heapreel.mark(<label>)\n"
  "    --steps, --lines    a storyboard: one numbered file per point in <dir>\n"
  "                        (an earlier storyboard's numbered files there are removed)\n"
  "    --every line|mark   a storyboard of every line run in the main script, or of\n"
  "                        every mark (001-line7.svg, 002-line8.svg, ...); each\n"
  "                        file fits its content, objects keep their order\n"
  "    --format <fmt>      the storyboard's file format (default svg)\n"
  "    --cycle <n>         cycle <n> of `heapreel cycles` (alive ones first), edges\n"
  "                        labelled with their slots\n"
  "    --leak <n>          the retention path of leak group <n> of `heapreel leaks`\n"
  "    --referrers <obj>   who holds object <obj> (#id) at the end: every path from\n"
  "                        a root to it, as `heapreel referrers` lists them\n"
  "    --html <out.html>   one self-contained page stepping through the run: source,\n"
  "                        diagram, output so far; arrow keys or the slider step.\n"
  "                        by default every step of user code (every line change\n"
  "                        when there are more than 400); or the points of --steps,\n"
  "                        --lines or --every; at most 300 (marks kept, the rest\n"
  "                        evenly spread)\n"
  "\n"
  "  what the diagram shows:\n"
  "    --show <list>       annotations, of id,size,refcount (default refcount;\n"
  "                        'none' for none)\n"
  "    --focus <names>     only what these names reach: one name, or several\n"
  "                        (--focus a,b or --focus a --focus b)\n"
  "    --max-items <n>     at most <n> rows per container, then an ellipsis row\n"
  "                        (default 24; 0: all)\n"
  "    --max-objects <n>   at most <n> heap objects; the caption counts the rest\n"
  "                        (default 250; 0: all)\n"
  "    --depth <n>         at most <n> references away from the frames\n"
  "    --all-objects       also the live objects reached only through what is not\n"
  "                        drawn, in a dimmed group (garbage is always drawn)\n"
  "    --inline-primitives draw ints, floats, strings, None and bools inside their\n"
  "                        slot (Python Tutor style); by default they are heap\n"
  "                        objects, as in CPython, so shared ones are visible\n"
  "    --stack-order newest-top|oldest-top   frame order (default newest-top)\n"
  "    --theme light|dark|print              colours (default light)\n"
  "    --no-changes        do not mark what changed since the previous step\n"
  "    --expand            follow references of objects older than the program\n"
  "    --all-names         keep module and class dunder names (__name__, __dict__, ...)\n"
  "\n"
  "  for a slide:\n"
  "    --slide             the preset for projecting: --inline-primitives; functions,\n"
  "                        classes and modules no name points at drawn as a header\n"
  "                        only; refcounts only on the program's containers, never\n"
  "                        'rc static'\n"
  "    --titles <stack>,<heap>  the clusters' titles (default Frames,Objects),\n"
  "                        e.g. --titles Stack,Heap\n"
  "    --no-caption        no 'step N  file:line' caption above the diagram\n";

struct render_args {
  const char *path, *out, *mark, *list, *every, *html;
  int how;                 /* 's' step, 'l' line, 'm' mark, 'S' steps, 'L' lines, 'e' every,
                              'c' cycle, 'k' leak, 'r' referrers */
  uint64_t num;            /* --step, --cycle, --leak */
  uint32_t line;
  uint64_t k;
  int format;              /* storyboard format, -1: default */
  char *focus;             /* owned: the --focus names, comma-joined */
  char *titles;            /* owned: a copy of --titles, cut at its comma */
  rnd_options o;
};

/* Add --focus's names to those of earlier --focus options. */
static int add_focus(struct render_args *a, const char *val) {
  if (!*val || val[0] == ',' || val[strlen(val) - 1] == ',' || strstr(val, ",,"))
    return cli_usage_error(usage, "--focus needs names, separated by commas, not '%s'", val);
  char *joined = a->focus ? hr_sprintf("%s,%s", a->focus, val) : hr_strdup(val);
  if (!joined) return cli_usage_error(usage, "out of memory");
  hr_free(a->focus);
  a->focus = joined;
  a->o.focus = joined;
  return CLI_OK;
}

static int set_titles(struct render_args *a, const char *val) {
  const char *comma = strchr(val, ',');
  if (!comma || comma == val || !comma[1] || strchr(comma + 1, ','))
    return cli_usage_error(usage, "--titles needs two titles, <stack>,<heap>, not '%s'", val);
  hr_free(a->titles);
  if (!(a->titles = hr_strdup(val))) return cli_usage_error(usage, "out of memory");
  a->titles[comma - val] = '\0';
  a->o.title_stack = a->titles;
  a->o.title_heap = a->titles + (comma - val) + 1;
  return CLI_OK;
}

static int parse_line(const char *s, uint32_t *line, uint64_t *k) {
  char buf[64];
  uint64_t l;
  *k = 1;
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  char *colon = strchr(buf, ':');
  if (colon) {
    *colon = '\0';
    if (cli_parse_u64(colon + 1, k) || !*k) return -1;
  }
  if (cli_parse_u64(buf, &l) || !l || l > UINT32_MAX) return -1;
  *line = (uint32_t)l;
  return 0;
}

static int parse_show(const char *s, int *show) {
  char buf[128];
  if (strlen(s) >= sizeof buf) return -1;
  strcpy(buf, s);
  *show = 0;
  if (strcmp(buf, "none") == 0) return 0;
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    if (strcmp(tok, "id") == 0) *show |= RND_SHOW_ID;
    else if (strcmp(tok, "size") == 0) *show |= RND_SHOW_SIZE;
    else if (strcmp(tok, "refcount") == 0) *show |= RND_SHOW_REFCOUNT;
    else return -1;
  }
  return 0;
}

static int parse_u32(const char *s, uint32_t *v) {
  uint64_t x;
  if (cli_parse_u64(s, &x) || x > UINT32_MAX) return -1;
  *v = (uint32_t)x;
  return 0;
}

static int set_how(struct render_args *a, int how) {
  if (a->how) return cli_usage_error(usage, "give only one of --step, --line, --mark, --steps, "
                                            "--lines, --every, --cycle, --leak and --referrers");
  a->how = how;
  return CLI_OK;
}

static int parse_where(struct render_args *a, int how, const char *opt, const char *val) {
  int rc = set_how(a, how);
  if (rc) return rc;
  switch (how) {
    case 's':
      /* A step, or a point named as every command names one: a mark's
      ** label ('end' included) is --mark's. */
      if (*val && strspn(val, "0123456789") != strlen(val)) {
        a->how = 'm';
        a->mark = val;
        return CLI_OK;
      }
      /* fall through */
    case 'r': if (how == 'r' && *val == '#') val++;
    /* fall through */
    case 'c': case 'k':
      if (cli_parse_u64(val, &a->num) || ((how == 'c' || how == 'k' || how == 'r') && !a->num))
        return cli_usage_error(usage, "%s needs a number, not '%s'", opt, val);
      return CLI_OK;
    case 'l':
      if (parse_line(val, &a->line, &a->k))
        return cli_usage_error(usage, "--line needs <line> or <line>:<k>, not '%s'", val);
      return CLI_OK;
    case 'm': a->mark = val; return CLI_OK;
    case 'e':
      if (strcmp(val, "line") && strcmp(val, "mark"))
        return cli_usage_error(usage, "--every needs 'line' or 'mark', not '%s'", val);
      a->every = val;
      return CLI_OK;
    default: a->list = val; return CLI_OK;
  }
}

static int check_html(const struct render_args *a) {
  if (a->how && a->how != 'S' && a->how != 'L' && a->how != 'e')
    return cli_usage_error(usage, "--html takes its steps from --steps, --lines or --every");
  if (a->out) return cli_usage_error(usage, "--html names its own file: leave out -o");
  if (a->format >= 0) return cli_usage_error(usage, "--html writes HTML: leave out --format");
  return CLI_OK;
}

enum {
  OPT_OUT = 1, OPT_HTML, OPT_FOCUS, OPT_SHOW, OPT_MAX_ITEMS, OPT_MAX_OBJECTS, OPT_DEPTH, OPT_THEME,
  OPT_STACK_ORDER, OPT_FORMAT, OPT_ALL_OBJECTS, OPT_INLINE, OPT_NO_CHANGES, OPT_EXPAND, OPT_ALL_NAMES,
  OPT_SLIDE, OPT_TITLES, OPT_NO_CAPTION,
  /* where: the id is the letter parse_where takes */
  OPT_STEP = 's', OPT_LINE = 'l', OPT_MARK = 'm', OPT_STEPS = 'S', OPT_LINES = 'L', OPT_EVERY = 'e',
  OPT_CYCLE = 'c', OPT_LEAK = 'k', OPT_REFERRERS = 'r',
};
static const hr_opt options[] = {
  {"", 'o', 1, OPT_OUT, "a value"},
  {"step", 0, 1, OPT_STEP, "a value"},
  {"line", 0, 1, OPT_LINE, "a value"},
  {"mark", 0, 1, OPT_MARK, "a value"},
  {"steps", 0, 1, OPT_STEPS, "a value"},
  {"lines", 0, 1, OPT_LINES, "a value"},
  {"every", 0, 1, OPT_EVERY, "a value"},
  {"cycle", 0, 1, OPT_CYCLE, "a value"},
  {"leak", 0, 1, OPT_LEAK, "a value"},
  {"referrers", 0, 1, OPT_REFERRERS, "a value"},
  {"html", 0, 1, OPT_HTML, "a value"},
  {"format", 0, 1, OPT_FORMAT, "a value"},
  {"show", 0, 1, OPT_SHOW, "a value"},
  {"focus", 0, 1, OPT_FOCUS, "a value"},
  {"max-items", 0, 1, OPT_MAX_ITEMS, "a value"},
  {"max-objects", 0, 1, OPT_MAX_OBJECTS, "a value"},
  {"depth", 0, 1, OPT_DEPTH, "a value"},
  {"stack-order", 0, 1, OPT_STACK_ORDER, "a value"},
  {"theme", 0, 1, OPT_THEME, "a value"},
  {"all-objects", 0, 0, OPT_ALL_OBJECTS, NULL},
  {"inline-primitives", 0, 0, OPT_INLINE, NULL},
  {"no-changes", 0, 0, OPT_NO_CHANGES, NULL},
  {"expand", 0, 0, OPT_EXPAND, NULL},
  {"all-names", 0, 0, OPT_ALL_NAMES, NULL},
  {"slide", 0, 0, OPT_SLIDE, NULL},
  {"titles", 0, 1, OPT_TITLES, "a value"},
  {"no-caption", 0, 0, OPT_NO_CAPTION, NULL},
  {NULL, 0, 0, 0, NULL},
};

/* One option with its value; CLI_OK, or CLI_USAGE after printing why. */
static int apply_option(struct render_args *a, int id, const char *opt, const char *val) {
  switch (id) {
  case OPT_OUT: a->out = val; return CLI_OK;
  case OPT_HTML: a->html = val; return CLI_OK;
  case OPT_FOCUS: return add_focus(a, val);
  case OPT_TITLES: return set_titles(a, val);
  case OPT_SLIDE: a->o.slide = 1; a->o.inline_primitives = 1; return CLI_OK;
  case OPT_NO_CAPTION: a->o.no_caption = 1; return CLI_OK;
  case OPT_ALL_OBJECTS: a->o.all_objects = 1; return CLI_OK;
  case OPT_INLINE: a->o.inline_primitives = 1; return CLI_OK;
  case OPT_NO_CHANGES: a->o.no_changes = 1; return CLI_OK;
  case OPT_EXPAND: a->o.expand = 1; return CLI_OK;
  case OPT_ALL_NAMES: a->o.all_names = 1; return CLI_OK;
  case OPT_SHOW:
    if (parse_show(val, &a->o.show))
      return cli_usage_error(usage, "--show takes id,size,refcount or none, not '%s'", val);
    return CLI_OK;
  case OPT_MAX_ITEMS:
    if (parse_u32(val, &a->o.max_items))
      return cli_usage_error(usage, "--max-items needs a number (0: all), not '%s'", val);
    return CLI_OK;
  case OPT_MAX_OBJECTS:
    if (parse_u32(val, &a->o.max_objects))
      return cli_usage_error(usage, "--max-objects needs a number (0: all), not '%s'", val);
    return CLI_OK;
  case OPT_DEPTH:
    if (parse_u32(val, &a->o.depth) || !a->o.depth)
      return cli_usage_error(usage, "--depth needs a number above 0, not '%s'", val);
    return CLI_OK;
  case OPT_THEME:
    if (strcmp(val, "light") == 0) a->o.theme = RND_THEME_LIGHT;
    else if (strcmp(val, "dark") == 0) a->o.theme = RND_THEME_DARK;
    else if (strcmp(val, "print") == 0) a->o.theme = RND_THEME_PRINT;
    else return cli_usage_error(usage, "--theme takes light, dark or print, not '%s'", val);
    return CLI_OK;
  case OPT_STACK_ORDER:
    if (strcmp(val, "newest-top") == 0) a->o.oldest_on_top = 0;
    else if (strcmp(val, "oldest-top") == 0) a->o.oldest_on_top = 1;
    else return cli_usage_error(usage, "--stack-order takes newest-top or oldest-top, not '%s'", val);
    return CLI_OK;
  case OPT_FORMAT: {
    char name[16];
    snprintf(name, sizeof name, "x.%s", val);
    if ((a->format = rnd_format_from_path(name)) < 0)
      return cli_usage_error(usage, "--format takes svg, png, pdf or dot, not '%s'", val);
    return CLI_OK;
  }
  default: return parse_where(a, id, opt, val);
  }
}

static int parse_args(int argc, char **argv, struct render_args *a) {
  hr_opts o;
  hr_opts_init(&o, argc, argv, options, 0);
  int id, rc;
  while ((id = cli_opts_next(&o, usage)) > 0)
    if ((rc = apply_option(a, id, o.name, o.arg)) != CLI_OK) return rc;
  if (id < 0) return CLI_USAGE;
  if (cli_opts_operands(&o, usage, &a->path, 1) < 0) return CLI_USAGE;
  if (!a->path) return cli_usage_error(usage, "no trace given");
  if (a->html) return check_html(a);
  if (!a->how) return cli_usage_error(usage, "say what to draw: --step, --line, --mark, --steps, "
                                             "--lines, --every, --cycle or --leak");
  if (!a->out) return cli_usage_error(usage, "say where to write: -o <out>");
  int board = a->how == 'S' || a->how == 'L' || a->how == 'e';
  if (!board && a->format >= 0)
    return cli_usage_error(usage, "--format is for storyboards; -o's extension gives the format");
  if (!board && rnd_format_from_path(a->out) < 0) {
    cli_error("cannot tell the format of '%s': use .svg, .png, .pdf or .dot", a->out);
    return CLI_USAGE;
  }
  return CLI_OK;
}

/* The end of rendering one diagram: rc is the renderer's status; on success
** write bytes (owned, freed here) to path. Prints the error. */
static int write_out(rnd_ctx *c, int rc, const char *path, char *bytes, size_t len) {
  if (rc) {
    hr_free(bytes);
    cli_error("%s", rnd_ctx_errmsg(c));
    return CLI_FAIL;
  }
  char *err = NULL;
  rc = rnd_output_write(path, bytes, len, &err);
  if (rc) cli_error("%s", err ? err : hr_status_str(rc));
  hr_free(err);
  hr_free(bytes);
  return rc ? CLI_FAIL : CLI_OK;
}

static int render_one(ana_trace *t, rnd_ctx *c, const struct render_args *a) {
  rnd_point p;
  int rc = a->how == 's' ? rnd_point_step(t, a->num, &p)
         : a->how == 'l' ? rnd_point_line(t, a->line, a->k, &p)
         : rnd_point_mark(t, a->mark, &p);
  if (rc) return cli_ana_fail(t, rc);
  char *bytes = NULL;
  size_t len = 0;
  rc = rnd_render_point(c, &p, rnd_format_from_path(a->out), &bytes, &len);
  return write_out(c, rc, a->out, bytes, len);
}

static int render_special(rnd_ctx *c, const struct render_args *a) {
  char *bytes = NULL;
  size_t len = 0;
  int fmt = rnd_format_from_path(a->out);
  int rc = a->how == 'c' ? rnd_render_cycle(c, a->num, fmt, &bytes, &len)
         : a->how == 'r' ? rnd_render_referrers(c, a->num, fmt, &bytes, &len)
                         : rnd_render_leak(c, a->num, fmt, &bytes, &len);
  return write_out(c, rc, a->out, bytes, len);
}

/* The storyboard's points from --steps, --lines or --every. */
static int board_points(ana_trace *t, const struct render_args *a, rnd_point **pts, size_t *n) {
  if (a->how == 'e')
    return strcmp(a->every, "mark") == 0 ? rnd_board_every_mark(t, pts, n)
                                         : rnd_board_every_line(t, pts, n);
  size_t cap = 1;
  for (const char *s = a->list; *s; s++) cap += *s == ',';
  rnd_point *v = hr_calloc(cap, sizeof *v);
  char *copy = hr_strdup(a->list);
  if (!v || !copy) { hr_free(v); hr_free(copy); return HR_ENOMEM; }
  size_t k = 0;
  int rc = HR_OK;
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok && rc == HR_OK; tok = strtok_r(NULL, ",", &save)) {
    uint64_t step, kth;
    uint32_t line;
    if (a->how == 'S') {
      if (cli_parse_u64(tok, &step)) rc = ana_trace_fail(t, HR_EUSAGE, "--steps needs step numbers, not '%s'", tok);
      else rc = rnd_point_step(t, step, &v[k++]);
    } else {
      if (parse_line(tok, &line, &kth)) rc = ana_trace_fail(t, HR_EUSAGE, "--lines needs <line> or <line>:<k> items, not '%s'", tok);
      else rc = rnd_point_line(t, line, kth, &v[k++]);
    }
  }
  hr_free(copy);
  if (rc == HR_OK && !k) rc = ana_trace_fail(t, HR_EUSAGE, "the list of points is empty");
  if (rc) { hr_free(v); return rc; }
  *pts = v;
  *n = k;
  return HR_OK;
}

/* Whether name is a storyboard frame's (rnd_board_name): 001-line7.svg, 012-step40.png. */
static int is_frame_name(const char *name) {
  for (int i = 0; i < 3; i++)
    if (name[i] < '0' || name[i] > '9') return 0;
  const char *p = name + 3;
  if (strncmp(p, "-line", 5) == 0) p += 5;
  else if (strncmp(p, "-step", 5) == 0) p += 5;
  else return 0;
  if (*p < '0' || *p > '9') return 0;
  while (*p >= '0' && *p <= '9') p++;
  return strcmp(p, ".svg") == 0 || strcmp(p, ".png") == 0 || strcmp(p, ".pdf") == 0 ||
         strcmp(p, ".dot") == 0;
}

/* Remove the frames an earlier storyboard left in dir, so that the files
** there are this one's only; other files stay. The number removed. */
static size_t clear_old_frames(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!is_frame_name(e->d_name)) continue;
    char *path = hr_sprintf("%s/%s", dir, e->d_name);
    if (path && unlink(path) == 0) n++;
    hr_free(path);
  }
  closedir(d);
  return n;
}

static int render_board(ana_trace *t, rnd_ctx *c, const struct render_args *a) {
  rnd_point *pts = NULL;
  size_t n = 0;
  int rc = board_points(t, a, &pts, &n);
  if (rc) return rc == HR_EUSAGE ? (cli_error("%s", ana_trace_errmsg(t)), CLI_USAGE) : cli_ana_fail(t, rc);
  size_t len = strlen(a->out);
  struct stat st;
  if (a->out[len - 1] != '/' && !(stat(a->out, &st) == 0 && S_ISDIR(st.st_mode))) {
    hr_free(pts);
    cli_error("a storyboard needs a directory: -o '%s/'", a->out);
    return CLI_USAGE;
  }
  if (stat(a->out, &st) != 0 && mkdir(a->out, 0777) != 0) {
    hr_free(pts);
    cli_error("cannot create directory '%s'", a->out);
    return CLI_FAIL;
  }
  size_t old = clear_old_frames(a->out);
  if (old) cli_say("removed %zu frame%s of an earlier storyboard from '%s'", old,
                   old == 1 ? "" : "s", a->out);
  rc = rnd_board_write(c, pts, n, a->format < 0 ? RND_FMT_SVG : a->format, a->out);
  hr_free(pts);
  if (rc) {
    cli_error("%s", rnd_ctx_errmsg(c));
    return CLI_FAIL;
  }
  cli_say("wrote %zu files to '%s'", n, a->out);
  return CLI_OK;
}

static int render_html(ana_trace *t, rnd_ctx *c, const struct render_args *a) {
  rnd_point *pts = NULL;
  size_t n = 0;
  int rc = a->how ? board_points(t, a, &pts, &n) : rnd_html_default_points(t, &pts, &n);
  if (rc == HR_OK && !a->how && n > RND_HTML_MAX_STEPS) rc = rnd_html_add_marks(t, &pts, &n);
  if (rc) return rc == HR_EUSAGE ? (cli_error("%s", ana_trace_errmsg(t)), CLI_USAGE) : cli_ana_fail(t, rc);
  /* For tests: a smaller cap, so that a sanitizer build checks a long run's
  ** page in seconds. */
  size_t cap = RND_HTML_MAX_POINTS;
  uint64_t v;
  const char *env = getenv("HEAPREEL_HTML_MAX_POINTS");
  if (env && cli_parse_u64(env, &v) == 0 && v >= 2 && v < cap) cap = (size_t)v;
  size_t all = n, left = rnd_html_thin(pts, &n, cap);
  if (left)
    fprintf(stderr, "heapreel: the page shows %zu of %zu points, evenly spread (marks kept); "
                    "choose others with --steps, --lines or --every\n", n, all);
  rnd_html_stats st;
  rc = rnd_html_write(c, pts, n, left, a->html, &st);
  hr_free(pts);
  if (rc) {
    cli_error("%s", rnd_ctx_errmsg(c));
    return CLI_FAIL;
  }
  char page[HR_SIZE_LEN], svg[HR_SIZE_LEN];
  cli_say("wrote '%s': %zu steps, %zu distinct diagrams, %s (%s of SVG)", a->html, st.points,
          st.diagrams, hr_size_format(st.page_bytes, page, sizeof page),
          hr_size_format(st.svg_bytes, svg, sizeof svg));
  return CLI_OK;
}

/* Progress of a long render, on a terminal only and only once it has taken
** a few seconds: most renders finish before anything is shown. */
struct progress { struct timespec start; int shown; };

static double seconds_since(const struct timespec *t0) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void show_progress(void *arg, size_t done, size_t total) {
  struct progress *pr = arg;
  if (done < total && seconds_since(&pr->start) < 2.0) return;
  if (done < total) {
    fprintf(stderr, "\rheapreel: drawing: %zu%%", total ? done * 100 / total : 100);
    pr->shown = 1;
  } else if (pr->shown) {
    fprintf(stderr, "\r\033[K");
    pr->shown = 0;
  }
  fflush(stderr);
}

int cli_render(int argc, char **argv) {
  if (cli_help_requested(argc, argv, usage)) return CLI_OK;
  struct render_args a;
  memset(&a, 0, sizeof a);
  a.format = -1;
  rnd_options_init(&a.o);
  int rc = parse_args(argc, argv, &a);
  ana_trace *t = rc ? NULL : cli_ana_open(a.path);
  if (rc || !t) {
    hr_free(a.focus);
    hr_free(a.titles);
    return rc ? rc : CLI_FAIL;
  }
  rnd_ctx *c = NULL;
  if ((rc = rnd_ctx_new(t, &a.o, &c)) != HR_OK) {
    cli_error("cannot start graphviz: %s", hr_status_str(rc));
    ana_trace_free(t);
    hr_free(a.focus);
    hr_free(a.titles);
    return CLI_FAIL;
  }
  struct progress pr;
  memset(&pr, 0, sizeof pr);
  clock_gettime(CLOCK_MONOTONIC, &pr.start);
  if (isatty(STDERR_FILENO)) rnd_ctx_set_progress(c, show_progress, &pr);
  if (a.html) rc = render_html(t, c, &a);
  else if (a.how == 's' || a.how == 'l' || a.how == 'm') rc = render_one(t, c, &a);
  else if (a.how == 'c' || a.how == 'k' || a.how == 'r') rc = render_special(c, &a);
  else rc = render_board(t, c, &a);
  rnd_ctx_free(c);
  ana_trace_free(t);
  hr_free(a.focus);
  hr_free(a.titles);
  return rc;
}
