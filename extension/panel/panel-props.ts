/** What the mount (content script) hands the panel. */
import type { PageContact } from '../contact.ts';
import type { PageSettings } from '../messages.ts';
import type { Bridge } from './bridge.ts';

export interface PanelPhone {
  kind: 'mobile' | 'phone';
  /** As the CRM shows it. */
  raw: string;
  /** Normalised by the content script; null when it couldn't be read as an international number. */
  e164: string | null;
}

export interface PanelProps {
  contact: PageContact;
  phones: PanelPhone[];
  settings: PageSettings;
  /** Defaults to the extension background; tests pass an in-memory one. */
  bridge?: Bridge;
}

/** Usable numbers, first occurrence wins (a CRM often repeats the mobile under "phone"). */
export function usablePhones(phones: readonly PanelPhone[]): (PanelPhone & { e164: string })[] {
  const seen = new Set<string>();
  const out: (PanelPhone & { e164: string })[] = [];
  for (const p of phones) {
    if (p.e164 === null || seen.has(p.e164)) continue;
    seen.add(p.e164);
    out.push({ ...p, e164: p.e164 });
  }
  return out;
}
