/**
 * Data care details the shared contract cannot reach through the interface, on both engines: the
 * retention windows over a sequence with gaps wider than a window, and the audit trail refusing
 * to be edited or deleted (the database enforces append-only, as for consent history).
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { PURGE_WINDOW } from './data-care.ts';
import { openPostgresStore } from './postgres/postgres-store.ts';
import { TEST_DATABASE_URL, dropSchema, postgresAvailable, randomSchema, withClient } from './postgres/test-database.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';
import { t } from './store-contract.ts';

/** Old messages spread over several windows with gaps (seq 1 … 3·window), and one new message last. */
const OLD_SEQS = [1, PURGE_WINDOW - 1, PURGE_WINDOW, PURGE_WINDOW + 1, 3 * PURGE_WINDOW + 7];
const NEW_SEQ = 3 * PURGE_WINDOW + 9;
const rows = [...OLD_SEQS.map((seq) => ({ seq, at: t(0) })), { seq: NEW_SEQ, at: t(10_000) }];

describe('data care (sqlite specifics)', () => {
  const dir = join(tmpdir(), `ppw-care-${randomUUID()}`);
  const file = join(dir, 'relay.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('purges every old message across windows and gaps, and the audit trail is append-only', async () => {
    const store = openSqliteStore(file);
    const raw = new Database(file);
    try {
      const insert = raw.prepare(
        `INSERT INTO messages (seq, id, phone, direction, body, status, meta, status_times, created_at, updated_at)
         VALUES (?, ?, '+5511987654321', 'inbound', 'hello', 'received', '{"NumMedia":"0","ButtonText":"Yes"}', '{}', ?, ?)`,
      );
      for (const r of rows) insert.run(r.seq, `m${r.seq}`, r.at, r.at);
      expect(await store.purgeBodies(t(5000), t(20_000))).toBe(OLD_SEQS.length);
      const after = raw.prepare('SELECT seq, body, meta, body_purged_at FROM messages ORDER BY seq').all();
      expect(after).toEqual([
        ...OLD_SEQS.map((seq) => ({ seq, body: null, meta: '{"NumMedia":"0"}', body_purged_at: t(20_000) })),
        { seq: NEW_SEQ, body: 'hello', meta: '{"NumMedia":"0","ButtonText":"Yes"}', body_purged_at: null },
      ]);
      expect(() => raw.prepare("UPDATE audit_events SET actor = 'someone else'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
      expect(await store.auditEvents()).toHaveLength(1);
    } finally {
      raw.close();
      await store.close();
    }
  });
});

const available = await postgresAvailable();

describe.skipIf(!available)('data care (postgres specifics)', () => {
  const schema = randomSchema();
  afterAll(() => dropSchema(schema));

  it('purges every old message across windows and gaps, and the audit trail is append-only', async () => {
    const store = openPostgresStore(TEST_DATABASE_URL, { schema, poolSize: 2 });
    try {
      await store.migrate();
      await withClient(async (c) => {
        for (const r of rows) {
          await c.query(
            `INSERT INTO messages (seq, id, phone, direction, body, status, meta, status_times, created_at, updated_at)
             OVERRIDING SYSTEM VALUE VALUES ($1, $2, '+5511987654321', 'inbound', 'hello', 'received', '{"NumMedia":"0","ButtonText":"Yes"}', '{}', $3, $3)`,
            [r.seq, `m${r.seq}`, r.at],
          );
        }
      }, schema);
      expect(await store.purgeBodies(t(5000), t(20_000))).toBe(OLD_SEQS.length);
      const after = await withClient((c) => c.query<{ seq: string; body: string | null; meta: unknown; body_purged_at: Date | null }>('SELECT seq, body, meta, body_purged_at FROM messages ORDER BY seq'), schema);
      expect(after.rows.map((r) => ({ seq: Number(r.seq), body: r.body, meta: r.meta, at: r.body_purged_at?.toISOString() ?? null }))).toEqual([
        ...OLD_SEQS.map((seq) => ({ seq, body: null, meta: { NumMedia: '0' }, at: t(20_000) })),
        { seq: NEW_SEQ, body: 'hello', meta: { NumMedia: '0', ButtonText: 'Yes' }, at: null },
      ]);
      await withClient(async (c) => {
        await expect(c.query("UPDATE audit_events SET actor = 'someone else'")).rejects.toThrow(/append-only/);
        await expect(c.query('DELETE FROM audit_events')).rejects.toThrow(/append-only/);
        await expect(c.query('TRUNCATE audit_events')).rejects.toThrow(/append-only/);
      }, schema);
      expect(await store.auditEvents()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});
