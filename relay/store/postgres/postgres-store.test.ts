/**
 * The PostgreSQL engine against a real server (PPW_TEST_DATABASE_URL, default
 * postgres://127.0.0.1:5432/test), each test in a fresh schema dropped afterwards: the shared
 * contract suite, then what only a multi-connection engine can get wrong (concurrent migrations,
 * concurrent writers on one key or one message, the callback-versus-attachSid race).
 */
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStoreContract, t } from '../store-contract.ts';
import type { NewOutbound, Store } from '../store.ts';
import { LATEST_VERSION, MIGRATIONS, runMigrations, type Migration } from './migrations.ts';
import { openPostgresStore } from './postgres-store.ts';
import { parsePostgresUrl } from './postgres-url.ts';
import { reportDays, reportSql } from './report-queries.ts';
import { TEST_DATABASE_URL, dropSchema, postgresAvailable, randomSchema, schemaUrl, withClient } from './test-database.ts';

const available = await postgresAvailable();

describe.skipIf(!available)('postgres', () => {
  describeStoreContract('postgres', async () => {
    const schema = randomSchema();
    const store = openPostgresStore(TEST_DATABASE_URL, { schema, poolSize: 4 });
    await store.migrate();
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describe('postgres store specifics', () => {
    const schemas: string[] = [];
    const closers: (() => Promise<unknown>)[] = [];
    const fresh = (): string => {
      const s = randomSchema();
      schemas.push(s);
      return s;
    };
    const open = (schema: string, poolSize = 8): Store => {
      const store = openPostgresStore(TEST_DATABASE_URL, { schema, poolSize });
      closers.push(() => store.close());
      return store;
    };
    /** A pool on the schema for calling runMigrations directly. */
    const rawPool = (schema: string): pg.Pool => {
      const pool = new pg.Pool({ connectionString: parsePostgresUrl(TEST_DATABASE_URL).connectionString, options: `-c search_path=${schema}`, max: 2 });
      closers.push(() => pool.end());
      return pool;
    };
    afterEach(async () => {
      for (const close of closers.splice(0)) await close();
      for (const s of schemas.splice(0)) await dropSchema(s);
    });

    const outbound = (over: Partial<NewOutbound> = {}): NewOutbound => ({
      id: `msg_${Math.random().toString(36).slice(2)}`,
      phone: '+5511987654321',
      body: 'Hello',
      contentSid: null,
      variables: null,
      sentBy: 'Ana',
      sentByTokenId: 'tok_a',
      createdAt: t(0),
      idempotencyKey: null,
      ...over,
    });
    const status = (sid: string, s: 'sent' | 'delivered' | 'read' | 'failed', at: string) => ({ sid, status: s, eventType: '', errorCode: null, errorMessage: null, at });

    it('creates its schema, records each migration, and a second migrate applies nothing', async () => {
      const schema = fresh();
      await open(schema).migrate();
      const rows = await withClient((c) => c.query<{ version: number; name: string }>(`SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`));
      expect(rows.rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      const pool = rawPool(schema);
      expect(await runMigrations(() => pool.connect(), { schema, where: schema })).toEqual([]);
    });

    it('several instances migrating at once apply each migration exactly once', async () => {
      const schema = fresh();
      const extra: Migration[] = [
        ...MIGRATIONS,
        { version: LATEST_VERSION + 1, name: 'test column', sql: 'ALTER TABLE tokens ADD COLUMN note text' },
        { version: LATEST_VERSION + 2, name: 'test table', sql: 'CREATE TABLE test_extra (id int PRIMARY KEY)' },
      ];
      const pools = [rawPool(schema), rawPool(schema), rawPool(schema), rawPool(schema)];
      const applied = await Promise.all(pools.map((p) => runMigrations(() => p.connect(), { schema, where: schema }, extra)));
      // Each version once in total, whichever instance won it.
      expect(applied.flat().sort((a, b) => a - b)).toEqual(extra.map((m) => m.version));
      const count = await withClient((c) => c.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.schema_migrations`));
      expect(Number(count.rows[0]?.n)).toBe(extra.length);
      // And through the store's own migrate, all at once, on a second schema.
      const other = fresh();
      await Promise.all([open(other), open(other), open(other)].map((s) => s.migrate()));
      const n2 = await withClient((c) => c.query<{ n: string }>(`SELECT count(*) AS n FROM ${other}.schema_migrations`));
      expect(Number(n2.rows[0]?.n)).toBe(MIGRATIONS.length);
    });

    it('version 2 fills the report columns of existing messages as the store would have written them', async () => {
      const schema = fresh();
      const pool = rawPool(schema);
      await runMigrations(() => pool.connect(), { schema, where: schema }, MIGRATIONS.slice(0, 1));
      const times = [
        { sent: t(1), delivered: t(3), read: t(10) },
        { read: t(4), delivered: t(6) },
        { sent: t(1), undelivered: t(5), failed: t(7) },
        { queued: t(0), delivered: 42 },
      ];
      for (const [i, st] of times.entries()) {
        await pool.query(
          `INSERT INTO messages (id, phone, direction, status, status_times, created_at, updated_at) VALUES ($1, '+1', 'outbound', 'sent', $2, $3, $3)`,
          [`m${i}`, JSON.stringify(st), t(0)],
        );
      }
      expect(await runMigrations(() => pool.connect(), { schema, where: schema })).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
      const rows = await pool.query<Record<string, Date | string | null>>(
        'SELECT id, sent_at, delivered_at, read_at, failed_at, to_delivered_ms, to_read_ms FROM messages ORDER BY id',
      );
      const iso = (d: Date | string | null) => (d instanceof Date ? d.toISOString() : d);
      const num = (v: Date | string | null) => (v === null ? null : Number(v));
      expect(rows.rows.map((r) => ({ sentAt: iso(r.sent_at!), deliveredAt: iso(r.delivered_at!), readAt: iso(r.read_at!), failedAt: iso(r.failed_at!), toDeliveredMs: num(r.to_delivered_ms!), toReadMs: num(r.to_read_ms!) }))).toEqual([
        { sentAt: t(1), deliveredAt: t(3), readAt: t(10), failedAt: null, toDeliveredMs: 3000, toReadMs: 10000 },
        { sentAt: null, deliveredAt: t(6), readAt: t(4), failedAt: null, toDeliveredMs: 4000, toReadMs: 4000 },
        { sentAt: t(1), deliveredAt: null, readAt: null, failedAt: t(5), toDeliveredMs: null, toReadMs: null },
        // A number where a time belongs (hand-edited) is not a time.
        { sentAt: null, deliveredAt: null, readAt: null, failedAt: null, toDeliveredMs: null, toReadMs: null },
      ]);
    });

    it('refuses a schema migrated by a newer relay, and one whose history differs', async () => {
      const schema = fresh();
      await open(schema).migrate();
      await withClient((c) => c.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, 'from the future')`, [LATEST_VERSION + 1]));
      await expect(open(schema).migrate()).rejects.toThrow(/schema version \d+.*only knows up to/);

      const edited = fresh();
      await open(edited).migrate();
      await withClient((c) => c.query(`UPDATE ${edited}.schema_migrations SET name = 'edited after release' WHERE version = 1`));
      await expect(open(edited).migrate()).rejects.toThrow(/does not have/);
    });

    it('enforces an append-only consent history in the database itself', async () => {
      const schema = fresh();
      const store = open(schema);
      await store.migrate();
      await store.recordConsent({ phone: '+5511987654321', state: 'opted_in', source: 'rep', by: 'Ana', evidence: 'form', at: t(0), messageSid: null });
      await withClient(async (c) => {
        await expect(c.query(`UPDATE consent_events SET state = 'opted_out'`)).rejects.toThrow(/append-only/);
        await expect(c.query('DELETE FROM consent_events')).rejects.toThrow(/append-only/);
        await expect(c.query('TRUNCATE consent_events')).rejects.toThrow(/append-only/);
      }, schema);
      expect(await store.consentHistory('+5511987654321')).toHaveLength(1);
    });

    it('keeps schemas apart', async () => {
      const a = open(fresh());
      const b = open(fresh());
      await Promise.all([a.migrate(), b.migrate()]);
      await a.createOutbound(outbound());
      expect(await a.listMessages('+5511987654321', 10)).toHaveLength(1);
      expect(await b.listMessages('+5511987654321', 10)).toEqual([]);
    });

    it('returns UTC ISO times whatever the session time zone, and keeps the URL’s own options', async () => {
      const schema = fresh();
      await open(schema).migrate();
      const url = new URL(schemaUrl(schema));
      url.searchParams.set('options', '-c TimeZone=Asia/Kolkata');
      const store = openPostgresStore(url.toString());
      closers.push(() => store.close());
      const { message } = await store.createOutbound(outbound({ createdAt: '2025-01-15T11:00:00.123+02:00' }));
      expect(message.createdAt).toBe('2025-01-15T09:00:00.123Z');
      expect((await store.getMessage(message.id))?.statusTimes).toEqual({ queued: '2025-01-15T09:00:00.123Z' });
      const tz = await withClient((c) => c.query<{ tz: string }>(`SELECT setting AS tz FROM pg_settings WHERE name = 'TimeZone'`));
      expect(tz.rows[0]?.tz).toBeDefined();
    });

    it('one message for concurrent sends with the same idempotency key, from two instances', async () => {
      const schema = fresh();
      const a = open(schema);
      const b = open(schema);
      await a.migrate();
      const attempts = Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).createOutbound(outbound({ idempotencyKey: 'double-click', body: `try ${i}` })));
      const results = await Promise.all(attempts);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect(await a.listMessages('+5511987654321', 100)).toHaveLength(1);
    });

    it('concurrent status callbacks for one message end at the highest rank, every time reported', async () => {
      const schema = fresh();
      const a = open(schema);
      const b = open(schema);
      await a.migrate();
      const orders = [
        ['sent', 'delivered', 'read'],
        ['read', 'delivered', 'sent'],
        ['delivered', 'read', 'sent'],
      ] as const;
      for (let i = 0; i < 30; i++) {
        const { message } = await a.createOutbound(outbound());
        await a.attachSid(message.id, `SMc${i}`, 'queued', t(1));
        const order = orders[i % orders.length]!;
        const results = await Promise.all(order.map((s, k) => (k % 2 ? a : b).applyStatus(status(`SMc${i}`, s, t(s === 'sent' ? 2 : s === 'delivered' ? 3 : 4)))));
        expect(results.every((r) => r.kind === 'applied')).toBe(true);
        const final = await b.getMessage(message.id);
        expect(final?.status).toBe('read');
        expect(final?.statusTimes).toEqual({ queued: t(0), sent: t(2), delivered: t(3), read: t(4) });
        expect(final?.updatedAt).toBe(t(4));
      }
    });

    it('a callback racing attachSid for the same sid is never lost', async () => {
      const schema = fresh();
      const a = open(schema);
      const b = open(schema);
      await a.migrate();
      for (let i = 0; i < 40; i++) {
        const { message } = await a.createOutbound(outbound());
        const sid = `SMr${i}`;
        const [, r] = await Promise.all([a.attachSid(message.id, sid, 'accepted', t(1)), b.applyStatus(status(sid, 'delivered', t(3)))]);
        // Either it was kept and replayed by attachSid, or it found the sid attached: both end delivered.
        expect(['unknown', 'applied']).toContain(r.kind);
        expect((await a.getMessage(message.id))?.status).toBe('delivered');
      }
    });

    it('numbers concurrent inbound messages in commit order, so a replay cursor skips nothing', async () => {
      const schema = fresh();
      const a = open(schema, 12);
      const b = open(schema, 12);
      const reader = open(schema, 2);
      await a.migrate();
      await a.createOutbound(outbound({ phone: '+5511900000001' }));
      // A client following the stream: it only ever asks for messages after the last cursor it saw,
      // as a reconnecting panel does with Last-Event-ID. A message numbered below that cursor but
      // committed after it was read would never be seen.
      const seen = new Set<string>();
      let cursor = '0';
      let writing = true;
      const follow = async () => {
        for (;;) {
          const done = !writing;
          for (const m of await reader.inboundSince('tok_a', cursor, 1000)) {
            seen.add(m.id);
            cursor = (m as unknown as { cursor: string }).cursor;
          }
          if (done) return;
        }
      };
      const following = follow();
      const total = 300;
      let next = 0;
      const writer = async (store: Store) => {
        while (next < total) {
          const i = next++;
          await store.receiveInbound({ id: `in_${i}`, sid: `SMi${i}`, phone: '+5511900000001', body: `m${i}`, profileName: null, waId: null, at: t(10 + i), meta: {} });
        }
      };
      await Promise.all(Array.from({ length: 16 }, (_, k) => writer(k % 2 ? a : b)));
      writing = false;
      await following;
      expect(seen.size).toBe(total);
    });

    it('has an index for every report, drill-down and replay query', async () => {
      const schema = fresh();
      await open(schema).migrate();
      const range = `created_at >= '2025-01-01' AND created_at < '2025-02-01'`;
      const queries = [
        // Reports, one per grouping, and drill-down pages (newest first, keyset on (created_at, seq)).
        `SELECT status, to_delivered_ms FROM messages WHERE direction = 'outbound' AND ${range}`,
        `SELECT status, to_delivered_ms FROM messages WHERE direction = 'outbound' AND sent_by = 'Ana' AND ${range}`,
        `SELECT status, to_delivered_ms FROM messages WHERE direction = 'outbound' AND content_sid IS NULL AND ${range}`,
        `SELECT * FROM messages WHERE direction = 'outbound' AND content_sid = 'HX1' AND (created_at, seq) < ('2025-01-01', 5) ORDER BY created_at DESC, seq DESC LIMIT 51`,
        `SELECT * FROM messages WHERE direction = 'outbound' AND sent_by = 'Ana' ORDER BY created_at DESC, seq DESC LIMIT 51`,
        `SELECT * FROM messages WHERE phone = '+1' ORDER BY seq DESC LIMIT 10`,
        `SELECT * FROM messages WHERE direction = 'inbound' AND seq > 5 AND phone IN (SELECT phone FROM messages WHERE sent_by_token_id = 't') ORDER BY seq LIMIT 10`,
        `SELECT * FROM consent_events WHERE phone = '+1' ORDER BY id`,
        `SELECT * FROM contacts WHERE pinpoint_id = ANY('{1,2,3}'::text[])`,
      ];
      await withClient(async (c) => {
        // Empty tables would be scanned whatever the indexes; forbidding scans shows an index can answer.
        await c.query('SET enable_seqscan = off');
        for (const q of queries) {
          const plan = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${q}`)).rows.map((r) => r['QUERY PLAN']).join('\n');
          expect(plan, q).toMatch(/Index (Only )?Scan|Bitmap Index Scan/);
          expect(plan, q).not.toMatch(/Seq Scan/);
        }
      }, schema);
    });

    // On empty tables the planner may take any of the covering report indexes; at scale the day report
    // takes messages_out_created and the others their own (test/bench/report-queries-pg.ts). What holds
    // either way: no table, no sort.
    it('reads a report range by range from a covering index, never the table, never sorting', async () => {
      const schema = fresh();
      await open(schema).migrate();
      const { starts, days } = reportDays('2025-01-01T00:00:00.000Z', '2025-01-03T00:00:00.000Z');
      expect(days).toEqual(['2025-01-01', '2025-01-02']);
      await withClient(async (c) => {
        await c.query('SET enable_seqscan = off');
        for (const groupBy of ['day', 'rep', 'template'] as const) {
          const values = groupBy === 'day' ? ['2025-01-01', '2025-01-03', null, starts, days] : ['2025-01-01', '2025-01-03', null];
          const plan = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${reportSql(groupBy)}`, values)).rows.map((r) => r['QUERY PLAN']).join('\n');
          expect(plan, groupBy).toMatch(/Index Only Scan using messages_out_(created|rep|template)/);
          expect(plan, groupBy).not.toMatch(/Seq Scan|Sort/);
        }
      }, schema);
    });

    it('a pairing code raced by two relay instances (20 requests at once) yields exactly one token', async () => {
      const schema = fresh();
      const a = open(schema, 8);
      await a.migrate();
      const b = open(schema, 8);
      await a.createPairingCode({ id: 'pc_race', hash: 'r'.repeat(64), role: 'rep', createdBy: 'Mia', createdAt: t(0), expiresAt: t(900) });
      let n = 0;
      const attempt = (store: Store) =>
        store.redeemPairingCode('r'.repeat(64), t(10), (c) => {
          n += 1;
          return { id: `tok_race_${n}`, name: `Rep ${n}`, role: c.role, hash: `${n}`.padStart(64, 'h'), createdAt: t(10) };
        });
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(i % 2 ? a : b)));
      const winners = results.filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      expect(await a.listTokens()).toEqual([winners[0]!.token]);
      const row = await withClient((c) => c.query<{ used_by_token_id: string }>('SELECT used_by_token_id FROM pairing_codes'), schema);
      expect(row.rows).toEqual([{ used_by_token_id: winners[0]!.token.id }]);
    });
  });
});
