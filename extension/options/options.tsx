/**
 * The options page: relay connection, PinPoint hosts, default country, opt-in field label and
 * template variable mappings, and pairing with a one-time code (pairing.tsx). All relay calls go
 * through the background ('me', 'templates.list', 'pair').
 */
import './zod-jitless.ts';
import { render } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { signal, computed, batch } from '@preact/signals';
import browser from 'webextension-polyfill';
import type { Me, Role, Template } from '../../shared/api.ts';
import { DASHBOARD_PAGE } from '../dashboard/page.ts';
import { pickLocale } from '../i18n.ts';
import type { PairedIdentity, RelayFailure, Request, ResponseMap, Result } from '../messages.ts';
import { PairingSection } from './pairing.tsx';
import { originToMatchPattern, parseHostLines } from './urls.ts';
import {
  BUILTIN_CONTACT_FIELDS,
  loadSettings,
  normalizeRelayUrl,
  saveSettings,
  SettingsError,
  type Settings,
} from './storage.ts';
import { optionsT, type OptionsKey } from './strings.ts';
import './options.css';
import iconUrl from '../public/icons/icon-48.png';

const locale = pickLocale();
const t = optionsT(locale);

type Status = { kind: 'idle' } | { kind: 'busy'; text: string } | { kind: 'ok' | 'warn' | 'error'; text: string };
type Field = 'relayUrl' | 'token' | 'hosts' | 'defaultCountry' | 'optInLabel';
type TemplatesState =
  | { kind: 'idle' }
  | { kind: 'loading' }
  | { kind: 'ready'; templates: Template[] }
  | { kind: 'error'; text: string };

// ---- state ----
const loaded = signal<'loading' | 'ready' | { error: string }>('loading');
const saved = signal<Settings | null>(null);
const relayUrl = signal('');
const token = signal('');
const showToken = signal(false);
const hostsText = signal('');
const defaultCountry = signal('');
const optInLabel = signal('');
const mappings = signal<Record<string, Record<string, string>>>({});
/** `${sid}\u0000${key}` of variables whose select is on "Custom field…". */
const customKeys = signal<ReadonlySet<string>>(new Set());
const errors = signal<Partial<Record<Field, string>>>({});
const saveStatus = signal<Status>({ kind: 'idle' });
const testStatus = signal<Status & { simulated?: boolean }>({ kind: 'idle' });
const templatesState = signal<TemplatesState>({ kind: 'idle' });
/** The token's role once known (on load or after Test connection): managers and admins get the dashboard link. */
const role = signal<Role | null>(null);
const savedConfigured = computed(() => Boolean(saved.value && normalizeRelayUrl(saved.value.relayUrl) && saved.value.token.trim()));

const CUSTOM = '__custom__';
const BUILTIN_LABELS: Record<(typeof BUILTIN_CONTACT_FIELDS)[number], OptionsKey> = {
  name: 'fieldName',
  firstName: 'fieldFirstName',
  lastName: 'fieldLastName',
  email: 'fieldEmail',
  phone: 'fieldPhone',
  id: 'fieldId',
};
const isBuiltin = (v: string): boolean => (BUILTIN_CONTACT_FIELDS as readonly string[]).includes(v);
const mapKey = (sid: string, key: string) => `${sid}\u0000${key}`;

// ---- talking to the background ----
async function ask<K extends Request['type']>(request: Extract<Request, { type: K }>): Promise<Result<ResponseMap[K]>> {
  try {
    const answer = (await browser.runtime.sendMessage(request)) as Result<ResponseMap[K]> | undefined;
    if (answer && typeof answer === 'object' && 'ok' in answer) return answer;
  } catch {
    // fall through
  }
  return { ok: false, error: { code: 'INTERNAL', message: 'The extension background did not answer. Reload the extension and try again.' } };
}

export function describeFailure(error: RelayFailure, tr: (k: OptionsKey, p?: Record<string, string | number>) => string = t): string {
  switch (error.code) {
    case 'OFFLINE':
      return tr('errOffline');
    case 'NOT_CONFIGURED':
      return tr('errNotConfigured');
    case 'UNAUTHORIZED':
      return tr('errUnauthorized');
    case 'FORBIDDEN':
      return tr('errForbidden');
    case 'BAD_RESPONSE':
      return tr('errBadResponse');
    default:
      return tr('errOther', { message: error.message });
  }
}

// ---- actions ----
function applySettings(s: Settings): void {
  batch(() => {
    saved.value = s;
    relayUrl.value = s.relayUrl;
    token.value = s.token;
    hostsText.value = s.hosts.join('\n');
    defaultCountry.value = s.defaultCountry;
    optInLabel.value = s.optInLabel;
    mappings.value = structuredClone(s.mappings);
    const custom = new Set<string>();
    for (const [sid, vars] of Object.entries(s.mappings)) {
      for (const [key, field] of Object.entries(vars)) if (!isBuiltin(field)) custom.add(mapKey(sid, key));
    }
    customKeys.value = custom;
  });
}

async function init(): Promise<void> {
  try {
    applySettings(await loadSettings());
    loaded.value = 'ready';
    if (savedConfigured.value) {
      void loadTemplates(false);
      void ask({ type: 'me' }).then((me) => (role.value = me.ok ? me.data.role : null));
    }
  } catch (err) {
    loaded.value = { error: err instanceof Error ? err.message : String(err) };
  }
}

async function loadTemplates(refresh: boolean): Promise<void> {
  if (!savedConfigured.value) {
    templatesState.value = { kind: 'error', text: t('mappingsNotConfigured') };
    return;
  }
  templatesState.value = { kind: 'loading' };
  const result = await ask({ type: 'templates.list', refresh });
  templatesState.value = result.ok ? { kind: 'ready', templates: result.data.templates } : { kind: 'error', text: describeFailure(result.error) };
}

function validateForm(): { ok: true; origins: string[] } | { ok: false; first: Field } {
  const next: Partial<Record<Field, string>> = {};
  const { origins, invalid } = parseHostLines(hostsText.value);
  if (normalizeRelayUrl(relayUrl.value) === null) next.relayUrl = t('relayUrlInvalid');
  if (invalid.length) next.hosts = t('hostsInvalid', { lines: invalid.join(', ') });
  if (!/^([A-Za-z]{2})?$/.test(defaultCountry.value.trim())) next.defaultCountry = t('defaultCountryInvalid');
  errors.value = next;
  const first = (['relayUrl', 'token', 'hosts', 'defaultCountry', 'optInLabel'] as const).find((f) => next[f]);
  return first ? { ok: false, first } : { ok: true, origins };
}

const FIELD_IDS: Record<Field, string> = {
  relayUrl: 'relay-url',
  token: 'access-token',
  hosts: 'hosts',
  defaultCountry: 'default-country',
  optInLabel: 'opt-in-label',
};

function cleanMappings(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const [sid, vars] of Object.entries(mappings.value)) {
    const kept = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.trim()] as const).filter(([, v]) => v !== ''));
    if (Object.keys(kept).length) out[sid] = kept;
  }
  return out;
}

/**
 * Save. The host permission request must happen synchronously inside the click/submit handler
 * (Firefox drops the user gesture at the first await), so it is started before anything is awaited.
 */
function onSave(event: Event): void {
  event.preventDefault();
  if (saveStatus.value.kind === 'busy') return;
  const valid = validateForm();
  if (!valid.ok) {
    saveStatus.value = { kind: 'error', text: t('fixErrors') };
    document.getElementById(FIELD_IDS[valid.first])?.focus();
    return;
  }
  const patterns = [...new Set(valid.origins.map(originToMatchPattern))];
  const permission: Promise<boolean> = patterns.length
    ? browser.permissions.request({ origins: patterns }).catch(() => false)
    : Promise.resolve(true);
  saveStatus.value = { kind: 'busy', text: t('saving') };
  void finishSave(valid.origins, patterns, permission);
}

async function finishSave(origins: string[], patterns: string[], permission: Promise<boolean>): Promise<void> {
  const granted = await permission;
  const denied: string[] = [];
  if (!granted) {
    for (const origin of origins) {
      const ok = await browser.permissions.contains({ origins: [originToMatchPattern(origin)] }).catch(() => false);
      if (!ok) denied.push(origin);
    }
  }
  // Hosts the user removed: give their permission back.
  const previous = saved.value?.hosts ?? [];
  const dropped = [...new Set(previous.map(originToMatchPattern))].filter((p) => !patterns.includes(p));
  if (dropped.length) await browser.permissions.remove({ origins: dropped }).catch(() => false);

  try {
    const next = await saveSettings({
      relayUrl: relayUrl.value,
      token: token.value,
      hosts: origins,
      defaultCountry: defaultCountry.value.trim().toUpperCase(),
      optInLabel: optInLabel.value,
      mappings: cleanMappings(),
    });
    const wasConfigured = savedConfigured.value;
    applySettings(next);
    errors.value = {};
    saveStatus.value = denied.length
      ? { kind: 'warn', text: t('savedPermissionDenied', { hosts: denied.join(', ') }) }
      : { kind: 'ok', text: t('saved') };
    if (!wasConfigured && savedConfigured.value && templatesState.value.kind !== 'ready') void loadTemplates(false);
  } catch (err) {
    const message = err instanceof SettingsError ? err.message : err instanceof Error ? err.message : String(err);
    saveStatus.value = { kind: 'error', text: t('saveFailed', { message }) };
  }
}

/** Tests what is in the two connection fields: saves them first when they changed, then asks the relay who we are. */
async function onTest(): Promise<void> {
  if (testStatus.value.kind === 'busy') return;
  const url = normalizeRelayUrl(relayUrl.value);
  if (url === null || token.value.trim() === '') {
    errors.value = { ...errors.value, ...(url === null ? { relayUrl: t('relayUrlInvalid') } : {}) };
    testStatus.value = { kind: 'error', text: t('errNotConfigured') };
    return;
  }
  testStatus.value = { kind: 'busy', text: t('testing') };
  if (saved.value && (saved.value.relayUrl !== url || saved.value.token !== token.value.trim())) {
    try {
      const next = await saveSettings({ relayUrl: url, token: token.value });
      saved.value = next;
      relayUrl.value = next.relayUrl;
    } catch (err) {
      testStatus.value = { kind: 'error', text: t('saveFailed', { message: err instanceof Error ? err.message : String(err) }) };
      return;
    }
  }
  const result = await ask({ type: 'me', refresh: true });
  role.value = result.ok ? result.data.role : null;
  if (result.ok) {
    const me: Me = result.data;
    testStatus.value = { kind: 'ok', text: t('connectedAs', { name: me.name, role: me.role }), simulated: me.simulated };
    if (templatesState.value.kind !== 'ready') void loadTemplates(false);
  } else {
    testStatus.value = { kind: 'error', text: describeFailure(result.error) };
  }
}

/**
 * After pairing, the background has saved the Relay URL and the new token: take them into the connection
 * fields (the token stays masked; other unsaved edits on the page are kept), then test the connection,
 * which shows "Connected as NAME (ROLE)".
 */
async function onPaired(_identity: PairedIdentity): Promise<void> {
  try {
    const stored = await loadSettings();
    batch(() => {
      saved.value = saved.value ? { ...saved.value, relayUrl: stored.relayUrl, token: stored.token } : stored;
      relayUrl.value = stored.relayUrl;
      token.value = stored.token;
      showToken.value = false;
      const { relayUrl: _fixed, token: _alsoFixed, ...rest } = errors.value;
      errors.value = rest;
    });
  } catch (err) {
    testStatus.value = { kind: 'error', text: t('loadFailed', { message: err instanceof Error ? err.message : String(err) }) };
    return;
  }
  await onTest();
}

function setMapping(sid: string, key: string, field: string | null): void {
  const next = structuredClone(mappings.value);
  const vars = (next[sid] ??= {});
  if (field === null) delete vars[key];
  else vars[key] = field;
  if (Object.keys(vars).length === 0) delete next[sid];
  mappings.value = next;
}

function onSelectField(sid: string, key: string, value: string): void {
  const custom = new Set(customKeys.value);
  if (value === CUSTOM) {
    custom.add(mapKey(sid, key));
    const current = mappings.value[sid]?.[key] ?? '';
    setMapping(sid, key, isBuiltin(current) ? '' : current);
  } else {
    custom.delete(mapKey(sid, key));
    setMapping(sid, key, value === '' ? null : value);
  }
  customKeys.value = custom;
}

// ---- view ----
function StatusLine({ status, id }: { status: Status; id: string }) {
  return (
    <p id={id} class={`status status-${status.kind}`} role="status" aria-live="polite" aria-atomic="true">
      {status.kind === 'idle' ? '' : status.text}
    </p>
  );
}

function TextField(props: {
  id: string;
  field: Field;
  label: string;
  help: string;
  value: string;
  onInput: (v: string) => void;
  type?: 'text' | 'url';
  placeholder?: string;
  autocomplete?: string;
  maxLength?: number;
  inputMode?: 'url' | 'text';
}) {
  const error = errors.value[props.field];
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        name={props.field}
        type={(props.type ?? 'text') as 'text'}
        value={props.value}
        placeholder={props.placeholder}
        autocomplete={props.autocomplete ?? 'off'}
        spellcheck={false}
        maxLength={props.maxLength}
        inputMode={props.inputMode}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={`${props.id}-help${error ? ` ${props.id}-error` : ''}`}
        onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      />
      <p id={`${props.id}-help`} class="help">
        {props.help}
      </p>
      {error && (
        <p id={`${props.id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

function TokenField() {
  const error = errors.value.token;
  return (
    <div class="field">
      <label for="access-token">{t('token')}</label>
      <div class="with-button">
        <input
          id="access-token"
          name="token"
          // Preact's input types are split by `type`; both variants take the same props here.
          type={(showToken.value ? 'text' : 'password') as 'text'}
          value={token.value}
          autocomplete="off"
          spellcheck={false}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby="access-token-help"
          onInput={(e) => (token.value = (e.currentTarget as HTMLInputElement).value)}
        />
        <button
          type="button"
          class="secondary"
          aria-controls="access-token"
          aria-pressed={showToken.value}
          onClick={() => (showToken.value = !showToken.value)}
        >
          {showToken.value ? t('tokenHide') : t('tokenShow')}
        </button>
      </div>
      <p id="access-token-help" class="help">
        {t('tokenHelp')}
      </p>
    </div>
  );
}

function VariableRow({ template, variable }: { template: Template; variable: string }) {
  const id = `map-${template.sid}-${variable}`;
  const value = mappings.value[template.sid]?.[variable] ?? '';
  const custom = customKeys.value.has(mapKey(template.sid, variable));
  const selectValue = custom ? CUSTOM : value;
  const sample = template.samples[variable];
  return (
    <div class="map-row">
      <label for={id}>
        <code>{`{{${variable}}}`}</code>
        {sample && <span class="sample"> {t('mappingsSample', { sample })}</span>}
      </label>
      <select id={id} value={selectValue} onChange={(e) => onSelectField(template.sid, variable, (e.currentTarget as HTMLSelectElement).value)}>
        <option value="">{t('fieldNone')}</option>
        {BUILTIN_CONTACT_FIELDS.map((f) => (
          <option key={f} value={f}>
            {t(BUILTIN_LABELS[f])}
          </option>
        ))}
        <option value={CUSTOM}>{t('fieldCustom')}</option>
      </select>
      {custom && (
        <input
          type="text"
          class="custom-field"
          value={value}
          placeholder={t('mappingsCustomPlaceholder')}
          aria-label={t('mappingsCustomLabel', { key: variable })}
          maxLength={200}
          onInput={(e) => setMapping(template.sid, variable, (e.currentTarget as HTMLInputElement).value)}
        />
      )}
    </div>
  );
}

function Mappings() {
  const state = templatesState.value;
  const busy = state.kind === 'loading';
  return (
    <section aria-labelledby="sec-mappings">
      <h2 id="sec-mappings">{t('sectionMappings')}</h2>
      <p class="help">{t('mappingsHelp')}</p>
      <div class="row">
        <button type="button" class="secondary" disabled={busy} onClick={() => void loadTemplates(state.kind === 'ready')}>
          {state.kind === 'ready' ? t('mappingsReload') : t('mappingsLoad')}
        </button>
      </div>
      <div aria-live="polite" aria-busy={busy}>
        {state.kind === 'loading' && <p class="status status-busy">{t('mappingsLoading')}</p>}
        {state.kind === 'error' && <p class="status status-error">{state.text}</p>}
        {state.kind === 'ready' && state.templates.length === 0 && <p class="help">{t('mappingsEmpty')}</p>}
      </div>
      {state.kind === 'ready' &&
        state.templates.map((tpl) => (
          <fieldset key={tpl.sid} class="template">
            <legend>
              {tpl.name} <span class="meta">{`${tpl.language} · ${tpl.category}`}</span>
            </legend>
            <p class="body">{tpl.body}</p>
            {tpl.variables.length === 0 ? (
              <p class="help">{t('mappingsNoVariables')}</p>
            ) : (
              tpl.variables.map((v) => <VariableRow key={v} template={tpl} variable={v} />)
            )}
          </fieldset>
        ))}
    </section>
  );
}

function App() {
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = t('pageTitle');
    document.documentElement.lang = locale;
  }, []);
  const state = loaded.value;
  if (state === 'loading') {
    return (
      <main class="page" aria-busy="true">
        <h1>{t('heading')}</h1>
        <p class="status status-busy" role="status">
          {t('loading')}
        </p>
      </main>
    );
  }
  if (typeof state === 'object') {
    return (
      <main class="page">
        <h1>{t('heading')}</h1>
        <p class="status status-error" role="alert">
          {t('loadFailed', { message: state.error })}
        </p>
      </main>
    );
  }
  const test = testStatus.value;
  const saving = saveStatus.value.kind === 'busy';
  return (
    <main class="page">
      <header>
        <img src={iconUrl} alt="" width={40} height={40} />
        <h1 ref={headingRef}>{t('heading')}</h1>
      </header>
      <p class="intro">{t('intro')}</p>
      <form onSubmit={onSave} noValidate>
        <section aria-labelledby="sec-connection">
          <h2 id="sec-connection">{t('sectionConnection')}</h2>
          <TextField
            id="relay-url"
            field="relayUrl"
            label={t('relayUrl')}
            help={t('relayUrlHelp')}
            value={relayUrl.value}
            onInput={(v) => (relayUrl.value = v)}
            type="url"
            inputMode="url"
            placeholder="https://relay.example.com"
          />
          <TokenField />
          <div class="row">
            <button type="button" class="secondary" onClick={() => void onTest()} disabled={test.kind === 'busy'}>
              {t('test')}
            </button>
            {test.kind === 'ok' && test.simulated && (
              <span class="pill" title={t('simulatorHelp')}>
                {t('simulator')}
              </span>
            )}
          </div>
          <StatusLine id="test-status" status={test} />
          {test.kind === 'ok' && test.simulated && <p class="help">{t('simulatorHelp')}</p>}
          {(role.value === 'manager' || role.value === 'admin') && (
            <p class="dashboard-link">
              <a href={browser.runtime.getURL(DASHBOARD_PAGE)} target="_blank" rel="noopener" data-testid="dashboard-link">
                {t('dashboardLink')}
              </a>{' '}
              <span class="help">{t('dashboardHelp')}</span>
            </p>
          )}
        </section>

        <PairingSection
          t={t}
          relayUrl={() => relayUrl.value}
          onBadRelayUrl={() => {
            errors.value = { ...errors.value, relayUrl: t('relayUrlInvalid') };
            document.getElementById(FIELD_IDS.relayUrl)?.focus();
          }}
          pair={(request) => ask({ type: 'pair', ...request })}
          onPaired={onPaired}
        />

        <section aria-labelledby="sec-pinpoint">
          <h2 id="sec-pinpoint">{t('sectionPinpoint')}</h2>
          <div class="field">
            <label for="hosts">{t('hosts')}</label>
            <textarea
              id="hosts"
              name="hosts"
              rows={3}
              spellcheck={false}
              placeholder="https://crm.example.com"
              value={hostsText.value}
              aria-invalid={errors.value.hosts ? 'true' : undefined}
              aria-describedby={`hosts-help${errors.value.hosts ? ' hosts-error' : ''}`}
              onInput={(e) => (hostsText.value = (e.currentTarget as HTMLTextAreaElement).value)}
            />
            <p id="hosts-help" class="help">
              {t('hostsHelp')}
            </p>
            {errors.value.hosts && (
              <p id="hosts-error" class="field-error">
                {errors.value.hosts}
              </p>
            )}
          </div>
          <TextField
            id="default-country"
            field="defaultCountry"
            label={t('defaultCountry')}
            help={t('defaultCountryHelp')}
            value={defaultCountry.value}
            onInput={(v) => (defaultCountry.value = v.toUpperCase())}
            maxLength={2}
            placeholder="BR"
          />
          <TextField
            id="opt-in-label"
            field="optInLabel"
            label={t('optInLabel')}
            help={t('optInLabelHelp')}
            value={optInLabel.value}
            onInput={(v) => (optInLabel.value = v)}
            maxLength={200}
          />
        </section>

        <Mappings />

        <div class="actions">
          <button type="submit" class="primary" disabled={saving}>
            {t('save')}
          </button>
          <StatusLine id="save-status" status={saveStatus.value} />
        </div>
      </form>
    </main>
  );
}

const root = document.getElementById('app');
if (root) {
  render(<App />, root);
  void init();
}
