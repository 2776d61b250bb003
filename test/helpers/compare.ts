import { expect } from 'vitest';

/** Relative tolerance for floating-point sums: the engine adds in a different order than the reference. */
export const RELATIVE = 1e-9;

/** Expects two numbers to agree within a relative tolerance (absolute near zero). */
export function expectClose(actual: unknown, expected: number, what = 'value'): void {
  expect(typeof actual, `${what} is a number`).toBe('number');
  const scale = Math.max(1, Math.abs(expected));
  expect(Math.abs((actual as number) - expected), `${what}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(RELATIVE * scale);
}

/** Expects the same rows in the same order: numbers within a relative tolerance, everything else equal. */
export function expectRowsClose(actual: Array<Record<string, unknown>>, expected: Array<Record<string, unknown>>): void {
  expect(actual.length).toBe(expected.length);
  expect(actual.map((r) => Object.keys(r))[0]).toEqual(expected.map((r) => Object.keys(r))[0]);
  for (let i = 0; i < expected.length; i++) {
    for (const [name, want] of Object.entries(expected[i]!)) {
      const got = actual[i]![name];
      // Integers compare exactly (counts), unless either side is fractional (a ratio that should be exactly 1); NaN equals NaN.
      const close = typeof want === 'number' && !Number.isNaN(want) && !(Number.isInteger(want) && Number.isInteger(got));
      if (close) expectClose(got, want, `row ${i} ${name}`);
      else expect(got, `row ${i} ${name}`).toEqual(want);
    }
  }
}
