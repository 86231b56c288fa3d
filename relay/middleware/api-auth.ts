/** Bearer-token authentication for /v1 and the role check every route declares. */
import type { MiddlewareHandler } from 'hono';
import type { Role } from '../../shared/api.ts';
import { roleAtLeast, verifyAccessToken } from '../auth/tokens.ts';
import type { Actor, Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';

export type AppEnv = { Variables: { actor: Actor } };

export function apiAuth(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new RelayError('UNAUTHORIZED', 'Send your access token as "Authorization: Bearer <token>".');
    const record = await verifyAccessToken(deps.store, match[1]!, deps.clock());
    if (!record) throw new RelayError('UNAUTHORIZED', 'This access token is unknown or was revoked.');
    c.set('actor', { tokenId: record.id, name: record.name, role: record.role });
    await next();
  };
}

export function requireRole(role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const actor = c.get('actor');
    if (!roleAtLeast(actor.role, role)) throw new RelayError('FORBIDDEN', `This needs the ${role} role; your token is ${actor.role}.`);
    await next();
  };
}
