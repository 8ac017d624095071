/* names — placeholder, being written. */
int lis_placeholder_demo_names;
