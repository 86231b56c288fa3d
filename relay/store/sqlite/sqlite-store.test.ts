import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { describeStoreContract, t } from '../store-contract.ts';
import { LATEST_VERSION, MIGRATIONS, runMigrations, schemaVersion } from './migrations.ts';
import { openSqliteStore } from './sqlite-store.ts';

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

  it('plans manager reports and replays with indexes, not table scans', async () => {
    const file = fresh();
    await openSqliteStore(file).close();
    const db = new Database(file, { readonly: true });
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
    const queries = [
      `SELECT * FROM messages WHERE created_at >= '2025-01-01' AND created_at < '2025-02-01'`,
      `SELECT * FROM messages WHERE sent_by = 'Ana' AND created_at >= '2025-01-01' AND created_at < '2025-02-01'`,
      `SELECT * FROM messages WHERE content_sid = 'HX1' AND created_at >= '2025-01-01' AND created_at < '2025-02-01'`,
      `SELECT * FROM messages WHERE phone = '+1' ORDER BY seq DESC LIMIT 10`,
      `SELECT * FROM messages WHERE direction = 'inbound' AND seq > 5 AND phone IN (SELECT phone FROM messages WHERE sent_by_token_id = 't') ORDER BY seq LIMIT 10`,
    ];
    for (const q of queries) {
      // SEARCH = an index range; SCAN (even "USING INDEX") would walk all million rows.
      expect(plan(q)).toMatch(/^SEARCH messages USING (COVERING )?INDEX messages_/);
      expect(plan(q)).not.toMatch(/SCAN messages/);
    }
    db.close();
  });
});
