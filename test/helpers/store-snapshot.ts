/**
 * A fingerprint of everything a test relay's database holds, read through a second connection of
 * its own (the relay commits before it answers, so this reader sees every acknowledged write).
 * Tests compare fingerprints around a refused request to prove "a 4xx changes nothing", whatever
 * table a bug would have written to, including tables added later. Works for both engines: the
 * SQLite file (read-only connection; WAL lets it read beside the relay) and a PostgreSQL schema.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { parsePostgresUrl } from '../../relay/store/postgres/postgres-url.ts';
import type { Config } from '../../relay/config.ts';

/**
 * Columns that change on reads by design, so a refused request may touch them: a token's
 * last_used_at is stamped (at most once a minute) by any authenticated call.
 */
const VOLATILE: Record<string, readonly string[]> = { tokens: ['last_used_at'] };

export interface StoreSnapshot {
  /** Row count per table, for a readable failure message. */
  counts: Record<string, number>;
  /** SHA-256 over every row of every table (volatile columns left out). */
  digest: string;
}

export interface StoreSnapshotter {
  take(): Promise<StoreSnapshot>;
  close(): Promise<void>;
}

/** A snapshotter for the database of a relay started by startTestRelay (its `dir` and `config`). */
export async function openStoreSnapshotter(relay: { dir: string; config: Config }): Promise<StoreSnapshotter> {
  return relay.config.database.engine === 'postgres' ? openPostgres(relay.config.database.url) : openSqlite(join(relay.dir, 'relay.sqlite'));
}

function openSqlite(file: string): StoreSnapshotter {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
  const selects = tables.map((table) => {
    const cols = (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[])
      .map((c) => c.name)
      .filter((c) => !(VOLATILE[table] ?? []).includes(c));
    // ORDER BY every column: the fingerprint must not depend on the engine's scan order.
    const list = cols.map((c) => `"${c}"`).join(', ');
    return { table, stmt: db.prepare(`SELECT ${list} FROM "${table}" ORDER BY ${list}`).raw(true) };
  });
  const read = db.transaction(() => {
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    for (const { table, stmt } of selects) {
      const rows = stmt.all() as unknown[][];
      counts[table] = rows.length;
      hash.update(table);
      for (const row of rows) hash.update(JSON.stringify(row, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('hex') : typeof v === 'bigint' ? String(v) : v)));
    }
    return { counts, digest: hash.digest('hex') };
  });
  return {
    take: async () => read(),
    close: async () => {
      db.close();
    },
  };
}

async function openPostgres(url: string): Promise<StoreSnapshotter> {
  const target = parsePostgresUrl(url);
  const schema = target.schema ?? 'public';
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  const tables = (await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY table_name", [schema])).rows.map((r) => r.table_name);
  return {
    async take() {
      const hash = createHash('sha256');
      const counts: Record<string, number> = {};
      // One snapshot of every table: REPEATABLE READ sees the same committed state throughout.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      try {
        for (const table of tables) {
          const row = `(to_jsonb(t) - $1::text[])::text`;
          const { rows } = await client.query<{ n: number; h: string }>(`SELECT count(*)::int AS n, coalesce(md5(string_agg(${row}, E'\\n' ORDER BY ${row})), '') AS h FROM "${schema}"."${table}" t`, [[...(VOLATILE[table] ?? [])]]);
          counts[table] = rows[0]!.n;
          hash.update(table + rows[0]!.h);
        }
      } finally {
        await client.query('COMMIT');
      }
      return { counts, digest: hash.digest('hex') };
    },
    async close() {
      await client.end();
    },
  };
}
