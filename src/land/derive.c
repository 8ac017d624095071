/* derive — see derive.h. */
#include "land/derive.h"

#include "core/err.h"
#include "text/text.h"

#include <string.h>

static void fold_into(struct buf *out, const char *s)
{
    if (!s || !*s)
        return;
    if (out->len)
        buf_putc(out, ' ');
    size_t before = out->len;
    text_fold(s, strlen(s), out);
    if (out->len == before && before) /* nothing foldable: drop the space */
        out->data[--out->len] = '\0';
}

int derive_parcel(struct geo *g, const uint8_t *wkb, size_t len, const char *address,
                  const char *commune_name, const char *survey_name, struct derived *d)
{
    buf_reset(&d->mercator);
    buf_reset(&d->search_text);
    int rc = geo_area(g, wkb, len, &d->area_map);
    if (rc)
        return rc;
    double x, y;
    rc = geo_point_on_surface(g, wkb, len, &x, &y);
    if (rc)
        return rc;
    rc = geo_point(g, GEO_NATIVE, GEO_WGS84, &x, &y);
    if (rc)
        return rc;
    geo_geohash_encode(x, y, 12, d->national_id);
    rc = geo_wkb_transform(g, GEO_NATIVE, GEO_MERCATOR, wkb, len, &d->mercator);
    if (rc)
        return rc;
    fold_into(&d->search_text, address);
    fold_into(&d->search_text, commune_name);
    if (survey_name && (!commune_name || strcmp(survey_name, commune_name) != 0))
        fold_into(&d->search_text, survey_name);
    return 0;
}

void derived_free(struct derived *d)
{
    if (!d)
        return;
    buf_free(&d->mercator);
    buf_free(&d->search_text);
}
