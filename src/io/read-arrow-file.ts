import { InputError } from '../errors.js';
import type { ArrowFileSplit } from '../planner/split.js';
import { describeSplit } from '../planner/split.js';
import { cutBatch } from './cut-batch.js';
import { openInput } from './input-source.js';
import { readInto } from './file-range.js';
import {
  MetadataVersion,
  RecordBatch as ArrowRecordBatch,
  RecordBatchReader,
  Schema,
  Struct,
  makeData,
  type RecordBatch,
} from 'apache-arrow';
import { BufferRegion } from 'apache-arrow/ipc/metadata/message';
import { VectorLoader } from 'apache-arrow/visitor/vectorloader';
import { batchHeaderFromMessage, fieldLayouts, schemaFromMessage } from './arrow-columns.js';
import { batchDataProblem, batchHeaderProblem } from './arrow-check.js';
import { registerIpcCodecs } from './ipc-codecs.js';

// Compressed bodies (lz4, zstd) decode through Arrow JS's codec registry, in whichever thread reads them.
registerIpcCodecs();

const EOS = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]);

/**
 * Reads the record batches of one split of an Arrow IPC file, and only them: the schema message,
 * any dictionaries and the split's batch messages, read with preads into one fresh buffer laid out as
 * an IPC stream that Arrow decodes into zero-copy views; or, for a job that names its columns, only
 * those columns' buffers (`readArrowColumns`). Row ranges are cut with `slice`, also zero copy.
 */
export async function readArrowSplit(split: ArrowFileSplit, batchRows: number, columns?: string[]): Promise<RecordBatch[]> {
  if (!split.header) throw new InputError(`${describeSplit(split)} has no schema header`);
  const { schemaMessage, dictionaries } = split.header;
  const regions: Array<[number, number]> = [...dictionaries, ...split.pieces.map((p) => [p.offset, p.length] as [number, number])];
  if (columns && dictionaries.length === 0) {
    const pruned = await readArrowColumns(split, columns, batchRows);
    if (pruned) return pruned;
  }
  const bytes = await readRegions(split, schemaMessage, regions);
  let batches: RecordBatch[];
  try {
    batches = [...RecordBatchReader.from(bytes).open()];
  } catch (e) {
    throw new InputError(`${describeSplit(split)} does not decode as Arrow IPC: ${(e as Error).message}`, { cause: e });
  }
  if (batches.length !== split.pieces.length) {
    throw new InputError(
      `${describeSplit(split)}: expected ${split.pieces.length} record batches, decoded ${batches.length}; the file may be corrupt`,
    );
  }
  if (columns) batches = selectColumns(split, batches, columns);
  const out: RecordBatch[] = [];
  split.pieces.forEach((p, i) => {
    const b = batches[i]!;
    if (b.numRows !== p.blockRows) {
      throw new InputError(
        `${describeSplit(split)}: record batch ${p.block} has ${b.numRows} rows, its header said ${p.blockRows}; the file may be corrupt`,
      );
    }
    checkDecoded(split, p.block, b);
    const part = p.rowStart === 0 && p.rowEnd === b.numRows ? b : b.slice(p.rowStart, p.rowEnd);
    out.push(...cutBatch(part, batchRows));
  });
  return out;
}

/** The split's schema message and regions read into one fresh buffer laid out as an IPC stream. */
async function readRegions(split: ArrowFileSplit, schemaMessage: Uint8Array, regions: Array<[number, number]>): Promise<Uint8Array> {
  const total = schemaMessage.byteLength + regions.reduce((n, [, len]) => n + len, 0) + EOS.byteLength;
  // A fresh ArrayBuffer (not Node's pooled Buffer) keeps the 8-byte alignment Arrow needs for zero-copy views.
  const bytes = new Uint8Array(total);
  bytes.set(schemaMessage, 0);
  // An object is read ahead across the split's batches (small ones share a GET); its dictionaries, elsewhere, exactly.
  const pieces = split.pieces;
  const fh = await openInput(split.file, {
    start: pieces[0]?.offset ?? 0,
    end: (pieces.at(-1)?.offset ?? 0) + (pieces.at(-1)?.length ?? 0),
  });
  try {
    let at = schemaMessage.byteLength;
    for (const [offset, length] of regions) {
      const got = await readInto(fh, bytes, at, length, offset);
      if (got !== length) throw shortRead(split, length, offset, got);
      at += length;
    }
    bytes.set(EOS, at);
  } finally {
    await fh.close();
  }
  return bytes;
}

/**
 * Only the job's columns of decoded batches.
 * Built by hand rather than with Arrow JS's `RecordBatch.select`, which in apache-arrow 21 pairs
 * fields with the wrong children and cannot be sliced afterwards.
 */
function selectColumns(split: ArrowFileSplit, batches: RecordBatch[], columns: string[]): RecordBatch[] {
  const schema = batches[0]?.schema ?? schemaFromMessage(split.header!.schemaMessage);
  const missing = columns.filter((c) => !schema.fields.some((f) => f.name === c));
  if (missing.length > 0) throw missingColumns(split, missing, schema);
  // In the file's order, as the other readers give them.
  const at = schema.fields.flatMap((f, i) => (columns.includes(f.name) ? [i] : []));
  const selected = new Schema(
    at.map((i) => schema.fields[i]!),
    schema.metadata,
  );
  const type = new Struct(selected.fields);
  return batches.map(
    (b) =>
      new ArrowRecordBatch(selected, makeData({ type, length: b.numRows, nullCount: 0, children: at.map((i) => b.data.children[i]!) })),
  );
}

/**
 * A decoded batch whose columns are inconsistent (offsets that go back or past their data, strings
 * that are not UTF-8, a null count the bitmap denies) is a corrupt file, not data to pass on: every
 * column the job reads is checked in full (`batchDataProblem`), as convert checks them, so `run` cannot
 * answer with a garbage group that convert refuses.
 */
function checkDecoded(split: ArrowFileSplit, block: number, batch: RecordBatch): void {
  const problem = batchDataProblem(batch, true);
  if (problem) throw new InputError(`${describeSplit(split)}: record batch ${block} is inconsistent: ${problem}; the file may be corrupt`);
}

function shortRead(split: ArrowFileSplit, length: number, offset: number, got: number): InputError {
  return new InputError(
    `${describeSplit(split)}: expected ${length} bytes at offset ${offset}, the file has only ${got} there (was it truncated after ` +
      `planning?)`,
  );
}

function missingColumns(split: ArrowFileSplit, missing: string[], schema: Schema): InputError {
  return new InputError(
    `the job reads column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}, which ${split.file} does not have ` +
      `(it has ${schema.fields.map((f) => f.name).join(', ')}); check the job's columns or --param`,
  );
}

const align8 = (n: number) => (n + 7) & ~7;

/**
 * Reads only the named columns of a split: for each record batch, its small metadata message, then
 * one read per column of that column's buffers. A job that uses 2 of 9 columns reads about a fifth of
 * the file. Returns undefined when the schema or a batch needs the whole-batch path (dictionaries,
 * unions, views, compressed bodies).
 */
async function readArrowColumns(split: ArrowFileSplit, columns: string[], batchRows: number): Promise<RecordBatch[] | undefined> {
  const schema = schemaFromMessage(split.header!.schemaMessage);
  const layouts = fieldLayouts(schema);
  if (!layouts) return undefined;
  const wanted = new Set(columns);
  const missing = columns.filter((c) => !layouts.some((l) => l.field.name === c));
  if (missing.length > 0) throw missingColumns(split, missing, schema);
  const selected = layouts.filter((l) => wanted.has(l.field.name));
  const prunedSchema = new Schema(
    selected.map((l) => l.field),
    schema.metadata,
  );
  const fh = await openInput(split.file);
  try {
    const batches = await Promise.all(
      split.pieces.map(async (p) => {
        const meta = new Uint8Array(p.metaLength);
        const got = await readInto(fh, meta, 0, p.metaLength, p.offset);
        if (got !== p.metaLength) throw shortRead(split, p.metaLength, p.offset, got);
        let header: ReturnType<typeof batchHeaderFromMessage>;
        try {
          header = batchHeaderFromMessage(meta);
        } catch (e) {
          throw new InputError(`${describeSplit(split)}: record batch ${p.block} has a corrupt header: ${(e as Error).message}`, {
            cause: e,
          });
        }
        if (header.compressed) return undefined;
        if (header.length !== p.blockRows) {
          throw new InputError(
            `${describeSplit(split)}: record batch ${p.block} has ${header.length} rows, the footer's block said ${p.blockRows}; the ` +
              `file may be corrupt`,
          );
        }
        // Checked when planning, but the file may have changed since: its numbers decide every read below.
        const problem = batchHeaderProblem(header, schema, p.length - p.metaLength);
        if (problem)
          throw new InputError(
            `${describeSplit(split)}: record batch ${p.block} has an inconsistent header: ${problem}; the file may be corrupt`,
          );
        const bodyStart = p.offset + p.metaLength;
        const regions = selected.map((l) => {
          const bufs = header.buffers.slice(l.buffers[0], l.buffers[1]);
          const start = bufs.length ? bufs[0]!.offset : 0;
          const end = bufs.length ? bufs[bufs.length - 1]!.offset + bufs[bufs.length - 1]!.length : 0;
          return { l, bufs, start, end };
        });
        let size = 0;
        const placed = regions.map((r) => {
          const at = size;
          size += align8(r.end - r.start);
          return { ...r, at };
        });
        const body = new Uint8Array(size);
        for (const r of placed) {
          const got = await readInto(fh, body, r.at, r.end - r.start, bodyStart + r.start);
          if (got !== r.end - r.start) throw shortRead(split, r.end - r.start, bodyStart + r.start, got);
        }
        const nodes = placed.flatMap((r) => header.nodes.slice(r.l.nodes[0], r.l.nodes[1]));
        const buffers = placed.flatMap((r) => r.bufs.map((b) => new BufferRegion(b.offset - r.start + r.at, b.length)));
        const children = new VectorLoader(body, nodes, buffers, new Map(), MetadataVersion.V5).visitMany(selected.map((l) => l.field));
        const struct = makeData({ type: new Struct(prunedSchema.fields), length: header.length, nullCount: 0, children });
        const batch = new ArrowRecordBatch(prunedSchema, struct);
        checkDecoded(split, p.block, batch);
        return p.rowStart === 0 && p.rowEnd === header.length ? batch : batch.slice(p.rowStart, p.rowEnd);
      }),
    );
    if (batches.some((b) => b === undefined)) return undefined;
    return (batches as RecordBatch[]).flatMap((b) => cutBatch(b, batchRows));
  } finally {
    await fh.close();
  }
}
