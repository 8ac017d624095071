/* landuse — placeholder, being written. */
int lis_placeholder_land_landuse;
