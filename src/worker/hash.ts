import type { EmitKey } from '../job/types.js';

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);

/** A 32-bit hash of a key, the same in every thread (FNV-1a over UTF-16 code units for strings; a bigint's low 64 bits). */
export function hashKey(key: EmitKey): number {
  if (typeof key === 'number') {
    if ((key | 0) === key) return mix(key);
    f64[0] = key;
    return mix(i32[0]! ^ Math.imul(i32[1]!, 0x9e3779b1));
  }
  if (typeof key === 'bigint') return mix(Number(BigInt.asIntN(32, key)) ^ Math.imul(Number(BigInt.asIntN(32, key >> 32n)), 0x9e3779b1));
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return mix(h);
}

function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** The default partitioner: sends each key to exactly one of `partitions` reducers. */
export function hashPartition(key: EmitKey, partitions: number): number {
  return hashKey(key) % partitions;
}
