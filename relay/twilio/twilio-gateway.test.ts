/**
 * The real-Twilio gateway through the official SDK, against the fake Twilio over real HTTP: wire format
 * field by field, error mapping, the SDK's 429 retry, and template listing across pages.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { explainTwilioError } from '../../shared/twilio-errors.ts';
import { RelayError } from '../errors.ts';
import { SANDBOX_APPOINTMENT_SID, startFakeTwilio, type FakeTwilio } from '../../test/helpers/fake-twilio.ts';
import type { TwilioGateway } from './gateway.ts';
import { createTwilioGateway, rewriteTwilioUri, toWhatsAppAddress } from './twilio-gateway.ts';

const ACCOUNT = 'AC' + 'c3'.repeat(16);
const TOKEN = 'gateway-test-token';
const SANDBOX = 'whatsapp:+14155238886';
const CALLBACK = 'https://relay.example.com/twilio/status';
const TO = 'whatsapp:+5511987654321';

let fake: FakeTwilio;
let gw: TwilioGateway;
const extra: TwilioGateway[] = [];

function gateway(over: Partial<Parameters<typeof createTwilioGateway>[0]> = {}): TwilioGateway {
  const g = createTwilioGateway({ accountSid: ACCOUNT, authToken: TOKEN, from: SANDBOX, apiBaseUrl: fake.url, timeoutMs: 2000, ...over });
  extra.push(g);
  return g;
}

async function relayError(p: Promise<unknown>): Promise<RelayError> {
  const err = await p.then(
    () => {
      throw new Error('expected a RelayError, but the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RelayError);
  return err as RelayError;
}

beforeAll(async () => {
  // 3 per page whatever PageSize asks: the 5 default templates take 2 pages.
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, maxPageSize: 3 });
  gw = gateway();
});
afterAll(async () => {
  for (const g of extra) await g.close?.();
  await fake.close();
});
afterEach(() => fake.reset());

describe('send', () => {
  it('template: the wire format, field by field; ContentVariables arrives as a JSON string', async () => {
    const res = await gw.send({ to: TO, contentSid: SANDBOX_APPOINTMENT_SID, contentVariables: { '1': '12/1', '2': '3pm' }, statusCallback: CALLBACK });
    expect(res.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(res.status).toBe('queued');

    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.specErrors).toEqual([]);
    expect(req.authOk).toBe(true);
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(String(req.headers['user-agent'])).toMatch(/^twilio-node\/6\.2\.0 /);
    expect([...req.form.keys()].sort()).toEqual(['ContentSid', 'ContentVariables', 'From', 'StatusCallback', 'To']);
    expect(req.form.get('To')).toEqual([TO]);
    expect(req.form.get('From')).toEqual([SANDBOX]);
    expect(req.form.get('ContentSid')).toEqual([SANDBOX_APPOINTMENT_SID]);
    expect(req.form.get('ContentVariables')).toEqual(['{"1":"12/1","2":"3pm"}']);
    expect(JSON.parse(req.form.get('ContentVariables')![0]!)).toEqual({ '1': '12/1', '2': '3pm' });
    expect(req.form.get('StatusCallback')).toEqual([CALLBACK]);
    expect(req.rawBody).toContain('ContentVariables=%7B%221%22%3A%2212%2F1%22%2C%222%22%3A%223pm%22%7D');

    expect(fake.messages[0]).toMatchObject({ sid: res.sid, body: 'Your appointment is coming up on 12/1 at 3pm', statusCallback: CALLBACK });
  });

  it('free-form: Body only, never ContentSid/ContentVariables', async () => {
    const res = await gw.send({ to: TO, body: 'Olá! Sua consulta é amanhã às 15h 👍', statusCallback: CALLBACK });
    expect(res.status).toBe('queued');
    const req = fake.requests[0]!;
    expect(req.specErrors).toEqual([]);
    expect([...req.form.keys()].sort()).toEqual(['Body', 'From', 'StatusCallback', 'To']);
    expect(req.form.get('Body')).toEqual(['Olá! Sua consulta é amanhã às 15h 👍']);
  });

  it('refuses body and contentSid together (or neither) without calling Twilio', async () => {
    const both = await relayError(gw.send({ to: TO, body: 'x', contentSid: SANDBOX_APPOINTMENT_SID, contentVariables: {}, statusCallback: CALLBACK }));
    expect(both.code).toBe('VALIDATION_FAILED');
    const neither = await relayError(gw.send({ to: TO, statusCallback: CALLBACK }));
    expect(neither.code).toBe('VALIDATION_FAILED');
    expect(fake.requests).toHaveLength(0);
  });

  it('a plain E.164 sender and recipient are sent as whatsapp: addresses', async () => {
    const g = gateway({ from: '+14155238886' });
    expect(g.sender).toBe(SANDBOX);
    expect(g.sandbox).toBe(true);
    expect(g.simulated).toBe(false);
    await g.send({ to: '+5511987654321', body: 'hi', statusCallback: CALLBACK });
    expect(fake.requests[0]!.form.get('From')).toEqual([SANDBOX]);
    expect(fake.requests[0]!.form.get('To')).toEqual([TO]);
  });

  it('a Messaging Service sender: MessagingServiceSid, no From, status accepted', async () => {
    const mg = 'MG' + 'd4'.repeat(16);
    const g = gateway({ from: undefined, messagingServiceSid: mg });
    expect(g.sender).toBe(mg);
    expect(g.sandbox).toBe(false);
    const res = await g.send({ to: TO, contentSid: SANDBOX_APPOINTMENT_SID, contentVariables: { '1': 'a', '2': 'b' }, statusCallback: CALLBACK });
    expect(res.status).toBe('accepted');
    const req = fake.requests[0]!;
    expect(req.specErrors).toEqual([]);
    expect(req.form.get('MessagingServiceSid')).toEqual([mg]);
    expect(req.form.has('From')).toBe(false);
  });

  it('needs a sender', () => {
    expect(() => createTwilioGateway({ accountSid: ACCOUNT, authToken: TOKEN })).toThrow(/TWILIO_WHATSAPP_FROM/);
  });
});

describe('error mapping', () => {
  it('21211 → TWILIO_REJECTED with twilioCode and the human explanation', async () => {
    const err = await relayError(gw.send({ to: 'whatsapp:+15005550001', body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('TWILIO_REJECTED');
    expect(err.status).toBe(502);
    expect(err.details.twilioCode).toBe(21211);
    expect(err.message).toBe(explainTwilioError(21211));
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('wrong credentials (401) → TWILIO_REJECTED 20003', async () => {
    const err = await relayError(gateway({ authToken: 'wrong' }).send({ to: TO, body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('TWILIO_REJECTED');
    expect(err.details.twilioCode).toBe(20003);
    expect(err.message).toBe(explainTwilioError(20003));
    expect(err.message).not.toBe('Authenticate');
    expect(fake.requests[0]!.authOk).toBe(false);
  });

  it('a 4xx with an unknown code falls back to Twilio\'s message', async () => {
    fake.failNext(1, { status: 400, code: 29999, message: 'Something Twilio-specific' });
    const err = await relayError(gw.send({ to: TO, body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('TWILIO_REJECTED');
    expect(err.details.twilioCode).toBe(29999);
    expect(err.message).toBe('Something Twilio-specific (Twilio error 29999)');
  });

  it('500 → TWILIO_UNAVAILABLE, not retried', async () => {
    fake.failNext(1, { status: 500 });
    const err = await relayError(gw.send({ to: TO, body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('TWILIO_UNAVAILABLE');
    expect(err.status).toBe(503);
    expect(fake.requests).toHaveLength(1);
  });

  it('connection reset → TWILIO_UNAVAILABLE', async () => {
    fake.failNext(1, 'reset');
    const err = await relayError(gw.send({ to: TO, body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('TWILIO_UNAVAILABLE');
    expect(fake.requests).toHaveLength(1);
    expect(fake.messages).toHaveLength(0);
  });

  it('no answer within timeoutMs → TWILIO_UNAVAILABLE', async () => {
    const g = gateway({ timeoutMs: 300 });
    fake.failNext(1, 'timeout');
    const started = Date.now();
    const err = await relayError(g.send({ to: TO, body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('TWILIO_UNAVAILABLE');
    expect(err.message).toMatch(/did not answer within 300 ms/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('nothing listening → TWILIO_UNAVAILABLE', async () => {
    const g = gateway({ apiBaseUrl: 'http://127.0.0.1:1' });
    const err = await relayError(g.send({ to: TO, body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('TWILIO_UNAVAILABLE');
  });

  it('429 is retried by the SDK, then succeeds: the fake saw 2 requests and created 1 message', async () => {
    fake.failNext(1, { status: 429, code: 20429, message: 'Too Many Requests' });
    const res = await gw.send({ to: TO, body: 'x', statusCallback: CALLBACK });
    expect(res.sid).toMatch(/^SM/);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]!.scripted).toMatchObject({ status: 429 });
    expect(fake.requests[1]!.specErrors).toEqual([]);
    expect(fake.messages).toHaveLength(1);
  });

  it('429 past maxRetries (2) → RATE_LIMITED with twilioCode 20429 after 3 attempts', async () => {
    fake.failNext(3, { status: 429, code: 20429, message: 'Too Many Requests' });
    const err = await relayError(gw.send({ to: TO, body: 'x', statusCallback: CALLBACK }));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.status).toBe(429);
    expect(err.details.twilioCode).toBe(20429);
    expect(fake.requests).toHaveLength(3);
    expect(fake.messages).toHaveLength(0);
  });
});

describe('listApprovedTemplates', () => {
  it('returns only approved templates (mixed case included), across 2 pages', async () => {
    const templates = await gw.listApprovedTemplates();
    expect(fake.requests.map((r) => `${r.path}?${r.query.toString()}`)).toEqual([
      '/v1/ContentAndApprovals?PageSize=500',
      '/v1/ContentAndApprovals?PageSize=3&Page=1&PageToken=PT1',
    ]);
    expect(fake.requests.every((r) => r.authOk)).toBe(true);
    expect(templates.map((t) => t.name)).toEqual(['appointment_reminder', 'spring_sale', 'order_ready']);

    expect(templates[0]).toEqual({
      sid: SANDBOX_APPOINTMENT_SID,
      name: 'appointment_reminder',
      language: 'en',
      category: 'UTILITY',
      body: 'Your appointment is coming up on {{1}} at {{2}}',
      variables: ['1', '2'],
      samples: { '1': '12/1', '2': '3pm' },
    });
    expect(templates[1]).toMatchObject({ category: 'MARKETING', variables: ['1'], samples: { '1': 'Customer_Name' } });
    // status "Approved", category "utility", body only under twilio/quick-reply
    expect(templates[2]).toMatchObject({
      sid: 'HX5f0ad3a0d5c04c4b9dd9f1c3a2b6e7f1',
      category: 'UTILITY',
      body: 'Your order {{1}} is ready for pickup. Reply to choose a time.',
      variables: ['1'],
    });
  });

  it('a Twilio failure while listing → TWILIO_UNAVAILABLE', async () => {
    fake.failNext(1, { status: 502 });
    const err = await relayError(gw.listApprovedTemplates());
    expect(err.code).toBe('TWILIO_UNAVAILABLE');
  });
});

describe('helpers', () => {
  it('rewriteTwilioUri sends every *.twilio.com host to the base URL, path and query kept', () => {
    const base = 'http://127.0.0.1:4010/';
    expect(rewriteTwilioUri('https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json', base)).toBe('http://127.0.0.1:4010/2010-04-01/Accounts/AC1/Messages.json');
    expect(rewriteTwilioUri('https://content.twilio.com/v1/ContentAndApprovals?PageSize=500', base)).toBe('http://127.0.0.1:4010/v1/ContentAndApprovals?PageSize=500');
    expect(rewriteTwilioUri('https://api.dublin.ie1.twilio.com/2010-04-01/x.json', base)).toBe('http://127.0.0.1:4010/2010-04-01/x.json');
    expect(rewriteTwilioUri('http://127.0.0.1:4010/v1/Content?Page=1', base)).toBe('http://127.0.0.1:4010/v1/Content?Page=1');
    expect(rewriteTwilioUri('https://example.com/x', base)).toBe('https://example.com/x');
    expect(rewriteTwilioUri('https://eviltwilio.com/x', base)).toBe('https://eviltwilio.com/x');
  });

  it('toWhatsAppAddress', () => {
    expect(toWhatsAppAddress('+14155238886')).toBe(SANDBOX);
    expect(toWhatsAppAddress('14155238886')).toBe(SANDBOX);
    expect(toWhatsAppAddress(SANDBOX)).toBe(SANDBOX);
  });
});
