/**
 * One function → the Chrome and the Firefox MV3 manifests (crxjs rewrites source paths to built ones).
 *
 * - No `<all_urls>` anywhere: the panel is matched on Aritic PinPoint hosts; other PinPoint/Mautic hosts are
 *   optional host permissions the user grants from the options page, and the background registers the content
 *   script for them at run time (scripting.registerContentScripts).
 * - The relay needs no host permission: it answers CORS for extension origins and the bearer token guards it.
 * - Demo builds (`npm start`) also match the relay's demo contact page on 127.0.0.1/localhost (any port).
 */
import { defineManifest } from '@crxjs/vite-plugin';
import pkg from '../package.json' with { type: 'json' };

export type BuildTarget = 'chrome' | 'firefox';

export const GECKO_ID = 'whatsapp-pinpoint@pinpoint-whatsapp.dev';
/** The content script: vite.config passes it to crx({contentScripts: {standaloneFiles: [CONTENT_SCRIPT_ENTRY]}}). */
export const CONTENT_SCRIPT_ENTRY = 'extension/content/index.ts';
export const BACKGROUND_ENTRY = 'extension/background/index.ts';
export const OPTIONS_PAGE = 'extension/options/index.html';
/** The team dashboard: an extension page outside the manifest, so vite.config adds it to the build input. */
export { DASHBOARD_PAGE } from './dashboard/page.ts';

export const PINPOINT_MATCHES = ['https://*.ariticapp.com/*'] as const;
/** Match patterns ignore the port, so these cover the demo relay on any port. */
export const DEMO_MATCHES = ['http://127.0.0.1/*', 'http://localhost/*'] as const;
/** What the options page may request for user-added PinPoint/Mautic hosts. */
export const OPTIONAL_HOST_PERMISSIONS = ['https://*/*', 'http://*/*'] as const;

const ICONS = {
  16: 'extension/public/icons/icon-16.png',
  32: 'extension/public/icons/icon-32.png',
  48: 'extension/public/icons/icon-48.png',
  128: 'extension/public/icons/icon-128.png',
} as const;

/** The plain manifest object (exported for tests); makeManifest wraps it for crxjs. */
export function manifestFor(target: BuildTarget, opts: { demo: boolean }) {
  const matches = [...PINPOINT_MATCHES, ...(opts.demo ? DEMO_MATCHES : [])];
  const background =
    target === 'firefox'
      ? { scripts: [BACKGROUND_ENTRY] }
      : { service_worker: BACKGROUND_ENTRY, type: 'module' as const };
  return {
    manifest_version: 3,
    name: 'WhatsApp for PinPoint',
    short_name: 'WA PinPoint',
    version: pkg.version,
    description: 'Send and track WhatsApp messages from Aritic PinPoint contact pages, through your team relay.',
    icons: ICONS,
    action: { default_title: opts.demo ? 'WhatsApp for PinPoint (demo build)' : 'WhatsApp for PinPoint', default_icon: ICONS },
    background,
    permissions: ['storage', 'alarms', 'scripting'],
    optional_host_permissions: [...OPTIONAL_HOST_PERMISSIONS],
    content_scripts: [{ matches, js: [CONTENT_SCRIPT_ENTRY], run_at: 'document_idle' }],
    options_ui: { page: OPTIONS_PAGE, open_in_tab: true },
    ...(target === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: GECKO_ID,
              strict_min_version: '142.0',
              data_collection_permissions: { required: ['none' as const] },
            },
          },
        }
      : { minimum_chrome_version: '120' }),
  };
}

export function makeManifest(target: BuildTarget, opts: { demo: boolean }) {
  return defineManifest(manifestFor(target, opts));
}
