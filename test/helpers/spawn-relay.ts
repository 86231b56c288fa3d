/**
 * `relay serve` as a real child process, for the tests that must do to the relay what an operator's
 * machine can: SIGKILL it, restart it on the same database, watch it survive a database outage. The
 * in-process harness (relay-harness.ts) cannot be killed without killing the test with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnedRelay {
  /** The address it listens on (PORT=0 gives a fresh port each start). */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far (the tail, bounded). */
  stderr(): string;
  /** Settles when the process has exited, however it ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True until the process exits. */
  alive(): boolean;
  /** SIGKILL: no shutdown code runs, exactly like a power cut to the process (not to the disk). */
  kill(): Promise<void>;
  /** SIGTERM, the graceful path; SIGKILL after `graceMs` if it has not exited. */
  stop(graceMs?: number): Promise<void>;
}

const MAX_STDERR = 64 * 1024;

/**
 * Starts `node --import tsx relay/index.ts serve` with exactly `env` (plus PATH and HOME), and
 * resolves once it prints its listening line. Rejects with its stderr if it exits or is silent first.
 */
export function spawnRelay(env: Record<string, string>, opts: { startTimeoutMs?: number } = {}): Promise<SpawnedRelay> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/index.ts', 'serve'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err = (err + chunk).slice(-MAX_STDERR);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let alive = true;
  void exited.then(() => (alive = false));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay did not start within ${opts.startTimeoutMs ?? 30_000} ms:\n${err}`));
    }, opts.startTimeoutMs ?? 30_000);
    const onData = () => {
      const url = /Relay listening on (http:\/\/\S+)/.exec(err)?.[1];
      if (!url) return;
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      resolve({
        url,
        child,
        exited,
        stderr: () => err,
        alive: () => alive,
        async kill() {
          if (alive) child.kill('SIGKILL');
          await exited;
        },
        async stop(graceMs = 15_000) {
          if (!alive) return;
          child.kill('SIGTERM');
          const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(force);
        },
      });
    };
    child.stderr!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`relay exited (${signal ?? code}) before listening:\n${err}`));
    });
  });
}
