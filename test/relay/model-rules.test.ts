/**
 * Model-based tests of the relay's guard (issue 6, part 3): fast-check generates random sequences
 * of what contacts, reps, Twilio and time do, runs them against the real relay (official SDK →
 * fake Twilio, signed webhooks, SQLite), and after every step compares it with the simple model in
 * test/model/rules-model.ts: no forbidden send reaches the wire, every refusal has the right code,
 * statuses never go backwards (GETs and the live stream), no message is lost or doubled.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN } from '../helpers/relay-harness.ts';
import { commandArbs } from '../model/commands.ts';
import { newModel } from '../model/rules-model.ts';
import { checkContact, checkStream, CONTACTS_PER_RUN, newTotals, openRun, type Shared } from '../model/relay-under-test.ts';

const SEED = 20_261_206;
const NUM_RUNS = Number(process.env.MODEL_RUNS ?? 200);
/** Must stay under 60: see the note on time in test/model/rules-model.ts. */
const MAX_COMMANDS = 40;

let fake: FakeTwilio;
let shared: Shared;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  const relay = await startTestRelay({ fakeTwilioUrl: fake.url });
  shared = { relay, fake, reps: [await relay.token('rep', 'Rita Rep'), await relay.token('rep', 'Ravi Rep')], totals: newTotals(), runCounter: 0 };
});
afterAll(async () => {
  await shared?.relay.close();
  await fake?.close();
});

it('the relay behaves like the rules model over random sequences of inbound, consent, sends, time and callbacks', async () => {
  await fc.assert(
    fc.asyncProperty(fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: 'max' }), async (cmds) => {
      const ctx = await openRun(shared);
      const model = newModel(CONTACTS_PER_RUN);
      try {
        await fc.asyncModelRun(() => ({ model, real: ctx }), cmds);
        for (let c = 0; c < CONTACTS_PER_RUN; c++) await checkContact(ctx, model, c);
        await checkStream(ctx, model);
      } finally {
        ctx.sse.close();
      }
    }),
    { seed: SEED, numRuns: NUM_RUNS },
  );
  const t = shared.totals;
  const commands = Object.values(t.commands).reduce((a, b) => a + b, 0);
  console.log(
    `model-based relay tests: seed ${SEED}, ${t.runs} runs, ${commands} commands (${JSON.stringify(t.commands)}), ` +
      `${t.twilioSends} sends reached Twilio, refusals ${JSON.stringify(t.refusals)}, ${t.inbound} inbound, ${t.callbacks} status callbacks`,
  );
  // The totals prove the generator reached every part of the rules, not just the happy path.
  if (NUM_RUNS >= 200) expect(commands).toBeGreaterThan(3000);
  expect(t.twilioSends).toBeGreaterThan(0);
  expect(t.callbacks).toBeGreaterThan(0);
  for (const code of ['CONSENT_OPTED_OUT', 'CONSENT_REQUIRED', 'SESSION_CLOSED', 'IDEMPOTENCY_CONFLICT', 'TEMPLATE_NOT_APPROVED', 'VALIDATION_FAILED']) {
    expect(t.refusals[code] ?? 0, code).toBeGreaterThan(0);
  }
  // About 15–35 s on this 2-core machine depending on load; the margin keeps a busy CI from failing it on time alone.
}, 120_000);
