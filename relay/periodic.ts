/**
 * The relay's background jobs (retention, the reconciler): run once at start, then every
 * `intervalMs`, never two runs at a time. A run's error is logged, not thrown; nothing is logged after
 * a stop (the store may be closing under a late run). Stops by itself when the relay shuts down, or
 * when the returned function is called. The timer never keeps the process alive.
 */
import type { Logger } from './log.ts';

export interface PeriodicDeps {
  log: Logger;
  shutdown?: AbortSignal;
}

export function startPeriodic(deps: PeriodicDeps, name: string, intervalMs: number, run: (stopped: () => boolean) => Promise<void>): () => void {
  let stopped = false;
  let running = false;
  const once = async () => {
    if (stopped || running) return;
    running = true;
    try {
      await run(() => stopped);
    } catch (err) {
      if (!stopped) deps.log.error(`${name}.failed`, { error: err instanceof Error ? err.message : String(err) });
    } finally {
      running = false;
    }
  };
  const first = setImmediate(() => void once());
  const timer = setInterval(() => void once(), intervalMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearImmediate(first);
    clearInterval(timer);
  };
  if (deps.shutdown?.aborted) stop();
  deps.shutdown?.addEventListener('abort', stop, { once: true });
  return stop;
}
