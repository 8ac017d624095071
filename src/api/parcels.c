/* parcels — placeholder, being written. */
int lis_placeholder_api_parcels;
