/* hr_opt.c — getopt_long over an hr_opt table, with git-style messages. */
#include "hr_opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hr_opts_init(hr_opts *o, int argc, char **argv, const hr_opt *table, int in_order) {
  memset(o, 0, sizeof *o);
  o->argc = argc;
  o->argv = argv;
  o->table = table;
  /* '+': stop at the first operand; ':': report a missing value apart from
  ** an unknown option, and print nothing (the caller does). */
  char *s = o->shorts;
  int k = 0;
  if (in_order) *s++ = '+';
  *s++ = ':';
  for (int i = 0; table[i].name && i < HR_OPT_MAX; i++) {
    if (table[i].name[0]) {
      o->lo[k].name = table[i].name;
      o->lo[k].has_arg = table[i].has_arg ? required_argument : no_argument;
      o->lo[k].flag = NULL;
      o->lo[k++].val = 256 + i;
    }
    if (table[i].short_name) {
      *s++ = table[i].short_name;
      if (table[i].has_arg) *s++ = ':';
    }
  }
  *s = '\0';
  /* A table longer than HR_OPT_MAX would lose options silently: refuse it. */
  int n = 0;
  while (n <= HR_OPT_MAX && table[n].name) n++;
  o->too_long = n > HR_OPT_MAX;
  optind = 0;              /* glibc: start afresh, re-reading POSIXLY_CORRECT and the '+' */
  opterr = 0;
}

static const hr_opt *by_code(const hr_opts *o, int c) {
  for (int i = 0; o->table[i].name && i < HR_OPT_MAX; i++)
    if (c == 256 + i || (c > 0 && c < 256 && c == o->table[i].short_name)) return &o->table[i];
  return NULL;
}

/* Which long names start with the text of an unknown or ambiguous option. */
static int prefix_matches(const hr_opts *o, const char *text) {
  size_t n = strcspn(text, "=");
  int k = 0;
  for (int i = 0; o->table[i].name && i < HR_OPT_MAX; i++)
    if (o->table[i].name[0] && strncmp(o->table[i].name, text, n) == 0) k++;
  return k;
}

int hr_opts_next(hr_opts *o) {
  if (o->too_long) {
    snprintf(o->err, sizeof o->err, "more than %d options in one table", HR_OPT_MAX);
    return -1;
  }
  int c = getopt_long(o->argc, o->argv, o->shorts, o->lo, NULL);
  o->arg = optarg;
  if (c == -1) return 0;
  /* glibc leaves optind just past the element it read (operands it skipped
  ** are moved behind it on the next call). */
  const char *text = optind >= 2 && optind - 1 < o->argc ? o->argv[optind - 1] : "";
  if (c == '?') {
    int n = (int)strcspn(text, "=");
    if (optopt >= 256) snprintf(o->err, sizeof o->err, "option '%.*s' takes no value", n, text);
    else if (optopt) snprintf(o->err, sizeof o->err, "unknown option '-%c'", optopt);
    else if (strncmp(text, "--", 2) == 0 && prefix_matches(o, text + 2) > 1)
      snprintf(o->err, sizeof o->err, "ambiguous option '%.*s'", n, text);
    else snprintf(o->err, sizeof o->err, "unknown option '%s'", text);
    return -1;
  }
  const hr_opt *d = by_code(o, c == ':' ? optopt : c);
  if (!d) {
    snprintf(o->err, sizeof o->err, "unknown option '%s'", text);
    return -1;
  }
  if (c < 256 && c != ':') snprintf(o->name, sizeof o->name, "-%c", c);
  else if (c == ':' && optopt < 256) snprintf(o->name, sizeof o->name, "-%c", optopt);
  else snprintf(o->name, sizeof o->name, "--%s", d->name);
  if (c == ':' || (d->has_arg && (!o->arg || !*o->arg))) {
    snprintf(o->err, sizeof o->err, "option '%s' needs %s", o->name, d->needs ? d->needs : "a value");
    return -1;
  }
  return d->id;
}

int hr_opts_index(const hr_opts *o) {
  (void)o;
  return optind ? optind : 1;
}

int hr_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v) {
  if (!s || *s < '0' || *s > '9') return -1;
  char *end;
  errno = 0;
  unsigned long long x = strtoull(s, &end, 10);
  if (errno || *end || x < min || x > max) return -1;
  *v = x;
  return 0;
}

int hr_scan_u64(const char **s, const char *ends, uint64_t *v) {
  const char *p = *s;
  uint64_t x = 0;
  if (*p < '0' || *p > '9') return 0;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (x > (UINT64_MAX - 9) / 10) return 0;
    x = x * 10 + (uint64_t)(*p - '0');
  }
  if (!strchr(ends, *p)) return 0;
  *v = x;
  *s = *p ? p + 1 : p;
  return 1;
}
