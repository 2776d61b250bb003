// Bundles the CLI and its worker threads into dist/bundle/ (run by postbuild.mjs, after tsc).
//
// Why: start-up CPU. A `quiver run` has three threads on a 2-core machine (the CLI and two workers),
// and each imported a few hundred small ES modules: Arrow alone is ~150 files and cost ~80 ms of CPU
// per thread; bundled into one file it imports in a tenth of that. The library (dist/src, tsc's
// output) stays as it is: it must use the user's node_modules copy of apache-arrow.
//
// Output (every file directly in dist/bundle/, which src/layout.ts relies on), in two esbuild builds:
//   cli.mjs     the `quiver` command (package.json `bin`)
//   worker.mjs  the worker thread's entry (src/executor/worker-handle.ts starts it)
//   quiver.mjs  the public API; job bundles made under the CLI import `quiver` from here
//   quiver-job.mjs  the part of it a job needs in a worker (defineJob, keys, errors), and exports.json,
//               which names each file has: a job imports each name from the lightest file with it
//   chunk-*.mjs code shared between those four. Code splitting keeps one copy of every module, so
//               the CLI, its workers and the jobs they load share one engine (the error classes), and
//               the CLI's lazily loaded commands stay lazy.
//   arrow.mjs   apache-arrow, which all of the above import; job bundles made under the CLI import
//               `apache-arrow` from here too, so everyone shares one Arrow (`instanceof Table`).
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist', 'bundle');

/**
 * Left as imports, resolved from node_modules when (and if) they load: esbuild finds its own binary
 * next to its package, parquet-wasm reads its .wasm file next to its module, and vega / vega-lite are
 * large and only loaded by `quiver speedup` to draw charts.
 */
const EXTERNAL = ['esbuild', 'parquet-wasm', 'vega', 'vega-lite'];

/** An identifier for an Arrow internal: `ipc/metadata/file`, `Footer` -> `__ipc_metadata_file__Footer`. */
const internalName = (subpath, name) => `__${subpath.replace(/[^A-Za-z0-9]/g, '_')}__${name}`;

/**
 * Arrow internals the engine imports by deep path (`apache-arrow/ipc/metadata/file`), with their
 * export names. They must be the very modules of arrow.mjs (a VectorLoader builds Data that Arrow's
 * Vector checks with `instanceof`), so arrow.mjs re-exports them under prefixed names and the engine
 * imports them from there.
 */
const internals = new Map();

/** Engine side: `apache-arrow` and its deep paths become imports of ./arrow.mjs (a sibling file). */
const arrowFromBundle = {
  name: 'quiver-arrow-from-bundle',
  setup(build) {
    build.onResolve({ filter: /^apache-arrow(\/|$)/ }, (args) => {
      if (args.path === 'apache-arrow') return { path: './arrow.mjs', external: true };
      return { path: args.path.slice('apache-arrow/'.length), namespace: 'arrow-internal' };
    });
    build.onResolve({ filter: /^\.\/arrow\.mjs$/, namespace: 'arrow-internal' }, () => ({ path: './arrow.mjs', external: true }));
    build.onLoad({ filter: /.*/, namespace: 'arrow-internal' }, async ({ path: subpath }) => {
      const names = Object.keys(await import(`apache-arrow/${subpath}`));
      internals.set(subpath, names);
      return {
        contents: `export { ${names.map((n) => `${internalName(subpath, n)} as ${n}`).join(', ')} } from './arrow.mjs';`,
        loader: 'js',
      };
    });
  },
};

/** Arrow side: the entry of arrow.mjs, all of apache-arrow plus the internals the engine asked for. */
function arrowEntry() {
  const lines = ["export * from 'apache-arrow';"];
  for (const [subpath, names] of internals) {
    lines.push(`export { ${names.map((n) => `${n} as ${internalName(subpath, n)}`).join(', ')} } from 'apache-arrow/${subpath}';`);
  }
  return lines.join('\n');
}

/**
 * The `quiver-job` entry: the part of the API a job module uses as it loads and runs in a worker. The
 * worker's own code already holds these modules, so a job that imports only them costs a worker
 * nothing more, where all of quiver.mjs (coordinator, planner, threads.js's master side …) costs it
 * ~35 ms of CPU. src/job/bundle.ts sends each name a job imports to the lightest file that has it.
 */
const JOB_API =
  "export { defineJob } from './src/job/define-job.ts'; export { joinKey, splitKey } from './src/job/key.ts'; export * from './src/errors.ts'; export { closestName, didYouMean } from './src/util/did-you-mean.ts';";

/** Virtual entries: `quiver:<name>` is a module whose source is given here. */
const virtualEntries = {
  name: 'quiver-virtual-entries',
  setup(build) {
    const sources = { 'job-api': JOB_API };
    build.onResolve({ filter: /^quiver:/ }, (args) => ({ path: args.path.slice('quiver:'.length), namespace: 'quiver-entry' }));
    build.onLoad({ filter: /.*/, namespace: 'quiver-entry' }, (args) => ({ contents: sources[args.path], resolveDir: ROOT, loader: 'js' }));
  },
};

const common = {
  absWorkingDir: ROOT,
  outdir: OUT,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
};

rmSync(OUT, { recursive: true, force: true });
// The engine: four entries, code split, Arrow left out (it is arrow.mjs, built next).
const engine = await esbuild.build({
  ...common,
  entryPoints: { cli: 'src/cli/main.ts', worker: 'src/worker/entry.ts', quiver: 'src/index.ts', 'quiver-job': 'quiver:job-api' },
  chunkNames: 'chunk-[hash]',
  splitting: true,
  external: EXTERNAL,
  // CommonJS dependencies (commander, threads.js) call `require`, which an ES module lacks.
  banner: {
    js: "import { createRequire as __quiverCreateRequire } from 'node:module'; const require = __quiverCreateRequire(import.meta.url);",
  },
  // Error classes name themselves after their class (`new.target.name`); bundling may rename a class.
  keepNames: true,
  metafile: true,
  plugins: [arrowFromBundle, virtualEntries],
});

// exports.json: which file to import each public name from, lightest first (read by src/job/bundle.ts).
const exportsOf = (file) => engine.metafile.outputs[path.relative(ROOT, path.join(OUT, file))].exports;
const api = new Set(exportsOf('quiver.mjs'));
const light = exportsOf('quiver-job.mjs').filter((n) => api.has(n));
const files = { 'quiver-job.mjs': light, 'quiver.mjs': [...api].filter((n) => !light.includes(n)) };
writeFileSync(path.join(OUT, 'exports.json'), JSON.stringify(files, null, 1) + '\n');

// Arrow: one file, one entry and no splitting, because esbuild's code splitting does not keep the
// evaluation order of modules in a cycle, and Arrow's modules (Vector and its visitors) have cycles.
await esbuild.build({
  ...common,
  stdin: { contents: arrowEntry(), resolveDir: ROOT, sourcefile: 'arrow-entry.js', loader: 'js' },
  outfile: path.join(OUT, 'arrow.mjs'),
  outdir: undefined,
  // apache-arrow's package.json says `"sideEffects": false`, which would drop what Arrow.node.mjs is
  // for: installing Node stream support (toNodeStream, which writing Arrow files uses).
  ignoreAnnotations: true,
});
