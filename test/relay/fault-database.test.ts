/**
 * The database goes away for a while under a running relay: SQLite locked by another process for longer
 * than the relay's busy timeout, PostgreSQL unreachable (a TCP proxy we control, cut and then restored).
 * Meanwhile Twilio's webhooks and a rep's send keep arriving. The relay must answer quickly with a 503
 * (so Twilio retries, and the panel says "try again"), write nothing by halves, call Twilio for no send
 * it could not record, stay up, and take the retries once the database is back, with exact results.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../relay/auth/tokens.ts';
import { openPostgresStore } from '../../relay/store/postgres/postgres-store.ts';
import { dropSchema, postgresAvailable, randomSchema, schemaUrl, withClient } from '../../relay/store/postgres/test-database.ts';
import { BUSY_TIMEOUT_MS } from '../../relay/store/sqlite/lock-wait.ts';
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import type { Store } from '../../relay/store/store.ts';
import { startFakeTwilio, SANDBOX_APPOINTMENT_SID, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { acked, buildFleet, fireAll, readPostgres, readSqlite, seedOutbound, sqliteIntegrity, wrongAfterAll, type CallOutcome, type DbView, type Fleet } from '../helpers/fault-fixtures.ts';
import { PUBLIC_URL, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER } from '../helpers/relay-harness.ts';
import { spawnRelay, type SpawnedRelay } from '../helpers/spawn-relay.ts';
import { encodeForm, inboundForm, signForm } from '../helpers/twilio-signer.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

const pgAvailable = await postgresAvailable();
const dir = mkdtempSync(join(tmpdir(), 'ppw-dbfault-'));
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
  rmSync(dir, { recursive: true, force: true });
});

const SEND_PHONE = '+5511987650000';
const SEND_KEY = 'fault-send-1';

const relayEnv = (databaseUrl: string, twilioUrl: string): Record<string, string> => ({
  PORT: '0',
  HOST: '127.0.0.1',
  PUBLIC_URL,
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: 'error',
  TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
  TWILIO_WHATSAPP_FROM: TEST_SENDER,
  TWILIO_API_BASE_URL: twilioUrl,
  RATE_LIMIT_PER_SECOND: '1000',
  RATE_LIMIT_BURST: '1000',
});

/** Outbound messages with sids, a rep's token, and one opted-in contact to send a template to. */
async function seed(store: Store, fleet: Fleet): Promise<string> {
  await store.migrate();
  await seedOutbound(store, fleet);
  await store.recordConsent({ phone: SEND_PHONE, state: 'opted_in', source: 'rep', by: 'Ana Rep', evidence: 'Signed the web form', at: new Date().toISOString(), messageSid: null });
  return (await createAccessToken(store, 'Ana Rep', 'rep')).token;
}

interface Answer {
  status: number;
  json: { error?: { code?: string } } & Record<string, unknown>;
  retryAfter: string | null;
}

async function api(url: string, token: string, path: string, init: { method?: string; json?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Answer> {
  const res = await fetch(url + path, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    // Twilio waits 15 s; a rep's panel no longer than that either.
    signal: AbortSignal.timeout(init.timeoutMs ?? 14_000),
  });
  return { status: res.status, json: (await res.json()) as Answer['json'], retryAfter: res.headers.get('retry-after') };
}

const send = (url: string, token: string, timeoutMs?: number) =>
  api(url, token, '/v1/messages', { method: 'POST', json: { to: SEND_PHONE, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } }, headers: { 'idempotency-key': SEND_KEY }, ...(timeoutMs ? { timeoutMs } : {}) });

/** A refusal that tells Twilio (and the panel) to come back: 503, a JSON error, a Retry-After. */
function isRetryLater(o: CallOutcome | Answer): boolean {
  if (!('status' in o) || o.status !== 503 || o.retryAfter === null || !(Number(o.retryAfter) > 0)) return false;
  return (o.json as { error?: { code?: string } } | null)?.error?.code === 'DATABASE_UNAVAILABLE';
}

/** The fleet's part of the database (without the send's contact, its seeded opt-in and its message), and the sent message. */
function splitSend(view: DbView): { fleetView: DbView; sent: DbView['messages'] } {
  return {
    fleetView: { ...view, messages: view.messages.filter((m) => m.phone !== SEND_PHONE), contacts: view.contacts.filter((c) => c.phone !== SEND_PHONE), consentEvents: view.consentEvents - 1 },
    sent: view.messages.filter((m) => m.phone === SEND_PHONE),
  };
}

async function afterRecovery(relay: SpawnedRelay, token: string, fleet: Fleet, fake: FakeTwilio, read: () => Promise<DbView>): Promise<void> {
  // Twilio's retries, all of the burst, and the rep's Retry with the same Idempotency-Key.
  const retried = await fireAll(relay.url, fleet.calls, { concurrency: 8 });
  expect(retried.filter((o) => !acked(o))).toEqual([]);
  const sent = await send(relay.url, token);
  expect(sent.status, JSON.stringify(sent.json)).toBe(201);
  expect(fake.messages).toHaveLength(1);
  const { fleetView, sent: rows } = splitSend(await read());
  expect(wrongAfterAll(fleetView, fleet)).toEqual([]);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ id: sent.json.id, sid: fake.messages[0]!.sid, direction: 'outbound', status: 'queued' });
}

/**
 * A seeded schema, a TCP proxy in front of PostgreSQL, the fake Twilio and a real relay process that
 * reaches the database only through the proxy (so the test can cut or stall it). All torn down after.
 */
async function relayBehindProxy(prefix: string, messages: number, fleetSeed: number) {
  const schema = randomSchema(prefix);
  cleanup.push(() => dropSchema(schema));
  const fleet = buildFleet({ outbound: messages, inbound: messages, seed: fleetSeed });
  const direct = openPostgresStore(schemaUrl(schema), { poolSize: 2 });
  const token = await seed(direct, fleet);
  await direct.close();
  const proxy: TcpProxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(schemaUrl(schema)).port || 5432) });
  cleanup.push(() => proxy.close());
  const viaProxy = new URL(schemaUrl(schema));
  viaProxy.port = String(proxy.port);
  const fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  cleanup.push(() => fake.close());
  const relay = await spawnRelay(relayEnv(viaProxy.toString(), fake.url));
  cleanup.push(() => relay.kill());
  return { schema, fleet, token, proxy, fake, relay };
}

/** Polls /readyz every 100 ms until it says 200 or `ms` pass; returns the last status. */
async function readyWithin(url: string, ms: number): Promise<number> {
  let ready = 0;
  for (const end = Date.now() + ms; ready !== 200 && Date.now() < end; ) {
    ready = (await fetch(url + '/readyz')).status;
    if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  return ready;
}

describe('the database is briefly unavailable', () => {
  it('SQLite locked by another process beyond the busy timeout: 503 + Retry-After, nothing written or sent, the retries land', async () => {
    const file = join(dir, 'locked.sqlite');
    const fleet = buildFleet({ outbound: 10, inbound: 10, seed: 7 });
    const store = openSqliteStore(file);
    const token = await seed(store, fleet);
    await store.close();
    const fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    cleanup.push(() => fake.close());
    const relay = await spawnRelay(relayEnv(`file:${file}`, fake.url));
    cleanup.push(() => relay.kill());
    // The token's last-used stamp is written now, so the locked phase meets only the writes under test.
    expect((await api(relay.url, token, '/v1/me')).status).toBe(200);
    const before = readSqlite(file);

    // Another process holds the write lock (as a long backup or a stuck tool would) until all answered.
    const locker = new Database(file);
    locker.exec('BEGIN EXCLUSIVE');
    let hooks: CallOutcome[];
    let refused: Answer;
    let again: CallOutcome[];
    let refusedAgain: Answer;
    let readyWhileLocked: number;
    try {
      [hooks, refused] = await Promise.all([fireAll(relay.url, fleet.calls, { concurrency: fleet.calls.length }), send(relay.url, token)]);
      // Twilio's next attempts while the lock is still held. One write has already waited out the busy
      // timeout, and SQLite waits synchronously (the whole relay stands still meanwhile), so these must
      // be refused without waiting it out again: the deadline is under the busy timeout.
      [again, refusedAgain] = await Promise.all([fireAll(relay.url, fleet.calls, { concurrency: 8, timeoutMs: BUSY_TIMEOUT_MS - 1000 }), send(relay.url, token, BUSY_TIMEOUT_MS - 1000)]);
      // Reads still work, but writes fail: a load balancer must hear "not ready".
      readyWhileLocked = (await fetch(relay.url + '/readyz')).status;
    } finally {
      locker.exec('COMMIT');
      locker.close();
    }
    expect(readyWhileLocked).toBe(503);
    // Free again: /readyz finds out by itself, before any write comes.
    expect(await readyWithin(relay.url, 5000)).toBe(200);
    expect(hooks.filter((o) => !isRetryLater(o))).toEqual([]);
    expect(isRetryLater(refused), JSON.stringify(refused)).toBe(true);
    expect(again.filter((o) => !isRetryLater(o))).toEqual([]);
    expect(isRetryLater(refusedAgain), JSON.stringify(refusedAgain)).toBe(true);
    // No row could be written, so Twilio was not asked to send anything.
    expect(fake.messages).toHaveLength(0);
    expect(readSqlite(file)).toEqual(before);
    expect(relay.alive()).toBe(true);

    await afterRecovery(relay, token, fleet, fake, async () => readSqlite(file));
    await relay.stop();
    expect(sqliteIntegrity(file)).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
  }, 90_000);

  it.skipIf(!pgAvailable)('PostgreSQL cut off mid-burst: 503 + Retry-After, /readyz not ready, no crash, the pool recovers and the retries land', async () => {
    const { schema, fleet, token, proxy, fake, relay } = await relayBehindProxy('ppw_dbfault', 40, 11);
    expect((await api(relay.url, token, '/v1/me')).status).toBe(200);
    expect((await fetch(relay.url + '/readyz')).status).toBe(200);

    // The connection to PostgreSQL dies under a third of the way through the burst, and stays dead.
    let cutAt = -1;
    const hooks = await fireAll(relay.url, fleet.calls, {
      concurrency: 8,
      onSettled: (done) => {
        if (cutAt < 0 && done.filter(acked).length >= fleet.calls.length / 3) {
          cutAt = done.length;
          proxy.cut();
        }
      },
    });
    expect(cutAt).toBeGreaterThan(0);
    // Every webhook got an answer: stored, or "come back later". Never a 500, a hang or a dropped connection.
    expect(hooks.filter((o) => !acked(o) && !isRetryLater(o)), relay.stderr()).toEqual([]);
    expect(hooks.filter(isRetryLater).length).toBeGreaterThan(0);

    const down = await fetch(relay.url + '/readyz');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ ok: false });
    const refused = await send(relay.url, token);
    expect(isRetryLater(refused), JSON.stringify(refused)).toBe(true);
    expect(fake.messages).toHaveLength(0);
    expect(relay.alive()).toBe(true);

    // Back: the same process becomes ready again by itself.
    proxy.restore();
    expect(await readyWithin(relay.url, 10_000)).toBe(200);
    await afterRecovery(relay, token, fleet, fake, () => readPostgres(schema));
    expect(relay.alive(), relay.stderr()).toBe(true);
    await relay.stop();
    expect((await relay.exited).code).toBe(0);
  }, 90_000);

  it.skipIf(!pgAvailable)('PostgreSQL behind a silent partition (nothing refused, nothing answered): 503s in time, not hangs; then recovery', async () => {
    const { schema, fleet, token, proxy, fake, relay } = await relayBehindProxy('ppw_dbstall', 10, 13);
    expect((await api(relay.url, token, '/v1/me')).status).toBe(200);
    // Pooled connections exist and are idle: the partition catches them, and any new one, silently.
    await fireAll(relay.url, fleet.calls.slice(0, 4), { concurrency: 4 });

    proxy.stall();
    const [hooks, refused, readyz] = await Promise.all([
      fireAll(relay.url, fleet.calls, { concurrency: fleet.calls.length }),
      send(relay.url, token),
      fetch(relay.url + '/readyz', { signal: AbortSignal.timeout(14_000) }).then((r) => r.status, (e: unknown) => String(e)),
    ]);
    // Twilio gives up after 15 s and counts that as a failure: every answer must come before, and say "later".
    expect(hooks.filter((o) => !isRetryLater(o))).toEqual([]);
    expect(isRetryLater(refused), JSON.stringify(refused)).toBe(true);
    expect(readyz).toBe(503);
    expect(fake.messages).toHaveLength(0);

    proxy.restore();
    expect(await readyWithin(relay.url, 15_000)).toBe(200);
    await afterRecovery(relay, token, fleet, fake, () => readPostgres(schema));
    expect(relay.alive(), relay.stderr()).toBe(true);
    await relay.stop();
  }, 90_000);

  /**
   * One inbound STOP is two writes: the message, then the opt-out. The database failing between them
   * leaves the message stored and the webhook unanswered; Twilio's retry is then a duplicate, and must
   * still record the opt-out (exactly once). A trigger makes the second write fail, deterministically.
   */
  const keywordCases = [
    { engine: 'SQLite', skip: false },
    { engine: 'PostgreSQL', skip: !pgAvailable },
  ] as const;
  for (const { engine, skip } of keywordCases) {
    it.skipIf(skip)(`${engine}: an opt-out keyword whose consent write failed after its message was stored is applied on Twilio's retry`, async () => {
      const PHONE = '+5511955554444';
      const stop = buildFleet({ outbound: 0, inbound: 0, seed: 1 });
      const form = inboundForm({ from: PHONE, to: TEST_SENDER, body: 'STOP', sid: 'SM' + 'a'.repeat(32) });
      stop.calls.push({ path: '/twilio/inbound', sid: form.MessageSid!, phone: PHONE, text: 'STOP', body: encodeForm(form), signature: signForm(TEST_AUTH_TOKEN, PUBLIC_URL + '/twilio/inbound', form) });

      let databaseUrl: string;
      let sabotage: (on: boolean) => Promise<void>;
      let consent: () => Promise<{ state: string; events: { messageSid: string | null; state: string }[]; inbound: number }>;
      if (engine === 'SQLite') {
        const file = join(dir, 'keyword.sqlite');
        const store = openSqliteStore(file);
        await store.close();
        databaseUrl = `file:${file}`;
        sabotage = async (on) => {
          const db = new Database(file);
          db.exec(on ? "CREATE TRIGGER fail_consent BEFORE INSERT ON consent_events BEGIN SELECT RAISE(ABORT, 'disk went away'); END" : 'DROP TRIGGER fail_consent');
          db.close();
        };
        consent = async () => {
          const db = new Database(file, { readonly: true });
          try {
            const c = db.prepare('SELECT consent_state AS state FROM contacts WHERE phone = ?').get(PHONE) as { state: string } | undefined;
            const events = db.prepare('SELECT message_sid AS messageSid, state FROM consent_events WHERE phone = ?').all(PHONE) as { messageSid: string | null; state: string }[];
            const inbound = (db.prepare("SELECT count(*) AS n FROM messages WHERE sid = ?").get(form.MessageSid) as { n: number }).n;
            return { state: c?.state ?? 'none', events, inbound };
          } finally {
            db.close();
          }
        };
      } else {
        const schema = randomSchema('ppw_kw');
        cleanup.push(() => dropSchema(schema));
        const store = openPostgresStore(schemaUrl(schema), { poolSize: 1 });
        await store.migrate();
        await store.close();
        databaseUrl = schemaUrl(schema);
        sabotage = (on) =>
          withClient(async (c) => {
            await c.query(
              on
                ? `CREATE FUNCTION fail_consent() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the database is shutting down' USING ERRCODE = '57P01'; END $$;
                   CREATE TRIGGER fail_consent BEFORE INSERT ON consent_events FOR EACH ROW EXECUTE FUNCTION fail_consent();`
                : 'DROP TRIGGER fail_consent ON consent_events; DROP FUNCTION fail_consent();',
            );
          }, schema);
        consent = () =>
          withClient(async (c) => {
            const row = (await c.query('SELECT consent_state AS state FROM contacts WHERE phone = $1', [PHONE])).rows[0] as { state: string } | undefined;
            const events = (await c.query('SELECT message_sid AS "messageSid", state FROM consent_events WHERE phone = $1', [PHONE])).rows as { messageSid: string | null; state: string }[];
            const inbound = Number((await c.query('SELECT count(*)::int AS n FROM messages WHERE sid = $1', [form.MessageSid])).rows[0].n);
            return { state: row?.state ?? 'none', events, inbound };
          }, schema);
      }
      const fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
      cleanup.push(() => fake.close());
      const relay = await spawnRelay(relayEnv(databaseUrl, fake.url));
      cleanup.push(() => relay.kill());

      await sabotage(true);
      const [failed] = await fireAll(relay.url, stop.calls, { concurrency: 1 });
      // Not acknowledged, so Twilio will send it again; the message itself is already stored.
      expect(acked(failed), JSON.stringify(failed)).toBe(false);
      expect(await consent()).toEqual({ state: 'unknown', events: [], inbound: 1 });

      await sabotage(false);
      for (let i = 0; i < 2; i++) {
        const [retried] = await fireAll(relay.url, stop.calls, { concurrency: 1 });
        expect(acked(retried), JSON.stringify(retried)).toBe(true);
        expect(await consent()).toEqual({ state: 'opted_out', events: [{ messageSid: form.MessageSid, state: 'opted_out' }], inbound: 1 });
      }
      await relay.stop();
    }, 60_000);
  }
});
