/**
 * Two relay instances on one PostgreSQL schema, as a load-balanced deployment runs them: two real
 * `relay serve` processes (nothing shared but the database), started at once on an empty schema so
 * they also race to migrate it. A live stream on instance B must see what happens on instance A
 * (a rep's consent and send, Twilio's signed status callback and an inbound message), and B's GET
 * must show A's writes. Skips (loudly) without a PostgreSQL server; fails under CI=true.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccessToken } from '../../relay/auth/tokens.ts';
import { openPostgresStore } from '../../relay/store/postgres/postgres-store.ts';
import { dropSchema, postgresAvailable, randomSchema, schemaUrl } from '../../relay/store/postgres/test-database.ts';
import type { Store } from '../../relay/store/store.ts';
import { startFakeTwilio, SANDBOX_APPOINTMENT_SID, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { PUBLIC_URL, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER } from '../helpers/relay-harness.ts';
import { openSse, type SseStream } from '../helpers/sse-client.ts';
import { inboundForm, postSignedForm, statusForm } from '../helpers/twilio-signer.ts';

const available = await postgresAvailable();

interface Instance {
  url: string;
  child: ChildProcess;
  stderr: () => string;
}

/** `relay serve` in its own process; resolves with its URL once it listens. */
function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/index.ts', 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start in time:\n${err}`)), 20_000);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
      const url = /Relay listening on (http:\/\/\S+)/.exec(err)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ url, child, stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${code} before listening:\n${err}`));
    });
  });
}

async function stopInstance(i: Instance | undefined): Promise<void> {
  if (!i || i.child.exitCode !== null) return;
  const exited = new Promise((r) => i.child.once('exit', r));
  i.child.kill('SIGTERM');
  await exited;
}

describe.skipIf(!available)('two relay instances on one PostgreSQL schema', () => {
  const schema = randomSchema('ppw_two');
  const PHONE = '+5511976543210';
  let fake: FakeTwilio;
  let a: Instance;
  let b: Instance;
  let store: Store;
  let token: string;
  const streams: SseStream[] = [];

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
    const env = {
      PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL,
      DATABASE_URL: schemaUrl(schema),
      LOG_LEVEL: 'silent',
      TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID,
      TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN,
      TWILIO_WHATSAPP_FROM: TEST_SENDER,
      TWILIO_API_BASE_URL: fake.url,
    };
    [a, b] = await Promise.all([startInstance(env), startInstance(env)]);
    // Tokens live in the shared database, so one token works on both instances.
    store = openPostgresStore(schemaUrl(schema), { poolSize: 2 });
    token = (await createAccessToken(store, 'Ana Rep', 'rep')).token;
  }, 60_000);

  afterAll(async () => {
    for (const s of streams) s.close();
    await Promise.all([stopInstance(a), stopInstance(b)]);
    await store?.close();
    await fake?.close();
    await dropSchema(schema);
  });

  const api = (i: Instance, path: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(i.url + path, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${token}`, ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    });
  const webhook = (i: Instance, path: string, form: Record<string, string>) => postSignedForm(i.url + path, form, TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + path });

  async function stream(i: Instance, query: string): Promise<SseStream> {
    const s = await openSse(`${i.url}/v1/events?${query}`, { authorization: `Bearer ${token}` });
    streams.push(s);
    expect(s.status).toBe(200);
    // Subscribed once the stream says so.
    for (let n = 0; !s.comments.includes('connected'); n++) {
      if (n > 200) throw new Error('stream never connected');
      await new Promise((r) => setTimeout(r, 10));
    }
    return s;
  }

  type EventData = { message?: { id: string; sid: string | null; status: string; direction: string; body: string | null }; consent?: { state: string } };
  const data = (e: { data: unknown }) => e.data as EventData;

  it('both migrated the empty schema at once, and serve the same data', async () => {
    const ids = await Promise.all([a, b].map(async (i) => (await api(i, `/v1/contacts/${encodeURIComponent(PHONE)}`)).status));
    expect(ids).toEqual([200, 200]);
  });

  it('a consent change, a send, a status callback and an inbound message on A reach a live stream on B', async () => {
    const onB = await stream(b, `phone=${encodeURIComponent(PHONE)}`);
    const mineOnB = await stream(b, 'scope=mine');

    const consent = await api(a, `/v1/contacts/${encodeURIComponent(PHONE)}/consent`, { method: 'PUT', json: { state: 'opted_in', evidence: 'Signed the web form on 2026-11-01' } });
    expect(consent.status).toBe(200);
    expect(data(await onB.waitFor((e) => e.event === 'consent.changed')).consent?.state).toBe('opted_in');

    const send = await api(a, '/v1/messages', { method: 'POST', json: { to: PHONE, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } } });
    expect(send.status).toBe(201);
    const sent = (await send.json()) as { id: string; sid: string };
    await onB.waitFor((e) => e.event === 'message.created' && data(e).message?.id === sent.id);

    // The send is in B's view of the contact.
    const contact = (await (await api(b, `/v1/contacts/${encodeURIComponent(PHONE)}`)).json()) as { messages: { id: string; sid: string }[]; consent: { state: string } };
    expect(contact.consent.state).toBe('opted_in');
    expect(contact.messages.map((m) => [m.id, m.sid])).toContainEqual([sent.id, sent.sid]);

    // Twilio calls back A (the load balancer's choice); B's stream moves the ticks.
    expect((await webhook(a, '/twilio/status', statusForm({ sid: sent.sid, status: 'delivered', to: PHONE, from: TEST_SENDER }))).status).toBe(204);
    const delivered = await onB.waitFor((e) => e.event === 'message.status' && data(e).message?.status === 'delivered');
    expect(data(delivered).message?.sid).toBe(sent.sid);

    // The contact replies through A: B's phone stream and B's scope=mine stream both see it, with its replay cursor as the event id.
    const form = inboundForm({ from: PHONE, to: TEST_SENDER, body: 'See you then', profileName: 'Maria' });
    expect((await webhook(a, '/twilio/inbound', form)).status).toBe(200);
    const inbound = await onB.waitFor((e) => e.event === 'message.inbound');
    expect(data(inbound).message).toMatchObject({ sid: form.MessageSid, body: 'See you then', direction: 'inbound' });
    expect(inbound.id).toMatch(/^\d+$/);
    const mine = await mineOnB.waitFor((e) => e.event === 'message.inbound');
    expect(mine.id).toBe(inbound.id);

    // The cursor B sent is the store's: a reconnect to A with it as Last-Event-ID replays nothing older.
    const replay = await openSse(`${a.url}/v1/events?scope=mine`, { authorization: `Bearer ${token}`, 'last-event-id': String(Number(inbound.id) - 1) });
    streams.push(replay);
    expect(data(await replay.waitFor((e) => e.event === 'message.inbound')).message?.sid).toBe(form.MessageSid);
  });
});
