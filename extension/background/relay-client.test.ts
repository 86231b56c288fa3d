// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelayClient } from './relay-client.ts';
import { closedPortUrl, json, sampleContact, sampleMessage, startTestServer, type TestServer } from './test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

const clientFor = (relayUrl: string, token = 'tok_123', timeoutMs?: number) =>
  createRelayClient({ getSettings: async () => ({ relayUrl, token }), ...(timeoutMs ? { timeoutMs } : {}) });

describe('relay client', () => {
  it('calls /v1/me with the bearer token and validates the answer', async () => {
    server.handle((_req, res) => json(res, 200, { name: 'Ana', role: 'rep', simulated: true }));
    const result = await clientFor(server.url + '/').me();
    expect(result).toEqual({ ok: true, data: { name: 'Ana', role: 'rep', simulated: true } });
    const last = server.requests.at(-1)!;
    expect(last.url).toBe('/v1/me');
    expect(last.headers.authorization).toBe('Bearer tok_123');
  });

  it('encodes the phone, passes pinpointId and parses the contact state', async () => {
    server.handle((_req, res) => json(res, 200, sampleContact));
    const result = await clientFor(server.url).contact('+5511987654321', '42');
    expect(result.ok).toBe(true);
    expect(server.requests.at(-1)!.url).toBe('/v1/contacts/%2B5511987654321?pinpointId=42');
  });

  it('sends messages with the Idempotency-Key header and a JSON body', async () => {
    server.handle((_req, res) => json(res, 201, sampleMessage));
    const input = { to: '+5511987654321', body: 'Hello' };
    const result = await clientFor(server.url).send(input, 'key-123456789');
    expect(result).toEqual({ ok: true, data: sampleMessage });
    const last = server.requests.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.headers['idempotency-key']).toBe('key-123456789');
    expect(last.headers['content-type']).toBe('application/json');
    expect(JSON.parse(last.body)).toEqual(input);
  });

  it('asks for list summaries with a repeated pinpointId and validates them', async () => {
    const summary = { pinpointId: '42', phone: '+5511987654321', consent: 'opted_in', lastMessage: { direction: 'outbound', status: 'read', at: '2026-11-02T10:00:00.000Z' } };
    server.handle((_req, res) => json(res, 200, { contacts: [summary] }));
    expect(await clientFor(server.url).contactSummaries(['42', '43'])).toEqual({ ok: true, data: { contacts: [summary] } });
    expect(server.requests.at(-1)!.url).toBe('/v1/contacts?pinpointId=42&pinpointId=43');
    server.handle((_req, res) => json(res, 200, { contacts: [{ pinpointId: 42 }] }));
    expect(await clientFor(server.url).contactSummaries(['42'])).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE' } });
  });

  it('asks for a delivery report with its query', async () => {
    const row = { key: 'Ana', sent: 2, delivered: 1, read: 1, failed: 1, deliveryRate: 0.5, readRate: 1, medianToDeliveredMs: 1000, medianToReadMs: 5000, failuresByCode: [{ code: 63016, count: 1, explanation: 'Outside the window.' }] };
    const report = { from: '2026-11-01', to: '2026-11-30', groupBy: 'rep', rows: [row], totals: { ...row, key: 'total' } };
    server.handle((_req, res) => json(res, 200, report));
    expect(await clientFor(server.url).deliveryReport({ from: '2026-11-01', to: '2026-11-30', groupBy: 'rep', rep: 'Ana Souza' })).toEqual({ ok: true, data: report });
    expect(server.requests.at(-1)!.url).toBe('/v1/reports/delivery?from=2026-11-01&to=2026-11-30&groupBy=rep&rep=Ana+Souza');
    await clientFor(server.url).deliveryReport({ from: '2026-11-01', to: '2026-11-30', groupBy: 'day' });
    expect(server.requests.at(-1)!.url).toBe('/v1/reports/delivery?from=2026-11-01&to=2026-11-30&groupBy=day');
  });

  it('asks for a template refresh only when told to', async () => {
    server.handle((_req, res) => json(res, 200, { templates: [], fetchedAt: '2025-01-01T00:00:00.000Z', simulated: true }));
    await clientFor(server.url).templates(true);
    expect(server.requests.at(-1)!.url).toBe('/v1/templates?refresh=1');
    await clientFor(server.url).templates();
    expect(server.requests.at(-1)!.url).toBe('/v1/templates');
  });

  it('maps relay errors to their code, message, status and Twilio code', async () => {
    server.handle((_req, res) => json(res, 409, { error: { code: 'CONSENT_REQUIRED', message: 'No opt-in on record.' } }));
    expect(await clientFor(server.url).send({ to: '+5511987654321', body: 'x' }, 'k-00000001')).toEqual({
      ok: false,
      error: { code: 'CONSENT_REQUIRED', message: 'No opt-in on record.', status: 409 },
    });
    server.handle((_req, res) => json(res, 502, { error: { code: 'TWILIO_REJECTED', message: 'Not a WhatsApp number.', twilioCode: 63003 } }));
    expect(await clientFor(server.url).send({ to: '+5511987654321', body: 'x' }, 'k-00000002')).toEqual({
      ok: false,
      error: { code: 'TWILIO_REJECTED', message: 'Not a WhatsApp number.', status: 502, twilioCode: 63003 },
    });
    server.handle((_req, res) => json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'Bad token.' } }));
    const unauthorized = await clientFor(server.url).me();
    expect(unauthorized.ok === false && unauthorized.error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
  });

  it('maps answers that are not the relay contract to BAD_RESPONSE', async () => {
    server.handle((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html>hello</html>'));
    const html = await clientFor(server.url).me();
    expect(html.ok === false && html.error.code).toBe('BAD_RESPONSE');

    server.handle((_req, res) => json(res, 200, { name: 'Ana' }));
    const shape = await clientFor(server.url).me();
    expect(shape.ok === false && shape.error.code).toBe('BAD_RESPONSE');
    expect(shape.ok === false && shape.error.message).toMatch(/role/);

    server.handle((_req, res) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('oops'));
    const status = await clientFor(server.url).me();
    expect(status.ok === false && status.error).toMatchObject({ code: 'BAD_RESPONSE', status: 500 });
  });

  it('maps an unreachable relay and a timeout to OFFLINE', async () => {
    const down = await clientFor(await closedPortUrl()).me();
    expect(down.ok === false && down.error.code).toBe('OFFLINE');

    server.handle(() => {
      /* never answers */
    });
    const slow = await clientFor(server.url, 'tok', 200).me();
    expect(slow.ok === false && slow.error.code).toBe('OFFLINE');
    expect(slow.ok === false && slow.error.message).toMatch(/in time/);
  });

  it('answers NOT_CONFIGURED without a token or a valid Relay URL, without calling anything', async () => {
    const before = server.requests.length;
    const noToken = await clientFor(server.url, '  ').me();
    expect(noToken.ok === false && noToken.error.code).toBe('NOT_CONFIGURED');
    const badUrl = await clientFor('not a url').me();
    expect(badUrl.ok === false && badUrl.error.code).toBe('NOT_CONFIGURED');
    const ftp = await clientFor('ftp://relay.example.com').me();
    expect(ftp.ok === false && ftp.error.code).toBe('NOT_CONFIGURED');
    expect(server.requests.length).toBe(before);
  });

  it('pairs at the given Relay URL without any token, and validates the answer', async () => {
    server.handle((_req, res) => json(res, 201, { token: 'ppw_fresh', name: 'Rita Rep', role: 'rep' }));
    // No saved settings at all: pairing is how a browser gets its first token.
    const client = createRelayClient({ getSettings: async () => ({ relayUrl: '', token: '' }) });
    expect(await client.pair(server.url + '/', 'ABCDE-23456', 'Rita Rep')).toEqual({ ok: true, data: { token: 'ppw_fresh', name: 'Rita Rep', role: 'rep' } });
    const last = server.requests.at(-1)!;
    expect(last.method).toBe('POST');
    expect(last.url).toBe('/v1/pair');
    expect(last.headers.authorization).toBeUndefined();
    expect(last.headers['content-type']).toBe('application/json');
    expect(JSON.parse(last.body)).toEqual({ code: 'ABCDE-23456', name: 'Rita Rep' });

    // An answer that is not the contract (an admin token, no token) is refused.
    for (const answer of [{ token: 'ppw_x', name: 'R', role: 'admin' }, { name: 'R', role: 'rep' }]) {
      server.handle((_req, res) => json(res, 201, answer));
      expect(await client.pair(server.url, 'ABCDE-23456', 'R')).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE' } });
    }
  });

  it('pairing failures keep the relay’s code: a refused code, the attempt limit, an unreachable relay, no URL', async () => {
    const client = createRelayClient({ getSettings: async () => ({ relayUrl: '', token: '' }) });
    server.handle((_req, res) => json(res, 401, { error: { code: 'UNAUTHORIZED', message: 'This pairing code is not valid.' } }));
    expect(await client.pair(server.url, 'ABCDE-23456', 'R')).toEqual({ ok: false, error: { code: 'UNAUTHORIZED', message: 'This pairing code is not valid.', status: 401 } });
    server.handle((_req, res) => {
      res.setHeader('Retry-After', '6');
      json(res, 429, { error: { code: 'RATE_LIMITED', message: 'Too many pairing attempts.' } });
    });
    expect(await client.pair(server.url, 'ABCDE-23456', 'R')).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED', status: 429 } });
    expect(await client.pair(await closedPortUrl(), 'ABCDE-23456', 'R')).toMatchObject({ ok: false, error: { code: 'OFFLINE' } });
    const before = server.requests.length;
    expect(await client.pair('not a url', 'ABCDE-23456', 'R')).toMatchObject({ ok: false, error: { code: 'NOT_CONFIGURED' } });
    expect(server.requests.length).toBe(before);
  });
});
