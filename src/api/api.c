/* api — placeholder, being written. */
int lis_placeholder_api_api;
#include "api/api.h"
int api_serve_cmd(int argc, char **argv) { (void)argc; (void)argv; return 1; }
