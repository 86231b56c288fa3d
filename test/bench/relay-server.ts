/** The relay as admins run it (startRelay: real SQLite file in WAL mode, live-mode signature checks), in its own process. */
import { parseConfig } from '../../relay/config.ts';
import { createLogger } from '../../relay/log.ts';
import { startRelay } from '../../relay/server.ts';

const relay = await startRelay(parseConfig(process.env), { log: createLogger('silent') });
process.stdout.write(`LISTENING ${relay.url}\n`);
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
