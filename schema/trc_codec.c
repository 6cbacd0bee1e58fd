/* trc_codec.c — columnar delta/varint chunk encoding under one zlib stream. */
#include "trc_codec.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "hr_mem.h"
#include "hr_status.h"

/* Payload header: magic, payload version, count, then the byte lengths of the
** step column and field columns A..D (the kind column is `count` bytes). The
** lengths let the decoder prove every column ends exactly where the next one
** begins, which catches damage zlib's checksum cannot see (a bad encoder). */
#define PAYLOAD_MAGIC 0x68      /* 'h' */
#define PAYLOAD_VERSION 5      /* written; 1, 2 and 4 are still read */
#define PAYLOAD_BINDS 3        /* a run of binds to consecutive slots of one holder */
#define VARINT_MAX 10
#define HEADER_MAX (2 + 6 * VARINT_MAX)
/* Worst case per event: a kind byte, a step varint and four field varints. */
#define EVENT_MAX_BYTES (1 + 5 * VARINT_MAX)

enum { COL_KIND, COL_STEP, COL_A, COL_B, COL_C, COL_D, NCOLS };

static const char *const col_names[NCOLS] = {
  "kind", "step", "field a", "field b", "field c", "field d"};

static const uint8_t nfields[TRC_EV_KIND_MAX + 1] = TRC_KIND_NFIELDS_INIT;

/* Payload version 2 predicts an alloc event's address (field d) from the
** last alloc of the same size in the chunk: allocators hand out blocks of
** one size class from one pool, in order, and reuse the block freed last,
** so that address is close, where the previous alloc of any size is far
** (an int and a str alternating in a loop). A small direct-mapped table
** keyed by size; a size it does not hold predicts from the previous alloc,
** as version 1 does for every field. */
#define ADDR_SLOTS 64
typedef struct addr_pred {
  uint64_t size[ADDR_SLOTS], addr[ADDR_SLOTS];
  uint8_t used[ADDR_SLOTS];
} addr_pred;

static inline unsigned addr_slot(uint64_t size) {
  return (unsigned)((size * 0x9E3779B97F4A7C15ull) >> 58);
}

/* The value an alloc's address is coded against; prev is the last alloc's. */
static inline uint64_t addr_guess(const addr_pred *t, uint64_t size, uint64_t prev) {
  unsigned s = addr_slot(size);
  return t->used[s] && t->size[s] == size ? t->addr[s] : prev;
}

static inline void addr_learn(addr_pred *t, uint64_t size, uint64_t addr) {
  unsigned s = addr_slot(size);
  t->used[s] = 1;
  t->size[s] = size;
  t->addr[s] = addr;
}

/* Payload version 4 codes two fields against better guesses than the last
** value of the kind (schema/FORMAT.md). Field a of incref, decref and free
** (the object) looks in a table of 64 recent objects first: an
** instruction's counts go up and down on a few objects (a list, a method,
** None) between the fresh ones it makes, and a difference from whichever
** came last is a new number every time round a loop, where a hit is the
** same byte. A miss is coded as before and enters the table. Field c of
** bind and unbind (the slot argument) is coded against the last one of the
** same kind with the same slot kind (field b), so a list's growing index
** and a local's name no longer take turns. */
#define OBJ_SLOTS 64
#define STEP_IN_KIND 7         /* step differences 0..6 ride in the kind byte's top bits */
#define KIND_BITS 5            /* a version 4 kind byte: the kind below, the step above */
#define KIND_MASK ((1u << KIND_BITS) - 1)
#define OBJ_NEAR 16            /* zigzag differences up to this are coded as such */
#define SLOT_KINDS 16

static inline unsigned obj_slot(uint64_t id) {
  return (unsigned)((id * 0x9E3779B97F4A7C15ull) >> 58);
}

/* Payload version 5 codes the count of an incref or decref (field b)
** against the last count seen for the same object, plus or minus one: a
** table of 256 objects, each with its last count, looked up by the object
** (field a, decoded first). An object's counts go 2, 3, 2, 3 round a loop
** while the last count of the kind belongs to another object each time
** (None's thousands, a fresh int's one): those differences took three
** bytes an event, a hit takes one, the same byte every time. A miss is
** coded against the last count of the kind, as before. */
#define RC_SLOTS 256

static inline unsigned rc_slot(uint64_t id) {
  return (unsigned)((id * 0x9E3779B97F4A7C15ull) >> 56);
}

typedef struct rc_pred {
  uint64_t obj[RC_SLOTS], count[RC_SLOTS];
} rc_pred;

/* The count an incref (up) or decref of object id is coded against. */
static inline uint64_t rc_guess(const rc_pred *t, uint64_t id, int up, uint64_t prev) {
  unsigned s = rc_slot(id);
  return t->obj[s] == id ? t->count[s] + (up ? 1 : (uint64_t)-1) : prev;
}

static inline void rc_learn(rc_pred *t, uint64_t id, uint64_t count) {
  unsigned s = rc_slot(id);
  t->obj[s] = id;
  t->count[s] = count;
}

static inline int is_obj_kind(unsigned k) {
  return k == TRC_EV_INCREF || k == TRC_EV_DECREF || k == TRC_EV_FREE;
}

struct trc_codec {
  uint8_t *col[NCOLS];       /* encode scratch, one buffer per column */
  size_t col_cap[NCOLS];
  uint8_t *out;              /* compressed blob handed back by encode */
  size_t out_cap;
  uint8_t *raw;              /* inflated payload during decode */
  size_t raw_cap;
  trc_event *ev;             /* decoded events handed back by decode */
  size_t ev_cap;
  z_stream def;              /* kept between calls: deflateInit allocates ~300 KB */
  int def_level;             /* level def was set up with; meaningful when def_ready */
  int def_ready;
  z_stream inf;
  int inf_ready;
  uint32_t only_kinds;       /* trc_codec_only_kinds; 0: all */
  char errmsg[200];
};

void trc_codec_only_kinds(trc_codec *c, uint32_t kinds) { c->only_kinds = kinds; }

void *trc_zalloc(void *opaque, unsigned items, unsigned size) {
  (void)opaque;
  if (size && items > SIZE_MAX / size) return NULL;
  return hr_malloc((size_t)items * size);
}

void trc_zfree(void *opaque, void *p) {
  (void)opaque;
  hr_free(p);
}

static int fail(trc_codec *c, int status, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 3, 4)))
#endif
  ;

static int fail(trc_codec *c, int status, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(c->errmsg, sizeof c->errmsg, fmt, ap);
  va_end(ap);
  return status;
}

trc_codec *trc_codec_new(void) {
  trc_codec *c = hr_calloc(1, sizeof *c);
  return c;
}

void trc_codec_free(trc_codec *c) {
  if (!c) return;
  for (int i = 0; i < NCOLS; i++) hr_free(c->col[i]);
  hr_free(c->out);
  hr_free(c->raw);
  hr_free(c->ev);
  if (c->def_ready) deflateEnd(&c->def);
  if (c->inf_ready) inflateEnd(&c->inf);
  hr_free(c);
}

const char *trc_codec_errmsg(const trc_codec *c) {
  return c ? c->errmsg : "no codec";
}

/* Grow *buf to at least need bytes (contents kept, as realloc does). */
static int grow(uint8_t **buf, size_t *cap, size_t need) {
  if (*cap >= need) return 0;
  size_t n = *cap ? *cap : 4096;
  while (n < need) n = n > SIZE_MAX / 2 ? need : n * 2;
  uint8_t *p = hr_realloc(*buf, n);
  if (!p) return -1;
  *buf = p;
  *cap = n;
  return 0;
}

/* ---- varints ---------------------------------------------------------------- */

static inline uint64_t zz(uint64_t d) { return (d << 1) ^ (0 - (d >> 63)); }
static inline uint64_t unzz(uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }

static inline uint8_t *vput(uint8_t *p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  *p++ = (uint8_t)v;
  return p;
}

/* Slow path of vget: multi-byte values. Rejects running past end, more than
** ten bytes, bits beyond 64, and non-minimal forms (a zero final byte), so
** each value has exactly one encoding. Returns NULL on any of those. */
static const uint8_t *vget_long(const uint8_t *p, const uint8_t *end, uint64_t *v) {
  uint64_t r = 0;
  for (int i = 0; i < VARINT_MAX; i++) {
    if (p >= end) return NULL;
    uint8_t b = *p++;
    if (i == VARINT_MAX - 1 && b > 1) return NULL;
    r |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      if (b == 0 && i > 0) return NULL;
      *v = r;
      return p;
    }
  }
  return NULL;
}

static inline const uint8_t *vget(const uint8_t *p, const uint8_t *end, uint64_t *v) {
  if (p < end && *p < 0x80) {
    *v = *p;
    return p + 1;
  }
  return vget_long(p, end, v);
}

/* A tagged varint: the 65-bit number (x << 1) | tag as a varint, by the same
** rules (at most 10 bytes, shortest form only). */
static inline uint8_t *tput(uint8_t *p, uint64_t x, unsigned tag) {
  if (x < 64) {
    *p++ = (uint8_t)(x << 1 | tag);
    return p;
  }
  *p++ = (uint8_t)(0x80 | (x & 0x3f) << 1 | tag);
  return vput(p, x >> 6);
}

static inline const uint8_t *tget(const uint8_t *p, const uint8_t *end, uint64_t *x,
                                  unsigned *tag) {
  if (p >= end) return NULL;
  uint8_t b = *p++;
  *tag = b & 1;
  *x = (b >> 1) & 0x3f;
  if (!(b & 0x80)) return p;
  uint64_t hi;
  /* The rest: nonzero (else a shorter form existed) and within 58 bits. */
  if (!(p = vget(p, end, &hi)) || hi == 0 || hi >> 58) return NULL;
  *x |= hi << 6;
  return p;
}

size_t trc_varint_put(uint8_t *p, uint64_t v) {
  return (size_t)(vput(p, v) - p);
}

int trc_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v) {
  const uint8_t *q = vget(*p, end, v);
  if (!q) return -1;
  *p = q;
  return 0;
}

/* ---- encode ----------------------------------------------------------------- */

static int deflate_ready(trc_codec *c, int level) {
  if (c->def_ready && c->def_level == level) return deflateReset(&c->def) == Z_OK ? HR_OK : HR_ENOMEM;
  /* Another level on the same stream: no new 300 KB of state. */
  if (c->def_ready && deflateReset(&c->def) == Z_OK &&
      deflateParams(&c->def, level, Z_DEFAULT_STRATEGY) == Z_OK) {
    c->def_level = level;
    return HR_OK;
  }
  if (c->def_ready) {
    deflateEnd(&c->def);
    c->def_ready = 0;
  }
  memset(&c->def, 0, sizeof c->def);
  c->def.zalloc = trc_zalloc;
  c->def.zfree = trc_zfree;
  /* Raw deflate: no Adler-32 of the payload (2.4 % of a full recording's
  ** CPU); the CRC-32 of the compressed bytes, a tenth as many, checks the
  ** stored blob instead. */
  int r = deflateInit2(&c->def, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY);
  if (r == Z_MEM_ERROR) return HR_ENOMEM;
  if (r != Z_OK) return HR_EUSAGE;
  c->def_ready = 1;
  c->def_level = level;
  return HR_OK;
}

/* Deflate the pieces as one stream into c->out, growing it if zlib's bound
** ever proves short. */
static int compress_pieces(trc_codec *c, const uint8_t *const *piece,
                           const size_t *plen, int npieces, size_t *outlen) {
  size_t total = 0;
  for (int i = 0; i < npieces; i++) total += plen[i];
  size_t bound = deflateBound(&c->def, (uLong)total) + 64;
  if (grow(&c->out, &c->out_cap, bound)) return HR_ENOMEM;
  z_stream *z = &c->def;
  z->next_out = c->out;
  z->avail_out = (uInt)c->out_cap;
  for (int i = 0; i <= npieces; i++) {
    int flush = i == npieces ? Z_FINISH : Z_NO_FLUSH;
    z->next_in = (Bytef *)(i < npieces ? piece[i] : NULL);
    z->avail_in = (uInt)(i < npieces ? plen[i] : 0);
    for (;;) {
      int r = deflate(z, flush);
      if (r == Z_STREAM_END) break;
      if (r != Z_OK && r != Z_BUF_ERROR) return fail(c, HR_ENOMEM, "zlib deflate failed (%d)", r);
      if (flush == Z_NO_FLUSH && z->avail_in == 0) break;
      if (z->avail_out == 0) {
        size_t used = (size_t)(z->next_out - c->out);
        uint8_t *p = hr_realloc(c->out, c->out_cap * 2);
        if (!p) return HR_ENOMEM;
        c->out = p;
        c->out_cap *= 2;
        z->next_out = c->out + used;
        z->avail_out = (uInt)(c->out_cap - used);
      }
    }
  }
  size_t n = (size_t)(z->next_out - c->out);
  if (grow(&c->out, &c->out_cap, n + 4)) return HR_ENOMEM;
  uint32_t crc = (uint32_t)crc32(0L, c->out, (uInt)n);
  for (int i = 0; i < 4; i++) c->out[n + i] = (uint8_t)(crc >> (8 * i));
  *outlen = n + 4;
  return HR_OK;
}

/* The payload's pieces as one zlib stream at zlevel; *blob points into the codec. */
static int deflate_payload(trc_codec *c, int zlevel, const uint8_t *const *piece,
                           const size_t *plen, int npieces, const uint8_t **blob, size_t *len) {
  int rc = deflate_ready(c, zlevel);
  if (rc == HR_OK) rc = compress_pieces(c, piece, plen, npieces, len);
  if (rc != HR_OK) {
    if (!c->errmsg[0]) fail(c, rc, "out of memory compressing a chunk");
    return rc;
  }
  *blob = c->out;
  return HR_OK;
}

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

/* The encoder, shared by trc_codec_encode (other NULL: every entry is an
** event) and trc_codec_encode_mixed (entries of other kinds go to other,
** in the same pass: the writer's block is read from memory once). */
static ALWAYS_INLINE int encode_core(trc_codec *c, const trc_event *ev, size_t n, int zlevel,
                                     trc_codec_other_fn other, void *arg, trc_codec_span *span,
                                     const uint8_t **blob, size_t *len) {
  if (!c) return HR_EUSAGE;
  c->errmsg[0] = 0;
  if (!ev || !blob || !len) return fail(c, HR_EUSAGE, "trc_codec_encode: NULL argument");
  if (n == 0) return fail(c, HR_EUSAGE, "cannot encode an empty chunk");
  if (n > TRC_CHUNK_MAX_EVENTS)
    return fail(c, HR_EUSAGE, "chunk of %zu events exceeds the maximum of %u", n,
                (unsigned)TRC_CHUNK_MAX_EVENTS);
  if (zlevel < Z_DEFAULT_COMPRESSION || zlevel > 9)
    return fail(c, HR_EUSAGE, "zlib level %d out of range", zlevel);

  /* Worst-case sizes up front keep bounds checks out of the hot loop. */
  if (grow(&c->col[COL_KIND], &c->col_cap[COL_KIND], n))
    return fail(c, HR_ENOMEM, "out of memory encoding a chunk");
  for (int i = COL_STEP; i < NCOLS; i++)
    if (grow(&c->col[i], &c->col_cap[i], n * VARINT_MAX))
      return fail(c, HR_ENOMEM, "out of memory encoding a chunk");

  uint8_t *pk = c->col[COL_KIND], *ps = c->col[COL_STEP];
  uint8_t *pa = c->col[COL_A], *pb = c->col[COL_B];
  uint8_t *pc = c->col[COL_C], *pd = c->col[COL_D];
  uint64_t prev[TRC_EV_KIND_MAX + 1][4];
  memset(prev, 0, sizeof prev);
  uint64_t prev_step = 0;
  addr_pred ap;
  memset(&ap, 0, sizeof ap);
  uint64_t objs[OBJ_SLOTS];
  memset(objs, 0, sizeof objs);
  uint64_t slot_arg[2][SLOT_KINDS];   /* bind, unbind */
  memset(slot_arg, 0, sizeof slot_arg);
  rc_pred rp;
  memset(&rp, 0, sizeof rp);
  size_t i;
  uint64_t marks = 0;
  int backwards = 0;             /* a step lower than the one before */

  for (i = 0; i < n; i++) {
    const trc_event *e = &ev[i];
    unsigned k = e->kind;
    if (k - 1u >= (unsigned)TRC_EV_KIND_MAX) {
      if (!other)
        return fail(c, HR_EUSAGE, "event %zu of the chunk has unknown kind %u", i, k);
      int r = other(arg, e);
      if (r == 0) continue;
      if (r < 0) break;
      span->used = i + 1;              /* other has dealt with this one too */
      return fail(c, r, "cannot store entry %zu of the block", i);
    }
    if (other) marks += k == TRC_EV_MARK;
    uint64_t ds = e->step - prev_step;
    prev_step = e->step;
    if (ds < STEP_IN_KIND) {
      *pk++ = (uint8_t)(k | ds << KIND_BITS);
    } else {
      *pk++ = (uint8_t)(k | STEP_IN_KIND << KIND_BITS);
      ps = vput(ps, zz(ds));
      backwards |= (int64_t)ds < 0;
    }
    unsigned nf = nfields[k];
    uint64_t *pv = prev[k];
    if (is_obj_kind(k)) {
      uint64_t v = e->f[0], d = zz(v - pv[0]);
      unsigned s = obj_slot(v);
      /* Either form decodes right; a small difference wins over a hit:
      ** objects made one after another (a loop's fresh ints) are in the
      ** table, but their slots are scattered, their differences alike. */
      if (objs[s] == v && d > OBJ_NEAR) {
        pa = tput(pa, s, 1);
      } else {
        pa = tput(pa, d, 0);
        pv[0] = v;
        objs[s] = v;
      }
    } else {
      pa = vput(pa, zz(e->f[0] - pv[0]));   /* every kind uses field a */
      pv[0] = e->f[0];
    }
    if (k == TRC_EV_INCREF || k == TRC_EV_DECREF) {
      pb = vput(pb, zz(e->f[1] - rc_guess(&rp, e->f[0], k == TRC_EV_INCREF, pv[1])));
      rc_learn(&rp, e->f[0], e->f[1]);
      pv[1] = e->f[1];
    } else if (nf > 1) {
      pb = vput(pb, zz(e->f[1] - pv[1]));
      pv[1] = e->f[1];
    }
    if (k == TRC_EV_BIND || k == TRC_EV_UNBIND) {
      uint64_t *sa = &slot_arg[k - TRC_EV_BIND][e->f[1] & (SLOT_KINDS - 1)];
      pc = vput(pc, zz(e->f[2] - *sa));
      *sa = e->f[2];
    } else if (nf > 2) {
      pc = vput(pc, zz(e->f[2] - pv[2]));
      pv[2] = e->f[2];
    }
    if (k == TRC_EV_ALLOC) {
      pd = vput(pd, zz(e->f[3] - addr_guess(&ap, e->f[2], pv[3])));
      addr_learn(&ap, e->f[2], e->f[3]);
      pv[3] = e->f[3];
    } else if (nf > 3) {
      pd = vput(pd, zz(e->f[3] - pv[3]));
      pv[3] = e->f[3];
    }
  }

  if (other) {
    span->used = i;
    span->events = (size_t)(pk - c->col[COL_KIND]);
    span->marks = (size_t)marks;
    if (!span->events) return HR_OK;        /* no event: nothing to compress */
    /* The first and last events and the step range, found here rather
    ** than kept up in the loop: steps rarely go down, so the range is
    ** usually the first event's step to the last's. */
    size_t f = 0, l = i - 1;
    while (ev[f].kind - 1u >= (unsigned)TRC_EV_KIND_MAX) f++;
    while (ev[l].kind - 1u >= (unsigned)TRC_EV_KIND_MAX) l--;
    span->first_seq = ev[f].seq;
    span->last_seq = ev[l].seq;
    span->lo_step = ev[f].step;
    span->hi_step = ev[l].step;
    for (size_t j = f; backwards && j <= l; j++) {
      if (ev[j].kind - 1u >= (unsigned)TRC_EV_KIND_MAX) continue;
      span->lo_step = ev[j].step < span->lo_step ? ev[j].step : span->lo_step;
      span->hi_step = ev[j].step > span->hi_step ? ev[j].step : span->hi_step;
    }
    /* A failure from here on (out of memory) leaves span->used entries dealt with. */
    n = span->events;
  }
  size_t clen[NCOLS] = {
    n, (size_t)(ps - c->col[COL_STEP]), (size_t)(pa - c->col[COL_A]),
    (size_t)(pb - c->col[COL_B]), (size_t)(pc - c->col[COL_C]),
    (size_t)(pd - c->col[COL_D])};
  uint8_t hdr[HEADER_MAX], *h = hdr;
  *h++ = PAYLOAD_MAGIC;
  *h++ = PAYLOAD_VERSION;
  h = vput(h, n);
  for (int i = COL_STEP; i < NCOLS; i++) h = vput(h, clen[i]);

  const uint8_t *piece[1 + NCOLS] = {hdr};
  size_t plen[1 + NCOLS] = {(size_t)(h - hdr)};
  for (int i = 0; i < NCOLS; i++) {
    piece[1 + i] = c->col[i];
    plen[1 + i] = clen[i];
  }
  return deflate_payload(c, zlevel, piece, plen, 1 + NCOLS, blob, len);
}

int trc_codec_encode(trc_codec *c, const trc_event *ev, size_t n, int zlevel,
                     const uint8_t **blob, size_t *len) {
  return encode_core(c, ev, n, zlevel, NULL, NULL, NULL, blob, len);
}

int trc_codec_encode_mixed(trc_codec *c, const trc_event *ent, size_t n, int zlevel,
                           trc_codec_other_fn other, void *arg, trc_codec_span *span,
                           const uint8_t **blob, size_t *len) {
  if (!other || !span) {
    if (c) c->errmsg[0] = 0;
    return c ? fail(c, HR_EUSAGE, "trc_codec_encode_mixed: NULL argument") : HR_EUSAGE;
  }
  memset(span, 0, sizeof *span);
  return encode_core(c, ent, n, zlevel, other, arg, span, blob, len);
}

/* Payload version 3: n binds, holder's slot (kind, first + k) to ids[k], all
** at one step. Its header says so once; then one varint per event: the id's
** difference from the one before. */
int trc_codec_encode_binds(trc_codec *c, uint64_t step, uint64_t holder, uint64_t slot,
                           uint64_t first, const uint64_t *ids, size_t n, int zlevel,
                           const uint8_t **blob, size_t *len) {
  if (!c) return HR_EUSAGE;
  c->errmsg[0] = 0;
  if (!ids || !blob || !len) return fail(c, HR_EUSAGE, "trc_codec_encode_binds: NULL argument");
  if (n == 0 || n > TRC_CHUNK_MAX_EVENTS)
    return fail(c, HR_EUSAGE, "a run of %zu binds is outside 1..%u", n,
                (unsigned)TRC_CHUNK_MAX_EVENTS);
  if (first > UINT64_MAX - (n - 1))
    return fail(c, HR_EUSAGE, "a run of binds from slot %llu overflows",
                (unsigned long long)first);
  if (zlevel < Z_DEFAULT_COMPRESSION || zlevel > 9)
    return fail(c, HR_EUSAGE, "zlib level %d out of range", zlevel);
  if (grow(&c->col[0], &c->col_cap[0], 2 + (5 + n) * VARINT_MAX))
    return fail(c, HR_ENOMEM, "out of memory encoding a chunk");
  uint8_t *q = c->col[0];
  *q++ = PAYLOAD_MAGIC;
  *q++ = PAYLOAD_BINDS;
  q = vput(q, n);
  q = vput(q, step);
  q = vput(q, holder);
  q = vput(q, slot);
  q = vput(q, first);
  uint64_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    q = vput(q, zz(ids[i] - prev));
    prev = ids[i];
  }
  const uint8_t *piece[1] = {c->col[0]};
  size_t plen[1] = {(size_t)(q - c->col[0])};
  return deflate_payload(c, zlevel, piece, plen, 1, blob, len);
}

/* ---- decode ----------------------------------------------------------------- */

/* Inflate blob into c->raw, never past limit bytes: the payload of `expected`
** events cannot be longer, whatever the blob claims. */
static int inflate_blob(trc_codec *c, int wbits, const uint8_t *blob, size_t len,
                        size_t limit, size_t *rawlen) {
  if (!c->inf_ready) {
    memset(&c->inf, 0, sizeof c->inf);
    c->inf.zalloc = trc_zalloc;
    c->inf.zfree = trc_zfree;
    int r = inflateInit2(&c->inf, wbits);
    if (r == Z_MEM_ERROR) return fail(c, HR_ENOMEM, "out of memory decoding a chunk");
    if (r != Z_OK) return fail(c, HR_ECORRUPT, "zlib inflateInit failed (%d)", r);
    c->inf_ready = 1;
  } else if (inflateReset2(&c->inf, wbits) != Z_OK) {
    return fail(c, HR_ECORRUPT, "zlib inflateReset failed");
  }
  /* Start near the likely size (compression ratios of 5-20 are usual). */
  size_t first = len > limit / 16 ? limit : len * 16;
  if (first < 4096) first = limit < 4096 ? limit : 4096;
  if (c->raw_cap < first && grow(&c->raw, &c->raw_cap, first))
    return fail(c, HR_ENOMEM, "out of memory decoding a chunk");
  size_t cap = c->raw_cap < limit ? c->raw_cap : limit;
  z_stream *z = &c->inf;
  z->next_in = (Bytef *)blob;
  z->avail_in = (uInt)len;
  z->next_out = c->raw;
  z->avail_out = (uInt)cap;
  for (;;) {
    int r = inflate(z, Z_NO_FLUSH);
    size_t used = (size_t)(z->next_out - c->raw);
    if (r == Z_STREAM_END) {
      if (z->avail_in != 0)
        return fail(c, HR_ECORRUPT, "chunk blob has %u stray bytes after its deflate stream",
                    z->avail_in);
      *rawlen = used;
      return HR_OK;
    }
    if (r == Z_MEM_ERROR) return fail(c, HR_ENOMEM, "out of memory decoding a chunk");
    if (r == Z_DATA_ERROR || r == Z_NEED_DICT || r == Z_STREAM_ERROR)
      return fail(c, HR_ECORRUPT, "chunk blob is not a valid %s stream (%s)",
                  wbits < 0 ? "deflate" : "zlib",
                  z->msg ? z->msg : "bad data");
    if (z->avail_out == 0) {
      if (cap >= limit)
        return fail(c, HR_ECORRUPT, "chunk payload is longer than its events allow");
      size_t want = cap * 2 < limit ? cap * 2 : limit;
      if (grow(&c->raw, &c->raw_cap, want)) {
        return fail(c, HR_ENOMEM, "out of memory decoding a chunk");
      }
      cap = want;
      z->next_out = c->raw + used;
      z->avail_out = (uInt)(cap - used);
      continue;
    }
    if (z->avail_in == 0)
      return fail(c, HR_ECORRUPT, "chunk blob truncated (its stream ends early)");
    if (r != Z_OK) return fail(c, HR_ECORRUPT, "zlib inflate failed (%d)", r);
  }
}

/* Parse the payload header; on success cols[i] / ends[i] bound column i. */
static int parse_header(trc_codec *c, const uint8_t *raw, size_t rawlen, size_t expected,
                        int *version, const uint8_t **cols, const uint8_t **ends) {
  const uint8_t *p = raw, *end = raw + rawlen;
  if (rawlen < 2 || p[0] != PAYLOAD_MAGIC)
    return fail(c, HR_ECORRUPT, "chunk payload does not start with the heapreel magic byte");
  if (p[1] != 1 && p[1] != 2 && p[1] != 4 && p[1] != PAYLOAD_VERSION)
    return fail(c, HR_ECORRUPT, "chunk payload version %u is unknown", p[1]);
  *version = p[1];
  p += 2;
  uint64_t count, clen[NCOLS];
  if (!(p = vget(p, end, &count)))
    return fail(c, HR_ECORRUPT, "chunk payload truncated in its header");
  if (count != expected)
    return fail(c, HR_ECORRUPT, "chunk holds %llu events but its row says %zu",
                (unsigned long long)count, expected);
  clen[COL_KIND] = count;
  for (int i = COL_STEP; i < NCOLS; i++) {
    if (!(p = vget(p, end, &clen[i])))
      return fail(c, HR_ECORRUPT, "chunk payload truncated in its header");
    if (clen[i] > count * VARINT_MAX)
      return fail(c, HR_ECORRUPT, "chunk %s column claims %llu bytes, too many for %llu events",
                  col_names[i], (unsigned long long)clen[i], (unsigned long long)count);
  }
  for (int i = 0; i < NCOLS; i++) {
    if (clen[i] > (uint64_t)(end - p))
      return fail(c, HR_ECORRUPT, "chunk payload truncated in the %s column", col_names[i]);
    cols[i] = p;
    p += clen[i];
    ends[i] = p;
  }
  if (p != end)
    return fail(c, HR_ECORRUPT, "chunk payload has %zu bytes after its last column",
                (size_t)(end - p));
  return HR_OK;
}

/* Room for n decoded events in c->ev. */
static int events_room(trc_codec *c, size_t n) {
  if (c->ev_cap >= n) return HR_OK;
  trc_event *p = hr_realloc(c->ev, n * sizeof *p);
  if (!p) return fail(c, HR_ENOMEM, "out of memory decoding a chunk");
  c->ev = p;
  c->ev_cap = n;
  return HR_OK;
}

/* The inflated payload version 3 in c->raw (rawlen bytes) as `expected` binds. */
static int decode_binds(trc_codec *c, size_t rawlen, uint64_t first_seq, size_t expected,
                        const trc_event **ev) {
  const uint8_t *p = c->raw + 2, *end = c->raw + rawlen;
  uint64_t count, step, holder, slot, first;
  if (!(p = vget(p, end, &count)) || !(p = vget(p, end, &step)) ||
      !(p = vget(p, end, &holder)) || !(p = vget(p, end, &slot)) || !(p = vget(p, end, &first)))
    return fail(c, HR_ECORRUPT, "chunk payload truncated in its header");
  if (count != expected)
    return fail(c, HR_ECORRUPT, "chunk holds %llu events but its row says %zu",
                (unsigned long long)count, expected);
  if (first > UINT64_MAX - (expected - 1))
    return fail(c, HR_ECORRUPT, "chunk's run of binds from slot %llu overflows",
                (unsigned long long)first);
  int rc = events_room(c, expected);
  if (rc != HR_OK) return rc;
  trc_event *out = c->ev;
  uint64_t id = 0, z;
  for (size_t i = 0; i < expected; i++) {
    if (!(p = vget(p, end, &z)))
      return fail(c, HR_ECORRUPT, "chunk payload truncated or malformed in the id column");
    id += unzz(z);
    out[i] = (trc_event){.seq = first_seq + i, .step = step, .kind = TRC_EV_BIND,
                         .f = {holder, slot, first + i, id}};
  }
  if (p != end)
    return fail(c, HR_ECORRUPT, "chunk id column has %zu bytes left over", (size_t)(end - p));
  *ev = out;
  return HR_OK;
}

int trc_codec_decode(trc_codec *c, const void *blob, size_t len,
                     uint64_t first_seq, size_t expected, const trc_event **ev) {
  return trc_codec_decode_as(c, TRC_CHUNK_DEFLATE, blob, len, first_seq, expected, ev);
}

int trc_codec_decode_as(trc_codec *c, int encoding, const void *blob, size_t len,
                        uint64_t first_seq, size_t expected, const trc_event **ev) {
  if (!c) return HR_EUSAGE;
  c->errmsg[0] = 0;
  if (!ev || (!blob && len)) return fail(c, HR_EUSAGE, "trc_codec_decode: NULL argument");
  if (encoding != TRC_CHUNK_ZLIB && encoding != TRC_CHUNK_DEFLATE)
    return fail(c, HR_ECORRUPT, "chunk encoding %d is unknown", encoding);
  if (expected == 0 || expected > TRC_CHUNK_MAX_EVENTS)
    return fail(c, HR_ECORRUPT, "chunk claims %zu events, outside 1..%u", expected,
                (unsigned)TRC_CHUNK_MAX_EVENTS);
  if (first_seq > UINT64_MAX - (expected - 1))
    return fail(c, HR_ECORRUPT, "chunk sequence numbers overflow");
  /* One more than the longest valid payload, so filling it proves damage. */
  size_t limit = HEADER_MAX + expected * EVENT_MAX_BYTES + 1;
  /* A stored (uncompressed) stream adds 5 bytes per 16 KB block plus 6. */
  if (len > limit + limit / 1024 + 64)
    return fail(c, HR_ECORRUPT, "chunk blob of %zu bytes is too long for %zu events", len,
                expected);
  if (encoding == TRC_CHUNK_DEFLATE) {
    /* The last four bytes: the CRC-32 of the rest, least significant first. */
    const uint8_t *b = blob;
    if (len < 5) return fail(c, HR_ECORRUPT, "chunk blob of %zu bytes is too short", len);
    len -= 4;
    uint32_t want = (uint32_t)b[len] | (uint32_t)b[len + 1] << 8 |
                    (uint32_t)b[len + 2] << 16 | (uint32_t)b[len + 3] << 24;
    if ((uint32_t)crc32(0L, b, (uInt)len) != want)
      return fail(c, HR_ECORRUPT, "chunk blob fails its CRC-32 check");
  }
  size_t rawlen = 0;
  int rc = inflate_blob(c, encoding == TRC_CHUNK_DEFLATE ? -15 : 15, blob, len, limit, &rawlen);
  if (rc != HR_OK) return rc;
  if (rawlen >= 2 && c->raw[0] == PAYLOAD_MAGIC && c->raw[1] == PAYLOAD_BINDS) {
    if (c->only_kinds && !(c->only_kinds >> TRC_EV_BIND & 1)) {
      *ev = NULL;
      return HR_OK;
    }
    return decode_binds(c, rawlen, first_seq, expected, ev);
  }

  const uint8_t *col[NCOLS] = {0}, *end[NCOLS] = {0};
  int version = 0;
  rc = parse_header(c, c->raw, rawlen, expected, &version, col, end);
  if (rc != HR_OK) return rc;
  if (c->only_kinds) {
    int wanted = 0;
    for (size_t i = 0; i < expected; i++) {
      unsigned k = version >= 4 ? col[COL_KIND][i] & KIND_MASK : col[COL_KIND][i];
      if (k - 1u >= (unsigned)TRC_EV_KIND_MAX)
        return fail(c, HR_ECORRUPT, "chunk event %zu has unknown kind %u", i, k);
      wanted |= (int)(c->only_kinds >> k & 1);
    }
    if (!wanted) {
      *ev = NULL;
      return HR_OK;
    }
  }

  rc = events_room(c, expected);
  if (rc != HR_OK) return rc;

  const uint8_t *pk = col[COL_KIND], *ps = col[COL_STEP];
  const uint8_t *pa = col[COL_A], *pb = col[COL_B], *pc = col[COL_C], *pd = col[COL_D];
  uint64_t prev[TRC_EV_KIND_MAX + 1][4];
  memset(prev, 0, sizeof prev);
  uint64_t step = 0, z;
  addr_pred ap;
  memset(&ap, 0, sizeof ap);
  int predict = version >= 2, v4 = version >= 4;
  uint64_t objs[OBJ_SLOTS];
  memset(objs, 0, sizeof objs);
  uint64_t slot_arg[2][SLOT_KINDS];
  memset(slot_arg, 0, sizeof slot_arg);
  int v5 = version >= 5;
  rc_pred rp;
  if (v5) memset(&rp, 0, sizeof rp);
  unsigned tag;
  trc_event *out = c->ev;
  int bad = -1;   /* column where a value ran past its end */
  for (size_t i = 0; i < expected; i++) {
    trc_event *e = &out[i];
    unsigned k = pk[i], ds = STEP_IN_KIND;
    if (v4) {
      ds = k >> KIND_BITS;
      k &= KIND_MASK;
    }
    if (k - 1u >= (unsigned)TRC_EV_KIND_MAX)
      return fail(c, HR_ECORRUPT, "chunk event %zu has unknown kind %u", i, k);
    e->kind = (uint8_t)k;
    e->seq = first_seq + i;
    if (ds < STEP_IN_KIND) {
      step += ds;
    } else {
      if (!(ps = vget(ps, end[COL_STEP], &z))) { bad = COL_STEP; break; }
      if (v4 && unzz(z) < STEP_IN_KIND)
        return fail(c, HR_ECORRUPT, "chunk event %zu spells a step difference of %llu the long way",
                    i, (unsigned long long)unzz(z));
      step += unzz(z);
    }
    e->step = step;
    unsigned nf = nfields[k];
    uint64_t *pv = prev[k];
    if (v4 && is_obj_kind(k)) {
      if (!(pa = tget(pa, end[COL_A], &z, &tag))) { bad = COL_A; break; }
      if (tag) {
        if (z >= OBJ_SLOTS)
          return fail(c, HR_ECORRUPT, "chunk event %zu names object slot %llu of %d", i,
                      (unsigned long long)z, OBJ_SLOTS);
        e->f[0] = objs[z];
      } else {
        e->f[0] = pv[0] += unzz(z);
        objs[obj_slot(pv[0])] = pv[0];
      }
    } else {
      if (!(pa = vget(pa, end[COL_A], &z))) { bad = COL_A; break; }
      e->f[0] = pv[0] += unzz(z);
    }
    if (v5 && (k == TRC_EV_INCREF || k == TRC_EV_DECREF)) {
      if (!(pb = vget(pb, end[COL_B], &z))) { bad = COL_B; break; }
      e->f[1] = pv[1] = rc_guess(&rp, e->f[0], k == TRC_EV_INCREF, pv[1]) + unzz(z);
      rc_learn(&rp, e->f[0], e->f[1]);
    } else if (nf > 1) {
      if (!(pb = vget(pb, end[COL_B], &z))) { bad = COL_B; break; }
      e->f[1] = pv[1] += unzz(z);
    } else {
      e->f[1] = 0;
    }
    if (v4 && (k == TRC_EV_BIND || k == TRC_EV_UNBIND)) {
      if (!(pc = vget(pc, end[COL_C], &z))) { bad = COL_C; break; }
      uint64_t *sa = &slot_arg[k - TRC_EV_BIND][e->f[1] & (SLOT_KINDS - 1)];
      e->f[2] = *sa += unzz(z);
    } else if (nf > 2) {
      if (!(pc = vget(pc, end[COL_C], &z))) { bad = COL_C; break; }
      e->f[2] = pv[2] += unzz(z);
    } else {
      e->f[2] = 0;
    }
    if (predict && k == TRC_EV_ALLOC) {
      if (!(pd = vget(pd, end[COL_D], &z))) { bad = COL_D; break; }
      e->f[3] = pv[3] = addr_guess(&ap, e->f[2], pv[3]) + unzz(z);
      addr_learn(&ap, e->f[2], e->f[3]);
    } else if (nf > 3) {
      if (!(pd = vget(pd, end[COL_D], &z))) { bad = COL_D; break; }
      e->f[3] = pv[3] += unzz(z);
    } else {
      e->f[3] = 0;
    }
  }
  if (bad >= 0)
    return fail(c, HR_ECORRUPT, "chunk payload truncated or malformed in the %s column",
                col_names[bad]);
  const uint8_t *const at[NCOLS] = {pk + expected, ps, pa, pb, pc, pd};
  for (int i = COL_STEP; i < NCOLS; i++)
    if (at[i] != end[i])
      return fail(c, HR_ECORRUPT, "chunk %s column has %zu bytes left over", col_names[i],
                  (size_t)(end[i] - at[i]));
  *ev = out;
  return HR_OK;
}
