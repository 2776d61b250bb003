import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inputVersion, isS3Input } from '../io/input-source.js';

/**
 * What the planner learnt about a file (a CSV's sampled column types, an Arrow file's batch headers, a
 * Parquet footer), kept for the life of the process and used again while the file is unchanged: same
 * device, inode, size, modification and change times, and the same first and last 4 KB (a file
 * rewritten within one tick of the file system's clock still differs there). A driver reads the same input several times
 * (k-means once per iteration, sort twice, a shuffle join's left side twice) and a speedup sweep runs a
 * job once per worker count; each used to sample the file and infer its types again (~60 ms for a CSV,
 * on the critical path of every run of an engine whose workers are already up).
 */
const layouts = new Map<string, { stamp: string; layout: Promise<unknown> }>();
/** Files remembered at most; the oldest is forgotten first. */
const MAX_FILES = 256;
/** Bytes at each end of a file that are part of its stamp. */
const EDGE = 4096;

/**
 * The layout of `file` read with `options` (any JSON): remembered if the file has not changed since,
 * else read by `read` (a failed read is not remembered). Callers must not change what they get; `copy`
 * makes the copy a caller may change.
 */
export async function rememberedLayout<T>(
  kind: string,
  file: string,
  options: unknown,
  read: () => Promise<T>,
  copy: (layout: T) => T = (l) => l,
): Promise<T> {
  // An object's ETag changes with every write: one HEAD request tells its versions apart.
  const stamp = isS3Input(file) ? await inputVersion(file) : stampOf(file);
  const key = `${kind}\0${file}\0${JSON.stringify(options ?? null)}`;
  const known = layouts.get(key);
  if (known && known.stamp === stamp) return copy((await known.layout) as T);
  const entry = { stamp, layout: read() as Promise<unknown> };
  layouts.delete(key);
  layouts.set(key, entry);
  if (layouts.size > MAX_FILES) layouts.delete(layouts.keys().next().value!);
  try {
    return copy((await entry.layout) as T);
  } catch (e) {
    if (layouts.get(key) === entry) layouts.delete(key);
    throw e;
  }
}

/**
 * What tells one version of a file from another, read in a few microseconds with synchronous calls
 * (the async ones would be five round trips through libuv's thread pool, one after the other, on the
 * path of every run; see expandInputs).
 */
function stampOf(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const s = fstatSync(fd, { bigint: true });
    const size = Number(s.size);
    const edge = Buffer.alloc(Math.min(size, 2 * EDGE));
    readSync(fd, edge, 0, Math.min(size, EDGE), 0);
    if (size > EDGE) readSync(fd, edge, EDGE, edge.length - EDGE, size - (edge.length - EDGE));
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}:${edge.toString('latin1')}`;
  } finally {
    closeSync(fd);
  }
}
