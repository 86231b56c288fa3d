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
]);

export const REQUEST_TYPES: readonly RequestType[] = ['me', 'contact.get', 'consent.set', 'templates.list', 'message.send', 'replies.seen', 'options.open', 'settings.page', 'strings.panel', 'contacts.summary', 'reports.delivery'];

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
