/**
 * The Request → Result map of extension/messages.ts. Every request is validated at this edge (it comes
 * from a content script or an extension page); every answer is a Result, never a thrown error.
 */
import { z } from 'zod';
import { ConsentInput, E164, SendInput, type Me, type TemplateList } from '../../shared/api.ts';
import { ReportQuery } from '../../shared/reports.ts';
import { MAX_SUMMARY_IDS, type PageSettings, type Request, type ResponseMap, type Result } from '../messages.ts';
import { PANEL_STRINGS } from '../panel/strings-all.ts';
import { failure, type RelayClient } from './relay-client.ts';
import { normalizePairingCode } from '../../shared/pairing.ts';
import { normalizeRelayUrl } from '../options/urls.ts';

export type RequestType = Request['type'];
export type Handlers = { [K in RequestType]: (req: Extract<Request, { type: K }>) => Promise<Result<ResponseMap[K]>> };

const Phone = z.string().trim().pipe(E164);

export const RequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('me'), refresh: z.boolean().optional() }),
  z.object({ type: z.literal('contact.get'), phone: Phone, pinpointId: z.string().max(40).optional() }),
  z.object({ type: z.literal('consent.set'), phone: Phone, input: ConsentInput }),
  z.object({ type: z.literal('templates.list'), refresh: z.boolean().optional() }),
  z.object({ type: z.literal('message.send'), input: SendInput, idempotencyKey: z.string().min(8).max(200) }),
  z.object({ type: z.literal('replies.seen'), phone: z.string().min(1).max(40) }),
  z.object({ type: z.literal('options.open') }),
  z.object({ type: z.literal('settings.page') }),
  z.object({ type: z.literal('strings.panel'), locale: z.enum(['es', 'pt']) }),
  z.object({ type: z.literal('contacts.summary'), pinpointIds: z.array(z.string().regex(/^\d{1,18}$/)).min(1).max(MAX_SUMMARY_IDS) }),
  z.object({ type: z.literal('reports.delivery'), query: ReportQuery }),
  z.object({
    type: z.literal('pair'),
    relayUrl: z.string().max(2000).refine((v) => normalizeRelayUrl(v) !== null, 'must be an http:// or https:// URL'),
    code: z.string().max(40).refine((v) => normalizePairingCode(v) !== null, 'is not a pairing code (10 letters and digits, like ABCDE-23456)'),
    name: z.string().trim().min(1).max(100),
  }),
]);

export const REQUEST_TYPES: readonly RequestType[] = ['me', 'contact.get', 'consent.set', 'templates.list', 'message.send', 'replies.seen', 'options.open', 'settings.page', 'strings.panel', 'contacts.summary', 'reports.delivery', 'pair'];

/**
 * Requests only the extension's own pages may make, never a content script: 'pair' rewrites the
 * connection settings, which nothing running on a CRM page should be able to do.
 */
export const EXTENSION_PAGE_ONLY: readonly RequestType[] = ['pair'];

/** Whether a request of this type is accepted from this sender (`senderUrl` vs the extension's own base URL). */
export function allowedFromSender(type: RequestType, senderUrl: string | undefined, extensionBaseUrl: string): boolean {
  if (!EXTENSION_PAGE_ONLY.includes(type)) return true;
  return senderUrl !== undefined && extensionBaseUrl !== '' && senderUrl.startsWith(extensionBaseUrl);
}

export function isRequestLike(message: unknown): message is { type: RequestType } {
  return (
    typeof message === 'object' &&
    message !== null &&
    typeof (message as { type?: unknown }).type === 'string' &&
    (REQUEST_TYPES as readonly string[]).includes((message as { type: string }).type)
  );
}

export interface HandlerDeps {
  client: RelayClient;
  badge: { seen(phone: string): Promise<void> };
  openOptions: () => Promise<void>;
  /** The page-safe part of the settings (no relay URL, no token). */
  pageSettings: () => Promise<PageSettings>;
  now?: () => number;
  /** How long a template list is reused without asking the relay (the relay caches Twilio's list too). */
  templatesTtlMs?: number;
  /** How long the token's identity (role) is reused: every list page asks for it. Default one minute. */
  meTtlMs?: number;
  /** Stores a freshly paired connection (normalised Relay URL and the new token) in the settings. Without it, 'pair' is refused. */
  savePairing?: (relayUrl: string, token: string) => Promise<void>;
}

export function createHandlers(deps: HandlerDeps): Handlers & { clearCache(): void } {
  const now = deps.now ?? Date.now;
  const ttl = deps.templatesTtlMs ?? 5 * 60_000;
  const meTtl = deps.meTtlMs ?? 60_000;
  let templates: { at: number; data: TemplateList } | null = null;
  let me: { at: number; data: Me } | null = null;

  return {
    clearCache() {
      templates = null;
      me = null;
    },
    me: async (req) => {
      if (!req.refresh && me && now() - me.at < meTtl) return { ok: true, data: me.data };
      const result = await deps.client.me();
      me = result.ok ? { at: now(), data: result.data } : null;
      return result;
    },
    'contact.get': (req) => deps.client.contact(req.phone, req.pinpointId),
    'consent.set': (req) => deps.client.setConsent(req.phone, req.input),
    'templates.list': async (req) => {
      if (!req.refresh && templates && now() - templates.at < ttl) return { ok: true, data: templates.data };
      const result = await deps.client.templates(Boolean(req.refresh));
      if (result.ok) templates = { at: now(), data: result.data };
      return result;
    },
    'message.send': (req) => deps.client.send(req.input, req.idempotencyKey),
    'replies.seen': async (req) => {
      await deps.badge.seen(req.phone);
      return { ok: true, data: null };
    },
    'settings.page': async () => ({ ok: true, data: await deps.pageSettings() }),
    'strings.panel': async (req) => ({ ok: true, data: PANEL_STRINGS[req.locale] }),
    'contacts.summary': (req) => deps.client.contactSummaries([...new Set(req.pinpointIds)]),
    'reports.delivery': (req) => deps.client.deliveryReport(req.query),
    pair: async (req) => {
      const relayUrl = normalizeRelayUrl(req.relayUrl);
      if (relayUrl === null) return failure('VALIDATION_FAILED', 'relayUrl: must be an http:// or https:// URL', { status: 422 });
      if (!deps.savePairing) return failure('INTERNAL', 'Pairing is not available in this part of the extension.');
      const result = await deps.client.pair(relayUrl, req.code, req.name);
      if (!result.ok) return result;
      try {
        await deps.savePairing(relayUrl, result.data.token);
      } catch (err) {
        // The code is spent by now: say so, so the rep asks for a new one instead of retrying it.
        return failure('INTERNAL', `Paired, but the new token could not be saved (${err instanceof Error ? err.message : String(err)}). Ask for a new code and try again.`);
      }
      templates = null;
      me = null;
      return { ok: true, data: { name: result.data.name, role: result.data.role, relayUrl } };
    },
    'options.open': async () => {
      try {
        await deps.openOptions();
        return { ok: true, data: null };
      } catch (err) {
        return failure('INTERNAL', `Could not open the options: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  };
}

/** Validates an incoming message and dispatches it. Never throws. */
export async function handleMessage(handlers: Handlers, message: unknown): Promise<Result<unknown>> {
  const parsed = RequestSchema.safeParse(message);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return failure('VALIDATION_FAILED', first ? `${first.path.join('.') || 'request'}: ${first.message}` : 'Invalid request.', {
      status: 422,
    });
  }
  const req = parsed.data as Request;
  try {
    const handler = handlers[req.type] as (r: Request) => Promise<Result<unknown>>;
    return await handler(req);
  } catch (err) {
    return failure('INTERNAL', err instanceof Error ? err.message : String(err));
  }
}
