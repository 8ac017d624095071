/* store — placeholder, being written. */
int lis_placeholder_store_store;
