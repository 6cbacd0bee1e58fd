/* cli_heap.h — what leaks, cycles and peak print alike: allocation sites with
** their Python stacks, and groups of objects by site, as text and as JSON.
*/
#ifndef CLI_HEAP_H
#define CLI_HEAP_H

#include <stdint.h>
#include <stdio.h>

#include "ana_heap.h"
#include "ana_leaks.h"
#include "cli_json.h"

/* Where a peak or an allocation happened when no Python line was running
** (location 0): the start-up, which compiles the script. */
#define CLI_HEAP_NO_LINE "before the script's first line"
/* `file:line in function` of a location, or CLI_HEAP_NO_LINE. */
void cli_heap_put_loc(FILE *out, ana_trace *t, uint64_t location);
/* A stack of locations (borrowed), outermost first: `a.py:9 in <module> → a.py:4 in f`. */
void cli_heap_put_stack(FILE *out, ana_trace *t, const uint64_t *stack, uint32_t depth);
/* A stack as a JSON array of {file, line, function}. */
void cli_heap_json_stack(cli_json *j, ana_trace *t, const uint64_t *stack, uint32_t depth);
/* The keys file, line, function and stack of a site (NULL: all null / empty). */
void cli_heap_json_site(cli_json *j, ana_trace *t, const ana_site *site);

/* Group rows as text: bytes, count, type, site and stack, each indented by
** `indent` spaces; at most `max` groups (0: all), then a "... more" line. */
void cli_heap_put_groups(ana_trace *t, const ana_heap *h, const ana_leak_group *g, size_t n,
                         size_t max);
/* One group's JSON keys: file, line, function, type, count, bytes, stack. */
void cli_heap_json_group_keys(cli_json *j, ana_trace *t, const ana_heap *h, const ana_leak_group *g);

#endif /* CLI_HEAP_H */
