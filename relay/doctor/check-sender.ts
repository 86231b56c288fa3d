/**
 * The WhatsApp sender: the sandbox (whose settings no API exposes) or a registered number, looked up
 * through the Senders API (`/v2/Channels/Senders`), where its status and its webhook URLs live.
 */
import type twilio from 'twilio';
import { fail, ok, warn, type Finding } from './finding.ts';
import { describeFailure, failureFix, sdkFailure } from './sdk-failure.ts';
import { displayUrl, sameWebhookUrl, type WebhookUrls } from './webhook-urls.ts';

export interface SenderView {
  senderId: string;
  status: string;
  callbackUrl: string | null;
  callbackMethod: string | null;
  fallbackUrl: string | null;
  fallbackMethod: string | null;
  statusCallbackUrl: string | null;
  offlineReasons: { code: string | null; message: string | null }[];
}

const SANDBOX_SETTINGS = 'Console → Messaging → Try it out → Send a WhatsApp message → Sandbox settings';

export const senderConsolePath = (senderId: string): string => `Console → Messaging → Senders → WhatsApp senders → ${senderId}`;

/** The sandbox: nothing to look up, but two things people trip over. */
export function sandboxFindings(urls: WebhookUrls): Finding[] {
  return [
    warn(
      'sender is the WhatsApp sandbox (whatsapp:+14155238886): each tester must first send "join <your sandbox code>" to +1 415 523 8886, and membership ends after 3 days (sends then fail with 63015)',
      `the join code is on ${SANDBOX_SETTINGS}; for production set TWILIO_WHATSAPP_FROM to your own WhatsApp sender`,
    ),
    warn(
      "the sandbox's inbound URL cannot be checked: Twilio's API does not expose sandbox settings",
      `on ${SANDBOX_SETTINGS} set "When a message comes in" = ${urls.inbound} (HTTP POST)`,
    ),
  ];
}

const NOT_YET_ONLINE: Record<string, string> = {
  CREATING: 'is still being created',
  PENDING_VERIFICATION: 'is waiting for its phone number verification code',
  VERIFYING: 'is being verified',
  TWILIO_REVIEW: 'is under review by Twilio',
  DRAFT: 'is a draft (registration not submitted)',
  STUBBED: 'is only a stub (registration not started)',
};

const isPost = (method: string | null): boolean => !method || method.toUpperCase() === 'POST';

/**
 * Findings for one sender; pure. `checkInbound` is false when a Messaging Service handles incoming
 * messages for it (its own webhook is then not used).
 */
export function senderFindings(senderId: string, sender: SenderView | undefined, urls: WebhookUrls, opts: { checkInbound: boolean; known: string[] }): Finding[] {
  if (!sender) {
    const others = opts.known.length ? `; this account has ${opts.known.join(', ')}` : '; this account has no WhatsApp senders';
    return [
      fail(
        `${senderId} is not a WhatsApp sender on this account${others}`,
        opts.known.length ? `set TWILIO_WHATSAPP_FROM to one of them, or register ${senderId} on Console → Messaging → Senders → WhatsApp senders` : `register it on Console → Messaging → Senders → WhatsApp senders, or use the sandbox (TWILIO_WHATSAPP_FROM=whatsapp:+14155238886)`,
      ),
    ];
  }
  const where = senderConsolePath(senderId);
  const findings: Finding[] = [];
  const status = sender.status.toUpperCase();
  if (status === 'ONLINE' || status === 'ONLINE:UPDATING') {
    findings.push(ok(`WhatsApp sender ${senderId} is ${status}${status === 'ONLINE:UPDATING' ? ' (a profile change is being applied)' : ''}`));
  } else if (status === 'OFFLINE') {
    const reasons = sender.offlineReasons.map((r) => [r.code, r.message].filter(Boolean).join(' ')).filter(Boolean);
    findings.push(fail(`WhatsApp sender ${senderId} is OFFLINE${reasons.length ? ` (${reasons.join('; ')})` : ''}: messages from it fail`, `${where} shows why; fix it there or in Meta Business Manager`));
  } else {
    const why = NOT_YET_ONLINE[status] ?? `has status ${sender.status}`;
    findings.push(fail(`WhatsApp sender ${senderId} ${why}: it cannot send until it is ONLINE`, `finish its registration on ${where}`));
  }

  if (opts.checkInbound) {
    const field = `${where} → Webhook URL for incoming messages = ${urls.inbound} (HTTP POST)`;
    if (!sender.callbackUrl) {
      findings.push(fail(`${senderId} has no webhook URL for incoming messages: replies and STOP never reach the relay (expected ${urls.inbound})`, `set ${field}`));
    } else if (!sameWebhookUrl(urls.inbound, sender.callbackUrl)) {
      findings.push(fail(`${senderId} sends incoming messages to ${displayUrl(sender.callbackUrl)}, expected ${urls.inbound}`, `set ${field}`));
    } else if (!isPost(sender.callbackMethod)) {
      findings.push(fail(`${senderId} calls its incoming-message webhook with HTTP ${sender.callbackMethod}: the relay only accepts POST`, `set ${field}`));
    } else {
      findings.push(ok(`${senderId} sends incoming messages to ${urls.inbound}`));
    }

    const fallbackField = `${where} → Fallback URL for incoming messages = ${urls.fallback} (HTTP POST)`;
    if (!sender.fallbackUrl) {
      findings.push(warn(`${senderId} has no fallback URL (optional): if the inbound URL fails, Twilio only logs error 11200`, `set ${fallbackField}`));
    } else if (!sameWebhookUrl(urls.fallback, sender.fallbackUrl)) {
      findings.push(warn(`${senderId} fallback URL is ${displayUrl(sender.fallbackUrl)}, expected ${urls.fallback}`, `set ${fallbackField}`));
    } else if (!isPost(sender.fallbackMethod)) {
      findings.push(warn(`${senderId} calls its fallback URL with HTTP ${sender.fallbackMethod}: the relay only accepts POST`, `set ${fallbackField}`));
    } else {
      findings.push(ok(`${senderId} fallback URL is ${urls.fallback}`));
    }
  }

  // Status callbacks travel with each message (StatusCallback), which wins over a sender-level URL.
  if (!sender.statusCallbackUrl) {
    findings.push(ok(`${senderId} has no sender-level status callback URL (not needed: each send carries StatusCallback=${urls.status})`));
  } else if (sameWebhookUrl(urls.status, sender.statusCallbackUrl)) {
    findings.push(ok(`${senderId} sender-level status callback URL is ${urls.status} (optional; each send also carries it)`));
  } else {
    findings.push(
      warn(
        `${senderId} has the sender-level status callback URL ${displayUrl(sender.statusCallbackUrl)}: the relay's own sends are unaffected (each carries StatusCallback), but statuses of messages sent by other tools go there`,
        `clear ${where} → Status callback URL, or set it to ${urls.status}, unless another system uses it`,
      ),
    );
  }
  return findings;
}

type SdkSender = Awaited<ReturnType<twilio.Twilio['messaging']['v2']['channelsSenders']['list']>>[number];

function toView(s: SdkSender): SenderView {
  const w = s.webhook;
  return {
    senderId: s.senderId ?? '',
    status: s.status ?? '',
    callbackUrl: w?.callbackUrl ?? null,
    callbackMethod: w?.callbackMethod ?? null,
    fallbackUrl: w?.fallbackUrl ?? null,
    fallbackMethod: w?.fallbackMethod ?? null,
    statusCallbackUrl: w?.statusCallbackUrl ?? null,
    offlineReasons: (s.offlineReasons ?? []).map((r) => ({ code: r.code ?? null, message: r.message ?? null })),
  };
}

/** Looks every WhatsApp sender up in one listing (the API has no lookup by number). */
export async function checkWhatsAppSenders(client: twilio.Twilio, senderIds: string[], urls: WebhookUrls, opts: { checkInbound: boolean }): Promise<Finding[]> {
  let senders: SenderView[];
  try {
    // `channel` is required by the SDK (it throws before any request without it); list() follows every page.
    senders = (await client.messaging.v2.channelsSenders.list({ channel: 'whatsapp' })).map(toView);
  } catch (err) {
    const f = sdkFailure(err);
    return [fail(`could not list the WhatsApp senders (${describeFailure(f)}), so ${senderIds.join(', ')} was not checked`, failureFix(f))];
  }
  const known = senders.map((s) => s.senderId).filter(Boolean);
  return senderIds.flatMap((id) =>
    senderFindings(
      id,
      senders.find((s) => s.senderId.toLowerCase() === id.toLowerCase()),
      urls,
      { ...opts, known },
    ),
  );
}
