/**
 * Data care on the wire: a contact's data exported (GET /v1/contacts/{phone}/export, manager and
 * admin) and deleted on request (DELETE /v1/contacts/{phone}?confirm={phone}, admin). Pure zod.
 */
import { z } from 'zod';
import { ConsentSource, ConsentState, Message } from './api.ts';

export const AuditEventView = z.object({
  id: z.number().int(),
  at: z.string(),
  /** A token's name, or "retention". */
  actor: z.string(),
  action: z.enum(['contact.deleted', 'retention.purged']),
  phone: z.string().nullable(),
  detail: z.record(z.string(), z.union([z.string(), z.number()])),
});
export type AuditEventView = z.infer<typeof AuditEventView>;

export const ContactExport = z.object({
  exportedAt: z.string(),
  phone: z.string(),
  /** null when the relay holds no contact row for the phone. */
  contact: z
    .object({
      phone: z.string(),
      profileName: z.string().nullable(),
      waId: z.string().nullable(),
      pinpointId: z.string().nullable(),
      lastInboundAt: z.string().nullable(),
      consentState: ConsentState,
      consentSource: ConsentSource.nullable(),
      consentAt: z.string().nullable(),
      consentBy: z.string().nullable(),
      consentEvidence: z.string().nullable(),
    })
    .nullable(),
  /** Oldest first, as recorded (append-only). */
  consentHistory: z.array(
    z.object({
      id: z.number().int(),
      phone: z.string(),
      state: ConsentState,
      source: ConsentSource,
      by: z.string(),
      evidence: z.string(),
      at: z.string(),
      messageSid: z.string().nullable(),
    }),
  ),
  /** Every message, oldest first, with the raw extras kept from Twilio's webhook. */
  messages: z.array(Message.extend({ meta: z.record(z.string(), z.string()) })),
  /** Admin actions on this phone's data (a deletion on request). */
  audit: z.array(AuditEventView),
});
export type ContactExport = z.infer<typeof ContactExport>;

export const ContactDeletion = z.object({
  phone: z.string(),
  deletedAt: z.string(),
  by: z.string(),
  deleted: z.object({ messages: z.number().int() }),
  /** Kept on purpose: the consent history is evidence and append-only. */
  kept: z.object({ consentHistory: z.number().int() }),
});
export type ContactDeletion = z.infer<typeof ContactDeletion>;
