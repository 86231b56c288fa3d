/**
 * What went wrong with one SDK call, in the terms `doctor` needs: Twilio answered with an HTTP error
 * (RestException: status + Twilio code), or Twilio was never reached (axios/Node error code).
 */
export interface SdkFailure {
  /** HTTP status when Twilio (or the TWILIO_API_BASE_URL server) answered. */
  status?: number;
  /** Twilio's numeric error code (20003, 20404…). */
  code?: number;
  /** A transport error code (ECONNREFUSED, ETIMEDOUT, ENOTFOUND…) when nothing answered. */
  network?: string;
  message: string;
}

export function sdkFailure(err: unknown): SdkFailure {
  const e = (err && typeof err === 'object' ? err : {}) as { status?: unknown; code?: unknown; message?: unknown; isAxiosError?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  // axios errors carry the response status too, but a RestException is what a Twilio answer becomes.
  if (typeof e.status === 'number' && e.isAxiosError !== true) {
    return { status: e.status, ...(typeof e.code === 'number' && e.code > 0 ? { code: e.code } : {}), message };
  }
  if (typeof e.code === 'string') return { network: e.code, message };
  return { message };
}

export const isAuthFailure = (f: SdkFailure): boolean => f.status === 401 || f.code === 20003;
export const isNotFound = (f: SdkFailure): boolean => f.status === 404 || f.code === 20404;

/** "HTTP 404, Twilio error 20404: The requested resource … was not found" / "ECONNREFUSED: connect …". */
export function describeFailure(f: SdkFailure): string {
  if (f.status !== undefined) return `HTTP ${f.status}${f.code !== undefined ? `, Twilio error ${f.code}` : ''}${f.message ? `: ${f.message}` : ''}`;
  if (f.network) return f.message && !f.message.includes(f.network) ? `${f.network}: ${f.message}` : f.message || f.network;
  return f.message;
}

/** The fix line for a call that failed for a reason other than the one being checked. */
export function failureFix(f: SdkFailure): string {
  if (isAuthFailure(f)) return "copy TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN from the console's Account Info (Console → Account Dashboard → Account Info)";
  if (f.status === 403) return 'the credentials lack access to this API (a restricted API key or subaccount?): use the main account SID and Auth Token';
  if (f.status !== undefined && f.status >= 500) return 'Twilio had a problem answering: run doctor again in a minute (https://status.twilio.com)';
  if (f.network) return 'check this machine can reach https://api.twilio.com (firewall, HTTPS_PROXY), or TWILIO_API_BASE_URL if set';
  return 'run doctor again; if it persists, check https://status.twilio.com';
}
