/* server — placeholder, being written. */
int lis_placeholder_http_server;
