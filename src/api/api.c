/* api — `lis serve`: the route table, start-up and the per-loop state.
 *
 * Start-up reads the settings, opens the store once to learn its CRS, extent
 * and the names every parcel answer refers to (communes, communes of survey),
 * prepares the documents that never change while serving (land-use codes,
 * communes, the OpenAPI document), then hands the route table to http/. Each
 * loop gets its own store connection and geo context (api_thread). */
#include "api/api.h"

#include "api/routes.h"
#include "api/ogc.h"
#include "api/tiles.h"
#include "core/config.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "http/respond.h"
#include "http/server.h"
#include "land/clickindex.h"
#include "geo/mvt.h"
#include "tile/cache.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The public API. Literal paths come before "{id}" patterns. */
const struct http_route api_routes[] = {
    {"GET", "/api/v1/communes", api_h_communes, api_p_communes,
     "Commune-level units with their communes of survey", "reference", NULL, true},
    {"GET", "/api/v1/land-use-codes", api_h_land_use, api_p_none,
     "Official land-use purposes (Circular 08/2024, Annex II)", "reference", NULL, true},
    {"GET", "/api/v1/parcels/at", api_h_at, api_p_at,
     "The parcel(s) at a point (a map click): lon/lat in WGS 84, or e/n in the province CRS",
     "parcels", NULL, true},
    {"GET", "/api/v1/parcels/search", api_h_search, api_p_search,
     "Search parcels by sheet/number, national id, coordinates or address words; paged",
     "parcels", NULL, true},
    {"GET", "/api/v1/parcels", api_h_by_key, api_p_by_key,
     "Parcels by identifier: commune (of survey or current), sheet, number", "parcels", NULL,
     true},
    {"GET", "/api/v1/parcels/{id}/planning", api_h_planning, api_p_id,
     "Planned land uses overlapping the parcel, with area and share", "parcels", NULL, true},
    {"GET", "/api/v1/parcels/{id}/neighbours", api_h_neighbours, api_p_id,
     "Parcels sharing a boundary with the parcel", "parcels", NULL, true},
    {"GET", "/api/v1/parcels/{id}", api_h_parcel, api_p_view,
     "One parcel in the caller's view: basic (anyone), detailed (users, within the plan's "
     "quota), full (staff, admin)", "parcels", NULL, false, API_ANY},
    {"GET", "/api/v1/session", api_h_session_get, api_p_none,
     "The caller's session: the account summary and CSRF value, or user null", "accounts", NULL,
     false, API_ANY},
    {"POST", "/api/v1/session", api_h_login, api_p_none,
     "Log in with phone and password; sets the session cookie", "accounts", NULL, false, API_ANY,
     true},
    {"DELETE", "/api/v1/session", api_h_logout, api_p_none, "Log out (this session)", "accounts",
     NULL, false, API_USER},
    {"DELETE", "/api/v1/sessions", api_h_logout_all, api_p_none,
     "Log out everywhere: end every session of the account", "accounts", NULL, false, API_USER},
    {"POST", "/api/v1/account", api_h_register, api_p_none,
     "Register: full name, phone, password (+ email, address), consent; logs in", "accounts",
     NULL, false, API_ANY, true},
    {"GET", "/api/v1/me", api_h_me, api_p_none, "Your profile, plan and views left today",
     "accounts", NULL, false, API_USER},
    {"PATCH", "/api/v1/me", api_h_me_patch, api_p_none,
     "Edit your profile: name, phone, email, address", "accounts", NULL, false, API_USER, true},
    {"DELETE", "/api/v1/me", api_h_close, api_p_none,
     "Close your account (password required): personal fields erased", "accounts", NULL, false,
     API_USER, true},
    {"POST", "/api/v1/me/password", api_h_password, api_p_none,
     "Change your password (the current one required); other sessions end", "accounts", NULL,
     false, API_USER, true},
    {"GET", "/api/v1/me/export", api_h_export, api_p_none,
     "Everything the portal holds about you, as a JSON file", "accounts", NULL, false, API_USER},
    {"GET", "/api/v1/plans", api_h_plans, api_p_none,
     "Service plans: daily detailed views and features", "accounts", NULL, false, API_PUBLIC},
    {"GET", "/api/v1/me/upgrades", api_h_my_upgrades, api_p_none,
     "Your plan upgrade requests", "accounts", NULL, false, API_USER},
    {"POST", "/api/v1/me/upgrades", api_h_my_upgrade_add, api_p_none,
     "Ask for another plan, with a reason", "accounts", NULL, false, API_USER, true},
    {"GET", "/api/v1/me/access", api_h_my_access, api_p_page,
     "Who looked at or changed your data: role, when, why", "accounts", NULL, false, API_USER},
    {"GET", "/api/v1/admin/users", api_h_admin_users, api_p_admin_users,
     "Customers: search by name (with or without diacritics) or phone", "admin", NULL, false,
     API_ADMIN},
    {"GET", "/api/v1/admin/users/{id}", api_h_admin_user, api_p_admin_id,
     "One customer (the look is audited)", "admin", "/api/v1/admin/users/{id}", false,
     API_ADMIN},
    {"PATCH", "/api/v1/admin/users/{id}", api_h_admin_user_patch, api_p_admin_id,
     "Lock/unlock, role, plan (with an end date), forced password reset", "admin",
     "/api/v1/admin/users/{id}", false, API_ADMIN, true},
    {"GET", "/api/v1/admin/audit", api_h_admin_audit, api_p_admin_audit,
     "The audit log: by actor, subject, action, date", "admin", NULL, false, API_ADMIN},
    {"PUT", "/api/v1/admin/plans/{code}", api_h_admin_plan_put, api_p_admin_code,
     "Add or change a plan: names, daily detailed views, watch limit, features", "admin",
     "/api/v1/admin/plans/{code}", false, API_ADMIN, true},
    {"GET", "/api/v1/admin/upgrades", api_h_admin_upgrades, api_p_admin_upgrades,
     "Upgrade requests, by status", "admin", NULL, false, API_ADMIN},
    {"POST", "/api/v1/admin/upgrades/{id}", api_h_admin_upgrade_decide, api_p_admin_id,
     "Approve (with an end date) or decline (with a reason) an upgrade request", "admin",
     "/api/v1/admin/upgrades/{id}", false, API_ADMIN, true},
    {"GET", "/api/v1/admin/disclosures", api_h_admin_disclosures, api_p_admin_disclosures,
     "Disclosures to competent authorities", "admin", NULL, false, API_ADMIN},
    {"POST", "/api/v1/admin/disclosures", api_h_admin_disclosure_add, api_p_none,
     "Record an authority's request (authority, document, date, legal basis)", "admin", NULL,
     false, API_ADMIN, true},
    {"GET", "/api/v1/admin/disclosures/{id}/export", api_h_admin_disclosure_export,
     api_p_admin_id, "Export the person's data for a recorded disclosure (a text file)",
     "admin", "/api/v1/admin/disclosures/{id}/export", false, API_ADMIN},
    {"GET", "/api/v1/tickets", api_h_tickets, api_p_tickets,
     "Your tickets; staff and admins: the queue (status, kind, mine)", "tickets", NULL, false,
     API_USER},
    {"POST", "/api/v1/tickets", api_h_ticket_new, api_p_none,
     "File a support, complaint or dispute ticket (a dispute names a parcel and the other "
     "party)", "tickets", NULL, false, API_USER, true},
    {"GET", "/api/v1/tickets/{id}", api_h_ticket, api_p_ticket,
     "One ticket with its messages; a dispute with its time limit", "tickets",
     "/api/v1/tickets/{id}", false, API_USER},
    {"POST", "/api/v1/tickets/{id}/messages", api_h_ticket_message, api_p_ticket,
     "Write in a ticket's thread (staff answering an open ticket take it in progress)",
     "tickets", "/api/v1/tickets/{id}/messages", false, API_USER, true},
    {"PATCH", "/api/v1/tickets/{id}", api_h_ticket_patch, api_p_ticket,
     "Staff: assign, in_progress, resolved, rejected (with a reason); the author: reopen",
     "tickets", "/api/v1/tickets/{id}", false, API_USER, true},
    {"GET", "/api/v1/me/notifications", api_h_inbox, api_p_inbox,
     "Your notifications, newest first, with the unread count", "notifications", NULL, false,
     API_USER},
    {"POST", "/api/v1/me/notifications/read", api_h_inbox_read_all, api_p_none,
     "Mark every notification read", "notifications", NULL, false, API_USER},
    {"POST", "/api/v1/me/notifications/{id}/read", api_h_inbox_read, api_p_notice,
     "Mark one notification read", "notifications", "/api/v1/me/notifications/{id}/read", false,
     API_USER},
    {"GET", "/api/v1/notices", api_h_notices, api_p_notices,
     "Public notices: service updates for everyone", "notifications", NULL, false, API_PUBLIC},
    {"POST", "/api/v1/notifications", api_h_notify, api_p_none,
     "Staff: send a notification to all, a plan, a role, or (about a ticket) one person",
     "notifications", NULL, false, API_STAFF, true},
    {"GET", "/api/v1/me/watches", api_h_watches, api_p_none,
     "Parcels you watch for changes, and how many your plan allows", "notifications", NULL,
     false, API_USER},
    {"PUT", "/api/v1/me/watches/{id}", api_h_watch_put, api_p_id,
     "Watch a parcel: a notification when it changes (new version, restriction, split, merge)",
     "notifications", "/api/v1/me/watches/{id}", false, API_USER},
    {"DELETE", "/api/v1/me/watches/{id}", api_h_watch_delete, api_p_id,
     "Stop watching a parcel", "notifications", "/api/v1/me/watches/{id}", false, API_USER},
    {"POST", "/api/v1/password-reset", api_h_reset, api_p_none,
     "Forgotten password: a one-time code to the account's phone (202 whatever the number)",
     "accounts", NULL, false, API_ANY, true},
    {"POST", "/api/v1/password-reset/confirm", api_h_reset_confirm, api_p_none,
     "Set a new password with the code: every session ends, a new one starts", "accounts", NULL,
     false, API_ANY, true},
    {"POST", "/api/v1/account/code", api_h_phone_code, api_p_none,
     "A code to the phone to verify it before registering (when the portal asks for one)",
     "accounts", NULL, false, API_ANY, true},
    {"GET", "/api/v1/openapi.json", api_h_openapi, api_p_none, "This OpenAPI 3 document",
     "meta", NULL, true},
    {"GET", "/api/v1/portal", api_h_portal, api_p_none,
     "The portal's settings for its web page: province, land office contact, base map", "meta",
     NULL, true},
    {"GET", "/tiles/{layer}/{z}/{x}/{y}", api_h_tile, api_p_tile,
     "A Mapbox Vector Tile (y as 123.mvt); 204 when the tile is empty", "tiles",
     "/tiles/{layer}", true},
    {"GET", "/tiles/{tileset}", api_h_tilejson, api_p_tilejson,
     "TileJSON 3.0 of a tile set (parcels.json, labels.json, communes.json, planning.json)",
     "tiles", NULL, true},
    {"GET", "/ogc", api_h_ogc_landing, api_p_ogc, "OGC API – Features: landing page", "ogc", NULL,
     true},
    {"GET", "/ogc/conformance", api_h_ogc_conformance, api_p_ogc,
     "OGC API – Features: conformance classes", "ogc", NULL, true},
    {"GET", "/ogc/api", api_h_ogc_api, api_p_none, "OGC API – Features: the API definition",
     "ogc", NULL, true},
    {"GET", "/ogc/collections", api_h_ogc_collections, api_p_ogc,
     "OGC API – Features: parcels, communes, planning-zones", "ogc", NULL, true},
    {"GET", "/ogc/collections/{collectionId}", api_h_ogc_collection, api_p_ogc_coll,
     "OGC API – Features: one collection", "ogc", "/ogc/collections/{collectionId}", true},
    {"GET", "/ogc/collections/{collectionId}/items", api_h_ogc_items, api_p_ogc_items,
     "OGC API – Features: features as GeoJSON (streamed) or HTML; bbox, limit, keyset paging",
     "ogc", "/ogc/collections/{collectionId}/items", true},
    {"GET", "/ogc/collections/{collectionId}/items/{featureId}", api_h_ogc_item, api_p_ogc_item,
     "OGC API – Features: one feature", "ogc", "/ogc/collections/{collectionId}/items/{featureId}",
     true},
    {"GET", "/healthz", api_h_healthz, api_p_none, "Liveness and store summary", "meta", NULL,
     false},
    {"GET", "/metrics", api_h_metrics, api_p_none, "Prometheus metrics", "meta", NULL, false},
};
const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];

/* ------------------------------------------------------------ names */

static int by_code(const void *x, const void *y)
{
    return strcmp(((const struct api_name *)x)->code, ((const struct api_name *)y)->code);
}

static const struct api_name *find(const struct api_name *v, size_t n, const char *code)
{
    struct api_name key;
    if (!code || strlen(code) >= sizeof key.code)
        return NULL;
    memcpy(key.code, code, strlen(code) + 1);
    return bsearch(&key, v, n, sizeof *v, by_code);
}

const struct api_name *api_unit(const struct api_ref *r, const char *code)
{
    return find(r->units, r->nunits, code);
}

const struct api_name *api_survey(const struct api_ref *r, const char *code)
{
    return find(r->survey, r->nsurvey, code);
}

struct names {
    struct api_name *v;
    size_t n, cap;
};

static void names_add(struct names *ns, const char *code, const char *name, const char *kind)
{
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? 2 * ns->cap : 64;
        ns->v = xrealloc(ns->v, ns->cap * sizeof *ns->v);
    }
    struct api_name *e = &ns->v[ns->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->code, sizeof e->code, "%s", code);
    e->name = xstrdup(name ? name : "");
    e->kind = xstrdup(kind);
    struct buf j = BUF_INIT;
    buf_puts(&j, "{\"code\":");
    http_json_str(&j, e->code);
    buf_puts(&j, ",\"name\":");
    http_json_str(&j, e->name);
    buf_putc(&j, '}');
    e->ref_json_len = j.len;
    e->ref_json = buf_detach(&j);
}

static int on_unit(void *ctx, const struct store_commune *c)
{
    names_add(ctx, c->code, c->name, c->kind ? c->kind : "commune");
    return 0;
}

static int on_survey_name(void *ctx, const struct store_survey_commune *sc)
{
    struct names *ns = ctx;
    for (size_t i = 0; i < ns->n; i++) /* a former commune split among units repeats */
        if (strcmp(ns->v[i].code, sc->code) == 0)
            return 0;
    names_add(ns, sc->code, sc->name, NULL);
    return 0;
}

static int on_land_use(void *ctx, const struct store_land_use *u)
{
    json_t *o = json_object();
    json_object_set_new(o, "code", json_string(u->code));
    json_object_set_new(o, "name_vi", json_string(u->name_vi));
    json_object_set_new(o, "name_en", json_string(u->name_en));
    json_object_set_new(o, "group", u->group ? json_string(u->group) : json_null());
    json_array_append_new(ctx, o);
    return 0;
}

/* ------------------------------------------------------- reference data */

static void names_free(struct api_name *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].name);
        free(v[i].kind);
        free(v[i].ref_json);
    }
    free(v);
}

void api_ref_free(struct api_ref *r)
{
    if (!r)
        return;
    names_free(r->units, r->nunits);
    names_free(r->survey, r->nsurvey);
    free(r->communes_body);
    free(r->communes_geo_body);
    free(r->land_use_body);
    memset(r, 0, sizeof *r);
}

/* The store's extent in WGS 84: its native box's edges transformed, padded. */
static int lonlat_box(struct geo *g, const double bb[4], struct geo_box *out)
{
    *out = (struct geo_box){1e9, 1e9, -1e9, -1e9};
    for (int i = 0; i <= 8; i++)
        for (int j = 0; j <= 8; j++) {
            if (i != 0 && i != 8 && j != 0 && j != 8)
                continue;
            double x = bb[0] + (bb[2] - bb[0]) * i / 8, y = bb[1] + (bb[3] - bb[1]) * j / 8;
            if (geo_point(g, GEO_NATIVE, GEO_WGS84, &x, &y) != 0)
                return LIS_EINVAL;
            out->minx = x < out->minx ? x : out->minx;
            out->maxx = x > out->maxx ? x : out->maxx;
            out->miny = y < out->miny ? y : out->miny;
            out->maxy = y > out->maxy ? y : out->maxy;
        }
    out->minx -= 0.001;
    out->miny -= 0.001;
    out->maxx += 0.001;
    out->maxy += 0.001;
    return 0;
}

int api_ref_load(struct api_thread *t, struct buf *err)
{
    struct api_ref old = t->ref, fresh;
    struct names units = {0}, survey = {0};
    json_t *uses = json_array();
    int rc;

    memset(&fresh, 0, sizeof fresh);
    if ((rc = store_info(t->store, &fresh.info)) < 0 ||
        (rc = store_communes(t->store, false, on_unit, &units)) < 0 ||
        (rc = store_survey_communes(t->store, on_survey_name, &survey)) < 0 ||
        (rc = store_land_uses(t->store, on_land_use, uses)) < 0) {
        buf_appendf(err, "store %s: %s", t->api->data, store_errmsg(t->store));
        goto fail;
    }
    if (fresh.info.parcels > 0 && lonlat_box(t->geo, fresh.info.bbox, &fresh.lonlat_box) != 0) {
        buf_appendf(err, "the store's extent cannot be transformed to WGS 84: %s",
                    geo_errmsg(t->geo));
        rc = LIS_EINVAL;
        goto fail;
    }
    qsort(units.v, units.n, sizeof *units.v, by_code);
    qsort(survey.v, survey.n, sizeof *survey.v, by_code);
    fresh.units = units.v;
    fresh.nunits = units.n;
    fresh.survey = survey.v;
    fresh.nsurvey = survey.n;
    units.v = survey.v = NULL;
    json_t *doc = json_object();
    json_object_set_new(doc, "land_use_codes", uses);
    uses = NULL;
    fresh.land_use_body = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);

    t->ref = fresh; /* the communes document is made from the new names */
    t->ref.communes_body = api_communes_body(t, false);
    if (!t->ref.communes_body) {
        buf_appendf(err, "store %s: %s", t->api->data, store_errmsg(t->store));
        api_ref_free(&t->ref);
        t->ref = old;
        return LIS_EIO;
    }
    api_ref_free(&old);
    return 0;
fail:
    json_decref(uses);
    names_free(units.v, units.n);
    names_free(survey.v, survey.n);
    return rc;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void api_ref_fresh(struct api_thread *t)
{
    uint64_t now = now_ms();
    if (now - t->ref_checked_ms < 1000)
        return;
    t->ref_checked_ms = now;
    struct store_info info;
    if (store_info(t->store, &info) != 0 || info.change_seq == t->ref.info.change_seq)
        return;
    struct buf err = BUF_INIT;
    if (api_ref_load(t, &err) != 0) /* keep serving what we had */
        log_warn("reloading reference data: %s", buf_cstr(&err));
    buf_free(&err);
}

/* ------------------------------------------------------- per loop */

/* Once a second on each loop: notice a store change even without requests,
 * and let go of click indexes older than it, so that a rebuilt index does not
 * live beside the old one in memory for as long as a loop stays idle. */
static void thread_tick(void *p)
{
    struct api_thread *t = p;
    api_ref_fresh(t);
    int64_t seq = t->ref.info.change_seq;
    if (t->click && clickindex_seq(t->click) != seq) {
        clickindex_release(t->click);
        t->click = NULL;
    }
    tiles_loop_tick(t->tiles, seq);
    if (t->index == 0) { /* housekeeping of the portal, one loop is enough */
        api_admin_tick(t, &t->admin_tick_at);
        api_sessions_tick(t, &t->sessions_tick_at);
        api_watch_tick(t, &t->watch_sweep);
    }
}

static void *thread_new(void *app, int index, struct buf *err)
{
    struct api *a = app;
    struct api_thread *t = xcalloc(1, sizeof *t);
    t->index = index;
    t->api = a;
    /* public reads go to the read replica when one is configured */
    t->store = store_open(a->replica && *a->replica ? a->replica : a->data, STORE_READ, NULL, err);
    if (!t->store)
        goto fail;
    if (store_set_memory(t->store, a->store_cache_mb, a->store_mmap_mb) != 0) {
        buf_appendf(err, "store %s: %s", a->data, store_errmsg(t->store));
        goto fail;
    }
    /* accounts, sessions and the audit log: always the primary, writable */
    t->portal = store_open(a->data, STORE_WRITE, NULL, err);
    if (!t->portal)
        goto fail;
    /* small rows, few of them per request: a small cache, no mapping */
    if (store_set_memory(t->portal, 4, 0) != 0) {
        buf_appendf(err, "store %s: %s", a->data, store_errmsg(t->portal));
        goto fail;
    }
    t->geo = geo_new(a->info.crs, err);
    if (!t->geo)
        goto fail;
    if (api_ref_load(t, err) != 0)
        goto fail;
    t->ref_checked_ms = now_ms();
    if (!tiles_loop_new(t, err))
        goto fail;
    return t;
fail:
    api_ref_free(&t->ref);
    geo_free(t->geo);
    store_close(t->portal);
    store_close(t->store);
    free(t);
    return NULL;
}

static void thread_free(void *p)
{
    struct api_thread *t = p;
    if (!t)
        return;
    api_ref_free(&t->ref);
    tiles_loop_free(t->tiles);
    clickindex_release(t->click);
    store_close(t->store);
    store_close(t->portal);
    geo_free(t->geo);
    buf_free(&t->out);
    buf_free(&t->wkb);
    buf_free(&t->wkb2);
    free(t);
}

/* Check the store and CRS once before starting loops, and make the OpenAPI
 * document. Returns 0 or a lis_err with the reason in err. */
static int prepare(struct api *a, struct buf *err)
{
    struct store *st = store_open(a->data, STORE_READ, NULL, err);
    struct geo *g = NULL;
    int rc = LIS_EIO;
    if (!st) {
        buf_appendf(err, " (make one with: lis demo --out %s)", a->data);
        goto out;
    }
    if ((rc = store_info(st, &a->info)) < 0) {
        buf_appendf(err, "store %s: %s", a->data, store_errmsg(st));
        goto out;
    }
    if (!(g = geo_new(a->info.crs, err))) {
        rc = LIS_EINVAL;
        goto out;
    }
    json_t *oa = api_openapi(api_routes, api_nroutes, a);
    a->openapi_body = json_dumps(oa, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(oa);
    rc = 0;
out:
    geo_free(g);
    store_close(st);
    return rc;
}

/* The web page's settings (GET /api/v1/portal): what an operator configures
 * about the province, its land office and the base map. Caller frees. */
static char *portal_settings(const struct config *cfg, const struct store_info *info)
{
    json_t *o = json_pack(
        "{s:{s:s,s:s,s:s}, s:{s:s,s:s,s:s,s:s,s:s,s:s}, s:{s:s,s:s}, s:{s:s,s:s}}",
        "province", "code", info->province_code, "name", info->province_name, "crs", info->crs,
        "office", "name_vi", config_get(cfg, "office_name"), "name_en",
        config_get(cfg, "office_name_en"), "address_vi", config_get(cfg, "office_address"),
        "address_en", config_get(cfg, "office_address_en"), "phone",
        config_get(cfg, "office_phone"), "email", config_get(cfg, "office_email"), "basemap",
        "url", config_get(cfg, "basemap_url"), "attribution",
        config_get(cfg, "basemap_attribution"), "privacy", "version",
        config_get(cfg, "privacy_version"), "date", config_get(cfg, "privacy_date"));
    /* what the registration form needs to know */
    json_object_set_new(o, "accounts",
                        json_pack("{s:b}", "verify_phone", config_get_bool(cfg, "verify_phone")));
    char *body = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);
    json_decref(o);
    return body;
}

/* ------------------------------------------------------------- command */

static void usage(FILE *f)
{
    int n;
    const struct config_key *k = config_keys(&n);
    fprintf(f, "usage: lis serve [--listen HOST:PORT] [--data DIR] [--loops N] [--config FILE]\n"
               "                 [--set KEY=VALUE ...]\n\n"
               "Serve the public land API (and the web page, if built) over HTTP.\n"
               "Stops gracefully on SIGTERM or SIGINT.\n\n"
               "settings (config file 'key = value', environment LIS_<KEY>, or --set):\n");
    for (int i = 0; i < n; i++)
        fprintf(f, "  %-16s %s (default: %s)\n", k[i].key, k[i].help, k[i].def);
}

int api_serve_cmd(int argc, char **argv)
{
    struct config *cfg = config_new();
    struct buf err = BUF_INIT;
    struct api a;
    const char *config_path = NULL;
    const char *labels[128];
    int code = 1;
    long loops = 0, max_page = 0, max_query = 0, max_body = 0, tile_mb = 0;
    long cache_mb = 0, mmap_mb = 0, workers = 0, worker_queue = 0, worker_nice = 0;
    struct { const char *key, *value; } flags[32];
    int nflags = 0;

    memset(&a, 0, sizeof a);
    /* before any thread starts (click index builder, notification delivery):
       the stop signals must reach http_serve, not a thread that would die of them */
    http_block_stop_signals(NULL);
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            code = 0;
            goto out;
        } else if ((v = config_flag(argc, argv, &i, "--config"))) {
            config_path = v;
        } else if (nflags < 32 && (v = config_flag(argc, argv, &i, "--listen"))) {
            flags[nflags].key = "listen";
            flags[nflags++].value = v;
        } else if (nflags < 32 && (v = config_flag(argc, argv, &i, "--data"))) {
            flags[nflags].key = "data";
            flags[nflags++].value = v;
        } else if (nflags < 32 && (v = config_flag(argc, argv, &i, "--loops"))) {
            flags[nflags].key = "loops";
            flags[nflags++].value = v;
        } else if (nflags < 32 && (v = config_flag(argc, argv, &i, "--set"))) {
            flags[nflags].key = NULL;
            flags[nflags++].value = v;
        } else {
            fprintf(stderr, "lis serve: unknown argument '%s'\n\n", argv[i]);
            usage(stderr);
            code = 2;
            goto out;
        }
    }
    if (config_load_defaults(cfg, config_path, &err) != 0)
        goto fail;
    for (int i = 0; i < nflags; i++) {
        int rc = flags[i].key ? config_set(cfg, flags[i].key, flags[i].value)
                              : config_set_pair(cfg, flags[i].value, &err);
        if (rc)
            goto fail;
    }
    const char *lvl = config_get(cfg, "log_level");
    log_set_level(strcmp(lvl, "debug") == 0  ? LOG_DEBUG
                  : strcmp(lvl, "warn") == 0  ? LOG_WARN
                  : strcmp(lvl, "error") == 0 ? LOG_ERROR
                                              : LOG_INFO);
    if (config_get_long(cfg, "loops", 0, 256, &loops, &err) ||
        config_get_long(cfg, "max_page", 1, 10000, &max_page, &err) ||
        config_get_long(cfg, "max_query_bytes", 64, 65536, &max_query, &err) ||
        config_get_long(cfg, "max_body_bytes", 0, 1 << 30, &max_body, &err) ||
        config_get_long(cfg, "tile_cache_mb", 0, 65536, &tile_mb, &err) ||
        config_get_long(cfg, "store_cache_mb", 1, 65536, &cache_mb, &err) ||
        config_get_long(cfg, "store_mmap_mb", 0, 1 << 20, &mmap_mb, &err) ||
        config_get_long(cfg, "workers", 1, 256, &workers, &err) ||
        config_get_long(cfg, "worker_queue", 1, 1 << 20, &worker_queue, &err) ||
        config_get_long(cfg, "worker_nice", 1, 19, &worker_nice, &err))
        goto fail;
    if (loops == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        loops = cpus > 0 ? cpus : 1;
    }
    a.data = config_get(cfg, "data");
    a.replica = config_get(cfg, "replica");
    a.cache_control = config_get(cfg, "cache_control");
    a.max_page = max_page;
    a.max_query_bytes = max_query;
    a.store_cache_mb = cache_mb;
    a.store_mmap_mb = mmap_mb;
    a.tile_cache_control = config_get(cfg, "tile_cache_control");
    a.tiles = tile_cache_new((size_t)tile_mb << 20, (double)MVT_BUFFER / MVT_EXTENT);
    if (prepare(&a, &err) != 0)
        goto fail;
    if (api_accounts_init(&a, cfg, &err) != 0)
        goto fail;
    if (api_tickets_init(&a, cfg, &err) != 0)
        goto fail;
    if (api_notify_init(&a, cfg, &err) != 0)
        goto fail;
    a.portal_body = portal_settings(cfg, &a.info);
    for (size_t i = 0; i < api_nroutes && i < 128; i++)
        labels[i] = api_routes[i].metric ? api_routes[i].metric : api_routes[i].path;
    a.metrics = metrics_new(labels, (int)api_nroutes, (int)loops);
    log_info("store %s: %lld parcels, %s", a.data, (long long)a.info.parcels, a.info.crs);
    if (strcmp(config_get(cfg, "click_index"), "off") != 0) {
        /* a public read, like the loops' own: from the replica when there is one */
        a.clicks = clickindex_shared_new(a.replica && *a.replica ? a.replica : a.data);
        clickindex_shared_get(a.clicks, a.info.change_seq); /* starts the build: we serve at once */
    }

    struct http_server_opts o = {
        .listen = config_get(cfg, "listen"),
        .loops = (int)loops,
        .web_root = config_get(cfg, "web_root"),
        .access_log = config_get(cfg, "access_log"),
        .max_query_bytes = (size_t)max_query,
        .max_body_bytes = (size_t)max_body,
        .routes = api_routes,
        .nroutes = api_nroutes,
        .metrics = a.metrics,
        .thread_new = thread_new,
        .thread_free = thread_free,
        .tick = thread_tick,
        .gate = api_gate,
        .app = &a,
        .workers = (int)workers,
        .worker_queue = (int)worker_queue,
        .worker_nice = (int)worker_nice,
    };
    if (http_serve(&o, &err) != 0)
        goto fail;
    code = 0;
    goto out;
fail:
    fprintf(stderr, "lis serve: %s\n", buf_cstr(&err));
    code = 1;
out:
    free(a.openapi_body);
    free(a.portal_body);
    api_accounts_free(&a);
    api_notify_free(&a);
    tile_cache_free(a.tiles);
    clickindex_shared_free(a.clicks);
    metrics_free(a.metrics);
    buf_free(&err);
    config_free(cfg);
    return code;
}
