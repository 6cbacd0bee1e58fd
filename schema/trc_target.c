/* trc_target.c — where a trace may be written: never over something that is not a trace. */
#include "trc_target.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hr_mem.h"
#include "hr_status.h"

static const char sqlite_magic[16] = "SQLite format 3";   /* with its NUL: 16 bytes */

/* "file:" URI of path with every byte but the plainest percent-encoded, so
** '?', '#' and '%' in a name stay part of it. Owned; NULL when out of memory. */
static char *uri_of(const char *path) {
  size_t n = strlen(path);
  char *u = hr_malloc(5 + 3 * n + sizeof "?immutable=1");
  if (!u) return NULL;
  char *p = u + sprintf(u, "file:");
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *c = (const unsigned char *)path; *c; c++) {
    if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
        *c == '/' || *c == '.' || *c == '_' || *c == '-') {
      *p++ = (char)*c;
    } else {
      *p++ = '%';
      *p++ = hex[*c >> 4];
      *p++ = hex[*c & 15];
    }
  }
  strcpy(p, "?immutable=1");
  return u;
}

int trc_target_is_trace(const char *path) {
  /* The magic first: an arbitrary file is never handed to SQLite. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return 0;
  struct stat st;
  char head[16];
  int magic = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              read(fd, head, sizeof head) == (ssize_t)sizeof head &&
              memcmp(head, sqlite_magic, sizeof head) == 0;
  close(fd);
  if (!magic) return 0;
  /* immutable: the main file alone, no lock, no -wal or -shm made or read.
  ** The meta rows of a trace are in it from its creation on. */
  char *uri = uri_of(path);
  if (!uri) return 0;
  sqlite3 *db = NULL;
  int rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
  hr_free(uri);
  int found = 0;
  if (rc == SQLITE_OK) {
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM meta WHERE key = 'format_major'", -1, &q, NULL) ==
        SQLITE_OK)
      found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
  }
  sqlite3_close(db);
  return found;
}

static const char *kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a directory";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISFIFO(m)) return "a fifo";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

int trc_target_check(const char *path, const char *script, int force, char **errmsg) {
  *errmsg = NULL;
  struct stat st;
  if (stat(path, &st) != 0) return HR_OK;   /* nothing there (or a dangling link, replaced) */
  if (!S_ISREG(st.st_mode)) {
    *errmsg = hr_sprintf("cannot write trace '%s': it is %s, not a trace file", path,
                         kind_of(st.st_mode));
    return HR_EUSAGE;
  }
  struct stat sc;
  if (script && stat(script, &sc) == 0 && sc.st_dev == st.st_dev && sc.st_ino == st.st_ino) {
    *errmsg = hr_sprintf("cannot write trace '%s': it is the script being recorded", path);
    return HR_EUSAGE;
  }
  if (force || st.st_size == 0 || trc_target_is_trace(path)) return HR_OK;
  *errmsg = hr_sprintf("cannot write trace '%s': it exists and is not a heapreel trace "
                       "(--force replaces it)", path);
  return HR_EUSAGE;
}
