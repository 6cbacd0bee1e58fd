/* hr_size.h — the one way a size is shown to a person: decimal (SI) units,
** "123 bytes", "45.6 kB", "1.2 MB", "3.4 GB", as file managers and `ls -h
** --si` show them. Outputs where exactness matters (the analysis's text and
** --json) print the raw byte count instead.
*/
#ifndef HR_SIZE_H
#define HR_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* Longest result: "18446744073.7 GB" and the NUL. */
#define HR_SIZE_LEN 24

/* n bytes as text into buf (len >= HR_SIZE_LEN keeps it whole); returns buf. */
char *hr_size_format(uint64_t n, char *buf, size_t len);

#endif /* HR_SIZE_H */
