/* ana_keyframe.c — encoding and decoding state snapshots (KEYFRAMES.md). */
#include "ana_keyframe.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "hr_mem.h"
#include "hr_status.h"
#include "trc_codec.h"

#define KF_MAGIC 0x4B
/* 2 added object values, 3 int values (both row by row, full snapshots
** only, still read); 4 is columnar and may be a delta. */
#define KF_VERSION 4

/* --- a growable byte buffer -------------------------------------------------- */

typedef struct kbuf {
  uint8_t *p;
  size_t n, cap;
  int oom;
} kbuf;

static void put_u(kbuf *b, uint64_t v) {
  if (b->cap - b->n < 10) {
    if (b->oom) return;
    size_t ncap = b->cap ? b->cap * 2 : 256;
    uint8_t *np = hr_realloc(b->p, ncap);
    if (!np) {
      b->oom = 1;
      b->n = 0;
      return;
    }
    b->p = np;
    b->cap = ncap;
  }
  if (v < 0x80) b->p[b->n++] = (uint8_t)v;
  else b->n += trc_varint_put(b->p + b->n, v);
}

static void put_z(kbuf *b, uint64_t now, uint64_t prev) {
  put_u(b, trc_zigzag((int64_t)(now - prev)));
}

/* --- version 4: columns ------------------------------------------------------------
** Each field of the object records has its own column, so runs of equal
** deltas (ids one apart, addresses 32 apart, a list's items) sit together
** and deflate to almost nothing. */
enum {
  C_HDR,      /* seq, step, frame, location, nframes, nffreed, nfreed, nrec */
  C_FRAME,    /* frame records, row by row, with their slots */
  C_FFREED,   /* frames returned since the base, ascending: id - previous */
  C_FREED,    /* ids freed since the base, ascending: id - previous */
  C_ID,       /* record ids, ascending: id - previous */
  C_FLAGS,    /* 1: new (else changed), 2: preexisting, 4: is_int */
  C_TYPE, C_SIZE,
  C_ADDR,     /* zz(address - previous record's) */
  C_ASEQ,     /* zz(alloc_seq - previous record's) */
  C_ASTEP,    /* zz(alloc_step - previous record's) */
  C_REF,      /* refcount + 1 */
  C_VAL,      /* zz(value - previous record's) */
  C_SLOTN,    /* kept, nmods, nappends */
  C_MPOS,     /* rebound positions below kept, ascending: pos - previous (first: pos) */
  C_SKIND,    /* appended entries' kinds */
  C_SARG,     /* appended entries: zz(arg - previous in the record), from 0 */
  C_SOBJ,     /* rebound and appended entries: zz(obj - previous in the blob) */
  NCOLS
};

typedef struct kcols {
  kbuf c[NCOLS];
  uint64_t prev_id, prev_addr, prev_aseq, prev_astep, prev_val, prev_obj;
} kcols;

static int cols_oom(const kcols *k) {
  for (int i = 0; i < NCOLS; i++)
    if (k->c[i].oom) return 1;
  return 0;
}

static void cols_free(kcols *k) {
  for (int i = 0; i < NCOLS; i++) hr_free(k->c[i].p);
}

/* A holder's slots as `kept` entries of the base's (all or none), the
** rebound ones among them (mods, ascending), and the entries from `kept`
** on, into the given columns (all one column for frames). */
static void put_slot_delta(kbuf *n, kbuf *pos, kbuf *kind, kbuf *arg, kbuf *obj, uint64_t *prev_obj,
                           const ana_slots *t, uint32_t kept, const ana_slot_touch *mods,
                           size_t nmods) {
  put_u(n, kept);
  put_u(n, nmods);
  put_u(n, t->n - kept);
  uint32_t prev_pos = 0;
  for (size_t i = 0; i < nmods; i++) {
    put_u(pos, mods[i].pos - prev_pos);
    prev_pos = mods[i].pos;
    put_z(obj, t->v[mods[i].pos].obj, *prev_obj);
    *prev_obj = t->v[mods[i].pos].obj;
  }
  uint64_t prev_arg = 0;
  for (uint32_t j = kept; j < t->n; j++) {
    const ana_slot *e = &t->v[j];
    put_u(kind, e->kind);
    put_z(arg, e->arg, prev_arg);
    put_z(obj, e->obj, *prev_obj);
    prev_arg = e->arg;
    *prev_obj = e->obj;
  }
}

/* One frame record, row by row in the frames column. */
static void put_frame(kcols *k, const ana_frame *f, int is_new, uint32_t kept,
                      const ana_slot_touch *mods, size_t nmods, uint64_t *prev_id, uint64_t *prev_obj) {
  kbuf *b = &k->c[C_FRAME];
  put_u(b, f->id - *prev_id);
  *prev_id = f->id;
  put_u(b, (uint64_t)is_new);
  put_u(b, f->location);
  put_u(b, f->parent);
  put_u(b, f->thread);
  put_u(b, f->call_seq);
  put_u(b, f->call_step);
  put_u(b, f->cur_location);
  put_u(b, f->cur_step);
  put_slot_delta(b, b, b, b, b, prev_obj, &f->slots, kept, mods, nmods);
}

/* One object record: its fields, then its slots as `kept` entries of the
** base, the rebound ones among them (mods, ascending), and the entries
** from `kept` on. */
static void put_record(kcols *k, const ana_obj *o, int is_new, uint32_t kept,
                       const ana_slot_touch *mods, size_t nmods) {
  put_u(&k->c[C_ID], o->id - k->prev_id);
  k->prev_id = o->id;
  put_u(&k->c[C_FLAGS], (uint64_t)(is_new | o->preexisting << 1 | o->is_int << 2));
  put_u(&k->c[C_TYPE], o->type);
  put_u(&k->c[C_SIZE], o->size);
  put_z(&k->c[C_ADDR], o->address, k->prev_addr);
  k->prev_addr = o->address;
  put_z(&k->c[C_ASEQ], o->alloc_seq, k->prev_aseq);
  k->prev_aseq = o->alloc_seq;
  put_z(&k->c[C_ASTEP], o->alloc_step, k->prev_astep);
  k->prev_astep = o->alloc_step;
  put_u(&k->c[C_REF], (uint64_t)(o->refcount + 1));
  put_z(&k->c[C_VAL], o->value, k->prev_val);
  k->prev_val = o->value;
  put_slot_delta(&k->c[C_SLOTN], &k->c[C_MPOS], &k->c[C_SKIND], &k->c[C_SARG], &k->c[C_SOBJ],
                 &k->prev_obj, &o->slots, kept, mods, nmods);
}

/* The payload 'K' 4 base_seq ncols lengths... columns..., deflated into a
** new blob prefixed with the payload's length. */
static int finish(kcols *k, uint64_t base_seq, uint8_t **data, size_t *len) {
  uint8_t head[16 + 10 * NCOLS];
  size_t h = 0;
  head[h++] = KF_MAGIC;
  head[h++] = KF_VERSION;
  h += trc_varint_put(head + h, base_seq);
  h += trc_varint_put(head + h, NCOLS);
  uint64_t raw = 0;
  for (int i = 0; i < NCOLS; i++) {
    h += trc_varint_put(head + h, k->c[i].n);
    raw += k->c[i].n;
  }
  raw += h;
  if (raw > ANA_KEYFRAME_MAX_RAW) return HR_ENOMEM;
  z_stream z;
  memset(&z, 0, sizeof z);
  z.zalloc = trc_zalloc;
  z.zfree = trc_zfree;
  if (deflateInit(&z, 1) != Z_OK) return HR_ENOMEM;
  size_t cap = 10 + deflateBound(&z, (uLong)raw);
  uint8_t *out = hr_malloc(cap);
  if (!out) {
    deflateEnd(&z);
    return HR_ENOMEM;
  }
  size_t pre = trc_varint_put(out, raw);
  z.next_out = out + pre;
  z.avail_out = (uInt)(cap - pre);
  int zr = Z_OK;
  for (int i = -1; i < NCOLS && zr == Z_OK; i++) {
    int last = i == NCOLS - 1;
    z.next_in = i < 0 ? head : k->c[i].p;
    z.avail_in = (uInt)(i < 0 ? h : k->c[i].n);
    if (z.avail_in || last) zr = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
  }
  size_t total = pre + z.total_out;
  deflateEnd(&z);
  if (zr != Z_STREAM_END) {
    hr_free(out);
    return HR_ENOMEM;
  }
  uint8_t *shrunk = hr_realloc(out, total);
  *data = shrunk ? shrunk : out;
  *len = total;
  return HR_OK;
}

static int encode(const ana_state *s, kcols *k, uint64_t base_seq, size_t nframes, size_t nffreed,
                  size_t nfreed, size_t nrec, uint8_t **data, size_t *len) {
  kbuf *hd = &k->c[C_HDR];
  put_u(hd, ana_state_seq(s));
  put_u(hd, ana_state_step(s));
  put_u(hd, ana_state_frame_id(s));
  put_u(hd, ana_state_location(s));
  put_u(hd, nframes);
  put_u(hd, nffreed);
  put_u(hd, nfreed);
  put_u(hd, nrec);
  if (cols_oom(k)) return HR_ENOMEM;
  return finish(k, base_seq, data, len);
}

int ana_keyframe_encode(const ana_state *s, uint8_t **data, size_t *len) {
  kcols k;
  memset(&k, 0, sizeof k);
  *data = NULL;
  *len = 0;
  size_t nf, n;
  const ana_frame **fr = ana_state_frames(s, &nf);
  if (!fr && ana_state_nframes(s)) return HR_ENOMEM;
  uint64_t prev_id = 0, prev_obj = 0;
  for (size_t i = 0; i < nf; i++) put_frame(&k, fr[i], 1, 0, NULL, 0, &prev_id, &prev_obj);
  hr_free(fr);
  const ana_obj **ob = ana_state_objs(s, &n);
  int rc = !ob && ana_state_nobjs(s) ? HR_ENOMEM : HR_OK;
  for (size_t i = 0; rc == HR_OK && i < n; i++) put_record(&k, ob[i], 1, 0, NULL, 0);
  hr_free(ob);
  if (rc == HR_OK) rc = encode(s, &k, 0, nf, 0, 0, n, data, len);
  cols_free(&k);
  return rc;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_touch(const void *a, const void *b) {
  const ana_slot_touch *x = a, *y = b;
  if (x->obj != y->obj) return x->obj < y->obj ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* Sort ids: least significant byte first, skipping the bytes all share
** (ids cluster, so two or three passes), with qsort for a few. */
static int sort_ids(uint64_t *a, size_t n) {
  if (n < 256) {
    qsort(a, n, sizeof *a, cmp_u64);
    return HR_OK;
  }
  uint64_t *tmp = hr_malloc(n * sizeof *tmp);
  if (!tmp) return HR_ENOMEM;
  uint64_t diff = 0;
  for (size_t i = 1; i < n; i++) diff |= a[i] ^ a[0];
  uint64_t *src = a, *dst = tmp;
  for (int shift = 0; shift < 64; shift += 8) {
    if (!(diff >> shift & 0xff)) continue;
    size_t count[257] = {0};
    for (size_t i = 0; i < n; i++) count[(src[i] >> shift & 0xff) + 1]++;
    for (int b = 0; b < 256; b++) count[b + 1] += count[b];
    for (size_t i = 0; i < n; i++) dst[count[src[i] >> shift & 0xff]++] = src[i];
    uint64_t *x = src;
    src = dst;
    dst = x;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
  hr_free(tmp);
  return HR_OK;
}

/* A sorted copy of n items without repeats; *out NULL when n is 0. */
static int sorted_unique(const void *v, size_t n, size_t size, int (*cmp)(const void *, const void *),
                         void **out, size_t *nout) {
  *out = NULL;
  *nout = 0;
  if (!n) return HR_OK;
  char *a = hr_malloc(n * size);
  if (!a) return HR_ENOMEM;
  memcpy(a, v, n * size);
  if (cmp == cmp_u64) {
    if (sort_ids((uint64_t *)(void *)a, n)) {
      hr_free(a);
      return HR_ENOMEM;
    }
  } else {
    qsort(a, n, size, cmp);
  }
  size_t k = 1;
  for (size_t i = 1; i < n; i++)
    if (cmp(a + (k - 1) * size, a + i * size) != 0) memcpy(a + k++ * size, a + i * size, size);
  *out = a;
  *nout = k;
  return HR_OK;
}

/* The sorted, unique copies of one kind of holder's changes. */
typedef struct kchanges {
  uint64_t *touched, *freed;
  ana_slot_touch *mods;
  size_t nt, nf, nm;
} kchanges;

static int changes_sorted(kchanges *c, const uint64_t *t, size_t nt, const uint64_t *f, size_t nf,
                          const ana_slot_touch *m, size_t nm) {
  memset(c, 0, sizeof *c);
  int rc = sorted_unique(t, nt, sizeof *t, cmp_u64, (void **)&c->touched, &c->nt);
  if (rc == HR_OK) rc = sorted_unique(f, nf, sizeof *f, cmp_u64, (void **)&c->freed, &c->nf);
  if (rc == HR_OK) rc = sorted_unique(m, nm, sizeof *m, cmp_touch, (void **)&c->mods, &c->nm);
  return rc;
}

static void changes_free(kchanges *c) {
  hr_free(c->touched);
  hr_free(c->freed);
  hr_free(c->mods);
}

static void put_freed(kbuf *b, const uint64_t *ids, size_t n) {
  uint64_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    put_u(b, ids[i] - prev);
    prev = ids[i];
  }
}

/* The rebound entries of holder id below kept: mods[*m ...), *m moved past id. */
static size_t holder_mods(const kchanges *c, size_t *m, uint64_t id, uint32_t kept, size_t *first) {
  while (*m < c->nm && c->mods[*m].obj < id) (*m)++;
  *first = *m;
  while (*m < c->nm && c->mods[*m].obj == id) (*m)++;
  /* Rebound entries past `kept` are written with the appended ones. */
  size_t n = 0;
  while (*first + n < *m && c->mods[*first + n].pos < kept) n++;
  return n;
}

int ana_keyframe_encode_delta(const ana_state *s, uint8_t **data, size_t *len, size_t *nrec) {
  ana_changes ch;
  *data = NULL;
  *len = 0;
  *nrec = 0;
  if (!ana_state_changes(s, &ch)) return HR_EUSAGE;
  kchanges co, cf;
  int rc = changes_sorted(&co, ch.touched, ch.ntouched, ch.freed, ch.nfreed, ch.slots, ch.nslots);
  int rcf = changes_sorted(&cf, ch.ftouched, ch.nftouched, ch.ffreed, ch.nffreed, ch.fslots, ch.nfslots);
  if (rc == HR_OK) rc = rcf;
  kcols k;
  memset(&k, 0, sizeof k);
  uint32_t epoch = ana_state_epoch(s);
  if (rc == HR_OK) {
    size_t m = 0, nframes = 0, n = 0, first;
    uint64_t prev_id = 0, prev_obj = 0;
    for (size_t i = 0; i < cf.nt; i++) {
      const ana_frame *f = ana_state_frame(s, cf.touched[i]);
      if (!f || f->mark != epoch) continue;   /* called and returned since the mark */
      uint32_t kept = f->born || f->base_n > f->slots.n ? 0 : f->base_n;
      size_t nm = holder_mods(&cf, &m, f->id, kept, &first);
      put_frame(&k, f, f->born, kept, cf.mods + first, nm, &prev_id, &prev_obj);
      nframes++;
    }
    put_freed(&k.c[C_FFREED], cf.freed, cf.nf);
    put_freed(&k.c[C_FREED], co.freed, co.nf);
    m = 0;
    for (size_t i = 0; i < co.nt; i++) {
      const ana_obj *o = ana_state_obj(s, co.touched[i]);
      if (!o || o->mark != epoch) continue;   /* made and freed since the mark */
      uint32_t kept = o->born || o->base_n > o->slots.n ? 0 : o->base_n;
      size_t nm = holder_mods(&co, &m, o->id, kept, &first);
      put_record(&k, o, o->born, kept, co.mods + first, nm);
      n++;
    }
    rc = encode(s, &k, ch.base_seq, nframes, cf.nf, co.nf, n, data, len);
    *nrec = n + nframes;
  }
  cols_free(&k);
  changes_free(&co);
  changes_free(&cf);
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
  if (in->p < in->end && *in->p < 0x80) return *in->p++;
  if (in->bad || trc_varint_get(&in->p, in->end, &v)) {
    in->bad = 1;
    in->p = in->end;
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

/* Inflate the blob's stream into a new buffer of exactly the stated
** length, or (want > 0) just its first `want` bytes at most. */
static int inflate_blob(const uint8_t *p, size_t len, size_t want, uint8_t **raw, size_t *rawlen) {
  const uint8_t *q = p, *end = p + len;
  uint64_t n;
  if (trc_varint_get(&q, end, &n) || n < 2 || n > ANA_KEYFRAME_MAX_RAW) return HR_ECORRUPT;
  size_t cap = want && want < n ? want : (size_t)n;
  uint8_t *out = hr_malloc(cap);
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
  z.avail_out = (uInt)cap;
  int zr = inflate(&z, cap < n ? Z_SYNC_FLUSH : Z_FINISH);
  int ok = cap < n ? (zr == Z_OK || zr == Z_BUF_ERROR) && z.total_out == cap
                   : zr == Z_STREAM_END && z.total_out == n && z.avail_in == 0;
  inflateEnd(&z);
  if (!ok) {
    hr_free(out);
    return zr == Z_MEM_ERROR ? HR_ENOMEM : HR_ECORRUPT;
  }
  *raw = out;
  *rawlen = cap;
  return HR_OK;
}

/* --- versions 1 to 3: one full snapshot, row by row ----------------------------- */

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

/* Frames, row by row, with their slots. */
static int get_frames(kin *in, ana_state *s, uint64_t n, uint64_t *prev_obj) {
  uint64_t prev = 0;
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

static int get_objs_v3(kin *in, ana_state *s, uint64_t *prev_obj, int version) {
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

static int decode_v3(ana_state *s, const uint8_t *raw, size_t rawlen) {
  kin in = {raw + 2, raw + rawlen, 0};
  uint64_t seq = get_u(&in), step = get_u(&in);
  uint64_t frame = get_u(&in), loc = get_u(&in);
  uint64_t prev_obj = 0;
  ana_state_reset(s);
  int rc = get_frames(&in, s, get_count(&in), &prev_obj);
  if (rc == HR_OK) rc = get_objs_v3(&in, s, &prev_obj, raw[1]);
  if (rc == HR_OK && (in.bad || in.p != in.end)) rc = HR_ECORRUPT;
  if (rc == HR_OK) ana_state_set_position(s, seq, step, frame, loc);
  return rc;
}

/* --- version 4 ------------------------------------------------------------------ */

/* A holder's slots (put_slot_delta): keep the first `kept` entries (all of
** them, or none), rebind some of those, append the rest. */
static int get_slot_delta(kin *n, kin *pos, kin *kind, kin *arg, kin *obj, ana_slots *t,
                          uint64_t *prev_obj) {
  uint64_t kept = get_u(n), nmods = get_u(n), napp = get_u(n);
  if (n->bad || (kept && kept != t->n) || nmods > kept ||
      nmods > (uint64_t)(pos->end - pos->p) || napp > (uint64_t)(kind->end - kind->p))
    return HR_ECORRUPT;
  if (!kept && t->n) ana_slots_reset(t);
  uint64_t at = 0;
  for (uint64_t i = 0; i < nmods; i++) {
    uint64_t d = get_u(pos);
    if (i && !d) return HR_ECORRUPT;
    at += d;
    uint64_t o = *prev_obj = get_z(obj, *prev_obj);
    if (at >= kept || pos->bad || obj->bad) return HR_ECORRUPT;
    ana_slot *e = &t->v[at];
    if (e->obj && !o) t->nbound--;
    if (!e->obj && o) t->nbound++;
    e->obj = o;
  }
  if (napp > 1 && t->n + napp <= UINT32_MAX / 2 && ana_slots_reserve(t, (uint32_t)(t->n + napp)))
    return HR_ENOMEM;
  uint64_t prev_arg = 0;
  for (uint64_t i = 0; i < napp; i++) {
    uint64_t k = get_u(kind);
    uint64_t a = prev_arg = get_z(arg, prev_arg);
    uint64_t o = *prev_obj = get_z(obj, *prev_obj);
    if (kind->bad || arg->bad || obj->bad || k < TRC_SLOT_LOCAL || k > TRC_SLOT_MAX)
      return HR_ECORRUPT;
    if (ana_slots_add(t, (int)k, a, o)) return HR_ENOMEM;
  }
  return HR_OK;
}

static int get_record_slots(kin *c, ana_slots *t, uint64_t *prev_obj) {
  return get_slot_delta(&c[C_SLOTN], &c[C_MPOS], &c[C_SKIND], &c[C_SARG], &c[C_SOBJ], t, prev_obj);
}

/* Frame records (put_frame). */
static int get_frame_records(kin *in, ana_state *s, uint64_t n) {
  uint64_t prev = 0, prev_obj = 0;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t d = get_u(in);
    if (i && !d) return HR_ECORRUPT;
    ana_frame f = {0};
    f.id = prev += d;
    uint64_t is_new = get_u(in);
    f.location = get_u(in);
    f.parent = get_u(in);
    f.thread = get_u(in);
    f.call_seq = get_u(in);
    f.call_step = get_u(in);
    f.cur_location = get_u(in);
    f.cur_step = get_u(in);
    if (in->bad || !f.id || is_new > 1) return HR_ECORRUPT;
    int rc;
    if (is_new) {
      if (ana_state_frame(s, f.id)) return HR_ECORRUPT;
      rc = get_slot_delta(in, in, in, in, in, &f.slots, &prev_obj);
      if (rc == HR_OK) rc = ana_state_add_frame(s, &f);
      if (rc) {
        ana_slots_reset(&f.slots);
        return rc;
      }
    } else {
      ana_frame *e = ana_state_frame_edit(s, f.id);
      if (!e) return HR_ECORRUPT;
      e->location = f.location;
      e->parent = f.parent;
      e->thread = f.thread;
      e->call_seq = f.call_seq;
      e->call_step = f.call_step;
      e->cur_location = f.cur_location;
      e->cur_step = f.cur_step;
      if ((rc = get_slot_delta(in, in, in, in, in, &e->slots, &prev_obj)) != HR_OK) return rc;
    }
  }
  return HR_OK;
}

static int get_records(kin *c, ana_state *s, uint64_t nrec) {
  uint64_t prev = 0, prev_addr = 0, prev_aseq = 0, prev_astep = 0, prev_val = 0, prev_obj = 0;
  for (uint64_t i = 0; i < nrec; i++) {
    uint64_t d = get_u(&c[C_ID]);
    if (i && !d) return HR_ECORRUPT;
    ana_obj o = {0};
    o.id = prev += d;
    uint64_t flags = get_u(&c[C_FLAGS]);
    o.type = get_u(&c[C_TYPE]);
    o.size = get_u(&c[C_SIZE]);
    o.address = prev_addr = get_z(&c[C_ADDR], prev_addr);
    o.alloc_seq = prev_aseq = get_z(&c[C_ASEQ], prev_aseq);
    o.alloc_step = prev_astep = get_z(&c[C_ASTEP], prev_astep);
    o.refcount = (int64_t)get_u(&c[C_REF]) - 1;
    o.value = prev_val = get_z(&c[C_VAL], prev_val);
    o.preexisting = (uint8_t)(flags >> 1 & 1);
    o.is_int = (uint8_t)(flags >> 2 & 1);
    for (int k = C_ID; k <= C_VAL; k++)
      if (c[k].bad) return HR_ECORRUPT;
    if (!o.id || flags > 7) return HR_ECORRUPT;
    int rc;
    if (flags & 1) {
      if (ana_state_obj(s, o.id)) return HR_ECORRUPT;
      rc = get_record_slots(c, &o.slots, &prev_obj);
      if (rc == HR_OK) rc = ana_state_add_obj(s, &o);
      if (rc) {
        ana_slots_reset(&o.slots);
        return rc;
      }
    } else {
      ana_obj *e = ana_state_obj_edit(s, o.id);
      if (!e) return HR_ECORRUPT;
      e->type = o.type;
      e->size = o.size;
      e->address = o.address;
      e->alloc_seq = o.alloc_seq;
      e->alloc_step = o.alloc_step;
      e->refcount = o.refcount;
      e->value = o.value;
      e->preexisting = o.preexisting;
      e->is_int = o.is_int;
      if ((rc = get_record_slots(c, &e->slots, &prev_obj)) != HR_OK) return rc;
    }
  }
  return HR_OK;
}

static int apply_v4(ana_state *s, const uint8_t *raw, size_t rawlen) {
  kin in = {raw + 2, raw + rawlen, 0};
  uint64_t base = get_u(&in), ncols = get_u(&in);
  if (in.bad || ncols != NCOLS) return HR_ECORRUPT;
  if (base ? ana_state_seq(s) != base : 0) return HR_ECORRUPT;
  kin c[NCOLS];
  const uint8_t *at = NULL;
  uint64_t lens[NCOLS];
  for (int i = 0; i < NCOLS; i++) lens[i] = get_u(&in);
  if (in.bad) return HR_ECORRUPT;
  at = in.p;
  for (int i = 0; i < NCOLS; i++) {
    if (lens[i] > (uint64_t)(in.end - at)) return HR_ECORRUPT;
    c[i] = (kin){at, at + lens[i], 0};
    at += lens[i];
  }
  if (at != in.end) return HR_ECORRUPT;
  kin *hd = &c[C_HDR];
  uint64_t seq = get_u(hd), step = get_u(hd), frame = get_u(hd), loc = get_u(hd);
  uint64_t nframes = get_u(hd), nffreed = get_u(hd), nfreed = get_u(hd), nrec = get_u(hd);
  if (hd->bad || hd->p != hd->end || nframes > lens[C_FRAME] || nffreed > lens[C_FFREED] ||
      nfreed > lens[C_FREED] || nrec > lens[C_ID] || (base && seq <= base))
    return HR_ECORRUPT;
  if (!base) ana_state_reset(s);
  int rc = HR_OK;
  uint64_t prev = 0;
  for (uint64_t i = 0; rc == HR_OK && i < nffreed; i++) {
    uint64_t d = get_u(&c[C_FFREED]);
    if ((i && !d) || c[C_FFREED].bad || !ana_state_del_frame(s, prev += d)) rc = HR_ECORRUPT;
  }
  if (rc == HR_OK) rc = get_frame_records(&c[C_FRAME], s, nframes);
  prev = 0;
  for (uint64_t i = 0; rc == HR_OK && i < nfreed; i++) {
    uint64_t d = get_u(&c[C_FREED]);
    if ((i && !d) || c[C_FREED].bad || !ana_state_del_obj(s, prev += d)) rc = HR_ECORRUPT;
  }
  if (rc == HR_OK) rc = get_records(c, s, nrec);
  for (int i = 0; rc == HR_OK && i < NCOLS; i++)
    if (c[i].bad || c[i].p != c[i].end) rc = HR_ECORRUPT;
  if (rc == HR_OK) ana_state_set_position(s, seq, step, frame, loc);
  return rc;
}

int ana_keyframe_base(const void *data, size_t len, uint64_t *base_seq) {
  uint8_t *raw = NULL;
  size_t rawlen = 0;
  *base_seq = 0;
  if (len > UINT32_MAX) return HR_ECORRUPT;
  int rc = inflate_blob(data, len, 12, &raw, &rawlen);
  if (rc) return rc;
  if (rawlen < 2 || raw[0] != KF_MAGIC || raw[1] < 1 || raw[1] > KF_VERSION) rc = HR_ECORRUPT;
  if (rc == HR_OK && raw[1] >= 4) {
    kin in = {raw + 2, raw + rawlen, 0};
    *base_seq = get_u(&in);
    if (in.bad) rc = HR_ECORRUPT;
  }
  hr_free(raw);
  return rc;
}

int ana_keyframe_apply(ana_state *s, const void *data, size_t len) {
  uint8_t *raw = NULL;
  size_t rawlen = 0;
  int rc = len > UINT32_MAX ? HR_ECORRUPT : inflate_blob(data, len, 0, &raw, &rawlen);
  if (rc == HR_OK && (raw[0] != KF_MAGIC || raw[1] < 1 || raw[1] > KF_VERSION)) rc = HR_ECORRUPT;
  if (rc == HR_OK) rc = raw[1] >= 4 ? apply_v4(s, raw, rawlen) : decode_v3(s, raw, rawlen);
  hr_free(raw);
  if (rc) ana_state_reset(s);
  return rc;
}

int ana_keyframe_decode(ana_state *s, const void *data, size_t len) {
  uint64_t base = 0;
  ana_state_reset(s);
  int rc = ana_keyframe_base(data, len, &base);
  if (rc == HR_OK && base) rc = HR_ECORRUPT;   /* a delta needs its base */
  if (rc == HR_OK) rc = ana_keyframe_apply(s, data, len);
  if (rc) ana_state_reset(s);
  return rc;
}
