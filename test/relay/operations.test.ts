/** What an admin operates: /metrics, /readyz, request ids in JSON logs without secrets, per-token rate limits. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.ts';
import { PUBLIC_URL, startTestRelay, TEST_AUTH_TOKEN, type TestRelay } from '../helpers/relay-harness.ts';
import { inboundForm, postSignedForm } from '../helpers/twilio-signer.ts';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { TEST_ACCOUNT_SID, TEST_SENDER } from '../helpers/relay-harness.ts';

let fake: FakeTwilio;
let relay: TestRelay;
const logs: string[] = [];

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  relay = await startTestRelay({ fakeTwilioUrl: fake.url, logLines: logs, env: { RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '5' } });
});
afterAll(async () => {
  await relay?.close();
  await fake?.close();
});

const metric = async (line: RegExp) => {
  const text = await (await fetch(relay.url + '/metrics')).text();
  return text.split('\n').find((l) => line.test(l));
};

describe('/metrics', () => {
  it('counts webhooks by outcome, signature failures, sends and open live streams', async () => {
    const form = inboundForm({ from: '+5511922223333', to: TEST_SENDER, body: 'hello' });
    await postSignedForm(relay.url + '/twilio/inbound', form, TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
    await postSignedForm(relay.url + '/twilio/inbound', form, TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
    await postSignedForm(relay.url + '/twilio/inbound', form, TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound', signature: 'forged' });
    const token = await relay.token('admin', 'Ops Admin');
    await relay.api('/v1/messages', { method: 'POST', token, json: { to: '+5511922223333', body: 'hi back' } });
    const stream = await openSse(`${relay.url}/v1/events?phone=%2B5511922223333`, { authorization: `Bearer ${token}` });
    try {
      expect(await metric(/^ppw_relay_webhooks_total\{outcome="stored",path="\/twilio\/inbound"\}/)).toMatch(/ 1$/);
      expect(await metric(/^ppw_relay_webhooks_total\{outcome="duplicate",path="\/twilio\/inbound"\}/)).toMatch(/ 1$/);
      expect(await metric(/^ppw_relay_webhook_signature_failures_total/)).toMatch(/ 1$/);
      expect(await metric(/^ppw_relay_sends_total\{kind="text",outcome="sent"\}/)).toMatch(/ 1$/);
      expect(await metric(/^ppw_relay_twilio_request_seconds_count/)).toMatch(/ 1$/);
      expect(await metric(/^ppw_relay_live_streams /)).toBe('ppw_relay_live_streams 1');
    } finally {
      stream.close();
    }
  });

  it('counts refusals by reason', async () => {
    const token = await relay.token('admin', 'Ops Admin');
    await relay.api('/v1/messages', { method: 'POST', token, json: { to: '+5511900001111', body: 'no window' } });
    expect(await metric(/^ppw_relay_sends_total\{kind="text",outcome="refused_SESSION_CLOSED"\}/)).toMatch(/ 1$/);
  });
});

describe('/readyz', () => {
  it('is ready with the database', async () => {
    const res = await fetch(relay.url + '/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, database: 'sqlite' });
  });
});

describe('logs', () => {
  it('carry a request id (echoed in X-Request-Id) and never the token or the message text', async () => {
    const token = await relay.token('rep', 'Log Rep');
    const res = await relay.api('/v1/me', { token, headers: { 'x-request-id': 'support-ticket-4711' } });
    expect(res.headers.get('x-request-id')).toBe('support-ticket-4711');
    const generated = (await relay.api('/v1/me', { token })).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const line = logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.id === 'support-ticket-4711');
    expect(line).toMatchObject({ msg: 'http', method: 'GET', route: '/v1/me', status: 200, by: 'Log Rep' });
    const all = logs.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain('hi back');
    expect(all).not.toContain('hello');
  });
});

describe('rate limit', () => {
  it('refuses a token past its burst with 429 and Retry-After, and leaves other tokens alone', async () => {
    const token = await relay.token('rep', 'Burst Rep');
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 8; i++) {
      const res = await relay.api('/v1/me', { token });
      statuses.push(res.status);
      if (res.status === 429) retryAfter = res.headers.get('retry-after');
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await relay.api('/v1/me', { token: await relay.token('rep', 'Calm Rep') })).status).toBe(200);
    expect(await metric(/^ppw_relay_rate_limited_total/)).toMatch(/ [1-9]\d*$/);
  });
});

// Last: it closes the database under the running relay.
describe('/readyz without a database', () => {
  it('answers 503 when the database is unreachable, while /healthz still answers', async () => {
    await relay.deps.store.close();
    const ready = await fetch(relay.url + '/readyz');
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ ok: false, database: 'unreachable' });
    expect((await fetch(relay.url + '/healthz')).status).toBe(200);
  });
});
