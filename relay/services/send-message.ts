/**
 * POST /v1/messages — the one guarded send path. Every WhatsApp rule is checked here, before
 * Twilio is called: nothing to an opted-out contact, templates only with an opt-in, approved
 * templates only, free-form only inside the 24-hour window. The message row is written before the
 * Twilio call so an idempotency key makes a double click one message, and a crash mid-call leaves
 * a visible record instead of a silent send.
 */
import { randomUUID } from 'node:crypto';
import type { Message, SendInput } from '../../shared/api.ts';
import { sessionFromLastInbound } from '../../shared/session-window.ts';
import { validateVariables } from '../../shared/templates.ts';
import { toWhatsAppAddress } from '../../shared/phone.ts';
import { TWILIO_ERRORS } from '../../shared/twilio-errors.ts';
import type { Actor, Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { parsePhoneParam } from './phone-param.ts';
import { recordConsent } from './record-consent.ts';

export interface SendOutcome {
  message: Message;
  /** false when the idempotency key returned an earlier message. */
  created: boolean;
  /**
   * Set when Twilio's answer was lost (timeout, cut connection, 5xx): Twilio may have sent the
   * message. It stays 'queued' without a sid until a status callback or the reconciler settles it,
   * and this sentence tells the rep not to send it again meanwhile.
   */
  unconfirmed?: string;
}

export const UNCONFIRMED_NOTICE =
  'Twilio did not confirm this message in time. It may still be delivered: it is kept as pending and updates by itself within a few minutes. Do not send it again yet.';

/**
 * The status callback URL names our message id, so a callback for a message whose create call never
 * answered (Twilio created it, the answer was lost) still finds its row. Twilio signs the whole URL.
 */
export function statusCallbackUrl(publicUrl: string, messageId: string): string {
  return `${publicUrl}/twilio/status?m=${encodeURIComponent(messageId)}`;
}

/** Whether `input` asks for the message an Idempotency-Key already created (other variables make another message). */
function sameRequest(message: Message, phone: string, input: SendInput): boolean {
  if (message.phone !== phone) return false;
  if (!('contentSid' in input)) return message.contentSid === null && message.body === input.body;
  const stored = message.variables ?? {};
  const asked = Object.entries(input.variables);
  return message.contentSid === input.contentSid && asked.length === Object.keys(stored).length && asked.every(([k, v]) => stored[k] === v.trim());
}

export async function sendMessage(deps: Deps, actor: Actor, input: SendInput, idempotencyKey: string | null): Promise<SendOutcome> {
  const phone = parsePhoneParam(input.to);
  const isTemplate = 'contentSid' in input;

  // A repeat of a keyed request gets the message it created even if the rules would now refuse a
  // new one (a STOP or the window closing since): it was sent, and "refused" would tell a client
  // retrying after a lost answer that it wasn't. Found by test/relay/model-rules.test.ts.
  if (idempotencyKey !== null) {
    const earlier = await deps.store.getMessageByKey(actor.tokenId, idempotencyKey);
    if (earlier !== null && sameRequest(earlier, phone, input)) return { message: earlier, created: false };
  }

  // Refusals are counted by reason, so an admin sees on /metrics how often the rules hold reps back.
  const refuse = (...args: ConstructorParameters<typeof RelayError>) => {
    deps.metrics.sends.inc({ kind: isTemplate ? 'template' : 'text', outcome: `refused_${args[0]}` });
    return new RelayError(...args);
  };
  const contact = await deps.store.getContact(phone);
  if (contact?.consentState === 'opted_out') {
    throw refuse('CONSENT_OPTED_OUT', 'This contact opted out of WhatsApp messages. Nothing can be sent until they opt in again.');
  }

  let variables: Record<string, string> | null = null;
  if (isTemplate) {
    if (contact?.consentState !== 'opted_in') {
      throw refuse('CONSENT_REQUIRED', 'A template can only be sent to a contact who opted in. Record their opt-in first.');
    }
    const template = await deps.templates.get(input.contentSid);
    if (!template) throw refuse('TEMPLATE_NOT_APPROVED', 'This template is not an approved WhatsApp template. Refresh the list and pick another.');
    variables = Object.fromEntries(Object.entries(input.variables).map(([k, v]) => [k, v.trim()]));
    const issues = validateVariables(template.variables, variables);
    if (issues.length) {
      throw refuse('VALIDATION_FAILED', issues[0]!.message, { issues: issues.map((i) => ({ path: `variables.${i.key}`, message: i.message })) });
    }
  } else {
    const session = sessionFromLastInbound(contact?.lastInboundAt ?? null, deps.clock());
    if (session.state !== 'open') {
      throw refuse('SESSION_CLOSED', 'The 24-hour reply window is closed: free-form messages are allowed only within 24 hours of the contact\'s last message. Send an approved template.');
    }
  }

  const now = deps.clock().toISOString();
  const { message, created } = await deps.store.createOutbound({
    id: `msg_${randomUUID()}`,
    phone,
    body: isTemplate ? null : input.body,
    contentSid: isTemplate ? input.contentSid : null,
    variables,
    sentBy: actor.name,
    sentByTokenId: actor.tokenId,
    createdAt: now,
    idempotencyKey,
  });
  if (!created) {
    if (!sameRequest(message, phone, input)) throw new RelayError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used for a different message.');
    return { message, created: false };
  }
  deps.bus.publish({ type: 'message.created', phone, message });

  const started = performance.now();
  let result: Awaited<ReturnType<typeof deps.twilio.send>>;
  try {
    result = await deps.twilio.send({
      to: toWhatsAppAddress(phone),
      ...(isTemplate ? { contentSid: input.contentSid, contentVariables: variables ?? {} } : { body: input.body }),
      statusCallback: statusCallbackUrl(deps.config.publicUrl, message.id),
    });
  } catch (err) {
    return sendFailed(deps, err, message, phone, isTemplate);
  }
  let sent: Message;
  try {
    sent = await deps.store.attachSid(message.id, result.sid, result.status, deps.clock().toISOString());
  } catch (err) {
    // Twilio took it but the database failed to note the sid: it WAS sent, so it must not look failed
    // (a Retry would send it twice). It stays pending; Twilio's callbacks name it (?m=) and link it, and
    // failing those the reconciler finds it in Twilio's Messages list.
    deps.log.warn('message.sid_not_saved', { id: message.id, sid: result.sid, phone, error: err instanceof Error ? err.message : String(err) });
    deps.metrics.sends.inc({ kind: isTemplate ? 'template' : 'text', outcome: 'unconfirmed' });
    return { message, created: true, unconfirmed: UNCONFIRMED_NOTICE };
  }
  deps.bus.publish({ type: 'message.status', phone, message: sent });
  deps.log.info('message.sent', { id: sent.id, sid: sent.sid, phone, template: isTemplate, by: actor.name });
  deps.metrics.twilioLatency.observe({ operation: 'send' }, (performance.now() - started) / 1000);
  deps.metrics.sends.inc({ kind: isTemplate ? 'template' : 'text', outcome: 'sent' });
  return { message: sent, created: true };
}

/** The Twilio call failed: pending if Twilio may have taken it, else failed with the reason (and Retry). */
async function sendFailed(deps: Deps, err: unknown, message: Message, phone: string, isTemplate: boolean): Promise<SendOutcome> {
  const relayErr = err instanceof RelayError ? err : new RelayError('TWILIO_UNAVAILABLE', 'Twilio could not be reached. Nothing was sent; try again.');
  if (relayErr.details.sendOutcome === 'unknown') {
    // Marking it failed would invite a Retry, and a second copy on the contact's phone. It stays
    // pending; relay/services/reconcile-unconfirmed.ts asks Twilio what happened.
    deps.log.warn('message.send_unconfirmed', { id: message.id, phone, code: relayErr.code, twilioCode: relayErr.details.twilioCode });
    deps.metrics.sends.inc({ kind: isTemplate ? 'template' : 'text', outcome: 'unconfirmed' });
    return { message, created: true, unconfirmed: UNCONFIRMED_NOTICE };
  }
  const failed = await deps.store.markSendFailed(message.id, relayErr.details.twilioCode ?? null, relayErr.message, deps.clock().toISOString());
  deps.bus.publish({ type: 'message.status', phone, message: failed });
  deps.log.warn('message.send_failed', { id: message.id, phone, code: relayErr.code, twilioCode: relayErr.details.twilioCode });
  const code = relayErr.details.twilioCode;
  if (code && TWILIO_ERRORS[code]?.optOut) {
    await recordConsent(deps, { phone, state: 'opted_out', source: 'twilio', by: 'twilio', evidence: `Twilio error ${code}: ${relayErr.message}` });
  }
  deps.metrics.sends.inc({ kind: isTemplate ? 'template' : 'text', outcome: `twilio_${relayErr.code}` });
  throw relayErr;
}
