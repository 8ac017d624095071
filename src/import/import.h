/* import — `lis import`: brings parcels, communes, planning zones (any GDAL
 * vector source) and registry records (CSV) into a store, all or nothing. */
#ifndef LIS_IMPORT_H
#define LIS_IMPORT_H

int import_cmd(int argc, char **argv); /* process exit code */

#endif
