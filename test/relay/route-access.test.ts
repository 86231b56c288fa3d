/**
 * Route × token matrix for the whole /v1 API, over real HTTP. The routes come from the Hono app
 * itself (`createApp(...).routes`), so a route added later without a row in ACCESS fails here. Every
 * route refuses every kind of bad token with 401 UNAUTHORIZED, and each role is allowed (with a real
 * success status) or refused with 403 FORBIDDEN exactly as ACCESS says; a refusal changes nothing in
 * the database. /metrics is checked as the README describes it: open on loopback, admin token from
 * elsewhere.
 *
 * ACCESS follows the contract's "Roles" (rep: contacts, templates, messages, events; manager: also
 * reports and every rep's messages; admin: also tokens and settings) and the README's "HTTP API",
 * which places the routes the contract doesn't name (list badges, consent history, export and the
 * team-wide stream for managers; deletion, the simulator reply and remote /metrics for admins).
 */
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../shared/api.ts';
import { createApp } from '../../relay/app.ts';
import { createPairingCode } from '../../relay/auth/pairing.ts';
import { createAccessToken } from '../../relay/auth/tokens.ts';
import { SANDBOX_APPOINTMENT_SID } from '../helpers/fake-twilio.ts';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';
import { openStoreSnapshotter, type StoreSnapshotter } from '../helpers/store-snapshot.ts';

type Access = 'public' | Role;
const ROLES: readonly Role[] = ['rep', 'manager', 'admin'];
const RANK: Record<Role, number> = { rep: 0, manager: 1, admin: 2 };

/** A request that succeeds for an allowed caller, and the status it then gets. */
interface Call {
  path: string;
  method?: string;
  json?: unknown;
  ok: number;
}

/** The least role each route needs: every registered /v1 route has exactly one row here. */
const ACCESS: Record<string, { access: Access; call: (n: number) => Call }> = {
  'GET /v1/me': { access: 'rep', call: () => ({ path: '/v1/me', ok: 200 }) },
  'GET /v1/contacts/:phone': { access: 'rep', call: () => ({ path: `/v1/contacts/${enc(KNOWN)}`, ok: 200 }) },
  'PUT /v1/contacts/:phone/consent': { access: 'rep', call: () => ({ path: `/v1/contacts/${enc(KNOWN)}/consent`, method: 'PUT', json: { state: 'opted_in', evidence: 'Confirmed again on a call' }, ok: 200 }) },
  'GET /v1/templates': { access: 'rep', call: () => ({ path: '/v1/templates', ok: 200 }) },
  'POST /v1/messages': { access: 'rep', call: () => ({ path: '/v1/messages', method: 'POST', json: { to: KNOWN, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } }, ok: 201 }) },
  'GET /v1/events': { access: 'rep', call: () => ({ path: `/v1/events?phone=${enc(KNOWN)}`, ok: 200 }) },
  'GET /v1/contacts': { access: 'manager', call: () => ({ path: '/v1/contacts?pinpointId=42', ok: 200 }) },
  'GET /v1/contacts/:phone/consent-history': { access: 'manager', call: () => ({ path: `/v1/contacts/${enc(KNOWN)}/consent-history`, ok: 200 }) },
  'GET /v1/contacts/:phone/export': { access: 'manager', call: () => ({ path: `/v1/contacts/${enc(KNOWN)}/export`, ok: 200 }) },
  'GET /v1/messages': { access: 'manager', call: () => ({ path: '/v1/messages?limit=5', ok: 200 }) },
  'GET /v1/reports/delivery': { access: 'manager', call: () => ({ path: '/v1/reports/delivery?from=2026-01-01&to=2027-12-31&groupBy=rep', ok: 200 }) },
  'POST /v1/pairing-codes': { access: 'manager', call: () => ({ path: '/v1/pairing-codes', method: 'POST', json: { role: 'rep' }, ok: 201 }) },
  // Each allowed call deletes a different contact, so every one has something to delete.
  'DELETE /v1/contacts/:phone': { access: 'admin', call: (n) => ({ path: `/v1/contacts/${enc(doomed(n))}?confirm=${enc(doomed(n))}`, method: 'DELETE', ok: 200 }) },
  'POST /v1/simulator/inbound': { access: 'admin', call: () => ({ path: '/v1/simulator/inbound', method: 'POST', json: { from: KNOWN, body: 'Simulated reply' }, ok: 201 }) },
  // No token: a rep trades a pairing code for one (checked on its own below).
  'POST /v1/pair': { access: 'public', call: () => ({ path: '/v1/pair', method: 'POST', json: { code: 'ABCDE-23456', name: 'Nobody' }, ok: 201 }) },
};

/** Same route, stricter by what the request asks for (README "HTTP API"). */
const VARIANTS: { name: string; access: Role; call: () => Call }[] = [
  { name: 'GET /v1/events?scope=all (team-wide stream)', access: 'manager', call: () => ({ path: '/v1/events?scope=all', ok: 200 }) },
  { name: 'GET /v1/events?scope=mine', access: 'rep', call: () => ({ path: '/v1/events?scope=mine', ok: 200 }) },
  { name: 'POST /v1/pairing-codes {role: manager}', access: 'admin', call: () => ({ path: '/v1/pairing-codes', method: 'POST', json: { role: 'manager' }, ok: 201 }) },
];

const KNOWN = '+5511944440000';
const doomed = (n: number) => `+55119333${String(n).padStart(5, '0')}`;
const enc = encodeURIComponent;

let relay: TestRelay;
let snap: StoreSnapshotter;
const tokens = {} as Record<Role, string>;
/** The tokens the /metrics test uses on the relay it scrapes "from another machine". */
const tokensRemote = {} as Record<Role | 'revoked', string>;
/** Authorization headers that must all be 401 on every route that needs a token. */
const badAuth: [string, string | null][] = [];
let doomedCount = 0;

beforeAll(async () => {
  // Simulator mode, so the simulator's route is registered too; its status callbacks are pushed
  // past the end of this file (the first after 60 s, the most the config allows; close() cancels
  // them), so nothing writes in the background between two snapshots.
  relay = await startTestRelay({ simDelayMs: 60_000 });
  const store = relay.deps.store;
  for (const role of ROLES) tokens[role] = (await createAccessToken(store, `Matrix ${role}`, role)).token;
  const revoked = await createAccessToken(store, 'Revoked admin', 'admin');
  await store.revokeToken(revoked.record.id, new Date().toISOString());
  // What `tokens rotate` does: a new secret for the same person and role, the old one revoked.
  const rotated = await createAccessToken(store, 'Rotated admin', 'admin');
  await createAccessToken(store, 'Rotated admin', 'admin');
  await store.revokeToken(rotated.record.id, new Date().toISOString());
  const { code } = await createPairingCode(store, { role: 'rep', createdBy: 'Matrix admin', ttlMinutes: 15, now: new Date() });
  badAuth.push(
    ['missing', null],
    ['empty', ''],
    ['Basic credentials', 'Basic ' + Buffer.from('admin:admin').toString('base64')],
    ['Bearer without a token', 'Bearer '],
    ['Bearer with two words', `Bearer ${tokens.admin} extra`],
    ['another scheme with a good token', `Token ${tokens.admin}`],
    ['the token without its prefix', `Bearer ${tokens.admin.slice(4)}`],
    ['the token with a character changed', `Bearer ${tokens.admin.slice(0, -1)}${tokens.admin.endsWith('A') ? 'B' : 'A'}`],
    ['unknown', 'Bearer ppw_' + 'Q'.repeat(43)],
    ['far too long', 'Bearer ppw_' + 'a'.repeat(500)],
    ['Latin-1 junk', 'Bearer ppw_\u00e9\u00ff'],
    ['revoked', `Bearer ${revoked.token}`],
    ['rotated (the old secret)', `Bearer ${rotated.token}`],
    ['a pairing code', `Bearer ${code}`],
  );
  // Access tokens have no expiry (only revocation); expiry applies to pairing codes, checked below.
  await relay.api(`/v1/contacts/${enc(KNOWN)}/consent`, { method: 'PUT', token: tokens.admin, json: { state: 'opted_in', evidence: 'Signed the web form' } });
  for (let n = 0; n < 20; n++) {
    const res = await relay.api(`/v1/contacts/${enc(doomed(n))}/consent`, { method: 'PUT', token: tokens.admin, json: { state: 'opted_in', evidence: 'To be deleted' } });
    expect(res.status).toBe(200);
  }
  snap = await openStoreSnapshotter(relay);
});
afterAll(async () => {
  await snap?.close();
  await relay?.close();
});

interface Answer {
  status: number;
  code: string | null;
  contentType: string | null;
}

/** One request; a live stream that opened is closed at once (its headers are the answer). */
async function call(c: Call, authorization: string | null): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization !== null) headers.authorization = authorization;
  if (c.json !== undefined) headers['content-type'] = 'application/json';
  const abort = new AbortController();
  try {
    const res = await fetch(relay.url + c.path, { method: c.method ?? 'GET', headers, signal: abort.signal, ...(c.json !== undefined ? { body: JSON.stringify(c.json) } : {}) });
    const contentType = res.headers.get('content-type');
    if (contentType?.startsWith('text/event-stream')) return { status: res.status, code: null, contentType };
    const text = await res.text();
    let code: string | null = null;
    try {
      code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
    } catch {
      code = null;
    }
    return { status: res.status, code, contentType };
  } finally {
    abort.abort();
  }
}

const allowed = (access: Access, role: Role) => access === 'public' || RANK[role] >= RANK[access];

describe('route × token matrix', () => {
  it('ACCESS has exactly one row per registered /v1 route (a new route needs one)', () => {
    const registered = [...new Set(createApp(relay.deps).routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1')).map((r) => `${r.method} ${r.path}`))].sort();
    expect(registered).toEqual(Object.keys(ACCESS).sort());
  });

  it('every route that needs a token refuses every bad one with 401 UNAUTHORIZED and changes nothing', async () => {
    for (const [route, { access, call: make }] of Object.entries(ACCESS)) {
      if (access === 'public') continue;
      for (const [kind, authorization] of badAuth) {
        const before = await snap.take();
        const res = await call(make(1000), authorization);
        expect(res.status, `${route} with ${kind}`).toBe(401);
        expect(res.code, `${route} with ${kind}`).toBe('UNAUTHORIZED');
        expect(res.contentType, `${route} with ${kind}`).toMatch(/^application\/json/);
        expect(await snap.take(), `${route} with ${kind} changed the store`).toEqual(before);
      }
    }
  });

  it('each role is allowed or refused with 403 FORBIDDEN exactly as ACCESS says; a refusal changes nothing', async () => {
    const table: string[] = [];
    for (const [route, { access, call: make }] of Object.entries(ACCESS)) {
      if (access === 'public') continue;
      for (const role of ROLES) {
        const c = make(doomedCount);
        const before = await snap.take();
        const res = await call(c, `Bearer ${tokens[role]}`);
        table.push(`${route} ${role} → ${res.status}`);
        if (allowed(access, role)) {
          if (route === 'DELETE /v1/contacts/:phone') doomedCount++;
          expect(res.status, `${route} as ${role} (needs ${access}) ${res.code ?? ''}`).toBe(c.ok);
        } else {
          expect(res.status, `${route} as ${role} (needs ${access})`).toBe(403);
          expect(res.code, `${route} as ${role}`).toBe('FORBIDDEN');
          expect(await snap.take(), `${route} as ${role} was refused but changed the store`).toEqual(before);
        }
      }
    }
    // Every route was tried with every role (the table, for a reader of a failure).
    expect(table).toHaveLength((Object.keys(ACCESS).length - 1) * ROLES.length);
  });

  it('requests that ask for more than the route gives everyone need the stricter role', async () => {
    for (const v of VARIANTS) {
      for (const role of ROLES) {
        const c = v.call();
        const before = await snap.take();
        const res = await call(c, `Bearer ${tokens[role]}`);
        if (RANK[role] >= RANK[v.access]) expect(res.status, `${v.name} as ${role}`).toBe(c.ok);
        else {
          expect(res.status, `${v.name} as ${role}`).toBe(403);
          expect(res.code).toBe('FORBIDDEN');
          expect(await snap.take(), `${v.name} as ${role}`).toEqual(before);
        }
      }
    }
  });

  it('POST /v1/pair needs no token, ignores a bad one, and refuses a used or expired code with 401', async () => {
    const store = relay.deps.store;
    const fresh = await createPairingCode(store, { role: 'rep', createdBy: 'Matrix manager', ttlMinutes: 15, now: new Date() });
    const paired = await call({ path: '/v1/pair', method: 'POST', json: { code: fresh.code, name: 'Paired Rep' }, ok: 201 }, 'Bearer ppw_' + 'Q'.repeat(43));
    expect(paired.status).toBe(201);
    const again = await call({ path: '/v1/pair', method: 'POST', json: { code: fresh.code, name: 'Second try' }, ok: 401 }, null);
    expect([again.status, again.code]).toEqual([401, 'UNAUTHORIZED']);
    const expired = await createPairingCode(store, { role: 'rep', createdBy: 'Matrix manager', ttlMinutes: 1, now: new Date(Date.now() - 2 * 60_000) });
    const before = await snap.take();
    const late = await call({ path: '/v1/pair', method: 'POST', json: { code: expired.code, name: 'Too late' }, ok: 401 }, null);
    expect([late.status, late.code]).toEqual([401, 'UNAUTHORIZED']);
    expect(await snap.take()).toEqual(before);
  });
});

describe('/metrics', () => {
  it('is open to scrapers on the relay machine (loopback), with or without a token', async () => {
    for (const authorization of [null, 'Bearer ppw_unknown', `Bearer ${tokens.rep}`]) {
      const res = await fetch(relay.url + '/metrics', { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(await res.text()).toContain('ppw_relay_http_requests_total');
    }
  });

  it('forwarded by a reverse proxy on the same machine (loopback + a forwarding header) it needs an admin token too', async () => {
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'via']) {
      const value = header === 'forwarded' ? 'for=203.0.113.7' : header === 'via' ? '1.1 caddy' : '203.0.113.7';
      const none = await fetch(relay.url + '/metrics', { headers: { [header]: value } });
      expect(none.status, header).toBe(401);
      const asRep = await fetch(relay.url + '/metrics', { headers: { [header]: value, authorization: `Bearer ${tokens.rep}` } });
      expect(asRep.status, header).toBe(403);
      const asAdmin = await fetch(relay.url + '/metrics', { headers: { [header]: value, authorization: `Bearer ${tokens.admin}` } });
      expect(asAdmin.status, header).toBe(200);
    }
  });

  it('from another machine needs an admin token: 401 without a valid one, 403 for rep and manager', async () => {
    // A real non-loopback peer when this machine has a non-internal IPv4 address (the relay listens on
    // it and we connect to it); otherwise the app is asked with that peer address as the socket's.
    const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
    let fetchMetrics: (authorization: string | null) => Promise<Response>;
    let remote: TestRelay | null = null;
    if (external) {
      remote = await startTestRelay({ env: { HOST: external } });
      const store = remote.deps.store;
      const t = { rep: (await createAccessToken(store, 'r', 'rep')).token, manager: (await createAccessToken(store, 'm', 'manager')).token, admin: (await createAccessToken(store, 'a', 'admin')).token };
      Object.assign(tokensRemote, t);
      const revoked = await createAccessToken(store, 'gone', 'admin');
      await store.revokeToken(revoked.record.id, new Date().toISOString());
      tokensRemote.revoked = revoked.token;
      const base = remote.url;
      fetchMetrics = (authorization) => fetch(base + '/metrics', { headers: authorization ? { authorization } : {} });
    } else {
      const app = createApp(relay.deps);
      Object.assign(tokensRemote, tokens);
      const revoked = await createAccessToken(relay.deps.store, 'gone', 'admin');
      await relay.deps.store.revokeToken(revoked.record.id, new Date().toISOString());
      tokensRemote.revoked = revoked.token;
      fetchMetrics = async (authorization) => app.request('/metrics', { headers: authorization ? { authorization } : {} }, { incoming: { socket: { remoteAddress: '203.0.113.7' } } });
    }
    try {
      const cases: [string, string | null, number, string | null][] = [
        ['no token', null, 401, 'UNAUTHORIZED'],
        ['malformed', 'Basic abc', 401, 'UNAUTHORIZED'],
        ['unknown', 'Bearer ppw_' + 'Q'.repeat(43), 401, 'UNAUTHORIZED'],
        ['revoked admin', `Bearer ${tokensRemote.revoked}`, 401, 'UNAUTHORIZED'],
        ['rep', `Bearer ${tokensRemote.rep}`, 403, 'FORBIDDEN'],
        ['manager', `Bearer ${tokensRemote.manager}`, 403, 'FORBIDDEN'],
        ['admin', `Bearer ${tokensRemote.admin}`, 200, null],
      ];
      for (const [name, authorization, status, code] of cases) {
        const res = await fetchMetrics(authorization);
        expect(res.status, name).toBe(status);
        if (code) expect(((await res.json()) as { error: { code: string } }).error.code, name).toBe(code);
        else expect(await res.text()).toContain('ppw_relay_');
      }
      if (remote) {
        // X-Forwarded-For is written by the caller: it must not make a remote scrape look local.
        const spoofed = await fetch(remote.url + '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1', 'x-real-ip': '127.0.0.1' } });
        expect(spoofed.status).toBe(401);
      }
    } finally {
      await remote?.close();
    }
  });
});
