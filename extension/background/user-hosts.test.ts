import { describe, expect, it } from 'vitest';
import { USER_HOSTS_SCRIPT_ID, syncUserHostScripts, type UserHostsDeps } from './user-hosts.ts';

function deps(granted: string[]) {
  const registered = new Map<string, Parameters<UserHostsDeps['scripting']['registerContentScripts']>[0][number]>();
  const calls: string[] = [];
  const d: UserHostsDeps = {
    scripting: {
      getRegisteredContentScripts: async (filter) => [...registered.values()].filter((s) => !filter?.ids || filter.ids.includes(s.id)),
      registerContentScripts: async (scripts) => {
        calls.push('register');
        for (const s of scripts) registered.set(s.id, s);
      },
      updateContentScripts: async (scripts) => {
        calls.push('update');
        for (const s of scripts) registered.set(s.id, { ...registered.get(s.id)!, ...s });
      },
      unregisterContentScripts: async (filter) => {
        calls.push('unregister');
        for (const id of filter?.ids ?? []) registered.delete(id);
      },
    },
    permissions: { contains: async ({ origins }) => origins.every((o) => granted.includes(o)) },
    manifest: { content_scripts: [{ js: ['extension/content/index.js'], matches: ['https://*.ariticapp.com/*'] }] },
  };
  return { d, registered, calls, granted };
}

describe('user host content scripts', () => {
  it('registers the built content script for granted hosts only', async () => {
    const { d, registered } = deps(['https://crm.example.com/*']);
    const matches = await syncUserHostScripts(['https://crm.example.com', 'https://denied.example.com'], d);
    expect(matches).toEqual(['https://crm.example.com/*']);
    expect(registered.get(USER_HOSTS_SCRIPT_ID)).toEqual({
      id: USER_HOSTS_SCRIPT_ID,
      js: ['extension/content/index.js'],
      matches: ['https://crm.example.com/*'],
      excludeMatches: ['https://*.ariticapp.com/*'],
      runAt: 'document_idle',
      allFrames: false,
    });
  });

  it('updates when hosts change and unregisters when none is left', async () => {
    const { d, registered, calls, granted } = deps(['https://crm.example.com/*']);
    await syncUserHostScripts(['https://crm.example.com'], d);
    granted.push('http://mautic.local/*');
    await syncUserHostScripts(['https://crm.example.com', 'http://mautic.local:8080'], d);
    expect(registered.get(USER_HOSTS_SCRIPT_ID)?.matches).toEqual(['https://crm.example.com/*', 'http://mautic.local/*']);
    await syncUserHostScripts([], d);
    expect(registered.size).toBe(0);
    expect(calls).toEqual(['register', 'update', 'unregister']);
    await syncUserHostScripts([], d);
    expect(calls).toEqual(['register', 'update', 'unregister']);
  });
});
