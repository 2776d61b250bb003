// Arrow values as canonical text, beside DuckDB's SQL for the same text: how the Parquet reader
// tests and bench/parquet-readers.mjs compare what a reader gave with what DuckDB reads from a file.
// Plain JavaScript so that the benchmark (not compiled) shares it with the tests.

/**
 * One value as canonical text, to compare with DuckDB's (`truthSql`): integers and decimals exact,
 * dates and timestamps as epoch milliseconds (whole), times as microseconds, bytes as hex, UUIDs in
 * their usual form, nested values as JSON of the same. Undefined where there is nothing to compare.
 */
export function canon(v, type = '') {
  if (v === null || v === undefined) return null;
  if (/^Date|^Timestamp/.test(type) && typeof v === 'number') return `ms:${Math.floor(v)}`;
  if (/^Time/.test(type))
    return `us:${Number(v) / ({ SECOND: 1e-6, MILLISECOND: 1e-3, MICROSECOND: 1, NANOSECOND: 1e3 }[type.match(/<(\w+)/)?.[1]] ?? 1)}`;
  if (v instanceof Date) return `ms:${Math.floor(v.getTime())}`;
  if (typeof v === 'bigint' || typeof v === 'number') return String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array)
    return type === 'FixedSizeBinary[16]' || (v.length === 16 && type === 'uuid') ? uuidText(v) : `x:${Buffer.from(v).toString('hex')}`;
  return `json:${JSON.stringify(plain(v))}`;
}
function uuidText(b) {
  return Buffer.from(b)
    .toString('hex')
    .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
}
function plain(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v?.toJSON === 'function' && !(v instanceof Date)) v = v.toJSON();
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v, plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** The k-th value of an Arrow decimal column as exact text (Arrow JS gives its words, not a number). */
export function decimalText(vector, k, scale) {
  for (const d of vector.data) {
    if (k >= d.length) {
      k -= d.length;
      continue;
    }
    if (!d.getValid(k)) return null;
    const words = d.values.subarray((d.offset + k) * 4, (d.offset + k) * 4 + 4);
    let n = 0n;
    for (let w = 3; w >= 0; w--) n = (n << 32n) | BigInt(words[w]);
    if (n >= 1n << 127n) n -= 1n << 128n;
    const neg = n < 0n;
    const digits = (neg ? -n : n).toString().padStart(scale + 1, '0');
    return `${neg ? '-' : ''}${scale ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits}`;
  }
  return undefined;
}

/** Two `json:` texts of equal values (key order and number spelling aside). */
export function jsonEqual(a, b) {
  if (!a.startsWith('json:') || !b.startsWith('json:')) return false;
  const norm = (x) =>
    JSON.stringify(x, (k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v));
  return norm(JSON.parse(a.slice(5))) === norm(JSON.parse(b.slice(5)));
}

/** DuckDB's answer for one column, in `canon`'s form. */
export function truthSql(c, duckType) {
  const q = `"${c}"`;
  if (/^(DATE|TIMESTAMP)/.test(duckType)) return `'ms:' || floor(epoch_ms(${q}::TIMESTAMP))::BIGINT`;
  if (/^TIME/.test(duckType)) return `'us:' || (epoch(${q}) * 1000000)::BIGINT`;
  if (duckType === 'BLOB') return `'x:' || lower(hex(${q}))`;
  if (/\[\]$|^STRUCT|^MAP/.test(duckType)) return `'json:' || to_json(${q})::VARCHAR`;
  return `${q}::VARCHAR`;
}

/** Every value of an Arrow vector in `canon`'s form (decimals exact, from their words). */
export function columnValues(vector) {
  const type = String(vector.type);
  return Array.from({ length: vector.length }, (_, i) =>
    type.startsWith('Decimal') ? decimalText(vector, i, vector.type.scale) : canon(vector.get(i), type),
  );
}

/** Whether a reader's canonical value equals DuckDB's (numbers within 1e-6, JSON by value). */
export function sameValue(v, w) {
  return v === w || (v !== null && w !== null && (jsonEqual(v, w) || Math.abs(Number(v) - Number(w)) < 1e-6));
}
