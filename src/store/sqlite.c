/* sqlite — placeholder, being written. */
int lis_placeholder_store_sqlite;
