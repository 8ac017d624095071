/* demo — `lis demo`: writes a believable demo province (Lạng Sơn) into a store.
 *
 * Real commune-level units and their boundaries (data/langson/), each
 * divided among its former communes of survey; parcels as a cadastral fabric
 * (geo/fabric.h); land uses, addresses, holders, certificates, rights,
 * restrictions, history and planning zones. Deterministic for a seed. */
#ifndef LIS_DEMO_H
#define LIS_DEMO_H

int demo_cmd(int argc, char **argv); /* process exit code */

#endif
