/** Simulator-only calls: make a contact "reply" so the window and keywords can be tried without a phone. */
import { Hono } from 'hono';
import { z } from 'zod';
import { E164 } from '../../shared/api.ts';
import type { Deps } from '../deps.ts';
import { requireRole, type AppEnv } from '../middleware/api-auth.ts';
import type { Simulator } from '../twilio/simulator.ts';
import { parseJsonBody } from './parse-body.ts';

const SimulatedInbound = z.object({
  from: E164,
  body: z.string().min(1).max(1600),
  profileName: z.string().max(100).optional(),
}).strict();

export function simulatorRoutes(deps: Deps, simulator: Simulator): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requireRole('admin'));
  app.post('/inbound', async (c) => {
    const input = await parseJsonBody(c, SimulatedInbound);
    const { sid } = await simulator.inbound(input);
    deps.log.info('simulator.inbound', { phone: input.from, by: c.get('actor').name });
    return c.json({ sid, simulated: true }, 201);
  });
  return app;
}
