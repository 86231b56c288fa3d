import { Hono } from 'hono';
import { SendTemplateInput, SendTextInput } from '../../shared/api.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import type { AppEnv } from '../middleware/api-auth.ts';
import { sendMessage } from '../services/send-message.ts';
import { parseJsonBody, parseWith } from './parse-body.ts';
import { z } from 'zod';

const KEY = /^[\w:.-]{1,128}$/;
const AnyObject = z.record(z.string(), z.unknown());

export function messageRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/', async (c) => {
    const raw = await parseJsonBody(c, AnyObject);
    // Pick the schema by intent so errors name the real problem instead of "no union member matched".
    const input = 'contentSid' in raw ? parseWith(SendTemplateInput, raw) : parseWith(SendTextInput, raw);
    const key = c.req.header('idempotency-key') ?? null;
    if (key !== null && !KEY.test(key)) throw new RelayError('VALIDATION_FAILED', 'Idempotency-Key must be 1–128 letters, digits, ":", ".", "_" or "-".');
    const { message, created } = await sendMessage(deps, c.get('actor'), input, key);
    return c.json(message, created ? 201 : 200);
  });

  return app;
}
