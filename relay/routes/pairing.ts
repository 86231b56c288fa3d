/**
 * Pairing (contract: POST /v1/pairing-codes → POST /v1/pair). A manager or admin makes a one-time
 * code; a rep types the relay URL and the code into the extension's options and trades
 * {code, name} for a token of their own, so no token is ever pasted around.
 *
 * /v1/pair is the one /v1 call without a token (app.ts mounts it before the auth middleware, after
 * CORS, so extension pages can call it). Guessing is made useless by the code's ~50 bits, its short
 * life and single use, and a per-address limit on attempts (every attempt counts, well-formed or not).
 */
import { Hono, type Context } from 'hono';
import { PairInput, PairingCodeInput, type PairingCodeCreated, type PairResult } from '../../shared/pairing.ts';
import { createPairingCode, redeemPairingCode } from '../auth/pairing.ts';
import { roleAtLeast } from '../auth/tokens.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { requireRole, type AppEnv } from '../middleware/api-auth.ts';
import { createTokenBuckets } from '../middleware/rate-limit.ts';
import { parseJsonBody, parseWith } from './parse-body.ts';

/** Attempts per address: a burst of 10, refilled at 10 a minute. */
export const PAIR_ATTEMPTS_PER_MINUTE = 10;

/** The same answer for a mistyped, unknown, used or expired code: which one it was helps only a guesser. */
const INVALID_CODE = 'This pairing code is not valid: it may be mistyped, already used or expired. Ask for a new one.';

/**
 * The bucket key for a peer: its socket address (never X-Forwarded-For, which the caller writes). An
 * IPv6 peer is keyed by its /64, since one host usually holds a whole /64 and could rotate within it.
 */
export function peerKey(address: string | undefined): string {
  if (!address) return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const bare = address.split('%')[0]!.toLowerCase();
  const [head = '', tail] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function hasBody(c: Context): boolean {
  return c.req.header('content-type') !== undefined || (c.req.header('content-length') ?? '0') !== '0' || c.req.header('transfer-encoding') !== undefined;
}

function socketAddress(c: Context): string | undefined {
  // @hono/node-server passes {incoming, outgoing} as the env; absent under app.request() in unit tests.
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/** POST /v1/pair: no token. Mount before the auth middleware. */
export function pairRoutes(deps: Deps): Hono {
  const app = new Hono();
  const attempts = createTokenBuckets({ perSecond: PAIR_ATTEMPTS_PER_MINUTE / 60, burst: PAIR_ATTEMPTS_PER_MINUTE, now: () => deps.clock().getTime() });

  app.post('/', async (c) => {
    const peer = peerKey(socketAddress(c));
    const wait = attempts.take(peer);
    if (wait > 0) {
      deps.log.warn('pairing.rate_limited', { peer });
      c.header('Retry-After', String(wait));
      throw new RelayError('RATE_LIMITED', `Too many pairing attempts from this address. Try again in ${wait} s.`);
    }
    // No body at all is a 422 naming the missing fields, like a body without them.
    const input = hasBody(c) ? await parseJsonBody(c, PairInput) : parseWith(PairInput, {});
    const redeemed = await redeemPairingCode(deps.store, input.code, input.name, deps.clock());
    if (redeemed === null) {
      deps.log.warn('pairing.refused', { peer });
      throw new RelayError('UNAUTHORIZED', INVALID_CODE);
    }
    const { record } = redeemed;
    deps.log.info('pairing.redeemed', { tokenId: record.id, role: record.role });
    c.header('Cache-Control', 'no-store');
    const body: PairResult = { token: redeemed.token, name: record.name, role: record.role === 'manager' ? 'manager' : 'rep' };
    return c.json(body, 201);
  });
  return app;
}

/** POST /v1/pairing-codes: managers make rep codes; admins make rep or manager codes. Mount after the auth middleware. */
export function pairingCodeRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/', requireRole('manager'), async (c) => {
    // The body is optional: no body at all means a rep code for the default time.
    const input = hasBody(c) ? await parseJsonBody(c, PairingCodeInput) : parseWith(PairingCodeInput, {});
    const actor = c.get('actor');
    // A code may yield a role below the creator's own only: managers make reps, admins make reps or managers.
    if (input.role === 'manager' && !roleAtLeast(actor.role, 'admin')) {
      throw new RelayError('FORBIDDEN', 'Only an admin can make a pairing code for a manager; managers make rep codes.');
    }
    const { code, record } = await createPairingCode(deps.store, { role: input.role, createdBy: actor.name, ttlMinutes: input.ttlMinutes, now: deps.clock() });
    deps.log.info('pairing.created', { id: record.id, role: record.role, by: actor.tokenId, expiresAt: record.expiresAt });
    c.header('Cache-Control', 'no-store');
    const body: PairingCodeCreated = { code, expiresAt: record.expiresAt, role: input.role };
    return c.json(body, 201);
  });
  return app;
}
