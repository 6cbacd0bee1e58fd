/* test_codec.c — round trips, damaged input and out-of-memory for the chunk codec. */
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "hr_test.h"
#include "trc_codec.h"

/* splitmix64: tiny and good enough to spread seeds over the input space. */
static uint64_t rng_next(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static uint64_t rng_below(uint64_t *s, uint64_t n) { return rng_next(s) % n; }

/* A field value drawn to hit the codec's edges: zero, all ones, small steps
** from the previous value, huge jumps both ways, and plain noise. */
static uint64_t rand_field(uint64_t *s, uint64_t prev) {
  switch (rng_below(s, 8)) {
  case 0: return 0;
  case 1: return UINT64_MAX;
  case 2: return prev + rng_below(s, 3);
  case 3: return prev - rng_below(s, 3);
  case 4: return prev + (rng_next(s) >> rng_below(s, 64));
  case 5: return prev - (rng_next(s) >> rng_below(s, 64));
  case 6: return rng_below(s, 1000);
  default: return rng_next(s);
  }
}

/* Random events; fields a kind does not use hold noise, which the codec must
** drop (a decoded event has 0 there). */
static void rand_events(uint64_t seed, trc_event *ev, size_t n) {
  uint64_t s = seed, step = rng_below(&s, 4) ? rng_below(&s, 100) : rng_next(&s);
  uint64_t prev[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i++) {
    uint64_t r = rng_below(&s, 100);
    if (r < 50) step += 0;                       /* same step */
    else if (r < 90) step += 1 + rng_below(&s, 3);
    else if (r < 98) step += rng_next(&s) >> rng_below(&s, 64);
    else step -= rng_below(&s, 5);               /* wrap-around still encodes */
    ev[i].seq = rng_next(&s);                    /* ignored by encode */
    ev[i].step = step;
    ev[i].kind = (uint8_t)(1 + rng_below(&s, TRC_EV_KIND_MAX));
    for (int f = 0; f < 4; f++) ev[i].f[f] = prev[f] = rand_field(&s, prev[f]);
  }
}

/* Do decoded events equal the originals (used fields) with seq and zeros right? */
static int same_events(const trc_event *a, const trc_event *b, size_t n, uint64_t first_seq) {
  for (size_t i = 0; i < n; i++) {
    int nf = trc_kind_nfields(a[i].kind);
    if (b[i].kind != a[i].kind || b[i].step != a[i].step || b[i].seq != first_seq + i) return 0;
    for (int f = 0; f < 4; f++)
      if (b[i].f[f] != (f < nf ? a[i].f[f] : 0)) return 0;
  }
  return 1;
}

/* Every decoded stream, damaged or not, must at least be well formed. */
static int well_formed(const trc_event *e, size_t n, uint64_t first_seq) {
  for (size_t i = 0; i < n; i++) {
    int nf = trc_kind_nfields(e[i].kind);
    if (nf == 0 || e[i].seq != first_seq + i) return 0;
    for (int f = nf; f < 4; f++)
      if (e[i].f[f] != 0) return 0;
  }
  return 1;
}

/* Copy a blob out of the codec, which reuses its buffer on the next call. */
static uint8_t *encode_copy(trc_codec *c, const trc_event *ev, size_t n, int level, size_t *len) {
  const uint8_t *blob;
  if (trc_codec_encode(c, ev, n, level, &blob, len) != HR_OK) return NULL;
  uint8_t *copy = malloc(*len);
  if (copy) memcpy(copy, blob, *len);
  return copy;
}

static void test_varint_edges(void) {
  static const uint64_t vals[] = {0, 1, 127, 128, 255, 16383, 16384, UINT32_MAX,
                                  (uint64_t)1 << 63, UINT64_MAX - 1, UINT64_MAX};
  static const size_t sizes[] = {1, 1, 1, 2, 2, 2, 3, 5, 10, 10, 10};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    uint8_t buf[16];
    size_t n = trc_varint_put(buf, vals[i]);
    CHECK_EQ_U64(n, sizes[i]);
    const uint8_t *p = buf;
    uint64_t v = 12345;
    CHECK(trc_varint_get(&p, buf + n, &v) == 0);
    CHECK_EQ_U64(v, vals[i]);
    CHECK(p == buf + n);
    /* Every shorter read is truncated and must not move the cursor. */
    for (size_t cut = 0; cut < n; cut++) {
      p = buf;
      CHECK(trc_varint_get(&p, buf + cut, &v) == -1);
      CHECK(p == buf);
    }
  }
  uint8_t over[11];
  memset(over, 0x80, 10);
  over[10] = 0x00;
  const uint8_t *p = over;
  uint64_t v;
  CHECK(trc_varint_get(&p, over + 11, &v) == -1);          /* 11 bytes */
  uint8_t big[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
  p = big;
  CHECK(trc_varint_get(&p, big + 10, &v) == -1);           /* bit 64 set */
  uint8_t nonmin[2] = {0x80, 0x00};
  p = nonmin;
  CHECK(trc_varint_get(&p, nonmin + 2, &v) == -1);         /* 0 spelt in two bytes */
  for (int64_t x = -300; x <= 300; x++) CHECK(trc_unzigzag(trc_zigzag(x)) == x);
  CHECK_EQ_U64(trc_zigzag(-1), 1);
  CHECK_EQ_U64(trc_zigzag(1), 2);
  CHECK_EQ_U64(trc_zigzag(INT64_MIN), UINT64_MAX);
  CHECK(trc_unzigzag(UINT64_MAX) == INT64_MIN);
}

static void test_round_trip_seeds(void) {
  trc_codec *enc = trc_codec_new(), *dec = trc_codec_new();
  REQUIRE(enc && dec);
  size_t cap = 5000;
  trc_event *ev = malloc(cap * sizeof *ev);
  REQUIRE(ev);
  int bad = 0;
  for (uint64_t seed = 1; seed <= 400; seed++) {
    uint64_t s = seed * 7919;
    size_t n = 1 + (seed % 10 == 0 ? rng_below(&s, cap) : rng_below(&s, 300));
    rand_events(seed, ev, n);
    static const int levels[] = {1, 0, 6, 9, -1};
    int level = levels[seed % 5];
    const uint8_t *blob;
    size_t len;
    int rc = trc_codec_encode(enc, ev, n, level, &blob, &len);
    if (rc != HR_OK) { bad++; fprintf(stderr, "seed %llu: encode %d\n", (unsigned long long)seed, rc); continue; }
    uint64_t first_seq = 1 + rng_below(&s, 1000000);
    const trc_event *out;
    rc = trc_codec_decode(dec, blob, len, first_seq, n, &out);
    if (rc != HR_OK || !same_events(ev, out, n, first_seq)) {
      bad++;
      fprintf(stderr, "seed %llu: n=%zu rc=%d %s\n", (unsigned long long)seed, n, rc,
              trc_codec_errmsg(dec));
    }
  }
  CHECK(bad == 0);
  free(ev);
  trc_codec_free(enc);
  trc_codec_free(dec);
}

static void test_chunk_bounds(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  size_t max = TRC_CHUNK_MAX_EVENTS;
  trc_event *ev = malloc(max * sizeof *ev);
  REQUIRE(ev);
  const uint8_t *blob;
  size_t len;
  const trc_event *out;

  rand_events(99, ev, 1);
  CHECK(trc_codec_encode(c, ev, 1, 1, &blob, &len) == HR_OK);
  CHECK(trc_codec_decode(c, blob, len, 1, 1, &out) == HR_OK && same_events(ev, out, 1, 1));

  CHECK(trc_codec_encode(c, ev, 0, 1, &blob, &len) == HR_EUSAGE);
  CHECK(strlen(trc_codec_errmsg(c)) > 0);
  CHECK(trc_codec_encode(c, ev, max + 1, 1, &blob, &len) == HR_EUSAGE);
  CHECK(trc_codec_encode(c, ev, 1, 10, &blob, &len) == HR_EUSAGE);
  CHECK(trc_codec_encode(c, NULL, 1, 1, &blob, &len) == HR_EUSAGE);
  trc_event odd = ev[0];
  odd.kind = 0;
  CHECK(trc_codec_encode(c, &odd, 1, 1, &blob, &len) == HR_EUSAGE);
  odd.kind = TRC_EV_KIND_MAX + 1;
  CHECK(trc_codec_encode(c, &odd, 1, 1, &blob, &len) == HR_EUSAGE);

  /* The largest chunk still works, and a later small one reuses the buffers. */
  rand_events(7, ev, max);
  CHECK(trc_codec_encode(c, ev, max, 1, &blob, &len) == HR_OK);
  uint8_t *copy = malloc(len);
  REQUIRE(copy);
  memcpy(copy, blob, len);
  size_t big_len = len;
  CHECK(trc_codec_decode(c, copy, big_len, 1, max, &out) == HR_OK && same_events(ev, out, max, 1));
  CHECK(trc_codec_decode(c, copy, big_len, 1, max - 1, &out) == HR_ECORRUPT);
  CHECK(trc_codec_decode(c, copy, big_len, 1, max + 1, &out) == HR_ECORRUPT);
  free(copy);
  rand_events(8, ev, 3);
  CHECK(trc_codec_encode(c, ev, 3, 1, &blob, &len) == HR_OK);
  CHECK(trc_codec_decode(c, blob, len, 5, 3, &out) == HR_OK && same_events(ev, out, 3, 5));
  free(ev);
  trc_codec_free(c);
}

static void test_wrong_count(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  trc_event ev[50];
  rand_events(3, ev, 50);
  size_t len;
  uint8_t *blob = encode_copy(c, ev, 50, 1, &len);
  REQUIRE(blob);
  const trc_event *out;
  static const size_t wrong[] = {0, 1, 49, 51, 100, TRC_CHUNK_MAX_EVENTS, TRC_CHUNK_MAX_EVENTS + 1};
  for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
    CHECK(trc_codec_decode(c, blob, len, 1, wrong[i], &out) == HR_ECORRUPT);
    CHECK(strlen(trc_codec_errmsg(c)) > 0 && strchr(trc_codec_errmsg(c), '\n') == NULL);
  }
  CHECK(trc_codec_decode(c, blob, len, UINT64_MAX - 10, 50, &out) == HR_ECORRUPT);
  CHECK(trc_codec_decode(c, blob, len, UINT64_MAX - 49, 50, &out) == HR_OK);
  CHECK(trc_codec_decode(c, NULL, 0, 1, 50, &out) == HR_ECORRUPT);
  free(blob);
  trc_codec_free(c);
}

static void test_truncation(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  for (uint64_t seed = 1; seed <= 20; seed++) {
    trc_event ev[48];
    size_t n = 1 + seed * 2;
    rand_events(seed, ev, n);
    size_t len;
    uint8_t *blob = encode_copy(c, ev, n, (int)(seed % 3), &len);
    REQUIRE(blob);
    const trc_event *out;
    for (size_t cut = 0; cut < len; cut++) {
      uint8_t *t = malloc(cut ? cut : 1);   /* exact size so ASan sees overreads */
      memcpy(t, blob, cut);
      CHECK(trc_codec_decode(c, t, cut, 1, n, &out) == HR_ECORRUPT);
      free(t);
    }
    /* Trailing bytes are damage too. */
    uint8_t *longer = malloc(len + 1);
    memcpy(longer, blob, len);
    longer[len] = 0;
    CHECK(trc_codec_decode(c, longer, len + 1, 1, n, &out) == HR_ECORRUPT);
    free(longer);
    free(blob);
  }
  trc_codec_free(c);
}

static void test_bit_flips(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  long flips = 0, errors = 0, malformed = 0;
  for (uint64_t seed = 1; seed <= 60; seed++) {
    uint64_t s = seed;
    trc_event ev[300];
    size_t n = 1 + rng_below(&s, 300);
    rand_events(seed + 1000, ev, n);
    size_t len;
    uint8_t *blob = encode_copy(c, ev, n, 1, &len);
    REQUIRE(blob);
    uint8_t *t = malloc(len);
    for (int k = 0; k < 200; k++) {
      size_t bit = rng_below(&s, len * 8);
      memcpy(t, blob, len);
      t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      const trc_event *out;
      int rc = trc_codec_decode(c, t, len, 1, n, &out);
      flips++;
      if (rc != HR_OK) errors += rc == HR_ECORRUPT;
      else if (!well_formed(out, n, 1)) malformed++;
      CHECK(rc == HR_OK || rc == HR_ECORRUPT);
    }
    free(t);
    free(blob);
  }
  CHECK(malformed == 0);
  CHECK(errors * 100 >= flips * 99);
  printf("     bit flips: %ld of %ld rejected\n", errors, flips);
  trc_codec_free(c);
}

static int unblob(uint8_t *dst, uLongf *dstlen, const uint8_t *blob, size_t len);

/* Append the CRC-32 of blob[0..n) as TRC_CHUNK_DEFLATE does; returns n + 4. */
static size_t with_crc(uint8_t *blob, size_t n) {
  uint32_t crc = (uint32_t)crc32(0L, blob, (uInt)n);
  for (int i = 0; i < 4; i++) blob[n + i] = (uint8_t)(crc >> (8 * i));
  return n + 4;
}

static void test_garbage(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  uint64_t s = 42;
  uint8_t buf[2048 + 4];
  for (int i = 0; i < 6000; i++) {
    size_t len = rng_below(&s, 2048);
    for (size_t j = 0; j < len; j++) buf[j] = (uint8_t)rng_next(&s);
    int enc = i % 2 ? TRC_CHUNK_ZLIB : TRC_CHUNK_DEFLATE;
    if (enc == TRC_CHUNK_ZLIB && i % 4 == 1 && len >= 2) { buf[0] = 0x78; buf[1] = 0x01; }
    /* Most deflate garbage fails its CRC; half of it gets a right one, so
    ** the inflater and the payload parser see it too. */
    if (enc == TRC_CHUNK_DEFLATE && i % 4 == 0) len = with_crc(buf, len);
    const trc_event *out;
    size_t n = 1 + rng_below(&s, 1000);
    int rc = trc_codec_decode_as(c, enc, buf, len, 1, n, &out);
    CHECK(rc == HR_ECORRUPT || (rc == HR_OK && well_formed(out, n, 1)));
  }
  trc_codec_free(c);
}

/* FORMAT.md's encodings: 2 (written) is a raw deflate stream and the CRC-32
** of it, 1 (format 1 and 2.0) a zlib stream; the same payload under either. */
static void test_chunk_encodings(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  trc_event ev[100];
  rand_events(11, ev, 100);
  size_t len;
  uint8_t *blob = encode_copy(c, ev, 100, 1, &len);
  REQUIRE(blob);
  const trc_event *out;
  CHECK(trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, blob, len, 1, 100, &out) == HR_OK &&
        same_events(ev, out, 100, 1));
  /* The CRC covers the deflate bytes and is stored least significant first. */
  uint32_t crc = (uint32_t)crc32(0L, blob, (uInt)(len - 4));
  CHECK(blob[len - 4] == (crc & 0xff) && blob[len - 1] == crc >> 24);
  /* The same payload as a zlib stream reads the same under encoding 1. */
  uint8_t raw[8192], z[8192];
  uLongf rawlen = sizeof raw, zlen = sizeof z;
  REQUIRE(unblob(raw, &rawlen, blob, len) == Z_OK && raw[1] == 5);
  REQUIRE(compress2(z, &zlen, raw, rawlen, 1) == Z_OK);
  CHECK(trc_codec_decode_as(c, TRC_CHUNK_ZLIB, z, zlen, 1, 100, &out) == HR_OK &&
        same_events(ev, out, 100, 1));
  /* Each read as the other is damage, and so is an unknown encoding. */
  CHECK(trc_codec_decode_as(c, TRC_CHUNK_ZLIB, blob, len, 1, 100, &out) == HR_ECORRUPT);
  CHECK(trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, z, zlen, 1, 100, &out) == HR_ECORRUPT);
  CHECK(trc_codec_decode_as(c, 0, blob, len, 1, 100, &out) == HR_ECORRUPT);
  CHECK(trc_codec_decode_as(c, 3, blob, len, 1, 100, &out) == HR_ECORRUPT &&
        strstr(trc_codec_errmsg(c), "encoding 3") != NULL);
  /* A wrong CRC, whichever byte is off, and a blob too short for one. */
  uint8_t *t = malloc(len + 8);
  REQUIRE(t);
  for (size_t i = 0; i < len; i++) {
    memcpy(t, blob, len);
    t[i] ^= 0x10;
    CHECK(trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, t, len, 1, 100, &out) == HR_ECORRUPT);
  }
  memcpy(t, blob, len);
  t[len - 1] ^= 1;
  CHECK(trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, t, len, 1, 100, &out) == HR_ECORRUPT &&
        strstr(trc_codec_errmsg(c), "CRC-32") != NULL);
  CHECK(trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, blob, 4, 1, 100, &out) == HR_ECORRUPT);
  /* Bytes after the deflate stream, under a right CRC, are damage too. */
  memcpy(t, blob, len - 4);
  t[len - 4] = 0;
  size_t l2 = with_crc(t, len - 3);
  CHECK(trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, t, l2, 1, 100, &out) == HR_ECORRUPT);
  /* Bit flips under a right CRC reach the inflater and the payload parser. */
  uint64_t s = 5;
  long rejected = 0, tries = 3000;
  for (long k = 0; k < tries; k++) {
    memcpy(t, blob, len - 4);
    size_t bit = rng_below(&s, (len - 4) * 8);
    t[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    l2 = with_crc(t, len - 4);
    int rc = trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, t, l2, 1, 100, &out);
    CHECK(rc == HR_ECORRUPT || (rc == HR_OK && well_formed(out, 100, 1)));
    rejected += rc == HR_ECORRUPT;
  }
  printf("     bit flips under a right CRC-32: %ld of %ld rejected\n", rejected, tries);
  free(t);
  free(blob);
  trc_codec_free(c);
}

/* uncompress for what the encoder writes (TRC_CHUNK_DEFLATE): a raw
** deflate stream and its CRC-32, checked; Z_DATA_ERROR when it fails. */
static int unblob(uint8_t *dst, uLongf *dstlen, const uint8_t *blob, size_t len) {
  if (len < 5) return Z_DATA_ERROR;
  size_t n = len - 4;
  uint32_t want = (uint32_t)blob[n] | (uint32_t)blob[n + 1] << 8 |
                  (uint32_t)blob[n + 2] << 16 | (uint32_t)blob[n + 3] << 24;
  if ((uint32_t)crc32(0L, blob, (uInt)n) != want) return Z_DATA_ERROR;
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -15) != Z_OK) return Z_MEM_ERROR;
  z.next_in = (Bytef *)blob;
  z.avail_in = (uInt)n;
  z.next_out = dst;
  z.avail_out = (uInt)*dstlen;
  int r = inflate(&z, Z_FINISH);
  *dstlen = z.total_out;
  int stray = z.avail_in != 0;
  inflateEnd(&z);
  return r == Z_STREAM_END && !stray ? Z_OK : Z_DATA_ERROR;
}

/* Build a payload by hand from FORMAT.md and compress it: checks the spec and
** the decoder agree, and lets damaged payloads get past zlib's checksum. */
static size_t spec_payload_v(uint8_t *p, int version, const uint8_t *kinds, size_t n,
                             const uint8_t *cols[5], const size_t clen[5]) {
  uint8_t *q = p;
  *q++ = 0x68;
  *q++ = (uint8_t)version;
  q += trc_varint_put(q, n);
  for (int i = 0; i < 5; i++) q += trc_varint_put(q, clen[i]);
  memcpy(q, kinds, n);
  q += n;
  for (int i = 0; i < 5; i++) { memcpy(q, cols[i], clen[i]); q += clen[i]; }
  return (size_t)(q - p);
}

/* A version 1 payload: every version-2 reader still reads them. */
static size_t spec_payload(uint8_t *p, const uint8_t *kinds, size_t n, const uint8_t *cols[5],
                           const size_t clen[5]) {
  return spec_payload_v(p, 1, kinds, n, cols, clen);
}

static int decode_payload(trc_codec *c, const uint8_t *raw, size_t rawlen, size_t n,
                          const trc_event **out) {
  uint8_t z[4096];
  uLongf zlen = sizeof z;
  if (compress2(z, &zlen, raw, rawlen, 6) != Z_OK) return -1;
  return trc_codec_decode_as(c, TRC_CHUNK_ZLIB, z, zlen, 1, n, out);
}

/* decode_payload for payloads too big for its buffer. */
static int decode_payload_big(trc_codec *c, const uint8_t *raw, size_t rawlen, size_t n,
                              const trc_event **out) {
  uLongf zlen = compressBound((uLong)rawlen);
  uint8_t *z = malloc(zlen);
  if (!z || compress2(z, &zlen, raw, rawlen, 6) != Z_OK) {
    free(z);
    return -1;
  }
  int rc = trc_codec_decode_as(c, TRC_CHUNK_ZLIB, z, zlen, 1, n, out);
  free(z);
  return rc;
}

/* The payload the codec writes for n decoded events (copied first: decode's
** buffer is the codec's), inflated into back; 0 when that fails. */
static size_t reencode(trc_codec *c, const trc_event *out, size_t n, uint8_t *back, size_t cap) {
  trc_event ev[8];
  if (n > 8) return 0;
  memcpy(ev, out, n * sizeof *ev);
  const uint8_t *blob;
  size_t len;
  uLongf backlen = (uLongf)cap;
  if (trc_codec_encode(c, ev, n, 1, &blob, &len) != HR_OK ||
      unblob(back, &backlen, blob, len) != Z_OK)
    return 0;
  return (size_t)backlen;
}

/* FORMAT.md's version 2: an alloc's address is coded against the last alloc
** of the same size in the chunk, else against the last alloc. Three allocs:
** (1, type 2, 32 bytes, 0x1000), (2, type 3, 64 bytes, 0x5000),
** (3, type 2, 32 bytes, 0x1020). */
static void test_spec_address_prediction(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  const uint8_t kinds[3] = {TRC_EV_ALLOC, TRC_EV_ALLOC, TRC_EV_ALLOC};
  const uint8_t steps[3] = {0, 0, 0};
  const uint8_t colA[3] = {2, 2, 2};                 /* 1, +1, +1 */
  const uint8_t colB[3] = {4, 2, 1};                 /* 2, +1, -1 */
  const uint8_t colC[3] = {64, 64, 63};              /* 32, +32, -32 */
  /* 0x1000 - 0 (no size known), 0x5000 - 0x1000 (64 not known: the last
  ** alloc), 0x1020 - 0x1000 (the last 32-byte alloc): zigzag 0x2000,
  ** 0x8000, 0x40 */
  const uint8_t colD[6] = {0x80, 0x40, 0x80, 0x80, 0x02, 0x40};
  const uint8_t *cols[5] = {steps, colA, colB, colC, colD};
  size_t clen[5] = {3, 3, 3, 3, 6};
  uint8_t raw[256];
  size_t rawlen = spec_payload_v(raw, 2, kinds, 3, cols, clen);
  const trc_event *out;
  REQUIRE(decode_payload(c, raw, rawlen, 3, &out) == HR_OK);
  CHECK(out[0].f[0] == 1 && out[0].f[1] == 2 && out[0].f[2] == 32 && out[0].f[3] == 0x1000);
  CHECK(out[1].f[0] == 2 && out[1].f[1] == 3 && out[1].f[2] == 64 && out[1].f[3] == 0x5000);
  CHECK(out[2].f[0] == 3 && out[2].f[1] == 2 && out[2].f[2] == 32 && out[2].f[3] == 0x1020);
  /* The encoder writes this as version 4: the same columns, but the step
  ** differences (0) ride in the kind bytes and the step column is empty. */
  uint8_t back[256], v4[256];
  const uint8_t *cols4[5] = {steps, colA, colB, colC, colD};
  size_t clen4[5] = {0, 3, 3, 3, 6};
  size_t v4len = spec_payload_v(v4, 4, kinds, 3, cols4, clen4);
  /* (version 5 since: the same bytes, no incref or decref among them) */
  v4[1] = 5;
  CHECK(reencode(c, out, 3, back, sizeof back) == v4len && memcmp(back, v4, v4len) == 0);
  v4[1] = 4;
  REQUIRE(decode_payload(c, v4, v4len, 3, &out) == HR_OK);
  CHECK(out[2].f[0] == 3 && out[2].f[2] == 32 && out[2].f[3] == 0x1020 && out[2].step == 0);
  /* The same bytes as version 1 mean plain differences: the third address
  ** is then 0x5000 + 0x20. */
  raw[1] = 1;
  REQUIRE(decode_payload(c, raw, rawlen, 3, &out) == HR_OK);
  CHECK(out[2].f[3] == 0x5020);

  /* A loop making an int and a str each turn (the int freed at once and its
  ** block reused, the strs filling a pool): addresses nearly free. */
  enum { N = 16384 };
  static trc_event loop[N];
  for (int i = 0; i < N; i++) {
    int str = i & 1;
    loop[i] = (trc_event){.kind = TRC_EV_ALLOC, .step = (uint64_t)i / 2,
                          .f = {(uint64_t)i + 1, str ? 7u : 3u, str ? 56u : 32u,
                                str ? 0x7f0000100000ull + (uint64_t)(i / 2) * 64
                                    : 0x7f0000200000ull + (uint64_t)(i / 2 % 2) * 32}};
  }
  const uint8_t *blob;
  size_t len;
  REQUIRE(trc_codec_encode(c, loop, N, 6, &blob, &len) == HR_OK);
  printf("     alternating int/str allocs: %zu bytes for %d events\n", len, N);
  CHECK(len < N / 20);
  trc_codec_free(c);
}

/* Random damage to the payload of blob (n events) under a valid zlib stream:
** every decode is rejected or well formed. Returns how many were rejected. */
static long payload_damage(trc_codec *c, const uint8_t *blob, size_t len, size_t n, long tries,
                           uint64_t seed) {
  uint8_t good[8192], dmg[8200];
  uLongf goodlen = sizeof good;
  int ok = unblob(good, &goodlen, blob, len) == Z_OK;
  CHECK(ok);
  long rejected = 0;
  if (!ok) return 0;
  for (long i = 0; i < tries; i++) {
    memcpy(dmg, good, goodlen);
    size_t dl = goodlen;
    switch (rng_below(&seed, 3)) {
    case 0: dmg[rng_below(&seed, dl)] ^= (uint8_t)(1u << rng_below(&seed, 8)); break;
    case 1: dmg[rng_below(&seed, dl)] = (uint8_t)rng_next(&seed); break;
    default: dl = rng_below(&seed, dl); break;
    }
    const trc_event *out;
    int rc = decode_payload(c, dmg, dl, n, &out);
    CHECK(rc == HR_ECORRUPT || (rc == HR_OK && well_formed(out, n, 1)));
    rejected += rc == HR_ECORRUPT;
  }
  return rejected;
}

static void test_spec_payloads(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  /* Three events: step(frame 5, location 9, opcode 100) at step 3, then
  ** incref(object 70, count 2) at step 3, then step(5, 10, 90) at step 4. */
  const uint8_t kinds[3] = {TRC_EV_STEP, TRC_EV_INCREF, TRC_EV_STEP};
  const uint8_t steps[3] = {6, 0, 2};               /* zigzag +3, 0, +1 */
  const uint8_t colA[4] = {10, 0x8c, 0x01, 0};     /* 5; 70 (zigzag 140); +0 */
  const uint8_t colB[3] = {18, 4, 2};               /* 9; 2; +1 */
  const uint8_t colC2[3] = {0xc8, 0x01, 19};        /* 100 (zigzag 200); -10 */
  static const uint8_t none[1] = {0};
  const uint8_t *cols[5] = {steps, colA, colB, colC2, none};
  size_t clen[5] = {3, 4, 3, 3, 0};
  uint8_t raw[256];
  size_t rawlen = spec_payload(raw, kinds, 3, cols, clen);
  const trc_event *out;
  REQUIRE(decode_payload(c, raw, rawlen, 3, &out) == HR_OK);
  CHECK(out[0].kind == TRC_EV_STEP && out[0].step == 3 && out[0].f[0] == 5 && out[0].f[1] == 9 &&
        out[0].f[2] == 100 && out[0].f[3] == 0 && out[0].seq == 1);
  CHECK(out[1].kind == TRC_EV_INCREF && out[1].step == 3 && out[1].f[0] == 70 && out[1].f[1] == 2 &&
        out[1].f[2] == 0);
  CHECK(out[2].kind == TRC_EV_STEP && out[2].step == 4 && out[2].f[0] == 5 && out[2].f[1] == 10 &&
        out[2].f[2] == 90 && out[2].seq == 3);

  /* Version 2 reads them the same (no alloc among them). */
  uint8_t v2[256];
  memcpy(v2, raw, rawlen); v2[1] = 2;
  REQUIRE(decode_payload(c, v2, rawlen, 3, &out) == HR_OK);
  CHECK(out[1].kind == TRC_EV_INCREF && out[1].f[0] == 70 && out[2].f[2] == 90);

  /* The codec writes version 4: step differences 3, 0, 1 in the kind bytes'
  ** top bits (no step column), the incref's object a miss in the table of
  ** objects, tagged 0: 140 << 1 as a varint. */
  /* (Version 5 since: the same bytes, the incref's object being unknown.) */
  static const uint8_t want4[] = {0x68, 4, 3, 0, 4, 3, 3, 0,  0x61, 0x07, 0x21,
                                  10, 0x98, 0x02, 0,  18, 4, 2,  0xc8, 0x01, 19};
  uint8_t back[256];
  CHECK(reencode(c, out, 3, back, sizeof back) == sizeof want4 && back[1] == 5 &&
        memcmp(back + 2, want4 + 2, sizeof want4 - 2) == 0);
  REQUIRE(decode_payload(c, want4, sizeof want4, 3, &out) == HR_OK);
  CHECK(out[0].step == 3 && out[1].step == 3 && out[2].step == 4 && out[1].f[0] == 70);
  /* A difference under 7 in the step column, where the kind byte could
  ** have held it, is a second spelling: rejected. */
  static const uint8_t long4[] = {0x68, 4, 3, 1, 4, 3, 3, 0,  0x61, 0x07, 0xe1,  2,
                                  10, 0x98, 0x02, 0,  18, 4, 2,  0xc8, 0x01, 19};
  CHECK(decode_payload(c, long4, sizeof long4, 3, &out) == HR_ECORRUPT);
  uint8_t ok4[sizeof long4];
  memcpy(ok4, long4, sizeof long4); ok4[11] = 14;      /* +7: too big for the kind byte */
  CHECK(decode_payload(c, ok4, sizeof ok4, 3, &out) == HR_OK && out[2].step == 10);

  /* Damaged payloads under a valid zlib stream, each one rejected. */
  uint8_t bad[256];
  memcpy(bad, raw, rawlen); bad[0] = 0x69;
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, rawlen); bad[1] = 3;              /* read as a run of binds */
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, rawlen); bad[1] = 5;              /* no such version */
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, rawlen); bad[1] = 0;
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, rawlen); bad[2] = 4;              /* count 4 */
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  CHECK(decode_payload(c, raw, rawlen - 1, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, rawlen); bad[rawlen] = 0;         /* one byte too many */
  CHECK(decode_payload(c, bad, rawlen + 1, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, rawlen); bad[8] = TRC_EV_KIND_MAX + 1; /* first kind unknown */
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, rawlen); bad[8] = 0;
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  /* A kind with fewer fields leaves the field columns with bytes over. */
  memcpy(bad, raw, rawlen); bad[8] = TRC_EV_MARK;
  CHECK(decode_payload(c, bad, rawlen, 3, &out) == HR_ECORRUPT);
  /* Column lengths that still add up but split a value across columns. */
  uint8_t steps2[4] = {6, 0, 2, 0};
  const uint8_t *cols2[5] = {steps2, colA + 1, colB, colC2, none};
  size_t clen2[5] = {4, 3, 3, 3, 0};
  size_t l2 = spec_payload(bad, kinds, 3, cols2, clen2);
  CHECK(decode_payload(c, bad, l2, 3, &out) == HR_ECORRUPT);
  /* A non-minimal varint in the step column. */
  uint8_t steps3[4] = {6, 0x80, 0x00, 2};
  const uint8_t *cols3[5] = {steps3, colA, colB, colC2, none};
  size_t clen3[5] = {4, 4, 3, 3, 0};
  l2 = spec_payload(bad, kinds, 3, cols3, clen3);
  CHECK(decode_payload(c, bad, l2, 3, &out) == HR_ECORRUPT);
  /* A column longer than ten bytes per event can ever be. */
  size_t clen4[5] = {31, 4, 3, 3, 0};
  uint8_t *q = bad;
  *q++ = 0x68; *q++ = 1; q += trc_varint_put(q, 3);
  for (int i = 0; i < 5; i++) q += trc_varint_put(q, clen4[i]);
  CHECK(decode_payload(c, bad, (size_t)(q - bad), 3, &out) == HR_ECORRUPT);

  /* Random byte damage to the payload under a valid zlib stream. */
  const uint8_t *blob;
  size_t len;
  trc_event rev[60];
  rand_events(5, rev, 60);
  REQUIRE(trc_codec_encode(c, rev, 60, 1, &blob, &len) == HR_OK);
  long tries = 3000, rejected = payload_damage(c, blob, len, 60, tries, 77);
  printf("     payload damage under a valid zlib stream: %ld of %ld rejected\n", rejected, tries);
  trc_codec_free(c);
}

/* FORMAT.md's payload version 4: incref(70, 2), decref(70, 1), incref(71, 3)
** at step 1; bind(7, local, 42, 100), bind(9, item, 0, 100) at step 2;
** bind(7, local, 42, 101), bind(9, item, 1, 101) at step 3. */
static const uint8_t v4_example[] = {
  0x68, 0x04, 0x07, 0x00, 0x08, 0x07, 0x04, 0x05,        /* header */
  0x27, 0x08, 0x07, 0x24, 0x04, 0x24, 0x04,              /* kinds, steps +1 +0 +0 +1 +0 +1 +0 */
  0x98, 0x02, 0x21, 0x04, 0x0e, 0x04, 0x03, 0x04,        /* A */
  0x04, 0x02, 0x02, 0x02, 0x06, 0x05, 0x06,              /* B */
  0x54, 0x00, 0x00, 0x02,                                /* C */
  0xc8, 0x01, 0x00, 0x02, 0x00};                         /* D */

/* The events both worked examples (versions 4 and 5) spell. */
static const trc_event spec_events[7] = {
  {0, 1, {70, 2, 0, 0}, TRC_EV_INCREF},
  {0, 1, {70, 1, 0, 0}, TRC_EV_DECREF},
  {0, 1, {71, 3, 0, 0}, TRC_EV_INCREF},
  {0, 2, {7, TRC_SLOT_LOCAL, 42, 100}, TRC_EV_BIND},
  {0, 2, {9, TRC_SLOT_ITEM, 0, 100}, TRC_EV_BIND},
  {0, 3, {7, TRC_SLOT_LOCAL, 42, 101}, TRC_EV_BIND},
  {0, 3, {9, TRC_SLOT_ITEM, 1, 101}, TRC_EV_BIND}};

/* FORMAT.md's version 5 example: the version 4 one, with the decref's
** count (1) coded against object 70's last count less one (0), not
** against the last decref's (0: +1). */
static const uint8_t v5_example[] = {
  0x68, 0x05, 0x07, 0x00, 0x08, 0x07, 0x04, 0x05,        /* header */
  0x27, 0x08, 0x07, 0x24, 0x04, 0x24, 0x04,              /* kinds, steps +1 +0 +0 +1 +0 +1 +0 */
  0x98, 0x02, 0x21, 0x04, 0x0e, 0x04, 0x03, 0x04,        /* A */
  0x04, 0x00, 0x02, 0x02, 0x06, 0x05, 0x06,              /* B */
  0x54, 0x00, 0x00, 0x02,                                /* C */
  0xc8, 0x01, 0x00, 0x02, 0x00};                         /* D */

/* A worked example decodes to spec_events, and the payload the encoder
** writes for them goes to back (*backlen bytes, 0 when it failed). */
static void spec_round_trip(trc_codec *c, const uint8_t *example, size_t rawlen, uint8_t *back,
                            uLongf *backlen) {
  const size_t n = 7;
  const trc_event *out;
  const uint8_t *blob;
  size_t len;
  REQUIRE(decode_payload(c, example, rawlen, n, &out) == HR_OK);
  CHECK(same_events(spec_events, out, n, 1));
  REQUIRE(trc_codec_encode(c, spec_events, n, 1, &blob, &len) == HR_OK);
  if (unblob(back, backlen, blob, len) != Z_OK) *backlen = 0;
}

static void test_spec_v5(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  const size_t n = 7, rawlen = sizeof v5_example;
  const trc_event *out;
  const uint8_t *blob;
  size_t len;
  /* The encoder writes exactly these bytes. */
  uint8_t back[256];
  uLongf backlen = sizeof back;
  spec_round_trip(c, v5_example, rawlen, back, &backlen);
  CHECK(backlen == rawlen && memcmp(back, v5_example, rawlen) == 0);
  /* Read as version 4 the decref's 0 is no change from the last decref's 0. */
  uint8_t v4[sizeof v5_example];
  memcpy(v4, v5_example, rawlen);
  v4[1] = 4;
  REQUIRE(decode_payload(c, v4, rawlen, n, &out) == HR_OK);
  CHECK(out[1].f[1] == 0 && out[2].f[1] == 3);

  /* A loop's counts on a few objects: each hit is a 0 byte, whatever the
  ** counts of the objects between (None's thousands, a fresh object's 1). */
  enum { LOOP = 600 };
  static const struct { int incref; uint64_t count; } round[6] = {
    {1, 3}, {0, 2},          /* a list's count up and down */
    {1, 2}, {0, 1},          /* a fresh object's */
    {1, 4000}, {0, 3999}};   /* None's */
  trc_event ev[LOOP];
  for (int i = 0; i < LOOP; i++) {
    int r = i % 6;
    uint64_t obj = r < 2 ? 5 : r < 4 ? 1000 + (uint64_t)(i / 6) : 2;
    ev[i] = (trc_event){0, (uint64_t)i / 6, {obj, round[r].count, 0, 0},
                        round[r].incref ? TRC_EV_INCREF : TRC_EV_DECREF};
  }
  REQUIRE(trc_codec_encode(c, ev, LOOP, 1, &blob, &len) == HR_OK);
  uint8_t *raw = malloc(LOOP * 64);
  uLongf rl = LOOP * 64;
  REQUIRE(raw && unblob(raw, &rl, blob, len) == Z_OK);
  CHECK(decode_payload_big(c, raw, rl, LOOP, &out) == HR_OK && same_events(ev, out, LOOP, 1));
  /* Column B: the counts. Past the first round every one is a hit but the
  ** fresh objects' increfs. */
  const uint8_t *p = raw + 2;
  uint64_t v, cl[6];
  for (int i = 0; i < 6; i++) REQUIRE(trc_varint_get(&p, raw + rl, i ? &cl[i] : &v) == 0);
  const uint8_t *colb = p + LOOP + cl[1] + cl[2];
  size_t zeros = 0;
  for (uint64_t i = 0; i < cl[3]; i++) zeros += colb[i] == 0;
  /* 500 hits less those lost to a fresh object taking the list's or
  ** None's slot; version 4 had none (each count against another object's). */
  CHECK(zeros >= LOOP * 3 / 5);
  printf("     version 5 counts: %zu of %d a 0 byte\n", zeros, LOOP);
  free(raw);
  trc_codec_free(c);
}

static void test_spec_v4(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  const size_t n = 7, rawlen = sizeof v4_example;
  const trc_event *out;
  const uint8_t *blob;
  size_t len;
  /* The encoder wrote exactly these bytes (version 5 since: the example's
  ** own bytes there, but its decref count). */
  uint8_t back[256];
  uLongf backlen = sizeof back;
  spec_round_trip(c, v4_example, rawlen, back, &backlen);
  CHECK(backlen == rawlen && memcmp(back, v5_example, rawlen) == 0 &&
        memcmp(back + 2, v4_example + 2, 22) == 0);
  /* As version 2 the same bytes are damage: 0x27 is no kind. */
  uint8_t bad[256];
  memcpy(bad, v4_example, rawlen); bad[1] = 2;
  CHECK(decode_payload(c, bad, rawlen, n, &out) == HR_ECORRUPT);

  /* An object in the table but one past the last of its kind is coded as
  ** the difference, which repeats round a loop of fresh objects where its
  ** slot would not: decref(50), incref(51), decref(51) have column A
  ** c8 01 | cc 01 | 04 (100 and 102 tagged 0, then +1 tagged 0). */
  const trc_event fresh[3] = {{0, 1, {50, 1, 0, 0}, TRC_EV_DECREF},
                              {0, 1, {51, 2, 0, 0}, TRC_EV_INCREF},
                              {0, 1, {51, 1, 0, 0}, TRC_EV_DECREF}};
  static const uint8_t fresh_a[5] = {0xc8, 0x01, 0xcc, 0x01, 0x04};
  backlen = sizeof back;
  REQUIRE(trc_codec_encode(c, fresh, 3, 1, &blob, &len) == HR_OK);
  CHECK(unblob(back, &backlen, blob, len) == Z_OK && backlen == 19 && back[4] == 5 &&
        memcmp(back + 11, fresh_a, 5) == 0);
  CHECK(decode_payload(c, back, backlen, 3, &out) == HR_OK && same_events(fresh, out, 3, 1));
  /* The same object as a hit decodes alike: the encoder may write either. */
  back[15] = (uint8_t)(2 * ((51 * 0x9E3779B97F4A7C15ull) >> 58) + 1);
  CHECK(decode_payload(c, back, backlen, 3, &out) == HR_OK && same_events(fresh, out, 3, 1));

  /* Damage the tagged object column: a slot past the table (tag 1, 64),
  ** a tagged varint with a zero last byte, and one running past 65 bits. */
  memcpy(bad, v4_example, rawlen); bad[17] = 0x81;            /* 64 << 1 | 1, then the 0x04 */
  CHECK(decode_payload(c, bad, rawlen, n, &out) == HR_ECORRUPT);
  memcpy(bad, v4_example, rawlen); bad[17] = 0xa1; bad[18] = 0x00;  /* 0x21 with an empty rest */
  CHECK(decode_payload(c, bad, rawlen, n, &out) == HR_ECORRUPT);
  static const uint8_t over[10] = {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x04};
  uint8_t *q = bad;
  *q++ = 0x68; *q++ = 4; *q++ = 1;                 /* one event: free */
  *q++ = 0; *q++ = sizeof over; *q++ = 1; *q++ = 0; *q++ = 0;
  *q++ = TRC_EV_FREE;                              /* kind, at step 0 */
  uint8_t *a = q;
  memcpy(q, over, sizeof over);
  q += sizeof over;
  *q++ = 0;                                        /* B: flags */
  size_t olen = (size_t)(q - bad);
  CHECK(decode_payload(c, bad, olen, 1, &out) == HR_ECORRUPT);
  a[9] = 0x03;                                     /* the largest: x = 2^64 - 1, a miss */
  CHECK(decode_payload(c, bad, olen, 1, &out) == HR_OK &&
        out[0].f[0] == (uint64_t)trc_unzigzag(UINT64_MAX));
  a[0] = 0xff;                                     /* the same as a hit: no such slot */
  CHECK(decode_payload(c, bad, olen, 1, &out) == HR_ECORRUPT);

  /* Objects from anywhere in 64 bits, in and out of the table, round trip. */
  enum { N = 4000 };
  trc_event *ev = malloc(N * sizeof *ev);
  REQUIRE(ev);
  uint64_t sd = 4, pool[8];
  for (int i = 0; i < 8; i++) pool[i] = rng_next(&sd) >> rng_below(&sd, 64);
  for (int round = 0; round < 30; round++) {
    size_t m = 1 + rng_below(&sd, N);
    for (size_t i = 0; i < m; i++) {
      static const uint8_t kinds[6] = {TRC_EV_INCREF, TRC_EV_DECREF, TRC_EV_FREE,
                                       TRC_EV_BIND, TRC_EV_UNBIND, TRC_EV_ALLOC};
      uint64_t obj = rng_below(&sd, 3) ? pool[rng_below(&sd, 8)] : rand_field(&sd, pool[0]);
      ev[i] = (trc_event){.step = i / 3, .kind = kinds[rng_below(&sd, 6)],
                          .f = {obj, rng_below(&sd, 20), rand_field(&sd, i), rng_next(&sd)}};
    }
    REQUIRE(trc_codec_encode(c, ev, m, 1, &blob, &len) == HR_OK);
    CHECK(trc_codec_decode(c, blob, len, 1, m, &out) == HR_OK && same_events(ev, out, m, 1));
  }
  /* Random damage to a version 4 payload under a valid zlib stream. */
  REQUIRE(trc_codec_encode(c, ev, 200, 1, &blob, &len) == HR_OK);
  long tries = 3000, rejected = payload_damage(c, blob, len, 200, tries, 91);
  printf("     version 4 payload damage: %ld of %ld rejected\n", rejected, tries);
  free(ev);
  trc_codec_free(c);
}

/* FORMAT.md's payload version 3: binds of holder 7's items 10, 11, 12 to
** objects 100, 101, 99 at step 5 are `68 03 03 05 07 04 0a | c8 01 02 03`. */
static void test_spec_binds(void) {
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  const uint8_t raw[] = {0x68, 3, 3, 5, 7, TRC_SLOT_ITEM, 10, 0xc8, 0x01, 2, 3};
  const trc_event *out;
  REQUIRE(decode_payload(c, raw, sizeof raw, 3, &out) == HR_OK);
  const uint64_t ids[3] = {100, 101, 99};
  for (int i = 0; i < 3; i++)
    CHECK(out[i].kind == TRC_EV_BIND && out[i].seq == 1 + (uint64_t)i && out[i].step == 5 &&
          out[i].f[0] == 7 && out[i].f[1] == TRC_SLOT_ITEM && out[i].f[2] == 10 + (uint64_t)i &&
          out[i].f[3] == ids[i]);
  /* The codec writes exactly these bytes. */
  const uint8_t *blob;
  size_t len;
  REQUIRE(trc_codec_encode_binds(c, 5, 7, TRC_SLOT_ITEM, 10, ids, 3, 1, &blob, &len) == HR_OK);
  uint8_t back[64];
  uLongf backlen = sizeof back;
  CHECK(unblob(back, &backlen, blob, len) == Z_OK && backlen == sizeof raw &&
        memcmp(back, raw, sizeof raw) == 0);

  /* Damaged ones, each rejected. */
  uint8_t bad[64];
  CHECK(decode_payload(c, raw, sizeof raw, 2, &out) == HR_ECORRUPT);       /* the row says 2 */
  CHECK(decode_payload(c, raw, sizeof raw, 4, &out) == HR_ECORRUPT);       /* the row says 4 */
  CHECK(decode_payload(c, raw, sizeof raw - 1, 3, &out) == HR_ECORRUPT);   /* an id short */
  CHECK(decode_payload(c, raw, 6, 3, &out) == HR_ECORRUPT);                /* in the header */
  memcpy(bad, raw, sizeof raw); bad[sizeof raw] = 0;                        /* a byte over */
  CHECK(decode_payload(c, bad, sizeof raw + 1, 3, &out) == HR_ECORRUPT);
  memcpy(bad, raw, sizeof raw); bad[9] = 0x82; bad[10] = 0x00;            /* non-minimal */
  CHECK(decode_payload(c, bad, sizeof raw, 2, &out) == HR_ECORRUPT);
  /* Slots up to 2^64 - 1, and none past it. */
  for (uint8_t n = 2; n <= 3; n++) {
    uint8_t *q = bad;
    *q++ = 0x68; *q++ = 3; *q++ = n; *q++ = 5; *q++ = 7; *q++ = TRC_SLOT_ITEM;
    q += trc_varint_put(q, UINT64_MAX - 1);
    for (uint8_t i = 0; i < n; i++) *q++ = 2;
    int rc = decode_payload(c, bad, (size_t)(q - bad), n, &out);
    CHECK(n == 2 ? rc == HR_OK && out[1].f[2] == UINT64_MAX : rc == HR_ECORRUPT);
  }
  CHECK(trc_codec_encode_binds(c, 5, 7, TRC_SLOT_ITEM, UINT64_MAX - 1, ids, 3, 1, &blob, &len) ==
        HR_EUSAGE);
  CHECK(trc_codec_encode_binds(c, 5, 7, TRC_SLOT_ITEM, 0, ids, 0, 1, &blob, &len) == HR_EUSAGE);

  /* Random runs round trip, ids jumping anywhere in 64 bits; and a run and
  ** the same binds through trc_codec_encode decode to the same events. */
  uint64_t sd = 99;
  enum { N = 5000 };
  uint64_t *rid = malloc(N * sizeof *rid);
  trc_event *ev = malloc(N * sizeof *ev), *copy = malloc(N * sizeof *copy);
  REQUIRE(rid && ev && copy);
  for (int round = 0; round < 20; round++) {
    size_t n = 1 + rng_below(&sd, N);
    uint64_t holder = rng_next(&sd), first = rng_below(&sd, 1000), step = rng_next(&sd) >> 1;
    for (size_t i = 0; i < n; i++) {
      rid[i] = rng_below(&sd, 4) == 0 ? rng_next(&sd) : (i ? rid[i - 1] : 0) + rng_below(&sd, 3);
      ev[i] = (trc_event){.step = step, .kind = TRC_EV_BIND,
                          .f = {holder, TRC_SLOT_ITEM, first + i, rid[i]}};
    }
    REQUIRE(trc_codec_encode_binds(c, step, holder, TRC_SLOT_ITEM, first, rid, n, 1, &blob,
                                   &len) == HR_OK);
    uint8_t *b3 = malloc(len);
    REQUIRE(b3);
    memcpy(b3, blob, len);
    size_t len3 = len;
    REQUIRE(trc_codec_encode(c, ev, n, 1, &blob, &len) == HR_OK);
    CHECK(len3 < len);                       /* smaller than the columns */
    REQUIRE(trc_codec_decode(c, blob, len, 40, n, &out) == HR_OK);
    memcpy(copy, out, n * sizeof *copy);
    REQUIRE(trc_codec_decode(c, b3, len3, 40, n, &out) == HR_OK);
    CHECK(same_events(copy, out, n, 40) && same_events(ev, out, n, 40));
    free(b3);
  }
  /* Random damage to a run's payload under a valid zlib stream. */
  for (size_t i = 0; i < 60; i++) rid[i] = 1000 + i * 3;
  REQUIRE(trc_codec_encode_binds(c, 9, 4, TRC_SLOT_ITEM, 0, rid, 60, 1, &blob, &len) == HR_OK);
  long tries = 2000, rejected = payload_damage(c, blob, len, 60, tries, sd);
  printf("     run-of-binds payload damage: %ld of %ld rejected\n", rejected, tries);
  free(rid);
  free(ev);
  free(copy);
  trc_codec_free(c);
}

/* An interpreter running a small loop: four instructions in one frame, a few
** objects' counts going up and down by one, a local rebound to a new int each
** time round and the old one freed. */
static size_t loop_events(trc_event *ev, size_t n) {
  static const uint64_t opcodes[4] = {124, 100, 122, 125};
  const uint64_t frame = 7, loc0 = 20, name_x = 42, int_type = 3, obj_i = 500, one = 501;
  uint64_t step = 0, next_obj = 1000, x_obj = 0, rc_i = 3, rc_one = 50, fresh = 0;
  size_t k = 0;
#define EMIT(K, A, B, C, D) do { if (k == n) return k; \
    ev[k] = (trc_event){0, step, {(A), (B), (C), (D)}, (K)}; k++; } while (0)
  for (;;) {
    for (int s = 0; s < 4; s++) {
      step++;
      EMIT(TRC_EV_STEP, frame, loc0 + (uint64_t)s, opcodes[s], 0);
      if (s == 0) EMIT(TRC_EV_INCREF, obj_i, ++rc_i, 0, 0);
      if (s == 1) EMIT(TRC_EV_INCREF, one, ++rc_one, 0, 0);
      if (s == 2) {
        fresh = next_obj++;
        EMIT(TRC_EV_ALLOC, fresh, int_type, 28, 0x7f3a10000000ull + 32 * (fresh & 1));
        EMIT(TRC_EV_DECREF, obj_i, --rc_i, 0, 0);
        EMIT(TRC_EV_DECREF, one, --rc_one, 0, 0);
      }
      if (s == 3) {
        if (x_obj) EMIT(TRC_EV_UNBIND, frame, TRC_SLOT_LOCAL, name_x, x_obj);
        EMIT(TRC_EV_BIND, frame, TRC_SLOT_LOCAL, name_x, fresh);
        if (x_obj) EMIT(TRC_EV_FREE, x_obj, 0, 0, 0);
        x_obj = fresh;
      }
    }
  }
#undef EMIT
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_loop_compression(void) {
  const size_t total = 1000000, chunk = 65536;
  trc_event *ev = malloc(total * sizeof *ev);
  REQUIRE(ev);
  CHECK(loop_events(ev, total) == total);
  trc_codec *enc = trc_codec_new(), *dec = trc_codec_new();
  REQUIRE(enc && dec);
  size_t bytes = 0;
  double enc_s = 0, dec_s = 0;
  int ok = 1;
  for (size_t at = 0; at < total; at += chunk) {
    size_t n = total - at < chunk ? total - at : chunk;
    const uint8_t *blob;
    size_t len;
    double t0 = now_s();
    int rc = trc_codec_encode(enc, ev + at, n, 1, &blob, &len);
    double t1 = now_s();
    const trc_event *out;
    if (rc == HR_OK) rc = trc_codec_decode(dec, blob, len, 1 + at, n, &out);
    dec_s += now_s() - t1;
    enc_s += t1 - t0;
    if (rc != HR_OK || !same_events(ev + at, out, n, 1 + at)) ok = 0;
    bytes += len;
  }
  CHECK(ok);
  double per = (double)bytes / (double)total;
  printf("     loop: %.3f bytes/event, encode %.1f M events/s, decode %.1f M events/s\n", per,
         total / enc_s / 1e6, total / dec_s / 1e6);
  CHECK(per < 2.0);
  free(ev);
  trc_codec_free(enc);
  trc_codec_free(dec);
}

/* encode_mixed's hook: counts the entries it sees, stops at kind 73 and
** fails at kind 66. */
typedef struct mixed_seen {
  size_t n;
  uint64_t last_a;
} mixed_seen;

static int mixed_other(void *arg, const trc_event *e) {
  mixed_seen *m = arg;
  if (e->kind == 73) return -1;
  m->n++;
  m->last_a = e->f[0];
  return e->kind == 66 ? HR_ESQL : 0;
}

/* A block of the writer's ring: other entries go to the hook in the same
** pass, the events make one chunk that decodes to them alone, and the span
** says which events those were; a stop ends the chunk before it. */
static void test_encode_mixed(void) {
  enum { N = 3000 };
  trc_event ev[N], ent[N + 40], only[N];
  rand_events(31, ev, N);
  size_t m = 0, others = 0;
  uint64_t seq = 100, lo = UINT64_MAX, hi = 0;
  for (size_t i = 0; i < N; i++) {
    if (i % 97 == 5) {      /* another entry between the events */
      ent[m++] = (trc_event){.kind = 64, .f = {i}};
      others++;
    }
    ev[i].seq = seq++;
    ent[m++] = ev[i];
    lo = ev[i].step < lo ? ev[i].step : lo;
    hi = ev[i].step > hi ? ev[i].step : hi;
  }
  trc_codec *c = trc_codec_new();
  REQUIRE(c);
  mixed_seen seen = {0, 0};
  trc_codec_span sp;
  const uint8_t *blob;
  size_t len;
  REQUIRE(trc_codec_encode_mixed(c, ent, m, 1, mixed_other, &seen, &sp, &blob, &len) == HR_OK);
  CHECK(seen.n == others && sp.used == m && sp.events == N);
  CHECK(sp.first_seq == 100 && sp.last_seq == 100 + N - 1 && sp.lo_step == lo && sp.hi_step == hi);
  size_t marks = 0;
  for (size_t i = 0; i < N; i++) marks += ev[i].kind == TRC_EV_MARK;
  CHECK(sp.marks == marks);
  const trc_event *out;
  CHECK(trc_codec_decode(c, blob, len, 1, N, &out) == HR_OK && same_events(ev, out, N, 1));
  /* A stop: the events before it, and used is the stop's index. */
  ent[1000].kind = 73;
  size_t before = 0;
  for (size_t i = 0; i < 1000; i++) before += ent[i].kind < 64;
  memset(&seen, 0, sizeof seen);
  REQUIRE(trc_codec_encode_mixed(c, ent, m, 1, mixed_other, &seen, &sp, &blob, &len) == HR_OK);
  CHECK(sp.used == 1000 && sp.events == before);
  size_t k = 0;
  for (size_t i = 0; i < 1000; i++)
    if (ent[i].kind < 64) only[k++] = ent[i];
  CHECK(trc_codec_decode(c, blob, len, 1, before, &out) == HR_OK && same_events(only, out, before, 1));
  /* The step range, whether steps go down or not. */
  trc_event few[4] = {{.kind = 64}, {.seq = 7, .step = 5, .kind = TRC_EV_MARK},
                      {.seq = 8, .step = 3, .kind = TRC_EV_STEP}, {.seq = 9, .step = 9, .kind = TRC_EV_STEP}};
  REQUIRE(trc_codec_encode_mixed(c, few, 4, 1, mixed_other, &seen, &sp, &blob, &len) == HR_OK);
  CHECK(sp.events == 3 && sp.lo_step == 3 && sp.hi_step == 9 && sp.first_seq == 7 &&
        sp.last_seq == 9 && sp.marks == 1);
  few[1].step = 2;
  few[2].step = 2;
  few[3].kind = 65;
  REQUIRE(trc_codec_encode_mixed(c, few, 4, 1, mixed_other, &seen, &sp, &blob, &len) == HR_OK);
  CHECK(sp.events == 2 && sp.lo_step == 2 && sp.hi_step == 2 && sp.first_seq == 7 &&
        sp.last_seq == 8);
  few[2].step = 1ull << 63;       /* a jump up that is no step down */
  REQUIRE(trc_codec_encode_mixed(c, few, 4, 1, mixed_other, &seen, &sp, &blob, &len) == HR_OK);
  CHECK(sp.lo_step == 2 && sp.hi_step == 1ull << 63);
  /* Nothing but other entries: no chunk. */
  memset(&seen, 0, sizeof seen);
  trc_event dims[3] = {{.kind = 64}, {.kind = 65}, {.kind = 73}};
  CHECK(trc_codec_encode_mixed(c, dims, 3, 1, mixed_other, &seen, &sp, &blob, &len) == HR_OK &&
        sp.used == 2 && sp.events == 0 && seen.n == 2);
  /* The hook's failure is the encoder's, with the entries it saw counted. */
  ent[1000].kind = 66;
  memset(&seen, 0, sizeof seen);
  CHECK(trc_codec_encode_mixed(c, ent, m, 1, mixed_other, &seen, &sp, &blob, &len) == HR_ESQL);
  CHECK(sp.used == 1001 && seen.last_a == ent[1000].f[0]);
  CHECK(trc_codec_encode_mixed(c, ent, m, 1, NULL, NULL, &sp, &blob, &len) == HR_EUSAGE);
  /* trc_codec_encode still refuses what is no event. */
  CHECK(trc_codec_encode(c, ent, m, 1, &blob, &len) == HR_EUSAGE);
  trc_codec_free(c);
}

/* Only some kinds: a chunk without any of them is not decoded (ev NULL), one
** with them is decoded whole, and a kind out of range is still corrupt. */
static void test_only_kinds(void) {
  trc_codec *c = trc_codec_new();
  trc_event ev[64];
  memset(ev, 0, sizeof ev);
  for (int i = 0; i < 64; i++) {
    ev[i].kind = i % 2 ? TRC_EV_ALLOC : TRC_EV_STEP;
    ev[i].step = (uint64_t)i / 2 + 1;
    ev[i].f[0] = (uint64_t)i + 1;
  }
  const uint8_t *blob;
  size_t len;
  const trc_event *out = NULL;
  uint32_t frames = 1u << TRC_EV_CALL | 1u << TRC_EV_RETURN;
  CHECK(trc_codec_encode(c, ev, 64, 1, &blob, &len) == HR_OK);
  uint8_t *none = malloc(len);
  size_t none_len = len;
  memcpy(none, blob, len);
  trc_codec_only_kinds(c, frames);
  CHECK(trc_codec_decode(c, none, none_len, 1, 64, &out) == HR_OK && out == NULL);
  ev[40].kind = TRC_EV_CALL;
  CHECK(trc_codec_encode(c, ev, 64, 1, &blob, &len) == HR_OK);
  CHECK(trc_codec_decode(c, blob, len, 1, 64, &out) == HR_OK && out && same_events(ev, out, 64, 1));
  /* The binds payload holds binds only. */
  uint64_t ids[3] = {7, 8, 9};
  CHECK(trc_codec_encode_binds(c, 5, 1, TRC_SLOT_ITEM, 0, ids, 3, 1, &blob, &len) == HR_OK);
  CHECK(trc_codec_decode(c, blob, len, 1, 3, &out) == HR_OK && out == NULL);
  trc_codec_only_kinds(c, 1u << TRC_EV_BIND);
  CHECK(trc_codec_decode(c, blob, len, 1, 3, &out) == HR_OK && out && out[2].f[3] == 9);
  /* An unknown kind in a chunk passed over is corrupt all the same. */
  ev[40].kind = TRC_EV_STEP;
  ev[10].kind = TRC_EV_KIND_MAX;   /* a valid kind, then made invalid in the payload */
  CHECK(trc_codec_encode(c, ev, 64, 0, &blob, &len) == HR_OK);
  uint8_t *bad = malloc(len);
  memcpy(bad, blob, len);
  size_t raw_at = 0;   /* level 0: a stored block, the payload in clear */
  for (size_t i = 0; i + 1 < len; i++)
    if (bad[i] == 0x68 && bad[i + 1] == 5) { raw_at = i; break; }
  CHECK(raw_at > 0);
  /* kinds start after magic, version, count (1 byte) and 5 column lengths;
  ** a kind byte's top three bits are its step difference (version 4) */
  size_t kinds_at = raw_at + 3, k = 0;
  while (k < 5) k += (bad[kinds_at++] & 0x80) == 0;
  CHECK((bad[kinds_at + 10] & 31) == TRC_EV_KIND_MAX);
  bad[kinds_at + 10] = (uint8_t)((bad[kinds_at + 10] & ~31u) | (TRC_EV_KIND_MAX + 1));
  /* The CRC-32 after the deflate stream must follow the change. */
  uLong crc = crc32(0L, bad, (uInt)(len - 4));
  for (int i = 0; i < 4; i++) bad[len - 4 + i] = (uint8_t)(crc >> (8 * i));
  trc_codec_only_kinds(c, frames);
  CHECK(trc_codec_decode(c, bad, len, 1, 64, &out) == HR_ECORRUPT);
  CHECK(strstr(trc_codec_errmsg(c), "unknown kind") != NULL);
  trc_codec_only_kinds(c, 0);
  CHECK(trc_codec_decode(c, none, none_len, 1, 64, &out) == HR_OK && out != NULL);
  free(bad);
  free(none);
  trc_codec_free(c);
}

/* One encode + decode cycle; returns the first status that was not HR_OK. */
static int oom_cycle(int *made_codec) {
  trc_event ev[200];
  rand_events(11, ev, 200);
  trc_codec *c = trc_codec_new();
  *made_codec = c != NULL;
  if (!c) return HR_ENOMEM;
  const uint8_t *blob;
  size_t len;
  int rc = trc_codec_encode(c, ev, 200, 1, &blob, &len);
  uint8_t *copy = NULL;
  const trc_event *out;
  if (rc == HR_OK) {
    copy = malloc(len);
    memcpy(copy, blob, len);
    rc = trc_codec_decode(c, copy, len, 1, 200, &out);
    if (rc == HR_OK && !same_events(ev, out, 200, 1)) rc = -1;
  }
  /* Whatever failed, the codec still works once memory is back. */
  hr_mem_fail_at(0, 0);
  if (rc != HR_OK && rc != -1) {
    int again = trc_codec_encode(c, ev, 200, 1, &blob, &len);
    if (again == HR_OK) {
      free(copy);
      copy = malloc(len);
      memcpy(copy, blob, len);
      again = trc_codec_decode(c, copy, len, 1, 200, &out);
    }
    if (again != HR_OK || !same_events(ev, out, 200, 1)) rc = -2;
  }
  free(copy);
  trc_codec_free(c);
  return rc;
}

static int oom_cycle_body(void *unused) {
  (void)unused;
  int made;
  return oom_cycle(&made);
}

static void test_out_of_memory(void) {
  int made = 1;
  hr_mem_fail_at(1, 0);
  (void)oom_cycle(&made);
  hr_mem_fail_at(0, 0);
  CHECK(!made); /* the codec itself is the first allocation */
  CHECK(hr_test_oom("codec", 500, 0, oom_cycle_body, NULL) > 0);
  CHECK(hr_test_oom("codec, sticky", 500, 1, oom_cycle_body, NULL) > 0);
}

HR_TEST_MAIN(test_varint_edges, test_spec_v4, test_spec_v5, test_chunk_encodings, test_round_trip_seeds, test_chunk_bounds, test_wrong_count,
             test_truncation, test_bit_flips, test_garbage, test_spec_payloads,
             test_spec_address_prediction, test_spec_binds,
             test_loop_compression, test_only_kinds, test_encode_mixed, test_out_of_memory)
