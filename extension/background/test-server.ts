/** Test helper: a real node:http server whose handler each test swaps in. Not bundled (tests only). */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export interface TestServer {
  url: string;
  requests: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }>;
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  let handler: Handler = (_req, res) => {
    res.writeHead(404).end();
  };
  const requests: TestServer['requests'] = [];
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      open.add(res);
      res.on('close', () => open.delete(res));
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPortUrl(): Promise<string> {
  const s = await startTestServer();
  const url = s.url;
  await s.close();
  return url;
}

export function json(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(value));
}

export const sampleMessage = {
  id: 'msg_1',
  sid: 'SM00000000000000000000000000000001',
  phone: '+5511987654321',
  direction: 'outbound' as const,
  body: 'Hello',
  contentSid: null,
  variables: null,
  status: 'queued' as const,
  errorCode: null,
  errorMessage: null,
  sentBy: 'Rep',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  statusTimes: { queued: '2025-01-01T00:00:00.000Z' },
};

export const sampleContact = {
  phone: '+5511987654321',
  profileName: null,
  consent: { state: 'opted_in' as const, source: 'rep' as const, at: '2025-01-01T00:00:00.000Z', by: 'Rep', evidence: 'Signed form' },
  session: { state: 'closed' as const, expiresAt: null, lastInboundAt: null },
  messages: [sampleMessage],
  simulated: true,
  sandbox: null,
};
