/* migrations — the schema versions of every store backend, in one list.
 *
 * Version n is a step from n - 1, given once per backend: SQL for SQLite
 * (land.gpkg as main, registry.db attached as `registry`) and for PostgreSQL
 * (schemas land, registry, portal; "@SRID@" stands for the province CRS's
 * EPSG code, an integer read from the store's own settings). Version 1 is the
 * schema a new store gets; the rows that depend on settings (CRS rows,
 * land-use codes, lis_meta / land.meta) are written by each backend's creation
 * code. A backend records the version it reached in its meta table
 * (schema_version); `lis migrate` applies what is missing and a store newer
 * than store_schema_latest() is refused. Only src/store reads this. */
#ifndef LIS_STORE_MIGRATIONS_H
#define LIS_STORE_MIGRATIONS_H

struct store_migration {
    int version;          /* 1, 2, ... in order */
    const char *what;     /* one line for `lis migrate` to print */
    const char *sqlite;   /* SQL for the SQLite backend; NULL: nothing to do there */
    const char *postgres; /* SQL for the PostgreSQL backend; NULL: nothing to do there */
};

/* The list, ordered by version; *n gets its length. Static storage. */
const struct store_migration *store_migrations(int *n);
/* The version this binary's code reads and writes (the last in the list). */
int store_schema_latest(void);

#endif
