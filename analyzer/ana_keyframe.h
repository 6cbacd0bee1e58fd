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

/* Serialise s into a new blob (*data owned by the caller, hr_free it).
** HR_OK or HR_ENOMEM. */
int ana_keyframe_encode(const ana_state *s, uint8_t **data, size_t *len);

/* Replace s with the state in blob data (borrowed). A damaged or hostile
** blob gives HR_ECORRUPT (s is then reset) and never a crash. */
int ana_keyframe_decode(ana_state *s, const void *data, size_t len);

/* Largest decoded payload accepted, so a hostile length cannot exhaust memory. */
#define ANA_KEYFRAME_MAX_RAW ((size_t)1 << 31)

/* Keyframe spacing when the analyzer builds them (ana_kfcache.c): one
** before the first step at least this many events after the previous one. */
#define ANA_KEYFRAME_EVERY ((uint64_t)500000)

#endif /* ANA_KEYFRAME_H */
