import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStoreContract, t } from '../store-contract.ts';
import { LATEST_VERSION, MIGRATIONS, runMigrations, schemaVersion } from './migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';
import { CONTACT_SUMMARY_SQL, PAGE_SQL, REPORT_SQL } from './statements.ts';

/** A real file (WAL and all) in its own directory, never :memory:, so the tests see what production sees. */
function tempFile(): { dir: string; file: string } {
  const dir = join(tmpdir(), `ppw-store-${randomUUID()}`);
  return { dir, file: join(dir, 'nested', 'relay.db') };
}

describeStoreContract('sqlite (file, WAL)', async () => {
  const { dir, file } = tempFile();
  const store = openSqliteStore(file);
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite store specifics', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const { dir, file } = tempFile();
    dirs.push(dir);
    return file;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('creates the parent directory, uses WAL, and migrates to the latest version', async () => {
    const file = fresh();
    const store = openSqliteStore(file);
    expect(existsSync(file)).toBe(true);
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db)).toBe(LATEST_VERSION);
    db.close();
  });

  it('re-runs migrations cleanly', async () => {
    const file = fresh();
    const store = openSqliteStore(file);
    await store.createToken({ id: 'tok_a', name: 'Ana', role: 'rep', hash: 'h', createdAt: t(0) });
    await store.migrate();
    await store.close();
    const again = openSqliteStore(file);
    await again.migrate();
    expect(await again.listTokens()).toHaveLength(1);
    await again.close();

    const db = new Database(file);
    expect(runMigrations(db, file, () => t(0))).toEqual([]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: MIGRATIONS.length });
    db.close();
  });

  it('applies only the missing migrations, in order', () => {
    const file = fresh();
    openSqliteStore(file).close();
    const db = new Database(file);
    const extra = [...MIGRATIONS, { version: LATEST_VERSION + 1, name: 'test column', sql: 'ALTER TABLE tokens ADD COLUMN note TEXT' }];
    expect(runMigrations(db, file, () => t(0), extra)).toEqual([LATEST_VERSION + 1]);
    expect(runMigrations(db, file, () => t(0), extra)).toEqual([]);
    expect(schemaVersion(db)).toBe(LATEST_VERSION + 1);
    db.close();
  });

  it('refuses to open a database from a newer relay', async () => {
    const file = fresh();
    await openSqliteStore(file).close();
    const db = new Database(file);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(LATEST_VERSION + 1, 'from the future', t(0));
    db.close();
    expect(() => openSqliteStore(file)).toThrow(/schema version \d+.*only knows up to/);
    expect(() => openSqliteStore(file, { readonly: true })).toThrow(/newer relay/);
  });

  it('refuses a database whose migration history differs from the code', async () => {
    const file = fresh();
    await openSqliteStore(file).close();
    const db = new Database(file);
    db.prepare('UPDATE schema_migrations SET name = ? WHERE version = 1').run('edited after release');
    db.close();
    expect(() => openSqliteStore(file)).toThrow(/does not have/);
  });

  it('keeps data across close and reopen', async () => {
    const file = fresh();
    const a = openSqliteStore(file);
    const { message } = await a.createOutbound({
      id: 'm1', phone: '+5511987654321', body: 'Hi', contentSid: null, variables: null, sentBy: 'Ana', sentByTokenId: 'tok_a', createdAt: t(0), idempotencyKey: 'k',
    });
    await a.attachSid('m1', 'SM1', 'queued', t(1));
    await a.applyStatus({ sid: 'SM1', status: 'delivered', eventType: '', errorCode: null, errorMessage: null, at: t(2) });
    await a.close();

    const b = openSqliteStore(file);
    expect(await b.getMessage('m1')).toMatchObject({ id: message.id, sid: 'SM1', status: 'delivered' });
    // The dedupe keys survived too.
    expect(await b.applyStatus({ sid: 'SM1', status: 'delivered', eventType: '', errorCode: null, errorMessage: null, at: t(3) })).toEqual({ kind: 'duplicate' });
    expect((await b.createOutbound({
      id: 'm2', phone: '+5511987654321', body: 'Hi', contentSid: null, variables: null, sentBy: 'Ana', sentByTokenId: 'tok_a', createdAt: t(5), idempotencyKey: 'k',
    })).created).toBe(false);
    await b.close();
  });

  it('makes a committed write visible to a second connection at once', async () => {
    const file = fresh();
    const writer = openSqliteStore(file);
    const reader = openSqliteStore(file, { readonly: true });
    expect(await reader.getContact('+5511987654321')).toBeNull();
    await writer.recordConsent({ phone: '+5511987654321', state: 'opted_in', source: 'rep', by: 'Ana', evidence: 'form', at: t(0), messageSid: null });
    // Still open (no checkpoint, no close): the commit is in the WAL and that is enough.
    expect((await reader.getContact('+5511987654321'))?.consentState).toBe('opted_in');
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT consent_state FROM contacts').get()).toEqual({ consent_state: 'opted_in' });
    raw.close();
    await expect(reader.migrate()).rejects.toThrow(/read-only/);
    await reader.close();
    await writer.close();
  });

  it('enforces an append-only consent history in the database itself', async () => {
    const file = fresh();
    const store = openSqliteStore(file);
    await store.recordConsent({ phone: '+5511987654321', state: 'opted_in', source: 'rep', by: 'Ana', evidence: 'form', at: t(0), messageSid: null });
    await store.close();
    const db = new Database(file);
    expect(() => db.prepare(`UPDATE consent_events SET state = 'opted_out'`).run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM consent_events').run()).toThrow(/append-only/);
    db.close();
  });

  it('reads a corrupt JSON column as empty instead of failing the history', async () => {
    const file = fresh();
    const store = openSqliteStore(file);
    await store.createOutbound({
      id: 'm1', phone: '+5511987654321', body: 'Hi', contentSid: null, variables: { '1': 'x' }, sentBy: 'Ana', sentByTokenId: 'tok_a', createdAt: t(0), idempotencyKey: null,
    });
    const db = new Database(file);
    db.prepare(`UPDATE messages SET status_times = '{not json', variables = '[1,2]'`).run();
    db.close();
    expect(await store.getMessage('m1')).toMatchObject({ statusTimes: {}, variables: null });
    await store.close();
  });

  it('applies 10k status updates in a loop', async () => {
    const file = fresh();
    const store = openSqliteStore(file);
    const statuses = ['sent', 'delivered', 'read', 'sent', 'delivered'] as const;
    for (let i = 0; i < 2000; i++) {
      const { message } = await store.createOutbound({
        id: `m${i}`, phone: `+55119${String(i).padStart(8, '0')}`, body: 'x', contentSid: null, variables: null,
        sentBy: 'Ana', sentByTokenId: 'tok_a', createdAt: t(i), idempotencyKey: null,
      });
      await store.attachSid(message.id, `SM${i}`, 'queued', t(i));
    }
    let applied = 0;
    let duplicates = 0;
    for (let k = 0; k < 10_000; k++) {
      const i = k % 2000;
      const status = statuses[Math.floor(k / 2000)]!;
      const eventType = k >= 6000 ? 'RETRY' : '';
      const r = await store.applyStatus({ sid: `SM${i}`, status, eventType, errorCode: null, errorMessage: null, at: t(i + k) });
      if (r.kind === 'applied') applied++;
      if (r.kind === 'duplicate') duplicates++;
    }
    // The last two passes repeat statuses every message already reached.
    expect(applied).toBe(6000);
    expect(duplicates).toBe(4000);
    expect((await store.getMessage('m7'))?.status).toBe('read');
    await store.close();
  });

  it('plans manager reports, drill-down pages, list badges and replays with index ranges, never a table scan', async () => {
    const file = fresh();
    await openSqliteStore(file).close();
    const db = new Database(file, { readonly: true });
    const params = { key: 'Ana', after: 'Ana', from: '2025-01-01', to: '2025-02-01', rep: 'Ana', cAt: '2025-01-20', cSeq: 5, status: 'read', sidFilter: 1, contentSid: 'HX1', limit: 51 };
    const plan = (sql: string, args: unknown): string => {
      const stmt = db.prepare(`EXPLAIN QUERY PLAN ${sql}`);
      const names = [...new Set([...sql.matchAll(/@(\w+)/g)].map((m) => m[1]!))];
      const bound = names.length ? [Object.fromEntries(names.map((n) => [n, (args as Record<string, unknown>)[n]]))] : Array.isArray(args) ? args : [];
      return (stmt.all(...bound) as { detail: string }[]).map((r) => r.detail).join(' | ');
    };
    // Reports: ranges of the covering report index (first day, whole days, last day), grouped in index
    // order: no sort (no temp b-tree), no row of the table.
    const part = 'SEARCH messages USING COVERING INDEX messages_out_report (<expr>>? AND <expr><?)';
    for (const name of ['day', 'rep', 'template'] as const) {
      expect(plan(REPORT_SQL[name], { ...params, fromDay: '2025-01-01', toDay: '2025-01-31' }), name).toBe(`COMPOUND QUERY | LEFT-MOST SUBQUERY | ${part} | UNION ALL | ${part} | UNION ALL | ${part}`);
    }
    // Pages: a created_at range read newest first in index order (created_at, then seq as the rowid): no sort either.
    for (const [name, index, eq] of [['any', 'messages_created', ''], ['byRep', 'messages_sent_by_created', 'sent_by=? AND '], ['byTemplate', 'messages_content_created', 'content_sid=? AND ']] as const) {
      expect(plan(PAGE_SQL[name], params), name).toBe(`SEARCH messages USING INDEX ${index} (${eq}created_at>? AND created_at<?)`);
    }
    expect(plan(CONTACT_SUMMARY_SQL, ['["42"]'])).toMatch(/SEARCH c USING INDEX contacts_pinpoint \(pinpoint_id=\?\)/);
    expect(plan(CONTACT_SUMMARY_SQL, ['["42"]'])).toMatch(/SEARCH messages USING (COVERING )?INDEX messages_phone_seq \(phone=\?\)/);
    expect(plan(CONTACT_SUMMARY_SQL, ['["42"]'])).not.toMatch(/SCAN (c|messages)\b/);
    const replay = `SELECT * FROM messages WHERE direction = 'inbound' AND seq > 5 AND phone IN (SELECT phone FROM messages WHERE sent_by_token_id = 't') ORDER BY seq LIMIT 10`;
    expect(plan(replay, [])).toMatch(/^SEARCH messages USING (COVERING )?INDEX messages_/);
    expect(plan(`SELECT * FROM messages WHERE phone = '+1' ORDER BY seq DESC LIMIT 10`, [])).toMatch(/^SEARCH messages USING INDEX messages_phone_seq/);
    db.close();
  });

  it('migrating to version 2 copies status times onto columns, from status_times alone', () => {
    const file = fresh();
    mkdirSync(dirname(file), { recursive: true });
    const db = new Database(file);
    runMigrations(db, file, () => t(0), MIGRATIONS.filter((m) => m.version === 1));
    const insert = db.prepare(`INSERT INTO messages (id, phone, direction, status, status_times, created_at, updated_at) VALUES (?, '+5511987654321', ?, ?, ?, ?, ?)`);
    insert.run('read-first', 'outbound', 'read', JSON.stringify({ queued: t(0), sent: t(2), read: t(5), delivered: t(7) }), t(0), t(7));
    insert.run('delivered', 'outbound', 'delivered', JSON.stringify({ queued: t(0), sent: t(1), delivered: t(3.25) }), t(0), t(3.25));
    insert.run('failed', 'outbound', 'undelivered', JSON.stringify({ queued: t(0), failed: t(9), undelivered: t(4) }), t(0), t(9));
    insert.run('corrupt', 'outbound', 'sent', '{not json', t(0), t(0));
    insert.run('odd', 'outbound', 'sent', JSON.stringify({ sent: 42 }), t(0), t(0));
    insert.run('inbound', 'inbound', 'received', JSON.stringify({ received: t(1) }), t(0), t(1));
    expect(runMigrations(db, file, () => t(0))).toEqual(MIGRATIONS.filter((m) => m.version > 1).map((m) => m.version));
    const rows = db.prepare('SELECT id, sent_at, delivered_at, read_at, failed_at, to_delivered_ms, to_read_ms FROM messages ORDER BY seq').all();
    expect(rows).toEqual([
      { id: 'read-first', sent_at: t(2), delivered_at: t(7), read_at: t(5), failed_at: null, to_delivered_ms: 5000, to_read_ms: 5000 },
      { id: 'delivered', sent_at: t(1), delivered_at: t(3.25), read_at: null, failed_at: null, to_delivered_ms: 3250, to_read_ms: null },
      { id: 'failed', sent_at: null, delivered_at: null, read_at: null, failed_at: t(4), to_delivered_ms: null, to_read_ms: null },
      { id: 'corrupt', sent_at: null, delivered_at: null, read_at: null, failed_at: null, to_delivered_ms: null, to_read_ms: null },
      { id: 'odd', sent_at: null, delivered_at: null, read_at: null, failed_at: null, to_delivered_ms: null, to_read_ms: null },
      { id: 'inbound', sent_at: null, delivered_at: null, read_at: null, failed_at: null, to_delivered_ms: null, to_read_ms: null },
    ]);
    db.close();
  });

  it('keeps the status columns in step with status_times on every write path', async () => {
    const file = fresh();
    const store = openSqliteStore(file);
    const base = { phone: '+5511987654321', body: 'Hi', contentSid: null, variables: null, sentBy: 'Ana', sentByTokenId: 'tok_a', idempotencyKey: null };
    await store.createOutbound({ ...base, id: 'a', createdAt: t(0) });
    await store.createOutbound({ ...base, id: 'b', createdAt: t(0) });
    await store.createOutbound({ ...base, id: 'c', createdAt: t(0) });
    // A callback before the sid is attached, replayed by attachSid.
    await store.applyStatus({ sid: 'SMa', status: 'sent', eventType: '', errorCode: null, errorMessage: null, at: t(1) });
    await store.attachSid('a', 'SMa', 'queued', t(0.5));
    await store.applyStatus({ sid: 'SMa', status: 'read', eventType: 'READ', errorCode: null, errorMessage: null, at: t(6) });
    await store.applyStatus({ sid: 'SMa', status: 'delivered', eventType: '', errorCode: null, errorMessage: null, at: t(4) });
    await store.markSendFailed('b', 21211, 'The phone number is not valid.', t(2));
    await store.attachSid('c', 'SMc', 'queued', t(0.5));
    await store.applyStatus({ sid: 'SMc', status: 'undelivered', eventType: '', errorCode: 63016, errorMessage: 'x', at: t(3) });
    await store.close();
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT id, sent_at, delivered_at, read_at, failed_at, to_delivered_ms, to_read_ms FROM messages ORDER BY id').all()).toEqual([
      { id: 'a', sent_at: t(1), delivered_at: t(4), read_at: t(6), failed_at: null, to_delivered_ms: 4000, to_read_ms: 6000 },
      { id: 'b', sent_at: null, delivered_at: null, read_at: null, failed_at: t(2), to_delivered_ms: null, to_read_ms: null },
      { id: 'c', sent_at: null, delivered_at: null, read_at: null, failed_at: t(3), to_delivered_ms: null, to_read_ms: null },
    ]);
    db.close();
  });

  it('a pairing code raced by several processes on one file yields exactly one token', async () => {
    const file = fresh();
    const store = openSqliteStore(file);
    await store.createPairingCode({ id: 'pc_race', hash: 'r'.repeat(64), role: 'rep', createdBy: 'Mia', createdAt: t(0), expiresAt: t(900) });
    await store.close();
    // Separate processes (better-sqlite3 is synchronous, so only processes truly race on the write lock),
    // each waiting for the same instant before redeeming.
    const startAt = Date.now() + 2500;
    const storeUrl = new URL('./sqlite-store.ts', import.meta.url).href;
    const script = `
      const { openSqliteStore } = await import(${JSON.stringify(storeUrl)});
      const [file, startAt, k] = process.argv.slice(-3);
      const store = openSqliteStore(file);
      while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 1));
      const got = await store.redeemPairingCode('r'.repeat(64), ${JSON.stringify(t(10))}, (c) => ({ id: 'tok_' + k, name: 'Rep ' + k, role: c.role, hash: k.padStart(64, 'h'), createdAt: ${JSON.stringify(t(10))} }));
      await store.close();
      process.stdout.write(got === null ? 'none' : 'token');`;
    const run = (k: number) =>
      new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file, String(startAt), String(k)], { encoding: 'utf8' }, (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout.trim()),
        );
      });
    const outcomes = await Promise.all([1, 2, 3, 4].map(run));
    expect(outcomes.sort()).toEqual(['none', 'none', 'none', 'token']);
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) AS n FROM tokens').get()).toEqual({ n: 1 });
    db.close();
  });
});
