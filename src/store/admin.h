/* admin — the store's own commands: `lis migrate` and `lis copy`.
 *
 * Both work through store.h only, so they serve every backend: migrate
 * applies the schema versions a store lacks (migrations.h), copy moves a whole
 * store (every parcel version, communes, planning zones, registry) from one
 * location to another, e.g. a province's SQLite directory into PostgreSQL,
 * and checks that the counts agree. Each takes argv as main() hands it
 * (argv[0] is the command name) and returns the process exit code. */
#ifndef LIS_STORE_ADMIN_H
#define LIS_STORE_ADMIN_H

int store_migrate_cmd(int argc, char **argv);
int store_copy_cmd(int argc, char **argv);

#endif
