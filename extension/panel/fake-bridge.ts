/**
 * An in-memory Bridge for tests: answers like the background would from a ContactState it holds,
 * records every request, and lets a test push watch-port messages (events, stream states).
 * Test support only; nothing in the panel imports it.
 */
import type { ContactState, Message, Template } from '../../shared/api.ts';
import type { LiveEvent } from '../../shared/events.ts';
import type { Request, ResponseMap, Result, WatchServerMessage, WatchSubject } from '../messages.ts';
import type { Bridge } from './bridge.ts';

type Handler<T extends Request['type']> = (req: Extract<Request, { type: T }>) => Result<ResponseMap[T]> | Promise<Result<ResponseMap[T]>>;
type Handlers = { [T in Request['type']]?: Handler<T> };

export const PHONE = '+5511987654321';
export const NOW = new Date('2025-05-12T12:00:00.000Z');

export function makeMessage(over: Partial<Message> & { id: string }): Message {
  return {
    sid: `SM${over.id}`,
    phone: PHONE,
    direction: 'outbound',
    body: 'Hello',
    contentSid: null,
    variables: null,
    status: 'queued',
    errorCode: null,
    errorMessage: null,
    sentBy: 'Ana',
    createdAt: '2025-05-12T11:00:00.000Z',
    updatedAt: '2025-05-12T11:00:00.000Z',
    statusTimes: {},
    ...over,
  };
}

export function makeContact(over: Partial<ContactState> = {}): ContactState {
  return {
    phone: PHONE,
    profileName: null,
    consent: { state: 'opted_in', source: 'rep', at: '2025-05-01T10:00:00.000Z', by: 'Ana', evidence: 'Signed form' },
    session: { state: 'closed', expiresAt: null, lastInboundAt: null },
    messages: [],
    simulated: false,
    sandbox: null,
    ...over,
  };
}

export const TEMPLATE: Template = {
  sid: `HX${'a'.repeat(32)}`,
  name: 'appointment_reminder',
  language: 'en',
  category: 'UTILITY',
  body: 'Hi {{1}}, your appointment is on *{{2}}*.',
  variables: ['1', '2'],
  samples: { '1': 'Customer_Name', '2': 'Date' },
};

export interface FakeBridge {
  bridge: Bridge;
  requests: Request[];
  requestsOf<T extends Request['type']>(type: T): Extract<Request, { type: T }>[];
  handlers: Handlers;
  /** Replaces what 'contact.get' answers. */
  setContact(contact: ContactState): void;
  /** Sends a message on every watch still open. */
  push(message: WatchServerMessage): void;
  event(event: LiveEvent): void;
  /** What each open watch follows: a phone, phones joined by ',' or 'scope=all'. */
  watching(): string[];
}

export function createFakeBridge(initial: ContactState = makeContact(), templates: Template[] = [TEMPLATE]): FakeBridge {
  let contact = initial;
  let sent = 0;
  const requests: Request[] = [];
  const watches: { phone: string; subject: WatchSubject; onMessage: (m: WatchServerMessage) => void; signal: AbortSignal }[] = [];
  const handlers: Handlers = {};

  const defaults: { [T in Request['type']]: Handler<T> } = {
    me: () => ({ ok: true, data: { name: 'Ana', role: 'rep', simulated: false } }),
    'strings.panel': () => ({ ok: true, data: {} }),
    'settings.page': () => ({ ok: true, data: { defaultCountry: 'BR', optInLabel: 'WhatsApp Opt-in', mappings: {}, configured: true } }),
    'contact.get': () => ({ ok: true, data: structuredClone(contact) }),
    'consent.set': (req) => ({
      ok: true,
      data: { state: req.input.state, source: 'rep', at: NOW.toISOString(), by: 'Ana', evidence: req.input.evidence },
    }),
    'templates.list': () => ({ ok: true, data: { templates, fetchedAt: NOW.toISOString(), simulated: false } }),
    'message.send': (req) => {
      sent += 1;
      const input = req.input;
      return {
        ok: true,
        data: makeMessage({
          id: `sent-${sent}`,
          sid: `SMsent${sent}`,
          phone: input.to,
          body: 'body' in input ? input.body : null,
          contentSid: 'contentSid' in input ? input.contentSid : null,
          variables: 'contentSid' in input ? input.variables : null,
          createdAt: NOW.toISOString(),
        }),
      };
    },
    'replies.seen': () => ({ ok: true, data: null }),
    'options.open': () => ({ ok: true, data: null }),
    'contacts.summary': () => ({ ok: true, data: { contacts: [] } }),
    'reports.delivery': () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'No report in this fake.' } }),
    pair: () => ({ ok: false, error: { code: 'FORBIDDEN', message: 'Pairing is for the options page.' } }),
  };

  const bridge: Bridge = {
    async request(req) {
      requests.push(req);
      const handler = (handlers[req.type] ?? defaults[req.type]) as (r: typeof req) => Result<never> | Promise<Result<never>>;
      return handler(req);
    },
    watch(subject, onMessage, signal) {
      const phone = typeof subject === 'string' ? subject : 'phones' in subject ? subject.phones.join(',') : `scope=${subject.scope}`;
      watches.push({ phone, subject, onMessage, signal });
    },
  };

  return {
    bridge,
    requests,
    requestsOf: <T extends Request['type']>(type: T) => requests.filter((r): r is Extract<Request, { type: T }> => r.type === type),
    handlers,
    setContact(next) {
      contact = next;
    },
    push(message) {
      for (const w of watches) if (!w.signal.aborted) w.onMessage(message);
    },
    event(event) {
      this.push({ type: 'event', event });
    },
    watching: () => watches.filter((w) => !w.signal.aborted).map((w) => w.phone),
  };
}
