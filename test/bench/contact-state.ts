/**
 * What the panel waits for on every contact page: GET /v1/contacts/{phone}, i.e. getContactState
 * (relay/services/get-contact-state.ts) with the store calls it makes (remember the PinPoint id,
 * read the contact, read its last 200 messages), timed against the million-message databases the
 * report benchmarks seed, for the busiest contact (5,000 messages) and a typical one (4).
 */
import { parseConfig } from '../../relay/config.ts';
import { createLogger } from '../../relay/log.ts';
import { buildDeps } from '../../relay/server.ts';
import { getContactState } from '../../relay/services/get-contact-state.ts';
import type { Store } from '../../relay/store/store.ts';
import { BENCH_ACCOUNT_SID, BENCH_AUTH_TOKEN } from './bench-data.ts';
import { time, type Timing } from './timing.ts';

/** One seeded message in 200 goes to this contact. */
export const BUSY_PHONE = '+5511999999999';
export const TYPICAL_PHONE = '+5511900001234';
const CONTACTS = 250_000;

/** The contact the i-th seeded message goes to. */
export function contactPhone(i: number): string {
  return i % 200 === 0 ? BUSY_PHONE : `+55119${String(i % CONTACTS).padStart(8, '0')}`;
}

/** Every seeded contact (those whose number is a multiple of 200 have no messages: the busy one took them). */
export const PHONES: Iterable<string> = {
  *[Symbol.iterator]() {
    for (let i = 0; i < CONTACTS; i++) yield `+55119${String(i).padStart(8, '0')}`;
    yield BUSY_PHONE;
  },
};

export async function benchContactState(store: Store, log: (s: string) => void, runs = 200): Promise<Timing[]> {
  const config = parseConfig({
    DATABASE_URL: 'file::memory:',
    LOG_LEVEL: 'silent',
    TWILIO_ACCOUNT_SID: BENCH_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: BENCH_AUTH_TOKEN,
    TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886',
    TWILIO_API_BASE_URL: 'http://127.0.0.1:9',
  });
  const deps = buildDeps(config, store, { log: createLogger('silent') });
  const timings: Timing[] = [];
  for (const [label, short, phone, pinpointId] of [
    ['contact state (GET /v1/contacts/{phone}), busiest contact: 5,000 messages, last 200 returned', 'contact state, 5,000 messages', BUSY_PHONE, '9001'],
    ['contact state (GET /v1/contacts/{phone}), typical contact: 4 messages', 'contact state, 4 messages', TYPICAL_PHONE, '1234'],
  ] as const) {
    const t = await time(label, short, runs, async () => {
      const s = await getContactState(deps, phone, pinpointId);
      return `${s.messages.length} messages, consent ${s.consent.state}`;
    });
    log(`${t.label}: p50 ${t.p50.toFixed(2)} ms, p95 ${t.p95.toFixed(2)} ms (${t.detail})`);
    timings.push(t);
  }
  return timings;
}
