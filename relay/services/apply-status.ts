/**
 * Status callbacks: deduplicated, applied forward only (a late `sent` never overwrites `read`),
 * error codes kept with a human explanation. Unknown sids are kept aside, not failed: a callback
 * can overtake the create call's answer, and the store applies it once the sid is attached.
 */
import { explainTwilioError, TWILIO_ERRORS } from '../../shared/twilio-errors.ts';
import type { Deps } from '../deps.ts';
import { isKnownStatus, type StatusForm } from '../twilio/webhook-forms.ts';
import { recordConsent } from './record-consent.ts';

export async function applyStatusCallback(deps: Deps, form: StatusForm): Promise<'applied' | 'unchanged' | 'duplicate' | 'unknown' | 'ignored'> {
  // WhatsApp read receipts arrive as MessageStatus=read, some with EventType=READ only.
  const raw = form.EventType?.toUpperCase() === 'READ' ? 'read' : form.MessageStatus.toLowerCase();
  if (!isKnownStatus(raw)) {
    deps.log.warn('webhook.status_unknown_value', { sid: form.MessageSid, status: raw });
    return 'ignored';
  }
  const errorCode = form.ErrorCode ? Number(form.ErrorCode) : null;
  const result = await deps.store.applyStatus({
    sid: form.MessageSid,
    status: raw,
    eventType: form.EventType ?? '',
    errorCode,
    errorMessage: errorCode ? explainTwilioError(errorCode) : null,
    at: deps.clock().toISOString(),
  });
  if (result.kind !== 'applied') return result.kind;
  const phone = result.phone;
  if (result.changed && deps.bus.wants(phone)) deps.bus.publish({ type: 'message.status', phone, message: result.message });
  if (errorCode && TWILIO_ERRORS[errorCode]?.optOut) {
    const contact = await deps.store.getContact(phone);
    if (contact?.consentState !== 'opted_out') {
      await recordConsent(deps, { phone, state: 'opted_out', source: 'twilio', by: 'twilio', evidence: `Twilio error ${errorCode}: ${explainTwilioError(errorCode)}`, messageSid: form.MessageSid });
    }
  }
  return result.changed ? 'applied' : 'unchanged';
}
