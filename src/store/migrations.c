/* migrations — the one list of schema versions (see migrations.h). */
#include "store/migrations.h"

#include <stddef.h>

/* Version 1, SQLite: land.gpkg's tables (GeoPackage 1.3 core tables, the
 * three layers, history, the Web-Mercator copy and its R*Tree, the FTS5
 * search index, reference tables, settings, change log). The layers'
 * registration, their R*Trees and triggers, the CRS rows and the land-use
 * codes follow in sqlite.c's create_schema; registry.db's tables are made on
 * every writable open (CREATE ... IF NOT EXISTS). */
static const char v1_sqlite[] =
    "CREATE TABLE gpkg_spatial_ref_sys ("
    " srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,"
    " organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);"
    "CREATE TABLE gpkg_contents ("
    " table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,"
    " description TEXT DEFAULT '',"
    " last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
    " min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,"
    " CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));"
    "CREATE TABLE gpkg_geometry_columns ("
    " table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,"
    " srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,"
    " CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),"
    " CONSTRAINT uk_gc_table_name UNIQUE (table_name),"
    " CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),"
    " CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));"
    "CREATE TABLE gpkg_extensions ("
    " table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,"
    " definition TEXT NOT NULL, scope TEXT NOT NULL,"
    " CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));"
    /* the three mandatory CRS rows of GeoPackage 1.3 */
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined cartesian SRS', -1, 'NONE', -1,"
    " 'undefined', 'undefined cartesian coordinate reference system');"
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0,"
    " 'undefined', 'undefined geographic coordinate reference system');"
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326,"
    " 'GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,"
    "AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0,"
    "AUTHORITY[\"EPSG\",\"8901\"]],UNIT[\"degree\",0.0174532925199433,"
    "AUTHORITY[\"EPSG\",\"9122\"]],AXIS[\"Latitude\",NORTH],AXIS[\"Longitude\",EAST],"
    "AUTHORITY[\"EPSG\",\"4326\"]]',"
    " 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');"
    /* the layers; geometry last so that attribute reads stop before the blob */
    "CREATE TABLE parcels ("
    " fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL," /* ids are never reused */
    " national_id TEXT NOT NULL, survey_commune TEXT NOT NULL, commune TEXT NOT NULL,"
    " sheet TEXT NOT NULL, number TEXT NOT NULL, area REAL, area_map REAL,"
    " land_use TEXT NOT NULL, address TEXT, version INTEGER NOT NULL,"
    " valid_from TEXT NOT NULL, geom GEOMETRY);"
    "CREATE UNIQUE INDEX parcels_key ON parcels(survey_commune, sheet, number);"
    "CREATE UNIQUE INDEX parcels_national_id ON parcels(national_id);"
    "CREATE INDEX parcels_commune ON parcels(commune, sheet, number);"
    "CREATE TABLE communes ("
    " fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, code TEXT NOT NULL UNIQUE,"
    " name TEXT NOT NULL, kind TEXT, mountainous BOOLEAN NOT NULL DEFAULT 0, geom GEOMETRY);"
    "CREATE TABLE planning_zones ("
    " fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, land_use TEXT NOT NULL,"
    " plan TEXT NOT NULL, decision TEXT, commune TEXT, geom GEOMETRY);"
    /* plain tables */
    "CREATE TABLE parcel_history ("
    " id INTEGER NOT NULL, version INTEGER NOT NULL, national_id TEXT NOT NULL,"
    " survey_commune TEXT NOT NULL, commune TEXT NOT NULL, sheet TEXT NOT NULL,"
    " number TEXT NOT NULL, area REAL, area_map REAL, land_use TEXT NOT NULL, address TEXT,"
    " valid_from TEXT NOT NULL, valid_to TEXT NOT NULL, geom BLOB);"
    "CREATE UNIQUE INDEX parcel_history_id ON parcel_history(id, version);"
    "CREATE TABLE parcel_mercator (id INTEGER PRIMARY KEY, geom BLOB NOT NULL);"
    "CREATE VIRTUAL TABLE parcel_mercator_index USING rtree(id, minx, maxx, miny, maxy);"
    "CREATE VIRTUAL TABLE parcel_search USING fts5(text,"
    " tokenize = 'unicode61 remove_diacritics 0');"
    /* Two public reference lists are registered as GeoPackage attribute
     * tables. That also tells GDAL to list registered tables only (with none,
     * it shows every table, shadow tables of the R*Trees and FTS5 included). */
    "CREATE TABLE survey_communes ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, code TEXT NOT NULL, name TEXT,"
    " commune TEXT NOT NULL, UNIQUE (code, commune));"
    "CREATE TABLE land_use_codes ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, code TEXT NOT NULL UNIQUE,"
    " name_vi TEXT NOT NULL, name_en TEXT NOT NULL, group_name TEXT NOT NULL);"
    "INSERT INTO gpkg_contents(table_name, data_type, identifier, description) VALUES"
    " ('survey_communes', 'attributes', 'survey_communes',"
    " 'Communes of survey (map-sheet numbering) and the current units holding them'),"
    " ('land_use_codes', 'attributes', 'land_use_codes',"
    " 'Land-use purposes, Circular 08/2024 Annex II');"
    "CREATE TABLE lis_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    /* box in EPSG:3857; NULL box: anywhere (a commune or zone changed) */
    "CREATE TABLE changes ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, kind TEXT NOT NULL,"
    " parcel_id INTEGER, minx REAL, miny REAL, maxx REAL, maxy REAL);";

/* Version 1, PostgreSQL: the same tables in schemas land and registry, the
 * geometry as PostGIS geometry in the province CRS with a Web-Mercator copy
 * beside it in the parcel row, GiST indexes; the search text as a tsvector of
 * its (already folded) words, made without a parser (array_to_tsvector) so
 * that the words are exactly the FTS5 tokens of SQLite; portal empty for now. */
static const char v1_postgres[] =
    "CREATE SCHEMA land; CREATE SCHEMA registry; CREATE SCHEMA portal;"
    "COMMENT ON SCHEMA land IS 'Public land data (the basic view)';"
    "COMMENT ON SCHEMA registry IS 'Holders, rights, certificates, restrictions, events';"
    "COMMENT ON SCHEMA portal IS 'Customer-side tables (accounts, sessions, tickets, audit)';"
    "CREATE TABLE land.meta (key text PRIMARY KEY, value text NOT NULL);"
    /* ids are never reused: a sequence, moved past any id given explicitly */
    "CREATE SEQUENCE land.parcel_ids;"
    /* codes, sheets and numbers compare byte-wise, as in SQLite, whatever the
     * cluster's locale */
    "CREATE TABLE land.parcels ("
    " id bigint PRIMARY KEY DEFAULT nextval('land.parcel_ids'),"
    " national_id text COLLATE \"C\" NOT NULL, survey_commune text COLLATE \"C\" NOT NULL,"
    " commune text COLLATE \"C\" NOT NULL, sheet text COLLATE \"C\" NOT NULL,"
    " number text COLLATE \"C\" NOT NULL, area float8, area_map float8,"
    " land_use text NOT NULL, address text, version integer NOT NULL,"
    " valid_from text NOT NULL, geom geometry(Geometry, @SRID@) NOT NULL,"
    " geom_3857 geometry(Geometry, 3857) NOT NULL,"
    " search_text text, search tsvector GENERATED ALWAYS AS (CASE WHEN search_text IS NULL"
    " THEN NULL ELSE array_to_tsvector(array_remove(string_to_array(search_text, ' '), ''))"
    " END) STORED);"
    "CREATE UNIQUE INDEX parcels_key ON land.parcels(survey_commune, sheet, number);"
    "CREATE UNIQUE INDEX parcels_national_id ON land.parcels(national_id);"
    "CREATE INDEX parcels_commune ON land.parcels(commune, sheet, number);"
    "CREATE INDEX parcels_geom ON land.parcels USING gist(geom);"
    "CREATE INDEX parcels_geom_3857 ON land.parcels USING gist(geom_3857);"
    "CREATE INDEX parcels_search ON land.parcels USING gin(search);"
    "CREATE TABLE land.parcel_history ("
    " id bigint NOT NULL, version integer NOT NULL, national_id text COLLATE \"C\" NOT NULL,"
    " survey_commune text COLLATE \"C\" NOT NULL, commune text COLLATE \"C\" NOT NULL,"
    " sheet text COLLATE \"C\" NOT NULL, number text COLLATE \"C\" NOT NULL, area float8,"
    " area_map float8, land_use text NOT NULL, address text, valid_from text NOT NULL,"
    " valid_to text NOT NULL, geom geometry(Geometry, @SRID@), PRIMARY KEY (id, version));"
    "CREATE TABLE land.communes ("
    " id serial PRIMARY KEY, code text COLLATE \"C\" NOT NULL UNIQUE, name text NOT NULL,"
    " kind text, mountainous boolean NOT NULL DEFAULT false,"
    " geom geometry(Geometry, @SRID@));"
    "CREATE INDEX communes_geom ON land.communes USING gist(geom);"
    "CREATE TABLE land.planning_zones ("
    " id bigserial PRIMARY KEY, land_use text NOT NULL, plan text NOT NULL, decision text,"
    " commune text COLLATE \"C\", geom geometry(Geometry, @SRID@) NOT NULL);"
    "CREATE INDEX planning_zones_geom ON land.planning_zones USING gist(geom);"
    "CREATE TABLE land.survey_communes ("
    " id serial PRIMARY KEY, code text COLLATE \"C\" NOT NULL, name text,"
    " commune text COLLATE \"C\" NOT NULL, UNIQUE (code, commune));"
    "CREATE TABLE land.land_use_codes ("
    " id integer PRIMARY KEY, code text COLLATE \"C\" NOT NULL UNIQUE, name_vi text NOT NULL,"
    " name_en text NOT NULL, group_name text NOT NULL);"
    /* layer extents, grown by writes and recomputed by store_optimize (as
     * gpkg_contents in SQLite) */
    "CREATE TABLE land.extents (layer text PRIMARY KEY, min_x float8, min_y float8,"
    " max_x float8, max_y float8);"
    "INSERT INTO land.extents(layer) VALUES ('parcels'), ('communes'), ('planning_zones');"
    /* box in EPSG:3857; NULL box: anywhere (a commune or zone changed) */
    "CREATE TABLE land.changes ("
    " seq bigserial PRIMARY KEY, at text NOT NULL, kind text NOT NULL, parcel_id bigint,"
    " minx float8, miny float8, maxx float8, maxy float8);"
    "CREATE TABLE registry.holders ("
    " id bigint PRIMARY KEY, kind text NOT NULL, name text NOT NULL, id_number text,"
    " address text, birth_year integer);"
    "CREATE TABLE registry.rights ("
    " id bigserial PRIMARY KEY, parcel_id bigint NOT NULL, holder_id bigint,"
    " kind text NOT NULL, land_use text, area float8, term text, origin text, share float8);"
    "CREATE INDEX rights_parcel ON registry.rights(parcel_id);"
    "CREATE INDEX rights_holder ON registry.rights(holder_id);"
    "CREATE TABLE registry.certificates ("
    " id bigserial PRIMARY KEY, parcel_id bigint NOT NULL, serial text NOT NULL,"
    " issued_on text, issuer text, register_no text);"
    "CREATE INDEX certificates_parcel ON registry.certificates(parcel_id);"
    "CREATE TABLE registry.restrictions ("
    " id bigserial PRIMARY KEY, parcel_id bigint NOT NULL, kind text NOT NULL, party text,"
    " since text, until text, note text);"
    "CREATE INDEX restrictions_parcel ON registry.restrictions(parcel_id);"
    "CREATE TABLE registry.events ("
    " id bigserial PRIMARY KEY, parcel_id bigint NOT NULL, kind text NOT NULL, date text,"
    " description text, version integer, related_id bigint);"
    "CREATE INDEX events_parcel ON registry.events(parcel_id);";


/* Version 2: the portal (customers, plans, sessions, login throttles, the
 * append-only audit log). SQLite: in portal.db, attached as `portal`. */
static const char v2_sqlite[] =
    "CREATE TABLE portal.plans ("
    " code TEXT PRIMARY KEY, name_vi TEXT NOT NULL, name_en TEXT NOT NULL,"
    " daily_views INTEGER NOT NULL, watch_max INTEGER NOT NULL, features TEXT NOT NULL);"
    "INSERT INTO portal.plans VALUES"
    " ('free', 'Miễn phí', 'Free', 20, 0, ''),"
    " ('plus', 'Nâng cao', 'Plus', 200, 20, 'extract,watch'),"
    " ('pro', 'Chuyên nghiệp', 'Professional', -1, 200, 'extract,watch,api');"
    "CREATE TABLE portal.users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, phone TEXT, name TEXT, email TEXT, address TEXT,"
    " role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'staff', 'admin')),"
    " plan TEXT NOT NULL DEFAULT 'free', plan_until INTEGER NOT NULL DEFAULT 0,"
    " pw_hash TEXT, locked INTEGER NOT NULL DEFAULT 0, must_reset INTEGER NOT NULL DEFAULT 0,"
    " consent_version TEXT, consent_at INTEGER, created_at INTEGER NOT NULL,"
    " updated_at INTEGER NOT NULL, closed_at INTEGER NOT NULL DEFAULT 0);"
    /* one open account per phone; closed accounts have no phone */
    "CREATE UNIQUE INDEX portal.users_phone ON users(phone) WHERE closed_at = 0;"
    "CREATE TABLE portal.sessions ("
    " hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL, created_at INTEGER NOT NULL,"
    " seen_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX portal.sessions_user ON sessions(user_id);"
    "CREATE TABLE portal.throttle ("
    " key TEXT PRIMARY KEY, failures INTEGER NOT NULL, last_at INTEGER NOT NULL,"
    " until INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE portal.audit ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor INTEGER NOT NULL,"
    " actor_role TEXT NOT NULL, action TEXT NOT NULL, subject INTEGER NOT NULL DEFAULT 0,"
    " object INTEGER NOT NULL DEFAULT 0, reason TEXT);"
    "CREATE INDEX portal.audit_actor ON audit(actor, action, at);"
    "CREATE INDEX portal.audit_subject ON audit(subject, at);"
    "CREATE TRIGGER portal.audit_no_update BEFORE UPDATE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER portal.audit_no_delete BEFORE DELETE ON audit"
    " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;";

static const char v2_postgres[] =
    "CREATE TABLE portal.plans ("
    " code text PRIMARY KEY, name_vi text NOT NULL, name_en text NOT NULL,"
    " daily_views integer NOT NULL, watch_max integer NOT NULL, features text NOT NULL);"
    "INSERT INTO portal.plans VALUES"
    " ('free', 'Miễn phí', 'Free', 20, 0, ''),"
    " ('plus', 'Nâng cao', 'Plus', 200, 20, 'extract,watch'),"
    " ('pro', 'Chuyên nghiệp', 'Professional', -1, 200, 'extract,watch,api');"
    "CREATE TABLE portal.users ("
    " id bigserial PRIMARY KEY, phone text, name text, email text, address text,"
    " role text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'staff', 'admin')),"
    " plan text NOT NULL DEFAULT 'free', plan_until bigint NOT NULL DEFAULT 0,"
    " pw_hash text, locked boolean NOT NULL DEFAULT false,"
    " must_reset boolean NOT NULL DEFAULT false, consent_version text, consent_at bigint,"
    " created_at bigint NOT NULL, updated_at bigint NOT NULL,"
    " closed_at bigint NOT NULL DEFAULT 0);"
    "CREATE UNIQUE INDEX users_phone ON portal.users(phone) WHERE closed_at = 0;"
    "CREATE TABLE portal.sessions ("
    " hash bytea PRIMARY KEY, user_id bigint NOT NULL, created_at bigint NOT NULL,"
    " seen_at bigint NOT NULL, expires_at bigint NOT NULL);"
    "CREATE INDEX sessions_user ON portal.sessions(user_id);"
    "CREATE TABLE portal.throttle ("
    " key text PRIMARY KEY, failures integer NOT NULL, last_at bigint NOT NULL,"
    " until bigint NOT NULL);"
    "CREATE TABLE portal.audit ("
    " id bigserial PRIMARY KEY, at bigint NOT NULL, actor bigint NOT NULL,"
    " actor_role text NOT NULL, action text NOT NULL, subject bigint NOT NULL DEFAULT 0,"
    " object bigint NOT NULL DEFAULT 0, reason text);"
    "CREATE INDEX audit_actor ON portal.audit(actor, action, at);"
    "CREATE INDEX audit_subject ON portal.audit(subject, at);"
    "CREATE FUNCTION portal.audit_append_only() RETURNS trigger LANGUAGE plpgsql AS"
    " $$BEGIN RAISE EXCEPTION 'the audit log is append-only'; END$$;"
    "CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON portal.audit"
    " FOR EACH STATEMENT EXECUTE FUNCTION portal.audit_append_only();";

static const struct store_migration list[] = {
    {1, "initial schema: land, registry (and portal on PostgreSQL)", v1_sqlite, v1_postgres},
    {2, "portal: customers, plans, sessions, login throttles, audit log", v2_sqlite, v2_postgres},
};

const struct store_migration *store_migrations(int *n)
{
    *n = (int)(sizeof list / sizeof list[0]);
    return list;
}

int store_schema_latest(void)
{
    return list[sizeof list / sizeof list[0] - 1].version;
}
