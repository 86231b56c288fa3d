/**
 * A deliberately simple model of what the relay should do with a few contacts, written from the
 * README's rules rather than from the relay's code, so model-based tests can compare the two. It
 * uses none of the relay's own rule code (consent keywords, status ranks, session window): an
 * oracle built from the code under test would agree with every bug in it.
 *
 * Time is the model's own: `now` starts at 0 at every run and moves only by the clock command, in
 * steps of whole hours plus one minute. Between an inbound message and a send, n steps add up to
 * whole hours plus n minutes, and with fewer than 60 commands per run that is never exactly 24 h:
 * the nearest it gets is a minute away, while the relay's clock also runs on in real time (a few
 * seconds per run). So the relay and the model always agree on which side of the edge a send is.
 */

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
export const WINDOW_MS = 24 * HOUR;

export type ConsentState = 'unknown' | 'opted_in' | 'opted_out';
/** The statuses the tests deliver in callbacks; Twilio's first answer is `queued`. */
export type OutStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered';
export const CALLBACK_STATUSES: readonly OutStatus[] = ['queued', 'sent', 'delivered', 'read', 'undelivered', 'failed'];

/** Twilio error codes a failure callback may carry; 63014 means the contact blocked the business (an opt-out). */
export const FAILURE_CODES = [30008, 63016, 30003, 63014] as const;
export const OPT_OUT_ERROR_CODES: ReadonlySet<number> = new Set([63014, 21610]);

/** The fake Twilio's templates (test/helpers/fake-twilio.ts defaultTemplates) as the rules see them. */
export interface TemplateSpec {
  sid: string;
  name: string;
  approved: boolean;
  variables: readonly string[];
}
export const TEMPLATES: readonly TemplateSpec[] = [
  { sid: 'HXb5b62575e6e4ff6129ad7c8efe1f983e', name: 'appointment_reminder', approved: true, variables: ['1', '2'] },
  { sid: 'HX1b2c3d4e5f60718293a4b5c6d7e8f901', name: 'spring_sale', approved: true, variables: ['1'] },
  // Status "Approved" in mixed case: the relay must compare case-insensitively.
  { sid: 'HX5f0ad3a0d5c04c4b9dd9f1c3a2b6e7f1', name: 'order_ready', approved: true, variables: ['1'] },
  { sid: 'HX2c3d4e5f60718293a4b5c6d7e8f90123', name: 'rejected_promo', approved: false, variables: ['1'] },
  { sid: 'HX3d4e5f60718293a4b5c6d7e8f9012345', name: 'payment_due', approved: false, variables: ['1', '2'] },
];

/**
 * What contacts type, each labelled by hand with what it must do to consent (README's keyword
 * table: whole message only, any case, accents and trailing punctuation ignored). Ordinary replies
 * that contain a keyword, or answer a question ("yes", "no", "fin"), must change nothing.
 */
export const INBOUND_TEXTS: readonly { body: string; effect: 'opt_out' | 'opt_in' | null }[] = [
  { body: 'STOP', effect: 'opt_out' },
  { body: '  Stop! ', effect: 'opt_out' },
  { body: 'stop all', effect: 'opt_out' },
  { body: 'UNSUBSCRIBE', effect: 'opt_out' },
  { body: 'opt-out', effect: 'opt_out' },
  { body: 'PARAR', effect: 'opt_out' },
  { body: 'parar.', effect: 'opt_out' },
  { body: 'Darse de baja', effect: 'opt_out' },
  { body: 'SAIR', effect: 'opt_out' },
  { body: 'não quero mais', effect: 'opt_out' },
  { body: 'nao quero', effect: 'opt_out' },
  { body: 'Arrêt', effect: 'opt_out' },
  { body: 'arret', effect: 'opt_out' },
  { body: 'STOPP', effect: 'opt_out' },
  { body: 'abmelden', effect: 'opt_out' },
  { body: 'START', effect: 'opt_in' },
  { body: 'start', effect: 'opt_in' },
  { body: 'Unstop', effect: 'opt_in' },
  { body: 'opt in', effect: 'opt_in' },
  { body: 'Suscribirme', effect: 'opt_in' },
  { body: 'darse de alta', effect: 'opt_in' },
  { body: 'VOLTAR', effect: 'opt_in' },
  { body: 'Démarrer', effect: 'opt_in' },
  { body: 'ANMELDEN', effect: 'opt_in' },
  { body: 'Hi, can you call me?', effect: null },
  { body: 'I will stop by tomorrow', effect: null },
  { body: 'START at 3pm?', effect: null },
  { body: 'yes', effect: null },
  { body: 'no', effect: null },
  { body: 'fin', effect: null },
  { body: 'iniciar', effect: null },
  { body: 'Obrigado!', effect: null },
];

export const TEXT_BODIES = ['Hello!', 'Sure — *tomorrow* at 10?', 'Your order is ready', 'Obrigado 🙏'] as const;
/** Variable values the rules accept (after trimming); the relay stores and sends them trimmed. */
export const VARIABLE_VALUES = ['12/1', '3pm', ' Ana ', 'Order 42', 'Bob'] as const;

export interface ModelMessage {
  direction: 'inbound' | 'outbound';
  /** Outbound: the id the relay answered with. */
  id: string | null;
  sid: string;
  body: string | null;
  contentSid: string | null;
  /** Trimmed, as stored. */
  variables: Record<string, string> | null;
  status: OutStatus | 'received';
  errorCode: number | null;
}

export interface ModelContact {
  consent: ConsentState;
  /** Model time of the last inbound message that was stored (replays do not count). */
  lastInboundAt: number | null;
  /** In the order the relay should list them. */
  messages: ModelMessage[];
}

export interface IdempotencyRecord {
  /** The request exactly as first sent, so a command can retry it as a client would. */
  request: SendRequest;
  contact: number;
  messageId: string;
  template: { sid: string; variables: Record<string, string> } | null;
  body: string | null;
}

export interface RulesModel {
  now: number;
  contacts: ModelContact[];
  /** `${rep}|${key}` → the message that key created. Keys are per token. */
  keys: Map<string, IdempotencyRecord>;
  /** Status callbacks already delivered, `${sid}|${status}`: Twilio retries are no-ops. */
  callbacksSeen: Set<string>;
  /** Every inbound form posted so far, so a command can replay one exactly as Twilio retries. */
  inboundPosted: { contact: number; form: Record<string, string> }[];
}

export function newModel(contacts: number): RulesModel {
  return {
    now: 0,
    contacts: Array.from({ length: contacts }, () => ({ consent: 'unknown' as ConsentState, lastInboundAt: null, messages: [] })),
    keys: new Map(),
    callbacksSeen: new Set(),
    inboundPosted: [],
  };
}

export function sessionOpen(m: RulesModel, contact: number): boolean {
  const last = m.contacts[contact]!.lastInboundAt;
  return last !== null && m.now - last < WINDOW_MS;
}

/** Outbound messages that have a Twilio sid, in creation order: the targets of status callbacks. */
export function sentMessages(m: RulesModel): { contact: number; message: ModelMessage }[] {
  const out: { contact: number; message: ModelMessage }[] = [];
  m.contacts.forEach((c, contact) => c.messages.forEach((message) => message.direction === 'outbound' && out.push({ contact, message })));
  return out;
}

export interface SendRequest {
  contact: number;
  rep: number;
  key: string | null;
  template: { sid: string; variables: Record<string, string> } | null;
  body: string | null;
}

export type SendExpectation =
  | { kind: 'refused'; status: number; code: string }
  | { kind: 'created' }
  | { kind: 'replay'; messageId: string };

const trimAll = (v: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x.trim()]));

function sameVariables(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/**
 * The answer a send must get. An Idempotency-Key names one message, so repeating the very same
 * request returns that message, even when the rules would now refuse a new one: it was sent, and
 * "refused, nothing was sent" would be false (a client retrying after a lost answer, then a STOP or
 * the window closing, would think it never went out). Any other request is judged by the rules in
 * the README's order (opted out; templates: opt-in, approval, variables; free-form: the window),
 * and one that passes them under a key already used for a different message is a conflict.
 */
export function expectSend(m: RulesModel, req: SendRequest): SendExpectation {
  const prior = req.key === null ? undefined : m.keys.get(`${req.rep}|${req.key}`);
  if (prior) {
    const same =
      prior.contact === req.contact &&
      (req.template === null
        ? prior.template === null && prior.body === req.body
        : prior.template !== null && prior.template.sid === req.template.sid && sameVariables(prior.template.variables, trimAll(req.template.variables)));
    if (same) return { kind: 'replay', messageId: prior.messageId };
  }
  const contact = m.contacts[req.contact]!;
  if (contact.consent === 'opted_out') return { kind: 'refused', status: 409, code: 'CONSENT_OPTED_OUT' };
  if (req.template !== null) {
    if (contact.consent !== 'opted_in') return { kind: 'refused', status: 409, code: 'CONSENT_REQUIRED' };
    const spec = TEMPLATES.find((t) => t.sid === req.template!.sid);
    if (!spec?.approved) return { kind: 'refused', status: 422, code: 'TEMPLATE_NOT_APPROVED' };
    const vars = trimAll(req.template.variables);
    if (spec.variables.some((k) => !vars[k])) return { kind: 'refused', status: 422, code: 'VALIDATION_FAILED' };
  } else if (!sessionOpen(m, req.contact)) {
    return { kind: 'refused', status: 409, code: 'SESSION_CLOSED' };
  }
  if (prior) return { kind: 'refused', status: 409, code: 'IDEMPOTENCY_CONFLICT' };
  return { kind: 'created' };
}

/** Records a send the relay accepted (Twilio answered `queued` with `sid`). */
export function applyCreated(m: RulesModel, req: SendRequest, messageId: string, sid: string): void {
  const variables = req.template ? trimAll(req.template.variables) : null;
  m.contacts[req.contact]!.messages.push({
    direction: 'outbound',
    id: messageId,
    sid,
    body: req.template ? null : req.body,
    contentSid: req.template?.sid ?? null,
    variables,
    status: 'queued',
    errorCode: null,
  });
  if (req.key !== null) {
    m.keys.set(`${req.rep}|${req.key}`, {
      request: req,
      contact: req.contact,
      messageId,
      template: req.template ? { sid: req.template.sid, variables: variables! } : null,
      body: req.template ? null : req.body,
    });
  }
}

/** A new inbound message (not a replay): stored, opens the window, and a keyword sets consent. */
export function applyInbound(m: RulesModel, contact: number, sid: string, body: string, effect: 'opt_out' | 'opt_in' | null): void {
  const c = m.contacts[contact]!;
  c.messages.push({ direction: 'inbound', id: null, sid, body, contentSid: null, variables: null, status: 'received', errorCode: null });
  c.lastInboundAt = m.now;
  if (effect === 'opt_out') c.consent = 'opted_out';
  if (effect === 'opt_in') c.consent = 'opted_in';
}

const LADDER: Record<string, number> = { queued: 0, sent: 1, delivered: 2, read: 3 };
const isFailureStatus = (s: string): boolean => s === 'failed' || s === 'undelivered';

/**
 * Forward only: queued < sent < delivered < read. A failure ends the message only before it was
 * delivered (after that the contact has it). Read and failures are final.
 */
export function nextStatus(current: OutStatus, incoming: OutStatus): OutStatus {
  if (current === 'read' || isFailureStatus(current)) return current;
  if (isFailureStatus(incoming)) return LADDER[current]! < LADDER.delivered! ? incoming : current;
  return LADDER[incoming]! > LADDER[current]! ? incoming : current;
}

/** One status callback for a sent message. Twilio's retries (same sid and status) change nothing. */
export function applyCallback(m: RulesModel, contact: number, message: ModelMessage, status: OutStatus, errorCode: number | null): void {
  const key = `${message.sid}|${status}`;
  if (m.callbacksSeen.has(key)) return;
  m.callbacksSeen.add(key);
  const before = message.status as OutStatus;
  const after = nextStatus(before, status);
  if (after !== before) {
    message.status = after;
    if (isFailureStatus(after)) message.errorCode = errorCode;
  }
  // The contact blocked the business: no more sends, whatever the message's own status did.
  if (errorCode !== null && OPT_OUT_ERROR_CODES.has(errorCode)) m.contacts[contact]!.consent = 'opted_out';
}
