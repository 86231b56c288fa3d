/**
 * Settles sends whose outcome Twilio never told us (the create call timed out, its connection was
 * cut, Twilio answered 5xx, or the relay died during the call). Resending blindly could put a second
 * copy on the contact's phone, and marking them failed would invite exactly that; so after a grace
 * period the relay asks Twilio's own Messages list:
 *  - a message to that contact, created around our send, with our text and a sid we don't hold → it
 *    was sent: attach the sid (status callbacks parked for it are replayed by the store);
 *  - no such message → Twilio never took it: mark it failed, so the rep can send it again;
 *  - Twilio unreachable → leave it for the next round.
 * Most of these never get here: the status callback URL names our message id, so Twilio's first
 * callback links the message within seconds (services/apply-status.ts).
 */
import { renderTemplate } from '../../shared/templates.ts';
import { toWhatsAppAddress } from '../../shared/phone.ts';
import type { Message } from '../../shared/api.ts';
import type { Deps } from '../deps.ts';
import { startPeriodic } from '../periodic.ts';
import type { SentRecord } from '../twilio/gateway.ts';

/** Longer than the Twilio call's own timeout (15 s) plus the first callback's usual delay. */
export const UNCONFIRMED_GRACE_MS = 60_000;
/** Twilio's clock and ours differ; a message it created this much before our row is still a candidate. */
const CLOCK_SLACK_MS = 2 * 60_000;
const BATCH = 50;

export const NOT_SENT_MESSAGE = 'Twilio has no record of this message, so it was not sent. You can send it again.';

export interface ReconcileResult {
  linked: number;
  failed: number;
  /** Left for the next round (Twilio could not be asked). */
  deferred: number;
}

export async function reconcileUnconfirmed(deps: Deps): Promise<ReconcileResult> {
  const result: ReconcileResult = { linked: 0, failed: 0, deferred: 0 };
  const now = deps.clock();
  const due = await deps.store.listUnconfirmed(new Date(now.getTime() - UNCONFIRMED_GRACE_MS).toISOString(), BATCH);
  for (const message of due) {
    let recent: SentRecord[];
    try {
      recent = await deps.twilio.findRecent(toWhatsAppAddress(message.phone), new Date(Date.parse(message.createdAt) - CLOCK_SLACK_MS));
    } catch (err) {
      result.deferred++;
      deps.log.warn('reconcile.twilio_unavailable', { id: message.id, error: err instanceof Error ? err.message : String(err) });
      continue;
    }
    const text = await expectedText(deps, message);
    // Without the text we can't tell ours from another message to the same contact: ask again later.
    if (text === null) {
      result.deferred++;
      continue;
    }
    const match = await findOurs(deps, text, recent);
    const at = deps.clock().toISOString();
    // Another instance (or a late callback) may have settled it while we asked Twilio.
    const fresh = await deps.store.getMessage(message.id);
    if (fresh === null || fresh.sid !== null || fresh.status !== 'queued') continue;
    if (match) {
      const linked = await deps.store.attachSid(message.id, match.sid, match.status, at);
      deps.bus.publish({ type: 'message.status', phone: linked.phone, message: linked });
      deps.log.info('reconcile.linked', { id: message.id, sid: match.sid, status: linked.status });
      result.linked++;
    } else {
      const failed = await deps.store.markSendFailed(message.id, null, NOT_SENT_MESSAGE, at);
      deps.bus.publish({ type: 'message.status', phone: failed.phone, message: failed });
      deps.log.info('reconcile.not_sent', { id: message.id });
      result.failed++;
    }
  }
  return result;
}

/** The oldest candidate with our text whose sid no row of ours holds yet. */
async function findOurs(deps: Deps, text: string, recent: SentRecord[]): Promise<SentRecord | null> {
  const candidates = recent
    .filter((r) => r.body === text)
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  for (const c of candidates) {
    if ((await deps.store.getMessageBySid(c.sid)) === null) return c;
  }
  return null;
}

/** What Twilio shows as the body: our free-form text, or the template rendered with our variables; null = unknown. */
async function expectedText(deps: Deps, message: Message): Promise<string | null> {
  if (message.body !== null) return message.body;
  if (message.contentSid === null) return null;
  const template = await deps.templates.get(message.contentSid).catch(() => null);
  return template ? renderTemplate(template.body, message.variables ?? {}) : null;
}

export const RECONCILE_INTERVAL_MS = 30_000;

/** Runs the reconciler at start (a crash may have left sends unsettled) and every 30 s until shutdown. */
export function startReconciler(deps: Deps): () => void {
  return startPeriodic(deps, 'reconcile', RECONCILE_INTERVAL_MS, async (stopped) => {
    const r = await reconcileUnconfirmed(deps);
    if (!stopped() && (r.linked || r.failed || r.deferred)) deps.log.info('reconcile.done', { ...r });
  });
}
