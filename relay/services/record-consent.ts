/** Every consent change is appended to the history and published; nothing is overwritten. */
import type { Consent, ConsentSource, ConsentState } from '../../shared/api.ts';
import type { Deps } from '../deps.ts';
import { consentOf } from './get-contact-state.ts';

export interface ConsentRequest {
  phone: string;
  state: ConsentState;
  source: ConsentSource;
  by: string;
  evidence: string;
  messageSid?: string | null;
  /** When the change happened, if not now (a keyword applied late is dated by its message). */
  at?: string;
}

export async function recordConsent(deps: Deps, req: ConsentRequest): Promise<Consent> {
  const contact = await deps.store.recordConsent({
    phone: req.phone,
    state: req.state,
    source: req.source,
    by: req.by,
    evidence: req.evidence,
    at: req.at ?? deps.clock().toISOString(),
    messageSid: req.messageSid ?? null,
  });
  const consent = consentOf(contact);
  deps.bus.publish({ type: 'consent.changed', phone: req.phone, consent });
  deps.log.info('consent.changed', { phone: req.phone, state: req.state, source: req.source, by: req.by });
  return consent;
}
