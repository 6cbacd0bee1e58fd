/* trc_intern.h — the writer's intern tables: byte keys to dense ids, deduplicated.
**
** Used on the producer side of the trace writer for strings, code locations
** and types, so an id is known the moment it is asked for. Keys are copied
** into an arena owned by the table and never move or change afterwards, so a
** key's bytes (trc_intern_key) may be read by another thread once the id has
** been handed over with the usual release/acquire ordering. Not thread-safe.
*/
#ifndef TRC_INTERN_H
#define TRC_INTERN_H

#include <stddef.h>
#include <stdint.h>

typedef struct trc_intern trc_intern;

trc_intern *trc_intern_new(void);      /* NULL when out of memory */
void trc_intern_free(trc_intern *t);   /* NULL is a no-op */

/* The id of key p[0..n) (borrowed), >= 1; a new key gets the next id and
** *is_new = 1. Returns 0 when out of memory (the table is unchanged). */
uint64_t trc_intern_get(trc_intern *t, const void *p, size_t n, int *is_new);

/* The stored bytes of an id (borrowed from the table, stable until
** trc_intern_free) and their length; NULL when id is unknown. */
const char *trc_intern_key(const trc_intern *t, uint64_t id, size_t *n);

/* Number of keys interned. */
uint64_t trc_intern_count(const trc_intern *t);

#endif /* TRC_INTERN_H */
