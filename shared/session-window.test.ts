import { describe, it, expect } from 'vitest';
import { SESSION_WINDOW_MS, sessionFromLastInbound, remainingMs, formatCountdown } from './session-window.ts';

const HOUR = 60 * 60 * 1000;
const last = '2025-06-01T10:00:00.000Z';
const at = (iso: string): Date => new Date(iso);

describe('sessionFromLastInbound', () => {
  it('is 24 hours long', () => {
    expect(SESSION_WINDOW_MS).toBe(86_400_000);
  });

  it('is open inside the window and reports when it closes', () => {
    expect(sessionFromLastInbound(last, at('2025-06-01T10:00:00.000Z'))).toEqual({
      state: 'open', expiresAt: '2025-06-02T10:00:00.000Z', lastInboundAt: last,
    });
    expect(sessionFromLastInbound(last, at('2025-06-02T09:59:59.999Z')).state).toBe('open');
  });

  it('closes at exactly 24 hours (strict)', () => {
    expect(sessionFromLastInbound(last, at('2025-06-02T10:00:00.000Z'))).toEqual({
      state: 'closed', expiresAt: '2025-06-02T10:00:00.000Z', lastInboundAt: last,
    });
    expect(sessionFromLastInbound(last, at('2025-07-01T00:00:00.000Z')).state).toBe('closed');
  });

  it('accepts a Date and normalises other ISO forms', () => {
    expect(sessionFromLastInbound(new Date(last), at('2025-06-01T12:00:00Z')).expiresAt).toBe('2025-06-02T10:00:00.000Z');
    expect(sessionFromLastInbound('2025-06-01T12:00:00+02:00', at('2025-06-01T12:00:00Z'))).toEqual({
      state: 'open', expiresAt: '2025-06-02T10:00:00.000Z', lastInboundAt: last,
    });
  });

  it('is closed with nulls when no inbound is known or the time is junk', () => {
    const closed = { state: 'closed', expiresAt: null, lastInboundAt: null };
    for (const v of [null, undefined, '', '   ', 'yesterday', '<script>', new Date(NaN), 'x'.repeat(100_000)]) {
      expect(sessionFromLastInbound(v, at(last)), String(v).slice(0, 20)).toEqual(closed);
    }
  });

  it('counts a last inbound slightly in the future (clock skew) as open', () => {
    expect(sessionFromLastInbound('2025-06-01T10:00:05Z', at(last)).state).toBe('open');
  });

  it('fails closed on an invalid now', () => {
    expect(sessionFromLastInbound(last, new Date(NaN)).state).toBe('closed');
  });
});

describe('remainingMs', () => {
  it('counts down to expiry', () => {
    expect(remainingMs('2025-06-02T10:00:00.000Z', at(last))).toBe(24 * HOUR);
    expect(remainingMs('2025-06-02T10:00:00.000Z', at('2025-06-02T09:45:00.000Z'))).toBe(15 * 60 * 1000);
  });

  it('is 0 when closed, null or junk', () => {
    expect(remainingMs('2025-06-02T10:00:00.000Z', at('2025-06-02T10:00:00.000Z'))).toBe(0);
    expect(remainingMs('2025-06-02T10:00:00.000Z', at('2025-06-03T10:00:00.000Z'))).toBe(0);
    expect(remainingMs(null, at(last))).toBe(0);
    expect(remainingMs('soon', at(last))).toBe(0);
    expect(remainingMs('2025-06-02T10:00:00.000Z', new Date(NaN))).toBe(0);
  });

  it('agrees with sessionFromLastInbound', () => {
    const now = at('2025-06-01T20:30:00.000Z');
    const s = sessionFromLastInbound(last, now);
    expect(remainingMs(s.expiresAt, now)).toBe(13.5 * HOUR);
  });
});

describe('formatCountdown', () => {
  it.each([
    [24 * HOUR - 60_000, '23h 59m'],
    [24 * HOUR, '24h 00m'],
    [HOUR, '1h 00m'],
    [HOUR + 5 * 60_000, '1h 05m'],
    [HOUR - 1000, '59m 59s'],
    [15 * 60_000 + 3000, '15m 03s'],
    [60_000, '1m 00s'],
    [59_000, '59s'],
    [1, '1s'], // rounds up: still open
    [0, '0s'],
    [-5000, '0s'],
    [NaN, '0s'],
    [Infinity, '0s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatCountdown(ms)).toBe(text);
  });
});
