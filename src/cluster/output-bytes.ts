import { InternalError } from '../errors.js';
import type { EncodedPairs } from '../worker/partials.js';

/**
 * Task outputs as store objects. A map task writes ONE object per attempt holding all R partitions,
 * with an offset index at its head, so reducer r reads the head and then only its partition (two
 * ranged reads), and a map stage of M tasks makes M objects, not M × R.
 *
 *   "QVOUT1\n" · u32 head length · head JSON { parts: [[offset, length], …] } · part 0 · part 1 · …
 *
 * A part is one EncodedPairs: u32 skeleton length · skeleton JSON (the encoding with each typed array
 * replaced by { $leaf: i, type }) · the arrays' bytes, each starting at a multiple of 8.
 */

const MAGIC = 'QVOUT1\n';
const MAGIC_BYTES = new TextEncoder().encode(MAGIC);
/** Bytes a reducer reads first: the magic, the head length and, for most outputs, the whole head. */
export const HEAD_GUESS = 64 * 1024;

type Leaf = Float64Array | Uint8Array;
/** What stands for a typed array in a part's skeleton. */
interface LeafRef {
  $leaf: number;
  type: 'f64' | 'u8';
  length: number;
}

/** Serializes one encoding into byte chunks (written in order, never copied into one buffer here). */
export function pairsToChunks(p: EncodedPairs): Uint8Array[] {
  const leaves: Leaf[] = [];
  // The holder's own value, not `v`: JSON.stringify hands the replacer a Buffer's toJSON() (an object of
  // numbers), so a Buffer leaf (v8's format, which the `any` encoding holds) was written as JSON and read
  // back as no buffer at all.
  const skeleton = JSON.stringify(p, function (this: Record<string, unknown>, key: string, value: unknown) {
    const v = this[key] ?? value;
    if (v instanceof Float64Array || v instanceof Uint8Array) {
      leaves.push(v);
      return { $leaf: leaves.length - 1, type: v instanceof Float64Array ? 'f64' : 'u8', length: v.length } satisfies LeafRef;
    }
    return value;
  });
  const head = new TextEncoder().encode(skeleton);
  const chunks: Uint8Array[] = [u32(head.byteLength), head];
  let at = 4 + head.byteLength;
  for (const leaf of leaves) {
    const pad = (8 - (at % 8)) % 8;
    if (pad) chunks.push(new Uint8Array(pad));
    const bytes = new Uint8Array(leaf.buffer, leaf.byteOffset, leaf.byteLength);
    chunks.push(bytes);
    at += pad + bytes.byteLength;
  }
  return chunks;
}

/** Reads back what `pairsToChunks` wrote; the arrays are copies the result owns (transferable). */
export function pairsFromBytes(bytes: Uint8Array): EncodedPairs {
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const refs: LeafRef[] = [];
  const parsed = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n)), (_, v: unknown) => {
    if (v !== null && typeof v === 'object' && '$leaf' in v) refs.push(v as LeafRef);
    return v;
  }) as unknown;
  refs.sort((a, b) => a.$leaf - b.$leaf);
  const made: Leaf[] = [];
  let at = 4 + n;
  for (const ref of refs) {
    at += (8 - (at % 8)) % 8;
    const size = ref.length * (ref.type === 'f64' ? 8 : 1);
    if (at + size > bytes.byteLength)
      throw new InternalError(`a task output is cut short: part needs ${at + size} bytes, has ${bytes.byteLength}`);
    const copy = new Uint8Array(size);
    copy.set(bytes.subarray(at, at + size));
    made[ref.$leaf] = ref.type === 'f64' ? new Float64Array(copy.buffer) : copy;
    at += size;
  }
  return withLeaves(parsed, made) as EncodedPairs;
}

function withLeaves(v: unknown, made: Leaf[]): unknown {
  if (Array.isArray(v)) return v.map((x) => withLeaves(x, made));
  if (v === null || typeof v !== 'object') return v;
  if ('$leaf' in v) return made[(v as LeafRef).$leaf];
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = withLeaves(x, made);
  return out;
}

/** A map task's object: the head (offset index) and every partition, as chunks to write in order. */
export function mapOutputToChunks(partitions: EncodedPairs[]): Uint8Array[] {
  const parts = partitions.map(pairsToChunks);
  const lengths = parts.map((c) => c.reduce((n, b) => n + b.byteLength, 0));
  // The head's own length moves the offsets; two passes settle it (offsets only grow by digits).
  let headBytes = new Uint8Array(0);
  for (let pass = 0; pass < 10; pass++) {
    let at = MAGIC_BYTES.byteLength + 4 + headBytes.byteLength;
    const index = lengths.map((len) => {
      const entry = [at, len];
      at += len;
      return entry;
    });
    const next = new TextEncoder().encode(JSON.stringify({ parts: index }).padEnd(headBytes.byteLength, ' '));
    const settled = next.byteLength === headBytes.byteLength;
    headBytes = next;
    if (settled) break;
  }
  return [MAGIC_BYTES, u32(headBytes.byteLength), headBytes, ...parts.flat()];
}

/** The offset index of a map output, from its first bytes (`HEAD_GUESS` of them, or all if shorter). */
export function mapOutputIndex(first: Uint8Array, key: string): { parts: Array<[number, number]>; headEnd: number } {
  const magic = new TextDecoder().decode(first.subarray(0, MAGIC_BYTES.byteLength));
  if (magic !== MAGIC) throw new InternalError(`store object ${key} is not a quiver task output`);
  const n = new DataView(first.buffer, first.byteOffset, first.byteLength).getUint32(MAGIC_BYTES.byteLength, true);
  const headEnd = MAGIC_BYTES.byteLength + 4 + n;
  if (headEnd > first.byteLength) return { parts: [], headEnd };
  const head = JSON.parse(new TextDecoder().decode(first.subarray(MAGIC_BYTES.byteLength + 4, headEnd))) as {
    parts: Array<[number, number]>;
  };
  return { parts: head.parts, headEnd };
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return b;
}
