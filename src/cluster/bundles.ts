import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleJob } from '../job/bundle.js';
import type { Store } from './store.js';

/**
 * Job code travels through the store as a content-addressed bundle: `bundles/<sha256>.mjs`, made once
 * per job version by the coordinator (third-party packages inlined, `quiver` and `apache-arrow` left
 * as imports) and shared by every run of it. A worker fetches it once, then bundles it again locally,
 * which pins those two imports to the worker's own install (and keeps the user's source map, so stack
 * traces still name their .ts lines).
 */

/** Bundles a job file for the cluster and puts it in the store (if it is not there yet); returns its key. */
export async function publishBundle(store: Store, jobFile: string): Promise<{ key: string; bytes: number }> {
  const made = await bundleJob(jobFile, 'cluster');
  const bundleFile = fileURLToPath(made.url);
  const code = withAbsoluteSources(await readFile(bundleFile), path.dirname(bundleFile));
  const key = `bundles/${createHash('sha256').update(code).digest('hex').slice(0, 32)}.mjs`;
  if (!(await store.has(key))) await store.put(key, code);
  return { key, bytes: code.byteLength };
}

/**
 * esbuild writes source-map paths relative to the bundle's folder, which on a worker is another folder
 * (or machine); made absolute, they still name the user's files as the coordinator knows them, so a
 * user error's frames match the job file there.
 */
function withAbsoluteSources(code: Buffer, dir: string): Buffer {
  const text = code.toString('utf8');
  const marker = '//# sourceMappingURL=data:application/json;base64,';
  const at = text.lastIndexOf(marker);
  if (at < 0) return code;
  const map = JSON.parse(Buffer.from(text.slice(at + marker.length).trim(), 'base64').toString('utf8')) as { sources: string[] };
  map.sources = map.sources.map((s) => (s.startsWith('file:') || path.isAbsolute(s) ? s : path.resolve(dir, s)));
  return Buffer.from(text.slice(0, at) + marker + Buffer.from(JSON.stringify(map)).toString('base64') + '\n');
}

const fetched = new Map<string, Promise<string>>();

/** The `file://` URL of a store bundle, loadable in this process's worker threads (fetched and pinned once). */
export function bundleUrlOf(store: Store, key: string): Promise<string> {
  let url = fetched.get(key);
  if (!url) {
    url = fetchAndPin(store, key);
    url.catch(() => fetched.delete(key));
    fetched.set(key, url);
  }
  return url;
}

async function fetchAndPin(store: Store, key: string): Promise<string> {
  const dir = path.join(os.tmpdir(), `quiver-worker-bundles-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, path.basename(key));
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, await store.get(key));
    await rename(tmp, file);
  }
  return (await bundleJob(file, 'local')).url;
}
