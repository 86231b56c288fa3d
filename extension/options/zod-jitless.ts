/**
 * Side effect only: switch zod to its interpreter before any schema is defined. zod 4 otherwise probes
 * `new Function('')` when the first z.object is created; extension CSPs forbid eval, so the probe fails
 * (harmlessly) but is still reported as a CSP violation — in a content script, to the host page.
 * Import this FIRST in every entry (background, options, content script).
 */
import { z } from 'zod';

z.config({ jitless: true });
