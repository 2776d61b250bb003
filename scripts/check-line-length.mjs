// Fails (exit 1) when a source line in src/ or jobs/ is longer than 140 bytes, listing each one. Biome
// wraps code at 140 columns but not long string literals and comments, so this keeps them wrapped too.
// Run by `npm run lint` (and so by .ci/run). Counts UTF-8 bytes, as `awk 'length > 140'` does here.
// scripts/split-long-lines.mjs splits most offenders mechanically.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT = 140;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SOURCE = /\.(ts|mts|js|mjs)$/;

/** The source files under `dir`, recursively. */
function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return SOURCE.test(e.name) ? [p] : [];
  });
}

const long = [];
for (const file of ['src', 'jobs'].flatMap((d) => sources(path.join(root, d)))) {
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      const n = Buffer.byteLength(line);
      if (n > LIMIT) long.push(`${path.relative(root, file)}:${i + 1}: ${n} bytes`);
    });
}
if (long.length > 0) {
  console.error(`${long.length} line(s) longer than ${LIMIT} bytes in src/ and jobs/; split them:\n${long.join('\n')}`);
  process.exit(1);
}
console.log(`no line longer than ${LIMIT} bytes in src/ and jobs/`);
