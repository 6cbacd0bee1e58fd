/* bench_codec.c — chunk codec throughput and size on loop-like and noisy events. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hr_status.h"
#include "trc_codec.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t rng(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* The interpreter loop of test_codec.c; `noise` in 0..100 makes that share of
** instructions land on other lines, touch other objects and allocate other
** sizes, so the stream is less periodic than a tight loop. */
static void loop_events(trc_event *ev, size_t n, int noise) {
  static const uint64_t opcodes[4] = {124, 100, 122, 125};
  uint64_t s = 1, step = 0, next_obj = 1000, x_obj = 0, fresh = 0, rc_i = 3, rc_one = 50;
  size_t k = 0;
#define EMIT(K, A, B, C, D) do { if (k == n) return; \
    ev[k] = (trc_event){0, step, {(A), (B), (C), (D)}, (K)}; k++; } while (0)
  for (;;) {
    for (int i = 0; i < 4; i++) {
      int odd = (int)(rng(&s) % 100) < noise;
      step++;
      EMIT(TRC_EV_STEP, 7, 20 + (uint64_t)i + (odd ? rng(&s) % 50 : 0), opcodes[i], 0);
      if (i == 0) EMIT(TRC_EV_INCREF, odd ? 600 + rng(&s) % 100 : 500, ++rc_i, 0, 0);
      if (i == 1) EMIT(TRC_EV_INCREF, 501, ++rc_one, 0, 0);
      if (i == 2) {
        fresh = next_obj;
        next_obj += odd ? 1 + rng(&s) % 8 : 1;
        EMIT(TRC_EV_ALLOC, fresh, 3, odd ? 28 + 4 * (rng(&s) % 4) : 28,
             0x7f3a10000000ull + 32 * (odd ? rng(&s) % 4096 : fresh & 1));
        EMIT(TRC_EV_DECREF, 500, --rc_i, 0, 0);
        EMIT(TRC_EV_DECREF, 501, --rc_one, 0, 0);
      }
      if (i == 3) {
        if (x_obj) EMIT(TRC_EV_UNBIND, 7, TRC_SLOT_LOCAL, 42, x_obj);
        EMIT(TRC_EV_BIND, 7, TRC_SLOT_LOCAL, 42, fresh);
        if (x_obj) EMIT(TRC_EV_FREE, x_obj, 0, 0, 0);
        x_obj = fresh;
      }
    }
  }
#undef EMIT
}

static int run(const char *name, const trc_event *ev, size_t total, size_t chunk, int level,
               int reps) {
  trc_codec *c = trc_codec_new();
  if (!c) return 1;
  double enc = 0, dec = 0;
  size_t bytes = 0;
  for (int r = 0; r < reps; r++) {
    for (size_t at = 0; at < total; at += chunk) {
      size_t n = total - at < chunk ? total - at : chunk;
      const uint8_t *blob;
      const trc_event *out;
      size_t len;
      double t0 = now_s();
      int rc = trc_codec_encode(c, ev + at, n, level, &blob, &len);
      double t1 = now_s();
      if (rc == HR_OK) rc = trc_codec_decode(c, blob, len, 1 + at, n, &out);
      double t2 = now_s();
      if (rc != HR_OK) {
        fprintf(stderr, "bench_codec: %s\n", trc_codec_errmsg(c));
        trc_codec_free(c);
        return 1;
      }
      enc += t1 - t0;
      dec += t2 - t1;
      if (r == 0) bytes += len;
    }
  }
  double ev_total = (double)total * reps;
  printf("%-10s level %d chunk %7zu: %6.3f bytes/event  encode %6.1f M events/s  decode %6.1f M events/s\n",
         name, level, chunk, (double)bytes / (double)total, ev_total / enc / 1e6,
         ev_total / dec / 1e6);
  trc_codec_free(c);
  return 0;
}

int main(int argc, char **argv) {
  size_t total = argc > 1 ? strtoul(argv[1], NULL, 10) : 4000000;
  trc_event *ev = malloc(total * sizeof *ev);
  if (!ev) return 1;
  int rc = 0;
  loop_events(ev, total, 0);
  rc |= run("loop", ev, total, 65536, 1, 5);
  rc |= run("loop", ev, total, 65536, 6, 2);
  rc |= run("loop", ev, total, 1u << 20, 1, 2);
  loop_events(ev, total, 10);
  rc |= run("noisy10", ev, total, 65536, 1, 3);
  loop_events(ev, total, 50);
  rc |= run("noisy50", ev, total, 65536, 1, 3);
  free(ev);
  return rc;
}
