/* import — placeholder, being written. */
int lis_placeholder_import_import;
#include "import/import.h"
int import_cmd(int argc, char **argv) { (void)argc; (void)argv; return 1; }
