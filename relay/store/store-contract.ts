/**
 * The behaviour every Store engine must have, written against the interface only, so SQLite and
 * PostgreSQL run the very same suite (architecture principle 10). An engine's test file calls
 * describeStoreContract with a factory that makes a fresh, migrated, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Message } from '../../shared/api.ts';
import { messageCursor, START_CURSOR } from './cursor.ts';
import type { NewInbound, NewOutbound, NewPairingCode, NewToken, PairingCodeRecord, Store } from './store.ts';

export type MakeStore = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

const BASE = Date.UTC(2025, 0, 15, 9, 0, 0, 0);
/** A timestamp `s` seconds after a fixed origin, in the store's canonical form. */
export const t = (s: number): string => new Date(BASE + s * 1000).toISOString();

const P1 = '+5511987654321';
const P2 = '+919876543210';
const P3 = '+14155550100';

let n = 0;
const uid = (p: string): string => `${p}_${++n}_${Math.random().toString(36).slice(2, 8)}`;

function outbound(over: Partial<NewOutbound> = {}): NewOutbound {
  return {
    id: uid('msg'),
    phone: P1,
    body: 'Hello',
    contentSid: null,
    variables: null,
    sentBy: 'Ana',
    sentByTokenId: 'tok_a',
    createdAt: t(0),
    idempotencyKey: null,
    ...over,
  };
}

function inbound(over: Partial<NewInbound> = {}): NewInbound {
  return {
    id: uid('msg'),
    sid: uid('SM'),
    phone: P1,
    body: 'Hi there',
    profileName: 'Maria',
    waId: '5511987654321',
    at: t(10),
    meta: { NumMedia: '0' },
    ...over,
  };
}

const status = (sid: string, s: Message['status'], at: string, over: { eventType?: string; errorCode?: number; errorMessage?: string } = {}) => ({
  sid,
  status: s,
  eventType: over.eventType ?? '',
  errorCode: over.errorCode ?? null,
  errorMessage: over.errorMessage ?? null,
  at,
});

export function describeStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;

    beforeEach(async () => {
      ({ store, cleanup } = await makeStore());
    });
    afterEach(async () => {
      await cleanup();
    });

    /** An outbound message that Twilio accepted with `sid`. */
    async function sent(sid: string, over: Partial<NewOutbound> = {}): Promise<Message> {
      const { message } = await store.createOutbound(outbound(over));
      return store.attachSid(message.id, sid, 'queued', t(1));
    }

    describe('basics', () => {
      it('pings and migrates again without harm', async () => {
        await expect(store.ping()).resolves.toBeUndefined();
        await store.migrate();
        await store.migrate();
        expect(['sqlite', 'postgres']).toContain(store.engine);
      });
    });

    describe('tokens', () => {
      const token = (over: Partial<{ id: string; hash: string; name: string }> = {}) => ({
        id: 'tok_a', name: 'Ana', role: 'rep' as const, hash: 'h'.repeat(64), createdAt: t(0), ...over,
      });

      it('stores a token and finds it by hash', async () => {
        const rec = await store.createToken(token());
        expect(rec).toEqual({ id: 'tok_a', name: 'Ana', role: 'rep', createdAt: t(0), revokedAt: null, lastUsedAt: null });
        const found = await store.findTokenByHash('h'.repeat(64), t(5));
        expect(found).toMatchObject({ id: 'tok_a', name: 'Ana', role: 'rep' });
        expect(await store.findTokenByHash('x'.repeat(64), t(5))).toBeNull();
        expect(await store.listTokens()).toHaveLength(1);
      });

      it('refuses a second token with the same hash', async () => {
        await store.createToken(token());
        await expect(store.createToken(token({ id: 'tok_b' }))).rejects.toThrow();
      });

      it('ignores revoked tokens; revoking twice or an unknown id says false', async () => {
        await store.createToken(token());
        expect(await store.revokeToken('tok_a', t(10))).toBe(true);
        expect(await store.revokeToken('tok_a', t(11))).toBe(false);
        expect(await store.revokeToken('tok_nope', t(11))).toBe(false);
        expect(await store.findTokenByHash('h'.repeat(64), t(12))).toBeNull();
        const [listed] = await store.listTokens();
        expect(listed?.revokedAt).toBe(t(10));
      });

      it('stamps lastUsedAt at most once a minute, never backwards', async () => {
        await store.createToken(token());
        expect((await store.findTokenByHash('h'.repeat(64), t(100)))?.lastUsedAt).toBe(t(100));
        expect((await store.findTokenByHash('h'.repeat(64), t(130)))?.lastUsedAt).toBe(t(100));
        expect((await store.findTokenByHash('h'.repeat(64), t(50)))?.lastUsedAt).toBe(t(100));
        expect((await store.findTokenByHash('h'.repeat(64), t(161)))?.lastUsedAt).toBe(t(161));
        const [listed] = await store.listTokens();
        expect(listed?.lastUsedAt).toBe(t(161));
      });

      it('lists tokens oldest first', async () => {
        await store.createToken(token({ id: 'tok_new', hash: 'b'.repeat(64) }));
        await store.createToken({ ...token({ id: 'tok_old', hash: 'c'.repeat(64) }), createdAt: t(-100) });
        expect((await store.listTokens()).map((x) => x.id)).toEqual(['tok_old', 'tok_new']);
      });
    });

    describe('pairing codes', () => {
      const code = (over: Partial<NewPairingCode> = {}): NewPairingCode => ({
        id: 'pc_a', hash: 'p'.repeat(64), role: 'rep', createdBy: 'Mia Manager', createdAt: t(0), expiresAt: t(900), ...over,
      });
      let minted = 0;
      /** A makeToken that builds a token with the code's role, and counts its calls. */
      const maker = (name = 'Rita Rep') => {
        const calls: PairingCodeRecord[] = [];
        const hashes: string[] = [];
        const make = (c: PairingCodeRecord): NewToken => {
          calls.push(c);
          minted += 1;
          hashes.push(`${minted}`.padStart(64, 't'));
          return { id: `tok_p${minted}`, name, role: c.role, hash: hashes.at(-1)!, createdAt: t(60) };
        };
        return { make, calls, hashes };
      };

      it('stores a code, and trades it once for a token with the code’s role', async () => {
        const created = await store.createPairingCode(code({ role: 'manager' }));
        expect(created).toEqual({ id: 'pc_a', role: 'manager', createdBy: 'Mia Manager', createdAt: t(0), expiresAt: t(900), usedAt: null, usedByTokenId: null });
        const m = maker();
        const redeemed = await store.redeemPairingCode('p'.repeat(64), t(60), m.make);
        expect(m.calls).toEqual([created]);
        expect(redeemed?.token).toMatchObject({ name: 'Rita Rep', role: 'manager', createdAt: t(60), revokedAt: null });
        expect(redeemed?.code).toEqual({ ...created, usedAt: t(60), usedByTokenId: redeemed?.token.id });
        expect(await store.findTokenByHash(m.hashes[0]!, t(61))).toMatchObject({ id: redeemed?.token.id });

        const again = maker();
        expect(await store.redeemPairingCode('p'.repeat(64), t(61), again.make)).toBeNull();
        expect(again.calls).toEqual([]);
        expect(await store.listTokens()).toHaveLength(1);
      });

      it('refuses an unknown or expired code (expiresAt itself is too late), writing nothing', async () => {
        await store.createPairingCode(code());
        const m = maker();
        expect(await store.redeemPairingCode('x'.repeat(64), t(1), m.make)).toBeNull();
        expect(await store.redeemPairingCode('p'.repeat(64), t(900), m.make)).toBeNull();
        expect(await store.redeemPairingCode('p'.repeat(64), t(5000), m.make)).toBeNull();
        expect(m.calls).toEqual([]);
        expect(await store.listTokens()).toEqual([]);
        expect(await store.redeemPairingCode('p'.repeat(64), t(899.999), m.make)).not.toBeNull();
      });

      it('never yields two tokens, however many redeem the code at once', async () => {
        await store.createPairingCode(code());
        const m = maker();
        const results = await Promise.all(Array.from({ length: 6 }, () => store.redeemPairingCode('p'.repeat(64), t(30), m.make)));
        expect(results.filter((r) => r !== null)).toHaveLength(1);
        expect(await store.listTokens()).toHaveLength(1);
      });

      it('rolls the whole trade back when the token cannot be created: the code stays usable', async () => {
        await store.createToken({ id: 'tok_taken', name: 'X', role: 'rep', hash: 'd'.repeat(64), createdAt: t(0) });
        await store.createPairingCode(code());
        await expect(
          store.redeemPairingCode('p'.repeat(64), t(30), (c) => ({ id: 'tok_dup', name: 'Y', role: c.role, hash: 'd'.repeat(64), createdAt: t(30) })),
        ).rejects.toThrow();
        await expect(
          store.redeemPairingCode('p'.repeat(64), t(30), () => {
            throw new Error('no token today');
          }),
        ).rejects.toThrow('no token today');
        expect(await store.listTokens()).toHaveLength(1);
        expect(await store.redeemPairingCode('p'.repeat(64), t(31), maker().make)).not.toBeNull();
      });

      it('refuses an admin code and a reused hash', async () => {
        await expect(store.createPairingCode(code({ role: 'admin' }))).rejects.toThrow();
        await store.createPairingCode(code());
        await expect(store.createPairingCode(code({ id: 'pc_b' }))).rejects.toThrow();
      });
    });

    describe('contacts and consent', () => {
      const change = (over: Partial<Parameters<Store['recordConsent']>[0]> = {}) => ({
        phone: P1, state: 'opted_in' as const, source: 'rep' as const, by: 'Ana', evidence: 'Agreed on the phone', at: t(20), messageSid: null, ...over,
      });

      it('has no contact for an unknown phone', async () => {
        expect(await store.getContact(P1)).toBeNull();
        expect(await store.consentHistory(P1)).toEqual([]);
      });

      it('records consent: current state and an appended history entry', async () => {
        const c = await store.recordConsent(change());
        expect(c).toEqual({
          phone: P1, profileName: null, waId: null, pinpointId: null, lastInboundAt: null,
          consentState: 'opted_in', consentSource: 'rep', consentAt: t(20), consentBy: 'Ana', consentEvidence: 'Agreed on the phone',
        });
        expect(await store.getContact(P1)).toEqual(c);

        const after = await store.recordConsent(change({ state: 'opted_out', source: 'keyword', by: 'contact', evidence: 'STOP', at: t(30), messageSid: 'SM1' }));
        expect(after).toMatchObject({ consentState: 'opted_out', consentSource: 'keyword', consentBy: 'contact', consentEvidence: 'STOP', consentAt: t(30) });

        const history = await store.consentHistory(P1);
        expect(history.map((h) => [h.state, h.source, h.by, h.evidence, h.at, h.messageSid])).toEqual([
          ['opted_in', 'rep', 'Ana', 'Agreed on the phone', t(20), null],
          ['opted_out', 'keyword', 'contact', 'STOP', t(30), 'SM1'],
        ]);
        expect(history[0]!.id).toBeLessThan(history[1]!.id);
        expect(await store.consentHistory(P2)).toEqual([]);
      });

      it('keeps the newest consent current when an older change is recorded later (history keeps both)', async () => {
        await store.recordConsent(change({ state: 'opted_out', source: 'keyword', by: 'contact', evidence: 'STOP', at: t(100) }));
        const c = await store.recordConsent(change({ state: 'opted_in', source: 'import', by: 'import', evidence: 'CRM import of 2024', at: t(50) }));
        expect(c.consentState).toBe('opted_out');
        expect(c.consentAt).toBe(t(100));
        expect(await store.consentHistory(P1)).toHaveLength(2);
      });

      it('remembers the PinPoint id without touching consent', async () => {
        await store.rememberPinpointId(P1, '42', t(1));
        expect(await store.getContact(P1)).toMatchObject({ pinpointId: '42', consentState: 'unknown', consentSource: null });
        await store.recordConsent(change());
        await store.rememberPinpointId(P1, '43', t(40));
        await store.rememberPinpointId(P1, '43', t(41));
        expect(await store.getContact(P1)).toMatchObject({ pinpointId: '43', consentState: 'opted_in' });
      });
    });

    describe('outbound messages', () => {
      it('creates a queued message with no sid', async () => {
        const m = outbound({ contentSid: 'HX' + 'a'.repeat(32), body: null, variables: { '1': 'Maria' } });
        const { message, created } = await store.createOutbound(m);
        expect(created).toBe(true);
        expect(message).toEqual({
          id: m.id, sid: null, phone: P1, direction: 'outbound', body: null, contentSid: m.contentSid, variables: { '1': 'Maria' },
          status: 'queued', errorCode: null, errorMessage: null, sentBy: 'Ana', createdAt: t(0), updatedAt: t(0), statusTimes: { queued: t(0) },
        });
        expect(await store.getMessage(m.id)).toEqual(message);
        expect(await store.getMessage('nope')).toBeNull();
      });

      it('returns the first message for a reused idempotency key of the same token', async () => {
        const first = await store.createOutbound(outbound({ idempotencyKey: 'k1' }));
        const again = await store.createOutbound(outbound({ idempotencyKey: 'k1', body: 'double click' }));
        expect(again.created).toBe(false);
        expect(again.message).toEqual(first.message);
        expect(await store.listMessages(P1, 10)).toHaveLength(1);
      });

      it('scopes idempotency keys per token, and null keys never collide', async () => {
        await store.createOutbound(outbound({ idempotencyKey: 'k1' }));
        expect((await store.createOutbound(outbound({ idempotencyKey: 'k1', sentByTokenId: 'tok_b' }))).created).toBe(true);
        expect((await store.createOutbound(outbound())).created).toBe(true);
        expect((await store.createOutbound(outbound())).created).toBe(true);
        expect(await store.listMessages(P1, 10)).toHaveLength(4);
      });

      it('finds a message by its token and idempotency key (a keyed retry is answered before the rules)', async () => {
        const { message } = await store.createOutbound(outbound({ idempotencyKey: 'k1' }));
        expect(await store.getMessageByKey('tok_a', 'k1')).toEqual(message);
        expect(await store.getMessageByKey('tok_b', 'k1')).toBeNull();
        expect(await store.getMessageByKey('tok_a', 'k2')).toBeNull();
      });

      it('attaches the sid and Twilio’s initial status', async () => {
        const { message } = await store.createOutbound(outbound());
        const m = await store.attachSid(message.id, 'SM1', 'accepted', t(1));
        expect(m).toMatchObject({ id: message.id, sid: 'SM1', status: 'accepted', statusTimes: { queued: t(0), accepted: t(1) }, updatedAt: t(1) });
        expect(await store.getMessage(message.id)).toEqual(m);
        await expect(store.attachSid('nope', 'SM2', 'queued', t(1))).rejects.toThrow();
      });

      it('marks a refused send failed with the code and explanation', async () => {
        const { message } = await store.createOutbound(outbound());
        const m = await store.markSendFailed(message.id, 63016, 'Outside the 24-hour window', t(2));
        expect(m).toMatchObject({ status: 'failed', errorCode: 63016, errorMessage: 'Outside the 24-hour window', sid: null });
        expect(m.statusTimes.failed).toBe(t(2));
      });

      it('lists unconfirmed sends (outbound, queued, no sid) created before a time, oldest first, and finds messages by sid', async () => {
        const old1 = (await store.createOutbound(outbound({ createdAt: t(1) }))).message;
        const old2 = (await store.createOutbound(outbound({ createdAt: t(2), phone: P2 }))).message;
        const attached = (await store.createOutbound(outbound({ createdAt: t(3) }))).message;
        await store.attachSid(attached.id, 'SM_attached', 'queued', t(4));
        const refused = (await store.createOutbound(outbound({ createdAt: t(5) }))).message;
        await store.markSendFailed(refused.id, 21211, 'The phone number is not valid.', t(6));
        await store.receiveInbound(inbound({ sid: 'SM_in_unconfirmed', at: t(7) }));
        const inFlight = (await store.createOutbound(outbound({ createdAt: t(100) }))).message;
        expect((await store.listUnconfirmed(t(50), 10)).map((m) => m.id)).toEqual([old1.id, old2.id]);
        expect((await store.listUnconfirmed(t(50), 1)).map((m) => m.id)).toEqual([old1.id]);
        expect((await store.listUnconfirmed(t(200), 10)).map((m) => m.id)).toEqual([old1.id, old2.id, inFlight.id]);
        expect(await store.listUnconfirmed(t(50), 0)).toEqual([]);
        expect((await store.getMessageBySid('SM_attached'))?.id).toBe(attached.id);
        expect((await store.getMessageBySid('SM_in_unconfirmed'))?.direction).toBe('inbound');
        expect(await store.getMessageBySid('SM_nobody')).toBeNull();
      });

      it('lists the last `limit` messages of a phone, oldest first', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push((await store.createOutbound(outbound({ createdAt: t(i) }))).message.id);
        await store.createOutbound(outbound({ phone: P2 }));
        expect((await store.listMessages(P1, 3)).map((m) => m.id)).toEqual(ids.slice(2));
        expect(await store.listMessages(P1, 0)).toEqual([]);
        expect(await store.listMessages(P3, 10)).toEqual([]);
      });

      it('stores timestamps as UTC ISO strings with milliseconds', async () => {
        const { message } = await store.createOutbound(outbound({ createdAt: '2025-01-15T11:00:00+02:00' }));
        expect(message.createdAt).toBe('2025-01-15T09:00:00.000Z');
      });
    });

    describe('status callbacks', () => {
      it('applies a status, and a repeated callback is a duplicate', async () => {
        const m = await sent('SM1');
        const r = await store.applyStatus(status('SM1', 'sent', t(2)));
        expect(r.kind).toBe('applied');
        if (r.kind !== 'applied') return;
        expect(r.changed).toBe(true);
        expect(r.message).toMatchObject({ id: m.id, status: 'sent', statusTimes: { queued: t(0), sent: t(2) }, updatedAt: t(2) });
        expect(await store.applyStatus(status('SM1', 'sent', t(3)))).toEqual({ kind: 'duplicate' });
        expect((await store.getMessage(m.id))?.statusTimes.sent).toBe(t(2));
      });

      it('a status the message already reached is a duplicate, whatever its EventType', async () => {
        const m = await sent('SM1');
        await store.applyStatus(status('SM1', 'read', t(5)));
        expect(await store.applyStatus(status('SM1', 'read', t(6), { eventType: 'READ' }))).toEqual({ kind: 'duplicate' });
        expect((await store.getMessage(m.id))?.statusTimes.read).toBe(t(5));
      });

      it('moves forward only, but records when each status was first seen', async () => {
        const m = await sent('SM1');
        await store.applyStatus(status('SM1', 'read', t(5), { eventType: 'READ' }));
        const late = await store.applyStatus(status('SM1', 'delivered', t(4), { eventType: 'DELIVERED' }));
        expect(late).toMatchObject({ kind: 'applied', changed: false });
        const lateSent = await store.applyStatus(status('SM1', 'sent', t(3)));
        expect(lateSent).toMatchObject({ kind: 'applied', changed: false });
        const now = await store.getMessage(m.id);
        expect(now?.status).toBe('read');
        expect(now?.statusTimes).toEqual({ queued: t(0), read: t(5), delivered: t(4), sent: t(3) });
        expect(now?.updatedAt).toBe(t(5));
      });

      it('sets the error of a failure that applies', async () => {
        const m = await sent('SM1');
        const r = await store.applyStatus(status('SM1', 'undelivered', t(3), { eventType: 'UNDELIVERED', errorCode: 63016, errorMessage: 'outside window' }));
        expect(r).toMatchObject({ kind: 'applied', changed: true, message: { status: 'undelivered', errorCode: 63016, errorMessage: 'outside window' } });
        // Terminal: nothing moves it on.
        const after = await store.applyStatus(status('SM1', 'delivered', t(4)));
        expect(after).toMatchObject({ kind: 'applied', changed: false, message: { status: 'undelivered', errorCode: 63016 } });
        expect((await store.getMessage(m.id))?.statusTimes.delivered).toBe(t(4));
      });

      it('ignores a failure reported after delivery, and its error', async () => {
        await sent('SM1');
        await store.applyStatus(status('SM1', 'delivered', t(3)));
        const r = await store.applyStatus(status('SM1', 'failed', t(4), { errorCode: 30008, errorMessage: 'unknown' }));
        expect(r).toMatchObject({ kind: 'applied', changed: false, message: { status: 'delivered', errorCode: null, errorMessage: null } });
      });

      it('keeps a callback for an unknown sid and applies it when the sid is attached', async () => {
        expect(await store.applyStatus(status('SM9', 'sent', t(2)))).toEqual({ kind: 'unknown' });
        expect(await store.applyStatus(status('SM9', 'delivered', t(3)))).toEqual({ kind: 'unknown' });
        expect(await store.applyStatus(status('SM9', 'sent', t(2)))).toEqual({ kind: 'duplicate' });

        const { message } = await store.createOutbound(outbound());
        const m = await store.attachSid(message.id, 'SM9', 'queued', t(1));
        expect(m).toMatchObject({ sid: 'SM9', status: 'delivered', statusTimes: { queued: t(0), sent: t(2), delivered: t(3) }, updatedAt: t(3) });
        // Already stored, so Twilio's retry of it changes nothing.
        expect(await store.applyStatus(status('SM9', 'delivered', t(3)))).toEqual({ kind: 'duplicate' });
        expect((await store.applyStatus(status('SM9', 'read', t(6))))).toMatchObject({ kind: 'applied', changed: true, message: { status: 'read' } });
      });

      it('replays an early failure with its error on attach', async () => {
        await store.applyStatus(status('SM8', 'failed', t(2), { errorCode: 63024, errorMessage: 'invalid recipient' }));
        const { message } = await store.createOutbound(outbound());
        const m = await store.attachSid(message.id, 'SM8', 'accepted', t(1));
        expect(m).toMatchObject({ status: 'failed', errorCode: 63024, errorMessage: 'invalid recipient' });
        expect(m.statusTimes).toEqual({ queued: t(0), accepted: t(1), failed: t(2) });
      });

      it('leaves other messages alone', async () => {
        const a = await sent('SM1');
        const b = await sent('SM2');
        await store.applyStatus(status('SM1', 'delivered', t(3)));
        expect((await store.getMessage(a.id))?.status).toBe('delivered');
        expect((await store.getMessage(b.id))?.status).toBe('queued');
      });

      it('records fallback calls', async () => {
        await expect(store.recordFallback({ messageSid: 'SM1', errorCode: '11205', errorUrl: 'https://relay.example/twilio/inbound', at: t(1) })).resolves.toBeUndefined();
        await expect(store.recordFallback({ messageSid: null, errorCode: null, errorUrl: null, at: t(2) })).resolves.toBeUndefined();
      });
    });

    describe('inbound messages', () => {
      it('stores an inbound message once and creates the contact', async () => {
        const m = inbound();
        const first = await store.receiveInbound(m);
        expect(first.duplicate).toBe(false);
        expect(first.message).toEqual({
          id: m.id, sid: m.sid, phone: P1, direction: 'inbound', body: 'Hi there', contentSid: null, variables: null,
          status: 'received', errorCode: null, errorMessage: null, sentBy: null, createdAt: t(10), updatedAt: t(10), statusTimes: { received: t(10) },
        });
        expect(await store.getContact(P1)).toMatchObject({ profileName: 'Maria', waId: '5511987654321', lastInboundAt: t(10), consentState: 'unknown' });

        const again = await store.receiveInbound({ ...m, id: uid('msg'), at: t(20) });
        expect(again.duplicate).toBe(true);
        expect(again.message).toEqual(first.message);
        expect(await store.listMessages(P1, 10)).toHaveLength(1);
        expect((await store.getContact(P1))?.lastInboundAt).toBe(t(10));
      });

      it('never moves lastInboundAt backwards; keeps names it already knows', async () => {
        await store.receiveInbound(inbound({ at: t(100), profileName: 'Maria Silva' }));
        await store.receiveInbound(inbound({ at: t(50), profileName: 'Old name' }));
        expect(await store.getContact(P1)).toMatchObject({ lastInboundAt: t(100), profileName: 'Maria Silva' });
        await store.receiveInbound(inbound({ at: t(200), profileName: null, waId: null }));
        expect(await store.getContact(P1)).toMatchObject({ lastInboundAt: t(200), profileName: 'Maria Silva', waId: '5511987654321' });
        await store.receiveInbound(inbound({ at: t(300), profileName: 'Maria S.' }));
        expect((await store.getContact(P1))?.profileName).toBe('Maria S.');
      });

      it('keeps consent and PinPoint id when a message arrives', async () => {
        await store.rememberPinpointId(P1, '42', t(0));
        await store.recordConsent({ phone: P1, state: 'opted_in', source: 'rep', by: 'Ana', evidence: 'form', at: t(1), messageSid: null });
        await store.receiveInbound(inbound({ at: t(5) }));
        expect(await store.getContact(P1)).toMatchObject({ pinpointId: '42', consentState: 'opted_in', lastInboundAt: t(5) });
      });
    });

    describe('manager reports', () => {
      const HX_A = 'HX' + 'a'.repeat(32);
      const HX_B = 'HX' + 'b'.repeat(32);
      const FROM = '2025-01-15T00:00:00.000Z';
      const TO = '2025-01-17T00:00:00.000Z';
      const DAY2 = 86_400;

      /** An outbound message created at t(at) by `by`, then the given callbacks. */
      async function msg(id: string, by: 'Ana' | 'Bea', at: number, contentSid: string | null, callbacks: [Message['status'], number, number?][] = []): Promise<void> {
        await store.createOutbound(outbound({ id, sentBy: by, sentByTokenId: `tok_${by}`, createdAt: t(at), contentSid, body: contentSid ? null : 'Hi' }));
        await store.attachSid(id, `SM_${id}`, 'queued', t(at));
        for (const [s, when, code] of callbacks) await store.applyStatus(status(`SM_${id}`, s, t(when), code === undefined ? {} : { errorCode: code, errorMessage: 'x' }));
      }

      /**
       * Two reps, two templates and free-form over two days (2025-01-15 and -16), plus messages just
       * outside the range and an inbound one, which no report counts. Durations in the comments.
       */
      async function seed(): Promise<void> {
        await msg('m1', 'Ana', 0, HX_A, [['sent', 1], ['delivered', 3], ['read', 10]]); // delivered 3000, read 10000
        await msg('m2', 'Ana', 100, null, [['sent', 101], ['delivered', 102]]); // delivered 2000
        await msg('m3', 'Ana', DAY2, HX_A, [['sent', DAY2 + 1], ['undelivered', DAY2 + 5, 63016]]);
        await msg('m4', 'Bea', 200, HX_B, [['read', 204], ['delivered', 206]]); // read first: delivered 4000, read 4000
        await store.createOutbound(outbound({ id: 'm5', sentBy: 'Bea', sentByTokenId: 'tok_Bea', createdAt: t(DAY2 + 100), contentSid: HX_A, body: null }));
        await store.markSendFailed('m5', 21211, 'The phone number is not valid.', t(DAY2 + 101));
        await msg('m6', 'Bea', DAY2 + 200, null, [['sent', DAY2 + 201]]);
        await msg('m7', 'Bea', 300, HX_B, [['failed', 305]]); // failed without a code
        await msg('m8', 'Ana', -DAY2, HX_A, [['delivered', -DAY2 + 1]]); // the day before: outside
        await store.createOutbound(outbound({ id: 'm9', sentBy: 'Ana', sentByTokenId: 'tok_Ana', createdAt: TO })); // exactly `to`: outside
        await store.receiveInbound(inbound({ phone: P2, at: t(50) })); // inbound: never counted
      }

      const row = (key: string, sent: number, delivered: number, read: number, failed: number, medD: number | null, medR: number | null, failures: [number | null, number][]) => ({
        key, sent, delivered, read, failed,
        deliveryRate: sent ? delivered / sent : 0,
        readRate: delivered ? read / delivered : 0,
        medianToDeliveredMs: medD,
        medianToReadMs: medR,
        failuresByCode: failures.map(([code, count]) => ({ code, count, explanation: expect.any(String) })),
      });

      it('groups by rep, with totals over every message (medians of all durations, not of medians)', async () => {
        await seed();
        const r = await store.deliveryReport({ from: FROM, to: TO, groupBy: 'rep' });
        expect(r.rows).toEqual([
          row('Ana', 3, 2, 1, 1, 2500, 10000, [[63016, 1]]),
          row('Bea', 4, 1, 1, 2, 4000, 4000, [[21211, 1], [null, 1]]),
        ]);
        expect(r.totals).toEqual(row('total', 7, 3, 2, 3, 3000, 7000, [[21211, 1], [63016, 1], [null, 1]]));
        expect(r.totals.failuresByCode[1]!.explanation).toBe('The 24-hour reply window is closed. Choose an approved template.');
      });

      it('groups by template (free-form for messages without one) and by UTC day', async () => {
        await seed();
        const byTemplate = await store.deliveryReport({ from: FROM, to: TO, groupBy: 'template' });
        expect(byTemplate.rows).toEqual([
          row(HX_A, 3, 1, 1, 2, 3000, 10000, [[21211, 1], [63016, 1]]),
          row(HX_B, 2, 1, 1, 1, 4000, 4000, [[null, 1]]),
          row('free-form', 2, 1, 0, 0, 2000, null, []),
        ]);
        const byDay = await store.deliveryReport({ from: FROM, to: TO, groupBy: 'day' });
        expect(byDay.rows).toEqual([
          row('2025-01-15', 4, 3, 2, 1, 3000, 7000, [[null, 1]]),
          row('2025-01-16', 3, 0, 0, 2, null, null, [[21211, 1], [63016, 1]]),
        ]);
        expect(byDay.totals).toEqual(byTemplate.totals);
      });

      it('filters by rep, cuts days at a time-of-day range, and is empty outside any data', async () => {
        await seed();
        const bea = await store.deliveryReport({ from: FROM, to: TO, groupBy: 'day', rep: 'Bea' });
        expect(bea.rows.map((r) => [r.key, r.sent, r.delivered, r.failed])).toEqual([['2025-01-15', 2, 1, 1], ['2025-01-16', 2, 0, 1]]);
        expect((await store.deliveryReport({ from: FROM, to: TO, groupBy: 'rep', rep: 'Bea' })).rows.map((r) => r.key)).toEqual(['Bea']);
        expect((await store.deliveryReport({ from: FROM, to: TO, groupBy: 'template', rep: 'Ana' })).rows.map((r) => [r.key, r.sent])).toEqual([[HX_A, 2], ['free-form', 1]]);
        // 09:00:00 to 09:03:20 on the first day: m1 (t0) and m2 (t100) only; m4 at t200 is at `to`, so outside.
        const slice = await store.deliveryReport({ from: t(0), to: t(200), groupBy: 'day' });
        expect(slice.rows.map((r) => [r.key, r.sent])).toEqual([['2025-01-15', 2]]);
        const none = await store.deliveryReport({ from: '2030-01-01T00:00:00.000Z', to: '2030-02-01T00:00:00.000Z', groupBy: 'rep' });
        expect(none).toEqual({ rows: [], totals: row('total', 0, 0, 0, 0, null, null, []) });
      });

      it('pages outbound messages newest first, with filters, and no gap or repeat across pages', async () => {
        await seed();
        const ids = async (q: Omit<Parameters<Store['listMessagesPage']>[0], 'limit'>, limit = 100) => {
          const out: string[] = [];
          let cursor: string | null = null;
          for (let i = 0; i < 20; i++) {
            const page = await store.listMessagesPage({ ...q, cursor, limit });
            expect(page.messages.length).toBeLessThanOrEqual(limit);
            out.push(...page.messages.map((m) => m.id));
            cursor = page.nextCursor;
            if (cursor === null) return out;
          }
          throw new Error('did not end');
        };
        expect(await ids({}, 4)).toEqual(['m9', 'm6', 'm5', 'm3', 'm7', 'm4', 'm2', 'm1', 'm8']);
        const first = await store.listMessagesPage({ limit: 9 });
        expect(first.nextCursor).toBeNull();
        expect(first.messages.every((m) => m.direction === 'outbound')).toBe(true);
        expect(await ids({ rep: 'Bea' }, 3)).toEqual(['m6', 'm5', 'm7', 'm4']);
        expect(await ids({ status: 'undelivered' })).toEqual(['m3']);
        expect(await ids({ status: 'failed' })).toEqual(['m5', 'm7']);
        expect(await ids({ contentSid: 'free-form' })).toEqual(['m9', 'm6', 'm2']);
        expect(await ids({ contentSid: HX_A, from: FROM, to: TO }, 2)).toEqual(['m5', 'm3', 'm1']);
        expect(await ids({ rep: 'Ana', contentSid: HX_A, status: 'read', from: FROM, to: TO })).toEqual(['m1']);
        expect(await ids({ from: t(100), to: t(DAY2) })).toEqual(['m7', 'm4', 'm2']);
        expect(await ids({ rep: 'Nobody' })).toEqual([]);
      });

      it('pages through many messages of the same millisecond in store order, none twice', async () => {
        for (let i = 0; i < 7; i++) await store.createOutbound(outbound({ id: `same${i}`, createdAt: t(5) }));
        await store.createOutbound(outbound({ id: 'later', createdAt: t(6) }));
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: Awaited<ReturnType<Store['listMessagesPage']>> = await store.listMessagesPage({ cursor, limit: 3 });
          seen.push(...page.messages.map((m) => m.id));
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(seen).toEqual(['later', 'same6', 'same5', 'same4', 'same3', 'same2', 'same1', 'same0']);
      });

      it('summarises known contacts by PinPoint id: consent and the last message', async () => {
        await store.rememberPinpointId(P1, '42', t(0));
        await store.rememberPinpointId(P2, '7', t(0));
        await store.rememberPinpointId(P3, '1000', t(0));
        await store.recordConsent({ phone: P1, state: 'opted_in', source: 'rep', by: 'Ana', evidence: 'form', at: t(1), messageSid: null });
        await store.createOutbound(outbound({ phone: P1, createdAt: t(2) }));
        await store.receiveInbound(inbound({ phone: P1, at: t(3) }));
        await store.createOutbound(outbound({ id: 'p3msg', phone: P3, createdAt: t(4) }));
        await store.attachSid('p3msg', 'SM_p3', 'queued', t(4));
        await store.applyStatus(status('SM_p3', 'delivered', t(6)));
        expect(await store.contactSummaries(['1000', '42', '7', '999', '42'])).toEqual([
          { pinpointId: '7', phone: P2, consent: 'unknown', lastMessage: null },
          { pinpointId: '42', phone: P1, consent: 'opted_in', lastMessage: { direction: 'inbound', status: 'received', at: t(3) } },
          { pinpointId: '1000', phone: P3, consent: 'unknown', lastMessage: { direction: 'outbound', status: 'delivered', at: t(4) } },
        ]);
        expect(await store.contactSummaries(['999'])).toEqual([]);
        expect(await store.contactSummaries([])).toEqual([]);
      });
    });

    describe('replay of inbound messages (scope=mine)', () => {
      it('returns inbound messages after a cursor, only on phones the token messaged, in order', async () => {
        await store.createOutbound(outbound({ phone: P1, sentByTokenId: 'tok_a' }));
        await store.createOutbound(outbound({ phone: P2, sentByTokenId: 'tok_b' }));
        const a1 = (await store.receiveInbound(inbound({ phone: P1, at: t(10) }))).message;
        await store.receiveInbound(inbound({ phone: P2, at: t(11) }));
        await store.receiveInbound(inbound({ phone: P3, at: t(12) }));
        const a2 = (await store.receiveInbound(inbound({ phone: P1, at: t(13) }))).message;
        const a3 = (await store.receiveInbound(inbound({ phone: P1, at: t(14) }))).message;

        const all = await store.inboundSince('tok_a', START_CURSOR, 100);
        expect(all.map((m) => m.id)).toEqual([a1.id, a2.id, a3.id]);
        expect(all.every((m) => m.direction === 'inbound')).toBe(true);

        const c1 = messageCursor(all[0]!);
        expect(c1).toMatch(/^\d+$/);
        expect(messageCursor(a1)).toBe(c1);
        expect((await store.inboundSince('tok_a', c1!, 100)).map((m) => m.id)).toEqual([a2.id, a3.id]);
        expect((await store.inboundSince('tok_a', START_CURSOR, 2)).map((m) => m.id)).toEqual([a1.id, a2.id]);
        expect(await store.inboundSince('tok_a', messageCursor(a3)!, 100)).toEqual([]);
        expect(await store.inboundSince('tok_nobody', START_CURSOR, 100)).toEqual([]);
        expect((await store.inboundSince('tok_b', START_CURSOR, 100)).map((m) => m.phone)).toEqual([P2]);
      });

      it('includes inbound messages that arrived before the token’s first send to that phone', async () => {
        const early = (await store.receiveInbound(inbound({ phone: P1, at: t(1) }))).message;
        expect(await store.inboundSince('tok_a', START_CURSOR, 10)).toEqual([]);
        await store.createOutbound(outbound({ phone: P1 }));
        expect((await store.inboundSince('tok_a', START_CURSOR, 10)).map((m) => m.id)).toEqual([early.id]);
      });

      it('reads a malformed cursor as the start', async () => {
        await store.createOutbound(outbound({ phone: P1 }));
        await store.receiveInbound(inbound({ phone: P1 }));
        for (const bad of ['', 'abc', '-5', '1e3']) expect(await store.inboundSince('tok_a', bad, 10)).toHaveLength(1);
      });

      it('gives every message a cursor that never reaches the wire', async () => {
        const { message } = await store.createOutbound(outbound());
        const inb = (await store.receiveInbound(inbound())).message;
        expect(Number(messageCursor(inb))).toBeGreaterThan(Number(messageCursor(message)));
        expect(Object.keys(inb)).not.toContain('cursor');
        expect(JSON.parse(JSON.stringify(inb))).toEqual(inb);
        expect(messageCursor({ ...inb })).toBeNull();
        const [listed] = await store.listMessages(P1, 1);
        expect(messageCursor(listed!)).toBe(messageCursor(inb));
      });

      it('tells whether a token has messaged a phone', async () => {
        expect(await store.hasMessaged('tok_a', P1)).toBe(false);
        await store.receiveInbound(inbound({ phone: P1 }));
        expect(await store.hasMessaged('tok_a', P1)).toBe(false);
        await store.createOutbound(outbound({ phone: P1 }));
        expect(await store.hasMessaged('tok_a', P1)).toBe(true);
        expect(await store.hasMessaged('tok_a', P2)).toBe(false);
        expect(await store.hasMessaged('tok_b', P1)).toBe(false);
      });
    });

    describe('data care', () => {
      const consent = (over: Partial<Parameters<Store['recordConsent']>[0]> = {}) => ({
        phone: P1, state: 'opted_in' as const, source: 'rep' as const, by: 'Ana', evidence: 'Agreed on the phone', at: t(5), messageSid: null, ...over,
      });
      const HX = 'HX' + 'c'.repeat(32);

      it('retention blanks body, variables and content extras of old messages only, once, and keeps status, times and reports', async () => {
        await store.recordConsent(consent());
        const oldOut = await sent('SM_old', { createdAt: t(0), body: null, contentSid: HX, variables: { '1': 'Maria' } });
        await store.applyStatus(status('SM_old', 'delivered', t(3)));
        const oldIn = (await store.receiveInbound(inbound({ at: t(20), meta: { NumMedia: '0', ButtonText: 'Yes please', ButtonPayload: 'yes', Latitude: '-23.5', Longitude: '-46.6' } }))).message;
        const newOut = await sent('SM_new', { createdAt: t(6000), body: 'Still here' });
        const newIn = (await store.receiveInbound(inbound({ at: t(6001), meta: { NumMedia: '0', ButtonText: 'No' } }))).message;
        const range = { from: t(-3600), to: t(7200), groupBy: 'rep' as const };
        const reportBefore = await store.deliveryReport(range);
        const historyBefore = await store.consentHistory(P1);
        const before = await store.getMessage(oldOut.id);

        expect(await store.purgeBodies(t(5000), t(9000))).toBe(2);

        expect(await store.getMessage(oldOut.id)).toEqual({ ...before, body: null, variables: null, bodyPurgedAt: t(9000) });
        expect(await store.getMessage(oldIn.id)).toEqual({ ...oldIn, body: null, bodyPurgedAt: t(9000) });
        // Newer messages are untouched, and carry no marker at all.
        const keptOut = await store.getMessage(newOut.id);
        expect(keptOut).toEqual(newOut);
        expect(keptOut).not.toHaveProperty('bodyPurgedAt');
        expect(await store.getMessage(newIn.id)).toEqual(newIn);
        const exported = await store.exportContact(P1);
        expect(exported.messages.map((m) => [m.id, m.meta])).toEqual([
          [oldOut.id, {}],
          [oldIn.id, { NumMedia: '0' }],
          [newOut.id, {}],
          [newIn.id, { NumMedia: '0', ButtonText: 'No' }],
        ]);
        expect(await store.deliveryReport(range)).toEqual(reportBefore);
        expect(await store.consentHistory(P1)).toEqual(historyBefore);
        expect((await store.getContact(P1))?.consentState).toBe('opted_in');

        // A re-run purges nothing twice, and only runs that purged something are audited.
        expect(await store.purgeBodies(t(5000), t(9500))).toBe(0);
        expect((await store.getMessage(oldOut.id))?.bodyPurgedAt).toBe(t(9000));
        expect(await store.auditEvents()).toEqual([
          { id: expect.any(Number), at: t(9000), actor: 'retention', action: 'retention.purged', phone: null, detail: { messages: 2, before: t(5000) } },
        ]);
        expect(await store.auditEvents(P1)).toEqual([]);
      });

      it('retention on an empty store, or with nothing old enough, purges nothing', async () => {
        expect(await store.purgeBodies(t(0))).toBe(0);
        await store.createOutbound(outbound({ createdAt: t(100) }));
        expect(await store.purgeBodies(t(100))).toBe(0);
        expect(await store.auditEvents()).toEqual([]);
        await expect(store.purgeBodies('not a time')).rejects.toThrow(RangeError);
      });

      it('deleting a contact removes its messages and profile, keeps its consent history and current consent, and audits the deletion', async () => {
        await store.rememberPinpointId(P1, '42', t(0));
        await store.recordConsent(consent());
        const out = await store.createOutbound(outbound({ phone: P1, createdAt: t(1) }));
        // A callback that beat the create answer is kept by sid; it goes with the message.
        expect(await store.applyStatus(status('SM_p1', 'delivered', t(3)))).toEqual({ kind: 'unknown' });
        await store.attachSid(out.message.id, 'SM_p1', 'queued', t(2));
        await store.receiveInbound(inbound({ phone: P1, at: t(10) }));
        await store.receiveInbound(inbound({ phone: P1, at: t(11), body: 'STOP' }));
        await store.recordConsent(consent({ state: 'opted_out', source: 'keyword', by: 'contact', evidence: 'The contact sent "STOP"', at: t(11), messageSid: 'SM_stop' }));
        const other = await sent('SM_p2', { phone: P2 });
        const historyBefore = await store.consentHistory(P1);
        expect(historyBefore).toHaveLength(2);

        expect(await store.deleteContactData(P1, t(100), 'Admin Ada')).toEqual({ messages: 3 });

        expect(await store.listMessages(P1, 100)).toEqual([]);
        expect(await store.getMessage(out.message.id)).toBeNull();
        expect(await store.getContact(P1)).toEqual({
          phone: P1, profileName: null, waId: null, pinpointId: null, lastInboundAt: null,
          consentState: 'opted_out', consentSource: 'keyword', consentAt: t(11), consentBy: 'contact', consentEvidence: 'The contact sent "STOP"',
        });
        expect(await store.consentHistory(P1)).toEqual(historyBefore);
        expect(await store.contactSummaries(['42'])).toEqual([]);
        expect(await store.auditEvents(P1)).toEqual([
          { id: expect.any(Number), at: t(100), actor: 'Admin Ada', action: 'contact.deleted', phone: P1, detail: { messages: 3 } },
        ]);
        // Another contact is untouched.
        expect(await store.listMessages(P2, 10)).toEqual([other]);
        // The kept callback went too: a message given that sid again starts clean.
        const again = await store.createOutbound(outbound({ phone: P3, createdAt: t(200) }));
        expect((await store.attachSid(again.message.id, 'SM_p1', 'queued', t(201))).statusTimes).toEqual({ queued: t(200) });
        // Consent still works on the kept contact row.
        expect((await store.recordConsent(consent({ at: t(300), evidence: 'Asked to hear from us again' }))).consentState).toBe('opted_in');
      });

      it('deleting an unknown phone, or one already deleted, deletes nothing but is still audited', async () => {
        expect(await store.deleteContactData(P3, t(1), 'Admin Ada')).toEqual({ messages: 0 });
        expect(await store.getContact(P3)).toBeNull();
        expect(await store.deleteContactData(P3, t(2), 'Admin Bo')).toEqual({ messages: 0 });
        expect((await store.auditEvents(P3)).map((e) => [e.actor, e.at, e.detail])).toEqual([
          ['Admin Ada', t(1), { messages: 0 }],
          ['Admin Bo', t(2), { messages: 0 }],
        ]);
        await expect(store.deleteContactData(P3, 'yesterday', 'Admin Ada')).rejects.toThrow(RangeError);
      });

      it('exports everything held about a phone: contact, consent history, messages with their extras, audit', async () => {
        await store.rememberPinpointId(P1, '42', t(0));
        await store.recordConsent(consent());
        const out = await sent('SM_e1', { phone: P1, contentSid: HX, body: null, variables: { '1': 'Maria' } });
        await store.applyStatus(status('SM_e1', 'read', t(4)));
        const inb = (await store.receiveInbound(inbound({ phone: P1, at: t(10), meta: { NumMedia: '1', MediaContentType0: 'image/jpeg' } }))).message;
        await sent('SM_e2', { phone: P2 });

        const e = await store.exportContact(P1);
        expect(e.contact).toEqual(await store.getContact(P1));
        expect(e.contact).toMatchObject({ pinpointId: '42', profileName: 'Maria', consentState: 'opted_in' });
        expect(e.consentHistory).toEqual(await store.consentHistory(P1));
        expect(e.messages).toEqual([
          { ...(await store.getMessage(out.id)), meta: {} },
          { ...inb, meta: { NumMedia: '1', MediaContentType0: 'image/jpeg' } },
        ]);
        expect(e.messages[0]).toMatchObject({ status: 'read', variables: { '1': 'Maria' } });
        expect(e.audit).toEqual([]);
        expect(JSON.parse(JSON.stringify(e))).toEqual(e);

        await store.deleteContactData(P1, t(50), 'Admin Ada');
        const after = await store.exportContact(P1);
        expect(after.messages).toEqual([]);
        expect(after.consentHistory).toEqual(e.consentHistory);
        expect(after.audit.map((a) => a.action)).toEqual(['contact.deleted']);

        expect(await store.exportContact(P3)).toEqual({ contact: null, consentHistory: [], messages: [], audit: [] });
      });
    });
  });
}
