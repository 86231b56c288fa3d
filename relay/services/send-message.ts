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
}

export async function sendMessage(deps: Deps, actor: Actor, input: SendInput, idempotencyKey: string | null): Promise<SendOutcome> {
  const phone = parsePhoneParam(input.to);
  const isTemplate = 'contentSid' in input;

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
    const same = message.phone === phone && message.contentSid === (isTemplate ? input.contentSid : null) && (isTemplate || message.body === input.body);
    if (!same) throw new RelayError('IDEMPOTENCY_CONFLICT', 'This Idempotency-Key was already used for a different message.');
    return { message, created: false };
  }
  deps.bus.publish({ type: 'message.created', phone, message });

  try {
    const started = performance.now();
    const result = await deps.twilio.send({
      to: toWhatsAppAddress(phone),
      ...(isTemplate ? { contentSid: input.contentSid, contentVariables: variables ?? {} } : { body: input.body }),
      statusCallback: `${deps.config.publicUrl}/twilio/status`,
    });
    const sent = await deps.store.attachSid(message.id, result.sid, result.status, deps.clock().toISOString());
    deps.bus.publish({ type: 'message.status', phone, message: sent });
    deps.log.info('message.sent', { id: sent.id, sid: sent.sid, phone, template: isTemplate, by: actor.name });
    deps.metrics.twilioLatency.observe({ operation: 'send' }, (performance.now() - started) / 1000);
    deps.metrics.sends.inc({ kind: isTemplate ? 'template' : 'text', outcome: 'sent' });
    return { message: sent, created: true };
  } catch (err) {
    const relayErr = err instanceof RelayError ? err : new RelayError('TWILIO_UNAVAILABLE', 'Twilio could not be reached. Nothing was sent; try again.');
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
}
