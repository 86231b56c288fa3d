/** Pure helpers for the dashboard: durations in words, date ranges and the days they span. */
import type { DashboardT } from './strings.ts';

/** "45 s", "2 min", "1 h 5 min", "2 d 3 h"; null (no message reached the status) → the "—" placeholder. */
export function formatDuration(ms: number | null, t: DashboardT): string {
  if (ms === null || !Number.isFinite(ms) || ms < 0) return t('noValue');
  if (ms < 59_500) return t('durationSeconds', { n: Math.max(1, Math.round(ms / 1000)) });
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return t('durationMinutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours >= 24) return t('durationDays', { d: Math.floor(hours / 24), h: hours % 24 });
  return rest === 0 ? t('durationHours', { h: hours }) : t('durationHoursMinutes', { h: hours, m: rest });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The local calendar day of `date` as YYYY-MM-DD (what a date input shows). */
export function localDay(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The last 30 days, today included. */
export function defaultRange(now: Date): { from: string; to: string } {
  const from = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 29);
  return { from: localDay(from), to: localDay(now) };
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isDay(value: string): boolean {
  return DAY_RE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`));
}

/** Every day from `from` to `to`, both included (UTC calendar days, like the report's keys); capped at 400. */
export function daysBetween(from: string, to: string): string[] {
  if (!isDay(from) || !isDay(to)) return [];
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let at = Date.parse(`${from}T00:00:00Z`); at <= end && days.length < 400; at += 86_400_000) {
    days.push(new Date(at).toISOString().slice(0, 10));
  }
  return days;
}
