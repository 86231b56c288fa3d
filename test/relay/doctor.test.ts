/**
 * `npm run relay -- doctor` as an admin runs it: a real subprocess, the official SDK over real HTTP to
 * the fake Twilio (TWILIO_API_BASE_URL), one case per set-up people get wrong.
 *
 * The CLI runs with spawn, not spawnSync: the fake lives in this process and must keep answering.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { messagingService, startFakeTwilio, whatsappSender, type FakeTwilio } from '../helpers/fake-twilio.ts';

const ACCOUNT = 'AC' + 'd4'.repeat(16);
const TOKEN = 'doctor-test-auth-token-0123456789';
const PUBLIC = 'https://relay.example.com';
const FROM = 'whatsapp:+15557654321';
const SERVICE = 'MG' + 'e5'.repeat(16);
const SANDBOX = 'whatsapp:+14155238886';
const GOOD_WEBHOOK = { callback_url: `${PUBLIC}/twilio/inbound`, fallback_url: `${PUBLIC}/twilio/fallback` };

const dir = mkdtempSync(join(tmpdir(), 'ppw-doctor-'));
let fake: FakeTwilio;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: ACCOUNT, authToken: TOKEN });
});
afterAll(async () => {
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.reset();
  fake.account.status = 'active';
  fake.senders.splice(0, fake.senders.length, whatsappSender(FROM, { webhook: GOOD_WEBHOOK }));
  fake.services.splice(0, fake.services.length);
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  /** The ✓/!/✗ lines, trimmed. */
  findings: string[];
}

/** Runs doctor live against the fake; `env` overrides (undefined removes a variable). */
function doctor(env: Record<string, string | undefined> = {}): Promise<Run> {
  const full: Record<string, string | undefined> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    DATABASE_URL: `file:${join(dir, 'relay.sqlite')}`,
    PUBLIC_URL: PUBLIC,
    TWILIO_ACCOUNT_SID: ACCOUNT,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_WHATSAPP_FROM: FROM,
    TWILIO_API_BASE_URL: fake.url,
    ...env,
  };
  const clean = Object.fromEntries(Object.entries(full).filter((e): e is [string, string] => e[1] !== undefined));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/index.ts', 'doctor'], { env: clean });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) => {
      const findings = stdout.split('\n').map((l) => l.trim()).filter((l) => /^[✓!✗] /.test(l));
      resolve({ status, stdout, stderr, findings });
    });
  });
}

const failures = (r: Run): string[] => r.findings.filter((l) => l.startsWith('✗'));
const warnings = (r: Run): string[] => r.findings.filter((l) => l.startsWith('!'));

describe('doctor, live against the fake Twilio', () => {
  it('a good set-up: every line ✓, exit 0, and the auth token appears nowhere', async () => {
    const r = await doctor();
    expect(r.stderr).toBe('');
    expect(failures(r)).toEqual([]);
    expect(warnings(r)).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`live Twilio, account ${ACCOUNT}`);
    expect(r.findings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^✓ credentials accepted: account AC(d4){16} "My first Twilio account" \(active, Full\)$/),
        `✓ WhatsApp sender ${FROM} is ONLINE`,
        `✓ ${FROM} sends incoming messages to ${PUBLIC}/twilio/inbound`,
        `✓ ${FROM} fallback URL is ${PUBLIC}/twilio/fallback`,
        expect.stringMatching(/^✓ Content API reachable: 3 approved WhatsApp templates$/),
      ]),
    );
    expect(r.stdout).toMatch(/^All \d+ checks passed\.$/m);
    // The account fetch answers with auth_token, as Twilio's does.
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(fake.requests.every((q) => q.authOk)).toBe(true);
    expect(fake.requests.map((q) => `${q.method} ${q.path}`)).toEqual([
      `GET /2010-04-01/Accounts/${ACCOUNT}.json`,
      'GET /v2/Channels/Senders',
      'GET /v1/ContentAndApprovals',
    ]);
    expect(fake.requests[1]!.query.get('Channel')).toBe('whatsapp');
  });

  it('a wrong auth token: ✗ credentials with where to copy them, exit 1, nothing else asked of Twilio', async () => {
    const wrong = 'wrong-token-abcdefghijklmnop';
    const r = await doctor({ TWILIO_AUTH_TOKEN: wrong });
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([
      expect.stringMatching(/^✗ TWILIO_ACCOUNT_SID\/TWILIO_AUTH_TOKEN rejected by Twilio \(HTTP 401, Twilio error 20003.*— fix: copy them from the console's Account Info/),
    ]);
    expect(r.stdout).toContain('checks were skipped');
    expect(r.stdout).not.toContain(wrong);
    expect(fake.requests).toHaveLength(1);
  });

  it('a suspended account is ✗', async () => {
    fake.account.status = 'suspended';
    const r = await doctor();
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([expect.stringMatching(/^✗ account AC(d4){16} "My first Twilio account" is suspended/)]);
  });

  it('the sender is not on the account: ✗ naming the senders it has', async () => {
    fake.senders.splice(0, fake.senders.length, whatsappSender('whatsapp:+15550001111', { webhook: GOOD_WEBHOOK }));
    const r = await doctor();
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([
      expect.stringMatching(new RegExp(`^✗ ${FROM.replace('+', '\\+')} is not a WhatsApp sender on this account; this account has whatsapp:\\+15550001111 — fix: set TWILIO_WHATSAPP_FROM to one of them`)),
    ]);
  });

  it("the sender's webhook points elsewhere: ✗ with the expected and the actual URL and the console field", async () => {
    fake.senders[0]!.webhook!.callback_url = 'https://old-relay.example.net/hooks/whatsapp';
    const r = await doctor();
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([
      `✗ ${FROM} sends incoming messages to https://old-relay.example.net/hooks/whatsapp, expected ${PUBLIC}/twilio/inbound — fix: set Console → Messaging → Senders → WhatsApp senders → ${FROM} → Webhook URL for incoming messages = ${PUBLIC}/twilio/inbound (HTTP POST)`,
    ]);
  });

  it('an OFFLINE sender with no fallback and a foreign status URL: ✗ status with the reason, ! for the optional ones', async () => {
    const s = fake.senders[0]!;
    s.status = 'OFFLINE';
    s.offline_reasons = [{ code: '63112', message: 'Meta disabled the WhatsApp Business Account', more_info: null }];
    s.webhook!.fallback_url = null;
    s.webhook!.status_callback_url = 'https://crm.example.com/twilio-status';
    const r = await doctor();
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([expect.stringMatching(/^✗ WhatsApp sender .* is OFFLINE \(63112 Meta disabled the WhatsApp Business Account\)/)]);
    expect(warnings(r)).toEqual([
      expect.stringMatching(/has no fallback URL \(optional\).*Fallback URL for incoming messages = https:\/\/relay\.example\.com\/twilio\/fallback/),
      expect.stringMatching(/sender-level status callback URL https:\/\/crm\.example\.com\/twilio-status: the relay's own sends are unaffected/),
    ]);
  });

  it('PUBLIC_URL on localhost in live mode is ✗: Twilio cannot reach it', async () => {
    const r = await doctor({ PUBLIC_URL: 'http://127.0.0.1:8787' });
    expect(r.status).toBe(1);
    expect(failures(r)[0]).toMatch(/^✗ PUBLIC_URL http:\/\/127\.0\.0\.1:8787 is this machine: Twilio cannot reach it.* — fix: set PUBLIC_URL to the public https address/);
  });
});

describe('doctor with a Messaging Service', () => {
  const env = { TWILIO_WHATSAPP_FROM: undefined, TWILIO_MESSAGING_SERVICE_SID: SERVICE };
  const good = () =>
    messagingService(SERVICE, {
      friendly_name: 'Relay',
      inbound_request_url: `${PUBLIC}/twilio/inbound`,
      fallback_url: `${PUBLIC}/twilio/fallback`,
      channel_senders: [FROM],
    });

  it('set up right: all ✓, exit 0; the service and its ChannelSenders are read', async () => {
    fake.services.push(good());
    const r = await doctor(env);
    expect(failures(r)).toEqual([]);
    expect(warnings(r)).toEqual([]);
    expect(r.status).toBe(0);
    expect(r.findings).toEqual(
      expect.arrayContaining([
        `✓ Messaging Service ${SERVICE} "Relay" has WhatsApp sender ${FROM}`,
        `✓ Messaging Service ${SERVICE} "Relay" sends incoming messages to ${PUBLIC}/twilio/inbound`,
        `✓ WhatsApp sender ${FROM} is ONLINE`,
      ]),
    );
    expect(fake.requests.map((q) => q.path)).toEqual(
      expect.arrayContaining([`/v1/Services/${SERVICE}`, `/v1/Services/${SERVICE}/ChannelSenders`, '/v2/Channels/Senders']),
    );
  });

  it("the service's Request URL points elsewhere: ✗ with both URLs and the Integration field", async () => {
    fake.services.push({ ...good(), inbound_request_url: 'https://hooks.example.org/sms' });
    const r = await doctor(env);
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([
      `✗ Messaging Service ${SERVICE} "Relay" sends incoming messages to https://hooks.example.org/sms, expected ${PUBLIC}/twilio/inbound — fix: set Console → Messaging → Services → Relay → Integration → Incoming Messages → Send a webhook → Request URL = ${PUBLIC}/twilio/inbound (HTTP POST)`,
    ]);
  });

  it("deferring to the sender's webhook checks the sender's own URL instead", async () => {
    fake.services.push({ ...good(), inbound_request_url: null, use_inbound_webhook_on_number: true });
    fake.senders[0]!.webhook!.callback_url = null;
    const r = await doctor(env);
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([expect.stringMatching(new RegExp(`^✗ ${FROM.replace('+', '\\+')} has no webhook URL for incoming messages`))]);
  });

  it('no WhatsApp sender in the pool, or no such service: ✗', async () => {
    fake.services.push({ ...good(), channel_senders: [] });
    expect(failures(await doctor(env))).toEqual([expect.stringMatching(/has no WhatsApp sender in its pool: .*Sender Pool → Add Senders → WhatsApp Number/)]);
    fake.services.splice(0);
    const r = await doctor(env);
    expect(r.status).toBe(1);
    expect(failures(r)).toEqual([expect.stringMatching(/^✗ TWILIO_MESSAGING_SERVICE_SID MG(e5){16} does not exist on this account/)]);
  });
});

describe('doctor without a registered sender', () => {
  it('the sandbox: the join reminder and where to set the inbound URL (the API cannot read it), exit 0', async () => {
    const r = await doctor({ TWILIO_WHATSAPP_FROM: SANDBOX });
    expect(r.status).toBe(0);
    expect(failures(r)).toEqual([]);
    expect(warnings(r)).toEqual([
      expect.stringMatching(/^! sender is the WhatsApp sandbox .*"join <your sandbox code>".*3 days.*63015/),
      `! the sandbox's inbound URL cannot be checked: Twilio's API does not expose sandbox settings — fix: on Console → Messaging → Try it out → Send a WhatsApp message → Sandbox settings set "When a message comes in" = ${PUBLIC}/twilio/inbound (HTTP POST)`,
    ]);
    expect(fake.requests.some((q) => q.path.startsWith('/v2/Channels/Senders'))).toBe(false);
  });

  it('simulator mode (no credentials): the simulator notice with how to go live, no Twilio call, exit 0', async () => {
    const r = await doctor({ TWILIO_ACCOUNT_SID: undefined, TWILIO_AUTH_TOKEN: undefined, TWILIO_WHATSAPP_FROM: undefined, PUBLIC_URL: undefined });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Relay doctor — simulator mode');
    expect(warnings(r)).toEqual([expect.stringMatching(/^! SIMULATOR mode: .*nothing reaches WhatsApp — fix: to go live set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/)]);
    expect(failures(r)).toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('a bad variable: exit 2 with one line naming it, and no report', async () => {
    const r = await doctor({ TWILIO_ACCOUNT_SID: 'AC123' });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^Invalid configuration: TWILIO_ACCOUNT_SID: /);
    expect(fake.requests).toHaveLength(0);
  });
});
