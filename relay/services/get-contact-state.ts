/** GET /v1/contacts/{phone}: consent, the derived 24-hour window, and the history. */
import type { Consent, ContactState } from '../../shared/api.ts';
import { sessionFromLastInbound } from '../../shared/session-window.ts';
import type { Deps } from '../deps.ts';
import type { ContactRecord } from '../store/store.ts';

const HISTORY_LIMIT = 200;

export function consentOf(contact: ContactRecord | null): Consent {
  if (!contact) return { state: 'unknown', source: null, at: null, by: null, evidence: null };
  return {
    state: contact.consentState,
    source: contact.consentSource,
    at: contact.consentAt,
    by: contact.consentBy,
    evidence: contact.consentEvidence,
  };
}

export async function getContactState(deps: Deps, phone: string, pinpointId?: string): Promise<ContactState> {
  if (pinpointId) await deps.store.rememberPinpointId(phone, pinpointId, deps.clock().toISOString());
  const [contact, messages] = await Promise.all([deps.store.getContact(phone), deps.store.listMessages(phone, HISTORY_LIMIT)]);
  return {
    phone,
    profileName: contact?.profileName ?? null,
    consent: consentOf(contact),
    // Derived, never stored: it cannot drift from the messages it comes from.
    session: sessionFromLastInbound(contact?.lastInboundAt ?? null, deps.clock()),
    messages,
    simulated: deps.twilio.simulated,
    sandbox: deps.twilio.sandbox
      ? { number: deps.twilio.sender.replace(/^whatsapp:/, ''), joinHint: 'Send "join <your sandbox code>" to this number from WhatsApp (Twilio console → Messaging → Try it out → Send a WhatsApp message).' }
      : null,
  };
}
