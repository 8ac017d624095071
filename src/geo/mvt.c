/* mvt — placeholder, being written. */
int lis_placeholder_geo_mvt;
