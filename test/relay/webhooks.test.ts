/**
 * Twilio's webhooks over real HTTP against a real SQLite file: signatures (good and tampered on
 * every path), idempotency, forward-only statuses, keywords, fallback, and hostile input that
 * must be refused with a 4xx and change nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inboundForm, postSignedForm, statusForm } from '../helpers/twilio-signer.ts';
import { startFakeTwilio, SANDBOX_APPOINTMENT_SID, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { PUBLIC_URL, startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER, type TestRelay } from '../helpers/relay-harness.ts';

let fake: FakeTwilio;
let relay: TestRelay;
let counter = 0;
const newPhone = () => `+55119876${String(50000 + ++counter).padStart(5, '0')}`;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  relay = await startTestRelay({ fakeTwilioUrl: fake.url });
});
afterAll(async () => {
  await relay?.close();
  await fake?.close();
});
beforeEach(() => fake.reset());

const post = (path: string, form: Record<string, string>, opts: { signature?: string; signedUrl?: string; token?: string } = {}) =>
  postSignedForm(relay.url + path, form, opts.token ?? TEST_AUTH_TOKEN, { signedUrl: opts.signedUrl ?? PUBLIC_URL + path, ...(opts.signature !== undefined ? { signature: opts.signature } : {}) });

async function contact(phone: string, token?: string) {
  const res = await relay.api(`/v1/contacts/${encodeURIComponent(phone)}`, { token: token ?? (await relay.token('rep')) });
  expect(res.status).toBe(200);
  return (await res.json()) as { consent: { state: string; source: string | null }; session: { state: string }; messages: { sid: string; status: string; body: string | null; direction: string; errorCode: number | null; errorMessage: string | null; statusTimes: Record<string, string> }[]; profileName: string | null };
}

async function sendTemplateTo(phone: string) {
  const rep = await relay.token('rep');
  const consent = await relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: rep, json: { state: 'opted_in', evidence: 'Signed the web form on 2026-11-01' } });
  expect(consent.status).toBe(200);
  const res = await relay.api('/v1/messages', { method: 'POST', token: rep, json: { to: phone, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } } });
  expect(res.status).toBe(201);
  return (await res.json()) as { sid: string; status: string };
}

describe('inbound webhook', () => {
  it('stores a signed message once, opens the window and keeps the profile name', async () => {
    const phone = newPhone();
    const form = inboundForm({ from: phone, to: TEST_SENDER, body: 'Hi there', profileName: 'Ana' });
    const first = await post('/twilio/inbound', form);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toContain('text/xml');
    expect(await first.text()).toContain('<Response/>');
    const again = await post('/twilio/inbound', form);
    expect(again.status).toBe(200);
    const state = await contact(phone);
    expect(state.messages).toHaveLength(1);
    expect(state.messages[0]).toMatchObject({ direction: 'inbound', body: 'Hi there', status: 'received' });
    expect(state.session.state).toBe('open');
    expect(state.profileName).toBe('Ana');
  });

  it('refuses a tampered signature, a missing one, one for another URL and one made with another token, changing nothing', async () => {
    const phone = newPhone();
    const form = inboundForm({ from: phone, to: TEST_SENDER, body: 'hello' });
    const tampered = { ...form, Body: 'HELLO' };
    const goodSig = (await import('../helpers/twilio-signer.ts')).signForm(TEST_AUTH_TOKEN, PUBLIC_URL + '/twilio/inbound', form);
    expect((await post('/twilio/inbound', tampered, { signature: goodSig })).status).toBe(403);
    expect((await post('/twilio/inbound', form, { signature: '' })).status).toBe(403);
    // Signed for the address the relay listens on, not PUBLIC_URL: a rebuilt-from-request URL would accept it.
    expect((await post('/twilio/inbound', form, { signedUrl: relay.url + '/twilio/inbound' })).status).toBe(403);
    expect((await post('/twilio/inbound', form, { token: 'another-auth-token-0000000000' })).status).toBe(403);
    const state = await contact(phone);
    expect(state.messages).toHaveLength(0);
    expect(state.session.state).toBe('closed');
  });

  it('accepts the signature with the default port spelled out (Twilio signs inconsistently)', async () => {
    const phone = newPhone();
    const form = inboundForm({ from: phone, to: TEST_SENDER, body: 'port' });
    const res = await post('/twilio/inbound', form, { signedUrl: 'https://relay.example.test:443/twilio/inbound' });
    expect(res.status).toBe(200);
  });

  it('STOP opts the contact out (recorded as a keyword with the message), START opts back in; "stop by tomorrow" does not', async () => {
    const phone = newPhone();
    await post('/twilio/inbound', inboundForm({ from: phone, to: TEST_SENDER, body: 'I will stop by tomorrow' }));
    expect((await contact(phone)).consent.state).toBe('unknown');
    await post('/twilio/inbound', inboundForm({ from: phone, to: TEST_SENDER, body: '  Stop! ' }));
    let state = await contact(phone);
    expect(state.consent).toMatchObject({ state: 'opted_out', source: 'keyword' });
    await post('/twilio/inbound', inboundForm({ from: phone, to: TEST_SENDER, body: 'START' }));
    state = await contact(phone);
    expect(state.consent).toMatchObject({ state: 'opted_in', source: 'keyword' });
    await post('/twilio/inbound', inboundForm({ from: phone, to: TEST_SENDER, body: 'sair' }));
    expect((await contact(phone)).consent.state).toBe('opted_out');
  });

  it('the fallback webhook records the error and still stores the message', async () => {
    const phone = newPhone();
    const form = { ...inboundForm({ from: phone, to: TEST_SENDER, body: 'via fallback' }), ErrorCode: '11205', ErrorUrl: PUBLIC_URL + '/twilio/inbound' };
    expect((await post('/twilio/fallback', form)).status).toBe(200);
    expect((await post('/twilio/fallback', form, { signature: 'bad' })).status).toBe(403);
    const state = await contact(phone);
    expect(state.messages.map((m) => m.body)).toEqual(['via fallback']);
  });
});

describe('status callbacks', () => {
  it('move forward only: out of order and duplicated callbacks end at read, with the time of each status', async () => {
    const phone = newPhone();
    const sent = await sendTemplateTo(phone);
    const base = { sid: sent.sid, to: phone, from: TEST_SENDER };
    for (const status of ['delivered', 'sent', 'read', 'delivered', 'sent', 'read']) {
      const res = await post('/twilio/status', statusForm({ ...base, status }));
      expect(res.status).toBe(204);
    }
    const m = (await contact(phone)).messages[0]!;
    expect(m.status).toBe('read');
    expect(Object.keys(m.statusTimes).sort()).toEqual(expect.arrayContaining(['delivered', 'read', 'sent']));
  });

  it('understands EventType=READ and refuses an unsigned or tampered callback', async () => {
    const phone = newPhone();
    const sent = await sendTemplateTo(phone);
    const form = statusForm({ sid: sent.sid, to: phone, from: TEST_SENDER, status: 'delivered' });
    expect((await post('/twilio/status', { ...form, MessageStatus: 'read' }, { signature: (await import('../helpers/twilio-signer.ts')).signForm(TEST_AUTH_TOKEN, PUBLIC_URL + '/twilio/status', form) })).status).toBe(403);
    expect((await post('/twilio/status', form, { signature: '' })).status).toBe(403);
    expect((await contact(phone)).messages[0]!.status).toBe('queued');
    const readForm = statusForm({ sid: sent.sid, to: phone, from: TEST_SENDER, status: 'delivered', eventType: 'READ' });
    expect((await post('/twilio/status', readForm)).status).toBe(204);
    expect((await contact(phone)).messages[0]!.status).toBe('read');
  });

  it('stores an error code with the human explanation; a failure after delivered is ignored', async () => {
    const phone = newPhone();
    const sent = await sendTemplateTo(phone);
    await post('/twilio/status', statusForm({ sid: sent.sid, to: phone, from: TEST_SENDER, status: 'undelivered', errorCode: 63016 }));
    const m = (await contact(phone)).messages[0]!;
    expect(m).toMatchObject({ status: 'undelivered', errorCode: 63016 });
    expect(m.errorMessage).toMatch(/24-hour/);

    const phone2 = newPhone();
    const sent2 = await sendTemplateTo(phone2);
    await post('/twilio/status', statusForm({ sid: sent2.sid, to: phone2, from: TEST_SENDER, status: 'delivered' }));
    await post('/twilio/status', statusForm({ sid: sent2.sid, to: phone2, from: TEST_SENDER, status: 'failed', errorCode: 30008 }));
    expect((await contact(phone2)).messages[0]!.status).toBe('delivered');
  });

  it('63014 (the contact blocked the business) is recorded as an opt-out', async () => {
    const phone = newPhone();
    const sent = await sendTemplateTo(phone);
    await post('/twilio/status', statusForm({ sid: sent.sid, to: phone, from: TEST_SENDER, status: 'failed', errorCode: 63014 }));
    expect((await contact(phone)).consent).toMatchObject({ state: 'opted_out', source: 'twilio' });
  });

  it('an unknown sid is acknowledged and changes nothing visible', async () => {
    const res = await post('/twilio/status', statusForm({ sid: 'SM' + 'f'.repeat(32), to: newPhone(), from: TEST_SENDER, status: 'delivered' }));
    expect(res.status).toBe(204);
  });
});

describe('hostile and malformed webhooks', () => {
  it('answers 4xx and stores nothing', async () => {
    const phone = newPhone();
    const good = inboundForm({ from: phone, to: TEST_SENDER, body: 'x' });
    // Missing MessageSid, signed correctly: 422.
    const { MessageSid: _omit, ...noSid } = good;
    expect((await post('/twilio/inbound', noSid)).status).toBe(422);
    // A From that is not a WhatsApp address.
    expect((await post('/twilio/inbound', { ...good, From: 'whatsapp:<script>' })).status).toBe(422);
    // Oversized body.
    expect((await post('/twilio/inbound', { ...good, Body: 'A'.repeat(70 * 1024) })).status).toBe(413);
    // JSON instead of a form.
    const json = await fetch(relay.url + '/twilio/inbound', { method: 'POST', headers: { 'content-type': 'application/json', 'x-twilio-signature': 'x' }, body: JSON.stringify(good) });
    expect(json.status).toBe(415);
    // Broken percent-encoding.
    const broken = await fetch(relay.url + '/twilio/inbound', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'x' }, body: 'Body=%E0%A4%A&From=%' });
    expect(broken.status).toBeGreaterThanOrEqual(400);
    expect(broken.status).toBeLessThan(500);
    // A status that is not a MessageSid.
    expect((await post('/twilio/status', { ...statusForm({ sid: 'SM' + '0'.repeat(32), to: phone, from: TEST_SENDER, status: 'sent' }), MessageSid: "'; DROP TABLE messages; --" })).status).toBe(422);
    expect((await contact(phone)).messages).toHaveLength(0);
  });

  it('an HTML body is stored as text, exactly', async () => {
    const phone = newPhone();
    const body = '<img src=x onerror=alert(1)>';
    await post('/twilio/inbound', inboundForm({ from: phone, to: TEST_SENDER, body }));
    expect((await contact(phone)).messages[0]!.body).toBe(body);
  });
});
