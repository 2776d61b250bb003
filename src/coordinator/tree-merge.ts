/**
 * Merges n partials with a fixed binary tree over their indices, merging two siblings as soon as both
 * have arrived. The shape does not depend on arrival order, so floating-point results are the same on
 * every run of the same plan, and the serial tail after the last arrival is O(log n) merges.
 */
export class TreeMerge<A> {
  private readonly levels: Array<Array<A | undefined>> = [];
  private readonly sizes: number[] = [];
  private done?: { value: A };

  constructor(
    n: number,
    private readonly merge: (a: A, b: A) => A,
  ) {
    for (let size = n; ; size = Math.ceil(size / 2)) {
      this.sizes.push(size);
      this.levels.push(new Array<A | undefined>(size));
      if (size <= 1) break;
    }
  }

  /** Adds partial `index` (0-based) and merges upwards as far as siblings allow. */
  add(index: number, value: A): void {
    let level = 0;
    let i = index;
    let v = value;
    for (;;) {
      const size = this.sizes[level]!;
      if (size === 1) {
        this.done = { value: v };
        return;
      }
      const sibling = i ^ 1;
      if (sibling < size) {
        const other = this.levels[level]![sibling];
        if (other === undefined) {
          this.levels[level]![i] = v;
          return;
        }
        this.levels[level]![sibling] = undefined;
        v = sibling < i ? this.merge(other, v) : this.merge(v, other);
      }
      i >>= 1;
      level++;
    }
  }

  /** True once every partial has arrived and been merged (the merged value may itself be `undefined`). */
  get complete(): boolean {
    return this.done !== undefined;
  }

  /** The merged value once every partial has arrived. */
  get result(): A | undefined {
    return this.done?.value;
  }
}
