/**
 * Entry point the content script's mount calls with the <wa-panel> shadow root. Everything the
 * panel starts (clock, watch port, requests' effects) hangs off `signal`; aborting unmounts it.
 */
import { render } from 'preact';
import { createExtensionBridge } from './bridge.ts';
import { PanelView } from './components/PanelView.tsx';
import { usablePhones, type PanelProps } from './panel-props.ts';
import { createPanelState } from './state.ts';
import { PANEL_CSS } from './styles.ts';

export type { PanelPhone, PanelProps } from './panel-props.ts';

export function renderPanel(root: ShadowRoot, props: PanelProps, signal: AbortSignal): void {
  if (signal.aborted) return;
  const doc = root.ownerDocument;
  const style = doc.createElement('style');
  style.textContent = PANEL_CSS;
  const container = doc.createElement('div');
  container.className = 'wa-root';
  root.append(style, container);

  const state = createPanelState({
    bridge: props.bridge ?? createExtensionBridge(),
    now: () => new Date(),
    pinpointId: props.contact.id || undefined,
  });
  render(<PanelView state={state} props={props} />, container);
  state.actions.start(signal, usablePhones(props.phones)[0]?.e164 ?? null);

  signal.addEventListener('abort', () => {
    render(null, container);
    container.remove();
    style.remove();
  }, { once: true });
}
