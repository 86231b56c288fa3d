/** Who the panel is about: the contact's name, the WhatsApp number, a switcher when there are two. */
import type { PageContact } from '../../contact.ts';
import { formatPhoneForDisplay } from '../../../shared/phone.ts';
import { usablePhones, type PanelPhone } from '../panel-props.ts';
import type { PanelState } from '../state.ts';
import { t } from '../strings.ts';

export function Header({ contact, phones, state }: { contact: PageContact; phones: PanelPhone[]; state: PanelState }) {
  const usable = usablePhones(phones);
  const selected = state.selectedPhone.value;
  const profileName = state.contact.value?.profileName ?? null;
  const name = contact.name?.trim() || profileName || t('unknownContact');
  const kind = (p: PanelPhone) => t(p.kind === 'mobile' ? 'phoneKindMobile' : 'phoneKindPhone');

  return (
    <header class="hdr">
      <div class="hdr-title">
        <span class="logo" aria-hidden="true">●</span>
        <h2 class="name">{name}</h2>
      </div>
      {profileName && profileName !== contact.name?.trim() ? <p class="muted small">{t('profileName', { name: profileName })}</p> : null}
      {usable.length === 0 ? (
        <div class="nophone" role="status">
          <p class="strong">{t('noUsableNumber')}</p>
          {phones.length === 0 ? (
            <p class="small">{t('noPhoneOnPage')}</p>
          ) : (
            phones.map((p) => (
              <p class="small" key={p.raw}>
                {t('unreadablePhone', { raw: p.raw })}
              </p>
            ))
          )}
        </div>
      ) : usable.length === 1 || !selected ? (
        <p class="phone">
          {formatPhoneForDisplay(usable[0]?.e164 ?? '')} <span class="muted small">({kind(usable[0] as PanelPhone)})</span>
        </p>
      ) : (
        <label class="phone-switch">
          <span class="sr-only">{t('phoneSwitcher')}</span>
          <select value={selected} onChange={(e) => state.actions.switchPhone(e.currentTarget.value)}>
            {usable.map((p) => (
              <option key={p.e164} value={p.e164}>
                {formatPhoneForDisplay(p.e164)} ({kind(p)})
              </option>
            ))}
          </select>
        </label>
      )}
    </header>
  );
}
