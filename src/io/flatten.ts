/**
 * Flattens a parsed JSON object into columns: nested objects become `a.b` paths; arrays and other
 * values are kept as they are (arrays are stored as JSON text). Calls `set(path, value)` per leaf.
 */
export function flattenObject(obj: Record<string, unknown>, set: (path: string, value: unknown) => void, prefix = ''): void {
  for (const key in obj) {
    const v = obj[key];
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flattenObject(v as Record<string, unknown>, set, path);
    else set(path, v);
  }
}
