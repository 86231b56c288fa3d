/**
 * The fake's account set-up routes (Account, Senders API, Messaging Services) read through the official
 * SDK: every field doctor relies on comes out of the SDK's model classes, and lists page like Twilio's.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTwilioClient, type TwilioClient } from '../../relay/twilio/twilio-gateway.ts';
import { messagingService, startFakeTwilio, whatsappSender, type FakeTwilio } from './fake-twilio.ts';

const ACCOUNT = 'AC' + 'f6'.repeat(16);
const TOKEN = 'account-routes-token';
const MG = 'MG' + '7a'.repeat(16);

let fake: FakeTwilio;
let tc: TwilioClient;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN, maxPageSize: 2, account: { type: 'Trial' } });
  tc = createTwilioClient({ accountSid: ACCOUNT, authToken: TOKEN, apiBaseUrl: fake.url, timeoutMs: 2000 });
});
afterAll(async () => {
  tc.close();
  await fake.close();
});
afterEach(() => {
  fake.reset();
  fake.senders.splice(0);
  fake.services.splice(0);
});

describe('fake Twilio account set-up routes, through the SDK', () => {
  it('fetches the account, status and type configurable, with the auth token in the payload like Twilio', async () => {
    fake.account.status = 'suspended';
    const a = await tc.client.api.v2010.accounts(ACCOUNT).fetch();
    expect(a).toMatchObject({ sid: ACCOUNT, status: 'suspended', type: 'Trial', friendlyName: 'My first Twilio account', authToken: TOKEN });
    expect(a.dateCreated).toBeInstanceOf(Date);
    const other = await tc.client.api.v2010.accounts('AC' + '0'.repeat(32)).fetch().catch((e: unknown) => e);
    expect(other).toMatchObject({ status: 404, code: 20404 });
  });

  it('lists WhatsApp senders across pages (Channel kept in next_page_url), webhook fields camel-cased by the SDK', async () => {
    for (const n of ['1', '2', '3']) fake.senders.push(whatsappSender(`whatsapp:+1555000000${n}`, { webhook: { callback_url: `https://r.example.com/in${n}` } }));
    fake.senders[2]!.status = 'OFFLINE';
    const list = await tc.client.messaging.v2.channelsSenders.list({ channel: 'whatsapp' });
    expect(list.map((s) => [s.senderId, s.status, s.webhook?.callbackUrl, s.webhook?.callbackMethod, s.webhook?.fallbackUrl])).toEqual([
      ['whatsapp:+15550000001', 'ONLINE', 'https://r.example.com/in1', 'POST', null],
      ['whatsapp:+15550000002', 'ONLINE', 'https://r.example.com/in2', 'POST', null],
      ['whatsapp:+15550000003', 'OFFLINE', 'https://r.example.com/in3', 'POST', null],
    ]);
    expect(list[0]!.sid).toMatch(/^XE[0-9a-f]{32}$/);
    expect(fake.requests.map((r) => r.query.get('Channel'))).toEqual(['whatsapp', 'whatsapp']);
    expect(fake.requests.every((r) => r.authOk)).toBe(true);
    const one = await tc.client.messaging.v2.channelsSenders(list[0]!.sid).fetch();
    expect(one.senderId).toBe('whatsapp:+15550000001');
  });

  it('refuses a senders list without Channel, as Twilio does', async () => {
    const res = await fetch(`${fake.url}/v2/Channels/Senders`, { headers: { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64') } });
    expect(res.status).toBe(400);
  });

  it('fetches a Messaging Service and its ChannelSenders; PhoneNumbers stays empty for WhatsApp', async () => {
    fake.services.push(messagingService(MG, { inbound_request_url: 'https://r.example.com/twilio/inbound', use_inbound_webhook_on_number: true, channel_senders: ['whatsapp:+15550000001', 'messenger:123'] }));
    const svc = tc.client.messaging.v1.services(MG);
    const s = await svc.fetch();
    expect(s).toMatchObject({ sid: MG, inboundRequestUrl: 'https://r.example.com/twilio/inbound', inboundMethod: 'POST', fallbackUrl: null, statusCallback: null, useInboundWebhookOnNumber: true });
    // The pool is a sub-resource, not a field of the service.
    const raw = (await (await fetch(`${fake.url}/v1/Services/${MG}`, { headers: { Authorization: 'Basic ' + Buffer.from(`${ACCOUNT}:${TOKEN}`).toString('base64') } })).json()) as Record<string, unknown>;
    expect(raw).not.toHaveProperty('channel_senders');
    expect(raw.links).toMatchObject({ channel_senders: `${fake.url}/v1/Services/${MG}/ChannelSenders` });
    const pool = await svc.channelSenders.list();
    expect(pool.map((c) => [c.sender, c.senderType, c.messagingServiceSid])).toEqual([
      ['whatsapp:+15550000001', 'WhatsApp', MG],
      ['messenger:123', 'Messenger', MG],
    ]);
    expect(await svc.phoneNumbers.list()).toEqual([]);
    expect(await tc.client.messaging.v1.services('MG' + '0'.repeat(32)).fetch().catch((e: unknown) => e)).toMatchObject({ status: 404 });
  });
});
