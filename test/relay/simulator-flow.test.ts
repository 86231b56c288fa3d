/**
 * The README's simulator walk-through, over real HTTP: record consent, send the appointment
 * template, watch it reach `read` on /v1/events, make the contact reply, send free-form, and see
 * STOP block every further send. The simulator posts its statuses through the relay's own signed
 * webhook path, so this exercises the same code Twilio's callbacks do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse } from '../helpers/sse-client.ts';
import { startTestRelay, type TestRelay } from '../helpers/relay-harness.ts';

let relay: TestRelay;
beforeAll(async () => {
  relay = await startTestRelay({ simDelayMs: 30 });
});
afterAll(async () => relay?.close());

const PHONE = '+5511987654321';
const APPOINTMENT = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';

describe('simulator walk-through', () => {
  it('template → read live, reply opens the window, free-form, STOP blocks', async () => {
    const admin = await relay.token('admin', 'Demo Admin');
    const stream = await openSse(`${relay.url}/v1/events?phone=${encodeURIComponent(PHONE)}`, { authorization: `Bearer ${admin}` });
    expect(stream.status).toBe(200);

    const templates = (await (await relay.api('/v1/templates', { token: admin })).json()) as { templates: { sid: string; body: string }[]; simulated: boolean };
    expect(templates.simulated).toBe(true);
    expect(templates.templates.find((t) => t.sid === APPOINTMENT)?.body).toBe('Your appointment is coming up on {{1}} at {{2}}');

    expect((await relay.api(`/v1/contacts/${encodeURIComponent(PHONE)}/consent`, { method: 'PUT', token: admin, json: { state: 'opted_in', evidence: 'Opted in on the web form' } })).status).toBe(200);
    await stream.waitFor((e) => e.event === 'consent.changed');

    const send = await relay.api('/v1/messages', { method: 'POST', token: admin, json: { to: PHONE, contentSid: APPOINTMENT, variables: { '1': '12/1', '2': '3pm' } } });
    expect(send.status).toBe(201);
    const message = (await send.json()) as { sid: string; id: string };
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);

    const read = await stream.waitFor((e) => e.event === 'message.status' && (e.data as { message: { sid: string; status: string } }).message.status === 'read');
    expect((read.data as { message: { sid: string } }).message.sid).toBe(message.sid);
    const statuses = stream.events.filter((e) => e.event === 'message.status').map((e) => (e.data as { message: { status: string } }).message.status);
    expect(statuses).toEqual(['queued', 'sent', 'delivered', 'read']);

    const free1 = await relay.api('/v1/messages', { method: 'POST', token: admin, json: { to: PHONE, body: 'Before any reply' } });
    expect(free1.status).toBe(409);

    expect((await relay.api('/v1/simulator/inbound', { method: 'POST', token: admin, json: { from: PHONE, body: 'Yes, 3pm works', profileName: 'Ana' } })).status).toBe(201);
    await stream.waitFor((e) => e.event === 'message.inbound');
    const state = (await (await relay.api(`/v1/contacts/${encodeURIComponent(PHONE)}`, { token: admin })).json()) as { session: { state: string; expiresAt: string }; simulated: boolean };
    expect(state.session.state).toBe('open');
    expect(state.simulated).toBe(true);

    const free2 = await relay.api('/v1/messages', { method: 'POST', token: admin, json: { to: PHONE, body: 'Great, see you then!' } });
    expect(free2.status).toBe(201);

    await relay.api('/v1/simulator/inbound', { method: 'POST', token: admin, json: { from: PHONE, body: 'STOP' } });
    const optedOut = await stream.waitFor((e) => e.event === 'consent.changed' && (e.data as { consent: { state: string } }).consent.state === 'opted_out');
    expect((optedOut.data as { consent: { source: string } }).consent.source).toBe('keyword');
    for (const json of [{ to: PHONE, body: 'One more thing' }, { to: PHONE, contentSid: APPOINTMENT, variables: { '1': '12/2', '2': '4pm' } }]) {
      const res = await relay.api('/v1/messages', { method: 'POST', token: admin, json });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CONSENT_OPTED_OUT');
    }
    stream.close();
  });

  it('sends keep-alive comments and the scope=mine stream replays missed replies from Last-Event-ID', async () => {
    const rep = await relay.token('rep', 'Replay Rep');
    const admin = await relay.token('admin', 'Demo Admin');
    const phone = '+5511955554444';
    await relay.api('/v1/simulator/inbound', { method: 'POST', token: admin, json: { from: phone, body: 'first' } });
    await relay.deps.simulator!.idle();
    expect((await relay.api('/v1/messages', { method: 'POST', token: rep, json: { to: phone, body: 'hello' } })).status).toBe(201);

    const live = await openSse(`${relay.url}/v1/events?scope=mine`, { authorization: `Bearer ${rep}` });
    await relay.api('/v1/simulator/inbound', { method: 'POST', token: admin, json: { from: phone, body: 'second' } });
    const second = await live.waitFor((e) => e.event === 'message.inbound');
    expect(second.id).toMatch(/^\d+$/);
    await new Promise((r) => setTimeout(r, 450));
    expect(live.comments).toContain('ping');
    live.close();

    await relay.api('/v1/simulator/inbound', { method: 'POST', token: admin, json: { from: phone, body: 'third, while offline' } });
    const resumed = await openSse(`${relay.url}/v1/events?scope=mine`, { authorization: `Bearer ${rep}`, 'last-event-id': second.id! });
    const third = await resumed.waitFor((e) => e.event === 'message.inbound');
    expect((third.data as { message: { body: string } }).message.body).toBe('third, while offline');
    resumed.close();
  });

  it('refuses an events request without a phone or with a bad one', async () => {
    const rep = await relay.token('rep');
    expect((await relay.api('/v1/events', { token: rep })).status).toBe(422);
    expect((await relay.api('/v1/events?phone=123', { token: rep })).status).toBe(422);
  });
});
