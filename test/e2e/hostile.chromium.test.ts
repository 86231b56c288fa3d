/** Hostile content in the panel and the team dashboard, in headless Chromium: see hostile-scenario.ts. */
import { defineHostileScenario } from './hostile-scenario.ts';

defineHostileScenario('chromium', { dashboard: true });
