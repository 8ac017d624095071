/* source — see source.h. The only file that includes GDAL. */
#include "geo/source.h"

#include "core/err.h"
#include "core/mem.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct geo_source {
    GDALDatasetH ds;
    OGRLayerH layer;      /* borrowed from ds */
    OGRFeatureDefnH defn; /* borrowed from layer */
    OGRFeatureH feat;     /* current feature, NULL before the first/after the last */
    char *layer_name;
    char *crs;            /* NULL: the source declares none */
    struct buf wkb;       /* reused for every feature: no per-row allocation */
    int nfields;
    bool *is_text;        /* per column: GDAL hands out its own string */
    struct buf *vals;     /* per column: our copy of a formatted non-text value */
    struct buf err;
};

static pthread_once_t registered = PTHREAD_ONCE_INIT;

static void register_drivers(void)
{
    GDALAllRegister();
}

/* GDAL reports through a handler; keep its chatter off stderr while we work
 * and take the last message for our own error text. */
static void quiet_begin(void)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
}

static void quiet_end(void)
{
    CPLPopErrorHandler();
}

static const char *last_gdal_error(void)
{
    const char *m = CPLGetLastErrorMsg();
    return m && *m ? m : "GDAL gave no reason";
}

static GDALDatasetH open_dataset(const char *path, struct buf *err)
{
    pthread_once(&registered, register_drivers);
    quiet_begin();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds)
        buf_appendf(err, "%s: cannot open as vector data (%s)", path, last_gdal_error());
    quiet_end();
    return ds;
}

static void append_layer_names(GDALDatasetH ds, struct buf *out, const char *sep)
{
    int n = GDALDatasetGetLayerCount(ds);
    for (int i = 0; i < n; i++) {
        OGRLayerH l = GDALDatasetGetLayer(ds, i);
        if (i)
            buf_puts(out, sep);
        buf_puts(out, OGR_L_GetName(l));
    }
}

int geo_source_list_layers(const char *path, struct buf *out)
{
    GDALDatasetH ds = open_dataset(path, out);
    if (!ds)
        return LIS_EIO;
    int n = GDALDatasetGetLayerCount(ds);
    append_layer_names(ds, out, "\n");
    if (n)
        buf_putc(out, '\n');
    GDALClose(ds);
    return n;
}

/* "EPSG:n" when the CRS carries (or can be matched to) an EPSG code: PROJ
 * then knows it exactly, with its datum transformations. WKT otherwise. */
static char *crs_string(OGRSpatialReferenceH srs)
{
    char *res = NULL;
    OGRSpatialReferenceH c = OSRClone(srs);
    const char *auth = OSRGetAuthorityName(c, NULL);
    if (!(auth && strcmp(auth, "EPSG") == 0) && OSRAutoIdentifyEPSG(c) != OGRERR_NONE)
        auth = NULL;
    else
        auth = OSRGetAuthorityName(c, NULL);
    const char *code = auth && strcmp(auth, "EPSG") == 0 ? OSRGetAuthorityCode(c, NULL) : NULL;
    if (code) {
        struct buf b = BUF_INIT;
        buf_appendf(&b, "EPSG:%s", code);
        res = buf_detach(&b);
    } else {
        char *wkt = NULL;
        const char *opts[] = {"FORMAT=WKT2_2019", NULL};
        if (OSRExportToWktEx(srs, &wkt, opts) == OGRERR_NONE && wkt)
            res = xstrdup(wkt);
        CPLFree(wkt);
    }
    OSRDestroySpatialReference(c);
    return res;
}

struct geo_source *geo_source_open(const char *path, const char *layer, struct buf *err)
{
    struct geo_source *s = NULL;
    GDALDatasetH ds = open_dataset(path, err);
    if (!ds)
        goto out;
    int n = GDALDatasetGetLayerCount(ds);
    OGRLayerH l = NULL;
    if (layer) {
        l = GDALDatasetGetLayerByName(ds, layer);
        if (!l) {
            buf_appendf(err, "%s: no layer '%s' (layers: ", path, layer);
            append_layer_names(ds, err, ", ");
            buf_puts(err, ")");
            goto out;
        }
    } else if (n == 1) {
        l = GDALDatasetGetLayer(ds, 0);
    } else if (n == 0) {
        buf_appendf(err, "%s: holds no vector layer", path);
        goto out;
    } else {
        buf_appendf(err, "%s: has %d layers (", path, n);
        append_layer_names(ds, err, ", ");
        buf_puts(err, "); choose one with --layer");
        goto out;
    }
    s = xcalloc(1, sizeof *s);
    s->ds = ds;
    ds = NULL;
    s->layer = l;
    s->defn = OGR_L_GetLayerDefn(l);
    s->layer_name = xstrdup(OGR_L_GetName(l));
    s->nfields = OGR_FD_GetFieldCount(s->defn);
    s->is_text = xcalloc((size_t)s->nfields + 1, sizeof *s->is_text);
    s->vals = xcalloc((size_t)s->nfields + 1, sizeof *s->vals);
    for (int i = 0; i < s->nfields; i++)
        s->is_text[i] = OGR_Fld_GetType(OGR_FD_GetFieldDefn(s->defn, i)) == OFTString;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(l);
    if (srs)
        s->crs = crs_string(srs);
    OGR_L_ResetReading(l);
out:
    if (ds)
        GDALClose(ds);
    return s;
}

void geo_source_close(struct geo_source *s)
{
    if (!s)
        return;
    if (s->feat)
        OGR_F_Destroy(s->feat);
    if (s->ds)
        GDALClose(s->ds);
    for (int i = 0; i < s->nfields; i++)
        buf_free(&s->vals[i]);
    free(s->vals);
    free(s->is_text);
    free(s->layer_name);
    free(s->crs);
    buf_free(&s->wkb);
    buf_free(&s->err);
    free(s);
}

const char *geo_source_layer_name(const struct geo_source *s)
{
    return s->layer_name;
}

const char *geo_source_driver(const struct geo_source *s)
{
    GDALDriverH d = GDALGetDatasetDriver(s->ds);
    return d ? GDALGetDriverShortName(d) : "";
}

const char *geo_source_crs(const struct geo_source *s)
{
    return s->crs;
}

int64_t geo_source_count(struct geo_source *s)
{
    GIntBig n = OGR_L_GetFeatureCount(s->layer, 0);
    return n < 0 ? -1 : (int64_t)n;
}

int geo_source_field_count(const struct geo_source *s)
{
    return OGR_FD_GetFieldCount(s->defn);
}

const char *geo_source_field_name(const struct geo_source *s, int i)
{
    if (i < 0 || i >= OGR_FD_GetFieldCount(s->defn))
        return NULL;
    return OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(s->defn, i));
}

int geo_source_field_index(const struct geo_source *s, const char *name)
{
    return OGR_FD_GetFieldIndex(s->defn, name);
}

int geo_source_next(struct geo_source *s)
{
    if (s->feat) {
        OGR_F_Destroy(s->feat);
        s->feat = NULL;
    }
    quiet_begin();
    s->feat = OGR_L_GetNextFeature(s->layer);
    int rc = s->feat ? 1 : 0;
    if (!s->feat && CPLGetLastErrorType() >= CE_Failure) {
        buf_reset(&s->err);
        buf_appendf(&s->err, "reading layer '%s': %s", s->layer_name, last_gdal_error());
        rc = LIS_EIO;
    }
    quiet_end();
    return rc;
}

int64_t geo_source_fid(const struct geo_source *s)
{
    return s->feat ? (int64_t)OGR_F_GetFID(s->feat) : -1;
}

const char *geo_source_field(struct geo_source *s, int i)
{
    if (!s->feat || i < 0 || i >= s->nfields || !OGR_F_IsFieldSetAndNotNull(s->feat, i))
        return NULL;
    const char *v = OGR_F_GetFieldAsString(s->feat, i);
    if (s->is_text[i])
        return v; /* the feature's own string: valid while the feature lives */
    /* Numbers and dates are formatted into one scratch string that GDAL
     * frees on the next GetFieldAsString call: keep a copy per column. */
    buf_reset(&s->vals[i]);
    buf_puts(&s->vals[i], v ? v : "");
    return buf_cstr(&s->vals[i]);
}

int geo_source_geometry(struct geo_source *s, const uint8_t **wkb, size_t *len)
{
    int rc = 0;
    OGRGeometryH lin = NULL;
    OGRGeometryH g = s->feat ? OGR_F_GetGeometryRef(s->feat) : NULL;
    *wkb = NULL;
    *len = 0;
    if (!g)
        return LIS_ENOTFOUND;
    if (OGR_G_IsEmpty(g))
        return LIS_EINVAL;
    /* Arcs (GML, DXF, DGN) become segments: the store keeps linear WKB. */
    if (OGR_G_HasCurveGeometry(g, TRUE)) {
        lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        if (!lin) {
            buf_reset(&s->err);
            buf_puts(&s->err, "cannot make a curved geometry linear");
            return LIS_EINVAL;
        }
        g = lin;
    }
    /* CAD drawings (DGN, DXF) often draw a parcel as a closed line: take
     * it as the polygon it encloses. Open lines stay lines. */
    if (wkbFlatten(OGR_G_GetGeometryType(g)) == wkbLineString && OGR_G_GetPointCount(g) >= 4 &&
        OGR_G_GetX(g, 0) == OGR_G_GetX(g, OGR_G_GetPointCount(g) - 1) &&
        OGR_G_GetY(g, 0) == OGR_G_GetY(g, OGR_G_GetPointCount(g) - 1)) {
        OGRGeometryH poly = OGR_G_ForceToPolygon(OGR_G_Clone(g));
        if (poly) {
            if (lin)
                OGR_G_DestroyGeometry(lin);
            lin = g = poly;
        }
    }
    if (OGR_G_Is3D(g) || OGR_G_IsMeasured(g))
        OGR_G_FlattenTo2D(g); /* the feature owns g: changing it is harmless */
    size_t n = (size_t)OGR_G_WkbSize(g);
    buf_reset(&s->wkb);
    buf_reserve(&s->wkb, n);
    if (OGR_G_ExportToIsoWkb(g, wkbNDR, (unsigned char *)s->wkb.data) != OGRERR_NONE) {
        buf_reset(&s->err);
        buf_puts(&s->err, "cannot write the geometry as WKB");
        rc = LIS_EINVAL;
        goto out;
    }
    s->wkb.len = n;
    s->wkb.data[n] = '\0'; /* keep buf's invariant */
    *wkb = (const uint8_t *)s->wkb.data;
    *len = n;
out:
    if (lin)
        OGR_G_DestroyGeometry(lin);
    return rc;
}

const char *geo_source_errmsg(const struct geo_source *s)
{
    return buf_cstr(&s->err);
}
