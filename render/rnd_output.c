/* rnd_output.c — formats, layout and rendering, whole-file writes (rnd_output.h). */
#define _GNU_SOURCE
#include "rnd_output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "rnd_render.h"

static const char *const exts[] = {"svg", "png", "pdf", "dot"};
static const char *const gv_formats[] = {"svg", "png", "pdf", "dot"};

/* Graphviz's last message: one process-wide buffer, as Graphviz's own error
** state is process-wide (not thread-safe, like libgvc itself). */
static char last_error[256];

static int on_gv_error(char *msg) {
  /* Graphviz hands messages in pieces ending in a newline; keep the latest line. */
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) n--;
  if (!n) return 0;
  if (n >= sizeof last_error) n = sizeof last_error - 1;
  memcpy(last_error, msg, n);
  last_error[n] = '\0';
  return 0;
}

void rnd_output_capture_errors(void) {
  agseterrf(on_gv_error);
  agseterr(AGERR);   /* warnings (a font fallback, ...) are not the user's business */
}

const char *rnd_output_last_error(void) { return last_error; }

int rnd_format_from_path(const char *path) {
  const char *dot = strrchr(path, '.');
  const char *slash = strrchr(path, '/');
  if (!dot || (slash && dot < slash)) return -1;
  for (int i = 0; i < 4; i++)
    if (strcasecmp(dot + 1, exts[i]) == 0) return i;
  return -1;
}

const char *rnd_format_ext(int fmt) { return fmt >= 0 && fmt < 4 ? exts[fmt] : "?"; }

static int copy_out(const char *data, size_t n, char **bytes, size_t *len) {
  char *b = hr_malloc(n + 1);
  if (!b) return HR_ENOMEM;
  memcpy(b, data, n);
  b[n] = '\0';
  *bytes = b;
  *len = n;
  return HR_OK;
}

/* The graph as DOT text, before any layout. */
static int write_dot(Agraph_t *g, char **bytes, size_t *len, char **errmsg) {
  char *mem = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&mem, &n);
  if (!f) return HR_ENOMEM;
  int bad = agwrite(g, f) != 0;
  bad |= fclose(f) != 0;
  int rc = bad ? HR_EIO : copy_out(mem, n, bytes, len);
  if (bad) *errmsg = hr_strdup("cannot write the graph as DOT");
  free(mem);   /* open_memstream's buffer comes from malloc */
  return rc;
}

/* A caption wider than the drawing: dot widens the drawing by as much on
** each side, so the frames stood out from the left edge under a caption
** that starts at it. Move the drawing's box (and the caption with it) so
** that the drawing starts where the caption does. */
static void align_left(Agraph_t *g) {
  if (!GD_label(g)) return;
  double left = GD_bb(g).UR.x;
  for (int i = 1; i <= GD_n_cluster(g); i++)
    if (GD_bb(GD_clust(g)[i]).LL.x < left) left = GD_bb(GD_clust(g)[i]).LL.x;
  for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
    double x = ND_coord(n).x - ND_width(n) * 72 / 2;
    if (x < left) left = x;
    for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e))
      for (int i = 0; ED_spl(e) && i < ED_spl(e)->size; i++) {
        const bezier *bz = &ED_spl(e)->list[i];
        for (int k = 0; k < bz->size; k++)
          if (bz->list[k].x < left) left = bz->list[k].x;
      }
  }
  double gap = left - GD_bb(g).LL.x;
  if (gap < 1) return;
  GD_bb(g).LL.x += gap;
  GD_bb(g).UR.x += gap;
  GD_label(g)->pos.x += gap;
}

int rnd_output_layout(GVC_t *gvc, Agraph_t *g, const char *engine, char **errmsg) {
  last_error[0] = '\0';
  if (gvLayout(gvc, g, engine ? engine : "dot") != 0) {
    *errmsg = hr_sprintf("graphviz cannot lay out the diagram: %s",
                         last_error[0] ? last_error : "unknown error");
    return HR_EIO;
  }
  align_left(g);
  return HR_OK;
}

int rnd_output_render(GVC_t *gvc, Agraph_t *g, int fmt, const char *engine, int laid_out,
                      char **bytes, size_t *len, char **errmsg) {
  *bytes = NULL;
  *len = 0;
  if (fmt < 0 || fmt > 3) return HR_EUSAGE;
  if (fmt == RND_FMT_DOT && !laid_out) return write_dot(g, bytes, len, errmsg);
  if (!laid_out) {
    int rc = rnd_output_layout(gvc, g, engine, errmsg);
    if (rc) return rc;
  }
  char *data = NULL;
  unsigned int n = 0;
  int rc = HR_OK;
  if (gvRenderData(gvc, g, gv_formats[fmt], &data, &n) != 0 || !data) {
    *errmsg = hr_sprintf("graphviz cannot render %s: %s", exts[fmt],
                         last_error[0] ? last_error : "no renderer for this format");
    rc = HR_EIO;
  } else {
    rc = copy_out(data, n, bytes, len);
  }
  if (data) gvFreeRenderData(data);
  gvFreeLayout(gvc, g);
  return rc;
}

int rnd_output_write(const char *path, const char *bytes, size_t len, char **errmsg) {
  char *tmp = hr_sprintf("%s.tmpXXXXXX", path);
  if (!tmp) return HR_ENOMEM;
  int fd = mkstemp(tmp);
  if (fd < 0) {
    *errmsg = hr_sprintf("cannot write '%s': %s", path, strerror(errno));
    hr_free(tmp);
    return HR_EIO;
  }
  int err = 0;
  size_t off = 0;
  while (off < len && !err) {
    ssize_t w = write(fd, bytes + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) err = w < 0 ? errno : EIO;
    else off += (size_t)w;
  }
  /* Files get the usual permissions (mkstemp makes them 0600). */
  mode_t mask = umask(0);
  umask(mask);
  if (!err && fchmod(fd, 0666 & ~mask) != 0) err = errno;
  if (close(fd) != 0 && !err) err = errno;
  if (!err && rename(tmp, path) != 0) err = errno;
  if (err) {
    unlink(tmp);
    *errmsg = hr_sprintf("cannot write '%s': %s", path, strerror(err));
  }
  hr_free(tmp);
  return err ? HR_EIO : HR_OK;
}
