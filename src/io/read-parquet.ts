import type { RecordBatch } from 'apache-arrow';
import { parseTable } from 'arrow-js-ffi';
import { stat } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { openParquet } from '../planner/parquet.js';
import { describeSplit, type ParquetSplit } from '../planner/split.js';
import { cutBatch } from './cut-batch.js';
import { mmapAvailable } from './mmap.js';

type ParquetFile = Awaited<ReturnType<typeof openParquet>>;

/** parquet-wasm's WebAssembly memory, where a read leaves its Arrow buffers. */
const wasmMemory = async () => (await import('parquet-wasm/node')).wasmMemory();

/**
 * Open Parquet files of this worker (the footer is parsed once per file, not once per task), by path,
 * size and modification time: a file written again between two runs of one engine is opened again,
 * not read through the old file's handle. Two handles a file: `streamParquetSplit` reads the next row
 * group on one while the job works on the other's batches.
 */
const open = new Map<string, { version: string; files: Promise<ParquetFile[]> }>();
const MAX_OPEN = 8;

const free = (files: Promise<ParquetFile[]>) => void files.then((fs) => fs.forEach((f) => f.free()), () => undefined);

async function parquetFiles(file: string): Promise<ParquetFile[]> {
  const st = await stat(file);
  const version = `${st.size}:${st.mtimeMs}:${st.ino}`;
  const known = open.get(file);
  if (known?.version === version) return known.files;
  // This path's older version goes, or else the oldest file while there are too many.
  const gone = known ? file : open.size >= MAX_OPEN ? open.keys().next().value! : undefined;
  if (gone !== undefined) {
    free(open.get(gone)!.files);
    open.delete(gone);
  }
  const mapped = mmapAvailable();
  const files = Promise.all([openParquet(file, mapped), openParquet(file, mapped)]);
  files.catch(() => open.get(file)?.files === files && open.delete(file));
  open.set(file, { version, files });
  return files;
}

/**
 * Reads a split's row groups of a Parquet file with parquet-wasm, only the `columns` asked for, and
 * hands them over as Arrow JS record batches: arrow-js-ffi copies each column buffer straight out of
 * WebAssembly memory through the Arrow C Data Interface. (Going through an IPC stream instead wrote
 * every buffer twice, once into the stream inside WebAssembly and once out of it: 8% more time.)
 *
 * Row groups are read one at a time and their batches given out as they come: WebAssembly memory and
 * the copy hold one row group, not the whole split, which keeps them in cache (10M-row G1 file, 16 row
 * groups a split: 1565–1682 → 1354–1459 ms of CPU), and a task that folds each batch as it arrives
 * holds one row group's columns at a time rather than the split's. That also spares the worker's
 * garbage collector: every ~64 MB of live off-heap columns starts a mark-compact (GC time per run of
 * the 10M-row scan at 1 worker, --trace-gc: 168 ms whole splits, 94 ms a row group at a time).
 * The row count is checked against the footer when the split ends.
 */
export async function* streamParquetSplit(split: ParquetSplit, batchRows: number, columns?: string[]): AsyncGenerator<RecordBatch> {
  const handles = await parquetFiles(split.file);
  const groups = split.rowGroups;
  // The next row group is read while the job works on this one's batches: its bytes come off the
  // file on libuv's threads, which the worker would otherwise wait for (10M-row scan, paired runs:
  // 2 workers 702-757 -> 687-734 ms; 1 worker unchanged).
  const read = (k: number) => {
    const pending = handles[k % 2]!.read({ rowGroups: [groups[k]!], columns, batchSize: batchRows });
    pending.catch(() => undefined); // its error is reported when its turn comes, not as unhandled now
    return pending;
  };
  let next = groups.length > 0 ? read(0) : undefined;
  let rows = 0;
  try {
    for (let k = 0; k < groups.length; k++) {
      const group = groups[k]!;
      let batches: RecordBatch[];
      try {
        const table = await next!;
        next = k + 1 < groups.length ? read(k + 1) : undefined;
        const ffi = table.intoFFI();
        try {
          // Copied (the last argument): the next read reuses and may grow WebAssembly memory.
          batches = parseTable((await wasmMemory()).buffer, ffi.arrayAddrs(), ffi.schemaAddr(), true).batches;
        } finally {
          ffi.drop();
        }
      } catch (e) {
        const cols = columns ? ` (columns ${columns.join(', ')})` : '';
        throw new InputError(`${describeSplit(split)}: row group ${group} does not decode${cols}: ${String(e)}; the file may be corrupt or truncated`, {
          location: { file: split.file, rowGroup: group, expected: 'Parquet row group data' },
        });
      }
      for (const b of batches) {
        rows += b.numRows;
        yield* cutBatch(b, batchRows);
      }
    }
  } finally {
    // A task that stopped early, or failed, leaves no read behind and frees what it read.
    if (next) await next.then((t) => t.free(), () => undefined);
  }
  if (rows !== split.rows) {
    throw new InputError(`${describeSplit(split)}: decoded ${rows} rows, the footer says ${split.rows}; the file may be corrupt`, { location: { file: split.file, rowGroup: split.rowGroups[0] } });
  }
}

/** A split's batches all at once (`streamParquetSplit` collected). */
export async function readParquetSplit(split: ParquetSplit, batchRows: number, columns?: string[]): Promise<RecordBatch[]> {
  const out: RecordBatch[] = [];
  for await (const b of streamParquetSplit(split, batchRows, columns)) out.push(b);
  return out;
}
