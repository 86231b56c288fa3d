/**
 * Hostile input on Twilio's webhook paths, over real HTTP against a started relay: fuzzed forms
 * (wrong types, missing and duplicated fields, huge values, unicode edge cases, prototype keys, raw
 * junk bodies, odd content types, absent or bad signatures). Most requests are signed correctly so
 * the fuzz reaches the form parsers and the store, not only the signature check. Whatever arrives,
 * the relay must answer 2xx or a JSON 4xx, never 5xx or nothing, stay up, and a 4xx must leave
 * the database exactly as it was. Requests go through node:http so headers, content types and
 * chunked bodies are sent exactly as generated. Runs on SQLite, then (shorter) on PostgreSQL, which
 * refuses some text SQLite takes (NUL).
 */
import { request } from 'node:http';
import fc from 'fast-check';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTwilio, SANDBOX_APPOINTMENT_SID, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { hostileString, hugeString, phoneLike, PROTO_KEYS } from '../helpers/hostile-input.ts';
import { PUBLIC_URL, startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER, type TestRelay } from '../helpers/relay-harness.ts';
import { openStoreSnapshotter, type StoreSnapshotter } from '../helpers/store-snapshot.ts';
import { dropSchema, postgresAvailable, randomSchema, schemaUrl } from '../../relay/store/postgres/test-database.ts';
import { inboundForm, postSignedForm, statusForm } from '../helpers/twilio-signer.ts';

/** Fixed so CI is reproducible; FUZZ_SEED=n explores other inputs locally. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
/** Per path; about 4 s for all three on 2 cores with SQLite. */
const RUNS = 400;
const RUNS_PG = 150;
const PATHS = ['/twilio/inbound', '/twilio/status', '/twilio/fallback'] as const;
type WebhookPath = (typeof PATHS)[number];
const KNOWN_PHONE = '+5511955550000';

/** The same fuzz runs on both engines; PostgreSQL (multi-instance deployments) gets a shorter run. */
const pgAvailable = await postgresAvailable();
const ENGINES = [
  { name: 'SQLite', runs: RUNS, postgres: false },
  { name: 'PostgreSQL', runs: RUNS_PG, postgres: true },
] as const;

let fake: FakeTwilio;
/** The relay (and its snapshotter) of the engine whose describe block is running. */
let relay: TestRelay;
let snapshots: StoreSnapshotter;
let schema: string | null = null;
let knownSid = '';
const logs: string[] = [];

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
});
afterAll(async () => {
  await fake?.close();
});

async function startTarget(postgres: boolean): Promise<void> {
  logs.length = 0;
  schema = postgres ? randomSchema('ppw_fuzzwh') : null;
  relay = await startTestRelay({ fakeTwilioUrl: fake.url, logLines: logs, ...(schema ? { env: { DATABASE_URL: schemaUrl(schema) } } : {}) });
  // One real outbound message, so fuzzed status callbacks also hit a row that exists.
  const rep = await relay.token('rep');
  const optIn = await relay.api(`/v1/contacts/${encodeURIComponent(KNOWN_PHONE)}/consent`, { method: 'PUT', token: rep, json: { state: 'opted_in', evidence: 'Signed the web form' } });
  expect(optIn.status).toBe(200);
  const sent = await relay.api('/v1/messages', { method: 'POST', token: rep, json: { to: KNOWN_PHONE, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } } });
  expect(sent.status).toBe(201);
  knownSid = ((await sent.json()) as { sid: string }).sid;
  const inbound = await postSignedForm(relay.url + '/twilio/inbound', inboundForm({ from: KNOWN_PHONE, to: TEST_SENDER, body: 'hello' }), TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
  expect(inbound.status).toBe(200);
  snapshots = await openStoreSnapshotter(relay);
}

async function stopTarget(): Promise<void> {
  await snapshots?.close();
  await relay?.close();
  if (schema) await dropSchema(schema);
}

// ---- the generated request ------------------------------------------------------------------------

type Field = [name: string, value: string];
type Mutation =
  | { op: 'set'; name: string; value: string }
  | { op: 'delete'; name: string }
  | { op: 'repeat'; name: string; value: string }
  | { op: 'add'; name: string; value: string };
type SignatureMode = 'valid' | 'absent' | 'forged' | 'other-url' | 'other-token' | 'junk' | 'two-headers';

interface WebhookCase {
  path: WebhookPath;
  /** Text the base form carries before any mutation, so most stored messages hold hostile text. */
  text: { body: string; profileName: string };
  base: 'inbound' | 'status-known' | 'status-random';
  mutations: Mutation[];
  /** A body used instead of the encoded form (junk, or larger than MAX_BODY_BYTES). */
  rawBody: string | null;
  query: string;
  contentType: string | null;
  signature: SignatureMode;
  chunked: boolean;
}

const FIELD_NAMES = ['MessageSid', 'SmsSid', 'AccountSid', 'From', 'To', 'Body', 'ProfileName', 'WaId', 'NumMedia', 'MessageStatus', 'SmsStatus', 'ErrorCode', 'ErrorUrl', 'EventType', 'ChannelStatusMessage', 'MessageType', 'ButtonText', 'ButtonPayload', 'Latitude', 'Longitude', 'ReferralSourceUrl', 'MediaContentType0'];
const fieldName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...FIELD_NAMES) }, { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS) }, { weight: 1, arbitrary: hostileString });

/** Values of the wrong type, shape and size for Twilio's fields. */
const fieldValue = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: phoneLike },
  { weight: 2, arbitrary: fc.constantFrom('SM' + 'a'.repeat(32), 'SM' + 'g'.repeat(32), 'MM' + '0'.repeat(32), 'SM', 'AC' + '1'.repeat(32), 'ACx', '63016', '21610', '63014', '-1', '1e3', '999999', '0000000', 'READ', 'read', 'DELIVERED', 'failed', 'undelivered', 'Read', 'bogus', 'receiving', 'STOP', 'START', 'stop ', 'ＳＴＯＰ') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean()).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 5000 }).chain((n) => hugeString(n)) },
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), name: fieldName, value: fieldValue }),
  fc.record({ op: fc.constant('delete' as const), name: fc.constantFrom(...FIELD_NAMES) }),
  fc.record({ op: fc.constant('repeat' as const), name: fc.constantFrom(...FIELD_NAMES), value: fieldValue }),
  fc.record({ op: fc.constant('add' as const), name: fieldName, value: fieldValue }),
);

/** Bodies that are not a well-formed form, plus bodies just over and far over the size limit. */
const rawBody = (limit: number) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('', '&', '=', '&&&', '===', '%', '%zz', '%E0%A4%', 'MessageSid', 'MessageSid=%', 'a=1&a=2&a', '+=+', '%00=%00', '\u0000', '{"MessageSid":"SM1"}', '<xml/>') },
    { weight: 3, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.integer({ min: limit + 1, max: limit + 4096 }).chain((n) => hugeString(n)) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 20 }).map((k) => 'Body=' + 'x'.repeat(limit * k)) },
  );

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/x-www-form-urlencoded') },
  { weight: 2, arbitrary: fc.constantFrom('application/x-www-form-urlencoded; charset=utf-8', 'APPLICATION/X-WWW-FORM-URLENCODED', 'application/x-www-form-urlencoded;charset=ISO-8859-1') },
  { weight: 2, arbitrary: fc.constantFrom(null, '', 'text/plain', 'application/json', 'multipart/form-data; boundary=x', 'text/xml', 'application/x-www-form', '*/*', 'application/x-www-form-urlencoded\u00e9') },
);

const signature = fc.oneof(
  { weight: 14, arbitrary: fc.constant<SignatureMode>('valid') },
  { weight: 1, arbitrary: fc.constantFrom<SignatureMode>('absent', 'forged', 'other-url', 'other-token', 'junk', 'two-headers') },
);

const webhookCase = (limit: number): fc.Arbitrary<WebhookCase> =>
  fc.record({
    path: fc.constantFrom(...PATHS),
    text: fc.record({ body: hostileString, profileName: hostileString }),
    base: fc.constantFrom('inbound', 'status-known', 'status-random'),
    mutations: fc.array(mutation, { maxLength: 4 }),
    rawBody: fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: rawBody(limit) }),
    query: fc.oneof({ weight: 8, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('?a=1', '?x=%zz&x=2', '?' + 'q'.repeat(2000), '?%00', '?whatsapp:+1') }),
    contentType,
    signature,
    chunked: fc.boolean(),
  });

/** The base form (a real Twilio payload) with the mutations applied, as ordered fields. */
function formFields(c: WebhookCase): Field[] {
  const phone = KNOWN_PHONE;
  const base: Record<string, string> =
    c.base === 'inbound'
      ? inboundForm({ from: phone, to: TEST_SENDER, body: c.text.body, profileName: c.text.profileName })
      : statusForm({ sid: c.base === 'status-known' ? knownSid : 'SM' + 'f'.repeat(32), status: 'delivered', to: phone, from: TEST_SENDER });
  if (c.path === '/twilio/fallback') Object.assign(base, { ErrorCode: '11200', ErrorUrl: PUBLIC_URL + '/twilio/inbound' });
  let fields: Field[] = Object.entries(base);
  for (const m of c.mutations) {
    if (m.op === 'set') fields = fields.some(([n]) => n === m.name) ? fields.map(([n, v]) => [n, n === m.name ? m.value : v]) : [...fields, [m.name, m.value]];
    else if (m.op === 'delete') fields = fields.filter(([n]) => n !== m.name);
    else if (m.op === 'repeat') fields = [...fields, [m.name, m.value]];
    else fields = [[m.name, m.value], ...fields];
  }
  return fields;
}

function encode(fields: Field[]): string {
  const body = new URLSearchParams();
  for (const [n, v] of fields) body.append(n, v);
  return body.toString();
}

/**
 * What Twilio would sign for this body: the fields as the receiver parses them (WHATWG rules), repeated
 * names grouped, in an object without a prototype so `__proto__` stays an ordinary key.
 */
function signedParams(body: string): Record<string, string | string[]> {
  const params = Object.create(null) as Record<string, string | string[]>;
  for (const [n, v] of new URLSearchParams(body)) {
    const prev = params[n];
    params[n] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return params;
}

interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
}

/** POST over node:http. Resolves with the answer, even when the relay cut off an oversized upload. */
function post(path: string, body: string, headers: Record<string, string | string[]>, chunked: boolean): Promise<Answer> {
  const url = new URL(relay.url + path);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: chunked ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent: false });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within 10 s from POST ${path}`));
    }, 10_000);
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    // Writing the rest of a body the relay already refused can fail (EPIPE, reset): the answer decides.
    req.on('error', (err) => {
      if (answered) return;
      clearTimeout(timer);
      reject(err);
    });
    if (chunked) {
      // Several writes without a length: chunked transfer encoding.
      const third = Math.ceil(body.length / 3);
      for (let i = 0; i < body.length; i += third || 1) req.write(body.slice(i, i + (third || 1)));
      req.end();
    } else req.end(body);
  });
}

async function send(c: WebhookCase): Promise<Answer & { request: string }> {
  const body = c.rawBody ?? encode(formFields(c));
  const signedUrl = PUBLIC_URL + c.path + c.query;
  const params = signedParams(body);
  const good = twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, signedUrl, params);
  const headers: Record<string, string | string[]> = { 'user-agent': 'TwilioProxy/1.1' };
  if (c.contentType !== null) headers['content-type'] = c.contentType;
  const sig: Record<SignatureMode, string | string[] | null> = {
    valid: good,
    absent: null,
    forged: Buffer.from(good, 'base64').reverse().toString('base64'),
    'other-url': twilio.getExpectedTwilioSignature(TEST_AUTH_TOKEN, relay.url + c.path + c.query, params),
    'other-token': twilio.getExpectedTwilioSignature('not-the-auth-token', signedUrl, params),
    junk: 'é\u00ff' + 'A'.repeat(400),
    'two-headers': ['forged', good],
  };
  const header = sig[c.signature];
  if (header !== null) headers['x-twilio-signature'] = header;
  const answer = await post(c.path + c.query, body, headers, c.chunked);
  return { ...answer, request: `${c.path}${c.query.slice(0, 40)} ${c.signature} ${c.contentType} ${body.length} chars: ${JSON.stringify(body.slice(0, 200))}` };
}

const isErrorShape = (text: string): boolean => {
  try {
    const json = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof json.error?.code === 'string' && typeof json.error.message === 'string' && json.error.message.length > 0;
  } catch {
    return false;
  }
};

for (const engine of ENGINES) describe.skipIf(engine.postgres && !pgAvailable)(`fuzzed webhooks on ${engine.name}`, () => {
  beforeAll(() => startTarget(engine.postgres));
  afterAll(() => stopTarget());

  it('answer 2xx or a JSON 4xx, never 5xx; a 4xx or an unsigned request changes nothing', { timeout: 60_000 }, async () => {
    const limit = relay.config.maxBodyBytes;
    const outcomes = new Map<string, number>();
    const tally = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const protoBefore = Object.getOwnPropertyNames(Object.prototype).sort();

    await fc.assert(
      fc.asyncProperty(webhookCase(limit), async (c) => {
        const before = await snapshots.take();
        let res = await send(c);
        if (res.status === 503 && /"DATABASE_UNAVAILABLE"/.test(res.body)) {
          // A database too slow for a moment on a busy shared machine is load, not input (it wrote
          // nothing, and Twilio would retry): the same request once more must then get a proper answer.
          await new Promise((resolve) => setTimeout(resolve, 1000));
          res = await send(c);
        }
        tally(`${c.path} ${res.status}`);
        expect(res.status, res.request).toBeGreaterThanOrEqual(200);
        expect(res.status, `${res.request} → ${res.body.slice(0, 300)}`).toBeLessThan(500);
        if (res.status >= 300) {
          expect(res.status, res.request).toBeGreaterThanOrEqual(400);
          expect(res.contentType, res.request).toMatch(/^application\/json/);
          expect(isErrorShape(res.body), `${res.request} → ${res.body.slice(0, 300)}`).toBe(true);
          expect(await snapshots.take(), `${res.request} → ${res.status} changed the store`).toEqual(before);
        }
        // Without a valid signature nothing may be stored, whatever else is right or wrong.
        if (c.signature !== 'valid') {
          expect(res.status, res.request).toBeGreaterThanOrEqual(400);
          expect(await snapshots.take(), res.request).toEqual(before);
        }
      }),
      { seed: SEED, numRuns: engine.runs * PATHS.length },
    );

    // The relay is still up and well; nothing took the unhandled-error path or touched Object.prototype.
    const health = await fetch(relay.url + '/healthz');
    expect(health.status).toBe(200);
    expect((await fetch(relay.url + '/readyz')).status).toBe(200);
    expect(logs.filter((l) => /"level":"error"/.test(l))).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoBefore);

    // The fuzz reached the parsers and the store on every path, not only the signature check.
    for (const path of PATHS) {
      const count = (re: RegExp) => [...outcomes].filter(([k]) => k.startsWith(path + ' ') && re.test(k.slice(path.length + 1))).reduce((n, [, v]) => n + v, 0);
      expect(count(/^2\d\d$/), `${path}: ${JSON.stringify([...outcomes])}`).toBeGreaterThan(engine.runs / 40);
      expect(count(/^422$/), `${path}: ${JSON.stringify([...outcomes])}`).toBeGreaterThan(engine.runs / 40);
      expect(count(/^403$/), path).toBeGreaterThan(0);
      expect(count(/^41[35]$/), path).toBeGreaterThan(0);
    }
  });

  it('a refused webhook body still leaves the connection usable for the next signed one', async () => {
    // After a 413 the relay closes that connection; the next request must be served normally.
    const big = await post('/twilio/inbound', 'Body=' + 'x'.repeat(relay.config.maxBodyBytes * 3), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' }, true);
    expect(big.status).toBe(413);
    const form = inboundForm({ from: '+5511955550001', to: TEST_SENDER, body: 'after the big one' });
    const ok = await postSignedForm(relay.url + '/twilio/inbound', form, TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
    expect(ok.status).toBe(200);
  });
});
