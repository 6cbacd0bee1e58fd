/* rnd_output.h — from a graph to bytes and files: the format a path asks for,
** layout and rendering with libgvc, and writing a file whole or not at all.
**
** `.dot` is the graph itself before layout (agwrite): the text golden tests
** compare, identical from run to run and from one Graphviz build to another,
** and what a user edits and lays out with `dot`. The other formats are laid
** out with the dot engine (or the engine given) and rendered by libgvc.
*/
#ifndef RND_OUTPUT_H
#define RND_OUTPUT_H

#include <stddef.h>

#include <graphviz/gvc.h>

/* The format (enum rnd_format) for a path's extension, -1 when unknown. */
int rnd_format_from_path(const char *path);
/* The extension of a format without the dot ("svg"), "?" when out of range. */
const char *rnd_format_ext(int fmt);

/* Lay g out with engine (NULL: "dot"), for rnd_output_render(laid_out=1)
** once it is adjusted. HR_OK or HR_EIO with *errmsg (owned). */
int rnd_output_layout(GVC_t *gvc, Agraph_t *g, const char *engine, char **errmsg);

/* Lay g out with engine (NULL: "dot") unless it is laid out already
** (laid_out), render it as fmt into *bytes (owned, hr_free; NUL-terminated)
** and *len, then free the layout. HR_OK, HR_ENOMEM or HR_EIO with *errmsg
** (owned) saying why. */
int rnd_output_render(GVC_t *gvc, Agraph_t *g, int fmt, const char *engine, int laid_out,
                      char **bytes, size_t *len, char **errmsg);

/* Write bytes to path through a temporary file in the same directory and a
** rename, so a reader never sees half a file. HR_OK or HR_EIO with *errmsg
** (owned) such as "cannot write 'x.svg': Permission denied". */
int rnd_output_write(const char *path, const char *bytes, size_t len, char **errmsg);

/* The last message Graphviz reported (borrowed, "" when none); installed by
** rnd_output_capture_errors, which keeps Graphviz from printing on stderr. */
void rnd_output_capture_errors(void);
const char *rnd_output_last_error(void);

#endif /* RND_OUTPUT_H */
