/** The panel recovers from a graceful relay restart and a hard stop, in headless Firefox ESR: see restart-scenario.ts. */
import { defineRestartScenario } from './restart-scenario.ts';

defineRestartScenario('firefox');
