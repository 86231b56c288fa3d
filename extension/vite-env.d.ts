/// <reference types="vite/client" />

/** Baked into the `npm start` demo build only (vite.config.ts `define`); '' in every other build. */
declare const __PPW_DEMO_RELAY_URL__: string;
/** The demo access token for the `npm start` build; '' in production builds. */
declare const __PPW_DEMO_TOKEN__: string;
