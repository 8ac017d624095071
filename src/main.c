/* lis — the land information portal's one binary.
 *
 * Dispatches to a subcommand; each parses its own flags and has --help. */
#include "api/api.h"
#include "auth/usercmd.h"
#include "demo/demo.h"
#include "import/import.h"
#include "store/admin.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"serve", api_serve_cmd, "serve the portal and its API over HTTP"},
    {"demo", demo_cmd, "write a demo province (Lạng Sơn) into a store"},
    {"import", import_cmd, "import parcels, communes, planning zones or registry records"},
    {"migrate", store_migrate_cmd, "bring a store's schema up to this lis"},
    {"copy", store_copy_cmd, "copy a whole store between locations (SQLite, PostgreSQL)"},
    {"user", usercmd_user, "manage accounts: first admin, roles, plans, locks"},
    {"plan", usercmd_plan, "list or change the service plans"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: lis COMMAND [OPTIONS]\n\n"
               "LIS, the land information portal of a province.\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'lis COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lis 0.1.0\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "lis: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
