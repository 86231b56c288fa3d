/**
 * The team dashboard (an extension page, managers and admins): delivery and read figures for a date range and rep,
 * charts with their tables, failures by code, refreshed live from the team event stream. Every relay call goes
 * through the background (the same Request/Result protocol and watch ports as the panel).
 */
import '../options/zod-jitless.ts';
import { render } from 'preact';
import { createExtensionBridge, type Bridge } from '../panel/bridge.ts';
import { DashboardView } from './components/DashboardView.tsx';
import { createDashboardState } from './state.ts';
import { LOCALE, t } from './t.ts';
import './dashboard.css';

/** Mounts the dashboard into `root` and starts it; aborting `signal` stops the live stream and timers. */
export function mountDashboard(root: Element, bridge: Bridge, signal: AbortSignal, now: () => Date = () => new Date()) {
  const state = createDashboardState({ bridge, now });
  const onOptions = () => void bridge.request({ type: 'options.open' });
  render(<DashboardView state={state} onOptions={onOptions} />, root);
  void state.actions.start(signal);
  signal.addEventListener('abort', () => render(null, root), { once: true });
  return state;
}

const root = typeof document === 'undefined' ? null : document.getElementById('app');
if (root) {
  document.title = t('pageTitle');
  document.documentElement.lang = LOCALE;
  mountDashboard(root, createExtensionBridge(), new AbortController().signal);
}
