/* trc_codec.h — encoding and decoding of event chunks (schema/FORMAT.md).
**
** A chunk holds a run of events with dense sequence numbers. It is stored as
** one raw deflate stream and its CRC-32 (encoding 2; format 1 and 2.0 chunks
** are zlib streams, encoding 1) of a columnar payload: a kind column (each
** kind byte carrying a small step difference), a step-delta column and
** four field columns, each value a zigzag varint of its difference from the
** previous value of the same kind in the same column (an incref's, decref's
** or free's object looked up among recent ones first, an incref's or
** decref's count against that object's last, a bind's slot argument
** against the last with its slot kind); or, for a run of binds
** to one holder's consecutive slots, the run once and each id's difference. Nothing here touches
** SQLite: the codec is pure memory in, memory out, and safe on hostile input.
*/
#ifndef TRC_CODEC_H
#define TRC_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "trc_event.h"

/* chunks.encoding: how a chunk's data wraps the payload (FORMAT.md). */
#define TRC_CHUNK_ZLIB 1       /* a zlib stream (RFC 1950): format 1 and 2.0 */
#define TRC_CHUNK_DEFLATE 2    /* raw deflate (RFC 1951), then its CRC-32: written now */

/* Scratch buffers reused across calls; one per thread. */
typedef struct trc_codec trc_codec;

trc_codec *trc_codec_new(void);      /* NULL when out of memory */
void trc_codec_free(trc_codec *c);   /* NULL is a no-op */

/* Encode n >= 1 events (their seq fields are ignored: a chunk's events are
** first_seq, first_seq+1, ... by position). zlevel is zlib's level (1 fast).
** On HR_OK *blob / *len (encoding TRC_CHUNK_DEFLATE) point into the codec
** and stay valid until the next call on it. */
int trc_codec_encode(trc_codec *c, const trc_event *ev, size_t n, int zlevel,
                     const uint8_t **blob, size_t *len);

/* What trc_codec_encode_mixed read. */
typedef struct trc_codec_span {
  size_t used;           /* entries read: all n, or up to the one other stopped at */
  size_t events;         /* events among them, all in the blob; 0: no blob */
  size_t marks;          /* mark events among them */
  uint64_t first_seq, last_seq;   /* the first and last event's seq fields */
  uint64_t lo_step, hi_step;      /* the events' lowest and highest step */
} trc_codec_span;

/* For an entry that is no event (kind outside 1..TRC_EV_KIND_MAX): returns
** 0 to go on, -1 to end the chunk before it (span.used is its index), or
** an HR_ status to fail with. */
typedef int (*trc_codec_other_fn)(void *arg, const trc_event *e);

/* trc_codec_encode for a block of n >= 1 entries with other records among
** the events (the writer's ring): each such entry goes to other, in order,
** in the same pass, and the events make one chunk. *span says what was
** read; with span->events 0 there is no blob. On failure span->used
** entries have been handed to other (an error from other included). */
int trc_codec_encode_mixed(trc_codec *c, const trc_event *ent, size_t n, int zlevel,
                           trc_codec_other_fn other, void *arg, trc_codec_span *span,
                           const uint8_t **blob, size_t *len);

/* Encode n >= 1 binds at one step as one chunk (payload version 3): holder's
** slot (kind `slot`, index first + k) refers to ids[k]. A run of a list's
** items costs a byte or two an event before zlib, where trc_codec_encode's
** columns cost six. The blob is what trc_codec_encode's is, and decodes to
** the same events (kind TRC_EV_BIND). */
int trc_codec_encode_binds(trc_codec *c, uint64_t step, uint64_t holder, uint64_t slot,
                           uint64_t first, const uint64_t *ids, size_t n, int zlevel,
                           const uint8_t **blob, size_t *len);

/* Decode a chunk blob (borrowed) of the given encoding (TRC_CHUNK_ZLIB or
** TRC_CHUNK_DEFLATE; another is HR_ECORRUPT) that claims to hold `expected`
** events starting at first_seq. On HR_OK *ev (owned by the codec, valid
** until the next call) holds `expected` events with seq filled in. A damaged
** or hostile blob gives HR_ECORRUPT and a description in trc_codec_errmsg;
** never a crash, never an unbounded allocation (expected is capped at
** TRC_CHUNK_MAX_EVENTS). */
int trc_codec_decode_as(trc_codec *c, int encoding, const void *blob, size_t len,
                        uint64_t first_seq, size_t expected, const trc_event **ev);

/* trc_codec_decode_as for what trc_codec_encode writes (TRC_CHUNK_DEFLATE). */
int trc_codec_decode(trc_codec *c, const void *blob, size_t len,
                     uint64_t first_seq, size_t expected,
                     const trc_event **ev);

/* Decode only chunks holding an event of one of these kinds (a bit per
** kind, 1u << TRC_EV_CALL, ...; 0, the default: every chunk). A chunk with
** none is inflated and its kinds checked, but the rest is not read:
** trc_codec_decode gives HR_OK with *ev NULL. A reader that gathers a rare
** kind (frames: call and return) so skips most of the work. */
void trc_codec_only_kinds(trc_codec *c, uint32_t kinds);

/* Why the last call failed (borrowed, valid until the next call). */
const char *trc_codec_errmsg(const trc_codec *c);

/* Upper bound on events in one chunk, enforced by encoder and decoder. */
#define TRC_CHUNK_MAX_EVENTS (1u << 20)

/* zlib allocation hooks that route zlib's memory through hr_malloc, so the
** out-of-memory tests reach it too. For z_stream.zalloc / zfree (opaque unused). */
void *trc_zalloc(void *opaque, unsigned items, unsigned size);
void trc_zfree(void *opaque, void *p);

/* Varint primitives, exposed for the keyframe encoding and for tests. */
size_t trc_varint_put(uint8_t *p, uint64_t v);            /* returns bytes written (<= 10) */
/* Reads one varint from [*p, end); returns 0 on success, -1 when truncated or overlong. */
int trc_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);
static inline uint64_t trc_zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static inline int64_t trc_unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

#endif /* TRC_CODEC_H */
