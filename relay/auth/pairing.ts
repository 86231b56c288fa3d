/**
 * Pairing codes: ten characters from an unambiguous alphabet (≈ 49.5 bits), shown once as
 * XXXXX-XXXXX, stored as a SHA-256 hash of the canonical form, valid for minutes and for one use.
 * A fast hash is enough here for the same reason as for tokens, plus: a code dies at its first use
 * or within a day, and guessing one over HTTP is rate-limited per address (routes/pairing.ts).
 */
import { createHash, randomInt, randomUUID } from 'node:crypto';
import { formatPairingCode, normalizePairingCode, PAIRING_ALPHABET, PAIRING_CODE_LENGTH, PAIRING_TTL_DEFAULT_MINUTES, type PairingRole } from '../../shared/pairing.ts';
import type { PairingCodeRecord, Store, TokenRecord } from '../store/store.ts';
import { createAccessTokenSecret, hashToken } from './tokens.ts';

/** Uniform over the alphabet (randomInt rejects biased draws). Canonical form, no dash. */
export function generatePairingCode(): string {
  let code = '';
  for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_ALPHABET[randomInt(PAIRING_ALPHABET.length)];
  return code;
}

/** The hash of a code's canonical form, so "abcde 23456" and "ABCDE-23456" are the same code. */
export function hashPairingCode(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export interface NewPairingCodeOptions {
  role: PairingRole;
  createdBy: string;
  ttlMinutes?: number;
  now?: Date;
}

/** Makes and stores a code; returns it formatted (XXXXX-XXXXX), the only time it exists in clear. */
export async function createPairingCode(store: Store, opts: NewPairingCodeOptions): Promise<{ code: string; record: PairingCodeRecord }> {
  const now = opts.now ?? new Date();
  const ttl = opts.ttlMinutes ?? PAIRING_TTL_DEFAULT_MINUTES;
  const canonical = generatePairingCode();
  const record = await store.createPairingCode({
    id: `pc_${randomUUID().slice(0, 8)}`,
    hash: hashPairingCode(canonical),
    role: opts.role,
    createdBy: opts.createdBy,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttl * 60_000).toISOString(),
  });
  return { code: formatPairingCode(canonical), record };
}

/**
 * Trades a code (as typed) for a new token named `name`, with the code's role. null when the code is
 * malformed, unknown, used or expired: callers must not tell these apart to the person asking.
 */
export async function redeemPairingCode(store: Store, typed: string, name: string, now = new Date()): Promise<{ token: string; record: TokenRecord } | null> {
  const canonical = normalizePairingCode(typed);
  if (canonical === null) return null;
  const secret = createAccessTokenSecret();
  const at = now.toISOString();
  const redeemed = await store.redeemPairingCode(hashPairingCode(canonical), at, (code) => ({
    id: `tok_${randomUUID().slice(0, 8)}`,
    name,
    role: code.role,
    hash: hashToken(secret),
    createdAt: at,
  }));
  return redeemed === null ? null : { token: secret, record: redeemed.token };
}
