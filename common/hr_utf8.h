/* hr_utf8.h — the one UTF-8 validator: every output that passes a traced
** program's bytes on (terminal, JSON, SVG labels, the trace's own meta)
** decides with it which bytes are text.
*/
#ifndef HR_UTF8_H
#define HR_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The length of the strict UTF-8 sequence at p (n >= 1 bytes left), 0 when
** the bytes there are not one: overlong forms, surrogates (U+D800..U+DFFF),
** values past U+10FFFF, cut sequences and stray continuation bytes are
** refused, as JSON parsers and XML refuse them. ASCII is a sequence of 1.
** A NUL inside the sequence ends it (it is not a continuation byte), so
** NUL-terminated text may pass SIZE_MAX for n. *cp gets the code point. */
size_t hr_utf8_seq(const unsigned char *p, size_t n, uint32_t *cp);

#endif /* HR_UTF8_H */
