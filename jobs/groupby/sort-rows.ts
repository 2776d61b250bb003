/** A key column's rank in each group: `ranks[codes[g]]` (ranks of its distinct values), or `ranks[g]`. */
export interface RankColumn {
  ranks: Int32Array;
  codes?: Int32Array;
}

/** Most values of one pass's digit: adjacent key columns whose ranks together have no more are sorted in one pass. */
const DIGIT = 1 << 20;

/**
 * Row numbers in key order: by the first key column's rank, then the next, …. An LSD counting sort
 * of the row numbers, one stable pass per digit from the last to the first: a few typed-array loops
 * per pass, where a comparator sort of 500K rows took ~0.8 s and even native Float64Array sorts of
 * combined ranks ~0.25 s per column (loaded host). A digit is the ranks of adjacent key columns
 * together while they have at most DIGIT values: q10's six columns (100, 100, 100K, 100, 100, 100K
 * values) take four passes; each pass over 10M rows waits on memory at nearly every row.
 */
export function sortedRows(columns: RankColumn[], n: number): Int32Array {
  const widths = columns.map(({ ranks }) => widthOf(ranks));
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const digit = new Int32Array(n);
  for (let last = columns.length - 1; last >= 0; ) {
    let first = last;
    let width = widths[last]!;
    while (first > 0 && width * widths[first - 1]! <= DIGIT) width *= widths[--first]!;
    digit.fill(0);
    for (let j = first; j <= last; j++) {
      const { ranks, codes } = columns[j]!;
      const w = widths[j]!;
      if (codes) for (let g = 0; g < n; g++) digit[g] = digit[g]! * w + ranks[codes[g]!]!;
      else for (let g = 0; g < n; g++) digit[g] = digit[g]! * w + ranks[g]!;
    }
    const starts = new Int32Array(width + 1);
    for (let g = 0; g < n; g++) starts[digit[g]! + 1]!++;
    for (let r = 0; r < width; r++) starts[r + 1]! += starts[r]!;
    const next = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const row = order[k]!;
      next[starts[digit[row]!]!++] = row;
    }
    order = next;
    last = first - 1;
  }
  return order;
}

/** How many rank values a key column has: one more than its greatest rank. */
export function widthOf(ranks: Int32Array): number {
  let width = 0;
  for (let i = 0; i < ranks.length; i++) if (ranks[i]! >= width) width = ranks[i]! + 1;
  return width;
}
