import { beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => ({ browser: null as unknown as ReturnType<typeof import('../background/fake-browser.ts').createFakeBrowser> }));
vi.mock('webextension-polyfill', async () => {
  const { createFakeBrowser } = await import('../background/fake-browser.ts');
  fake.browser = createFakeBrowser();
  return { default: fake.browser };
});

const { DEFAULT_SETTINGS, SETTINGS_KEY, SETTINGS_VERSION, SettingsError, loadSettings, migrateSettings, onSettingsChanged, saveSettings } = await import(
  './storage.ts'
);

beforeEach(() => {
  fake.browser.storage.local.data.clear();
});

describe('settings storage', () => {
  it('defaults when nothing is stored', async () => {
    expect(await loadSettings()).toEqual({
      relayUrl: 'http://127.0.0.1:8787',
      token: '',
      hosts: [],
      defaultCountry: '',
      optInLabel: 'WhatsApp Opt-in',
      mappings: {},
    });
    expect(DEFAULT_SETTINGS.relayUrl).toBe('http://127.0.0.1:8787');
  });

  it('saves partial changes over the current settings, versioned and normalised', async () => {
    const saved = await saveSettings({ relayUrl: ' https://relay.example.com/ ', token: ' tok ', defaultCountry: 'br' });
    expect(saved).toMatchObject({ relayUrl: 'https://relay.example.com', token: 'tok', defaultCountry: 'BR', optInLabel: 'WhatsApp Opt-in' });
    expect(fake.browser.storage.local.data.get(SETTINGS_KEY)).toMatchObject({ version: SETTINGS_VERSION, relayUrl: 'https://relay.example.com' });
    await saveSettings({ hosts: ['https://crm.example.com'] });
    expect(await loadSettings()).toMatchObject({ relayUrl: 'https://relay.example.com', token: 'tok', hosts: ['https://crm.example.com'] });
  });

  it('refuses invalid values on save and keeps what was stored', async () => {
    await saveSettings({ token: 'good' });
    await expect(saveSettings({ relayUrl: 'ftp://nope' })).rejects.toBeInstanceOf(SettingsError);
    await expect(saveSettings({ defaultCountry: 'Brazil' })).rejects.toThrow(/defaultCountry/);
    await expect(saveSettings({ hosts: ['crm.example.com/path'] })).rejects.toThrow(/hosts/);
    expect((await loadSettings()).token).toBe('good');
  });

  it('migrates the unversioned draft shape and writes it back', async () => {
    await fake.browser.storage.local.set({
      [SETTINGS_KEY]: { relay: 'https://old.example.com/', token: 't', hosts: 'https://a.example.com\n\n https://b.example.com ' },
    });
    const settings = await loadSettings();
    expect(settings).toMatchObject({ relayUrl: 'https://old.example.com', token: 't', hosts: ['https://a.example.com', 'https://b.example.com'] });
    expect(fake.browser.storage.local.data.get(SETTINGS_KEY)).toMatchObject({ version: SETTINGS_VERSION, relayUrl: 'https://old.example.com' });
  });

  it('falls back field by field when stored values are bad', () => {
    const { settings, migrated } = migrateSettings({
      version: 1,
      relayUrl: 42,
      token: 'keep',
      hosts: ['https://ok.example.com', 'not an origin', 7],
      defaultCountry: 'XYZ',
      optInLabel: 'Consent',
      mappings: 'nope',
      unknownFutureField: true,
    });
    expect(migrated).toBe(false);
    expect(settings).toEqual({
      relayUrl: 'http://127.0.0.1:8787',
      token: 'keep',
      hosts: ['https://ok.example.com'],
      defaultCountry: '',
      optInLabel: 'Consent',
      mappings: {},
    });
    expect(migrateSettings('garbage').settings).toEqual({ ...DEFAULT_SETTINGS });
  });

  it('keeps template mappings', async () => {
    const mappings = { HX0123456789abcdef0123456789abcdef: { '1': 'firstName', '2': 'Company' } };
    await saveSettings({ mappings });
    expect((await loadSettings()).mappings).toEqual(mappings);
  });

  it('notifies changes and unsubscribes', async () => {
    const seen: Array<[string, string | null]> = [];
    const off = onSettingsChanged((next, previous) => seen.push([next.token, previous?.token ?? null]));
    await saveSettings({ token: 'one' });
    await saveSettings({ token: 'two' });
    await fake.browser.storage.local.set({ unrelated: 1 });
    off();
    await saveSettings({ token: 'three' });
    expect(seen).toEqual([
      ['one', null],
      ['two', 'one'],
    ]);
    expect(fake.browser.listenerCount()).toBe(0);
  });
});
