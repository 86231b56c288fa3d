/**
 * The commands of the relay's model-based tests, one class per thing the outside world does to the
 * relay: a contact writes (or Twilio retries that webhook), a rep records consent, a rep sends (with
 * or without an Idempotency-Key, or double-clicks), time passes, Twilio reports statuses. Each runs
 * against the real relay, predicts the answer from the model, and checks the touched contacts and
 * the fake Twilio's wire afterwards. Their toString is what fast-check prints for a counterexample.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { inboundForm, statusForm } from '../helpers/twilio-signer.ts';
import { TEST_SENDER } from '../helpers/relay-harness.ts';
import {
  applyCallback,
  applyCreated,
  applyInbound,
  CALLBACK_STATUSES,
  expectSend,
  FAILURE_CODES,
  HOUR,
  INBOUND_TEXTS,
  MINUTE,
  sentMessages,
  TEMPLATES,
  TEXT_BODIES,
  VARIABLE_VALUES,
  type OutStatus,
  type RulesModel,
  type SendExpectation,
  type SendRequest,
} from './rules-model.ts';
import { checkContact, CONTACTS_PER_RUN, count, postInbound, postSend, postStatus, takeTwilioSends, type RunCtx } from './relay-under-test.ts';

type Cmd = fc.AsyncCommand<RulesModel, RunCtx>;

/** The model as it stood before a step, for judging what reached Twilio during it. */
function snapshot(m: RulesModel): RulesModel {
  return { ...m, contacts: m.contacts.map((c) => ({ ...c, messages: c.messages.map((x) => ({ ...x })) })) };
}

async function afterStep(ctx: RunCtx, m: RulesModel, contacts: Iterable<number>): Promise<void> {
  for (const c of new Set(contacts)) await checkContact(ctx, m, c);
}

class Inbound implements Cmd {
  constructor(readonly contact: number, readonly text: number) {}
  check = (): boolean => true;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    count(ctx.shared.totals.commands, 'inbound');
    ctx.shared.totals.inbound++;
    const before = snapshot(m);
    const { body, effect } = INBOUND_TEXTS[this.text]!;
    const form = inboundForm({ from: ctx.phones[this.contact]!, to: TEST_SENDER, body });
    const res = await postInbound(ctx, form);
    expect(res.status).toBe(200);
    applyInbound(m, this.contact, form.MessageSid!, body, effect);
    m.inboundPosted.push({ contact: this.contact, form });
    expect(takeTwilioSends(ctx, before)).toHaveLength(0);
    await afterStep(ctx, m, [this.contact]);
  }
  toString = (): string => `Inbound(c${this.contact}, ${JSON.stringify(INBOUND_TEXTS[this.text]!.body)})`;
}

/** Twilio retries "a message comes in" with the same MessageSid: nothing may change. */
class ReplayInbound implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<RulesModel>): boolean => m.inboundPosted.length > 0;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    count(ctx.shared.totals.commands, 'replayInbound');
    const before = snapshot(m);
    const { contact, form } = m.inboundPosted[this.pick % m.inboundPosted.length]!;
    const res = await postInbound(ctx, form);
    expect(res.status).toBe(200);
    expect(takeTwilioSends(ctx, before)).toHaveLength(0);
    await afterStep(ctx, m, [contact]);
  }
  toString = (): string => `ReplayInbound(#${this.pick})`;
}

class RepConsent implements Cmd {
  constructor(readonly contact: number, readonly state: 'opted_in' | 'opted_out') {}
  check = (): boolean => true;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    count(ctx.shared.totals.commands, 'repConsent');
    const before = snapshot(m);
    const phone = ctx.phones[this.contact]!;
    const res = await ctx.shared.relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, {
      method: 'PUT',
      token: ctx.shared.reps[0]!,
      json: { state: this.state, evidence: this.state === 'opted_in' ? 'Ticked the WhatsApp box on the web form' : 'Asked on the phone to stop' },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { state: string }).state).toBe(this.state);
    m.contacts[this.contact]!.consent = this.state;
    expect(takeTwilioSends(ctx, before)).toHaveLength(0);
    await afterStep(ctx, m, [this.contact]);
  }
  toString = (): string => `RepConsent(c${this.contact}, ${this.state})`;
}

function describeSend(r: SendRequest): string {
  const what = r.template ? `template ${TEMPLATES.find((t) => t.sid === r.template!.sid)!.name} ${JSON.stringify(r.template.variables)}` : JSON.stringify(r.body);
  return `c${r.contact}, rep${r.rep}, ${r.key === null ? 'no key' : `key ${r.key}`}, ${what}`;
}

async function errorCodeOf(res: Response): Promise<string | undefined> {
  return ((await res.json()) as { error?: { code?: string } }).error?.code;
}

/** One send's answer against the model; the message's id and sid when it answered with one. */
async function checkAnswer(res: Response, exp: SendExpectation): Promise<{ id: string; sid: string | null } | null> {
  if (exp.kind === 'refused') {
    const code = await errorCodeOf(res);
    expect({ status: res.status, code }).toEqual({ status: exp.status, code: exp.code });
    return null;
  }
  const body = (await res.json()) as { id: string; sid: string | null; error?: unknown };
  expect({ status: res.status, error: body.error }).toEqual({ status: exp.kind === 'created' ? 201 : 200, error: undefined });
  if (exp.kind === 'replay') expect(body.id, 'an idempotent replay returns the first message').toBe(exp.messageId);
  return { id: body.id, sid: body.sid };
}

class Send implements Cmd {
  constructor(readonly req: SendRequest, readonly label = req.template ? 'sendTemplate' : 'sendText') {}
  check = (): boolean => true;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    count(ctx.shared.totals.commands, this.label);
    const before = snapshot(m);
    const exp = expectSend(m, this.req);
    if (exp.kind === 'refused') count(ctx.shared.totals.refusals, exp.code);
    const answer = await checkAnswer(await postSend(ctx, this.req), exp);
    const sends = takeTwilioSends(ctx, before);
    expect(sends, 'Twilio requests for this send').toHaveLength(exp.kind === 'created' ? 1 : 0);
    if (exp.kind === 'created') recordCreated(ctx, m, this.req, answer!);
    await afterStep(ctx, m, [this.req.contact]);
  }
  toString = (): string => `Send(${describeSend(this.req)})`;
}

/** The fake's newest message is the one just sent: its sid is what status callbacks will carry. */
function recordCreated(ctx: RunCtx, m: RulesModel, req: SendRequest, answer: { id: string; sid: string | null }): void {
  const created = ctx.shared.fake.messages.at(-1)!;
  expect(answer.sid, 'the relay answers with the sid Twilio gave').toBe(created.sid);
  expect(created.to).toBe(`whatsapp:${ctx.phones[req.contact]}`);
  if (req.template) {
    expect(created.contentSid).toBe(req.template.sid);
    expect(created.contentVariables).toEqual(Object.fromEntries(Object.entries(req.template.variables).map(([k, v]) => [k, v.trim()])));
  } else {
    expect(created.body).toBe(req.body);
  }
  ctx.callbackUrls.set(created.sid, created.statusCallback!);
  applyCreated(m, req, answer.id, created.sid);
}

/**
 * A client repeating a keyed request that already created a message, as after a lost answer, maybe
 * after the contact said STOP or the window closed meanwhile: the answer is that same message.
 */
class RetrySend implements Cmd {
  constructor(readonly pick: number) {}
  check = (m: Readonly<RulesModel>): boolean => m.keys.size > 0;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    const req = [...m.keys.values()][this.pick % m.keys.size]!.request;
    await new Send(req, 'retrySend').run(m, ctx);
  }
  toString = (): string => `RetrySend(#${this.pick})`;
}

/** The same keyed request twice at once, as a double click does: one message, one Twilio request. */
class DoubleClick implements Cmd {
  constructor(readonly req: SendRequest) {}
  check = (): boolean => true;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    count(ctx.shared.totals.commands, 'doubleClick');
    const before = snapshot(m);
    const exp = expectSend(m, this.req);
    const [a, b] = await Promise.all([postSend(ctx, this.req), postSend(ctx, this.req)]);
    if (exp.kind === 'created') {
      // Whichever arrived second is the replay of the first.
      const [first, second] = a.status === 201 ? [a, b] : [b, a];
      const answer = await checkAnswer(first, exp);
      await checkAnswer(second, { kind: 'replay', messageId: answer!.id });
      expect(takeTwilioSends(ctx, before), 'Twilio requests for a double click').toHaveLength(1);
      recordCreated(ctx, m, this.req, answer!);
    } else {
      if (exp.kind === 'refused') count(ctx.shared.totals.refusals, exp.code);
      await checkAnswer(a, exp);
      await checkAnswer(b, exp);
      expect(takeTwilioSends(ctx, before)).toHaveLength(0);
    }
    await afterStep(ctx, m, [this.req.contact]);
  }
  toString = (): string => `DoubleClick(${describeSend(this.req)})`;
}

/** Whole hours plus a minute: sums never land on the 24-hour edge itself (see rules-model.ts). */
class AdvanceClock implements Cmd {
  constructor(readonly hours: number) {}
  check = (): boolean => true;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    count(ctx.shared.totals.commands, 'advanceClock');
    const delta = this.hours * HOUR + MINUTE;
    m.now += delta;
    const clock = ctx.shared.relay.clock;
    clock.now = new Date(clock.now.getTime() + delta);
    await afterStep(ctx, m, Array.from({ length: CONTACTS_PER_RUN }, (_, i) => i));
  }
  toString = (): string => `AdvanceClock(${this.hours}h 1m)`;
}

interface CallbackSpec {
  pick: number;
  status: OutStatus;
  code: number | null;
}

/**
 * Status callbacks for sent messages, as Twilio delivers them: any order, repeated, failures with
 * an error code. With `parallel`, each message's callbacks race the other messages' (one message's
 * own callbacks stay in order, since their final status depends on it).
 */
class Callbacks implements Cmd {
  constructor(readonly specs: CallbackSpec[], readonly parallel: boolean) {}
  check = (m: Readonly<RulesModel>): boolean => sentMessages(m as RulesModel).length > 0;
  async run(m: RulesModel, ctx: RunCtx): Promise<void> {
    count(ctx.shared.totals.commands, 'callbacks');
    ctx.shared.totals.callbacks += this.specs.length;
    const before = snapshot(m);
    const targets = sentMessages(m);
    const chains = new Map<string, { contact: number; sid: string; items: CallbackSpec[] }>();
    for (const s of this.specs) {
      const t = targets[s.pick % targets.length]!;
      const chain = chains.get(t.message.sid) ?? { contact: t.contact, sid: t.message.sid, items: [] };
      chain.items.push(s);
      chains.set(t.message.sid, chain);
    }
    const post = async (chain: { contact: number; sid: string; items: CallbackSpec[] }) => {
      for (const s of chain.items) {
        const form = statusForm({ sid: chain.sid, to: ctx.phones[chain.contact]!, from: TEST_SENDER, status: s.status, ...(s.code !== null ? { errorCode: s.code } : {}) });
        const res = await postStatus(ctx, chain.sid, form);
        expect(res.status).toBe(204);
      }
    };
    if (this.parallel) await Promise.all([...chains.values()].map(post));
    else for (const chain of chains.values()) await post(chain);
    for (const chain of chains.values()) {
      const target = targets.find((t) => t.message.sid === chain.sid)!;
      for (const s of chain.items) applyCallback(m, chain.contact, target.message, s.status, s.code);
    }
    expect(takeTwilioSends(ctx, before)).toHaveLength(0);
    await afterStep(ctx, m, [...chains.values()].map((c) => c.contact));
  }
  toString = (): string =>
    `Callbacks(${this.parallel ? 'parallel' : 'serial'}: ${this.specs.map((s) => `#${s.pick} ${s.status}${s.code !== null ? ` ${s.code}` : ''}`).join(', ')})`;
}

// ---- arbitraries -----------------------------------------------------------------------------------

const contactArb = fc.integer({ min: 0, max: CONTACTS_PER_RUN - 1 });
const repArb = fc.integer({ min: 0, max: 1 });
/** A small pool, so keys repeat: replays and conflicts happen often. */
const keyArb = fc.constantFrom('k0', 'k1', 'k2');

const templateArb = fc
  .record({
    // Approved ones far more often: the unapproved ones only need to be refused now and then.
    index: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 1, arbitrary: fc.integer({ min: 3, max: 4 }) }),
    values: fc.array(fc.constantFrom(...VARIABLE_VALUES), { minLength: 2, maxLength: 2 }),
  })
  .map(({ index, values }) => {
    const spec = TEMPLATES[index]!;
    return { sid: spec.sid, variables: Object.fromEntries(spec.variables.map((k, i) => [k, values[i]!])) };
  });

/** One required variable left blank: refused as VALIDATION_FAILED before anything is stored. */
const blankTemplateArb = fc.integer({ min: 0, max: 2 }).map((index) => {
  const spec = TEMPLATES[index]!;
  return { sid: spec.sid, variables: Object.fromEntries(spec.variables.map((k, i) => [k, i === 0 ? '   ' : '3pm'])) };
});

const sendReqArb = (key: fc.Arbitrary<string | null>): fc.Arbitrary<SendRequest> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ contact: contactArb, rep: repArb, key, template: templateArb, body: fc.constant(null) }) },
    { weight: 1, arbitrary: fc.record({ contact: contactArb, rep: repArb, key, template: blankTemplateArb, body: fc.constant(null) }) },
    { weight: 5, arbitrary: fc.record({ contact: contactArb, rep: repArb, key, template: fc.constant(null), body: fc.constantFrom(...TEXT_BODIES) }) },
  );

const callbackArb: fc.Arbitrary<CallbackSpec> = fc
  .record({ pick: fc.nat({ max: 20 }), status: fc.constantFrom(...CALLBACK_STATUSES), code: fc.constantFrom(...FAILURE_CODES) })
  .map(({ pick, status, code }) => ({ pick, status, code: status === 'failed' || status === 'undelivered' ? code : null }));

const keywordTexts = INBOUND_TEXTS.flatMap((t, i) => (t.effect ? [i] : []));
const plainTexts = INBOUND_TEXTS.flatMap((t, i) => (t.effect ? [] : [i]));
/** Mostly ordinary replies (they open the window), a keyword one time in three. */
const inboundArb = fc
  .record({ contact: contactArb, text: fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...plainTexts) }, { weight: 1, arbitrary: fc.constantFrom(...keywordTexts) }) })
  .map(({ contact, text }) => new Inbound(contact, text));
/** Opt-ins more often than opt-outs, so templates get through often enough to be tested. */
const repConsentArb = fc
  .record({ contact: contactArb, state: fc.oneof({ weight: 3, arbitrary: fc.constant('opted_in' as const) }, { weight: 1, arbitrary: fc.constant('opted_out' as const) }) })
  .map(({ contact, state }) => new RepConsent(contact, state));

/** Mostly a few hours; a day or more now and then, which closes the window. */
const hoursArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(1, 6, 12) }, { weight: 2, arbitrary: fc.constantFrom(23, 25, 48) });

// Repeated entries weigh a kind of command more: contacts reply and reps record opt-ins often
// enough that sends get through and there are messages for the status callbacks.
export const commandArbs: fc.Arbitrary<Cmd>[] = [
  inboundArb,
  inboundArb,
  inboundArb,
  fc.nat({ max: 20 }).map((pick) => new ReplayInbound(pick)),
  repConsentArb,
  repConsentArb,
  sendReqArb(fc.option(keyArb, { nil: null })).map((r) => new Send(r)),
  sendReqArb(fc.option(keyArb, { nil: null })).map((r) => new Send(r)),
  sendReqArb(fc.option(keyArb, { nil: null })).map((r) => new Send(r)),
  sendReqArb(keyArb).map((r) => new DoubleClick(r)),
  fc.nat({ max: 20 }).map((pick) => new RetrySend(pick)),
  hoursArb.map((h) => new AdvanceClock(h)),
  fc.record({ specs: fc.array(callbackArb, { minLength: 1, maxLength: 6 }), parallel: fc.boolean() }).map(({ specs, parallel }) => new Callbacks(specs, parallel)),
  fc.record({ specs: fc.array(callbackArb, { minLength: 1, maxLength: 6 }), parallel: fc.boolean() }).map(({ specs, parallel }) => new Callbacks(specs, parallel)),
];
