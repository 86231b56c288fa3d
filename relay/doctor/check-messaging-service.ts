/**
 * TWILIO_MESSAGING_SERVICE_SID: the service's Integration settings decide where incoming messages go
 * (its own Request URL, or "Defer to sender's webhook"), and Twilio picks the sender from its pool, so
 * the pool must hold a WhatsApp sender.
 */
import type twilio from 'twilio';
import { fail, ok, warn, type Finding } from './finding.ts';
import { describeFailure, failureFix, isNotFound, sdkFailure } from './sdk-failure.ts';
import { displayUrl, sameWebhookUrl, type WebhookUrls } from './webhook-urls.ts';

export interface ServiceView {
  sid: string;
  friendlyName: string;
  inboundRequestUrl: string | null;
  inboundMethod: string | null;
  fallbackUrl: string | null;
  fallbackMethod: string | null;
  statusCallback: string | null;
  useInboundWebhookOnNumber: boolean;
  /** Every ChannelSender's address (whatsapp:+…, messenger:…). */
  channelSenders: string[];
}

export const serviceConsolePath = (s: Pick<ServiceView, 'sid' | 'friendlyName'>): string =>
  `Console → Messaging → Services → ${s.friendlyName || s.sid}`;

const isPost = (method: string | null): boolean => !method || method.toUpperCase() === 'POST';

/** Findings for a fetched service and its channel senders; pure. */
export function serviceFindings(service: ServiceView, urls: WebhookUrls, from: string | undefined): Finding[] {
  const where = serviceConsolePath(service);
  const label = `Messaging Service ${service.sid}${service.friendlyName ? ` "${service.friendlyName}"` : ''}`;
  const findings: Finding[] = [];

  const whatsapp = service.channelSenders.filter((s) => s.toLowerCase().startsWith('whatsapp:'));
  if (!whatsapp.length) {
    findings.push(fail(`${label} has no WhatsApp sender in its pool: Twilio cannot send WhatsApp messages through it`, `${where} → Sender Pool → Add Senders → WhatsApp Number`));
  } else {
    findings.push(ok(`${label} has WhatsApp sender${whatsapp.length > 1 ? 's' : ''} ${whatsapp.join(', ')}`));
    if (from && !whatsapp.some((s) => s.toLowerCase() === from.toLowerCase())) {
      findings.push(warn(`TWILIO_WHATSAPP_FROM ${from} is not in the pool of ${label}`, `add it on ${where} → Sender Pool, or unset TWILIO_WHATSAPP_FROM so Twilio picks from the pool`));
    }
  }

  const inboundField = `${where} → Integration → Incoming Messages → Send a webhook → Request URL = ${urls.inbound} (HTTP POST)`;
  if (service.useInboundWebhookOnNumber) {
    findings.push(ok(`${label} leaves incoming messages to each sender's own webhook ("Defer to sender's webhook")`));
  } else if (!service.inboundRequestUrl) {
    findings.push(fail(`${label} has no Request URL for incoming messages: replies and STOP never reach the relay (expected ${urls.inbound})`, `set ${inboundField}`));
  } else if (!sameWebhookUrl(urls.inbound, service.inboundRequestUrl)) {
    findings.push(fail(`${label} sends incoming messages to ${displayUrl(service.inboundRequestUrl)}, expected ${urls.inbound}`, `set ${inboundField}`));
  } else if (!isPost(service.inboundMethod)) {
    findings.push(fail(`${label} calls its incoming-message webhook with HTTP ${service.inboundMethod}: the relay only accepts POST`, `set ${inboundField}`));
  } else {
    findings.push(ok(`${label} sends incoming messages to ${urls.inbound}`));
  }

  if (!service.useInboundWebhookOnNumber) {
    const fallbackField = `${where} → Integration → Fallback URL = ${urls.fallback} (HTTP POST)`;
    if (!service.fallbackUrl) {
      findings.push(warn(`${label} has no fallback URL (optional): if the inbound URL fails, Twilio only logs error 11200`, `set ${fallbackField}`));
    } else if (!sameWebhookUrl(urls.fallback, service.fallbackUrl)) {
      findings.push(warn(`${label} fallback URL is ${displayUrl(service.fallbackUrl)}, expected ${urls.fallback}`, `set ${fallbackField}`));
    } else if (!isPost(service.fallbackMethod)) {
      findings.push(warn(`${label} calls its fallback URL with HTTP ${service.fallbackMethod}: the relay only accepts POST`, `set ${fallbackField}`));
    } else {
      findings.push(ok(`${label} fallback URL is ${urls.fallback}`));
    }
  }

  // A StatusCallback sent with the message overrides the service's; the relay always sends one.
  if (!service.statusCallback) {
    findings.push(ok(`${label} has no status callback URL (not needed: each send carries StatusCallback=${urls.status})`));
  } else if (sameWebhookUrl(urls.status, service.statusCallback)) {
    findings.push(ok(`${label} status callback URL is ${urls.status} (optional; each send also carries it)`));
  } else {
    findings.push(
      warn(
        `${label} has the status callback URL ${displayUrl(service.statusCallback)}: the relay's own sends are unaffected (each carries StatusCallback), but statuses of messages sent by other tools go there`,
        `clear ${where} → Integration → Delivery Status Callback, or set it to ${urls.status}, unless another system uses it`,
      ),
    );
  }
  return findings;
}

/** Fetches the service and its channel senders; `service` is undefined when it could not be read. */
export async function checkMessagingService(
  client: twilio.Twilio,
  sid: string,
  urls: WebhookUrls,
  from: string | undefined,
): Promise<{ findings: Finding[]; service?: ServiceView }> {
  const svc = client.messaging.v1.services(sid);
  let fetched: Awaited<ReturnType<typeof svc.fetch>>;
  try {
    fetched = await svc.fetch();
  } catch (err) {
    const f = sdkFailure(err);
    if (isNotFound(f)) {
      return { findings: [fail(`TWILIO_MESSAGING_SERVICE_SID ${sid} does not exist on this account`, 'copy the Service SID (MG…) from Console → Messaging → Services')] };
    }
    return { findings: [fail(`could not read Messaging Service ${sid} (${describeFailure(f)})`, failureFix(f))] };
  }
  let channelSenders: string[];
  try {
    // WhatsApp senders are ChannelSenders; `phoneNumbers` holds only SMS/MMS numbers (PN… sids).
    channelSenders = (await svc.channelSenders.list()).map((c) => c.sender ?? '').filter(Boolean);
  } catch (err) {
    const f = sdkFailure(err);
    return { findings: [fail(`could not list the senders of Messaging Service ${sid} (${describeFailure(f)})`, failureFix(f))] };
  }
  const service: ServiceView = {
    sid: fetched.sid,
    friendlyName: fetched.friendlyName ?? '',
    inboundRequestUrl: fetched.inboundRequestUrl ?? null,
    inboundMethod: fetched.inboundMethod ?? null,
    fallbackUrl: fetched.fallbackUrl ?? null,
    fallbackMethod: fetched.fallbackMethod ?? null,
    statusCallback: fetched.statusCallback ?? null,
    useInboundWebhookOnNumber: fetched.useInboundWebhookOnNumber === true,
    channelSenders,
  };
  return { findings: serviceFindings(service, urls, from), service };
}
