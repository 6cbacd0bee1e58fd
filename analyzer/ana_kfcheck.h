/* ana_kfcheck.h — keyframes checked against the events they summarise.
**
** A keyframe stands in for the replay of every event up to its seq, so a
** wrong one (a row edited, moved or copied, a blob swapped, events changed
** after it was built) gives a wrong state without a word. Whoever stores
** keyframes also stores, in meta `keyframes_check`, one entry a keyframe:
**
**   step:seq:length:blob_crc:prefix_crc   (space-separated, by ascending seq)
**
** where blob_crc is the CRC-32 of the row's blob and prefix_crc the CRC-32
** of the chunk rows with first_seq <= seq, each as its first_seq (8 bytes,
** little-endian) then its data, by ascending first_seq. A reader uses a
** keyframe only when the rows are exactly the entries (steps, seqs, lengths:
** no blob read), and, before its first use, its blob matches its CRC and
** the chunks up to it match theirs (one forward pass over the chunks, each
** read once per open). Keyframes without the entry are not used.
*/
#ifndef ANA_KFCHECK_H
#define ANA_KFCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "trc_sqlite.h"

typedef struct ana_kfcheck ana_kfcheck;

/* Read meta `keyframes_check` and the keyframes' (step, seq, length) on db.
** *out gets the check (owned) unless out of memory; *trusted 1 when the rows
** match the entries, 0 with why[] saying why not ("" when there are no
** keyframes at all). HR_OK, HR_ENOMEM, or HR_ESQL. */
int ana_kfcheck_load(sqlite3 *db, ana_kfcheck **out, int *trusted, char *why, size_t whylen);
void ana_kfcheck_free(ana_kfcheck *c);
/* The meta text the check was read from (borrowed; NULL: there was none). */
const char *ana_kfcheck_text(const ana_kfcheck *c);
/* Whether the keyframe (step, blob) matches its entry and the chunks up to
** it; why[] says what differs when not. HR_OK, or HR_ESQL / HR_ENOMEM. */
int ana_kfcheck_row(ana_kfcheck *c, sqlite3 *db, uint64_t step, const void *blob, size_t len,
                    int *valid, char *why, size_t whylen);

/* The `keyframes_check` text (owned) for n keyframes by ascending seq, the
** chunks read on db; NULL out of memory or when the chunks cannot be read. */
char *ana_kfcheck_format(sqlite3 *db, size_t n, const uint64_t *steps, const uint64_t *seqs,
                         uint8_t *const *blobs, const size_t *lens);

#endif /* ANA_KFCHECK_H */
