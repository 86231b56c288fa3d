/**
 * Status callbacks: deduplicated, applied forward only (a late `sent` never overwrites `read`),
 * error codes kept with a human explanation. Unknown sids are kept aside, not failed: a callback
 * can overtake the create call's answer, and the store applies it once the sid is attached.
 */
import type { MessageStatus } from '../../shared/api.ts';
import { explainTwilioError, TWILIO_ERRORS } from '../../shared/twilio-errors.ts';
import type { Deps } from '../deps.ts';
import { isKnownStatus, type StatusForm } from '../twilio/webhook-forms.ts';
import { consentRecordedFrom, recordConsentUnlessSame } from './record-consent.ts';

type Outcome = 'applied' | 'unchanged' | 'duplicate' | 'unknown' | 'ignored' | 'linked';

const MESSAGE_ID = /^msg_[0-9a-f-]{36}$/;

/** Our message id from the status callback URL's `?m=` (send-message.ts statusCallbackUrl), if any. */
export function messageIdFromQuery(search: string): string | null {
  if (!search.includes('m=')) return null;
  const id = new URLSearchParams(search).get('m');
  return id !== null && MESSAGE_ID.test(id) ? id : null;
}

/**
 * Not `async`: on the hot path the store's promise is the only one (no extra microtask hops).
 * `search` is the callback URL's query: it names our message, for callbacks whose sid we never got.
 */
export function applyStatusCallback(deps: Deps, form: StatusForm, search = ''): Promise<Outcome> {
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
    if (result.kind === 'unknown') {
      const id = messageIdFromQuery(search);
      return id === null ? 'unknown' : link(deps, id, form.MessageSid, raw);
    }
    if (result.kind === 'duplicate' && errorCode && TWILIO_ERRORS[errorCode]?.optOut) return optOutOnRetry(deps, errorCode, form.MessageSid);
    if (result.kind !== 'applied') return result.kind;
    const phone = result.phone;
    if (result.changed && deps.bus.wants(phone)) deps.bus.publish({ type: 'message.status', phone, message: result.message });
    const outcome = result.changed ? 'applied' : 'unchanged';
    if (errorCode && TWILIO_ERRORS[errorCode]?.optOut) return optOut(deps, phone, errorCode, form.MessageSid).then(() => outcome);
    return outcome;
  });
}

/**
 * A callback for a sid we don't know, whose URL names one of our messages: Twilio created that message
 * but its answer to the create call never reached us (timeout, cut connection). Attach the sid; the
 * store replays the callback parked a moment ago, so the message takes its real status.
 */
async function link(deps: Deps, id: string, sid: string, status: MessageStatus): Promise<Outcome> {
  const message = await deps.store.getMessage(id);
  if (message === null || message.direction !== 'outbound') return 'unknown';
  // Already attached (the create answer won the race), or someone else's sid: nothing to link.
  if (message.sid !== null) return 'unknown';
  const linked = await deps.store.attachSid(id, sid, message.status === 'failed' ? 'failed' : 'queued', deps.clock().toISOString());
  deps.log.info('message.linked', { id, sid, status, phone: linked.phone });
  deps.bus.publish({ type: 'message.status', phone: linked.phone, message: linked });
  return 'linked';
}

/**
 * A retried opt-out failure finishes the opt-out the first attempt applied but did not record, dated
 * when the failure first arrived, so a later decision (a rep's opt-in) stays.
 */
async function optOutOnRetry(deps: Deps, errorCode: number, messageSid: string): Promise<Outcome> {
  const message = await deps.store.getMessageBySid(messageSid);
  // Only a repeat of the failure that applied: another code on an already-failed message was ignored the first time too.
  if (message === null || message.errorCode !== errorCode) return 'duplicate';
  if (!(await consentRecordedFrom(deps, message.phone, messageSid))) {
    const failedAt = message.statusTimes.failed ?? message.statusTimes.undelivered ?? message.updatedAt;
    await optOut(deps, message.phone, errorCode, messageSid, failedAt);
  }
  return 'duplicate';
}

/** Twilio says the contact blocked or opted out (e.g. 21610): record it once. */
function optOut(deps: Deps, phone: string, errorCode: number, messageSid: string, at?: string): Promise<void> {
  return recordConsentUnlessSame(deps, { phone, state: 'opted_out', source: 'twilio', by: 'twilio', evidence: `Twilio error ${errorCode}: ${explainTwilioError(errorCode)}`, messageSid, ...(at ? { at } : {}) });
}
