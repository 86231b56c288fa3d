/** The card: who, what is allowed now, the history, and the ways to write. */
import { useRef } from 'preact/hooks';
import type { PanelProps } from '../panel-props.ts';
import { usablePhones } from '../panel-props.ts';
import type { PanelState } from '../state.ts';
import { t } from '../strings.ts';
import { Composer } from './Composer.tsx';
import { ConsentBadge } from './ConsentBadge.tsx';
import { Conversation } from './Conversation.tsx';
import { Header } from './Header.tsx';
import { Notices } from './Notices.tsx';
import { SessionTimer } from './SessionTimer.tsx';
import { TemplatePicker } from './TemplatePicker.tsx';

export function PanelView({ state, props }: { state: PanelState; props: PanelProps }) {
  const searchRef = useRef<HTMLInputElement>(null);
  const hasPhone = usablePhones(props.phones).length > 0;
  const contact = state.contact.value;

  return (
    <article class="card" aria-label={t('panelLabel')}>
      <Header contact={props.contact} phones={props.phones} state={state} />
      <Notices state={state} />
      {hasPhone ? (
        contact ? (
          <>
            <ConsentBadge state={state} contact={props.contact} />
            <SessionTimer state={state} />
            <Conversation state={state} />
            <Composer state={state} onUseTemplate={() => searchRef.current?.focus()} />
            <TemplatePicker state={state} contact={props.contact} settings={props.settings} searchRef={searchRef} />
          </>
        ) : state.loading.value ? (
          <p class="muted small" role="status">{t('loading')}</p>
        ) : null
      ) : null}
    </article>
  );
}
