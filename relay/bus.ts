/**
 * Live events inside one relay process. Listeners subscribe per phone or to everything ('*').
 * A PostgreSQL deployment bridges buses across instances with LISTEN/NOTIFY behind this interface.
 */
import type { LiveEvent } from '../shared/events.ts';

export type BusEvent = LiveEvent;
export type Listener = (event: BusEvent) => void;

export interface Bus {
  publish(event: BusEvent): void;
  /** `phone` = one contact, '*' = every event. Returns the unsubscribe function. */
  subscribe(phone: string, listener: Listener): () => void;
  listenerCount(): number;
  /** Whether an event for this phone would reach anyone, so publishers can skip building it. */
  wants(phone: string): boolean;
}

export function createBus(): Bus {
  const byPhone = new Map<string, Set<Listener>>();
  let count = 0;
  const deliver = (set: Set<Listener> | undefined, event: BusEvent) => {
    if (!set) return;
    for (const l of [...set]) {
      try {
        l(event);
      } catch {
        // A broken listener (a closed stream) must not stop delivery to the others.
      }
    }
  };
  return {
    publish(event) {
      deliver(byPhone.get(event.phone), event);
      deliver(byPhone.get('*'), event);
    },
    subscribe(phone, listener) {
      let set = byPhone.get(phone);
      if (!set) byPhone.set(phone, (set = new Set()));
      set.add(listener);
      count++;
      return () => {
        if (set!.delete(listener)) count--;
        if (set!.size === 0) byPhone.delete(phone);
      };
    },
    listenerCount: () => count,
    wants: (phone) => byPhone.has(phone) || byPhone.has('*'),
  };
}
