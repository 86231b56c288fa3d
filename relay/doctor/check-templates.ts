/** Content API: reachable with these credentials, and whether reps will have any template to pick. */
import type twilio from 'twilio';
import { approvalOf } from '../twilio/twilio-gateway.ts';
import { fail, ok, warn, type Finding } from './finding.ts';
import { describeFailure, failureFix, sdkFailure } from './sdk-failure.ts';

const BUILDER = 'Console → Messaging → Content Template Builder: create a template and submit it for WhatsApp approval (review takes up to 48 h)';

export function templateFindings(approved: number, seen: number, more: boolean): Finding[] {
  if (approved === 0) {
    const among = more ? `among the first ${seen} templates` : `(${seen} template${seen === 1 ? '' : 's'} in all)`;
    return [warn(`Content API reachable, but no approved WhatsApp template ${among}: outside the 24-hour window reps cannot start a conversation`, BUILDER)];
  }
  return [ok(`Content API reachable: ${more ? 'at least ' : ''}${approved} approved WhatsApp template${approved === 1 && !more ? '' : 's'}`)];
}

/** One page only: enough to prove access and give a count without walking a 6000-template account. */
export async function checkTemplates(client: twilio.Twilio): Promise<Finding[]> {
  try {
    const page = await client.content.v1.contentAndApprovals.page({ pageSize: 200 });
    const approved = page.instances.filter((i) => approvalOf(i.approvalRequests).status.toLowerCase() === 'approved').length;
    return templateFindings(approved, page.instances.length, Boolean(page.nextPageUrl));
  } catch (err) {
    const f = sdkFailure(err);
    return [fail(`could not read templates from the Content API (${describeFailure(f)}): the template picker will stay empty`, failureFix(f))];
  }
}
