/* ana_keyframe.c — encoding and decoding state snapshots (KEYFRAMES.md). */
#include "ana_keyframe.h"

#include <string.h>
#include <zlib.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_codec.h"

#define KF_MAGIC 0x4B
#define KF_VERSION 3      /* 2 added object values, 3 int values; 1 and 2 are still read */

/* --- a growable byte buffer -------------------------------------------------- */

typedef struct kbuf {
  uint8_t *p;
  size_t n, cap;
  int oom;
} kbuf;

static void put_u(kbuf *b, uint64_t v) {
  if (b->oom) return;
  if (b->cap - b->n < 10) {
    size_t ncap = b->cap ? b->cap * 2 : 4096;
    uint8_t *np = hr_realloc(b->p, ncap);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = ncap;
  }
  b->n += trc_varint_put(b->p + b->n, v);
}

static void put_z(kbuf *b, uint64_t now, uint64_t prev) {
  put_u(b, trc_zigzag((int64_t)(now - prev)));
}

static void put_slots(kbuf *b, const ana_slots *t, int bound_only, uint64_t *prev_obj) {
  put_u(b, bound_only ? t->nbound : t->n);
  uint64_t prev_arg = 0;
  for (uint32_t i = 0; i < t->n; i++) {
    const ana_slot *e = &t->v[i];
    if (bound_only && !e->obj) continue;
    put_u(b, e->kind);
    put_z(b, e->arg, prev_arg);
    put_z(b, e->obj, *prev_obj);
    prev_arg = e->arg;
    *prev_obj = e->obj;
  }
}

static void put_frames(kbuf *b, const ana_state *s, uint64_t *prev_obj) {
  size_t n;
  const ana_frame **fr = ana_state_frames(s, &n);
  if (!fr && ana_state_nframes(s)) {
    b->oom = 1;
    return;
  }
  put_u(b, n);
  uint64_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    const ana_frame *f = fr[i];
    put_u(b, f->id - prev);
    prev = f->id;
    put_u(b, f->location);
    put_u(b, f->parent);
    put_u(b, f->thread);
    put_u(b, f->call_seq);
    put_u(b, f->call_step);
    put_u(b, f->cur_location);
    put_u(b, f->cur_step);
    put_slots(b, &f->slots, 0, prev_obj);
  }
  hr_free(fr);
}

static void put_objs(kbuf *b, const ana_state *s, uint64_t *prev_obj) {
  size_t n;
  const ana_obj **ob = ana_state_objs(s, &n);
  if (!ob && ana_state_nobjs(s)) {
    b->oom = 1;
    return;
  }
  put_u(b, n);
  uint64_t prev = 0, prev_addr = 0, prev_seq = 0;
  for (size_t i = 0; i < n; i++) {
    const ana_obj *o = ob[i];
    put_u(b, o->id - prev);
    prev = o->id;
    put_u(b, o->type);
    put_u(b, o->size);
    put_z(b, o->address, prev_addr);
    prev_addr = o->address;
    put_z(b, o->alloc_seq, prev_seq);
    prev_seq = o->alloc_seq;
    put_u(b, o->alloc_step);
    put_u(b, (uint64_t)(o->refcount + 1));
    put_u(b, o->preexisting);
    put_u(b, o->value);
    put_u(b, o->is_int);
    put_slots(b, &o->slots, 1, prev_obj);
  }
  hr_free(ob);
}

/* Deflate raw into a new blob prefixed with the raw length. */
static int deflate_blob(const kbuf *raw, uint8_t **data, size_t *len) {
  z_stream z;
  memset(&z, 0, sizeof z);
  z.zalloc = trc_zalloc;
  z.zfree = trc_zfree;
  if (deflateInit(&z, 1) != Z_OK) return HR_ENOMEM;
  size_t cap = 10 + deflateBound(&z, (uLong)raw->n);
  uint8_t *out = hr_malloc(cap);
  if (!out) {
    deflateEnd(&z);
    return HR_ENOMEM;
  }
  size_t hdr = trc_varint_put(out, raw->n);
  z.next_in = raw->p;
  z.avail_in = (uInt)raw->n;
  z.next_out = out + hdr;
  z.avail_out = (uInt)(cap - hdr);
  int zr = deflate(&z, Z_FINISH);
  size_t total = hdr + z.total_out;
  deflateEnd(&z);
  if (zr != Z_STREAM_END) {
    hr_free(out);
    return HR_ENOMEM;
  }
  *data = out;
  *len = total;
  return HR_OK;
}

int ana_keyframe_encode(const ana_state *s, uint8_t **data, size_t *len) {
  kbuf b = {0};
  uint64_t prev_obj = 0;
  *data = NULL;
  *len = 0;
  put_u(&b, 0);    /* room for the two header bytes, overwritten below */
  put_u(&b, 0);
  put_u(&b, ana_state_seq(s));
  put_u(&b, ana_state_step(s));
  put_u(&b, ana_state_frame_id(s));
  put_u(&b, ana_state_location(s));
  put_frames(&b, s, &prev_obj);
  put_objs(&b, s, &prev_obj);
  if (b.oom || b.n > ANA_KEYFRAME_MAX_RAW || b.n > UINT32_MAX) {
    hr_free(b.p);
    return HR_ENOMEM;
  }
  b.p[0] = KF_MAGIC;
  b.p[1] = KF_VERSION;
  int rc = deflate_blob(&b, data, len);
  hr_free(b.p);
  return rc;
}

/* --- decoding ------------------------------------------------------------------ */

typedef struct kin {
  const uint8_t *p, *end;
  int bad;
} kin;

static uint64_t get_u(kin *in) {
  uint64_t v = 0;
  /* Most values are one byte: small deltas, counts, flags. */
  if (!in->bad && in->p < in->end && *in->p < 0x80) return *in->p++;
  if (in->bad || trc_varint_get(&in->p, in->end, &v)) {
    in->bad = 1;
    return 0;
  }
  return v;
}

static uint64_t get_z(kin *in, uint64_t prev) {
  return prev + (uint64_t)trc_unzigzag(get_u(in));
}

/* A count of entries that each need at least one byte. */
static uint64_t get_count(kin *in) {
  uint64_t n = get_u(in);
  if (n > (uint64_t)(in->end - in->p)) in->bad = 1;
  return in->bad ? 0 : n;
}

static int get_slots(kin *in, ana_slots *t, int allow_unbound, uint64_t *prev_obj) {
  uint64_t n = get_count(in), prev_arg = 0;
  /* Each entry takes at least three bytes, so the count is bounded by the blob. */
  if (n > 1 && n <= UINT32_MAX / 2 && ana_slots_reserve(t, (uint32_t)n)) return HR_ENOMEM;
  for (uint64_t i = 0; i < n && !in->bad; i++) {
    uint64_t kind = get_u(in);
    uint64_t arg = get_z(in, prev_arg);
    uint64_t obj = get_z(in, *prev_obj);
    if (in->bad || kind < TRC_SLOT_LOCAL || kind > TRC_SLOT_MAX ||
        (!obj && !allow_unbound)) return HR_ECORRUPT;
    if (ana_slots_add(t, (int)kind, arg, obj)) return HR_ENOMEM;
    prev_arg = arg;
    *prev_obj = obj;
  }
  return in->bad ? HR_ECORRUPT : HR_OK;
}

static int get_frames(kin *in, ana_state *s, uint64_t *prev_obj) {
  uint64_t n = get_count(in), prev = 0;
  for (uint64_t i = 0; i < n; i++) {
    ana_frame f = {0};
    f.id = prev + get_u(in);
    if (f.id <= prev && i) return HR_ECORRUPT;
    prev = f.id;
    f.location = get_u(in);
    f.parent = get_u(in);
    f.thread = get_u(in);
    f.call_seq = get_u(in);
    f.call_step = get_u(in);
    f.cur_location = get_u(in);
    f.cur_step = get_u(in);
    int rc = get_slots(in, &f.slots, 1, prev_obj);
    if (rc == HR_OK) rc = ana_state_add_frame(s, &f);
    if (rc) {
      ana_slots_reset(&f.slots);
      return rc;
    }
  }
  return in->bad ? HR_ECORRUPT : HR_OK;
}

static int get_objs(kin *in, ana_state *s, uint64_t *prev_obj, int version) {
  uint64_t n = get_count(in), prev = 0, prev_addr = 0, prev_seq = 0;
  for (uint64_t i = 0; i < n; i++) {
    ana_obj o = {0};
    o.id = prev + get_u(in);
    if (o.id <= prev && i) return HR_ECORRUPT;
    prev = o.id;
    o.type = get_u(in);
    o.size = get_u(in);
    o.address = prev_addr = get_z(in, prev_addr);
    o.alloc_seq = prev_seq = get_z(in, prev_seq);
    o.alloc_step = get_u(in);
    o.refcount = (int64_t)get_u(in) - 1;
    uint64_t pre = get_u(in);
    if (pre > 1) return HR_ECORRUPT;
    o.preexisting = (uint8_t)pre;
    if (version >= 2) o.value = get_u(in);
    if (version >= 3) {
      uint64_t is_int = get_u(in);
      if (is_int > 1) return HR_ECORRUPT;
      o.is_int = (uint8_t)is_int;
    }
    int rc = get_slots(in, &o.slots, 0, prev_obj);
    if (rc == HR_OK) rc = ana_state_add_obj(s, &o);
    if (rc) {
      ana_slots_reset(&o.slots);
      return rc;
    }
  }
  return in->bad ? HR_ECORRUPT : HR_OK;
}

/* Inflate the blob's stream into a new buffer of exactly the stated length. */
static int inflate_blob(const uint8_t *p, size_t len, uint8_t **raw, size_t *rawlen) {
  const uint8_t *q = p, *end = p + len;
  uint64_t n;
  if (trc_varint_get(&q, end, &n) || n < 2 || n > ANA_KEYFRAME_MAX_RAW) return HR_ECORRUPT;
  uint8_t *out = hr_malloc((size_t)n);
  if (!out) return HR_ENOMEM;
  z_stream z;
  memset(&z, 0, sizeof z);
  z.zalloc = trc_zalloc;
  z.zfree = trc_zfree;
  if (inflateInit(&z) != Z_OK) {
    hr_free(out);
    return HR_ENOMEM;
  }
  z.next_in = (Bytef *)q;
  z.avail_in = (uInt)(end - q);
  z.next_out = out;
  z.avail_out = (uInt)n;
  int zr = inflate(&z, Z_FINISH);
  int ok = zr == Z_STREAM_END && z.total_out == n && z.avail_in == 0;
  inflateEnd(&z);
  if (!ok) {
    hr_free(out);
    return zr == Z_MEM_ERROR ? HR_ENOMEM : HR_ECORRUPT;
  }
  *raw = out;
  *rawlen = (size_t)n;
  return HR_OK;
}

int ana_keyframe_decode(ana_state *s, const void *data, size_t len) {
  uint8_t *raw = NULL;
  size_t rawlen = 0;
  ana_state_reset(s);
  if (len > UINT32_MAX) return HR_ECORRUPT;
  int rc = inflate_blob(data, len, &raw, &rawlen);
  if (rc) return rc;
  kin in = {raw + 2, raw + rawlen, 0};
  if (raw[0] != KF_MAGIC || raw[1] < 1 || raw[1] > KF_VERSION) rc = HR_ECORRUPT;
  if (rc == HR_OK) {
    uint64_t seq = get_u(&in), step = get_u(&in);
    uint64_t frame = get_u(&in), loc = get_u(&in);
    uint64_t prev_obj = 0;
    rc = get_frames(&in, s, &prev_obj);
    if (rc == HR_OK) rc = get_objs(&in, s, &prev_obj, raw[1]);
    if (rc == HR_OK && (in.bad || in.p != in.end)) rc = HR_ECORRUPT;
    if (rc == HR_OK) ana_state_set_position(s, seq, step, frame, loc);
  }
  hr_free(raw);
  if (rc) ana_state_reset(s);
  return rc;
}
