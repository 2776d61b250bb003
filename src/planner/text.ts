import { readRange } from '../io/file-range.js';
import { openInput } from '../io/input-source.js';
import { formatSize } from '../util/size.js';
import type { TextSplit } from './split.js';

/**
 * Cuts a text file into byte ranges of about `splitBytes`. Lines are not looked at here: a split owns
 * the lines that start inside its range, which the worker finds by reading a little past its end.
 */
export function splitTextFile(file: string, bytes: number, splitBytes: number, firstId: number): TextSplit[] {
  const splits: TextSplit[] = [];
  for (let start = 0; start < bytes; start += splitBytes) {
    const end = Math.min(bytes, start + splitBytes);
    splits.push({ kind: 'text', id: firstId + splits.length, file, start, end, bytes: end - start });
  }
  return splits;
}

/** Bytes of a text file's head read when planning: a first line that ends in them is an ordinary one. */
const HEAD = 64 << 10;
/** How far the planner reads on for the end of a first line longer than HEAD (only such files pay it). */
const PROBE_LIMIT = 1 << 30;
const PROBE_CHUNK = 4 << 20;

/**
 * Why a text file cannot be cut at `splitBytes`, or undefined: a split owns the lines that start in
 * it, so a line longer than a split is read whole by one task, and a file that is one line is one
 * task whatever --split-size says. Looks at the first line only (the usual shape of such files:
 * minified JSON, a dump without line ends); its head is one small read, and only a first line longer
 * than that is read on to its end, at most PROBE_LIMIT bytes. A long line further in is told by
 * the run report instead (`longLineSplits`).
 */
export async function longFirstLine(file: string, bytes: number, splitBytes: number): Promise<string | undefined> {
  if (bytes <= HEAD) return undefined;
  const fh = await openInput(file, { start: 0, end: Math.min(bytes, PROBE_LIMIT) });
  try {
    let end = -1; // the offset of the first LF
    for (let at = 0, chunk = HEAD; at < Math.min(bytes, PROBE_LIMIT) && end < 0; at += chunk, chunk = PROBE_CHUNK) {
      const buf = await readRange(fh, at, Math.min(chunk, bytes - at));
      if (buf.length === 0) break;
      const nl = buf.indexOf(10);
      if (nl >= 0) end = at + nl;
    }
    const why = 'a split starts where a line starts, so --split-size cannot cut a line; break it into lines to read it in parallel';
    if (end < 0 && bytes > PROBE_LIMIT)
      return `no line end in its first ${formatSize(PROBE_LIMIT)}: that line cannot be split and is read by one task (${why})`;
    if (end < 0 || end >= bytes - 1) return `one line of ${formatSize(bytes)}: it cannot be split and is read whole by one task (${why})`;
    if (end + 1 > splitBytes)
      return (
        `its first line is ${formatSize(end + 1)}, longer than a split (${formatSize(splitBytes)}): that line cannot be split and ` +
        `is read by one task (${why})`
      );
    return undefined;
  } finally {
    await fh.close();
  }
}
