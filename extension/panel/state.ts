/**
 * The panel's state: plain signals made by a factory (one per mounted panel, nothing global), with
 * the things that can drift — the session window, what is blocked and why — derived as computeds
 * rather than stored. Actions live apart in actions.ts.
 */
import { computed, signal, type ReadonlySignal, type Signal } from '@preact/signals';
import type { ContactState, ConsentState, Session, Template } from '../../shared/api.ts';
import { remainingMs, sessionFromLastInbound } from '../../shared/session-window.ts';
import type { RelayFailure } from '../messages.ts';
import type { Bridge } from './bridge.ts';
import { createPanelActions, type PanelActions } from './actions.ts';

export type StreamStatus = 'idle' | 'connecting' | 'open' | 'offline';

export interface PendingSend {
  /** The idempotency key of this attempt. */
  key: string;
  kind: 'template' | 'text' | 'retry';
  /** What is being sent, so a second click on the same thing is recognised while the first is in flight. */
  fingerprint: string;
  retryOf?: string;
}

export interface PanelError extends RelayFailure {
  id: number;
}

/** Why sending a template is refused (the relay refuses the same; the panel only explains). */
export type TemplateBlock = 'no_contact' | 'consent_unknown' | 'opted_out' | null;
/** Why free text is refused. */
export type ComposerBlock = 'no_contact' | 'opted_out' | 'session_closed' | null;

export interface PanelDeps {
  bridge: Bridge;
  now: () => Date;
  /** The CRM contact id, remembered by the relay beside the phone. */
  pinpointId?: string;
}

export interface PanelData {
  contact: Signal<ContactState | null>;
  loading: Signal<boolean>;
  selectedPhone: Signal<string | null>;
  templates: Signal<Template[]>;
  templatesFetchedAt: Signal<string | null>;
  templatesLoading: Signal<boolean>;
  stream: Signal<StreamStatus>;
  /** Whether the stream was open at least once: tells "reconnecting" apart from the first connect. */
  streamWasOpen: Signal<boolean>;
  pending: Signal<PendingSend[]>;
  /** Ids of failed messages whose Retry went through, so the button doesn't invite a second resend. */
  retried: Signal<ReadonlySet<string>>;
  consentSaving: Signal<boolean>;
  errors: Signal<PanelError[]>;
  /** Ticks every second while mounted; the countdown derives from it without asking the relay. */
  clock: Signal<Date>;
  session: ReadonlySignal<Session | null>;
  sessionState: ReadonlySignal<'open' | 'closed'>;
  consentState: ReadonlySignal<ConsentState>;
  templateBlock: ReadonlySignal<TemplateBlock>;
  composerBlock: ReadonlySignal<ComposerBlock>;
}

export interface PanelState extends PanelData {
  actions: PanelActions;
}

export function createPanelData(now: () => Date): PanelData {
  const contact = signal<ContactState | null>(null);
  const clock = signal(now());

  // Derived from the last inbound message and the ticking clock: the window closes on screen at
  // zero even if no event or refetch ever comes.
  const session = computed<Session | null>(() => {
    const c = contact.value;
    if (!c) return null;
    if (c.session.lastInboundAt) return sessionFromLastInbound(c.session.lastInboundAt, clock.value);
    if (c.session.expiresAt) return { ...c.session, state: remainingMs(c.session.expiresAt, clock.value) > 0 ? 'open' : 'closed' };
    return c.session;
  });
  // Primitive computeds only notify on change, so most components don't re-render every second.
  const sessionState = computed(() => session.value?.state ?? 'closed');
  const consentState = computed<ConsentState>(() => contact.value?.consent.state ?? 'unknown');

  const templateBlock = computed<TemplateBlock>(() => {
    if (!contact.value) return 'no_contact';
    if (consentState.value === 'opted_out') return 'opted_out';
    if (consentState.value !== 'opted_in') return 'consent_unknown';
    return null;
  });
  const composerBlock = computed<ComposerBlock>(() => {
    if (!contact.value) return 'no_contact';
    if (consentState.value === 'opted_out') return 'opted_out';
    if (sessionState.value !== 'open') return 'session_closed';
    return null;
  });

  return {
    contact,
    loading: signal(false),
    selectedPhone: signal<string | null>(null),
    templates: signal<Template[]>([]),
    templatesFetchedAt: signal<string | null>(null),
    templatesLoading: signal(false),
    stream: signal<StreamStatus>('idle'),
    streamWasOpen: signal(false),
    pending: signal<PendingSend[]>([]),
    retried: signal<ReadonlySet<string>>(new Set()),
    consentSaving: signal(false),
    errors: signal<PanelError[]>([]),
    clock,
    session,
    sessionState,
    consentState,
    templateBlock,
    composerBlock,
  };
}

export function createPanelState(deps: PanelDeps): PanelState {
  const data = createPanelData(deps.now);
  return { ...data, actions: createPanelActions(data, deps) };
}
