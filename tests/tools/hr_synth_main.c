/* hr_synth_main.c — hr-synth: write the synthetic test trace (hr_synth.h).
**
** usage: hr-synth [--incomplete] [--keyframes N] <out>
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hr_mem.h"
#include "hr_synth.h"

int main(int argc, char **argv) {
  hr_synth_options opt = {0, 0, 0, 0};
  const char *out = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--incomplete") == 0) opt.incomplete = 1;
    else if (strcmp(argv[i], "--keyframes") == 0 && i + 1 < argc)
      opt.keyframe_every = strtoull(argv[++i], NULL, 10);
    else if (argv[i][0] != '-' && !out) out = argv[i];
    else {
      fputs("usage: hr-synth [--incomplete] [--keyframes N] <out>\n", stderr);
      return 2;
    }
  }
  if (!out) {
    fputs("usage: hr-synth [--incomplete] [--keyframes N] <out>\n", stderr);
    return 2;
  }
  char *err = NULL;
  if (hr_synth_write(out, &opt, &err)) {
    fprintf(stderr, "hr-synth: cannot write '%s': %s\n", out, err ? err : "failed");
    hr_free(err);
    return 1;
  }
  return 0;
}
