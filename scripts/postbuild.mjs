// After tsc: bundles the CLI and its workers (scripts/bundle.mjs: start-up CPU), and makes the CLI
// entries executable, so `npx quiver` works straight after `npm install`.
import { chmodSync } from 'node:fs';
await import('./bundle.mjs');
chmodSync(new URL('../dist/bundle/cli.mjs', import.meta.url), 0o755);
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
