/**
 * Starts a real relay for a test: real HTTP on a free port, a real SQLite file in a temp dir, and
 * either the embedded simulator or the official twilio SDK pointed at the fake Twilio server.
 * PUBLIC_URL deliberately differs from the listen URL, as behind a tunnel in production, so every
 * test proves signatures are checked against PUBLIC_URL and not the request's own URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../shared/api.ts';
import { createAccessToken } from '../../relay/auth/tokens.ts';
import { parseConfig, type Config } from '../../relay/config.ts';
import { createLogger } from '../../relay/log.ts';
import { startRelay, type RunningRelay } from '../../relay/server.ts';

export const PUBLIC_URL = 'https://relay.example.test';
export const TEST_ACCOUNT_SID = 'AC' + '1'.repeat(32);
export const TEST_AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const TEST_SENDER = 'whatsapp:+14155238886';

export interface TestRelay extends RunningRelay {
  config: Config;
  dir: string;
  /** The Twilio auth token webhooks must be signed with (the simulator's own in simulator mode). */
  authToken: string;
  token(role?: Role, name?: string): Promise<string>;
  api(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  /** Current time the relay sees; tests can move it. */
  clock: { now: Date };
  /** Closes the relay like close() but keeps `dir` (and its database), so a relay can start again on it. */
  closeKeepingDir(): Promise<void>;
}

export interface TestRelayOptions {
  fakeTwilioUrl?: string;
  env?: Record<string, string>;
  simDelayMs?: number;
  demo?: boolean;
  logLines?: string[];
  /** Listen on this port instead of a free one (a restart on the address clients already use). */
  port?: number;
  /** Use this directory (and the relay.sqlite in it) instead of a new temp dir: a restart on the same database. */
  dir?: string;
}

export async function startTestRelay(opts: TestRelayOptions = {}): Promise<TestRelay> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'ppw-relay-'));
  const env: Record<string, string> = {
    PORT: String(opts.port ?? 0),
    HOST: '127.0.0.1',
    PUBLIC_URL,
    DATABASE_URL: `file:${join(dir, 'relay.sqlite')}`,
    LOG_LEVEL: 'silent',
    SIM_DELAY_MS: String(opts.simDelayMs ?? 20),
    // Tests fire requests far faster than a person; the limiter has its own test.
    RATE_LIMIT_PER_SECOND: '100000',
    RATE_LIMIT_BURST: '100000',
    ...(opts.fakeTwilioUrl
      ? { TWILIO_ACCOUNT_SID: TEST_ACCOUNT_SID, TWILIO_AUTH_TOKEN: TEST_AUTH_TOKEN, TWILIO_WHATSAPP_FROM: TEST_SENDER, TWILIO_API_BASE_URL: opts.fakeTwilioUrl }
      : {}),
    ...opts.env,
  };
  const config = parseConfig(env);
  let offset = 0;
  const relay = await startRelay(config, { log: opts.logLines ? createLogger('debug', { write: (line) => opts.logLines!.push(line) }) : createLogger('silent'), clock: () => new Date(Date.now() + offset), keepAliveMs: 200, demo: opts.demo ?? false });
  const clockProxy = {
    get now() {
      return new Date(Date.now() + offset);
    },
    set now(d: Date) {
      offset = d.getTime() - Date.now();
    },
  };
  const defaultTokens = new Map<string, string>();
  return {
    ...relay,
    config,
    dir,
    authToken: config.twilio.authToken,
    clock: clockProxy,
    async token(role: Role = 'rep', name = `${role} tester`) {
      const key = `${role}:${name}`;
      if (!defaultTokens.has(key)) defaultTokens.set(key, (await createAccessToken(relay.deps.store, name, role)).token);
      return defaultTokens.get(key)!;
    },
    async api(path, init = {}) {
      const { token, json, headers, ...rest } = init;
      const h = new Headers(headers);
      if (token !== undefined) h.set('authorization', `Bearer ${token}`);
      if (json !== undefined) h.set('content-type', 'application/json');
      return fetch(relay.url + path, { ...rest, headers: h, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
    async close() {
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    },
    closeKeepingDir: () => relay.close(),
  };
}
