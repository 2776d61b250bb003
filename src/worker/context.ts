import type { JobContext, ParamValue, SplitInfo } from '../job/types.js';
import { columnBigInts, columnBooleans, columnDates, columnDecimals, columnNumbers } from './column-numbers.js';
import { columnStrings } from './column-text.js';
import { columnNullCount, columnValid } from './column-validity.js';
import { columnValues } from './column-values.js';

/**
 * Builds the `ctx` handed to user functions, and collects its counters. The column readers are plain
 * functions of (batch, name), shared by every context: they hold no state, so a job's hot loop calls
 * the same function objects every time.
 */
export function makeContext(
  params: Record<string, ParamValue>,
  split: SplitInfo,
  counters: Record<string, number>,
  state: Record<string, unknown> = {},
): JobContext {
  return {
    params,
    split,
    state,
    column: columnNumbers,
    bigints: columnBigInts,
    valid: columnValid,
    nullCount: columnNullCount,
    dates: columnDates,
    decimals: columnDecimals,
    booleans: columnBooleans,
    strings: columnStrings,
    values: columnValues,
    count(name: string, n = 1) {
      counters[name] = (counters[name] ?? 0) + n;
    },
    log(...args: unknown[]) {
      console.error(`[${split.describe}]`, ...args);
    },
  };
}
