/**
 * Status callbacks: deduplicated, applied forward only (a late `sent` never overwrites `read`),
 * error codes kept with a human explanation. Unknown sids are kept aside, not failed: a callback
 * can overtake the create call's answer, and the store applies it once the sid is attached.
 */
import { explainTwilioError, TWILIO_ERRORS } from '../../shared/twilio-errors.ts';
import type { Deps } from '../deps.ts';
import { isKnownStatus, type StatusForm } from '../twilio/webhook-forms.ts';
import { recordConsent } from './record-consent.ts';

type Outcome = 'applied' | 'unchanged' | 'duplicate' | 'unknown' | 'ignored';

/** Not `async`: on the hot path the store's promise is the only one (no extra microtask hops). */
export function applyStatusCallback(deps: Deps, form: StatusForm): Promise<Outcome> {
  // WhatsApp read receipts arrive as MessageStatus=read, some with EventType=READ only.
  const raw = form.EventType?.toUpperCase() === 'READ' ? 'read' : form.MessageStatus.toLowerCase();
  if (!isKnownStatus(raw)) {
    deps.log.warn('webhook.status_unknown_value', { sid: form.MessageSid, status: raw });
    return Promise.resolve('ignored');
  }
  const errorCode = form.ErrorCode ? Number(form.ErrorCode) : null;
  const applied = deps.store.applyStatus({
    sid: form.MessageSid,
    status: raw,
    eventType: form.EventType ?? '',
    errorCode,
    errorMessage: errorCode ? explainTwilioError(errorCode) : null,
    at: deps.clock().toISOString(),
  });
  return applied.then((result): Outcome | Promise<Outcome> => {
    if (result.kind !== 'applied') return result.kind;
    const phone = result.phone;
    if (result.changed && deps.bus.wants(phone)) deps.bus.publish({ type: 'message.status', phone, message: result.message });
    const outcome = result.changed ? 'applied' : 'unchanged';
    if (errorCode && TWILIO_ERRORS[errorCode]?.optOut) return optOut(deps, phone, errorCode, form.MessageSid).then(() => outcome);
    return outcome;
  });
}

/** Twilio says the contact blocked or opted out (e.g. 21610): record it once. */
async function optOut(deps: Deps, phone: string, errorCode: number, messageSid: string): Promise<void> {
  const contact = await deps.store.getContact(phone);
  if (contact?.consentState !== 'opted_out') {
    await recordConsent(deps, { phone, state: 'opted_out', source: 'twilio', by: 'twilio', evidence: `Twilio error ${errorCode}: ${explainTwilioError(errorCode)}`, messageSid });
  }
}
