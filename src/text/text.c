/* text — placeholder, being written. */
int lis_placeholder_text_text;
