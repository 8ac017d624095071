/* derive — placeholder, being written. */
int lis_placeholder_derive;
