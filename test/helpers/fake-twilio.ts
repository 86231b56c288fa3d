/**
 * A Twilio-compatible fake REST server over real HTTP (node:http on 127.0.0.1, an ephemeral port), for
 * driving the official SDK end to end: point the relay's TWILIO_API_BASE_URL (or the gateway's
 * `apiBaseUrl`) at `fake.url`.
 *
 * Why not Prism (reference §9): its errors are not Twilio-shaped, it keeps no state and it can't be told
 * to fail. Why not only an in-memory httpClient: the SDK's real transport (axios, keep-alive, timeouts,
 * 429 retries, paging through next_page_url) is part of what we test.
 *
 * Every Messages POST is checked against Twilio's own OpenAPI description (the CreateMessage form schema)
 * plus the rules that the spec only states in prose. A violation is recorded on the request AND answered
 * with a 400, so a test that forgets to look at `specErrors` still fails loudly.
 *
 * Webhooks (status callbacks, inbound messages) are not sent from here: see twilio-signer.ts.
 *
 * For `doctor` it also serves the read-only account set-up: the Account, the WhatsApp Senders API
 * (/v2/Channels/Senders) and Messaging Services with their ChannelSenders, each in Twilio's wire shape
 * (snake_case; field names checked against the SDK's model classes). Tests change `account`, `senders`
 * and `services` in place between calls.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

// ---- public types ---------------------------------------------------------------------------------

/** A Content API item as Twilio returns it from /v1/ContentAndApprovals (snake_case, approval FLAT). */
export interface FakeContent {
  sid: string;
  friendly_name: string;
  language: string;
  variables: Record<string, string>;
  types: Record<string, Record<string, unknown>>;
  approval_requests: {
    name: string;
    category: string;
    status: string;
    rejection_reason: string;
    content_type: string;
    allow_category_change?: boolean;
  };
  date_created?: string;
  date_updated?: string;
}

/** The Account resource's settable parts (/2010-04-01/Accounts/{Sid}.json). */
export interface FakeAccount {
  status: 'active' | 'suspended' | 'closed';
  type: 'Trial' | 'Full';
  friendly_name: string;
}

/** A sender's webhook block as the Senders API returns it. */
export interface FakeSenderWebhook {
  callback_url: string | null;
  callback_method: string | null;
  fallback_url: string | null;
  fallback_method: string | null;
  status_callback_url: string | null;
  status_callback_method: string | null;
}

/** A WhatsApp sender as /v2/Channels/Senders returns it (snake_case, as on the wire; `url` is added when served). */
export interface FakeSender {
  sid: string;
  /** CREATING | ONLINE | OFFLINE | PENDING_VERIFICATION | VERIFYING | ONLINE:UPDATING | TWILIO_REVIEW | DRAFT | STUBBED */
  status: string;
  /** whatsapp:+E164 */
  sender_id: string;
  friendly_name: string | null;
  configuration: { waba_id: string | null; verification_method: string | null; verification_code: string | null; voice_application_sid: string | null } | null;
  webhook: FakeSenderWebhook | null;
  profile: Record<string, unknown> | null;
  properties: { quality_rating: string | null; messaging_limit: string | null } | null;
  offline_reasons: { code: string | null; message: string | null; more_info: string | null }[] | null;
}

/** A Messaging Service (/v1/Services/{Sid}) plus the addresses in its ChannelSenders pool. */
export interface FakeMessagingService {
  sid: string;
  friendly_name: string;
  inbound_request_url: string | null;
  inbound_method: string;
  fallback_url: string | null;
  fallback_method: string;
  status_callback: string | null;
  /** "Defer to sender's webhook": incoming messages go to each sender's own webhook. */
  use_inbound_webhook_on_number: boolean;
  /** Served as /v1/Services/{Sid}/ChannelSenders (`sender` = whatsapp:+…); not part of the service resource. */
  channel_senders: string[];
}

export interface FakeRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Form fields in order; repeated names keep every value. Empty for non-form bodies. */
  form: Map<string, string[]>;
  /** The parsed body when it was JSON, else undefined. */
  json: unknown;
  rawBody: string;
  /** HTTP Basic credentials matched accountSid:authToken. */
  authOk: boolean;
  /** Ways this request departs from Twilio's API description; [] for a good request. */
  specErrors: string[];
  /** Set when the reply came from failNext() rather than the route. */
  scripted?: FailReply;
}

/** A message the fake created, in Twilio's wire shape plus what the test usually wants to assert on. */
export interface FakeMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string | null;
  contentSid: string | null;
  /** ContentVariables exactly as it arrived (a JSON string when the client is right). */
  contentVariablesRaw: string | null;
  /** ContentVariables parsed, when it was a JSON object of strings. */
  contentVariables: Record<string, string> | null;
  statusCallback: string | null;
  status: string;
  /** The JSON Twilio-style resource returned by create/fetch. */
  resource: Record<string, unknown>;
}

/**
 * A scripted answer. `lostAfterCreate`: a Messages POST IS carried out (the message exists, as at
 * Twilio) but its answer is lost — held until the client times out, cut, or replaced by a 5xx. The
 * case where a blind resend would put a second copy on the contact's phone.
 */
export type FailReply = { status: number; code?: number; message?: string } | 'timeout' | 'reset' | { lostAfterCreate: 'timeout' | 'reset' | number };

export interface FakeTwilio {
  /** Origin, e.g. http://127.0.0.1:54321 (no trailing slash). */
  readonly url: string;
  readonly accountSid: string;
  readonly requests: FakeRequest[];
  readonly messages: FakeMessage[];
  /** The templates currently served. */
  readonly templates: FakeContent[];
  /** The account served at /2010-04-01/Accounts/{Sid}.json; change its fields in place. */
  readonly account: FakeAccount;
  /** WhatsApp senders served by the Senders API; push, splice or edit in place. */
  readonly senders: FakeSender[];
  /** Messaging Services served at /v1/Services/{Sid}; push, splice or edit in place. */
  readonly services: FakeMessagingService[];
  /** The next `n` requests (any route) get `reply` instead of their normal answer; calls queue up. */
  failNext(n: number, reply: FailReply): void;
  /** Drop the scripted failures still queued (requests and messages stay). */
  clearFailures(): void;
  /** Forget requests, messages and scripted failures (templates, account, senders and services stay). */
  reset(): void;
  close(): Promise<void>;
}

export interface FakeTwilioOptions {
  accountSid: string;
  authToken: string;
  templates?: FakeContent[];
  account?: Partial<FakeAccount>;
  senders?: FakeSender[];
  services?: FakeMessagingService[];
  /** Largest page the Content list routes return, whatever PageSize asks (Twilio caps it too). */
  maxPageSize?: number;
}

// ---- default templates ----------------------------------------------------------------------------

export const SANDBOX_APPOINTMENT_SID = 'HXb5b62575e6e4ff6129ad7c8efe1f983e';

function content(
  sid: string,
  name: string,
  body: string,
  variables: Record<string, string>,
  status: string,
  category: string,
  extra: Partial<FakeContent['approval_requests']> = {},
): FakeContent {
  return {
    sid,
    friendly_name: name,
    language: 'en',
    variables,
    types: { 'twilio/text': { body } },
    approval_requests: {
      name,
      category,
      status,
      rejection_reason: '',
      content_type: 'twilio/text',
      allow_category_change: true,
      ...extra,
    },
    date_created: '2025-01-10T10:00:00Z',
    date_updated: '2025-01-11T10:00:00Z',
  };
}

/**
 * Approved: the sandbox appointment reminder (UTILITY, 2 variables), a MARKETING one (1 variable), and
 * one whose status is `Approved` (mixed case, reported live) with its body under twilio/quick-reply.
 * Not offered: one `rejected`, one `pending`.
 */
export function defaultTemplates(): FakeContent[] {
  const quickReply = content(
    'HX5f0ad3a0d5c04c4b9dd9f1c3a2b6e7f1',
    'order_ready',
    '',
    { '1': 'Order_Number' },
    'Approved',
    'utility',
  );
  quickReply.types = {
    'twilio/quick-reply': {
      body: 'Your order {{1}} is ready for pickup. Reply to choose a time.',
      actions: [{ title: 'Today', id: 'today' }, { title: 'Tomorrow', id: 'tomorrow' }],
    },
  };
  quickReply.approval_requests.content_type = 'twilio/quick-reply';
  return [
    content(SANDBOX_APPOINTMENT_SID, 'appointment_reminder', 'Your appointment is coming up on {{1}} at {{2}}', { '1': '12/1', '2': '3pm' }, 'approved', 'UTILITY'),
    content('HX1b2c3d4e5f60718293a4b5c6d7e8f901', 'spring_sale', 'Hi {{1}}, our spring sale starts today: 20% off everything.', { '1': 'Customer_Name' }, 'approved', 'MARKETING'),
    content('HX2c3d4e5f60718293a4b5c6d7e8f90123', 'rejected_promo', 'WIN A PRIZE {{1}}!!!', { '1': 'Name' }, 'rejected', 'MARKETING', {
      rejection_reason: 'INVALID_FORMAT. Promotional content in a utility template.',
    }),
    content('HX3d4e5f60718293a4b5c6d7e8f9012345', 'payment_due', 'Your payment of {{1}} is due on {{2}}.', { '1': '$10', '2': 'May 1' }, 'pending', 'UTILITY'),
    quickReply,
  ];
}

// ---- account set-up (for doctor) ------------------------------------------------------------------

/** A WhatsApp sender, ONLINE with no webhooks unless `over` says otherwise. */
export function whatsappSender(senderId: string, over: { status?: string; webhook?: Partial<FakeSenderWebhook>; offline_reasons?: FakeSender['offline_reasons'] } = {}): FakeSender {
  return {
    sid: 'XE' + randomBytes(16).toString('hex'),
    status: over.status ?? 'ONLINE',
    sender_id: senderId,
    friendly_name: null,
    configuration: { waba_id: '12345678912345', verification_method: 'sms', verification_code: null, voice_application_sid: null },
    webhook: {
      callback_url: null,
      callback_method: 'POST',
      fallback_url: null,
      fallback_method: 'POST',
      status_callback_url: null,
      status_callback_method: 'POST',
      ...over.webhook,
    },
    profile: { name: 'Example Business', about: null, address: null, description: null, logo_url: null, vertical: 'Other', websites: null, emails: null },
    properties: { quality_rating: 'HIGH', messaging_limit: '1K Customers/24hr' },
    offline_reasons: over.offline_reasons ?? null,
  };
}

/** A Messaging Service with no webhooks and an empty pool unless `over` says otherwise. */
export function messagingService(sid: string, over: Partial<Omit<FakeMessagingService, 'sid'>> = {}): FakeMessagingService {
  return {
    sid,
    friendly_name: 'WhatsApp relay',
    inbound_request_url: null,
    inbound_method: 'POST',
    fallback_url: null,
    fallback_method: 'POST',
    status_callback: null,
    use_inbound_webhook_on_number: false,
    channel_senders: [],
    ...over,
  };
}

// ---- spec validation ------------------------------------------------------------------------------

const SPEC_FILE = 'twilio_api_v2010.messages-only.json';
const MESSAGES_PATH = '/2010-04-01/Accounts/{AccountSid}/Messages.json';

/** The spec lives beside the design docs (/work/shared/reference); TWILIO_OPENAPI_DIR overrides. */
function loadSpec(): Record<string, unknown> {
  const candidates = [
    process.env.TWILIO_OPENAPI_DIR,
    fileURLToPath(new URL('../fixtures/twilio-openapi/', import.meta.url)),
    fileURLToPath(new URL('../../../shared/reference/twilio-openapi/', import.meta.url)),
    '/work/shared/reference/twilio-openapi/',
  ].filter((d): d is string => Boolean(d));
  for (const dir of candidates) {
    const file = dir.replace(/\/?$/, '/') + SPEC_FILE;
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  }
  throw new Error(`fake-twilio: ${SPEC_FILE} not found (looked in ${candidates.join(', ')}); set TWILIO_OPENAPI_DIR`);
}

/** Inline `#/components/schemas/…` refs so the form schema compiles on its own. */
function inlineRefs(node: unknown, schemas: Record<string, unknown>): unknown {
  if (Array.isArray(node)) return node.map((n) => inlineRefs(n, schemas));
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (typeof obj.$ref === 'string') {
    const name = obj.$ref.replace('#/components/schemas/', '');
    if (!(name in schemas)) throw new Error(`fake-twilio: unresolved $ref ${obj.$ref}`);
    return inlineRefs(schemas[name], schemas);
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = inlineRefs(v, schemas);
  return out;
}

interface MessageValidators {
  form: ValidateFunction;
  accountSid: RegExp;
  arrayFields: Set<string>;
  response: ValidateFunction;
}

let validators: MessageValidators | undefined;

function messageValidators(): MessageValidators {
  if (validators) return validators;
  const spec = loadSpec() as {
    paths: Record<string, { post: { requestBody: { content: Record<string, { schema: Record<string, unknown> }> }; parameters: { name: string; schema: { pattern: string } }[] } }>;
    components: { schemas: Record<string, unknown> };
  };
  const post = spec.paths[MESSAGES_PATH]?.post;
  const formSchema = post?.requestBody.content['application/x-www-form-urlencoded']?.schema;
  if (!post || !formSchema) throw new Error(`fake-twilio: ${MESSAGES_PATH} POST form schema missing from the spec`);
  const schema = inlineRefs(formSchema, spec.components.schemas) as Record<string, unknown>;
  // Twilio ignores unknown parameters; we don't, because an unknown name here is always a client bug
  // (e.g. `ContentVariables[1]` from passing an object, or a snake_case name).
  schema.additionalProperties = false;

  const ajv = new Ajv({ allErrors: true, coerceTypes: 'array', strict: true, strictTypes: false });
  ajv.addKeyword('x-twilio');
  ajv.addKeyword('example');
  ajv.addFormat('phone-number', {
    type: 'string',
    // E.164, a channel address (whatsapp:+E164, messenger:…, rcs:…), a short code or an alphanumeric sender id.
    validate: (s: string) =>
      /^whatsapp:\+[1-9]\d{6,14}$/.test(s) || (/^(?!whatsapp:)[a-z]+:.+$/.test(s)) || /^\+[1-9]\d{6,14}$/.test(s) || /^\d{3,8}$/.test(s) || /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/.test(s),
  });
  ajv.addFormat('uri', {
    type: 'string',
    validate: (s: string) => {
      try {
        const u = new URL(s);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
  });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('date-time-rfc-2822', { type: 'string', validate: (s: string) => /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/.test(s) });
  ajv.addFormat('currency', { type: 'string', validate: (s: string) => /^[A-Za-z]{3}$/.test(s) });
  ajv.addFormat('uri-map', true); // an object of relative URIs; nothing useful to check

  const arrayFields = new Set<string>();
  for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, { type?: string }>)) {
    if (prop.type === 'array') arrayFields.add(name);
  }
  const accountParam = post.parameters.find((p) => p.name === 'AccountSid');
  const responseSchema = inlineRefs(spec.components.schemas['api.v2010.account.message'], spec.components.schemas) as Record<string, unknown>;
  validators = {
    form: ajv.compile(schema),
    accountSid: new RegExp(accountParam?.schema.pattern ?? '^AC[0-9a-fA-F]{32}$'),
    arrayFields,
    response: ajv.compile({ ...responseSchema, required: ['sid', 'status', 'to', 'account_sid', 'date_created'] }),
  };
  return validators;
}

/** Validates a message resource against the spec's `api.v2010.account.message` schema (for tests of the fake). */
export function messageResourceErrors(resource: unknown): string[] {
  const v = messageValidators().response;
  return v(resource) ? [] : formatAjvErrors(v.errors);
}

function formatAjvErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const where = e.instancePath ? e.instancePath.slice(1) : '(body)';
    if (e.keyword === 'additionalProperties') {
      return `unknown field ${JSON.stringify((e.params as { additionalProperty: string }).additionalProperty)} (not in CreateMessageRequest)`;
    }
    if (e.keyword === 'required') return `missing required field ${(e.params as { missingProperty: string }).missingProperty}`;
    return `${where}: ${e.message ?? e.keyword}`;
  });
}

/** The CreateMessage checks: the OpenAPI schema, then the rules the spec only states in prose. */
function validateCreateMessage(accountSid: string, headers: IncomingHttpHeaders, form: Map<string, string[]>): string[] {
  const v = messageValidators();
  const errors: string[] = [];
  if (!v.accountSid.test(accountSid)) errors.push(`path AccountSid ${JSON.stringify(accountSid)} does not match ${v.accountSid.source}`);
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') errors.push(`Content-Type must be application/x-www-form-urlencoded, got ${JSON.stringify(headers['content-type'] ?? '')}`);

  const data: Record<string, unknown> = {};
  for (const [name, values] of form) {
    if (v.arrayFields.has(name)) data[name] = [...values];
    else if (values.length === 1) data[name] = values[0];
    else {
      errors.push(`field ${name} was sent ${values.length} times but is not a list`);
      data[name] = values[0];
    }
  }
  if (!v.form(data)) errors.push(...formatAjvErrors(v.form.errors));

  const one = (name: string): string | undefined => form.get(name)?.[0];
  const contentSid = one('ContentSid');
  const contentVariables = one('ContentVariables');
  if (contentVariables !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(contentVariables);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      errors.push(`ContentVariables must be a JSON object encoded as a string, got ${JSON.stringify(contentVariables)}`);
    } else {
      for (const [k, val] of Object.entries(parsed)) {
        if (typeof val !== 'string') errors.push(`ContentVariables.${k} must be a string, got ${JSON.stringify(val)}`);
      }
    }
    if (contentSid === undefined) errors.push('ContentVariables requires ContentSid');
  }
  if (contentSid !== undefined && (form.has('Body') || form.has('MediaUrl'))) {
    errors.push('send ContentSid without Body or MediaUrl: a template carries its own content');
  }
  if (contentSid === undefined && !form.has('Body') && !form.has('MediaUrl')) {
    errors.push('one of Body, MediaUrl or ContentSid is required');
  }
  if (!form.has('From') && !form.has('MessagingServiceSid')) errors.push('one of From or MessagingServiceSid is required');
  const statusCallback = one('StatusCallback');
  if (statusCallback !== undefined) {
    try {
      if (new URL(statusCallback).hostname.includes('_')) errors.push('StatusCallback hostname must not contain underscores');
    } catch {
      /* already reported by the uri format */
    }
  }
  return errors;
}

// ---- helpers --------------------------------------------------------------------------------------

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** RFC 2822 with a numeric zone, as Twilio writes it: `Thu, 24 Aug 2023 05:01:45 +0000`. */
export function rfc2822(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

function parseFormBody(raw: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(raw)) {
    const list = out.get(k);
    if (list) list.push(v);
    else out.set(k, [v]);
  }
  return out;
}

function twilioError(res: ServerResponse, status: number, code: number, message: string): void {
  sendJson(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Twilio-Request-Id': 'RQ' + hex(16) });
  res.end(text);
}

/** Twilio's test-credential magic numbers (reference §9), matched on the digits after any channel prefix. */
const MAGIC_TO: Record<string, { code: number; message: (to: string) => string }> = {
  '+15005550001': { code: 21211, message: (to) => `The 'To' number ${to} is not a valid phone number.` },
  '+15005550004': { code: 21610, message: () => 'Attempt to send to unsubscribed recipient' },
  '+15005550009': { code: 21614, message: (to) => `'To' number ${to} is not a valid mobile number` },
};

function renderTemplate(body: string, vars: Record<string, string> | null, defaults: Record<string, string>): string {
  return body.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (_m, k: string) => vars?.[k] ?? defaults[k] ?? '');
}

// ---- the server -----------------------------------------------------------------------------------

export async function startFakeTwilio(opts: FakeTwilioOptions): Promise<FakeTwilio> {
  messageValidators(); // fail at start, not on the first request, if the spec can't be loaded
  const templates = opts.templates ?? defaultTemplates();
  const account: FakeAccount = { status: 'active', type: 'Full', friendly_name: 'My first Twilio account', ...opts.account };
  const senders: FakeSender[] = opts.senders ?? [];
  const services: FakeMessagingService[] = opts.services ?? [];
  const requests: FakeRequest[] = [];
  const messages: FakeMessage[] = [];
  const failures: FailReply[] = [];
  const expectedAuth = 'Basic ' + Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64');
  let origin = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        twilioError(res, 500, 20500, `fake-twilio crashed: ${(err as Error).message}`);
      }
    });
  });

  function handle(req: IncomingMessage, res: ServerResponse, rawBody: string): void {
    const url = new URL(req.url ?? '/', origin);
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    let json: unknown;
    if (type.startsWith('application/json') && rawBody) {
      try {
        json = JSON.parse(rawBody);
      } catch {
        json = undefined;
      }
    }
    const record: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      form: type.startsWith('application/x-www-form-urlencoded') ? parseFormBody(rawBody) : new Map(),
      json,
      rawBody,
      authOk: req.headers.authorization === expectedAuth,
      specErrors: [],
    };
    requests.push(record);

    const scripted = failures.shift();
    if (scripted !== undefined) {
      record.scripted = scripted;
      if (scripted === 'timeout') return; // hold the socket open; the client's timeout fires (close() frees it)
      if (typeof scripted === 'object' && 'lostAfterCreate' in scripted) {
        const createMatchLost = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
        if (createMatchLost && req.method === 'POST') {
          // Carry the create out against a sink, then lose the answer the chosen way.
          const sink = { writeHead: () => sink, setHeader: () => sink, end: () => sink } as unknown as ServerResponse;
          createMessage(sink, record, decodeURIComponent(createMatchLost[1] ?? ''));
        }
        const how = scripted.lostAfterCreate;
        if (how === 'timeout') return;
        if (how === 'reset') {
          req.socket.destroy();
          return;
        }
        twilioError(res, how, 20500, 'Internal Server Error');
        return;
      }
      if (scripted === 'reset') {
        req.socket.destroy();
        return;
      }
      const code = scripted.code ?? (scripted.status === 429 ? 20429 : scripted.status >= 500 ? 20500 : 20001);
      twilioError(res, scripted.status, code, scripted.message ?? (scripted.status >= 500 ? 'Internal Server Error' : 'Scripted failure'));
      return;
    }

    if (!record.authOk) {
      twilioError(res, 401, 20003, 'Authenticate');
      return;
    }

    const createMatch = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
    const fetchMatch = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/.exec(url.pathname);
    if (createMatch && req.method === 'POST') return createMessage(res, record, decodeURIComponent(createMatch[1] ?? ''));
    if (fetchMatch && req.method === 'GET') return fetchMessage(res, decodeURIComponent(fetchMatch[1] ?? ''), decodeURIComponent(fetchMatch[2] ?? ''));
    if (createMatch && req.method === 'GET') return listMessages(res, url, decodeURIComponent(createMatch[1] ?? ''));
    if (req.method === 'GET' && (url.pathname === '/v1/ContentAndApprovals' || url.pathname === '/v1/Content')) {
      return listContent(res, url);
    }
    if (req.method === 'GET') {
      const accountMatch = /^\/2010-04-01\/Accounts\/([^/]+)\.json$/.exec(url.pathname);
      if (accountMatch) return fetchAccount(res, decodeURIComponent(accountMatch[1] ?? ''));
      if (url.pathname === '/v2/Channels/Senders') return listSenders(res, url);
      const senderMatch = /^\/v2\/Channels\/Senders\/([^/]+)$/.exec(url.pathname);
      if (senderMatch) return fetchSender(res, url, decodeURIComponent(senderMatch[1] ?? ''));
      const serviceMatch = /^\/v1\/Services\/([^/]+)(?:\/(ChannelSenders|PhoneNumbers))?$/.exec(url.pathname);
      if (serviceMatch) return serviceRoute(res, url, decodeURIComponent(serviceMatch[1] ?? ''), serviceMatch[2]);
    }
    twilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
  }

  function createMessage(res: ServerResponse, record: FakeRequest, accountSid: string): void {
    record.specErrors = validateCreateMessage(accountSid, record.headers, record.form);
    if (record.specErrors.length > 0) {
      const invalidVars = record.specErrors.some((e) => e.startsWith('ContentVariables'));
      twilioError(res, 400, invalidVars ? 21656 : 60200, `fake-twilio: request does not match Twilio's API: ${record.specErrors.join('; ')}`);
      return;
    }
    if (accountSid !== opts.accountSid) {
      twilioError(res, 404, 20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Messages.json was not found`);
      return;
    }
    const one = (name: string): string | null => record.form.get(name)?.[0] ?? null;
    const to = one('To') as string;
    const magic = MAGIC_TO[to.replace(/^[a-z]+:/, '')];
    if (magic) {
      twilioError(res, 400, magic.code, magic.message(to));
      return;
    }
    const contentSid = one('ContentSid');
    const contentVariablesRaw = one('ContentVariables');
    const contentVariables = contentVariablesRaw === null ? null : (JSON.parse(contentVariablesRaw) as Record<string, string>);
    const template = contentSid ? templates.find((t) => t.sid === contentSid) : undefined;
    const templateBody = template ? String(Object.values(template.types).find((t) => typeof t.body === 'string')?.body ?? '') : '';
    const body = contentSid ? renderTemplate(templateBody, contentVariables, template?.variables ?? {}) : one('Body');
    const messagingServiceSid = one('MessagingServiceSid');
    const from = one('From');
    const sid = 'SM' + hex(16);
    const now = rfc2822(new Date());
    // With a Messaging Service the first status is `accepted` (Twilio picks the sender later); else `queued`.
    const status = messagingServiceSid ? 'accepted' : 'queued';
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
    const resource: Record<string, unknown> = {
      account_sid: accountSid,
      api_version: '2010-04-01',
      body,
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from,
      messaging_service_sid: messagingServiceSid,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status,
      subresource_uris: { media: uri.replace(/\.json$/, '/Media.json'), feedback: uri.replace(/\.json$/, '/Feedback.json') },
      to,
      uri,
    };
    messages.push({
      sid,
      to,
      from,
      messagingServiceSid,
      body,
      contentSid,
      contentVariablesRaw,
      contentVariables,
      statusCallback: one('StatusCallback'),
      status,
      resource,
    });
    sendJson(res, 201, resource);
  }

  /** The Messages list, newest first, filtered on To (what the relay's reconciler asks); one page. */
  function listMessages(res: ServerResponse, url: URL, accountSid: string): void {
    if (accountSid !== opts.accountSid) {
      twilioError(res, 404, 20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Messages.json was not found`);
      return;
    }
    const to = url.searchParams.get('To');
    const pageSize = Math.min(1000, Math.max(1, Number(url.searchParams.get('PageSize') ?? '50') || 50));
    const found = messages.filter((m) => to === null || m.to === to).reverse().slice(0, pageSize);
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages.json?PageSize=${pageSize}&Page=0${to === null ? '' : `&To=${encodeURIComponent(to)}`}`;
    sendJson(res, 200, {
      messages: found.map((m) => m.resource),
      end: Math.max(0, found.length - 1),
      first_page_uri: uri,
      next_page_uri: null,
      page: 0,
      page_size: pageSize,
      previous_page_uri: null,
      start: 0,
      uri,
    });
  }

  function fetchMessage(res: ServerResponse, accountSid: string, sid: string): void {
    const m = accountSid === opts.accountSid ? messages.find((x) => x.sid === sid) : undefined;
    if (!m) {
      twilioError(res, 404, 20404, `The requested resource /2010-04-01/Accounts/${accountSid}/Messages/${sid}.json was not found`);
      return;
    }
    sendJson(res, 200, m.resource);
  }

  function listContent(res: ServerResponse, url: URL): void {
    const withApprovals = url.pathname === '/v1/ContentAndApprovals';
    const requested = Number(url.searchParams.get('PageSize') ?? '50');
    if (!Number.isInteger(requested) || requested < 1 || requested > 1000) {
      twilioError(res, 400, 20001, 'PageSize must be an integer between 1 and 1000');
      return;
    }
    const pageSize = Math.min(requested, opts.maxPageSize ?? 1000);
    const page = Math.max(0, Number(url.searchParams.get('Page') ?? '0') || 0);
    const slice = templates.slice(page * pageSize, (page + 1) * pageSize);
    const pageUrl = (p: number): string => `${origin}${url.pathname}?PageSize=${pageSize}&Page=${p}${p > 0 ? `&PageToken=PT${p}` : ''}`;
    const contents = slice.map((t) => {
      const base: Record<string, unknown> = {
        sid: t.sid,
        account_sid: opts.accountSid,
        friendly_name: t.friendly_name,
        language: t.language,
        variables: t.variables,
        types: t.types,
        date_created: t.date_created ?? '2025-01-10T10:00:00Z',
        date_updated: t.date_updated ?? '2025-01-10T10:00:00Z',
      };
      if (withApprovals) return { ...base, approval_requests: t.approval_requests };
      return {
        ...base,
        url: `${origin}/v1/Content/${t.sid}`,
        links: {
          approval_create: `${origin}/v1/Content/${t.sid}/ApprovalRequests/whatsapp`,
          approval_fetch: `${origin}/v1/Content/${t.sid}/ApprovalRequests`,
        },
      };
    });
    const hasNext = (page + 1) * pageSize < templates.length;
    sendJson(res, 200, {
      contents,
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: hasNext ? pageUrl(page + 1) : null,
        key: 'contents',
      },
    });
  }

  function notFound(res: ServerResponse, path: string): void {
    twilioError(res, 404, 20404, `The requested resource ${path} was not found`);
  }

  /** A Twilio list envelope (`{<key>: [...], meta}`), paged like the Content routes, other query params kept. */
  function sendList(res: ServerResponse, url: URL, key: string, items: unknown[]): void {
    const requested = Number(url.searchParams.get('PageSize') ?? '50');
    if (!Number.isInteger(requested) || requested < 1 || requested > 1000) {
      twilioError(res, 400, 20001, 'PageSize must be an integer between 1 and 1000');
      return;
    }
    const pageSize = Math.min(requested, opts.maxPageSize ?? 1000);
    const page = Math.max(0, Number(url.searchParams.get('Page') ?? '0') || 0);
    const pageUrl = (p: number): string => {
      const q = new URLSearchParams(url.searchParams);
      q.set('PageSize', String(pageSize));
      q.set('Page', String(p));
      if (p > 0) q.set('PageToken', `PT${p}`);
      else q.delete('PageToken');
      return `${origin}${url.pathname}?${q.toString()}`;
    };
    sendJson(res, 200, {
      [key]: items.slice(page * pageSize, (page + 1) * pageSize),
      meta: {
        page,
        page_size: pageSize,
        first_page_url: pageUrl(0),
        previous_page_url: page > 0 ? pageUrl(page - 1) : null,
        url: pageUrl(page),
        next_page_url: (page + 1) * pageSize < items.length ? pageUrl(page + 1) : null,
        key,
      },
    });
  }

  function fetchAccount(res: ServerResponse, sid: string): void {
    if (sid !== opts.accountSid) return notFound(res, `/2010-04-01/Accounts/${sid}.json`);
    const base = `/2010-04-01/Accounts/${sid}`;
    sendJson(res, 200, {
      // Twilio really does return the Auth Token here; doctor must never print it.
      auth_token: opts.authToken,
      date_created: 'Wed, 04 Aug 2021 10:00:00 +0000',
      date_updated: 'Thu, 05 Aug 2021 10:00:00 +0000',
      friendly_name: account.friendly_name,
      owner_account_sid: sid,
      sid,
      status: account.status,
      subresource_uris: {
        messages: `${base}/Messages.json`,
        incoming_phone_numbers: `${base}/IncomingPhoneNumbers.json`,
        balance: `${base}/Balance.json`,
      },
      type: account.type,
      uri: `${base}.json`,
    });
  }

  function senderResource(s: FakeSender): Record<string, unknown> {
    return { ...s, compliance: null, url: `${origin}/v2/Channels/Senders/${s.sid}` };
  }

  function listSenders(res: ServerResponse, url: URL): void {
    const channel = url.searchParams.get('Channel');
    if (!channel) {
      twilioError(res, 400, 20001, 'Missing required parameter Channel in the query string');
      return;
    }
    const matching = senders.filter((s) => s.sender_id.toLowerCase().startsWith(`${channel.toLowerCase()}:`));
    sendList(res, url, 'senders', matching.map(senderResource));
  }

  function fetchSender(res: ServerResponse, url: URL, sid: string): void {
    const s = senders.find((x) => x.sid === sid);
    if (!s) return notFound(res, url.pathname);
    sendJson(res, 200, senderResource(s));
  }

  function serviceRoute(res: ServerResponse, url: URL, sid: string, sub: string | undefined): void {
    const svc = services.find((x) => x.sid === sid);
    if (!svc) return notFound(res, url.pathname);
    const serviceUrl = `${origin}/v1/Services/${sid}`;
    const created = '2024-05-01T10:00:00Z';
    if (sub === 'ChannelSenders') {
      const pool = svc.channel_senders.map((sender, i) => ({
        account_sid: opts.accountSid,
        messaging_service_sid: sid,
        sid: 'XE' + sid.slice(2, 30) + String(i).padStart(4, '0'),
        sender,
        sender_type: sender.startsWith('whatsapp:') ? 'WhatsApp' : sender.startsWith('messenger:') ? 'Messenger' : 'Unknown',
        country_code: 'US',
        date_created: created,
        date_updated: created,
        url: `${serviceUrl}/ChannelSenders/XE${sid.slice(2, 30)}${String(i).padStart(4, '0')}`,
      }));
      return sendList(res, url, 'senders', pool);
    }
    // WhatsApp senders are never PhoneNumbers (PN… SMS numbers), so this pool is always empty here.
    if (sub === 'PhoneNumbers') return sendList(res, url, 'phone_numbers', []);
    const { channel_senders: _pool, ...fields } = svc;
    sendJson(res, 200, {
      account_sid: opts.accountSid,
      ...fields,
      date_created: created,
      date_updated: created,
      sticky_sender: true,
      mms_converter: true,
      smart_encoding: true,
      scan_message_content: 'inherit',
      fallback_to_long_code: false,
      area_code_geomatch: true,
      synchronous_validation: false,
      validity_period: 36000,
      url: serviceUrl,
      links: {
        phone_numbers: `${serviceUrl}/PhoneNumbers`,
        short_codes: `${serviceUrl}/ShortCodes`,
        alpha_senders: `${serviceUrl}/AlphaSenders`,
        channel_senders: `${serviceUrl}/ChannelSenders`,
        us_app_to_person: `${serviceUrl}/Compliance/Usa2p`,
        us_app_to_person_usecases: `${serviceUrl}/Compliance/Usa2p/Usecases`,
        destination_alpha_senders: `${serviceUrl}/DestinationAlphaSenders`,
      },
      usecase: 'undeclared',
      us_app_to_person_registered: false,
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: origin,
    accountSid: opts.accountSid,
    requests,
    messages,
    templates,
    account,
    senders,
    services,
    failNext(n: number, reply: FailReply): void {
      for (let i = 0; i < n; i++) failures.push(reply);
    },
    clearFailures(): void {
      failures.length = 0;
    },
    reset(): void {
      requests.length = 0;
      messages.length = 0;
      failures.length = 0;
    },
    async close(): Promise<void> {
      // Keep-alive sockets and 'timeout'-held requests would otherwise keep close() waiting.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
