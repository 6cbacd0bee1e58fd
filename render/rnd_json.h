/* rnd_json.h — JSON string literals that are safe inside an HTML page.
**
** The stepping page (rnd_html.h) carries its data as JSON in a
** <script type="application/json"> element. Anything a traced program made
** goes through rnd_json_str: besides JSON's own escapes, `<`, `>` and `&`
** become \u003c, \u003e and \u0026 (so no `</script>` or `<!--` can end or
** bend the element), U+2028 and U+2029 become escapes, control characters
** become \n, \t or \u00XX, and bytes that are not strict UTF-8 become U+FFFD.
*/
#ifndef RND_JSON_H
#define RND_JSON_H

#include <stddef.h>

#include "rnd_text.h"

/* Append s (borrowed, len bytes, any bytes) to b as a quoted JSON string. */
void rnd_json_str(rnd_buf *b, const char *s, size_t len);

#endif /* RND_JSON_H */
