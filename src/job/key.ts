/** Separates the parts of a composite key. */
export const KEY_SEPARATOR = '\u001f';

/**
 * Builds a composite key from several parts; declare `output.key` as an array of names and each
 * part becomes its own output column.
 *
 * @example
 * emit(joinKey(id1[i], id2[i]), v1[i]);   // with output: { key: ['id1', 'id2'], value: 'v1' }
 */
export function joinKey(...parts: Array<string | number>): string {
  return parts.join(KEY_SEPARATOR);
}

/** Splits a composite key made by `joinKey` back into its parts (as strings). */
export function splitKey(key: string | number): string[] {
  return String(key).split(KEY_SEPARATOR);
}
