/**
 * Objects nested deeper than this are not flattened: a column path of hundreds of `a.b` segments is
 * no column anyone wants, and recursing as deep as a hostile line nests (JSON.parse takes 100,000
 * levels) overflows the stack.
 */
export const MAX_NESTING = 64;

/**
 * Flattens a parsed JSON object into columns: nested objects become `a.b` paths; arrays and other
 * values are kept as they are (arrays are stored as JSON text). Calls `set(path, value)` per leaf.
 * Returns false, leaving the leaves below that depth out, when the object nests deeper than
 * `MAX_NESTING`: the caller makes the line a bad record.
 */
export function flattenObject(obj: Record<string, unknown>, set: (path: string, value: unknown) => void, prefix = '', depth = 1): boolean {
  if (depth > MAX_NESTING) return false;
  let ok = true;
  for (const key in obj) {
    const v = obj[key];
    // By depth, not by an empty prefix: inside the key "" the path goes on as `.x`, not as a top-level `x`.
    const path = depth === 1 ? key : `${prefix}.${key}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v))
      ok = flattenObject(v as Record<string, unknown>, set, path, depth + 1) && ok;
    else set(path, v);
  }
  return ok;
}
