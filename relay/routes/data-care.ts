/**
 * A contact's data on request: export (manager, admin) and deletion (admin). Mounted at
 * /v1/contacts beside contactRoutes; the paths never meet theirs (GET /:phone/export is two
 * segments, DELETE is its own method).
 */
import { Hono } from 'hono';
import type { ContactDeletion, ContactExport } from '../../shared/data-care.ts';
import type { Deps } from '../deps.ts';
import { RelayError } from '../errors.ts';
import { requireRole, type AppEnv } from '../middleware/api-auth.ts';
import { parsePhoneParam, parsePhonePath } from '../services/phone-param.ts';

export function dataCareRoutes(deps: Deps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  // Everything the relay holds about the phone, as a JSON download.
  app.get('/:phone/export', requireRole('manager'), async (c) => {
    const phone = parsePhonePath(c.req.param('phone'));
    const body: ContactExport = { exportedAt: deps.clock().toISOString(), phone, ...(await deps.store.exportContact(phone)) };
    c.header('content-disposition', `attachment; filename=contact-${phone.slice(1)}.json`);
    c.header('cache-control', 'no-store');
    return c.json(body);
  });

  // Irreversible, so the phone must be repeated as ?confirm=: a stray or mistyped call deletes nothing.
  app.delete('/:phone', requireRole('admin'), async (c) => {
    const phone = parsePhonePath(c.req.param('phone'));
    const raw = c.req.query('confirm');
    let confirmed: string | null = null;
    try {
      confirmed = raw === undefined ? null : parsePhoneParam(raw);
    } catch {
      confirmed = null;
    }
    if (confirmed !== phone) {
      const message = `Deleting a contact's data cannot be undone: repeat the phone number as ?confirm=${encodeURIComponent(phone)} to go ahead.`;
      throw new RelayError('VALIDATION_FAILED', message, { issues: [{ path: 'confirm', message: 'must repeat the phone number being deleted' }] });
    }
    const actor = c.get('actor');
    const at = deps.clock().toISOString();
    const { messages } = await deps.store.deleteContactData(phone, at, actor.name);
    const kept = (await deps.store.consentHistory(phone)).length;
    // The audit trail names the phone; the log needn't spread it further.
    deps.log.info('contact.deleted', { by: actor.name, messages });
    // Panels open on this contact refetch, and stop showing what no longer exists.
    deps.bus.publish({ type: 'contact.deleted', phone });
    const body: ContactDeletion = { phone, deletedAt: at, by: actor.name, deleted: { messages }, kept: { consentHistory: kept } };
    return c.json(body);
  });

  return app;
}
