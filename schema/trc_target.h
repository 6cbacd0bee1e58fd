/* trc_target.h — where a trace may be written: never over something that is not a trace.
**
** A recording writes its file before the program runs, so a wrong -o would
** destroy what is there (the script itself, a device, any file). The check
** runs before anything is created: a path that does not exist, an empty
** regular file or a heapreel trace may take the trace; a regular file that
** is no trace only with force; a directory, device, fifo or socket never,
** nor the recorded script itself (the same file by any spelling: a link, a
** symlink, ./x.py), force or not.
*/
#ifndef TRC_TARGET_H
#define TRC_TARGET_H

/* HR_OK when path may be written; otherwise HR_EUSAGE with *errmsg (owned)
** naming path and why. script is the recorded program's file (NULL: none). */
int trc_target_check(const char *path, const char *script, int force, char **errmsg);

/* 1 when path is a regular file holding a heapreel trace (its meta names a
** format), read without touching any side file. */
int trc_target_is_trace(const char *path);

#endif /* TRC_TARGET_H */
