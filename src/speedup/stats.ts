/** Summary of repeated measurements of one quantity. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  /** (max − min) ÷ median: how far apart the repeats were, relative to the typical value. */
  spread: number;
}

/** The median of a list of numbers (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Median, min, max and relative spread of repeated measurements.
 *
 * @example
 * summarize([10, 12, 11]) // { median: 11, min: 10, max: 12, spread: 0.1818… }
 */
export function summarize(values: readonly number[]): Stats {
  const m = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: m, min, max, spread: m > 0 ? (max - min) / m : 0 };
}

/** Index of the sample whose value is the (lower) median: its other measurements describe a typical run. */
export function medianIndex(values: readonly number[]): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  return order[(values.length - 1) >> 1]!;
}
