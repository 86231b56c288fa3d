/**
 * The background: the extension's one network hub (Chrome service worker / Firefox event page).
 *
 * - runtime.onMessage: the typed Request → Result protocol (extension/messages.ts), answered by Promises.
 * - runtime.onConnect(WATCH_PORT): {type:'watch', phone | phones | scope:'all'} shares one live stream per subject
 *   (watch-key.ts); {type:'ping'}
 *   keeps Chrome's worker alive while a panel is open.
 * - The action badge: inbound replies from contacts this rep messaged (the relay's scope=mine stream,
 *   resumed with Last-Event-ID whenever the worker wakes; an alarm wakes it every minute).
 * - Content scripts for user-added hosts, registered when their optional host permission is granted.
 */
import '../options/zod-jitless.ts';
import browser from 'webextension-polyfill';
import { WATCH_PORT, type WatchClientMessage } from '../messages.ts';
import { isConfigured, loadSettings, onSettingsChanged, saveSettings, type Settings } from '../options/storage.ts';
import { allowedFromSender, createHandlers, handleMessage, isRequestLike } from './handlers.ts';
import { LiveStreamHub, MINE_EVENTS_PATH, SseConnection, type WatchPortLike } from './live-stream.ts';
import { createRelayClient, endpointFrom, failure } from './relay-client.ts';
import { ReplyBadge, type KeyValueArea } from './reply-badge.ts';
import { syncUserHostScripts, type UserHostsDeps } from './user-hosts.ts';
import { eventsPathFor, watchKeyOf } from './watch-key.ts';

const log = (message: string, detail?: unknown) => console.debug(`[ppw] ${message}`, detail ?? '');

// ---- settings: read fresh for every call (cheap), so a save in the options is seen by the very next request ----
const getSettings = (): Promise<Settings> => loadSettings();
const endpoint = async () => endpointFrom(await getSettings());

// ---- relay client + request handlers ----
const client = createRelayClient({ getSettings });

const sessionArea = (browser.storage as { session?: browser.Storage.StorageArea }).session;
const badgeArea: KeyValueArea = sessionArea ?? browser.storage.local;
const action = browser.action;
const badge = new ReplyBadge(badgeArea, {
  setText: (text) => action?.setBadgeText({ text }),
  setTitle: (title) => action?.setTitle({ title }),
});
void action?.setBadgeBackgroundColor({ color: '#128C7E' })?.catch(() => undefined);
void badge.load();

const handlers = createHandlers({
  client,
  badge,
  openOptions: () => browser.runtime.openOptionsPage(),
  pageSettings: async () => {
    const s = await getSettings();
    return { defaultCountry: s.defaultCountry, optInLabel: s.optInLabel, mappings: s.mappings, configured: isConfigured(s) };
  },
  // The settings listener below then clears caches and reconnects the live streams with the new token.
  savePairing: async (relayUrl, token) => void (await saveSettings({ relayUrl, token })),
});

browser.runtime.onMessage.addListener((message: unknown, sender: browser.Runtime.MessageSender) => {
  if (sender.id !== browser.runtime.id || !isRequestLike(message)) return undefined; // not ours: let others answer
  if (!allowedFromSender(message.type, sender.url, browser.runtime.getURL(''))) {
    return Promise.resolve(failure('FORBIDDEN', `"${message.type}" is only answered to the extension's own pages.`, { status: 403 }));
  }
  return handleMessage(handlers, message);
});

// ---- live streams for panels (one phone), list badges (several phones) and the dashboard (scope=all) ----
const hub = new LiveStreamHub({
  createConnection: (key, callbacks) => new SseConnection({ endpoint, path: eventsPathFor(key), log, ...callbacks }),
});

browser.runtime.onConnect.addListener((port) => {
  if (port.name !== WATCH_PORT || port.sender?.id !== browser.runtime.id) return;
  const watcher: WatchPortLike = { postMessage: (m) => port.postMessage(m) };
  port.onMessage.addListener((raw: unknown) => {
    const message = raw as WatchClientMessage;
    if (message?.type === 'watch') {
      const key = watchKeyOf(message);
      if (key) hub.watch(watcher, key);
      else hub.unwatch(watcher);
    }
    // {type:'ping'}: receiving it is the point (it resets Chrome's idle timer); nothing to answer.
  });
  port.onDisconnect.addListener(() => hub.unwatch(watcher));
});

// ---- the reply badge stream (scope=mine) ----
const mine = new SseConnection({
  endpoint,
  path: MINE_EVENTS_PATH,
  lastEventId: () => badge.lastEventId(),
  onEvent: (event, id) => void badge.onEvent(event, id),
  log,
});
void getSettings().then((s) => {
  if (isConfigured(s)) mine.start();
});

const WAKE_ALARM = 'ppw-wake';
void browser.alarms
  .get(WAKE_ALARM)
  .then((existing) => {
    if (!existing) return browser.alarms.create(WAKE_ALARM, { periodInMinutes: 1 });
  })
  .catch(() => undefined);
browser.alarms.onAlarm.addListener((alarm) => {
  // Waking the worker ran the top-level code above; make sure the stream is up (it resumes from Last-Event-ID).
  if (alarm.name !== WAKE_ALARM) return;
  void getSettings().then((s) => {
    if (isConfigured(s) && !mine.running) mine.start();
  });
});

// ---- user-added hosts ----
const userHostsDeps = (): UserHostsDeps => ({
  scripting: browser.scripting as unknown as UserHostsDeps['scripting'],
  permissions: browser.permissions,
  manifest: browser.runtime.getManifest() as UserHostsDeps['manifest'],
});
let hostSync: Promise<unknown> = Promise.resolve();
const syncHosts = () => {
  hostSync = hostSync
    .then(async () => {
      const s = await getSettings();
      const matches = await syncUserHostScripts(s.hosts, userHostsDeps());
      log('content scripts for user hosts', matches);
    })
    .catch((err) => log('could not register content scripts for user hosts', err));
};
syncHosts();
browser.permissions.onAdded.addListener(syncHosts);
browser.permissions.onRemoved.addListener(syncHosts);

// ---- settings changes ----
onSettingsChanged((next, previous) => {
  const identityChanged = !previous || previous.relayUrl !== next.relayUrl || previous.token !== next.token;
  if (identityChanged) {
    handlers.clearCache();
    hub.reconnectAll();
    void badge.reset();
    if (isConfigured(next)) mine.reconnectNow();
    else mine.stop();
  }
  if (!previous || previous.hosts.join('\n') !== next.hosts.join('\n')) syncHosts();
});

// ---- the toolbar button opens the options (there is no popup) ----
action?.onClicked.addListener(() => void browser.runtime.openOptionsPage());
