/**
 * Credentials first: every other Twilio check depends on them, and a rejected token is the most common
 * live-mode mistake (a rotated token, the test credentials, or the SID of another account).
 */
import type twilio from 'twilio';
import { fail, ok, type Finding } from './finding.ts';
import { describeFailure, failureFix, isAuthFailure, isNotFound, sdkFailure } from './sdk-failure.ts';

export interface AccountView {
  sid: string;
  friendlyName: string;
  status: string;
  type: string;
}

const ACCOUNT_INFO = "copy them from the console's Account Info (Console → Account Dashboard → Account Info); use the primary Auth Token";

/** Findings for a fetched account; pure. */
export function accountFindings(account: AccountView): Finding[] {
  const label = `account ${account.sid}${account.friendlyName ? ` "${account.friendlyName}"` : ''}`;
  if (account.status === 'suspended') {
    return [fail(`${label} is suspended: Twilio refuses to send from it`, 'Console → Admin → Account billing (suspension is usually an unpaid balance), or contact Twilio support')];
  }
  if (account.status === 'closed') {
    return [fail(`${label} is closed: it can no longer send`, 'use the credentials of an active account (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)')];
  }
  return [ok(`credentials accepted: ${label} (${account.status}${account.type ? `, ${account.type}` : ''})`)];
}

/** `usable` is false when no other Twilio call can succeed (credentials rejected, Twilio unreachable). */
export async function checkAccount(client: twilio.Twilio, accountSid: string): Promise<{ findings: Finding[]; usable: boolean }> {
  try {
    // The payload also carries the account's auth_token: only the fields below are ever read.
    const a = await client.api.v2010.accounts(accountSid).fetch();
    return { findings: accountFindings({ sid: a.sid, friendlyName: a.friendlyName ?? '', status: a.status ?? '', type: a.type ?? '' }), usable: a.status !== 'closed' };
  } catch (err) {
    const f = sdkFailure(err);
    if (isAuthFailure(f)) {
      return { findings: [fail(`TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN rejected by Twilio (${describeFailure(f)})`, ACCOUNT_INFO)], usable: false };
    }
    if (isNotFound(f)) {
      return { findings: [fail(`account ${accountSid} not found (${describeFailure(f)})`, ACCOUNT_INFO)], usable: false };
    }
    return { findings: [fail(`could not check the credentials: ${describeFailure(f)}`, failureFix(f))], usable: false };
  }
}
