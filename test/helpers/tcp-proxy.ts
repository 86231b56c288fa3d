/**
 * A TCP proxy the test controls, to put between the relay and PostgreSQL. Nothing in the relay knows it
 * is there; it only sees what a real outage does to its connections:
 * - `cut()`: the server or its host is gone. Every relayed connection is reset, new ones are refused.
 * - `stall()`: a network partition. Nothing gets through, in either direction, and nothing says so:
 *   bytes and new connections just wait, as dropped packets do while TCP retransmits.
 * - `restore()`: the way is open again; what a stall held back is delivered, as when a partition heals.
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

export interface TcpProxy {
  /** The port to connect to instead of the target's. */
  readonly port: number;
  /** Connections accepted since start (including refused ones). */
  readonly accepted: number;
  /** Connections currently relayed (or held by a stall). */
  readonly open: number;
  cut(): void;
  stall(): void;
  restore(): void;
  close(): Promise<void>;
}

interface Pair {
  client: Socket;
  upstream: Socket | null;
  /** Bytes held back by a stall, per direction. */
  toUpstream: Buffer[];
  toClient: Buffer[];
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let state: 'up' | 'cut' | 'stalled' = 'up';
  let accepted = 0;

  // An RST, not a polite FIN: what a client sees when the server host dies.
  const reset = (s: Socket | null) => {
    if (s && !s.destroyed) s.resetAndDestroy();
  };
  const drop = (p: Pair) => {
    pairs.delete(p);
    reset(p.client);
    reset(p.upstream);
  };

  function flush(p: Pair): void {
    if (!p.upstream) return;
    for (const chunk of p.toUpstream.splice(0)) p.upstream.write(chunk);
    for (const chunk of p.toClient.splice(0)) p.client.write(chunk);
  }

  function openUpstream(p: Pair): void {
    const upstream = connect(target.port, target.host);
    upstream.on('error', () => {});
    upstream.once('close', () => drop(p));
    upstream.on('data', (chunk: Buffer) => {
      if (state === 'stalled') p.toClient.push(chunk);
      else p.client.write(chunk);
    });
    upstream.once('connect', () => {
      p.upstream = upstream;
      if (state !== 'stalled') flush(p);
    });
  }

  const server = createServer((client) => {
    accepted++;
    client.on('error', () => {});
    if (state === 'cut') return reset(client);
    const p: Pair = { client, upstream: null, toUpstream: [], toClient: [] };
    pairs.add(p);
    client.once('close', () => drop(p));
    client.on('data', (chunk: Buffer) => {
      if (state === 'stalled' || !p.upstream) p.toUpstream.push(chunk);
      else p.upstream.write(chunk);
    });
    // During a stall the connection is accepted by nobody: it goes through once the partition heals.
    if (state === 'up') openUpstream(p);
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const cut = () => {
    state = 'cut';
    for (const p of [...pairs]) drop(p);
  };

  return {
    port,
    get accepted() {
      return accepted;
    },
    get open() {
      return pairs.size;
    },
    cut,
    stall() {
      state = 'stalled';
    },
    restore() {
      state = 'up';
      for (const p of pairs) {
        if (p.upstream) flush(p);
        else openUpstream(p);
      }
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
