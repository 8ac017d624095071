/* source — placeholder, being written. */
int lis_placeholder_geo_source;
