import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from './config.ts';
import { createLogger } from './log.ts';
import { RETENTION_INTERVAL_MS, startRetention, type RetentionDeps } from './retention.ts';
import type { Store } from './store/store.ts';

const NOW = new Date('2025-03-01T12:00:00.000Z');

function deps(env: Record<string, string>, purge = vi.fn(async () => 2)) {
  const shutdown = new AbortController();
  const lines: string[] = [];
  const d: RetentionDeps = {
    config: parseConfig(env),
    store: { purgeBodies: purge } as unknown as Store,
    clock: () => NOW,
    log: createLogger('info', { write: (l) => lines.push(l) }),
    shutdown: shutdown.signal,
  };
  return { d, purge, shutdown, lines };
}

describe('startRetention', () => {
  afterEach(() => vi.useRealTimers());

  it('does nothing when BODY_RETENTION_DAYS is unset', async () => {
    const { d, purge } = deps({});
    startRetention(d)();
    await new Promise((r) => setTimeout(r, 10));
    expect(purge).not.toHaveBeenCalled();
  });

  it('purges at once, then every 6 hours, and stops when the relay shuts down', async () => {
    vi.useFakeTimers({ toFake: ['setImmediate', 'setInterval', 'clearImmediate', 'clearInterval'] });
    const { d, purge, shutdown, lines } = deps({ BODY_RETENTION_DAYS: '30' });
    startRetention(d);
    await vi.advanceTimersToNextTimerAsync();
    expect(purge).toHaveBeenCalledTimes(1);
    expect(purge).toHaveBeenCalledWith('2025-01-30T12:00:00.000Z', NOW.toISOString());
    expect(JSON.parse(lines[0]!)).toMatchObject({ msg: 'retention.purged', days: 30, messages: 2, before: '2025-01-30T12:00:00.000Z' });
    await vi.advanceTimersByTimeAsync(RETENTION_INTERVAL_MS);
    expect(purge).toHaveBeenCalledTimes(2);
    shutdown.abort();
    await vi.advanceTimersByTimeAsync(3 * RETENTION_INTERVAL_MS);
    expect(purge).toHaveBeenCalledTimes(2);
  });

  it('logs a failed run and tries again at the next interval', async () => {
    vi.useFakeTimers({ toFake: ['setImmediate', 'setInterval', 'clearImmediate', 'clearInterval'] });
    const purge = vi.fn(async () => {
      throw new Error('database is locked');
    });
    const { d, lines } = deps({ BODY_RETENTION_DAYS: '7' }, purge);
    const stop = startRetention(d);
    await vi.advanceTimersToNextTimerAsync();
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', msg: 'retention.failed', error: 'database is locked' });
    await vi.advanceTimersByTimeAsync(RETENTION_INTERVAL_MS);
    expect(purge).toHaveBeenCalledTimes(2);
    stop();
  });
});
