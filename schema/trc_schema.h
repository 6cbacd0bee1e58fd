/* trc_schema.h — the embedded text of schema/schema.sql. */
#ifndef TRC_SCHEMA_H
#define TRC_SCHEMA_H

/* The whole of schema/schema.sql, NUL-terminated. */
extern const char trc_schema_sql[];

/* Tables every trace must have (NULL-terminated list). */
extern const char *const trc_schema_tables[];

#endif /* TRC_SCHEMA_H */
