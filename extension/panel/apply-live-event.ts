/**
 * Pure patches of a ContactState: live events between GETs, and merging a fresh GET with what the
 * panel already shows. Statuses go through advanceStatus so a late or replayed callback (or a GET
 * that raced an event) can never move a tick backwards.
 */
import type { ContactState, Message } from '../../shared/api.ts';
import type { LiveEvent } from '../../shared/events.ts';
import { advanceStatus } from '../../shared/message-status.ts';
import { sessionFromLastInbound } from '../../shared/session-window.ts';

/** Merges two copies of the same message: the further-along status wins, times are unioned. */
export function mergeMessage(current: Message, incoming: Message): Message {
  const status = advanceStatus(current.status, incoming.status);
  const base = status === incoming.status && status !== current.status ? incoming : current;
  return {
    ...base,
    sid: base.sid ?? current.sid ?? incoming.sid,
    status,
    statusTimes: { ...current.statusTimes, ...incoming.statusTimes, ...base.statusTimes },
  };
}

const sameMessage = (a: Message, b: Message): boolean => a.id === b.id || (a.sid !== null && a.sid === b.sid);

/** Inserts or merges, keeping messages oldest first as the relay sends them. */
export function upsertMessage(messages: readonly Message[], incoming: Message): Message[] {
  const index = messages.findIndex((m) => sameMessage(m, incoming));
  if (index >= 0) {
    const next = messages.slice();
    next[index] = mergeMessage(messages[index] as Message, incoming);
    return next;
  }
  const next = [...messages, incoming];
  // Events can arrive out of order; a stable sort on createdAt keeps the conversation readable.
  return next.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function withInbound(contact: ContactState, message: Message, now: Date): ContactState {
  const last = contact.session.lastInboundAt;
  const lastInboundAt = last !== null && last > message.createdAt ? last : message.createdAt;
  return { ...contact, session: sessionFromLastInbound(lastInboundAt, now) };
}

/** Applies one live event; events for another phone leave the state untouched. */
export function applyLiveEvent(contact: ContactState, event: LiveEvent, now: Date): ContactState {
  if (event.phone !== contact.phone) return contact;
  switch (event.type) {
    case 'consent.changed':
      return { ...contact, consent: event.consent };
    case 'contact.deleted':
      // The actions refetch: the GET says what is left (consent history stays, messages go).
      return contact;
    case 'message.inbound': {
      const next = { ...contact, messages: upsertMessage(contact.messages, event.message) };
      return withInbound(next, event.message, now);
    }
    case 'message.created':
    case 'message.status': {
      const next = { ...contact, messages: upsertMessage(contact.messages, event.message) };
      return event.message.direction === 'inbound' ? withInbound(next, event.message, now) : next;
    }
  }
}

/**
 * A fresh GET is the truth, except that statuses only move forward and messages the panel learnt
 * about after the GET left (`since`, ISO) are kept until the next GET includes them.
 */
export function mergeFetched(local: ContactState | null, fetched: ContactState, since: string): ContactState {
  if (!local || local.phone !== fetched.phone) return fetched;
  let messages = fetched.messages;
  for (const mine of local.messages) {
    const inFetched = messages.some((m) => sameMessage(m, mine));
    if (inFetched || mine.createdAt >= since) messages = upsertMessage(messages, mine);
  }
  return { ...fetched, messages };
}
