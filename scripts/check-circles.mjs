// Fails (exit 1) when the modules of src/ import each other in a circle (DESIGN.md §8: imports flow
// one way). Run by `npm run check:circles` and by .ci/run before the tests.
//
// madge is asked through its API rather than its command line so the check cannot pass vacuously:
// - type-only imports count (`skipTypeImports: false`): a circle of types is still a circle of modules
//   that cannot be understood, moved or split one without the other; the fix is a types module below;
// - the sources import `./x.js` meaning `./x.ts` (NodeNext); tsConfig makes madge resolve them, and a
//   relative import it could not resolve fails the check instead of silently dropping an edge;
// - every .ts file under src/ must be in the graph.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const ts = { skipTypeImports: false, mixedImports: true };

const result = await madge(src, {
  baseDir: src,
  fileExtensions: ['ts'],
  tsConfig: path.join(root, 'tsconfig.json'),
  detectiveOptions: { ts, tsx: ts, es6: { skipTypeImports: false, mixedImports: true } },
});

const problems = [];
const graph = result.obj();
const files = readdirSync(src, { recursive: true })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => f.split(path.sep).join('/'));
const missing = files.filter((f) => !(f in graph));
if (missing.length) problems.push(`madge did not read ${missing.length} file(s) of src/: ${missing.join(', ')}`);
const unresolved = result.warnings().skipped.filter((s) => s.startsWith('.') || s.startsWith('/'));
if (unresolved.length) problems.push(`madge could not resolve these imports, so it cannot see their edges: ${unresolved.join(', ')}`);
const circles = result.circular();
for (const circle of circles) problems.push(`import circle: ${[...circle, circle[0]].join(' → ')}`);

if (problems.length) {
  console.error(problems.join('\n'));
  if (circles.length) console.error('Move what the modules share (types, helpers) to a module below both; see STYLE.md.');
  process.exit(1);
}
const edges = Object.values(graph).reduce((n, deps) => n + deps.length, 0);
console.log(`no import circles in src/ (${files.length} files, ${edges} imports, type-only imports included)`);
