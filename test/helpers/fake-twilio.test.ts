/**
 * The fake Twilio itself: the official SDK talks to it over real HTTP with zero spec errors, and the
 * mistakes it exists to catch (ContentVariables as an object, unknown fields, Body + ContentSid…) are
 * flagged both on the recorded request and with a 400.
 */
import twilio from 'twilio';
import type RequestClientT from 'twilio/lib/base/RequestClient.js';
import type SdkResponse from 'twilio/lib/http/response.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_APPOINTMENT_SID, messageResourceErrors, startFakeTwilio, type FakeTwilio } from './fake-twilio.ts';
import { encodeForm, inboundForm, postSignedForm, signForm, statusForm } from './twilio-signer.ts';

const ACCOUNT = 'AC' + 'a1'.repeat(16);
const TOKEN = 'fake-auth-token';

/** The SDK pointed at the fake the documented way (reference §9): a RequestClient that swaps the origin. */
class ToFake extends twilio.RequestClient {
  constructor(private readonly origin: string) {
    super({ timeout: 5000 });
  }
  override request<T>(opts: RequestClientT.RequestOptions<T>): Promise<SdkResponse<T>> {
    const u = new URL(opts.uri);
    const uri = u.hostname.endsWith('twilio.com') ? this.origin + u.pathname + u.search : opts.uri;
    return super.request({ ...opts, uri });
  }
}

let fake: FakeTwilio;
let client: twilio.Twilio;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, maxPageSize: 2 });
  client = twilio(ACCOUNT, TOKEN, { httpClient: new ToFake(fake.url) });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => fake.reset());

const auth = 'Basic ' + Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64');
async function rawPost(fields: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${fake.url}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, {
    method: 'POST',
    headers: { Authorization: auth, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: fields,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('the SDK against the fake', () => {
  it('messages.create with contentSid + contentVariables arrives with zero spec errors and a Twilio-shaped answer', async () => {
    const msg = await client.messages.create({
      to: 'whatsapp:+15005550006',
      from: 'whatsapp:+14155238886',
      contentSid: SANDBOX_APPOINTMENT_SID,
      contentVariables: JSON.stringify({ 1: '12/1', 2: '3pm' }),
      statusCallback: 'https://relay.example.com/twilio/status',
    });
    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.specErrors).toEqual([]);
    expect(req.authOk).toBe(true);
    expect(req.method).toBe('POST');
    expect(req.path).toBe(`/2010-04-01/Accounts/${ACCOUNT}/Messages.json`);
    expect(req.form.get('ContentVariables')).toEqual(['{"1":"12/1","2":"3pm"}']);

    expect(msg.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(msg.status).toBe('queued');
    expect(msg.body).toBe('Your appointment is coming up on 12/1 at 3pm');
    expect(msg.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(msg.dateCreated.getTime())).toBe(false);

    const stored = fake.messages[0]!;
    expect(stored.contentVariables).toEqual({ '1': '12/1', '2': '3pm' });
    expect(stored.statusCallback).toBe('https://relay.example.com/twilio/status');
    expect(messageResourceErrors(stored.resource)).toEqual([]);
    expect(stored.resource.date_created).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$/);

    const fetched = await client.messages(msg.sid).fetch();
    expect(fetched.sid).toBe(msg.sid);
    expect(fetched.to).toBe('whatsapp:+15005550006');
  });

  it('a Messaging Service send starts as accepted', async () => {
    const msg = await client.messages.create({ to: 'whatsapp:+15005550006', messagingServiceSid: 'MG' + 'b2'.repeat(16), body: 'hi' });
    expect(fake.requests[0]!.specErrors).toEqual([]);
    expect(msg.status).toBe('accepted');
    expect(msg.from).toBeNull();
  });

  it('contentVariables passed as an object is serialised as ContentVariables[1]=… and flagged', async () => {
    const err = await client.messages
      .create({
        to: 'whatsapp:+15005550006',
        from: 'whatsapp:+14155238886',
        contentSid: SANDBOX_APPOINTMENT_SID,
        // The classic mistake the fake exists to catch: the SDK types this as string but JS lets an object through.
        contentVariables: { 1: 'Ana' } as unknown as string,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(twilio.RestException);
    expect((err as twilio.RestException).status).toBe(400);
    const req = fake.requests[0]!;
    expect([...req.form.keys()]).toContain('ContentVariables[1]');
    expect(req.specErrors.join('\n')).toMatch(/unknown field "ContentVariables\[1\]"/);
    expect(fake.messages).toHaveLength(0);
  });

  it('wrong credentials get 401 / 20003', async () => {
    const bad = twilio(ACCOUNT, 'wrong', { httpClient: new ToFake(fake.url) });
    const err = (await bad.messages.create({ to: 'whatsapp:+15005550006', from: 'whatsapp:+14155238886', body: 'x' }).catch((e: unknown) => e)) as twilio.RestException;
    expect(err.status).toBe(401);
    expect(err.code).toBe(20003);
    expect(fake.requests[0]!.authOk).toBe(false);
  });

  it('magic To numbers answer like Twilio test credentials', async () => {
    for (const [to, code] of [['whatsapp:+15005550001', 21211], ['+15005550009', 21614]] as const) {
      const err = (await client.messages.create({ to, from: 'whatsapp:+14155238886', body: 'x' }).catch((e: unknown) => e)) as twilio.RestException;
      expect(err.status).toBe(400);
      expect(err.code).toBe(code);
      expect(err.moreInfo).toBe(`https://www.twilio.com/docs/errors/${code}`);
    }
  });

  it('ContentAndApprovals and Content page through next_page_url at the fake origin', async () => {
    const items = await client.content.v1.contentAndApprovals.list({ pageSize: 500 });
    expect(items).toHaveLength(fake.templates.length);
    expect(items.map((i) => (i.approvalRequests as { status?: string }).status)).toEqual(['approved', 'approved', 'rejected', 'pending', 'Approved']);
    // maxPageSize 2 → 5 templates in 3 pages
    expect(fake.requests.map((r) => r.path + '?' + r.query.toString())).toEqual([
      '/v1/ContentAndApprovals?PageSize=500',
      '/v1/ContentAndApprovals?PageSize=2&Page=1&PageToken=PT1',
      '/v1/ContentAndApprovals?PageSize=2&Page=2&PageToken=PT2',
    ]);
    const contents = await client.content.v1.contents.list();
    expect(contents.map((c) => c.sid)).toEqual(items.map((i) => i.sid));
  });

  it('failNext scripts errors, then normal service resumes', async () => {
    fake.failNext(1, { status: 503 });
    const err = (await client.messages.create({ to: 'whatsapp:+15005550006', from: 'whatsapp:+14155238886', body: 'x' }).catch((e: unknown) => e)) as twilio.RestException;
    expect(err.status).toBe(503);
    expect(fake.requests[0]!.scripted).toEqual({ status: 503 });
    await client.messages.create({ to: 'whatsapp:+15005550006', from: 'whatsapp:+14155238886', body: 'x' });
    expect(fake.messages).toHaveLength(1);
  });
});

describe('requests that do not match the spec are flagged and refused', () => {
  const good = { To: 'whatsapp:+15005550006', From: 'whatsapp:+14155238886', ContentSid: SANDBOX_APPOINTMENT_SID, ContentVariables: '{"1":"a"}' };
  const cases: [string, Record<string, string | string[]>, RegExp][] = [
    ['ContentVariables[1] instead of a JSON string', { To: good.To, From: good.From, ContentSid: good.ContentSid, 'ContentVariables[1]': 'x' }, /unknown field "ContentVariables\[1\]"/],
    ['an unknown field', { ...good, Foo: '1' }, /unknown field "Foo"/],
    ['a snake_case name', { to: good.To, From: good.From, Body: 'x' }, /unknown field "to"|missing required field To/],
    ['no To', { From: good.From, Body: 'x' }, /missing required field To/],
    ['a ContentSid that is not HX…', { ...good, ContentSid: 'HX123' }, /ContentSid/],
    ['a Messaging Service sid that is not MG…', { To: good.To, MessagingServiceSid: 'MX' + '0'.repeat(32), Body: 'x' }, /MessagingServiceSid/],
    ['ContentVariables that is not JSON', { ...good, ContentVariables: '1=a' }, /ContentVariables must be a JSON object/],
    ['ContentVariables that is a JSON array', { ...good, ContentVariables: '["a"]' }, /ContentVariables must be a JSON object/],
    ['ContentVariables with a non-string value', { ...good, ContentVariables: '{"1":5}' }, /ContentVariables\.1 must be a string/],
    ['Body together with ContentSid', { ...good, Body: 'hello' }, /without Body/],
    ['neither From nor MessagingServiceSid', { To: good.To, Body: 'x' }, /From or MessagingServiceSid/],
    ['no content at all', { To: good.To, From: good.From }, /Body, MediaUrl or ContentSid/],
    ['a StatusCallback that is not a URL', { ...good, StatusCallback: 'relay/status' }, /StatusCallback/],
    ['a StatusCallback host with an underscore', { ...good, StatusCallback: 'https://my_relay.example.com/twilio/status' }, /underscores/],
    ['To sent twice', { ...good, To: [good.To, '+15005550006'] }, /To was sent 2 times/],
    ['a To that is not a phone address', { ...good, To: 'whatsapp:15005550006' }, /To/],
    ['ValidityPeriod that is not an integer', { ...good, ValidityPeriod: 'soon' }, /ValidityPeriod/],
  ];
  for (const [name, fields, pattern] of cases) {
    it(name, async () => {
      const res = await rawPost(encodeForm(fields));
      expect(res.status).toBe(400);
      expect(res.body.status).toBe(400);
      expect(typeof res.body.code).toBe('number');
      const req = fake.requests.at(-1)!;
      expect(req.specErrors.join('\n')).toMatch(pattern);
      expect(String(res.body.message)).toContain(req.specErrors[0]!);
      expect(fake.messages).toHaveLength(0);
    });
  }

  it('the good request with plain fetch passes, with coerced types and repeated MediaUrl-style lists', async () => {
    expect((await rawPost(encodeForm(good))).status).toBe(201);
    expect((await rawPost(encodeForm({ To: good.To, From: good.From, MediaUrl: ['https://e.com/a.png', 'https://e.com/b.png'], ValidityPeriod: '600', SmartEncoded: 'true' }))).status).toBe(201);
    expect(fake.requests.map((r) => r.specErrors)).toEqual([[], []]);
  });

  it('a JSON body is refused for Messages and recorded as JSON', async () => {
    const res = await fetch(`${fake.url}/2010-04-01/Accounts/${ACCOUNT}/Messages.json`, {
      method: 'POST',
      headers: { Authorization: auth, 'Content-Type': 'application/json' },
      body: JSON.stringify(good),
    });
    expect(res.status).toBe(400);
    const req = fake.requests[0]!;
    expect(req.json).toEqual(good);
    expect(req.specErrors.join('\n')).toMatch(/Content-Type must be application\/x-www-form-urlencoded/);
  });
});

describe('twilio-signer', () => {
  it('inboundForm and statusForm are all strings and realistic', () => {
    const inbound = inboundForm({ from: '+6285176810035', to: 'whatsapp:+14155238886', body: 'STOP', profileName: 'teknisee' });
    expect(inbound.From).toBe('whatsapp:+6285176810035');
    expect(inbound.WaId).toBe('6285176810035');
    expect(inbound.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(inbound.SmsSid).toBe(inbound.MessageSid);
    expect(Object.values(inbound).every((v) => typeof v === 'string')).toBe(true);

    const undelivered = statusForm({ sid: 'SM' + '1'.repeat(32), status: 'undelivered', to: '+918489514086', from: 'whatsapp:+14155238886', errorCode: 63016 });
    expect(undelivered).toMatchObject({ MessageStatus: 'undelivered', SmsStatus: 'undelivered', ErrorCode: '63016', EventType: 'UNDELIVERED', ChannelToAddress: '+91848951XXXX', To: 'whatsapp:+918489514086' });
    expect(statusForm({ sid: 'SMx', status: 'read', to: '+1', from: '+2' }).EventType).toBe('READ');
    expect(statusForm({ sid: 'SMx', status: 'sent', to: '+1', from: '+2' }).EventType).toBeUndefined();
    expect(statusForm({ sid: 'SMx', status: 'read', to: '+1', from: '+2', eventType: null }).EventType).toBeUndefined();
  });

  it('postSignedForm posts a form whose signature the SDK accepts for signedUrl', async () => {
    const { createServer } = await import('node:http');
    let seen: { headers: Record<string, unknown>; body: string } | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        seen = { headers: req.headers, body };
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const params = { ...inboundForm({ from: '+15551230000', to: '+14155238886', body: "It's + 100% ✓" }), MediaUrl: ['b', 'a'] };
      const res = await postSignedForm(`http://127.0.0.1:${port}/twilio/inbound`, params, '12345', { signedUrl: 'https://relay.example.com/twilio/inbound' });
      expect(res.status).toBe(204);
      const sig = seen!.headers['x-twilio-signature'] as string;
      expect(sig).toBe(signForm('12345', 'https://relay.example.com/twilio/inbound', params));
      const received: Record<string, string | string[]> = {};
      for (const [k, v] of new URLSearchParams(seen!.body)) received[k] = k in received ? [received[k] as string, v].flat() : v;
      expect(received.Body).toBe("It's + 100% ✓");
      expect(twilio.validateRequest('12345', sig, 'https://relay.example.com/twilio/inbound', received)).toBe(true);

      await postSignedForm(`http://127.0.0.1:${port}/twilio/inbound`, params, '12345', { signature: '' });
      expect(seen!.headers['x-twilio-signature']).toBeUndefined();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
