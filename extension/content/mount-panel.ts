/**
 * The panel's host in the CRM page: a `<wa-panel>` element with an open shadow root (the contract's test surface), so
 * Bootstrap 3 and Mautic's app.css don't reach the panel and the panel's styles don't leak out.
 * Not a registered custom element: `customElements` is null in Chrome content scripts, and a plain unknown tag is
 * all a shadow host needs.
 */
export const PANEL_TAG = 'wa-panel';

export interface MountPoint {
  parent: Element;
  before: Node | null;
}

/**
 * `all: initial` cuts inheritance from the page (font, colour, line-height, text-align…); the rest is the box.
 * The floating variant is the fallback when the page grid isn't recognised (reference §6, priority 4).
 */
const HOST_CSS = `
:host {
  all: initial;
  display: block;
  box-sizing: border-box;
  margin: 0 0 12px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  font-size: 13px;
  line-height: 1.4;
  color: #1f2933;
  contain: layout style;
}
:host([data-placement="floating"]) {
  position: fixed;
  right: 16px;
  bottom: 16px;
  z-index: 2147483000;
  width: 340px;
  max-width: calc(100vw - 32px);
  max-height: calc(100vh - 32px);
  overflow: auto;
  margin: 0;
  background: #fff;
  border-radius: 8px;
  box-shadow: 0 6px 24px rgba(0, 0, 0, 0.2);
}
`;

/**
 * Mautic preventDefaults Backspace outside inputs and binds Mousetrap shortcuts that check only the target's
 * tagName; events from a shadow root are retargeted to the host, so both would fire while typing in the panel.
 * Stopping propagation at the host keeps them away; not preventing default keeps typing working.
 */
const KEY_EVENTS = ['keydown', 'keypress', 'keyup'] as const;

/**
 * Mounts a fresh host at `point` (or floating on `body` when null) and removes it when `signal` aborts.
 * Idempotent across views and extension reloads: any existing `<wa-panel>` is removed first, so there is never two.
 * With an already-aborted signal nothing is mounted and a detached host is returned.
 */
export function mountPanelHost(doc: Document, point: MountPoint | null, signal: AbortSignal): { host: HTMLElement; root: ShadowRoot } {
  const host = doc.createElement(PANEL_TAG);
  const root = host.attachShadow({ mode: 'open' });
  const style = doc.createElement('style');
  style.textContent = HOST_CSS;
  root.append(style);
  if (signal.aborted) return { host, root };

  for (const old of doc.querySelectorAll(PANEL_TAG)) old.remove();
  for (const type of KEY_EVENTS) {
    host.addEventListener(type, (event) => event.stopPropagation(), { signal });
  }

  if (point && point.parent.isConnected) {
    // `before` may have left `parent` since the point was found (the page kept rendering): append instead.
    const before = point.before && point.before.parentNode === point.parent ? point.before : null;
    point.parent.insertBefore(host, before);
  } else {
    host.dataset['placement'] = 'floating';
    (doc.body ?? doc.documentElement).append(host);
  }

  signal.addEventListener('abort', () => host.remove(), { once: true });
  return { host, root };
}
