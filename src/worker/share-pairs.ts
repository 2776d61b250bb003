import type { EncodedPairs } from './partials.js';

/**
 * Copies an encoding's buffers into SharedArrayBuffers. Posting shared memory shares it instead of
 * moving it, so the coordinator can hand a map task's partitions to a reduce task and, if that
 * reducer's thread dies, hand the same bytes to the next one; nothing is copied on the way.
 */
export function sharePairs(p: EncodedPairs): EncodedPairs {
  return { count: p.count, keys: shareOf(p.keys), values: shareOf(p.values) };
}

function shareOf<T extends { data: Float64Array } | { bytes: Uint8Array } | { kind: 'records' | 'lists' | 'arrays'; columns: unknown[] }>(
  part: T,
): T {
  if ('columns' in part) return { ...part, columns: part.columns.map((c) => shareOf(c as T)) };
  // A typed encoding: its bytes are shared from the start, its two index arrays are shared here.
  if ('of' in part && 'lengths' in part)
    return { ...part, of: shared(part.of as Float64Array), lengths: shared(part.lengths as Float64Array) };
  if ('data' in part) return { ...part, data: shared(part.data) };
  return { ...part, bytes: shared(part.bytes) };
}

/** `a` in shared memory: itself when it is there already, else a copy. */
function shared<A extends Float64Array | Uint8Array>(a: A): A {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  // Float64Array or Uint8Array by name: the `any` encoding's bytes are a Buffer, whose constructor is the deprecated Buffer().
  const out = (
    a instanceof Float64Array ? new Float64Array(new SharedArrayBuffer(a.byteLength)) : new Uint8Array(new SharedArrayBuffer(a.byteLength))
  ) as A;
  out.set(a);
  return out;
}
