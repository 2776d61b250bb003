/**
 * Where CSV records start, for a split that begins at an arbitrary byte.
 *
 * A byte of a CSV file is in one of a few parser states (field start, unquoted field, quoted field,
 * just after a quote inside a quoted field, or after a closing quote and a CR); which one depends on
 * every quote before it. Rather than read the file from the start, the reader of a split runs *every*
 * possible state at once over the bytes after its start (a small non-deterministic automaton):
 *
 * - a hypothesis dies when the bytes are impossible under it: a closing quote followed by anything but
 *   a delimiter, a line end or another quote, an unterminated quote at end of file, or a record longer
 *   than `maxRecordBytes` (records that long are an error for the real parse too, so the true
 *   hypothesis never dies on a valid file);
 * - two hypotheses in the same state at the same byte behave identically from then on, so they merge.
 *
 * As soon as one hypothesis is left, the end of its next record is a record start under every
 * hypothesis still possible — in particular under the true one — so it is a true record start. This
 * position is a deterministic function of the bytes after the split start, so the previous split
 * computes the same position and stops exactly there: each record is read by exactly one split.
 * On real files this settles within a few bytes of the first quote (a quoted field that begins with
 * an ordinary character kills the wrong parity at once) or, in files without quotes, within
 * `maxRecordBytes` (the "inside a quote" hypothesis dies of a too-long record; the scan for quotes
 * runs at memchr speed). If it has not settled within 2 × `maxRecordBytes` (adversarial quoting),
 * the reader falls back to parsing from the start of the data to learn the true state, which is
 * always right, only slower.
 */

/** Parser states (also the hypotheses of the resolver). */
export const FS = 0; // at the start of a field
export const UQ = 1; // inside an unquoted field
export const QT = 2; // inside a quoted field
export const QQ = 3; // a quote inside a quoted field: closes it, or escapes a second quote
export const QCR = 4; // a CR after a closing quote: must be followed by LF
/** Only from `stateAfter`: inside a broken record, skipping to its line end (as the decoder does). */
export const SKIP_LINE = 5;
const DEAD = -1;

const NL = 10;
const CR = 13;

/** The bytes of a CSV dialect that drive record boundaries. */
export interface RecordSyntax {
  delimiter: number;
  /** The quote byte, or -1 when quoting is off. */
  quote: number;
  maxRecordBytes: number;
}

/** One transition; returns the next state, DEAD, or the state with `| 8` when a record ended on this byte. */
function step(state: number, b: number, d: number, q: number): number {
  switch (state) {
    case FS:
      if (b === q) return QT;
      if (b === d) return FS;
      if (b === NL) return FS | 8;
      return UQ;
    case UQ:
      if (b === d) return FS;
      if (b === NL) return FS | 8;
      return UQ;
    case QT:
      return b === q ? QQ : QT;
    case QQ:
      if (b === q) return QT;
      if (b === d) return FS;
      if (b === NL) return FS | 8;
      if (b === CR) return QCR;
      return DEAD;
    case QCR:
      return b === NL ? FS | 8 : DEAD;
    case SKIP_LINE:
      return b === NL ? FS | 8 : SKIP_LINE;
  }
  return DEAD;
}

interface Hypothesis {
  state: number;
  /** Start of the current record under this hypothesis (a lower bound for the first one). */
  recordStart: number;
  /** First record start found since this hypothesis last merged with another. */
  firstStart: number;
}

/** The result of looking for an agreed record start in a window of bytes. */
export type RecordStart =
  | { kind: 'found'; pos: number }
  /** The window ended before the answer; read more bytes and call again. */
  | { kind: 'more' }
  /** Still ambiguous after 2 × maxRecordBytes: learn the true state by parsing from the data start. */
  | { kind: 'undecided' }
  /** Every hypothesis died: the bytes are not valid CSV near here. */
  | { kind: 'malformed'; pos: number };

/**
 * Finds the first record start at or after `buf[from]` that every possible parse agrees on (see the
 * file comment). `buf[from, to)` are the bytes available; `atEof` says whether `to` is the end of the
 * file. `states` are the starting hypotheses: all of them for a split start, or the one true state
 * when it is known.
 */
export function agreedRecordStart(
  buf: Buffer,
  from: number,
  to: number,
  atEof: boolean,
  syntax: RecordSyntax,
  states: number[] = [FS, UQ, QT, QQ, QCR],
): RecordStart {
  const { delimiter: d, quote: q, maxRecordBytes: max } = syntax;
  let live: Hypothesis[] = states
    .filter((s) => q >= 0 || (s !== QT && s !== QQ && s !== QCR))
    .map((state) => ({ state, recordStart: from, firstStart: -1 }));
  const limit = from + 2 * max;
  let i = from;
  while (i < to) {
    if (live.length === 1 && live[0]!.firstStart >= 0) return { kind: 'found', pos: live[0]!.firstStart };
    if (i >= limit) return { kind: 'undecided' };
    if (live.length === 2 && q >= 0 && (live[0]!.state === QT || live[1]!.state === QT) && live[0]!.state !== live[1]!.state) {
      const inQ = live[0]!.state === QT ? live[0]! : live[1]!;
      const out = inQ === live[0] ? live[1]! : live[0]!;
      if (out.state === FS || out.state === UQ) {
        // Fast path for the common two-way ambiguity: jump to the next quote, where something can happen.
        let next = indexOfByte(buf, q, i, to);
        const qEnd = next;
        if (next - inQ.recordStart > max) next = Math.min(next, inQ.recordStart + max + 1);
        if (next > i) {
          const firstNl = indexOfByte(buf, NL, i, next);
          if (firstNl < next) {
            if (out.firstStart < 0) out.firstStart = firstNl + 1;
            out.recordStart = lastIndexOfByte(buf, NL, i, next) + 1;
          }
          const prev = buf[next - 1]!;
          out.state = prev === d || prev === NL ? FS : UQ;
          i = next;
          live = prune(live, i, max);
          if (i < qEnd || i >= to) continue;
        }
      }
    }
    const b = buf[i]!;
    const nextLive: Hypothesis[] = [];
    for (const h of live) {
      const s = step(h.state, b, d, q);
      if (s === DEAD) continue;
      h.state = s & 7;
      if (s & 8) {
        h.recordStart = i + 1;
        if (h.firstStart < 0) h.firstStart = i + 1;
      }
      const twin = nextLive.find((o) => o.state === h.state);
      if (twin) {
        // Merged: their pasts differ, so neither's earlier record starts are agreed; the future is.
        twin.recordStart = Math.max(twin.recordStart, h.recordStart);
        twin.firstStart = -1;
        if (s & 8) twin.firstStart = i + 1;
      } else nextLive.push(h);
    }
    i++;
    live = prune(nextLive, i, max);
    if (live.length === 0) return { kind: 'malformed', pos: i - 1 };
  }
  if (live.length === 1 && live[0]!.firstStart >= 0) return { kind: 'found', pos: live[0]!.firstStart };
  if (!atEof) return { kind: 'more' };
  // End of file ends the last record under every hypothesis that is not inside an open quote.
  const ended = live.filter((h) => h.state !== QT);
  if (ended.length === 0) return { kind: 'malformed', pos: to };
  if (ended.length === 1 && ended[0]!.firstStart >= 0) return { kind: 'found', pos: ended[0]!.firstStart };
  return { kind: 'found', pos: to };
}

/** Drops hypotheses whose current record has grown past the limit. */
function prune(live: Hypothesis[], i: number, max: number): Hypothesis[] {
  return live.some((h) => i - h.recordStart > max) ? live.filter((h) => i - h.recordStart <= max) : live;
}

/** The parser state after `buf[from, to)` when `buf[from]` is read in `state`. */
export function stateAfter(buf: Buffer, from: number, to: number, syntax: RecordSyntax, state: number): number {
  const { delimiter: d, quote: q } = syntax;
  let s = state;
  for (let i = from; i < to; i++) {
    if (s === SKIP_LINE) {
      const nl = indexOfByte(buf, NL, i, to);
      if (nl >= to) return SKIP_LINE;
      i = nl;
      s = FS;
      continue;
    }
    if (s === UQ || s === FS) {
      // Outside quotes only a quote at a field start matters: skip to the next quote.
      const next = q >= 0 ? indexOfByte(buf, q, i, to) : to;
      if (next > i) {
        const prev = buf[next - 1]!;
        s = prev === d || prev === NL ? FS : UQ;
        i = next - 1;
        continue;
      }
    } else if (s === QT) {
      const next = indexOfByte(buf, q, i, to);
      if (next >= to) return QT;
      i = next;
      s = QQ;
      continue;
    }
    const n = step(s, buf[i]!, d, q);
    if (n === DEAD) {
      // An impossible byte: the decoder reports it and skips to the next line end, and so does this.
      const nl = indexOfByte(buf, NL, i, to);
      if (nl >= to) return SKIP_LINE;
      i = nl;
      s = FS;
      continue;
    }
    s = n & 7;
  }
  return s;
}

/** `buf.indexOf(byte, from)` limited to `to`; returns `to` when absent. */
export function indexOfByte(buf: Buffer, byte: number, from: number, to: number): number {
  if (from >= to) return to;
  const at = buf.indexOf(byte, from);
  return at < 0 || at >= to ? to : at;
}

/** The last index of `byte` in `buf[from, to)`, or `from - 1`. */
function lastIndexOfByte(buf: Buffer, byte: number, from: number, to: number): number {
  for (let i = to - 1; i >= from; i--) if (buf[i] === byte) return i;
  return from - 1;
}
