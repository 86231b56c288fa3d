/**
 * Pairing over real HTTP (contract: POST /v1/pairing-codes → POST /v1/pair): a manager or admin makes
 * a one-time code, a rep trades {code, name} for a token of their own. One use, short life, stored
 * hashed, a per-address attempt limit, and reachable without a token from an extension page.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PAIRING_ALPHABET } from '../../shared/pairing.ts';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';

type ErrorBody = { error: { code: string; message: string; issues?: { path: string }[] } };
type Created = { code: string; expiresAt: string; role: string };
type Paired = { token: string; name: string; role: string };

const CODE_SHAPE = new RegExp(`^[${PAIRING_ALPHABET}]{5}-[${PAIRING_ALPHABET}]{5}$`);
const EXTENSION_ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay();
});
afterAll(async () => relay?.close());
// Every test starts with a full attempt allowance: the limiter runs on the relay's clock.
beforeEach(() => {
  relay.clock.now = new Date(relay.clock.now.getTime() + 5 * 60_000);
});

async function makeCode(role: 'manager' | 'admin' = 'manager', json: unknown = {}): Promise<Response> {
  return relay.api('/v1/pairing-codes', { method: 'POST', token: await relay.token(role, `Code maker ${role}`), json });
}

async function newCode(json: unknown = {}, role: 'manager' | 'admin' = 'manager'): Promise<Created> {
  const res = await makeCode(role, json);
  expect(res.status).toBe(201);
  return (await res.json()) as Created;
}

const pair = (json: unknown, init: RequestInit = {}) => relay.api('/v1/pair', { method: 'POST', json, ...init });

describe('pairing', () => {
  it('a manager makes a code; a rep trades it for a token that works on /v1/me with their name and role rep', async () => {
    const before = relay.clock.now.getTime();
    const res = await makeCode('manager');
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const created = (await res.json()) as Created;
    expect(created.code).toMatch(CODE_SHAPE);
    expect(created.role).toBe('rep');
    const ttl = Date.parse(created.expiresAt) - before;
    expect(ttl).toBeGreaterThanOrEqual(15 * 60_000 - 1000);
    expect(ttl).toBeLessThanOrEqual(15 * 60_000 + 5000);

    const paired = await pair({ code: created.code, name: '  Rita Rep ' });
    expect(paired.status).toBe(201);
    expect(paired.headers.get('cache-control')).toBe('no-store');
    const body = (await paired.json()) as Paired;
    expect(body).toEqual({ token: expect.stringMatching(/^ppw_[A-Za-z0-9_-]{43}$/), name: 'Rita Rep', role: 'rep' });

    const me = await relay.api('/v1/me', { token: body.token });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ name: 'Rita Rep', role: 'rep' });
    // A rep's token, not more: reports are for managers.
    expect((await relay.api('/v1/reports/delivery?from=2025-01-01&to=2025-01-31&groupBy=rep', { token: body.token })).status).toBe(403);
  });

  it('forgives case, spaces and a missing dash when the code is typed', async () => {
    const { code } = await newCode();
    const typed = ` ${code.replace('-', ' ').toLowerCase()} `;
    expect((await pair({ code: typed, name: 'Lower Case' })).status).toBe(201);
  });

  it('a code works once; unknown, used and expired codes get the same 401', async () => {
    const { code } = await newCode();
    expect((await pair({ code, name: 'First' })).status).toBe(201);
    const used = await pair({ code, name: 'Second' });
    expect(used.status).toBe(401);
    const usedBody = (await used.json()) as ErrorBody;
    expect(usedBody.error.code).toBe('UNAUTHORIZED');

    const unknown = (await (await pair({ code: 'ABCDE-23456', name: 'Guess' })).json()) as ErrorBody;
    expect(unknown.error).toEqual(usedBody.error);

    const short = await newCode({ ttlMinutes: 1 });
    relay.clock.now = new Date(relay.clock.now.getTime() + 61_000);
    const expired = await pair({ code: short.code, name: 'Too late' });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as ErrorBody).error).toEqual(usedBody.error);
  });

  it('two simultaneous trades of one code: exactly one 201', async () => {
    const { code } = await newCode();
    const results = await Promise.all([pair({ code, name: 'Racer A' }), pair({ code, name: 'Racer B' })]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 401]);
    const tokens = (await relay.deps.store.listTokens()).filter((t) => t.name.startsWith('Racer'));
    expect(tokens).toHaveLength(1);
  });

  it('a code is valid until its ttl, not after (clock moved)', async () => {
    const { code, expiresAt } = await newCode({ ttlMinutes: 30 });
    relay.clock.now = new Date(Date.parse(expiresAt) - 2000);
    expect((await pair({ code, name: 'Just in time' })).status).toBe(201);
    const late = await newCode({ ttlMinutes: 30 });
    relay.clock.now = new Date(Date.parse(late.expiresAt) + 1);
    expect((await pair({ code: late.code, name: 'Late' })).status).toBe(401);
  });

  it('only managers and admins make codes; a manager makes rep codes only (403); an admin may make a manager code', async () => {
    const rep = await relay.api('/v1/pairing-codes', { method: 'POST', token: await relay.token('rep', 'Pushy Rep'), json: {} });
    expect(rep.status).toBe(403);
    expect(((await rep.json()) as ErrorBody).error.code).toBe('FORBIDDEN');

    // A manager asking for a manager code is a permission problem, not a malformed body: 403 FORBIDDEN.
    const managerForManager = await makeCode('manager', { role: 'manager' });
    expect(managerForManager.status).toBe(403);
    expect(((await managerForManager.json()) as ErrorBody).error.code).toBe('FORBIDDEN');

    const forManager = await newCode({ role: 'manager', ttlMinutes: 60 }, 'admin');
    expect(forManager.role).toBe('manager');
    const paired = (await (await pair({ code: forManager.code, name: 'New Manager' })).json()) as Paired;
    expect(paired.role).toBe('manager');
    expect(await (await relay.api('/v1/me', { token: paired.token })).json()).toMatchObject({ name: 'New Manager', role: 'manager' });

    // No code ever yields an admin: not a role the body accepts (422).
    expect((await makeCode('admin', { role: 'admin' })).status).toBe(422);
    // Without a token: 401.
    expect((await relay.api('/v1/pairing-codes', { method: 'POST', json: {} })).status).toBe(401);
  });

  it('validates the code request: ttlMinutes 1–1440 whole minutes; no body means the defaults', async () => {
    for (const json of [{ ttlMinutes: 0 }, { ttlMinutes: 1441 }, { ttlMinutes: 1.5 }, { ttlMinutes: '15' }, { role: 'boss' }, { extra: 1 }]) {
      const res = await makeCode('manager', json);
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(((await res.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    }
    const bare = await relay.api('/v1/pairing-codes', { method: 'POST', token: await relay.token('manager', 'Code maker manager') });
    expect(bare.status).toBe(201);
    expect(await bare.json()).toMatchObject({ role: 'rep', code: expect.stringMatching(CODE_SHAPE) });
    expect((await newCode({ ttlMinutes: 1440 })).role).toBe('rep');
  });

  it('/v1/pair refuses a missing body, a bad code shape or name with 422, before looking the code up', async () => {
    const none = await relay.api('/v1/pair', { method: 'POST' });
    expect(none.status).toBe(422);
    expect(((await none.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    const bad: unknown[] = [
      {},
      { code: 'ABC', name: 'Rita' },
      { code: 'ABCDE-0OOOO', name: 'Rita' }, // 0 and O are not in the alphabet
      { code: 'ABCDE-23456' },
      { code: 'ABCDE-23456', name: '   ' },
      { code: 'ABCDE-23456', name: 'x'.repeat(101) },
      { code: 'ABCDE-23456', name: 'Rita', role: 'admin' },
      { code: 12345, name: 'Rita' },
    ];
    for (const json of bad) {
      const res = await pair(json);
      expect(res.status, JSON.stringify(json)).toBe(422);
      expect(((await res.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('needs no token and answers extension-origin preflights and calls (CORS)', async () => {
    const preflight = await relay.api('/v1/pair', {
      method: 'OPTIONS',
      headers: { origin: EXTENSION_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');

    const { code } = await newCode();
    const res = await pair({ code, name: 'From the extension' }, { headers: { origin: EXTENSION_ORIGIN } });
    expect(res.status).toBe(201);
    expect(res.headers.get('access-control-allow-origin')).toBe(EXTENSION_ORIGIN);
    // A web page's origin gets no CORS grant.
    const web = await pair({ code: 'ABCDE-23456', name: 'Web page' }, { headers: { origin: 'https://evil.example' } });
    expect(web.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('stores codes hashed: neither form of the code is in the database file, its sha256 is', async () => {
    const { code } = await newCode();
    const canonical = code.replace('-', '');
    const paired = (await (await pair({ code, name: 'Hash Check' })).json()) as Paired;
    const files = ['relay.sqlite', 'relay.sqlite-wal'].map((f) => join(relay.dir, f)).filter((f) => existsSync(f));
    const bytes = files.map((f) => readFileSync(f).toString('latin1')).join('');
    expect(bytes.includes(code)).toBe(false);
    expect(bytes.includes(canonical)).toBe(false);
    expect(bytes.includes(paired.token)).toBe(false);
    expect(bytes.includes(createHash('sha256').update(canonical).digest('hex'))).toBe(true);
  });

  it('the CLI prints a working code alone on the last line of stdout', () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'relay/index.ts', ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `file:${join(relay.dir, 'relay.sqlite')}` },
      });
    const made = cli(['pairing', 'create', '--role', 'manager', '--ttl', '30', '--by', 'Ops Admin']);
    expect(made.status, made.stderr).toBe(0);
    const code = made.stdout.trim().split('\n').at(-1)!;
    expect(code).toMatch(CODE_SHAPE);
    expect(made.stderr).toContain('manager');

    expect(cli(['pairing', 'create', '--role', 'admin']).status).toBe(2);
    expect(cli(['pairing', 'create', '--ttl', '0']).status).toBe(2);
    expect(cli(['pairing', 'create', '--ttl', '1441']).status).toBe(2);
    expect(cli(['pairing', 'list']).status).toBe(2);
  });

  it('a code made by the CLI pairs against the running relay', async () => {
    // A day's ttl: the CLI uses the real clock, and these tests have moved the relay's forward.
    const made = spawnSync(process.execPath, ['--import', 'tsx', 'relay/index.ts', 'pairing', 'create', '--ttl', '1440'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `file:${join(relay.dir, 'relay.sqlite')}` },
    });
    expect(made.status, made.stderr).toBe(0);
    const code = made.stdout.trim().split('\n').at(-1)!;
    const res = await pair({ code, name: 'CLI Rep' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as Paired;
    expect(body).toMatchObject({ name: 'CLI Rep', role: 'rep' });
    expect(await (await relay.api('/v1/me', { token: body.token })).json()).toMatchObject({ name: 'CLI Rep', role: 'rep' });
  });
});

describe('pairing attempt limit', () => {
  let limited: TestRelay;
  beforeAll(async () => {
    limited = await startTestRelay();
  });
  afterAll(async () => limited?.close());

  it('the 11th attempt in a minute from one address is 429 with Retry-After, whatever X-Forwarded-For says', async () => {
    const attempt = (headers: Record<string, string> = {}) => limited.api('/v1/pair', { method: 'POST', json: { code: 'ABCDE-23456', name: 'Guesser' }, headers });
    for (let i = 1; i <= 10; i++) expect((await attempt()).status, `attempt ${i}`).toBe(401);
    const eleventh = await attempt();
    expect(eleventh.status).toBe(429);
    const body = (await eleventh.json()) as ErrorBody;
    expect(body.error.code).toBe('RATE_LIMITED');
    const retryAfter = Number(eleventh.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The header is the caller's to write, so it does not make a new address.
    expect((await attempt({ 'x-forwarded-for': '203.0.113.7' })).status).toBe(429);
    // A right code is refused too while limited: the limit comes before the lookup.
    const manager = await limited.token('manager');
    const { code } = (await (await limited.api('/v1/pairing-codes', { method: 'POST', token: manager, json: {} })).json()) as Created;
    expect((await limited.api('/v1/pair', { method: 'POST', json: { code, name: 'Patient' } })).status).toBe(429);
    // A minute later the allowance is back.
    limited.clock.now = new Date(limited.clock.now.getTime() + 60_000);
    expect((await limited.api('/v1/pair', { method: 'POST', json: { code, name: 'Patient' } })).status).toBe(201);
  });
});
