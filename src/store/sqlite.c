/* sqlite — the embedded store backend: a directory holding land.gpkg, registry.db
 * and portal.db.
 *
 * land.gpkg is opened as `main` and registry.db attached as `registry`, so one
 * connection (and one transaction) covers both; portal.db is attached as
 * `portal` by the connection's first portal call. land.gpkg is a GeoPackage 1.3:
 * layers parcels, communes and planning_zones with the standard R*Tree index
 * (rtree_<table>_geom kept by the standard triggers, which call ST_IsEmpty and
 * ST_MinX..ST_MaxY: we register those on every connection). Plain tables next
 * to the layers hold what GIS tools need not see as layers:
 *   parcel_history   retired versions, geometry as GeoPackage blobs
 *   parcel_mercator  the Web-Mercator WKB of current parcels, with the R*Tree
 *                    parcel_mercator_index over their boxes: a map click
 *                    reads these two and the matching parcels rows only
 *   parcel_search    FTS5 over the callers' folded search text, rowid = parcel id;
 *                    writes to it are queued and applied in batches (below)
 *   lis_meta         settings fixed at creation
 *   changes          one row per parcel write, with its Web-Mercator box, and
 *                    per commune or zone write (no box), so that caches (tiles)
 *                    in other processes can be invalidated
 * survey_communes and land_use_codes are GeoPackage attribute tables.
 *
 * Why the FTS5 queue: inside a transaction, every statement that needs a
 * statement journal (an insert into parcels, with its triggers) makes SQLite
 * call xSavepoint on each virtual table written in the transaction, and FTS5
 * answers by flushing its pending terms into a new segment: one segment per
 * parcel, most of the cost of a bulk load. Applying the search-index writes
 * together, at commit or every FTS_BATCH parcels, keeps them in one segment.
 *
 * Bulk loads: R*Tree inserts are the other big cost (a node rewrite or more
 * per row, for two trees). A transaction that has written BULK_MIN parcels,
 * and at least an eighth of the store's size, turns to bulk mode: the parcel
 * layer's R*Tree triggers are dropped (inside the transaction, so no one else
 * ever sees them missing), neither tree is written, the change log gets one
 * row for the whole load; at commit both trees are packed from scratch
 * (rtree_pack.h) and the triggers come back, all in the same transaction.
 *
 * Every statement is prepared once per connection, on first use, and reused.
 * A statement still running (a callback calling back into the store) is never
 * reset under its caller: a private copy is prepared for the nested call.
 *
 * Transactions: WAL mode, so readers in other processes see the last commit
 * while a bulk load runs. With WAL, SQLite does not make a commit atomic
 * across the database files; land and registry writes of one import are
 * each atomic. Writes outside store_begin/commit run in a transaction of
 * their own.
 *
 * The portal: portal.db is made with the store (or by the migration to
 * schema 2) and attached only by a connection's first portal call, which
 * must come outside transactions and callbacks. Every portal call is one
 * statement, run on its own (autocommit) unless the caller opened a
 * transaction; it locks only portal.db, so portal writes go on while an
 * import holds land.gpkg and registry.db, and the reverse. store_begin
 * (BEGIN IMMEDIATE) locks every attached file, portal.db too once attached:
 * portal work does not belong in one, nor land work on a connection that
 * makes portal calls while other processes write portal.db. Connections that
 * never make a portal call never open portal.db; without it (or its tables)
 * portal calls fail with LIS_EUNAVAIL. The administration tables (upgrade
 * requests, notices and their reads, watches, one-time codes, tickets and
 * messages, disclosures) live there too, under the same rules. None of
 * their calls opens a transaction (it would lock land.gpkg and registry.db
 * too): store_plans_expire moves each account with an UPDATE that checks
 * again that its plan has ended, store_watch_advance only from the state the
 * caller saw, and store_upgrade_decide and store_inbox_mark_read look again
 * only to tell why nothing changed. */
#include "store/store_impl.h"

#include "core/buf.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/mem.h"
#include "geo/geo.h"
#include "land/landuse.h"
#include "store/migrations.h"
#include "store/rtree_pack.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GPKG_APPLICATION_ID 0x47504B47 /* "GPKG" */
#define GPKG_USER_VERSION 10300        /* GeoPackage 1.3.0 */
#define BUSY_TIMEOUT_MS 10000
#define MMAP_BYTES_WRITE "1073741824"  /* bulk loads read through the OS page cache */
#define MMAP_BYTES_READ "0"            /* long-lived readers (lis serve): mapped pages
                                          would count as their resident memory */
#define CACHE_KIB_WRITE "-131072"      /* 128 MiB: bulk loads touch many index pages */
#define CACHE_KIB_READ "-16384"        /* 16 MiB per reader; the OS file cache does the rest */
#define FTS_BATCH 8192                 /* queued search-index writes before they are applied */
#define FTS_DELETE SIZE_MAX
#define BULK_MIN 2000                  /* parcel writes in a transaction before bulk mode */

/* The layers, in the order of the pending-extent slots below. */
enum layer { L_PARCELS, L_COMMUNES, L_PLANNING, L_COUNT };
static const char *const layer_table[L_COUNT] = {"parcels", "communes", "planning_zones"};

/* Columns of a parcel row as every parcel query returns them. */
#define PCOLS                                                                                  \
    "p.fid, p.version, p.national_id, p.survey_commune, p.commune, p.sheet, p.number, "      \
    "p.area, p.area_map, p.land_use, p.address, p.valid_from, NULL, p.geom"
enum { PC_GEOM = 13, PC_MERCATOR = 14 };

/* Numeric order where numeric: sheets and numbers are text ("12", "12a"). */
#define KEY_ORDER                                                                              \
    " ORDER BY p.survey_commune, CAST(p.sheet AS INTEGER), p.sheet,"                          \
    " CAST(p.number AS INTEGER), p.number, p.fid LIMIT ?4"

enum stmt_id {
    S_PARCEL_GET,
    S_PARCEL_NID,
    S_PARCEL_SCAN,
    S_PARCEL_SCAN_MERC,
    S_PARCEL_BOX,
    S_PARCEL_MBOX,
    S_PARCEL_MBOX_AFTER,
    S_PARCEL_AT,
    S_PARCEL_KEY_C,
    S_PARCEL_KEY_CS,
    S_PARCEL_KEY_CSN,
    S_PARCEL_KEY_CN,
    S_PARCEL_SEARCH,
    S_PARCEL_HISTORY,
    S_MERC_GET,
    S_FTS_GET,
    S_VERSIONS,
    S_DUMP_HOLDERS,
    S_DUMP_RIGHTS,
    S_DUMP_CERTS,
    S_DUMP_RESTR,
    S_DUMP_EVENTS,
    S_HIST_EXISTS,
    S_PUT_KEY,
    S_PUT_INSERT,
    S_PUT_UPDATE,
    S_HIST_COPY,
    S_PARCEL_DELETE,
    S_MERC_INSERT,
    S_MERC_UPDATE,
    S_MERC_DELETE,
    S_MIDX_INSERT,
    S_MIDX_UPDATE,
    S_MIDX_DELETE,
    S_MERC_BOX,
    S_FTS_INSERT,
    S_FTS_DELETE,
    S_CHANGE,
    S_CONTENTS_EXTEND,
    S_COMMUNE_UPDATE,
    S_COMMUNE_INSERT,
    S_SURVEY_PUT,
    S_COMMUNES,
    S_COMMUNE_GET,
    S_SURVEYS,
    S_COMMUNE_AT,
    S_LAND_USES,
    S_PLAN_PUT,
    S_PLAN_BOX,
    S_PLAN_SCAN,
    S_CHANGES_SINCE,
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
    S_USER_CREATE,
    S_USER_GET,
    S_USER_PHONE,
    S_USER_UPDATE,
    S_TARIFFS,
    S_TARIFF_GET,
    S_TARIFF_PUT,
    S_SESSION_PUT,
    S_SESSION_GET,
    S_SESSION_TOUCH,
    S_SESSION_DELETE,
    S_SESSIONS_END,
    S_SESSIONS_OF,
    S_SESSIONS_PURGE,
    S_THROTTLE_GET,
    S_THROTTLE_PUT,
    S_THROTTLE_DELETE,
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
    S_UPGRADE_EXISTS,
    S_UPGRADE_DECIDE,
    S_UPGRADES,
    S_UPGRADES_STATUS,
    S_NOTICE_ADD,
    S_INBOX,
    S_INBOX_UNREAD,
    S_INBOX_HAS,
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

/* Columns of a portal.users row as every user query returns them, in the
 * order of struct store_user (bind_user binds ?1..?17 the same way). */
#define UCOLS                                                                                  \
    "id, phone, name, email, address, role, plan, plan_until, pw_hash, locked, must_reset,"    \
    " consent_version, consent_at, created_at, updated_at, closed_at, name_folded"

/* store_audit_list: the filters, after a leading condition that picks the
 * index (see sq_audit_list). ?4 is an exact action and ?9 NULL, or ?4 a
 * prefix ending in '.' and ?9 the same prefix ending in '/', the next byte:
 * the actions between the two are those with the prefix. ?7, the keyset
 * bound, is always set (INT64_MAX for the first page), so that a listing
 * without a user reads the rowid range it needs and no more. */
#define AUDIT_COLS                                                                             \
    "SELECT id, at, actor, actor_role, action, subject, object, reason FROM portal.audit"
#define AUDIT_FILTER                                                                           \
    " (?1 = 0 OR actor = ?1) AND (?2 = 0 OR subject = ?2)"                                     \
    " AND (?3 = 0 OR actor = ?3 OR subject = ?3)"                                              \
    " AND (?4 IS NULL OR action = ?4 OR (action > ?4 AND action < ?9))"                        \
    " AND (?5 = 0 OR at >= ?5) AND (?6 = 0 OR at < ?6) AND id < ?7"                           \
    " ORDER BY id DESC LIMIT ?8"

/* store_users_search: ?4 .. ?4 + SEARCH_WORDS - 1 are the name's words (NULL
 * when fewer), each the start of a word of name_folded. */
#define SEARCH_WORDS 6
#define SEARCH_WORD(n) " AND (?" #n " IS NULL OR instr(' ' || name_folded, ' ' || ?" #n ") > 0)"

#define UPGRADE_COLS                                                                           \
    "SELECT id, user_id, plan, reason, status, created_at, decided_at, decided_by, until,"     \
    " decision FROM portal.upgrades"
/* ?1 user (0: any), ?2 status (NULL: any), ?3 keyset bound, ?4 limit */
#define UPGRADE_FILTER                                                                         \
    " (?1 = 0 OR user_id = ?1) AND (?2 IS NULL OR status = ?2) AND id < ?3"                   \
    " ORDER BY id DESC LIMIT ?4"

/* A user's inbox: ?1 the user, ?2 since (for "all"), ?3 the plan, ?4 the
 * role (NULL plan or role: no such audience). */
#define NOTICE_COLS                                                                            \
    "n.id, n.kind, n.audience, n.public, n.title, n.body, n.sender, n.object, n.created_at"
#define INBOX_WHERE                                                                            \
    " ((n.audience = 'all' AND n.created_at >= ?2)"                                            \
    " OR n.audience IN ('plan:' || ?3, 'role:' || ?4, 'user:' || ?1))"
#define INBOX_UNREAD                                                                           \
    " NOT EXISTS (SELECT 1 FROM portal.notice_reads r WHERE r.user_id = ?1"                    \
    " AND r.notice_id = n.id)"

#define WATCH_COLS "SELECT user_id, parcel_id, version, state, created_at FROM portal.watches"

#define TICKET_COLS                                                                            \
    "SELECT id, user_id, kind, subject, status, parcel_id, other_party, commune, assignee,"    \
    " reason, created_at, updated_at, closed_at FROM portal.tickets"
/* ?1 author (0: any), ?2 assignee (0: any, -1: nobody), ?3 status (NULL:
 * any, "active": open or in progress), ?4 kind, ?5 keyset bound, ?6 limit */
#define TICKET_FILTER                                                                          \
    " (?1 = 0 OR user_id = ?1) AND (?2 = 0 OR assignee = CASE ?2 WHEN -1 THEN 0 ELSE ?2 END)" \
    " AND (?3 IS NULL OR status = ?3 OR (?3 = 'active' AND status IN ('open', 'in_progress')))" \
    " AND (?4 IS NULL OR kind = ?4) AND id < ?5 ORDER BY id DESC LIMIT ?6"

#define DISCLOSURE_COLS                                                                        \
    "SELECT id, admin_id, subject, authority, document, document_date, legal_basis,"          \
    " created_at, exported_at FROM portal.disclosures"
/* ?1 subject (0: any), ?2 keyset bound, ?3 limit */
#define DISCLOSURE_FILTER " (?1 = 0 OR subject = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3"


static const char *const stmt_sql[S_COUNT] = {
    [S_PARCEL_GET] = "SELECT " PCOLS " FROM parcels p WHERE p.fid = ?1",
    [S_PARCEL_NID] = "SELECT " PCOLS " FROM parcels p WHERE p.national_id = ?1",
    [S_PARCEL_SCAN] = "SELECT " PCOLS " FROM parcels p WHERE p.fid > ?1 ORDER BY p.fid LIMIT ?2",
    /* whole-store readers (the click index, copies) want the Web-Mercator copy
     * of every row: a join, not a lookup statement per row */
    [S_PARCEL_SCAN_MERC] = "SELECT " PCOLS ", m.geom FROM parcels p"
                           " LEFT JOIN parcel_mercator m ON m.id = p.fid"
                           " WHERE p.fid > ?1 ORDER BY p.fid LIMIT ?2",
    [S_PARCEL_BOX] = "SELECT " PCOLS " FROM rtree_parcels_geom r JOIN parcels p ON p.fid = r.id"
                     " WHERE r.minx <= ?3 AND r.maxx >= ?1 AND r.miny <= ?4 AND r.maxy >= ?2"
                     " ORDER BY p.fid LIMIT ?5",
    /* tiles: no ORDER BY, so rows stream straight from the R*Tree */
    [S_PARCEL_MBOX] = "SELECT " PCOLS ", m.geom FROM parcel_mercator_index r"
                      " JOIN parcel_mercator m ON m.id = r.id JOIN parcels p ON p.fid = r.id"
                      " WHERE r.minx <= ?3 AND r.maxx >= ?1 AND r.miny <= ?4 AND r.maxy >= ?2"
                      " LIMIT ?6",
    /* keyset paging: a top-N sort of the matches (LIMIT keeps the sorter small) */
    [S_PARCEL_MBOX_AFTER] = "SELECT " PCOLS ", m.geom FROM parcel_mercator_index r"
                            " JOIN parcel_mercator m ON m.id = r.id JOIN parcels p ON p.fid = r.id"
                            " WHERE r.minx <= ?3 AND r.maxx >= ?1 AND r.miny <= ?4"
                            " AND r.maxy >= ?2 AND r.id > ?5 ORDER BY r.id LIMIT ?6",
    /* the point test runs in SQL, between the Web-Mercator row and the parcel
     * row, so a box that holds the point but not its polygon costs no parcel
     * lookup; no ORDER BY: a sorter would copy every row */
    [S_PARCEL_AT] = "SELECT " PCOLS ", m.geom FROM parcel_mercator_index r"
                    " JOIN parcel_mercator m ON m.id = r.id JOIN parcels p ON p.fid = r.id"
                    " WHERE r.minx <= ?1 AND r.maxx >= ?1 AND r.miny <= ?2 AND r.maxy >= ?2"
                    " AND lis_wkb_contains(m.geom, ?1, ?2)",
    /* by key: one statement per shape of the question, so that each OR arm
     * uses its own index (survey_commune, sheet, number) or (commune, sheet, number) */
    [S_PARCEL_KEY_C] = "SELECT " PCOLS " FROM parcels p"
                       " WHERE p.survey_commune = ?1 OR p.commune = ?1" KEY_ORDER,
    [S_PARCEL_KEY_CS] = "SELECT " PCOLS " FROM parcels p"
                        " WHERE (p.survey_commune = ?1 AND p.sheet = ?2)"
                        " OR (p.commune = ?1 AND p.sheet = ?2)" KEY_ORDER,
    [S_PARCEL_KEY_CSN] = "SELECT " PCOLS " FROM parcels p"
                         " WHERE (p.survey_commune = ?1 AND p.sheet = ?2 AND p.number = ?3)"
                         " OR (p.commune = ?1 AND p.sheet = ?2 AND p.number = ?3)" KEY_ORDER,
    [S_PARCEL_KEY_CN] = "SELECT " PCOLS " FROM parcels p"
                        " WHERE (p.survey_commune = ?1 OR p.commune = ?1) AND p.number = ?3"
                        " AND ?2 IS NULL" KEY_ORDER,
    [S_PARCEL_SEARCH] = "SELECT " PCOLS " FROM parcel_search JOIN parcels p"
                        " ON p.fid = parcel_search.rowid WHERE parcel_search MATCH ?1"
                        " AND parcel_search.rowid > ?2 ORDER BY parcel_search.rowid LIMIT ?3",
    [S_PARCEL_HISTORY] = "SELECT id, version, national_id, survey_commune, commune, sheet, number,"
                         " area, area_map, land_use, address, valid_from, valid_to, geom"
                         " FROM parcel_history WHERE id = ?1"
                         " UNION ALL SELECT " PCOLS " FROM parcels p WHERE p.fid = ?1"
                         " ORDER BY 2",
    [S_MERC_GET] = "SELECT geom FROM parcel_mercator WHERE id = ?1",
    [S_FTS_GET] = "SELECT text FROM parcel_search WHERE rowid = ?1",
    /* copying: the ids of a page first (each side limited, so a page costs
     * its own size), then their versions */
    [S_VERSIONS] = "WITH a AS (SELECT fid AS id FROM parcels WHERE fid > ?1 ORDER BY fid LIMIT ?2),"
                   " b AS (SELECT DISTINCT id FROM parcel_history WHERE id > ?1 ORDER BY id"
                   " LIMIT ?2),"
                   " ids AS (SELECT id FROM a UNION SELECT id FROM b ORDER BY id LIMIT ?2)"
                   " SELECT id, version, national_id, survey_commune, commune, sheet, number,"
                   " area, area_map, land_use, address, valid_from, valid_to, geom"
                   " FROM parcel_history WHERE id IN (SELECT id FROM ids)"
                   " UNION ALL SELECT " PCOLS " FROM parcels p WHERE p.fid IN (SELECT id FROM ids)"
                   " ORDER BY 1, 2",
    [S_DUMP_HOLDERS] = "SELECT id, kind, name, id_number, address, birth_year"
                       " FROM registry.holders ORDER BY id",
    [S_DUMP_RIGHTS] = "SELECT parcel_id, holder_id, kind, land_use, area, term, origin, share"
                      " FROM registry.rights ORDER BY id",
    [S_DUMP_CERTS] = "SELECT parcel_id, serial, issued_on, issuer, register_no"
                     " FROM registry.certificates ORDER BY id",
    [S_DUMP_RESTR] = "SELECT parcel_id, kind, party, since, until, note"
                     " FROM registry.restrictions ORDER BY id",
    [S_DUMP_EVENTS] = "SELECT parcel_id, kind, date, description, version, related_id"
                      " FROM registry.events ORDER BY id",
    [S_HIST_EXISTS] = "SELECT 1 FROM parcel_history WHERE id = ?1 LIMIT 1",
    [S_PUT_KEY] = "SELECT fid, version, national_id, commune, area, area_map, land_use, address,"
                  " geom FROM parcels WHERE survey_commune = ?1 AND sheet = ?2 AND number = ?3",
    [S_PUT_INSERT] = "INSERT INTO parcels(fid, national_id, survey_commune, commune, sheet, number,"
                     " area, area_map, land_use, address, version, valid_from, geom)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?12)",
    [S_PUT_UPDATE] = "UPDATE parcels SET commune = ?2, area = ?3, area_map = ?4, land_use = ?5,"
                     " address = ?6, version = version + 1, valid_from = ?7, geom = ?8"
                     " WHERE fid = ?1",
    [S_HIST_COPY] = "INSERT INTO parcel_history(id, version, national_id, survey_commune, commune,"
                    " sheet, number, area, area_map, land_use, address, valid_from, valid_to, geom)"
                    " SELECT fid, version, national_id, survey_commune, commune, sheet, number,"
                    " area, area_map, land_use, address, valid_from, ?2, geom"
                    " FROM parcels WHERE fid = ?1",
    [S_PARCEL_DELETE] = "DELETE FROM parcels WHERE fid = ?1",
    [S_MERC_INSERT] = "INSERT INTO parcel_mercator(id, geom) VALUES (?1, ?2)",
    [S_MERC_UPDATE] = "UPDATE parcel_mercator SET geom = ?2 WHERE id = ?1",
    [S_MERC_DELETE] = "DELETE FROM parcel_mercator WHERE id = ?1",
    [S_MIDX_INSERT] = "INSERT INTO parcel_mercator_index(id, minx, maxx, miny, maxy)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_MIDX_UPDATE] = "UPDATE parcel_mercator_index SET minx = ?2, maxx = ?3, miny = ?4,"
                      " maxy = ?5 WHERE id = ?1",
    [S_MIDX_DELETE] = "DELETE FROM parcel_mercator_index WHERE id = ?1",
    [S_MERC_BOX] = "SELECT minx, maxx, miny, maxy FROM parcel_mercator_index WHERE id = ?1",
    [S_FTS_INSERT] = "INSERT INTO parcel_search(rowid, text) VALUES (?1, ?2)",
    [S_FTS_DELETE] = "DELETE FROM parcel_search WHERE rowid = ?1",
    [S_CHANGE] = "INSERT INTO changes(at, kind, parcel_id, minx, miny, maxx, maxy)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_CONTENTS_EXTEND] = "UPDATE gpkg_contents SET"
                          " min_x = min(coalesce(min_x, ?2), ?2),"
                          " min_y = min(coalesce(min_y, ?3), ?3),"
                          " max_x = max(coalesce(max_x, ?4), ?4),"
                          " max_y = max(coalesce(max_y, ?5), ?5),"
                          " last_change = strftime('%Y-%m-%dT%H:%M:%fZ', ?6, 'unixepoch')"
                          " WHERE table_name = ?1",
    /* update, else insert: an UPSERT would impose its conflict mode on the
     * INSERT OR REPLACE of the R*Tree trigger and fail */
    [S_COMMUNE_UPDATE] = "UPDATE communes SET name = ?2, kind = ?3, mountainous = ?4, geom = ?5"
                         " WHERE code = ?1",
    [S_COMMUNE_INSERT] = "INSERT INTO communes(code, name, kind, mountainous, geom)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_SURVEY_PUT] = "INSERT OR REPLACE INTO survey_communes(code, name, commune)"
                     " VALUES (?1, ?2, ?3)",
    [S_COMMUNES] = "SELECT code, name, kind, mountainous, geom FROM communes ORDER BY code",
    [S_COMMUNE_GET] = "SELECT code, name, kind, mountainous, geom FROM communes WHERE code = ?1",
    [S_SURVEYS] = "SELECT code, name, commune FROM survey_communes ORDER BY code, commune",
    [S_COMMUNE_AT] = "SELECT c.code, c.geom FROM rtree_communes_geom r JOIN communes c"
                     " ON c.fid = r.id WHERE r.minx <= ?1 AND r.maxx >= ?1"
                     " AND r.miny <= ?2 AND r.maxy >= ?2 ORDER BY c.code",
    [S_LAND_USES] = "SELECT code, name_vi, name_en, group_name FROM land_use_codes"
                    " ORDER BY id",
    [S_PLAN_PUT] = "INSERT INTO planning_zones(land_use, plan, decision, commune, geom)"
                   " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_PLAN_BOX] = "SELECT z.fid, z.land_use, z.plan, z.decision, z.commune, z.geom"
                   " FROM rtree_planning_zones_geom r JOIN planning_zones z ON z.fid = r.id"
                   " WHERE r.minx <= ?3 AND r.maxx >= ?1 AND r.miny <= ?4 AND r.maxy >= ?2"
                   " ORDER BY z.fid",
    [S_PLAN_SCAN] = "SELECT z.fid, z.land_use, z.plan, z.decision, z.commune, z.geom"
                    " FROM planning_zones z WHERE z.fid > ?1 ORDER BY z.fid LIMIT ?2",
    [S_CHANGES_SINCE] = "SELECT seq, kind, parcel_id, minx, miny, maxx, maxy FROM changes"
                        " WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [S_HOLDER_PUT] = "INSERT INTO registry.holders(id, kind, name, id_number, address, birth_year)"
                     " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_RIGHT_PUT] = "INSERT INTO registry.rights(parcel_id, holder_id, kind, land_use, area, term,"
                    " origin, share) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_CERT_PUT] = "INSERT INTO registry.certificates(parcel_id, serial, issued_on, issuer,"
                   " register_no) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_RESTR_PUT] = "INSERT INTO registry.restrictions(parcel_id, kind, party, since, until, note)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_EVENT_PUT] = "INSERT INTO registry.events(parcel_id, kind, date, description, version,"
                    " related_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    /* holders of this parcel that hold nothing elsewhere go with it */
    [S_CLEAR_HOLDERS] = "DELETE FROM registry.holders WHERE id IN"
                        " (SELECT holder_id FROM registry.rights WHERE parcel_id = ?1)"
                        " AND NOT EXISTS (SELECT 1 FROM registry.rights o"
                        " WHERE o.holder_id = holders.id AND o.parcel_id <> ?1)",
    [S_CLEAR_RIGHTS] = "DELETE FROM registry.rights WHERE parcel_id = ?1",
    [S_CLEAR_CERTS] = "DELETE FROM registry.certificates WHERE parcel_id = ?1",
    [S_CLEAR_RESTR] = "DELETE FROM registry.restrictions WHERE parcel_id = ?1",
    [S_CLEAR_EVENTS] = "DELETE FROM registry.events WHERE parcel_id = ?1",
    /* one parcel's registry records: the columns of the S_DUMP_ statements */
    [S_REG_HOLDERS] = "SELECT id, kind, name, id_number, address, birth_year FROM registry.holders"
                      " WHERE id IN (SELECT holder_id FROM registry.rights WHERE parcel_id = ?1)"
                      " ORDER BY id",
    [S_REG_RIGHTS] = "SELECT parcel_id, holder_id, kind, land_use, area, term, origin, share"
                     " FROM registry.rights WHERE parcel_id = ?1 ORDER BY id",
    [S_REG_CERTS] = "SELECT parcel_id, serial, issued_on, issuer, register_no"
                    " FROM registry.certificates WHERE parcel_id = ?1 ORDER BY id",
    [S_REG_RESTR] = "SELECT parcel_id, kind, party, since, until, note"
                    " FROM registry.restrictions WHERE parcel_id = ?1 ORDER BY id",
    [S_REG_EVENTS] = "SELECT parcel_id, kind, date, description, version, related_id"
                     " FROM registry.events WHERE parcel_id = ?1 ORDER BY id",
    [S_USER_CREATE] = "INSERT INTO portal.users(phone, name, email, address, role, plan,"
                      " plan_until, pw_hash, locked, must_reset, consent_version, consent_at,"
                      " created_at, updated_at, closed_at, name_folded) VALUES (?2, ?3, ?4,"
                      " ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    [S_USER_GET] = "SELECT " UCOLS " FROM portal.users WHERE id = ?1",
    /* "closed_at = 0" as in the partial index, so that the index serves it */
    [S_USER_PHONE] = "SELECT " UCOLS " FROM portal.users WHERE phone = ?1 AND closed_at = 0",
    /* ?18: the store_user_field mask (name_folded goes with the name);
     * closing (a non-zero closed_at) erases the personal fields whatever else
     * the mask says */
    [S_USER_UPDATE] = "UPDATE portal.users SET"
                      " phone = CASE WHEN ?18 & 512 AND ?16 <> 0 THEN NULL"
                      " WHEN ?18 & 2 THEN ?2 ELSE phone END,"
                      " name = CASE WHEN ?18 & 512 AND ?16 <> 0 THEN NULL"
                      " WHEN ?18 & 1 THEN ?3 ELSE name END,"
                      " name_folded = CASE WHEN ?18 & 512 AND ?16 <> 0 THEN NULL"
                      " WHEN ?18 & 1 THEN ?17 ELSE name_folded END,"
                      " email = CASE WHEN ?18 & 512 AND ?16 <> 0 THEN NULL"
                      " WHEN ?18 & 4 THEN ?4 ELSE email END,"
                      " address = CASE WHEN ?18 & 512 AND ?16 <> 0 THEN NULL"
                      " WHEN ?18 & 8 THEN ?5 ELSE address END,"
                      " role = CASE WHEN ?18 & 32 THEN ?6 ELSE role END,"
                      " plan = CASE WHEN ?18 & 64 THEN ?7 ELSE plan END,"
                      " plan_until = CASE WHEN ?18 & 64 THEN ?8 ELSE plan_until END,"
                      " pw_hash = CASE WHEN ?18 & 16 THEN ?9 ELSE pw_hash END,"
                      " locked = CASE WHEN ?18 & 128 THEN ?10 ELSE locked END,"
                      " must_reset = CASE WHEN ?18 & 256 THEN ?11 ELSE must_reset END,"
                      " closed_at = CASE WHEN ?18 & 512 THEN ?16 ELSE closed_at END,"
                      " updated_at = ?15 WHERE id = ?1",
    /* no limit (-1) last */
    [S_TARIFFS] = "SELECT code, name_vi, name_en, daily_views, watch_max, features"
                  " FROM portal.plans ORDER BY daily_views = -1, daily_views, code",
    [S_TARIFF_GET] = "SELECT code, name_vi, name_en, daily_views, watch_max, features"
                     " FROM portal.plans WHERE code = ?1",
    [S_TARIFF_PUT] = "INSERT OR REPLACE INTO portal.plans(code, name_vi, name_en, daily_views,"
                     " watch_max, features) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_SESSION_PUT] = "INSERT INTO portal.sessions(hash, user_id, created_at, seen_at, expires_at)"
                      " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_SESSION_GET] = "SELECT hash, user_id, created_at, seen_at, expires_at FROM portal.sessions"
                      " WHERE hash = ?1",
    [S_SESSION_TOUCH] = "UPDATE portal.sessions SET seen_at = ?2 WHERE hash = ?1",
    [S_SESSION_DELETE] = "DELETE FROM portal.sessions WHERE hash = ?1",
    [S_SESSIONS_END] = "DELETE FROM portal.sessions WHERE user_id = ?1"
                       " AND (?2 IS NULL OR hash <> ?2)",
    [S_SESSIONS_OF] = "SELECT hash, user_id, created_at, seen_at, expires_at FROM portal.sessions"
                      " WHERE user_id = ?1 ORDER BY created_at DESC, hash",
    /* idle <= 0: no idle expiry */
    [S_SESSIONS_PURGE] = "DELETE FROM portal.sessions WHERE expires_at < ?1"
                         " OR (?2 > 0 AND seen_at < ?1 - ?2)",
    [S_THROTTLE_GET] = "SELECT failures, last_at, until FROM portal.throttle WHERE key = ?1",
    [S_THROTTLE_PUT] = "INSERT OR REPLACE INTO portal.throttle(key, failures, last_at, until)"
                       " VALUES (?1, ?2, ?3, ?4)",
    [S_THROTTLE_DELETE] = "DELETE FROM portal.throttle WHERE key = ?1",
    [S_AUDIT_ADD] = "INSERT INTO portal.audit(at, actor, actor_role, action, subject, object,"
                    " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_AUDIT_ALL] = AUDIT_COLS " WHERE" AUDIT_FILTER,
    [S_AUDIT_ACTOR] = AUDIT_COLS " WHERE actor = ?1 AND" AUDIT_FILTER,
    [S_AUDIT_SUBJECT] = AUDIT_COLS " WHERE subject = ?2 AND" AUDIT_FILTER,
    [S_AUDIT_EITHER] = AUDIT_COLS " WHERE (actor = ?3 OR subject = ?3) AND" AUDIT_FILTER,
    /* max(): NULL (not seen) when there is no entry at all */
    [S_AUDIT_DISTINCT] = "SELECT count(DISTINCT object), max(object = ?4) FROM portal.audit"
                         " WHERE actor = ?1 AND action = ?2 AND at >= ?3",
    /* administration; closed accounts have no name or phone left, and are
     * never listed */
    [S_USERS_SEARCH] = "SELECT " UCOLS " FROM portal.users WHERE closed_at = 0 AND id > ?1"
                       " AND (?2 IS NULL OR role = ?2) AND (?3 IS NULL OR instr(phone, ?3) > 0)"
                       SEARCH_WORD(4) SEARCH_WORD(5) SEARCH_WORD(6) SEARCH_WORD(7)
                       SEARCH_WORD(8) SEARCH_WORD(9) " ORDER BY id LIMIT ?10",
    [S_PLANS_ENDED] = "SELECT " UCOLS " FROM portal.users WHERE closed_at = 0"
                      " AND plan_until > 0 AND plan_until <= ?1 ORDER BY id",
    /* the same condition again: a plan granted meanwhile stays */
    [S_PLAN_EXPIRE] = "UPDATE portal.users SET plan = 'free', plan_until = 0 WHERE id = ?1"
                      " AND closed_at = 0 AND plan_until > 0 AND plan_until <= ?2",
    /* a second pending request of a user breaks upgrades_pending: LIS_ECONFLICT */
    [S_UPGRADE_CREATE] = "INSERT INTO portal.upgrades(user_id, plan, reason, status, created_at)"
                         " VALUES (?1, ?2, ?3, 'pending', ?4)",
    [S_UPGRADE_GET] = UPGRADE_COLS " WHERE id = ?1",
    [S_UPGRADE_EXISTS] = "SELECT count(*) FROM portal.upgrades WHERE id = ?1",
    [S_UPGRADE_DECIDE] = "UPDATE portal.upgrades SET status = ?2, decided_at = ?3,"
                         " decided_by = ?4, until = ?5, decision = ?6"
                         " WHERE id = ?1 AND status = 'pending'",
    [S_UPGRADES] = UPGRADE_COLS " WHERE" UPGRADE_FILTER,
    [S_UPGRADES_STATUS] = UPGRADE_COLS " WHERE status = ?2 AND" UPGRADE_FILTER,
    [S_NOTICE_ADD] = "INSERT INTO portal.notices(kind, audience, public, title, body, sender,"
                     " object, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    /* ?5 keyset bound, ?6 unread only, ?7 limit */
    [S_INBOX] = "SELECT " NOTICE_COLS ", r.notice_id IS NOT NULL FROM portal.notices n"
                " LEFT JOIN portal.notice_reads r ON r.user_id = ?1 AND r.notice_id = n.id"
                " WHERE" INBOX_WHERE " AND n.id < ?5 AND (?6 = 0 OR r.notice_id IS NULL)"
                " ORDER BY n.id DESC LIMIT ?7",
    [S_INBOX_UNREAD] = "SELECT count(*) FROM portal.notices n WHERE" INBOX_WHERE " AND"
                       INBOX_UNREAD,
    [S_INBOX_HAS] = "SELECT count(*) FROM portal.notices n WHERE n.id = ?5 AND" INBOX_WHERE,
    /* notices ?5 to ?7 (one, or every one), read at ?6; a read keeps its first time */
    [S_INBOX_MARK] = "INSERT OR IGNORE INTO portal.notice_reads(notice_id, user_id, read_at)"
                     " SELECT n.id, ?1, ?6 FROM portal.notices n WHERE n.id BETWEEN ?5 AND ?7"
                     " AND" INBOX_WHERE " AND" INBOX_UNREAD,
    [S_NOTICES_PUBLIC] = "SELECT " NOTICE_COLS ", 0 FROM portal.notices n"
                         " WHERE n.public = 1 AND n.id < ?1 ORDER BY n.id DESC LIMIT ?2",
    [S_WATCH_ADD] = "INSERT INTO portal.watches(user_id, parcel_id, version, state, created_at)"
                    " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_WATCH_DELETE] = "DELETE FROM portal.watches WHERE user_id = ?1 AND parcel_id = ?2",
    [S_WATCHES_OF] = WATCH_COLS " WHERE user_id = ?1 ORDER BY created_at, parcel_id",
    [S_WATCHES_SCAN] = WATCH_COLS " WHERE (parcel_id, user_id) > (?1, ?2)"
                       " ORDER BY parcel_id, user_id LIMIT ?3",
    /* only from the state the caller saw: of two sweeps, one moves it */
    [S_WATCH_ADVANCE] = "UPDATE portal.watches SET version = ?3, state = ?4"
                        " WHERE user_id = ?1 AND parcel_id = ?2 AND version = ?5 AND state = ?6",
    [S_CODE_PUT] = "INSERT OR REPLACE INTO portal.codes(key, purpose, hash, expires_at, attempts)"
                   " VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_CODE_GET] = "SELECT key, purpose, hash, expires_at, attempts FROM portal.codes"
                   " WHERE key = ?1 AND purpose = ?2",
    [S_CODE_ATTEMPT] = "UPDATE portal.codes SET attempts = attempts + 1"
                       " WHERE key = ?1 AND purpose = ?2",
    [S_CODE_DELETE] = "DELETE FROM portal.codes WHERE key = ?1 AND purpose = ?2",
    [S_TICKET_CREATE] = "INSERT INTO portal.tickets(user_id, kind, subject, status, parcel_id,"
                        " other_party, commune, assignee, reason, created_at, updated_at,"
                        " closed_at) VALUES (?1, ?2, ?3, coalesce(?4, 'open'), ?5, ?6, ?7, ?8,"
                        " ?9, ?10, ?11, ?12)",
    [S_TICKET_GET] = TICKET_COLS " WHERE id = ?1",
    /* ?2: the store_ticket_field mask */
    [S_TICKET_UPDATE] = "UPDATE portal.tickets SET"
                        " status = CASE WHEN ?2 & 1 THEN ?3 ELSE status END,"
                        " reason = CASE WHEN ?2 & 1 THEN ?4 ELSE reason END,"
                        " closed_at = CASE WHEN ?2 & 1 THEN ?5 ELSE closed_at END,"
                        " assignee = CASE WHEN ?2 & 2 THEN ?6 ELSE assignee END,"
                        " updated_at = ?7 WHERE id = ?1",
    [S_TICKETS] = TICKET_COLS " WHERE" TICKET_FILTER,
    [S_TICKETS_USER] = TICKET_COLS " WHERE user_id = ?1 AND" TICKET_FILTER,
    [S_MESSAGE_ADD] = "INSERT INTO portal.messages(ticket_id, author_id, author_role, body,"
                      " created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_MESSAGES] = "SELECT id, ticket_id, author_id, author_role, body, created_at"
                   " FROM portal.messages WHERE ticket_id = ?1 ORDER BY id",
    [S_DISCLOSURE_ADD] = "INSERT INTO portal.disclosures(admin_id, subject, authority, document,"
                         " document_date, legal_basis, created_at)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_DISCLOSURE_GET] = DISCLOSURE_COLS " WHERE id = ?1",
    [S_DISCLOSURES] = DISCLOSURE_COLS " WHERE" DISCLOSURE_FILTER,
    [S_DISCLOSURES_SUBJECT] = DISCLOSURE_COLS " WHERE subject = ?1 AND" DISCLOSURE_FILTER,
    [S_DISCLOSURE_EXPORTED] = "UPDATE portal.disclosures SET exported_at = ?2 WHERE id = ?1",
};

/* S_USER_UPDATE spells the store_user_field bits out; registry_each walks
 * the five registry statements in this order. */
_Static_assert(STORE_USER_NAME == 1 && STORE_USER_PHONE == 2 && STORE_USER_EMAIL == 4 &&
                   STORE_USER_ADDRESS == 8 && STORE_USER_PW_HASH == 16 &&
                   STORE_USER_ROLE == 32 && STORE_USER_PLAN == 64 && STORE_USER_LOCKED == 128 &&
                   STORE_USER_MUST_RESET == 256 && STORE_USER_CLOSED == 512,
               "S_USER_UPDATE's mask bits");
_Static_assert(STORE_TICKET_STATUS == 1 && STORE_TICKET_ASSIGNEE == 2,
               "S_TICKET_UPDATE's mask bits");
_Static_assert(S_DUMP_EVENTS - S_DUMP_HOLDERS == 4 && S_REG_EVENTS - S_REG_HOLDERS == 4,
               "registry statements: holders, rights, certificates, restrictions, events");

/* Tables store_count may name; the SQL is fixed here, never built from input. */
static const struct {
    const char *name;
    const char *sql;
} count_sql[] = {
    {"parcels", "SELECT count(*) FROM parcels"},
    {"parcel_history", "SELECT count(*) FROM parcel_history"},
    {"parcel_mercator", "SELECT count(*) FROM parcel_mercator"},
    {"parcel_search", "SELECT count(*) FROM parcel_search"},
    {"communes", "SELECT count(*) FROM communes"},
    {"survey_communes", "SELECT count(*) FROM survey_communes"},
    {"planning_zones", "SELECT count(*) FROM planning_zones"},
    {"land_use_codes", "SELECT count(*) FROM land_use_codes"},
    {"changes", "SELECT count(*) FROM changes"},
    {"holders", "SELECT count(*) FROM registry.holders"},
    {"rights", "SELECT count(*) FROM registry.rights"},
    {"certificates", "SELECT count(*) FROM registry.certificates"},
    {"restrictions", "SELECT count(*) FROM registry.restrictions"},
    {"events", "SELECT count(*) FROM registry.events"},
};

struct sq {
    struct store base;       /* first: a struct store * is a struct sq * */
    sqlite3 *db;
    bool writable;
    bool in_txn;             /* inside store_begin .. commit/rollback */
    bool migrating;          /* opened with STORE_MIGRATE: an older schema is accepted */
    char *portal_path;       /* DIR/portal.db */
    bool portal_attached;    /* portal.db is attached as `portal` */
    bool portal;             /* ... and holds the portal tables: portal calls may run */
    int version;             /* schema version of the store (lis_meta) */
    int srid;                /* the province CRS's EPSG code = GeoPackage srs_id */
    struct store_info meta;  /* the fixed part of store_info, read at open */
    struct buf err;          /* text of the last failure */
    struct buf blob;         /* scratch: the GeoPackage blob being written */
    sqlite3_stmt *st[S_COUNT];
    struct fts_op {
        int64_t id;          /* parcel id = rowid */
        size_t text;         /* offset in fts_text, or FTS_DELETE */
    } *fts_ops;              /* search-index writes not applied yet */
    size_t fts_n, fts_cap;
    struct buf fts_text;     /* their texts, NUL-separated */
    int64_t txn_puts;        /* parcel writes in this transaction */
    int64_t bulk_at;         /* ... the count that turns bulk mode on */
    bool bulk;               /* R*Trees and change rows deferred to commit */
    bool bulk_anywhere;      /* a bulk change without a box */
    bool bulk_have;          /* bulk_box holds something */
    struct geo_box bulk_box; /* union of the Web-Mercator boxes bulk-written */
    bool info_valid;          /* info_cache answers store_info while ... */
    struct store_info info_cache; /* ... the change log's last seq is still its change_seq */
    struct {
        bool dirty;
        double box[4];
    } ext[L_COUNT];          /* layer extents grown by this transaction's writes */
};

static const struct store_ops sqlite_ops;
static int fts_flush(struct sq *q);
static int log_change(struct sq *q, const char *at, const char *kind, int64_t parcel,
                      const struct geo_box *merc);

/* ------------------------------------------------------------------ errors */

static int fail(struct sq *q, int code, const char *what)
{
    buf_reset(&q->err);
    buf_puts(&q->err, what);
    return code;
}

/* Map a SQLite failure to our vocabulary, keeping SQLite's text. */
static int sqerr(struct sq *q, int rc, const char *what)
{
    buf_reset(&q->err);
    buf_appendf(&q->err, "%s: %s", what, sqlite3_errmsg(q->db));
    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
        return LIS_ECONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return LIS_EUNAVAIL;
    case SQLITE_READONLY:
        return LIS_EINVAL;
    default:
        return LIS_EIO;
    }
}

static int exec(struct sq *q, const char *sql)
{
    int rc = sqlite3_exec(q->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sqerr(q, rc, sql);
}

/* -------------------------------------------------------------- statements */

/* The connection's prepared statement, or a private copy when it is running. */
static sqlite3_stmt *acquire(struct sq *q, enum stmt_id id)
{
    sqlite3_stmt *st = q->st[id];
    if (st && !sqlite3_stmt_busy(st))
        return st;
    sqlite3_stmt *fresh = NULL;
    int rc = sqlite3_prepare_v3(q->db, stmt_sql[id], -1, st ? 0 : SQLITE_PREPARE_PERSISTENT,
                                &fresh, NULL);
    if (rc != SQLITE_OK) {
        sqerr(q, rc, "prepare");
        return NULL;
    }
    if (!st)
        q->st[id] = fresh;
    return fresh;
}

static void release(struct sq *q, enum stmt_id id, sqlite3_stmt *st)
{
    if (!st)
        return;
    if (st == q->st[id])
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
}

/* Step a statement that returns no rows; 0 or an error. */
static int run(struct sq *q, sqlite3_stmt *st, const char *what)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return 0;
    return sqerr(q, rc, what);
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
    if (p)
        sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* Copy column i into a fixed array, cut to fit. */
static void col_copy(sqlite3_stmt *st, int i, char *out, size_t size)
{
    const char *s = col_text(st, i);
    size_t n = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(out, s, n);
    out[n] = '\0';
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

/* The WKB inside the GeoPackage blob of column i; NULL when none. */
static const uint8_t *col_wkb(sqlite3_stmt *st, int i, size_t *len)
{
    const uint8_t *blob = sqlite3_column_blob(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    const uint8_t *wkb = NULL;
    *len = 0;
    if (!blob || geo_gpkg_decode(blob, n, &wkb, len, NULL, NULL, NULL) != 0)
        return NULL;
    return wkb;
}

/* ---------------------------------------------------- SQL functions (GPKG) */

/* The R*Tree triggers of GeoPackage read envelopes through these. */
static bool blob_envelope(sqlite3_value *v, struct geo_box *env, bool *empty)
{
    if (sqlite3_value_type(v) != SQLITE_BLOB)
        return false;
    const uint8_t *blob = sqlite3_value_blob(v);
    size_t n = (size_t)sqlite3_value_bytes(v);
    const uint8_t *wkb;
    size_t wkblen;
    return geo_gpkg_decode(blob, n, &wkb, &wkblen, NULL, env, empty) == 0;
}

static void fn_is_empty(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct geo_box env;
    bool empty = false;
    if (!blob_envelope(argv[0], &env, &empty)) {
        sqlite3_result_null(cx);
        return;
    }
    sqlite3_result_int(cx, empty);
}

static void fn_bound(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct geo_box env;
    bool empty = false;
    if (!blob_envelope(argv[0], &env, &empty) || empty) {
        sqlite3_result_null(cx);
        return;
    }
    int which = (int)(intptr_t)sqlite3_user_data(cx);
    double v = which == 0 ? env.minx : which == 1 ? env.maxx : which == 2 ? env.miny : env.maxy;
    sqlite3_result_double(cx, v);
}

/* lis_wkb_contains(wkb, x, y): the map click's point test, in SQL. */
static void fn_contains(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const uint8_t *wkb = sqlite3_value_blob(argv[0]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    double x = sqlite3_value_double(argv[1]), y = sqlite3_value_double(argv[2]);
    sqlite3_result_int(cx, wkb && geo_wkb_contains_point(wkb, n, x, y) == 1);
}

static int register_functions(sqlite3 *db)
{
    static const char *const bound[] = {"ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    int rc = sqlite3_create_function_v2(db, "ST_IsEmpty", 1, flags, NULL, fn_is_empty, NULL,
                                        NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function_v2(db, "lis_wkb_contains", 3, flags, NULL, fn_contains, NULL,
                                        NULL, NULL);
    for (intptr_t i = 0; i < 4 && rc == SQLITE_OK; i++)
        rc = sqlite3_create_function_v2(db, bound[i], 1, flags, (void *)i, fn_bound, NULL, NULL,
                                        NULL);
    return rc;
}

/* ------------------------------------------------------------------ schema */

static const char schema_registry[] =
    "CREATE TABLE IF NOT EXISTS registry.holders ("
    " id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, id_number TEXT,"
    " address TEXT, birth_year INTEGER);"
    "CREATE TABLE IF NOT EXISTS registry.rights ("
    " id INTEGER PRIMARY KEY, parcel_id INTEGER NOT NULL, holder_id INTEGER,"
    " kind TEXT NOT NULL, land_use TEXT, area REAL, term TEXT, origin TEXT, share REAL);"
    "CREATE INDEX IF NOT EXISTS registry.rights_parcel ON rights(parcel_id);"
    "CREATE INDEX IF NOT EXISTS registry.rights_holder ON rights(holder_id);"
    "CREATE TABLE IF NOT EXISTS registry.certificates ("
    " id INTEGER PRIMARY KEY, parcel_id INTEGER NOT NULL, serial TEXT NOT NULL,"
    " issued_on TEXT, issuer TEXT, register_no TEXT);"
    "CREATE INDEX IF NOT EXISTS registry.certificates_parcel ON certificates(parcel_id);"
    "CREATE TABLE IF NOT EXISTS registry.restrictions ("
    " id INTEGER PRIMARY KEY, parcel_id INTEGER NOT NULL, kind TEXT NOT NULL, party TEXT,"
    " since TEXT, until TEXT, note TEXT);"
    "CREATE INDEX IF NOT EXISTS registry.restrictions_parcel ON restrictions(parcel_id);"
    "CREATE TABLE IF NOT EXISTS registry.events ("
    " id INTEGER PRIMARY KEY, parcel_id INTEGER NOT NULL, kind TEXT NOT NULL, date TEXT,"
    " description TEXT, version INTEGER, related_id INTEGER);"
    "CREATE INDEX IF NOT EXISTS registry.events_parcel ON events(parcel_id);";

static int create_triggers(struct sq *q, const char *t, struct buf *sql);

/* Register layer t (geometry column geom) with its R*Tree and the triggers
 * GeoPackage 1.3 specifies for keeping it (names and behaviour are what GIS
 * tools look for). */
static int create_layer(struct sq *q, const char *t, const char *desc, struct buf *sql)
{
    buf_reset(sql);
    buf_appendf(sql,
                "INSERT INTO gpkg_contents(table_name, data_type, identifier, description,"
                " srs_id) VALUES ('%s', 'features', '%s', '%s', %d);"
                "INSERT INTO gpkg_geometry_columns VALUES ('%s', 'geom', 'GEOMETRY', %d, 0, 0);"
                "INSERT INTO gpkg_extensions VALUES ('%s', 'geom', 'gpkg_rtree_index',"
                " 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');"
                "CREATE VIRTUAL TABLE rtree_%s_geom USING rtree(id, minx, maxx, miny, maxy);",
                t, t, desc, q->srid, t, q->srid, t, t);
    int r = exec(q, sql->data);
    return r < 0 ? r : create_triggers(q, t, sql);
}

/* The six triggers that keep layer t's R*Tree. */
static int create_triggers(struct sq *q, const char *t, struct buf *sql)
{
    buf_reset(sql);
    /* Spec wording: insert, update1-4 (geometry changed / emptied, id changed
     * with / without geometry), delete. */
#define RT "rtree_%s_geom"
#define BOX "(NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom))"
#define HAS "(NEW.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))"
#define HASNT "(NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))"
    buf_appendf(sql,
                "CREATE TRIGGER " RT "_insert AFTER INSERT ON %s WHEN " HAS
                " BEGIN INSERT OR REPLACE INTO " RT " VALUES " BOX "; END;"
                "CREATE TRIGGER " RT "_update1 AFTER UPDATE OF geom ON %s"
                " WHEN OLD.fid = NEW.fid AND " HAS
                " BEGIN INSERT OR REPLACE INTO " RT " VALUES " BOX "; END;"
                "CREATE TRIGGER " RT "_update2 AFTER UPDATE OF geom ON %s"
                " WHEN OLD.fid = NEW.fid AND " HASNT
                " BEGIN DELETE FROM " RT " WHERE id = OLD.fid; END;"
                "CREATE TRIGGER " RT "_update3 AFTER UPDATE ON %s"
                " WHEN OLD.fid != NEW.fid AND " HAS
                " BEGIN DELETE FROM " RT " WHERE id = OLD.fid;"
                " INSERT OR REPLACE INTO " RT " VALUES " BOX "; END;"
                "CREATE TRIGGER " RT "_update4 AFTER UPDATE ON %s"
                " WHEN OLD.fid != NEW.fid AND " HASNT
                " BEGIN DELETE FROM " RT " WHERE id IN (OLD.fid, NEW.fid); END;"
                "CREATE TRIGGER " RT "_delete AFTER DELETE ON %s WHEN OLD.geom NOT NULL"
                " BEGIN DELETE FROM " RT " WHERE id = OLD.fid; END;",
                t, t, t, t, t, t, t, t, t, t, t, t, t, t, t, t, t, t, t);
#undef RT
#undef BOX
#undef HAS
#undef HASNT
    return exec(q, sql->data);
}

static int parse_srid(const char *crs)
{
    if (!crs || strncmp(crs, "EPSG:", 5) != 0)
        return 0;
    char *end = NULL;
    long v = strtol(crs + 5, &end, 10);
    return (end && *end == '\0' && v > 0 && v < 1000000) ? (int)v : 0;
}

static int meta_put(struct sq *q, const char *key, const char *value)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO lis_meta VALUES (?1, ?2)", -1,
                                &st, NULL);
    if (rc == SQLITE_OK) {
        bind_text(st, 1, key);
        bind_text(st, 2, value);
        rc = sqlite3_step(st);
    }
    int r = (rc == SQLITE_DONE) ? 0 : sqerr(q, rc, "lis_meta");
    sqlite3_finalize(st);
    return r;
}

static int create_schema(struct sq *q, const struct store_create_opts *o)
{
    struct buf sql = BUF_INIT;
    sqlite3_stmt *st = NULL;
    int r;
    if ((r = exec(q, "BEGIN")) < 0)
        goto out;
    buf_appendf(&sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
                GPKG_APPLICATION_ID, GPKG_USER_VERSION);
    /* version 1 (land), then the later steps (portal.db's tables, ...) */
    int nm;
    const struct store_migration *m = store_migrations(&nm);
    if ((r = exec(q, sql.data)) < 0)
        goto out;
    for (int i = 0; i < nm; i++)
        if (m[i].sqlite && (r = exec(q, m[i].sqlite)) < 0)
            goto out;

    int rc = sqlite3_prepare_v2(q->db,
                                "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2,"
                                " ?3, ?4)",
                                -1, &st, NULL);
    if (rc != SQLITE_OK) {
        r = sqerr(q, rc, "gpkg_spatial_ref_sys");
        goto out;
    }
    bind_text(st, 1, o->crs_name ? o->crs_name : o->crs);
    sqlite3_bind_int(st, 2, q->srid);
    bind_text(st, 3, o->crs_wkt ? o->crs_wkt : "undefined");
    bind_text(st, 4, o->crs);
    if (q->srid != 4326 && (r = run(q, st, "gpkg_spatial_ref_sys")) < 0)
        goto out;

    if ((r = create_layer(q, "parcels", "Land parcels, current versions", &sql)) < 0 ||
        (r = create_layer(q, "communes", "Commune-level administrative units", &sql)) < 0 ||
        (r = create_layer(q, "planning_zones", "Land-use planning zones", &sql)) < 0)
        goto out;

    /* land-use codes from the static table */
    sqlite3_finalize(st);
    st = NULL;
    rc = sqlite3_prepare_v2(q->db,
                            "INSERT INTO land_use_codes(id, code, name_vi, name_en, group_name)"
                            " VALUES (?5, ?1, ?2, ?3, ?4)",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) {
        r = sqerr(q, rc, "land_use_codes");
        goto out;
    }
    size_t n = 0;
    const struct landuse *lu = landuse_all(&n);
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        bind_text(st, 1, lu[i].code);
        bind_text(st, 2, lu[i].name_vi);
        bind_text(st, 3, lu[i].name_en);
        bind_text(st, 4, landuse_group_name(lu[i].group));
        sqlite3_bind_int64(st, 5, (sqlite3_int64)i + 1);
        if ((r = run(q, st, "land_use_codes")) < 0)
            goto out;
    }

    char srid[16], latest[16];
    snprintf(latest, sizeof latest, "%d", store_schema_latest());
    buf_reset(&sql);
    buf_appendf(&sql, "%d", q->srid);
    copy_str(srid, sizeof srid, sql.data);
    if ((r = meta_put(q, "schema_version", latest)) < 0 ||
        (r = meta_put(q, "crs", o->crs)) < 0 || (r = meta_put(q, "srid", srid)) < 0 ||
        (r = meta_put(q, "province_code", o->province_code ? o->province_code : "")) < 0 ||
        (r = meta_put(q, "province_name", o->province_name ? o->province_name : "")) < 0 ||
        (r = meta_put(q, "mountainous", o->mountainous ? "1" : "0")) < 0)
        goto out;
    r = exec(q, "COMMIT");
out:
    if (r < 0)
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(st);
    buf_free(&sql);
    return r;
}

/* Read lis_meta into q->meta; LIS_EINVAL when the database is not a LIS store. */
static int load_meta(struct sq *q)
{
    sqlite3_stmt *st = NULL;
    int r = 0;
    int rc = sqlite3_prepare_v2(q->db, "SELECT key, value FROM lis_meta", -1, &st, NULL);
    if (rc != SQLITE_OK) {
        r = fail(q, LIS_EINVAL, "land.gpkg is not a LIS store (no lis_meta table)");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = col_text(st, 0), *v = col_text(st, 1);
        if (!k || !v)
            continue;
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
    if (rc != SQLITE_DONE) {
        r = sqerr(q, rc, "lis_meta");
        goto out;
    }
    if (q->version <= 0 || q->meta.srid <= 0) {
        r = fail(q, LIS_EINVAL, "land.gpkg has an unknown LIS schema version");
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
    sqlite3_finalize(st);
    return r;
}

/* mkdir -p */
static int make_dirs(const char *dir)
{
    char *p = xstrdup(dir);
    int r = 0;
    for (char *c = p + 1;; c++) {
        if (*c == '/' || *c == '\0') {
            char keep = *c;
            *c = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                r = LIS_EIO;
                break;
            }
            *c = keep;
            if (!keep)
                break;
        }
    }
    free(p);
    return r;
}

/* ATTACH path AS name, with the main file's open flags (read-only stays
 * read-only; a writable connection creates a missing file). */
static int attach(struct sq *q, const char *path, const char *name)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, "ATTACH DATABASE ?1 AS ?2", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        bind_text(st, 1, path);
        bind_text(st, 2, name);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return 0;
    struct buf what = BUF_INIT;
    buf_appendf(&what, "attaching %s", path);
    int r = sqerr(q, rc, buf_cstr(&what));
    buf_free(&what);
    return r;
}

/* Whether the attached portal.db holds the portal tables (sets q->portal). */
static int portal_probe(struct sq *q)
{
    int64_t n = 0;
    q->portal = false;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db,
                                "SELECT count(*) FROM portal.sqlite_master"
                                " WHERE type = 'table' AND name IN ('users', 'audit')",
                                -1, &st, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return sqerr(q, rc, "portal.db");
    q->portal = n == 2;
    return 0;
}

/* Attach portal.db; create: make it when missing (creation, migration).
 * ATTACH needs a connection with no transaction open; a statement still
 * running (a callback) is refused as well, to be safe. */
static int portal_attach(struct sq *q, bool create)
{
    if (q->portal_attached)
        return 0;
    if (!create && access(q->portal_path, F_OK) != 0)
        return fail(q, LIS_EUNAVAIL, "the store has no portal.db (lis migrate makes it)");
    bool busy = !sqlite3_get_autocommit(q->db);
    for (sqlite3_stmt *s = sqlite3_next_stmt(q->db, NULL); s && !busy;
         s = sqlite3_next_stmt(q->db, s))
        busy = sqlite3_stmt_busy(s);
    if (busy)
        return fail(q, LIS_EINVAL, "a connection's first portal call must come outside"
                                   " transactions and callbacks (it attaches portal.db)");
    int r = attach(q, q->portal_path, "portal");
    if (r < 0)
        return r;
    q->portal_attached = true;
    /* personal data: zeroed when deleted or overwritten */
    if ((r = exec(q, "PRAGMA portal.synchronous = NORMAL;"
                     "PRAGMA portal.secure_delete = ON")) < 0 ||
        (q->writable && (r = exec(q, "PRAGMA portal.journal_mode = WAL;"
                                     "PRAGMA portal.journal_size_limit = 67108864")) < 0))
        return r;
    return portal_probe(q);
}

static int portal_detach(struct sq *q)
{
    if (!q->portal_attached)
        return 0;
    q->portal_attached = q->portal = false;
    return exec(q, "DETACH DATABASE portal");
}

static void sq_close(struct store *s)
{
    struct sq *q = (struct sq *)s;
    for (int i = 0; i < S_COUNT; i++)
        sqlite3_finalize(q->st[i]);
    if (q->db && q->writable && !sqlite3_get_autocommit(q->db))
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(q->db);
    buf_free(&q->err);
    buf_free(&q->blob);
    buf_free(&q->fts_text);
    free(q->fts_ops);
    free(q->portal_path);
    free(q);
}

static pthread_once_t config_once = PTHREAD_ONCE_INIT;

/* Process-wide, effective only before SQLite's first use: no global memory
 * statistics, so that allocations don't take a shared mutex. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct store *store_sqlite_open(const char *dir, unsigned flags,
                                const struct store_create_opts *opts, struct buf *err)
{
    struct sq *q = xcalloc(1, sizeof *q);
    struct buf land = BUF_INIT, reg = BUF_INIT, portal = BUF_INIT, sql = BUF_INIT;
    bool create = flags & STORE_CREATE, created = false;
    int r = 0, rc;
    q->base.ops = &sqlite_ops;
    q->writable = create || (flags & (STORE_WRITE | STORE_MIGRATE));
    q->migrating = flags & STORE_MIGRATE;
    buf_appendf(&land, "%s/land.gpkg", dir);
    buf_appendf(&reg, "%s/registry.db", dir);
    buf_appendf(&portal, "%s/portal.db", dir);
    q->portal_path = xstrdup(portal.data);

    pthread_once(&config_once, configure_sqlite);

    struct stat sb;
    bool exists = stat(land.data, &sb) == 0;
    if (!exists && !create) {
        buf_appendf(err, "store: no land store in %s (%s does not exist)", dir, land.data);
        r = LIS_ENOTFOUND;
        goto out;
    }
    if (!exists) {
        q->srid = opts ? parse_srid(opts->crs) : 0;
        if (!q->srid) {
            buf_appendf(err, "store: creating %s needs the CRS as \"EPSG:n\" (got %s)", dir,
                        opts && opts->crs ? opts->crs : "none");
            r = LIS_EINVAL;
            goto out;
        }
        /* accounts and the audit log of an earlier store are not ours to replace */
        if (access(portal.data, F_OK) == 0) {
            buf_appendf(err, "store: %s exists without land.gpkg: move it away first",
                        portal.data);
            r = LIS_ECONFLICT;
            goto out;
        }
        if (make_dirs(dir) < 0) {
            buf_appendf(err, "store: cannot create directory %s: %s", dir, strerror(errno));
            r = LIS_EIO;
            goto out;
        }
    } else if (!q->writable && access(reg.data, R_OK) != 0) {
        buf_appendf(err, "store: %s is missing", reg.data);
        r = LIS_ENOTFOUND;
        goto out;
    }

    int oflags = q->writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
    rc = sqlite3_open_v2(land.data, &q->db, oflags | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        buf_appendf(err, "store: cannot open %s: %s", land.data,
                    q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(rc));
        r = LIS_EIO;
        goto out;
    }
    created = !exists;
    sqlite3_extended_result_codes(q->db, 1);
    sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
    if (register_functions(q->db) != SQLITE_OK) {
        r = sqerr(q, SQLITE_ERROR, "registering ST_ functions");
        goto fail;
    }
    if (q->writable && (r = exec(q, "PRAGMA main.journal_mode = WAL")) < 0)
        goto fail;

    if ((r = attach(q, reg.data, "registry")) < 0)
        goto fail;

    buf_appendf(&sql,
                "PRAGMA main.synchronous = NORMAL; PRAGMA registry.synchronous = NORMAL;"
                "PRAGMA main.mmap_size = %s; PRAGMA registry.mmap_size = %s;"
                "PRAGMA main.cache_size = %s; PRAGMA registry.cache_size = %s;"
                /* public data need not be zeroed on delete; holders' personal data must */
                "PRAGMA main.secure_delete = OFF; PRAGMA registry.secure_delete = ON;"
                "PRAGMA temp_store = MEMORY;",
                q->writable ? MMAP_BYTES_WRITE : MMAP_BYTES_READ,
                q->writable ? MMAP_BYTES_WRITE : MMAP_BYTES_READ,
                q->writable ? CACHE_KIB_WRITE : CACHE_KIB_READ,
                q->writable ? CACHE_KIB_WRITE : CACHE_KIB_READ);
    if ((r = exec(q, sql.data)) < 0)
        goto fail;
    /* after a bulk load's checkpoint the WAL file shrinks back to this */
    if (q->writable &&
        ((r = exec(q, "PRAGMA registry.journal_mode = WAL;"
                      "PRAGMA main.journal_size_limit = 67108864;"
                      "PRAGMA registry.journal_size_limit = 67108864")) < 0 ||
         (r = exec(q, schema_registry)) < 0))
        goto fail;

    /* the portal's tables are made with the rest; then portal.db waits for
     * the first portal call like in any other connection */
    if (created && ((r = portal_attach(q, true)) < 0 || (r = create_schema(q, opts)) < 0 ||
                    (r = portal_detach(q)) < 0))
        goto fail;
    if ((r = load_meta(q)) < 0)
        goto fail;
    goto out;

fail:
    buf_appendf(err, "store: %s: %s", dir, buf_cstr(&q->err));
out:
    if (r < 0) {
        sq_close(&q->base);
        q = NULL;
        if (created) { /* leave no half-made store behind */
            static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
            for (int i = 0; i < 4; i++) {
                buf_reset(&sql);
                buf_appendf(&sql, "%s%s", land.data, suffix[i]);
                unlink(sql.data);
                buf_reset(&sql);
                buf_appendf(&sql, "%s%s", reg.data, suffix[i]);
                unlink(sql.data);
                buf_reset(&sql);
                buf_appendf(&sql, "%s%s", portal.data, suffix[i]);
                unlink(sql.data);
            }
        }
    }
    buf_free(&land);
    buf_free(&reg);
    buf_free(&portal);
    buf_free(&sql);
    return q ? &q->base : NULL;
}

static const char *sq_errmsg(const struct store *s)
{
    const struct sq *q = (const struct sq *)s;
    return q->err.len ? q->err.data : "no error";
}

static int sq_set_memory(struct store *s, long cache_mb, long mmap_mb)
{
    struct sq *q = (struct sq *)s;
    struct buf sql = BUF_INIT;
    if (cache_mb < 0 || mmap_mb < 0 || cache_mb > 1 << 20 || mmap_mb > 1 << 20)
        return fail(q, LIS_EINVAL, "memory settings must be from 0 to 1048576 MB");
    for (int i = 0; i < 2; i++) /* negative cache_size: KiB rather than pages */
        buf_appendf(&sql, "PRAGMA %s.cache_size = %ld; PRAGMA %s.mmap_size = %lld;",
                    i ? "registry" : "main", -cache_mb * 1024, i ? "registry" : "main",
                    (long long)mmap_mb << 20);
    int r = exec(q, sql.data);
    buf_free(&sql);
    return r;
}

/* ------------------------------------------------------------ transactions */

static void extent_grow(struct sq *q, enum layer l, const struct geo_box *b)
{
    if (!q->ext[l].dirty) {
        q->ext[l].dirty = true;
        q->ext[l].box[0] = b->minx;
        q->ext[l].box[1] = b->miny;
        q->ext[l].box[2] = b->maxx;
        q->ext[l].box[3] = b->maxy;
        return;
    }
    q->ext[l].box[0] = fmin(q->ext[l].box[0], b->minx);
    q->ext[l].box[1] = fmin(q->ext[l].box[1], b->miny);
    q->ext[l].box[2] = fmax(q->ext[l].box[2], b->maxx);
    q->ext[l].box[3] = fmax(q->ext[l].box[3], b->maxy);
}

/* Write the grown extents into gpkg_contents (GIS tools read them). */
static int extents_flush(struct sq *q)
{
    int r = 0;
    for (int l = 0; l < L_COUNT && r == 0; l++) {
        if (!q->ext[l].dirty)
            continue;
        sqlite3_stmt *st = acquire(q, S_CONTENTS_EXTEND);
        if (!st)
            return LIS_EIO;
        bind_text(st, 1, layer_table[l]);
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(st, 2 + i, q->ext[l].box[i]);
        sqlite3_bind_int64(st, 6, clock_now());
        r = run(q, st, "gpkg_contents");
        release(q, S_CONTENTS_EXTEND, st);
        q->ext[l].dirty = false;
    }
    return r;
}

/* ------------------------------------------------------------- bulk mode */

static const char *const rtree_triggers[] = {"insert",  "update1", "update2",
                                             "update3", "update4", "delete"};

/* Count a parcel write; turn bulk mode on when the transaction is big. */
static int bulk_check(struct sq *q)
{
    if (q->bulk || !q->in_txn)
        return 0;
    if (q->txn_puts++ == 0) {
        /* the largest id tells the store's size without counting */
        int64_t size = 0;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(q->db, "SELECT max(fid) FROM parcels", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            size = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        /* packing costs ~4 µs per parcel of the store, inserting ~35 µs per
         * parcel written: bulk pays once a transaction writes an eighth */
        q->bulk_at = size / 8 > BULK_MIN ? size / 8 : BULK_MIN;
    }
    if (q->txn_puts < q->bulk_at)
        return 0;
    /* all six or none; when SQLite refuses (a statement of this connection is
     * still reading, say), the load simply goes on row by row */
    struct buf sql = BUF_INIT;
    buf_puts(&sql, "SAVEPOINT lis_bulk;");
    for (size_t i = 0; i < sizeof rtree_triggers / sizeof rtree_triggers[0]; i++)
        buf_appendf(&sql, "DROP TRIGGER rtree_parcels_geom_%s;", rtree_triggers[i]);
    buf_puts(&sql, "RELEASE lis_bulk;");
    if (sqlite3_exec(q->db, sql.data, NULL, NULL, NULL) == SQLITE_OK) {
        q->bulk = true;
        q->bulk_have = q->bulk_anywhere = false;
    } else {
        sqlite3_exec(q->db, "ROLLBACK TO lis_bulk; RELEASE lis_bulk", NULL, NULL, NULL);
        q->bulk_at = INT64_MAX;
    }
    buf_free(&sql);
    return 0;
}

static void bulk_grow(struct sq *q, const struct geo_box *b)
{
    if (!b) {
        q->bulk_anywhere = true;
    } else if (!q->bulk_have) {
        q->bulk_box = *b;
        q->bulk_have = true;
    } else {
        q->bulk_box.minx = fmin(q->bulk_box.minx, b->minx);
        q->bulk_box.miny = fmin(q->bulk_box.miny, b->miny);
        q->bulk_box.maxx = fmax(q->bulk_box.maxx, b->maxx);
        q->bulk_box.maxy = fmax(q->bulk_box.maxy, b->maxy);
    }
}

/* Pack R*Tree `tree` from the envelopes of the blobs `sql` selects as (id,
 * blob); gpkg: GeoPackage blobs, else WKB. */
static int bulk_pack(struct sq *q, const char *sql, bool gpkg, const char *tree)
{
    struct rtree_entry *e = NULL;
    size_t n = 0, cap = 0;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL), r = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *blob = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        struct geo_box env;
        bool empty = false;
        const uint8_t *wkb;
        size_t wkblen;
        if (!blob)
            continue;
        if (gpkg ? geo_gpkg_decode(blob, len, &wkb, &wkblen, NULL, &env, &empty) != 0 || empty
                 : geo_wkb_envelope(blob, len, &env) != 0)
            continue; /* the triggers would not index it either */
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            e = xrealloc(e, cap * sizeof *e);
        }
        e[n++] = (struct rtree_entry){sqlite3_column_int64(st, 0), env.minx, env.maxx, env.miny,
                                      env.maxy};
        rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_finalize(st);
    if (rc == SQLITE_OK)
        rc = rtree_pack(q->db, tree, e, n);
    if (rc != SQLITE_OK)
        r = sqerr(q, rc, tree);
    free(e);
    return r;
}

/* At commit: pack both trees, bring the triggers back, log the load. */
static int bulk_finish(struct sq *q)
{
    struct buf sql = BUF_INIT;
    char now[32];
    int r;
    if ((r = bulk_pack(q, "SELECT fid, geom FROM parcels", true, "rtree_parcels_geom")) < 0 ||
        (r = bulk_pack(q, "SELECT id, geom FROM parcel_mercator", false,
                       "parcel_mercator_index")) < 0 ||
        (r = create_triggers(q, "parcels", &sql)) < 0)
        goto out;
    clock_iso(clock_now(), now);
    q->bulk = false; /* log_change writes rows again */
    if (q->bulk_have || q->bulk_anywhere)
        r = log_change(q, now, "bulk", 0, q->bulk_anywhere ? NULL : &q->bulk_box);
out:
    q->bulk = false;
    buf_free(&sql);
    return r;
}

static int sq_begin(struct store *s)
{
    struct sq *q = (struct sq *)s;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    if (q->in_txn)
        return fail(q, LIS_EINVAL, "a transaction is already open");
    int r = exec(q, "BEGIN IMMEDIATE");
    if (r == 0)
        q->in_txn = true;
    return r;
}

static int sq_commit(struct store *s)
{
    struct sq *q = (struct sq *)s;
    if (!q->in_txn)
        return fail(q, LIS_EINVAL, "no transaction is open");
    int r = q->bulk ? bulk_finish(q) : 0;
    if (r == 0)
        r = fts_flush(q);
    if (r == 0)
        r = extents_flush(q);
    if (r == 0)
        r = exec(q, "COMMIT");
    if (r == 0 || sqlite3_get_autocommit(q->db)) {
        q->in_txn = false;
        q->txn_puts = 0;
    }
    return r;
}

static int sq_rollback(struct store *s)
{
    struct sq *q = (struct sq *)s;
    if (!q->in_txn)
        return fail(q, LIS_EINVAL, "no transaction is open");
    for (int l = 0; l < L_COUNT; l++)
        q->ext[l].dirty = false;
    q->info_valid = false; /* seqs given out in the transaction will be given again */
    q->fts_n = 0;
    buf_reset(&q->fts_text);
    q->bulk = false; /* the dropped triggers come back with the rollback */
    q->txn_puts = 0;
    int r = sqlite3_get_autocommit(q->db) ? 0 : exec(q, "ROLLBACK");
    q->in_txn = false;
    return r;
}

/* A write outside store_begin/commit gets a transaction of its own. */
static int write_begin(struct sq *q, bool *own)
{
    *own = false;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    if (q->in_txn)
        return 0;
    int r = sq_begin(&q->base);
    *own = r == 0;
    return r;
}

static int write_end(struct sq *q, bool own, int r)
{
    if (!own)
        return r;
    if (r < 0) {
        struct buf keep = BUF_INIT; /* the rollback must not hide why */
        buf_puts(&keep, buf_cstr(&q->err));
        sq_rollback(&q->base);
        buf_reset(&q->err);
        buf_puts(&q->err, buf_cstr(&keep));
        buf_free(&keep);
        return r;
    }
    int c = sq_commit(&q->base);
    return c < 0 ? c : r;
}

/* ------------------------------------------------------------------- info */

static int scalar_int64(struct sq *q, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(q->db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int r = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        r = sqerr(q, rc, sql);
    sqlite3_finalize(st);
    return r;
}

static int sq_info(struct store *s, struct store_info *out)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = NULL;
    *out = q->meta;
    int r;
    /* Every write that moves a count or an extent logs a change: while the
     * last seq stays put, the counts (a scan of a million-row index each)
     * need not be taken again. /healthz asks for them. */
    if ((r = scalar_int64(q, "SELECT coalesce(max(seq), 0) FROM changes", &out->change_seq)) < 0)
        goto out;
    if (q->info_valid && q->info_cache.change_seq == out->change_seq) {
        *out = q->info_cache;
        goto out;
    }
    if ((r = scalar_int64(q, "SELECT count(*) FROM parcels", &out->parcels)) < 0 ||
        (r = scalar_int64(q, "SELECT count(*) FROM communes", &out->communes)) < 0 ||
        (r = scalar_int64(q, "SELECT count(*) FROM planning_zones", &out->planning_zones)) < 0)
        goto out;
    int rc = sqlite3_prepare_v2(q->db,
                                "SELECT min(min_x), min(min_y), max(max_x), max(max_y)"
                                " FROM gpkg_contents WHERE table_name IN ('parcels', 'communes')"
                                " AND min_x IS NOT NULL",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        r = sqerr(q, rc, "gpkg_contents");
        goto out;
    }
    for (int i = 0; i < 4; i++)
        out->bbox[i] = sqlite3_column_double(st, i);
    /* this transaction's writes are not in gpkg_contents yet */
    bool have = sqlite3_column_type(st, 0) != SQLITE_NULL;
    for (int l = L_PARCELS; l <= L_COMMUNES; l++) {
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
out:
    sqlite3_finalize(st);
    return r;
}

/* ---------------------------------------------------------------- communes */

static int log_change(struct sq *q, const char *at, const char *kind, int64_t parcel,
                      const struct geo_box *merc)
{
    if (q->bulk && parcel) {
        bulk_grow(q, merc);
        return 0;
    }
    sqlite3_stmt *st = acquire(q, S_CHANGE);
    if (!st)
        return LIS_EIO;
    bind_text(st, 1, at);
    bind_text(st, 2, kind);
    if (parcel)
        sqlite3_bind_int64(st, 3, parcel);
    else
        sqlite3_bind_null(st, 3);
    if (merc) {
        sqlite3_bind_double(st, 4, merc->minx);
        sqlite3_bind_double(st, 5, merc->miny);
        sqlite3_bind_double(st, 6, merc->maxx);
        sqlite3_bind_double(st, 7, merc->maxy);
    } else {
        for (int i = 4; i <= 7; i++)
            sqlite3_bind_null(st, i);
    }
    int r = run(q, st, "changes");
    release(q, S_CHANGE, st);
    return r;
}

/* Encode wkb as a GeoPackage blob into q->blob and return its envelope. */
static int encode_geom(struct sq *q, const uint8_t *wkb, size_t len, struct geo_box *env)
{
    if (geo_wkb_envelope(wkb, len, env) != 0)
        return fail(q, LIS_EINVAL, "geometry is malformed or empty");
    buf_reset(&q->blob);
    geo_gpkg_encode(q->srid, wkb, len, &q->blob);
    return 0;
}

static int sq_commune_put(struct store *s, const struct store_commune *c)
{
    struct sq *q = (struct sq *)s;
    struct geo_box env;
    bool own;
    char now[32];
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if (c->wkb && (r = encode_geom(q, c->wkb, c->wkb_len, &env)) < 0)
        goto out;
    static const enum stmt_id tries[] = {S_COMMUNE_UPDATE, S_COMMUNE_INSERT};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = acquire(q, tries[i]);
        if (!st) {
            r = LIS_EIO;
            goto out;
        }
        bind_text(st, 1, c->code);
        bind_text(st, 2, c->name);
        bind_text(st, 3, c->kind);
        sqlite3_bind_int(st, 4, c->mountainous);
        if (c->wkb)
            bind_blob(st, 5, q->blob.data, q->blob.len);
        else
            sqlite3_bind_null(st, 5);
        r = run(q, st, "communes");
        release(q, tries[i], st);
        if (r < 0)
            goto out;
        if (sqlite3_changes(q->db) > 0)
            break;
    }
    if (c->wkb)
        extent_grow(q, L_COMMUNES, &env);
    clock_iso(clock_now(), now);
    r = log_change(q, now, "commune", 0, NULL);
out:
    return write_end(q, own, r);
}

static int sq_survey_commune_put(struct store *s, const struct store_survey_commune *sc)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = NULL;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if (!(st = acquire(q, S_SURVEY_PUT))) {
        r = LIS_EIO;
        goto out;
    }
    bind_text(st, 1, sc->code);
    bind_text(st, 2, sc->name);
    bind_text(st, 3, sc->commune);
    r = run(q, st, "survey_communes");
out:
    release(q, S_SURVEY_PUT, st);
    return write_end(q, own, r);
}

/* Step through commune rows (code, name, kind, mountainous, geom). */
static int each_commune(struct sq *q, sqlite3_stmt *st, bool with_geom, store_commune_cb cb,
                        void *ctx, int *rows)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_commune c = {0};
        col_copy(st, 0, c.code, sizeof c.code);
        c.name = col_text(st, 1);
        c.kind = col_text(st, 2);
        c.mountainous = sqlite3_column_int(st, 3) != 0;
        if (with_geom)
            c.wkb = col_wkb(st, 4, &c.wkb_len);
        (*rows)++;
        int r = cb(ctx, &c);
        if (r)
            return r;
    }
    return rc == SQLITE_DONE ? 0 : sqerr(q, rc, "communes");
}

static int sq_communes(struct store *s, bool with_geom, store_commune_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int rows = 0;
    sqlite3_stmt *st = acquire(q, S_COMMUNES);
    if (!st)
        return LIS_EIO;
    int r = each_commune(q, st, with_geom, cb, ctx, &rows);
    release(q, S_COMMUNES, st);
    return r;
}

static int sq_commune_get(struct store *s, const char *code, bool with_geom, store_commune_cb cb,
                          void *ctx)
{
    struct sq *q = (struct sq *)s;
    int rows = 0;
    sqlite3_stmt *st = acquire(q, S_COMMUNE_GET);
    if (!st)
        return LIS_EIO;
    bind_text(st, 1, code);
    int r = each_commune(q, st, with_geom, cb, ctx, &rows);
    release(q, S_COMMUNE_GET, st);
    if (r == 0 && rows == 0)
        r = fail(q, LIS_ENOTFOUND, "no such commune");
    return r;
}

static int sq_survey_communes(struct store *s, store_survey_commune_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_SURVEYS);
    if (!st)
        return LIS_EIO;
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_survey_commune sc = {0};
        col_copy(st, 0, sc.code, sizeof sc.code);
        sc.name = col_text(st, 1);
        col_copy(st, 2, sc.commune, sizeof sc.commune);
        if ((r = cb(ctx, &sc)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = sqerr(q, rc, "survey_communes");
    release(q, S_SURVEYS, st);
    return r;
}

static int sq_commune_at(struct store *s, double x, double y, char code[STORE_CODE_MAX])
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_COMMUNE_AT);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_double(st, 1, x);
    sqlite3_bind_double(st, 2, y);
    int rc, r = LIS_ENOTFOUND;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t len;
        const uint8_t *wkb = col_wkb(st, 1, &len);
        if (wkb && geo_wkb_contains_point(wkb, len, x, y) == 1) {
            col_copy(st, 0, code, STORE_CODE_MAX);
            r = 0;
            break;
        }
    }
    if (r == LIS_ENOTFOUND && rc != SQLITE_DONE)
        r = sqerr(q, rc, "commune_at");
    else if (r == LIS_ENOTFOUND)
        fail(q, r, "no commune there");
    release(q, S_COMMUNE_AT, st);
    return r;
}

static int sq_land_uses(struct store *s, store_land_use_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_LAND_USES);
    if (!st)
        return LIS_EIO;
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_land_use u = {col_text(st, 0), col_text(st, 1), col_text(st, 2),
                                   col_text(st, 3)};
        if ((r = cb(ctx, &u)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = sqerr(q, rc, "land_use_codes");
    release(q, S_LAND_USES, st);
    return r;
}

/* ----------------------------------------------------------- parcel reads */

/* The leading columns every parcel query selects, in this order. */
static void parcel_cols(sqlite3_stmt *st, struct store_parcel *p)
{
    p->id = sqlite3_column_int64(st, 0);
    p->version = sqlite3_column_int(st, 1);
    col_copy(st, 2, p->national_id, sizeof p->national_id);
    col_copy(st, 3, p->survey_commune, sizeof p->survey_commune);
    col_copy(st, 4, p->commune, sizeof p->commune);
    col_copy(st, 5, p->sheet, sizeof p->sheet);
    col_copy(st, 6, p->number, sizeof p->number);
    p->area = sqlite3_column_double(st, 7);
    p->area_map = sqlite3_column_double(st, 8);
    p->land_use = col_text(st, 9);
    p->address = col_text(st, 10);
    p->valid_from = col_text(st, 11);
}

/* Step through parcel rows (PCOLS, and the mercator WKB in column merc_col
 * when >= 0), handing each to cb. */
static int each_parcel(struct sq *q, sqlite3_stmt *st, unsigned want, store_parcel_cb cb,
                       void *ctx, int *rows)
{
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_parcel p = {0};
        sqlite3_stmt *m = NULL;
        parcel_cols(st, &p);
        p.valid_to = col_text(st, 12);
        if (want & STORE_WANT_GEOM)
            p.wkb = col_wkb(st, PC_GEOM, &p.wkb_len);
        if ((want & STORE_WANT_MERCATOR) && sqlite3_column_count(st) > PC_MERCATOR) {
            p.wkb_mercator = sqlite3_column_blob(st, PC_MERCATOR); /* joined in */
            p.wkb_mercator_len = (size_t)sqlite3_column_bytes(st, PC_MERCATOR);
        } else if ((want & STORE_WANT_MERCATOR) && !p.valid_to) {
            if (!(m = acquire(q, S_MERC_GET)))
                return LIS_EIO;
            sqlite3_bind_int64(m, 1, p.id);
            if (sqlite3_step(m) == SQLITE_ROW) {
                p.wkb_mercator = sqlite3_column_blob(m, 0);
                p.wkb_mercator_len = (size_t)sqlite3_column_bytes(m, 0);
            }
        }
        sqlite3_stmt *f = NULL; /* the search text, for copying a store */
        if ((want & STORE_WANT_SEARCH) && !p.valid_to) {
            int fr = q->fts_n ? fts_flush(q) : 0;
            if (fr < 0 || !(f = acquire(q, S_FTS_GET))) {
                release(q, S_MERC_GET, m);
                return fr < 0 ? fr : LIS_EIO;
            }
            sqlite3_bind_int64(f, 1, p.id);
            if (sqlite3_step(f) == SQLITE_ROW)
                p.search_text = col_text(f, 0);
        }
        (*rows)++;
        int r = cb(ctx, &p);
        release(q, S_MERC_GET, m);
        release(q, S_FTS_GET, f);
        if (r)
            return r;
    }
    return rc == SQLITE_DONE ? 0 : sqerr(q, rc, "parcels");
}

/* Run a parcel query whose parameters are bound by the caller. */
static int parcel_query(struct sq *q, enum stmt_id id, sqlite3_stmt *st, unsigned want,
                        store_parcel_cb cb, void *ctx, bool need_one)
{
    int rows = 0;
    int r = each_parcel(q, st, want, cb, ctx, &rows);
    release(q, id, st);
    if (r == 0 && need_one && rows == 0)
        r = fail(q, LIS_ENOTFOUND, "no such parcel");
    return r;
}

static int sq_parcel_get(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                         void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_PARCEL_GET);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, id);
    return parcel_query(q, S_PARCEL_GET, st, want, cb, ctx, true);
}

static int sq_parcel_history(struct store *s, int64_t id, unsigned want, store_parcel_cb cb,
                             void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_PARCEL_HISTORY);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, id);
    return parcel_query(q, S_PARCEL_HISTORY, st, want, cb, ctx, true);
}

static int sq_parcel_by_national_id(struct store *s, const char *nid, unsigned want,
                                    store_parcel_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_PARCEL_NID);
    if (!st)
        return LIS_EIO;
    bind_text(st, 1, nid);
    return parcel_query(q, S_PARCEL_NID, st, want, cb, ctx, true);
}

static int sq_parcels_scan(struct store *s, int64_t after, int limit, unsigned want,
                           store_parcel_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    enum stmt_id id = want & STORE_WANT_MERCATOR ? S_PARCEL_SCAN_MERC : S_PARCEL_SCAN;
    sqlite3_stmt *st = acquire(q, id);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    return parcel_query(q, id, st, want, cb, ctx, false);
}

static int sq_parcels_in_box(struct store *s, const double box[4], unsigned want, int limit,
                             store_parcel_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_PARCEL_BOX);
    if (!st)
        return LIS_EIO;
    for (int i = 0; i < 4; i++)
        sqlite3_bind_double(st, 1 + i, box[i]);
    sqlite3_bind_int(st, 5, limit);
    return parcel_query(q, S_PARCEL_BOX, st, want, cb, ctx, false);
}

static int sq_parcels_by_key(struct store *s, const char *commune, const char *sheet,
                             const char *number, unsigned want, int limit, store_parcel_cb cb,
                             void *ctx)
{
    struct sq *q = (struct sq *)s;
    if (!commune)
        return fail(q, LIS_EINVAL, "a commune code is required");
    enum stmt_id id = sheet ? (number ? S_PARCEL_KEY_CSN : S_PARCEL_KEY_CS)
                            : (number ? S_PARCEL_KEY_CN : S_PARCEL_KEY_C);
    sqlite3_stmt *st = acquire(q, id);
    if (!st)
        return LIS_EIO;
    bind_text(st, 1, commune);
    bind_text(st, 2, sheet);
    bind_text(st, 3, number);
    sqlite3_bind_int(st, 4, limit);
    return parcel_query(q, id, st, want, cb, ctx, false);
}

/* The FTS5 query for folded words: every word a quoted prefix ("word"*),
 * all required. Quoting keeps FTS5 syntax (AND, NEAR, column filters, '-')
 * out of reach of the user's text. Words without a letter or digit are
 * dropped: they would tokenize to nothing. */
static bool build_match(const char *folded, struct buf *out)
{
    buf_reset(out);
    const char *p = folded;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        const char *w = p;
        bool useful = false;
        while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
            unsigned char c = (unsigned char)*p;
            if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                (c >= 'A' && c <= 'Z'))
                useful = true;
            p++;
        }
        if (!useful)
            continue;
        if (out->len)
            buf_putc(out, ' ');
        buf_putc(out, '"');
        for (const char *c = w; c < p; c++) {
            if (*c == '"')
                buf_putc(out, '"');
            buf_putc(out, *c);
        }
        buf_puts(out, "\"*");
    }
    return out->len > 0;
}

static int sq_parcels_search(struct store *s, const char *folded, int64_t after, int limit,
                             unsigned want, store_parcel_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    struct buf match = BUF_INIT; /* own buffer: a callback may search again */
    int r = 0;
    if (!build_match(folded, &match))
        goto out;
    if (q->fts_n && (r = fts_flush(q)) < 0) /* this transaction's own writes count */
        goto out;
    sqlite3_stmt *st = acquire(q, S_PARCEL_SEARCH);
    if (!st) {
        r = LIS_EIO;
        goto out;
    }
    sqlite3_bind_text(st, 1, match.data, (int)match.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit);
    r = parcel_query(q, S_PARCEL_SEARCH, st, want, cb, ctx, false);
out:
    buf_free(&match);
    return r;
}

/* The map-click hot path: the Web-Mercator R*Tree narrows to the boxes that
 * hold the point, lis_wkb_contains decides; no allocation per row. */
static int sq_parcels_at(struct store *s, double x, double y, unsigned want, store_parcel_cb cb,
                         void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_PARCEL_AT);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_double(st, 1, x);
    sqlite3_bind_double(st, 2, y);
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const uint8_t *merc = sqlite3_column_blob(st, PC_MERCATOR);
        size_t mlen = (size_t)sqlite3_column_bytes(st, PC_MERCATOR);
        struct store_parcel p = {0};
        parcel_cols(st, &p);
        if (want & STORE_WANT_GEOM)
            p.wkb = col_wkb(st, PC_GEOM, &p.wkb_len);
        if (want & STORE_WANT_MERCATOR) {
            p.wkb_mercator = merc;
            p.wkb_mercator_len = mlen;
        }
        if ((r = cb(ctx, &p)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = sqerr(q, rc, "parcels_at");
    release(q, S_PARCEL_AT, st);
    return r;
}

/* Tiles and OGC bbox pages: the Web-Mercator R*Tree, its WKB in the same row. */
static int sq_parcels_in_mercator_box(struct store *s, const double box[4], int64_t after,
                                      int limit, unsigned want, store_parcel_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    enum stmt_id id = after < 0 ? S_PARCEL_MBOX : S_PARCEL_MBOX_AFTER;
    sqlite3_stmt *st = acquire(q, id);
    if (!st)
        return LIS_EIO;
    for (int i = 0; i < 4; i++)
        sqlite3_bind_double(st, 1 + i, box[i]);
    sqlite3_bind_int64(st, 5, after);
    sqlite3_bind_int(st, 6, limit);
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_parcel p = {0};
        parcel_cols(st, &p);
        if (want & STORE_WANT_GEOM)
            p.wkb = col_wkb(st, PC_GEOM, &p.wkb_len);
        if (want & STORE_WANT_MERCATOR) {
            p.wkb_mercator = sqlite3_column_blob(st, PC_MERCATOR);
            p.wkb_mercator_len = (size_t)sqlite3_column_bytes(st, PC_MERCATOR);
        }
        if ((r = cb(ctx, &p)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        r = sqerr(q, rc, "parcels_in_mercator_box");
    release(q, id, st);
    return r;
}

/* ---------------------------------------------------------- parcel writes */

static bool same_text(const char *a, const char *b)
{
    if (!a || !b)
        return !a && !b;
    return strcmp(a, b) == 0;
}

/* The Web-Mercator box of current parcel id; LIS_ENOTFOUND when it has none. */
static int merc_box(struct sq *q, int64_t id, struct geo_box *b)
{
    if (q->bulk) { /* the index is not kept now: the geometry tells */
        sqlite3_stmt *m = acquire(q, S_MERC_GET);
        if (!m)
            return LIS_EIO;
        sqlite3_bind_int64(m, 1, id);
        int rc = sqlite3_step(m), r = LIS_ENOTFOUND;
        if (rc == SQLITE_ROW &&
            geo_wkb_envelope(sqlite3_column_blob(m, 0), (size_t)sqlite3_column_bytes(m, 0), b) == 0)
            r = 0;
        else if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            r = sqerr(q, rc, "parcel_mercator");
        release(q, S_MERC_GET, m);
        return r;
    }
    sqlite3_stmt *st = acquire(q, S_MERC_BOX);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW) {
        b->minx = sqlite3_column_double(st, 0);
        b->maxx = sqlite3_column_double(st, 1);
        b->miny = sqlite3_column_double(st, 2);
        b->maxy = sqlite3_column_double(st, 3);
    } else if (rc == SQLITE_DONE) {
        r = LIS_ENOTFOUND;
    } else {
        r = sqerr(q, rc, "parcel_mercator");
    }
    release(q, S_MERC_BOX, st);
    return r;
}

/* Run one statement binding only the id; for the simple deletes and copies. */
static int run_id(struct sq *q, enum stmt_id id, int64_t v, const char *text2)
{
    sqlite3_stmt *st = acquire(q, id);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, v);
    if (text2)
        bind_text(st, 2, text2);
    int r = run(q, st, stmt_sql[id]);
    release(q, id, st);
    return r;
}

/* Write the Web-Mercator copy and its index entry (insert or update). */
static int merc_write(struct sq *q, bool update, int64_t pid, const struct store_parcel *p,
                      const struct geo_box *b)
{
    enum stmt_id gid = update ? S_MERC_UPDATE : S_MERC_INSERT;
    enum stmt_id iid = update ? S_MIDX_UPDATE : S_MIDX_INSERT;
    sqlite3_stmt *st = acquire(q, gid);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, pid);
    bind_blob(st, 2, p->wkb_mercator, p->wkb_mercator_len);
    int r = run(q, st, "parcel_mercator");
    release(q, gid, st);
    if (r < 0 || q->bulk)
        return r;
    if (!(st = acquire(q, iid)))
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, pid);
    sqlite3_bind_double(st, 2, b->minx);
    sqlite3_bind_double(st, 3, b->maxx);
    sqlite3_bind_double(st, 4, b->miny);
    sqlite3_bind_double(st, 5, b->maxy);
    r = run(q, st, "parcel_mercator_index");
    release(q, iid, st);
    return r;
}

/* Apply the queued search-index writes, in order. */
static int fts_flush(struct sq *q)
{
    int r = 0;
    for (size_t i = 0; i < q->fts_n && r == 0; i++) {
        const struct fts_op *op = &q->fts_ops[i];
        enum stmt_id id = op->text == FTS_DELETE ? S_FTS_DELETE : S_FTS_INSERT;
        sqlite3_stmt *st = acquire(q, id);
        if (!st)
            return LIS_EIO;
        sqlite3_bind_int64(st, 1, op->id);
        if (op->text != FTS_DELETE)
            sqlite3_bind_text(st, 2, q->fts_text.data + op->text, -1, SQLITE_STATIC);
        r = run(q, st, "parcel_search");
        release(q, id, st);
    }
    q->fts_n = 0;
    buf_reset(&q->fts_text);
    return r;
}

/* Queue a search-index write: the deletion of parcel pid's entry, or the
 * insertion of text (none for a NULL or empty text). */
static int fts_queue(struct sq *q, int64_t pid, const char *text, bool del)
{
    if (!del && (!text || !*text))
        return 0;
    if (q->fts_n == q->fts_cap) {
        q->fts_cap = q->fts_cap ? q->fts_cap * 2 : 256;
        q->fts_ops = xrealloc(q->fts_ops, q->fts_cap * sizeof *q->fts_ops);
    }
    struct fts_op *op = &q->fts_ops[q->fts_n++];
    op->id = pid;
    op->text = FTS_DELETE;
    if (!del) {
        op->text = q->fts_text.len;
        buf_append(&q->fts_text, text, strlen(text) + 1); /* keep the NUL */
    }
    return q->fts_n >= FTS_BATCH ? fts_flush(q) : 0;
}

static void box_union(struct geo_box *a, const struct geo_box *b)
{
    a->minx = fmin(a->minx, b->minx);
    a->miny = fmin(a->miny, b->miny);
    a->maxx = fmax(a->maxx, b->maxx);
    a->maxy = fmax(a->maxy, b->maxy);
}

static int sq_parcel_put(struct store *s, const struct store_parcel *p, int64_t *id)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = NULL;
    enum stmt_id sid = S_PUT_KEY;
    struct geo_box nbox, mbox;
    char now[32];
    int64_t pid = 0;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if ((r = bulk_check(q)) < 0 || (r = encode_geom(q, p->wkb, p->wkb_len, &nbox)) < 0)
        goto out;
    if (geo_wkb_envelope(p->wkb_mercator, p->wkb_mercator_len, &mbox) != 0) {
        r = fail(q, LIS_EINVAL, "Web-Mercator geometry is malformed or empty");
        goto out;
    }
    if (p->valid_from)
        copy_str(now, sizeof now, p->valid_from);
    else
        clock_iso(clock_now(), now);

    if (!(st = acquire(q, S_PUT_KEY))) {
        r = LIS_EIO;
        goto out;
    }
    bind_text(st, 1, p->survey_commune);
    bind_text(st, 2, p->sheet);
    bind_text(st, 3, p->number);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        /* fid, version, national_id, commune, area, area_map, land_use, address, geom */
        pid = sqlite3_column_int64(st, 0);
        const void *g = sqlite3_column_blob(st, 8);
        size_t glen = (size_t)sqlite3_column_bytes(st, 8);
        bool same = same_text(col_text(st, 3), p->commune) &&
                    sqlite3_column_double(st, 4) == p->area &&
                    sqlite3_column_double(st, 5) == p->area_map &&
                    same_text(col_text(st, 6), p->land_use) &&
                    same_text(col_text(st, 7), p->address) && g && glen == q->blob.len &&
                    memcmp(g, q->blob.data, glen) == 0;
        release(q, sid, st);
        st = NULL;
        if (same) {
            r = STORE_UNCHANGED;
            goto out;
        }
        /* retire the current version into the history, then overwrite it */
        struct geo_box old;
        if ((r = merc_box(q, pid, &old)) < 0 && r != LIS_ENOTFOUND)
            goto out;
        bool had_merc = r == 0;
        if (had_merc)
            box_union(&mbox, &old);
        if ((r = run_id(q, S_HIST_COPY, pid, now)) < 0)
            goto out;
        sid = S_PUT_UPDATE;
        if (!(st = acquire(q, sid))) {
            r = LIS_EIO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, pid);
        bind_text(st, 2, p->commune);
        sqlite3_bind_double(st, 3, p->area);
        sqlite3_bind_double(st, 4, p->area_map);
        bind_text(st, 5, p->land_use);
        bind_text(st, 6, p->address);
        bind_text(st, 7, now);
        bind_blob(st, 8, q->blob.data, q->blob.len);
        if ((r = run(q, st, "parcels")) < 0)
            goto out;
        /* the new shape's own box goes into the index; the union goes to the log */
        struct geo_box own_box;
        geo_wkb_envelope(p->wkb_mercator, p->wkb_mercator_len, &own_box);
        if ((r = merc_write(q, had_merc, pid, p, &own_box)) < 0 ||
            (r = fts_queue(q, pid, NULL, true)) < 0 ||
            (r = fts_queue(q, pid, p->search_text, false)) < 0 ||
            (r = log_change(q, now, "update", pid, &mbox)) < 0)
            goto out;
        r = STORE_UPDATED;
    } else if (rc == SQLITE_DONE) {
        release(q, sid, st);
        st = NULL;
        if (!p->national_id[0]) {
            r = fail(q, LIS_EINVAL, "a new parcel needs its national identifier");
            goto out;
        }
        if (p->id > 0) { /* ids of retired parcels stay theirs */
            if (!(st = acquire(q, S_HIST_EXISTS))) {
                r = LIS_EIO;
                goto out;
            }
            sqlite3_bind_int64(st, 1, p->id);
            rc = sqlite3_step(st);
            release(q, S_HIST_EXISTS, st);
            st = NULL;
            if (rc == SQLITE_ROW) {
                r = fail(q, LIS_ECONFLICT, "that id belongs to a retired parcel");
                goto out;
            }
        }
        sid = S_PUT_INSERT;
        if (!(st = acquire(q, sid))) {
            r = LIS_EIO;
            goto out;
        }
        if (p->id > 0)
            sqlite3_bind_int64(st, 1, p->id);
        else
            sqlite3_bind_null(st, 1);
        bind_text(st, 2, p->national_id);
        bind_text(st, 3, p->survey_commune);
        bind_text(st, 4, p->commune);
        bind_text(st, 5, p->sheet);
        bind_text(st, 6, p->number);
        sqlite3_bind_double(st, 7, p->area);
        sqlite3_bind_double(st, 8, p->area_map);
        bind_text(st, 9, p->land_use);
        bind_text(st, 10, p->address);
        bind_text(st, 11, now);
        bind_blob(st, 12, q->blob.data, q->blob.len);
        if ((r = run(q, st, "parcels")) < 0)
            goto out;
        pid = sqlite3_last_insert_rowid(q->db);
        if ((r = merc_write(q, false, pid, p, &mbox)) < 0 ||
            (r = fts_queue(q, pid, p->search_text, false)) < 0 ||
            (r = log_change(q, now, "insert", pid, &mbox)) < 0)
            goto out;
        r = STORE_INSERTED;
    } else {
        r = sqerr(q, rc, "parcels");
        goto out;
    }
    extent_grow(q, L_PARCELS, &nbox);
out:
    release(q, sid, st);
    if (r > 0 && id)
        *id = pid;
    return write_end(q, own, r);
}

static int sq_parcel_retire(struct store *s, int64_t id, const char *when)
{
    struct sq *q = (struct sq *)s;
    struct geo_box mbox;
    char now[32];
    bool own, have_box;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if ((r = bulk_check(q)) < 0)
        goto out;
    if (when)
        copy_str(now, sizeof now, when);
    else
        clock_iso(clock_now(), now);
    if ((r = merc_box(q, id, &mbox)) < 0 && r != LIS_ENOTFOUND)
        goto out;
    have_box = r == 0;
    if ((r = run_id(q, S_HIST_COPY, id, now)) < 0)
        goto out;
    if (sqlite3_changes(q->db) == 0) {
        r = fail(q, LIS_ENOTFOUND, "no current parcel with that id");
        goto out;
    }
    if ((r = run_id(q, S_PARCEL_DELETE, id, NULL)) < 0 ||
        (r = run_id(q, S_MERC_DELETE, id, NULL)) < 0 ||
        (!q->bulk && (r = run_id(q, S_MIDX_DELETE, id, NULL)) < 0) || (r = fts_queue(q, id, NULL, true)) < 0 ||
        (r = log_change(q, now, "retire", id, have_box ? &mbox : NULL)) < 0)
        goto out;
out:
    return write_end(q, own, r);
}

/* ---------------------------------------------------------- planning zones */

static int64_t sq_planning_put(struct store *s, const struct store_planning_zone *z)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = NULL;
    struct geo_box env;
    char now[32];
    int64_t id = 0;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    if ((r = encode_geom(q, z->wkb, z->wkb_len, &env)) < 0)
        goto out;
    if (!(st = acquire(q, S_PLAN_PUT))) {
        r = LIS_EIO;
        goto out;
    }
    bind_text(st, 1, z->land_use);
    bind_text(st, 2, z->plan);
    bind_text(st, 3, z->decision);
    bind_text(st, 4, z->commune);
    bind_blob(st, 5, q->blob.data, q->blob.len);
    if ((r = run(q, st, "planning_zones")) < 0)
        goto out;
    id = sqlite3_last_insert_rowid(q->db);
    extent_grow(q, L_PLANNING, &env);
    clock_iso(clock_now(), now);
    r = log_change(q, now, "planning", 0, NULL);
out:
    release(q, S_PLAN_PUT, st);
    r = write_end(q, own, r);
    return r < 0 ? r : id;
}

static int each_zone(struct sq *q, sqlite3_stmt *st, store_planning_cb cb, void *ctx)
{
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_planning_zone z = {0};
        z.id = sqlite3_column_int64(st, 0);
        z.land_use = col_text(st, 1);
        z.plan = col_text(st, 2);
        z.decision = col_text(st, 3);
        z.commune = col_text(st, 4);
        z.wkb = col_wkb(st, 5, &z.wkb_len);
        if ((r = cb(ctx, &z)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        r = sqerr(q, rc, "planning_zones");
    return r;
}

static int sq_planning_scan(struct store *s, int64_t after, int limit, store_planning_cb cb,
                            void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_PLAN_SCAN);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    int r = each_zone(q, st, cb, ctx);
    release(q, S_PLAN_SCAN, st);
    return r;
}

static int sq_changes_since(struct store *s, int64_t after, int limit, store_change_cb cb,
                            void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_CHANGES_SINCE);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_change c = {0};
        c.seq = sqlite3_column_int64(st, 0);
        c.kind = col_text(st, 1);
        c.parcel_id = sqlite3_column_int64(st, 2);
        c.anywhere = false;
        for (int i = 0; i < 4; i++) {
            if (sqlite3_column_type(st, 3 + i) == SQLITE_NULL)
                c.anywhere = true;
            c.box[i] = sqlite3_column_double(st, 3 + i);
        }
        if ((r = cb(ctx, &c)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE && rc != SQLITE_ROW)
        r = sqerr(q, rc, "changes");
    release(q, S_CHANGES_SINCE, st);
    return r;
}

static int sq_planning_in_box(struct store *s, const double box[4], store_planning_cb cb,
                              void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_PLAN_BOX);
    if (!st)
        return LIS_EIO;
    for (int i = 0; i < 4; i++)
        sqlite3_bind_double(st, 1 + i, box[i]);
    int r = each_zone(q, st, cb, ctx);
    release(q, S_PLAN_BOX, st);
    return r;
}

/* ---------------------------------------------------------------- registry */

/* Bind helpers used by the registry inserts: 0 means "none" for ids. */
static void bind_id(sqlite3_stmt *st, int i, int64_t v)
{
    if (v > 0)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Run a registry insert whose parameters `bind` fills. Returns the new rowid. */
static int64_t registry_insert(struct sq *q, enum stmt_id id, const void *rec,
                               void (*bind)(sqlite3_stmt *st, const void *rec))
{
    bool own;
    int64_t r = write_begin(q, &own), rowid = 0;
    if (r < 0)
        return r;
    sqlite3_stmt *st = acquire(q, id);
    if (!st) {
        r = LIS_EIO;
    } else {
        bind(st, rec);
        r = run(q, st, "registry");
        rowid = sqlite3_last_insert_rowid(q->db);
        release(q, id, st);
    }
    r = write_end(q, own, (int)r);
    return r < 0 ? r : rowid;
}

static void bind_holder(sqlite3_stmt *st, const void *rec)
{
    const struct store_holder *h = rec;
    bind_id(st, 1, h->id);
    bind_text(st, 2, h->kind);
    bind_text(st, 3, h->name);
    bind_text(st, 4, h->id_number);
    bind_text(st, 5, h->address);
    if (h->birth_year > 0)
        sqlite3_bind_int(st, 6, h->birth_year);
    else
        sqlite3_bind_null(st, 6);
}

static void bind_right(sqlite3_stmt *st, const void *rec)
{
    const struct store_right *r = rec;
    sqlite3_bind_int64(st, 1, r->parcel_id);
    bind_id(st, 2, r->holder_id);
    bind_text(st, 3, r->kind);
    bind_text(st, 4, r->land_use);
    sqlite3_bind_double(st, 5, r->area);
    bind_text(st, 6, r->term);
    bind_text(st, 7, r->origin);
    sqlite3_bind_double(st, 8, r->share);
}

static void bind_certificate(sqlite3_stmt *st, const void *rec)
{
    const struct store_certificate *c = rec;
    sqlite3_bind_int64(st, 1, c->parcel_id);
    bind_text(st, 2, c->serial);
    bind_text(st, 3, c->issued_on);
    bind_text(st, 4, c->issuer);
    bind_text(st, 5, c->register_no);
}

static void bind_restriction(sqlite3_stmt *st, const void *rec)
{
    const struct store_restriction *r = rec;
    sqlite3_bind_int64(st, 1, r->parcel_id);
    bind_text(st, 2, r->kind);
    bind_text(st, 3, r->party);
    bind_text(st, 4, r->since);
    bind_text(st, 5, r->until);
    bind_text(st, 6, r->note);
}

static void bind_event(sqlite3_stmt *st, const void *rec)
{
    const struct store_event *e = rec;
    sqlite3_bind_int64(st, 1, e->parcel_id);
    bind_text(st, 2, e->kind);
    bind_text(st, 3, e->date);
    bind_text(st, 4, e->description);
    if (e->version > 0)
        sqlite3_bind_int(st, 5, e->version);
    else
        sqlite3_bind_null(st, 5);
    bind_id(st, 6, e->related_id);
}

static int64_t sq_holder_put(struct store *s, const struct store_holder *h)
{
    return registry_insert((struct sq *)s, S_HOLDER_PUT, h, bind_holder);
}

static int as_status(int64_t r)
{
    return r < 0 ? (int)r : 0;
}

static int sq_right_put(struct store *s, const struct store_right *r)
{
    return as_status(registry_insert((struct sq *)s, S_RIGHT_PUT, r, bind_right));
}

static int sq_certificate_put(struct store *s, const struct store_certificate *c)
{
    return as_status(registry_insert((struct sq *)s, S_CERT_PUT, c, bind_certificate));
}

static int sq_restriction_put(struct store *s, const struct store_restriction *r)
{
    return as_status(registry_insert((struct sq *)s, S_RESTR_PUT, r, bind_restriction));
}

static int sq_event_put(struct store *s, const struct store_event *e)
{
    return as_status(registry_insert((struct sq *)s, S_EVENT_PUT, e, bind_event));
}

static int sq_registry_clear(struct store *s, int64_t parcel_id)
{
    struct sq *q = (struct sq *)s;
    bool own;
    int r = write_begin(q, &own);
    if (r < 0)
        return r;
    /* holders first: which ones go is decided by the rights still there */
    static const enum stmt_id order[] = {S_CLEAR_HOLDERS, S_CLEAR_RIGHTS, S_CLEAR_CERTS,
                                         S_CLEAR_RESTR, S_CLEAR_EVENTS};
    for (size_t i = 0; i < sizeof order / sizeof order[0] && r == 0; i++)
        r = run_id(q, order[i], parcel_id, NULL);
    return write_end(q, own, r);
}

/* ------------------------------------------------------------ maintenance */

static int sq_count(struct store *s, const char *what, int64_t *n)
{
    struct sq *q = (struct sq *)s;
    if (q->fts_n && strcmp(what, "parcel_search") == 0) {
        int r = fts_flush(q);
        if (r < 0)
            return r;
    }
    for (size_t i = 0; i < sizeof count_sql / sizeof count_sql[0]; i++)
        if (strcmp(what, count_sql[i].name) == 0)
            return scalar_int64(q, count_sql[i].sql, n);
    return fail(q, LIS_EINVAL, "store_count: unknown table");
}

static int sq_optimize(struct store *s)
{
    struct sq *q = (struct sq *)s;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    if (q->in_txn)
        return fail(q, LIS_EINVAL, "store_optimize runs outside transactions");
    /* exact layer extents (retired parcels may have shrunk them) */
    struct buf sql = BUF_INIT;
    int r = exec(q, "BEGIN IMMEDIATE");
    for (int l = 0; l < L_COUNT && r == 0; l++) {
        buf_reset(&sql);
        buf_appendf(&sql,
                    "UPDATE gpkg_contents SET (min_x, min_y, max_x, max_y) ="
                    " (SELECT min(minx), min(miny), max(maxx), max(maxy) FROM rtree_%s_geom)"
                    " WHERE table_name = '%s'",
                    layer_table[l], layer_table[l]);
        r = exec(q, sql.data);
    }
    if (r == 0)
        r = exec(q, "INSERT INTO parcel_search(parcel_search) VALUES ('optimize')");
    q->info_valid = false; /* the extents may have shrunk */
    if (r == 0)
        r = exec(q, "COMMIT");
    else
        sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
    /* approximate statistics: exact ones read every index of a million rows */
    if (r == 0)
        r = exec(q, "PRAGMA analysis_limit = 2000; ANALYZE");
    if (r == 0)
        r = exec(q, "PRAGMA optimize");
    if (r == 0)
        r = exec(q, "PRAGMA main.wal_checkpoint(TRUNCATE);"
                    "PRAGMA registry.wal_checkpoint(TRUNCATE)");
    buf_free(&sql);
    return r;
}

/* ----------------------------------------------------------------- copying */

static int sq_parcel_versions(struct store *s, int64_t after, int limit, unsigned want,
                              store_parcel_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    sqlite3_stmt *st = acquire(q, S_VERSIONS);
    if (!st)
        return LIS_EIO;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, limit);
    return parcel_query(q, S_VERSIONS, st, want, cb, ctx, false);
}

/* One registry table: step statement `id` (with ?1 = parcel when it has a
 * parameter) and hand each row to row(). */
static int dump_table(struct sq *q, enum stmt_id id, int64_t parcel,
                      int (*row)(sqlite3_stmt *st, void *arg), void *arg)
{
    sqlite3_stmt *st = acquire(q, id);
    if (!st)
        return LIS_EIO;
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, parcel);
    int rc, r = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((r = row(st, arg)) != 0)
            break;
    if (r == 0 && rc != SQLITE_DONE)
        r = sqerr(q, rc, "registry");
    release(q, id, st);
    return r;
}

struct dump {
    const struct store_registry_cbs *cbs;
    void *ctx;
};

static int dump_holder(sqlite3_stmt *st, void *arg)
{
    struct dump *d = arg;
    struct store_holder h = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                             col_text(st, 3), col_text(st, 4), sqlite3_column_int(st, 5)};
    return d->cbs->holder(d->ctx, &h);
}

static int dump_right(sqlite3_stmt *st, void *arg)
{
    struct dump *d = arg;
    struct store_right r = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                            col_text(st, 2), col_text(st, 3), sqlite3_column_double(st, 4),
                            col_text(st, 5), col_text(st, 6), sqlite3_column_double(st, 7)};
    return d->cbs->right(d->ctx, &r);
}

static int dump_certificate(sqlite3_stmt *st, void *arg)
{
    struct dump *d = arg;
    struct store_certificate c = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                                  col_text(st, 3), col_text(st, 4)};
    return d->cbs->certificate(d->ctx, &c);
}

static int dump_restriction(sqlite3_stmt *st, void *arg)
{
    struct dump *d = arg;
    struct store_restriction r = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                                  col_text(st, 3), col_text(st, 4), col_text(st, 5)};
    return d->cbs->restriction(d->ctx, &r);
}

static int dump_event(sqlite3_stmt *st, void *arg)
{
    struct dump *d = arg;
    struct store_event e = {sqlite3_column_int64(st, 0), col_text(st, 1), col_text(st, 2),
                            col_text(st, 3), sqlite3_column_int(st, 4),
                            sqlite3_column_int64(st, 5)};
    return d->cbs->event(d->ctx, &e);
}

/* The five registry tables through statements first .. first + 4 (holders,
 * rights, certificates, restrictions, events; the S_DUMP_ or S_REG_ ones). */
static int registry_each(struct sq *q, enum stmt_id first, int64_t parcel,
                         const struct store_registry_cbs *cbs, void *ctx)
{
    struct dump d = {cbs, ctx};
    int r = 0;
    if (r == 0 && cbs->holder)
        r = dump_table(q, first, parcel, dump_holder, &d);
    if (r == 0 && cbs->right)
        r = dump_table(q, first + 1, parcel, dump_right, &d);
    if (r == 0 && cbs->certificate)
        r = dump_table(q, first + 2, parcel, dump_certificate, &d);
    if (r == 0 && cbs->restriction)
        r = dump_table(q, first + 3, parcel, dump_restriction, &d);
    if (r == 0 && cbs->event)
        r = dump_table(q, first + 4, parcel, dump_event, &d);
    return r;
}

static int sq_registry_dump(struct store *s, const struct store_registry_cbs *cbs, void *ctx)
{
    return registry_each((struct sq *)s, S_DUMP_HOLDERS, 0, cbs, ctx);
}

static int sq_parcel_registry(struct store *s, int64_t parcel_id,
                              const struct store_registry_cbs *cbs, void *ctx)
{
    return registry_each((struct sq *)s, S_REG_HOLDERS, parcel_id, cbs, ctx);
}

/* ------------------------------------------------------------------ portal */

/* The statement `id` for a portal call, or NULL with *r set: the portal
 * missing, or a write on a read-only connection. */
static sqlite3_stmt *portal_stmt(struct sq *q, enum stmt_id id, bool write, int *r)
{
    if (!q->portal_attached && (*r = portal_attach(q, false)) < 0)
        return NULL;
    if (!q->portal) {
        *r = fail(q, LIS_EUNAVAIL, "portal.db holds no portal tables (lis migrate makes them)");
        return NULL;
    }
    if (write && !q->writable) {
        *r = fail(q, LIS_EINVAL, "store opened read-only");
        return NULL;
    }
    sqlite3_stmt *st = acquire(q, id);
    *r = st ? 0 : LIS_EIO;
    return st;
}

/* Step a bound portal write and release it; *changed (may be NULL) gets the
 * rows it changed. */
static int portal_run(struct sq *q, enum stmt_id id, sqlite3_stmt *st, const char *what,
                      int64_t *changed)
{
    int r = run(q, st, what);
    if (r == 0 && changed)
        *changed = sqlite3_changes(q->db);
    release(q, id, st);
    return r;
}

/* portal_run for a write that must find its row: LIS_ENOTFOUND with the
 * text `missing` when it changed none. */
static int portal_run_one(struct sq *q, enum stmt_id id, sqlite3_stmt *st, const char *what,
                          const char *missing)
{
    int64_t n = 0;
    int r = portal_run(q, id, st, what, &n);
    return r < 0 || n ? r : fail(q, LIS_ENOTFOUND, missing);
}

/* portal_run for an insert: the new row's id, or a negative lis_err. */
static int64_t portal_insert(struct sq *q, enum stmt_id id, sqlite3_stmt *st, const char *what)
{
    int r = portal_run(q, id, st, what, NULL);
    return r < 0 ? r : sqlite3_last_insert_rowid(q->db);
}

/* The one integer a bound query returns (a count), then release it. */
static int portal_count(struct sq *q, enum stmt_id id, sqlite3_stmt *st, const char *table,
                        int64_t *n)
{
    int rc = sqlite3_step(st), r = 0;
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        r = sqerr(q, rc, table);
    release(q, id, st);
    return r;
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
typedef int (*row_fn)(sqlite3_stmt *st, const struct sink *k);

/* Step a bound portal query, each row to row(), and release it. A callback's
 * non-zero value stops the walk and is returned. `missing` (a single row was
 * asked for): LIS_ENOTFOUND with that text when there is none. */
static int portal_rows(struct sq *q, enum stmt_id id, sqlite3_stmt *st, row_fn row,
                       const struct sink *k, const char *table, const char *missing)
{
    int rc, r = 0;
    bool any = false;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        any = true;
        if ((r = row(st, k)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = sqerr(q, rc, table);
    else if (r == 0 && missing && !any)
        r = fail(q, LIS_ENOTFOUND, missing);
    release(q, id, st);
    return r;
}

/* Keyset paging: ids below `before`, or all when it is 0. */
static int64_t keyset(int64_t before)
{
    return before > 0 ? before : INT64_MAX;
}

static void bind_hash(sqlite3_stmt *st, int i, const uint8_t *hash)
{
    bind_blob(st, i, hash, STORE_HASH_LEN);
}

/* ?1..?17 in the order of UCOLS. */
static void bind_user(sqlite3_stmt *st, const struct store_user *u)
{
    sqlite3_bind_int64(st, 1, u->id);
    bind_text(st, 2, u->phone);
    bind_text(st, 3, u->name);
    bind_text(st, 4, u->email);
    bind_text(st, 5, u->address);
    bind_text(st, 6, u->role);
    bind_text(st, 7, u->plan);
    sqlite3_bind_int64(st, 8, u->plan_until);
    bind_text(st, 9, u->pw_hash);
    sqlite3_bind_int(st, 10, u->locked);
    sqlite3_bind_int(st, 11, u->must_reset);
    bind_text(st, 12, u->consent_version);
    sqlite3_bind_int64(st, 13, u->consent_at);
    sqlite3_bind_int64(st, 14, u->created_at);
    sqlite3_bind_int64(st, 15, u->updated_at);
    sqlite3_bind_int64(st, 16, u->closed_at);
    bind_text(st, 17, u->name_folded);
}

/* A row of UCOLS. */
static void user_cols(sqlite3_stmt *st, struct store_user *u)
{
    *u = (struct store_user){
        .id = sqlite3_column_int64(st, 0),
        .phone = col_text(st, 1),
        .name = col_text(st, 2),
        .email = col_text(st, 3),
        .address = col_text(st, 4),
        .role = col_text(st, 5),
        .plan = col_text(st, 6),
        .plan_until = sqlite3_column_int64(st, 7),
        .pw_hash = col_text(st, 8),
        .locked = sqlite3_column_int(st, 9) != 0,
        .must_reset = sqlite3_column_int(st, 10) != 0,
        .consent_version = col_text(st, 11),
        .consent_at = sqlite3_column_int64(st, 12),
        .created_at = sqlite3_column_int64(st, 13),
        .updated_at = sqlite3_column_int64(st, 14),
        .closed_at = sqlite3_column_int64(st, 15),
        .name_folded = col_text(st, 16),
    };
}

static int user_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_user u;
    user_cols(st, &u);
    return k->cb.user(k->ctx, &u);
}

/* The one row of a user query to cb; LIS_ENOTFOUND when there is none. */
static int one_user(struct sq *q, enum stmt_id id, sqlite3_stmt *st, store_user_cb cb, void *ctx)
{
    struct sink k = {.cb.user = cb, .ctx = ctx};
    return portal_rows(q, id, st, user_row, &k, "portal.users", "no such account");
}

static int64_t sq_user_create(struct store *s, const struct store_user *u)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_USER_CREATE, true, &r);
    if (!st)
        return r;
    bind_user(st, u);
    /* a taken phone breaks the unique index of open accounts: LIS_ECONFLICT */
    return portal_insert(q, S_USER_CREATE, st, "account");
}

static int sq_user_get(struct store *s, int64_t id, store_user_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_USER_GET, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, id);
    return one_user(q, S_USER_GET, st, cb, ctx);
}

static int sq_user_by_phone(struct store *s, const char *phone, store_user_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_USER_PHONE, false, &r);
    if (!st)
        return r;
    bind_text(st, 1, phone);
    return one_user(q, S_USER_PHONE, st, cb, ctx);
}

static int sq_user_update(struct store *s, const struct store_user *u, unsigned fields)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_USER_UPDATE, true, &r);
    if (!st)
        return r;
    bind_user(st, u);
    sqlite3_bind_int64(st, 18, fields);
    r = portal_run_one(q, S_USER_UPDATE, st, "account", "no such account");
    if (r >= 0 && (fields & STORE_USER_CLOSED) && u->closed_at) {
        /* the erased values are still in the write-ahead log's page images: copy the
           log into portal.db (secure_delete overwrites them there) and empty it now,
           not at some later checkpoint; readers holding old pages make this partial,
           and the next checkpoint finishes it */
        sqlite3_exec(q->db, "PRAGMA portal.wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    }
    return r;
}

static int plan_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_plan p = {col_text(st, 0), col_text(st, 1), col_text(st, 2),
                           sqlite3_column_int(st, 3), sqlite3_column_int(st, 4), col_text(st, 5)};
    return k->cb.plan(k->ctx, &p);
}

/* Every row of a plans query to cb; LIS_ENOTFOUND when there is none and
 * `one` (a single plan was asked for). */
static int each_plan(struct sq *q, enum stmt_id id, sqlite3_stmt *st, bool one, store_plan_cb cb,
                     void *ctx)
{
    struct sink k = {.cb.plan = cb, .ctx = ctx};
    return portal_rows(q, id, st, plan_row, &k, "portal.plans", one ? "no such plan" : NULL);
}

static int sq_plans(struct store *s, store_plan_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_TARIFFS, false, &r);
    return st ? each_plan(q, S_TARIFFS, st, false, cb, ctx) : r;
}

static int sq_plan_get(struct store *s, const char *code, store_plan_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_TARIFF_GET, false, &r);
    if (!st)
        return r;
    bind_text(st, 1, code);
    return each_plan(q, S_TARIFF_GET, st, true, cb, ctx);
}

static int sq_plan_put(struct store *s, const struct store_plan *p)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_TARIFF_PUT, true, &r);
    if (!st)
        return r;
    bind_text(st, 1, p->code);
    bind_text(st, 2, p->name_vi);
    bind_text(st, 3, p->name_en);
    sqlite3_bind_int(st, 4, p->daily_views);
    sqlite3_bind_int(st, 5, p->watch_max);
    bind_text(st, 6, p->features ? p->features : "");
    return portal_run(q, S_TARIFF_PUT, st, "plan", NULL);
}

static int sq_session_put(struct store *s, const struct store_session *ss)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_SESSION_PUT, true, &r);
    if (!st)
        return r;
    bind_hash(st, 1, ss->hash);
    sqlite3_bind_int64(st, 2, ss->user_id);
    sqlite3_bind_int64(st, 3, ss->created_at);
    sqlite3_bind_int64(st, 4, ss->seen_at);
    sqlite3_bind_int64(st, 5, ss->expires_at);
    return portal_run(q, S_SESSION_PUT, st, "session", NULL);
}

static void session_cols(sqlite3_stmt *st, struct store_session *ss)
{
    const void *h = sqlite3_column_blob(st, 0);
    memset(ss->hash, 0, sizeof ss->hash);
    if (h && sqlite3_column_bytes(st, 0) == STORE_HASH_LEN)
        memcpy(ss->hash, h, STORE_HASH_LEN);
    ss->user_id = sqlite3_column_int64(st, 1);
    ss->created_at = sqlite3_column_int64(st, 2);
    ss->seen_at = sqlite3_column_int64(st, 3);
    ss->expires_at = sqlite3_column_int64(st, 4);
}

static int sq_session_get(struct store *s, const uint8_t hash[STORE_HASH_LEN],
                          struct store_session *out)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_SESSION_GET, false, &r);
    if (!st)
        return r;
    bind_hash(st, 1, hash);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        session_cols(st, out);
    else
        r = rc == SQLITE_DONE ? fail(q, LIS_ENOTFOUND, "no such session")
                              : sqerr(q, rc, "portal.sessions");
    release(q, S_SESSION_GET, st);
    return r;
}

/* A write keyed by one session hash; LIS_ENOTFOUND when it changed nothing
 * and that matters. */
static int session_write(struct sq *q, enum stmt_id id, const uint8_t *hash, int64_t v,
                         bool must_exist)
{
    int r;
    int64_t n = 0;
    sqlite3_stmt *st = portal_stmt(q, id, true, &r);
    if (!st)
        return r;
    bind_hash(st, 1, hash);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sqlite3_bind_int64(st, 2, v);
    if ((r = portal_run(q, id, st, "session", &n)) < 0)
        return r;
    return n || !must_exist ? 0 : fail(q, LIS_ENOTFOUND, "no such session");
}

static int sq_session_touch(struct store *s, const uint8_t hash[STORE_HASH_LEN], int64_t seen_at)
{
    return session_write((struct sq *)s, S_SESSION_TOUCH, hash, seen_at, true);
}

/* Deleting a session that is gone already (purged, ended elsewhere) is no failure. */
static int sq_session_delete(struct store *s, const uint8_t hash[STORE_HASH_LEN])
{
    return session_write((struct sq *)s, S_SESSION_DELETE, hash, 0, false);
}

static int sq_sessions_end(struct store *s, int64_t user_id, const uint8_t *keep, int64_t *n)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_SESSIONS_END, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, user_id);
    bind_hash(st, 2, keep);
    return portal_run(q, S_SESSIONS_END, st, "sessions", n);
}

static int session_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_session ss;
    session_cols(st, &ss);
    return k->cb.session(k->ctx, &ss);
}

static int sq_sessions_of(struct store *s, int64_t user_id, store_session_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_SESSIONS_OF, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, user_id);
    struct sink k = {.cb.session = cb, .ctx = ctx};
    return portal_rows(q, S_SESSIONS_OF, st, session_row, &k, "portal.sessions", NULL);
}

static int sq_sessions_purge(struct store *s, int64_t now, int64_t idle, int64_t *n)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_SESSIONS_PURGE, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, idle);
    return portal_run(q, S_SESSIONS_PURGE, st, "sessions", n);
}

static int sq_throttle_get(struct store *s, const char *key, struct store_throttle *out)
{
    struct sq *q = (struct sq *)s;
    int r;
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = portal_stmt(q, S_THROTTLE_GET, false, &r);
    if (!st)
        return r;
    bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->failures = sqlite3_column_int(st, 0);
        out->last_at = sqlite3_column_int64(st, 1);
        out->until = sqlite3_column_int64(st, 2);
    } else if (rc != SQLITE_DONE) {
        r = sqerr(q, rc, "portal.throttle");
    }
    release(q, S_THROTTLE_GET, st);
    return r;
}

static int sq_throttle_put(struct store *s, const char *key, const struct store_throttle *t)
{
    struct sq *q = (struct sq *)s;
    enum stmt_id id = t->failures ? S_THROTTLE_PUT : S_THROTTLE_DELETE;
    int r;
    sqlite3_stmt *st = portal_stmt(q, id, true, &r);
    if (!st)
        return r;
    bind_text(st, 1, key);
    if (t->failures) {
        sqlite3_bind_int(st, 2, t->failures);
        sqlite3_bind_int64(st, 3, t->last_at);
        sqlite3_bind_int64(st, 4, t->until);
    }
    return portal_run(q, id, st, "throttle", NULL);
}

static int64_t sq_audit_add(struct store *s, const struct store_audit *a)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_AUDIT_ADD, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, a->at);
    sqlite3_bind_int64(st, 2, a->actor);
    bind_text(st, 3, a->actor_role);
    bind_text(st, 4, a->action);
    sqlite3_bind_int64(st, 5, a->subject);
    sqlite3_bind_int64(st, 6, a->object);
    bind_text(st, 7, a->reason);
    return portal_insert(q, S_AUDIT_ADD, st, "audit");
}

static int sq_audit_list(struct store *s, const struct store_audit_filter *f, store_audit_cb cb,
                         void *ctx)
{
    struct sq *q = (struct sq *)s;
    /* the statement whose leading condition an index serves */
    enum stmt_id id = f->actor              ? S_AUDIT_ACTOR
                      : f->subject          ? S_AUDIT_SUBJECT
                      : f->actor_or_subject ? S_AUDIT_EITHER
                                            : S_AUDIT_ALL;
    char *hi = NULL; /* a prefix's upper bound: its final '.' made '/' */
    int r, rc;
    sqlite3_stmt *st = portal_stmt(q, id, false, &r);
    if (!st)
        return r;
    const char *action = f->action && *f->action ? f->action : NULL;
    size_t alen = action ? strlen(action) : 0;
    if (alen && action[alen - 1] == '.') {
        hi = xstrdup(action);
        hi[alen - 1] = '/';
    }
    sqlite3_bind_int64(st, 1, f->actor);
    sqlite3_bind_int64(st, 2, f->subject);
    sqlite3_bind_int64(st, 3, f->actor_or_subject);
    bind_text(st, 4, action);
    sqlite3_bind_int64(st, 5, f->from);
    sqlite3_bind_int64(st, 6, f->to);
    sqlite3_bind_int64(st, 7, f->before > 0 ? f->before : INT64_MAX);
    sqlite3_bind_int(st, 8, f->limit);
    bind_text(st, 9, hi);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_audit a = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                                sqlite3_column_int64(st, 2), col_text(st, 3),
                                col_text(st, 4),             sqlite3_column_int64(st, 5),
                                sqlite3_column_int64(st, 6), col_text(st, 7)};
        if ((r = cb(ctx, &a)) != 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = sqerr(q, rc, "portal.audit");
    release(q, id, st);
    free(hi);
    return r;
}

static int sq_audit_distinct(struct store *s, int64_t actor, const char *action, int64_t since,
                             int64_t object, int64_t *n, bool *seen)
{
    struct sq *q = (struct sq *)s;
    int r;
    *n = 0;
    *seen = false;
    sqlite3_stmt *st = portal_stmt(q, S_AUDIT_DISTINCT, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, actor);
    bind_text(st, 2, action);
    sqlite3_bind_int64(st, 3, since);
    sqlite3_bind_int64(st, 4, object);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        *seen = sqlite3_column_int(st, 1) == 1;
    } else {
        r = sqerr(q, rc, "portal.audit");
    }
    release(q, S_AUDIT_DISTINCT, st);
    return r;
}

/* ------------------------------------------------- portal: administration */

static int sq_users_search(struct store *s, const struct store_user_filter *f, store_user_cb cb,
                           void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_USERS_SEARCH, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, f->after);
    bind_text(st, 2, f->role);
    bind_text(st, 3, f->digits && *f->digits ? f->digits : NULL);
    /* the first SEARCH_WORDS words, each bound in place; no words: any name */
    const char *w = f->words ? f->words : "";
    for (int i = 0; i < SEARCH_WORDS; i++) {
        w += strspn(w, " ");
        size_t len = strcspn(w, " ");
        if (len)
            sqlite3_bind_text(st, 4 + i, w, (int)len, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4 + i);
        w += len;
    }
    sqlite3_bind_int(st, 4 + SEARCH_WORDS, f->limit);
    struct sink k = {.cb.user = cb, .ctx = ctx};
    return portal_rows(q, S_USERS_SEARCH, st, user_row, &k, "portal.users", NULL);
}

/* Each ended plan is shown to cb, then moved to "free" by a statement that
 * checks again that it has ended (a plan granted meanwhile stays, uncounted).
 * A callback's non-zero value stops the walk, before that account's change. */
static int sq_plans_expire(struct store *s, int64_t now, store_user_cb cb, void *ctx, int64_t *n)
{
    struct sq *q = (struct sq *)s;
    int r, rc;
    int64_t ended = 0;
    sqlite3_stmt *up = NULL, *st = portal_stmt(q, S_PLANS_ENDED, true, &r);
    if (!st || !(up = portal_stmt(q, S_PLAN_EXPIRE, true, &r)))
        goto out;
    sqlite3_bind_int64(st, 1, now);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_user u;
        user_cols(st, &u);
        if (cb && (r = cb(ctx, &u)) != 0)
            break;
        sqlite3_bind_int64(up, 1, u.id);
        sqlite3_bind_int64(up, 2, now);
        r = run(q, up, "account");
        ended += sqlite3_changes(q->db);
        sqlite3_reset(up);
        if (r < 0)
            break;
    }
    if (r == 0 && rc != SQLITE_DONE)
        r = sqerr(q, rc, "portal.users");
out:
    release(q, S_PLAN_EXPIRE, up);
    release(q, S_PLANS_ENDED, st);
    if (n)
        *n = ended;
    return r;
}

static int upgrade_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_upgrade u = {
        .id = sqlite3_column_int64(st, 0),
        .user_id = sqlite3_column_int64(st, 1),
        .plan = col_text(st, 2),
        .reason = col_text(st, 3),
        .status = col_text(st, 4),
        .created_at = sqlite3_column_int64(st, 5),
        .decided_at = sqlite3_column_int64(st, 6),
        .decided_by = sqlite3_column_int64(st, 7),
        .until = sqlite3_column_int64(st, 8),
        .decision = col_text(st, 9),
    };
    return k->cb.upgrade(k->ctx, &u);
}

/* A new request is pending: u's id, status and decision fields are not read. */
static int64_t sq_upgrade_create(struct store *s, const struct store_upgrade *u)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_UPGRADE_CREATE, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, u->user_id);
    bind_text(st, 2, u->plan);
    bind_text(st, 3, u->reason);
    sqlite3_bind_int64(st, 4, u->created_at);
    return portal_insert(q, S_UPGRADE_CREATE, st, "upgrade request");
}

static int sq_upgrade_get(struct store *s, int64_t id, store_upgrade_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_UPGRADE_GET, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, id);
    struct sink k = {.cb.upgrade = cb, .ctx = ctx};
    return portal_rows(q, S_UPGRADE_GET, st, upgrade_row, &k, "portal.upgrades",
                       "no such upgrade request");
}

static int sq_upgrade_decide(struct store *s, const struct store_upgrade *u)
{
    struct sq *q = (struct sq *)s;
    int r;
    int64_t n = 0;
    sqlite3_stmt *st = portal_stmt(q, S_UPGRADE_DECIDE, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, u->id);
    bind_text(st, 2, u->status);
    sqlite3_bind_int64(st, 3, u->decided_at);
    sqlite3_bind_int64(st, 4, u->decided_by);
    sqlite3_bind_int64(st, 5, u->until);
    bind_text(st, 6, u->decision);
    if ((r = portal_run(q, S_UPGRADE_DECIDE, st, "upgrade request", &n)) < 0 || n)
        return r;
    /* nothing changed: decided already, or no such request */
    if (!(st = portal_stmt(q, S_UPGRADE_EXISTS, false, &r)))
        return r;
    sqlite3_bind_int64(st, 1, u->id);
    if ((r = portal_count(q, S_UPGRADE_EXISTS, st, "portal.upgrades", &n)) < 0)
        return r;
    return n ? fail(q, LIS_ECONFLICT, "the upgrade request is no longer pending")
             : fail(q, LIS_ENOTFOUND, "no such upgrade request");
}

static int sq_upgrades(struct store *s, int64_t user_id, const char *status, int64_t before,
                       int limit, store_upgrade_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    enum stmt_id id = status ? S_UPGRADES_STATUS : S_UPGRADES; /* the status index */
    int r;
    sqlite3_stmt *st = portal_stmt(q, id, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, user_id);
    bind_text(st, 2, status);
    sqlite3_bind_int64(st, 3, keyset(before));
    sqlite3_bind_int(st, 4, limit);
    struct sink k = {.cb.upgrade = cb, .ctx = ctx};
    return portal_rows(q, id, st, upgrade_row, &k, "portal.upgrades", NULL);
}

static int notice_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_notice n = {
        .id = sqlite3_column_int64(st, 0),
        .kind = col_text(st, 1),
        .audience = col_text(st, 2),
        .public_notice = sqlite3_column_int(st, 3) != 0,
        .title = col_text(st, 4),
        .body = col_text(st, 5),
        .sender = sqlite3_column_int64(st, 6),
        .object = sqlite3_column_int64(st, 7),
        .created_at = sqlite3_column_int64(st, 8),
        .read = sqlite3_column_int(st, 9) != 0,
    };
    return k->cb.notice(k->ctx, &n);
}

static int64_t sq_notice_add(struct store *s, const struct store_notice *n)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_NOTICE_ADD, true, &r);
    if (!st)
        return r;
    bind_text(st, 1, n->kind);
    bind_text(st, 2, n->audience);
    sqlite3_bind_int(st, 3, n->public_notice);
    bind_text(st, 4, n->title);
    bind_text(st, 5, n->body);
    sqlite3_bind_int64(st, 6, n->sender);
    sqlite3_bind_int64(st, 7, n->object);
    sqlite3_bind_int64(st, 8, n->created_at);
    return portal_insert(q, S_NOTICE_ADD, st, "notice");
}

/* The inbox statement `id` with q's audiences bound to ?1..?4 (INBOX_WHERE). */
static sqlite3_stmt *inbox_stmt(struct sq *q, enum stmt_id id, bool write,
                                const struct store_inbox *in, int *r)
{
    sqlite3_stmt *st = portal_stmt(q, id, write, r);
    if (st) {
        sqlite3_bind_int64(st, 1, in->user_id);
        sqlite3_bind_int64(st, 2, in->since);
        bind_text(st, 3, in->plan);
        bind_text(st, 4, in->role);
    }
    return st;
}

static int sq_inbox(struct store *s, const struct store_inbox *in, store_notice_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = inbox_stmt(q, S_INBOX, false, in, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 5, keyset(in->before));
    sqlite3_bind_int(st, 6, in->unread_only);
    sqlite3_bind_int(st, 7, in->limit);
    struct sink k = {.cb.notice = cb, .ctx = ctx};
    return portal_rows(q, S_INBOX, st, notice_row, &k, "portal.notices", NULL);
}

static int sq_inbox_unread(struct store *s, const struct store_inbox *in, int64_t *n)
{
    struct sq *q = (struct sq *)s;
    int r;
    *n = 0;
    sqlite3_stmt *st = inbox_stmt(q, S_INBOX_UNREAD, false, in, &r);
    return st ? portal_count(q, S_INBOX_UNREAD, st, "portal.notices", n) : r;
}

static int sq_inbox_mark_read(struct store *s, const struct store_inbox *in, int64_t id,
                              int64_t at)
{
    struct sq *q = (struct sq *)s;
    int r;
    int64_t n = 0;
    sqlite3_stmt *st = inbox_stmt(q, S_INBOX_MARK, true, in, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 5, id); /* id 0: ids 0 .. INT64_MAX, every one */
    sqlite3_bind_int64(st, 6, at);
    sqlite3_bind_int64(st, 7, id ? id : INT64_MAX);
    if ((r = portal_run(q, S_INBOX_MARK, st, "notice read", &n)) < 0 || n || !id)
        return r;
    /* nothing newly read: read already, or not in this inbox */
    if (!(st = inbox_stmt(q, S_INBOX_HAS, false, in, &r)))
        return r;
    sqlite3_bind_int64(st, 5, id);
    if ((r = portal_count(q, S_INBOX_HAS, st, "portal.notices", &n)) < 0)
        return r;
    return n ? 0 : fail(q, LIS_ENOTFOUND, "no such notice in this inbox");
}

static int sq_public_notices(struct store *s, int64_t before, int limit, store_notice_cb cb,
                             void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_NOTICES_PUBLIC, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, keyset(before));
    sqlite3_bind_int(st, 2, limit);
    struct sink k = {.cb.notice = cb, .ctx = ctx};
    return portal_rows(q, S_NOTICES_PUBLIC, st, notice_row, &k, "portal.notices", NULL);
}

static int watch_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_watch w = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                            sqlite3_column_int(st, 2), sqlite3_column_int64(st, 3),
                            sqlite3_column_int64(st, 4)};
    return k->cb.watch(k->ctx, &w);
}

/* A second watch of the same parcel breaks the primary key: LIS_ECONFLICT. */
static int sq_watch_add(struct store *s, const struct store_watch *w)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_WATCH_ADD, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, w->user_id);
    sqlite3_bind_int64(st, 2, w->parcel_id);
    sqlite3_bind_int(st, 3, w->version);
    sqlite3_bind_int64(st, 4, w->state);
    sqlite3_bind_int64(st, 5, w->created_at);
    return portal_run(q, S_WATCH_ADD, st, "watch", NULL);
}

static int sq_watch_delete(struct store *s, int64_t user_id, int64_t parcel_id)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_WATCH_DELETE, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, user_id);
    sqlite3_bind_int64(st, 2, parcel_id);
    return portal_run_one(q, S_WATCH_DELETE, st, "watch", "no such watch");
}

/* The user's watches in the order they began (then by parcel). */
static int sq_watches_of(struct store *s, int64_t user_id, store_watch_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_WATCHES_OF, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, user_id);
    struct sink k = {.cb.watch = cb, .ctx = ctx};
    return portal_rows(q, S_WATCHES_OF, st, watch_row, &k, "portal.watches", NULL);
}

static int sq_watches_scan(struct store *s, int64_t after_parcel, int64_t after_user, int limit,
                           store_watch_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_WATCHES_SCAN, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, after_parcel);
    sqlite3_bind_int64(st, 2, after_user);
    sqlite3_bind_int(st, 3, limit);
    struct sink k = {.cb.watch = cb, .ctx = ctx};
    return portal_rows(q, S_WATCHES_SCAN, st, watch_row, &k, "portal.watches", NULL);
}

/* 1 when this call moved the watch; 0 when it was not in `old` any more
 * (moved by another process, or deleted). */
static int sq_watch_advance(struct store *s, const struct store_watch *old, int version,
                            int64_t state)
{
    struct sq *q = (struct sq *)s;
    int r;
    int64_t n = 0;
    sqlite3_stmt *st = portal_stmt(q, S_WATCH_ADVANCE, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, old->user_id);
    sqlite3_bind_int64(st, 2, old->parcel_id);
    sqlite3_bind_int(st, 3, version);
    sqlite3_bind_int64(st, 4, state);
    sqlite3_bind_int(st, 5, old->version);
    sqlite3_bind_int64(st, 6, old->state);
    if ((r = portal_run(q, S_WATCH_ADVANCE, st, "watch", &n)) < 0)
        return r;
    return n ? 1 : 0;
}

/* ?1 key, ?2 purpose: the statements of one code. */
static sqlite3_stmt *code_stmt(struct sq *q, enum stmt_id id, bool write, const char *key,
                               const char *purpose, int *r)
{
    sqlite3_stmt *st = portal_stmt(q, id, write, r);
    if (st) {
        bind_text(st, 1, key);
        bind_text(st, 2, purpose);
    }
    return st;
}

static int sq_code_put(struct store *s, const struct store_code *c)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = code_stmt(q, S_CODE_PUT, true, c->key, c->purpose, &r);
    if (!st)
        return r;
    bind_hash(st, 3, c->hash);
    sqlite3_bind_int64(st, 4, c->expires_at);
    sqlite3_bind_int(st, 5, c->attempts);
    return portal_run(q, S_CODE_PUT, st, "code", NULL);
}

/* Fills the struct store_code that k->ctx points to. */
static int code_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_code *c = k->ctx;
    col_copy(st, 0, c->key, sizeof c->key);
    col_copy(st, 1, c->purpose, sizeof c->purpose);
    const void *h = sqlite3_column_blob(st, 2);
    memset(c->hash, 0, sizeof c->hash);
    if (h && sqlite3_column_bytes(st, 2) == STORE_HASH_LEN)
        memcpy(c->hash, h, STORE_HASH_LEN);
    c->expires_at = sqlite3_column_int64(st, 3);
    c->attempts = sqlite3_column_int(st, 4);
    return 0;
}

static int sq_code_get(struct store *s, const char *key, const char *purpose,
                       struct store_code *out)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = code_stmt(q, S_CODE_GET, false, key, purpose, &r);
    if (!st)
        return r;
    struct sink k = {.ctx = out};
    return portal_rows(q, S_CODE_GET, st, code_row, &k, "portal.codes", "no such code");
}

static int sq_code_attempt(struct store *s, const char *key, const char *purpose)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = code_stmt(q, S_CODE_ATTEMPT, true, key, purpose, &r);
    return st ? portal_run_one(q, S_CODE_ATTEMPT, st, "code", "no such code") : r;
}

/* Deleting a code that is gone already (replaced, deleted elsewhere) is no failure. */
static int sq_code_delete(struct store *s, const char *key, const char *purpose)
{
    struct sq *q = (struct sq *)s;
    int r;
    int64_t n = 0;
    sqlite3_stmt *st = code_stmt(q, S_CODE_DELETE, true, key, purpose, &r);
    if (!st)
        return r;
    r = portal_run(q, S_CODE_DELETE, st, "code", &n);
    return r < 0 ? r : n > 0;
}

static int ticket_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_ticket t = {
        .id = sqlite3_column_int64(st, 0),
        .user_id = sqlite3_column_int64(st, 1),
        .kind = col_text(st, 2),
        .subject = col_text(st, 3),
        .status = col_text(st, 4),
        .parcel_id = sqlite3_column_int64(st, 5),
        .other_party = col_text(st, 6),
        .commune = col_text(st, 7),
        .assignee = sqlite3_column_int64(st, 8),
        .reason = col_text(st, 9),
        .created_at = sqlite3_column_int64(st, 10),
        .updated_at = sqlite3_column_int64(st, 11),
        .closed_at = sqlite3_column_int64(st, 12),
    };
    return k->cb.ticket(k->ctx, &t);
}

/* A NULL status is "open"; an unknown kind or status breaks the table's
 * CHECK: LIS_ECONFLICT, as any constraint. */
static int64_t sq_ticket_create(struct store *s, const struct store_ticket *t)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_TICKET_CREATE, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, t->user_id);
    bind_text(st, 2, t->kind);
    bind_text(st, 3, t->subject);
    bind_text(st, 4, t->status);
    sqlite3_bind_int64(st, 5, t->parcel_id);
    bind_text(st, 6, t->other_party);
    bind_text(st, 7, t->commune);
    sqlite3_bind_int64(st, 8, t->assignee);
    bind_text(st, 9, t->reason);
    sqlite3_bind_int64(st, 10, t->created_at);
    sqlite3_bind_int64(st, 11, t->updated_at);
    sqlite3_bind_int64(st, 12, t->closed_at);
    return portal_insert(q, S_TICKET_CREATE, st, "ticket");
}

static int sq_ticket_get(struct store *s, int64_t id, store_ticket_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_TICKET_GET, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, id);
    struct sink k = {.cb.ticket = cb, .ctx = ctx};
    return portal_rows(q, S_TICKET_GET, st, ticket_row, &k, "portal.tickets", "no such ticket");
}

static int sq_ticket_update(struct store *s, const struct store_ticket *t, unsigned fields)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_TICKET_UPDATE, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, t->id);
    sqlite3_bind_int64(st, 2, fields);
    bind_text(st, 3, t->status);
    bind_text(st, 4, t->reason);
    sqlite3_bind_int64(st, 5, t->closed_at);
    sqlite3_bind_int64(st, 6, t->assignee);
    sqlite3_bind_int64(st, 7, t->updated_at);
    return portal_run_one(q, S_TICKET_UPDATE, st, "ticket", "no such ticket");
}

static int sq_tickets(struct store *s, const struct store_ticket_filter *f, store_ticket_cb cb,
                      void *ctx)
{
    struct sq *q = (struct sq *)s;
    enum stmt_id id = f->user_id ? S_TICKETS_USER : S_TICKETS; /* the author index */
    int r;
    sqlite3_stmt *st = portal_stmt(q, id, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, f->user_id);
    sqlite3_bind_int64(st, 2, f->assignee);
    bind_text(st, 3, f->status);
    bind_text(st, 4, f->kind);
    sqlite3_bind_int64(st, 5, keyset(f->before));
    sqlite3_bind_int(st, 6, f->limit);
    struct sink k = {.cb.ticket = cb, .ctx = ctx};
    return portal_rows(q, id, st, ticket_row, &k, "portal.tickets", NULL);
}

static int64_t sq_message_add(struct store *s, const struct store_message *m)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_MESSAGE_ADD, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, m->ticket_id);
    sqlite3_bind_int64(st, 2, m->author_id);
    bind_text(st, 3, m->author_role);
    bind_text(st, 4, m->body);
    sqlite3_bind_int64(st, 5, m->created_at);
    return portal_insert(q, S_MESSAGE_ADD, st, "message");
}

static int message_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_message m = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
                              sqlite3_column_int64(st, 2), col_text(st, 3),
                              col_text(st, 4),             sqlite3_column_int64(st, 5)};
    return k->cb.message(k->ctx, &m);
}

static int sq_messages(struct store *s, int64_t ticket_id, store_message_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_MESSAGES, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, ticket_id);
    struct sink k = {.cb.message = cb, .ctx = ctx};
    return portal_rows(q, S_MESSAGES, st, message_row, &k, "portal.messages", NULL);
}

static int disclosure_row(sqlite3_stmt *st, const struct sink *k)
{
    struct store_disclosure d = {
        .id = sqlite3_column_int64(st, 0),
        .admin_id = sqlite3_column_int64(st, 1),
        .subject = sqlite3_column_int64(st, 2),
        .authority = col_text(st, 3),
        .document = col_text(st, 4),
        .document_date = col_text(st, 5),
        .legal_basis = col_text(st, 6),
        .created_at = sqlite3_column_int64(st, 7),
        .exported_at = sqlite3_column_int64(st, 8),
    };
    return k->cb.disclosure(k->ctx, &d);
}

/* Recorded before any export: d's id and exported_at are not read. */
static int64_t sq_disclosure_add(struct store *s, const struct store_disclosure *d)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_DISCLOSURE_ADD, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, d->admin_id);
    sqlite3_bind_int64(st, 2, d->subject);
    bind_text(st, 3, d->authority);
    bind_text(st, 4, d->document);
    bind_text(st, 5, d->document_date);
    bind_text(st, 6, d->legal_basis);
    sqlite3_bind_int64(st, 7, d->created_at);
    return portal_insert(q, S_DISCLOSURE_ADD, st, "disclosure");
}

static int sq_disclosure_get(struct store *s, int64_t id, store_disclosure_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_DISCLOSURE_GET, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, id);
    struct sink k = {.cb.disclosure = cb, .ctx = ctx};
    return portal_rows(q, S_DISCLOSURE_GET, st, disclosure_row, &k, "portal.disclosures",
                       "no such disclosure");
}

static int sq_disclosures(struct store *s, int64_t subject, int64_t before, int limit,
                          store_disclosure_cb cb, void *ctx)
{
    struct sq *q = (struct sq *)s;
    enum stmt_id id = subject ? S_DISCLOSURES_SUBJECT : S_DISCLOSURES; /* the subject index */
    int r;
    sqlite3_stmt *st = portal_stmt(q, id, false, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, subject);
    sqlite3_bind_int64(st, 2, keyset(before));
    sqlite3_bind_int(st, 3, limit);
    struct sink k = {.cb.disclosure = cb, .ctx = ctx};
    return portal_rows(q, id, st, disclosure_row, &k, "portal.disclosures", NULL);
}

/* The last export's time (each export sets it again). */
static int sq_disclosure_exported(struct store *s, int64_t id, int64_t at)
{
    struct sq *q = (struct sq *)s;
    int r;
    sqlite3_stmt *st = portal_stmt(q, S_DISCLOSURE_EXPORTED, true, &r);
    if (!st)
        return r;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    return portal_run_one(q, S_DISCLOSURE_EXPORTED, st, "disclosure", "no such disclosure");
}

/* Apply the steps of the migration list the store lacks, each with its
 * version bump in one transaction. */
static int sq_migrate(struct store *s, int *from, int *to)
{
    struct sq *q = (struct sq *)s;
    int n, r = 0;
    const struct store_migration *m = store_migrations(&n);
    *from = *to = q->version;
    if (!q->writable)
        return fail(q, LIS_EINVAL, "store opened read-only");
    if (q->version < store_schema_latest() && (r = portal_attach(q, true)) < 0)
        return r;
    for (int i = 0; i < n && r == 0; i++) {
        char v[16];
        if (m[i].version <= q->version)
            continue;
        snprintf(v, sizeof v, "%d", m[i].version);
        if ((r = exec(q, "BEGIN IMMEDIATE")) < 0)
            break;
        if ((!m[i].sqlite || (r = exec(q, m[i].sqlite)) == 0) &&
            (r = meta_put(q, "schema_version", v)) == 0)
            r = exec(q, "COMMIT");
        if (r < 0) {
            sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
            break;
        }
        q->version = *to = m[i].version;
    }
    int p = q->portal_attached ? portal_probe(q) : 0;
    return r < 0 ? r : p;
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .errmsg = sq_errmsg,
    .set_memory = sq_set_memory,
    .info = sq_info,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .commune_put = sq_commune_put,
    .survey_commune_put = sq_survey_commune_put,
    .communes = sq_communes,
    .commune_get = sq_commune_get,
    .survey_communes = sq_survey_communes,
    .commune_at = sq_commune_at,
    .land_uses = sq_land_uses,
    .parcel_put = sq_parcel_put,
    .parcel_retire = sq_parcel_retire,
    .parcel_get = sq_parcel_get,
    .parcel_history = sq_parcel_history,
    .parcels_at = sq_parcels_at,
    .parcels_in_box = sq_parcels_in_box,
    .parcels_by_key = sq_parcels_by_key,
    .parcel_by_national_id = sq_parcel_by_national_id,
    .parcels_search = sq_parcels_search,
    .parcels_scan = sq_parcels_scan,
    .parcels_in_mercator_box = sq_parcels_in_mercator_box,
    .planning_put = sq_planning_put,
    .planning_in_box = sq_planning_in_box,
    .planning_scan = sq_planning_scan,
    .changes_since = sq_changes_since,
    .holder_put = sq_holder_put,
    .right_put = sq_right_put,
    .certificate_put = sq_certificate_put,
    .restriction_put = sq_restriction_put,
    .event_put = sq_event_put,
    .registry_clear = sq_registry_clear,
    .count = sq_count,
    .optimize = sq_optimize,
    .migrate = sq_migrate,
    .parcel_versions = sq_parcel_versions,
    .registry_dump = sq_registry_dump,
    .parcel_registry = sq_parcel_registry,
    .user_create = sq_user_create,
    .user_get = sq_user_get,
    .user_by_phone = sq_user_by_phone,
    .user_update = sq_user_update,
    .plans = sq_plans,
    .plan_get = sq_plan_get,
    .plan_put = sq_plan_put,
    .session_put = sq_session_put,
    .session_get = sq_session_get,
    .session_touch = sq_session_touch,
    .session_delete = sq_session_delete,
    .sessions_end = sq_sessions_end,
    .sessions_of = sq_sessions_of,
    .sessions_purge = sq_sessions_purge,
    .throttle_get = sq_throttle_get,
    .throttle_put = sq_throttle_put,
    .audit_add = sq_audit_add,
    .audit_list = sq_audit_list,
    .audit_distinct = sq_audit_distinct,
    .users_search = sq_users_search,
    .plans_expire = sq_plans_expire,
    .upgrade_create = sq_upgrade_create,
    .upgrade_get = sq_upgrade_get,
    .upgrade_decide = sq_upgrade_decide,
    .upgrades = sq_upgrades,
    .notice_add = sq_notice_add,
    .inbox = sq_inbox,
    .inbox_unread = sq_inbox_unread,
    .inbox_mark_read = sq_inbox_mark_read,
    .public_notices = sq_public_notices,
    .watch_add = sq_watch_add,
    .watch_delete = sq_watch_delete,
    .watches_of = sq_watches_of,
    .watches_scan = sq_watches_scan,
    .watch_advance = sq_watch_advance,
    .code_put = sq_code_put,
    .code_get = sq_code_get,
    .code_attempt = sq_code_attempt,
    .code_delete = sq_code_delete,
    .ticket_create = sq_ticket_create,
    .ticket_get = sq_ticket_get,
    .ticket_update = sq_ticket_update,
    .tickets = sq_tickets,
    .message_add = sq_message_add,
    .messages = sq_messages,
    .disclosure_add = sq_disclosure_add,
    .disclosure_get = sq_disclosure_get,
    .disclosures = sq_disclosures,
    .disclosure_exported = sq_disclosure_exported,
};
