/**
 * The PostgreSQL schema as an ordered list of versioned migrations. Like SQLite's list, a released
 * migration is never edited: change the schema by appending one.
 *
 * Differences from the SQLite schema, each for a reason:
 * - times are `timestamptz` (the store converts to the same ISO strings with milliseconds at the
 *   edge), so reports can use date arithmetic and nothing depends on a text collation;
 * - JSON columns are `jsonb`, so reports can read `status_times->>'delivered'` in SQL;
 * - sequence numbers are identity columns (`bigint`), the replay cursor as in SQLite;
 * - `consent_events.by` is `changed_by`, since BY is a reserved word in PostgreSQL.
 */
import type { PoolClient } from 'pg';

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
        id            text PRIMARY KEY,
        name          text NOT NULL,
        role          text NOT NULL CHECK (role IN ('rep', 'manager', 'admin')),
        hash          text NOT NULL UNIQUE,
        created_at    timestamptz NOT NULL,
        revoked_at    timestamptz,
        last_used_at  timestamptz
      );

      CREATE TABLE contacts (
        phone             text PRIMARY KEY,
        profile_name      text,
        wa_id             text,
        pinpoint_id       text,
        last_inbound_at   timestamptz,
        consent_state     text NOT NULL DEFAULT 'unknown' CHECK (consent_state IN ('unknown', 'opted_in', 'opted_out')),
        consent_source    text CHECK (consent_source IN ('keyword', 'rep', 'import', 'twilio')),
        consent_at        timestamptz,
        consent_by        text,
        consent_evidence  text,
        created_at        timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL
      );

      -- An identity never hands out an id twice: the history is evidence and its ids get quoted.
      CREATE TABLE consent_events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        phone        text NOT NULL REFERENCES contacts (phone),
        state        text NOT NULL CHECK (state IN ('unknown', 'opted_in', 'opted_out')),
        source       text NOT NULL CHECK (source IN ('keyword', 'rep', 'import', 'twilio')),
        changed_by   text NOT NULL,
        evidence     text NOT NULL,
        at           timestamptz NOT NULL,
        message_sid  text
      );
      CREATE INDEX consent_events_phone ON consent_events (phone, id);
      -- Append-only is a legal property (who agreed, when, on what evidence), so the database
      -- enforces it; TRUNCATE skips row triggers, hence the statement trigger as well.
      CREATE FUNCTION consent_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'consent_events is append-only' USING ERRCODE = 'restrict_violation';
      END
      $$;
      CREATE TRIGGER consent_events_no_change BEFORE UPDATE OR DELETE ON consent_events
        FOR EACH ROW EXECUTE FUNCTION consent_events_append_only();
      CREATE TRIGGER consent_events_no_truncate BEFORE TRUNCATE ON consent_events
        FOR EACH STATEMENT EXECUTE FUNCTION consent_events_append_only();

      -- seq is the replay cursor. No foreign keys to contacts/tokens: the interface lets a message
      -- be created before either exists.
      CREATE TABLE messages (
        seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id                text NOT NULL UNIQUE,
        sid               text UNIQUE,
        phone             text NOT NULL,
        direction         text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        body              text,
        content_sid       text,
        variables         jsonb,
        status            text NOT NULL,
        error_code        integer,
        error_message     text,
        sent_by           text,
        sent_by_token_id  text,
        idempotency_key   text,
        meta              jsonb,
        status_times      jsonb NOT NULL DEFAULT '{}',
        created_at        timestamptz NOT NULL,
        updated_at        timestamptz NOT NULL,
        -- NULLs are distinct, so messages without a key never collide (as in SQLite).
        UNIQUE (sent_by_token_id, idempotency_key)
      );
      CREATE INDEX messages_phone_seq ON messages (phone, seq);
      CREATE INDEX messages_token_phone ON messages (sent_by_token_id, phone);
      CREATE INDEX messages_direction_seq ON messages (direction, seq);
      -- Manager reports and drill-down filter a time range, optionally by rep or template.
      CREATE INDEX messages_created ON messages (created_at);
      CREATE INDEX messages_sent_by_created ON messages (sent_by, created_at);
      CREATE INDEX messages_content_created ON messages (content_sid, created_at);

      -- Callbacks for sids not attached yet (a callback can beat the create response); the UNIQUE
      -- key is Twilio's dedupe key, and replay order is id (arrival).
      CREATE TABLE status_events (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sid            text NOT NULL,
        status         text NOT NULL,
        event_type     text NOT NULL DEFAULT '',
        error_code     integer,
        error_message  text,
        at             timestamptz NOT NULL,
        UNIQUE (sid, status, event_type)
      );

      CREATE TABLE fallback_events (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_sid  text,
        error_code   text,
        error_url    text,
        at           timestamptz NOT NULL
      );
      CREATE INDEX fallback_events_at ON fallback_events (at);
    `,
  },
  {
    version: 2,
    name: 'status times as columns for manager reports',
    sql: `
      -- The first time each message reached sent, delivered, read and failed (failed or undelivered),
      -- and the milliseconds from creation to the first delivered-or-read and to the first read
      -- callback: copied out of status_times (always written together with it, by the store) so
      -- reports read plain columns. bigint: a read can come weeks later, past int4's 24 days of ms.
      ALTER TABLE messages
        ADD COLUMN sent_at timestamptz,
        ADD COLUMN delivered_at timestamptz,
        ADD COLUMN read_at timestamptz,
        ADD COLUMN failed_at timestamptz,
        ADD COLUMN to_delivered_ms bigint,
        ADD COLUMN to_read_ms bigint;
      -- jsonb_typeof guards against a hand-edited status_times: only strings are times. LEAST and
      -- GREATEST skip NULLs, so failed_at is whichever of failed and undelivered came first.
      UPDATE messages SET
        sent_at      = CASE WHEN jsonb_typeof(status_times->'sent') = 'string' THEN (status_times->>'sent')::timestamptz END,
        delivered_at = CASE WHEN jsonb_typeof(status_times->'delivered') = 'string' THEN (status_times->>'delivered')::timestamptz END,
        read_at      = CASE WHEN jsonb_typeof(status_times->'read') = 'string' THEN (status_times->>'read')::timestamptz END,
        failed_at    = LEAST(
          CASE WHEN jsonb_typeof(status_times->'failed') = 'string' THEN (status_times->>'failed')::timestamptz END,
          CASE WHEN jsonb_typeof(status_times->'undelivered') = 'string' THEN (status_times->>'undelivered')::timestamptz END)
      WHERE direction = 'outbound';
      UPDATE messages SET
        to_delivered_ms = round(extract(epoch FROM LEAST(delivered_at, read_at) - created_at) * 1000)::bigint,
        to_read_ms      = round(extract(epoch FROM read_at - created_at) * 1000)::bigint
      WHERE direction = 'outbound' AND (delivered_at IS NOT NULL OR read_at IS NOT NULL);

      -- Reports and drill-down read outbound messages only: a partial index per grouping, led by the
      -- group's column and the creation time, then seq (the drill-down's tie-break, which SQLite gets
      -- from its rowid), covering what the report reads so a report can be an index-only scan.
      -- The three general indexes of version 1 become redundant.
      DROP INDEX messages_created;
      DROP INDEX messages_sent_by_created;
      DROP INDEX messages_content_created;
      CREATE INDEX messages_out_created ON messages (created_at, seq)
        INCLUDE (sent_by, content_sid, status, error_code, to_delivered_ms, to_read_ms) WHERE direction = 'outbound';
      CREATE INDEX messages_out_rep ON messages (sent_by, created_at, seq)
        INCLUDE (content_sid, status, error_code, to_delivered_ms, to_read_ms) WHERE direction = 'outbound';
      CREATE INDEX messages_out_template ON messages (content_sid, created_at, seq)
        INCLUDE (sent_by, status, error_code, to_delivered_ms, to_read_ms) WHERE direction = 'outbound';

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
        id                text PRIMARY KEY,
        hash              text NOT NULL UNIQUE,
        role              text NOT NULL CHECK (role IN ('rep', 'manager')),
        created_by        text NOT NULL,
        created_at        timestamptz NOT NULL,
        expires_at        timestamptz NOT NULL,
        used_at           timestamptz,
        used_by_token_id  text,
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
      ALTER TABLE messages ADD COLUMN body_purged_at timestamptz;

      -- Admin actions on personal data (a contact's data deleted on request, a retention run): who,
      -- when, what. Not consent history, which records only the contact's own consent. No foreign
      -- key: a deletion is recorded even for a phone the relay never knew.
      CREATE TABLE audit_events (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at      timestamptz NOT NULL,
        actor   text NOT NULL,
        action  text NOT NULL,
        phone   text,
        detail  jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX audit_events_phone ON audit_events (phone, id) WHERE phone IS NOT NULL;
      -- Evidence that a request was honoured, so append-only like consent_events (TRUNCATE included).
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only' USING ERRCODE = 'restrict_violation';
      END
      $$;
      CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
    `,
  },
];

/** The highest version this code knows; a database above it was written by newer code. */
export const LATEST_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * First key of the two-key advisory locks this engine takes (pg_advisory_xact_lock(int, int)), so
 * they never collide with another application's locks on the same database. The second key says
 * what is locked.
 */
export const LOCK_MIGRATE = 0x70707701;

export class SchemaTooNewError extends Error {
  constructor(where: string, dbVersion: number) {
    super(
      `database ${where} has schema version ${dbVersion}, but this relay only knows up to ${LATEST_VERSION}: ` +
        'it was migrated by a newer relay. Upgrade the relay (or restore a backup); refusing to open it.',
    );
    this.name = 'SchemaTooNewError';
  }
}

interface AppliedRow {
  version: number;
  name: string;
}

async function applied(c: PoolClient): Promise<AppliedRow[]> {
  // to_regclass follows search_path, so this is the schema the store uses.
  const exists = await c.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (exists.rows[0]?.t == null) return [];
  return (await c.query<AppliedRow>('SELECT version, name FROM schema_migrations ORDER BY version')).rows;
}

/** The schema version the store's schema is at (0 when it was never migrated). */
export async function schemaVersion(c: PoolClient): Promise<number> {
  return (await applied(c)).reduce((max, r) => Math.max(max, r.version), 0);
}

/** Refuses a schema from newer code, or one whose history disagrees with ours (a migration edited after release). */
function checkSchema(rows: AppliedRow[], where: string, migrations: readonly Migration[]): void {
  const known = new Map(migrations.map((m) => [m.version, m]));
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  for (const row of rows) {
    if (row.version > latest) throw new SchemaTooNewError(where, row.version);
    const mine = known.get(row.version);
    if (mine === undefined || mine.name !== row.name) {
      throw new Error(`database ${where} ran migration ${row.version} "${row.name}", which this relay does not have; refusing to open it`);
    }
  }
}

/**
 * Applies what is missing, each migration in its own transaction together with its
 * schema_migrations row (PostgreSQL's DDL is transactional, so a crash leaves all of a migration or
 * none of it). Every transaction first takes an advisory lock for this schema and only then reads
 * the applied versions, so relays starting at once queue up and each migration runs exactly once.
 * Returns the versions applied by this call (empty on a re-run).
 */
export async function runMigrations(
  connect: () => Promise<PoolClient>,
  target: { schema: string | null; where: string },
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  const done: number[] = [];
  // One pass even when there is nothing to apply, so a newer schema is refused on every start.
  for (const m of ordered.length ? ordered : [null]) {
    const c = await connect();
    let broken: Error | undefined;
    try {
      await c.query('BEGIN');
      // The lock key names the schema, so separate relays in separate schemas never wait on each other.
      await c.query('SELECT pg_advisory_xact_lock($1::int, hashtext(COALESCE($2::text, current_schema())))', [LOCK_MIGRATE, target.schema]);
      if (target.schema !== null) await c.query(`CREATE SCHEMA IF NOT EXISTS ${target.schema}`);
      await c.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version     integer PRIMARY KEY,
        name        text NOT NULL,
        applied_at  timestamptz NOT NULL DEFAULT now()
      )`);
      const rows = await applied(c);
      checkSchema(rows, target.where, migrations);
      if (m !== null && !rows.some((r) => r.version === m.version)) {
        await c.query(m.sql);
        await c.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
        done.push(m.version);
      }
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK').catch((e: unknown) => {
        broken = e instanceof Error ? e : new Error(String(e));
      });
      if (m !== null && done.at(-1) === m.version) done.pop();
      throw err;
    } finally {
      c.release(broken);
    }
  }
  return done;
}
