/** /v1 access: every route needs a valid, unrevoked token and the right role; CORS only for extension origins. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay();
});
afterAll(async () => relay?.close());

const ROUTES: [string, string, unknown?][] = [
  ['GET', '/v1/me'],
  ['GET', '/v1/contacts/%2B5511987654321'],
  ['PUT', '/v1/contacts/%2B5511987654321/consent', { state: 'opted_in', evidence: 'form' }],
  ['GET', '/v1/templates'],
  ['POST', '/v1/messages', { to: '+5511987654321', body: 'hi' }],
  ['GET', '/v1/events?phone=%2B5511987654321'],
  ['POST', '/v1/simulator/inbound', { from: '+5511987654321', body: 'hi' }],
];

describe('tokens', () => {
  it('every /v1 route refuses a missing, malformed, unknown or revoked token with 401', async () => {
    const { createAccessToken } = await import('../../relay/auth/tokens.ts');
    const { token, record } = await createAccessToken(relay.deps.store, 'Soon revoked', 'admin');
    await relay.deps.store.revokeToken(record.id, new Date().toISOString());
    for (const [method, path, json] of ROUTES) {
      for (const auth of [undefined, 'Basic abc', 'Bearer ', 'Bearer ppw_unknown', `Bearer ${token}`]) {
        const headers: Record<string, string> = auth ? { authorization: auth } : {};
        const res = await relay.api(path, { method, headers, ...(json ? { json } : {}) });
        expect(res.status, `${method} ${path} with ${auth}`).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNAUTHORIZED');
      }
    }
  });

  it('revoking takes effect at once', async () => {
    const { createAccessToken } = await import('../../relay/auth/tokens.ts');
    const { token, record } = await createAccessToken(relay.deps.store, 'Revoke me', 'rep');
    expect((await relay.api('/v1/me', { token })).status).toBe(200);
    await relay.deps.store.revokeToken(record.id, new Date().toISOString());
    expect((await relay.api('/v1/me', { token })).status).toBe(401);
  });

  it('stores only a hash: the token text is nowhere in the database file', async () => {
    const token = await relay.token('rep', 'Hash check');
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const bytes = readFileSync(join(relay.dir, 'relay.sqlite')).toString('latin1') + readFileSync(join(relay.dir, 'relay.sqlite-wal')).toString('latin1');
    expect(bytes.includes(token)).toBe(false);
    expect(bytes.includes(token.slice(4))).toBe(false);
  });

  it('/v1/me says who and which role, and that messages are simulated', async () => {
    const res = await relay.api('/v1/me', { token: await relay.token('manager', 'Mona Manager') });
    expect(await res.json()).toEqual({ name: 'Mona Manager', role: 'manager', simulated: true });
    expect(res.headers.get('x-relay-mode')).toMatch(/^simulator/);
  });
});

describe('roles', () => {
  it('the simulator reply call is admin-only', async () => {
    for (const role of ['rep', 'manager'] as const) {
      const res = await relay.api('/v1/simulator/inbound', { method: 'POST', token: await relay.token(role), json: { from: '+5511987654321', body: 'hi' } });
      expect(res.status).toBe(403);
    }
    const ok = await relay.api('/v1/simulator/inbound', { method: 'POST', token: await relay.token('admin'), json: { from: '+5511987654321', body: 'hi' } });
    expect(ok.status).toBe(201);
  });
});

describe('CORS and headers', () => {
  it('answers preflights for extension origins only', async () => {
    const pre = (origin: string) => fetch(relay.url + '/v1/me', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } });
    const chrome = await pre('chrome-extension://abcdefghijklmnopabcdefghijklmnop');
    expect(chrome.headers.get('access-control-allow-origin')).toBe('chrome-extension://abcdefghijklmnopabcdefghijklmnop');
    const firefox = await pre('moz-extension://4b0d8c52-5a0c-4a5e-9d3e-1f1f1f1f1f1f');
    expect(firefox.headers.get('access-control-allow-origin')).toBe('moz-extension://4b0d8c52-5a0c-4a5e-9d3e-1f1f1f1f1f1f');
    const evil = await pre('https://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sends security headers and health endpoints need no token', async () => {
    const res = await fetch(relay.url + '/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const ready = await fetch(relay.url + '/readyz');
    expect(await ready.json()).toMatchObject({ ok: true, database: 'sqlite' });
  });

  it('unknown routes are a JSON 404', async () => {
    const res = await fetch(relay.url + '/v2/nothing');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });
});

describe('contacts', () => {
  it('accept %2B, a raw + and whatsapp: in the path; refuse junk', async () => {
    const token = await relay.token('rep');
    for (const p of ['%2B5511987654321', '+5511987654321', 'whatsapp%3A%2B5511987654321']) {
      const res = await relay.api(`/v1/contacts/${p}`, { token });
      expect(res.status, p).toBe(200);
      expect(((await res.json()) as { phone: string }).phone).toBe('+5511987654321');
    }
    for (const p of ['5511', 'abc', '%2B0123456789', '%3Cscript%3E']) {
      expect((await relay.api(`/v1/contacts/${p}`, { token })).status, p).toBe(422);
    }
  });

  it('consent needs evidence and keeps who and when', async () => {
    const token = await relay.token('rep', 'Evidence Rep');
    const bad = await relay.api('/v1/contacts/%2B5511911112222/consent', { method: 'PUT', token, json: { state: 'opted_in', evidence: '' } });
    expect(bad.status).toBe(422);
    const wrongState = await relay.api('/v1/contacts/%2B5511911112222/consent', { method: 'PUT', token, json: { state: 'maybe', evidence: 'x yz' } });
    expect(wrongState.status).toBe(422);
    const ok = await relay.api('/v1/contacts/%2B5511911112222/consent', { method: 'PUT', token, json: { state: 'opted_in', evidence: 'Phone call 2026-11-30, agreed to WhatsApp' } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ state: 'opted_in', source: 'rep', by: 'Evidence Rep', evidence: 'Phone call 2026-11-30, agreed to WhatsApp' });
    const history = await relay.deps.store.consentHistory('+5511911112222');
    expect(history).toHaveLength(1);
  });
});
