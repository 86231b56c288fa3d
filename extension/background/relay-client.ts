/**
 * The only code that talks to the relay's HTTP API. Every answer is validated with the shared zod
 * schemas; every failure becomes a RelayFailure with a stable code:
 *   NOT_CONFIGURED  no Relay URL / Access token in the options
 *   OFFLINE         the relay could not be reached (network error, DNS, refused, timeout)
 *   BAD_RESPONSE    the relay answered something that is not its JSON contract
 *   <relay code>    the relay's own {error: {code, message, twilioCode}} with the HTTP status
 */
import type { z } from 'zod';
import {
  ApiError,
  Consent,
  ContactState,
  Me,
  Message,
  TemplateList,
  type ConsentInput,
  type SendInput,
} from '../../shared/api.ts';
import { ContactSummaries, DeliveryReport } from '../../shared/reports.ts';
import { PairResult } from '../../shared/pairing.ts';
import type { ReportRequestQuery, RelayFailure, Result } from '../messages.ts';
import type { Settings } from '../options/storage.ts';
import { normalizeRelayUrl } from '../options/urls.ts';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface RelayClientDeps {
  getSettings: () => Promise<Pick<Settings, 'relayUrl' | 'token'>>;
  fetch?: FetchLike;
  /** Per request; the live stream has its own handling. Default 15 s. */
  timeoutMs?: number;
}

export interface RelayEndpoint {
  baseUrl: string;
  token: string;
}

export function failure(code: string, message: string, extra: { status?: number; twilioCode?: number } = {}): { ok: false; error: RelayFailure } {
  const error: RelayFailure = { code, message };
  if (extra.status !== undefined) error.status = extra.status;
  if (extra.twilioCode !== undefined) error.twilioCode = extra.twilioCode;
  return { ok: false, error };
}

/** Settings → where to call, or the NOT_CONFIGURED failure. */
export function endpointFrom(settings: Pick<Settings, 'relayUrl' | 'token'>): { ok: true; data: RelayEndpoint } | { ok: false; error: RelayFailure } {
  const baseUrl = normalizeRelayUrl(settings.relayUrl ?? '');
  if (!baseUrl) return failure('NOT_CONFIGURED', 'Set the Relay URL in the extension options.');
  const token = (settings.token ?? '').trim();
  if (!token) return failure('NOT_CONFIGURED', 'Set your Access token in the extension options.');
  return { ok: true, data: { baseUrl, token } };
}

/** Turns any non-2xx answer into a RelayFailure. */
export async function failureFromResponse(res: Response): Promise<{ ok: false; error: RelayFailure }> {
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = ApiError.safeParse(json);
  if (parsed.success) {
    const { code, message, twilioCode } = parsed.data.error;
    return failure(code, message, { status: res.status, ...(twilioCode !== undefined ? { twilioCode } : {}) });
  }
  if (res.status === 401) return failure('UNAUTHORIZED', 'The relay refused the access token.', { status: 401 });
  return failure('BAD_RESPONSE', `The relay answered HTTP ${res.status} without its usual error details. Is the Relay URL right?`, {
    status: res.status,
  });
}

export function offline(baseUrl: string, err: unknown): { ok: false; error: RelayFailure } {
  const timedOut = err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError');
  return failure(
    'OFFLINE',
    timedOut ? `The relay at ${baseUrl} did not answer in time.` : `Cannot reach the relay at ${baseUrl}. Check the Relay URL and your connection.`,
  );
}

interface CallOptions {
  /** An array repeats the parameter (`?pinpointId=1&pinpointId=2`). */
  query?: Record<string, string | readonly string[] | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
}

export function createRelayClient(deps: RelayClientDeps) {
  const doFetch: FetchLike = deps.fetch ?? ((input, init) => fetch(input, init));
  const timeoutMs = deps.timeoutMs ?? 15_000;

  async function call<S extends z.ZodType>(method: string, path: string, schema: S, opts: CallOptions = {}): Promise<Result<z.infer<S>>> {
    const endpoint = endpointFrom(await deps.getSettings());
    if (!endpoint.ok) return endpoint;
    return request(endpoint.data.baseUrl, endpoint.data.token, method, path, schema, opts);
  }

  /** One HTTP call to `baseUrl`; `token` null = no Authorization header (POST /v1/pair). */
  async function request<S extends z.ZodType>(baseUrl: string, token: string | null, method: string, path: string, schema: S, opts: CallOptions = {}): Promise<Result<z.infer<S>>> {
    const url = new URL(baseUrl + path);
    for (const [k, v] of Object.entries(opts.query ?? {})) {
      if (typeof v === 'string') url.searchParams.set(k, v);
      else for (const item of v ?? []) url.searchParams.append(k, item);
    }

    const headers: Record<string, string> = { Accept: 'application/json', ...(token === null ? {} : { Authorization: `Bearer ${token}` }), ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';

    let res: Response;
    try {
      res = await doFetch(url.toString(), {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(timeoutMs),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      return offline(baseUrl, err);
    }
    if (!res.ok) return failureFromResponse(res);

    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      if (err instanceof DOMException) return offline(baseUrl, err); // the body was cut off (timeout/abort)
      return failure('BAD_RESPONSE', 'The relay answered with something that is not JSON. Is the Relay URL right?', { status: res.status });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? `${first.path.join('.') || 'answer'}: ${first.message}` : 'unexpected shape';
      return failure('BAD_RESPONSE', `The relay's answer was not understood (${where}). The relay and the extension may be different versions.`, {
        status: res.status,
      });
    }
    return { ok: true, data: parsed.data };
  }

  const phonePath = (phone: string) => `/v1/contacts/${encodeURIComponent(phone)}`;

  return {
    me: () => call('GET', '/v1/me', Me),
    contact: (phone: string, pinpointId?: string) => call('GET', phonePath(phone), ContactState, { query: { pinpointId } }),
    setConsent: (phone: string, input: ConsentInput) => call('PUT', `${phonePath(phone)}/consent`, Consent, { body: input }),
    templates: (refresh = false) => call('GET', '/v1/templates', TemplateList, { query: { refresh: refresh ? '1' : undefined } }),
    send: (input: SendInput, idempotencyKey: string) =>
      call('POST', '/v1/messages', Message, { body: input, headers: { 'Idempotency-Key': idempotencyKey } }),
    contactSummaries: (pinpointIds: readonly string[]) => call('GET', '/v1/contacts', ContactSummaries, { query: { pinpointId: pinpointIds } }),
    deliveryReport: (q: ReportRequestQuery) =>
      call('GET', '/v1/reports/delivery', DeliveryReport, { query: { from: q.from, to: q.to, groupBy: q.groupBy, rep: q.rep } }),
    /**
     * Trades a pairing code for a token of one's own at `relayUrl` (not the saved one: pairing is how a
     * browser gets its first token). No Authorization header; the answer is validated like any other.
     */
    pair: (relayUrl: string, code: string, name: string): Promise<Result<PairResult>> => {
      const baseUrl = normalizeRelayUrl(relayUrl);
      if (!baseUrl) return Promise.resolve(failure('NOT_CONFIGURED', 'Set the Relay URL in the extension options.'));
      return request(baseUrl, null, 'POST', '/v1/pair', PairResult, { body: { code, name } });
    },
  };
}

export type RelayClient = ReturnType<typeof createRelayClient>;
