import { describe, expect, it } from 'vitest';
import { serviceFindings, type ServiceView } from './check-messaging-service.ts';
import { webhookUrls } from './webhook-urls.ts';

const urls = webhookUrls('https://relay.example.com');
const SID = 'MG' + 'ab'.repeat(16);
const service = (over: Partial<ServiceView> = {}): ServiceView => ({
  sid: SID,
  friendlyName: 'Relay',
  inboundRequestUrl: urls.inbound,
  inboundMethod: 'POST',
  fallbackUrl: urls.fallback,
  fallbackMethod: 'POST',
  statusCallback: null,
  useInboundWebhookOnNumber: false,
  channelSenders: ['whatsapp:+15557654321'],
  ...over,
});
const levels = (s: ServiceView, from?: string) => serviceFindings(s, urls, from).map((f) => f.level);

describe('serviceFindings', () => {
  it('a well set-up service: pool, inbound, fallback, status all ok', () => {
    expect(levels(service())).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('no WhatsApp sender in the pool fails (other channels do not count)', () => {
    const [pool] = serviceFindings(service({ channelSenders: ['messenger:1234'] }), urls, undefined);
    expect(pool).toMatchObject({ level: 'fail', fix: 'Console → Messaging → Services → Relay → Sender Pool → Add Senders → WhatsApp Number' });
  });

  it('TWILIO_WHATSAPP_FROM outside the pool warns', () => {
    expect(levels(service(), 'whatsapp:+15550009999')).toEqual(['ok', 'warn', 'ok', 'ok', 'ok']);
    expect(levels(service(), 'whatsapp:+15557654321')).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('the Request URL: missing or elsewhere fails with both URLs', () => {
    expect(serviceFindings(service({ inboundRequestUrl: null }), urls, undefined)[1]?.level).toBe('fail');
    const f = serviceFindings(service({ inboundRequestUrl: 'https://x.example.com/sms' }), urls, undefined)[1];
    expect(f?.text).toBe(`Messaging Service ${SID} "Relay" sends incoming messages to https://x.example.com/sms, expected ${urls.inbound}`);
    expect(f?.fix).toContain('Integration → Incoming Messages → Send a webhook → Request URL');
  });

  it("deferring to the sender's webhook skips the service's inbound and fallback URLs", () => {
    const findings = serviceFindings(service({ useInboundWebhookOnNumber: true, inboundRequestUrl: null, fallbackUrl: null }), urls, undefined);
    expect(findings.map((f) => f.level)).toEqual(['ok', 'ok', 'ok']);
    expect(findings[1]?.text).toMatch(/Defer to sender's webhook/);
  });

  it('a foreign status callback warns; the relay one is fine', () => {
    expect(levels(service({ statusCallback: 'https://crm.example.com/cb' }))).toEqual(['ok', 'ok', 'ok', 'warn']);
    expect(levels(service({ statusCallback: urls.status }))).toEqual(['ok', 'ok', 'ok', 'ok']);
  });
});
