/**
 * Twilio's webhook forms, validated at the edge. Twilio adds fields without notice, so unknown
 * fields pass through (they are signed, and kept where useful) while the ones we act on are checked.
 */
import { z } from 'zod';
import { MESSAGE_STATUSES } from '../../shared/api.ts';
import type { FormFields } from './signature.ts';

const Sid = z.string().regex(/^(SM|MM)[0-9a-fA-F]{32}$/, 'must be a Twilio message SID');
const Address = z.string().min(1).max(64);

export const InboundForm = z.object({
  MessageSid: Sid,
  AccountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/),
  From: Address,
  To: Address,
  Body: z.string().max(4096).optional(),
  ProfileName: z.string().max(256).optional(),
  WaId: z.string().max(32).optional(),
  NumMedia: z.string().max(3).optional(),
});
export type InboundForm = z.infer<typeof InboundForm>;

export const StatusForm = z.object({
  MessageSid: Sid,
  MessageStatus: z.string().min(1).max(32),
  ErrorCode: z.string().regex(/^\d{1,6}$/).optional(),
  EventType: z.string().max(32).optional(),
  ChannelStatusMessage: z.string().max(1024).optional(),
});
export type StatusForm = z.infer<typeof StatusForm>;

export const FallbackForm = InboundForm.extend({
  ErrorCode: z.string().max(16).optional(),
  ErrorUrl: z.string().max(2048).optional(),
});
export type FallbackForm = z.infer<typeof FallbackForm>;

export function isKnownStatus(s: string): s is (typeof MESSAGE_STATUSES)[number] {
  return (MESSAGE_STATUSES as readonly string[]).includes(s);
}

/**
 * First value of every field, as the object zod parses. NUL becomes U+FFFD (as in parseWith): the
 * message is still kept, and PostgreSQL, which can't store NUL, doesn't fail it with a 500.
 */
export function formObject(fields: FormFields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of fields) if (v[0] !== undefined) out[k] = v[0].includes('\0') ? v[0].replaceAll('\0', '\ufffd') : v[0];
  return out;
}

/** Extras worth keeping with an inbound message (button taps, replies, media, ad referrals). */
export const INBOUND_META_FIELDS = ['NumMedia', 'MessageType', 'ButtonText', 'ButtonPayload', 'OriginalRepliedMessageSid', 'ReferralSourceUrl', 'ReferralCtwaClid', 'Latitude', 'Longitude', 'MediaContentType0'] as const;
