/**
 * Content scripts for user-added PinPoint/Mautic hosts. The manifest matches only Aritic PinPoint
 * (plus the demo page in demo builds); for every other origin the user lists in the options and
 * grants as an optional host permission, the background registers the same built content script at
 * run time with scripting.registerContentScripts (Chrome ≥ 96, Firefox ≥ 102, same API in both).
 *
 * The script file is read from the built manifest, so this keeps working whatever name crxjs gives it.
 * It must be a standalone bundle (crx contentScripts.standaloneFiles): crxjs's default loader imports
 * chunks that are web-accessible only on the manifest's matches.
 */
import { originToMatchPattern } from '../options/urls.ts';

export const USER_HOSTS_SCRIPT_ID = 'ppw-user-hosts';

interface RegisteredScript {
  id: string;
  js?: string[];
  matches?: string[];
  excludeMatches?: string[];
  runAt?: 'document_start' | 'document_end' | 'document_idle';
  allFrames?: boolean;
}

export interface UserHostsDeps {
  scripting: {
    getRegisteredContentScripts(filter?: { ids?: string[] }): Promise<RegisteredScript[]>;
    registerContentScripts(scripts: RegisteredScript[]): Promise<void>;
    updateContentScripts(scripts: RegisteredScript[]): Promise<void>;
    unregisterContentScripts(filter?: { ids?: string[] }): Promise<void>;
  };
  permissions: { contains(p: { origins: string[] }): Promise<boolean> };
  manifest: { content_scripts?: Array<{ js?: string[]; matches?: string[]; run_at?: string }> };
}

/** The match patterns the user's hosts need, limited to those the user granted. */
export async function grantedPatterns(hosts: readonly string[], deps: Pick<UserHostsDeps, 'permissions'>): Promise<string[]> {
  const patterns: string[] = [];
  for (const host of hosts) {
    let pattern: string;
    try {
      pattern = originToMatchPattern(host);
    } catch {
      continue;
    }
    if (patterns.includes(pattern)) continue;
    const granted = await deps.permissions.contains({ origins: [pattern] }).catch(() => false);
    if (granted) patterns.push(pattern);
  }
  return patterns;
}

/** Registers, updates or removes the one dynamic content script so it matches exactly the granted user hosts. */
export async function syncUserHostScripts(hosts: readonly string[], deps: UserHostsDeps): Promise<string[]> {
  const declared = deps.manifest.content_scripts?.[0];
  const js = declared?.js ?? [];
  if (js.length === 0) return [];
  const matches = await grantedPatterns(hosts, deps);
  const existing = await deps.scripting.getRegisteredContentScripts({ ids: [USER_HOSTS_SCRIPT_ID] }).catch(() => []);
  const registered = existing.some((s) => s.id === USER_HOSTS_SCRIPT_ID);

  if (matches.length === 0) {
    if (registered) await deps.scripting.unregisterContentScripts({ ids: [USER_HOSTS_SCRIPT_ID] });
    return [];
  }
  const script: RegisteredScript = {
    id: USER_HOSTS_SCRIPT_ID,
    js,
    matches,
    runAt: 'document_idle',
    allFrames: false,
  };
  // Hosts the manifest already covers (e.g. a *.ariticapp.com origin typed by the user) must not get the script twice.
  const manifestMatches = declared?.matches ?? [];
  if (manifestMatches.length) script.excludeMatches = manifestMatches;

  if (registered) await deps.scripting.updateContentScripts([script]);
  else await deps.scripting.registerContentScripts([script]);
  return matches;
}
