import { describe, expect, it } from 'vitest';
import { sandboxFindings, senderFindings, type SenderView } from './check-sender.ts';
import { webhookUrls } from './webhook-urls.ts';

const urls = webhookUrls('https://relay.example.com');
const ID = 'whatsapp:+15557654321';
const sender = (over: Partial<SenderView> = {}): SenderView => ({
  senderId: ID,
  status: 'ONLINE',
  callbackUrl: urls.inbound,
  callbackMethod: 'POST',
  fallbackUrl: urls.fallback,
  fallbackMethod: 'POST',
  statusCallbackUrl: null,
  offlineReasons: [],
  ...over,
});
const check = (s: SenderView | undefined, checkInbound = true, known: string[] = []) => senderFindings(ID, s, urls, { checkInbound, known });
const levels = (s: SenderView | undefined, checkInbound = true) => check(s, checkInbound).map((f) => f.level);

describe('senderFindings', () => {
  it('a well set-up sender: status, inbound, fallback and the optional status URL all ok', () => {
    expect(levels(sender())).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('a missing sender fails, naming the senders the account has (or saying it has none)', () => {
    const [withOthers] = check(undefined, true, ['whatsapp:+15550001111']);
    expect(withOthers?.level).toBe('fail');
    expect(withOthers?.text).toBe(`${ID} is not a WhatsApp sender on this account; this account has whatsapp:+15550001111`);
    expect(withOthers?.fix).toMatch(/^set TWILIO_WHATSAPP_FROM to one of them/);
    expect(check(undefined)[0]?.text).toMatch(/this account has no WhatsApp senders$/);
  });

  it('status: ONLINE:UPDATING is ok; OFFLINE fails with its reasons; registration states fail with what is pending', () => {
    expect(check(sender({ status: 'ONLINE:UPDATING' }))[0]?.level).toBe('ok');
    const [offline] = check(sender({ status: 'OFFLINE', offlineReasons: [{ code: '63112', message: 'WABA disabled' }] }));
    expect(offline).toMatchObject({ level: 'fail', text: `WhatsApp sender ${ID} is OFFLINE (63112 WABA disabled): messages from it fail` });
    expect(check(sender({ status: 'PENDING_VERIFICATION' }))[0]?.text).toMatch(/waiting for its phone number verification code: it cannot send until it is ONLINE/);
    expect(check(sender({ status: 'SOMETHING_NEW' }))[0]?.text).toMatch(/has status SOMETHING_NEW/);
  });

  it('inbound URL: missing, elsewhere (both URLs shown, password masked) or not POST all fail', () => {
    expect(check(sender({ callbackUrl: null }))[1]).toMatchObject({ level: 'fail', text: expect.stringMatching(/has no webhook URL for incoming messages/) });
    const elsewhere = check(sender({ callbackUrl: 'https://u:pw@old.example.com/in' }))[1];
    expect(elsewhere).toMatchObject({ level: 'fail', text: `${ID} sends incoming messages to https://u:***@old.example.com/in, expected ${urls.inbound}` });
    expect(elsewhere?.fix).toBe(`set Console → Messaging → Senders → WhatsApp senders → ${ID} → Webhook URL for incoming messages = ${urls.inbound} (HTTP POST)`);
    expect(check(sender({ callbackMethod: 'GET' }))[1]?.text).toMatch(/with HTTP GET: the relay only accepts POST/);
  });

  it('fallback and sender-level status URLs are optional: warnings, never failures', () => {
    expect(levels(sender({ fallbackUrl: null }))).toEqual(['ok', 'ok', 'warn', 'ok']);
    expect(levels(sender({ fallbackUrl: 'https://elsewhere.example.com/fb' }))).toEqual(['ok', 'ok', 'warn', 'ok']);
    expect(levels(sender({ statusCallbackUrl: urls.status }))).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(levels(sender({ statusCallbackUrl: 'https://crm.example.com/status' }))).toEqual(['ok', 'ok', 'ok', 'warn']);
  });

  it('when a Messaging Service handles inbound, the sender webhooks are not judged', () => {
    expect(levels(sender({ callbackUrl: null, fallbackUrl: null }), false)).toEqual(['ok', 'ok']);
  });
});

describe('sandboxFindings', () => {
  it('warns about joining and says the inbound URL cannot be read, with the value to set', () => {
    const [join, inbound] = sandboxFindings(urls);
    expect(join?.level).toBe('warn');
    expect(join?.text).toMatch(/join <your sandbox code>.*3 days/);
    expect(inbound?.text).toMatch(/cannot be checked: Twilio's API does not expose sandbox settings/);
    expect(inbound?.fix).toContain(`"When a message comes in" = ${urls.inbound}`);
  });
});
