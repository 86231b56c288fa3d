/**
 * The embedded simulated Twilio, used when no credentials are set. It behaves like Twilio where
 * the relay can observe it: SM… sids, statuses posted to the relay's own /twilio/status over HTTP,
 * signed, in Twilio's order (queued → sent → delivered → read), and contact replies posted to
 * /twilio/inbound. Everything it produces is labelled as simulated.
 */
import { randomBytes } from 'node:crypto';
import { RelayError } from '../errors.ts';
import type { SendRequest, SendResult, SentRecord, TwilioGateway } from './gateway.ts';
import { computeSignature } from './signature.ts';
import { SIMULATED_TEMPLATES } from './simulated-templates.ts';

export interface Simulator extends TwilioGateway {
  /** Where the relay listens; set once the server is up. Webhooks are posted there, signed for PUBLIC_URL. */
  setLocalUrl(url: string): void;
  /** Makes a contact "reply" through the signed inbound webhook. */
  inbound(msg: { from: string; body: string; profileName?: string }): Promise<{ sid: string }>;
  /** Resolves when every scheduled webhook has been posted (tests, shutdown). */
  idle(): Promise<void>;
}

export const SIM_ACCOUNT_SID = 'AC' + '5'.repeat(32);
/** Twilio's magic test number for an invalid To: the simulator answers 21211 like Twilio does. */
export const SIM_INVALID_NUMBER = '+15005550001';

export function createSimulator(opts: { authToken: string; publicUrl: string; sender: string; delayMs: number }): Simulator {
  let localUrl = opts.publicUrl;
  const pending = new Set<Promise<unknown>>();
  /** Scheduled webhooks, with the function that settles their `pending` entry if cancelled. */
  const timers = new Map<NodeJS.Timeout, () => void>();
  let closed = false;
  /** What a real account's Messages list would show (the last 1,000), for findRecent. */
  const sent: (SentRecord & { to: string })[] = [];

  const newSid = (prefix: string) => prefix + randomBytes(16).toString('hex');

  const post = async (path: string, params: Record<string, string>, signedUrl: string) => {
    const fields = new Map(Object.entries(params).map(([k, v]) => [k, [v]]));
    const signature = computeSignature(opts.authToken, signedUrl, fields);
    // The signed URL's query (the status callback's message id) must reach the relay unchanged.
    const res = await fetch(localUrl + path + new URL(signedUrl).search, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'user-agent': 'TwilioProxy/1.1 (simulated)' },
      body: new URLSearchParams(params).toString(),
    });
    await res.arrayBuffer();
    return res;
  };

  const track = <T>(p: Promise<T>) => {
    const tracked = p.catch(() => undefined).finally(() => pending.delete(tracked));
    pending.add(tracked);
    return p;
  };

  const later = (ms: number, fn: () => Promise<unknown>) => {
    let settle!: () => void;
    const done = new Promise<void>((r) => (settle = r));
    pending.add(done);
    const finish = () => {
      pending.delete(done);
      settle();
    };
    const t = setTimeout(() => {
      timers.delete(t);
      (closed ? Promise.resolve() : fn()).catch(() => undefined).finally(finish);
    }, ms);
    timers.set(t, finish);
  };

  const sim: Simulator = {
    simulated: true,
    sender: opts.sender,
    sandbox: false,
    setLocalUrl(url) {
      localUrl = url.replace(/\/+$/, '');
    },
    async send(req: SendRequest): Promise<SendResult> {
      if (req.to === `whatsapp:${SIM_INVALID_NUMBER}`) {
        throw new RelayError('TWILIO_REJECTED', 'The phone number is not valid.', { twilioCode: 21211 });
      }
      if (req.contentSid && !SIMULATED_TEMPLATES.some((t) => t.sid === req.contentSid)) {
        throw new RelayError('TWILIO_REJECTED', 'This template can\'t be used. Pick another, or tell an admin.', { twilioCode: 63027 });
      }
      const sid = newSid('SM');
      const base = { MessageSid: sid, SmsSid: sid, AccountSid: SIM_ACCOUNT_SID, From: opts.sender, To: req.to, ApiVersion: '2010-04-01', ChannelPrefix: 'whatsapp' };
      const steps: [number, Record<string, string>][] = [
        [1, { MessageStatus: 'sent', SmsStatus: 'sent' }],
        [2, { MessageStatus: 'delivered', SmsStatus: 'delivered', EventType: 'DELIVERED' }],
        [4, { MessageStatus: 'read', SmsStatus: 'read', EventType: 'READ' }],
      ];
      for (const [factor, fields] of steps) {
        later(opts.delayMs * factor, () => post('/twilio/status', { ...base, ...fields }, req.statusCallback));
      }
      sent.push({ sid, to: req.to, status: 'queued', body: req.body ?? null, createdAt: new Date().toISOString() });
      if (sent.length > 1000) sent.shift();
      return { sid, status: 'queued' };
    },
    async findRecent(to, since) {
      return sent.filter((m) => m.to === to && m.createdAt >= since.toISOString()).reverse();
    },
    async listApprovedTemplates() {
      return SIMULATED_TEMPLATES;
    },
    async inbound(msg) {
      const sid = newSid('SM');
      const waId = msg.from.replace(/^\+/, '');
      const params: Record<string, string> = {
        SmsMessageSid: sid, NumMedia: '0', SmsSid: sid, SmsStatus: 'received', Body: msg.body, To: opts.sender,
        NumSegments: '1', MessageSid: sid, AccountSid: SIM_ACCOUNT_SID, From: `whatsapp:${msg.from}`, ApiVersion: '2010-04-01',
        WaId: waId, MessageType: 'text', ...(msg.profileName ? { ProfileName: msg.profileName } : {}),
      };
      const res = await track(post('/twilio/inbound', params, `${opts.publicUrl}/twilio/inbound`));
      if (!res.ok) throw new RelayError('INTERNAL', `The simulated reply was refused by the relay (${res.status}).`);
      return { sid };
    },
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
    async close() {
      closed = true;
      for (const [t, finish] of timers) {
        clearTimeout(t);
        finish();
      }
      timers.clear();
      await Promise.all([...pending]);
    },
  };
  return sim;
}
