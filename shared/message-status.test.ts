import { describe, it, expect } from 'vitest';
import { MESSAGE_STATUSES } from './api.ts';
import {
  STATUS_RANK, FAILURE_STATUSES, isFailure, isTerminal, advanceStatus, tickFor, type MessageStatus,
} from './message-status.ts';

/** Apply a sequence of callbacks in the order they arrived. */
const applyAll = (start: MessageStatus, incoming: MessageStatus[]): MessageStatus => incoming.reduce(advanceStatus, start);

describe('STATUS_RANK', () => {
  it('ranks every status the schema knows', () => {
    expect(Object.keys(STATUS_RANK).sort()).toEqual([...MESSAGE_STATUSES].sort());
  });

  it('orders the outbound and inbound ladders', () => {
    expect(STATUS_RANK.queued).toBe(0);
    expect(STATUS_RANK.accepted).toBe(0);
    expect(STATUS_RANK.scheduled).toBe(0);
    expect(STATUS_RANK.sending).toBe(1);
    expect(STATUS_RANK.sent).toBe(2);
    expect(STATUS_RANK.delivered).toBe(3);
    expect(STATUS_RANK.partially_delivered).toBe(3);
    expect(STATUS_RANK.read).toBe(4);
    expect(STATUS_RANK.receiving).toBe(0);
    expect(STATUS_RANK.received).toBe(1);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(STATUS_RANK)).toBe(true);
    expect(Object.isFrozen(FAILURE_STATUSES)).toBe(true);
  });
});

describe('isFailure / isTerminal', () => {
  it('knows the failures', () => {
    expect([...FAILURE_STATUSES].sort()).toEqual(['canceled', 'failed', 'undelivered']);
    for (const s of MESSAGE_STATUSES) expect(isFailure(s), s).toBe(FAILURE_STATUSES.includes(s));
  });

  it('treats failures, read and received as terminal', () => {
    const terminal = MESSAGE_STATUSES.filter(isTerminal).sort();
    expect(terminal).toEqual(['canceled', 'failed', 'read', 'received', 'undelivered']);
  });
});

describe('advanceStatus', () => {
  it('moves forward along the ladder', () => {
    expect(advanceStatus('queued', 'sending')).toBe('sending');
    expect(advanceStatus('accepted', 'sent')).toBe('sent');
    expect(advanceStatus('sent', 'delivered')).toBe('delivered');
    expect(advanceStatus('delivered', 'read')).toBe('read');
    expect(advanceStatus('queued', 'read')).toBe('read'); // skipping rungs is fine
    expect(advanceStatus('receiving', 'received')).toBe('received');
  });

  it('ignores same, backward and sideways moves', () => {
    expect(advanceStatus('sent', 'sent')).toBe('sent');
    expect(advanceStatus('delivered', 'sent')).toBe('delivered');
    expect(advanceStatus('read', 'delivered')).toBe('read');
    expect(advanceStatus('sending', 'queued')).toBe('sending');
    expect(advanceStatus('accepted', 'queued')).toBe('accepted');
    expect(advanceStatus('delivered', 'partially_delivered')).toBe('delivered');
  });

  it('accepts a failure only before delivery', () => {
    expect(advanceStatus('queued', 'failed')).toBe('failed');
    expect(advanceStatus('sending', 'undelivered')).toBe('undelivered');
    expect(advanceStatus('sent', 'undelivered')).toBe('undelivered');
    expect(advanceStatus('scheduled', 'canceled')).toBe('canceled');
    expect(advanceStatus('delivered', 'failed')).toBe('delivered');
    expect(advanceStatus('partially_delivered', 'undelivered')).toBe('partially_delivered');
    expect(advanceStatus('read', 'undelivered')).toBe('read');
  });

  it('never leaves a terminal status', () => {
    for (const terminal of MESSAGE_STATUSES.filter(isTerminal)) {
      for (const incoming of MESSAGE_STATUSES) expect(advanceStatus(terminal, incoming), `${terminal}←${incoming}`).toBe(terminal);
    }
  });

  it('never mixes the inbound and outbound ladders', () => {
    expect(advanceStatus('queued', 'received')).toBe('queued');
    expect(advanceStatus('receiving', 'sent')).toBe('receiving');
  });

  it('reaches the same end whatever order out-of-order callbacks arrive in', () => {
    const callbacks: MessageStatus[] = ['sending', 'sent', 'delivered', 'read'];
    const permutations = (xs: MessageStatus[]): MessageStatus[][] =>
      xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const order of permutations(callbacks)) expect(applyAll('queued', order), order.join(',')).toBe('read');
    // Duplicates are harmless
    expect(applyAll('queued', ['sent', 'sent', 'delivered', 'sent', 'delivered'])).toBe('delivered');
  });

  it('is monotonic: the result never ranks below current unless a pre-delivery failure', () => {
    for (const current of MESSAGE_STATUSES) {
      for (const incoming of MESSAGE_STATUSES) {
        const next = advanceStatus(current, incoming);
        expect([current, incoming]).toContain(next);
        if (next !== current && !isFailure(next)) expect(STATUS_RANK[next]).toBeGreaterThan(STATUS_RANK[current]);
      }
    }
  });

  it('keeps the current status when a webhook sends garbage', () => {
    expect(advanceStatus('sent', 'bogus' as MessageStatus)).toBe('sent');
    expect(advanceStatus('sent', '__proto__' as MessageStatus)).toBe('sent');
    expect(advanceStatus('sent', 'toString' as MessageStatus)).toBe('sent');
    expect(advanceStatus('sent', undefined as unknown as MessageStatus)).toBe('sent');
  });
});

describe('tickFor', () => {
  it.each([
    ['queued', 'pending'], ['accepted', 'pending'], ['scheduled', 'pending'], ['sending', 'pending'],
    ['sent', 'sent'], ['delivered', 'delivered'], ['partially_delivered', 'delivered'], ['read', 'read'],
    ['failed', 'failed'], ['undelivered', 'failed'], ['canceled', 'failed'],
    ['receiving', 'received'], ['received', 'received'],
  ] as const)('%s → %s', (status, tick) => {
    expect(tickFor(status)).toBe(tick);
  });

  it('does not crash on an unknown status', () => {
    expect(tickFor('bogus' as MessageStatus)).toBe('pending');
  });
});
