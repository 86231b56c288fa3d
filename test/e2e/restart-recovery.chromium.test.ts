/** The panel recovers from a graceful relay restart and a hard stop, in headless Chromium: see restart-scenario.ts. */
import { defineRestartScenario } from './restart-scenario.ts';

defineRestartScenario('chromium');
