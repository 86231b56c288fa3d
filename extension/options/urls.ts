/**
 * Pure URL helpers shared by the options page, the background and the content script (no browser APIs).
 *
 * User-added PinPoint/Mautic hosts: one origin per line in the options, stored as origins
 * ("https://crm.example.com"), granted as optional host permissions and registered as content-script
 * match patterns ("https://crm.example.com/*"). Pure: shared by the options page and the background.
 */

export interface ParsedHosts {
  origins: string[];
  /** Lines that are not an http(s) origin, as typed. */
  invalid: string[];
}

/** "crm.example.com", "https://crm.example.com/s/contacts" or "http://10.0.0.5:8080" → an origin. */
export function toOrigin(line: string): string | null {
  const text = line.trim();
  if (!text) return null;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (!url.hostname || url.hostname.includes('*') || url.username || url.password) return null;
  return url.origin;
}

export function parseHostLines(text: string): ParsedHosts {
  const origins: string[] = [];
  const invalid: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line) continue;
    const origin = toOrigin(line);
    if (origin === null) invalid.push(line);
    else if (!origins.includes(origin)) origins.push(origin);
  }
  return { origins, invalid };
}

/**
 * An origin → a match pattern. Match patterns carry no port (Firefox rejects a port), so "http://10.0.0.5:8080" becomes "http://10.0.0.5/*", which matches every port.
 */
export function originToMatchPattern(origin: string): string {
  const url = new URL(origin);
  return `${url.protocol}//${url.hostname}/*`;
}

/** "https://relay.example.com/" → "https://relay.example.com"; null when not an http(s) URL (or with credentials, query or hash). */
export function normalizeRelayUrl(value: string): string | null {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || url.search || url.hash) return null;
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
