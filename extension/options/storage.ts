/**
 * The extension's settings: defaults, validation (zod) and migrations, behind load/save/onChanged.
 * Stored under one key in browser.storage.local as `{version, ...Settings}`. The access token lives here
 * and nowhere else (never in a page, never in a content script's memory longer than a request).
 *
 * Evolving the shape: bump SETTINGS_VERSION and append a step to MIGRATIONS that turns version N−1 into N.
 * Unknown or invalid fields fall back to their defaults one by one, so a bad value never wipes the rest.
 */
import './zod-jitless.ts';
import browser from 'webextension-polyfill';
import { z } from 'zod';
import { normalizeRelayUrl } from './urls.ts';

export { normalizeRelayUrl };

/** A contact field a template variable can be filled from: a built-in one or a custom field's label. */
export type ContactField = 'name' | 'firstName' | 'lastName' | 'email' | 'phone' | 'id' | (string & {});
export const BUILTIN_CONTACT_FIELDS = ['name', 'firstName', 'lastName', 'email', 'phone', 'id'] as const;

export interface Settings {
  relayUrl: string;
  token: string;
  /** User-added PinPoint/Mautic origins ("https://crm.example.com"). */
  hosts: string[];
  /** ISO 3166-1 alpha-2 ("BR"), used to read national numbers; '' = only numbers written with +country. */
  defaultCountry: string;
  /** The label of the custom field that holds the WhatsApp opt-in on PinPoint contact pages. */
  optInLabel: string;
  /** contentSid → template variable key ("1") → contact field. */
  mappings: Record<string, Record<string, ContactField>>;
}

export const SETTINGS_KEY = 'settings';
export const SETTINGS_VERSION = 1;

const demoRelayUrl = typeof __PPW_DEMO_RELAY_URL__ === 'string' ? __PPW_DEMO_RELAY_URL__ : '';
const demoToken = typeof __PPW_DEMO_TOKEN__ === 'string' ? __PPW_DEMO_TOKEN__ : '';

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  relayUrl: demoRelayUrl || 'http://127.0.0.1:8787',
  token: demoToken || '',
  hosts: [],
  defaultCountry: '',
  optInLabel: 'WhatsApp Opt-in',
  mappings: {},
});

const RelayUrl = z.string().transform((value, ctx) => {
  const normalized = normalizeRelayUrl(value);
  if (normalized === null) {
    ctx.addIssue({ code: 'custom', message: 'must be an http:// or https:// URL' });
    return z.NEVER;
  }
  return normalized;
});
const Token = z.string().trim().max(4096);
const Origin = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === v;
  } catch {
    return false;
  }
}, 'must be an origin such as https://crm.example.com');
const Hosts = z.array(Origin).max(100);
const Country = z.string().trim().toUpperCase().regex(/^([A-Z]{2})?$/, 'must be a two-letter ISO country code such as BR');
const OptInLabel = z.string().trim().max(200);
const Mappings = z.record(z.string().max(64), z.record(z.string().max(8), z.string().trim().min(1).max(200)));

/** Strict: what saveSettings accepts. */
export const SettingsSchema = z.object({
  relayUrl: RelayUrl,
  token: Token,
  hosts: Hosts,
  defaultCountry: Country,
  optInLabel: OptInLabel,
  mappings: Mappings,
});

/** Lenient: what loadSettings reads; each bad field falls back to its default on its own. */
const StoredSettings = z.object({
  relayUrl: RelayUrl.catch(() => DEFAULT_SETTINGS.relayUrl),
  token: Token.catch(() => DEFAULT_SETTINGS.token),
  hosts: z
    .array(z.unknown())
    .transform((list) => list.filter((h): h is string => Origin.safeParse(h).success))
    .catch(() => [...DEFAULT_SETTINGS.hosts]),
  defaultCountry: Country.catch(() => DEFAULT_SETTINGS.defaultCountry),
  optInLabel: OptInLabel.catch(() => DEFAULT_SETTINGS.optInLabel),
  mappings: Mappings.catch(() => ({})),
});

type Raw = Record<string, unknown>;

/**
 * MIGRATIONS[n] turns a version-n object into version n+1. Version 0 is the unversioned draft shape
 * (`relay` for the URL, hosts as one newline-separated string).
 */
export const MIGRATIONS: ReadonlyArray<(old: Raw) => Raw> = [
  (old) => {
    const { relay, hosts, ...rest } = old;
    return {
      ...rest,
      relayUrl: rest.relayUrl ?? relay,
      hosts: typeof hosts === 'string' ? hosts.split(/\r?\n/).map((h) => h.trim()).filter(Boolean) : hosts,
    };
  },
];

/** Stored value (any version, or nothing) → current Settings, with defaults for whatever is missing or bad. */
export function migrateSettings(stored: unknown): { settings: Settings; migrated: boolean } {
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) {
    return { settings: structuredClone({ ...DEFAULT_SETTINGS }) as Settings, migrated: false };
  }
  let raw: Raw = { ...(stored as Raw) };
  const from = typeof raw.version === 'number' && Number.isInteger(raw.version) && raw.version >= 0 ? raw.version : 0;
  for (let v = from; v < SETTINGS_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (step) raw = step(raw);
  }
  const withDefaults: Raw = { ...structuredClone({ ...DEFAULT_SETTINGS }), ...stripUndefined(raw) };
  const settings = StoredSettings.parse(withDefaults) as Settings;
  return { settings, migrated: from < SETTINGS_VERSION };
}

function stripUndefined(raw: Raw): Raw {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
}

export async function loadSettings(): Promise<Settings> {
  const got = await browser.storage.local.get(SETTINGS_KEY);
  const stored = got[SETTINGS_KEY];
  const { settings, migrated } = migrateSettings(stored);
  if (migrated && stored !== undefined) {
    // Best effort: write the migrated shape back so the next read is cheap.
    await browser.storage.local.set({ [SETTINGS_KEY]: { version: SETTINGS_VERSION, ...settings } }).catch(() => undefined);
  }
  return settings;
}

export class SettingsError extends Error {
  constructor(readonly issues: Array<{ field: string; message: string }>) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '));
    this.name = 'SettingsError';
  }
}

/** Merges `partial` into the stored settings, validates the whole and writes it. Throws SettingsError when invalid. */
export async function saveSettings(partial: Partial<Settings>): Promise<Settings> {
  const current = await loadSettings();
  const parsed = SettingsSchema.safeParse({ ...current, ...stripUndefined(partial as Raw) });
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'settings', message: i.message })));
  }
  const settings = parsed.data as Settings;
  await browser.storage.local.set({ [SETTINGS_KEY]: { version: SETTINGS_VERSION, ...settings } });
  return settings;
}

/** Calls cb with the new settings whenever they change (any extension context). Returns the unsubscribe. */
export function onSettingsChanged(cb: (settings: Settings, previous: Settings | null) => void): () => void {
  const listener = (changes: Record<string, browser.Storage.StorageChange>, area: string) => {
    if (area !== 'local' || !(SETTINGS_KEY in changes)) return;
    const change = changes[SETTINGS_KEY];
    const previous = change?.oldValue === undefined ? null : migrateSettings(change.oldValue).settings;
    cb(migrateSettings(change?.newValue).settings, previous);
  };
  browser.storage.onChanged.addListener(listener);
  return () => browser.storage.onChanged.removeListener(listener);
}

export function isConfigured(settings: Pick<Settings, 'relayUrl' | 'token'>): boolean {
  return normalizeRelayUrl(settings.relayUrl) !== null && settings.token.trim() !== '';
}
