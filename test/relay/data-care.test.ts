/**
 * Admins' data care over real HTTP and a real SQLite file: an online backup taken by the CLI while
 * the relay keeps writing, retention of message bodies (timer and CLI) that leaves reports and
 * consent alone, deletion of a contact's data on request that keeps the consent history, export of
 * everything held about a phone, and who may do which.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactState } from '../../shared/api.ts';
import { ContactDeletion, ContactExport } from '../../shared/data-care.ts';
import { ConsentHistory, DeliveryReport } from '../../shared/reports.ts';
import { startRetention } from '../../relay/retention.ts';
import { openSse } from '../helpers/sse-client.ts';
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';

const run = promisify(execFile);

let relay: TestRelay;
let rep: string;
let manager: string;
let admin: string;

const DAY = 24 * 60 * 60 * 1000;
const ago = (days: number, plusMs = 0) => new Date(Date.now() - days * DAY + plusMs).toISOString();
const HX = 'HX' + 'd'.repeat(32);

/** The relay's CLI in its own process, against the test relay's database file, as an admin runs it. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'relay/index.ts', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `file:${join(relay.dir, 'relay.sqlite')}`, LOG_LEVEL: 'silent', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function json<T>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

let seq = 0;
async function outbound(phone: string, createdAt: string, over: { body?: string | null; contentSid?: string; variables?: Record<string, string> } = {}): Promise<string> {
  const id = `msg_care_${++seq}`;
  await relay.deps.store.createOutbound({
    id, phone, body: over.body === undefined ? 'Your order shipped' : over.body, contentSid: over.contentSid ?? null, variables: over.variables ?? null,
    sentBy: 'Ana', sentByTokenId: 'tok_ana', createdAt, idempotencyKey: null,
  });
  await relay.deps.store.attachSid(id, `SM${id}`, 'queued', createdAt);
  await relay.deps.store.applyStatus({ sid: `SM${id}`, status: 'delivered', eventType: '', errorCode: null, errorMessage: null, at: new Date(Date.parse(createdAt) + 5000).toISOString() });
  return id;
}

async function inbound(phone: string, at: string, body = 'Thanks!', meta: Record<string, string> = { NumMedia: '0' }): Promise<string> {
  const id = `msg_care_${++seq}`;
  await relay.deps.store.receiveInbound({ id, sid: `SMin${id}`, phone, body, profileName: 'Maria Silva', waId: phone.slice(1), at, meta });
  return id;
}

async function setConsent(phone: string, state: 'opted_in' | 'opted_out', evidence: string, pinpointId?: string): Promise<void> {
  const res = await relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: rep, json: { state, evidence, ...(pinpointId ? { pinpointId } : {}) } });
  expect(res.status).toBe(200);
}

const contactOf = async (phone: string) => ContactState.parse(await json(await relay.api(`/v1/contacts/${encodeURIComponent(phone)}`, { token: rep })));
const historyOf = async (phone: string) => ConsentHistory.parse(await json(await relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent-history`, { token: manager })));

beforeAll(async () => {
  relay = await startTestRelay({ env: { BODY_RETENTION_DAYS: '30' } });
  rep = await relay.token('rep', 'Rita Rep');
  manager = await relay.token('manager', 'Mara Manager');
  admin = await relay.token('admin', 'Ada Admin');
});
afterAll(async () => {
  await relay?.close();
});

describe('backup (SQLite, online)', () => {
  it('copies a consistent database while the relay keeps writing: it opens, passes integrity_check, and has every row committed before', async () => {
    const phone = '+5511900000001';
    const before: string[] = [];
    for (let i = 0; i < 300; i++) before.push(await inbound(phone, ago(0, i), `before ${i}`));

    // A writer in the relay's process for as long as the backup runs: one inbound message after another.
    const during: string[] = [];
    let writing = true;
    const writer = (async () => {
      while (writing) during.push(await inbound('+5511900000002', ago(0), `during ${during.length}`));
    })();
    const file = join(relay.dir, 'backups', 'relay-copy.sqlite');
    const res = await cli(['backup', file]);
    const writtenWhileBackingUp = during.length;
    writing = false;
    await writer;

    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const size = statSync(file).size;
    expect(res.stdout).toContain(file);
    expect(res.stdout).toContain(`${size} bytes`);
    expect(writtenWhileBackingUp).toBeGreaterThan(0);
    expect(existsSync(`${file}-wal`)).toBe(false);

    const copy = new Database(file, { readonly: true, fileMustExist: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const ids = new Set(copy.prepare<[], { id: string }>('SELECT id FROM messages').all().map((r) => r.id));
      for (const id of before) expect(ids.has(id)).toBe(true);
      // One snapshot: the concurrent writes it holds are exactly the first k of them, none skipped.
      const k = during.filter((id) => ids.has(id)).length;
      expect(during.slice(0, k).every((id) => ids.has(id))).toBe(true);
      expect(during.slice(k).some((id) => ids.has(id))).toBe(false);
    } finally {
      copy.close();
    }
    // It is a relay database as it stands: the relay opens it read-only and reads the history.
    const restored = openSqliteStore(file, { readonly: true });
    try {
      expect(await restored.listMessages(phone, 1000)).toHaveLength(300);
    } finally {
      await restored.close();
    }

    // An existing file is not overwritten without --force; PostgreSQL is pointed at pg_dump.
    const again = await cli(['backup', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists.*--force/);
    expect((await cli(['backup', file, '--force'])).code).toBe(0);
    const pg = await cli(['backup', file], { DATABASE_URL: 'postgres://127.0.0.1:5432/test' });
    expect(pg.code).toBe(2);
    expect(pg.stderr.trim().split('\n')).toHaveLength(1);
    expect(pg.stderr).toMatch(/pg_dump/);
    expect((await cli(['backup'])).code).toBe(2);
  });
});

describe('retention of message bodies', () => {
  const P = '+5511900000100';
  const range = () => `from=${ago(120).slice(0, 10)}&to=${ago(-1).slice(0, 10)}`;

  it('removes only old bodies (CLI now, and the timer at start); reports and consent are unchanged', async () => {
    await setConsent(P, 'opted_in', 'Signed the paper form at the store', '4242');
    const oldTemplate = await outbound(P, ago(90), { body: null, contentSid: HX, variables: { '1': 'Maria' } });
    const oldText = await outbound(P, ago(45));
    const oldIn = await inbound(P, ago(44), 'My address is Rua A, 1', { NumMedia: '0', Latitude: '-23.5', Longitude: '-46.6' });
    const recent = await outbound(P, ago(29));
    const recentIn = await inbound(P, ago(1), 'See you tomorrow');

    const report = async () => DeliveryReport.parse(await json(await relay.api(`/v1/reports/delivery?${range()}&groupBy=rep`, { token: manager })));
    const reportBefore = await report();
    const historyBefore = await historyOf(P);
    const contactBefore = await contactOf(P);
    const byId = (c: ContactState) => new Map(c.messages.map((m) => [m.id, m]));

    // The CLI, against the running relay's file: BODY_RETENTION_DAYS=30 from the environment.
    const purgedByCli = await cli(['retention', 'run'], { BODY_RETENTION_DAYS: '30' });
    expect(purgedByCli.code).toBe(0);
    // 3 of P's, plus whatever other tests left that is 30+ days old (none).
    expect(purgedByCli.stdout).toMatch(/^Removed the bodies of 3 messages created before \d{4}-\d\d-\d\dT/);

    const after = byId(await contactOf(P));
    const was = byId(contactBefore);
    for (const id of [oldTemplate, oldText, oldIn]) {
      expect(after.get(id)).toEqual({ ...was.get(id), body: null, variables: null, bodyPurgedAt: expect.any(String) });
    }
    for (const id of [recent, recentIn]) expect(after.get(id)).toEqual(was.get(id));
    expect(await report()).toEqual(reportBefore);
    expect(await historyOf(P)).toEqual(historyBefore);
    expect((await contactOf(P)).consent).toEqual(contactBefore.consent);
    const exported = ContactExport.parse(await json(await relay.api(`/v1/contacts/${encodeURIComponent(P)}/export`, { token: manager })));
    expect(exported.messages.find((m) => m.id === oldIn)?.meta).toEqual({ NumMedia: '0' });

    // The relay's own timer purges at start: a message that has since become old enough goes.
    const later = await outbound(P, ago(31));
    const audits = async () => (await relay.deps.store.auditEvents()).filter((e) => e.action === 'retention.purged');
    const auditsBefore = (await audits()).length;
    const stop = startRetention(relay.deps);
    try {
      await expect.poll(async () => (await relay.deps.store.getMessage(later))?.bodyPurgedAt, { timeout: 5000 }).toBeDefined();
    } finally {
      stop();
    }
    expect((await relay.deps.store.getMessage(later))?.body).toBeNull();
    expect((await relay.deps.store.getMessage(recent))?.body).toBe('Your order shipped');
    const runs = await audits();
    expect(runs.length).toBeGreaterThan(auditsBefore);
    expect(runs.every((e) => e.actor === 'retention' && e.phone === null)).toBe(true);
    expect(await historyOf(P)).toEqual(historyBefore);

    // Without a number of days the CLI says how to give one.
    const unset = await cli(['retention', 'run']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/BODY_RETENTION_DAYS is not set/);
  });
});

describe('a contact’s data on request: export and deletion', () => {
  const P = '+5511900000200';
  const OTHER = '+5511900000201';
  const path = (phone: string, rest = '') => `/v1/contacts/${encodeURIComponent(phone)}${rest}`;

  it('exports everything held about a phone as a JSON download (manager and admin, not rep)', async () => {
    await setConsent(P, 'opted_in', 'Agreed on a call on 2 May');
    await relay.api(`${path(P)}?pinpointId=77`, { token: rep });
    const out = await outbound(P, ago(2), { body: null, contentSid: HX, variables: { '1': 'Maria' } });
    const inb = await inbound(P, ago(1), 'Yes, book me in', { NumMedia: '1', MediaContentType0: 'image/jpeg' });

    expect((await relay.api(path(P, '/export'), { token: rep })).status).toBe(403);
    const res = await relay.api(path(P, '/export'), { token: manager });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename=contact-5511900000200.json');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = ContactExport.parse(await res.json());
    expect(body.phone).toBe(P);
    expect(body.contact).toMatchObject({ phone: P, profileName: 'Maria Silva', waId: P.slice(1), pinpointId: '77', consentState: 'opted_in', consentEvidence: 'Agreed on a call on 2 May' });
    expect(body.consentHistory.map((h) => [h.state, h.source, h.by, h.evidence])).toEqual([['opted_in', 'rep', 'Rita Rep', 'Agreed on a call on 2 May']]);
    expect(body.messages.map((m) => [m.id, m.direction, m.body, m.variables, m.meta])).toEqual([
      [out, 'outbound', null, { '1': 'Maria' }, {}],
      [inb, 'inbound', 'Yes, book me in', null, { NumMedia: '1', MediaContentType0: 'image/jpeg' }],
    ]);
    expect(body.audit).toEqual([]);
    expect((await relay.api(path(P, '/export'), { token: admin })).status).toBe(200);
    expect((await relay.api('/v1/contacts/not-a-phone/export', { token: manager })).status).toBe(422);
  });

  it('deletes messages and profile but keeps the consent history, only for an admin who repeats the phone', async () => {
    await inbound(P, ago(0), 'STOP please');
    await setConsent(P, 'opted_out', 'Asked us by phone to stop');
    await outbound(OTHER, ago(1));
    const historyBefore = await historyOf(P);
    expect(historyBefore.history).toHaveLength(2);
    const messagesBefore = (await contactOf(P)).messages.length;
    expect(messagesBefore).toBe(3);

    // Role matrix, then the confirmation: none of these deletes anything.
    const confirm = `?confirm=${encodeURIComponent(P)}`;
    expect((await relay.api(path(P) + confirm, { method: 'DELETE', token: rep })).status).toBe(403);
    expect((await relay.api(path(P) + confirm, { method: 'DELETE', token: manager })).status).toBe(403);
    const unconfirmed = await relay.api(path(P), { method: 'DELETE', token: admin });
    expect(unconfirmed.status).toBe(422);
    expect(await unconfirmed.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', issues: [{ path: 'confirm' }] } });
    expect((await relay.api(`${path(P)}?confirm=${encodeURIComponent(OTHER)}`, { method: 'DELETE', token: admin })).status).toBe(422);
    expect((await relay.api(`${path(P)}?confirm=yes`, { method: 'DELETE', token: admin })).status).toBe(422);
    expect((await contactOf(P)).messages).toHaveLength(messagesBefore);

    // A panel open on the contact hears of the deletion, so it refetches instead of showing what is gone.
    const watching = await openSse(`${relay.url}/v1/events?phone=${encodeURIComponent(P)}`, { authorization: `Bearer ${manager}` });
    // A "+" left unencoded in the query arrives as a space; it still confirms.
    const res = await relay.api(`${path(P)}?confirm=${P}`, { method: 'DELETE', token: admin });
    expect(res.status).toBe(200);
    try {
      const heard = await watching.waitFor((e) => e.event === 'contact.deleted', 5000);
      expect(heard.data).toEqual({ type: 'contact.deleted', phone: P });
    } finally {
      watching.close();
    }
    const deletion = ContactDeletion.parse(await res.json());
    expect(deletion).toEqual({ phone: P, deletedAt: expect.any(String), by: 'Ada Admin', deleted: { messages: 3 }, kept: { consentHistory: 2 } });

    const after = await contactOf(P);
    expect(after.messages).toEqual([]);
    expect(after.profileName).toBeNull();
    expect(after.consent).toMatchObject({ state: 'opted_out', source: 'rep', by: 'Rita Rep', evidence: 'Asked us by phone to stop' });
    expect(after.session.lastInboundAt).toBeNull();
    expect(await historyOf(P)).toEqual(historyBefore);
    expect((await contactOf(OTHER)).messages).toHaveLength(1);

    // The deletion itself is on the record (not in the consent history), and the export says so.
    const exported = ContactExport.parse(await json(await relay.api(path(P, '/export'), { token: manager })));
    expect(exported.messages).toEqual([]);
    expect(exported.contact).toMatchObject({ profileName: null, waId: null, pinpointId: null, consentState: 'opted_out' });
    expect(exported.consentHistory).toHaveLength(2);
    expect(exported.audit).toEqual([{ id: expect.any(Number), at: deletion.deletedAt, actor: 'Ada Admin', action: 'contact.deleted', phone: P, detail: { messages: 3 } }]);

    // Deleting again is harmless, and recorded again.
    const twice = await relay.api(path(P) + confirm, { method: 'DELETE', token: admin });
    expect(await json<ContactDeletion>(twice)).toMatchObject({ deleted: { messages: 0 }, kept: { consentHistory: 2 } });
  });

  it('a phone the relay never saw: export is empty, deletion deletes nothing', async () => {
    const unknown = `+55119${String(Date.now()).slice(-8)}`;
    const exported = ContactExport.parse(await json(await relay.api(path(unknown, '/export'), { token: admin })));
    expect(exported).toMatchObject({ phone: unknown, contact: null, consentHistory: [], messages: [], audit: [] });
    const res = await relay.api(`${path(unknown)}?confirm=${encodeURIComponent(unknown)}`, { method: 'DELETE', token: admin });
    expect(await json<ContactDeletion>(res)).toMatchObject({ deleted: { messages: 0 }, kept: { consentHistory: 0 } });
  });
});
