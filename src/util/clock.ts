/** Epoch milliseconds with sub-millisecond resolution, comparable across threads. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
