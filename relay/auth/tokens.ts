/**
 * Access tokens: 32 random bytes, shown once, stored as a SHA-256 hash. A fast hash is right here:
 * the secret has 256 bits of entropy, so there is nothing for a slow KDF to protect against, and
 * every API call verifies one.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role } from '../../shared/api.ts';
import type { Store, TokenRecord } from '../store/store.ts';

export const TOKEN_PREFIX = 'ppw_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new token's secret (not stored anywhere yet): the prefix and 32 random bytes. */
export function createAccessTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export async function createAccessToken(store: Store, name: string, role: Role, now = new Date()): Promise<{ token: string; record: TokenRecord }> {
  const token = createAccessTokenSecret();
  const record = await store.createToken({ id: `tok_${randomUUID().slice(0, 8)}`, name, role, hash: hashToken(token), createdAt: now.toISOString() });
  return { token, record };
}

/** The token's record when it is well-formed, known and not revoked. */
export async function verifyAccessToken(store: Store, token: string, now = new Date()): Promise<TokenRecord | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  return store.findTokenByHash(hashToken(token), now.toISOString());
}

const RANK: Record<Role, number> = { rep: 0, manager: 1, admin: 2 };
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}
