/**
 * The panel end to end in headless Chromium (playwright-core): see scenario.ts for the steps.
 * UPDATE_SCREENSHOTS=1 also writes the README screenshots into test/e2e/screenshots/.
 */
import { defineScenario } from './scenario.ts';

defineScenario('chromium', { screenshots: process.env['UPDATE_SCREENSHOTS'] === '1' });
