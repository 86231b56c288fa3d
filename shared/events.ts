/** Live events the relay publishes per phone over Server-Sent Events (GET /v1/events?phone=…). */
import { z } from 'zod';
import { Consent, Message } from './api.ts';

export const LiveEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message.created'), phone: z.string(), message: Message }),
  z.object({ type: z.literal('message.status'), phone: z.string(), message: Message }),
  z.object({ type: z.literal('message.inbound'), phone: z.string(), message: Message }),
  z.object({ type: z.literal('consent.changed'), phone: z.string(), consent: Consent }),
  // An admin deleted the contact's data (DELETE /v1/contacts/{phone}): open panels refetch.
  z.object({ type: z.literal('contact.deleted'), phone: z.string() }),
]);
export type LiveEvent = z.infer<typeof LiveEvent>;
export type LiveEventType = LiveEvent['type'];
export const LIVE_EVENT_TYPES: readonly LiveEventType[] = ['message.created', 'message.status', 'message.inbound', 'consent.changed', 'contact.deleted'];
