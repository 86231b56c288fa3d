/**
 * The real Twilio behind the TwilioGateway interface, through the official `twilio` SDK only.
 *
 * Transport: we always build our own `RequestClient` and hand it to the SDK as `httpClient`. Two
 * reasons. (1) TWILIO_API_BASE_URL: the wrapper rewrites every `https://{api,content}.twilio.com/…`
 * URI to the configured origin (one origin serves both; the paths `/2010-04-01/…` and `/v1/…` don't
 * collide). (2) The SDK applies `autoRetry`, `maxRetries` and `timeout` from the client options ONLY
 * when it builds its default RequestClient; as soon as an `httpClient` is passed they are silently
 * ignored, so they have to go into the RequestClient constructor.
 */
import twilio from 'twilio';
import type RequestClientT from 'twilio/lib/base/RequestClient.js';
import type SdkResponse from 'twilio/lib/http/response.js';
import type { MessageStatus, Template } from '../../shared/api.ts';
import { MESSAGE_STATUSES } from '../../shared/api.ts';
import { extractVariables } from '../../shared/templates.ts';
import { TWILIO_ERRORS, explainTwilioError } from '../../shared/twilio-errors.ts';
import { RelayError } from '../errors.ts';
import type { SendRequest, SendResult, SentRecord, TwilioGateway } from './gateway.ts';

export interface TwilioGatewayOptions {
  accountSid: string;
  authToken: string;
  /** whatsapp:+E164 or plain E.164 (normalised to whatsapp:+…). */
  from?: string;
  /** MG… ; Twilio picks the sender from the service's pool (From may still pin one). */
  messagingServiceSid?: string;
  /** TWILIO_API_BASE_URL: every REST call goes to this origin instead of *.twilio.com. */
  apiBaseUrl?: string;
  /** Per-request timeout. */
  timeoutMs?: number;
}

export const SANDBOX_FROM = 'whatsapp:+14155238886';

/**
 * 15 s, not the SDK's 30 s: a rep is waiting on the send button, and the relay's own route has to
 * answer. A timeout does not prove Twilio dropped the message (it may have been created), which is
 * why callers use an idempotency key rather than blind resends.
 */
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The SDK retries only HTTP 429 (with autoRetry), and a 429/20429 request was never processed by
 * Twilio, so retrying it cannot double-send. Note the SDK reads `maxRetries || 3`: 0 would mean 3.
 */
const MAX_RETRIES = 2;

type RequestOptions<TData> = RequestClientT.RequestOptions<TData>;
type RequestClientOptions = RequestClientT.RequestClientOptions;

/** api.twilio.com, content.twilio.com, and their region/edge forms (api.dublin.ie1.twilio.com…). */
const TWILIO_HOST = /^[a-z0-9-]+(\.[a-z0-9-]+)*\.twilio\.com$/i;

export function rewriteTwilioUri(uri: string, apiBaseUrl: string): string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return uri;
  }
  // Only Twilio's hosts: next_page_url values already pointing at the local origin pass through.
  if (!TWILIO_HOST.test(u.hostname)) return uri;
  return apiBaseUrl.replace(/\/+$/, '') + u.pathname + u.search;
}

/** A RequestClient that sends Twilio's hosts to `apiBaseUrl` (when given); everything else unchanged. */
class RelayRequestClient extends twilio.RequestClient {
  readonly #apiBaseUrl: string | undefined;

  constructor(opts: RequestClientOptions, apiBaseUrl: string | undefined) {
    super(opts);
    this.#apiBaseUrl = apiBaseUrl;
  }

  override request<TData>(opts: RequestOptions<TData>): Promise<SdkResponse<TData>> {
    const uri = this.#apiBaseUrl ? rewriteTwilioUri(opts.uri, this.#apiBaseUrl) : opts.uri;
    return super.request({ ...opts, uri });
  }
}

/** whatsapp:+E164 from `+E164`, `E164` or already-prefixed input; other channel prefixes are kept. */
export function toWhatsAppAddress(address: string): string {
  const a = address.trim();
  if (/^[a-z]+:/i.test(a)) return a;
  return 'whatsapp:' + (a.startsWith('+') ? a : '+' + a);
}

const isStatus = (s: unknown): s is MessageStatus =>
  typeof s === 'string' && (MESSAGE_STATUSES as readonly string[]).includes(s);

interface SdkErrorLike {
  status?: unknown;
  code?: unknown;
  message?: unknown;
  isAxiosError?: unknown;
}

/**
 * SDK and transport errors → RelayError. Exported for the `doctor` command and tests.
 * - RestException/TwilioServiceException with 429 or code 20429 → RATE_LIMITED (retries exhausted)
 * - 5xx → TWILIO_UNAVAILABLE; other 4xx → TWILIO_REJECTED with Twilio's code and the human text
 * - timeouts, resets, refused connections, DNS → TWILIO_UNAVAILABLE
 * Anything else (a bug, a bad option) is rethrown untouched so it surfaces as INTERNAL, not as Twilio.
 */
export function toRelayError(err: unknown, timeoutMs = DEFAULT_TIMEOUT_MS): unknown {
  if (err instanceof RelayError) return err;
  if (!err || typeof err !== 'object') return err;
  const e = err as SdkErrorLike;
  const rawMessage = typeof e.message === 'string' ? e.message : '';

  const isHttpError = err instanceof twilio.RestException || (typeof e.status === 'number' && e.isAxiosError !== true);
  if (isHttpError && typeof e.status === 'number') {
    const status = e.status;
    const twilioCode = typeof e.code === 'number' && e.code > 0 ? e.code : undefined;
    const details = twilioCode === undefined ? {} : { twilioCode };
    // Known codes get the rep-facing sentence; for others Twilio's own message says more than a generic
    // "error N" would (e.g. 21604 "A 'To' phone number is required"), so keep it and append the code.
    const explained = twilioCode !== undefined && Object.hasOwn(TWILIO_ERRORS, twilioCode) ? explainTwilioError(twilioCode) : '';
    if (status === 429 || twilioCode === 20429) {
      return new RelayError('RATE_LIMITED', explained || 'Twilio is busy. Try again in a moment.', details);
    }
    if (status >= 500) {
      // A 5xx may come after Twilio created the message: the outcome is unknown, not a refusal.
      return new RelayError('TWILIO_UNAVAILABLE', `Twilio is not available right now (HTTP ${status}). Try again in a moment.`, { ...details, sendOutcome: 'unknown' });
    }
    const fallback = rawMessage
      ? (twilioCode === undefined ? rawMessage : `${rawMessage} (Twilio error ${twilioCode})`)
      : explainTwilioError(twilioCode) || `Twilio refused the request (HTTP ${status}).`;
    return new RelayError('TWILIO_REJECTED', explained || fallback, details);
  }

  // axios/Node transport errors carry a string code (ECONNRESET, ECONNREFUSED, ECONNABORTED, ETIMEDOUT, ENOTFOUND, ERR_NETWORK…).
  if (e.isAxiosError === true || (typeof e.code === 'string' && /^(E[A-Z_]+|ERR_[A-Z_]+)$/.test(e.code))) {
    const code = typeof e.code === 'string' ? e.code : '';
    const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(rawMessage);
    // Only a connection that was never made proves Twilio never saw the request. A timeout or a
    // connection cut after the request went out leaves the outcome unknown.
    const neverConnected = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
    return new RelayError(
      'TWILIO_UNAVAILABLE',
      timedOut ? `Twilio did not answer within ${timeoutMs} ms. Try again in a moment.` : `Could not reach Twilio (${code || rawMessage || 'network error'}). Try again in a moment.`,
      neverConnected ? {} : { sendOutcome: 'unknown' },
    );
  }
  return err;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function bodyOf(types: unknown): string {
  if (!types || typeof types !== 'object') return '';
  const t = types as Record<string, unknown>;
  const text = t['twilio/text'];
  const textBody = text && typeof text === 'object' ? str((text as Record<string, unknown>).body) : undefined;
  if (textBody !== undefined) return textBody;
  for (const value of Object.values(t)) {
    const b = value && typeof value === 'object' ? str((value as Record<string, unknown>).body) : undefined;
    if (b !== undefined) return b;
  }
  return '';
}

export function approvalOf(approvalRequests: unknown): { status: string; category: string } {
  if (!approvalRequests || typeof approvalRequests !== 'object') return { status: '', category: '' };
  const a = approvalRequests as Record<string, unknown>;
  // ContentAndApprovals returns the WhatsApp approval FLAT (reference §6; Chatwoot #15350 hid every template by
  // expecting it under `whatsapp`). The nested form is only read when the flat one is absent, as a safety net.
  const nested = a.whatsapp && typeof a.whatsapp === 'object' ? (a.whatsapp as Record<string, unknown>) : undefined;
  const status = str(a.status) ?? str(nested?.status) ?? '';
  const category = str(a.category) || str(nested?.category) || '';
  return { status, category };
}

function samplesOf(variables: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!variables || typeof variables !== 'object') return out;
  for (const [k, v] of Object.entries(variables as Record<string, unknown>)) {
    if (v !== null && v !== undefined) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}

export interface TwilioClient {
  client: twilio.Twilio;
  /** Ends idle keep-alive sockets so a command or test can exit promptly. */
  close(): void;
}

/**
 * The SDK client every relay part uses (the gateway, `doctor`): our RequestClient with the timeout and
 * retry settings, pointed at TWILIO_API_BASE_URL when set. One construction, so `doctor` checks the
 * account through exactly the transport the relay sends with.
 */
export function createTwilioClient(opts: Pick<TwilioGatewayOptions, 'accountSid' | 'authToken' | 'apiBaseUrl' | 'timeoutMs'>): TwilioClient {
  const httpClient = new RelayRequestClient(
    { timeout: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, autoRetry: true, maxRetries: MAX_RETRIES, keepAlive: true },
    opts.apiBaseUrl,
  );
  // region/edge (TWILIO_REGION, TWILIO_EDGE) are left to the SDK: it applies them to the host before our
  // httpClient sees the URI, and the rewrite matches any *.twilio.com host, so both modes still work.
  const client = twilio(opts.accountSid, opts.authToken, { httpClient });
  return {
    client,
    close(): void {
      // Idle keep-alive sockets are unref'd by Node, but an explicit close lets tests and shutdown end promptly.
      const agent = httpClient.axios.defaults.httpsAgent as { destroy?: () => void } | undefined;
      agent?.destroy?.();
    },
  };
}

export function createTwilioGateway(opts: TwilioGatewayOptions): TwilioGateway {
  if (!opts.from && !opts.messagingServiceSid) {
    throw new Error('createTwilioGateway: set `from` (TWILIO_WHATSAPP_FROM) or `messagingServiceSid` (TWILIO_MESSAGING_SERVICE_SID)');
  }
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const from = opts.from ? toWhatsAppAddress(opts.from) : undefined;
  const messagingServiceSid = opts.messagingServiceSid || undefined;

  const { client, close } = createTwilioClient({ ...opts, timeoutMs });

  const mapError = (err: unknown): unknown => toRelayError(err, timeoutMs);

  return {
    simulated: false,
    sender: from ?? (messagingServiceSid as string),
    sandbox: from === SANDBOX_FROM,

    async send(req: SendRequest): Promise<SendResult> {
      const hasTemplate = req.contentSid !== undefined && req.contentSid !== '';
      const hasBody = req.body !== undefined && req.body !== '';
      // Twilio would accept both and do something surprising; the services never ask for it.
      if (hasTemplate === hasBody) {
        throw new RelayError('VALIDATION_FAILED', 'a message is either a template (contentSid) or free-form text (body), not both or neither');
      }
      const params: Parameters<typeof client.messages.create>[0] = {
        to: toWhatsAppAddress(req.to),
        statusCallback: req.statusCallback,
      };
      if (from) params.from = from;
      if (messagingServiceSid) params.messagingServiceSid = messagingServiceSid;
      if (hasTemplate) {
        params.contentSid = req.contentSid;
        // Must be a JSON *string*: an object is serialised by the SDK as ContentVariables[1]=… and
        // Twilio then fills the template with its sample values (reference §4).
        if (req.contentVariables !== undefined) params.contentVariables = JSON.stringify(req.contentVariables);
      } else {
        params.body = req.body;
      }
      try {
        const msg = await client.messages.create(params);
        return { sid: msg.sid, status: isStatus(msg.status) ? msg.status : 'queued' };
      } catch (err) {
        throw mapError(err);
      }
    },

    async findRecent(to: string, since: Date): Promise<SentRecord[]> {
      let items: Awaited<ReturnType<typeof client.messages.list>>;
      try {
        // Newest first; 50 covers the minutes around one send to one contact many times over.
        items = await client.messages.list({ to: toWhatsAppAddress(to), pageSize: 50, limit: 50 });
      } catch (err) {
        throw mapError(err);
      }
      return items
        .filter((m) => m.dateCreated instanceof Date && m.dateCreated.getTime() >= since.getTime())
        .map((m) => ({ sid: m.sid, status: isStatus(m.status) ? m.status : 'queued', body: m.body ?? null, createdAt: m.dateCreated.toISOString() }));
    },

    async listApprovedTemplates(): Promise<Template[]> {
      let items: Awaited<ReturnType<typeof client.content.v1.contentAndApprovals.list>>;
      try {
        // list() follows meta.next_page_url until it is null.
        items = await client.content.v1.contentAndApprovals.list({ pageSize: 500 });
      } catch (err) {
        throw mapError(err);
      }
      // Keyed on the HX sid: friendly names are not unique, and a page boundary moving mid-listing
      // could otherwise show the same template twice.
      const bySid = new Map<string, Template>();
      for (const item of items) {
        const { status, category } = approvalOf(item.approvalRequests);
        if (status.toLowerCase() !== 'approved' || !item.sid) continue;
        const body = bodyOf(item.types);
        bySid.set(item.sid, {
          sid: item.sid,
          name: item.friendlyName ?? item.sid,
          language: item.language ?? '',
          category: category.toUpperCase(),
          body,
          variables: extractVariables(body),
          samples: samplesOf(item.variables),
        });
      }
      return [...bySid.values()];
    },

    async close(): Promise<void> {
      close();
    },
  };
}
