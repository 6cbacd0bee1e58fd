/* hr_status.c — descriptions of heapreel's status codes. */
#include "hr_status.h"

const char *hr_status_str(int status) {
  switch (status) {
  case HR_OK: return "ok";
  case HR_ENOMEM: return "out of memory";
  case HR_EIO: return "input/output error";
  case HR_ESQL: return "database error";
  case HR_ECORRUPT: return "trace is corrupt";
  case HR_EVERSION: return "unsupported trace version";
  case HR_EFORMAT: return "not a heapreel trace";
  case HR_EUSAGE: return "bad usage";
  case HR_ERANGE: return "out of range";
  case HR_ENOTFOUND: return "not found";
  case HR_EPYTHON: return "python error";
  default: return "unknown error";
  }
}
