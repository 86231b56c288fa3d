/**
 * The SQLite schema as an ordered list of versioned migrations. A migration, once released, is
 * never edited: a database in the field already ran it. Change the schema by appending one.
 */
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE tokens (
        id            TEXT PRIMARY KEY,
        name          TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
        hash          TEXT NOT NULL UNIQUE,
        created_at    TEXT NOT NULL,
        revoked_at    TEXT,
        last_used_at  TEXT
      );

      CREATE TABLE contacts (
        phone             TEXT PRIMARY KEY,
        profile_name      TEXT,
        wa_id             TEXT,
        pinpoint_id       TEXT,
        last_inbound_at   TEXT,
        consent_state     TEXT NOT NULL DEFAULT 'unknown' CHECK (consent_state IN ('unknown', 'opted_in', 'opted_out')),
        consent_source    TEXT CHECK (consent_source IN ('keyword', 'rep', 'import', 'twilio')),
        consent_at        TEXT,
        consent_by        TEXT,
        consent_evidence  TEXT,
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL
      );

      -- AUTOINCREMENT so an id is never reused: the history is evidence and its ids get quoted.
      CREATE TABLE consent_events (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        phone        TEXT NOT NULL REFERENCES contacts (phone),
        state        TEXT NOT NULL CHECK (state IN ('unknown', 'opted_in', 'opted_out')),
        source       TEXT NOT NULL CHECK (source IN ('keyword', 'rep', 'import', 'twilio')),
        by           TEXT NOT NULL,
        evidence     TEXT NOT NULL,
        at           TEXT NOT NULL,
        message_sid  TEXT
      );
      CREATE INDEX consent_events_phone ON consent_events (phone, id);
      -- Append-only is a legal property (who agreed, when, on what evidence), so the database enforces it.
      CREATE TRIGGER consent_events_no_update BEFORE UPDATE ON consent_events
        BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;
      CREATE TRIGGER consent_events_no_delete BEFORE DELETE ON consent_events
        BEGIN SELECT RAISE(ABORT, 'consent_events is append-only'); END;

      -- seq is the replay cursor: AUTOINCREMENT guarantees it only ever grows, even after deletes.
      -- No foreign keys to contacts/tokens: the interface lets a message be created before either exists.
      CREATE TABLE messages (
        seq               INTEGER PRIMARY KEY AUTOINCREMENT,
        id                TEXT NOT NULL UNIQUE,
        sid               TEXT UNIQUE,
        phone             TEXT NOT NULL,
        direction         TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        body              TEXT,
        content_sid       TEXT,
        variables         TEXT,
        status            TEXT NOT NULL,
        error_code        INTEGER,
        error_message     TEXT,
        sent_by           TEXT,
        sent_by_token_id  TEXT,
        idempotency_key   TEXT,
        meta              TEXT,
        status_times      TEXT NOT NULL DEFAULT '{}',
        created_at        TEXT NOT NULL,
        updated_at        TEXT NOT NULL,
        UNIQUE (sent_by_token_id, idempotency_key)
      );
      CREATE INDEX messages_phone_seq ON messages (phone, seq);
      CREATE INDEX messages_token_phone ON messages (sent_by_token_id, phone);
      CREATE INDEX messages_direction_seq ON messages (direction, seq);
      -- Manager reports and drill-down filter a time range, optionally by rep or template; each
      -- shape gets an index that starts with its equality column and ends with the range.
      CREATE INDEX messages_created ON messages (created_at);
      CREATE INDEX messages_sent_by_created ON messages (sent_by, created_at);
      CREATE INDEX messages_content_created ON messages (content_sid, created_at);

      -- Every callback is kept, also for sids not attached yet (a callback can beat the create
      -- response); the UNIQUE key is Twilio's dedupe key, and replay order is id (arrival).
      CREATE TABLE status_events (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        sid            TEXT NOT NULL,
        status         TEXT NOT NULL,
        event_type     TEXT NOT NULL DEFAULT '',
        error_code     INTEGER,
        error_message  TEXT,
        at             TEXT NOT NULL,
        UNIQUE (sid, status, event_type)
      );

      CREATE TABLE fallback_events (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        message_sid  TEXT,
        error_code   TEXT,
        error_url    TEXT,
        at           TEXT NOT NULL
      );
      CREATE INDEX fallback_events_at ON fallback_events (at);
    `,
  },
  {
    version: 2,
    name: 'status times as columns for manager reports',
    sql: `
      -- The first time each message reached sent, delivered, read and failed (failed or undelivered),
      -- copied out of status_times so reports read plain columns instead of parsing JSON per row.
      -- Written in the same statement as status_times, so they cannot disagree with it.
      ALTER TABLE messages ADD COLUMN sent_at TEXT;
      ALTER TABLE messages ADD COLUMN delivered_at TEXT;
      ALTER TABLE messages ADD COLUMN read_at TEXT;
      ALTER TABLE messages ADD COLUMN failed_at TEXT;
      -- json_type guards against a hand-edited status_times: only text values are times; invalid JSON is skipped.
      UPDATE messages SET
        sent_at      = CASE json_type(status_times, '$.sent') WHEN 'text' THEN json_extract(status_times, '$.sent') END,
        delivered_at = CASE json_type(status_times, '$.delivered') WHEN 'text' THEN json_extract(status_times, '$.delivered') END,
        read_at      = CASE json_type(status_times, '$.read') WHEN 'text' THEN json_extract(status_times, '$.read') END,
        failed_at    = CASE
          WHEN json_type(status_times, '$.failed') IS NOT 'text' THEN
            CASE json_type(status_times, '$.undelivered') WHEN 'text' THEN json_extract(status_times, '$.undelivered') END
          WHEN json_type(status_times, '$.undelivered') IS NOT 'text'
            OR json_extract(status_times, '$.failed') <= json_extract(status_times, '$.undelivered')
            THEN json_extract(status_times, '$.failed')
          ELSE json_extract(status_times, '$.undelivered') END
      WHERE direction = 'outbound' AND json_valid(status_times);
      -- Milliseconds from creation to the first delivered-or-read callback, and to the first read one:
      -- what the report medians are made of, as integers (parsing two ISO times per row cost a 90-day
      -- report more than everything else together).
      ALTER TABLE messages ADD COLUMN to_delivered_ms INTEGER;
      ALTER TABLE messages ADD COLUMN to_read_ms INTEGER;
      UPDATE messages SET
        to_delivered_ms = CAST(round((julianday(CASE WHEN delivered_at IS NULL OR read_at < delivered_at THEN read_at ELSE delivered_at END)
                                      - julianday(created_at)) * 86400000) AS INTEGER),
        to_read_ms      = CAST(round((julianday(read_at) - julianday(created_at)) * 86400000) AS INTEGER)
      WHERE direction = 'outbound' AND (delivered_at IS NOT NULL OR read_at IS NOT NULL);

      -- Reports and drill-down read outbound messages only, one group at a time: an index per grouping,
      -- led by the group's column and the creation time, so a group's date range is one index range,
      -- and covering every column the report reads, so no row of the (wide) table is visited. The
      -- three general indexes of version 1 become redundant.
      DROP INDEX messages_created;
      DROP INDEX messages_sent_by_created;
      DROP INDEX messages_content_created;
      CREATE INDEX messages_out_created ON messages (created_at, sent_by, content_sid, status, error_code, to_delivered_ms, to_read_ms)
        WHERE direction = 'outbound';
      CREATE INDEX messages_out_rep ON messages (sent_by, created_at, content_sid, status, error_code, to_delivered_ms, to_read_ms)
        WHERE direction = 'outbound';
      CREATE INDEX messages_out_template ON messages (content_sid, created_at, sent_by, status, error_code, to_delivered_ms, to_read_ms)
        WHERE direction = 'outbound';

      -- The contacts list asks for up to 200 PinPoint ids at once.
      CREATE INDEX contacts_pinpoint ON contacts (pinpoint_id) WHERE pinpoint_id IS NOT NULL;
    `,
  },
  {
    version: 3,
    name: 'pairing codes',
    sql: `
      -- One-time codes a manager or admin makes and a rep trades for a token of their own (POST /v1/pair).
      -- Only the sha256 hash of a code is stored, as for tokens. used_by_token_id has no foreign key,
      -- like messages.sent_by_token_id: the code's record outlives whatever happens to the token.
      CREATE TABLE pairing_codes (
        id                TEXT PRIMARY KEY,
        hash              TEXT NOT NULL UNIQUE,
        role              TEXT NOT NULL CHECK (role IN ('rep', 'manager')),
        created_by        TEXT NOT NULL,
        created_at        TEXT NOT NULL,
        expires_at        TEXT NOT NULL,
        used_at           TEXT,
        used_by_token_id  TEXT,
        CHECK ((used_at IS NULL) = (used_by_token_id IS NULL))
      );
    `,
  },
  {
    version: 4,
    name: 'data care: retention marker and audit events',
    sql: `
      -- When retention (BODY_RETENTION_DAYS) removed the body, variables and content extras of a
      -- message; NULL = untouched. The rest of the row (status, times, sender, sid) stays for reports.
      ALTER TABLE messages ADD COLUMN body_purged_at TEXT;

      -- Admin actions on personal data (a contact's data deleted on request, a retention run): who,
      -- when, what. Not consent history, which records only the contact's own consent. No foreign
      -- key: a deletion is recorded even for a phone the relay never knew.
      CREATE TABLE audit_events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        phone   TEXT,
        detail  TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_events_phone ON audit_events (phone, id) WHERE phone IS NOT NULL;
      -- Evidence that a request was honoured, so append-only like consent_events.
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
      CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
    `,
  },
  {
    version: 5,
    name: 'manager reports: one report index',
    sql: `
      -- Version 2's three covering indexes (per day, rep and template) each held the columns every
      -- status callback rewrites (status, durations), and the three together cost the webhook path a
      -- third of its throughput. One index in (day, rep, template) order serves every grouping: a
      -- report is one range of it, aggregated in index order (no sort) and covering every column it
      -- counts on (no row of the wide table is read); created_at follows the three to cut a range that
      -- starts or ends inside a day. substr(created_at, 1, 10) is the UTC day (times are stored as ISO
      -- UTC), written the same way in the queries. Drill-down pages go back to version 1's indexes on
      -- created_at, whose columns never change after the insert.
      DROP INDEX messages_out_created;
      DROP INDEX messages_out_rep;
      DROP INDEX messages_out_template;
      CREATE INDEX messages_created ON messages (created_at);
      CREATE INDEX messages_sent_by_created ON messages (sent_by, created_at);
      CREATE INDEX messages_content_created ON messages (content_sid, created_at);
      CREATE INDEX messages_out_report ON messages
        (substr(created_at, 1, 10), sent_by, content_sid, created_at, status, error_code, to_delivered_ms, to_read_ms)
        WHERE direction = 'outbound';
    `,
  },
];

/** The highest version this code knows; a database above it was written by newer code. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

export class SchemaTooNewError extends Error {
  constructor(file: string, dbVersion: number) {
    super(
      `database ${file} has schema version ${dbVersion}, but this relay only knows up to ${LATEST_VERSION}: ` +
        'it was migrated by a newer relay. Upgrade the relay (or restore a backup); refusing to open it.',
    );
    this.name = 'SchemaTooNewError';
  }
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version     INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  applied_at  TEXT NOT NULL
)`;

interface AppliedRow {
  version: number;
  name: string;
}

function applied(db: Database.Database): AppliedRow[] {
  const exists = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (exists === undefined) return [];
  return db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as AppliedRow[];
}

/** The schema version a database is at (0 when it was never migrated). */
export function schemaVersion(db: Database.Database): number {
  return applied(db).reduce((max, r) => Math.max(max, r.version), 0);
}

/**
 * Refuses a database this code cannot understand: one from newer code, or one whose history
 * disagrees with ours (a migration renamed or edited after release).
 */
export function checkSchema(db: Database.Database, file: string, migrations: readonly Migration[] = MIGRATIONS): AppliedRow[] {
  const rows = applied(db);
  const known = new Map(migrations.map((m) => [m.version, m]));
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  for (const row of rows) {
    if (row.version > latest) throw new SchemaTooNewError(file, row.version);
    const mine = known.get(row.version);
    if (mine === undefined || mine.name !== row.name) {
      throw new Error(`database ${file} ran migration ${row.version} "${row.name}", which this relay does not have; refusing to open it`);
    }
  }
  return rows;
}

/**
 * Applies what is missing, each migration in its own IMMEDIATE transaction together with its
 * schema_migrations row, so a crash leaves either all of a migration or none of it. The version
 * is re-read inside the write lock, so two processes opening the same file never both apply one.
 * Returns the versions applied by this call (empty on a re-run).
 */
export function runMigrations(db: Database.Database, file: string, now: () => string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  db.exec(CREATE_TABLE);
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  const done: number[] = [];
  for (const m of ordered) {
    const applyOne = db.transaction(() => {
      const rows = checkSchema(db, file, migrations);
      if (rows.some((r) => r.version === m.version)) return false;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now());
      return true;
    });
    if (applyOne.immediate()) done.push(m.version);
  }
  // Also catches a newer database when nothing was missing.
  checkSchema(db, file, migrations);
  return done;
}
