/* api — `lis serve`: the HTTP API over a store.
 *
 * Holds the route table (method, path, parameter checks) and the handlers;
 * http/ carries requests to them, store/ answers them. */
#ifndef LIS_API_H
#define LIS_API_H

int api_serve_cmd(int argc, char **argv); /* process exit code */

#endif
