/* demo — placeholder, being written. */
int lis_placeholder_demo_demo;
#include "demo/demo.h"
int demo_cmd(int argc, char **argv) { (void)argc; (void)argv; return 1; }
