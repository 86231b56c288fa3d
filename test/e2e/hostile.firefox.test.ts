/** Hostile content in the panel and the team dashboard, in headless Firefox ESR: see hostile-scenario.ts. */
import { defineHostileScenario } from './hostile-scenario.ts';

defineHostileScenario('firefox', { dashboard: true });
