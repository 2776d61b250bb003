import type { EmitKey } from '../job/types.js';

/**
 * The map-side combiner's store: key → dense id in a hash map, and values in an array by id. An
 * `add` of a key already seen costs one hash lookup (a plain Map costs two: get, then set), and the
 * partitioner walks two arrays instead of a Map's entries.
 */
export class Combiner {
  private readonly ids = new Map<EmitKey, number>();
  readonly keys: EmitKey[] = [];
  readonly values: unknown[] = [];

  /** @param combine merges two values of one key; may be replaced per task (it closes over the task's ctx). */
  constructor(public combine: (a: unknown, b: unknown) => unknown) {}

  /** Distinct keys held. */
  get size(): number {
    return this.keys.length;
  }

  add(key: EmitKey, value: unknown): void {
    const id = this.ids.get(key);
    if (id === undefined) {
      this.ids.set(key, this.keys.length);
      this.keys.push(key);
      this.values.push(value);
    } else {
      this.values[id] = this.combine(this.values[id], value);
    }
  }
}
