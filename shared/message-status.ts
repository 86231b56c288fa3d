/**
 * One rank table for message statuses, used by the relay when Twilio's callbacks arrive and by the panel when
 * live events do. Twilio doesn't guarantee callback order (reference §3.3), so a status only ever moves forward.
 */
import type { MessageStatus } from './api.ts';

export type { MessageStatus } from './api.ts';

/**
 * Position on the delivery ladder. Outbound: queued|accepted|scheduled < sending < sent < delivered < read.
 * Inbound: receiving < received. Failures are not a rung of the ladder (they can end the message at any rung before
 * delivery), so they rank -1 and advanceStatus handles them by rule instead of by rank.
 */
export const STATUS_RANK: Readonly<Record<MessageStatus, number>> = Object.freeze({
  queued: 0,
  accepted: 0,
  scheduled: 0,
  sending: 1,
  sent: 2,
  delivered: 3,
  partially_delivered: 3,
  read: 4,
  receiving: 0,
  received: 1,
  failed: -1,
  undelivered: -1,
  canceled: -1,
});

const DELIVERED_RANK = 3;

export const FAILURE_STATUSES: readonly MessageStatus[] = Object.freeze(['failed', 'undelivered', 'canceled'] as const);

const FAILURES: ReadonlySet<string> = new Set(FAILURE_STATUSES);
const INBOUND: ReadonlySet<string> = new Set(['receiving', 'received']);

export function isFailure(s: MessageStatus): boolean {
  return FAILURES.has(s);
}

/** Nothing moves a message on from here: it failed, was read, or (inbound) fully arrived. */
export function isTerminal(s: MessageStatus): boolean {
  return isFailure(s) || s === 'read' || s === 'received';
}

function isKnown(s: unknown): s is MessageStatus {
  return typeof s === 'string' && Object.hasOwn(STATUS_RANK, s);
}

/**
 * The status a message should have after `incoming` arrives: `incoming` if it moves the message forward, else
 * `current`. A late "sent" never overwrites "delivered"; a failure reported after delivery is ignored, since the
 * contact already has the message.
 */
export function advanceStatus(current: MessageStatus, incoming: MessageStatus): MessageStatus {
  // Callers feed this from webhooks; an unknown value must not corrupt the stored status.
  if (!isKnown(incoming) || incoming === current) return current;
  if (!isKnown(current)) return incoming;
  if (isTerminal(current)) return current;
  if (isFailure(incoming)) return STATUS_RANK[current] < DELIVERED_RANK ? incoming : current;
  // Inbound and outbound ladders share rank numbers but are different messages: never cross between them.
  if (INBOUND.has(current) !== INBOUND.has(incoming)) return current;
  return STATUS_RANK[incoming] > STATUS_RANK[current] ? incoming : current;
}

/** What the panel draws beside a message, WhatsApp style. */
export type Tick = 'pending' | 'sent' | 'delivered' | 'read' | 'failed' | 'received';

export function tickFor(s: MessageStatus): Tick {
  switch (s) {
    case 'queued':
    case 'accepted':
    case 'scheduled':
    case 'sending':
      return 'pending';
    case 'sent':
      return 'sent';
    case 'delivered':
    case 'partially_delivered':
      return 'delivered';
    case 'read':
      return 'read';
    case 'failed':
    case 'undelivered':
    case 'canceled':
      return 'failed';
    case 'receiving':
    case 'received':
      return 'received';
    default:
      return assertNever(s);
  }
}

function assertNever(s: never): Tick {
  // Reached only if a status arrives that the schema doesn't know; show it as in progress rather than crash the panel.
  void s;
  return 'pending';
}
