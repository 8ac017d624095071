/* err — see err.h. */
#include "core/err.h"

static const struct {
    int code;
    int status;
    const char *msg;
} table[] = {
    {LIS_OK, 200, "ok"},
    {LIS_EINVAL, 400, "invalid input"},
    {LIS_ENOTFOUND, 404, "not found"},
    {LIS_ECONFLICT, 409, "conflict"},
    {LIS_ETOOBIG, 413, "too large"},
    {LIS_EIO, 500, "input/output error"},
    {LIS_EUNAVAIL, 503, "service unavailable"},
    {LIS_EAUTH, 401, "authentication required"},
    {LIS_EFORBIDDEN, 403, "forbidden"},
    {LIS_ELIMIT, 429, "too many requests"},
    {LIS_EINTERNAL, 500, "internal error"},
};

const char *lis_strerror(int err)
{
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == err)
            return table[i].msg;
    return "unknown error";
}

int lis_err_status(int err)
{
    for (unsigned i = 0; i < sizeof table / sizeof table[0]; i++)
        if (table[i].code == err)
            return table[i].status;
    return 500;
}
