/* hr_size.c — sizes for people (hr_size.h). */
#include "hr_size.h"

#include <stdio.h>

char *hr_size_format(uint64_t n, char *buf, size_t len) {
  if (n < 1000) snprintf(buf, len, "%llu bytes", (unsigned long long)n);
  else if (n < 1000000) snprintf(buf, len, "%.1f kB", (double)n / 1e3);
  else if (n < 1000000000) snprintf(buf, len, "%.1f MB", (double)n / 1e6);
  else snprintf(buf, len, "%.1f GB", (double)n / 1e9);
  return buf;
}
