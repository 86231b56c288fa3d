/**
 * What a watch port asked to follow, as the LiveStreamHub's key (one shared stream per key) and the relay path that
 * key streams from:
 *   '+5511…'             one phone (the panel)                 → /v1/events?phone=%2B5511…
 *   '+5511…,+5521…'      several phones (contacts-list badges) → /v1/events?phone=…&phone=…  (sorted, unique, ≤ 50)
 *   'scope=all'          the team (the dashboard)              → /v1/events?scope=all
 * Anything else is refused (null): the port then follows nothing.
 */
import { E164 } from '../../shared/api.ts';
import { MAX_WATCH_PHONES } from '../messages.ts';

export const ALL_KEY = 'scope=all';
export const ALL_EVENTS_PATH = '/v1/events?scope=all';

function phone(value: unknown): string | null {
  const parsed = E164.safeParse(typeof value === 'string' ? value.trim() : value);
  return parsed.success ? parsed.data : null;
}

export function watchKeyOf(message: unknown): string | null {
  if (typeof message !== 'object' || message === null || (message as { type?: unknown }).type !== 'watch') return null;
  const m = message as { phone?: unknown; phones?: unknown; scope?: unknown };
  if (m.scope !== undefined) return m.scope === 'all' ? ALL_KEY : null;
  if (m.phones !== undefined) {
    if (!Array.isArray(m.phones) || m.phones.length === 0 || m.phones.length > MAX_WATCH_PHONES) return null;
    const phones = m.phones.map(phone);
    if (phones.some((p) => p === null)) return null;
    return [...new Set(phones as string[])].sort().join(',');
  }
  return phone(m.phone);
}

/** The relay path for a hub key made by watchKeyOf. */
export function eventsPathFor(key: string): string {
  if (key === ALL_KEY) return ALL_EVENTS_PATH;
  return `/v1/events?${key
    .split(',')
    .map((p) => `phone=${encodeURIComponent(p)}`)
    .join('&')}`;
}
