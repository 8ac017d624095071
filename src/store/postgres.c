/* postgres — the scale-out store backend: PostgreSQL + PostGIS over libpq.
 *
 * One `struct store` is one connection (lis serve opens one per loop, so the
 * "pool" is sized to the loops by construction). Schemas (migrations.c):
 *   land      parcels (current versions; geometry in the province CRS and a
 *             Web-Mercator copy in the same row, GiST on both; the folded
 *             search text and a tsvector of its words, GIN), parcel_history,
 *             communes, planning_zones, survey_communes, land_use_codes,
 *             extents, changes, meta
 *   registry  holders, rights, certificates, restrictions, events
 *   portal    plans, users, sessions, throttle, audit (append-only: a trigger
 *             refuses UPDATE, DELETE and TRUNCATE), upgrades, notices,
 *             notice_reads, watches, codes, tickets, messages, disclosures
 *
 * Behaviour follows the SQLite backend rule by rule (keys, versioning, ids
 * never reused, the change log, extents grown by writes and recomputed by
 * store_optimize). Where SQLite's answer comes from C code (the point-in-
 * polygon test of a map click, the commune at a point) the same C code
 * decides here too: the GiST index only narrows to boxes, so both backends
 * agree on points on edges. Search: the tsvector holds exactly the words of
 * the folded text (array_to_tsvector, no parser), and a query is every word
 * as a prefix ('word':*), AND-ed: FTS5's "word"* semantics.
 *
 * Statements are prepared once per connection, on first use (PQprepare);
 * results come back in binary (no number parsing). Numbers go as binary
 * float8 (exact) or text integers; geometry as binary bytea WKB.
 *
 * Connection loss (a server restart, a network cut): the failing call
 * returns LIS_EUNAVAIL (HTTP 503) at once; the next call reconnects
 * (PQreset, bounded by connect_timeout) and prepares again. A read outside a
 * transaction that finds its connection dead after a restart is retried
 * once on a fresh connection, so the first request after an outage
 * succeeds. Inside a transaction nothing is retried: the transaction is lost
 * and the caller learns it. */
#include "store/store_impl.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"
#include "geo/geo.h"
#include "land/landuse.h"
#include "store/migrations.h"

#include <endian.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PARAMS 24
#define PIPE_MAX 1024 /* pipelined writes before their results are read */
#define CONNECT_TIMEOUT "3" /* seconds: a request during an outage waits at most this */
#define TCP_USER_TIMEOUT "10000" /* ms: a query to a server that vanished (no reset, no
                                    answer) fails after this instead of hanging */
#define RETRY_MS 250        /* after a failed reconnection, calls fail at once for this long */

enum layer { L_PARCELS, L_COMMUNES, L_PLANNING, L_COUNT };
static const char *const layer_name[L_COUNT] = {"parcels", "communes", "planning_zones"};

/* Columns of a parcel row as every parcel query returns them; g, m, s are
 * the parameters (booleans) asking for geometry, Web-Mercator and search text. */
#define PCOLS(g, m, s)                                                                         \
    "p.id, p.version, p.national_id, p.survey_commune, p.commune, p.sheet, p.number,"         \
    " p.area, p.area_map, p.land_use, p.address, p.valid_from, NULL::text,"                   \
    " CASE WHEN " g "::boolean THEN ST_AsBinary(p.geom) END,"                                 \
    " CASE WHEN " m "::boolean THEN ST_AsBinary(p.geom_3857) END,"                            \
    " CASE WHEN " s "::boolean THEN p.search_text END"
enum { PC_GEOM = 13, PC_MERCATOR = 14, PC_SEARCH = 15, PC_AT_MERCATOR = 16 };

/* SQLite's CAST(x AS INTEGER): the leading integer, 0 when none. */
#define LEADING_INT(c) "coalesce(substring(" c " from '^[[:space:]]*[-+]?[0-9]+')::numeric, 0)"
#define KEY_ORDER                                                                              \
    " ORDER BY p.survey_commune, " LEADING_INT("p.sheet") ", p.sheet, " LEADING_INT(          \
        "p.number") ", p.number, p.id LIMIT $4::int"
#define HCOLS                                                                                  \
    "id, version, national_id, survey_commune, commune, sheet, number, area, area_map,"       \
    " land_use, address, valid_from"

/* Registry rows as the registry callbacks read them (copying and the
 * detailed view of one parcel). */
#define HOLDER_COLS "h.id::int8, h.kind, h.name, h.id_number, h.address, h.birth_year::int4"
#define RIGHT_COLS                                                                             \
    "parcel_id::int8, holder_id::int8, kind, land_use, area::float8, term, origin, share::float8"
#define CERT_COLS "parcel_id::int8, serial, issued_on, issuer, register_no"
#define RESTR_COLS "parcel_id::int8, kind, party, since, until, note"
#define EVENT_COLS "parcel_id::int8, kind, date, description, version::int4, related_id::int8"

/* Portal rows as row_user, row_plan, row_session and row_audit read them. */
#define USER_COLS                                                                              \
    "id, phone, name, email, address, role, plan, plan_until, pw_hash, locked, must_reset,"   \
    " consent_version, consent_at, created_at, updated_at, closed_at, name_folded"
#define USER_CLOSING "(($2::int & 512) <> 0 AND $13::bigint <> 0)"
#define PLAN_COLS "code, name_vi, name_en, daily_views, watch_max, features"
#define SESSION_COLS "hash, user_id, created_at, seen_at, expires_at"
#define AUDIT_COLS "id, at, actor, actor_role, action, subject, object, reason"
/* store_audit_list's filter: 0 and NULL match anything; an action ending in
 * '.' is a prefix (compared byte-wise, whatever the database's collation) */
#define AUDIT_FILTER                                                                           \
    " ($1::bigint = 0 OR actor = $1::bigint) AND ($2::bigint = 0 OR subject = $2::bigint)"    \
    " AND ($3::bigint = 0 OR actor = $3::bigint OR subject = $3::bigint)"                     \
    " AND ($4::text IS NULL OR CASE WHEN right($4::text, 1) = '.'"                            \
    " THEN left(action, char_length($4::text)) = $4::text ELSE action = $4::text END)"        \
    " AND ($5::bigint = 0 OR at >= $5::bigint) AND ($6::bigint = 0 OR at < $6::bigint)"       \
    " AND ($7::bigint = 0 OR id < $7::bigint) ORDER BY id DESC LIMIT $8::int"

/* store_users_search: $4 .. $4 + SEARCH_WORDS - 1 are the name's first words
 * (NULL when fewer), each the start of a word of name_folded. */
#define SEARCH_WORDS 6
#define SEARCH_WORD(n)                                                                         \
    " AND ($" #n "::text IS NULL OR strpos(' ' || name_folded, ' ' || $" #n "::text) > 0)"

/* Administration rows as row_upgrade, row_notice, row_watch, row_ticket and
 * row_disclosure read them; lists page by keyset (id < $n, see keyset()). */
#define UPGRADE_COLS                                                                           \
    "id, user_id, plan, reason, status, created_at, decided_at, decided_by, until, decision"
/* $1 user (0: any), $2 status (NULL: any), $3 keyset bound, $4 limit */
#define UPGRADE_FILTER                                                                         \
    " ($1::bigint = 0 OR user_id = $1::bigint) AND ($2::text IS NULL OR status = $2::text)"   \
    " AND id < $3::bigint ORDER BY id DESC LIMIT $4::int"
#define NOTICE_COLS                                                                            \
    "n.id, n.kind, n.audience, n.public, n.title, n.body, n.sender, n.object, n.created_at"
/* A user's inbox: $1 the user, $2 since (for "all"), $3 the plan, $4 the
 * role (a NULL plan or role: no such audience). */
#define INBOX_WHERE                                                                            \
    " ((n.audience = 'all' AND n.created_at >= $2::bigint) OR n.audience IN ('plan:' ||"      \
    " $3::text, 'role:' || $4::text, 'user:' || $1::bigint))"
#define WATCH_COLS "user_id, parcel_id, version, state, created_at"
#define CODE_COLS "key, purpose, hash, expires_at, attempts"
#define TICKET_COLS                                                                            \
    "id, user_id, kind, subject, status, parcel_id, other_party, commune, assignee, reason,"   \
    " created_at, updated_at, closed_at"
/* $1 author (0: any), $2 assignee (0: any, -1: nobody), $3 status (NULL: any,
 * "active": open or in progress), $4 kind (NULL: any), $5 keyset bound, $6 limit */
#define TICKET_FILTER                                                                          \
    " ($1::bigint = 0 OR user_id = $1::bigint) AND ($2::bigint = 0 OR assignee ="             \
    " CASE WHEN $2::bigint = -1 THEN 0 ELSE $2::bigint END) AND ($3::text IS NULL"            \
    " OR status = $3::text OR ($3::text = 'active' AND status IN ('open', 'in_progress')))"   \
    " AND ($4::text IS NULL OR kind = $4::text) AND id < $5::bigint ORDER BY id DESC"         \
    " LIMIT $6::int"
#define MESSAGE_COLS "id, ticket_id, author_id, author_role, body, created_at"
#define DISCLOSURE_COLS                                                                        \
    "id, admin_id, subject, authority, document, document_date, legal_basis, created_at,"     \
    " exported_at"
/* $1 subject (0: any), $2 keyset bound, $3 limit */
#define DISCLOSURE_FILTER                                                                      \
    " ($1::bigint = 0 OR subject = $1::bigint) AND id < $2::bigint ORDER BY id DESC"          \
    " LIMIT $3::int"

enum stmt_id {
    S_PARCEL_GET,
    S_PARCEL_NID,
    S_PARCEL_SCAN,
    S_PARCEL_BOX,
    S_PARCEL_AT,
    S_PARCEL_KEY_C,
    S_PARCEL_KEY_CS,
    S_PARCEL_KEY_CSN,
    S_PARCEL_KEY_CN,
    S_PARCEL_SEARCH,
    S_PARCEL_HISTORY,
    S_PARCEL_MBOX,
    S_PARCEL_MBOX_AFTER,
    S_PLAN_SCAN,
    S_CHANGES_SINCE,
    S_VERSIONS,
    S_HIST_EXISTS,
    S_PUT_KEY,
    S_PUT_INSERT,
    S_PUT_NEW,
    S_SEQ_BUMP,
    S_PUT_UPDATE,
    S_RETIRE,
    S_CHANGE,
    S_EXTENT,
    S_MAX_SEQ,
    S_INFO,
    S_COMMUNE_PUT,
    S_SURVEY_PUT,
    S_COMMUNES,
    S_COMMUNE_GET,
    S_SURVEYS,
    S_COMMUNE_AT,
    S_LAND_USES,
    S_PLAN_PUT,
    S_PLAN_BOX,
    S_HOLDER_PUT,
    S_RIGHT_PUT,
    S_CERT_PUT,
    S_RESTR_PUT,
    S_EVENT_PUT,
    S_CLEAR_HOLDERS,
    S_CLEAR_RIGHTS,
    S_CLEAR_CERTS,
    S_CLEAR_RESTR,
    S_CLEAR_EVENTS,
    S_REG_HOLDERS,
    S_REG_RIGHTS,
    S_REG_CERTS,
    S_REG_RESTR,
    S_REG_EVENTS,
    /* portal: from here on, statements carry personal values (see run) */
    S_USER_CREATE,
    S_USER_GET,
    S_USER_PHONE,
    S_USER_UPDATE,
    S_PLANS,
    S_PLAN_GET,
    S_PLAN_UPSERT,
    S_SESSION_PUT,
    S_SESSION_GET,
    S_SESSION_TOUCH,
    S_SESSION_DELETE,
    S_SESSIONS_END,
    S_SESSIONS_OF,
    S_SESSIONS_PURGE,
    S_THROTTLE_GET,
    S_THROTTLE_SET,
    S_THROTTLE_DEL,
    S_AUDIT_ADD,
    S_AUDIT_ALL,
    S_AUDIT_ACTOR,
    S_AUDIT_SUBJECT,
    S_AUDIT_EITHER,
    S_AUDIT_DISTINCT,
    S_USERS_SEARCH,
    S_PLANS_ENDED,
    S_PLAN_EXPIRE,
    S_UPGRADE_CREATE,
    S_UPGRADE_GET,
    S_UPGRADE_DECIDE,
    S_UPGRADES,
    S_UPGRADES_STATUS,
    S_NOTICE_ADD,
    S_INBOX,
    S_INBOX_UNREAD,
    S_INBOX_MARK,
    S_NOTICES_PUBLIC,
    S_WATCH_ADD,
    S_WATCH_DELETE,
    S_WATCHES_OF,
    S_WATCHES_SCAN,
    S_WATCH_ADVANCE,
    S_CODE_PUT,
    S_CODE_GET,
    S_CODE_ATTEMPT,
    S_CODE_DELETE,
    S_TICKET_CREATE,
    S_TICKET_GET,
    S_TICKET_UPDATE,
    S_TICKETS,
    S_TICKETS_USER,
    S_MESSAGE_ADD,
    S_MESSAGES,
    S_DISCLOSURE_ADD,
    S_DISCLOSURE_GET,
    S_DISCLOSURES,
    S_DISCLOSURES_SUBJECT,
    S_DISCLOSURE_EXPORTED,
    S_COUNT
};
#define S_PORTAL_FIRST S_USER_CREATE

static const char *const stmt_sql[S_COUNT] = {
    [S_PARCEL_GET] = "SELECT " PCOLS("$2", "$3", "$4") " FROM land.parcels p WHERE p.id = $1::bigint",
    [S_PARCEL_NID] = "SELECT " PCOLS("$2", "$3", "$4")
                     " FROM land.parcels p WHERE p.national_id = $1::text",
    [S_PARCEL_SCAN] = "SELECT " PCOLS("$3", "$4", "$5") " FROM land.parcels p"
                      " WHERE p.id > $1::bigint ORDER BY p.id LIMIT $2::int",
    [S_PARCEL_BOX] = "SELECT " PCOLS("$7", "$8", "$9") " FROM land.parcels p"
                     " WHERE p.geom && ST_MakeEnvelope($1::float8, $2::float8, $3::float8,"
                     " $4::float8, $5::int) ORDER BY p.id LIMIT $6::int",
    /* candidates by box; the point test is geo's, in C, as with SQLite */
    [S_PARCEL_AT] = "SELECT " PCOLS("$3", "false", "false") ", ST_AsBinary(p.geom_3857)"
                    " FROM land.parcels p WHERE p.geom_3857 &&"
                    " ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 3857)",
    [S_PARCEL_KEY_C] = "SELECT " PCOLS("$5", "$6", "$7") " FROM land.parcels p"
                       " WHERE (p.survey_commune = $1::text OR p.commune = $1::text)"
                       " AND $2::text IS NULL AND $3::text IS NULL" KEY_ORDER,
    [S_PARCEL_KEY_CS] = "SELECT " PCOLS("$5", "$6", "$7") " FROM land.parcels p"
                        " WHERE ((p.survey_commune = $1::text AND p.sheet = $2::text)"
                        " OR (p.commune = $1::text AND p.sheet = $2::text))"
                        " AND $3::text IS NULL" KEY_ORDER,
    [S_PARCEL_KEY_CSN] = "SELECT " PCOLS("$5", "$6", "$7") " FROM land.parcels p"
                         " WHERE (p.survey_commune = $1::text AND p.sheet = $2::text"
                         " AND p.number = $3::text) OR (p.commune = $1::text"
                         " AND p.sheet = $2::text AND p.number = $3::text)" KEY_ORDER,
    [S_PARCEL_KEY_CN] = "SELECT " PCOLS("$5", "$6", "$7") " FROM land.parcels p"
                        " WHERE (p.survey_commune = $1::text OR p.commune = $1::text)"
                        " AND p.number = $3::text AND $2::text IS NULL" KEY_ORDER,
    [S_PARCEL_SEARCH] = "SELECT " PCOLS("$4", "$5", "$6") " FROM land.parcels p"
                        " WHERE p.search @@ $1::tsquery AND p.id > $2::bigint"
                        " ORDER BY p.id LIMIT $3::int",
    [S_PARCEL_HISTORY] = "SELECT * FROM (SELECT " HCOLS ", valid_to,"
                         " CASE WHEN $2::boolean THEN ST_AsBinary(geom) END, NULL::bytea,"
                         " NULL::text FROM land.parcel_history WHERE id = $1::bigint"
                         " UNION ALL SELECT " PCOLS("$2", "$3", "$4")
                         " FROM land.parcels p WHERE p.id = $1::bigint) v ORDER BY 2",
    /* tiles: no ORDER BY; keyset paging: ordered by id */
    [S_PARCEL_MBOX] = "SELECT " PCOLS("$7", "$8", "false") " FROM land.parcels p"
                      " WHERE p.geom_3857 && ST_MakeEnvelope($1::float8, $2::float8, $3::float8,"
                      " $4::float8, 3857) AND $5::bigint IS NOT NULL LIMIT $6::int",
    [S_PARCEL_MBOX_AFTER] = "SELECT " PCOLS("$7", "$8", "false") " FROM land.parcels p"
                            " WHERE p.geom_3857 && ST_MakeEnvelope($1::float8, $2::float8,"
                            " $3::float8, $4::float8, 3857) AND p.id > $5::bigint"
                            " ORDER BY p.id LIMIT $6::int",
    [S_PLAN_SCAN] = "SELECT id, land_use, plan, decision, commune, ST_AsBinary(geom)"
                    " FROM land.planning_zones WHERE id > $1::bigint ORDER BY id LIMIT $2::int",
    [S_CHANGES_SINCE] = "SELECT seq, kind, parcel_id, minx, miny, maxx, maxy FROM land.changes"
                        " WHERE seq > $1::bigint ORDER BY seq LIMIT $2::int",
    /* copying: the ids of a page first (each side limited), then their versions */
    [S_VERSIONS] = "WITH a AS (SELECT id FROM land.parcels WHERE id > $1::bigint ORDER BY id"
                   " LIMIT $2::int),"
                   " b AS (SELECT DISTINCT id FROM land.parcel_history WHERE id > $1::bigint"
                   " ORDER BY id LIMIT $2::int),"
                   " ids AS (SELECT id FROM a UNION SELECT id FROM b ORDER BY id LIMIT $2::int)"
                   " SELECT * FROM (SELECT " HCOLS ", valid_to,"
                   " CASE WHEN $3::boolean THEN ST_AsBinary(geom) END, NULL::bytea, NULL::text"
                   " FROM land.parcel_history WHERE id IN (SELECT id FROM ids)"
                   " UNION ALL SELECT " PCOLS("$3", "$4", "$5") " FROM land.parcels p"
                   " WHERE p.id IN (SELECT id FROM ids)) v ORDER BY 1, 2",
    [S_HIST_EXISTS] = "SELECT 1 FROM land.parcel_history WHERE id = $1::bigint LIMIT 1",
    [S_PUT_KEY] = "SELECT id, version, national_id, commune, area, area_map, land_use, address,"
                  " ST_AsBinary(geom), ST_XMin(geom_3857), ST_YMin(geom_3857),"
                  " ST_XMax(geom_3857), ST_YMax(geom_3857) FROM land.parcels"
                  " WHERE survey_commune = $1::text AND sheet = $2::text AND number = $3::text",
    [S_PUT_INSERT] = "WITH n AS (INSERT INTO land.parcels(id, national_id, survey_commune,"
                     " commune, sheet, number, area, area_map, land_use, address, version,"
                     " valid_from, geom, geom_3857, search_text)"
                     " VALUES (coalesce($1::bigint, nextval('land.parcel_ids')), $2::text,"
                     " $3::text, $4::text, $5::text, $6::text, $7::float8, $8::float8, $9::text,"
                     " $10::text, 1, $11::text, ST_GeomFromWKB($12::bytea, $13::int),"
                     " ST_GeomFromWKB($14::bytea, 3857), $15::text) RETURNING id),"
                     " c AS (INSERT INTO land.changes(at, kind, parcel_id, minx, miny, maxx, maxy)"
                     " SELECT $11::text, 'insert', id, $16::float8, $17::float8, $18::float8,"
                     " $19::float8 FROM n)"
                     " SELECT id FROM n",
    /* a new parcel in one round trip (bulk loads): inserted unless its key is
     * taken by a current parcel (then the caller takes the versioning path) or
     * its id by a retired one; an id given moves the sequence past it */
    [S_PUT_NEW] = "WITH k AS (SELECT 1 FROM land.parcels WHERE survey_commune = $3::text"
                  " AND sheet = $5::text AND number = $6::text),"
                  " hx AS (SELECT 1 FROM land.parcel_history WHERE id = $1::bigint LIMIT 1),"
                  " n AS (INSERT INTO land.parcels(id, national_id, survey_commune,"
                  " commune, sheet, number, area, area_map, land_use, address, version,"
                  " valid_from, geom, geom_3857, search_text)"
                  " SELECT coalesce($1::bigint, nextval('land.parcel_ids')), $2::text,"
                  " $3::text, $4::text, $5::text, $6::text, $7::float8, $8::float8, $9::text,"
                  " $10::text, 1, $11::text, ST_GeomFromWKB($12::bytea, $13::int),"
                  " ST_GeomFromWKB($14::bytea, 3857), $15::text"
                  " WHERE NOT EXISTS (SELECT 1 FROM k) AND NOT EXISTS (SELECT 1 FROM hx)"
                  " RETURNING id),"
                  " c AS (INSERT INTO land.changes(at, kind, parcel_id, minx, miny, maxx, maxy)"
                  " SELECT $11::text, 'insert', id, $16::float8, $17::float8, $18::float8,"
                  " $19::float8 FROM n),"
                  " b AS (SELECT setval('land.parcel_ids', id) FROM n WHERE $1::bigint IS NOT NULL"
                  " AND id > (SELECT CASE WHEN is_called THEN last_value ELSE 0 END"
                  " FROM land.parcel_ids))"
                  " SELECT (SELECT id FROM n), EXISTS (SELECT 1 FROM k),"
                  " EXISTS (SELECT 1 FROM hx), (SELECT count(*) FROM b)",
    /* an id given explicitly moves the sequence past it: ids are never reused */
    [S_SEQ_BUMP] = "SELECT setval('land.parcel_ids', $1::bigint) WHERE $1::bigint >"
                   " (SELECT CASE WHEN is_called THEN last_value ELSE 0 END"
                   " FROM land.parcel_ids)",
    /* one statement: every part reads the snapshot from before the update,
     * so the history gets the old version */
    [S_PUT_UPDATE] = "WITH h AS (INSERT INTO land.parcel_history(" HCOLS ", valid_to, geom)"
                     " SELECT " HCOLS ", $7::text, geom FROM land.parcels WHERE id = $1::bigint),"
                     " c AS (INSERT INTO land.changes(at, kind, parcel_id, minx, miny, maxx, maxy)"
                     " VALUES ($7::text, 'update', $1::bigint, $12::float8, $13::float8,"
                     " $14::float8, $15::float8))"
                     " UPDATE land.parcels SET commune = $2::text, area = $3::float8,"
                     " area_map = $4::float8, land_use = $5::text, address = $6::text,"
                     " version = version + 1, valid_from = $7::text,"
                     " geom = ST_GeomFromWKB($8::bytea, $9::int),"
                     " geom_3857 = ST_GeomFromWKB($10::bytea, 3857), search_text = $11::text"
                     " WHERE id = $1::bigint",
    [S_RETIRE] = "WITH d AS (DELETE FROM land.parcels WHERE id = $1::bigint RETURNING *),"
                 " h AS (INSERT INTO land.parcel_history(" HCOLS ", valid_to, geom)"
                 " SELECT " HCOLS ", $2::text, geom FROM d),"
                 " c AS (INSERT INTO land.changes(at, kind, parcel_id, minx, miny, maxx, maxy)"
                 " SELECT $2::text, 'retire', id, ST_XMin(geom_3857), ST_YMin(geom_3857),"
                 " ST_XMax(geom_3857), ST_YMax(geom_3857) FROM d)"
                 " SELECT count(*)::int8 FROM d",
    [S_CHANGE] = "INSERT INTO land.changes(at, kind, parcel_id, minx, miny, maxx, maxy)"
                 " VALUES ($1::text, $2::text, NULL, NULL, NULL, NULL, NULL)",
    /* least/greatest skip NULLs: the first write sets the extent */
    [S_EXTENT] = "UPDATE land.extents SET min_x = least(min_x, $2::float8),"
                 " min_y = least(min_y, $3::float8), max_x = greatest(max_x, $4::float8),"
                 " max_y = greatest(max_y, $5::float8) WHERE layer = $1::text",
    [S_MAX_SEQ] = "SELECT coalesce(max(seq), 0)::int8 FROM land.changes",
    [S_INFO] = "SELECT (SELECT count(*) FROM land.parcels)::int8,"
               " (SELECT count(*) FROM land.communes)::int8,"
               " (SELECT count(*) FROM land.planning_zones)::int8,"
               " min(min_x), min(min_y), max(max_x), max(max_y)"
               " FROM land.extents WHERE layer IN ('parcels', 'communes') AND min_x IS NOT NULL",
    [S_COMMUNE_PUT] = "INSERT INTO land.communes(code, name, kind, mountainous, geom)"
                      " VALUES ($1::text, $2::text, $3::text, $4::boolean,"
                      " ST_GeomFromWKB($5::bytea, $6::int)) ON CONFLICT (code) DO UPDATE SET"
                      " name = excluded.name, kind = excluded.kind,"
                      " mountainous = excluded.mountainous, geom = excluded.geom",
    [S_SURVEY_PUT] = "INSERT INTO land.survey_communes(code, name, commune)"
                     " VALUES ($1::text, $2::text, $3::text)"
                     " ON CONFLICT (code, commune) DO UPDATE SET name = excluded.name",
    [S_COMMUNES] = "SELECT code, name, kind, mountainous,"
                   " CASE WHEN $1::boolean THEN ST_AsBinary(geom) END"
                   " FROM land.communes ORDER BY code",
    [S_COMMUNE_GET] = "SELECT code, name, kind, mountainous,"
                      " CASE WHEN $2::boolean THEN ST_AsBinary(geom) END"
                      " FROM land.communes WHERE code = $1::text",
    [S_SURVEYS] = "SELECT code, name, commune FROM land.survey_communes ORDER BY code, commune",
    [S_COMMUNE_AT] = "SELECT code, ST_AsBinary(geom) FROM land.communes"
                     " WHERE geom && ST_SetSRID(ST_MakePoint($1::float8, $2::float8), $3::int)"
                     " ORDER BY code",
    [S_LAND_USES] = "SELECT code, name_vi, name_en, group_name FROM land.land_use_codes"
                    " ORDER BY id",
    [S_PLAN_PUT] = "INSERT INTO land.planning_zones(land_use, plan, decision, commune, geom)"
                   " VALUES ($1::text, $2::text, $3::text, $4::text,"
                   " ST_GeomFromWKB($5::bytea, $6::int)) RETURNING id",
    [S_PLAN_BOX] = "SELECT id, land_use, plan, decision, commune, ST_AsBinary(geom)"
                   " FROM land.planning_zones WHERE geom && ST_MakeEnvelope($1::float8,"
                   " $2::float8, $3::float8, $4::float8, $5::int) ORDER BY id",
    /* an id not given: the next after the largest, as SQLite's INTEGER PRIMARY KEY */
    [S_HOLDER_PUT] = "INSERT INTO registry.holders(id, kind, name, id_number, address, birth_year)"
                     " VALUES (coalesce($1::bigint,"
                     " (SELECT coalesce(max(id), 0) + 1 FROM registry.holders)),"
                     " $2::text, $3::text, $4::text, $5::text, $6::int) RETURNING id",
    [S_RIGHT_PUT] = "INSERT INTO registry.rights(parcel_id, holder_id, kind, land_use, area, term,"
                    " origin, share) VALUES ($1::bigint, $2::bigint, $3::text, $4::text,"
                    " $5::float8, $6::text, $7::text, $8::float8) RETURNING id",
    [S_CERT_PUT] = "INSERT INTO registry.certificates(parcel_id, serial, issued_on, issuer,"
                   " register_no) VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::text)"
                   " RETURNING id",
    [S_RESTR_PUT] = "INSERT INTO registry.restrictions(parcel_id, kind, party, since, until, note)"
                    " VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text)"
                    " RETURNING id",
    [S_EVENT_PUT] = "INSERT INTO registry.events(parcel_id, kind, date, description, version,"
                    " related_id) VALUES ($1::bigint, $2::text, $3::text, $4::text, $5::int,"
                    " $6::bigint) RETURNING id",
    /* holders of this parcel that hold nothing elsewhere go with it */
    [S_CLEAR_HOLDERS] = "DELETE FROM registry.holders h WHERE h.id IN"
                        " (SELECT holder_id FROM registry.rights WHERE parcel_id = $1::bigint)"
                        " AND NOT EXISTS (SELECT 1 FROM registry.rights o"
                        " WHERE o.holder_id = h.id AND o.parcel_id <> $1::bigint)",
    [S_CLEAR_RIGHTS] = "DELETE FROM registry.rights WHERE parcel_id = $1::bigint",
    [S_CLEAR_CERTS] = "DELETE FROM registry.certificates WHERE parcel_id = $1::bigint",
    [S_CLEAR_RESTR] = "DELETE FROM registry.restrictions WHERE parcel_id = $1::bigint",
    [S_CLEAR_EVENTS] = "DELETE FROM registry.events WHERE parcel_id = $1::bigint",
    /* one parcel's registry, each table in the order it was written */
    [S_REG_HOLDERS] = "SELECT " HOLDER_COLS " FROM registry.holders h WHERE h.id IN"
                      " (SELECT holder_id FROM registry.rights WHERE parcel_id = $1::bigint)"
                      " ORDER BY h.id",
    [S_REG_RIGHTS] = "SELECT " RIGHT_COLS " FROM registry.rights WHERE parcel_id = $1::bigint"
                     " ORDER BY id",
    [S_REG_CERTS] = "SELECT " CERT_COLS " FROM registry.certificates"
                    " WHERE parcel_id = $1::bigint ORDER BY id",
    [S_REG_RESTR] = "SELECT " RESTR_COLS " FROM registry.restrictions"
                    " WHERE parcel_id = $1::bigint ORDER BY id",
    [S_REG_EVENTS] = "SELECT " EVENT_COLS " FROM registry.events WHERE parcel_id = $1::bigint"
                     " ORDER BY id",
    [S_USER_CREATE] = "INSERT INTO portal.users(phone, name, email, address, role, plan,"
                      " plan_until, pw_hash, locked, must_reset, consent_version, consent_at,"
                      " created_at, updated_at, closed_at, name_folded) VALUES ($1::text,"
                      " $2::text, $3::text, $4::text, $5::text, $6::text, $7::bigint, $8::text,"
                      " $9::boolean, $10::boolean, $11::text, $12::bigint, $13::bigint,"
                      " $14::bigint, $15::bigint, $16::text) RETURNING id",
    [S_USER_GET] = "SELECT " USER_COLS " FROM portal.users WHERE id = $1::bigint",
    [S_USER_PHONE] = "SELECT " USER_COLS " FROM portal.users"
                     " WHERE phone = $1::text AND closed_at = 0",
    /* $2: the store_user_field bits to write (their values are checked
     * beside pg_user_update; name_folded goes with the name); closing (a
     * non-zero closed_at) erases the personal fields whatever else the bits say */
    [S_USER_UPDATE] = "UPDATE portal.users SET"
                      " name = CASE WHEN " USER_CLOSING " THEN NULL"
                      " WHEN ($2::int & 1) <> 0 THEN $3::text ELSE name END,"
                      " name_folded = CASE WHEN " USER_CLOSING " THEN NULL"
                      " WHEN ($2::int & 1) <> 0 THEN $15::text ELSE name_folded END,"
                      " phone = CASE WHEN " USER_CLOSING " THEN NULL"
                      " WHEN ($2::int & 2) <> 0 THEN $4::text ELSE phone END,"
                      " email = CASE WHEN " USER_CLOSING " THEN NULL"
                      " WHEN ($2::int & 4) <> 0 THEN $5::text ELSE email END,"
                      " address = CASE WHEN " USER_CLOSING " THEN NULL"
                      " WHEN ($2::int & 8) <> 0 THEN $6::text ELSE address END,"
                      " pw_hash = CASE WHEN ($2::int & 16) <> 0 THEN $7::text ELSE pw_hash END,"
                      " role = CASE WHEN ($2::int & 32) <> 0 THEN $8::text ELSE role END,"
                      " plan = CASE WHEN ($2::int & 64) <> 0 THEN $9::text ELSE plan END,"
                      " plan_until = CASE WHEN ($2::int & 64) <> 0 THEN $10::bigint"
                      " ELSE plan_until END,"
                      " locked = CASE WHEN ($2::int & 128) <> 0 THEN $11::boolean ELSE locked END,"
                      " must_reset = CASE WHEN ($2::int & 256) <> 0 THEN $12::boolean"
                      " ELSE must_reset END,"
                      " closed_at = CASE WHEN ($2::int & 512) <> 0 THEN $13::bigint"
                      " ELSE closed_at END,"
                      " updated_at = $14::bigint WHERE id = $1::bigint",
    /* no limit (-1) last; codes byte-wise, as in SQLite */
    [S_PLANS] = "SELECT " PLAN_COLS " FROM portal.plans"
                " ORDER BY daily_views < 0, daily_views, code COLLATE \"C\"",
    [S_PLAN_GET] = "SELECT " PLAN_COLS " FROM portal.plans WHERE code = $1::text",
    [S_PLAN_UPSERT] = "INSERT INTO portal.plans(" PLAN_COLS ") VALUES ($1::text, $2::text,"
                      " $3::text, $4::int, $5::int, $6::text) ON CONFLICT (code) DO UPDATE SET"
                      " name_vi = excluded.name_vi, name_en = excluded.name_en,"
                      " daily_views = excluded.daily_views, watch_max = excluded.watch_max,"
                      " features = excluded.features",
    [S_SESSION_PUT] = "INSERT INTO portal.sessions(" SESSION_COLS ") VALUES ($1::bytea,"
                      " $2::bigint, $3::bigint, $4::bigint, $5::bigint)",
    [S_SESSION_GET] = "SELECT " SESSION_COLS " FROM portal.sessions WHERE hash = $1::bytea",
    [S_SESSION_TOUCH] = "UPDATE portal.sessions SET seen_at = $2::bigint WHERE hash = $1::bytea",
    [S_SESSION_DELETE] = "DELETE FROM portal.sessions WHERE hash = $1::bytea",
    [S_SESSIONS_END] = "DELETE FROM portal.sessions WHERE user_id = $1::bigint"
                       " AND ($2::bytea IS NULL OR hash <> $2::bytea)",
    [S_SESSIONS_OF] = "SELECT " SESSION_COLS " FROM portal.sessions WHERE user_id = $1::bigint"
                      " ORDER BY created_at DESC, hash",
    /* idle <= 0: no idle expiry */
    [S_SESSIONS_PURGE] = "DELETE FROM portal.sessions WHERE expires_at < $1::bigint"
                         " OR ($2::bigint > 0 AND seen_at < $1::bigint - $2::bigint)",
    [S_THROTTLE_GET] = "SELECT failures, last_at, until FROM portal.throttle WHERE key = $1::text",
    [S_THROTTLE_SET] = "INSERT INTO portal.throttle(key, failures, last_at, until)"
                       " VALUES ($1::text, $2::int, $3::bigint, $4::bigint)"
                       " ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,"
                       " last_at = excluded.last_at, until = excluded.until",
    [S_THROTTLE_DEL] = "DELETE FROM portal.throttle WHERE key = $1::text",
    [S_AUDIT_ADD] = "INSERT INTO portal.audit(at, actor, actor_role, action, subject, object,"
                    " reason) VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::bigint,"
                    " $6::bigint, $7::text) RETURNING id",
    /* one statement per leading condition, so that an index serves it */
    [S_AUDIT_ALL] = "SELECT " AUDIT_COLS " FROM portal.audit WHERE" AUDIT_FILTER,
    [S_AUDIT_ACTOR] = "SELECT " AUDIT_COLS " FROM portal.audit WHERE actor = $1::bigint AND"
                      AUDIT_FILTER,
    [S_AUDIT_SUBJECT] = "SELECT " AUDIT_COLS " FROM portal.audit WHERE subject = $2::bigint AND"
                        AUDIT_FILTER,
    [S_AUDIT_EITHER] = "SELECT " AUDIT_COLS " FROM portal.audit"
                       " WHERE (actor = $3::bigint OR subject = $3::bigint) AND" AUDIT_FILTER,
    [S_AUDIT_DISTINCT] = "SELECT count(DISTINCT object)::int8,"
                         " coalesce(bool_or(object = $4::bigint), false) FROM portal.audit"
                         " WHERE actor = $1::bigint AND action = $2::text AND at >= $3::bigint",
    /* administration; closed accounts have no name or phone left, and are
     * never listed */
    [S_USERS_SEARCH] = "SELECT " USER_COLS " FROM portal.users WHERE closed_at = 0"
                       " AND id > $1::bigint AND ($2::text IS NULL OR role = $2::text)"
                       " AND ($3::text IS NULL OR strpos(phone, $3::text) > 0)" SEARCH_WORD(4)
                           SEARCH_WORD(5) SEARCH_WORD(6) SEARCH_WORD(7) SEARCH_WORD(8)
                               SEARCH_WORD(9) " ORDER BY id LIMIT $10::int",
    [S_PLANS_ENDED] = "SELECT " USER_COLS " FROM portal.users WHERE closed_at = 0"
                      " AND plan_until > 0 AND plan_until <= $1::bigint ORDER BY id",
    /* the same condition again: a plan granted meanwhile stays */
    [S_PLAN_EXPIRE] = "UPDATE portal.users SET plan = 'free', plan_until = 0"
                      " WHERE id = $1::bigint AND closed_at = 0 AND plan_until > 0"
                      " AND plan_until <= $2::bigint",
    /* no row when the user has a pending request (no id is spent on it);
     * one made meanwhile breaks upgrades_pending: LIS_ECONFLICT either way */
    [S_UPGRADE_CREATE] = "INSERT INTO portal.upgrades(user_id, plan, reason, status, created_at)"
                         " SELECT $1::bigint, $2::text, $3::text, 'pending', $4::bigint"
                         " WHERE NOT EXISTS (SELECT 1 FROM portal.upgrades"
                         " WHERE user_id = $1::bigint AND status = 'pending') RETURNING id",
    [S_UPGRADE_GET] = "SELECT " UPGRADE_COLS " FROM portal.upgrades WHERE id = $1::bigint",
    /* 2: decided now; 1: the request exists but is no longer pending; 0: no
     * such request (both reads see the table as it was before the update) */
    [S_UPGRADE_DECIDE] = "WITH d AS (UPDATE portal.upgrades SET status = $2::text,"
                         " decided_at = $3::bigint, decided_by = $4::bigint, until = $5::bigint,"
                         " decision = $6::text WHERE id = $1::bigint AND status = 'pending'"
                         " RETURNING id) SELECT CASE WHEN EXISTS (SELECT 1 FROM d) THEN 2"
                         " WHEN EXISTS (SELECT 1 FROM portal.upgrades WHERE id = $1::bigint)"
                         " THEN 1 ELSE 0 END::int8",
    /* one statement per leading condition, so that an index serves it */
    [S_UPGRADES] = "SELECT " UPGRADE_COLS " FROM portal.upgrades WHERE" UPGRADE_FILTER,
    [S_UPGRADES_STATUS] = "SELECT " UPGRADE_COLS " FROM portal.upgrades"
                          " WHERE status = $2::text AND" UPGRADE_FILTER,
    [S_NOTICE_ADD] = "INSERT INTO portal.notices(kind, audience, public, title, body, sender,"
                     " object, created_at) VALUES ($1::text, $2::text, $3::boolean, $4::text,"
                     " $5::text, $6::bigint, $7::bigint, $8::bigint) RETURNING id",
    /* $5 keyset bound, $6 unread only, $7 limit */
    [S_INBOX] = "SELECT " NOTICE_COLS ", r.notice_id IS NOT NULL FROM portal.notices n"
                " LEFT JOIN portal.notice_reads r ON r.user_id = $1::bigint"
                " AND r.notice_id = n.id WHERE" INBOX_WHERE " AND n.id < $5::bigint"
                " AND (NOT $6::boolean OR r.notice_id IS NULL) ORDER BY n.id DESC LIMIT $7::int",
    [S_INBOX_UNREAD] = "SELECT count(*)::int8 FROM portal.notices n WHERE" INBOX_WHERE
                       " AND NOT EXISTS (SELECT 1 FROM portal.notice_reads r"
                       " WHERE r.user_id = $1::bigint AND r.notice_id = n.id)",
    /* the inbox's notices $5 to $7 (one, or every one) read at $6, a read
     * keeping its first time; returns how many of them the inbox holds */
    [S_INBOX_MARK] = "WITH v AS (SELECT n.id FROM portal.notices n"
                     " WHERE n.id BETWEEN $5::bigint AND $7::bigint AND" INBOX_WHERE "),"
                     " m AS (INSERT INTO portal.notice_reads(notice_id, user_id, read_at)"
                     " SELECT id, $1::bigint, $6::bigint FROM v ON CONFLICT DO NOTHING)"
                     " SELECT count(*)::int8 FROM v",
    [S_NOTICES_PUBLIC] = "SELECT " NOTICE_COLS ", false FROM portal.notices n"
                         " WHERE n.public AND n.id < $1::bigint ORDER BY n.id DESC LIMIT $2::int",
    /* a second watch of the same parcel breaks the primary key: LIS_ECONFLICT */
    [S_WATCH_ADD] = "INSERT INTO portal.watches(" WATCH_COLS ") VALUES ($1::bigint, $2::bigint,"
                    " $3::int, $4::bigint, $5::bigint)",
    [S_WATCH_DELETE] = "DELETE FROM portal.watches WHERE user_id = $1::bigint"
                       " AND parcel_id = $2::bigint",
    [S_WATCHES_OF] = "SELECT " WATCH_COLS " FROM portal.watches WHERE user_id = $1::bigint"
                     " ORDER BY created_at, parcel_id",
    [S_WATCHES_SCAN] = "SELECT " WATCH_COLS " FROM portal.watches"
                       " WHERE (parcel_id, user_id) > ($1::bigint, $2::bigint)"
                       " ORDER BY parcel_id, user_id LIMIT $3::int",
    /* only from the state the caller saw: of two sweeps, one moves it */
    [S_WATCH_ADVANCE] = "UPDATE portal.watches SET version = $3::int, state = $4::bigint"
                        " WHERE user_id = $1::bigint AND parcel_id = $2::bigint"
                        " AND version = $5::int AND state = $6::bigint",
    [S_CODE_PUT] = "INSERT INTO portal.codes(" CODE_COLS ") VALUES ($1::text, $2::text,"
                   " $3::bytea, $4::bigint, $5::int) ON CONFLICT (key, purpose) DO UPDATE SET"
                   " hash = excluded.hash, expires_at = excluded.expires_at,"
                   " attempts = excluded.attempts",
    [S_CODE_GET] = "SELECT " CODE_COLS " FROM portal.codes WHERE key = $1::text"
                   " AND purpose = $2::text",
    [S_CODE_ATTEMPT] = "UPDATE portal.codes SET attempts = attempts + 1 WHERE key = $1::text"
                       " AND purpose = $2::text",
    [S_CODE_DELETE] = "DELETE FROM portal.codes WHERE key = $1::text AND purpose = $2::text",
    /* an unknown kind or status breaks the table's CHECK: LIS_ECONFLICT */
    [S_TICKET_CREATE] = "INSERT INTO portal.tickets(user_id, kind, subject, status, parcel_id,"
                        " other_party, commune, assignee, reason, created_at, updated_at,"
                        " closed_at) VALUES ($1::bigint, $2::text, $3::text,"
                        " coalesce($4::text, 'open'), $5::bigint, $6::text, $7::text, $8::bigint,"
                        " $9::text, $10::bigint, $11::bigint, $12::bigint) RETURNING id",
    [S_TICKET_GET] = "SELECT " TICKET_COLS " FROM portal.tickets WHERE id = $1::bigint",
    /* $2: the store_ticket_field bits to write */
    [S_TICKET_UPDATE] = "UPDATE portal.tickets SET"
                        " status = CASE WHEN ($2::int & 1) <> 0 THEN $3::text ELSE status END,"
                        " reason = CASE WHEN ($2::int & 1) <> 0 THEN $4::text ELSE reason END,"
                        " closed_at = CASE WHEN ($2::int & 1) <> 0 THEN $5::bigint"
                        " ELSE closed_at END,"
                        " assignee = CASE WHEN ($2::int & 2) <> 0 THEN $6::bigint"
                        " ELSE assignee END,"
                        " updated_at = $7::bigint WHERE id = $1::bigint",
    [S_TICKETS] = "SELECT " TICKET_COLS " FROM portal.tickets WHERE" TICKET_FILTER,
    [S_TICKETS_USER] = "SELECT " TICKET_COLS " FROM portal.tickets WHERE user_id = $1::bigint"
                       " AND" TICKET_FILTER,
    [S_MESSAGE_ADD] = "INSERT INTO portal.messages(ticket_id, author_id, author_role, body,"
                      " created_at) VALUES ($1::bigint, $2::bigint, $3::text, $4::text,"
                      " $5::bigint) RETURNING id",
    [S_MESSAGES] = "SELECT " MESSAGE_COLS " FROM portal.messages WHERE ticket_id = $1::bigint"
                   " ORDER BY id",
    [S_DISCLOSURE_ADD] = "INSERT INTO portal.disclosures(admin_id, subject, authority, document,"
                         " document_date, legal_basis, created_at) VALUES ($1::bigint,"
                         " $2::bigint, $3::text, $4::text, $5::text, $6::text, $7::bigint)"
                         " RETURNING id",
    [S_DISCLOSURE_GET] = "SELECT " DISCLOSURE_COLS " FROM portal.disclosures"
                         " WHERE id = $1::bigint",
    [S_DISCLOSURES] = "SELECT " DISCLOSURE_COLS " FROM portal.disclosures WHERE"
                      DISCLOSURE_FILTER,
    [S_DISCLOSURES_SUBJECT] = "SELECT " DISCLOSURE_COLS " FROM portal.disclosures"
                              " WHERE subject = $1::bigint AND" DISCLOSURE_FILTER,
    [S_DISCLOSURE_EXPORTED] = "UPDATE portal.disclosures SET exported_at = $2::bigint"
                              " WHERE id = $1::bigint",
};

/* Tables store_count may name (the SQLite backend's names); fixed SQL. */
static const struct {
    const char *name;
    const char *sql;
} count_sql[] = {
    {"parcels", "SELECT count(*)::int8 FROM land.parcels"},
    {"parcel_history", "SELECT count(*)::int8 FROM land.parcel_history"},
    {"parcel_mercator", "SELECT count(*)::int8 FROM land.parcels"},
    {"parcel_search", "SELECT count(*)::int8 FROM land.parcels WHERE search IS NOT NULL"},
    {"communes", "SELECT count(*)::int8 FROM land.communes"},
    {"survey_communes", "SELECT count(*)::int8 FROM land.survey_communes"},
    {"planning_zones", "SELECT count(*)::int8 FROM land.planning_zones"},
    {"land_use_codes", "SELECT count(*)::int8 FROM land.land_use_codes"},
    {"changes", "SELECT count(*)::int8 FROM land.changes"},
    {"holders", "SELECT count(*)::int8 FROM registry.holders"},
    {"rights", "SELECT count(*)::int8 FROM registry.rights"},
    {"certificates", "SELECT count(*)::int8 FROM registry.certificates"},
    {"restrictions", "SELECT count(*)::int8 FROM registry.restrictions"},
    {"events", "SELECT count(*)::int8 FROM registry.events"},
};

struct pg {
    struct store base;      /* first: a struct store * is a struct pg * */
    PGconn *conn;
    bool writable;
    bool migrating;         /* opened with STORE_MIGRATE */
    bool in_txn;            /* inside BEGIN .. COMMIT/ROLLBACK */
    bool prepared[S_COUNT]; /* on this connection; cleared by a reconnect */
    int piped;              /* registry writes sent in pipeline mode, results not read yet */
    uint64_t retry_at;      /* monotonic ms before which no reconnection is tried */
    int version;            /* schema version (land.meta) */
    int srid;
    struct store_info meta; /* the fixed part of store_info */
    struct buf err;
    struct buf scratch;     /* search query text */
    bool info_valid;
    struct store_info info_cache;
    struct {
        bool dirty;
        double box[4];
    } ext[L_COUNT];
};

/* Parameters of one statement. */
struct params {
    int n;
    const char *v[MAX_PARAMS];
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS];
    char num[MAX_PARAMS][24];
    uint64_t be[MAX_PARAMS];
};

static const struct store_ops pg_ops;

/* ------------------------------------------------------------------ errors */

static int fail(struct pg *q, int code, const char *what)
{
    buf_reset(&q->err);
    buf_puts(&q->err, what);
    return code;
}

/* libpq's messages span lines (a hint after the error): one line for logs. */
static void one_line(struct buf *b)
{
    size_t w = 0;
    for (size_t i = 0; i < b->len; i++) {
        char c = b->data[i] == '\n' || b->data[i] == '\t' || b->data[i] == '\r' ? ' ' : b->data[i];
        if (c == ' ' && (w == 0 || b->data[w - 1] == ' '))
            continue;
        b->data[w++] = c;
    }
    while (w && b->data[w - 1] == ' ')
        w--;
    b->len = w;
    if (b->data)
        b->data[w] = '\0';
}

/* Map a failure to our vocabulary, keeping PostgreSQL's text; `terse`
 * keeps only its primary message, without the detail that quotes the row or
 * key (a phone number, a password hash) that failed. */
static int pgerr_as(struct pg *q, const PGresult *res, const char *what, bool terse)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = !res ? ""
                      : terse ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                              : PQresultErrorMessage(res);
    if (!msg || !*msg)
        msg = PQerrorMessage(q->conn);
    buf_reset(&q->err);
    buf_appendf(&q->err, "%s: %s", what, msg);
    one_line(&q->err);
    if (PQstatus(q->conn) != CONNECTION_OK || !state)
        return LIS_EUNAVAIL;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0 ||
        strncmp(state, "53", 2) == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0)
        return LIS_EUNAVAIL;
    if (strncmp(state, "23", 2) == 0)
        return LIS_ECONFLICT;
    if (strcmp(state, "25006") == 0 || strncmp(state, "22", 2) == 0)
        return LIS_EINVAL;
    return LIS_EIO;
}

static int pgerr(struct pg *q, const PGresult *res, const char *what)
{
    return pgerr_as(q, res, what, false);
}

/* ------------------------------------------------------------- parameters */

static void p_text(struct params *P, const char *s)
{
    int i = P->n++;
    P->v[i] = s;
    P->len[i] = 0;
    P->fmt[i] = 0;
}

static void p_int(struct params *P, int64_t v)
{
    int i = P->n++;
    snprintf(P->num[i], sizeof P->num[i], "%lld", (long long)v);
    P->v[i] = P->num[i];
    P->len[i] = 0;
    P->fmt[i] = 0;
}

/* An id, NULL when 0 ("none"). */
static void p_id(struct params *P, int64_t v)
{
    if (v > 0)
        p_int(P, v);
    else
        p_text(P, NULL);
}

static void p_bool(struct params *P, bool b)
{
    p_text(P, b ? "t" : "f");
}

/* float8 in binary: exact, no printing and parsing */
static void p_double(struct params *P, double d)
{
    int i = P->n++;
    uint64_t u;
    memcpy(&u, &d, 8);
    P->be[i] = htobe64(u);
    P->v[i] = (const char *)&P->be[i];
    P->len[i] = 8;
    P->fmt[i] = 1;
}

static void p_bytes(struct params *P, const void *b, size_t n)
{
    int i = P->n++;
    P->v[i] = b;
    P->len[i] = (int)n;
    P->fmt[i] = 1;
}

/* The n bytes at s as text (binary text is the bytes themselves: a piece of
 * a longer string goes without a copy). */
static void p_textn(struct params *P, const char *s, size_t n)
{
    p_bytes(P, s, n);
}

/* A LIMIT: a negative one is none (LIMIT NULL), as in SQLite. */
static void p_limit(struct params *P, int limit)
{
    if (limit < 0)
        p_text(P, NULL);
    else
        p_int(P, limit);
}

/* Keyset paging: ids below `before`, or all when it is 0. */
static void p_keyset(struct params *P, int64_t before)
{
    p_int(P, before > 0 ? before : INT64_MAX);
}

/* ------------------------------------------------------------ result cells */

static bool r_null(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col);
}

static int64_t r_i64(const PGresult *r, int row, int col)
{
    if (r_null(r, row, col))
        return 0;
    uint64_t u;
    memcpy(&u, PQgetvalue(r, row, col), 8);
    return (int64_t)be64toh(u);
}

static int r_i32(const PGresult *r, int row, int col)
{
    if (r_null(r, row, col))
        return 0;
    uint32_t u;
    memcpy(&u, PQgetvalue(r, row, col), 4);
    return (int)be32toh(u);
}

static double r_f64(const PGresult *r, int row, int col)
{
    if (r_null(r, row, col))
        return 0.0;
    uint64_t u;
    double d;
    memcpy(&u, PQgetvalue(r, row, col), 8);
    u = be64toh(u);
    memcpy(&d, &u, 8);
    return d;
}

static bool r_bool(const PGresult *r, int row, int col)
{
    return !r_null(r, row, col) && PQgetvalue(r, row, col)[0] != 0;
}

static const char *r_text(const PGresult *r, int row, int col)
{
    return r_null(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static const uint8_t *r_blob(const PGresult *r, int row, int col, size_t *len)
{
    *len = 0;
    if (r_null(r, row, col))
        return NULL;
    *len = (size_t)PQgetlength(r, row, col);
    return (const uint8_t *)PQgetvalue(r, row, col);
}

static void copy_str(char *out, size_t size, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
}

/* ------------------------------------------------------------- connection */

static void forget_prepared(struct pg *q)
{
    memset(q->prepared, 0, sizeof q->prepared);
}

/* Session settings, after every (re)connection. */
static int session_setup(struct pg *q)
{
    const char *sql = q->writable ? "SET client_min_messages = warning"
                                  : "SET client_min_messages = warning;"
                                    " SET default_transaction_read_only = on";
    PGresult *res = PQexec(q->conn, sql);
    int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pgerr(q, res, "session settings");
    PQclear(res);
    return r;
}

/* Read the results of the pipelined writes and leave pipeline mode; the
 * first failure is returned (the writes after it were not run, and the
 * transaction is failed: its commit will say so). */
static int pipe_flush(struct pg *q)
{
    if (!q->piped)
        return 0;
    int r = 0, nulls = 0;
    q->piped = 0;
    if (PQpipelineSync(q->conn) != 1)
        r = pgerr(q, NULL, "pipeline");
    for (;;) {
        PGresult *res = PQgetResult(q->conn);
        if (!res) { /* ends each query's results; only a dead connection gives many */
            if (PQstatus(q->conn) != CONNECTION_OK && ++nulls > 2)
                break;
            continue;
        }
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC) {
            PQclear(res);
            break;
        }
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && r == 0)
            r = pgerr(q, res, "registry write");
        PQclear(res);
    }
    if (PQpipelineStatus(q->conn) != PQ_PIPELINE_OFF && !PQexitPipelineMode(q->conn) && r == 0)
        r = pgerr(q, NULL, "pipeline");
    return r;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A usable connection, reconnecting when it was lost. */
static int ready(struct pg *q)
{
    if (q->piped) {
        int r = pipe_flush(q);
        if (r < 0)
            return r;
    }
    if (PQstatus(q->conn) == CONNECTION_OK)
        return 0;
    if (q->in_txn)
        return fail(q, LIS_EUNAVAIL, "the store connection was lost during a transaction");
    /* a server that drops packets makes each attempt wait connect_timeout:
     * between attempts, calls fail at once rather than stall their loop */
    uint64_t now = now_ms();
    if (now < q->retry_at)
        return LIS_EUNAVAIL; /* the text of the last attempt stays */
    forget_prepared(q);
    PQreset(q->conn);
    if (PQstatus(q->conn) != CONNECTION_OK) {
        buf_reset(&q->err);
        buf_appendf(&q->err, "store unreachable: %s", PQerrorMessage(q->conn));
        one_line(&q->err);
        q->retry_at = now_ms() + RETRY_MS;
        return LIS_EUNAVAIL;
    }
    return session_setup(q);
}

/* A connection that died under a call outside a transaction may be retried once. */
static bool retry_ok(struct pg *q, int r, int attempt)
{
    return r == LIS_EUNAVAIL && attempt == 0 && !q->in_txn && PQstatus(q->conn) != CONNECTION_OK;
}

/* Run statement id; returns its result (caller PQclear()s) or NULL with *rc set. */
static PGresult *run(struct pg *q, enum stmt_id id, const struct params *P, int *rc)
{
    char name[16];
    snprintf(name, sizeof name, "lis%d", (int)id);
    for (int attempt = 0;; attempt++) {
        PGresult *res;
        if ((*rc = ready(q)) < 0)
            return NULL;
        if (!q->prepared[id]) {
            res = PQprepare(q->conn, name, stmt_sql[id], 0, NULL);
            if (PQresultStatus(res) != PGRES_COMMAND_OK) {
                *rc = pgerr(q, res, "prepare");
                PQclear(res);
                if (retry_ok(q, *rc, attempt))
                    continue;
                return NULL;
            }
            PQclear(res);
            q->prepared[id] = true;
        }
        res = PQexecPrepared(q->conn, name, P ? P->n : 0, P ? P->v : NULL, P ? P->len : NULL,
                             P ? P->fmt : NULL, 1);
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
            *rc = 0;
            return res;
        }
        *rc = pgerr_as(q, res, stmt_sql[id], id >= S_PORTAL_FIRST);
        PQclear(res);
        if (retry_ok(q, *rc, attempt))
            continue;
        return NULL;
    }
}

/* Send a write whose result nobody waits for (registry rows inside a
 * transaction) in pipeline mode: a bulk load does not pay a round trip per
 * row. Results are read by pipe_flush, before any other statement. */
static int pipe_send(struct pg *q, enum stmt_id id, const struct params *P)
{
    char name[16];
    int r;
    snprintf(name, sizeof name, "lis%d", (int)id);
    if (!q->prepared[id] || PQstatus(q->conn) != CONNECTION_OK) {
        if ((r = ready(q)) < 0) /* also reads what was sent before */
            return r;
        PGresult *res = PQprepare(q->conn, name, stmt_sql[id], 0, NULL);
        r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pgerr(q, res, "prepare");
        PQclear(res);
        if (r < 0)
            return r;
        q->prepared[id] = true;
    }
    if (PQpipelineStatus(q->conn) == PQ_PIPELINE_OFF && !PQenterPipelineMode(q->conn))
        return pgerr(q, NULL, "pipeline");
    if (!PQsendQueryPrepared(q->conn, name, P->n, P->v, P->len, P->fmt, 1))
        return pgerr(q, NULL, stmt_sql[id]);
    if (++q->piped >= PIPE_MAX)
        return pipe_flush(q);
    return 0;
}

/* Run a statement for its effect only. */
static int run_void(struct pg *q, enum stmt_id id, const struct params *P)
{
    int r;
    PGresult *res = run(q, id, P, &r);
    PQclear(res);
    return r;
}

/* Plain SQL without parameters (transaction control, maintenance). */
static int exec_sql(struct pg *q, const char *sql)
{
    for (int attempt = 0;; attempt++) {
        int r;
        if ((r = ready(q)) < 0)
            return r;
        PGresult *res = PQexec(q->conn, sql);
        ExecStatusType st = PQresultStatus(res);
        r = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : pgerr(q, res, sql);
        PQclear(res);
        if (r < 0 && retry_ok(q, r, attempt))
            continue;
        return r;
    }
}

/* One int8 from a fixed query (counts, maxima). */
static int scalar_int64(struct pg *q, const char *sql, int64_t *out)
{
    int r;
    if ((r = ready(q)) < 0)
        return r;
    PGresult *res = PQexecParams(q->conn, sql, 0, NULL, NULL, NULL, NULL, 1);
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1) {
        *out = r_i64(res, 0, 0);
        r = 0;
    } else {
        r = pgerr(q, res, sql);
    }
    PQclear(res);
    return r;
}

/* ------------------------------------------------------------ transactions */

static void extent_grow(struct pg *q, enum layer l, const struct geo_box *b)
{
    double *e = q->ext[l].box;
    if (!q->ext[l].dirty) {
        q->ext[l].dirty = true;
        e[0] = b->minx;
        e[1] = b->miny;
        e[2] = b->maxx;
        e[3] = b->maxy;
        return;
    }
    e[0] = fmin(e[0], b->minx);
    e[1] = fmin(e[1], b->miny);
    e[2] = fmax(e[2], b->maxx);
    e[3] = fmax(e[3], b->maxy);
}

static int extents_flush(struct pg *q)
{
    int r = 0;
    for (int l = 0; l < L_COUNT && r == 0; l++) {
        if (!q->ext[l].dirty)
            continue;
        struct params P = {0};
        p_text(&P, layer_name[l]);
        for (int i = 0; i < 4; i++)
            p_double(&P, q->ext[l].box[i]);
        r = run_void(q, S_EXTENT, &P);
        q->ext[l].dirty = false;
    }
    return r;
}

static int pg_begin(struct store *s)
{
    struct pg *q = (struct pg *)s;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    if (q->in_txn)
        return fail(q, LIS_EINVAL, "a transaction is already open");
    int r = exec_sql(q, "BEGIN");
    if (r == 0)
        q->in_txn = true;
    return r;
}

static void txn_reset(struct pg *q)
{
    for (int l = 0; l < L_COUNT; l++)
        q->ext[l].dirty = false;
    q->info_valid = false;
    q->in_txn = false;
}

static int pg_commit(struct store *s)
{
    struct pg *q = (struct pg *)s;
    if (!q->in_txn)
        return fail(q, LIS_EINVAL, "no transaction is open");
    int r = extents_flush(q);
    if (r == 0)
        r = exec_sql(q, "COMMIT");
    if (r < 0 && PQstatus(q->conn) == CONNECTION_OK &&
        PQtransactionStatus(q->conn) != PQTRANS_IDLE) {
        PGresult *res = PQexec(q->conn, "ROLLBACK");
        PQclear(res);
    }
    txn_reset(q);
    return r;
}

static int pg_rollback(struct store *s)
{
    struct pg *q = (struct pg *)s;
    if (!q->in_txn)
        return fail(q, LIS_EINVAL, "no transaction is open");
    int r = 0;
    pipe_flush(q); /* what failed there is moot now */
    if (PQstatus(q->conn) == CONNECTION_OK) {
        PGresult *res = PQexec(q->conn, "ROLLBACK");
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            r = pgerr(q, res, "ROLLBACK");
        PQclear(res);
    }
    txn_reset(q);
    return r;
}

/* A write outside store_begin/commit gets a transaction of its own. */
static int write_begin(struct pg *q, bool *own)
{
    *own = false;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    if (q->in_txn)
        return 0;
    int r = pg_begin(&q->base);
    *own = r == 0;
    return r;
}

static int write_end(struct pg *q, bool own, int r)
{
    if (!own)
        return r;
    if (r < 0) {
        struct buf keep = BUF_INIT; /* the rollback must not hide why */
        buf_puts(&keep, buf_cstr(&q->err));
        pg_rollback(&q->base);
        buf_reset(&q->err);
        buf_puts(&q->err, buf_cstr(&keep));
        buf_free(&keep);
        return r;
    }
    int c = pg_commit(&q->base);
    return c < 0 ? c : r;
}

/* ------------------------------------------------------------------ schema */

static int meta_put(struct pg *q, const char *key, const char *value)
{
    const char *v[2] = {key, value};
    PGresult *res = PQexecParams(q->conn,
                                 "INSERT INTO land.meta VALUES ($1::text, $2::text)"
                                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                                 2, NULL, v, NULL, NULL, 0);
    int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pgerr(q, res, "land.meta");
    PQclear(res);
    return r;
}

/* Run migration SQL with @SRID@ replaced by the store's EPSG code. */
static int exec_migration(struct pg *q, const char *sql)
{
    struct buf b = BUF_INIT;
    const char *p = sql, *at;
    while ((at = strstr(p, "@SRID@"))) {
        buf_append(&b, p, (size_t)(at - p));
        buf_appendf(&b, "%d", q->srid);
        p = at + 6;
    }
    buf_puts(&b, p);
    PGresult *res = PQexec(q->conn, b.data);
    int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : pgerr(q, res, "schema");
    PQclear(res);
    buf_free(&b);
    return r;
}

static int parse_srid(const char *crs)
{
    if (!crs || strncmp(crs, "EPSG:", 5) != 0)
        return 0;
    char *end = NULL;
    long v = strtol(crs + 5, &end, 10);
    return (end && *end == '\0' && v > 0 && v < 1000000) ? (int)v : 0;
}

/* Whether land.meta exists (the database holds a LIS store). */
static int has_store(struct pg *q, bool *yes)
{
    PGresult *res = PQexec(q->conn, "SELECT to_regclass('land.meta') IS NOT NULL");
    int r = 0;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        *yes = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    else
        r = pgerr(q, res, "looking for the store");
    PQclear(res);
    return r;
}

/* Create every schema of a new store, in one transaction; another process
 * creating the same store at the same moment waits on the advisory lock and
 * then finds it made. */
static int create_schema(struct pg *q, const struct store_create_opts *o)
{
    char num[16];
    int r, n;
    bool exists = false;
    PGresult *res = NULL;
    const struct store_migration *m = store_migrations(&n);
    if ((r = exec_sql(q, "BEGIN")) < 0)
        return r;
    if ((r = exec_sql(q, "SELECT pg_advisory_xact_lock(7418290)")) < 0 ||
        (r = has_store(q, &exists)) < 0 || exists)
        goto out;
    if ((r = exec_sql(q, "CREATE EXTENSION IF NOT EXISTS postgis")) < 0)
        goto out;
    /* PostGIS's CRS table lacks recent EPSG codes (VN-2000 / TM-3 ones among
     * them): add the CRS from PROJ's WKT, so that GIS tools know it */
    if (o->crs_wkt && q->srid != 3857 && q->srid != 4326) {
        char srid[16];
        snprintf(srid, sizeof srid, "%d", q->srid);
        const char *v[2] = {srid, o->crs_wkt};
        res = PQexecParams(q->conn,
                           "INSERT INTO spatial_ref_sys(srid, auth_name, auth_srid, srtext,"
                           " proj4text) SELECT $1::int, 'EPSG', $1::int, $2::text, ''"
                           " WHERE NOT EXISTS (SELECT 1 FROM spatial_ref_sys WHERE srid = $1::int)",
                           2, NULL, v, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            r = pgerr(q, res, "spatial_ref_sys");
            goto out;
        }
        PQclear(res);
        res = NULL;
    }
    for (int i = 0; i < n && r == 0; i++)
        if (m[i].postgres)
            r = exec_migration(q, m[i].postgres);
    if (r < 0)
        goto out;
    size_t nu = 0;
    const struct landuse *lu = landuse_all(&nu);
    for (size_t i = 0; i < nu; i++) {
        char id[24];
        snprintf(id, sizeof id, "%zu", i + 1);
        const char *v[5] = {id, lu[i].code, lu[i].name_vi, lu[i].name_en,
                            landuse_group_name(lu[i].group)};
        res = PQexecParams(q->conn,
                           "INSERT INTO land.land_use_codes(id, code, name_vi, name_en, group_name)"
                           " VALUES ($1::int, $2::text, $3::text, $4::text, $5::text)",
                           5, NULL, v, NULL, NULL, 0);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            r = pgerr(q, res, "land_use_codes");
            goto out;
        }
        PQclear(res);
        res = NULL;
    }
    snprintf(num, sizeof num, "%d", store_schema_latest());
    if ((r = meta_put(q, "schema_version", num)) < 0 || (r = meta_put(q, "crs", o->crs)) < 0)
        goto out;
    snprintf(num, sizeof num, "%d", q->srid);
    if ((r = meta_put(q, "srid", num)) < 0 ||
        (r = meta_put(q, "province_code", o->province_code ? o->province_code : "")) < 0 ||
        (r = meta_put(q, "province_name", o->province_name ? o->province_name : "")) < 0 ||
        (r = meta_put(q, "mountainous", o->mountainous ? "1" : "0")) < 0)
        goto out;
out:
    PQclear(res);
    if (r == 0)
        r = exec_sql(q, "COMMIT");
    else
        PQclear(PQexec(q->conn, "ROLLBACK"));
    return r;
}

static int load_meta(struct pg *q)
{
    PGresult *res = PQexec(q->conn, "SELECT key, value FROM land.meta");
    int r = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        r = pgerr(q, res, "land.meta");
        goto out;
    }
    for (int i = 0; i < PQntuples(res); i++) {
        const char *k = PQgetvalue(res, i, 0), *v = PQgetvalue(res, i, 1);
        if (strcmp(k, "schema_version") == 0)
            q->version = atoi(v);
        else if (strcmp(k, "crs") == 0)
            copy_str(q->meta.crs, sizeof q->meta.crs, v);
        else if (strcmp(k, "srid") == 0)
            q->meta.srid = atoi(v);
        else if (strcmp(k, "province_code") == 0)
            copy_str(q->meta.province_code, sizeof q->meta.province_code, v);
        else if (strcmp(k, "province_name") == 0)
            copy_str(q->meta.province_name, sizeof q->meta.province_name, v);
        else if (strcmp(k, "mountainous") == 0)
            q->meta.mountainous = strcmp(v, "1") == 0;
    }
    if (q->version <= 0 || q->meta.srid <= 0) {
        r = fail(q, LIS_EINVAL, "land.meta has an unknown LIS schema version");
        goto out;
    }
    if (q->version > store_schema_latest()) {
        r = fail(q, LIS_EINVAL, "the store's schema is newer than this lis: upgrade lis");
        goto out;
    }
    if (q->version < store_schema_latest() && !q->migrating) {
        r = fail(q, LIS_EINVAL, "the store's schema is older than this lis: run lis migrate");
        goto out;
    }
    q->srid = q->meta.srid;
out:
    PQclear(res);
    return r;
}

static void pg_close(struct store *s)
{
    struct pg *q = (struct pg *)s;
    if (!q)
        return;
    if (q->conn)
        PQfinish(q->conn);
    buf_free(&q->err);
    buf_free(&q->scratch);
    free(q);
}

/* libpq prints notices to stderr by default; the store keeps quiet. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

struct store *store_pg_open(const char *url, unsigned flags, const struct store_create_opts *opts,
                            struct buf *err)
{
    struct pg *q = xcalloc(1, sizeof *q);
    bool create = flags & STORE_CREATE, exists = false;
    int r;
    q->base.ops = &pg_ops;
    q->writable = create || (flags & (STORE_WRITE | STORE_MIGRATE));
    q->migrating = flags & STORE_MIGRATE;

    /* defaults first: what the URL says wins */
    const char *keys[] = {"connect_timeout", "application_name", "keepalives",
                          "keepalives_idle", "keepalives_interval", "keepalives_count",
                          "tcp_user_timeout", "dbname", NULL};
    const char *vals[] = {CONNECT_TIMEOUT, "lis", "1", "10", "5", "3", TCP_USER_TIMEOUT, url,
                          NULL};
    q->conn = PQconnectdbParams(keys, vals, 1);
    if (!q->conn || PQstatus(q->conn) != CONNECTION_OK) {
        buf_appendf(err, "store: cannot connect to PostgreSQL: %s",
                    q->conn ? PQerrorMessage(q->conn) : "out of memory");
        one_line(err);
        goto fail;
    }
    PQsetNoticeProcessor(q->conn, quiet, NULL);
    if (strcmp(pg_encoding_to_char(PQclientEncoding(q->conn)), "UTF8") != 0 &&
        PQsetClientEncoding(q->conn, "UTF8") != 0) {
        buf_puts(err, "store: the connection cannot use UTF-8");
        goto fail;
    }
    if (session_setup(q) < 0 || has_store(q, &exists) < 0)
        goto fail_q;
    if (!exists && !create) {
        buf_puts(err, "store: the database holds no LIS store (create one with lis demo or"
                      " lis copy)");
        goto fail;
    }
    if (!exists) {
        q->srid = opts ? parse_srid(opts->crs) : 0;
        if (!q->srid) {
            buf_appendf(err, "store: creating a store needs the CRS as \"EPSG:n\" (got %s)",
                        opts && opts->crs ? opts->crs : "none");
            goto fail;
        }
        if ((r = create_schema(q, opts)) < 0)
            goto fail_q;
    }
    if (load_meta(q) < 0)
        goto fail_q;
    return &q->base;
fail_q:
    buf_appendf(err, "store: %s", buf_cstr(&q->err));
fail:
    pg_close(&q->base);
    return NULL;
}

static const char *pg_errmsg(const struct store *s)
{
    const struct pg *q = (const struct pg *)s;
    return q->err.len ? q->err.data : "no error";
}

/* -------------------------------------------------------------------- info */

static int pg_info(struct store *s, struct store_info *out)
{
    struct pg *q = (struct pg *)s;
    PGresult *res = NULL;
    int r;
    *out = q->meta;
    /* the counts are taken again only when the change log moved */
    if (!(res = run(q, S_MAX_SEQ, NULL, &r)))
        return r;
    out->change_seq = r_i64(res, 0, 0);
    PQclear(res);
    if (q->info_valid && q->info_cache.change_seq == out->change_seq) {
        *out = q->info_cache;
        return 0;
    }
    if (!(res = run(q, S_INFO, NULL, &r)))
        return r;
    out->parcels = r_i64(res, 0, 0);
    out->communes = r_i64(res, 0, 1);
    out->planning_zones = r_i64(res, 0, 2);
    bool have = !r_null(res, 0, 3);
    for (int i = 0; i < 4; i++)
        out->bbox[i] = r_f64(res, 0, 3 + i);
    PQclear(res);
    for (int l = L_PARCELS; l <= L_COMMUNES; l++) { /* this transaction's writes */
        if (!q->ext[l].dirty)
            continue;
        const double *b = q->ext[l].box;
        out->bbox[0] = have ? fmin(out->bbox[0], b[0]) : b[0];
        out->bbox[1] = have ? fmin(out->bbox[1], b[1]) : b[1];
        out->bbox[2] = have ? fmax(out->bbox[2], b[2]) : b[2];
        out->bbox[3] = have ? fmax(out->bbox[3], b[3]) : b[3];
        have = true;
    }
    q->info_cache = *out;
    q->info_valid = true;
    return 0;
}

/* ---------------------------------------------------------------- communes */

static int log_change(struct pg *q, const char *kind)
{
    char now[32];
    struct params P = {0};
    clock_iso(clock_now(), now);
    p_text(&P, now);
    p_text(&P, kind);
    return run_void(q, S_CHANGE, &P);
}

static int pg_commune_put(struct store *s, const struct store_commune *c)
{
    struct pg *q = (struct pg *)s;
    struct geo_box env;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if (c->wkb && geo_wkb_envelope(c->wkb, c->wkb_len, &env) != 0) {
        r = fail(q, LIS_EINVAL, "geometry is malformed or empty");
        goto out;
    }
    struct params P = {0};
    p_text(&P, c->code);
    p_text(&P, c->name);
    p_text(&P, c->kind);
    p_bool(&P, c->mountainous);
    if (c->wkb)
        p_bytes(&P, c->wkb, c->wkb_len);
    else
        p_text(&P, NULL);
    p_int(&P, q->srid);
    if ((r = run_void(q, S_COMMUNE_PUT, &P)) < 0)
        goto out;
    if (c->wkb)
        extent_grow(q, L_COMMUNES, &env);
    r = log_change(q, "commune");
out:
    return write_end(q, own, r);
}

static int pg_survey_commune_put(struct store *s, const struct store_survey_commune *sc)
{
    struct pg *q = (struct pg *)s;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    struct params P = {0};
    p_text(&P, sc->code);
    p_text(&P, sc->name);
    p_text(&P, sc->commune);
    r = run_void(q, S_SURVEY_PUT, &P);
    return write_end(q, own, r);
}

static int each_commune(PGresult *res, bool with_geom, store_commune_cb cb, void *ctx)
{
    for (int i = 0; i < PQntuples(res); i++) {
        struct store_commune c = {0};
        copy_str(c.code, sizeof c.code, r_text(res, i, 0));
        c.name = r_text(res, i, 1);
        c.kind = r_text(res, i, 2);
        c.mountainous = r_bool(res, i, 3);
        if (with_geom)
            c.wkb = r_blob(res, i, 4, &c.wkb_len);
        int r = cb(ctx, &c);
        if (r)
            return r;
    }
    return 0;
}

static int pg_communes(struct store *s, bool with_geom, store_commune_cb cb, void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_bool(&P, with_geom);
    PGresult *res = run(q, S_COMMUNES, &P, &r);
    if (!res)
        return r;
    r = each_commune(res, with_geom, cb, ctx);
    PQclear(res);
    return r;
}

static int pg_commune_get(struct store *s, const char *code, bool with_geom, store_commune_cb cb,
                          void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_text(&P, code);
    p_bool(&P, with_geom);
    PGresult *res = run(q, S_COMMUNE_GET, &P, &r);
    if (!res)
        return r;
    if (PQntuples(res) == 0)
        r = fail(q, LIS_ENOTFOUND, "no such commune");
    else
        r = each_commune(res, with_geom, cb, ctx);
    PQclear(res);
    return r;
}

static int pg_survey_communes(struct store *s, store_survey_commune_cb cb, void *ctx)
{
    struct pg *q = (struct pg *)s;
    int r;
    PGresult *res = run(q, S_SURVEYS, NULL, &r);
    if (!res)
        return r;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        struct store_survey_commune sc = {0};
        copy_str(sc.code, sizeof sc.code, r_text(res, i, 0));
        sc.name = r_text(res, i, 1);
        copy_str(sc.commune, sizeof sc.commune, r_text(res, i, 2));
        r = cb(ctx, &sc);
    }
    PQclear(res);
    return r;
}

static int pg_commune_at(struct store *s, double x, double y, char code[STORE_CODE_MAX])
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_double(&P, x);
    p_double(&P, y);
    p_int(&P, q->srid);
    PGresult *res = run(q, S_COMMUNE_AT, &P, &r);
    if (!res)
        return r;
    r = LIS_ENOTFOUND;
    for (int i = 0; i < PQntuples(res); i++) {
        size_t len;
        const uint8_t *wkb = r_blob(res, i, 1, &len);
        if (wkb && geo_wkb_contains_point(wkb, len, x, y) == 1) {
            copy_str(code, STORE_CODE_MAX, r_text(res, i, 0));
            r = 0;
            break;
        }
    }
    if (r == LIS_ENOTFOUND)
        fail(q, r, "no commune there");
    PQclear(res);
    return r;
}

static int pg_land_uses(struct store *s, store_land_use_cb cb, void *ctx)
{
    struct pg *q = (struct pg *)s;
    int r;
    PGresult *res = run(q, S_LAND_USES, NULL, &r);
    if (!res)
        return r;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        struct store_land_use u = {r_text(res, i, 0), r_text(res, i, 1), r_text(res, i, 2),
                                   r_text(res, i, 3)};
        r = cb(ctx, &u);
    }
    PQclear(res);
    return r;
}

/* ----------------------------------------------------------- parcel reads */

static void row_parcel(const PGresult *res, int i, unsigned want, struct store_parcel *p)
{
    memset(p, 0, sizeof *p);
    p->id = r_i64(res, i, 0);
    p->version = r_i32(res, i, 1);
    copy_str(p->national_id, sizeof p->national_id, r_text(res, i, 2));
    copy_str(p->survey_commune, sizeof p->survey_commune, r_text(res, i, 3));
    copy_str(p->commune, sizeof p->commune, r_text(res, i, 4));
    copy_str(p->sheet, sizeof p->sheet, r_text(res, i, 5));
    copy_str(p->number, sizeof p->number, r_text(res, i, 6));
    p->area = r_f64(res, i, 7);
    p->area_map = r_f64(res, i, 8);
    p->land_use = r_text(res, i, 9);
    p->address = r_text(res, i, 10);
    p->valid_from = r_text(res, i, 11);
    p->valid_to = r_text(res, i, 12);
    if (want & STORE_WANT_GEOM)
        p->wkb = r_blob(res, i, PC_GEOM, &p->wkb_len);
    if (want & STORE_WANT_MERCATOR)
        p->wkb_mercator = r_blob(res, i, PC_MERCATOR, &p->wkb_mercator_len);
    p->search_text = r_text(res, i, PC_SEARCH);
}

/* Add the three "want" parameters every parcel query ends with. */
static void p_want(struct params *P, unsigned want)
{
    p_bool(P, want & STORE_WANT_GEOM);
    p_bool(P, want & STORE_WANT_MERCATOR);
    p_bool(P, want & STORE_WANT_SEARCH);
}

static int parcel_query(struct pg *q, enum stmt_id id, const struct params *P, unsigned want,
                        store_parcel_cb cb, void *ctx, bool need_one)
{
    int r;
    PGresult *res = run(q, id, P, &r);
    if (!res)
        return r;
    int n = PQntuples(res);
    for (int i = 0; i < n && r == 0; i++) {
        struct store_parcel p;
        row_parcel(res, i, want, &p);
        r = cb(ctx, &p);
    }
    PQclear(res);
    if (r == 0 && need_one && n == 0)
        r = fail(q, LIS_ENOTFOUND, "no such parcel");
    return r;
}

static int pg_parcel_get(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                         void *ctx)
{
    struct params P = {0};
    p_int(&P, id);
    p_want(&P, want);
    return parcel_query((struct pg *)s, S_PARCEL_GET, &P, want, cb, ctx, true);
}

static int pg_parcel_history(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                             void *ctx)
{
    struct params P = {0};
    p_int(&P, id);
    p_want(&P, want);
    return parcel_query((struct pg *)s, S_PARCEL_HISTORY, &P, want, cb, ctx, true);
}

static int pg_parcel_by_national_id(struct store *s, const char *nid, unsigned want,
                                    store_parcel_cb cb, void *ctx)
{
    struct params P = {0};
    p_text(&P, nid);
    p_want(&P, want);
    return parcel_query((struct pg *)s, S_PARCEL_NID, &P, want, cb, ctx, true);
}

static int pg_parcels_scan(struct store *s, int64_t after, int limit, unsigned want,
                           store_parcel_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, after);
    p_int(&P, limit);
    p_want(&P, want);
    return parcel_query((struct pg *)s, S_PARCEL_SCAN, &P, want, cb, ctx, false);
}

static int pg_parcels_in_box(struct store *s, const double box[4], unsigned want, int limit,
                             store_parcel_cb cb, void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    for (int i = 0; i < 4; i++)
        p_double(&P, box[i]);
    p_int(&P, q->srid);
    p_int(&P, limit);
    p_want(&P, want);
    return parcel_query(q, S_PARCEL_BOX, &P, want, cb, ctx, false);
}

static int pg_parcels_by_key(struct store *s, const char *commune, const char *sheet,
                             const char *number, unsigned want, int limit, store_parcel_cb cb,
                             void *ctx)
{
    struct pg *q = (struct pg *)s;
    if (!commune)
        return fail(q, LIS_EINVAL, "a commune code is required");
    enum stmt_id id = sheet ? (number ? S_PARCEL_KEY_CSN : S_PARCEL_KEY_CS)
                            : (number ? S_PARCEL_KEY_CN : S_PARCEL_KEY_C);
    struct params P = {0};
    p_text(&P, commune);
    p_text(&P, sheet);
    p_text(&P, number);
    p_int(&P, limit);
    p_want(&P, want);
    return parcel_query(q, id, &P, want, cb, ctx, false);
}

/* Token characters as FTS5's unicode61 tokenizer sees the (folded) text:
 * ASCII letters and digits, and every byte of a non-ASCII character. */
static bool token_char(unsigned char c)
{
    return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* The tsquery for folded words: every query word a prefix ('word':*), all
 * required; the SQLite backend's FTS5 query ("word"*) word for word. A word
 * holding punctuation is several tokens to FTS5 (a phrase whose last token is
 * the prefix): here they are required together, the last as a prefix. */
static bool build_tsquery(const char *folded, struct buf *out)
{
    buf_reset(out);
    const char *p = folded;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *w = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r')
            p++;
        /* the tokens of w .. p */
        for (const char *c = w; c < p;) {
            while (c < p && !token_char((unsigned char)*c))
                c++;
            if (c == p)
                break;
            const char *t = c;
            while (c < p && token_char((unsigned char)*c))
                c++;
            bool last = true;
            for (const char *d = c; d < p; d++)
                if (token_char((unsigned char)*d))
                    last = false;
            if (out->len)
                buf_puts(out, " & ");
            buf_putc(out, '\'');
            for (const char *e = t; e < c; e++)
                buf_putc(out, ascii_lower(*e)); /* token chars need no quoting */
            buf_puts(out, last ? "':*" : "'");
        }
    }
    return out->len > 0;
}

static int pg_parcels_search(struct store *s, const char *folded, int64_t after, int limit,
                             unsigned want, store_parcel_cb cb, void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct buf query = BUF_INIT; /* own buffer: a callback may search again */
    int r = 0;
    if (build_tsquery(folded, &query)) {
        struct params P = {0};
        p_text(&P, query.data);
        p_int(&P, after);
        p_int(&P, limit);
        p_want(&P, want);
        r = parcel_query(q, S_PARCEL_SEARCH, &P, want, cb, ctx, false);
    }
    buf_free(&query);
    return r;
}

/* The map click: GiST narrows to boxes holding the point, geo decides. */
static int pg_parcels_at(struct store *s, double x, double y, unsigned want, store_parcel_cb cb,
                         void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_double(&P, x);
    p_double(&P, y);
    p_bool(&P, want & STORE_WANT_GEOM);
    PGresult *res = run(q, S_PARCEL_AT, &P, &r);
    if (!res)
        return r;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        size_t mlen;
        const uint8_t *merc = r_blob(res, i, PC_AT_MERCATOR, &mlen);
        if (!merc || geo_wkb_contains_point(merc, mlen, x, y) != 1)
            continue;
        struct store_parcel p;
        row_parcel(res, i, want & ~(unsigned)STORE_WANT_MERCATOR, &p);
        p.search_text = NULL;
        if (want & STORE_WANT_MERCATOR) {
            p.wkb_mercator = merc;
            p.wkb_mercator_len = mlen;
        }
        r = cb(ctx, &p);
    }
    PQclear(res);
    return r;
}

/* Tiles and OGC bbox pages: the Web-Mercator GiST index. */
static int pg_parcels_in_mercator_box(struct store *s, const double box[4], int64_t after,
                                      int limit, unsigned want, store_parcel_cb cb, void *ctx)
{
    struct params P = {0};
    unsigned w = want & ~(unsigned)STORE_WANT_SEARCH;
    for (int i = 0; i < 4; i++)
        p_double(&P, box[i]);
    p_int(&P, after);
    p_int(&P, limit);
    p_bool(&P, w & STORE_WANT_GEOM);
    p_bool(&P, w & STORE_WANT_MERCATOR);
    return parcel_query((struct pg *)s, after < 0 ? S_PARCEL_MBOX : S_PARCEL_MBOX_AFTER, &P, w,
                        cb, ctx, false);
}

/* ---------------------------------------------------------- parcel writes */

static bool same_text(const char *a, const char *b)
{
    if (!a || !b)
        return !a && !b;
    return strcmp(a, b) == 0;
}

/* The search text as its tokens (FTS5's, see token_char), lower case,
 * separated by single spaces: the tsvector is made by splitting on spaces.
 * NULL when it holds no token. */
static const char *search_words(const char *text, struct buf *out)
{
    buf_reset(out);
    for (const char *c = text ? text : ""; *c; c++) {
        if (token_char((unsigned char)*c))
            buf_putc(out, ascii_lower(*c));
        else if (out->len && out->data[out->len - 1] != ' ')
            buf_putc(out, ' ');
    }
    while (out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
    return out->len ? out->data : NULL;
}

static void p_box(struct params *P, const struct geo_box *b)
{
    p_double(P, b->minx);
    p_double(P, b->miny);
    p_double(P, b->maxx);
    p_double(P, b->maxy);
}

/* The parameters of S_PUT_NEW and S_PUT_INSERT (the same columns). */
static void new_parcel_params(struct params *P, const struct pg *q, const struct store_parcel *p,
                              const char *now, const char *text, const struct geo_box *mbox)
{
    p_id(P, p->id);
    p_text(P, p->national_id);
    p_text(P, p->survey_commune);
    p_text(P, p->commune);
    p_text(P, p->sheet);
    p_text(P, p->number);
    p_double(P, p->area);
    p_double(P, p->area_map);
    p_text(P, p->land_use);
    p_text(P, p->address);
    p_text(P, now);
    p_bytes(P, p->wkb, p->wkb_len);
    p_int(P, q->srid);
    p_bytes(P, p->wkb_mercator, p->wkb_mercator_len);
    p_text(P, text);
    p_box(P, mbox);
}

static int pg_parcel_put(struct store *s, const struct store_parcel *p, int64_t *id)
{
    struct pg *q = (struct pg *)s;
    PGresult *res = NULL;
    struct geo_box nbox, mbox;
    struct buf words = BUF_INIT;
    char now[32];
    int64_t pid = 0;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if (geo_wkb_envelope(p->wkb, p->wkb_len, &nbox) != 0) {
        r = fail(q, LIS_EINVAL, "geometry is malformed or empty");
        goto out;
    }
    if (geo_wkb_envelope(p->wkb_mercator, p->wkb_mercator_len, &mbox) != 0) {
        r = fail(q, LIS_EINVAL, "Web-Mercator geometry is malformed or empty");
        goto out;
    }
    if (p->valid_from)
        copy_str(now, sizeof now, p->valid_from);
    else
        clock_iso(clock_now(), now);
    const char *text = search_words(p->search_text, &words);

    if (p->national_id[0]) { /* a new parcel, most likely: try to insert it at once */
        struct params P = {0};
        new_parcel_params(&P, q, p, now, text, &mbox);
        if (!(res = run(q, S_PUT_NEW, &P, &r)))
            goto out;
        if (!r_null(res, 0, 0)) {
            pid = r_i64(res, 0, 0);
            r = STORE_INSERTED;
            extent_grow(q, L_PARCELS, &nbox);
            goto out;
        }
        bool key_taken = r_bool(res, 0, 1), id_retired = r_bool(res, 0, 2);
        PQclear(res);
        res = NULL;
        if (!key_taken && id_retired) {
            r = fail(q, LIS_ECONFLICT, "that id belongs to a retired parcel");
            goto out;
        }
    }
    struct params K = {0};
    p_text(&K, p->survey_commune);
    p_text(&K, p->sheet);
    p_text(&K, p->number);
    if (!(res = run(q, S_PUT_KEY, &K, &r)))
        goto out;
    if (PQntuples(res) == 1) {
        /* id, version, national_id, commune, area, area_map, land_use, address,
         * geom, and the old Web-Mercator box */
        pid = r_i64(res, 0, 0);
        size_t glen;
        const uint8_t *g = r_blob(res, 0, 8, &glen);
        bool same = same_text(r_text(res, 0, 3), p->commune) && r_f64(res, 0, 4) == p->area &&
                    r_f64(res, 0, 5) == p->area_map && same_text(r_text(res, 0, 6), p->land_use) &&
                    same_text(r_text(res, 0, 7), p->address) && g && glen == p->wkb_len &&
                    memcmp(g, p->wkb, glen) == 0;
        if (same) {
            r = STORE_UNCHANGED;
            goto out;
        }
        struct geo_box u = mbox; /* the log gets the union of old and new */
        if (!r_null(res, 0, 9)) {
            u.minx = fmin(u.minx, r_f64(res, 0, 9));
            u.miny = fmin(u.miny, r_f64(res, 0, 10));
            u.maxx = fmax(u.maxx, r_f64(res, 0, 11));
            u.maxy = fmax(u.maxy, r_f64(res, 0, 12));
        }
        PQclear(res);
        res = NULL;
        struct params P = {0};
        p_int(&P, pid);
        p_text(&P, p->commune);
        p_double(&P, p->area);
        p_double(&P, p->area_map);
        p_text(&P, p->land_use);
        p_text(&P, p->address);
        p_text(&P, now);
        p_bytes(&P, p->wkb, p->wkb_len);
        p_int(&P, q->srid);
        p_bytes(&P, p->wkb_mercator, p->wkb_mercator_len);
        p_text(&P, text);
        p_box(&P, &u);
        if ((r = run_void(q, S_PUT_UPDATE, &P)) < 0)
            goto out;
        r = STORE_UPDATED;
    } else {
        PQclear(res);
        res = NULL;
        if (!p->national_id[0]) {
            r = fail(q, LIS_EINVAL, "a new parcel needs its national identifier");
            goto out;
        }
        if (p->id > 0) { /* ids of retired parcels stay theirs */
            struct params H = {0};
            p_int(&H, p->id);
            if (!(res = run(q, S_HIST_EXISTS, &H, &r)))
                goto out;
            bool taken = PQntuples(res) > 0;
            PQclear(res);
            res = NULL;
            if (taken) {
                r = fail(q, LIS_ECONFLICT, "that id belongs to a retired parcel");
                goto out;
            }
            if ((r = run_void(q, S_SEQ_BUMP, &H)) < 0)
                goto out;
        }
        struct params P = {0};
        new_parcel_params(&P, q, p, now, text, &mbox);
        if (!(res = run(q, S_PUT_INSERT, &P, &r)))
            goto out;
        pid = r_i64(res, 0, 0);
        r = STORE_INSERTED;
    }
    extent_grow(q, L_PARCELS, &nbox);
out:
    PQclear(res);
    buf_free(&words);
    if (r > 0 && id)
        *id = pid;
    return write_end(q, own, r);
}

static int pg_parcel_retire(struct store *s, int64_t id, const char *when)
{
    struct pg *q = (struct pg *)s;
    char now[32];
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if (when)
        copy_str(now, sizeof now, when);
    else
        clock_iso(clock_now(), now);
    struct params P = {0};
    p_int(&P, id);
    p_text(&P, now);
    PGresult *res = run(q, S_RETIRE, &P, &r);
    if (res && r_i64(res, 0, 0) == 0)
        r = fail(q, LIS_ENOTFOUND, "no current parcel with that id");
    PQclear(res);
    return write_end(q, own, r);
}

/* ---------------------------------------------------------- planning zones */

static int64_t pg_planning_put(struct store *s, const struct store_planning_zone *z)
{
    struct pg *q = (struct pg *)s;
    struct geo_box env;
    int64_t id = 0;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if (geo_wkb_envelope(z->wkb, z->wkb_len, &env) != 0) {
        r = fail(q, LIS_EINVAL, "geometry is malformed or empty");
        goto out;
    }
    struct params P = {0};
    p_text(&P, z->land_use);
    p_text(&P, z->plan);
    p_text(&P, z->decision);
    p_text(&P, z->commune);
    p_bytes(&P, z->wkb, z->wkb_len);
    p_int(&P, q->srid);
    PGresult *res = run(q, S_PLAN_PUT, &P, &r);
    if (!res)
        goto out;
    id = r_i64(res, 0, 0);
    PQclear(res);
    extent_grow(q, L_PLANNING, &env);
    r = log_change(q, "planning");
out:
    r = write_end(q, own, r);
    return r < 0 ? r : id;
}

/* Hand each planning_zones row of res to cb, then free res. */
static int each_zone(PGresult *res, store_planning_cb cb, void *ctx)
{
    int r = 0;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        struct store_planning_zone z = {0};
        z.id = r_i64(res, i, 0);
        z.land_use = r_text(res, i, 1);
        z.plan = r_text(res, i, 2);
        z.decision = r_text(res, i, 3);
        z.commune = r_text(res, i, 4);
        z.wkb = r_blob(res, i, 5, &z.wkb_len);
        r = cb(ctx, &z);
    }
    PQclear(res);
    return r;
}

static int pg_planning_in_box(struct store *s, const double box[4], store_planning_cb cb,
                              void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    for (int i = 0; i < 4; i++)
        p_double(&P, box[i]);
    p_int(&P, q->srid);
    PGresult *res = run(q, S_PLAN_BOX, &P, &r);
    if (!res)
        return r;
    return each_zone(res, cb, ctx);
}

static int pg_planning_scan(struct store *s, int64_t after, int limit, store_planning_cb cb,
                            void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_int(&P, after);
    p_int(&P, limit);
    PGresult *res = run(q, S_PLAN_SCAN, &P, &r);
    if (!res)
        return r;
    return each_zone(res, cb, ctx);
}

/* ------------------------------------------------------------ change log */

static int pg_changes_since(struct store *s, int64_t after, int limit, store_change_cb cb,
                            void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_int(&P, after);
    p_int(&P, limit);
    PGresult *res = run(q, S_CHANGES_SINCE, &P, &r);
    if (!res)
        return r;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        struct store_change c = {0};
        c.seq = r_i64(res, i, 0);
        c.kind = r_text(res, i, 1);
        c.parcel_id = r_i64(res, i, 2);
        for (int k = 0; k < 4; k++) {
            if (r_null(res, i, 3 + k))
                c.anywhere = true;
            c.box[k] = r_f64(res, i, 3 + k);
        }
        r = cb(ctx, &c);
    }
    PQclear(res);
    return r;
}

/* ---------------------------------------------------------------- registry */

/* Run one write (in a transaction of its own outside store_begin/commit).
 * Returns the int8 its single row holds (RETURNING id), else 0, or a
 * negative lis_err; *n (may be NULL) gets the number of rows it touched. */
static int64_t write_one(struct pg *q, enum stmt_id id, const struct params *P, int64_t *n)
{
    bool own;
    int r = write_begin(q, &own);
    int64_t rowid = 0;
    if (r < 0)
        return r;
    PGresult *res = run(q, id, P, &r);
    if (res && PQntuples(res) == 1)
        rowid = r_i64(res, 0, 0);
    if (res && n)
        *n = strtoll(PQcmdTuples(res), NULL, 10);
    PQclear(res);
    r = write_end(q, own, r);
    return r < 0 ? r : rowid;
}

/* A write that must find its row: LIS_ENOTFOUND with the text `missing`
 * when it changed none. */
static int write_found(struct pg *q, enum stmt_id id, const struct params *P,
                       const char *missing)
{
    int64_t n = 0, r = write_one(q, id, P, &n);
    return r < 0 ? (int)r : n ? 0 : fail(q, LIS_ENOTFOUND, missing);
}

/* Run a registry insert; returns the new row's id. */
static int64_t registry_insert(struct pg *q, enum stmt_id id, const struct params *P,
                               bool piped)
{
    if (piped && q->writable && q->in_txn) /* the caller's transaction: no row id needed */
        return pipe_send(q, id, P);
    return write_one(q, id, P, NULL);
}

static int as_status(int64_t r)
{
    return r < 0 ? (int)r : 0;
}

static int64_t pg_holder_put(struct store *s, const struct store_holder *h)
{
    struct params P = {0};
    p_id(&P, h->id);
    p_text(&P, h->kind);
    p_text(&P, h->name);
    p_text(&P, h->id_number);
    p_text(&P, h->address);
    if (h->birth_year > 0)
        p_int(&P, h->birth_year);
    else
        p_text(&P, NULL);
    int64_t r = registry_insert((struct pg *)s, S_HOLDER_PUT, &P, h->id > 0);
    return r == 0 && h->id > 0 ? h->id : r;
}

static int pg_right_put(struct store *s, const struct store_right *rt)
{
    struct params P = {0};
    p_int(&P, rt->parcel_id);
    p_id(&P, rt->holder_id);
    p_text(&P, rt->kind);
    p_text(&P, rt->land_use);
    p_double(&P, rt->area);
    p_text(&P, rt->term);
    p_text(&P, rt->origin);
    p_double(&P, rt->share);
    return as_status(registry_insert((struct pg *)s, S_RIGHT_PUT, &P, true));
}

static int pg_certificate_put(struct store *s, const struct store_certificate *c)
{
    struct params P = {0};
    p_int(&P, c->parcel_id);
    p_text(&P, c->serial);
    p_text(&P, c->issued_on);
    p_text(&P, c->issuer);
    p_text(&P, c->register_no);
    return as_status(registry_insert((struct pg *)s, S_CERT_PUT, &P, true));
}

static int pg_restriction_put(struct store *s, const struct store_restriction *rs)
{
    struct params P = {0};
    p_int(&P, rs->parcel_id);
    p_text(&P, rs->kind);
    p_text(&P, rs->party);
    p_text(&P, rs->since);
    p_text(&P, rs->until);
    p_text(&P, rs->note);
    return as_status(registry_insert((struct pg *)s, S_RESTR_PUT, &P, true));
}

static int pg_event_put(struct store *s, const struct store_event *e)
{
    struct params P = {0};
    p_int(&P, e->parcel_id);
    p_text(&P, e->kind);
    p_text(&P, e->date);
    p_text(&P, e->description);
    if (e->version > 0)
        p_int(&P, e->version);
    else
        p_text(&P, NULL);
    p_id(&P, e->related_id);
    return as_status(registry_insert((struct pg *)s, S_EVENT_PUT, &P, true));
}

static int pg_registry_clear(struct store *s, int64_t parcel_id)
{
    struct pg *q = (struct pg *)s;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    /* holders first: which ones go is decided by the rights still there */
    static const enum stmt_id order[] = {S_CLEAR_HOLDERS, S_CLEAR_RIGHTS, S_CLEAR_CERTS,
                                         S_CLEAR_RESTR, S_CLEAR_EVENTS};
    struct params P = {0};
    p_int(&P, parcel_id);
    for (size_t i = 0; i < sizeof order / sizeof order[0] && r == 0; i++)
        r = run_void(q, order[i], &P);
    return write_end(q, own, r);
}

/* ------------------------------------------------------------ maintenance */

static int pg_count(struct store *s, const char *what, int64_t *n)
{
    struct pg *q = (struct pg *)s;
    for (size_t i = 0; i < sizeof count_sql / sizeof count_sql[0]; i++)
        if (strcmp(what, count_sql[i].name) == 0)
            return scalar_int64(q, count_sql[i].sql, n);
    return fail(q, LIS_EINVAL, "store_count: unknown table");
}

static int pg_optimize(struct store *s)
{
    struct pg *q = (struct pg *)s;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    if (q->in_txn)
        return fail(q, LIS_EINVAL, "store_optimize runs outside transactions");
    /* exact layer extents (retired parcels may have shrunk them); the
     * table names are fixed text, never input */
    int r = exec_sql(q, "BEGIN");
    for (int l = 0; l < L_COUNT && r == 0; l++) {
        struct buf sql = BUF_INIT;
        buf_appendf(&sql,
                    "UPDATE land.extents SET (min_x, min_y, max_x, max_y) ="
                    " (SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b)"
                    " FROM (SELECT ST_Extent(geom) AS b FROM land.%s) e) WHERE layer = '%s'",
                    layer_name[l], layer_name[l]);
        r = exec_sql(q, sql.data);
        buf_free(&sql);
    }
    q->info_valid = false;
    if (r == 0)
        r = exec_sql(q, "COMMIT");
    else
        PQclear(PQexec(q->conn, "ROLLBACK"));
    if (r == 0)
        r = exec_sql(q, "VACUUM (ANALYZE) land.parcels, land.parcel_history, land.communes,"
                        " land.planning_zones, land.survey_communes, land.changes,"
                        " registry.holders, registry.rights, registry.certificates,"
                        " registry.restrictions, registry.events");
    return r;
}

/* ----------------------------------------------------------------- copying */

static int pg_parcel_versions(struct store *s, int64_t after, int limit, unsigned want,
                              store_parcel_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, after);
    p_int(&P, limit);
    p_want(&P, want);
    return parcel_query((struct pg *)s, S_VERSIONS, &P, want, cb, ctx, false);
}

/* One registry table, row by row (single-row mode: a national registry does
 * not fit in one result). Fixed SQL, binary results. */
typedef int (*registry_row)(const PGresult *res, int i, const struct store_registry_cbs *cbs,
                            void *ctx);

static int dump_table(struct pg *q, const char *sql, registry_row row,
                      const struct store_registry_cbs *cbs, void *ctx)
{
    int r;
    if ((r = ready(q)) < 0)
        return r;
    if (!PQsendQueryParams(q->conn, sql, 0, NULL, NULL, NULL, NULL, 1) ||
        !PQsetSingleRowMode(q->conn))
        return pgerr(q, NULL, sql);
    PGresult *res;
    while ((res = PQgetResult(q->conn))) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE && r == 0)
            r = row(res, 0, cbs, ctx);
        else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && r == 0)
            r = pgerr(q, res, sql);
        PQclear(res); /* read to the end even after a stop: the connection stays usable */
    }
    return r;
}

static int row_holder(const PGresult *res, int i, const struct store_registry_cbs *cbs,
                      void *ctx)
{
    struct store_holder h = {r_i64(res, i, 0), r_text(res, i, 1), r_text(res, i, 2),
                             r_text(res, i, 3), r_text(res, i, 4), r_i32(res, i, 5)};
    return cbs->holder(ctx, &h);
}

static int row_right(const PGresult *res, int i, const struct store_registry_cbs *cbs,
                     void *ctx)
{
    struct store_right rt = {r_i64(res, i, 0), r_i64(res, i, 1), r_text(res, i, 2),
                             r_text(res, i, 3), r_f64(res, i, 4), r_text(res, i, 5),
                             r_text(res, i, 6), r_f64(res, i, 7)};
    return cbs->right(ctx, &rt);
}

static int row_certificate(const PGresult *res, int i, const struct store_registry_cbs *cbs,
                           void *ctx)
{
    struct store_certificate c = {r_i64(res, i, 0), r_text(res, i, 1), r_text(res, i, 2),
                                  r_text(res, i, 3), r_text(res, i, 4)};
    return cbs->certificate(ctx, &c);
}

static int row_restriction(const PGresult *res, int i, const struct store_registry_cbs *cbs,
                           void *ctx)
{
    struct store_restriction rs = {r_i64(res, i, 0), r_text(res, i, 1), r_text(res, i, 2),
                                   r_text(res, i, 3), r_text(res, i, 4), r_text(res, i, 5)};
    return cbs->restriction(ctx, &rs);
}

static int row_event(const PGresult *res, int i, const struct store_registry_cbs *cbs,
                     void *ctx)
{
    struct store_event e = {r_i64(res, i, 0), r_text(res, i, 1), r_text(res, i, 2),
                            r_text(res, i, 3), r_i32(res, i, 4), r_i64(res, i, 5)};
    return cbs->event(ctx, &e);
}

/* The registry tables, in the order both readers give them. */
static const struct {
    registry_row row;
    const char *dump_sql;   /* every row, for copying */
    enum stmt_id of_parcel; /* one parcel's rows */
} registry_tables[] = {
    {row_holder, "SELECT " HOLDER_COLS " FROM registry.holders h ORDER BY h.id", S_REG_HOLDERS},
    {row_right, "SELECT " RIGHT_COLS " FROM registry.rights ORDER BY id", S_REG_RIGHTS},
    {row_certificate, "SELECT " CERT_COLS " FROM registry.certificates ORDER BY id",
     S_REG_CERTS},
    {row_restriction, "SELECT " RESTR_COLS " FROM registry.restrictions ORDER BY id",
     S_REG_RESTR},
    {row_event, "SELECT " EVENT_COLS " FROM registry.events ORDER BY id", S_REG_EVENTS},
};

/* Whether cbs asks for table t of registry_tables. */
static bool registry_wanted(const struct store_registry_cbs *cbs, size_t t)
{
    const bool on[] = {cbs->holder != NULL, cbs->right != NULL, cbs->certificate != NULL,
                       cbs->restriction != NULL, cbs->event != NULL};
    return on[t];
}

static int pg_registry_dump(struct store *s, const struct store_registry_cbs *cbs, void *ctx)
{
    struct pg *q = (struct pg *)s;
    int r = 0;
    for (size_t t = 0; t < sizeof registry_tables / sizeof registry_tables[0] && r == 0; t++)
        if (registry_wanted(cbs, t))
            r = dump_table(q, registry_tables[t].dump_sql, registry_tables[t].row, cbs, ctx);
    return r;
}

static int pg_parcel_registry(struct store *s, int64_t parcel_id,
                              const struct store_registry_cbs *cbs, void *ctx)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r = 0;
    p_int(&P, parcel_id);
    for (size_t t = 0; t < sizeof registry_tables / sizeof registry_tables[0] && r == 0; t++) {
        if (!registry_wanted(cbs, t))
            continue;
        PGresult *res = run(q, registry_tables[t].of_parcel, &P, &r);
        if (!res)
            return r;
        for (int i = 0; i < PQntuples(res) && r == 0; i++)
            r = registry_tables[t].row(res, i, cbs, ctx);
        PQclear(res);
    }
    return r;
}

/* ------------------------------------------------------------------ portal */

/* The bits S_USER_UPDATE tests, written out in its SQL. */
_Static_assert(STORE_USER_NAME == 1 && STORE_USER_PHONE == 2 && STORE_USER_EMAIL == 4 &&
                   STORE_USER_ADDRESS == 8 && STORE_USER_PW_HASH == 16 &&
                   STORE_USER_ROLE == 32 && STORE_USER_PLAN == 64 &&
                   STORE_USER_LOCKED == 128 && STORE_USER_MUST_RESET == 256 &&
                   STORE_USER_CLOSED == 512,
               "S_USER_UPDATE's bit numbers");

static void row_user(const PGresult *res, int i, struct store_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = r_i64(res, i, 0);
    u->phone = r_text(res, i, 1);
    u->name = r_text(res, i, 2);
    u->email = r_text(res, i, 3);
    u->address = r_text(res, i, 4);
    u->role = r_text(res, i, 5);
    u->plan = r_text(res, i, 6);
    u->plan_until = r_i64(res, i, 7);
    u->pw_hash = r_text(res, i, 8);
    u->locked = r_bool(res, i, 9);
    u->must_reset = r_bool(res, i, 10);
    u->consent_version = r_text(res, i, 11);
    u->consent_at = r_i64(res, i, 12);
    u->created_at = r_i64(res, i, 13);
    u->updated_at = r_i64(res, i, 14);
    u->closed_at = r_i64(res, i, 15);
    u->name_folded = r_text(res, i, 16);
}

/* A portal query hands its rows to the caller's callback through a reader
 * of the row's kind, which calls the union member of that kind. */
struct sink {
    union {
        store_user_cb user;
        store_plan_cb plan;
        store_session_cb session;
        store_upgrade_cb upgrade;
        store_notice_cb notice;
        store_watch_cb watch;
        store_ticket_cb ticket;
        store_message_cb message;
        store_disclosure_cb disclosure;
    } cb;
    void *ctx;
};
typedef int (*row_fn)(const PGresult *res, int i, const struct sink *k);

/* Run query id, each row to row(); a callback's non-zero value stops the
 * walk and is returned. `missing` (a single row was asked for):
 * LIS_ENOTFOUND with that text when there is none. */
static int portal_rows(struct pg *q, enum stmt_id id, const struct params *P, row_fn row,
                       const struct sink *k, const char *missing)
{
    int r;
    PGresult *res = run(q, id, P, &r);
    if (!res)
        return r;
    int n = PQntuples(res);
    for (int i = 0; i < n && r == 0; i++)
        r = row(res, i, k);
    PQclear(res);
    if (r == 0 && missing && n == 0)
        r = fail(q, LIS_ENOTFOUND, missing);
    return r;
}

static int user_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_user u;
    row_user(res, i, &u);
    return k->cb.user(k->ctx, &u);
}

/* The one account statement id finds; LIS_ENOTFOUND when none. */
static int user_query(struct pg *q, enum stmt_id id, const struct params *P, store_user_cb cb,
                      void *ctx)
{
    struct sink k = {.cb.user = cb, .ctx = ctx};
    return portal_rows(q, id, P, user_row, &k, "no such account");
}

static int64_t pg_user_create(struct store *s, const struct store_user *u)
{
    struct params P = {0};
    p_text(&P, u->phone);
    p_text(&P, u->name);
    p_text(&P, u->email);
    p_text(&P, u->address);
    p_text(&P, u->role);
    p_text(&P, u->plan);
    p_int(&P, u->plan_until);
    p_text(&P, u->pw_hash);
    p_bool(&P, u->locked);
    p_bool(&P, u->must_reset);
    p_text(&P, u->consent_version);
    p_int(&P, u->consent_at);
    p_int(&P, u->created_at);
    p_int(&P, u->updated_at);
    p_int(&P, u->closed_at);
    p_text(&P, u->name_folded);
    return write_one((struct pg *)s, S_USER_CREATE, &P, NULL);
}

static int pg_user_get(struct store *s, int64_t id, store_user_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, id);
    return user_query((struct pg *)s, S_USER_GET, &P, cb, ctx);
}

static int pg_user_by_phone(struct store *s, const char *phone, store_user_cb cb, void *ctx)
{
    struct params P = {0};
    p_text(&P, phone);
    return user_query((struct pg *)s, S_USER_PHONE, &P, cb, ctx);
}

static int pg_user_update(struct store *s, const struct store_user *u, unsigned fields)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    p_int(&P, u->id);
    p_int(&P, fields & 1023u);
    p_text(&P, u->name);
    p_text(&P, u->phone);
    p_text(&P, u->email);
    p_text(&P, u->address);
    p_text(&P, u->pw_hash);
    p_text(&P, u->role);
    p_text(&P, u->plan);
    p_int(&P, u->plan_until);
    p_bool(&P, u->locked);
    p_bool(&P, u->must_reset);
    p_int(&P, u->closed_at);
    p_int(&P, u->updated_at);
    p_text(&P, u->name_folded);
    return write_found(q, S_USER_UPDATE, &P, "no such account");
}

static int plan_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_plan p = {r_text(res, i, 0), r_text(res, i, 1), r_text(res, i, 2),
                           r_i32(res, i, 3),  r_i32(res, i, 4),  r_text(res, i, 5)};
    return k->cb.plan(k->ctx, &p);
}

/* Plans statement id finds; LIS_ENOTFOUND when need_one and none. */
static int plan_query(struct pg *q, enum stmt_id id, const struct params *P, store_plan_cb cb,
                      void *ctx, bool need_one)
{
    struct sink k = {.cb.plan = cb, .ctx = ctx};
    return portal_rows(q, id, P, plan_row, &k, need_one ? "no such plan" : NULL);
}

static int pg_plans(struct store *s, store_plan_cb cb, void *ctx)
{
    return plan_query((struct pg *)s, S_PLANS, NULL, cb, ctx, false);
}

static int pg_plan_get(struct store *s, const char *code, store_plan_cb cb, void *ctx)
{
    struct params P = {0};
    p_text(&P, code);
    return plan_query((struct pg *)s, S_PLAN_GET, &P, cb, ctx, true);
}

static int pg_plan_put(struct store *s, const struct store_plan *p)
{
    struct params P = {0};
    p_text(&P, p->code);
    p_text(&P, p->name_vi);
    p_text(&P, p->name_en);
    p_int(&P, p->daily_views);
    p_int(&P, p->watch_max);
    p_text(&P, p->features ? p->features : "");
    return as_status(write_one((struct pg *)s, S_PLAN_UPSERT, &P, NULL));
}

static void row_session(const PGresult *res, int i, struct store_session *ss)
{
    size_t len;
    const uint8_t *h = r_blob(res, i, 0, &len);
    memset(ss, 0, sizeof *ss);
    if (h)
        memcpy(ss->hash, h, len < STORE_HASH_LEN ? len : STORE_HASH_LEN);
    ss->user_id = r_i64(res, i, 1);
    ss->created_at = r_i64(res, i, 2);
    ss->seen_at = r_i64(res, i, 3);
    ss->expires_at = r_i64(res, i, 4);
}

static int pg_session_put(struct store *s, const struct store_session *ss)
{
    struct params P = {0};
    p_bytes(&P, ss->hash, STORE_HASH_LEN);
    p_int(&P, ss->user_id);
    p_int(&P, ss->created_at);
    p_int(&P, ss->seen_at);
    p_int(&P, ss->expires_at);
    return as_status(write_one((struct pg *)s, S_SESSION_PUT, &P, NULL));
}

static int pg_session_get(struct store *s, const uint8_t hash[STORE_HASH_LEN],
                          struct store_session *out)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_bytes(&P, hash, STORE_HASH_LEN);
    PGresult *res = run(q, S_SESSION_GET, &P, &r);
    if (!res)
        return r;
    if (PQntuples(res) == 0)
        r = fail(q, LIS_ENOTFOUND, "no such session");
    else
        row_session(res, 0, out);
    PQclear(res);
    return r;
}

static int pg_session_touch(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t seen_at)
{
    struct params P = {0};
    p_bytes(&P, hash, STORE_HASH_LEN);
    p_int(&P, seen_at);
    return write_found((struct pg *)s, S_SESSION_TOUCH, &P, "no such session");
}

/* Deleting a session that is gone already (purged, ended elsewhere) is no failure. */
static int pg_session_delete(struct store *s, const uint8_t hash[STORE_HASH_LEN])
{
    struct params P = {0};
    p_bytes(&P, hash, STORE_HASH_LEN);
    return as_status(write_one((struct pg *)s, S_SESSION_DELETE, &P, NULL));
}

/* A delete that tells how many rows went (*n may be NULL). */
static int delete_counted(struct pg *q, enum stmt_id id, const struct params *P, int64_t *n)
{
    int64_t gone = 0, r = write_one(q, id, P, &gone);
    if (n)
        *n = r < 0 ? 0 : gone;
    return as_status(r);
}

static int pg_sessions_end(struct store *s, int64_t user_id, const uint8_t *keep, int64_t *n)
{
    struct params P = {0};
    p_int(&P, user_id);
    if (keep)
        p_bytes(&P, keep, STORE_HASH_LEN);
    else
        p_text(&P, NULL);
    return delete_counted((struct pg *)s, S_SESSIONS_END, &P, n);
}

static int session_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_session ss;
    row_session(res, i, &ss);
    return k->cb.session(k->ctx, &ss);
}

static int pg_sessions_of(struct store *s, int64_t user_id, store_session_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, user_id);
    struct sink k = {.cb.session = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_SESSIONS_OF, &P, session_row, &k, NULL);
}

static int pg_sessions_purge(struct store *s, int64_t now, int64_t idle, int64_t *n)
{
    struct params P = {0};
    p_int(&P, now);
    p_int(&P, idle);
    return delete_counted((struct pg *)s, S_SESSIONS_PURGE, &P, n);
}

static int pg_throttle_get(struct store *s, const char *key, struct store_throttle *out)
{
    struct params P = {0};
    int r;
    p_text(&P, key);
    PGresult *res = run((struct pg *)s, S_THROTTLE_GET, &P, &r);
    if (!res)
        return r;
    memset(out, 0, sizeof *out);
    if (PQntuples(res) == 1) {
        out->failures = r_i32(res, 0, 0);
        out->last_at = r_i64(res, 0, 1);
        out->until = r_i64(res, 0, 2);
    }
    PQclear(res);
    return 0;
}

static int pg_throttle_put(struct store *s, const char *key, const struct store_throttle *t)
{
    struct params P = {0};
    p_text(&P, key);
    if (t->failures == 0)
        return as_status(write_one((struct pg *)s, S_THROTTLE_DEL, &P, NULL));
    p_int(&P, t->failures);
    p_int(&P, t->last_at);
    p_int(&P, t->until);
    return as_status(write_one((struct pg *)s, S_THROTTLE_SET, &P, NULL));
}

static int64_t pg_audit_add(struct store *s, const struct store_audit *a)
{
    struct params P = {0};
    p_int(&P, a->at);
    p_int(&P, a->actor);
    p_text(&P, a->actor_role);
    p_text(&P, a->action);
    p_int(&P, a->subject);
    p_int(&P, a->object);
    p_text(&P, a->reason);
    return write_one((struct pg *)s, S_AUDIT_ADD, &P, NULL);
}

static int pg_audit_list(struct store *s, const struct store_audit_filter *f, store_audit_cb cb,
                         void *ctx)
{
    /* the statement whose leading condition an index serves */
    enum stmt_id id = f->actor              ? S_AUDIT_ACTOR
                      : f->subject          ? S_AUDIT_SUBJECT
                      : f->actor_or_subject ? S_AUDIT_EITHER
                                            : S_AUDIT_ALL;
    struct params P = {0};
    int r;
    p_int(&P, f->actor);
    p_int(&P, f->subject);
    p_int(&P, f->actor_or_subject);
    p_text(&P, f->action && *f->action ? f->action : NULL);
    p_int(&P, f->from);
    p_int(&P, f->to);
    p_int(&P, f->before);
    p_limit(&P, f->limit);
    PGresult *res = run((struct pg *)s, id, &P, &r);
    if (!res)
        return r;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        struct store_audit a = {r_i64(res, i, 0), r_i64(res, i, 1), r_i64(res, i, 2),
                                r_text(res, i, 3), r_text(res, i, 4), r_i64(res, i, 5),
                                r_i64(res, i, 6), r_text(res, i, 7)};
        r = cb(ctx, &a);
    }
    PQclear(res);
    return r;
}

static int pg_audit_distinct(struct store *s, int64_t actor, const char *action, int64_t since,
                             int64_t object, int64_t *n, bool *seen)
{
    struct params P = {0};
    int r;
    p_int(&P, actor);
    p_text(&P, action);
    p_int(&P, since);
    p_int(&P, object);
    PGresult *res = run((struct pg *)s, S_AUDIT_DISTINCT, &P, &r);
    if (!res)
        return r;
    *n = r_i64(res, 0, 0);
    *seen = r_bool(res, 0, 1);
    PQclear(res);
    return 0;
}

/* ------------------------------------------------- portal: administration */

static int pg_users_search(struct store *s, const struct store_user_filter *f, store_user_cb cb,
                           void *ctx)
{
    struct params P = {0};
    p_int(&P, f->after);
    p_text(&P, f->role);
    p_text(&P, f->digits && *f->digits ? f->digits : NULL);
    /* the first SEARCH_WORDS words, each bound in place; no words: any name */
    const char *w = f->words ? f->words : "";
    for (int i = 0; i < SEARCH_WORDS; i++) {
        w += strspn(w, " ");
        size_t len = strcspn(w, " ");
        if (len)
            p_textn(&P, w, len);
        else
            p_text(&P, NULL);
        w += len;
    }
    p_limit(&P, f->limit);
    struct sink k = {.cb.user = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_USERS_SEARCH, &P, user_row, &k, NULL);
}

/* Each ended plan is shown to cb, then moved to "free" by a statement that
 * checks again that it has ended (a plan granted meanwhile stays, uncounted).
 * A callback's non-zero value stops the walk, before that account's change. */
static int pg_plans_expire(struct store *s, int64_t now, store_user_cb cb, void *ctx, int64_t *n)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int64_t ended = 0;
    int r;
    if (n)
        *n = 0;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    p_int(&P, now);
    PGresult *res = run(q, S_PLANS_ENDED, &P, &r);
    if (!res)
        return r;
    for (int i = 0; i < PQntuples(res) && r == 0; i++) {
        struct store_user u;
        struct params U = {0};
        int64_t one = 0, w;
        row_user(res, i, &u);
        if (cb && (r = cb(ctx, &u)) != 0)
            break;
        p_int(&U, u.id);
        p_int(&U, now);
        if ((w = write_one(q, S_PLAN_EXPIRE, &U, &one)) < 0)
            r = (int)w;
        else
            ended += one;
    }
    PQclear(res);
    if (n)
        *n = ended;
    return r;
}

static int upgrade_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_upgrade u = {
        .id = r_i64(res, i, 0),
        .user_id = r_i64(res, i, 1),
        .plan = r_text(res, i, 2),
        .reason = r_text(res, i, 3),
        .status = r_text(res, i, 4),
        .created_at = r_i64(res, i, 5),
        .decided_at = r_i64(res, i, 6),
        .decided_by = r_i64(res, i, 7),
        .until = r_i64(res, i, 8),
        .decision = r_text(res, i, 9),
    };
    return k->cb.upgrade(k->ctx, &u);
}

/* A new request is pending: u's id, status and decision fields are not read. */
static int64_t pg_upgrade_create(struct store *s, const struct store_upgrade *u)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    p_int(&P, u->user_id);
    p_text(&P, u->plan);
    p_text(&P, u->reason);
    p_int(&P, u->created_at);
    int64_t id = write_one(q, S_UPGRADE_CREATE, &P, NULL);
    return id ? id : fail(q, LIS_ECONFLICT, "the user has a pending upgrade request");
}

static int pg_upgrade_get(struct store *s, int64_t id, store_upgrade_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, id);
    struct sink k = {.cb.upgrade = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_UPGRADE_GET, &P, upgrade_row, &k,
                       "no such upgrade request");
}

static int pg_upgrade_decide(struct store *s, const struct store_upgrade *u)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    p_int(&P, u->id);
    p_text(&P, u->status);
    p_int(&P, u->decided_at);
    p_int(&P, u->decided_by);
    p_int(&P, u->until);
    p_text(&P, u->decision);
    int64_t r = write_one(q, S_UPGRADE_DECIDE, &P, NULL); /* 2, 1 or 0: see the statement */
    return r < 0    ? (int)r
           : r == 2 ? 0
           : r == 1 ? fail(q, LIS_ECONFLICT, "the upgrade request is no longer pending")
                    : fail(q, LIS_ENOTFOUND, "no such upgrade request");
}

static int pg_upgrades(struct store *s, int64_t user_id, const char *status, int64_t before,
                       int limit, store_upgrade_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, user_id);
    p_text(&P, status);
    p_keyset(&P, before);
    p_limit(&P, limit);
    struct sink k = {.cb.upgrade = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, status ? S_UPGRADES_STATUS : S_UPGRADES, &P, upgrade_row,
                       &k, NULL);
}

static int notice_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_notice n = {
        .id = r_i64(res, i, 0),
        .kind = r_text(res, i, 1),
        .audience = r_text(res, i, 2),
        .public_notice = r_bool(res, i, 3),
        .title = r_text(res, i, 4),
        .body = r_text(res, i, 5),
        .sender = r_i64(res, i, 6),
        .object = r_i64(res, i, 7),
        .created_at = r_i64(res, i, 8),
        .read = r_bool(res, i, 9),
    };
    return k->cb.notice(k->ctx, &n);
}

static int64_t pg_notice_add(struct store *s, const struct store_notice *n)
{
    struct params P = {0};
    p_text(&P, n->kind);
    p_text(&P, n->audience);
    p_bool(&P, n->public_notice);
    p_text(&P, n->title);
    p_text(&P, n->body);
    p_int(&P, n->sender);
    p_int(&P, n->object);
    p_int(&P, n->created_at);
    return write_one((struct pg *)s, S_NOTICE_ADD, &P, NULL);
}

/* $1 .. $4 of the inbox statements (INBOX_WHERE). */
static void p_inbox(struct params *P, const struct store_inbox *in)
{
    p_int(P, in->user_id);
    p_int(P, in->since);
    p_text(P, in->plan);
    p_text(P, in->role);
}

static int pg_inbox(struct store *s, const struct store_inbox *in, store_notice_cb cb, void *ctx)
{
    struct params P = {0};
    p_inbox(&P, in);
    p_keyset(&P, in->before);
    p_bool(&P, in->unread_only);
    p_limit(&P, in->limit);
    struct sink k = {.cb.notice = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_INBOX, &P, notice_row, &k, NULL);
}

static int pg_inbox_unread(struct store *s, const struct store_inbox *in, int64_t *n)
{
    struct params P = {0};
    int r;
    *n = 0;
    p_inbox(&P, in);
    PGresult *res = run((struct pg *)s, S_INBOX_UNREAD, &P, &r);
    if (!res)
        return r;
    *n = r_i64(res, 0, 0);
    PQclear(res);
    return 0;
}

static int pg_inbox_mark_read(struct store *s, const struct store_inbox *in, int64_t id,
                              int64_t at)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    p_inbox(&P, in);
    p_int(&P, id); /* id 0: ids 0 .. INT64_MAX, every one */
    p_int(&P, at);
    p_int(&P, id ? id : INT64_MAX);
    int64_t r = write_one(q, S_INBOX_MARK, &P, NULL); /* how many the inbox holds */
    if (r < 0)
        return (int)r;
    return r || !id ? 0 : fail(q, LIS_ENOTFOUND, "no such notice in this inbox");
}

static int pg_public_notices(struct store *s, int64_t before, int limit, store_notice_cb cb,
                             void *ctx)
{
    struct params P = {0};
    p_keyset(&P, before);
    p_limit(&P, limit);
    struct sink k = {.cb.notice = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_NOTICES_PUBLIC, &P, notice_row, &k, NULL);
}

static int watch_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_watch w = {r_i64(res, i, 0), r_i64(res, i, 1), r_i32(res, i, 2),
                            r_i64(res, i, 3), r_i64(res, i, 4)};
    return k->cb.watch(k->ctx, &w);
}

static int pg_watch_add(struct store *s, const struct store_watch *w)
{
    struct params P = {0};
    p_int(&P, w->user_id);
    p_int(&P, w->parcel_id);
    p_int(&P, w->version);
    p_int(&P, w->state);
    p_int(&P, w->created_at);
    return as_status(write_one((struct pg *)s, S_WATCH_ADD, &P, NULL));
}

static int pg_watch_delete(struct store *s, int64_t user_id, int64_t parcel_id)
{
    struct params P = {0};
    p_int(&P, user_id);
    p_int(&P, parcel_id);
    return write_found((struct pg *)s, S_WATCH_DELETE, &P, "no such watch");
}

/* The user's watches in the order they began (then by parcel). */
static int pg_watches_of(struct store *s, int64_t user_id, store_watch_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, user_id);
    struct sink k = {.cb.watch = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_WATCHES_OF, &P, watch_row, &k, NULL);
}

static int pg_watches_scan(struct store *s, int64_t after_parcel, int64_t after_user, int limit,
                           store_watch_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, after_parcel);
    p_int(&P, after_user);
    p_limit(&P, limit);
    struct sink k = {.cb.watch = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_WATCHES_SCAN, &P, watch_row, &k, NULL);
}

/* 1 when this call moved the watch; 0 when it was not in `old` any more
 * (moved by another process, or deleted). */
static int pg_watch_advance(struct store *s, const struct store_watch *old, int version,
                            int64_t state)
{
    struct params P = {0};
    int64_t n = 0, r;
    p_int(&P, old->user_id);
    p_int(&P, old->parcel_id);
    p_int(&P, version);
    p_int(&P, state);
    p_int(&P, old->version);
    p_int(&P, old->state);
    if ((r = write_one((struct pg *)s, S_WATCH_ADVANCE, &P, &n)) < 0)
        return (int)r;
    return n ? 1 : 0;
}

static int pg_code_put(struct store *s, const struct store_code *c)
{
    struct params P = {0};
    p_text(&P, c->key);
    p_text(&P, c->purpose);
    p_bytes(&P, c->hash, STORE_HASH_LEN);
    p_int(&P, c->expires_at);
    p_int(&P, c->attempts);
    return as_status(write_one((struct pg *)s, S_CODE_PUT, &P, NULL));
}

static int pg_code_get(struct store *s, const char *key, const char *purpose,
                       struct store_code *out)
{
    struct pg *q = (struct pg *)s;
    struct params P = {0};
    int r;
    p_text(&P, key);
    p_text(&P, purpose);
    PGresult *res = run(q, S_CODE_GET, &P, &r);
    if (!res)
        return r;
    if (PQntuples(res) == 0) {
        r = fail(q, LIS_ENOTFOUND, "no such code");
    } else {
        size_t len;
        const uint8_t *h = r_blob(res, 0, 2, &len);
        memset(out, 0, sizeof *out);
        copy_str(out->key, sizeof out->key, r_text(res, 0, 0));
        copy_str(out->purpose, sizeof out->purpose, r_text(res, 0, 1));
        if (h && len == STORE_HASH_LEN)
            memcpy(out->hash, h, STORE_HASH_LEN);
        out->expires_at = r_i64(res, 0, 3);
        out->attempts = r_i32(res, 0, 4);
    }
    PQclear(res);
    return r;
}

static int pg_code_attempt(struct store *s, const char *key, const char *purpose)
{
    struct params P = {0};
    p_text(&P, key);
    p_text(&P, purpose);
    return write_found((struct pg *)s, S_CODE_ATTEMPT, &P, "no such code");
}

/* Deleting a code that is gone already (replaced, deleted elsewhere) is no failure. */
static int pg_code_delete(struct store *s, const char *key, const char *purpose)
{
    struct params P = {0};
    p_text(&P, key);
    p_text(&P, purpose);
    int64_t n = 0, r = write_one((struct pg *)s, S_CODE_DELETE, &P, &n);
    return r < 0 ? (int)r : n > 0;
}

/* The bits S_TICKET_UPDATE tests, written out in its SQL. */
_Static_assert(STORE_TICKET_STATUS == 1 && STORE_TICKET_ASSIGNEE == 2,
               "S_TICKET_UPDATE's bit numbers");

static int ticket_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_ticket t = {
        .id = r_i64(res, i, 0),
        .user_id = r_i64(res, i, 1),
        .kind = r_text(res, i, 2),
        .subject = r_text(res, i, 3),
        .status = r_text(res, i, 4),
        .parcel_id = r_i64(res, i, 5),
        .other_party = r_text(res, i, 6),
        .commune = r_text(res, i, 7),
        .assignee = r_i64(res, i, 8),
        .reason = r_text(res, i, 9),
        .created_at = r_i64(res, i, 10),
        .updated_at = r_i64(res, i, 11),
        .closed_at = r_i64(res, i, 12),
    };
    return k->cb.ticket(k->ctx, &t);
}

/* A NULL status is "open". */
static int64_t pg_ticket_create(struct store *s, const struct store_ticket *t)
{
    struct params P = {0};
    p_int(&P, t->user_id);
    p_text(&P, t->kind);
    p_text(&P, t->subject);
    p_text(&P, t->status);
    p_int(&P, t->parcel_id);
    p_text(&P, t->other_party);
    p_text(&P, t->commune);
    p_int(&P, t->assignee);
    p_text(&P, t->reason);
    p_int(&P, t->created_at);
    p_int(&P, t->updated_at);
    p_int(&P, t->closed_at);
    return write_one((struct pg *)s, S_TICKET_CREATE, &P, NULL);
}

static int pg_ticket_get(struct store *s, int64_t id, store_ticket_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, id);
    struct sink k = {.cb.ticket = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_TICKET_GET, &P, ticket_row, &k, "no such ticket");
}

static int pg_ticket_update(struct store *s, const struct store_ticket *t, unsigned fields)
{
    struct params P = {0};
    p_int(&P, t->id);
    p_int(&P, fields & 3u);
    p_text(&P, t->status);
    p_text(&P, t->reason);
    p_int(&P, t->closed_at);
    p_int(&P, t->assignee);
    p_int(&P, t->updated_at);
    return write_found((struct pg *)s, S_TICKET_UPDATE, &P, "no such ticket");
}

static int pg_tickets(struct store *s, const struct store_ticket_filter *f, store_ticket_cb cb,
                      void *ctx)
{
    struct params P = {0};
    p_int(&P, f->user_id);
    p_int(&P, f->assignee);
    p_text(&P, f->status);
    p_text(&P, f->kind);
    p_keyset(&P, f->before);
    p_limit(&P, f->limit);
    struct sink k = {.cb.ticket = cb, .ctx = ctx};
    /* the author index when there is one */
    return portal_rows((struct pg *)s, f->user_id ? S_TICKETS_USER : S_TICKETS, &P, ticket_row,
                       &k, NULL);
}

static int64_t pg_message_add(struct store *s, const struct store_message *m)
{
    struct params P = {0};
    p_int(&P, m->ticket_id);
    p_int(&P, m->author_id);
    p_text(&P, m->author_role);
    p_text(&P, m->body);
    p_int(&P, m->created_at);
    return write_one((struct pg *)s, S_MESSAGE_ADD, &P, NULL);
}

static int message_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_message m = {r_i64(res, i, 0),  r_i64(res, i, 1),  r_i64(res, i, 2),
                              r_text(res, i, 3), r_text(res, i, 4), r_i64(res, i, 5)};
    return k->cb.message(k->ctx, &m);
}

static int pg_messages(struct store *s, int64_t ticket_id, store_message_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, ticket_id);
    struct sink k = {.cb.message = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_MESSAGES, &P, message_row, &k, NULL);
}

static int disclosure_row(const PGresult *res, int i, const struct sink *k)
{
    struct store_disclosure d = {
        .id = r_i64(res, i, 0),
        .admin_id = r_i64(res, i, 1),
        .subject = r_i64(res, i, 2),
        .authority = r_text(res, i, 3),
        .document = r_text(res, i, 4),
        .document_date = r_text(res, i, 5),
        .legal_basis = r_text(res, i, 6),
        .created_at = r_i64(res, i, 7),
        .exported_at = r_i64(res, i, 8),
    };
    return k->cb.disclosure(k->ctx, &d);
}

/* Recorded before any export: d's id and exported_at are not read. */
static int64_t pg_disclosure_add(struct store *s, const struct store_disclosure *d)
{
    struct params P = {0};
    p_int(&P, d->admin_id);
    p_int(&P, d->subject);
    p_text(&P, d->authority);
    p_text(&P, d->document);
    p_text(&P, d->document_date);
    p_text(&P, d->legal_basis);
    p_int(&P, d->created_at);
    return write_one((struct pg *)s, S_DISCLOSURE_ADD, &P, NULL);
}

static int pg_disclosure_get(struct store *s, int64_t id, store_disclosure_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, id);
    struct sink k = {.cb.disclosure = cb, .ctx = ctx};
    return portal_rows((struct pg *)s, S_DISCLOSURE_GET, &P, disclosure_row, &k,
                       "no such disclosure");
}

static int pg_disclosures(struct store *s, int64_t subject, int64_t before, int limit,
                          store_disclosure_cb cb, void *ctx)
{
    struct params P = {0};
    p_int(&P, subject);
    p_keyset(&P, before);
    p_limit(&P, limit);
    struct sink k = {.cb.disclosure = cb, .ctx = ctx};
    /* the subject index when there is one */
    return portal_rows((struct pg *)s, subject ? S_DISCLOSURES_SUBJECT : S_DISCLOSURES, &P,
                       disclosure_row, &k, NULL);
}

/* The last export's time (each export sets it again). */
static int pg_disclosure_exported(struct store *s, int64_t id, int64_t at)
{
    struct params P = {0};
    p_int(&P, id);
    p_int(&P, at);
    return write_found((struct pg *)s, S_DISCLOSURE_EXPORTED, &P, "no such disclosure");
}

/* Apply the steps of the migration list the store lacks, each with its
 * version bump in one transaction, under the schema lock. */
static int pg_migrate(struct store *s, int *from, int *to)
{
    struct pg *q = (struct pg *)s;
    int n, r = 0;
    const struct store_migration *m = store_migrations(&n);
    *from = *to = q->version;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    for (int i = 0; i < n && r == 0; i++) {
        char v[16];
        if (m[i].version <= q->version)
            continue;
        snprintf(v, sizeof v, "%d", m[i].version);
        if ((r = exec_sql(q, "BEGIN")) < 0)
            break;
        if ((r = exec_sql(q, "SELECT pg_advisory_xact_lock(7418290)")) == 0 &&
            (!m[i].postgres || (r = exec_migration(q, m[i].postgres)) == 0) &&
            (r = meta_put(q, "schema_version", v)) == 0)
            r = exec_sql(q, "COMMIT");
        if (r < 0) {
            PQclear(PQexec(q->conn, "ROLLBACK"));
            break;
        }
        q->version = *to = m[i].version;
    }
    return r;
}

static const struct store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .errmsg = pg_errmsg,
    .info = pg_info,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .commune_put = pg_commune_put,
    .survey_commune_put = pg_survey_commune_put,
    .communes = pg_communes,
    .commune_get = pg_commune_get,
    .survey_communes = pg_survey_communes,
    .commune_at = pg_commune_at,
    .land_uses = pg_land_uses,
    .parcel_put = pg_parcel_put,
    .parcel_retire = pg_parcel_retire,
    .parcel_get = pg_parcel_get,
    .parcel_history = pg_parcel_history,
    .parcels_at = pg_parcels_at,
    .parcels_in_box = pg_parcels_in_box,
    .parcels_by_key = pg_parcels_by_key,
    .parcel_by_national_id = pg_parcel_by_national_id,
    .parcels_search = pg_parcels_search,
    .parcels_scan = pg_parcels_scan,
    .parcels_in_mercator_box = pg_parcels_in_mercator_box,
    .planning_put = pg_planning_put,
    .planning_in_box = pg_planning_in_box,
    .planning_scan = pg_planning_scan,
    .changes_since = pg_changes_since,
    .holder_put = pg_holder_put,
    .right_put = pg_right_put,
    .certificate_put = pg_certificate_put,
    .restriction_put = pg_restriction_put,
    .event_put = pg_event_put,
    .registry_clear = pg_registry_clear,
    .count = pg_count,
    .optimize = pg_optimize,
    .migrate = pg_migrate,
    .parcel_versions = pg_parcel_versions,
    .registry_dump = pg_registry_dump,
    .parcel_registry = pg_parcel_registry,
    .user_create = pg_user_create,
    .user_get = pg_user_get,
    .user_by_phone = pg_user_by_phone,
    .user_update = pg_user_update,
    .plans = pg_plans,
    .plan_get = pg_plan_get,
    .plan_put = pg_plan_put,
    .session_put = pg_session_put,
    .session_get = pg_session_get,
    .session_touch = pg_session_touch,
    .session_delete = pg_session_delete,
    .sessions_end = pg_sessions_end,
    .sessions_of = pg_sessions_of,
    .sessions_purge = pg_sessions_purge,
    .throttle_get = pg_throttle_get,
    .throttle_put = pg_throttle_put,
    .audit_add = pg_audit_add,
    .audit_list = pg_audit_list,
    .audit_distinct = pg_audit_distinct,
    .users_search = pg_users_search,
    .plans_expire = pg_plans_expire,
    .upgrade_create = pg_upgrade_create,
    .upgrade_get = pg_upgrade_get,
    .upgrade_decide = pg_upgrade_decide,
    .upgrades = pg_upgrades,
    .notice_add = pg_notice_add,
    .inbox = pg_inbox,
    .inbox_unread = pg_inbox_unread,
    .inbox_mark_read = pg_inbox_mark_read,
    .public_notices = pg_public_notices,
    .watch_add = pg_watch_add,
    .watch_delete = pg_watch_delete,
    .watches_of = pg_watches_of,
    .watches_scan = pg_watches_scan,
    .watch_advance = pg_watch_advance,
    .code_put = pg_code_put,
    .code_get = pg_code_get,
    .code_attempt = pg_code_attempt,
    .code_delete = pg_code_delete,
    .ticket_create = pg_ticket_create,
    .ticket_get = pg_ticket_get,
    .ticket_update = pg_ticket_update,
    .tickets = pg_tickets,
    .message_add = pg_message_add,
    .messages = pg_messages,
    .disclosure_add = pg_disclosure_add,
    .disclosure_get = pg_disclosure_get,
    .disclosures = pg_disclosures,
    .disclosure_exported = pg_disclosure_exported,
};
