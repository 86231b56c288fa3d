/**
 * Retention of message bodies (BODY_RETENTION_DAYS): bodies, template variables and the content
 * extras of messages older than the configured number of days are removed by the store's
 * purgeBodies; status, times, sender and sid stay, so reports and audit are unchanged. The relay
 * runs it once at start and every 6 hours (startRetention); admins can run it now with
 * `npm run relay -- retention run` (runRetention). With several relays on PostgreSQL each runs it;
 * a message is purged once (the store skips purged rows), so that only splits the work.
 */
import type { Deps } from './deps.ts';
import { startPeriodic } from './periodic.ts';

export const RETENTION_INTERVAL_MS = 6 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export type RetentionDeps = Pick<Deps, 'config' | 'store' | 'clock' | 'log'> & Partial<Pick<Deps, 'shutdown'>>;

/** The instant before which bodies go: now minus the retention days. */
export function retentionCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString();
}

/** One purge now: bodies of messages created more than `days` days ago go. */
export async function runRetention(deps: Pick<Deps, 'store' | 'clock'>, days: number): Promise<{ before: string; purged: number }> {
  const now = deps.clock();
  const before = retentionCutoff(now, days);
  const purged = await deps.store.purgeBodies(before, now.toISOString());
  return { before, purged };
}

/**
 * Starts the timer when BODY_RETENTION_DAYS is set (else does nothing): one purge at once, then one
 * every 6 hours, never two at a time. Stops by itself when the relay shuts down (deps.shutdown), or
 * when the returned function is called. The timer never keeps the process alive.
 */
export function startRetention(deps: RetentionDeps): () => void {
  const days = deps.config.bodyRetentionDays;
  if (days === null) return () => {};
  return startPeriodic(deps, 'retention', RETENTION_INTERVAL_MS, async (stopped) => {
    const result = await runRetention(deps, days);
    if (!stopped()) deps.log.info('retention.purged', { days, before: result.before, messages: result.purged });
  });
}
