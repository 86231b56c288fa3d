/**
 * The relay as admins run it (startRelay, SQLite in WAL mode, live-mode signature checks) in its own
 * process, for the live-event benchmarks: BENCH_DEMO=1 adds the demo contact pages the extension
 * recognises, and the IPC channel answers "usage?" with this process's memory (after a full GC when
 * started with --expose-gc) and CPU time, so the load generator's own work never counts.
 */
import { parseConfig } from '../../relay/config.ts';
import { createLogger } from '../../relay/log.ts';
import { startRelay } from '../../relay/server.ts';

export interface RelayUsage {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  /** process.cpuUsage(): user + system microseconds since the process started. */
  cpuMicros: number;
  /** Live SSE listeners on the relay's bus. */
  listeners: number;
}

const relay = await startRelay(parseConfig(process.env), { log: createLogger('silent'), demo: process.env.BENCH_DEMO === '1' });
process.on('message', (m: { type?: string; gc?: boolean }) => {
  if (m?.type !== 'usage') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (m.gc && gc) {
    gc();
    gc();
  }
  const mem = process.memoryUsage();
  const cpu = process.cpuUsage();
  const usage: RelayUsage = {
    rssBytes: mem.rss,
    heapUsedBytes: mem.heapUsed,
    heapTotalBytes: mem.heapTotal,
    externalBytes: mem.external,
    cpuMicros: cpu.user + cpu.system,
    listeners: relay.deps.bus.listenerCount(),
  };
  process.send?.({ type: 'usage', usage });
});
process.stdout.write(`LISTENING ${relay.url}\n`);
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
