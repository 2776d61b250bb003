import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './tmp.js';

/**
 * Type-checks one file under the project's strict tsconfig (in a config written to `dir`). Throws with
 * tsc's report on a type error, or on an `@ts-expect-error` line that has no error under it.
 */
export function typecheck(file: string, dir: string): void {
  const config = path.join(dir, 'tsconfig.json');
  writeFileSync(
    config,
    JSON.stringify({
      extends: path.join(ROOT, 'tsconfig.json'),
      compilerOptions: { noEmit: true, typeRoots: [path.join(ROOT, 'node_modules/@types')] },
      include: [file],
    }),
  );
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config], { cwd: ROOT, encoding: 'utf8' });
}
