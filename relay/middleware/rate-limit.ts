/**
 * Per-token rate limit (token bucket): a rep's runaway script or a stuck retry loop must not eat the
 * WhatsApp sender's limits or the relay's capacity for everyone else. Refusals are 429 RATE_LIMITED
 * with Retry-After. In memory per instance: each instance of a multi-instance deployment applies it on its own.
 */
import type { MiddlewareHandler } from 'hono';
import { RelayError } from '../errors.ts';
import type { AppEnv } from './api-auth.ts';

export interface RateLimitOptions {
  /** Sustained requests per second per token. */
  perSecond: number;
  /** Burst size. */
  burst: number;
  now?: () => number;
  onLimited?: () => void;
}

export function createTokenBuckets(opts: RateLimitOptions) {
  const now = opts.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one token; returns 0 when allowed, else the seconds to wait. */
    take(id: string): number {
      const t = now();
      const b = buckets.get(id) ?? { tokens: opts.burst, at: t };
      b.tokens = Math.min(opts.burst, b.tokens + ((t - b.at) / 1000) * opts.perSecond);
      b.at = t;
      buckets.set(id, b);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
      }
      // Idle buckets refill to full; drop them so the map does not grow with every token ever seen.
      if (buckets.size > 10_000) for (const [k, v] of buckets) if (t - v.at > 60_000) buckets.delete(k);
      return Math.ceil((1 - b.tokens) / opts.perSecond);
    },
  };
}

export function rateLimit(opts: RateLimitOptions): MiddlewareHandler<AppEnv> {
  const buckets = createTokenBuckets(opts);
  return async (c, next) => {
    const wait = buckets.take(c.get('actor').tokenId);
    if (wait > 0) {
      opts.onLimited?.();
      c.header('Retry-After', String(wait));
      throw new RelayError('RATE_LIMITED', `Too many requests for this token. Try again in ${wait} s.`);
    }
    await next();
  };
}
