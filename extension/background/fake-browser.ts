/**
 * Test helper: an in-memory stand-in for the parts of `browser` the storage code uses. The real
 * webextension-polyfill refuses to load outside an extension, so tests vi.mock it with this.
 */
type Listener = (changes: Record<string, { oldValue?: unknown; newValue?: unknown }>, area: string) => void;

export function createFakeStorageArea(areaName: string, listeners: Set<Listener>) {
  const data = new Map<string, unknown>();
  return {
    data,
    async get(keys?: string | string[] | null): Promise<Record<string, unknown>> {
      const list = keys == null ? [...data.keys()] : Array.isArray(keys) ? keys : [keys];
      const out: Record<string, unknown> = {};
      for (const k of list) if (data.has(k)) out[k] = structuredClone(data.get(k));
      return out;
    },
    async set(items: Record<string, unknown>): Promise<void> {
      const changes: Record<string, { oldValue?: unknown; newValue?: unknown }> = {};
      for (const [k, v] of Object.entries(items)) {
        changes[k] = { oldValue: data.get(k), newValue: structuredClone(v) };
        data.set(k, structuredClone(v));
      }
      for (const l of listeners) l(changes, areaName);
    },
    async remove(keys: string | string[]): Promise<void> {
      for (const k of Array.isArray(keys) ? keys : [keys]) data.delete(k);
    },
  };
}

export function createFakeBrowser() {
  const listeners = new Set<Listener>();
  return {
    storage: {
      local: createFakeStorageArea('local', listeners),
      session: createFakeStorageArea('session', listeners),
      onChanged: {
        addListener: (l: Listener) => void listeners.add(l),
        removeListener: (l: Listener) => void listeners.delete(l),
        hasListener: (l: Listener) => listeners.has(l),
      },
    },
    listenerCount: () => listeners.size,
  };
}
