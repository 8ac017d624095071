/* registry_csv — see registry_csv.h; the CSV layout is docs/registry-csv.md. */
#include "import/registry_csv.h"

#include "core/err.h"
#include "core/mem.h"
#include "land/landuse.h"
#include "text/ident.h"
#include "text/text.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ================================================================== CSV */

struct csv_reader {
    FILE *f;
    char *path;
    char in[65536]; /* read-ahead */
    size_t in_len, in_pos;
    bool eof;
    bool started;          /* BOM check done */
    long line;             /* current line of the input, 1-based */
    long rec_line;         /* line the current record started on */
    struct buf fields;     /* field texts, each followed by its NUL */
    size_t *offs;          /* start of each field in `fields` */
    int nfields, cap;
    struct buf err;
};

struct csv_reader *csv_open(const char *path, struct buf *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        buf_appendf(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct csv_reader *r = xcalloc(1, sizeof *r);
    r->f = f;
    r->path = xstrdup(path);
    r->line = 1;
    return r;
}

void csv_close(struct csv_reader *r)
{
    if (!r)
        return;
    if (r->f)
        fclose(r->f);
    free(r->path);
    buf_free(&r->fields);
    free(r->offs);
    buf_free(&r->err);
    free(r);
}

/* Next input byte, or -1 at the end (-2 on a read error). */
static int get(struct csv_reader *r)
{
    if (r->in_pos == r->in_len) {
        if (r->eof)
            return -1;
        r->in_len = fread(r->in, 1, sizeof r->in, r->f);
        r->in_pos = 0;
        if (r->in_len < sizeof r->in) {
            if (ferror(r->f))
                return -2;
            r->eof = true;
        }
        if (r->in_len == 0)
            return -1;
    }
    return (unsigned char)r->in[r->in_pos++];
}

static int peek(struct csv_reader *r)
{
    int c = get(r);
    if (c >= 0)
        r->in_pos--; /* get() just filled or advanced within the buffer */
    return c;
}

static void begin_field(struct csv_reader *r)
{
    if (r->nfields == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->offs = xrealloc(r->offs, (size_t)r->cap * sizeof *r->offs);
    }
    r->offs[r->nfields++] = r->fields.len;
}

int csv_next(struct csv_reader *r)
{
    if (!r->started) {
        r->started = true;
        if (peek(r) == 0xEF) {
            /* Skip a UTF-8 BOM: spreadsheets write one, and it would
             * otherwise become part of the first column's name. */
            get(r);
            int b = get(r), c = get(r);
            if (b != 0xBB || c != 0xBF) {
                buf_reset(&r->err);
                buf_appendf(&r->err, "%s:1: not UTF-8 text", r->path);
                return LIS_EINVAL;
            }
        }
    }
    for (;;) {
        buf_reset(&r->fields);
        r->nfields = 0;
        r->rec_line = r->line;
        int c = get(r);
        if (c == -1)
            return 0;
        if (c == -2)
            goto ioerr;
        if (c == '\n' || c == '\r') { /* empty line */
            if (c == '\r' && peek(r) == '\n')
                get(r);
            r->line++;
            continue;
        }
        begin_field(r);
        bool quoted = false, in_quotes = false;
        for (;;) {
            if (c == -2)
                goto ioerr;
            if (in_quotes) {
                if (c == -1) {
                    buf_reset(&r->err);
                    buf_appendf(&r->err, "%s:%ld: a quoted field is never closed", r->path,
                                r->rec_line);
                    return LIS_EINVAL;
                }
                if (c == '"') {
                    if (peek(r) == '"') {
                        get(r);
                        buf_putc(&r->fields, '"');
                    } else {
                        in_quotes = false;
                    }
                } else {
                    if (c == '\n')
                        r->line++;
                    buf_putc(&r->fields, (char)c);
                }
            } else if (c == -1 || c == '\n' || c == '\r') {
                if (c == '\r' && peek(r) == '\n')
                    get(r);
                if (c != -1)
                    r->line++;
                buf_putc(&r->fields, '\0');
                return 1;
            } else if (c == ',') {
                buf_putc(&r->fields, '\0');
                begin_field(r);
                quoted = false;
            } else if (c == '"' && !quoted && r->fields.len == r->offs[r->nfields - 1]) {
                quoted = in_quotes = true;
            } else {
                buf_putc(&r->fields, (char)c); /* a stray quote is taken as it is */
            }
            c = get(r);
        }
    }
ioerr:
    buf_reset(&r->err);
    buf_appendf(&r->err, "%s: read error: %s", r->path, strerror(errno));
    return LIS_EIO;
}

int csv_count(const struct csv_reader *r)
{
    return r->nfields;
}

const char *csv_field(const struct csv_reader *r, int i)
{
    if (i < 0 || i >= r->nfields)
        return "";
    return r->fields.data + r->offs[i];
}

long csv_line(const struct csv_reader *r)
{
    return r->rec_line;
}

const char *csv_errmsg(const struct csv_reader *r)
{
    return buf_cstr(&r->err);
}

void csv_append_field(struct buf *out, const char *s)
{
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        buf_puts(out, s);
        return;
    }
    buf_putc(out, '"');
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            buf_putc(out, '"');
        buf_putc(out, *p);
    }
    buf_putc(out, '"');
}

/* ============================================================= key map */

struct slot {
    uint64_t hash; /* 0: empty (real hashes are forced non-zero) */
    size_t off;    /* key bytes in `keys`: a size_t length, then the bytes */
    int64_t val;
};

struct keymap {
    struct slot *slots;
    size_t cap, n; /* cap is a power of two */
    struct buf keys;
};

static uint64_t hash_bytes(const void *key, size_t len)
{
    /* FNV-1a, then a final mix: keys differ mostly in their last bytes. */
    const unsigned char *p = key;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1;
}

struct keymap *keymap_new(void)
{
    struct keymap *m = xcalloc(1, sizeof *m);
    m->cap = 1024;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    return m;
}

void keymap_free(struct keymap *m)
{
    if (!m)
        return;
    free(m->slots);
    buf_free(&m->keys);
    free(m);
}

static bool same_key(const struct keymap *m, const struct slot *s, const void *key, size_t len)
{
    size_t klen;
    memcpy(&klen, m->keys.data + s->off, sizeof klen);
    return klen == len && memcmp(m->keys.data + s->off + sizeof klen, key, len) == 0;
}

static struct slot *find(const struct keymap *m, uint64_t h, const void *key, size_t len)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct slot *s = &m->slots[i];
        if (s->hash == 0 || (s->hash == h && same_key(m, s, key, len)))
            return s;
    }
}

static void grow(struct keymap *m)
{
    struct slot *old = m->slots;
    size_t oldcap = m->cap;
    m->cap *= 2;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
    size_t mask = m->cap - 1;
    for (size_t i = 0; i < oldcap; i++) {
        if (!old[i].hash)
            continue;
        size_t j = old[i].hash & mask;
        while (m->slots[j].hash)
            j = (j + 1) & mask;
        m->slots[j] = old[i];
    }
    free(old);
}

bool keymap_put(struct keymap *m, const void *key, size_t len, int64_t v, int64_t *old)
{
    uint64_t h = hash_bytes(key, len);
    struct slot *s = find(m, h, key, len);
    if (s->hash) {
        if (old)
            *old = s->val;
        return true;
    }
    s->hash = h;
    s->off = m->keys.len;
    s->val = v;
    buf_append(&m->keys, &len, sizeof len);
    buf_append(&m->keys, key, len);
    if (++m->n * 10 > m->cap * 7)
        grow(m);
    return false;
}

bool keymap_get(const struct keymap *m, const void *key, size_t len, int64_t *v)
{
    struct slot *s = find(m, hash_bytes(key, len), key, len);
    if (!s->hash)
        return false;
    if (v)
        *v = s->val;
    return true;
}

size_t keymap_size(const struct keymap *m)
{
    return m->n;
}

/* ==================================================== registry records */

static const char *const record_names[REGISTRY_NRECORDS] = {
    "holder", "right", "certificate", "restriction", "event",
};

const char *registry_record_name(enum registry_record r)
{
    return r >= 0 && r < REGISTRY_NRECORDS ? record_names[r] : "?";
}

/* Columns of the layout; a file needs only those its records use. */
enum col {
    C_RECORD, C_COMMUNE, C_SHEET, C_NUMBER, C_HOLDER, C_KIND, C_NAME, C_ID_NUMBER, C_ADDRESS,
    C_BIRTH_YEAR, C_LAND_USE, C_AREA, C_TERM, C_ORIGIN, C_SHARE, C_SERIAL, C_ISSUED_ON,
    C_ISSUER, C_REGISTER_NO, C_PARTY, C_SINCE, C_UNTIL, C_NOTE, C_DATE, C_DESCRIPTION,
    C_VERSION, C_RELATED, NCOLS,
};

static const char *const col_names[NCOLS] = {
    "record", "commune", "sheet", "number", "holder", "kind", "name", "id_number", "address",
    "birth_year", "land_use", "area", "term", "origin", "share", "serial", "issued_on",
    "issuer", "register_no", "party", "since", "until", "note", "date", "description",
    "version", "related",
};

static const char *const holder_kinds[] = {"individual", "household", "organisation", NULL};
static const char *const right_kinds[] = {"use", "ownership", NULL};
static const char *const restriction_kinds[] = {"mortgage", "dispute", "seizure", NULL};
static const char *const event_kinds[] = {"registration", "transfer", "inheritance",
                                          "change_of_use", "resurvey", "split", "merge",
                                          "mortgage", "release", NULL};

struct reg {
    struct store *s;
    struct csv_reader *r;
    int col[NCOLS];          /* index of each column in the file, -1 when absent */
    struct keymap *holders;  /* file-local holder key -> holder id */
    struct keymap *parcels;  /* "commune\0sheet\0number" -> parcel id (0: unknown) */
    struct keymap *cleared;  /* parcel ids whose old records were removed */
    struct buf key, detail, land_use;
    struct buf t[8];         /* values of the current row, reused row after row */
    struct buf k[4];         /* its record, commune, sheet, number */
    registry_reject_cb reject;
    void *ctx;
    struct registry_counts *n;
    struct buf *err;
};

/* Value of column c in the current row, trimmed, copied into tmp (the
 * reader's text is borrowed and untrimmed). "" when the column is absent. */
static const char *val(struct reg *g, enum col c, struct buf *tmp)
{
    if (g->col[c] < 0)
        return "";
    const char *s = csv_field(g->r, g->col[c]);
    size_t n;
    const char *t = text_trim(s, strlen(s), &n);
    buf_reset(tmp);
    buf_append(tmp, t, n);
    return buf_cstr(tmp);
}

static bool one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

/* YYYY-MM-DD with a plausible month and day. */
static bool iso_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    return m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

struct parcel_query {
    const char *c, *s, *n;
    int64_t id;
};

static int parcel_cb(void *ctx, const struct store_parcel *p)
{
    struct parcel_query *q = ctx;
    if (strcmp(p->survey_commune, q->c) == 0 && strcmp(p->sheet, q->s) == 0 &&
        strcmp(p->number, q->n) == 0)
        q->id = p->id;
    return 0;
}

/* Id of the current parcel (commune of survey, sheet, number); 0 when none,
 * negative on a store failure. Cached: registry files name a parcel many times. */
static int64_t parcel_id(struct reg *g, const char *c, const char *s, const char *n)
{
    buf_reset(&g->key);
    buf_append(&g->key, c, strlen(c) + 1);
    buf_append(&g->key, s, strlen(s) + 1);
    buf_append(&g->key, n, strlen(n));
    int64_t id;
    if (keymap_get(g->parcels, g->key.data, g->key.len, &id))
        return id;
    struct parcel_query q = {c, s, n, 0};
    /* the commune filter also matches current units: ask for a few and keep
     * only the parcel whose commune of survey is c */
    int rc = store_parcels_by_key(g->s, c, s, n, 0, 64, parcel_cb, &q);
    if (rc < 0 && rc != LIS_ENOTFOUND) {
        buf_appendf(g->err, "looking up parcel %s/%s/%s: %s", c, s, n, store_errmsg(g->s));
        return rc;
    }
    keymap_put(g->parcels, g->key.data, g->key.len, q.id, NULL);
    return q.id;
}

/* Before the first record of a parcel in this file, remove its earlier
 * records: re-importing a file replaces them instead of doubling them. */
static int clear_once(struct reg *g, int64_t pid)
{
    if (keymap_put(g->cleared, &pid, sizeof pid, 1, NULL))
        return 0;
    g->n->parcels++;
    return store_registry_clear(g->s, pid);
}

static int reject(struct reg *g, const char *const keys[4], const char *reason)
{
    return g->reject(g->ctx, csv_line(g->r), keys, reason, buf_cstr(&g->detail)) ? 1 : 0;
}

/* One data row: 0 written or rejected, 1 stop, negative on failure. */
static int row(struct reg *g)
{
    struct buf *t = g->t;
    int rc = 0;
    const char *reason = NULL;
    buf_reset(&g->detail);
    const char *rec = val(g, C_RECORD, &g->k[0]);
    const char *commune = val(g, C_COMMUNE, &g->k[1]);
    const char *sheet = val(g, C_SHEET, &g->k[2]);
    const char *number = val(g, C_NUMBER, &g->k[3]);
    const char *keys[4] = {rec, commune, sheet, number};

    for (size_t i = 0; i < g->k[0].len; i++) /* "Holder" is a holder */
        g->k[0].data[i] = (char)tolower((unsigned char)g->k[0].data[i]);
    int kind = -1;
    for (int i = 0; i < REGISTRY_NRECORDS; i++)
        if (strcmp(rec, record_names[i]) == 0)
            kind = i;
    if (kind < 0) {
        reason = "unknown record";
        buf_appendf(&g->detail, "record '%s'", rec);
        goto out;
    }

    int64_t pid = 0;
    if (kind != REGISTRY_HOLDER) {
        if (!*commune || !*sheet || !*number) {
            reason = "missing identifier";
            goto out;
        }
        pid = parcel_id(g, commune, sheet, number);
        if (pid < 0) {
            rc = (int)pid;
            goto out;
        }
        if (pid == 0) {
            reason = "unknown parcel";
            goto out;
        }
    }

    const char *kindv = val(g, C_KIND, &t[1]);
    switch (kind) {
    case REGISTRY_HOLDER: {
        const char *key = val(g, C_HOLDER, &t[2]);
        struct store_holder h = {0};
        h.kind = *kindv ? kindv : "individual";
        h.name = val(g, C_NAME, &t[3]);
        h.id_number = val(g, C_ID_NUMBER, &t[4]);
        h.address = val(g, C_ADDRESS, &t[5]);
        const char *by = val(g, C_BIRTH_YEAR, &t[6]);
        long year = 0;
        if (!*key) {
            reason = "missing holder key";
        } else if (keymap_get(g->holders, key, strlen(key), NULL)) {
            reason = "duplicate holder";
            buf_appendf(&g->detail, "holder '%s'", key);
        } else if (!*h.name) {
            reason = "missing value";
            buf_puts(&g->detail, "name");
        } else if (!one_of(h.kind, holder_kinds)) {
            reason = "bad value";
            buf_appendf(&g->detail, "kind '%s'", h.kind);
        } else if (*by && !ident_parse_long(by, strlen(by), 1850, 2100, &year)) {
            reason = "bad value";
            buf_appendf(&g->detail, "birth_year '%s'", by);
        }
        if (reason)
            goto out;
        h.birth_year = (int)year;
        if (!*h.id_number)
            h.id_number = NULL;
        if (!*h.address)
            h.address = NULL;
        int64_t hid = store_holder_put(g->s, &h);
        if (hid < 0) {
            rc = (int)hid;
            goto store_failed;
        }
        keymap_put(g->holders, key, strlen(key), hid, NULL);
        break;
    }
    case REGISTRY_RIGHT: {
        const char *key = val(g, C_HOLDER, &t[2]);
        struct store_right r = {0};
        r.parcel_id = pid;
        r.kind = *kindv ? kindv : "use";
        const char *lu = val(g, C_LAND_USE, &t[3]);
        const char *area = val(g, C_AREA, &t[4]);
        const char *share = val(g, C_SHARE, &t[5]);
        r.term = val(g, C_TERM, &t[6]);
        r.origin = val(g, C_ORIGIN, &t[7]);
        r.share = 1;
        buf_reset(&g->land_use);
        struct buf bad = BUF_INIT;
        if (!keymap_get(g->holders, key, strlen(key), &r.holder_id)) {
            reason = "unknown holder";
            buf_appendf(&g->detail, "holder '%s'", key);
        } else if (!one_of(r.kind, right_kinds)) {
            reason = "bad value";
            buf_appendf(&g->detail, "kind '%s'", r.kind);
        } else if (landuse_normalise(lu, strlen(lu), &g->land_use, &bad) < 0) {
            reason = "unknown land-use code";
            buf_appendf(&g->detail, "'%s'", buf_cstr(&bad));
        } else if (*area && (!ident_parse_double(area, strlen(area), &r.area) || r.area < 0)) {
            reason = "bad value";
            buf_appendf(&g->detail, "area '%s'", area);
        } else if (*share && (!ident_parse_double(share, strlen(share), &r.share) ||
                              r.share <= 0 || r.share > 1)) {
            reason = "bad value";
            buf_appendf(&g->detail, "share '%s'", share);
        } else if (*r.term && strcmp(r.term, "long-term") != 0 && !iso_date(r.term)) {
            reason = "bad value";
            buf_appendf(&g->detail, "term '%s'", r.term);
        }
        buf_free(&bad);
        if (reason)
            goto out;
        r.land_use = buf_cstr(&g->land_use);
        if (!*r.term)
            r.term = "long-term";
        if ((rc = clear_once(g, pid)) < 0)
            goto store_failed;
        rc = store_right_put(g->s, &r);
        break;
    }
    case REGISTRY_CERTIFICATE: {
        struct store_certificate c = {0};
        c.parcel_id = pid;
        c.serial = val(g, C_SERIAL, &t[2]);
        c.issued_on = val(g, C_ISSUED_ON, &t[3]);
        c.issuer = val(g, C_ISSUER, &t[4]);
        c.register_no = val(g, C_REGISTER_NO, &t[5]);
        if (!*c.serial || !*c.issuer) {
            reason = "missing value";
            buf_puts(&g->detail, !*c.serial ? "serial" : "issuer");
        } else if (!iso_date(c.issued_on)) {
            reason = "bad value";
            buf_appendf(&g->detail, "issued_on '%s'", c.issued_on);
        }
        if (reason)
            goto out;
        if (!*c.register_no)
            c.register_no = NULL;
        if ((rc = clear_once(g, pid)) < 0)
            goto store_failed;
        rc = store_certificate_put(g->s, &c);
        break;
    }
    case REGISTRY_RESTRICTION: {
        struct store_restriction x = {0};
        x.parcel_id = pid;
        x.kind = kindv;
        x.party = val(g, C_PARTY, &t[2]);
        x.since = val(g, C_SINCE, &t[3]);
        x.until = val(g, C_UNTIL, &t[4]);
        x.note = val(g, C_NOTE, &t[5]);
        if (!one_of(x.kind, restriction_kinds)) {
            reason = "bad value";
            buf_appendf(&g->detail, "kind '%s'", x.kind);
        } else if (!iso_date(x.since)) {
            reason = "bad value";
            buf_appendf(&g->detail, "since '%s'", x.since);
        } else if (*x.until && !iso_date(x.until)) {
            reason = "bad value";
            buf_appendf(&g->detail, "until '%s'", x.until);
        }
        if (reason)
            goto out;
        if (!*x.party)
            x.party = NULL;
        if (!*x.until)
            x.until = NULL;
        if ((rc = clear_once(g, pid)) < 0)
            goto store_failed;
        rc = store_restriction_put(g->s, &x);
        break;
    }
    case REGISTRY_EVENT: {
        struct store_event e = {0};
        e.parcel_id = pid;
        e.kind = kindv;
        e.date = val(g, C_DATE, &t[2]);
        e.description = val(g, C_DESCRIPTION, &t[3]);
        const char *ver = val(g, C_VERSION, &t[4]);
        const char *rel = val(g, C_RELATED, &t[5]);
        long version = 0;
        if (!one_of(e.kind, event_kinds)) {
            reason = "bad value";
            buf_appendf(&g->detail, "kind '%s'", e.kind);
        } else if (!iso_date(e.date)) {
            reason = "bad value";
            buf_appendf(&g->detail, "date '%s'", e.date);
        } else if (*ver && !ident_parse_long(ver, strlen(ver), 0, 1000000, &version)) {
            reason = "bad value";
            buf_appendf(&g->detail, "version '%s'", ver);
        }
        if (!reason && *rel) {
            /* related parcel written "commune/sheet/number" */
            char *c2 = xstrdup(rel), *s2 = strchr(c2, '/'), *n2 = s2 ? strchr(s2 + 1, '/') : NULL;
            if (n2) {
                *s2++ = '\0';
                *n2++ = '\0';
                int64_t rid = parcel_id(g, c2, s2, n2);
                if (rid < 0)
                    rc = (int)rid;
                else if (rid == 0)
                    reason = "unknown parcel";
                e.related_id = rid;
            } else {
                reason = "bad value";
            }
            if (reason)
                buf_appendf(&g->detail, "related '%s'", rel);
            free(c2);
            if (rc < 0)
                goto out;
        }
        if (reason)
            goto out;
        e.version = (int)version;
        if ((rc = clear_once(g, pid)) < 0)
            goto store_failed;
        rc = store_event_put(g->s, &e);
        break;
    }
    }
store_failed:
    if (rc < 0) {
        buf_appendf(g->err, "line %ld (%s): store: %s", csv_line(g->r), rec, store_errmsg(g->s));
        goto out;
    }
    rc = 0;
    g->n->imported++;
    g->n->by_record[kind]++;
out:
    if (reason && rc == 0)
        rc = reject(g, keys, reason);
    return rc;
}

int registry_csv_import(struct store *s, struct csv_reader *r, registry_reject_cb rej, void *ctx,
                        struct registry_counts *n, struct progress *prog, struct buf *err)
{
    struct reg g = {.s = s, .r = r, .reject = rej, .ctx = ctx, .n = n, .err = err};
    int rc = csv_next(r);
    if (rc <= 0) {
        buf_puts(err, rc == 0 ? "the file is empty: a header line is needed" : csv_errmsg(r));
        return rc == 0 ? LIS_EINVAL : rc;
    }
    for (int c = 0; c < NCOLS; c++)
        g.col[c] = -1;
    for (int i = 0; i < csv_count(r); i++) {
        const char *h = csv_field(r, i);
        size_t hl;
        const char *ht = text_trim(h, strlen(h), &hl);
        int c = 0;
        while (c < NCOLS && !(strlen(col_names[c]) == hl && strncasecmp(col_names[c], ht, hl) == 0))
            c++;
        if (c == NCOLS) {
            buf_appendf(err, "unknown column '%.*s' (docs/registry-csv.md lists them)", (int)hl,
                        ht);
            return LIS_EINVAL;
        }
        if (g.col[c] >= 0) {
            buf_appendf(err, "column '%s' appears twice", col_names[c]);
            return LIS_EINVAL;
        }
        g.col[c] = i;
    }
    if (g.col[C_RECORD] < 0) {
        buf_puts(err, "no 'record' column (docs/registry-csv.md describes the layout)");
        return LIS_EINVAL;
    }
    g.holders = keymap_new();
    g.parcels = keymap_new();
    g.cleared = keymap_new();
    while ((rc = csv_next(r)) == 1) {
        n->read++;
        if ((rc = row(&g)) != 0)
            break;
        progress_update(prog, n->read);
    }
    if (rc < 0 && !err->len)
        buf_puts(err, csv_errmsg(r));
    keymap_free(g.holders);
    keymap_free(g.parcels);
    keymap_free(g.cleared);
    buf_free(&g.key);
    buf_free(&g.detail);
    buf_free(&g.land_use);
    for (int i = 0; i < 8; i++)
        buf_free(&g.t[i]);
    for (int i = 0; i < 4; i++)
        buf_free(&g.k[i]);
    return rc;
}
