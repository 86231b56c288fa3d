/** Rotating both secrets without dropping anything: Twilio's Auth Token (webhooks) and access tokens (API). */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTwilio, type FakeTwilio } from '../helpers/fake-twilio.ts';
import { PUBLIC_URL, startTestRelay, TEST_ACCOUNT_SID, TEST_AUTH_TOKEN, TEST_SENDER, type TestRelay } from '../helpers/relay-harness.ts';
import { inboundForm, postSignedForm } from '../helpers/twilio-signer.ts';

const SECONDARY = 'the-new-auth-token-after-rotation';
let fake: FakeTwilio;
let relay: TestRelay;

beforeAll(async () => {
  fake = await startFakeTwilio({ accountSid: TEST_ACCOUNT_SID, authToken: TEST_AUTH_TOKEN });
  relay = await startTestRelay({ fakeTwilioUrl: fake.url, env: { TWILIO_AUTH_TOKEN_SECONDARY: SECONDARY } });
});
afterAll(async () => {
  await relay?.close();
  await fake?.close();
});

describe('Twilio Auth Token rotation', () => {
  it('accepts webhooks signed with the primary or the secondary token, and nothing else', async () => {
    const post = (token: string, body: string) =>
      postSignedForm(relay.url + '/twilio/inbound', inboundForm({ from: '+5511911110000', to: TEST_SENDER, body }), token, { signedUrl: PUBLIC_URL + '/twilio/inbound' });
    expect((await post(TEST_AUTH_TOKEN, 'signed with the old token')).status).toBe(200);
    expect((await post(SECONDARY, 'signed with the new token')).status).toBe(200);
    expect((await post('some-third-token-nobody-has', 'forged')).status).toBe(403);
    const state = (await (await relay.api('/v1/contacts/%2B5511911110000', { token: await relay.token('rep') })).json()) as { messages: { body: string }[] };
    expect(state.messages.map((m) => m.body)).toEqual(['signed with the old token', 'signed with the new token']);
  });
});

describe('access token rotation (CLI)', () => {
  it('tokens rotate prints a new token for the same person and role; the old one stops at once', async () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'relay/index.ts', ...args], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: `file:${join(relay.dir, 'relay.sqlite')}` },
      });
    const old = await relay.token('manager', 'Mona Manager');
    const [record] = (await relay.deps.store.listTokens()).filter((t) => t.name === 'Mona Manager');
    const rotated = run(['tokens', 'rotate', record!.id]);
    expect(rotated.status, rotated.stderr).toBe(0);
    const fresh = rotated.stdout.trim().split('\n').at(-1)!;
    expect(fresh).toMatch(/^ppw_/);
    expect((await relay.api('/v1/me', { token: old })).status).toBe(401);
    const me = await relay.api('/v1/me', { token: fresh });
    expect(await me.json()).toMatchObject({ name: 'Mona Manager', role: 'manager' });
    expect(run(['tokens', 'rotate', 'tok_nope']).status).toBe(1);
  });
});
