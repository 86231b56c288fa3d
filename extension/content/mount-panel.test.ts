// @vitest-environment happy-dom
// @vitest-environment-options {"url":"https://acme.ariticapp.com/","settings":{"handleDisabledFileLoadingAsSuccess":true,"disableJavaScriptFileLoading":true}}
import { beforeEach, describe, expect, test } from 'vitest';
import { parseFixture } from '../../test/fixtures/pinpoint/fixtures.ts';
import { findMountPoint } from './crm/pinpoint.ts';
import { PANEL_TAG, mountPanelHost } from './mount-panel.ts';

beforeEach(() => {
  const parsed = parseFixture('m5-contact.html');
  document.body.replaceChildren(...Array.from(parsed.body.childNodes, (node) => document.importNode(node, true)));
});

const panels = (): NodeListOf<Element> => document.querySelectorAll(PANEL_TAG);

describe('mountPanelHost', () => {
  test('mounts a <wa-panel> with an open shadow root and a :host reset at the mount point', () => {
    const point = findMountPoint(document);
    if (!point) throw new Error('no mount point');
    const firstPanel = point.parent.querySelector(':scope > .panel');
    const { host, root } = mountPanelHost(document, point, new AbortController().signal);
    expect(host.tagName.toLowerCase()).toBe('wa-panel');
    expect(host.shadowRoot).toBe(root);
    expect(root.mode).toBe('open');
    expect(root.querySelector('style')?.textContent).toMatch(/:host\s*{[^}]*all:\s*initial/);
    expect(host.parentElement).toBe(point.parent);
    expect(firstPanel?.nextElementSibling).toBe(host);
    expect(host.dataset['placement']).toBeUndefined();
  });

  test('two mounts leave exactly one <wa-panel>', () => {
    const first = mountPanelHost(document, findMountPoint(document), new AbortController().signal);
    const second = mountPanelHost(document, findMountPoint(document), new AbortController().signal);
    expect(panels()).toHaveLength(1);
    expect(first.host.isConnected).toBe(false);
    expect(second.host.isConnected).toBe(true);
    // Also across placements (a floating panel from a previous view).
    mountPanelHost(document, null, new AbortController().signal);
    expect(panels()).toHaveLength(1);
  });

  test('key events from inside the shadow root do not reach document listeners, and are not cancelled', () => {
    const { root } = mountPanelHost(document, findMountPoint(document), new AbortController().signal);
    const input = document.createElement('input');
    root.append(input);
    const reachedDocument: string[] = [];
    const reachedInput: string[] = [];
    for (const type of ['keydown', 'keypress', 'keyup']) {
      document.addEventListener(type, () => reachedDocument.push(type));
      window.addEventListener(type, () => reachedDocument.push(`window:${type}`));
      input.addEventListener(type, () => reachedInput.push(type));
    }
    const events = ['keydown', 'keypress', 'keyup'].map(
      (type) => new KeyboardEvent(type, { key: 'Backspace', bubbles: true, composed: true, cancelable: true }),
    );
    for (const event of events) input.dispatchEvent(event);
    expect(reachedInput).toEqual(['keydown', 'keypress', 'keyup']);
    expect(reachedDocument).toEqual([]);
    expect(events.map((e) => e.defaultPrevented)).toEqual([false, false, false]);
  });

  test('key events elsewhere on the page still reach the page', () => {
    mountPanelHost(document, findMountPoint(document), new AbortController().signal);
    let reached = 0;
    document.addEventListener('keydown', () => reached++);
    document.getElementById('search')?.dispatchEvent(new KeyboardEvent('keydown', { key: 'a', bubbles: true }));
    expect(reached).toBe(1);
  });

  test('aborting the signal removes the host', () => {
    const controller = new AbortController();
    const { host } = mountPanelHost(document, findMountPoint(document), controller.signal);
    expect(host.isConnected).toBe(true);
    controller.abort();
    expect(host.isConnected).toBe(false);
    expect(panels()).toHaveLength(0);
  });

  test('no mount point: a floating host on <body>, removed on abort too', () => {
    const controller = new AbortController();
    const { host } = mountPanelHost(document, null, controller.signal);
    expect(host.parentElement).toBe(document.body);
    expect(host.dataset['placement']).toBe('floating');
    expect(host.shadowRoot?.querySelector('style')?.textContent).toMatch(/:host\(\[data-placement="floating"\]\)\s*{[^}]*position:\s*fixed/);
    controller.abort();
    expect(host.isConnected).toBe(false);
  });

  test('an already-aborted signal mounts nothing and leaves an existing panel alone', () => {
    const live = mountPanelHost(document, findMountPoint(document), new AbortController().signal);
    const { host } = mountPanelHost(document, findMountPoint(document), AbortSignal.abort());
    expect(host.isConnected).toBe(false);
    expect(live.host.isConnected).toBe(true);
  });

  test('a stale `before` (moved since the point was found) appends to the parent instead', () => {
    const point = findMountPoint(document);
    if (!point) throw new Error('no mount point');
    const stale = document.createElement('div');
    const { host } = mountPanelHost(document, { parent: point.parent, before: stale }, new AbortController().signal);
    expect(point.parent.lastElementChild).toBe(host);
  });
});
