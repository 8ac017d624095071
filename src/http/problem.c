/* problem — placeholder, being written. */
int lis_placeholder_http_problem;
