/**
 * Badges on the PinPoint contacts list (managers and admins only): each row the relay knows gets a tiny `<wa-badge>`
 * shadow host with the contact's consent and last message status ("✓ opted in · ✓✓ read"), as text only.
 *
 * - One batched 'contacts.summary' per page of rows (rows that appear later — pagination, search — are asked once,
 *   together); rows the relay doesn't know stay untouched.
 * - One live stream for the phones on the page (a watch port per 50 phones); events patch the badges, and a
 *   reconnect refetches (events are hints, the GET is the truth).
 * - Everything hangs off the list view's signal (page-lifecycle.ts): the observer, the ports and the badges.
 */
import type { Me } from '../../shared/api.ts';
import type { LiveEvent } from '../../shared/events.ts';
import { advanceStatus, tickFor, type Tick } from '../../shared/message-status.ts';
import type { ContactSummary } from '../../shared/reports.ts';
import { MAX_SUMMARY_IDS, MAX_WATCH_PHONES, type WatchServerMessage } from '../messages.ts';
import type { Bridge } from '../panel/bridge.ts';
import { t, type StringKey } from '../panel/strings.ts';
import { readContactRows } from './crm/pinpoint.ts';

export const BADGE_TAG = 'wa-badge';

const CONSENT_KEY: Record<ContactSummary['consent'], StringKey> = {
  opted_in: 'badgeOptedIn',
  opted_out: 'badgeOptedOut',
  unknown: 'badgeUnknown',
};
const TICK_KEY: Record<Tick, StringKey> = {
  pending: 'badgePending',
  sent: 'badgeSent',
  delivered: 'badgeDelivered',
  read: 'badgeRead',
  failed: 'badgeFailed',
  received: 'badgeReplied',
};

/** "✓ opted in · ✓✓ read": the consent, then the last message's tick (outbound) or "replied" (inbound). */
export function badgeText(s: ContactSummary): string {
  const last = s.lastMessage;
  return t(CONSENT_KEY[s.consent]) + (last ? ` · ${t(TICK_KEY[tickFor(last.status)])}` : '');
}

/**
 * A live event patches a summary. The badge shows the newest message (`lastMessage.at` is its creation time): an
 * event for an older message changes nothing, one for the same message only moves its status forward.
 */
export function applySummaryEvent(s: ContactSummary, e: LiveEvent): ContactSummary {
  if (e.type === 'consent.changed') return { ...s, consent: e.consent.state };
  if (e.type === 'contact.deleted') return { ...s, lastMessage: null };
  const m = e.message;
  const last = s.lastMessage;
  if (last && m.createdAt < last.at) return s;
  const same = last && m.createdAt === last.at && m.direction === last.direction;
  return { ...s, lastMessage: { direction: m.direction, status: same ? advanceStatus(last.status, m.status) : m.status, at: m.createdAt } };
}

const BADGE_CSS =
  ':host{all:initial;display:inline-block;margin:2px 0 0 6px;padding:0 7px;border-radius:9px;background:#e7f6ef;color:#005c4b;' +
  'font:600 11.5px/1.6 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;white-space:nowrap;vertical-align:middle}' +
  ':host([data-consent=opted_out]){background:#fdecea;color:#b3261e}:host([data-consent=unknown]){background:#eef0f1;color:#54656f}' +
  '.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}';

interface Badge {
  host: HTMLElement;
  text: Text;
}

/** A `<wa-badge>` at the end of `cell`, removed when `signal` aborts. */
export function mountRowBadge(cell: Element, signal: AbortSignal): Badge {
  const doc = cell.ownerDocument;
  const host = doc.createElement(BADGE_TAG);
  const root = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = BADGE_CSS;
  const label = doc.createElement('span');
  label.className = 'sr';
  label.textContent = `${t('panelLabel')}: `;
  const text = doc.createTextNode('');
  root.append(style, label, text);
  cell.append(host);
  signal.addEventListener('abort', () => host.remove(), { once: true });
  return { host, text };
}

function render(badge: Badge, s: ContactSummary): void {
  badge.text.data = badgeText(s);
  badge.host.dataset['consent'] = s.consent;
  badge.host.title = s.phone;
}

export interface ListBadgesOptions {
  /** The list's table (re-read on every change: pagination and searches replace its rows). */
  table: () => Element | null;
  /** Where row changes are observed (the view's `.content-body`). */
  root: Element;
  bridge: Bridge;
  signal: AbortSignal;
  debounceMs?: number;
}

const isManager = (me: Me): boolean => me.role === 'manager' || me.role === 'admin';

export async function startListBadges(opts: ListBadgesOptions): Promise<void> {
  const { bridge, signal } = opts;
  const me = await bridge.request({ type: 'me' });
  if (signal.aborted || !me.ok || !isManager(me.data)) return;

  const requested = new Set<string>();
  const summaries = new Map<string, ContactSummary>();
  /** Our badges by row cell; a foreign one (a previous copy of this script) is replaced. */
  const badges = new Map<Element, Badge & { id: string }>();
  let watchKey = '';
  let watches: AbortController | null = null;
  let wasOpen = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function paint(): void {
    const table = opts.table();
    for (const [cell, badge] of badges) if (!cell.isConnected || !badge.host.isConnected) badges.delete(cell);
    if (!table) return;
    for (const { id, cell } of readContactRows(table)) {
      const s = summaries.get(id);
      const own = badges.get(cell);
      if (!s) continue;
      if (!own || own.id !== id) {
        own?.host.remove();
        for (const old of cell.querySelectorAll(BADGE_TAG)) old.remove();
        badges.set(cell, { ...mountRowBadge(cell, signal), id });
      }
      render(badges.get(cell)!, s);
    }
  }

  async function fetchSummaries(ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += MAX_SUMMARY_IDS) {
      const answer = await bridge.request({ type: 'contacts.summary', pinpointIds: ids.slice(i, i + MAX_SUMMARY_IDS) });
      if (signal.aborted) return;
      if (answer.ok) for (const s of answer.data.contacts) summaries.set(s.pinpointId, s);
    }
    paint();
    follow();
  }

  /** One stream for the phones of the known rows; re-opened only when that set changes. */
  function follow(): void {
    const phones = [...new Set([...summaries.values()].map((s) => s.phone))].sort();
    const key = phones.join(',');
    if (key === watchKey) return;
    watchKey = key;
    watches?.abort();
    watches = new AbortController();
    for (let i = 0; i < phones.length; i += MAX_WATCH_PHONES) {
      bridge.watch({ phones: phones.slice(i, i + MAX_WATCH_PHONES) }, onWatch, watches.signal);
    }
  }

  function onWatch(m: WatchServerMessage): void {
    if (m.type === 'stream') {
      // A reconnect may have missed events: ask again for everything shown (the first open follows our own GET).
      if (m.state === 'open' && wasOpen) void fetchSummaries([...requested]);
      if (m.state === 'open') wasOpen = true;
      return;
    }
    let changed = false;
    for (const [id, s] of summaries) {
      if (s.phone !== m.event.phone) continue;
      summaries.set(id, applySummaryEvent(s, m.event));
      changed = true;
    }
    if (changed) paint();
  }

  /** New rows (first load, pagination, search): one request for the ids not asked yet. */
  function scan(): void {
    timer = undefined;
    const table = opts.table();
    const fresh = table ? [...new Set(readContactRows(table).map((r) => r.id))].filter((id) => !requested.has(id)) : [];
    for (const id of fresh) requested.add(id);
    if (fresh.length) void fetchSummaries(fresh);
    else paint();
  }

  const observer = new MutationObserver((records) => {
    // Our own badges going in are not a change of rows.
    const ours = (n: Node) => n.nodeName === 'WA-BADGE';
    if (records.every((r) => [...r.addedNodes].every(ours) && [...r.removedNodes].every(ours))) return;
    clearTimeout(timer);
    timer = setTimeout(scan, opts.debounceMs ?? 120);
  });
  observer.observe(opts.root, { childList: true, subtree: true });
  signal.addEventListener('abort', () => {
    observer.disconnect();
    clearTimeout(timer);
    watches?.abort();
  }, { once: true });
  scan();
}
