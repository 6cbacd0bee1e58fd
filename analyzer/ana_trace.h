/* ana_trace.h — a trace opened for analysis: dimensions, lookups and replay.
**
** Wraps the reader with what every analysis needs: code locations, type
** names and source lines by id, frame facts from the frames table, finding
** the step event of step N, a mark by label and the K-th execution of a
** line, and rebuilding the state before a step (from the nearest keyframe,
** see KEYFRAMES.md). Failures return an HR_ status; the one-line reason is
** kept on the trace (ana_trace_errmsg) for the command line to print.
*/
#ifndef ANA_TRACE_H
#define ANA_TRACE_H

#include <stdint.h>

#include "ana_state.h"
#include "trc_event.h"
#include "trc_reader.h"

typedef struct ana_trace ana_trace;

typedef struct ana_loc {
  const char *file;       /* borrowed from the trace; "?" when unknown */
  const char *function;   /* borrowed; "?" when unknown */
  uint64_t file_sid;
  uint32_t line;
} ana_loc;

typedef struct ana_frame_info {
  uint64_t id, location, parent, thread;
  uint64_t call_seq, call_step;
  uint64_t return_seq;    /* 0 while alive at the end of the trace */
  uint32_t depth;         /* 0 for an outermost frame */
} ana_frame_info;

/* Open path. On failure *errmsg (owned) is one line, e.g. "not a heapreel trace". */
int ana_trace_open(const char *path, ana_trace **out, char **errmsg);
void ana_trace_free(ana_trace *t);                  /* NULL is a no-op */

trc_reader *ana_trace_reader(ana_trace *t);         /* borrowed */
const char *ana_trace_path(const ana_trace *t);     /* borrowed */
sqlite3 *ana_trace_db(ana_trace *t);                /* borrowed */
const char *ana_trace_errmsg(const ana_trace *t);   /* borrowed; "" when none */
/* Keep a message on t (printf style) and return status. */
int ana_trace_fail(ana_trace *t, int status, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

/* Notes and progress for the person running heapreel (a cache that cannot
** be written, a long one-time build). The library never prints: fn (may be
** NULL) gets each one-line message, is_progress 1 for progress. */
typedef void (*ana_trace_note_fn)(void *ctx, const char *msg, int is_progress);
void ana_trace_set_note_fn(ana_trace *t, ana_trace_note_fn fn, void *ctx);
void ana_trace_note(ana_trace *t, const char *msg);
void ana_trace_progress(ana_trace *t, const char *msg);

/* A string by id, "?" when unknown (never NULL). */
const char *ana_trace_string(ana_trace *t, uint64_t sid);
/* A location by id; unknown ids give file "?", line 0, function "?". */
ana_loc ana_trace_location(ana_trace *t, uint64_t loc_id);
/* A type's name, "?" when unknown. */
const char *ana_trace_type_name(ana_trace *t, uint64_t type_id);
/* Line `line` of a recorded source file without its newline (borrowed), or
** NULL when the trace holds no text for it. */
const char *ana_trace_source_line(ana_trace *t, uint64_t file_sid, uint32_t line);
/* An object's type id from the objects table, 0 when unknown. */
uint64_t ana_trace_object_type(ana_trace *t, uint64_t object_id);
/* The string id of an object's recorded short value (its value event, which
** the recorder writes right after the object appears), 0 when none: for
** labels where no replayed state is at hand. Cached. */
uint64_t ana_trace_object_value(ana_trace *t, uint64_t object_id);
/* The same with the object's type, its first items as bound right after it
** appeared (a tuple's) and where a tracked one was made, borrowed and
** cached; NULL when out of memory or past 2,000 look-ups on this trace
** (each decodes a chunk). */
#define ANA_OBJ_TEXT_ITEMS 8
typedef struct ana_obj_text {
  uint64_t id, type, value;  /* value: string id, or the int itself when is_int */
  uint8_t is_int;            /* value came from an intvalue event */
  uint64_t items[ANA_OBJ_TEXT_ITEMS];
  uint32_t nitems;
  uint64_t seq;              /* its alloc or track event's */
  uint64_t made;             /* tracked in a region: the stack (stacks table id) it was made
                                with outside the regions, 0: not known */
} ana_obj_text;
const ana_obj_text *ana_trace_object_text(ana_trace *t, uint64_t object_id);
/* Facts of a frame from the frames table (borrowed, cached), NULL when unknown. */
const ana_frame_info *ana_trace_frame_info(ana_trace *t, uint64_t frame_id);
/* The string id of the main script's file (the recorded program's module frame,
** else the outermost first frame's), 0 if none. */
uint64_t ana_trace_main_file(ana_trace *t);

/* Step N's step event. HR_ERANGE when the trace has no step N. */
int ana_trace_step_event(ana_trace *t, uint64_t step, trc_event *ev);
/* The first mark labelled `label` (borrowed). HR_ENOTFOUND when none. */
int ana_trace_mark(ana_trace *t, const char *label, uint64_t *seq, uint64_t *step);
/* The first step of the k-th execution (k >= 1) of line `line` of the main
** script: a step at that line whose frame's previous step was elsewhere (or
** that is its frame's first step). HR_ENOTFOUND when there is none. */
int ana_trace_line_step(ana_trace *t, uint32_t line, uint64_t k, uint64_t *step);

/* Rebuild into s the state holding every event with seq <= seq, starting
** from the nearest keyframe. A trace without keyframes gets them on the
** first replay longer than 1.5 keyframe spacings (ana_kfcache.c). */
int ana_trace_state_at_seq(ana_trace *t, uint64_t seq, ana_state *s);
/* The state before step N (KEYFRAMES.md); *ev gets step N's step event. */
int ana_trace_state_before_step(ana_trace *t, uint64_t step, ana_state *s, trc_event *ev);
/* Call fn for each event with lo <= seq (or step, per enum trc_scan_by)
** <= hi in seq order. fn returns 0 to go on, ANA_SCAN_STOP to stop early, or
** an HR_ status to fail with (it keeps its own message on t). */
#define ANA_SCAN_STOP (-1)
int ana_trace_scan(ana_trace *t, int by, uint64_t lo, uint64_t hi,
                   int (*fn)(void *ctx, const trc_event *ev), void *ctx);
/* ana_trace_scan, a run of events at a time (borrowed, in seq order): for
** passes over the whole trace, where a call per event shows. */
int ana_trace_scan_batch(ana_trace *t, int by, uint64_t lo, uint64_t hi,
                         int (*fn)(void *ctx, const trc_event *ev, size_t n), void *ctx);
/* Apply the events lo <= seq <= hi to s. */
int ana_trace_replay(ana_trace *t, ana_state *s, uint64_t lo, uint64_t hi);

/* Build the keyframes and cache them in the file (ana_kfcache.c). A trace
** that cannot take them is no error: a note says so. */
int ana_trace_build_keyframes(ana_trace *t);
/* The meta `keyframes_check` text the keyframes in use were read with
** (borrowed; NULL: none), so a build replaces only what it saw. */
const char *ana_trace_keyframe_check(ana_trace *t);
/* Keyframe spacing in events for a build (default ANA_KEYFRAME_EVERY); a
** replay longer than 1.5 times it triggers the build. */
void ana_trace_set_keyframe_every(ana_trace *t, uint64_t every);
uint64_t ana_trace_keyframe_every(const ana_trace *t);
/* Whether a build may cache its keyframes in the file (default 1); with 0
** no keyframes are built and every replay starts from the first event. */
void ana_trace_set_cache(ana_trace *t, int on);
int ana_trace_cache_enabled(const ana_trace *t);
/* End / restart the read transaction the trace holds, so another connection
** can write the file in between. */
int ana_trace_pause_read(ana_trace *t);
int ana_trace_resume_read(ana_trace *t);

#endif /* ANA_TRACE_H */
