/**
 * "A message comes in": stored once (Twilio retries), which opens or extends the 24-hour window;
 * opt-out and opt-in keywords change consent; the panel hears about it live.
 */
import { randomUUID } from 'node:crypto';
import { matchConsentKeyword } from '../../shared/consent.ts';
import { fromWhatsAppAddress } from '../../shared/phone.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { INBOUND_META_FIELDS, type InboundForm } from '../twilio/webhook-forms.ts';
import { consentRecordedFrom, recordConsentUnlessSame } from './record-consent.ts';

export async function receiveInbound(deps: Deps, form: InboundForm, raw: Record<string, string>): Promise<{ duplicate: boolean }> {
  const phone = fromWhatsAppAddress(form.From);
  if (!phone) throw new RelayError('VALIDATION_FAILED', 'From is not a WhatsApp address', { issues: [{ path: 'From', message: 'must be whatsapp:+E164' }] });
  const meta: Record<string, string> = {};
  for (const k of INBOUND_META_FIELDS) if (raw[k] !== undefined) meta[k] = raw[k];

  const { message, duplicate } = await deps.store.receiveInbound({
    id: `msg_${randomUUID()}`,
    sid: form.MessageSid,
    phone,
    body: form.Body ?? null,
    profileName: form.ProfileName ?? null,
    waId: form.WaId ?? null,
    at: deps.clock().toISOString(),
    meta,
  });
  if (duplicate) {
    // A retry finishes a keyword the first attempt stored but did not record, dated when the message
    // arrived, so a later decision (a rep's opt-in) stays.
    const keyword = matchConsentKeyword(form.Body);
    if (keyword && !(await consentRecordedFrom(deps, phone, form.MessageSid))) {
      await applyKeyword(deps, phone, keyword, form.MessageSid, message.createdAt);
    }
    return { duplicate: true };
  }
  deps.bus.publish({ type: 'message.inbound', phone, message });
  deps.log.info('webhook.inbound', { sid: form.MessageSid, phone, body: deps.log.body(form.Body) });

  const keyword = matchConsentKeyword(form.Body);
  if (keyword) await applyKeyword(deps, phone, keyword, form.MessageSid);
  return { duplicate: false };
}

function applyKeyword(deps: Deps, phone: string, keyword: NonNullable<ReturnType<typeof matchConsentKeyword>>, messageSid: string, at?: string): Promise<void> {
  return recordConsentUnlessSame(deps, {
    phone,
    state: keyword.kind === 'opt_out' ? 'opted_out' : 'opted_in',
    source: 'keyword',
    by: 'contact',
    evidence: `The contact sent "${keyword.keyword}" (${keyword.language}) on WhatsApp`,
    messageSid,
    ...(at ? { at } : {}),
  });
}
