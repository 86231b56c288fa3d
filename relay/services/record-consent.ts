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

/**
 * A change the contact or Twilio made (a keyword, an opt-out error): recorded unless the contact is
 * already in that state, so a repeat adds nothing to the history.
 */
export async function recordConsentUnlessSame(deps: Deps, req: ConsentRequest): Promise<void> {
  const contact = await deps.store.getContact(req.phone);
  if (contact?.consentState !== req.state) await recordConsent(deps, req);
}

/**
 * Whether a consent change already came from this message. Twilio retries a webhook it got no answer
 * for, and the relay can fail between storing the message (or its status) and recording the consent
 * change it carries: a retry finds the message stored and uses this to finish the job once.
 */
export async function consentRecordedFrom(deps: Deps, phone: string, messageSid: string): Promise<boolean> {
  return (await deps.store.consentHistory(phone)).some((e) => e.messageSid === messageSid);
}
