import { createRequire } from 'node:module';
import path from 'node:path';
import { InputError } from '../errors.js';
import { ENGINE_ROOT } from '../layout.js';

/** The native addon built from native/mmap.c by scripts/build-native.mjs. */
interface MmapAddon {
  map(file: string, offset: number, length: number): ArrayBuffer | SharedArrayBuffer;
  takeCut(): string[];
  beginTask(): void;
  release(view: Uint8Array): void;
  counted(): number;
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
 * A file cut short while a view of it is in use does not kill the process (as SIGBUS does with other
 * memory-mapped readers): the addon's signal handler makes the lost bytes read as zeros and notes the
 * file, and `checkMappedFiles` at the end of the task turns that into an error.
 */
export function mapRange(file: string, offset: number, length: number): Uint8Array | undefined {
  const mm = load();
  if (!mm) return undefined;
  try {
    return new Uint8Array(mm.map(file, offset, length));
  } catch (e) {
    throw new InputError(`cannot read ${length} bytes at offset ${offset} of ${file}: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Bytes of this thread's live mappings that V8 counts as external memory, 0 without mapping. A mapping
 * is a SharedArrayBuffer, which V8 does not count (so mapping a split starts no GC); only mappings
 * made while the thread already has more than QUIVER_MMAP_LINGER_MB (default 4096) of live ones are
 * counted, so that old mappings nothing uses any more get collected (see native/mmap.c).
 */
export function mappedBytesCounted(): number {
  return load()?.counted() ?? 0;
}

/**
 * Gives back the pages of a mapped view that will not be read again and was never written to (a
 * decoded CSV chunk): they leave this process's memory now, not when a GC frees the mapping. A view
 * that is not a mapping must not be passed (its memory would be zeroed).
 */
export function releaseMapped(view: Uint8Array): void {
  addon?.release(view);
}

/**
 * Starts a task's reads: `checkMappedFiles` then checks only the files this task mapped. A cut that an
 * earlier read in this thread left untaken (it failed before its check, or the file was cut after it
 * ended) is dropped: it says nothing about this read, and in a long-lived process it blamed a later,
 * unrelated read on a file long gone (fuzz case 1493: inspect of an Arrow stream failed naming two
 * NDJSON files that earlier operations had read).
 */
export function beginMappedReads(): void {
  addon?.takeCut();
  addon?.beginTask();
}

/**
 * Throws an InputError naming the files that were cut short while this thread had them mapped (see
 * native/mmap.c): their bytes past the cut read as zeros, so whatever read them must not be used.
 * Tasks call it when they end, before their result leaves the thread.
 */
export function checkMappedFiles(): void {
  const cut = [...new Set(addon?.takeCut() ?? [])];
  if (cut.length === 0) return;
  const files = cut.join(', ');
  throw new InputError(
    `${files} ${cut.length > 1 ? 'were' : 'was'} cut short while this task read ${cut.length > 1 ? 'them' : 'it'} (changed during the run); the task's result is dropped. Re-run when the input no longer changes (QUIVER_MMAP=0 reads files with copies instead of mapping them)`,
    { location: { file: cut[0]!, expected: 'a file that does not change during the run' } },
  );
}
