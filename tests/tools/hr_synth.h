/* hr_synth.h — a small synthetic trace with known answers, for analyzer tests.
**
** Writes, through the trace writer, what recording this program would give:
**
**    1  x = [1, 2]
**    2  y = x
**    3  def f(a):
**    4      b = [a]
**    5      return b
**    6  heapreel.mark("mid")
**    7  z = f(x)
**    8  del x
**    9  y = None; junk = {}; junk['self'] = junk; del junk
**   10  z = None
**   11  gc.collect()
**
** Steps 1..12 (line 7 runs as steps 5 and 8, around the call), the mark
** "end" after step 12, then the teardown frees f. Object ids: 1, 2 the small
** ints, 3 the list x, 4 the function f, 5 the list b, 6 None, 7 the dict
** freed by the collector. Memory peaks at 5000 bytes in step 6 (line 4).
*/
#ifndef HR_SYNTH_H
#define HR_SYNTH_H

#include <stdint.h>

typedef struct hr_synth_options {
  int incomplete;          /* stop before the end mark, as a killed run would */
  uint64_t keyframe_every; /* write a keyframe before every Nth step; 0: none */
  int bad_keyframe_step;   /* write garbage as the keyframe of this step; 0: none */
  uint32_t chunk_events;   /* events per chunk; 0: a small number, to get many chunks */
} hr_synth_options;

/* Write the trace at path. HR_OK, or a status with *errmsg (owned) set. */
int hr_synth_write(const char *path, const hr_synth_options *opt, char **errmsg);

#endif /* HR_SYNTH_H */
