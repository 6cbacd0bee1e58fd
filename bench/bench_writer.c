/* bench_writer.c — throughput and size of the trace writer on an interpreter-shaped event stream.
**
** usage: bench_writer [EVENTS [FILE [ALLOC_EVERY [CHUNK_EVENTS]]]]
** Feeds EVENTS (default 50 million) synthetic events through the public API,
** shaped like a small loop in one frame: steps cycling over three lines with
** their opcodes, incref/decref pairs, a local rebound to a new int object each
** iteration, and an alloc/free pair every ALLOC_EVERY iterations (default 64).
** Prints events/s from open to close, file bytes per event and chunk bytes
** per event. CHUNK_EVENTS (default: the writer's) sets the block size.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_writer.h"

/* CPython 3.11 opcode numbers, so the opcode column looks like a real one. */
enum { OP_FOR_ITER = 93, OP_STORE_FAST = 125, OP_LOAD_FAST = 124, OP_LOAD_CONST = 100,
       OP_BINARY_OP = 122, OP_JUMP_BACKWARD = 140 };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
  uint64_t target = argc > 1 ? strtoull(argv[1], NULL, 10) : 50000000ull;
  const char *path = argc > 2 ? argv[2] : "bench_writer.heapreel";
  uint64_t alloc_every = argc > 3 ? strtoull(argv[3], NULL, 10) : 64;
  if (alloc_every == 0) alloc_every = 1;
  trc_writer_options opt = {.chunk_events = argc > 4 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0};

  double t0 = now_s();
  trc_writer *w = NULL;
  char *msg = NULL;
  if (trc_writer_open(path, &opt, &w, &msg) != HR_OK) {
    fprintf(stderr, "bench_writer: %s\n", msg ? msg : "cannot open");
    hr_free(msg);
    return 1;
  }
  uint64_t file = trc_writer_string(w, "loop.py", 7);
  uint64_t func = trc_writer_string(w, "<module>", 8);
  uint64_t name_i = trc_writer_string(w, "i", 1), name_x = trc_writer_string(w, "x", 1);
  uint64_t t_int = trc_writer_type(w, trc_writer_string(w, "int", 3));
  uint64_t l3 = trc_writer_location(w, file, 3, func);
  uint64_t l4 = trc_writer_location(w, file, 4, func);
  uint64_t l5 = trc_writer_location(w, file, 5, func);
  const uint64_t frame = 1, iter = 2, total_obj = 3;
  trc_writer_append(w, TRC_EV_CALL, 1, frame, l3, 0, 1);

  uint64_t step = 1, next_obj = 100, old_i = 0, old_x = 0, addr = 0x7f3a12000000ull;
  uint64_t it = 0;
  while (trc_writer_events(w) < target) {
    uint64_t obj_i = next_obj++, obj_x = next_obj++;
    /* line 3: for i in range(n) */
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l3, OP_FOR_ITER, 0);
    trc_writer_append(w, TRC_EV_INCREF, step, iter, 2, 0, 0);
    trc_writer_append(w, TRC_EV_DECREF, step, iter, 1, 0, 0);
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l3, OP_STORE_FAST, 0);
    if (old_i) trc_writer_append(w, TRC_EV_UNBIND, step, frame, TRC_SLOT_LOCAL, name_i, old_i);
    trc_writer_append(w, TRC_EV_BIND, step, frame, TRC_SLOT_LOCAL, name_i, obj_i);
    /* line 4: x = i * 2 */
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l4, OP_LOAD_FAST, 0);
    trc_writer_append(w, TRC_EV_INCREF, step, obj_i, 2, 0, 0);
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l4, OP_LOAD_CONST, 0);
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l4, OP_BINARY_OP, 0);
    trc_writer_append(w, TRC_EV_DECREF, step, obj_i, 1, 0, 0);
    if (it % alloc_every == 0) {
      trc_writer_append(w, TRC_EV_ALLOC, step, obj_x, t_int, 28, addr + (it % 512) * 32);
      if (old_x) trc_writer_append(w, TRC_EV_FREE, step, old_x, 0, 0, 0);
    }
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l4, OP_STORE_FAST, 0);
    if (old_x) trc_writer_append(w, TRC_EV_UNBIND, step, frame, TRC_SLOT_LOCAL, name_x, old_x);
    trc_writer_append(w, TRC_EV_BIND, step, frame, TRC_SLOT_LOCAL, name_x, obj_x);
    /* line 5: total += x */
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l5, OP_LOAD_FAST, 0);
    trc_writer_append(w, TRC_EV_INCREF, step, total_obj, 2, 0, 0);
    trc_writer_append(w, TRC_EV_STEP, ++step, frame, l5, OP_JUMP_BACKWARD, 0);
    trc_writer_append(w, TRC_EV_DECREF, step, total_obj, 1, 0, 0);
    old_i = obj_i;
    old_x = obj_x;
    it++;
  }
  trc_writer_append(w, TRC_EV_RETURN, ++step, frame, 0, 0, 0);
  uint64_t events = trc_writer_events(w);
  double t_appended = now_s();
  int sync = trc_writer_sync(w);
  uint64_t chunk_bytes = trc_writer_chunk_bytes(w);
  int rc = trc_writer_close(w, 1, &msg);
  double t1 = now_s();
  if (sync != HR_OK || rc != HR_OK) {
    fprintf(stderr, "bench_writer: %s\n", msg ? msg : hr_status_str(rc));
    hr_free(msg);
    return 1;
  }
  struct stat sb;
  if (stat(path, &sb) != 0) {
    perror(path);
    return 1;
  }
  printf("events            %llu (%llu loop iterations, alloc/free every %llu)\n",
         (unsigned long long)events, (unsigned long long)it, (unsigned long long)alloc_every);
  printf("append phase      %.3f s (%.1f M events/s)\n", t_appended - t0,
         (double)events / (t_appended - t0) / 1e6);
  printf("open to close     %.3f s\n", t1 - t0);
  printf("events/s          %.2f M\n", (double)events / (t1 - t0) / 1e6);
  printf("file bytes        %lld (%.3f bytes/event)\n", (long long)sb.st_size,
         (double)sb.st_size / (double)events);
  printf("chunk bytes       %llu (%.3f bytes/event)\n", (unsigned long long)chunk_bytes,
         (double)chunk_bytes / (double)events);
  return 0;
}
