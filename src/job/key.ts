/** Separates the parts of a composite key. */
export const KEY_SEPARATOR = '\u001f';

/**
 * Stands for a null key part: what `joinKey` writes for a `null`, turned back into a null in the output
 * column. U+FFFF is a Unicode noncharacter, so text keys should never hold it (a job grouping text can
 * reject text that does, as groupby does).
 */
export const NULL_KEY_PART = '\uffff';

/**
 * Builds a composite key from several parts; declare `output.key` as an array of names and each
 * part becomes its own output column. A `null` part is a null in its column (`joinKey(null)` is the
 * key of a null, for a single key column): nulls are one group, apart from '' and 0, as in SQL.
 *
 * @example
 * emit(joinKey(id1[i], id2[i]), v1[i]);   // with output: { key: ['id1', 'id2'], value: 'v1' }
 */
export function joinKey(...parts: Array<string | number | bigint | null>): string {
  return (parts.includes(null) ? parts.map((p) => p ?? NULL_KEY_PART) : parts).join(KEY_SEPARATOR);
}

/** Splits a composite key made by `joinKey` back into its parts (as strings; a null part is `NULL_KEY_PART`). */
export function splitKey(key: string | number): string[] {
  return String(key).split(KEY_SEPARATOR);
}
