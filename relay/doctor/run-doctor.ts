/**
 * `npm run relay -- doctor`: the configuration first (cheap, offline), then, in live mode, the Twilio
 * account through the same SDK client the relay sends with. Read-only: nothing on Twilio or on disk
 * is created or changed.
 */
import type { Config } from '../config.ts';
import { SANDBOX_FROM, createTwilioClient, type TwilioClient } from '../twilio/twilio-gateway.ts';
import { checkAccount } from './check-account.ts';
import { checkDatabase } from './check-database.ts';
import { checkMessagingService } from './check-messaging-service.ts';
import { checkPublicUrl } from './check-public-url.ts';
import { checkWhatsAppSenders, sandboxFindings } from './check-sender.ts';
import { checkTemplates } from './check-templates.ts';
import { ok, warn, type Finding } from './finding.ts';
import type { ReportSection } from './format-report.ts';
import { webhookUrls } from './webhook-urls.ts';

/** Shorter than the relay's 15 s: an admin is watching, and five calls run one after another. */
const DOCTOR_TIMEOUT_MS = 10_000;

export interface DoctorReport {
  header: string[];
  sections: ReportSection[];
}

const GO_LIVE =
  'to go live set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Console → Account Dashboard → Account Info), TWILIO_WHATSAPP_FROM (or TWILIO_MESSAGING_SERVICE_SID) and PUBLIC_URL=https://…, then run doctor again';

function modeFinding(config: Config): Finding {
  const t = config.twilio;
  if (t.mode === 'simulator') {
    return warn('SIMULATOR mode: TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set, so messages are simulated and nothing reaches WhatsApp', GO_LIVE);
  }
  const sender = [t.from && `TWILIO_WHATSAPP_FROM=${t.from}`, t.messagingServiceSid && `TWILIO_MESSAGING_SERVICE_SID=${t.messagingServiceSid}`].filter(Boolean).join(', ');
  return ok(`live Twilio mode (account ${t.accountSid}, ${sender})`);
}

export async function runDoctor(config: Config, opts: { createClient?: typeof createTwilioClient } = {}): Promise<DoctorReport> {
  const t = config.twilio;
  const header = [
    t.mode === 'live'
      ? `Relay doctor — live Twilio, account ${t.accountSid}, TWILIO_AUTH_TOKEN set (hidden)`
      : 'Relay doctor — simulator mode',
  ];
  if (t.mode === 'live' && t.apiBaseUrl) header.push(`Twilio REST calls go to ${t.apiBaseUrl} (TWILIO_API_BASE_URL), not to Twilio`);

  const sections: ReportSection[] = [
    { title: 'Configuration', findings: [modeFinding(config), ...checkPublicUrl(config.publicUrl, t.mode), checkDatabase(config.database)] },
  ];
  if (t.mode !== 'live') return { header, sections };

  const urls = webhookUrls(config.publicUrl);
  let twilioClient: TwilioClient | undefined;
  try {
    twilioClient = (opts.createClient ?? createTwilioClient)({
      accountSid: t.accountSid,
      authToken: t.authToken,
      ...(t.apiBaseUrl ? { apiBaseUrl: t.apiBaseUrl } : {}),
      timeoutMs: DOCTOR_TIMEOUT_MS,
    });
    const { client } = twilioClient;

    const account = await checkAccount(client, t.accountSid);
    sections.push({
      title: 'Twilio account',
      findings: account.findings,
      ...(account.usable ? {} : { notes: ['The sender, webhook and template checks were skipped: they need working credentials.'] }),
    });
    if (!account.usable) return { header, sections };

    const senderFindings: Finding[] = [];
    // Without a service, the sender's own webhook receives incoming messages.
    let inboundOnSender = true;
    let senderIds = t.from && t.from !== SANDBOX_FROM ? [t.from] : [];
    if (t.messagingServiceSid) {
      const { findings, service } = await checkMessagingService(client, t.messagingServiceSid, urls, t.from);
      senderFindings.push(...findings);
      if (service) {
        inboundOnSender = service.useInboundWebhookOnNumber;
        const pool = service.channelSenders.filter((s) => s.toLowerCase().startsWith('whatsapp:') && s !== SANDBOX_FROM);
        senderIds = [...new Set([...senderIds, ...pool])];
      }
    }
    if (t.from === SANDBOX_FROM) senderFindings.push(...sandboxFindings(urls));
    if (senderIds.length) senderFindings.push(...(await checkWhatsAppSenders(client, senderIds, urls, { checkInbound: inboundOnSender })));
    sections.push({ title: t.messagingServiceSid ? 'Messaging Service and senders' : 'WhatsApp sender', findings: senderFindings });

    sections.push({ title: 'Templates', findings: await checkTemplates(client) });
    return { header, sections };
  } finally {
    twilioClient?.close();
  }
}
