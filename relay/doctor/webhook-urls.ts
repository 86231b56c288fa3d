/**
 * The URLs Twilio must be given, built from PUBLIC_URL exactly as the relay builds the URL it checks
 * signatures against (reference §1.3), and the comparison of a configured URL with the expected one.
 */
export interface WebhookUrls {
  inbound: string;
  status: string;
  fallback: string;
}

export function webhookUrls(publicUrl: string): WebhookUrls {
  const base = publicUrl.replace(/\/+$/, '');
  return { inbound: `${base}/twilio/inbound`, status: `${base}/twilio/status`, fallback: `${base}/twilio/fallback` };
}

/**
 * Whether Twilio posting to `actual` reaches the relay route `expected` with a signature the relay accepts.
 * Scheme, host and path must match (a different scheme or path is a different signed URL); host case and
 * a default port are normalised away as `new URL` and the SDK's validator do. A query string is fine (the
 * relay signs the raw query as received) and so is a `#…` fragment (Twilio's connection overrides, §3.3).
 */
export function sameWebhookUrl(expected: string, actual: string | null | undefined): boolean {
  if (!actual) return false;
  let e: URL;
  let a: URL;
  try {
    e = new URL(expected);
    a = new URL(actual.trim());
  } catch {
    return false;
  }
  return e.protocol === a.protocol && e.host === a.host && e.pathname === a.pathname && e.username === a.username && e.password === a.password;
}

/** A URL fit for printing: any `user:password@` Basic-auth part of a webhook URL is masked. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.password = u.password ? '***' : '';
    return u.href;
  } catch {
    return url;
  }
}
