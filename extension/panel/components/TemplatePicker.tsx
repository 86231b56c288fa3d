/**
 * Approved Content templates: search, refresh, variables prefilled from the mapped contact fields,
 * each value validated with the same rules the relay applies, and a live WhatsApp-formatted preview.
 * Send stays disabled, with the reason on screen, whenever the relay would refuse.
 */
import type { Ref } from 'preact';
import { useState } from 'preact/hooks';
import type { Template } from '../../../shared/api.ts';
import { extractVariables, renderTemplate, validateVariables, type VariableIssue } from '../../../shared/templates.ts';
import type { PageContact } from '../../contact.ts';
import type { PageSettings } from '../../messages.ts';
import { formatTime } from '../format-time.ts';
import { prefillVariables } from '../prefill-variables.ts';
import type { PanelState } from '../state.ts';
import { t, type StringKey } from '../strings.ts';
import { Formatted } from './Formatted.tsx';

const PROBLEM_KEY: Partial<Record<string, StringKey>> = {
  missing: 'problemEmpty',
  empty: 'problemEmpty',
  newline: 'problemNewline',
  too_many_spaces: 'problemSpaces',
  too_long: 'problemTooLong',
};

function problemText(issue: VariableIssue): string {
  const key = PROBLEM_KEY[issue.problem];
  return key ? t(key) : issue.message;
}

export function templateKeys(template: Template): string[] {
  return template.variables.length > 0 ? template.variables : extractVariables(template.body);
}

interface Props {
  state: PanelState;
  contact: PageContact;
  settings: Pick<PageSettings, 'mappings'>;
  searchRef?: Ref<HTMLInputElement>;
}

export function TemplatePicker({ state, contact, settings, searchRef }: Props) {
  const [query, setQuery] = useState('');
  const [selectedSid, setSelectedSid] = useState<string | null>(null);
  const [values, setValues] = useState<Record<string, string>>({});
  // A field's problem shows once the rep has typed in it or left it, not the moment a template is picked.
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());

  const templates = state.templates.value;
  const q = query.trim().toLowerCase();
  const shown = q
    ? templates.filter((tpl) => `${tpl.name} ${tpl.language} ${tpl.category} ${tpl.body}`.toLowerCase().includes(q))
    : templates;
  const selected = templates.find((tpl) => tpl.sid === selectedSid) ?? null;
  const keys = selected ? templateKeys(selected) : [];
  const issues = selected ? validateVariables(keys, values).filter((i) => i.problem !== 'unknown') : [];
  const issueFor = (key: string) => (touched.has(key) ? issues.find((i) => i.key === key) : undefined);
  const touch = (key: string) => setTouched((prev) => (prev.has(key) ? prev : new Set(prev).add(key)));
  const block = state.templateBlock.value;
  const sending = state.pending.value.some((p) => p.kind === 'template');
  const mapping = selected ? settings.mappings[selected.sid] ?? {} : {};

  const reason: string | null =
    block === 'no_contact' ? t('reasonLoading')
    : block === 'opted_out' ? t('reasonOptedOut')
    : block === 'consent_unknown' ? t('reasonConsentUnknown')
    : !selected ? t('reasonNoTemplate')
    : issues.length > 0 ? t('reasonFixVariables')
    : sending ? t('sending')
    : null;

  const choose = (tpl: Template) => {
    setSelectedSid(tpl.sid);
    setTouched(new Set());
    setValues(prefillVariables(tpl.sid, templateKeys(tpl), settings.mappings, contact, state.selectedPhone.peek()));
  };

  const send = async () => {
    if (!selected || reason !== null) return;
    const picked: Record<string, string> = {};
    for (const key of keys) picked[key] = values[key] ?? '';
    if (await state.actions.sendTemplate(selected, picked)) setSelectedSid(null);
  };

  const fetchedAt = state.templatesFetchedAt.value;

  return (
    <section class="templates" data-testid="wa-template-picker" aria-labelledby="wa-templates-title">
      <div class="row between">
        <h3 id="wa-templates-title">{t('templatesTitle')}</h3>
        <button
          type="button"
          class="btn ghost small-btn"
          aria-label={t('templatesRefreshLabel')}
          title={fetchedAt ? t('templatesFetchedAt', { time: formatTime(fetchedAt, state.clock.peek()) }) : undefined}
          disabled={state.templatesLoading.value}
          onClick={() => void state.actions.loadTemplates(true)}
        >
          {state.templatesLoading.value ? t('templatesRefreshing') : t('templatesRefresh')}
        </button>
      </div>
      <label class="field">
        <span class="sr-only">{t('templatesSearch')}</span>
        <input
          ref={searchRef}
          type="search"
          placeholder={t('templatesSearch')}
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </label>
      {shown.length === 0 ? (
        <p class="muted small">{q ? t('templatesNoMatch', { query }) : t('templatesNone')}</p>
      ) : (
        <ul class="tpl-list">
          {shown.map((tpl) => (
            <li key={tpl.sid}>
              <button type="button" class="tpl" aria-pressed={tpl.sid === selectedSid} onClick={() => choose(tpl)}>
                <span class="tpl-name">{tpl.name}</span>
                <span class="muted small"> · {tpl.language}</span>
              </button>
            </li>
          ))}
        </ul>
      )}

      {selected ? (
        <div class="tpl-form">
          {keys.map((key) => {
            const issue = issueFor(key);
            const id = `wa-var-${key}`;
            const field = mapping[key];
            return (
              <div class="field" key={key}>
                <label for={id}>
                  {t('templateVariable', { key })}
                  {field ? <span class="muted small"> ({t('templateMappedFrom', { field })})</span> : null}
                </label>
                <input
                  id={id}
                  type="text"
                  value={values[key] ?? ''}
                  placeholder={selected.samples[key] ?? ''}
                  aria-invalid={issue ? 'true' : undefined}
                  aria-describedby={issue ? `${id}-problem` : undefined}
                  onInput={(e) => {
                    const value = e.currentTarget.value;
                    setValues((v) => ({ ...v, [key]: value }));
                    touch(key);
                  }}
                  onBlur={() => touch(key)}
                />
                {issue ? <p id={`${id}-problem`} class="problem">{problemText(issue)}</p> : null}
              </div>
            );
          })}
          <div class="preview" aria-label={t('templatePreview')} data-testid="wa-template-preview">
            {/* Blank values preview as their {{n}} placeholder, so the gap is visible rather than silently closed up. */}
            <Formatted text={renderTemplate(selected.body, Object.fromEntries(Object.entries(values).filter(([, v]) => v.trim() !== '')))} />
          </div>
        </div>
      ) : null}

      <div class="row">
        <button
          type="button"
          class="btn primary"
          disabled={reason !== null}
          aria-describedby={reason ? 'wa-template-reason' : undefined}
          onClick={() => void send()}
          data-testid="wa-template-send"
        >
          {sending ? t('sending') : t('templateSend')}
        </button>
      </div>
      {reason ? <p id="wa-template-reason" class="reason" aria-live="polite">{reason}</p> : null}
    </section>
  );
}
