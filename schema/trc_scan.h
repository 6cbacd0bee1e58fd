/* trc_scan.h — stream the events of a trace, decoding only the chunks needed.
**
** Works on any SQLite connection that has a trace's tables (the analyzer's
** own reader, or a connection the `events` extension was loaded into), so the
** same code serves both. Ranges are inclusive; either by sequence number or by
** step.
*/
#ifndef TRC_SCAN_H
#define TRC_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "trc_event.h"
#include "trc_sqlite.h"

typedef struct trc_scan trc_scan;

enum trc_scan_by { TRC_SCAN_SEQ = 0, TRC_SCAN_STEP = 1 };

/* Open a scan of events with lo <= seq (or step) <= hi on db (borrowed, must
** outlive the scan). On failure *errmsg (owned) says why. */
int trc_scan_open(sqlite3 *db, int by, uint64_t lo, uint64_t hi,
                  trc_scan **out, char **errmsg);
/* Next event in sequence order: returns 1 with *ev filled, 0 at the end, or a
** negative HR_ status (negated) on error, with trc_scan_errmsg set. */
int trc_scan_next(trc_scan *s, trc_event *ev);
/* The next run of events in sequence order, without copying: returns 1 with
** *ev (borrowed, valid until the next call) and *n >= 1 set, 0 at the end,
** or a negative HR_ status as trc_scan_next. Do not mix with trc_scan_next. */
int trc_scan_next_batch(trc_scan *s, const trc_event **ev, size_t *n);
/* Give only chunks holding an event of these kinds (a bit per kind; 0, the
** default: all), the others passed over undecoded (trc_codec_only_kinds).
** Call before the first event; the events given still hold every kind. */
void trc_scan_only_kinds(trc_scan *s, uint32_t kinds);
const char *trc_scan_errmsg(const trc_scan *s);   /* borrowed */
void trc_scan_free(trc_scan *s);                  /* NULL is a no-op */

#endif /* TRC_SCAN_H */
