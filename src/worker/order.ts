import { JobError } from '../errors.js';
import type { EmitKey, SortOrder } from '../job/types.js';

/** Orders keys: numbers before strings, numbers numerically, strings by UTF-16 code units. */
export function compareKeys(a: EmitKey, b: EmitKey): number {
  if (typeof a === typeof b) return a < b ? -1 : a > b ? 1 : 0;
  return typeof a === 'number' ? -1 : 1;
}

/** A comparator of (key, value) rows for a job's `sort`, or undefined for `'none'`. Ties break on the key. */
export function rowComparator(
  sort: SortOrder,
  jobName: string,
): ((ka: EmitKey, va: unknown, kb: EmitKey, vb: unknown) => number) | undefined {
  const num = (v: unknown): number => {
    if (typeof v !== 'number') {
      throw new JobError(
        `job "${jobName}" sorts by value (sort: '${sort}'), but a value is ${typeof v}; sort by value needs numbers, so return a number ` +
          `from reduce or use sort: 'key'`,
      );
    }
    return v;
  };
  switch (sort) {
    case 'key':
      return (ka, _va, kb) => compareKeys(ka, kb);
    case 'key-desc':
      return (ka, _va, kb) => compareKeys(kb, ka);
    case 'value':
      return (ka, va, kb, vb) => num(va) - num(vb) || compareKeys(ka, kb);
    case 'value-desc':
      return (ka, va, kb, vb) => num(vb) - num(va) || compareKeys(ka, kb);
    case 'none':
      return undefined;
  }
}
