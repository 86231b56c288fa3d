/**
 * The guard: every WhatsApp rule is enforced before Twilio is called. Each refusal is checked
 * against the fake Twilio's request log — a refused send must put zero requests on the wire.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { inboundForm, postSignedForm } from '../helpers/twilio-signer.ts';
import { SANDBOX_APPOINTMENT_SID, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { PUBLIC_URL, startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER, type TestRelay } from '../helpers/relay-harness.ts';

let fake: FakeTwilio;
let relay: TestRelay;
let rep: string;
let counter = 0;
const newPhone = () => `+44770090${String(1000 + ++counter).padStart(4, '0')}`;
const messagePosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json'));

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  relay = await startTestRelay({ fakeTwilioUrl: fake.url });
  rep = await relay.token('rep', 'Rita Rep');
});
afterAll(async () => {
  await relay?.close();
  await fake?.close();
});
beforeEach(() => fake.reset());

const optIn = (phone: string) => relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: rep, json: { state: 'opted_in', evidence: 'Ticked the WhatsApp box on the signup form' } });
const reply = (phone: string, body: string) => postSignedForm(relay.url + '/twilio/inbound', inboundForm({ from: phone, to: TEST_SENDER, body }), TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
const sendTemplate = (phone: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  relay.api('/v1/messages', { method: 'POST', token: rep, headers, json: { to: phone, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' }, ...extra } });
const sendText = (phone: string, body: string, headers: Record<string, string> = {}) => relay.api('/v1/messages', { method: 'POST', token: rep, headers, json: { to: phone, body } });
const errorCode = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

describe('templates', () => {
  it('need an opt-in: CONSENT_REQUIRED with nothing sent', async () => {
    const res = await sendTemplate(newPhone());
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('CONSENT_REQUIRED');
    expect(messagePosts()).toHaveLength(0);
  });

  it('go out as ContentSid + ContentVariables (a JSON string) + StatusCallback, matching Twilio\'s spec', async () => {
    const phone = newPhone();
    await optIn(phone);
    const res = await sendTemplate(phone);
    expect(res.status).toBe(201);
    const msg = (await res.json()) as { id: string; sid: string; status: string; sentBy: string; contentSid: string };
    expect(msg).toMatchObject({ status: 'queued', sentBy: 'Rita Rep', contentSid: SANDBOX_APPOINTMENT_SID });
    const [req] = messagePosts();
    expect(req!.specErrors).toEqual([]);
    expect(req!.form.get('ContentSid')).toEqual([SANDBOX_APPOINTMENT_SID]);
    expect(JSON.parse(req!.form.get('ContentVariables')![0]!)).toEqual({ '1': '12/1', '2': '3pm' });
    // The callback URL names our message, so a callback still finds it if Twilio's answer is lost.
    expect(req!.form.get('StatusCallback')).toEqual([`${PUBLIC_URL}/twilio/status?m=${msg.id}`]);
    expect(req!.form.get('To')).toEqual([`whatsapp:${phone}`]);
    expect(req!.form.has('Body')).toBe(false);
    expect(fake.messages[0]!.sid).toBe(msg.sid);
  });

  it('must be approved: TEMPLATE_NOT_APPROVED for a rejected or unknown template, nothing sent', async () => {
    const phone = newPhone();
    await optIn(phone);
    const rejected = fake.templates.find((t) => String(t.approval_requests?.status ?? '').toLowerCase() === 'rejected');
    expect(rejected).toBeDefined();
    const res = await sendTemplate(phone, { contentSid: rejected!.sid, variables: {} });
    expect(res.status).toBe(422);
    expect(await errorCode(res)).toBe('TEMPLATE_NOT_APPROVED');
    expect(messagePosts()).toHaveLength(0);
  });

  it('variables are validated as WhatsApp requires: none empty, no newlines', async () => {
    const phone = newPhone();
    await optIn(phone);
    for (const variables of [{ '1': '12/1' }, { '1': '12/1', '2': '   ' }, { '1': 'line\nbreak', '2': '3pm' }]) {
      const res = await sendTemplate(phone, { variables });
      expect(res.status).toBe(422);
      expect(await errorCode(res)).toBe('VALIDATION_FAILED');
    }
    expect(messagePosts()).toHaveLength(0);
  });
});

describe('free-form', () => {
  it('is refused outside the 24-hour window and allowed inside it', async () => {
    const phone = newPhone();
    const closed = await sendText(phone, 'Hello!');
    expect(closed.status).toBe(409);
    expect(await errorCode(closed)).toBe('SESSION_CLOSED');
    expect(messagePosts()).toHaveLength(0);

    await reply(phone, 'Hi, can you call me?');
    const open = await sendText(phone, 'Sure — *tomorrow* at 10?');
    expect(open.status).toBe(201);
    const [req] = messagePosts();
    expect(req!.form.get('Body')).toEqual(['Sure — *tomorrow* at 10?']);
    expect(req!.form.has('ContentSid')).toBe(false);
    expect(req!.specErrors).toEqual([]);
  });

  it('the window closes 24 hours after the contact\'s last message', async () => {
    const phone = newPhone();
    await reply(phone, 'hello');
    relay.clock.now = new Date(Date.now() + 24 * 3600_000 + 1000);
    try {
      const res = await sendText(phone, 'Too late?');
      expect(await errorCode(res)).toBe('SESSION_CLOSED');
    } finally {
      relay.clock.now = new Date();
    }
    expect(messagePosts()).toHaveLength(0);
  });
});

describe('STOP', () => {
  it('blocks every later send — template and free-form — with zero requests to Twilio', async () => {
    const phone = newPhone();
    await optIn(phone);
    await reply(phone, 'STOP');
    fake.reset();
    const t = await sendTemplate(phone);
    expect(t.status).toBe(409);
    expect(await errorCode(t)).toBe('CONSENT_OPTED_OUT');
    const f = await sendText(phone, 'Are you sure?');
    expect(await errorCode(f)).toBe('CONSENT_OPTED_OUT');
    expect(messagePosts()).toHaveLength(0);
  });
});

describe('idempotency', () => {
  it('the same Idempotency-Key twice is one message and one Twilio request', async () => {
    const phone = newPhone();
    await optIn(phone);
    const key = 'click-' + phone.slice(1);
    const [a, b] = await Promise.all([sendTemplate(phone, {}, { 'Idempotency-Key': key }), sendTemplate(phone, {}, { 'Idempotency-Key': key })]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 201]);
    const [ma, mb] = (await Promise.all([a.json(), b.json()])) as { id: string }[];
    expect(ma!.id).toBe(mb!.id);
    expect(messagePosts()).toHaveLength(1);
  });

  it('a reused key with a different message is a conflict', async () => {
    const phone = newPhone();
    await reply(phone, 'hi');
    await sendText(phone, 'one', { 'Idempotency-Key': 'k-' + phone.slice(1) });
    const res = await sendText(phone, 'two', { 'Idempotency-Key': 'k-' + phone.slice(1) });
    expect(res.status).toBe(409);
    expect(await errorCode(res)).toBe('IDEMPOTENCY_CONFLICT');
  });
});

describe('Twilio errors', () => {
  it('are mapped to coded errors with the explanation, and the failed message is kept', async () => {
    const phone = '+15005550001'; // the fake answers 21211 like Twilio's magic number
    await optIn(phone);
    const res = await sendTemplate(phone);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; twilioCode: number; message: string } };
    expect(body.error).toMatchObject({ code: 'TWILIO_REJECTED', twilioCode: 21211 });
    expect(body.error.message).toMatch(/not valid/i);
    const state = (await (await relay.api(`/v1/contacts/${encodeURIComponent(phone)}`, { token: rep })).json()) as { messages: { status: string; errorCode: number }[] };
    expect(state.messages.at(-1)).toMatchObject({ status: 'failed', errorCode: 21211 });
  });

  it('a Twilio 500 is not retried blindly: Twilio may have sent it, so it is kept pending (202), not failed', async () => {
    const phone = newPhone();
    await optIn(phone);
    fake.failNext(1, { status: 500, code: 20500, message: 'Internal Server Error' });
    const res = await sendTemplate(phone);
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ status: 'queued', sid: null, notice: expect.stringMatching(/did not confirm/) });
    expect(messagePosts()).toHaveLength(1);
  });
});

describe('bad input', () => {
  it('gets a 4xx naming the problem and sends nothing', async () => {
    const cases: [unknown, number][] = [
      [{ to: 'not a phone', body: 'x' }, 422],
      [{ to: '+15551234567', body: '' }, 422],
      [{ to: '+15551234567', body: 'x'.repeat(1601) }, 422],
      [{ to: '+15551234567', contentSid: 'HXnothex', variables: {} }, 422],
      [{ to: '+15551234567', body: 'x', extra: true }, 422],
      [[1, 2, 3], 422],
    ];
    for (const [json, status] of cases) {
      const res = await relay.api('/v1/messages', { method: 'POST', token: rep, json });
      expect(res.status, JSON.stringify(json)).toBe(status);
      expect(await errorCode(res)).toBe('VALIDATION_FAILED');
    }
    const notJson = await relay.api('/v1/messages', { method: 'POST', token: rep, headers: { 'content-type': 'application/json' }, body: '{"to":' });
    expect(notJson.status).toBe(422);
    const huge = await relay.api('/v1/messages', { method: 'POST', token: rep, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ to: '+15551234567', body: 'x'.repeat(200_000) }) });
    expect(huge.status).toBe(413);
    const badKey = await sendText('+15551234567', 'x', { 'Idempotency-Key': 'has spaces and <angle>' });
    expect(badKey.status).toBe(422);
    expect(messagePosts()).toHaveLength(0);
  });
});
