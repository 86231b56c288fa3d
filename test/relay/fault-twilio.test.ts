/**
 * Twilio misbehaving under a send: 500, a timeout, a cut connection, 429, nobody listening. The rule
 * under test is "never a double send": when Twilio's answer is lost, Twilio may have created the
 * message, so the relay keeps it pending (202) instead of failing it, links it when Twilio's callback
 * names it, and otherwise asks Twilio's own Messages list before it lets anyone send it again.
 * Every assertion counts what the fake Twilio actually holds: the messages a contact would receive.
 */
import Database from 'better-sqlite3';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../shared/api.ts';
import { NOT_SENT_MESSAGE, reconcileUnconfirmed, UNCONFIRMED_GRACE_MS } from '../../relay/services/reconcile-unconfirmed.ts';
import { SANDBOX_APPOINTMENT_SID, startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { PUBLIC_URL, startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER, type TestRelay } from '../helpers/relay-harness.ts';
import { inboundForm, postSignedForm, statusForm } from '../helpers/twilio-signer.ts';

let fake: FakeTwilio;
let relay: TestRelay;
let rep: string;
let counter = 0;
const newPhone = () => `+44770091${String(1000 + ++counter).padStart(4, '0')}`;
const messagePosts = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/Messages.json'));
const delivered = (phone: string) => fake.messages.filter((m) => m.to === `whatsapp:${phone}`);

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  // A short Twilio timeout so a held answer times out quickly; everything else as in production.
  relay = await startTestRelay({ fakeTwilioUrl: fake.url, env: { TWILIO_TIMEOUT_MS: '400' } });
  rep = await relay.token('rep', 'Rita Rep');
  // Load the template list now, so each scripted failure below hits the send and not this first listing.
  expect((await relay.api('/v1/templates', { token: rep })).status).toBe(200);
});
afterAll(async () => {
  await relay?.close();
  await fake?.close();
});
beforeEach(() => fake.reset());

const optIn = (phone: string) =>
  relay.api(`/v1/contacts/${encodeURIComponent(phone)}/consent`, { method: 'PUT', token: rep, json: { state: 'opted_in', evidence: 'Ticked the WhatsApp box on the signup form' } });
const sendTemplate = (phone: string, key: string) =>
  relay.api('/v1/messages', { method: 'POST', token: rep, headers: { 'Idempotency-Key': key }, json: { to: phone, contentSid: SANDBOX_APPOINTMENT_SID, variables: { '1': '12/1', '2': '3pm' } } });
const contact = async (phone: string) => (await (await relay.api(`/v1/contacts/${encodeURIComponent(phone)}`, { token: rep })).json()) as { messages: Message[] };
const lastMessage = async (phone: string) => (await contact(phone)).messages.at(-1)!;
/** Lets the reconciler run as if its grace period had passed (the relay's clock moves, not the test's). */
const afterGrace = () => {
  relay.clock.now = new Date(Date.now() + UNCONFIRMED_GRACE_MS + 1000);
};
const clockBack = () => {
  relay.clock.now = new Date();
};

async function sendUnconfirmed(phone: string, key: string): Promise<Message & { notice: string }> {
  const res = await sendTemplate(phone, key);
  expect(res.status, await res.clone().text()).toBe(202);
  expect(res.headers.get('x-relay-notice')).toBe('unconfirmed');
  const body = (await res.json()) as Message & { notice: string };
  expect(body).toMatchObject({ status: 'queued', sid: null, errorCode: null });
  expect(body.notice).toMatch(/did not confirm/);
  return body;
}

describe('Twilio answers 500 after creating the message', () => {
  it('the send is kept pending (202), the callback naming it links it, and a retry with the same key sends nothing', async () => {
    const phone = newPhone();
    await optIn(phone);
    fake.failNext(1, { lostAfterCreate: 500 });
    const pending = await sendUnconfirmed(phone, 'fault-500-1');
    expect(delivered(phone)).toHaveLength(1);
    expect((await lastMessage(phone)).status).toBe('queued');

    // The panel's own retry (same key) is answered from the stored row: no second POST to Twilio.
    const again = await sendTemplate(phone, 'fault-500-1');
    expect(again.status).toBe(200);
    expect(((await again.json()) as Message).id).toBe(pending.id);
    expect(messagePosts()).toHaveLength(1);

    // Twilio's first status callback goes to the URL we gave it, which names our message.
    const [created] = delivered(phone);
    expect(created!.statusCallback).toBe(`${PUBLIC_URL}/twilio/status?m=${pending.id}`);
    const cb = await postSignedForm(relay.url + '/twilio/status?m=' + pending.id, statusForm({ sid: created!.sid, status: 'sent', to: phone, from: TEST_SENDER }), TEST_AUTH_TOKEN, { signedUrl: created!.statusCallback! });
    expect(cb.status).toBe(204);
    expect(await lastMessage(phone)).toMatchObject({ id: pending.id, sid: created!.sid, status: 'sent' });
    expect(delivered(phone)).toHaveLength(1);
  });

  it('a callback whose URL names a message that already has its sid changes nothing else', async () => {
    const phone = newPhone();
    await optIn(phone);
    const ok = await sendTemplate(phone, 'fault-500-2');
    expect(ok.status).toBe(201);
    const sent = (await ok.json()) as Message;
    const stranger = 'SM' + 'f'.repeat(32);
    const cb = await postSignedForm(relay.url + '/twilio/status?m=' + sent.id, statusForm({ sid: stranger, status: 'delivered', to: phone, from: TEST_SENDER }), TEST_AUTH_TOKEN, { signedUrl: `${PUBLIC_URL}/twilio/status?m=${sent.id}` });
    expect(cb.status).toBe(204);
    expect(await lastMessage(phone)).toMatchObject({ id: sent.id, sid: sent.sid, status: 'queued' });
  });
});

describe('Twilio times out or cuts the connection', () => {
  it('timeout after creating: the reconciler finds it in Twilio\'s Messages list and links it; nothing is resent', async () => {
    const phone = newPhone();
    await optIn(phone);
    fake.failNext(1, { lostAfterCreate: 'timeout' });
    const pending = await sendUnconfirmed(phone, 'fault-timeout-1');
    expect(delivered(phone)).toHaveLength(1);

    // Inside the grace period nothing is decided: a callback may still be on its way.
    const early = await reconcileUnconfirmed(relay.deps);
    expect(early).toEqual({ linked: 0, failed: 0, deferred: 0 });

    afterGrace();
    try {
      const result = await reconcileUnconfirmed(relay.deps);
      expect(result.linked).toBeGreaterThanOrEqual(1);
    } finally {
      clockBack();
    }
    const settled = await lastMessage(phone);
    expect(settled).toMatchObject({ id: pending.id, sid: delivered(phone)[0]!.sid, status: 'queued' });
    expect(delivered(phone)).toHaveLength(1);
    const lists = fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/Messages.json'));
    expect(lists.length).toBeGreaterThanOrEqual(1);
    expect(lists[0]!.query.get('To')).toBe(`whatsapp:${phone}`);
  });

  it('cut before Twilio created anything: the reconciler finds no record, fails it with a reason, and only then can it be sent again', async () => {
    const phone = newPhone();
    await optIn(phone);
    fake.failNext(1, 'reset');
    const pending = await sendUnconfirmed(phone, 'fault-reset-1');
    expect(delivered(phone)).toHaveLength(0);

    afterGrace();
    try {
      const result = await reconcileUnconfirmed(relay.deps);
      expect(result.failed).toBeGreaterThanOrEqual(1);
    } finally {
      clockBack();
    }
    expect(await lastMessage(phone)).toMatchObject({ id: pending.id, status: 'failed', errorMessage: NOT_SENT_MESSAGE });

    // The panel's Retry uses a fresh key (retry:<id>): exactly one message reaches the contact.
    const retry = await sendTemplate(phone, `retry:${pending.id}`);
    expect(retry.status).toBe(201);
    expect(delivered(phone)).toHaveLength(1);
  });

  it('while Twilio stays unreachable the reconciler decides nothing and the message stays pending', async () => {
    const phone = newPhone();
    await optIn(phone);
    fake.failNext(1, { lostAfterCreate: 'reset' });
    const pending = await sendUnconfirmed(phone, 'fault-reset-2');
    afterGrace();
    try {
      // Every list call fails: the 5xx answers are not retried by the SDK and count as "can't ask".
      fake.failNext(50, { status: 503 });
      const result = await reconcileUnconfirmed(relay.deps);
      expect(result.deferred).toBeGreaterThanOrEqual(1);
      expect(await lastMessage(phone)).toMatchObject({ id: pending.id, status: 'queued', sid: null });
      fake.clearFailures();
      const later = await reconcileUnconfirmed(relay.deps);
      expect(later.linked).toBeGreaterThanOrEqual(1);
    } finally {
      fake.clearFailures();
      clockBack();
    }
    expect((await lastMessage(phone)).sid).toBe(delivered(phone)[0]!.sid);
  });
});

describe('refusals that prove nothing was sent', () => {
  it('429 is retried by the SDK (Twilio did not process it) and sends exactly one message', async () => {
    const phone = newPhone();
    await optIn(phone);
    fake.failNext(1, { status: 429, code: 20429, message: 'Too Many Requests' });
    const res = await sendTemplate(phone, 'fault-429-1');
    expect(res.status).toBe(201);
    expect(messagePosts()).toHaveLength(2);
    expect(delivered(phone)).toHaveLength(1);
  });

  it('429 past the retries is RATE_LIMITED: the message is failed (Retry allowed), none created', async () => {
    const phone = newPhone();
    await optIn(phone);
    fake.failNext(3, { status: 429, code: 20429, message: 'Too Many Requests' });
    const res = await sendTemplate(phone, 'fault-429-2');
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect(delivered(phone)).toHaveLength(0);
    expect((await lastMessage(phone)).status).toBe('failed');
  });

  it('nobody listening at Twilio\'s address: 503 TWILIO_UNAVAILABLE at once, failed, nothing sent', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const port = (s.address() as AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const offline = await startTestRelay({ fakeTwilioUrl: `http://127.0.0.1:${closedPort}` });
    try {
      const token = await offline.token('rep');
      const phone = newPhone();
      // Free-form inside the window: the send itself is the only Twilio call (a template would need the list first).
      const inbound = await postSignedForm(offline.url + '/twilio/inbound', inboundForm({ from: phone, to: TEST_SENDER, body: 'hello?' }), TEST_AUTH_TOKEN, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
      expect(inbound.status).toBe(200);
      const res = await offline.api('/v1/messages', { method: 'POST', token, json: { to: phone, body: 'Hi! How can I help?' } });
      expect(res.status).toBe(503);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('TWILIO_UNAVAILABLE');
      expect(body.error.message).toMatch(/ECONNREFUSED/);
      const got = await offline.api(`/v1/contacts/${encodeURIComponent(phone)}`, { token });
      const state = (await got.json()) as { messages: Message[] };
      expect(got.status, JSON.stringify(state)).toBe(200);
      expect(state.messages.at(-1)!.status).toBe('failed');
    } finally {
      await offline.close();
    }
  });
});

describe('the database fails around a send or an opt-out', () => {
  /** A real write failure inside the relay's SQLite file: a trigger another connection installs. */
  const sabotage = (sql: string) => {
    const db = new Database(join(relay.dir, 'relay.sqlite'));
    try {
      db.exec(sql);
    } finally {
      db.close();
    }
  };

  it('Twilio took the message but its sid could not be saved: pending (202), never failed, linked by the callback', async () => {
    const phone = newPhone();
    await optIn(phone);
    sabotage(`CREATE TRIGGER fail_sid BEFORE UPDATE OF sid ON messages WHEN NEW.phone = '${phone}' BEGIN SELECT RAISE(ABORT, 'disk went away'); END`);
    let pending: Message & { notice: string };
    try {
      pending = await sendUnconfirmed(phone, 'fault-db-1');
    } finally {
      sabotage('DROP TRIGGER fail_sid');
    }
    expect(delivered(phone)).toHaveLength(1);
    expect(await lastMessage(phone)).toMatchObject({ id: pending.id, status: 'queued', sid: null });
    const [created] = delivered(phone);
    const cb = await postSignedForm(relay.url + '/twilio/status?m=' + pending.id, statusForm({ sid: created!.sid, status: 'delivered', to: phone, from: TEST_SENDER }), TEST_AUTH_TOKEN, { signedUrl: created!.statusCallback! });
    expect(cb.status).toBe(204);
    expect(await lastMessage(phone)).toMatchObject({ id: pending.id, sid: created!.sid, status: 'delivered' });
    expect(delivered(phone)).toHaveLength(1);
  });

  it('an opt-out failure (21610) whose opt-out could not be written is recorded when Twilio retries the callback', async () => {
    const phone = newPhone();
    await optIn(phone);
    const res = await sendTemplate(phone, 'fault-db-2');
    expect(res.status).toBe(201);
    const sent = (await res.json()) as Message;
    const form = statusForm({ sid: sent.sid!, status: 'undelivered', errorCode: 21610, to: phone, from: TEST_SENDER });
    const post = () => postSignedForm(`${relay.url}/twilio/status?m=${sent.id}`, form, TEST_AUTH_TOKEN, { signedUrl: `${PUBLIC_URL}/twilio/status?m=${sent.id}` });
    sabotage(`CREATE TRIGGER fail_consent BEFORE INSERT ON consent_events WHEN NEW.phone = '${phone}' BEGIN SELECT RAISE(ABORT, 'disk went away'); END`);
    try {
      const first = await post();
      expect(first.status).toBeGreaterThanOrEqual(500);
    } finally {
      sabotage('DROP TRIGGER fail_consent');
    }
    // The status itself was applied; the opt-out was not.
    expect(await lastMessage(phone)).toMatchObject({ status: 'undelivered', errorCode: 21610 });
    expect((await relay.api(`/v1/contacts/${encodeURIComponent(phone)}`, { token: rep }).then((r) => r.json()) as { consent: { state: string } }).consent.state).toBe('opted_in');

    // Twilio retries: the duplicate callback now records the opt-out, once, from that message.
    expect((await post()).status).toBe(204);
    expect((await post()).status).toBe(204);
    const history = await relay.deps.store.consentHistory(phone);
    expect(history.filter((e) => e.messageSid === sent.sid)).toHaveLength(1);
    expect(history.at(-1)).toMatchObject({ state: 'opted_out', source: 'twilio' });
    const blocked = await sendTemplate(phone, 'fault-db-3');
    expect(blocked.status).toBe(409);
    expect(delivered(phone)).toHaveLength(1);
  });
});
