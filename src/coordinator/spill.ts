import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { parseSize } from '../util/size.js';
import { byteSizeOf, type EncodedPairs } from '../worker/partials.js';
import { segmentLength, segmentOf, type SpillSegment } from '../io/spill-file.js';

/** The smallest default shuffle budget, whatever free memory says. */
const MIN_DEFAULT_BUDGET = 64 * 2 ** 20;

/** The shuffle memory budget: `--memory` if given, else a quarter of the memory free now (at least 64 MB). */
export function shuffleBudget(memory: number | string | undefined): number {
  if (memory !== undefined) return parseSize(memory, '--memory');
  return Math.max(MIN_DEFAULT_BUDGET, Math.floor(os.freemem() / 4));
}

/**
 * Holds the map side's output until the reducers take it: partition r of each map task (or drained
 * worker). While the bytes held stay under the budget they stay in memory (shared with the workers,
 * nothing copied); a partition that would pass it is appended to partition r's file in a temp folder,
 * which the reducer reads back one segment at a time. So the coordinator's shuffle memory stays near
 * the budget whatever the input, at the price of a write and a read of what does not fit.
 */
export class ShuffleStore {
  readonly budget: number;
  private readonly memory: EncodedPairs[][];
  private readonly spilledSegments: SpillSegment[][];
  private readonly files: Array<{ fh: Promise<FileHandle>; end: number; writes: Promise<unknown> } | undefined>;
  private dir?: Promise<string>;
  private held = 0;
  private spilled = 0;
  private failure?: Error;

  constructor(reducers: number, budget: number) {
    if (!(budget > 0)) throw new UsageError(`--memory must be a positive size, got ${budget}`);
    this.budget = budget;
    this.memory = Array.from({ length: reducers }, () => []);
    this.spilledSegments = Array.from({ length: reducers }, () => []);
    this.files = new Array(reducers).fill(undefined);
  }

  /** Bytes of partitions held in memory. */
  get heldBytes(): number {
    return this.held;
  }

  /** Bytes written to temp files. */
  get spilledBytes(): number {
    return this.spilled;
  }

  /** Takes partition `r` of one map output: kept in memory if it fits the budget, else spilled. */
  add(r: number, p: EncodedPairs): void {
    if (p.count === 0) return;
    const size = byteSizeOf(p);
    if (this.held + size <= this.budget) {
      this.memory[r]!.push(p);
      this.held += size;
      return;
    }
    const buffers = segmentOf(p);
    const length = segmentLength(buffers);
    const file = (this.files[r] ??= { fh: this.openFile(r), end: 0, writes: Promise.resolve() });
    const offset = file.end;
    file.end += length;
    this.spilled += length;
    this.spilledSegments[r]!.push({ file: '', offset, length });
    const segment = this.spilledSegments[r]!.at(-1)!;
    // Writes to one file are chained; each goes to its own offset, so order only matters for errors.
    file.writes = file.writes
      .then(async () => {
        const fh = await file.fh;
        segment.file = this.pathOf(r, await this.dir!);
        const { bytesWritten } = await fh.writev(buffers, offset);
        if (bytesWritten !== length) throw new Error(`wrote ${bytesWritten} of ${length} bytes`);
      })
      .catch((e: Error) => {
        this.failure ??= new InputError(
          `could not spill shuffle data to ${this.dirHint()}: ${e.message}; free some disk space, point TMPDIR elsewhere, or raise ` +
            `--memory`,
          { cause: e },
        );
      });
  }

  /** Waits for every spill write; rejects if one failed. */
  async settle(): Promise<void> {
    await Promise.all(this.files.map((f) => f?.writes));
    if (this.failure) throw this.failure;
  }

  /** What reducer `r` gets: its partitions in memory, and its segments on disk. Call after `settle`. */
  partition(r: number): { parts: EncodedPairs[]; spilled: SpillSegment[] } {
    return { parts: this.memory[r]!, spilled: this.spilledSegments[r]! };
  }

  /** Partitions in memory by reducer, and spilled segments by reducer. */
  get partitions(): { parts: EncodedPairs[][]; spilled: SpillSegment[][] } {
    return { parts: this.memory, spilled: this.spilledSegments };
  }

  /** Closes and removes the temp folder (also after a failed or cancelled run). */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.files.map((f) => f?.writes));
    await Promise.allSettled(this.files.map(async (f) => (await f?.fh)?.close()));
    const dir = await this.dir?.catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
    this.memory.forEach((m) => {
      m.length = 0;
    });
  }

  private openFile(r: number): Promise<FileHandle> {
    this.dir ??= mkdtemp(path.join(os.tmpdir(), 'quiver-spill-'));
    const fh = this.dir.then((dir) => open(this.pathOf(r, dir), 'w+'));
    fh.catch(() => undefined); // reported by the chained write
    return fh;
  }

  private pathOf(r: number, dir: string): string {
    return path.join(dir, `partition-${r}.bin`);
  }

  private dirHint(): string {
    return path.join(os.tmpdir(), 'quiver-spill-*');
  }
}
