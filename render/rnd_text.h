/* rnd_text.h — text for Graphviz HTML-like labels: a growable buffer and the
** escaping that makes any string a traced program can make render as text.
**
** Labels are XML to Graphviz (it parses them with expat) and end up in SVG,
** so every byte of a program's string goes through rnd_buf_text: markup
** characters become entities, control characters become visible \n, \t,
** \xNN escapes, bytes that are not strict UTF-8 (and the code points XML
** forbids) become U+FFFD, and long strings are cut with an ellipsis.
*/
#ifndef RND_TEXT_H
#define RND_TEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct rnd_buf {
  char *p;       /* owned, NUL-terminated while oom is 0 */
  size_t n, cap;
  int oom;       /* an allocation failed: the contents are incomplete */
} rnd_buf;

void rnd_buf_init(rnd_buf *b);
void rnd_buf_reset(rnd_buf *b);                 /* frees p */
void rnd_buf_puts(rnd_buf *b, const char *s);   /* raw, no escaping */
void rnd_buf_putn(rnd_buf *b, const char *s, size_t len);   /* raw, len bytes */
void rnd_buf_printf(rnd_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;
/* Append s (borrowed, any bytes) escaped for an HTML-like label, keeping at
** most max_chars characters (0: no limit) and marking a cut with an ellipsis. */
void rnd_buf_text(rnd_buf *b, const char *s, size_t max_chars);
/* Hand over the contents (owned by the caller) and reset b; NULL after an
** allocation failure. */
char *rnd_buf_take(rnd_buf *b);

#endif /* RND_TEXT_H */
