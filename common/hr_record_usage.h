/* hr_record_usage.h — the synopsis and option lines `heapreel record` and
** heapreel-record both print: the command line checks the options before it
** runs the recorder, which parses the same ones, so one text serves both. */
#ifndef HR_RECORD_USAGE_H
#define HR_RECORD_USAGE_H

/* After "usage: heapreel record " or "usage: heapreel-record " (both 23 columns). */
#define HR_RECORD_SYNOPSIS \
  "[-o FILE [--force]] [--all-frames] [--detail full|alloc]\n" \
  "                       [--follow-fork] [--stack-depth N]\n" \
  "                       [--start-at-mark LABEL | --start-paused] [--verbose]\n" \
  "                       (SCRIPT | -m MODULE | -c CODE) [ARGS...]\n"

#define HR_RECORD_OPTIONS \
  "    -o FILE               write the trace to FILE (default: <script stem>.heapreel,\n" \
  "                          MODULE.heapreel for -m, c.heapreel for -c); a trace there is\n" \
  "                          replaced, anything else is an error\n" \
  "    --force               let -o replace a regular file that is not a trace\n" \
  "    --all-frames          record standard-library and site-packages frames too\n" \
  "    --detail full|alloc   'alloc': allocations, frees, sizes and stacks only (big programs)\n" \
  "    --stack-depth N       user frames kept per allocation stack (alloc, regions; default 8)\n" \
  "    --start-at-mark LABEL record from heapreel.mark(LABEL) on (full: until heapreel.stop(),\n" \
  "                          and again at each later mark LABEL)\n" \
  "    --start-paused        record from heapreel.start() to heapreel.stop() (full: as many\n" \
  "                          regions as the program starts; alloc: one)\n" \
  "    --follow-fork         record each forked child too, into <trace stem>.<pid>.heapreel\n" \
  "                          (alloc detail, from the fork on); without it a child is not recorded\n" \
  "    --verbose             end with 'heapreel: recorded FILE: N events, SIZE' on stderr\n" \
  "                          even when it is not a terminal (it is the program's otherwise)\n" \
  "    -m MODULE             run MODULE as 'python3.11 -m MODULE' would (its own frames\n" \
  "                          are recorded even when it is in the standard library)\n" \
  "    -c CODE               run CODE as 'python3.11 -c CODE' would\n"

#endif /* HR_RECORD_USAGE_H */
