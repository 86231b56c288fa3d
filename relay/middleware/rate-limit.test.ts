import { describe, expect, it } from 'vitest';
import { createTokenBuckets } from './rate-limit.ts';

describe('token buckets', () => {
  it('allows a burst, then the sustained rate, per token', () => {
    let now = 0;
    const b = createTokenBuckets({ perSecond: 2, burst: 3, now: () => now });
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0]);
    expect(b.take('a')).toBe(1);
    expect(b.take('b')).toBe(0); // another token has its own bucket
    now += 500; // half a second refills one token at 2/s
    expect(b.take('a')).toBe(0);
    expect(b.take('a')).toBeGreaterThan(0);
    now += 10_000;
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([0, 0, 0, 1]);
  });
});
