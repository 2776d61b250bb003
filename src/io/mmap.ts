import { createRequire } from 'node:module';
import path from 'node:path';
import { InputError } from '../errors.js';
import { ENGINE_ROOT } from '../layout.js';

/** The native addon built from native/mmap.c by scripts/build-native.mjs. */
interface MmapAddon {
  map(file: string, offset: number, length: number): ArrayBuffer;
  pageSize: number;
}

let addon: MmapAddon | null | undefined;

/**
 * The memory-mapping addon, or null when quiver reads with copies: QUIVER_MMAP=0 in the environment,
 * a platform without it (Windows), or a machine where it could not be built (no C compiler).
 */
function load(): MmapAddon | null {
  if (process.env.QUIVER_MMAP === '0') return null;
  if (addon !== undefined) return addon;
  addon = null;
  if (process.platform === 'win32') return addon;
  try {
    addon = createRequire(import.meta.url)(path.join(ENGINE_ROOT, 'native', 'build', 'Release', 'mmap.node')) as MmapAddon;
  } catch {
    // not built: the readers fall back to reading with copies
  }
  return addon;
}

/** True when files are memory-mapped rather than read with copies (see `mapRange`). */
export function mmapAvailable(): boolean {
  return load() !== null;
}

/**
 * Bytes [offset, offset + length) of a file without copying them: a view into a private, lazily
 * faulted memory mapping, so pages the caller never touches are never read, and writes into the view
 * change only this process's copy. The mapping is released when the last view of it is collected.
 * Returns undefined when memory mapping is not available (the caller reads with a copy instead).
 *
 * A file truncated while a view of it is in use makes the process fail with SIGBUS, as with any
 * memory-mapped reader (pyarrow.memory_map, Polars); QUIVER_MMAP=0 avoids it for files that change.
 */
export function mapRange(file: string, offset: number, length: number): Uint8Array | undefined {
  const mm = load();
  if (!mm) return undefined;
  const start = offset - (offset % mm.pageSize);
  let buffer: ArrayBuffer;
  try {
    buffer = mm.map(file, start, offset - start + length);
  } catch (e) {
    throw new InputError(`cannot read ${length} bytes at offset ${offset} of ${file}: ${(e as Error).message}`, { cause: e });
  }
  return new Uint8Array(buffer, offset - start, length);
}
