// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { applyLiveEvent, mergeFetched, upsertMessage } from './apply-live-event.ts';
import { makeContact, makeMessage, NOW, PHONE } from './fake-bridge.ts';

describe('applyLiveEvent', () => {
  it('ignores events for another phone', () => {
    const contact = makeContact();
    const next = applyLiveEvent(contact, { type: 'consent.changed', phone: '+14155550100', consent: { ...contact.consent, state: 'opted_out' } }, NOW);
    expect(next).toBe(contact);
  });

  it('keeps statuses forward-only and unions statusTimes', () => {
    const m = makeMessage({ id: 'a', status: 'read', statusTimes: { read: '2025-05-12T11:05:00.000Z' } });
    const contact = makeContact({ messages: [m] });
    const next = applyLiveEvent(contact, { type: 'message.status', phone: PHONE, message: { ...m, status: 'delivered', statusTimes: { delivered: '2025-05-12T11:04:00.000Z' } } }, NOW);
    expect(next.messages[0]?.status).toBe('read');
    expect(next.messages[0]?.statusTimes).toEqual({ read: '2025-05-12T11:05:00.000Z', delivered: '2025-05-12T11:04:00.000Z' });
  });

  it('opens the window from an inbound message', () => {
    const at = new Date(NOW.getTime() - 1000).toISOString();
    const next = applyLiveEvent(makeContact(), { type: 'message.inbound', phone: PHONE, message: makeMessage({ id: 'in', direction: 'inbound', status: 'received', createdAt: at }) }, NOW);
    expect(next.session.state).toBe('open');
    expect(next.session.lastInboundAt).toBe(at);
  });

  it('inserts by createdAt and matches by sid when ids differ', () => {
    const a = makeMessage({ id: 'a', createdAt: '2025-05-12T10:00:00.000Z' });
    const c = makeMessage({ id: 'c', createdAt: '2025-05-12T12:00:00.000Z' });
    const b = makeMessage({ id: 'b', createdAt: '2025-05-12T11:00:00.000Z' });
    expect(upsertMessage([a, c], b).map((m) => m.id)).toEqual(['a', 'b', 'c']);
    expect(upsertMessage([a], { ...a, id: 'other', status: 'sent' })).toHaveLength(1);
  });
});

describe('mergeFetched', () => {
  it('trusts the GET but never lets it move a status back, and keeps messages newer than the request', () => {
    const local = makeContact({
      messages: [
        makeMessage({ id: 'a', status: 'read' }),
        makeMessage({ id: 'gone', status: 'sent', createdAt: '2025-05-12T09:00:00.000Z' }),
        makeMessage({ id: 'fresh', status: 'queued', createdAt: '2025-05-12T12:00:01.000Z' }),
      ],
    });
    const fetched = makeContact({ messages: [makeMessage({ id: 'a', status: 'delivered' })] });
    const merged = mergeFetched(local, fetched, NOW.toISOString());
    expect(merged.messages.map((m) => [m.id, m.status])).toEqual([['a', 'read'], ['fresh', 'queued']]);
  });
});
