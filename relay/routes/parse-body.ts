/** JSON bodies validated at the edge; every failure is a 422 VALIDATION_FAILED naming the field. */
import type { Context } from 'hono';
import type { z } from 'zod';
import { RelayError } from '../errors.ts';

export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().includes('application/json')) throw new RelayError('UNSUPPORTED_MEDIA_TYPE', 'Send a JSON body with Content-Type: application/json.');
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new RelayError('VALIDATION_FAILED', 'The body is not valid JSON.');
  }
  return parseWith(schema, raw);
}

export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const parsed = schema.safeParse(withoutNul(raw));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
    throw new RelayError('VALIDATION_FAILED', `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  return parsed.data;
}

/**
 * U+0000 replaced by U+FFFD in every string and key, in place (the value is freshly parsed input).
 * PostgreSQL text and jsonb can't hold NUL (the write fails: a 500 on hostile input), so both
 * engines store the same replacement instead. A loop, not recursion: a body nested 30,000 deep
 * must not overflow the stack. Renamed keys are defined, not assigned, so `__proto__` stays a key.
 */
export function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes('\0') ? value.replaceAll('\0', '\ufffd') : value;
  if (value === null || typeof value !== 'object') return value;
  const pending: Record<string, unknown>[] = [value as Record<string, unknown>];
  while (pending.length) {
    const o = pending.pop()!;
    for (const key of Object.keys(o)) {
      const v = o[key];
      if (v !== null && typeof v === 'object') pending.push(v as Record<string, unknown>);
      const cleanKey = key.includes('\0') ? key.replaceAll('\0', '\ufffd') : key;
      const cleanValue = typeof v === 'string' && v.includes('\0') ? v.replaceAll('\0', '\ufffd') : v;
      if (cleanKey === key && cleanValue === v) continue;
      if (cleanKey !== key) delete o[key];
      Object.defineProperty(o, cleanKey, { value: cleanValue, enumerable: true, writable: true, configurable: true });
    }
  }
  return value;
}
