import { describe, expect, it } from 'vitest';
import { daysBetween, defaultRange, formatDuration, isDay, localDay } from './format.ts';
import { dashboardT } from './strings.ts';

const t = dashboardT('en');

describe('dashboard formatting', () => {
  it.each([
    [null, '—'],
    [400, '1 s'],
    [45_000, '45 s'],
    [59_000, '59 s'],
    [60_000, '1 min'],
    [120_000, '2 min'],
    [3_540_000, '59 min'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
    [26 * 3_600_000, '1 d 2 h'],
  ] as const)('%s ms → %s', (ms, text) => {
    expect(formatDuration(ms, t)).toBe(text);
  });

  it('the default range is the last 30 days, today included, in local days', () => {
    expect(defaultRange(new Date(2026, 10, 30, 23, 59))).toEqual({ from: '2026-11-01', to: '2026-11-30' });
    expect(defaultRange(new Date(2026, 2, 1, 0, 5))).toEqual({ from: '2026-01-31', to: '2026-03-01' });
    expect(localDay(new Date(2026, 0, 5))).toBe('2026-01-05');
  });

  it('lists every day of a range', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    expect(daysBetween('2026-03-02', '2026-03-01')).toEqual([]);
    expect(daysBetween('nope', '2026-03-01')).toEqual([]);
    expect(isDay('2026-13-40')).toBe(false);
  });
});
