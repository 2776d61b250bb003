import { open, type FileHandle } from 'node:fs/promises';

/**
 * Reads `length` bytes at `position` into a fresh (unpooled) Buffer; shorter at the end of the file.
 * Fresh buffers keep the 8-byte alignment Arrow needs and are not shared with other reads.
 */
export async function readRange(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafeSlow(Math.max(0, length));
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got === length ? buf : buf.subarray(0, got);
}

/** The 1-based line numbers of several byte offsets of a file, in one pass over the file up to the last of them. */
export async function linesAt(file: string, offsets: number[]): Promise<number[]> {
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const lines = new Array<number>(offsets.length);
  if (order.length === 0) return lines;
  const fh = await open(file, 'r');
  try {
    let line = 1;
    let k = 0;
    const end = offsets[order.at(-1)!]!;
    const chunk = 4 << 20;
    for (let at = 0; at < end && k < order.length; at += chunk) {
      const buf = await readRange(fh, at, Math.min(chunk, end - at));
      if (buf.length === 0) break;
      let i = buf.indexOf(10);
      for (; k < order.length && offsets[order[k]!]! < at + buf.length; k++) {
        const rel = offsets[order[k]!]! - at;
        for (; i >= 0 && i < rel; i = buf.indexOf(10, i + 1)) line++;
        lines[order[k]!] = line;
      }
      for (; i >= 0; i = buf.indexOf(10, i + 1)) line++;
    }
    for (; k < order.length; k++) lines[order[k]!] = line;
    return lines;
  } finally {
    await fh.close();
  }
}

/** The 1-based line number of byte `offset` of a file: one more than the LFs before it (read in chunks, for error messages). */
export async function lineAt(file: string, offset: number): Promise<number> {
  const fh = await open(file, 'r');
  try {
    let line = 1;
    const chunk = 4 << 20;
    for (let at = 0; at < offset; at += chunk) {
      const buf = await readRange(fh, at, Math.min(chunk, offset - at));
      if (buf.length === 0) break;
      for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) line++;
    }
    return line;
  } finally {
    await fh.close();
  }
}
