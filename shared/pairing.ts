/**
 * Pairing: a manager or admin makes a one-time code (POST /v1/pairing-codes); a rep types the relay URL
 * and the code into the extension's options and trades it for a token of their own (POST /v1/pair).
 * The code's shape and the two calls' bodies, shared by the relay (validation) and the extension
 * (typing help, answer validation). Pure: no I/O.
 */
import { z } from 'zod';

/** No 0/O, 1/I/L: what a person reads off a screen or hears on a call types back the same. */
export const PAIRING_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
/** 31^10 ≈ 2^49.5: unguessable within a code's life (at most a day) under a per-address attempt limit. */
export const PAIRING_CODE_LENGTH = 10;
export const PAIRING_TTL_DEFAULT_MINUTES = 15;
export const PAIRING_TTL_MAX_MINUTES = 1440;
/** Roles a pairing code can yield: never admin (admins are made on the server, with the CLI). */
export const PAIRING_ROLES = ['rep', 'manager'] as const;
export const PairingRole = z.enum(PAIRING_ROLES);
export type PairingRole = z.infer<typeof PairingRole>;

const CODE_RE = new RegExp(`^[${PAIRING_ALPHABET}]{${PAIRING_CODE_LENGTH}}$`);

/**
 * What a person typed → the code's canonical form (ten characters, no dash), or null when it cannot be
 * one. Case, spaces and dashes are forgiven; look-alikes are not guessed (an O is not silently a 0).
 */
export function normalizePairingCode(input: string): string | null {
  const compact = input.toUpperCase().replace(/[\s-]+/g, '');
  return CODE_RE.test(compact) ? compact : null;
}

/** "ABCDE23456" → "ABCDE-23456", the way a code is shown. */
export function formatPairingCode(canonical: string): string {
  const half = PAIRING_CODE_LENGTH / 2;
  return `${canonical.slice(0, half)}-${canonical.slice(half)}`;
}

/** POST /v1/pairing-codes */
export const PairingCodeInput = z
  .object({
    role: PairingRole.default('rep'),
    ttlMinutes: z.number().int().min(1).max(PAIRING_TTL_MAX_MINUTES).default(PAIRING_TTL_DEFAULT_MINUTES),
  })
  .strict();
export type PairingCodeInput = z.infer<typeof PairingCodeInput>;

/** 201 answer of POST /v1/pairing-codes: the code is shown once (only its hash is stored). */
export const PairingCodeCreated = z.object({
  code: z.string(),
  expiresAt: z.string(),
  role: PairingRole,
});
export type PairingCodeCreated = z.infer<typeof PairingCodeCreated>;

/** POST /v1/pair (no token). */
export const PairInput = z
  .object({
    code: z.string().max(40).transform((v, ctx) => {
      const code = normalizePairingCode(v);
      if (code === null) {
        ctx.addIssue({ code: 'custom', message: `a pairing code is ${PAIRING_CODE_LENGTH} letters and digits, like ABCDE-23456` });
        return z.NEVER;
      }
      return code;
    }),
    name: z.string().trim().min(1, 'give your name').max(100, 'at most 100 characters'),
  })
  .strict();
export type PairInput = z.input<typeof PairInput>;

/** 201 answer of POST /v1/pair: the rep's own token, shown once. */
export const PairResult = z.object({
  token: z.string().min(1),
  name: z.string(),
  role: PairingRole,
});
export type PairResult = z.infer<typeof PairResult>;
