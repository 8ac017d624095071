/* openapi — the OpenAPI 3.0 document, made from the route table.
 *
 * Paths, methods and parameters (names, kinds, limits, required) come from
 * the same struct http_route entries the router enforces, so the document
 * cannot drift from what the server accepts; the response schemas below
 * describe the basic view. tests/api checks the document against the server. */
#include "api/routes.h"

#include <string.h>

static json_t *param_schema(const struct http_param *p)
{
    json_t *s = json_object();
    bool limited = !(p->min == 0 && p->max == 0);
    switch (p->kind) {
    case HTTP_PARAM_STRING:
    case HTTP_PARAM_CODE:
        json_object_set_new(s, "type", json_string("string"));
        if (p->min_len)
            json_object_set_new(s, "minLength", json_integer((json_int_t)p->min_len));
        if (p->max_len)
            json_object_set_new(s, "maxLength", json_integer((json_int_t)p->max_len));
        if (p->kind == HTTP_PARAM_CODE)
            json_object_set_new(s, "pattern", json_string("^[A-Za-z0-9._-]+$"));
        break;
    case HTTP_PARAM_INT:
        json_object_set_new(s, "type", json_string("integer"));
        json_object_set_new(s, "format", json_string("int64"));
        if (limited) {
            json_object_set_new(s, "minimum", json_integer((json_int_t)p->min));
            json_object_set_new(s, "maximum", json_integer((json_int_t)p->max));
        }
        break;
    case HTTP_PARAM_NUMBER:
        json_object_set_new(s, "type", json_string("number"));
        if (limited) {
            json_object_set_new(s, "minimum", json_real(p->min));
            json_object_set_new(s, "maximum", json_real(p->max));
        }
        break;
    case HTTP_PARAM_BOOL:
        json_object_set_new(s, "type", json_string("boolean"));
        break;
    }
    return s;
}

static json_t *ref(const char *where)
{
    json_t *o = json_object();
    json_object_set_new(o, "$ref", json_string(where));
    return o;
}

static json_t *prop(const char *type, const char *description)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    if (description)
        json_object_set_new(o, "description", json_string(description));
    return o;
}

static json_t *nullable(json_t *o)
{
    json_object_set_new(o, "nullable", json_true());
    return o;
}

static json_t *object_of(json_t *props)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("object"));
    json_object_set_new(o, "properties", props);
    return o;
}

static json_t *array_of(json_t *items)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("array"));
    json_object_set_new(o, "items", items);
    return o;
}

static json_t *schemas(void)
{
    json_t *s = json_object();

    json_t *code_name = json_object();
    json_object_set_new(code_name, "code", prop("string", NULL));
    json_object_set_new(code_name, "name", nullable(prop("string", NULL)));
    json_object_set_new(s, "CodeName", object_of(code_name));

    json_t *lu = json_object();
    json_object_set_new(lu, "code", prop("string", "Circular 08/2024 code, e.g. ODT"));
    json_object_set_new(lu, "name_vi", nullable(prop("string", NULL)));
    json_object_set_new(lu, "name_en", nullable(prop("string", NULL)));
    json_object_set_new(s, "LandUse", object_of(lu));

    json_t *geom = prop("object", "RFC 7946 GeoJSON geometry, WGS 84, 7 decimals");
    json_object_set_new(s, "Geometry", geom);

    json_t *p = json_object();
    json_object_set_new(p, "view", prop("string", "Always \"basic\" here"));
    json_object_set_new(p, "id", prop("integer", "Stable parcel id"));
    json_object_set_new(p, "national_id",
                        nullable(prop("string", "National parcel id (12-character GeoHash)")));
    json_object_set_new(p, "commune_of_survey", ref("#/components/schemas/CodeName"));
    json_object_set_new(p, "commune", ref("#/components/schemas/CodeName"));
    json_object_set_new(p, "sheet", prop("string", "Map sheet number"));
    json_object_set_new(p, "number", prop("string", "Parcel number on the sheet"));
    json_object_set_new(p, "area", nullable(prop("number", "Legal area, m², 0.1 m²")));
    json_object_set_new(p, "area_map", prop("number", "Area of the geometry, m², 0.1 m²"));
    json_object_set_new(p, "land_use", array_of(ref("#/components/schemas/LandUse")));
    json_object_set_new(p, "address", nullable(prop("string", NULL)));
    json_object_set_new(p, "version", prop("integer", NULL));
    json_object_set_new(p, "valid_from", prop("string", "ISO 8601 date-time"));
    json_object_set_new(p, "geometry", ref("#/components/schemas/Geometry"));
    json_object_set_new(p, "shared_boundary",
                        prop("number", "Neighbours only: shared boundary length, m, 1 mm"));
    json_object_set_new(s, "Parcel", object_of(p));

    json_t *list = json_object();
    json_object_set_new(list, "match", prop("string", "Search only: national_id, sheet_number, coordinates, "
                                                      "text"));
    json_object_set_new(list, "parcels", array_of(ref("#/components/schemas/Parcel")));
    json_object_set_new(list, "next", nullable(prop("integer", "Search only: cursor for `after`")));
    json_object_set_new(list, "more", prop("boolean", "Identifier lookup: more than `limit`"));
    json_object_set_new(s, "ParcelList", object_of(list));

    json_t *zone = json_object();
    json_object_set_new(zone, "zone_id", prop("integer", NULL));
    json_object_set_new(zone, "land_use", array_of(ref("#/components/schemas/LandUse")));
    json_object_set_new(zone, "plan", nullable(prop("string", NULL)));
    json_object_set_new(zone, "decision", nullable(prop("string", NULL)));
    json_object_set_new(zone, "area", prop("number", "Overlap, m², 0.1 m²"));
    json_object_set_new(zone, "percent", prop("number", "Overlap, % of the parcel's map area"));
    json_t *planning = json_object();
    json_object_set_new(planning, "parcel_id", prop("integer", NULL));
    json_object_set_new(planning, "area_map", prop("number", NULL));
    json_object_set_new(planning, "planning", array_of(object_of(zone)));
    json_object_set_new(s, "Planning", object_of(planning));

    json_t *nb = json_object();
    json_object_set_new(nb, "parcel_id", prop("integer", NULL));
    json_object_set_new(nb, "neighbours", array_of(ref("#/components/schemas/Parcel")));
    json_object_set_new(s, "Neighbours", object_of(nb));

    json_t *pr = json_object();
    json_object_set_new(pr, "type", prop("string", "/problems/<kind>"));
    json_object_set_new(pr, "title", prop("string", NULL));
    json_object_set_new(pr, "status", prop("integer", NULL));
    json_object_set_new(pr, "detail", prop("string", NULL));
    json_object_set_new(s, "Problem", object_of(pr));
    return s;
}

/* The schema a route's 200 answer follows. */
static const char *answer_schema(const struct http_route *r)
{
    if (strstr(r->path, "/planning"))
        return "#/components/schemas/Planning";
    if (strstr(r->path, "/neighbours"))
        return "#/components/schemas/Neighbours";
    if (strcmp(r->path, "/api/v1/parcels/{id}") == 0)
        return "#/components/schemas/Parcel";
    if (strncmp(r->path, "/api/v1/parcels", 15) == 0)
        return "#/components/schemas/ParcelList";
    return NULL;
}

static json_t *content(const char *type, json_t *schema)
{
    json_t *c = json_object(), *m = json_object();
    json_object_set_new(m, "schema", schema);
    json_object_set_new(c, type, m);
    return c;
}

static json_t *response(const char *description, json_t *content_or_null)
{
    json_t *o = json_object();
    json_object_set_new(o, "description", json_string(description));
    if (content_or_null)
        json_object_set_new(o, "content", content_or_null);
    return o;
}

static json_t *operation(const struct http_route *r)
{
    json_t *op = json_object();
    struct buf id = BUF_INIT;
    for (const char *c = r->method; *c; c++)
        buf_putc(&id, (char)(*c | 0x20));
    for (const char *c = r->path; *c; c++)
        if ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))
            buf_putc(&id, *c);
        else if (*c == '/' || *c == '-' || *c == '.')
            buf_putc(&id, '_');
    json_object_set_new(op, "operationId", json_string(buf_cstr(&id)));
    buf_free(&id);
    json_object_set_new(op, "summary", json_string(r->summary));
    json_t *tags = json_array();
    json_array_append_new(tags, json_string(r->tag));
    json_object_set_new(op, "tags", tags);
    /* who may call it (the gate's levels), for clients and the access-matrix test */
    static const char *const levels[] = {"public", "anyone", "user", "staff", "admin"};
    json_object_set_new(op, "x-access",
                        json_string(r->access < sizeof levels / sizeof levels[0]
                                        ? levels[r->access]
                                        : "admin"));
    if (r->access >= API_USER) {
        json_t *sec = json_array();
        json_array_append_new(sec, json_pack("{s:[]}", "session"));
        json_object_set_new(op, "security", sec);
    }

    json_t *params = json_array();
    for (int i = 0; r->params && r->params[i].name; i++) {
        const struct http_param *p = &r->params[i];
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(p->name));
        json_object_set_new(o, "in", json_string(p->in == HTTP_IN_PATH ? "path" : "query"));
        json_object_set_new(o, "required", json_boolean(p->required));
        if (p->description)
            json_object_set_new(o, "description", json_string(p->description));
        json_object_set_new(o, "schema", param_schema(p));
        json_array_append_new(params, o);
    }
    json_object_set_new(op, "parameters", params);
    if (r->body)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:b, s:{s:{s:{s:s}}}}", "required", true, "content",
                                      "application/json", "schema", "type", "object"));

    json_t *res = json_object();
    const char *schema = answer_schema(r);
    if (strcmp(r->path, "/metrics") == 0)
        json_object_set_new(res, "200", response("Prometheus text", content("text/plain", prop("string", NULL))));
    else
        json_object_set_new(res, "200",
                            response("OK", content("application/json",
                                                   schema ? ref(schema) : prop("object", NULL))));
    if (r->public_data)
        json_object_set_new(res, "304", response("Not modified (If-None-Match)", NULL));
    json_object_set_new(res, "400", ref("#/components/responses/Problem"));
    if (r->access >= API_USER) {
        json_object_set_new(res, "401", ref("#/components/responses/Problem"));
        json_object_set_new(res, "403", ref("#/components/responses/Problem"));
    }
    if (strchr(r->path, '{') || strstr(r->path, "/at") || strstr(r->path, "/search"))
        json_object_set_new(res, "404", ref("#/components/responses/Problem"));
    json_object_set_new(res, "405", ref("#/components/responses/Problem"));
    json_object_set_new(res, "413", ref("#/components/responses/Problem"));
    json_object_set_new(res, "414", ref("#/components/responses/Problem"));
    json_object_set_new(op, "responses", res);
    return op;
}

json_t *api_openapi(const struct http_route *routes, size_t n, const struct api *a)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "openapi", json_string("3.0.3"));
    json_t *info = json_object();
    json_object_set_new(info, "title", json_string("LIS — public land API"));
    json_object_set_new(info, "version", json_string("0.1.0"));
    struct buf d = BUF_INIT;
    buf_appendf(&d,
                "Land parcels of %s, basic view. Coordinates: WGS 84 lon/lat, or easting/"
                "northing in %s. Errors are RFC 9457 application/problem+json.",
                a && a->info.province_name[0] ? a->info.province_name : "the province",
                a && a->info.crs[0] ? a->info.crs : "the province CRS");
    json_object_set_new(info, "description", json_string(buf_cstr(&d)));
    buf_free(&d);
    json_object_set_new(doc, "info", info);

    json_t *paths = json_object();
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_object_get(paths, routes[i].path);
        if (!item) {
            item = json_object();
            json_object_set_new(paths, routes[i].path, item);
        }
        struct buf m = BUF_INIT;
        for (const char *c = routes[i].method; *c; c++)
            buf_putc(&m, (char)(*c | 0x20));
        json_object_set_new(item, buf_cstr(&m), operation(&routes[i]));
        buf_free(&m);
    }
    json_object_set_new(doc, "paths", paths);

    json_t *comp = json_object();
    json_object_set_new(comp, "schemas", schemas());
    json_t *responses = json_object();
    json_object_set_new(responses, "Problem",
                        response("Problem details (RFC 9457)",
                                 content("application/problem+json",
                                         ref("#/components/schemas/Problem"))));
    json_object_set_new(comp, "responses", responses);
    json_object_set_new(comp, "securitySchemes",
                        json_pack("{s:{s:s, s:s, s:s, s:s}}", "session", "type", "apiKey", "in",
                                  "cookie", "name", "lis_session", "description",
                                  "the login session; state-changing requests also carry "
                                  "X-CSRF-Token"));
    json_object_set_new(doc, "components", comp);
    return doc;
}
