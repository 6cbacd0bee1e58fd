/* hr_status.h — status codes returned by every heapreel function that can fail.
**
** Functions return one of these; the message that explains a failure is kept
** on the object (or handed back as an owned string) and only the command-line
** layer prints it.
*/
#ifndef HR_STATUS_H
#define HR_STATUS_H

enum hr_status {
  HR_OK = 0,
  HR_ENOMEM = 1,     /* an allocation failed */
  HR_EIO = 2,        /* a file could not be opened, read or written */
  HR_ESQL = 3,       /* SQLite reported an error */
  HR_ECORRUPT = 4,   /* a trace (or a chunk in it) is damaged */
  HR_EVERSION = 5,   /* a trace of an unknown major version */
  HR_EFORMAT = 6,    /* not a heapreel trace */
  HR_EUSAGE = 7,     /* bad arguments from the caller */
  HR_ERANGE = 8,     /* a step, sequence number or id out of range */
  HR_ENOTFOUND = 9,  /* no such object, mark, line ... */
  HR_EPYTHON = 10    /* the embedded interpreter failed */
};

/* Short fixed description of a status ("out of memory", ...). */
const char *hr_status_str(int status);

#endif /* HR_STATUS_H */
