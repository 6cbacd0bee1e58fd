/* rec_output.h — the program's text on the terminal, for the progress line.
**
** rec_main draws a progress line on stderr when stderr is a terminal. The
** program's own text must never be erased or run into by it: rec_output.c
** sees every text write to sys.stdout and sys.stderr (print, tracebacks)
** and their binary buffers (sys.stderr.buffer.write) and, for those whose
** file descriptor is the terminal, calls `before` ahead of the write (to
** wipe a progress line) and remembers whether the text left a line open.
** os.write and child processes are not seen. All calls with the GIL held.
*/
#ifndef REC_OUTPUT_H
#define REC_OUTPUT_H

/* Start watching; before is called with the GIL held. Returns HR_OK, or an
** error (nothing watched). */
int rec_output_watch_terminal(void (*before)(void));
void rec_output_unwatch_terminal(void);

/* 1 when the program's last text to the terminal did not end with '\n'. */
int rec_output_terminal_mid_line(void);

#endif /* REC_OUTPUT_H */
