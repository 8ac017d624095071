/* err — the one error vocabulary of LIS.
 *
 * Functions that can fail return 0 or one of these negative codes; the
 * detailed text stays on the object that failed (store_errmsg(), ...).
 * lis_err_status() is the single mapping from a code to an HTTP status. */
#ifndef LIS_ERR_H
#define LIS_ERR_H

enum lis_err {
    LIS_OK = 0,
    LIS_EINVAL = -1,    /* bad input: malformed, out of range */
    LIS_ENOTFOUND = -2, /* no such object */
    LIS_ECONFLICT = -3, /* violates a uniqueness or state rule */
    LIS_ETOOBIG = -4,   /* over a size, page or area limit */
    LIS_EIO = -5,       /* a file, database or library failed */
    LIS_EUNAVAIL = -6,  /* a backend is temporarily unreachable */
    LIS_EAUTH = -7,     /* not logged in */
    LIS_EFORBIDDEN = -8,/* logged in, not allowed */
    LIS_ELIMIT = -9,    /* rate limit or quota */
    LIS_EINTERNAL = -10,/* a bug */
};

const char *lis_strerror(int err);   /* static string; never NULL */
int lis_err_status(int err);         /* HTTP status for the code */

#endif
