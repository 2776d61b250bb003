import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * What a job's bundle was made from, kept beside it so that an unchanged job is not bundled again.
 * Why: bundling costs the CLI ~50 ms of CPU to import esbuild's JS API plus a process for its service,
 * on the path from `quiver run` to the first task. The bundle is reused only while every file esbuild
 * read for it (the job and the local modules it imports) and the job's nearest package.json and
 * tsconfig.json have the same contents — hashed, since a file's mtime is too coarse to see an edit made
 * within a few milliseconds — and every package file it imports still exists. The record's own name
 * holds the job file and the engine build (see `bundleJob`), so a rebuilt quiver bundles afresh.
 */
interface BundleRecord {
  /** The bundle's file name, in the cache folder. */
  bundle: string;
  /** sha256 of each file the bundle was made from, by absolute path. */
  inputs: Record<string, string>;
  /** Files the bundle imports when it runs (packages, pinned to absolute paths). */
  imports: string[];
}

/** The file that records the bundle of `file` made by the engine build `engineKey`. */
export function recordFileOf(dir: string, file: string, engineKey: string): string {
  const key = createHash('sha256').update(`${file}\n${engineKey}`).digest('hex').slice(0, 16);
  return path.join(dir, `${path.basename(file).replace(/\.[^.]+$/, '')}-${key}.json`);
}

/**
 * The bundle recorded in `recordFile` if nothing `jobFile`'s bundle was made from has changed, else
 * undefined. Every run asks, so it reads with synchronous calls: the record and a few small source
 * files take tens of microseconds that way, and ~1.2 ms as chains of round trips through libuv's
 * thread pool (see expandInputs).
 */
export function reusableBundle(recordFile: string, jobFile: string): string | undefined {
  let record: BundleRecord;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as BundleRecord;
  } catch {
    return undefined;
  }
  const bundle = path.join(path.dirname(recordFile), record.bundle);
  if (!existsSync(bundle) || !record.imports.every((f) => existsSync(f))) return undefined;
  if (!configFilesOf(jobFile).every((f) => f in record.inputs)) return undefined;
  const now = hashFiles(Object.keys(record.inputs));
  if (!now || Object.entries(record.inputs).some(([f, h]) => now[f] !== h)) return undefined;
  return bundle;
}

/** Records that `bundle` was made from `inputs` (absolute paths) and imports `imports`; best effort. */
export async function recordBundle(
  recordFile: string,
  jobFile: string,
  bundle: string,
  inputs: string[],
  imports: string[],
): Promise<void> {
  const hashes = hashFiles([...new Set([...inputs, ...configFilesOf(jobFile)])]);
  if (!hashes) return;
  const record: BundleRecord = { bundle: path.basename(bundle), inputs: hashes, imports };
  const tmp = `${recordFile}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, recordFile);
  } catch {
    // An unwritable record only means bundling again next time.
  }
}

/** The package.json and tsconfig.json nearest to a job file: they change how esbuild reads it. */
function configFilesOf(jobFile: string): string[] {
  const found: string[] = [];
  for (const name of ['package.json', 'tsconfig.json']) {
    for (let dir = path.dirname(jobFile); ; dir = path.dirname(dir)) {
      if (existsSync(path.join(dir, name))) {
        found.push(path.join(dir, name));
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return found;
}

/** sha256 of each file, or undefined if one cannot be read. */
function hashFiles(files: string[]): Record<string, string> | undefined {
  try {
    return Object.fromEntries(files.map((f) => [f, createHash('sha256').update(readFileSync(f)).digest('hex')]));
  } catch {
    return undefined;
  }
}
