import { UsageError } from '../errors.js';

/** Parses a positive integer option, naming the option and the fix when it is not one. */
export function positiveInt(option: string) {
  return (text: string): number => {
    const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option} must be a positive integer, got "${text}"`);
    return n;
  };
}

/** Collects a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Parses a comma-separated list of positive integers, e.g. `1,2,4`. */
export function intList(option: string) {
  return (text: string): number[] => text.split(',').map((t) => positiveInt(option)(t));
}
