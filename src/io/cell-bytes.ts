/**
 * A column's formatted cells as UTF-8 bytes: cell k is `bytes[ends[k - 1] .. ends[k])` (cell 0 starts
 * at 0). One is kept per output column and reused from batch to batch, so formatting a batch
 * allocates nothing once the buffers have grown to a batch's size (format-column.ts fills it,
 * batch-text.ts joins the columns' cells into lines).
 */
export class CellBytes {
  /** The cells' bytes; only `[0, pos)` is meaningful. */
  bytes: Buffer = Buffer.allocUnsafe(1 << 16);
  /** End offset of each cell; only `[0, count)` is meaningful. */
  ends = new Int32Array(1 << 12);
  /** Bytes written. */
  pos = 0;
  /** Cells ended. */
  count = 0;

  /** Forgets the cells, keeping the buffers. */
  reset(): void {
    this.pos = 0;
    this.count = 0;
  }

  /** The byte buffer with room for `n` more bytes after `pos` (it may be a new buffer: reload it). */
  room(n: number): Buffer {
    if (this.pos + n > this.bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(2 * this.bytes.length, this.pos + n));
      this.bytes.copy(bigger, 0, 0, this.pos);
      this.bytes = bigger;
    }
    return this.bytes;
  }

  /** Ends the current cell at `pos`. */
  end(): void {
    if (this.count === this.ends.length) {
      const bigger = new Int32Array(2 * this.ends.length);
      bigger.set(this.ends);
      this.ends = bigger;
    }
    this.ends[this.count++] = this.pos;
  }

  /**
   * Room for `cells` more cells of at most `bytes` bytes in all, asked once per run of rows by the
   * loops of format-column.ts, which then write into `bytes` and `ends` through local positions
   * with no check per cell (store `pos` and `count` back after the run).
   */
  reserve(cells: number, bytes: number): void {
    this.room(bytes);
    if (this.count + cells > this.ends.length) {
      const bigger = new Int32Array(Math.max(2 * this.ends.length, this.count + cells));
      bigger.set(this.ends.subarray(0, this.count));
      this.ends = bigger;
    }
  }

  /**
   * Appends ASCII text at `p` inside a reserved run (a value the loop spells through a string), then
   * keeps room for `after` more bytes: the new position. The buffer may be new: reload `bytes`.
   */
  asciiAt(p: number, s: string, after: number): number {
    this.pos = p; // the run's bytes so far are kept if the buffer grows
    const b = this.room(s.length + after);
    for (let k = 0; k < s.length; k++) b[p++] = s.charCodeAt(k);
    return p;
  }

  /** `asciiAt` for any text, written as UTF-8. */
  utf8At(p: number, s: string, after: number): number {
    this.pos = p;
    const b = this.room(3 * s.length + after);
    return p + b.write(s, p);
  }

  /** Appends a string of ASCII characters (digits, signs, temporal text) byte for byte. */
  ascii(s: string): void {
    const b = this.room(s.length);
    let p = this.pos;
    for (let k = 0; k < s.length; k++) b[p++] = s.charCodeAt(k);
    this.pos = p;
  }

  /** Appends a string as UTF-8. */
  utf8(s: string): void {
    this.pos += this.room(3 * s.length).write(s, this.pos);
  }

  /** Appends `src[from, to)`. */
  copy(src: Uint8Array, from: number, to: number): void {
    const b = this.room(to - from);
    let p = this.pos;
    // Cells are mostly a few bytes: a loop beats making a subarray for `set`.
    if (to - from < 32) for (let k = from; k < to; k++) b[p++] = src[k]!;
    else {
      b.set(src.subarray(from, to), p);
      p += to - from;
    }
    this.pos = p;
  }
}
