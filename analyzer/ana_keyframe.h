/* ana_keyframe.h — state snapshots for bounded replay (analyzer/KEYFRAMES.md).
**
** A keyframe row (step, seq, data) in a trace's `keyframes` table holds the
** state before `step`: every event with seq <= `seq` applied, where `seq` is
** one less than the seq of step `step`'s step event. Replay to any point then
** starts from the nearest keyframe at or before it instead of from event 1.
*/
#ifndef ANA_KEYFRAME_H
#define ANA_KEYFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "ana_state.h"

/* A keyframe is full (the whole state) or a delta (what changed since the
** state of the keyframe before it, its base). */

/* Serialise s whole into a new blob (*data owned by the caller, hr_free it).
** HR_OK or HR_ENOMEM. */
int ana_keyframe_encode(const ana_state *s, uint8_t **data, size_t *len);

/* Serialise what changed in s since its mark (ana_state_mark): a delta
** whose base is the state at the mark. *nrec gets the number of object
** records written. HR_OK, HR_ENOMEM, or HR_EUSAGE when s has no mark. */
int ana_keyframe_encode_delta(const ana_state *s, uint8_t **data, size_t *len, size_t *nrec);

/* The seq of the state a keyframe applies to: 0 for a full one (read from
** the blob's first bytes). HR_OK or HR_ECORRUPT. */
int ana_keyframe_base(const void *data, size_t len, uint64_t *base_seq);

/* Apply blob data (borrowed) to s: a full keyframe replaces s, a delta
** needs s to hold the state at its base. A damaged or hostile blob, or a
** delta over another state, gives HR_ECORRUPT (s is then reset) and never
** a crash. */
int ana_keyframe_apply(ana_state *s, const void *data, size_t len);

/* Replace s with the state in a full keyframe (a delta is HR_ECORRUPT). */
int ana_keyframe_decode(ana_state *s, const void *data, size_t len);

/* Largest decoded payload accepted, so a hostile length cannot exhaust memory. */
#define ANA_KEYFRAME_MAX_RAW ((size_t)1 << 31)

/* Keyframe spacing when the analyzer builds them (ana_kfcache.c): one
** before the first step at least this many events after the previous one. */
#define ANA_KEYFRAME_EVERY ((uint64_t)500000)

/* The keyframes built take at most 1/ANA_KEYFRAME_BUDGET of the events'
** compressed size (the chunks' data), or ANA_KEYFRAME_MIN_BUDGET bytes on
** a small trace, where a quarter would not hold the first few. */
#define ANA_KEYFRAME_BUDGET 4
#define ANA_KEYFRAME_MIN_BUDGET ((uint64_t)64 * 1024)

#endif /* ANA_KEYFRAME_H */
