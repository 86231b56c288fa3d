import { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import type { AppEnv } from '../middleware/api-auth.ts';

export function templateRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const refresh = c.req.query('refresh') === '1' || c.req.query('refresh') === 'true';
    const { templates, fetchedAt } = await deps.templates.list({ refresh });
    return c.json({ templates, fetchedAt, simulated: deps.twilio.simulated });
  });
  return app;
}
