import { closeSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PlanError, UsageError } from '../errors.js';
import { isS3Input, openInput } from '../io/input-source.js';
import { readRange } from '../io/file-range.js';

/** Input formats the planner knows. `arrows` is the Arrow IPC stream format. */
export type InputFormat = 'arrow' | 'arrows' | 'text' | 'csv' | 'ndjson' | 'parquet';

/** All input formats, for option checks. */
export const INPUT_FORMATS: readonly InputFormat[] = ['arrow', 'arrows', 'text', 'csv', 'ndjson', 'parquet'];

/** Compression of a whole file, told by its extension (`.gz`, `.zst`). */
export type Codec = 'gzip' | 'zstd';

/** One input file found by expanding the user's `--input` arguments. */
export interface InputFile {
  path: string;
  bytes: number;
  format: InputFormat;
  /** Set for compressed files; `format` is then the format of the decompressed text. */
  codec?: Codec;
}

/**
 * Characters some glob syntax needs (wildcards, classes, braces, extglobs): tinyglobby is loaded, and
 * asked, only for an input that has one, so a plain path does not pay its ~12 ms of loading.
 */
const GLOB_CHARS = /[*?[\]{}()!+@]/;

const ARROW_EXT = new Set(['.arrow', '.feather', '.ipc']);
/** A path with a hidden file or folder in it (`.git/…`, `_SUCCESS`, `.part-0.crc`), skipped when listing a directory. */
const HIDDEN = /(^|\/)[._]/;

/**
 * Expands files, directories (recursively, skipping hidden files) and globs into a sorted list of
 * files with their formats. A missing input or a pattern that matches nothing is an error. An
 * `s3://` URL names an object, a prefix (every object under it) or a glob of keys (planner/s3-inputs.ts).
 */
export async function expandInputs(inputs: string[], format?: InputFormat): Promise<InputFile[]> {
  if (inputs.length === 0) throw new PlanError('no input given: pass --input <file, directory or glob>');
  const files: string[] = [];
  const objectBytes = new Map<string, number>();
  for (const input of inputs) {
    if (isS3Input(input)) {
      const objects = await (await import('./s3-inputs.js')).expandS3Input(input, HIDDEN);
      for (const o of objects) objectBytes.set(o.url, o.size);
      files.push(...objects.map((o) => o.url));
      continue;
    }
    const globs = GLOB_CHARS.test(input) ? await import('tinyglobby') : undefined;
    if (globs?.isDynamicPattern(input)) {
      // Paths come back as the user wrote the pattern: absolute for an absolute pattern, else relative to the cwd.
      const matches = await globs.glob(input, { absolute: path.isAbsolute(input), onlyFiles: true, expandDirectories: false });
      if (matches.length === 0)
        throw new PlanError(`--input "${input}" matches no file; check the pattern (quote it so the shell does not expand it)`);
      files.push(...matches.sort());
      continue;
    }
    let st: Stats;
    try {
      st = statSync(input);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new PlanError(
        e.code === 'ENOENT' ? `input ${input} does not exist; check the path` : `cannot read input ${input}: ${e.message}`,
        { cause: e },
      );
    }
    if (st.isDirectory()) {
      const found = (await readdir(input, { recursive: true, withFileTypes: true }))
        .filter((d) => d.isFile())
        .map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
        .filter((f) => !HIDDEN.test(path.relative(input, f)))
        .sort();
      if (found.length === 0) throw new PlanError(`input directory ${input} holds no files`);
      files.push(...found);
    } else {
      files.push(input);
    }
  }
  // Sizes and first bytes are read with synchronous calls, as are the layout cache's stamps and the
  // bundle check: every run makes them, each takes microseconds, and an async call is a round trip
  // through libuv's thread pool instead, which wakes a pool thread and then this one (the bundle check
  // and the plan of a warm engine took ~1.4 ms that way, on cores the workers need at 2 workers).
  const out: InputFile[] = [];
  for (const f of new Set(files)) {
    const bytes = objectBytes.get(f);
    const fmt = format ?? (bytes === undefined ? detectFormat(f) : (formatByName(f) ?? (await objectFormat(f))));
    out.push({ path: f, bytes: bytes ?? statSync(f).size, format: fmt, ...codecOf(f) });
  }
  return out;
}

const FORMAT_EXT: Record<string, InputFormat> = {
  '.arrows': 'arrows',
  '.csv': 'csv',
  '.tsv': 'csv',
  '.tab': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.json': 'ndjson',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

/** The codec of a compressed file, by extension. */
function codecOf(file: string): { codec?: Codec } {
  const ext = path.extname(file).toLowerCase();
  return ext === '.gz' ? { codec: 'gzip' } : ext === '.zst' ? { codec: 'zstd' } : {};
}

/** The format told by the extension (under any .gz/.zst: text when it tells none), else undefined. */
function formatByName(file: string): InputFormat | undefined {
  const inner = codecOf(file).codec ? file.slice(0, -path.extname(file).length) : file;
  const ext = path.extname(inner).toLowerCase();
  if (ARROW_EXT.has(ext)) return 'arrow';
  if (FORMAT_EXT[ext]) return FORMAT_EXT[ext]!;
  if (inner !== file) return 'text';
  return undefined;
}

/** The format told by a file's first bytes: Arrow or Parquet magic, an Arrow stream's continuation marker, else text. */
function formatByMagic(head: Buffer): InputFormat {
  if (head.toString('latin1', 0, 6) === 'ARROW1') return 'arrow';
  if (head.toString('latin1', 0, 4) === 'PAR1') return 'parquet';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xffffffff) return 'arrows';
  return 'text';
}

/** The format of an object whose name tells none, from its first bytes (one small ranged GET). */
async function objectFormat(url: string): Promise<InputFormat> {
  const fh = await openInput(url);
  try {
    return formatByMagic(await readRange(fh, 0, 6));
  } finally {
    await fh.close();
  }
}

/** Tells the format from the extension (under any .gz/.zst), else from the first bytes (Arrow, Parquet magic), else text. */
function detectFormat(file: string): InputFormat {
  const byName = formatByName(file);
  if (byName) return byName;
  // A pipe has no byte 0 to read again (readSync failed with ESPIPE, exit 70), and opening one with no
  // writer would block this thread for good.
  const st = statSync(file, { throwIfNoEntry: false });
  if (st && !st.isFile())
    throw new PlanError(
      `${file} is not a regular file (a pipe or a device), so its format cannot be told from its first bytes; save the stream to a file ` +
        `first, or give it its extension (.csv, .ndjson, .txt, …, and .gz or .zst when compressed)`,
    );
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new PlanError(`cannot open input ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const buf = Buffer.alloc(6);
    return formatByMagic(buf.subarray(0, readSync(fd, buf, 0, 6, 0)));
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses an output that is one of the inputs, even with --overwrite: the run would replace the file
 * it reads. Compared by device and inode, so another path to the same file (a link, `./x`) is caught.
 */
export function checkOutputNotInput(output: string, inputFiles: string[]): void {
  const out = statSync(output, { throwIfNoEntry: false });
  if (!out) return;
  for (const f of inputFiles) {
    const st = statSync(f, { throwIfNoEntry: false });
    if (st && st.dev === out.dev && st.ino === out.ino) {
      throw new UsageError(`--output ${output} is one of the inputs (${f}); write the result to another file`);
    }
  }
}
