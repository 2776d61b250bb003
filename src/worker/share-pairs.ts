import type { EncodedPairs } from './partials.js';

/**
 * Copies an encoding's buffers into SharedArrayBuffers. Posting shared memory shares it instead of
 * moving it, so the coordinator can hand a map task's partitions to a reduce task and, if that
 * reducer's thread dies, hand the same bytes to the next one; nothing is copied on the way.
 */
export function sharePairs(p: EncodedPairs): EncodedPairs {
  return { count: p.count, keys: shareOf(p.keys), values: shareOf(p.values) };
}

function shareOf<T extends { data: Float64Array } | { bytes: Uint8Array } | { kind: 'records' | 'lists'; columns: unknown[] }>(part: T): T {
  if ('columns' in part) return { ...part, columns: part.columns.map((c) => shareOf(c as T)) };
  if ('data' in part) {
    if (part.data.buffer instanceof SharedArrayBuffer) return part;
    const data = new Float64Array(new SharedArrayBuffer(part.data.byteLength));
    data.set(part.data);
    return { ...part, data };
  }
  if (part.bytes.buffer instanceof SharedArrayBuffer) return part;
  const bytes = new Uint8Array(new SharedArrayBuffer(part.bytes.byteLength));
  bytes.set(part.bytes);
  return { ...part, bytes };
}
