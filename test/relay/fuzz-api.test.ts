/**
 * Hostile input on every /v1 route that takes a body, a query or a phone in its path, over real HTTP
 * against started relays: arbitrary and near-valid JSON (wrong types, nulls, arrays, deep nesting,
 * huge strings, `__proto__`/`constructor` keys), invalid JSON, wrong content types and unicode edge
 * cases. Whatever arrives, the answer is 2xx or a 4xx `{error: {code, message}}`, never 5xx or
 * nothing; a refused request stores nothing and a refused send puts nothing on the wire to Twilio
 * (the fake Twilio counts). The route list is checked against the app's own routes, so a new route
 * with input fails here until it is fuzzed too. Runs on SQLite, then (shorter) on PostgreSQL, which
 * refuses some values SQLite takes (NUL, dates past year 9999).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../relay/app.ts';
import { startFakeTwilio, SANDBOX_APPOINTMENT_SID, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { deepJsonText, hostileJsonValue, hostileString, hugeString, notJsonText, phoneLike, PROTO_KEYS, wellFormed, withOwnKey } from '../helpers/hostile-input.ts';
import { PUBLIC_URL, startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER, type TestRelay } from '../helpers/relay-harness.ts';
import { openStoreSnapshotter, type StoreSnapshotter } from '../helpers/store-snapshot.ts';
import { dropSchema, postgresAvailable, randomSchema, schemaUrl } from '../../relay/store/postgres/test-database.ts';
import { inboundForm, postSignedForm } from '../helpers/twilio-signer.ts';

/** Fixed so CI is reproducible; FUZZ_SEED=n explores other inputs locally. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
/** About 9 s with SQLite on 2 cores. */
const RUNS = 2500;
const RUNS_PG = 600;
/** A contact that opted in and wrote recently, so fuzzed sends can get past the rules to Twilio. */
const OPEN = '+5511966660000';

/** The same fuzz runs on both engines; PostgreSQL (multi-instance deployments) gets a shorter run. */
const pgAvailable = await postgresAvailable();
const ENGINES = [
  { name: 'SQLite', runs: RUNS, postgres: false },
  { name: 'PostgreSQL', runs: RUNS_PG, postgres: true },
] as const;

let fake: FakeTwilio;
/** Live mode against the fake Twilio: every route but the simulator's. */
let live: TestRelay;
/** Simulator mode: POST /v1/simulator/inbound exists only here. */
let sim: TestRelay;
let liveSnap: StoreSnapshotter;
let simSnap: StoreSnapshotter;
let liveAdmin: string;
let simAdmin: string;
let schemas: string[] = [];
const liveLogs: string[] = [];
const simLogs: string[] = [];
const messagePosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json')).length;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
});
afterAll(async () => {
  await fake?.close();
});

async function startTargets(postgres: boolean): Promise<void> {
  liveLogs.length = 0;
  simLogs.length = 0;
  schemas = postgres ? [randomSchema('ppw_fuzzapi'), randomSchema('ppw_fuzzsim')] : [];
  const db = (i: number) => (postgres ? { env: { DATABASE_URL: schemaUrl(schemas[i]!) } } : {});
  live = await startTestRelay({ fakeTwilioUrl: fake.url, logLines: liveLogs, ...db(0) });
  sim = await startTestRelay({ logLines: simLogs, ...db(1) });
  liveAdmin = await live.token('admin', 'Fuzz Admin');
  simAdmin = await sim.token('admin', 'Fuzz Admin');
  const consent = await live.api(`/v1/contacts/${encodeURIComponent(OPEN)}/consent`, { method: 'PUT', token: liveAdmin, json: { state: 'opted_in', evidence: 'Signed the web form' } });
  expect(consent.status).toBe(200);
  const reply = await postSignedForm(live.url + '/twilio/inbound', inboundForm({ from: OPEN, to: TEST_SENDER, body: 'hi' }), TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
  expect(reply.status).toBe(200);
  liveSnap = await openStoreSnapshotter(live);
  simSnap = await openStoreSnapshotter(sim);
}

async function stopTargets(): Promise<void> {
  await liveSnap?.close();
  await simSnap?.close();
  await live?.close();
  await sim?.close();
  for (const schema of schemas) await dropSchema(schema);
}

// ---- what each route takes --------------------------------------------------------------------------

type Pair = [string, string];

interface RouteInput {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** The pattern as the app registers it. */
  pattern: string;
  relay: 'live' | 'sim';
  /** Query names the route reads, with values that are valid (so fuzzed ones sit beside good ones). */
  query?: Record<string, readonly string[]>;
  /** A valid body; mutated and replaced by the fuzz. */
  body?: Record<string, unknown>;
  /** No token at all (POST /v1/pair). */
  public?: boolean;
}

const ROUTES: readonly RouteInput[] = [
  { method: 'GET', pattern: '/v1/contacts', relay: 'live', query: { pinpointId: ['42', '1', '12345678901234567890'] } },
  { method: 'GET', pattern: '/v1/contacts/:phone', relay: 'live', query: { pinpointId: ['42'] } },
  { method: 'GET', pattern: '/v1/contacts/:phone/consent-history', relay: 'live' },
  { method: 'GET', pattern: '/v1/contacts/:phone/export', relay: 'live' },
  { method: 'DELETE', pattern: '/v1/contacts/:phone', relay: 'live', query: { confirm: ['+5511987654321', '%2B5511987654321'] } },
  { method: 'PUT', pattern: '/v1/contacts/:phone/consent', relay: 'live', body: { state: 'opted_in', evidence: 'Signed the web form', pinpointId: '42' } },
  { method: 'GET', pattern: '/v1/templates', relay: 'live', query: { refresh: ['1', 'true', '0'] } },
  { method: 'GET', pattern: '/v1/messages', relay: 'live', query: { rep: ['Fuzz Admin'], status: ['read', 'sent'], contentSid: [SANDBOX_APPOINTMENT_SID, 'free-form'], from: ['2026-01-01'], to: ['2027-12-31'], cursor: ['0.0', 'zzzzzzzzzz.zzzzzzzzzz', 'x'], limit: ['1', '500'] } },
  { method: 'POST', pattern: '/v1/messages', relay: 'live', body: { to: OPEN, body: 'Hello from the fuzz' } },
  { method: 'GET', pattern: '/v1/reports/delivery', relay: 'live', query: { from: ['2026-01-01', '2026-11-30T10:00:00Z'], to: ['2027-12-31', '2026-12-01'], groupBy: ['rep', 'template', 'day'], rep: ['Fuzz Admin'] } },
  { method: 'POST', pattern: '/v1/pairing-codes', relay: 'live', body: { role: 'rep', ttlMinutes: 15 } },
  { method: 'POST', pattern: '/v1/pair', relay: 'live', body: { code: 'ABCDE-23456', name: 'Rita Rep' }, public: true },
  { method: 'GET', pattern: '/v1/events', relay: 'live', query: { phone: [OPEN, '+5511987654321'], scope: ['mine', 'all'], lastEventId: ['0', '12'] } },
  { method: 'POST', pattern: '/v1/simulator/inbound', relay: 'sim', body: { from: '+5511977770000', body: 'Fuzzed reply', profileName: 'Zé' } },
];
/** Routes that read nothing from the request but the token. */
const NO_INPUT = ['GET /v1/me'];
/** The free-text field of each body route: the one that carries hostile text into the store. */
const TEXT_FIELD: Record<string, string> = { '/v1/messages': 'body', '/v1/contacts/:phone/consent': 'evidence', '/v1/pair': 'name', '/v1/simulator/inbound': 'body' };
const TEMPLATE_BODY = { to: OPEN, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } };

// ---- generated requests ------------------------------------------------------------------------------

interface Edit {
  key: string;
  value: unknown;
  remove: boolean;
}

type BodyCase =
  | { kind: 'none' }
  | { kind: 'near'; base: 'main' | 'template'; text: string | null; edits: Edit[]; ownKey: { key: string; json: string } | null }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'bytes'; bytes: number[] };

interface ApiCase {
  route: number;
  /** The {phone} path segment as sent (already URL-safe, or deliberately broken). */
  phone: string;
  query: Pair[];
  rawQuery: string;
  body: BodyCase;
  contentType: string | null;
  accept: string | null;
  idempotencyKey: string | null;
  lastEventId: string | null;
}

/** URL-encodes; a lone surrogate can't be encoded, so it goes as U+FFFD (the raw escapes below cover it). */
const enc = (s: string) => encodeURIComponent(wellFormed(s));

/** Path segments: phones URL-encoded once or twice, raw, and broken percent-escapes. */
const phoneSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('%2B5511987654321', '+5511987654321', 'whatsapp%3A%2B5511987654321', '%2B447700900123', '%2B15005550006') },
  { weight: 4, arbitrary: phoneLike.map((p) => enc(p)) },
  { weight: 1, arbitrary: phoneLike.map((p) => enc(enc(p))) },
  { weight: 2, arbitrary: fc.constantFrom('%', '%25', '%zz', '%E0%A4', '%ED%A0%80', '%2B%', '+5511987654321', 'whatsapp:+5511987654321', '%2B5511987654321%00', '..', '%2e%2e', '%2F', '%252B5511987654321', '%C0%AF', '%FF%FE') },
  { weight: 1, arbitrary: hostileString.map((s) => enc(s) || 'x') },
);

const queryValue = (good: readonly string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...good) },
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: phoneLike },
    { weight: 1, arbitrary: fc.constantFrom('2026-02-30', '2026-13-01', '2026-11-30T25:00Z', '9999-12-31T23:59:59.999Z', '0000-01-01', '2026-11-30T10:00:00+02:00', '', '0', '-1', '1e400', '501', 'NaN', '0x10', 'all', 'mine', 'ALL', 'ZnV6eg', 'MjAyNi0xMS0zMFQxMDowMDowMC4wMDBafG1zZ18x') },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1200 }).chain((n) => hugeString(n)) },
  );

const query = (r: RouteInput): fc.Arbitrary<Pair[]> => {
  const names = Object.keys(r.query ?? {});
  const known: fc.Arbitrary<Pair>[] = names.map((n) => queryValue(r.query![n]!).map((v): Pair => [n, v]));
  const stray = fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), hostileString), queryValue(['1'])).map(([k, v]): Pair => [k, v]);
  const fuzzed = fc.array(known.length ? fc.oneof({ weight: 5, arbitrary: fc.oneof(...known) }, { weight: 1, arbitrary: stray }) : stray, { maxLength: 7 });
  // Half the time a complete valid query comes first, so the fuzzed pairs meet a query that otherwise passes.
  const valid: Pair[] = names.map((n) => [n, r.query![n]![0]!]);
  return fc.oneof(fuzzed, fuzzed.map((extra) => [...valid, ...extra.slice(0, 2)]));
};

/** Edits that turn a valid body into a nearly valid one: wrong types, nulls, huge values, extra keys. */
const edit = (keys: string[]) =>
  fc.record({
    key: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...keys) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) }, { weight: 1, arbitrary: hostileString }),
    value: fc.oneof(
      { weight: 3, arbitrary: hostileString },
      { weight: 2, arbitrary: hostileJsonValue },
      { weight: 1, arbitrary: phoneLike },
      { weight: 1, arbitrary: fc.constantFrom(null, true, 0, -1, 1.5, 1e308, [], {}, [OPEN], { state: 'opted_in' }, '1440', 1441, 0.5, 'manager', 'admin', 'opted_out', SANDBOX_APPOINTMENT_SID) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).chain((n) => hugeString(n)) },
    ),
    remove: fc.boolean(),
  });

const bodyCase = (r: RouteInput): fc.Arbitrary<BodyCase> => {
  const keys = Object.keys(r.body ?? { x: 1 });
  if (r.pattern === '/v1/messages') keys.push('contentSid', 'variables', 'pinpointId');
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<BodyCase>({ kind: 'none' }) },
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('near' as const),
        base: fc.constantFrom<'main' | 'template'>('main', 'template'),
        text: fc.option(hostileString, { nil: null }),
        edits: fc.oneof({ weight: 2, arbitrary: fc.constant<Edit[]>([]) }, { weight: 3, arbitrary: fc.array(edit(keys), { minLength: 1, maxLength: 3 }) }),
        ownKey: fc.oneof(
          { weight: 3, arbitrary: fc.constant(null) },
          { weight: 1, arbitrary: fc.record({ key: fc.constantFrom('__proto__', 'constructor', 'prototype'), json: fc.constantFrom('{"isAdmin":true,"role":"admin","polluted":"yes"}', '{"prototype":{"polluted":"yes"}}', 'null', '"x"', '[1]') }) },
        ),
      }),
    },
    { weight: 2, arbitrary: hostileJsonValue.map((value): BodyCase => ({ kind: 'json', value })) },
    { weight: 2, arbitrary: notJsonText.map((text): BodyCase => ({ kind: 'text', text })) },
    { weight: 1, arbitrary: fc.constantFrom(40_000, 70_000).map((d): BodyCase => ({ kind: 'text', text: deepJsonText(d, d % 2 ? 'object' : 'array') })) },
    { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 40 }).map((bytes): BodyCase => ({ kind: 'bytes', bytes: [0x7b, ...bytes, 0x7d] })) },
  );
};

/** Header values must be Latin-1 without controls, or fetch itself refuses to send them. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e\xa0-\xff]/g, '');

const apiCase: fc.Arbitrary<ApiCase> = fc.nat({ max: ROUTES.length - 1 }).chain((route) => {
  const r = ROUTES[route]!;
  return fc.record({
    route: fc.constant(route),
    phone: phoneSegment,
    query: query(r),
    rawQuery: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('&%zz=%E0%A4', '&=&&', '&pinpointId', '&phone=%', '&from=%00', '&__proto__[x]=1', '&limit=1&limit=2') }),
    body: r.body ? bodyCase(r) : fc.constant<BodyCase>({ kind: 'none' }),
    contentType: fc.oneof(
      { weight: 10, arbitrary: fc.constant('application/json') },
      { weight: 2, arbitrary: fc.constantFrom(null, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'APPLICATION/JSON', 'application/json-patch+json', 'application/jsonp', '*/*') },
    ),
    accept: fc.constantFrom(null, null, 'text/csv', 'application/json', 'text/event-stream', '*/*'),
    idempotencyKey: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('retry:msg_1', 'a', 'x'.repeat(129), 'é', ''), hostileString.map(headerSafe)) }),
    lastEventId: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.oneof(fc.constantFrom('0', '1', '-1', '99999999999999999999', 'abc'), hostileString.map(headerSafe)) }),
  });
});

function bodyText(c: ApiCase, r: RouteInput): string | Uint8Array<ArrayBuffer> | null {
  const b = c.body;
  if (b.kind === 'none') return null;
  if (b.kind === 'text') return b.text;
  if (b.kind === 'bytes') return Uint8Array.from(b.bytes);
  if (b.kind === 'json') return JSON.stringify(b.value) ?? 'null';
  const base: Record<string, unknown> = { ...(b.base === 'template' && r.pattern === '/v1/messages' ? TEMPLATE_BODY : r.body) };
  const textField = TEXT_FIELD[r.pattern];
  if (b.text !== null && textField && textField in base) base[textField] = b.text;
  for (const e of b.edits) {
    // defineProperty: a plain assignment to "__proto__" would change the prototype instead of adding a key.
    if (e.remove) delete base[e.key];
    else Object.defineProperty(base, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
  }
  const json = JSON.stringify(base);
  return b.ownKey ? withOwnKey(json, b.ownKey.key, b.ownKey.json) : json;
}

function describeCase(c: ApiCase, r: RouteInput, url: string, body: string | Uint8Array<ArrayBuffer> | null): string {
  const shown = body === null ? '(no body)' : typeof body === 'string' ? JSON.stringify(body.slice(0, 300)) + (body.length > 300 ? `… (${body.length} chars)` : '') : `bytes ${Array.from(body).join(',')}`;
  return `${r.method} ${url.slice(0, 300)} [${c.contentType}] ${shown}`;
}

interface Answer {
  status: number;
  contentType: string | null;
  text: string;
  /** Length of the request URL as sent (percent-encoded). */
  urlBytes: number;
}

async function send(c: ApiCase): Promise<{ answer: Answer; label: string; relay: TestRelay; snap: StoreSnapshotter; route: RouteInput }> {
  const r = ROUTES[c.route]!;
  const relay = r.relay === 'live' ? live : sim;
  const path = r.pattern.replace(':phone', c.phone);
  const qs = new URLSearchParams(c.query.map(([k, v]) => [k, wellFormed(v)])).toString();
  const url = `${relay.url}${path}${qs || c.rawQuery ? '?' : ''}${qs}${c.rawQuery}`;
  const body = r.method === 'GET' || r.method === 'DELETE' ? null : bodyText(c, r);
  const headers = new Headers();
  if (!r.public) headers.set('authorization', `Bearer ${r.relay === 'live' ? liveAdmin : simAdmin}`);
  if (body !== null && c.contentType !== null) headers.set('content-type', c.contentType);
  if (c.accept !== null) headers.set('accept', c.accept);
  if (c.idempotencyKey !== null && r.pattern === '/v1/messages') headers.set('idempotency-key', c.idempotencyKey);
  if (c.lastEventId !== null && r.pattern === '/v1/events') headers.set('last-event-id', c.lastEventId);
  // Pairing attempts are limited per address (10 a minute): move the relay's clock past the wait.
  if (r.public) relay.clock.now = new Date(relay.clock.now.getTime() + 7_000);
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error('no answer within 10 s')), 10_000);
  try {
    const res = await fetch(url, { method: r.method, headers, signal: abort.signal, ...(body !== null ? { body } : {}) });
    const contentType = res.headers.get('content-type');
    // A live stream that opened is a success; it never ends on its own.
    const text = contentType?.startsWith('text/event-stream') ? '' : await res.text();
    return { answer: { status: res.status, contentType, text, urlBytes: Buffer.byteLength(url) }, label: describeCase(c, r, url, body), relay, snap: r.relay === 'live' ? liveSnap : simSnap, route: r };
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

const errorShape = (text: string): { code: string; message: string } | null => {
  try {
    const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof json.error?.code === 'string' && typeof json.error.message === 'string' && json.error.message.length > 0 ? (json.error as { code: string; message: string }) : null;
  } catch {
    return null;
  }
};

for (const engine of ENGINES) describe.skipIf(engine.postgres && !pgAvailable)(`fuzzed /v1 input on ${engine.name}`, () => {
  beforeAll(() => startTargets(engine.postgres));
  afterAll(() => stopTargets());

  it('the fuzzed routes are every /v1 route that reads input (a new route must be added here)', () => {
    const registered = new Set(createApp(sim.deps).routes.filter((x) => x.method !== 'ALL' && x.path.startsWith('/v1/')).map((x) => `${x.method} ${x.path}`));
    const covered = new Set([...ROUTES.map((r) => `${r.method} ${r.pattern}`), ...NO_INPUT]);
    expect([...registered].sort()).toEqual([...covered].sort());
  });

  it('answers 2xx or a JSON 4xx, never 5xx; a refusal stores nothing and sends nothing to Twilio', { timeout: 60_000 }, async () => {
    const outcomes = new Map<string, number>();
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();
    await fc.assert(
      fc.asyncProperty(apiCase, async (c) => {
        const r = ROUTES[c.route]!;
        const snap = r.relay === 'live' ? liveSnap : simSnap;
        const before = await snap.take();
        const postsBefore = messagePosts();
        let { answer, label } = await send(c);
        if (answer.status === 503 && errorShape(answer.text)?.code === 'DATABASE_UNAVAILABLE') {
          // A database too slow for a moment on a busy shared machine is load, not input (it wrote
          // nothing): the same request once more must then get a proper answer.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          ({ answer, label } = await send(c));
        }
        const key = `${r.method} ${r.pattern} ${answer.status}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
        expect(answer.status, `${label} → ${answer.text.slice(0, 300)}`).toBeLessThan(500);
        expect(answer.status, label).toBeGreaterThanOrEqual(200);
        if (answer.status === 431) {
          // Node's HTTP parser refuses a header section over 16 KB before the relay sees it (no JSON body).
          expect(label.length, label).toBeGreaterThan(300);
          expect(answer.urlBytes, label).toBeGreaterThan(8_000);
          expect(await snap.take(), label).toEqual(before);
          return;
        }
        if (answer.status >= 300) {
          expect(answer.status, label).toBeGreaterThanOrEqual(400);
          expect(answer.contentType ?? '(none)', `${label} → ${answer.status}`).toMatch(/^application\/json/);
          expect(errorShape(answer.text), `${label} → ${answer.text.slice(0, 300)}`).not.toBeNull();
          expect(await snap.take(), `${label} → ${answer.status} ${answer.text.slice(0, 200)} changed the store`).toEqual(before);
          expect(messagePosts(), `${label} → ${answer.status} reached Twilio`).toBe(postsBefore);
        }
      }),
      { seed: SEED, numRuns: engine.runs },
    );

    for (const [relay, logs] of [[live, liveLogs], [sim, simLogs]] as const) {
      expect((await fetch(relay.url + '/healthz')).status).toBe(200);
      expect(logs.filter((l) => /"level":"error"/.test(l)), 'error-level log lines').toEqual([]);
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort(), 'Object.prototype was polluted').toEqual(protoBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // Every route was reached, and the fuzz got past validation on the ones that write.
    const count = (prefix: string, re: RegExp) => [...outcomes].filter(([k]) => k.startsWith(prefix + ' ') && re.test(k.slice(prefix.length + 1))).reduce((n, [, v]) => n + v, 0);
    const summary = JSON.stringify([...outcomes].sort());
    for (const r of ROUTES) expect(count(`${r.method} ${r.pattern}`, /^\d+$/), `${r.method} ${r.pattern}: ${summary}`).toBeGreaterThan(engine.runs / 150);
    // (On the long SQLite run only: the shorter PostgreSQL run is too short to promise it for any seed.)
    for (const p of engine.postgres ? [] : ['POST /v1/messages', 'PUT /v1/contacts/:phone/consent', 'POST /v1/pairing-codes', 'POST /v1/simulator/inbound', 'GET /v1/reports/delivery', 'GET /v1/messages']) {
      expect(count(p, /^2\d\d$/), `${p} never succeeded: ${summary}`).toBeGreaterThan(0);
      expect(count(p, /^4\d\d$/), `${p} never refused: ${summary}`).toBeGreaterThan(0);
    }
  });

  it('oversized, chunked, deeply nested and non-UTF-8 bodies are refused with a JSON 4xx on every body route', async () => {
    const limit = live.config.maxBodyBytes;
    const bodies: [string, () => BodyInit, Record<string, string>?][] = [
      ['one byte over the limit', () => JSON.stringify({ to: OPEN, body: 'x'.repeat(limit) })],
      ['a chunked body over the limit', () => new ReadableStream({ start(ctl) { for (let i = 0; i < 4; i++) ctl.enqueue(new TextEncoder().encode('['.repeat(limit / 2))); ctl.close(); } })],
      ['arrays nested to the limit', () => deepJsonText(Math.floor(limit / 2) - 1, 'array')],
      ['objects nested to the limit', () => deepJsonText(Math.floor(limit / 6) - 1, 'object')],
      ['invalid UTF-8', () => Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
      ['UTF-16 with a BOM', () => Buffer.from('\ufeff{"to":"+5511966660000","body":"hi"}', 'utf16le')],
      ['a form post', () => 'to=%2B5511966660000&body=hi', { 'content-type': 'application/x-www-form-urlencoded' }],
    ];
    for (const r of ROUTES.filter((x) => x.body)) {
      const relay = r.relay === 'live' ? live : sim;
      const snap = r.relay === 'live' ? liveSnap : simSnap;
      for (const [name, make, extra] of bodies) {
        if (r.public) relay.clock.now = new Date(relay.clock.now.getTime() + 7_000);
        const before = await snap.take();
        const postsBefore = messagePosts();
        const path = r.pattern.replace(':phone', encodeURIComponent('+5511988880000'));
        const body = make();
        const res = await fetch(relay.url + path, {
          method: r.method,
          headers: { 'content-type': 'application/json', ...(r.public ? {} : { authorization: `Bearer ${r.relay === 'live' ? liveAdmin : simAdmin}` }), ...extra },
          body,
          ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
        } as RequestInit);
        const text = await res.text();
        expect(res.status, `${r.method} ${r.pattern} ${name}: ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
        expect(res.status, `${r.method} ${r.pattern} ${name}: ${text.slice(0, 200)}`).toBeLessThan(500);
        expect(errorShape(text), `${r.method} ${r.pattern} ${name}`).not.toBeNull();
        expect(await snap.take(), `${r.method} ${r.pattern} ${name}`).toEqual(before);
        expect(messagePosts()).toBe(postsBefore);
      }
    }
  });
});
