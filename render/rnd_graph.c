/* rnd_graph.c — a scene as a libcgraph graph with HTML-like labels (rnd_graph.h). */
#include "rnd_graph.h"

#include <stdio.h>
#include <string.h>

#include "ana_map.h"
#include "ana_view.h"
#include "hr_mem.h"
#include "rnd_text.h"

#define FONT "DejaVu Sans"
#define MONO "DejaVu Sans Mono"
#define KEY_CHARS 24      /* a row's name, index or key is cut after this many characters */
#define VALUE_CHARS 36    /* an inline or scalar value */
#define TITLE_CHARS 44    /* an object's header: type, or `function name(params)` */

/* Okabe-Ito colours (safe for the common colour-vision deficiencies) as
** light tints for fills; vermillion marks what changed, blue the running frame.
** Order of head/body: frame, scalar, sequence, mapping, instance, code, other. */
static const rnd_palette light = {
  "white", "#1a1a1a", "#6b6b6b", "#4d4d4d", "#303030", "#D55E00", "#0072B2", "#fafafa", "#bdbdbd",
  {"#dcdcdc", "#F3E9A0", "#BFE0F5", "#B3E3D2", "#EBC6DC", "#F5D7A3", "#dddddd"},
  {"white", "#FCF9DC", "#E9F5FD", "#E6F6F0", "#F9ECF4", "#FDF2DF", "#f5f5f5"}, "#555555"};
static const rnd_palette dark = {
  "#1b1d22", "#ececec", "#a0a0a0", "#bdbdbd", "#d0d0d0", "#FF8C42", "#56B4E9", "#22252b", "#4a4f59",
  {"#3a3f4a", "#5e5722", "#1f4e6e", "#1e5b48", "#6a3558", "#6e5220", "#4a4a4a"},
  {"#262a31", "#34321f", "#1a3142", "#1a3a30", "#3c2436", "#3e3220", "#303030"}, "#dcdcdc"};
static const rnd_palette print = {
  "white", "black", "#555555", "black", "black", "black", "black", "white", "#888888",
  {"#e6e6e6", "#e6e6e6", "#e6e6e6", "#e6e6e6", "#e6e6e6", "#e6e6e6", "#e6e6e6"},
  {"white", "white", "white", "white", "white", "white", "white"}, "black"};

const rnd_palette *rnd_palette_of(int theme) {
  return theme == RND_THEME_DARK ? &dark : theme == RND_THEME_PRINT ? &print : &light;
}

int rnd_graph_set_html(void *obj, const char *attr, const char *html) {
  Agraph_t *g = agraphof(obj);
  char *h = agstrdup_html(g, (char *)html);
  if (!h) return -1;
  int rc = agsafeset(obj, (char *)attr, h, "");
  agstrfree(g, h);
  return rc == 0 ? 0 : -1;
}

/* --- labels ------------------------------------------------------------------------- */
static void refcount_text(rnd_buf *b, int64_t rc) {
  /* A static object's count (about 10^9, see ana_view.h) says nothing a
  ** reader wants to count; `state --json` keeps the number. */
  if (ana_refcount_is_static(rc)) rnd_buf_puts(b, "rc static");
  else rnd_buf_printf(b, "rc %lld", (long long)rc);
}

static void badge(rnd_buf *b, const rnd_box *x, const rnd_options *o, const rnd_palette *p) {
  int any = 0;
  rnd_buf_printf(b, "<FONT POINT-SIZE=\"12\" COLOR=\"%s\">", p->badge);
  if ((o->show & RND_SHOW_ID)) {
    rnd_buf_printf(b, "#%llu 0x%llx", (unsigned long long)x->id, (unsigned long long)x->address);
    any = 1;
  }
  if ((o->show & RND_SHOW_SIZE)) {
    rnd_buf_printf(b, "%s%llu B", any ? "  " : "", (unsigned long long)x->size);
    any = 1;
  }
  /* A slide counts references only where the lesson does: the program's
  ** own containers and instances, never a static object. */
  int quiet = o->slide && (x->leaf || ana_refcount_is_static(x->refcount) ||
                           (x->kind != RND_K_SEQ && x->kind != RND_K_MAP &&
                            x->kind != RND_K_INSTANCE && x->kind != RND_K_OTHER));
  if ((o->show & RND_SHOW_REFCOUNT) && x->refcount >= 0 && !quiet) {
    if (any) rnd_buf_puts(b, "  ");
    refcount_text(b, x->refcount);
    any = 1;
  }
  if (!any) rnd_buf_puts(b, " ");
  rnd_buf_puts(b, "</FONT>");
}

/* The value cell of a row: an inline value, a port for an arrow, or a mark. */
static void value_cell(rnd_buf *b, const rnd_row *r, const char *port, int drawn,
                       const char *bg, const rnd_palette *p) {
  rnd_buf_printf(b, "<TD PORT=\"%s\" ALIGN=\"LEFT\" BGCOLOR=\"%s\" WIDTH=\"28\">", port, bg);
  if (r->text) {
    rnd_buf_printf(b, "<FONT FACE=\"" MONO "\">");
    rnd_buf_text(b, r->text, VALUE_CHARS);
    rnd_buf_puts(b, "</FONT>");
  } else if (r->mark == RND_GONE && !r->obj) {
    rnd_buf_printf(b, "<FONT COLOR=\"%s\"><I>unbound</I></FONT>", p->muted);
  } else if (r->obj && !drawn) {
    rnd_buf_printf(b, "<FONT COLOR=\"%s\">…</FONT>", p->muted);
  } else {
    rnd_buf_puts(b, " ");
  }
  rnd_buf_puts(b, "</TD>");
}

static void key_cell(rnd_buf *b, const rnd_row *r, const rnd_palette *p, int right) {
  rnd_buf_printf(b, "<TD ALIGN=\"%s\">", right ? "RIGHT" : "LEFT");
  if (r->mark == RND_NEW) rnd_buf_printf(b, "<FONT COLOR=\"%s\"><B>", p->accent);
  else if (r->mark == RND_GONE) rnd_buf_printf(b, "<FONT COLOR=\"%s\"><S>", p->muted);
  else if (r->is_return) rnd_buf_printf(b, "<FONT COLOR=\"%s\"><I>", p->active);
  else rnd_buf_printf(b, "<FONT COLOR=\"%s\">", right ? p->muted : p->fg);
  rnd_buf_text(b, r->key[0] ? r->key : "•", KEY_CHARS);
  if (r->mark == RND_NEW) rnd_buf_puts(b, "</B>");
  else if (r->mark == RND_GONE) rnd_buf_puts(b, "</S>");
  else if (r->is_return) rnd_buf_puts(b, "</I>");
  rnd_buf_puts(b, "</FONT></TD>");
}

static void frame_table(rnd_buf *b, const rnd_box *f, size_t fi, const ana_map *drawn,
                        const rnd_palette *p) {
  /* A frame that just returned (its value not bound yet) is dashed and muted. */
  int gone = f->mark == RND_GONE;
  const char *border = f->active ? p->active : gone ? p->muted : p->line;
  rnd_buf_printf(b, "<TR><TD><TABLE BORDER=\"%d\" CELLBORDER=\"0\" CELLSPACING=\"0\" "
                 "CELLPADDING=\"5\" COLOR=\"%s\" BGCOLOR=\"%s\"%s>",
                 f->active ? 3 : 1, border, gone ? p->cluster : p->body[RND_K_FRAME],
                 gone ? " STYLE=\"dashed\"" : "");
  rnd_buf_printf(b, "<TR><TD ALIGN=\"LEFT\" BGCOLOR=\"%s\"><B>",
                 f->active ? p->head[RND_K_SEQ] : p->head[RND_K_FRAME]);
  rnd_buf_text(b, f->title, KEY_CHARS);
  rnd_buf_printf(b, "</B></TD><TD ALIGN=\"RIGHT\" BGCOLOR=\"%s\"><FONT POINT-SIZE=\"12\" COLOR=\"%s\">",
                 f->active ? p->head[RND_K_SEQ] : p->head[RND_K_FRAME], p->badge);
  rnd_buf_text(b, f->sub, 0);
  if (f->thread_no) rnd_buf_printf(b, " · thread %u", f->thread_no);
  else if (f->off_stack) rnd_buf_puts(b, " (suspended)");
  rnd_buf_puts(b, "</FONT></TD></TR>");
  for (uint32_t k = 0; k < f->nrows; k++) {
    const rnd_row *r = &f->rows[k];
    char port[48];
    snprintf(port, sizeof port, "f%zur%u", fi, k);
    rnd_buf_puts(b, "<TR>");
    key_cell(b, r, p, 0);
    value_cell(b, r, port, r->obj && ana_map_get(drawn, r->obj), gone ? p->cluster : p->body[RND_K_FRAME], p);
    rnd_buf_puts(b, "</TR>");
  }
  if (!f->nrows)
    rnd_buf_printf(b, "<TR><TD COLSPAN=\"2\"><FONT COLOR=\"%s\"><I>no names</I></FONT></TD></TR>", p->muted);
  rnd_buf_puts(b, "</TABLE></TD></TR>");
}

static char *stack_label(const rnd_scene *sc, const ana_map *drawn, const rnd_palette *p) {
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_buf_puts(&b, "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"10\" CELLPADDING=\"0\">");
  for (size_t i = 0; i < sc->nframes; i++) frame_table(&b, &sc->frames[i], i, drawn, p);
  if (!sc->nframes)
    rnd_buf_printf(&b, "<TR><TD><FONT COLOR=\"%s\"><I>no frames</I></FONT></TD></TR>", p->muted);
  rnd_buf_puts(&b, "</TABLE>");
  return rnd_buf_take(&b);
}

static char *object_label(const rnd_box *x, const ana_map *drawn, const rnd_options *o,
                          const rnd_palette *p) {
  rnd_buf b;
  rnd_buf_init(&b);
  int ghost = x->mark == RND_GONE, dim = x->group != RND_G_HEAP;
  const char *head = ghost || dim ? p->cluster : p->head[x->kind];
  const char *body = ghost || dim ? p->cluster : p->body[x->kind];
  const char *border = x->mark == RND_NEW ? p->accent : ghost || dim ? p->muted : p->line;
  rnd_buf_printf(&b, "<TABLE BORDER=\"%d\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"5\" "
                 "COLOR=\"%s\" BGCOLOR=\"%s\"%s>", x->mark == RND_NEW ? 3 : 1, border, body,
                 ghost ? " STYLE=\"dashed\"" : "");
  /* Arrows to the object land on its header (port h, the whole top row, so
  ** an arrow from the right lands on its right end), never on a row. */
  rnd_buf_printf(&b, "<TR><TD COLSPAN=\"2\" PORT=\"h\" CELLPADDING=\"0\" BGCOLOR=\"%s\">"
                 "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"5\">"
                 "<TR><TD ALIGN=\"LEFT\"><B>", head);
  if (ghost || dim) rnd_buf_printf(&b, "<FONT COLOR=\"%s\">", p->muted);
  rnd_buf_text(&b, x->title, TITLE_CHARS);
  if (ghost || dim) rnd_buf_puts(&b, "</FONT>");
  rnd_buf_puts(&b, "</B></TD><TD ALIGN=\"RIGHT\">");
  if (ghost) rnd_buf_printf(&b, "<FONT POINT-SIZE=\"12\" COLOR=\"%s\"><I>freed</I></FONT>", p->muted);
  else badge(&b, x, o, p);
  rnd_buf_puts(&b, "</TD></TR></TABLE></TD></TR>");
  if (x->sub) {
    rnd_buf_printf(&b, "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><FONT FACE=\"" MONO "\" COLOR=\"%s\">",
                   ghost || dim ? p->muted : p->fg);
    rnd_buf_text(&b, x->sub, VALUE_CHARS);
    rnd_buf_puts(&b, "</FONT></TD></TR>");
  }
  for (uint32_t k = 0; k < x->nrows; k++) {
    const rnd_row *r = &x->rows[k];
    char port[32];
    snprintf(port, sizeof port, "r%u", k);
    rnd_buf_puts(&b, "<TR>");
    key_cell(&b, r, p, 1);
    value_cell(&b, r, port, r->obj && ana_map_get(drawn, r->obj), body, p);
    rnd_buf_puts(&b, "</TR>");
  }
  if (x->more)
    rnd_buf_printf(&b, "<TR><TD COLSPAN=\"2\"><FONT COLOR=\"%s\">… %u more</FONT></TD></TR>",
                   p->muted, x->more);
  rnd_buf_puts(&b, "</TABLE>");
  return rnd_buf_take(&b);
}

static char *caption_label(const rnd_scene *sc, const rnd_palette *p) {
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_buf_puts(&b, "<TABLE BORDER=\"0\" CELLPADDING=\"2\" CELLSPACING=\"0\"><TR><TD ALIGN=\"LEFT\"><B>");
  rnd_buf_text(&b, sc->caption, 0);
  rnd_buf_puts(&b, "</B></TD></TR>");
  if (sc->source) {
    rnd_buf_printf(&b, "<TR><TD ALIGN=\"LEFT\"><FONT FACE=\"" MONO "\" COLOR=\"%s\">→ ", p->active);
    rnd_buf_text(&b, sc->source, 72);
    rnd_buf_puts(&b, "</FONT></TD></TR>");
  }
  if (sc->omitted)
    rnd_buf_printf(&b, "<TR><TD ALIGN=\"LEFT\"><FONT COLOR=\"%s\">only the first %zu objects "
                   "from the frames are drawn (--max-objects)</FONT></TD></TR>", p->muted, sc->drawn_max);
  rnd_buf_puts(&b, "</TABLE>");
  return rnd_buf_take(&b);
}

/* --- the graph ---------------------------------------------------------------------- */
static void graph_defaults(Agraph_t *g, const rnd_palette *p) {
  agattr(g, AGRAPH, "rankdir", "LR");
  agattr(g, AGRAPH, "bgcolor", (char *)p->bg);
  agattr(g, AGRAPH, "fontname", FONT);
  agattr(g, AGRAPH, "fontsize", "18");
  agattr(g, AGRAPH, "fontcolor", (char *)p->fg);
  agattr(g, AGRAPH, "labelloc", "t");
  agattr(g, AGRAPH, "labeljust", "l");
  agattr(g, AGRAPH, "nodesep", "0.3");
  agattr(g, AGRAPH, "ranksep", "0.7");
  agattr(g, AGRAPH, "pad", "0.3");
  agattr(g, AGRAPH, "style", "rounded,filled");
  agattr(g, AGRAPH, "color", (char *)p->cluster_line);
  agattr(g, AGRAPH, "fillcolor", (char *)p->cluster);
  agattr(g, AGNODE, "shape", "plain");
  agattr(g, AGNODE, "fontname", FONT);
  agattr(g, AGNODE, "fontsize", "16");
  agattr(g, AGNODE, "fontcolor", (char *)p->fg);
  agattr(g, AGEDGE, "color", (char *)p->edge);
  agattr(g, AGEDGE, "penwidth", "1.6");
  agattr(g, AGEDGE, "arrowsize", "0.8");
  agattr(g, AGEDGE, "dir", "both");
  agattr(g, AGEDGE, "arrowtail", "dot");
  agattr(g, AGEDGE, "tailclip", "false");
  agattr(g, AGEDGE, "tailport", "");
  agattr(g, AGEDGE, "headport", "");
  agattr(g, AGEDGE, "style", "solid");
}

static Agraph_t *cluster(Agraph_t *g, const char *name, const char *label, const rnd_palette *p,
                         int dim) {
  Agraph_t *c = agsubg(g, (char *)name, 1);
  if (!c) return NULL;
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_buf_printf(&b, "<FONT COLOR=\"%s\" POINT-SIZE=\"16\">%s</FONT>", p->muted, label);
  if (!b.oom && rnd_graph_set_html(c, "label", b.p)) b.oom = 1;
  rnd_buf_reset(&b);
  if (dim) agsafeset(c, "style", "rounded,dashed", "");
  return c;
}

/* An edge from a row's port (compass "c": the dot in the cell's middle;
** "e": the cell's right edge, heading right) to head's header. */
static int add_edge(Agraph_t *g, Agnode_t *tail, const char *port, const char *compass,
                    Agnode_t *head, const rnd_row *r, const rnd_palette *p, unsigned *nedges) {
  char name[32], tp[64];
  snprintf(name, sizeof name, "e%u", (*nedges)++);
  Agedge_t *e = agedge(g, tail, head, name, 1);
  if (!e) return -1;
  snprintf(tp, sizeof tp, "%s:%s", port, compass);
  agsafeset(e, "tailport", tp, "");
  agsafeset(e, "headport", "h", "");
  if (r->back) agsafeset(e, "constraint", "false", "true");
  if (r->mark == RND_NEW) {
    agsafeset(e, "color", (char *)p->accent, "");
    agsafeset(e, "penwidth", "2.8", "");
  }
  return 0;
}

/* A depth-first walk's frame: an object (index in sc->objs) and its next row. */
struct walk { size_t i; uint32_t k; };

/* Walk from object `start` (not yet seen), marking in back[] the rows that
** point to an object still on the walk. state: 0 new, 1 on the walk, 2 done. */
static void walk_from(const rnd_scene *sc, const ana_map *order, size_t start, uint8_t *state,
                      struct walk *stk, const size_t *first, uint8_t *back) {
  stk[0].i = start;
  stk[0].k = 0;
  state[start] = 1;
  for (size_t depth = 1; depth;) {
    struct walk *w = &stk[depth - 1];
    if (w->k == sc->objs[w->i].nrows) {
      state[w->i] = 2;
      depth--;
      continue;
    }
    uint32_t r = w->k++;
    const rnd_row *row = &sc->objs[w->i].rows[r];
    uintptr_t h = (uintptr_t)ana_map_get(order, row->obj);
    if (!h) continue;
    if (row->back) {   /* points back whatever the walk finds */
      back[first[w->i] + r] = 1;
      continue;
    }
    if (state[h - 1] == 1) {
      back[first[w->i] + r] = 1;
    } else if (!state[h - 1]) {
      state[h - 1] = 1;
      stk[depth].i = h - 1;
      stk[depth].k = 0;
      depth++;
    }
  }
}

/* Rows that point back against dot's left-to-right ranks: the back edges of
** a depth-first walk from the frames' rows in drawing order, then from the
** objects not reached (dot reverses the back edges of a walk of its own).
** Returns back[first[i] + k] for row k of sc->objs[i] and sets *first_out
** (both owned), or NULL when out of memory; order maps an object id to its
** index + 1. */
static uint8_t *back_rows(const rnd_scene *sc, const ana_map *order, size_t **first_out) {
  size_t n = sc->nobjs, total = 0;
  size_t *first = hr_calloc(n + 1, sizeof *first);
  uint8_t *state = hr_calloc(n + 1, 1);
  struct walk *stk = hr_calloc(n + 1, sizeof *stk);   /* a walk is at most n deep */
  for (size_t i = 0; first && i < n; i++) {
    first[i] = total;
    total += sc->objs[i].nrows;
  }
  uint8_t *back = first && state && stk ? hr_calloc(total + 1, 1) : NULL;
  for (size_t f = 0; back && f < sc->nframes; f++)
    for (uint32_t k = 0; k < sc->frames[f].nrows; k++) {
      uintptr_t at = (uintptr_t)ana_map_get(order, sc->frames[f].rows[k].obj);
      if (at && !state[at - 1]) walk_from(sc, order, at - 1, state, stk, first, back);
    }
  for (size_t i = 0; back && i < n; i++)
    if (!state[i]) walk_from(sc, order, i, state, stk, first, back);
  hr_free(state);
  hr_free(stk);
  if (!back) {
    hr_free(first);
    first = NULL;
  }
  *first_out = first;
  return back;
}

static int set_label(void *obj, char *html) {
  int rc = html ? rnd_graph_set_html(obj, "label", html) : -1;
  hr_free(html);
  return rc;
}

/* s as label text (escaped, cut at KEY_CHARS); owned. */
static char *escaped(const char *s) {
  rnd_buf b;
  rnd_buf_init(&b);
  rnd_buf_text(&b, s, KEY_CHARS);
  return rnd_buf_take(&b);
}

/* cgraph's default ids of named objects are the addresses of their interned
** names, and it keeps subgraphs in id order: dot then met the clusters in
** an order that changed with the heap's layout, and laid the same graph out
** differently (a storyboard's items came out of slot order when unrelated
** allocations changed). Declining to map a subgraph's name makes cgraph
** give it the next anonymous id and keep the name itself: subgraphs come
** in the order they were made. Nodes and edges are iterated in the order
** they were made whatever their ids, and keep the default. */
static long map_id(void *state, int objtype, char *str, IDTYPE *id, int createflag) {
  if (objtype == AGRAPH && str) return 0;
  return AgIdDisc.map(state, objtype, str, id, createflag);
}

static Agraph_t *open_graph(void) {
  static Agiddisc_t ids;
  static Agdisc_t disc;
  if (!ids.map) {   /* AgIdDisc's members are not constants to start from */
    ids = AgIdDisc;
    ids.map = map_id;
    disc.mem = &AgMemDisc;
    disc.id = &ids;
    disc.io = &AgIoDisc;
  }
  return agopen("heapreel", Agdirected, &disc);
}

Agraph_t *rnd_graph_build(const rnd_scene *sc, const rnd_options *o) {
  const rnd_palette *p = rnd_palette_of(o->theme);
  Agraph_t *g = open_graph();
  if (!g) return NULL;
  graph_defaults(g, p);
  ana_map drawn;   /* object id -> its node */
  ana_map order;   /* object id -> its place in sc->objs + 1 */
  ana_map_init(&drawn);
  ana_map_init(&order);
  int bad = o->no_caption ? 0 : set_label(g, caption_label(sc, p));
  /* A scene without frames (a cycle) draws no stack. */
  char *ts = escaped(o->title_stack ? o->title_stack : "Frames");
  char *th = escaped(o->title_heap ? o->title_heap : "Objects");
  bad |= !ts || !th;
  Agraph_t *cs = sc->nframes && !bad ? cluster(g, "cluster_stack", ts, p, 0) : NULL;
  Agraph_t *ch = bad ? NULL : cluster(g, "cluster_heap", th, p, 0);
  hr_free(ts);
  hr_free(th);
  Agraph_t *cu = NULL, *cx = NULL;
  bad |= (sc->nframes && !cs) || !ch;
  /* Garbage still alive awaits the collector; ghosts alone were its victims. */
  int awaiting = 0;
  for (size_t i = 0; i < sc->nobjs; i++)
    awaiting |= sc->objs[i].group == RND_G_UNREACHED && sc->objs[i].mark != RND_GONE;
  for (size_t i = 0; !bad && i < sc->nobjs; i++) {
    const rnd_box *x = &sc->objs[i];
    Agraph_t *c = ch;
    if (x->group == RND_G_UNREACHED) {
      if (!cu) cu = cluster(g, "cluster_unreached", awaiting ? "Garbage: unreachable, awaiting the collector"
                                                            : "Garbage, freed by the collector", p, 1);
      if (!(c = cu)) { bad = 1; break; }
    } else if (x->group == RND_G_HIDDEN) {
      if (!cx) cx = cluster(g, "cluster_hidden", "Alive, reached only through what is not drawn", p, 1);
      if (!(c = cx)) { bad = 1; break; }
    }
    char name[32];
    snprintf(name, sizeof name, "o%llu", (unsigned long long)x->id);
    Agnode_t *n = agnode(c, name, 1);
    bad |= !n || ana_map_put(&drawn, x->id, n) != 0 ||
           ana_map_put(&order, x->id, (void *)(uintptr_t)(i + 1)) != 0;
  }
  Agnode_t *stack = bad || !cs ? NULL : agnode(cs, "stack", 1);
  bad |= cs && !stack;
  if (!bad && stack) bad |= set_label(stack, stack_label(sc, &drawn, p));
  unsigned nedges = 0;
  char port[48];
  for (size_t i = 0; !bad && i < sc->nframes; i++) {
    const rnd_box *f = &sc->frames[i];
    for (uint32_t k = 0; !bad && k < f->nrows; k++) {
      Agnode_t *h = f->rows[k].obj ? ana_map_get(&drawn, f->rows[k].obj) : NULL;
      snprintf(port, sizeof port, "f%zur%u", i, k);
      /* From the frame's right edge: from the cell's middle an edge may climb
      ** through the frames above, over their text. */
      if (h) bad |= add_edge(g, stack, port, "e", h, &f->rows[k], p, &nedges);
    }
  }
  /* Garbage and hidden objects sit in the objects' column, right of the
  ** stack, not left of it: an invisible edge from the stack ranks them. */
  for (size_t i = 0; !bad && stack && i < sc->nobjs; i++) {
    if (sc->objs[i].group == RND_G_HEAP) continue;
    char name[32];
    snprintf(name, sizeof name, "e%u", nedges++);
    Agedge_t *e = agedge(g, stack, ana_map_get(&drawn, sc->objs[i].id), name, 1);
    bad |= !e || agsafeset(e, "style", "invis", "") != 0;
  }
  size_t *first = NULL;
  uint8_t *back = bad ? NULL : back_rows(sc, &order, &first);
  bad |= !back;
  for (size_t i = 0; !bad && i < sc->nobjs; i++) {
    const rnd_box *x = &sc->objs[i];
    Agnode_t *n = ana_map_get(&drawn, x->id);
    bad |= set_label(n, object_label(x, &drawn, o, p));
    for (uint32_t k = 0; !bad && k < x->nrows; k++) {
      Agnode_t *h = x->rows[k].obj ? ana_map_get(&drawn, x->rows[k].obj) : NULL;
      snprintf(port, sizeof port, "r%u", k);
      /* The dot in the cell's middle, as lolviz draws; an edge pointing back
      ** left leaves the cell's right edge and bends round, not across the row. */
      const char *compass = back[first[i] + k] ? "e" : "c";
      if (h) bad |= add_edge(g, n, port, compass, h, &x->rows[k], p, &nedges);
    }
  }
  hr_free(back);
  hr_free(first);
  ana_map_reset(&drawn);
  ana_map_reset(&order);
  if (bad) {
    agclose(g);
    return NULL;
  }
  return g;
}
