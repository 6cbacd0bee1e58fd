/* hr_escape.h — the escapes that make a traced program's bytes safe to
** show: for a terminal, in a JSON string and in XML. Each is one step over the
** text, so every writer (a FILE buffer, a growable string, a fixed buffer)
** applies the same rule with its own sink.
*/
#ifndef HR_ESCAPE_H
#define HR_ESCAPE_H

#include <stddef.h>

/* Terminal: printable ASCII and strict UTF-8 (but C1 controls, U+0080..
** U+009F: U+009B is CSI to some terminals) pass, tabs pass when keep_tab,
** anything else is an escape (\n, \r, \t, \xNN per byte). For the text at
** p[0..n) (n >= 1): *used gets the bytes taken; returns 0 when they pass as
** they are, else the escape's length (at most 4) in esc. */
size_t hr_term_step(const unsigned char *p, size_t n, int keep_tab, char esc[4], size_t *used);

/* JSON: escape also <, >, & and U+2028/U+2029 (for JSON inside HTML). */
#define HR_JSON_HTML 1
/* JSON string content: strict UTF-8 passes, '"' and '\\' and controls are
** escaped (\n, \t, and without HR_JSON_HTML \r, \b, \f; else \u00XX), and
** each byte that is not strict UTF-8 becomes \ufffd, so the output is
** always valid JSON whatever the input's bytes. Same contract as
** hr_term_step; the escape is at most 6 bytes. */
size_t hr_json_step(const unsigned char *p, size_t n, int flags, char esc[6], size_t *used);

/* XML text and attribute values (SVG, Graphviz's HTML-like labels): the
** markup characters become entities (&amp; &lt; &gt; &quot; &#39;),
** controls become visible \n, \t, \r, \xNN (XML 1.0 forbids most of
** them), and each byte that is not strict UTF-8, and the non-characters
** U+FFFE and U+FFFF that XML forbids, become &#xFFFD;. Same contract as
** hr_term_step; the escape is at most 8 bytes. */
size_t hr_xml_step(const unsigned char *p, size_t n, char esc[8], size_t *used);

#endif /* HR_ESCAPE_H */
