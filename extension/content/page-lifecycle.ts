/**
 * Tells the content script when a contact page starts and ends, across Mautic's in-page navigation
 * (shared/reference/pinpoint-contact-page.md §5): `#app-content`'s children are swapped by an XHR and the URL is
 * pushed at a different moment, with no event the isolated world can see. Each contact view gets its own
 * AbortController, aborted when the view is left, replaced or the watcher disposed (architecture principle 7).
 */
import { detectContactPage, findContactsTable, findContentBody } from './crm/pinpoint.ts';

export interface ContactView {
  id: string;
  /** The `.content-body` this view was read from; a new node for the same id is a new view (e.g. after "Save"). */
  contentBody: Element;
  /** Aborted when the user leaves this view (another contact, another page, or the watcher is disposed). */
  signal: AbortSignal;
}

/** A contacts-list view: its id is 'list'. Pagination and searches refresh the rows inside the same view. */
export type ListView = ContactView;

export interface WatchContactPagesOptions {
  doc: Document;
  win: Window;
  onEnter(view: ContactView): void;
  /**
   * Optional: a contacts list (`/s/contacts[/{page}]` with its table) is entered. One view per `.content-body`, so
   * list → contact → list gives a fresh view each time; rows refreshed in place (pagination, search) are the view's
   * own business.
   */
  onListEnter?(view: ListView): void;
  /** The one idle timer: how often `location.href` is compared (pushState is invisible to content scripts). */
  pollMs?: number;
  /** jQuery's `.html()` empties then appends: several records per swap, so settle before evaluating. */
  debounceMs?: number;
  /**
   * Checked on every poll; false once the extension was reloaded or updated (an orphaned content script), which
   * disposes everything so the old copy stops mounting panels next to the new one.
   */
  isAlive?: () => boolean;
}

interface ActiveView {
  id: string;
  body: Element;
  controller: AbortController;
}

const LIST_ID = 'list';

/** Starts watching; returns the function that stops everything and aborts the current view. */
export function watchContactPages(opts: WatchContactPagesOptions): () => void {
  const { doc, win, onEnter } = opts;
  const pollMs = opts.pollMs ?? 700;
  const debounceMs = opts.debounceMs ?? 80;
  const life = new AbortController();
  let view: ActiveView | null = null;
  let debounce: ReturnType<Window['setTimeout']> | undefined;
  let lastHref = win.location.href;
  let observedTarget: Node | null = null;
  let narrow = false;

  const MutationObserverCtor = (win as Window & typeof globalThis).MutationObserver ?? MutationObserver;
  const observer = new MutationObserverCtor((records) => {
    // On #app-content itself every record is a swap of its children; inner refreshes (timeline, notes) happen
    // deeper and aren't observed at all.
    if (narrow || records.some(touchesContentBody)) schedule();
  });

  /** Observe `#app-content` narrowly; without it (foreign skin, or not there yet) the body's subtree, filtered. */
  function attach(): void {
    const app = doc.getElementById('app-content');
    const target: Node | null = app ?? doc.body;
    if (!target || target === observedTarget) return;
    observer.disconnect();
    narrow = app !== null;
    observer.observe(target, narrow ? { childList: true } : { childList: true, subtree: true });
    observedTarget = target;
  }

  function schedule(): void {
    if (life.signal.aborted) return;
    if (debounce !== undefined) win.clearTimeout(debounce);
    debounce = win.setTimeout(evaluate, debounceMs);
  }

  function leave(): void {
    if (!view) return;
    const { controller } = view;
    view = null;
    controller.abort();
  }

  function enter(id: string, body: Element): void {
    const controller = new AbortController();
    view = { id, body, controller };
    try {
      (id === LIST_ID ? opts.onListEnter! : onEnter)({ id, contentBody: body, signal: controller.signal });
    } catch (err) {
      // One broken page must not stop the watcher: the next navigation gets a fresh try.
      console.error('[pinpoint-whatsapp] contact view failed to start', err);
    }
  }

  function evaluate(): void {
    debounce = undefined;
    if (life.signal.aborted) return;
    attach();
    lastHref = win.location.href;
    let url: URL;
    try {
      url = new URL(lastHref);
    } catch {
      return;
    }
    const found = detectContactPage(doc, url);
    if (found === 'mismatch') {
      // URL and DOM disagree mid-swap: wait for the other half. A view whose DOM is already gone is over, though.
      if (view && !view.body.isConnected) leave();
      return;
    }
    const list = !found && opts.onListEnter !== undefined && findContactsTable(doc, url) !== null;
    const id = found ? found.id : list ? LIST_ID : null;
    const body = id ? findContentBody(doc) : null;
    if (!id || !body) {
      leave();
      return;
    }
    if (view && view.id === id && view.body === body) return;
    leave();
    enter(id, body);
  }

  attach();
  const poll = win.setInterval(() => {
    if (opts.isAlive && !opts.isAlive()) {
      dispose();
      return;
    }
    // A string compare only: this is the one thing that runs while nothing happens.
    if (win.location.href !== lastHref) {
      lastHref = win.location.href;
      schedule();
    }
  }, pollMs);
  win.addEventListener('popstate', schedule, { signal: life.signal });
  win.addEventListener('pageshow', schedule, { signal: life.signal });
  evaluate();

  function dispose(): void {
    if (life.signal.aborted) return;
    life.abort();
    observer.disconnect();
    win.clearInterval(poll);
    if (debounce !== undefined) win.clearTimeout(debounce);
    debounce = undefined;
    leave();
  }
  return dispose;
}

/** The body-subtree fallback's filter: only additions/removals that are, or hold, the swapped content. */
function touchesContentBody(record: MutationRecord): boolean {
  const relevant = (node: Node): boolean =>
    node.nodeType === 1 &&
    ((node as Element).matches('#app-content, .content-body') || (node as Element).querySelector('#app-content, .content-body') !== null);
  return Array.prototype.some.call(record.addedNodes, relevant) || Array.prototype.some.call(record.removedNodes, relevant);
}
