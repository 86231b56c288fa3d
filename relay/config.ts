/**
 * The relay's configuration, parsed once from the environment (and `.env` when present) by zod.
 * A bad value stops the relay with one line naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { z } from 'zod';

const SANDBOX_SENDER = 'whatsapp:+14155238886';

const RETENTION_RANGE = 'must be a whole number of days from 1 to 3650, or unset to keep message bodies forever';

const optional = (s: z.ZodString) => z.preprocess((v) => (v === '' ? undefined : v), s.optional());

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: optional(z.string()),
  DATABASE_URL: z.string().default('file:./data/relay.sqlite'),
  TWILIO_ACCOUNT_SID: optional(z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'must be AC followed by 32 hex characters (Twilio console → Account info)')),
  TWILIO_AUTH_TOKEN: optional(z.string().min(16, 'looks too short for a Twilio Auth Token')),
  /** During an Auth Token rotation: the other token, also accepted on webhook signatures. */
  TWILIO_AUTH_TOKEN_SECONDARY: optional(z.string().min(16, 'looks too short for a Twilio Auth Token')),
  TWILIO_WHATSAPP_FROM: optional(z.string().regex(/^(whatsapp:)?\+[1-9]\d{7,14}$/, 'must be whatsapp:+E164 or +E164, e.g. whatsapp:+14155238886')),
  TWILIO_MESSAGING_SERVICE_SID: optional(z.string().regex(/^MG[0-9a-fA-F]{32}$/, 'must be MG followed by 32 hex characters')),
  TWILIO_API_BASE_URL: optional(z.string().url('must be a URL such as http://127.0.0.1:4010')),
  /** How long one Twilio REST call may take before its outcome counts as unknown. */
  TWILIO_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(15_000),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  LOG_BODIES: z.enum(['true', 'false', '1', '0']).default('false').transform((v) => v === 'true' || v === '1'),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(10 * 1024 * 1024).default(64 * 1024),
  // Slow enough to watch the ticks move (sent at 1.5 s, delivered at 3 s, read at 6 s).
  /** Per access token: sustained requests per second, and the burst allowed above it. */
  RATE_LIMIT_PER_SECOND: z.coerce.number().min(0.1).max(100_000).default(20),
  RATE_LIMIT_BURST: z.coerce.number().int().min(1).max(100_000).default(60),
  SIM_DELAY_MS: z.coerce.number().int().min(0).max(60_000).default(1500),
  /** Days message bodies are kept (then removed by retention, the rest of the message stays); unset = forever. */
  BODY_RETENTION_DAYS: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce.number({ error: RETENTION_RANGE }).int(RETENTION_RANGE).min(1, RETENTION_RANGE).max(3650, RETENTION_RANGE).optional(),
  ),
});

export interface Config {
  port: number;
  host: string;
  /** Scheme, host, optional port and path prefix; no trailing slash. Webhook signatures are checked against it. */
  publicUrl: string;
  database: { engine: 'sqlite'; file: string } | { engine: 'postgres'; url: string };
  twilio:
    | { mode: 'simulator'; authToken: string; sender: string; webhookTokens: string[] }
    | { mode: 'live'; accountSid: string; authToken: string; from?: string; messagingServiceSid?: string; apiBaseUrl?: string; timeoutMs: number; sender: string; webhookTokens: string[] };
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logBodies: boolean;
  maxBodyBytes: number;
  simDelayMs: number;
  rateLimit: { perSecond: number; burst: number };
  /** Retention of message bodies in days (relay/retention.ts); null = kept forever. */
  bodyRetentionDays: number | null;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads `.env` from the working directory if there is one; real environment variables win. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function parseConfig(env: Record<string, string | undefined>): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${name}: ${issue.message} (got ${JSON.stringify(env[name] ?? null)})`);
  }
  const e = parsed.data;
  const publicUrl = parsePublicUrl(e.PUBLIC_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`);
  const database = parseDatabaseUrl(e.DATABASE_URL);

  const hasSid = Boolean(e.TWILIO_ACCOUNT_SID);
  const hasToken = Boolean(e.TWILIO_AUTH_TOKEN);
  if (hasSid !== hasToken) {
    throw new ConfigError(hasSid ? 'TWILIO_AUTH_TOKEN: required when TWILIO_ACCOUNT_SID is set' : 'TWILIO_ACCOUNT_SID: required when TWILIO_AUTH_TOKEN is set');
  }
  let twilio: Config['twilio'];
  if (hasSid && hasToken) {
    if (!e.TWILIO_WHATSAPP_FROM && !e.TWILIO_MESSAGING_SERVICE_SID) {
      throw new ConfigError('TWILIO_WHATSAPP_FROM: set it (e.g. whatsapp:+14155238886) or TWILIO_MESSAGING_SERVICE_SID');
    }
    const from = e.TWILIO_WHATSAPP_FROM ? (e.TWILIO_WHATSAPP_FROM.startsWith('whatsapp:') ? e.TWILIO_WHATSAPP_FROM : `whatsapp:${e.TWILIO_WHATSAPP_FROM}`) : undefined;
    twilio = {
      mode: 'live',
      accountSid: e.TWILIO_ACCOUNT_SID!,
      authToken: e.TWILIO_AUTH_TOKEN!,
      // Twilio signs with whichever token is primary in the console; during a rotation that can be either.
      webhookTokens: [e.TWILIO_AUTH_TOKEN!, ...(e.TWILIO_AUTH_TOKEN_SECONDARY ? [e.TWILIO_AUTH_TOKEN_SECONDARY] : [])],
      ...(from ? { from } : {}),
      ...(e.TWILIO_MESSAGING_SERVICE_SID ? { messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID } : {}),
      ...(e.TWILIO_API_BASE_URL ? { apiBaseUrl: e.TWILIO_API_BASE_URL.replace(/\/+$/, '') } : {}),
      timeoutMs: e.TWILIO_TIMEOUT_MS,
      sender: from ?? e.TWILIO_MESSAGING_SERVICE_SID!,
    };
  } else {
    // The simulator signs its own webhooks with a per-process secret, so they go through the same check as Twilio's.
    const authToken = randomBytes(24).toString('hex');
    twilio = { mode: 'simulator', authToken, sender: SANDBOX_SENDER, webhookTokens: [authToken] };
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    database,
    twilio,
    logLevel: e.LOG_LEVEL,
    logBodies: e.LOG_BODIES,
    maxBodyBytes: e.MAX_BODY_BYTES,
    simDelayMs: e.SIM_DELAY_MS,
    rateLimit: { perSecond: e.RATE_LIMIT_PER_SECOND, burst: e.RATE_LIMIT_BURST },
    bodyRetentionDays: e.BODY_RETENTION_DAYS ?? null,
  };
}

function parsePublicUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`PUBLIC_URL: must be an absolute URL such as https://relay.example.com (got ${JSON.stringify(raw)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`PUBLIC_URL: must start with https:// or http:// (got ${JSON.stringify(raw)})`);
  if (url.search || url.hash) throw new ConfigError('PUBLIC_URL: must not contain a query string or fragment');
  // Twilio refuses callback hostnames with underscores.
  if (url.hostname.includes('_')) throw new ConfigError('PUBLIC_URL: Twilio does not accept underscores in callback host names');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function parseDatabaseUrl(raw: string): Config['database'] {
  if (raw.startsWith('file:')) {
    const file = raw.slice('file:'.length);
    if (!file) throw new ConfigError('DATABASE_URL: file: needs a path, e.g. file:./data/relay.sqlite');
    return { engine: 'sqlite', file };
  }
  if (raw.startsWith('postgres://') || raw.startsWith('postgresql://')) return { engine: 'postgres', url: raw };
  throw new ConfigError(`DATABASE_URL: must start with file: or postgres:// (got ${JSON.stringify(raw)})`);
}

export const SANDBOX_NUMBER = SANDBOX_SENDER;
