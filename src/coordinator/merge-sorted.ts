import type { EmitKey } from '../job/types.js';

/** Sorted runs of (key, value) rows, one per reducer. */
export interface SortedRun {
  keys: EmitKey[];
  values: unknown[];
}

/** Merges runs that are each sorted by `cmp` into one sorted run (k-way; reducers are few, so a linear scan of heads is enough). */
export function mergeSorted(
  runs: SortedRun[],
  cmp: ((ka: EmitKey, va: unknown, kb: EmitKey, vb: unknown) => number) | undefined,
): SortedRun {
  const live = runs.filter((r) => r.keys.length > 0);
  if (live.length === 0) return { keys: [], values: [] };
  if (live.length === 1) return live[0]!;
  if (!cmp) return { keys: live.flatMap((r) => r.keys), values: live.flatMap((r) => r.values) };
  const total = live.reduce((n, r) => n + r.keys.length, 0);
  const keys = new Array<EmitKey>(total);
  const values = new Array<unknown>(total);
  const at = new Array<number>(live.length).fill(0);
  for (let o = 0; o < total; o++) {
    let best = -1;
    for (let r = 0; r < live.length; r++) {
      const i = at[r]!;
      if (i >= live[r]!.keys.length) continue;
      if (best < 0) {
        best = r;
        continue;
      }
      const b = at[best]!;
      if (cmp(live[r]!.keys[i]!, live[r]!.values[i], live[best]!.keys[b]!, live[best]!.values[b]) < 0) best = r;
    }
    const i = at[best]!++;
    keys[o] = live[best]!.keys[i]!;
    values[o] = live[best]!.values[i];
  }
  return { keys, values };
}
