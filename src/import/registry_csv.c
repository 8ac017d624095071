/* registry_csv — placeholder, being written. */
int lis_placeholder_import_registry_csv;
