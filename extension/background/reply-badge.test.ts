import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../shared/events.ts';
import { BADGE_KEY, ReplyBadge, badgeText, type KeyValueArea } from './reply-badge.ts';
import { sampleMessage } from './test-server.ts';

function area(initial: Record<string, unknown> = {}) {
  const data: Record<string, unknown> = structuredClone(initial);
  const store: KeyValueArea & { data: Record<string, unknown> } = {
    data,
    get: async (key) => (key in data ? { [key]: structuredClone(data[key]) } : {}),
    set: async (items) => void Object.assign(data, structuredClone(items)),
  };
  return store;
}

function view() {
  const texts: string[] = [];
  const titles: string[] = [];
  return { texts, titles, setText: (t: string) => void texts.push(t), setTitle: (t: string) => void titles.push(t) };
}

const inbound = (phone: string, id: string): LiveEvent => ({
  type: 'message.inbound',
  phone,
  message: { ...sampleMessage, id, phone, direction: 'inbound', status: 'received' },
});

describe('reply badge', () => {
  it('counts inbound replies once each, per phone, and remembers the cursor', async () => {
    const a = area();
    const v = view();
    const badge = new ReplyBadge(a, v);
    await badge.onEvent(inbound('+5511987654321', 'm1'), '1');
    await badge.onEvent(inbound('+5511987654321', 'm1'), '1'); // replayed after a reconnect
    await badge.onEvent(inbound('+5511987654321', 'm2'), '2');
    await badge.onEvent(inbound('+14155550100', 'm3'), '3');
    await badge.onEvent({ type: 'message.status', phone: '+14155550100', message: sampleMessage }, '4');
    expect(badge.total).toBe(3);
    expect(v.texts.at(-1)).toBe('3');
    expect(v.titles.at(-1)).toMatch(/3 new replies/);
    expect(a.data[BADGE_KEY]).toEqual({ unread: { '+5511987654321': ['m1', 'm2'], '+14155550100': ['m3'] }, lastEventId: '4' });
    expect(await badge.lastEventId()).toBe('4');
  });

  it('clears a phone when its replies are seen, and resets', async () => {
    const badge = new ReplyBadge(area(), view());
    await Promise.all([badge.onEvent(inbound('+5511987654321', 'm1'), '1'), badge.onEvent(inbound('+14155550100', 'm2'), '2')]);
    await badge.seen('+5511987654321');
    expect(badge.total).toBe(1);
    expect(badge.countFor('+14155550100')).toBe(1);
    await badge.reset();
    expect(badge.total).toBe(0);
    expect(await badge.lastEventId()).toBeUndefined();
  });

  it('restores its state after the worker restarts and tolerates garbage', async () => {
    const a = area({ [BADGE_KEY]: { unread: { '+5511987654321': ['m1', 7], bad: 'x' }, lastEventId: '9' } });
    const v = view();
    const badge = new ReplyBadge(a, v);
    await badge.load();
    expect(badge.total).toBe(1);
    expect(v.texts).toEqual(['1']);
    expect(await badge.lastEventId()).toBe('9');
  });

  it('formats the badge text', () => {
    expect([badgeText(0), badgeText(5), badgeText(99), badgeText(150)]).toEqual(['', '5', '99', '99+']);
  });
});
