import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile, rename } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as esbuild from 'esbuild';
import { JobError, UsageError } from '../errors.js';
import { didYouMean } from '../util/did-you-mean.js';
import { BUNDLED, BUNDLE_DIR, ENGINE_ROOT, PACKAGE_NAME } from '../layout.js';
import { recordBundle, recordFileOf, reusableBundle } from './bundle-cache.js';

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
/**
 * Packages that must be the engine's own copy, whatever the job's folder holds. Under the CLI a deep
 * import (`apache-arrow/ipc/...`) is taken from the bundle's arrow.mjs when it carries that path
 * (`arrowInternalFromBundle`), else from node_modules' copy, which is not the bundle's Arrow.
 */
const ENGINE_PACKAGES = new Set(['apache-arrow']);
/**
 * The files a job's `quiver` and `apache-arrow` imports are pinned to: the copies of the runtime that
 * loads the job, so the job shares its modules (`instanceof Table` in the coordinator, the error
 * classes). The library runs from dist/src with node_modules' Arrow (`undefined`: resolved from the
 * package root). The CLI and its workers run from the bundle (see layout.ts), which carries its own
 * Arrow, and where `quiver` is the module quiverFromBundle writes.
 */
const PINS: Record<string, string | undefined> = BUNDLED
  ? { 'apache-arrow': path.join(BUNDLE_DIR, 'arrow.mjs') }
  : { [PACKAGE_NAME]: path.join(ENGINE_ROOT, 'dist', 'src', 'index.js'), 'apache-arrow': undefined };

/** A job file bundled into one ES module that any thread can `import()`. */
export interface JobBundle {
  /** The user's job file, absolute. */
  file: string;
  /** `file://` URL of the bundle. */
  url: string;
  /** True when the bundle was made by an earlier run and nothing it was made from has changed since. */
  reused: boolean;
}

/** The built-in jobs' names: the .ts files directly in jobs/ (helper folders beside them are not jobs). */
export function builtinJobNames(): string[] {
  return readdirSync(path.join(ENGINE_ROOT, 'jobs'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Whether a job file is one of the built-in jobs (a grep that matches nothing is not a mistake to point out). */
export function isBuiltinJob(file: string): boolean {
  return path.dirname(path.resolve(file)) === path.join(ENGINE_ROOT, 'jobs');
}

/**
 * Resolves a job argument: a path to a .ts/.js file, or the name of a built-in job (`wordcount`). A name
 * that is neither is a usage error that lists the built-in jobs and the closest one to what was typed.
 */
export function resolveJobFile(spec: string): string {
  const direct = path.resolve(spec);
  if (existsSync(direct)) return direct;
  const bare = !spec.includes('/') && !spec.includes('\\');
  if (bare) {
    for (const ext of ['.ts', '.js']) {
      const builtin = path.join(ENGINE_ROOT, 'jobs', spec.replace(/\.(ts|js)$/, '') + ext);
      if (existsSync(builtin)) return builtin;
    }
  }
  if (bare && !/\.[cm]?[jt]s$/.test(spec)) {
    const names = builtinJobNames();
    const hint = didYouMean(spec, names);
    throw new UsageError(
      `unknown job "${spec}"${hint ? `${hint} ` : ': '}the built-in jobs are ${names.join(', ')}, or give the path of a job file ` +
        `(./my-job.ts)`,
    );
  }
  throw new JobError(
    `job file ${spec} does not exist; give a path to a .ts or .js file that default-exports defineJob({...}), or a built-in job name ` +
      `(see \`quiver jobs\`)`,
  );
}

/**
 * Bundles a job file with esbuild. Imports of npm packages stay imports but are pinned to absolute
 * file URLs, so the bundle runs from any folder: `quiver` and `apache-arrow` resolve to the engine's
 * own copies, other packages to the job's. Its source map, which lets stack traces point at the user's
 * .ts lines (source-map.ts), is a file beside it (`<bundle>.map`): inline, it made the bundle of a
 * built-in job four times its size and cost every thread that imports it ~12 ms of CPU to read, on
 * every run. A cluster's bundle, which travels through the store as one file, keeps it inline. A job
 * whose files have not changed since its last bundle reuses it (bundle-cache.ts), without loading esbuild.
 */
export async function bundleJob(spec: string, mode: BundleMode = 'local'): Promise<JobBundle> {
  const file = resolveJobFile(spec);
  if (statSync(file).isDirectory()) throw new JobError(`job ${spec} is a directory; give a .ts or .js file`);
  const dir = cacheDir();
  const record = recordFileOf(dir, file, engineKey() + mode);
  const reusable = reusableBundle(record, file);
  if (reusable) return { file, url: pathToFileURL(reusable).href, reused: true };
  // Imported here, not at the top: esbuild's JS API costs ~50 ms of CPU to import, and only commands that bundle a job need it.
  const esbuild = await import('esbuild');
  const imports = new Set<string>();
  let result: esbuild.BuildResult<{ write: false; metafile: true }>;
  try {
    result = await esbuild.build({
      entryPoints: [file],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: mode === 'cluster' ? 'inline' : 'external',
      sourcesContent: true,
      write: false,
      outfile: path.join(dir, 'job.mjs'),
      logLevel: 'silent',
      metafile: true,
      plugins: [mode === 'cluster' ? leaveEngineImports() : pinPackages(imports)],
    });
  } catch (e) {
    const errors = (e as { errors?: esbuild.Message[] }).errors ?? [];
    const first = errors[0];
    const where = first?.location ? `${first.location.file}:${first.location.line}:${first.location.column + 1}: ` : '';
    throw new JobError(`job ${spec} does not build: ${where}${first?.text ?? (e as Error).message}`, { cause: e });
  }
  const code = result.outputFiles.find((f) => !f.path.endsWith('.map'))!.contents;
  const map = result.outputFiles.find((f) => f.path.endsWith('.map'))?.contents;
  // The map is part of the name: an edit that moves lines but not code changes the map alone.
  const hash = createHash('sha256')
    .update(code)
    .update(map ?? new Uint8Array())
    .digest('hex')
    .slice(0, 16);
  const out = path.join(dir, `${path.basename(file).replace(/\.[^.]+$/, '')}-${hash}${mode === 'cluster' ? '-cluster' : ''}.mjs`);
  if (!existsSync(out)) {
    // The map first: a bundle that exists has its map beside it.
    if (map) await writeAtomically(`${out}.map`, map);
    await writeAtomically(out, code);
  }
  // The files esbuild read (paths relative to the working folder; `quiver-api:quiver` is not a file).
  const inputs = Object.keys(result.metafile.inputs)
    .map((f) => path.resolve(f))
    .filter((f) => existsSync(f));
  await recordBundle(record, file, out, inputs, [...imports]);
  return { file, url: pathToFileURL(out).href, reused: false };
}

/** Writes `file` whole or not at all (another process may be reading the cache). */
async function writeAtomically(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
}

/**
 * What else a job's bundle depends on: this build of the engine (its files are rewritten by every
 * build, so their mtime changes) and where it pins `quiver` and `apache-arrow`.
 */
function engineKey(): string {
  return JSON.stringify([statSync(fileURLToPath(import.meta.url)).mtimeMs, PINS, BUNDLED ? quiverFromBundle() : '']);
}

/**
 * How a bundle finds its packages. `local`: imports pinned to absolute files of this machine (see
 * bundleJob). `cluster`: to run on other machines, third-party packages are inlined, and `quiver` and
 * `apache-arrow` stay bare imports that each worker pins to its own install when it loads the bundle
 * (src/cluster/bundles.ts), so the job shares the worker's engine and Arrow.
 */
export type BundleMode = 'local' | 'cluster';

/** For a cluster bundle: Node's modules, `quiver` and `apache-arrow` stay imports; everything else is bundled. */
const leaveEngineImports = (): esbuild.Plugin => ({
  name: 'quiver-leave-engine-imports',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (BUILTINS.has(args.path)) return { path: args.path, external: true };
      // Bare names are no files of this machine, so unlike pinned imports they are not recorded in `imports`.
      if (args.path === 'quiver' || packageName(args.path) === 'apache-arrow') return { path: args.path, external: true };
      return undefined;
    });
  },
});

/** Pins bare imports (see bundleJob) and adds the files they resolve to to `imports`. */
const pinPackages = (imports: Set<string>): esbuild.Plugin => ({
  name: 'quiver-pin-packages',
  setup(build) {
    // The files quiverFromBundle names stay imports; having no side effects, only those a job takes names from are kept.
    build.onResolve({ filter: /^file:/, namespace: 'quiver-api' }, (args) => ({ path: args.path, external: true, sideEffects: false }));
    build.onLoad({ filter: /^quiver$/, namespace: 'quiver-api' }, () => ({ contents: quiverFromBundle(), loader: 'js' }));
    build.onResolve({ filter: /^file:/, namespace: 'arrow-internal' }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'arrow-internal' }, (args) => ({ contents: args.pluginData as string, loader: 'js' }));
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'pinning') return undefined;
      if (BUILTINS.has(args.path)) return { path: args.path, external: true };
      if (args.path === PACKAGE_NAME && BUNDLED) return { path: 'quiver', namespace: 'quiver-api' };
      const internal = BUNDLED && args.path.startsWith('apache-arrow/') ? await arrowInternalFromBundle(args.path) : undefined;
      if (internal) {
        imports.add(ARROW_BUNDLE);
        return { path: args.path, namespace: 'arrow-internal', pluginData: internal };
      }
      const pinned = PINS[args.path];
      if (pinned) {
        imports.add(pinned);
        return { path: pathToFileURL(pinned).href, external: true };
      }
      const name = packageName(args.path);
      const resolveDir = ENGINE_PACKAGES.has(name) ? ENGINE_ROOT : args.resolveDir;
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir, importer: args.importer, pluginData: 'pinning' });
      if (r.errors.length > 0) {
        return {
          errors: [{ text: `cannot find package "${args.path}" from ${args.importer}; install it next to the job (npm install ${name})` }],
        };
      }
      imports.add(r.path);
      return { path: pathToFileURL(r.path).href, external: true };
    });
  },
});

/**
 * Under the CLI, the `quiver` a job imports: each public name re-exported from the lightest file of the
 * bundle that has it (dist/bundle/exports.json, written by scripts/bundle.mjs). A job that uses only
 * defineJob, the key helpers and the error classes then loads nothing its worker has not loaded already,
 * instead of the whole engine (~35 ms of CPU per worker, on the path from bundling to the first task).
 */
function quiverFromBundle(): string {
  const files = JSON.parse(readFileSync(path.join(BUNDLE_DIR, 'exports.json'), 'utf8')) as Record<string, string[]>;
  return Object.entries(files)
    .filter(([, names]) => names.length > 0)
    .map(([file, names]) => `export { ${names.join(', ')} } from ${JSON.stringify(pathToFileURL(path.join(BUNDLE_DIR, file)).href)};`)
    .join('\n');
}

const ARROW_BUNDLE = path.join(BUNDLE_DIR, 'arrow.mjs');

/**
 * Under the CLI, a job's deep Arrow import (`apache-arrow/visitor/vectorassembler`: the built-in
 * convert job imports the engine's io code) as a module that re-exports the very classes of arrow.mjs,
 * which carries the deep paths the engine imports itself under prefixed names (`internalName` in
 * scripts/bundle.mjs, spelt the same here). node_modules' copy would be another Arrow, whose visitors
 * do not know this one's types (`instanceof DataType`): convert's Arrow part writer assembled a batch
 * as one struct column. Undefined (node_modules' copy, as before) when arrow.mjs lacks a name of it.
 */
async function arrowInternalFromBundle(spec: string): Promise<string | undefined> {
  const subpath = spec.slice('apache-arrow/'.length);
  const prefixed = (name: string) => `__${subpath.replace(/[^A-Za-z0-9]/g, '_')}__${name}`;
  let names: string[];
  try {
    names = Object.keys(await import(spec));
  } catch {
    return undefined; // no such module: esbuild's resolution says so, as for any import
  }
  const bundled = (await import(pathToFileURL(ARROW_BUNDLE).href)) as Record<string, unknown>;
  if (names.length === 0 || !names.every((n) => prefixed(n) in bundled)) return undefined;
  const from = JSON.stringify(pathToFileURL(ARROW_BUNDLE).href);
  return `export { ${names.map((n) => `${prefixed(n)} as ${n}`).join(', ')} } from ${from};`;
}

function packageName(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The bundle cache: inside the engine's node_modules when writable, else the OS temp folder. */
function cacheDir(): string {
  for (const dir of [path.join(ENGINE_ROOT, 'node_modules', '.cache', 'quiver'), path.join(os.tmpdir(), 'quiver-cache')]) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // try the next place
    }
  }
  throw new JobError('cannot create a folder for job bundles (node_modules/.cache/quiver or the temp folder)');
}
