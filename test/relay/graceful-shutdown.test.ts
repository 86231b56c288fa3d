/**
 * SIGTERM in the middle of a webhook burst: the relay stops taking new requests, finishes the ones in
 * flight, and every callback it acknowledged is in the database afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import { BENCH_ACCOUNT_SID, BENCH_AUTH_TOKEN, BENCH_PUBLIC_URL, benchSid } from '../bench/bench-data.ts';
import { seedSentMessages } from '../bench/seed-sent.ts';
import { encodeForm, signForm, statusForm } from '../helpers/twilio-signer.ts';

const dir = mkdtempSync(join(tmpdir(), 'ppw-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('graceful shutdown', () => {
  it('loses no acknowledged webhook when stopped mid-burst', async () => {
    const file = join(dir, 'relay.sqlite');
    const MESSAGES = 400;
    await seedSentMessages(file, MESSAGES);
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay/index.ts', 'serve'], {
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', PUBLIC_URL: BENCH_PUBLIC_URL, DATABASE_URL: `file:${file}`,
        TWILIO_ACCOUNT_SID: BENCH_ACCOUNT_SID, TWILIO_AUTH_TOKEN: BENCH_AUTH_TOKEN, TWILIO_WHATSAPP_FROM: 'whatsapp:+14155238886', TWILIO_API_BASE_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`relay did not start: ${buf}`)), 20_000);
      child.stderr!.on('data', (c: Buffer) => {
        buf += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(buf);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });

    const acknowledged: string[] = [];
    let refused = 0;
    let stopped = false;
    const send = async (i: number) => {
      const form = statusForm({ sid: benchSid(i), status: 'delivered', to: '+15550000000', from: 'whatsapp:+14155238886', accountSid: BENCH_ACCOUNT_SID });
      try {
        const res = await fetch(`${url}/twilio/status`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signForm(BENCH_AUTH_TOKEN, `${BENCH_PUBLIC_URL}/twilio/status`, form) },
          body: encodeForm(form),
        });
        await res.arrayBuffer();
        if (res.status === 204) acknowledged.push(benchSid(i));
        else refused++;
      } catch {
        refused++; // connection refused or cut: Twilio would retry these
      }
    };
    // 40 concurrent senders walk through the messages; SIGTERM lands once a quarter is acknowledged.
    let next = 0;
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        while (next < MESSAGES) {
          const i = next++;
          if (!stopped && acknowledged.length >= MESSAGES / 4) {
            stopped = true;
            child.kill('SIGTERM');
          }
          await send(i);
        }
      }),
    );
    expect(stopped).toBe(true);
    expect(await exited).toBe(0);

    const store = openSqliteStore(file);
    try {
      const missing: string[] = [];
      for (let i = 0; i < MESSAGES; i++) {
        const m = await store.getMessage(`msg_bench_${i}`);
        if (acknowledged.includes(benchSid(i)) && m?.status !== 'delivered') missing.push(benchSid(i));
      }
      expect(missing).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(MESSAGES / 4);
      expect(acknowledged.length + refused).toBe(MESSAGES);
    } finally {
      await store.close();
    }
  }, 60_000);
});
