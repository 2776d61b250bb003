import { decompressedChunks } from '../io/read-compressed.js';
import { csvLayoutFromHead, SAMPLE_BYTES, type ColumnOptions, type CsvLayout, type CsvOptions } from './csv.js';
import type { Codec, InputFile } from './inputs.js';
import { jsonArrayLayoutOf, ndjsonLayoutFromHead, type NdjsonLayout } from './ndjson.js';
import { UsageError } from '../errors.js';
import type { CompressedSplit } from './split.js';
import { rememberedLayout } from './layout-cache.js';

/** The first `bytes` decompressed bytes of a file (fewer at its end), and whether that is all of it. */
export async function decompressedHead(file: string, codec: Codec, bytes = SAMPLE_BYTES): Promise<{ head: Buffer; atEof: boolean }> {
  const parts: Buffer[] = [];
  let n = 0;
  const chunks = decompressedChunks(file, codec);
  for await (const chunk of chunks) {
    parts.push(chunk);
    n += chunk.length;
    if (n >= bytes) {
      await chunks.return(undefined);
      return { head: Buffer.concat(parts), atEof: false };
    }
  }
  return { head: Buffer.concat(parts), atEof: true };
}

/**
 * The layout of a compressed CSV or NDJSON file, from its first decompressed bytes; remembered while
 * the file is unchanged, like the other layouts (a run plans its schemas and its splits from it).
 */
export function compressedLayout(f: InputFile, csv: CsvOptions, columns: ColumnOptions): Promise<CsvLayout | NdjsonLayout | undefined> {
  if (f.format !== 'csv' && f.format !== 'ndjson') return Promise.resolve(undefined);
  // A copy of the columns: the planner widens them when files of one input disagree.
  return rememberedLayout(
    'compressed',
    f.path,
    [f.format, f.codec, f.bytes, csv, columns],
    () => sampleCompressedLayout(f, csv, columns),
    (l) => ({ ...l, columns: [...l.columns] }),
  );
}

async function sampleCompressedLayout(f: InputFile, csv: CsvOptions, columns: ColumnOptions): Promise<CsvLayout | NdjsonLayout> {
  const { head, atEof } = await decompressedHead(f.path, f.codec!);
  if (f.format === 'ndjson' && jsonArrayLayoutOf(head, atEof))
    throw new UsageError(`${f.path}: a compressed JSON array is not read; decompress it, or write it as JSON lines`);
  return f.format === 'csv'
    ? csvLayoutFromHead(f.path, f.bytes, head, atEof, csv, columns)
    : ndjsonLayoutFromHead(f.path, f.bytes, head, atEof, columns);
}

/** The one split of a compressed file. */
export function compressedSplit(f: InputFile, layout: CsvLayout | NdjsonLayout | undefined, id: number): CompressedSplit {
  const inner: CompressedSplit['inner'] =
    f.format === 'csv'
      ? { kind: 'csv', dialect: (layout as CsvLayout).dialect, columns: layout!.columns, bom: (layout as CsvLayout).bom }
      : f.format === 'ndjson'
        ? { kind: 'ndjson', columns: layout!.columns }
        : { kind: 'text' };
  return { kind: 'compressed', id, file: f.path, codec: f.codec!, bytes: f.bytes, inner };
}
