/**
 * The dashboard's state: signals made by a factory (tests make their own), with the actions beside them.
 *
 * - Access: 'me' first; a rep sees the refusal and nothing is asked of the relay's reports (it would refuse too).
 * - Data: three reports for the range and rep (per day, per rep, per template), asked together; an answer for an
 *   older range is dropped.
 * - Live: one watch port on the team stream (/v1/events?scope=all). A `message.created` or `message.status` event
 *   schedules one refetch ~1 s later (a burst is one refetch); a reconnect refetches too (events are hints).
 */
import { batch, computed, signal } from '@preact/signals';
import type { Role } from '../../shared/api.ts';
import type { DeliveryReport, GroupBy } from '../../shared/reports.ts';
import type { RelayFailure, WatchServerMessage } from '../messages.ts';
import type { Bridge } from '../panel/bridge.ts';
import { defaultRange, isDay } from './format.ts';

export type Reports = Record<GroupBy, DeliveryReport>;
export type Access = { kind: 'checking' } | { kind: 'allowed'; name: string; role: Role } | { kind: 'refused' } | { kind: 'error'; error: RelayFailure };
export type StreamState = 'idle' | 'connecting' | 'open' | 'offline';

export const REFETCH_DELAY_MS = 1_000;
const GROUPS: readonly GroupBy[] = ['day', 'rep', 'template'];

export interface DashboardDeps {
  bridge: Bridge;
  now: () => Date;
  refetchDelayMs?: number;
}

export function createDashboardState(deps: DashboardDeps) {
  const { bridge } = deps;
  const initial = defaultRange(deps.now());
  const from = signal(initial.from);
  const to = signal(initial.to);
  const rep = signal('');
  const access = signal<Access>({ kind: 'checking' });
  const reports = signal<Reports | null>(null);
  const loading = signal(false);
  const error = signal<RelayFailure | null>(null);
  const stream = signal<StreamState>('idle');
  /** Every rep name seen in an unfiltered per-rep report, for the filter. */
  const reps = signal<string[]>([]);
  /** contentSid → template name, when the relay's template list could be read. */
  const templateNames = signal<Record<string, string>>({});
  const rangeValid = computed(() => isDay(from.value) && isDay(to.value) && from.value <= to.value);

  let generation = 0;
  let refetchTimer: ReturnType<typeof setTimeout> | undefined;
  let wasOpen = false;
  let life: AbortSignal | null = null;

  async function load(): Promise<void> {
    if (!rangeValid.value || access.value.kind !== 'allowed') return;
    const mine = ++generation;
    const query = { from: from.value, to: to.value, ...(rep.value ? { rep: rep.value } : {}) };
    loading.value = true;
    const answers = await Promise.all(GROUPS.map((groupBy) => bridge.request({ type: 'reports.delivery', query: { ...query, groupBy } })));
    if (mine !== generation || life?.aborted) return;
    batch(() => {
      loading.value = false;
      const failed = answers.find((a) => !a.ok);
      if (failed && !failed.ok) {
        if (failed.error.code === 'FORBIDDEN') access.value = { kind: 'refused' };
        else error.value = failed.error;
        return;
      }
      const [day, byRep, template] = answers.map((a) => (a.ok ? a.data : null));
      if (!day || !byRep || !template) return;
      error.value = null;
      reports.value = { day, rep: byRep, template };
      if (!query.rep) reps.value = [...new Set([...reps.value, ...byRep.rows.map((r) => r.key)])].sort((a, b) => a.localeCompare(b));
    });
  }

  function scheduleRefetch(): void {
    if (refetchTimer !== undefined) return;
    refetchTimer = setTimeout(() => {
      refetchTimer = undefined;
      void load();
    }, deps.refetchDelayMs ?? REFETCH_DELAY_MS);
  }

  function onWatch(m: WatchServerMessage): void {
    if (m.type === 'stream') {
      stream.value = m.state;
      if (m.state === 'open') {
        if (wasOpen) scheduleRefetch();
        wasOpen = true;
      }
      return;
    }
    // A deletion removes messages from the figures too.
    if (m.event.type === 'message.created' || m.event.type === 'message.status' || m.event.type === 'contact.deleted') scheduleRefetch();
  }

  async function loadTemplateNames(): Promise<void> {
    const answer = await bridge.request({ type: 'templates.list' });
    if (answer.ok) templateNames.value = Object.fromEntries(answer.data.templates.map((tpl) => [tpl.sid, tpl.name]));
  }

  /** Checks the role, loads the reports and follows the team stream until `signal` aborts. */
  async function start(signal: AbortSignal): Promise<void> {
    life = signal;
    signal.addEventListener('abort', () => clearTimeout(refetchTimer), { once: true });
    const me = await bridge.request({ type: 'me', refresh: true });
    if (signal.aborted) return;
    if (!me.ok) {
      access.value = { kind: 'error', error: me.error };
      return;
    }
    if (me.data.role === 'rep') {
      access.value = { kind: 'refused' };
      return;
    }
    access.value = { kind: 'allowed', name: me.data.name, role: me.data.role };
    stream.value = 'connecting';
    bridge.watch({ scope: 'all' }, onWatch, signal);
    void loadTemplateNames();
    await load();
  }

  /** After the access check failed (offline, not configured): try again from the top. */
  async function retry(): Promise<void> {
    if (access.value.kind === 'error' && life && !life.aborted) {
      access.value = { kind: 'checking' };
      await start(life);
      return;
    }
    await load();
  }

  return {
    from,
    to,
    rep,
    access,
    reports,
    loading,
    error,
    stream,
    reps,
    templateNames,
    rangeValid,
    actions: {
      start,
      load,
      retry,
      setRange(next: { from?: string; to?: string }) {
        batch(() => {
          if (next.from !== undefined) from.value = next.from;
          if (next.to !== undefined) to.value = next.to;
        });
        void load();
      },
      setRep(name: string) {
        rep.value = name;
        void load();
      },
    },
  };
}

export type DashboardState = ReturnType<typeof createDashboardState>;
