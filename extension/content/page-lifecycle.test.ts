// @vitest-environment happy-dom
// @vitest-environment-options {"url":"https://acme.ariticapp.com/","settings":{"handleDisabledFileLoadingAsSuccess":true,"disableJavaScriptFileLoading":true}}
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { fixturePath, parseFixture, type FixtureName } from '../../test/fixtures/pinpoint/fixtures.ts';
import { watchContactPages, type ContactView } from './page-lifecycle.ts';

const POLL_MS = 40;
const DEBOUNCE_MS = 10;
/** Long enough for a poll tick plus the debounce, several times over: after this, "nothing happened" means it. */
const QUIET_MS = POLL_MS * 3 + DEBOUNCE_MS * 3;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** A full page load: the fixture's body becomes the document's, at the fixture's URL. */
function loadPage(name: FixtureName): void {
  const parsed = parseFixture(name);
  document.body.replaceChildren(...Array.from(parsed.body.childNodes, (node) => document.importNode(node, true)));
  history.replaceState(null, '', fixturePath(name));
}

function contentBodyOf(name: FixtureName): Element {
  const body = parseFixture(name).querySelector('.content-body');
  if (!body) throw new Error(`${name} has no .content-body`);
  return document.importNode(body, true);
}

function appContent(): HTMLElement {
  const app = document.getElementById('app-content');
  if (!app) throw new Error('no #app-content');
  return app;
}

/**
 * Mautic's in-page navigation: jQuery `.html(newContent)` empties #app-content then appends (separate "removed" and
 * "added" records), then pushes the route.
 */
function swapTo(name: FixtureName, opts: { push?: boolean } = {}): Element {
  const app = appContent();
  const body = contentBodyOf(name);
  while (app.firstChild) app.removeChild(app.firstChild);
  app.appendChild(body);
  if (opts.push ?? true) history.pushState(null, '', fixturePath(name));
  return body;
}

let dispose: (() => void) | null = null;
let views: ContactView[] = [];

function start(extra: Partial<Parameters<typeof watchContactPages>[0]> = {}): void {
  dispose = watchContactPages({
    doc: document,
    win: window,
    onEnter: (view) => views.push(view),
    pollMs: POLL_MS,
    debounceMs: DEBOUNCE_MS,
    ...extra,
  });
}

const last = (): ContactView => {
  const view = views.at(-1);
  if (!view) throw new Error('no view entered');
  return view;
};

beforeEach(() => {
  views = [];
  loadPage('m5-contact.html');
});

afterEach(() => {
  dispose?.();
  dispose = null;
  vi.restoreAllMocks();
});

describe('watchContactPages', () => {
  test('enters the contact already on the page, with its .content-body', () => {
    start();
    expect(views).toHaveLength(1);
    expect(last().id).toBe('42');
    expect(last().contentBody).toBe(document.querySelector('#app-content > .content-body'));
    expect(last().signal.aborted).toBe(false);
  });

  test('an in-page swap to contact 43 enters 43 once and aborts 42', async () => {
    start();
    const first = last();
    const body43 = swapTo('content-body-contact-43.html');
    await waitFor(() => views.length === 2);
    await sleep(QUIET_MS);
    expect(views).toHaveLength(2);
    expect(last().id).toBe('43');
    expect(last().contentBody).toBe(body43);
    expect(first.signal.aborted).toBe(true);
    expect(last().signal.aborted).toBe(false);
  });

  test('an inner refresh (timeline, notes) inside .content-body does not re-enter', async () => {
    start();
    const first = last();
    const table = document.getElementById('timeline-table');
    if (!table) throw new Error('no #timeline-table');
    // Mautic replaces the timeline's HTML in place, with route: false (no URL change).
    table.replaceChildren(document.createElement('table'));
    document.getElementById('NoteList')?.append(document.createElement('li'));
    document.getElementById('lead-stats')?.replaceChildren(document.createElement('div'));
    await sleep(QUIET_MS);
    expect(views).toHaveLength(1);
    expect(first.signal.aborted).toBe(false);
  });

  test('a swap to the contacts list aborts the view and enters nothing', async () => {
    start();
    const first = last();
    swapTo('contacts-list.html');
    await waitFor(() => first.signal.aborted);
    await sleep(QUIET_MS);
    expect(views).toHaveLength(1);
  });

  test('list → contact 42 → contact 43 → list', async () => {
    loadPage('contacts-list.html');
    start();
    expect(views).toHaveLength(0);
    swapTo('m5-contact.html');
    await waitFor(() => views.length === 1);
    expect(last().id).toBe('42');
    swapTo('content-body-contact-43.html');
    await waitFor(() => views.length === 2);
    expect(last().id).toBe('43');
    expect(views[0]?.signal.aborted).toBe(true);
    swapTo('contacts-list.html');
    await waitFor(() => last().signal.aborted);
    await sleep(QUIET_MS);
    expect(views).toHaveLength(2);
  });

  test('URL changed before the DOM (mismatch): waits, then enters once the DOM follows', async () => {
    start();
    const first = last();
    history.pushState(null, '', fixturePath('content-body-contact-43.html'));
    await sleep(QUIET_MS);
    expect(views).toHaveLength(1);
    expect(first.signal.aborted).toBe(false);

    swapTo('content-body-contact-43.html', { push: false });
    await waitFor(() => views.length === 2);
    expect(last().id).toBe('43');
    expect(first.signal.aborted).toBe(true);
  });

  test('DOM swapped before the URL (History.js queueing): 42 ends with its DOM, 43 enters when the URL follows', async () => {
    start();
    const first = last();
    swapTo('content-body-contact-43.html', { push: false });
    await waitFor(() => first.signal.aborted);
    await sleep(QUIET_MS);
    expect(views).toHaveLength(1);

    // The isolated world can't see pushState: only the location poll notices.
    history.pushState(null, '', fixturePath('content-body-contact-43.html'));
    await waitFor(() => views.length === 2);
    expect(last().id).toBe('43');
  });

  test('a new .content-body for the same contact (after Save & Close) re-enters', async () => {
    start();
    const first = last();
    const fresh = swapTo('m5-contact.html');
    await waitFor(() => views.length === 2);
    expect(last().id).toBe('42');
    expect(last().contentBody).toBe(fresh);
    expect(first.signal.aborted).toBe(true);
  });

  test('popstate and pageshow trigger an evaluation without waiting for the poll', async () => {
    start({ pollMs: 60_000 });
    const first = last();
    swapTo('content-body-contact-43.html', { push: false });
    await waitFor(() => first.signal.aborted);
    history.pushState(null, '', fixturePath('content-body-contact-43.html'));
    window.dispatchEvent(new PopStateEvent('popstate'));
    await waitFor(() => views.length === 2);
    expect(last().id).toBe('43');

    swapTo('m5-contact.html', { push: false });
    await waitFor(() => last().signal.aborted);
    history.pushState(null, '', fixturePath('m5-contact.html'));
    window.dispatchEvent(new Event('pageshow'));
    await waitFor(() => views.length === 3);
    expect(last().id).toBe('42');
  });

  test('the returned function aborts the view and stops every trigger', async () => {
    const clearInterval = vi.spyOn(window, 'clearInterval');
    const observe = vi.spyOn(MutationObserver.prototype, 'observe');
    const disconnect = vi.spyOn(MutationObserver.prototype, 'disconnect');
    start();
    const first = last();
    expect(observe).toHaveBeenCalledWith(appContent(), { childList: true });

    dispose?.();
    expect(first.signal.aborted).toBe(true);
    expect(clearInterval).toHaveBeenCalled();
    expect(disconnect).toHaveBeenCalled();

    swapTo('content-body-contact-43.html');
    window.dispatchEvent(new PopStateEvent('popstate'));
    await sleep(QUIET_MS);
    expect(views).toHaveLength(1);
    dispose?.(); // twice is harmless
  });

  test('an orphaned script (isAlive false) disposes itself on the next poll', async () => {
    let alive = true;
    start({ isAlive: () => alive });
    const first = last();
    alive = false;
    await waitFor(() => first.signal.aborted);
    swapTo('content-body-contact-43.html');
    await sleep(QUIET_MS);
    expect(views).toHaveLength(1);
  });

  test('a throwing onEnter does not stop the watcher', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    let calls = 0;
    start({
      onEnter: (view) => {
        calls += 1;
        views.push(view);
        if (calls === 1) throw new Error('boom');
      },
    });
    expect(error).toHaveBeenCalled();
    swapTo('content-body-contact-43.html');
    await waitFor(() => views.length === 2);
    expect(last().id).toBe('43');
  });

  test('without #app-content: observes the body subtree, filtered to content swaps', async () => {
    // A foreign skin: the .content-body sits in another wrapper.
    const shell = document.createElement('main');
    shell.id = 'shell';
    shell.append(contentBodyOf('m5-contact.html'));
    document.body.replaceChildren(shell);
    history.replaceState(null, '', fixturePath('m5-contact.html'));
    const observe = vi.spyOn(MutationObserver.prototype, 'observe');
    start({ pollMs: 60_000 });
    expect(observe).toHaveBeenCalledWith(document.body, { childList: true, subtree: true });
    expect(views).toHaveLength(1);

    // Unrelated DOM churn is filtered out.
    document.body.append(document.createElement('div'));
    shell.querySelector('#timeline-table')?.replaceChildren(document.createElement('table'));
    await sleep(QUIET_MS);
    expect(views).toHaveLength(1);

    shell.replaceChildren(contentBodyOf('content-body-contact-43.html'));
    history.pushState(null, '', fixturePath('content-body-contact-43.html'));
    await waitFor(() => views.length === 2);
    expect(last().id).toBe('43');
  });
  test('contacts lists: list → page 2 (rows refreshed in place) → contact → list, one list view per .content-body', async () => {
    const lists: ContactView[] = [];
    loadPage('contacts-list.html');
    start({ onListEnter: (view) => lists.push(view) });
    expect(views).toHaveLength(0);
    expect(lists).toHaveLength(1);
    expect(lists[0]?.id).toBe('list');

    // Pagination: Mautic reloads .page-list and pushes /s/contacts/2 without swapping #app-content's children.
    const pageList = document.querySelector('.page-list');
    const page2 = parseFixture('contacts-list-m5.html').querySelector('.page-list');
    pageList?.replaceWith(document.importNode(page2!, true));
    history.pushState(null, '', fixturePath('contacts-list-m5.html'));
    await sleep(QUIET_MS);
    expect(lists).toHaveLength(1);
    expect(lists[0]?.signal.aborted).toBe(false);

    swapTo('m5-contact.html');
    await waitFor(() => views.length === 1);
    expect(lists[0]?.signal.aborted).toBe(true);
    expect(last().id).toBe('42');

    swapTo('contacts-list.html');
    await waitFor(() => lists.length === 2);
    expect(last().signal.aborted).toBe(true);
    expect(lists[1]?.signal.aborted).toBe(false);
    expect(lists[1]?.contentBody).toBe(document.querySelector('#app-content > .content-body'));

    dispose?.();
    dispose = null;
    expect(lists[1]?.signal.aborted).toBe(true);
  });

  test('without onListEnter a list page enters nothing (the panel-only behaviour)', async () => {
    loadPage('contacts-list-m5.html');
    start();
    await sleep(QUIET_MS);
    expect(views).toHaveLength(0);
  });
});
