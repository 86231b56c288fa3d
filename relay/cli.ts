/**
 * The relay's commands: serve, start (demo: build the extension with a demo token, then serve),
 * tokens create|list|revoke, doctor. Output meant for scripts goes to stdout (a new token alone on the last
 * line); everything else to stderr.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../shared/api.ts';
import { createAccessToken, verifyAccessToken } from './auth/tokens.ts';
import { createPairingCode } from './auth/pairing.ts';
import { PAIRING_ROLES, PAIRING_TTL_DEFAULT_MINUTES, PAIRING_TTL_MAX_MINUTES, PairingRole } from '../shared/pairing.ts';
import { ConfigError, loadDotEnv, parseConfig, type Config } from './config.ts';
import { exitCodeFor, formatReport } from './doctor/format-report.ts';
import { runDoctor } from './doctor/run-doctor.ts';
import { openStore, startRelay } from './server.ts';
import type { Store } from './store/store.ts';
import { BackupError, backupSqlite, formatBytes } from './backup.ts';
import { runRetention } from './retention.ts';

const USAGE = `Usage: npm run relay -- <command>
  serve                                   run the relay (production)
  start                                   build the extension and run the relay with the demo CRM page (npm start)
  tokens create --name NAME --role rep|manager|admin
  tokens list
  tokens revoke ID
  tokens rotate ID                        a new token for the same name and role; the old one stops working
  pairing create [--role rep|manager] [--ttl MINUTES] [--by NAME]
                                          a one-time code a rep trades for their own token in the extension's options
  doctor                                  check the configuration and the Twilio account, and say how to fix what is wrong
  backup PATH [--force]                   SQLite: a consistent copy of the database, safe while the relay runs
  retention run [--days N]                remove message bodies older than BODY_RETENTION_DAYS (or N) days now`;

export async function runCli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const [command, ...rest] = argv;
  let config: Config;
  try {
    loadDotEnv();
    config = parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  switch (command) {
    case 'serve':
      return serveCommand(config, { demo: rest.includes('--demo') });
    case 'start':
      return startCommand(config);
    case 'tokens':
      return tokensCommand(config, rest);
    case 'pairing':
      return pairingCommand(config, rest);
    case 'doctor':
      return doctorCommand(config);
    case 'backup':
      return backupCommand(config, rest);
    case 'retention':
      return retentionCommand(config, rest);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE + '\n');
      return command ? 0 : 2;
    default:
      process.stderr.write(`Unknown command "${command}".\n${USAGE}\n`);
      return 2;
  }
}

async function serveCommand(config: Config, opts: { demo: boolean }, banner?: (url: string) => string): Promise<number> {
  const relay = await startRelay(config, { demo: opts.demo && config.twilio.mode === 'simulator' });
  const mode = config.twilio.mode === 'simulator' ? 'SIMULATOR (no Twilio credentials: messages are simulated, nothing leaves this machine)' : `live Twilio, sender ${config.twilio.sender}`;
  process.stderr.write(`Relay listening on ${relay.url} — ${mode}\nWebhooks are checked against PUBLIC_URL=${config.publicUrl}\n`);
  if (banner) process.stderr.write(banner(relay.url));
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`\n${signal}: finishing in-flight requests and closing…\n`);
      void relay.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

/**
 * The simulator demo's token, kept beside the SQLite file so that restarting `npm start` doesn't
 * strand an extension that already saved it. Simulator mode only: nothing it unlocks leaves the machine.
 */
async function demoToken(store: Store, config: Config): Promise<string> {
  const file = config.database.engine === 'sqlite' && config.database.file !== ':memory:' ? join(dirname(config.database.file), 'demo-token') : null;
  const saved = file && existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (saved && (await verifyAccessToken(store, saved))) return saved;
  const { token } = await createAccessToken(store, 'demo', 'admin');
  if (file) writeFileSync(file, token + '\n', { mode: 0o600 });
  return token;
}

async function startCommand(config: Config): Promise<number> {
  let demo: { relayUrl: string; token: string } | undefined;
  if (config.twilio.mode === 'simulator') {
    const store = await openStore(config);
    try {
      demo = { relayUrl: config.publicUrl, token: await demoToken(store, config) };
    } finally {
      await store.close();
    }
  }
  process.stderr.write('Building the extension for Chrome and Firefox…\n');
  const { buildExtension } = await import('../extension/build.ts');
  await buildExtension(demo ? { demo } : {});
  return serveCommand(config, { demo: Boolean(demo) }, (url) =>
    demo
      ? `
Next steps
  1. Load the extension unpacked:
       Chrome/Chromium: chrome://extensions → Developer mode → Load unpacked → ${process.cwd()}/dist/chrome
       Firefox:         about:debugging#/runtime/this-firefox → Load Temporary Add-on → ${process.cwd()}/dist/firefox/manifest.json
  2. Open the demo contact page: ${url}/demo/s/contacts/view/42
     (this build already knows the relay URL and a demo token, so the panel works at once)
  3. Demo access token (admin, for curl; kept in data/demo-token for the next start):
${demo.token}
`
      : `
Extension built in dist/chrome and dist/firefox. Create a token with:
  npm run relay -- tokens create --name "Your Name" --role rep
`,
  );
}

/** The report is the command's output, so it goes to stdout; the exit code says whether anything failed. */
async function doctorCommand(config: Config): Promise<number> {
  const { header, sections } = await runDoctor(config);
  process.stdout.write(formatReport(header, sections, [config.twilio.authToken]));
  return exitCodeFor(sections.flatMap((s) => s.findings));
}

/** `pairing create`: the code alone on the last line of stdout (shown once; only its hash is stored). */
async function pairingCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create') {
    process.stderr.write(`Unknown pairing command "${sub ?? ''}".\n${USAGE}\n`);
    return 2;
  }
  let values: { role?: string; ttl?: string; by?: string };
  try {
    ({ values } = parseArgs({ args: rest, options: { role: { type: 'string', default: 'rep' }, ttl: { type: 'string', default: String(PAIRING_TTL_DEFAULT_MINUTES) }, by: { type: 'string', default: 'admin (CLI)' } } }));
  } catch (err) {
    process.stderr.write(`pairing create: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const role = PairingRole.safeParse(values.role);
  if (!role.success) {
    process.stderr.write(`pairing create: --role must be one of ${PAIRING_ROLES.join(', ')} (admins are made with tokens create)\n`);
    return 2;
  }
  const ttl = Number(values.ttl);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > PAIRING_TTL_MAX_MINUTES) {
    process.stderr.write(`pairing create: --ttl must be a whole number of minutes from 1 to ${PAIRING_TTL_MAX_MINUTES}\n`);
    return 2;
  }
  const by = (values.by ?? '').trim();
  if (!by || by.length > 100) {
    process.stderr.write('pairing create: --by must be 1–100 characters\n');
    return 2;
  }
  const store = await openStore(config);
  try {
    const { code, record } = await createPairingCode(store, { role: role.data, createdBy: by, ttlMinutes: ttl });
    process.stderr.write(
      `Pairing code for a ${record.role}, valid until ${record.expiresAt} (${ttl} min), one use. It is shown once; only its hash is stored.\n` +
        `The rep enters the Relay URL and this code under "Pair with a code" in the extension's options.\n`,
    );
    process.stdout.write(code + '\n');
    return 0;
  } finally {
    await store.close();
  }
}

/** `backup PATH`: SQLite only, online (relay/backup.ts); the path and size on stdout. */
async function backupCommand(config: Config, args: string[]): Promise<number> {
  if (config.database.engine === 'postgres') {
    process.stderr.write('backup: this relay uses PostgreSQL; back it up with pg_dump, e.g. pg_dump --format=custom --file=relay.dump "$DATABASE_URL"\n');
    return 2;
  }
  let parsed: { values: { force?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { force: { type: 'boolean', default: false } }, allowPositionals: true });
  } catch (err) {
    process.stderr.write(`backup: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  const [path, ...extra] = parsed.positionals;
  if (!path || extra.length) {
    process.stderr.write('backup: give one destination file, e.g. npm run relay -- backup backups/relay-$(date +%F).sqlite\n');
    return 2;
  }
  if (config.database.file === ':memory:') {
    process.stderr.write('backup: DATABASE_URL is an in-memory database; there is nothing on disk to back up\n');
    return 2;
  }
  try {
    const { path: written, bytes } = await backupSqlite(config.database.file, path, { force: parsed.values.force === true });
    process.stdout.write(`Backed up ${config.database.file} to ${written} (${bytes} bytes, ${formatBytes(bytes)}; integrity_check ok)\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    process.stderr.write(`backup: ${err.message}\n`);
    return 1;
  }
}

/** `retention run`: one purge now, whatever the timer does; the count on stdout. */
async function retentionCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run') {
    process.stderr.write(`Unknown retention command "${sub ?? ''}".\n${USAGE}\n`);
    return 2;
  }
  let days = config.bodyRetentionDays;
  try {
    const { values } = parseArgs({ args: rest, options: { days: { type: 'string' } } });
    if (values.days !== undefined) {
      const n = Number(values.days);
      if (!Number.isInteger(n) || n < 1 || n > 3650) throw new Error('--days must be a whole number of days from 1 to 3650');
      days = n;
    }
  } catch (err) {
    process.stderr.write(`retention run: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }
  if (days === null) {
    process.stderr.write('retention run: BODY_RETENTION_DAYS is not set, so message bodies are kept forever; set it, or pass --days N\n');
    return 2;
  }
  const store = await openStore(config);
  try {
    const result = await runRetention({ store, clock: () => new Date() }, days);
    process.stdout.write(`Removed the bodies of ${result.purged} messages created before ${result.before} (kept: ${days} days)\n`);
    return 0;
  } finally {
    await store.close();
  }
}

async function tokensCommand(config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const store = await openStore(config);
  try {
    if (sub === 'create') {
      const { values } = parseArgs({ args: rest, options: { name: { type: 'string' }, role: { type: 'string', default: 'rep' } } });
      const name = values.name?.trim();
      if (!name || name.length > 100) {
        process.stderr.write('tokens create: --name is required (at most 100 characters)\n');
        return 2;
      }
      if (!(ROLES as readonly string[]).includes(values.role ?? '')) {
        process.stderr.write(`tokens create: --role must be one of ${ROLES.join(', ')}\n`);
        return 2;
      }
      const { token, record } = await createAccessToken(store, name, values.role as Role);
      process.stderr.write(`Created token ${record.id} for "${record.name}" (${record.role}). It is shown once; only its hash is stored.\n`);
      process.stdout.write(token + '\n');
      return 0;
    }
    if (sub === 'list') {
      const tokens = await store.listTokens();
      if (!tokens.length) process.stdout.write('No tokens yet. Create one with: npm run relay -- tokens create --name NAME --role rep\n');
      for (const t of tokens) {
        process.stdout.write(`${t.id}\t${t.role}\t${t.revokedAt ? 'revoked ' + t.revokedAt : 'active'}\t${t.lastUsedAt ?? 'never used'}\t${t.name}\n`);
      }
      return 0;
    }
    if (sub === 'rotate') {
      // A new secret for the same person and role, and the old one revoked in the same breath.
      const id = rest[0];
      const current = (await store.listTokens()).find((t) => t.id === id && !t.revokedAt);
      if (!current) {
        process.stderr.write(`tokens rotate: no active token with id ${id ?? '(none given)'} (see tokens list)\n`);
        return 1;
      }
      const { token, record } = await createAccessToken(store, current.name, current.role);
      await store.revokeToken(current.id, new Date().toISOString());
      process.stderr.write(`Rotated ${current.id} → ${record.id} for "${record.name}" (${record.role}). The old token no longer works; the new one is shown once.\n`);
      process.stdout.write(token + '\n');
      return 0;
    }
    if (sub === 'revoke') {
      const id = rest[0];
      if (!id) {
        process.stderr.write('tokens revoke: give the token id (see tokens list)\n');
        return 2;
      }
      const ok = await store.revokeToken(id, new Date().toISOString());
      process.stderr.write(ok ? `Revoked ${id}. It stops working at once.\n` : `No active token with id ${id}.\n`);
      return ok ? 0 : 1;
    }
    process.stderr.write(`Unknown tokens command "${sub ?? ''}".\n${USAGE}\n`);
    return 2;
  } finally {
    await store.close();
  }
}
