/** A column path's entry: a leaf (a column, read or not) and/or the prefix of deeper paths. */
export interface PathEntry {
  /** The path's UTF-8 bytes (`a.b` for the key `b` inside the object at key `a`). */
  readonly bytes: Uint8Array;
  readonly hash: number;
  /** FNV-1a state after the path and a `.`: where a child key's hash starts. */
  readonly dotHash: number;
  /** The builder index of a column the decoder fills, `SKIPPED` for a column it does not, `NOT_A_COLUMN` for a prefix only. */
  slot: number;
  /** Some column's path continues below it. */
  prefix: boolean;
  /** The line that last met this key (a second meeting in one line is a duplicate key). */
  stamp: number;
  /** The object path it was last met in, and the key met after it there (lines mostly repeat their keys' order). */
  via: PathEntry | undefined;
  next: PathEntry | undefined;
  /** The first key last met inside it, when it is a prefix. */
  firstChild: PathEntry | undefined;
  /** Its bytes hold no `"`, `\\` or control character, so a key's raw bytes can be compared with them. */
  readonly plain: boolean;
}

export const SKIPPED = -1;
export const NOT_A_COLUMN = -2;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function fnv(h: number, src: Uint8Array, s: number, e: number): number {
  for (let i = s; i < e; i++) h = Math.imul(h ^ src[i]!, FNV_PRIME);
  return h;
}

/**
 * The flattened column paths of an NDJSON input, found from a key's bytes without making a string:
 * a key inside the object at path P is looked up as the path `P.key`, hashed on from P's state. A
 * path is matched whole because a column `a.b` is reached both by the key `a.b` and by `b` inside `a`
 * (flattenObject writes both to one column).
 */
export class PathTable {
  private readonly entries: PathEntry[] = [];
  private slots: Int32Array;
  /** The hash `find` computed last: a key's identity under its parent, found or not (the decoder compares keys outside the table by it). */
  lastHash = 0;

  /** `columns[i]` is filled into builder `slot[i]` (or not, when `SKIPPED`). */
  constructor(columns: ReadonlyArray<{ name: string; slot: number }>) {
    this.slots = new Int32Array(Math.max(16, nextPow2(columns.length * 8)));
    for (const { name, slot } of columns) {
      const leaf = this.add(name);
      if (leaf.slot === NOT_A_COLUMN || leaf.slot === SKIPPED) leaf.slot = slot;
      for (let k = name.indexOf('.'); k >= 0; k = name.indexOf('.', k + 1)) this.add(name.slice(0, k)).prefix = true;
    }
  }

  private add(path: string): PathEntry {
    const bytes = Buffer.from(path, 'utf8');
    const hash = fnv(FNV_OFFSET, bytes, 0, bytes.length);
    const found = this.find(undefined, bytes, 0, bytes.length);
    if (found) return found;
    const entry: PathEntry = {
      bytes,
      hash,
      dotHash: Math.imul(hash ^ 46, FNV_PRIME),
      slot: NOT_A_COLUMN,
      prefix: false,
      stamp: -1,
      via: undefined,
      next: undefined,
      firstChild: undefined,
      plain: bytes.every((b) => b >= 32 && b !== 34 && b !== 92),
    };
    this.entries.push(entry);
    if (this.entries.length * 2 > this.slots.length) this.rehash();
    else this.place(this.entries.length - 1);
    return entry;
  }

  private place(e: number): void {
    const mask = this.slots.length - 1;
    let k = this.entries[e]!.hash & mask;
    while (this.slots[k] !== 0) k = (k + 1) & mask;
    this.slots[k] = e + 1;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let e = 0; e < this.entries.length; e++) this.place(e);
  }

  /** The entry of key `src[s, e)` inside the object at `parent` (top level when undefined), if it is a path of the table. */
  find(parent: PathEntry | undefined, src: Uint8Array, s: number, e: number): PathEntry | undefined {
    const h = fnv(parent ? parent.dotHash : FNV_OFFSET, src, s, e);
    this.lastHash = h;
    const pl = parent ? parent.bytes.length + 1 : 0;
    const n = pl + e - s;
    const mask = this.slots.length - 1;
    for (let k = h & mask; ; k = (k + 1) & mask) {
      const idx = this.slots[k]!;
      if (idx === 0) return undefined;
      const entry = this.entries[idx - 1]!;
      if (entry.hash === h && entry.bytes.length === n && samePath(entry.bytes, parent, src, s, pl)) return entry;
    }
  }
}

/**
 * Whether the key at `buf[p]` (its opening quote) is `guess` met inside `parent`: its raw bytes are the
 * end of the guess's path and a quote follows. Returns the index of that closing quote, or -1.
 */
export function guessedKeyEnd(guess: PathEntry, parent: PathEntry | undefined, buf: Uint8Array, p: number, end: number): number {
  if (guess.via !== parent || !guess.plain) return -1;
  const kb = guess.bytes;
  const pl = parent ? parent.bytes.length + 1 : 0;
  const q = p + 1 + kb.length - pl;
  if (q >= end || buf[q] !== 34) return -1;
  for (let i = pl, k = p + 1; i < kb.length; i++, k++) if (buf[k] !== kb[i]) return -1;
  return q;
}

function samePath(bytes: Uint8Array, parent: PathEntry | undefined, src: Uint8Array, s: number, pl: number): boolean {
  if (parent) {
    const pb = parent.bytes;
    for (let i = 0; i < pb.length; i++) if (bytes[i] !== pb[i]) return false;
    if (bytes[pb.length] !== 46) return false;
  }
  for (let i = pl; i < bytes.length; i++) if (bytes[i] !== src[s + i - pl]) return false;
  return true;
}

function nextPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
