/**
 * Builds the extension for Chrome and Firefox in-process (dist/chrome, dist/firefox), one Vite build
 * per target through vite.config.ts, which reads TARGET / PPW_DEMO / PPW_DEMO_RELAY_URL / PPW_DEMO_TOKEN.
 *
 * Used by `npm start` (relay/cli.ts: a demo build that already knows the relay URL and a demo token) and
 * runnable directly:
 *   tsx extension/build.ts                                   production build
 *   tsx extension/build.ts --demo-relay-url URL --demo-token TOKEN
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { BuildTarget } from './manifest.ts';

export const TARGETS: readonly BuildTarget[] = ['chrome', 'firefox'];
const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const ENV_KEYS = ['TARGET', 'PPW_DEMO', 'PPW_DEMO_RELAY_URL', 'PPW_DEMO_TOKEN'] as const;

export interface BuildOptions {
  /** A demo build (`npm start`): also matches 127.0.0.1/localhost and ships these defaults in the options. */
  demo?: { relayUrl: string; token: string };
  targets?: readonly BuildTarget[];
  logLevel?: 'info' | 'warn' | 'error' | 'silent';
}

export async function buildExtension(opts: BuildOptions = {}): Promise<void> {
  const { build } = await import('vite');
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  try {
    for (const target of opts.targets ?? TARGETS) {
      process.env.TARGET = target;
      if (opts.demo) {
        process.env.PPW_DEMO = '1';
        process.env.PPW_DEMO_RELAY_URL = opts.demo.relayUrl;
        process.env.PPW_DEMO_TOKEN = opts.demo.token;
      } else {
        delete process.env.PPW_DEMO;
        delete process.env.PPW_DEMO_RELAY_URL;
        delete process.env.PPW_DEMO_TOKEN;
      }
      await build({
        root: ROOT,
        configFile: resolve(ROOT, 'vite.config.ts'),
        mode: 'production',
        logLevel: opts.logLevel ?? 'warn',
      });
    }
  } finally {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'demo-relay-url': { type: 'string' },
      'demo-token': { type: 'string' },
      target: { type: 'string', multiple: true },
      verbose: { type: 'boolean', default: false },
    },
  });
  const relayUrl = values['demo-relay-url'];
  const token = values['demo-token'];
  if ((relayUrl === undefined) !== (token === undefined)) {
    process.stderr.write('build: --demo-relay-url and --demo-token go together\n');
    return 2;
  }
  const targets = values.target ?? [...TARGETS];
  const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length) {
    process.stderr.write(`build: unknown --target ${unknown.join(', ')} (chrome or firefox)\n`);
    return 2;
  }
  const started = Date.now();
  await buildExtension({
    ...(relayUrl !== undefined && token !== undefined ? { demo: { relayUrl, token } } : {}),
    targets: targets as BuildTarget[],
    logLevel: values.verbose ? 'info' : 'warn',
  });
  process.stdout.write(`Built ${targets.map((t) => `dist/${t}`).join(' and ')} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
