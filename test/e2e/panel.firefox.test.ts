/** The panel end to end in headless Firefox ESR (puppeteer-core over WebDriver BiDi): see scenario.ts for the steps. */
import { defineScenario } from './scenario.ts';

defineScenario('firefox');
