import type { EncodedPairs } from './partials.js';

/**
 * Copies an encoding's buffers into SharedArrayBuffers. Posting shared memory shares it instead of
 * moving it, so the coordinator can hand a map task's partitions to a reduce task and, if that
 * reducer's thread dies, hand the same bytes to the next one; nothing is copied on the way.
 */
export function sharePairs(p: EncodedPairs): EncodedPairs {
  return shareOf(p) as EncodedPairs;
}

/** `x` with every buffer in it (an encoding's Float64Arrays and Uint8Arrays, whatever kind holds them) in shared memory. */
function shareOf(x: unknown): unknown {
  if (x instanceof Float64Array || x instanceof Uint8Array) return shared(x);
  if (Array.isArray(x)) return x.map(shareOf);
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, shareOf(v)]));
  return x;
}

/** `a` in shared memory: itself when it is there already, else a copy. */
function shared(a: Float64Array | Uint8Array): Float64Array | Uint8Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  // Float64Array or Uint8Array by name: the `any` encoding's bytes are a Buffer, whose constructor is the deprecated Buffer().
  const out =
    a instanceof Float64Array ? new Float64Array(new SharedArrayBuffer(a.byteLength)) : new Uint8Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}
