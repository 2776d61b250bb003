// Makes the CLI entry executable after tsc, so `npx quiver` works straight after `npm install`.
import { chmodSync } from 'node:fs';
chmodSync(new URL('../dist/src/cli/main.js', import.meta.url), 0o755);
