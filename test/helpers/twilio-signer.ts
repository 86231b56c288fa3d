/**
 * Plays Twilio's side of the webhooks in tests: realistic WhatsApp payloads (reference §2, §3) posted
 * form-encoded with an X-Twilio-Signature made by the SDK's own `getExpectedTwilioSignature`, so the
 * relay's validator is checked against Twilio's implementation rather than against itself.
 */
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';

export type FormParams = Record<string, string | string[]>;

export const TEST_ACCOUNT_SID = 'ACefb707f7c4ce4d15bc4261fd1d5ed615';
export const SANDBOX_NUMBER = 'whatsapp:+14155238886';

/** The signature Twilio would send for this URL (query included) and these fields. */
export function signForm(authToken: string, url: string, params: FormParams): string {
  return twilio.getExpectedTwilioSignature(authToken, url, params);
}

/** Form-encodes with repeated names for arrays, in insertion order (as Twilio posts). */
export function encodeForm(params: FormParams): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  }
  return body.toString();
}

/**
 * POSTs `params` to `targetUrl` the way Twilio does. The signature covers `opts.signedUrl ?? targetUrl`:
 * pass signedUrl = PUBLIC_URL + path when the relay listens on a different (internal) address, and
 * `opts.signature` to send a specific (e.g. forged) header; `signature: ''` sends no header at all.
 */
export async function postSignedForm(
  targetUrl: string,
  params: FormParams,
  authToken: string,
  opts: { signedUrl?: string; signature?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const signature = opts.signature ?? signForm(authToken, opts.signedUrl ?? targetUrl, params);
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
    'User-Agent': 'TwilioProxy/1.1',
    Accept: '*/*',
    'I-Twilio-Idempotency-Token': randomBytes(16).toString('hex'),
    ...opts.headers,
  };
  if (signature !== '') headers['X-Twilio-Signature'] = signature;
  return fetch(targetUrl, { method: 'POST', headers, body: encodeForm(params) });
}

const sidOf = (prefix: string): string => prefix + randomBytes(16).toString('hex');

/** `+15551234567` → `whatsapp:+15551234567`; an address that already has a channel prefix is kept. */
function wa(address: string): string {
  return /^[a-z]+:/.test(address) ? address : `whatsapp:${address.startsWith('+') ? address : '+' + address}`;
}

/**
 * "A message comes in" for a plain WhatsApp text (reference §2.1: the fields a text message carries,
 * plus ProfileName/WaId/MessageType that WhatsApp adds). `from` is the contact, `to` your sender.
 */
export function inboundForm(p: {
  from: string;
  to: string;
  body: string;
  sid?: string;
  profileName?: string;
  waId?: string;
  accountSid?: string;
}): Record<string, string> {
  const sid = p.sid ?? sidOf('SM');
  const from = wa(p.from);
  const form: Record<string, string> = {
    SmsMessageSid: sid,
    NumMedia: '0',
  };
  if (p.profileName !== undefined) form.ProfileName = p.profileName;
  Object.assign(form, {
    MessageType: 'text',
    SmsSid: sid,
    WaId: p.waId ?? from.replace(/^whatsapp:\+?/, ''),
    SmsStatus: 'received',
    Body: p.body,
    To: wa(p.to),
    NumSegments: '1',
    ReferralNumMedia: '0',
    MessageSid: sid,
    AccountSid: p.accountSid ?? TEST_ACCOUNT_SID,
    From: from,
    ApiVersion: '2010-04-01',
  });
  return form;
}

/** Masks the last four digits, as Twilio does in ChannelToAddress (`+91848951XXXX`). */
function masked(address: string): string {
  const n = address.replace(/^[a-z]+:/, '');
  return n.length > 4 ? n.slice(0, -4) + 'XXXX' : n;
}

const DEFAULT_EVENT: Record<string, string> = { read: 'READ', delivered: 'DELIVERED', undelivered: 'UNDELIVERED' };

/**
 * A status callback for an outbound message (reference §3: the READ capture's fields; ChannelInstallSid
 * on sent/delivered; ErrorCode + ChannelStatusMessage on failed/undelivered). `to` is the contact, `from`
 * your sender. `eventType` defaults by status (READ/DELIVERED/UNDELIVERED); pass null to omit it.
 */
export function statusForm(p: {
  sid: string;
  status: string;
  to: string;
  from: string;
  errorCode?: number | string;
  eventType?: string | null;
  accountSid?: string;
  errorMessage?: string;
}): Record<string, string> {
  const to = wa(p.to);
  const form: Record<string, string> = {};
  const eventType = p.eventType === undefined ? DEFAULT_EVENT[p.status] : p.eventType ?? undefined;
  if (eventType) form.EventType = eventType;
  Object.assign(form, {
    SmsSid: p.sid,
    SmsStatus: p.status,
    MessageStatus: p.status,
    ChannelToAddress: masked(to),
    To: to,
    ChannelPrefix: 'whatsapp',
    MessageSid: p.sid,
    AccountSid: p.accountSid ?? TEST_ACCOUNT_SID,
    From: wa(p.from),
    ApiVersion: '2010-04-01',
  });
  if (p.status === 'sent' || p.status === 'delivered') form.ChannelInstallSid = 'XE' + '0'.repeat(31) + '1';
  if (p.errorCode !== undefined) form.ErrorCode = String(p.errorCode);
  if (p.status === 'failed' || p.status === 'undelivered') {
    // Real payloads often carry an empty ErrorMessage; ChannelStatusMessage is the channel's own text.
    form.ChannelStatusMessage = p.errorMessage ?? (p.errorCode !== undefined ? `Channel error ${p.errorCode}` : 'Unknown error');
  }
  return form;
}
