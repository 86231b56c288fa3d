/**
 * Approved templates from Twilio's Content API, cached in memory because reps open contact pages
 * all day and the list changes rarely. `refresh` forces a fetch (the picker's Refresh button);
 * concurrent callers share one in-flight request.
 */
import type { Template } from '../../shared/api.ts';
import type { TwilioGateway } from '../twilio/gateway.ts';

export interface TemplateCache {
  list(opts?: { refresh?: boolean }): Promise<{ templates: Template[]; fetchedAt: string }>;
  get(sid: string): Promise<Template | null>;
}

export function createTemplateCache(twilio: TwilioGateway, clock: () => Date, ttlMs = 10 * 60_000): TemplateCache {
  let cached: { templates: Template[]; fetchedAt: Date } | null = null;
  let inflight: Promise<{ templates: Template[]; fetchedAt: Date }> | null = null;

  const load = () => {
    inflight ??= twilio
      .listApprovedTemplates()
      .then((templates) => (cached = { templates, fetchedAt: clock() }))
      .finally(() => (inflight = null));
    return inflight;
  };

  const list: TemplateCache['list'] = async (opts = {}) => {
    const fresh = cached && clock().getTime() - cached.fetchedAt.getTime() < ttlMs;
    const value = opts.refresh || !fresh ? await load() : cached!;
    return { templates: value.templates, fetchedAt: value.fetchedAt.toISOString() };
  };

  return {
    list,
    async get(sid) {
      const found = (await list()).templates.find((t) => t.sid === sid);
      // A template approved a minute ago should not need a manual refresh to be sendable.
      if (!found) return (await list({ refresh: true })).templates.find((t) => t.sid === sid) ?? null;
      return found;
    },
  };
}
