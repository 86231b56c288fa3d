/**
 * PUBLIC_URL is what Twilio posts to and what every webhook signature is checked against, so most
 * "webhooks get 403" and "nothing arrives" reports start here. Pure: no network, no DNS.
 */
import { fail, ok, warn, type Finding } from './finding.ts';
import { webhookUrls } from './webhook-urls.ts';

const FIX_PUBLIC = 'set PUBLIC_URL to the public https address that forwards to this relay (your TLS reverse proxy or tunnel), e.g. PUBLIC_URL=https://relay.example.com';

/** 127.0.0.0/8, ::1, 0.0.0.0, :: and *.localhost never leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1' || h === '0.0.0.0' || h === '::';
}

/** RFC 1918, link-local and IPv6 unique-local/link-local addresses: not routable from Twilio's side. */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(h);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  return /^f[cd][0-9a-f]{2}:/.test(h) || /^fe[89ab][0-9a-f]:/.test(h);
}

/** Names that only resolve inside a network: no dot, or a local-only suffix. */
function isInternalName(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (/^[\d.]+$/.test(h) || h.startsWith('[')) return false;
  return !h.includes('.') || /\.(local|internal|lan|home\.arpa|corp|intranet)$/.test(h);
}

export function checkPublicUrl(publicUrl: string, mode: 'simulator' | 'live'): Finding[] {
  const url = new URL(publicUrl); // parseConfig already refused anything unparsable
  const findings: Finding[] = [];
  const urls = webhookUrls(publicUrl);
  const live = mode === 'live';
  const loopback = isLoopbackHost(url.hostname);

  if (loopback) {
    findings.push(
      live
        ? fail(`PUBLIC_URL ${publicUrl} is this machine: Twilio cannot reach it, so no inbound message or status callback will arrive`, FIX_PUBLIC)
        : ok(`PUBLIC_URL ${publicUrl} (fine for the simulator, which posts to the relay itself)`),
    );
  } else if (isPrivateHost(url.hostname)) {
    findings.push(
      (live ? fail : warn)(`PUBLIC_URL ${publicUrl} is a private network address: Twilio cannot reach it from the internet`, FIX_PUBLIC),
    );
  } else if (isInternalName(url.hostname)) {
    findings.push(warn(`PUBLIC_URL host "${url.hostname}" looks like an internal name: Twilio can only post to a public DNS name`, FIX_PUBLIC));
  } else if (url.protocol === 'http:') {
    findings.push(warn(`PUBLIC_URL ${publicUrl} is plain http: Twilio would post messages unencrypted (https is expected outside localhost)`, 'put the relay behind TLS and set PUBLIC_URL=https://…'));
  } else {
    findings.push(ok(`PUBLIC_URL ${publicUrl}: Twilio should post to ${urls.inbound} (inbound), ${urls.fallback} (fallback); each send carries ${urls.status}`));
  }

  const path = url.pathname.replace(/\/+$/, '');
  const webhookSuffix = /\/twilio(\/(inbound|status|fallback))?$/.exec(path);
  if (webhookSuffix) {
    const base = `${url.origin}${path.slice(0, webhookSuffix.index)}`;
    findings.push(
      fail(
        `PUBLIC_URL ends with ${webhookSuffix[0]}: it must be the relay's base URL, not a webhook URL (webhooks would be expected at ${urls.inbound})`,
        `set PUBLIC_URL=${base}`,
      ),
    );
  } else if (path.includes('//') || /%[0-9a-f]{2}/i.test(path)) {
    findings.push(
      warn(`PUBLIC_URL path "${url.pathname}" has doubled slashes or %-escapes: proxies often rewrite those, and the signed URL then no longer matches`, 'use a plain path prefix such as /relay, or none'),
    );
  } else if (path) {
    findings.push(ok(`PUBLIC_URL has the path prefix ${path}: your proxy must forward ${path}/twilio/* to the relay's /twilio/*`));
  }
  return findings;
}
