/**
 * The action badge: how many inbound replies arrived from contacts this rep has messaged (the relay's
 * `scope=mine` stream) and have not been seen. Kept per phone as a set of message ids (so a replay after
 * a reconnect never counts twice) together with the last event id (sent back as Last-Event-ID), in one
 * storage write. storage.session when the browser has it (cleared with the browser session), else local.
 */
import type { LiveEvent } from '../../shared/events.ts';

export const BADGE_KEY = 'replyBadge';
const MAX_IDS_PER_PHONE = 100;

export interface BadgeState {
  unread: Record<string, string[]>;
  lastEventId?: string;
}

export interface KeyValueArea {
  get(key: string): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

export interface BadgeView {
  setText(text: string): Promise<void> | void;
  setTitle(title: string): Promise<void> | void;
}

export function badgeText(count: number): string {
  if (count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}

function readState(value: unknown): BadgeState {
  const state: BadgeState = { unread: {} };
  if (!value || typeof value !== 'object') return state;
  const v = value as { unread?: unknown; lastEventId?: unknown };
  if (typeof v.lastEventId === 'string') state.lastEventId = v.lastEventId;
  if (v.unread && typeof v.unread === 'object') {
    for (const [phone, ids] of Object.entries(v.unread as Record<string, unknown>)) {
      if (Array.isArray(ids)) {
        const clean = ids.filter((id): id is string => typeof id === 'string');
        if (clean.length) state.unread[phone] = clean;
      }
    }
  }
  return state;
}

export class ReplyBadge {
  private state: BadgeState = { unread: {} };
  private ready: Promise<void> | null = null;
  /** Serialises read-modify-write so concurrent events and `seen` calls don't lose updates. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly area: KeyValueArea,
    private readonly view: BadgeView,
    private readonly titleFor: (count: number) => string = (n) =>
      n === 0 ? 'WhatsApp for PinPoint' : `WhatsApp for PinPoint: ${n} new ${n === 1 ? 'reply' : 'replies'}`,
  ) {}

  load(): Promise<void> {
    this.ready ??= this.area
      .get(BADGE_KEY)
      .then((got) => {
        this.state = readState(got[BADGE_KEY]);
      })
      .catch(() => undefined)
      .then(() => this.render());
    return this.ready;
  }

  get total(): number {
    return Object.values(this.state.unread).reduce((sum, ids) => sum + ids.length, 0);
  }

  countFor(phone: string): number {
    return this.state.unread[phone]?.length ?? 0;
  }

  async lastEventId(): Promise<string | undefined> {
    await this.load();
    await this.queue; // after pending updates (a reset clears the cursor)
    return this.state.lastEventId;
  }

  /** Every event of the scope=mine stream comes here; only message.inbound counts. */
  onEvent(event: LiveEvent, id: string | undefined): Promise<void> {
    return this.update(() => {
      let changed = false;
      if (id !== undefined && id !== this.state.lastEventId) {
        this.state.lastEventId = id;
        changed = true;
      }
      if (event.type === 'message.inbound' && event.message.direction === 'inbound') {
        const ids = this.state.unread[event.phone] ?? [];
        if (!ids.includes(event.message.id)) {
          this.state.unread[event.phone] = [...ids, event.message.id].slice(-MAX_IDS_PER_PHONE);
          changed = true;
        }
      }
      return changed;
    });
  }

  /** The rep saw this contact's replies (replies.seen): clear its part. */
  seen(phone: string): Promise<void> {
    return this.update(() => {
      if (!(phone in this.state.unread)) return false;
      delete this.state.unread[phone];
      return true;
    });
  }

  /** Token or relay changed: counts and cursor belong to the old identity. */
  reset(): Promise<void> {
    return this.update(() => {
      this.state = { unread: {} };
      return true;
    });
  }

  private update(mutate: () => boolean): Promise<void> {
    const run = async () => {
      await this.load();
      if (!mutate()) return;
      await this.area.set({ [BADGE_KEY]: this.state }).catch(() => undefined);
      await this.render();
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async render(): Promise<void> {
    const total = this.total;
    try {
      await this.view.setText(badgeText(total));
      await this.view.setTitle(this.titleFor(total));
    } catch {
      // No action API (tests) or the worker is shutting down.
    }
  }
}
