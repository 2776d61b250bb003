import { tableFromIPC, type Schema } from 'apache-arrow';
import { InputError } from '../errors.js';
import { preadFile, readRange } from './file-range.js';
import { inputBlob, isS3Input, openInput, type BlobLike } from './input-source.js';
import { parquetWasm, parquetWasmGeneration, wasmFailure, whileReading } from './parquet-wasm.js';
import { arrowSchemaPatch, hasArrowSchema, withDictionarySchema } from './parquet-footer.js';
import { parquetAnnotations, withoutIntervalTypes, type ParquetAnnotations } from './parquet-thrift.js';

/** An open parquet-wasm file handle. */
export type ParquetFile = Awaited<ReturnType<ReturnType<typeof parquetWasm>['ParquetFile']['fromFile']>> & {
  /** The parquet-wasm instance it was opened under (`parquetWasmGeneration`); after a trap it is dead. */
  generation?: number;
  /** Top-level UUID and INTERVAL columns, which parquet-wasm reads as plain FixedSizeBinary(16) and (12). */
  annotations?: ParquetAnnotations;
  /** The file's own footer bytes (before any patch), for what parquet-wasm does not report: its chunks' statistics. */
  footer?: Uint8Array;
  /** The bytes it was opened on (the file, with its footer patched), for `reopenParquet`. */
  source?: BlobLike;
  /** The buffers its reads of a local file borrow (`ReadBuffers`), shared with the handles reopened from it. */
  buffers?: ReadBuffers;
};

/**
 * Opens a Parquet file with parquet-wasm, turning its errors into an InputError that names the file.
 * parquet-wasm reads its column chunks through `preadBlob`.
 *
 * The footer's length is checked against the file before parquet-wasm sees it (a length of −1 made it
 * trap), and an embedded Arrow schema with types parquet-wasm 0.8 cannot build (Polars writes
 * Categorical as Dictionary<UInt32, Utf8View>, which made it trap) is replaced by one with the same
 * columns in layouts it can (`arrowSchemaPatch`), served as the file's footer by the Blob it reads.
 * INTERVAL columns lose their annotation in that footer too (`withoutIntervalTypes`): parquet-wasm
 * then reads their bytes, which the reader turns into intervals with all three parts.
 *
 * The text columns named in `dictionary` are read as Dictionary<Int32, Utf8> (`asDictionary` in
 * parquet-footer.ts): the footer's Arrow schema says so, or, in a footer without one (DuckDB's), the
 * schema parquet-wasm makes of the Parquet types, added with them changed (the file is opened twice
 * then: a footer parse, a few ms).
 */
export async function openParquet(file: string, dictionary: string[] = []): Promise<ParquetFile> {
  const fh = await openInput(file);
  let body: number;
  let footer: Buffer;
  const bad = (what: string) =>
    new InputError(`${file} is not a valid Parquet file: ${what}`, { location: { file, expected: 'a Parquet footer' } });
  let size: number;
  try {
    size = (await fh.stat()).size;
    const head = await readRange(fh, 0, 4);
    const tail = await readRange(fh, Math.max(0, size - 8), 8);
    if (size < 12 || head.toString('latin1') !== 'PAR1') throw bad('it does not start with the PAR1 magic bytes');
    if (tail.subarray(4).toString('latin1') !== 'PAR1')
      throw bad(`it does not end with the PAR1 magic bytes (truncated? it has ${size} bytes)`);
    const length = tail.readUInt32LE(0);
    if (length === 0 || length > size - 12)
      throw bad(`its footer length ${length} does not fit in its ${size} bytes (corrupt or truncated?)`);
    body = size - 8 - length;
    footer = await readRange(fh, body, length);
  } finally {
    await fh.close();
  }
  let bare: Uint8Array;
  let patch: Uint8Array | undefined;
  let annotations: ParquetAnnotations;
  try {
    annotations = parquetAnnotations(footer);
    bare = withoutIntervalTypes(footer, annotations.intervals) ?? footer;
    patch = arrowSchemaPatch(bare, annotations.intervals) ?? (bare === footer ? undefined : bare);
  } catch (e) {
    throw bad(`its footer does not decode (${wasmFailure(e)})`);
  }
  const buffers = isS3Input(file) ? undefined : new ReadBuffers();
  const whole = buffers ? preadBlob(file, size, buffers) : await inputBlob(file, size);
  const blob = patch ? withFooter(whole, body, patch) : whole;
  try {
    let source = blob;
    let pf: ParquetFile = await fromFile(source);
    const coded = dictionary.length > 0 ? dictionaryEncoded(pf, dictionary) : [];
    if (coded.length > 0) {
      const hinted = hasArrowSchema(footer)
        ? arrowSchemaPatch(bare, annotations.intervals, coded)
        : withDictionarySchema(patch ?? footer, parquetSchemaOf(pf), coded);
      if (hinted) {
        pf.free();
        pf = await fromFile((source = withFooter(whole, body, hinted)));
      }
    }
    return Object.assign(pf, { generation: parquetWasmGeneration(), annotations, footer, source, buffers });
  } catch (e) {
    throw bad(`its footer does not decode (${wasmFailure(e)})`);
  }
}

/**
 * A second handle on the bytes `pf` was opened on, without `openParquet`'s work on the footer again
 * (checks, patches, the dictionary columns' encodings): 30-40 ms of CPU a worker for DuckDB's 10M-row
 * G1 file read with a dictionary key, most of it parsing its 62 KB footer in JavaScript before the JIT
 * has warmed up.
 */
export async function reopenParquet(pf: ParquetFile, file: string): Promise<ParquetFile> {
  try {
    const again: ParquetFile = await fromFile(pf.source!);
    return Object.assign(again, {
      generation: parquetWasmGeneration(),
      annotations: pf.annotations,
      footer: pf.footer,
      source: pf.source,
      buffers: pf.buffers,
    });
  } catch (e) {
    throw new InputError(`${file} is not a valid Parquet file: its footer does not decode (${wasmFailure(e)})`, {
      location: { file, expected: 'a Parquet footer' },
    });
  }
}

const fromFile = (b: BlobLike) => whileReading(() => parquetWasm().ParquetFile.fromFile(b as unknown as Blob));

/**
 * Those of the top-level columns `names` whose values are nearly all (DICTIONARY_SHARE) in column
 * chunks with a dictionary page. A plain-encoded chunk read as a dictionary makes arrow-rs build one,
 * hashing every value in WebAssembly: DuckDB writes id3 of G1 (100K distinct strings) plain, and read
 * as a dictionary its q3 gained nothing (6.8–7.0 s of CPU, as before): arrow-rs's hashing took 14%
 * of each worker's profile, and grouping ~70K-entry dictionaries per 123K-row row group saved little.
 */
function dictionaryEncoded(pf: ParquetFile, names: string[]): string[] {
  const meta = pf.metadata();
  const { Encoding } = parquetWasm();
  const coded = new Map<string, number>();
  const total = new Map<string, number>();
  for (let g = 0; g < meta.numRowGroups(); g++) {
    for (const chunk of meta.rowGroup(g).columns()) {
      const path = chunk.columnPath();
      if (path.length !== 1 || !names.includes(path[0]!)) continue;
      const name = path[0]!;
      const n = chunk.numValues();
      total.set(name, (total.get(name) ?? 0) + n);
      if (chunk.encodings().some((e) => e === Encoding.PLAIN_DICTIONARY || e === Encoding.RLE_DICTIONARY))
        coded.set(name, (coded.get(name) ?? 0) + n);
    }
  }
  return names.filter((n) => (total.get(n) ?? 0) > 0 && (coded.get(n) ?? 0) >= DICTIONARY_SHARE * total.get(n)!);
}

/** The share of a column's values that must be dictionary-encoded in the file for `openParquet` to read it as a dictionary. */
const DICTIONARY_SHARE = 0.9;

/** A handle's schema as an Arrow JS schema. */
export function parquetSchemaOf(pf: ParquetFile): Schema {
  return tableFromIPC(pf.schema().intoIPCStream()).schema;
}

/**
 * Synchronous preads as the Blob parquet-wasm reads: each slice is read on this thread into a buffer
 * of exactly its bytes (`ReadBuffers`), which parquet-wasm copies into WebAssembly memory. (A Node Blob
 * reads on libuv's threads, which at 2 workers compete with the workers for the cores.) A file cut
 * short since it was opened is an error naming it, not a short buffer parquet-wasm would misread.
 */
function preadBlob(file: string, size: number, buffers: ReadBuffers): BlobLike {
  return {
    size,
    slice(start = 0, end = size) {
      const from = Math.min(start, size);
      return {
        async arrayBuffer() {
          const buffer = buffers.take(Math.max(0, Math.min(end, size) - from));
          const bytes = new Uint8Array(buffer);
          const got = preadFile(file, bytes, from);
          if (got < bytes.length)
            throw new InputError(
              `${file} ended at byte ${from + got}, before the ${size} bytes it had when opened; was it changed during the run?`,
            );
          return buffer;
        },
      };
    },
  };
}

/** Column chunks up to this size are read into pooled buffers (larger ones into buffers of their own). */
const MAX_POOLED = 16 << 20;
/** Smaller reads (footers, page indexes) take a new buffer: nothing to gain. */
const MIN_POOLED = 64 << 10;

/**
 * The buffers a file's column-chunk reads are read into, used again from one row group's read to the
 * next. parquet-wasm asks for each column chunk as a Blob slice's ArrayBuffer, of exactly its size, and
 * copies it into WebAssembly memory; a new ArrayBuffer a chunk was fresh memory each time (freed only
 * when V8 collected it), and faulting its pages in was most of the read: q3 from DuckDB's 10M-row file
 * spent ~350 ms of each worker's CPU in the preads of ~75 MB (226 MB read into new buffers of ~900 KB:
 * 150-380 ms; into one reused buffer: ~35 ms). A pooled buffer is resizable, so it has exactly a
 * chunk's size each time. Lending is safe only between reads: parquet-wasm is done with a slice's
 * buffer once its read of the row group has settled, so buffers are lent only while a read runs
 * (`during`) and come back when no read of the file is in flight; any other read (the footer) gets a
 * new buffer.
 */
export class ReadBuffers {
  /** Buffers lent so far (reads that used a pooled buffer). */
  lends = 0;
  private active = 0;
  private free: ArrayBuffer[] = [];
  private lent: ArrayBuffer[] = [];

  /** A buffer of exactly `n` bytes. */
  take(n: number): ArrayBuffer {
    if (this.active === 0 || n < MIN_POOLED || n > MAX_POOLED) return new ArrayBuffer(n);
    const buffer = this.free.pop() ?? resizable(n);
    (buffer as ArrayBuffer & { resize(n: number): void }).resize(n);
    this.lent.push(buffer);
    this.lends++;
    return buffer;
  }

  /** Buffers made for lending so far. */
  get pooled(): number {
    return this.free.length + this.lent.length;
  }

  /** Runs `read` (a read of row groups) with buffers to lend; they come back when no read of the file is left in flight. */
  async during<T>(read: () => Promise<T>): Promise<T> {
    this.active++;
    try {
      return await read();
    } finally {
      if (--this.active === 0) {
        for (const b of this.lent) this.free.push(b);
        this.lent = [];
      }
    }
  }
}

/** A resizable ArrayBuffer of `n` bytes that can grow to MAX_POOLED. */
function resizable(n: number): ArrayBuffer {
  return new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(n, { maxByteLength: MAX_POOLED });
}

/** The file's first `body` bytes followed by `footer` (a replacement footer, its length and PAR1). */
function withFooter(whole: BlobLike, body: number, footer: Uint8Array): BlobLike {
  const tail = new Uint8Array(footer.length + 8);
  tail.set(footer);
  new DataView(tail.buffer).setUint32(footer.length, footer.length, true);
  tail.set([0x50, 0x41, 0x52, 0x31], footer.length + 4);
  const size = body + tail.length;
  return {
    size,
    slice(start = 0, end = size) {
      return {
        async arrayBuffer() {
          const from = Math.max(0, Math.min(start, size));
          const to = Math.max(from, Math.min(end, size));
          const out = new Uint8Array(to - from);
          if (from < body) out.set(new Uint8Array(await whole.slice(from, Math.min(to, body)).arrayBuffer()));
          if (to > body) out.set(tail.subarray(Math.max(0, from - body), to - body), Math.max(0, body - from));
          return out.buffer;
        },
      };
    },
  };
}
