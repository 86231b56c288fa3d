/** Everything a route or service needs, built once by the entry file (or a test) and passed to createApp. */
import type { Bus } from './bus.ts';
import type { Config } from './config.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { TemplateCache } from './services/template-cache.ts';
import type { Store } from './store/store.ts';
import type { TwilioGateway } from './twilio/gateway.ts';
import type { Simulator } from './twilio/simulator.ts';

export interface Deps {
  config: Config;
  store: Store;
  twilio: TwilioGateway;
  bus: Bus;
  clock: () => Date;
  log: Logger;
  templates: TemplateCache;
  metrics: Metrics;
  /** Aborted when the relay shuts down: live streams end so in-flight requests can finish. */
  shutdown: AbortSignal;
  /** Present in simulator mode only. */
  simulator?: Simulator;
}

/** Who is calling /v1, from their token. */
export interface Actor {
  tokenId: string;
  name: string;
  role: import('../shared/api.ts').Role;
}
