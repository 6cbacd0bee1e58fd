/* trc_event.c — names of event and slot kinds, and the tables a trace has. */
#include <string.h>

#include "trc_event.h"
#include "trc_schema.h"

static const char *const kind_names[] = {
  NULL, "step", "call", "return", "bind", "unbind", "alloc", "incref",
  "decref", "free", "gc", "mark", "exception", "mem", "track", "resize", "value", "site",
  "intvalue"};

static const unsigned char kind_nfields[] = TRC_KIND_NFIELDS_INIT;

static const char *const slot_names[] = {
  NULL, "local", "global", "cell", "item", "key", "value", "attr",
  "element", "contents", "closure", "other"};

const char *const trc_schema_tables[] = {
  "meta", "strings", "locations", "types", "threads", "sources", "markers", "chunks",
  "keyframes", NULL};

const char *trc_kind_name(int kind) {
  return kind >= 1 && kind <= TRC_EV_KIND_MAX ? kind_names[kind] : NULL;
}

int trc_kind_from_name(const char *name) {
  for (int k = 1; name && k <= TRC_EV_KIND_MAX; k++)
    if (strcmp(kind_names[k], name) == 0) return k;
  return 0;
}

int trc_kind_nfields(int kind) {
  return kind >= 1 && kind <= TRC_EV_KIND_MAX ? kind_nfields[kind] : 0;
}

const char *trc_slot_name(int slot) {
  return slot >= 1 && slot <= TRC_SLOT_MAX ? slot_names[slot] : NULL;
}
