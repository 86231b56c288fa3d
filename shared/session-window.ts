/**
 * WhatsApp's 24-hour customer service window: free-form messages are allowed only within 24 h of the contact's
 * last inbound message (reference §7). Derived from lastInboundAt every time rather than stored, so it can't drift.
 */

export const SESSION_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface SessionInfo {
  state: 'open' | 'closed';
  /** ISO time the window closes (or closed); null when no inbound message is known. */
  expiresAt: string | null;
  lastInboundAt: string | null;
}

function toTime(value: string | Date | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const t = value instanceof Date ? value.getTime() : typeof value === 'string' && value.trim() !== '' ? Date.parse(value) : NaN;
  return Number.isFinite(t) ? t : null;
}

/**
 * Open iff now − lastInboundAt < 24 h (strict, as the relay enforces it). An unparseable time counts as unknown,
 * and an invalid `now` yields closed: when in doubt the rep is steered to a template, which is always allowed.
 */
export function sessionFromLastInbound(lastInboundAt: string | Date | null | undefined, now: Date): SessionInfo {
  const last = toTime(lastInboundAt);
  if (last === null) return { state: 'closed', expiresAt: null, lastInboundAt: null };
  const expires = last + SESSION_WINDOW_MS;
  const nowMs = now instanceof Date ? now.getTime() : NaN;
  const open = Number.isFinite(nowMs) && nowMs - last < SESSION_WINDOW_MS;
  return {
    state: open ? 'open' : 'closed',
    expiresAt: new Date(expires).toISOString(),
    lastInboundAt: new Date(last).toISOString(),
  };
}

/** Milliseconds until the window closes; 0 once closed or when unknown. */
export function remainingMs(expiresAt: string | null, now: Date): number {
  const end = toTime(expiresAt);
  const nowMs = now instanceof Date ? now.getTime() : NaN;
  if (end === null || !Number.isFinite(nowMs)) return 0;
  return Math.max(0, end - nowMs);
}

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * "23h 59m" from an hour up, "15m 03s" under an hour, "42s" under a minute, "0s" at zero. Seconds round up,
 * so "0s" appears only when the window has really closed.
 */
export function formatCountdown(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (hours > 0) return `${hours}h ${pad2(minutes)}m`;
  if (minutes > 0) return `${minutes}m ${pad2(seconds)}s`;
  return `${seconds}s`;
}
