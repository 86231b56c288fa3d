/** Short local times for bubbles and tooltips: "14:05" today, "12 May 14:05" otherwise. */
import { LOCALE } from './strings.ts';

const timeFmt = new Intl.DateTimeFormat(LOCALE, { hour: '2-digit', minute: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });

export function formatTime(iso: string | null | undefined, now: Date): string {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  return at.toDateString() === now.toDateString() ? timeFmt.format(at) : dateTimeFmt.format(at);
}

const longFmt = new Intl.DateTimeFormat(LOCALE, { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** The full moment, seconds included ("12 May, 14:05:09"): for the delivery details, where seconds matter. */
export function formatTimeLong(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : longFmt.format(at);
}
