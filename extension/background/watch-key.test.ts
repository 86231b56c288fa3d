import { describe, expect, it } from 'vitest';
import { phoneEventsPath } from './live-stream.ts';
import { ALL_EVENTS_PATH, ALL_KEY, eventsPathFor, watchKeyOf } from './watch-key.ts';

describe('watch keys', () => {
  it('one phone: the panel, as before (trimmed, E.164 only)', () => {
    expect(watchKeyOf({ type: 'watch', phone: ' +5511987654321 ' })).toBe('+5511987654321');
    expect(eventsPathFor('+5511987654321')).toBe(phoneEventsPath('+5511987654321'));
    expect(watchKeyOf({ type: 'watch', phone: '011 9876' })).toBeNull();
  });

  it('several phones: one sorted, de-duplicated key and a repeated `phone` parameter', () => {
    const key = watchKeyOf({ type: 'watch', phones: ['+5521987654321', '+5511987654321', '+5521987654321'] });
    expect(key).toBe('+5511987654321,+5521987654321');
    expect(eventsPathFor(key!)).toBe('/v1/events?phone=%2B5511987654321&phone=%2B5521987654321');
    // The same set in another order shares the stream.
    expect(watchKeyOf({ type: 'watch', phones: ['+5511987654321', '+5521987654321'] })).toBe(key);
  });

  it('refuses empty, oversized or invalid phone lists', () => {
    expect(watchKeyOf({ type: 'watch', phones: [] })).toBeNull();
    expect(watchKeyOf({ type: 'watch', phones: ['+5511987654321', 'nope'] })).toBeNull();
    const many = Array.from({ length: 51 }, (_, i) => `+55119876${String(i).padStart(5, '0')}`);
    expect(watchKeyOf({ type: 'watch', phones: many })).toBeNull();
    expect(watchKeyOf({ type: 'watch', phones: many.slice(0, 50) })).not.toBeNull();
  });

  it('the team stream for the dashboard', () => {
    expect(watchKeyOf({ type: 'watch', scope: 'all' })).toBe(ALL_KEY);
    expect(eventsPathFor(ALL_KEY)).toBe(ALL_EVENTS_PATH);
    expect(watchKeyOf({ type: 'watch', scope: 'mine' })).toBeNull();
    expect(watchKeyOf({ type: 'ping' })).toBeNull();
    expect(watchKeyOf(null)).toBeNull();
  });
});
