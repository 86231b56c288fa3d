/**
 * The real side of the model-based tests: one relay (official SDK → fake Twilio) shared by every
 * run, with fresh phone numbers and idempotency keys per run so runs never see each other, plus the
 * checks that compare what the relay stored, streamed and sent to Twilio with the model.
 */
import { expect } from 'vitest';
import type { Message, MessageStatus } from '../../shared/api.ts';
import { isFailure, isTerminal, STATUS_RANK } from '../../shared/message-status.ts';
import type { FakeRequest, FakeTwilio } from '../helpers/fake-twilio.ts';
import { PUBLIC_URL, TEST_AUTH_TOKEN, type TestRelay } from '../helpers/relay-harness.ts';
import { openSse, type SseStream } from '../helpers/sse-client.ts';
import { postSignedForm } from '../helpers/twilio-signer.ts';
import { sessionOpen, TEMPLATES, type RulesModel, type SendRequest } from './rules-model.ts';

export interface Totals {
  runs: number;
  commands: Record<string, number>;
  twilioSends: number;
  refusals: Record<string, number>;
  callbacks: number;
  inbound: number;
}

export interface Shared {
  relay: TestRelay;
  fake: FakeTwilio;
  /** Two reps: idempotency keys are per token. */
  reps: string[];
  totals: Totals;
  runCounter: number;
}

export interface RunCtx {
  shared: Shared;
  run: number;
  phones: string[];
  sse: SseStream;
  /** How many of the fake's requests earlier steps have already accounted for. */
  twilioSeen: number;
  /** Last status each message (by relay id) had in a GET, to prove GETs never go backwards. */
  lastStatus: Map<string, MessageStatus>;
  /** sid → the StatusCallback URL the relay sent with that message. */
  callbackUrls: Map<string, string>;
}

export const CONTACTS_PER_RUN = 3;

export function newTotals(): Totals {
  return { runs: 0, commands: {}, twilioSends: 0, refusals: {}, callbacks: 0, inbound: 0 };
}

export async function openRun(shared: Shared): Promise<RunCtx> {
  const run = ++shared.runCounter;
  shared.totals.runs++;
  // +353 1 then the run and contact numbers: valid E.164, never one of Twilio's magic test numbers.
  const phones = Array.from({ length: CONTACTS_PER_RUN }, (_, i) => `+3531${String(run).padStart(6, '0')}${i}`);
  const query = phones.map((p) => `phone=${encodeURIComponent(p)}`).join('&');
  const sse = await openSse(`${shared.relay.url}/v1/events?${query}`, { authorization: `Bearer ${shared.reps[0]}` });
  expect(sse.status).toBe(200);
  // Subscribed once the relay wrote its first comment; events before that would be missed.
  await until(() => sse.comments.includes('connected'), 'the event stream to connect');
  return { shared, run, phones, sse, twilioSeen: shared.fake.requests.length, lastStatus: new Map(), callbackUrls: new Map() };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

export function count(totals: Record<string, number>, key: string): void {
  totals[key] = (totals[key] ?? 0) + 1;
}

// ---- requests ------------------------------------------------------------------------------------

export function postInbound(ctx: RunCtx, form: Record<string, string>): Promise<Response> {
  return postSignedForm(`${ctx.shared.relay.url}/twilio/inbound`, form, TEST_AUTH_TOKEN, { signedUrl: `${PUBLIC_URL}/twilio/inbound` });
}

/**
 * Posted where Twilio would post it: the StatusCallback URL the relay gave with the send (query
 * included, which Twilio signs too), reached at the relay's listen address.
 */
export function postStatus(ctx: RunCtx, sid: string, form: Record<string, string>): Promise<Response> {
  const signedUrl = ctx.callbackUrls.get(sid);
  if (signedUrl === undefined) throw new Error(`no StatusCallback recorded for ${sid}`);
  const target = ctx.shared.relay.url + signedUrl.slice(PUBLIC_URL.length);
  return postSignedForm(target, form, TEST_AUTH_TOKEN, { signedUrl });
}

export function keyHeader(ctx: RunCtx, key: string | null): Record<string, string> {
  return key === null ? {} : { 'Idempotency-Key': `run${ctx.run}-${key}` };
}

export function postSend(ctx: RunCtx, req: SendRequest): Promise<Response> {
  const to = ctx.phones[req.contact]!;
  const json = req.template ? { to, contentSid: req.template.sid, variables: req.template.variables } : { to, body: req.body };
  return ctx.shared.relay.api('/v1/messages', { method: 'POST', token: ctx.shared.reps[req.rep]!, headers: keyHeader(ctx, req.key), json });
}

// ---- checks ----------------------------------------------------------------------------------------

const isMessagePost = (r: FakeRequest): boolean => r.method === 'POST' && r.path.endsWith('/Messages.json');

/**
 * The Messages POSTs the fake received since the last call, each checked against the rules as they
 * stood in `before` (the model before the step): the wire, not the relay's answer, is the proof.
 */
export function takeTwilioSends(ctx: RunCtx, before: RulesModel): FakeRequest[] {
  const fresh = ctx.shared.fake.requests.slice(ctx.twilioSeen);
  ctx.twilioSeen = ctx.shared.fake.requests.length;
  const sends = fresh.filter(isMessagePost);
  for (const r of sends) {
    expect(r.specErrors).toEqual([]);
    const to = r.form.get('To')?.[0] ?? '';
    const contact = ctx.phones.indexOf(to.replace(/^whatsapp:/, ''));
    expect(contact, `a send to ${to}, not a contact of this run`).toBeGreaterThanOrEqual(0);
    const c = before.contacts[contact]!;
    expect(c.consent, `sent to ${to} after the contact opted out`).not.toBe('opted_out');
    const contentSid = r.form.get('ContentSid')?.[0];
    if (contentSid !== undefined) {
      expect(c.consent, `template sent to ${to} without an opt-in`).toBe('opted_in');
      expect(TEMPLATES.find((t) => t.sid === contentSid)?.approved, `template ${contentSid} is not approved`).toBe(true);
      expect(r.form.has('Body')).toBe(false);
    } else {
      expect(sessionOpen(before, contact), `free-form sent to ${to} outside the 24-hour window`).toBe(true);
    }
    const callback = new URL(r.form.get('StatusCallback')?.[0] ?? '');
    expect(callback.origin + callback.pathname).toBe(`${PUBLIC_URL}/twilio/status`);
  }
  ctx.shared.totals.twilioSends += sends.length;
  return sends;
}

/** A status change the shared rank table forbids: leaving a final status, or a lower rank. */
function movedBackwards(prev: MessageStatus, next: MessageStatus): boolean {
  if (prev === next) return false;
  if (isTerminal(prev)) return true;
  if (isFailure(next)) return STATUS_RANK[prev] >= STATUS_RANK.delivered;
  return STATUS_RANK[next] < STATUS_RANK[prev];
}

interface ContactBody {
  consent: { state: string };
  session: { state: string };
  messages: Message[];
}

/** What the relay stores for `contact` equals the model: consent, window, and every message exactly once. */
export async function checkContact(ctx: RunCtx, model: RulesModel, contact: number): Promise<void> {
  const phone = ctx.phones[contact]!;
  const res = await ctx.shared.relay.api(`/v1/contacts/${encodeURIComponent(phone)}`, { token: ctx.shared.reps[0]! });
  expect(res.status).toBe(200);
  const state = (await res.json()) as ContactBody;
  const m = model.contacts[contact]!;
  expect(state.consent.state, `consent of ${phone}`).toBe(m.consent);
  expect(state.session.state, `24-hour window of ${phone}`).toBe(sessionOpen(model, contact) ? 'open' : 'closed');
  const actual = state.messages.map((x) => ({
    direction: x.direction,
    id: x.direction === 'outbound' ? x.id : null,
    sid: x.sid,
    body: x.body,
    contentSid: x.contentSid,
    variables: x.variables,
    status: x.status,
    errorCode: x.errorCode,
  }));
  expect(actual, `messages of ${phone}`).toEqual(m.messages);
  for (const x of state.messages) {
    const prev = ctx.lastStatus.get(x.id);
    if (prev !== undefined) expect(movedBackwards(prev, x.status), `${x.id} went from ${prev} to ${x.status} between two GETs`).toBe(false);
    ctx.lastStatus.set(x.id, x.status);
  }
}

interface StreamedEvent {
  type: string;
  message?: Message;
  consent?: { state: string };
}

/**
 * At the end of a run the live stream agrees with the model: each inbound message announced once,
 * each outbound message's statuses in an order that never goes backwards and ending where the
 * model says, and the last consent event carrying the model's consent.
 */
export async function checkStream(ctx: RunCtx, model: RulesModel): Promise<void> {
  const events = () => ctx.sse.events.map((e) => e.data as StreamedEvent);
  const lastStatusOf = (id: string): string | undefined => events().filter((e) => e.message?.id === id).at(-1)?.message?.status;
  const outbound = model.contacts.flatMap((c) => c.messages.filter((x) => x.direction === 'outbound'));
  const inboundSids = model.contacts.flatMap((c) => c.messages.filter((x) => x.direction === 'inbound').map((x) => x.sid));
  const lastConsentOf = (i: number): string | undefined =>
    events().filter((e) => e.type === 'consent.changed' && (e as { phone?: string }).phone === ctx.phones[i]).at(-1)?.consent?.state;
  // Events trail the answers slightly; wait until everything arrived, then assert piece by piece.
  await until(
    () =>
      outbound.every((x) => lastStatusOf(x.id!) === x.status) &&
      events().filter((e) => e.type === 'message.inbound').length >= inboundSids.length &&
      model.contacts.every((c, i) => c.consent === 'unknown' || lastConsentOf(i) === c.consent),
    'the stream to catch up',
    2000,
  ).catch(() => undefined);
  for (const x of outbound) expect(lastStatusOf(x.id!), `last streamed status of ${x.id}`).toBe(x.status);
  const announced = events().filter((e) => e.type === 'message.inbound').map((e) => e.message!.sid).sort();
  expect(announced, 'each inbound message announced exactly once').toEqual([...inboundSids].sort());

  const byId = new Map<string, MessageStatus[]>();
  for (const e of events()) {
    if ((e.type !== 'message.created' && e.type !== 'message.status') || !e.message) continue;
    const list = byId.get(e.message.id) ?? [];
    list.push(e.message.status);
    byId.set(e.message.id, list);
  }
  for (const [id, statuses] of byId) {
    for (let i = 1; i < statuses.length; i++) {
      expect(movedBackwards(statuses[i - 1]!, statuses[i]!), `${id} streamed ${statuses.join(' → ')}`).toBe(false);
    }
  }
  expect([...byId.keys()].sort(), 'every streamed message is one the model accepted').toEqual(outbound.map((x) => x.id!).sort());

  model.contacts.forEach((c, i) => {
    if (c.consent !== 'unknown') expect(lastConsentOf(i), `last consent event of ${ctx.phones[i]}`).toBe(c.consent);
  });
}
