/**
 * The cross-instance bus against a real PostgreSQL server: two buses stand for two relay
 * instances. Skips (loudly) without a server, fails under CI=true.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Message } from '../shared/api.ts';
import { createPostgresBus, encodeEvent, MAX_NOTIFY_BYTES, type PostgresBus } from './bus-postgres.ts';
import type { BusEvent } from './bus.ts';
import { messageCursor } from './store/cursor.ts';
import { openPostgresStore } from './store/postgres/postgres-store.ts';
import { eventChannel } from './store/postgres/postgres-url.ts';
import { dropSchema, postgresAvailable, randomSchema, schemaUrl, withClient } from './store/postgres/test-database.ts';
import type { Store } from './store/store.ts';

const available = await postgresAvailable();
const PHONE = '+5511987654321';

/** Resolves with the events `bus` delivers for `phone`, once `n` have arrived. */
function collect(bus: PostgresBus, phone: string, n: number, timeoutMs = 5000): Promise<BusEvent[]> {
  return new Promise((resolve, reject) => {
    const got: BusEvent[] = [];
    const timer = setTimeout(() => {
      off();
      reject(new Error(`got ${got.length} of ${n} events`));
    }, timeoutMs);
    const off = bus.subscribe(phone, (e) => {
      got.push(e);
      if (got.length === n) {
        clearTimeout(timer);
        off();
        resolve(got);
      }
    });
  });
}

const until = async (pred: () => boolean | Promise<boolean>, timeoutMs = 5000) => {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(!available)('postgres bus', () => {
  const schema = randomSchema('ppw_bus');
  let store: Store;
  let a: PostgresBus;
  let b: PostgresBus;
  const extra: PostgresBus[] = [];

  beforeAll(async () => {
    store = openPostgresStore(schemaUrl(schema), { poolSize: 2 });
    await store.migrate();
    a = await createPostgresBus(schemaUrl(schema), { store, reconnect: { minMs: 20, maxMs: 200 } });
    b = await createPostgresBus(schemaUrl(schema), { store, reconnect: { minMs: 20, maxMs: 200 } });
  });
  afterEach(async () => {
    for (const x of extra.splice(0)) await x.close();
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await store?.close();
    await dropSchema(schema);
  });

  async function storedMessage(body: string): Promise<Message> {
    const { message } = await store.createOutbound({
      id: `msg_${Math.random().toString(36).slice(2)}`, phone: PHONE, body, contentSid: null, variables: null,
      sentBy: 'Ana', sentByTokenId: 'tok_a', createdAt: new Date().toISOString(), idempotencyKey: null,
    });
    return message;
  }

  it('delivers an event to the other instance with its cursor, and once (no echo) locally', async () => {
    const message = await storedMessage('Hello');
    const onB = collect(b, PHONE, 1);
    const onA: BusEvent[] = [];
    const off = a.subscribe(PHONE, (e) => onA.push(e));
    a.publish({ type: 'message.created', phone: PHONE, message });
    const [got] = await onB;
    expect(got).toEqual({ type: 'message.created', phone: PHONE, message });
    expect(got && 'message' in got ? messageCursor(got.message) : null).toBe(messageCursor(message));
    // Give the echo time to come back to A, and check it was ignored.
    await new Promise((r) => setTimeout(r, 100));
    off();
    expect(onA).toHaveLength(1);
    expect(a.wants('+14155550100')).toBe(true);
  });

  it('sends a pointer for an event too big to NOTIFY, and the receiver re-reads it from the store', async () => {
    const big = await storedMessage('😀'.repeat(1600) + 'é'.repeat(2000));
    const event: BusEvent = { type: 'message.created', phone: PHONE, message: big };
    const payload = encodeEvent('x', event);
    expect(Buffer.byteLength(JSON.stringify(event))).toBeGreaterThan(MAX_NOTIFY_BYTES);
    expect(JSON.parse(payload)).toEqual({ v: 1, from: 'x', ref: { type: 'message.created', phone: PHONE, messageId: big.id } });

    await store.recordConsent({ phone: PHONE, state: 'opted_out', source: 'keyword', by: 'contact', evidence: 'STOP '.repeat(2000), at: new Date().toISOString(), messageSid: null });
    const small = await storedMessage('after');
    const onB = collect(b, PHONE, 3);
    a.publish(event);
    a.publish({ type: 'consent.changed', phone: PHONE, consent: { state: 'opted_out', source: 'keyword', at: null, by: 'contact', evidence: 'STOP '.repeat(2000) } });
    a.publish({ type: 'message.created', phone: PHONE, message: small });
    const got = await onB;
    // In publish order, although the first two waited for a store read.
    expect(got.map((e) => e.type)).toEqual(['message.created', 'consent.changed', 'message.created']);
    const [first, second, third] = got;
    expect(first && 'message' in first ? first.message : null).toEqual(big);
    expect(first && 'message' in first ? messageCursor(first.message) : null).toBe(messageCursor(big));
    expect(second && 'consent' in second ? second.consent : null).toMatchObject({ state: 'opted_out', source: 'keyword', by: 'contact' });
    expect(third && 'message' in third ? third.message.id : null).toBe(small.id);
  });

  it('ignores foreign and malformed notifications on its channel', async () => {
    const message = await storedMessage('still fine');
    const onB = collect(b, PHONE, 1);
    await withClient(async (c) => {
      await c.query('SELECT pg_notify($1, $2)', [eventChannel(schema), 'not json']);
      await c.query('SELECT pg_notify($1, $2)', [eventChannel(schema), JSON.stringify({ v: 1, from: 'other', event: { type: 'message.created', phone: PHONE, message: { id: 1 } }, cursor: null })]);
      await c.query('SELECT pg_notify($1, $2)', [eventChannel(schema), JSON.stringify({ v: 99, from: 'newer', event: {} })]);
    });
    a.publish({ type: 'message.status', phone: PHONE, message });
    const [got] = await onB;
    expect(got?.type).toBe('message.status');
  });

  it('keeps relays in other schemas apart', async () => {
    const other = await createPostgresBus(schemaUrl(randomSchema('ppw_bus')), { store });
    extra.push(other);
    const heard: BusEvent[] = [];
    other.subscribe(PHONE, (e) => heard.push(e));
    const onB = collect(b, PHONE, 1);
    a.publish({ type: 'message.status', phone: PHONE, message: await storedMessage('mine') });
    await onB;
    await new Promise((r) => setTimeout(r, 100));
    expect(heard).toEqual([]);
  });

  it('re-LISTENs after its connection is killed, and sends what was published meanwhile', async () => {
    const backend = async (bus: PostgresBus) =>
      withClient(async (c) => (await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [`ppw-bus ${bus.instanceId}`])).rows[0]?.pid ?? null);
    const kill = (pid: number) => withClient((c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
    const message = await storedMessage('probe');

    // The receiver's connection dies: once it is back (a new backend, listening), events flow again.
    const before = await backend(b);
    expect(before).not.toBeNull();
    await kill(before!);
    await until(async () => b.connected && ((await backend(b)) ?? before) !== before);
    const onB = collect(b, PHONE, 1);
    a.publish({ type: 'message.status', phone: PHONE, message });
    expect((await onB)[0]?.type).toBe('message.status');

    // A sender whose connection dies holds its publishes and sends them after the reconnect (slow
    // backoff here, so the publish surely happens while it is down).
    const slow = await createPostgresBus(schemaUrl(schema), { store, reconnect: { minMs: 600, maxMs: 600 } });
    extra.push(slow);
    await kill((await backend(slow))!);
    await until(() => !slow.connected);
    const held = collect(b, PHONE, 1);
    slow.publish({ type: 'message.inbound', phone: PHONE, message });
    expect(slow.connected).toBe(false);
    expect((await held)[0]?.type).toBe('message.inbound');
    expect(slow.connected).toBe(true);
  });
});
