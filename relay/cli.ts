/**
 * The relay's commands: serve, start (demo: build the extension with a demo token, then serve),
 * tokens create|list|revoke, doctor. Output meant for scripts goes to stdout (a new token alone on the last
 * line); everything else to stderr.
 */
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../shared/api.ts';
import { createAccessToken } from './auth/tokens.ts';
import { ConfigError, loadDotEnv, parseConfig, type Config } from './config.ts';
import { exitCodeFor, formatReport } from './doctor/format-report.ts';
import { runDoctor } from './doctor/run-doctor.ts';
import { openStore, startRelay } from './server.ts';

const USAGE = `Usage: npm run relay -- <command>
  serve                                   run the relay (production)
  start                                   build the extension and run the relay with the demo CRM page (npm start)
  tokens create --name NAME --role rep|manager|admin
  tokens list
  tokens revoke ID
  tokens rotate ID                        a new token for the same name and role; the old one stops working
  doctor                                  check the configuration and the Twilio account, and say how to fix what is wrong`;

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
    case 'doctor':
      return doctorCommand(config);
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

async function startCommand(config: Config): Promise<number> {
  let demo: { relayUrl: string; token: string } | undefined;
  if (config.twilio.mode === 'simulator') {
    const store = await openStore(config);
    // One demo token per start: earlier demo tokens are revoked so none lingers.
    for (const t of await store.listTokens()) if (t.name === 'demo' && !t.revokedAt) await store.revokeToken(t.id, new Date().toISOString());
    const { token } = await createAccessToken(store, 'demo', 'admin');
    await store.close();
    demo = { relayUrl: config.publicUrl, token };
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
  3. Demo access token (admin, for curl; shown once):
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
