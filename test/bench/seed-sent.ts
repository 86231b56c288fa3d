/** Seeds `count` sent messages with known sids, so every benchmark status callback updates a real message. */
import { openSqliteStore } from '../../relay/store/sqlite/sqlite-store.ts';
import { benchSid } from './bench-data.ts';

export async function seedSentMessages(file: string, count: number): Promise<void> {
  const store = openSqliteStore(file);
  await store.migrate();
  const now = new Date().toISOString();
  for (let i = 0; i < count; i++) {
    const { message } = await store.createOutbound({ id: `msg_bench_${i}`, phone: `+1555${String(i).padStart(7, '0')}`, body: 'bench', contentSid: null, variables: null, sentBy: 'bench', sentByTokenId: 'tok_bench', createdAt: now, idempotencyKey: null });
    await store.attachSid(message.id, benchSid(i), 'queued', now);
  }
  await store.close();
}
