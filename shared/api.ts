/**
 * The relay's HTTP contract (../shared/design/contract.md) as zod schemas, used by the relay to
 * validate requests and by the extension's background to validate answers. Pure: no I/O.
 */
import { z } from 'zod';

export const ROLES = ['rep', 'manager', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

export const CONSENT_STATES = ['unknown', 'opted_in', 'opted_out'] as const;
export const ConsentState = z.enum(CONSENT_STATES);
export type ConsentState = z.infer<typeof ConsentState>;

/** Where a consent change came from: a keyword the contact sent, a rep, a bulk import, or a Twilio error such as 63014. */
export const CONSENT_SOURCES = ['keyword', 'rep', 'import', 'twilio'] as const;
export const ConsentSource = z.enum(CONSENT_SOURCES);
export type ConsentSource = z.infer<typeof ConsentSource>;

export const MESSAGE_STATUSES = [
  'accepted', 'scheduled', 'queued', 'sending', 'sent', 'delivered', 'read',
  'undelivered', 'failed', 'canceled', 'receiving', 'received', 'partially_delivered',
] as const;
export const MessageStatus = z.enum(MESSAGE_STATUSES);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** E.164: a plus, a non-zero first digit, 8 to 15 digits in all. */
export const E164 = z.string().regex(/^\+[1-9]\d{7,14}$/, 'must be an E.164 number such as +5511987654321');

export const Consent = z.object({
  state: ConsentState,
  source: ConsentSource.nullable(),
  at: z.string().nullable(),
  by: z.string().nullable(),
  evidence: z.string().nullable(),
});
export type Consent = z.infer<typeof Consent>;

export const Session = z.object({
  state: z.enum(['open', 'closed']),
  /** ISO time the window closes; null when no inbound message was ever received. */
  expiresAt: z.string().nullable(),
  lastInboundAt: z.string().nullable(),
});
export type Session = z.infer<typeof Session>;

export const StatusTimes = z.record(z.string(), z.string());

export const Message = z.object({
  id: z.string(),
  sid: z.string().nullable(),
  phone: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  body: z.string().nullable(),
  contentSid: z.string().nullable(),
  variables: z.record(z.string(), z.string()).nullable(),
  status: MessageStatus,
  errorCode: z.number().int().nullable(),
  errorMessage: z.string().nullable(),
  sentBy: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** When each status arrived, e.g. {sent: iso, delivered: iso}. */
  statusTimes: StatusTimes,
  /** Present once retention (BODY_RETENTION_DAYS) removed the body and variables: when. The panel says "removed by retention". */
  bodyPurgedAt: z.string().optional(),
  /** Only on a 202 answer to a send: why the message is still pending (Twilio has not confirmed it). */
  notice: z.string().optional(),
});
export type Message = z.infer<typeof Message>;

export const ContactState = z.object({
  phone: z.string(),
  profileName: z.string().nullable(),
  consent: Consent,
  session: Session,
  messages: z.array(Message),
  simulated: z.boolean(),
  sandbox: z.object({ number: z.string(), joinHint: z.string() }).nullable(),
});
export type ContactState = z.infer<typeof ContactState>;

export const ConsentInput = z.object({
  state: z.enum(['opted_in', 'opted_out']),
  evidence: z.string().trim().min(3, 'evidence is required: say how and when the contact agreed').max(1000),
  /** The PinPoint contact id, remembered beside the phone for the contacts list. */
  pinpointId: z.string().max(40).optional(),
});
export type ConsentInput = z.infer<typeof ConsentInput>;

export const Template = z.object({
  sid: z.string(),
  name: z.string(),
  language: z.string(),
  category: z.string(),
  body: z.string(),
  variables: z.array(z.string()),
  /** Twilio's placeholder sample values, e.g. {"1": "Customer_Name"}. */
  samples: z.record(z.string(), z.string()),
});
export type Template = z.infer<typeof Template>;

export const TemplateList = z.object({ templates: z.array(Template), fetchedAt: z.string(), simulated: z.boolean() });
export type TemplateList = z.infer<typeof TemplateList>;

const HX = /^HX[0-9a-fA-F]{32}$/;

export const SendTemplateInput = z.object({
  to: z.string().min(1).max(40),
  contentSid: z.string().regex(HX, 'must be a Content SID (HX followed by 32 hex characters)'),
  variables: z.record(z.string().regex(/^\d{1,2}$/), z.string().max(1024)).default({}),
  pinpointId: z.string().max(40).optional(),
}).strict();

export const SendTextInput = z.object({
  to: z.string().min(1).max(40),
  body: z.string().min(1, 'the message is empty').max(1600, 'WhatsApp messages are at most 1600 characters'),
  pinpointId: z.string().max(40).optional(),
}).strict();

export const SendInput = z.union([SendTemplateInput, SendTextInput]);
export type SendInput = z.infer<typeof SendInput>;

export const Me = z.object({ name: z.string(), role: Role, simulated: z.boolean() });
export type Me = z.infer<typeof Me>;

export const ERROR_CODES = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  CONSENT_REQUIRED: 409,
  CONSENT_OPTED_OUT: 409,
  SESSION_CLOSED: 409,
  IDEMPOTENCY_CONFLICT: 409,
  TEMPLATE_NOT_APPROVED: 422,
  TWILIO_REJECTED: 502,
  TWILIO_UNAVAILABLE: 503,
  /** The relay's database is locked or unreachable for a moment; nothing was changed. Retry-After says when to try again. */
  DATABASE_UNAVAILABLE: 503,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export const ApiError = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    twilioCode: z.number().int().optional(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ApiError = z.infer<typeof ApiError>;
