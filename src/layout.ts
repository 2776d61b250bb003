import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the running copy of quiver keeps its files. The same sources are built twice:
 *
 * - `dist/src/` (tsc, one file per module) is the library, `import { run } from 'quiver-engine'`. It uses
 *   the `apache-arrow` of node_modules, so the Arrow tables a user passes in and gets back are of the
 *   user's own Arrow.
 * - `dist/bundle/` (esbuild, scripts/bundle.mjs) is the CLI and its worker threads: a few files with
 *   one shared copy of Arrow, because importing ~400 small modules (Arrow alone is ~150) cost each of
 *   the three threads of a `quiver run` 100–250 ms of CPU at start-up, and one bundled file costs a
 *   tenth of that.
 *
 * Every output file of the bundle sits directly in dist/bundle/, and every module of the library in a
 * folder of dist/src/, so both are two levels below the package root; the folder's name tells which.
 */
const here = path.dirname(fileURLToPath(import.meta.url));

/** True when this code runs from esbuild's bundle (the CLI and its workers), false from tsc's output. */
export const BUNDLED = path.basename(here) === 'bundle';

/** The root of the quiver package (holds package.json, jobs/, dist/). */
export const ENGINE_ROOT = path.resolve(here, '../..');

/** The bundle's folder; holds `quiver.mjs` and `arrow.mjs`, the copies a bundled job must import. */
export const BUNDLE_DIR = path.join(ENGINE_ROOT, 'dist', 'bundle');

/**
 * The package's name on npm, as jobs import it (`import { defineJob } from 'quiver-engine'`); the command
 * is `quiver`. A constant, not read from package.json: built-in jobs' bundles inline this module, and
 * from their cache folder the package root is not two levels up (a test checks it against package.json).
 */
export const PACKAGE_NAME = 'quiver-engine';
