import { open, type FileHandle } from 'node:fs/promises';
import { InternalError } from '../errors.js';
import type { EncodedPairs } from '../worker/partials.js';

/**
 * Spilled shuffle data: encoded (key, value) partitions written to a temp file as segments, so the
 * coordinator need not hold every map output in memory until the reducers run. Each buffer of a
 * segment is padded to 8 bytes so it can be viewed as a Float64Array straight from the bytes read back.
 */

/** Where one spilled partition lies: plain data, so it can be posted to a reducer (and resent on a retry). */
export interface SpillSegment {
  file: string;
  offset: number;
  length: number;
}

const MAGIC = 0x32505351; // 'QSP2'
const HEADER = 8;

const pad8 = (n: number) => (8 - (n % 8)) % 8;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A leaf buffer in the skeleton of an encoding: its index in the segment and its element type. */
type LeafRef = { $leaf: number; f64: boolean };

/**
 * Replaces the typed arrays of an encoding by references, collecting their bytes. Generic over the
 * encoding's shape (nested `records` columns and all): every leaf is a Float64Array or a Uint8Array.
 */
function skeletonOf(x: unknown, leaves: Uint8Array[]): unknown {
  if (x instanceof Float64Array || x instanceof Uint8Array) {
    leaves.push(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    return { $leaf: leaves.length - 1, f64: x instanceof Float64Array } satisfies LeafRef;
  }
  if (Array.isArray(x)) return x.map((v) => skeletonOf(v, leaves));
  if (x !== null && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, skeletonOf(v, leaves)]));
  return x;
}

function fromSkeleton(x: unknown, leaves: Array<Float64Array | Uint8Array>): unknown {
  if (Array.isArray(x)) return x.map((v) => fromSkeleton(v, leaves));
  if (x !== null && typeof x === 'object') {
    if ('$leaf' in x) return leaves[(x as LeafRef).$leaf];
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, fromSkeleton(v, leaves)]));
  }
  return x;
}

/**
 * The buffers of a segment, to write in order (the encoding's buffers are not copied): an 8-byte
 * header (magic, skeleton length), the skeleton as JSON, then each leaf; all padded to 8 bytes.
 * The skeleton's refs carry each leaf's length.
 */
export function segmentOf(p: EncodedPairs): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  const skeleton = skeletonOf(p, leaves);
  const json = encoder.encode(JSON.stringify({ skeleton, lengths: leaves.map((l) => l.byteLength) }));
  const header = new DataView(new ArrayBuffer(HEADER));
  header.setUint32(0, MAGIC, true);
  header.setUint32(4, json.byteLength, true);
  const out: Uint8Array[] = [new Uint8Array(header.buffer), json];
  if (pad8(json.byteLength)) out.push(new Uint8Array(pad8(json.byteLength)));
  for (const l of leaves) {
    out.push(l);
    if (pad8(l.byteLength)) out.push(new Uint8Array(pad8(l.byteLength)));
  }
  return out;
}

/** Bytes of a segment made of `buffers`. */
export function segmentLength(buffers: Uint8Array[]): number {
  return buffers.reduce((n, b) => n + b.byteLength, 0);
}

/** Decodes a segment read into `bytes` (whose byteOffset must be a multiple of 8); the result views the bytes. */
export function pairsFromSegment(bytes: Uint8Array, where: string): EncodedPairs {
  const header = new DataView(bytes.buffer, bytes.byteOffset, Math.min(HEADER, bytes.byteLength));
  if (bytes.byteLength < HEADER || header.getUint32(0, true) !== MAGIC)
    throw new InternalError(`spilled shuffle segment ${where} is damaged`);
  const jsonLength = header.getUint32(4, true);
  const { skeleton, lengths } = JSON.parse(decoder.decode(bytes.subarray(HEADER, HEADER + jsonLength))) as {
    skeleton: unknown;
    lengths: number[];
  };
  let at = bytes.byteOffset + HEADER + jsonLength + pad8(jsonLength);
  const refs: LeafRef[] = [];
  const collect = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(collect);
    else if (x !== null && typeof x === 'object') {
      if ('$leaf' in x) refs[(x as LeafRef).$leaf] = x as LeafRef;
      else Object.values(x).forEach(collect);
    }
  };
  collect(skeleton);
  const leaves = lengths.map((length, i) => {
    const view = refs[i]!.f64 ? new Float64Array(bytes.buffer, at, length / 8) : new Uint8Array(bytes.buffer, at, length);
    at += length + pad8(length);
    return view;
  });
  return fromSkeleton(skeleton, leaves) as EncodedPairs;
}

/** Reads one spilled segment back. */
export async function readSegment(fh: FileHandle, s: SpillSegment): Promise<EncodedPairs> {
  const bytes = new Uint8Array(s.length); // a fresh ArrayBuffer: offset 0, so 8-byte aligned
  const { bytesRead } = await fh.read(bytes, 0, s.length, s.offset);
  if (bytesRead !== s.length)
    throw new InternalError(`spilled shuffle file ${s.file} is shorter than expected (was the temp folder cleaned up during the run?)`);
  return pairsFromSegment(bytes, `${s.file}@${s.offset}`);
}

/**
 * A reducer's inputs, one at a time: the partitions it was handed in memory, then the spilled ones
 * read back segment by segment, so a reducer holds its merged state and one segment, not all of them.
 */
export async function* pairsOf(parts: EncodedPairs[], spilled: SpillSegment[] = []): AsyncGenerator<EncodedPairs> {
  yield* parts;
  const handles = new Map<string, FileHandle>();
  try {
    for (const s of spilled) {
      let fh = handles.get(s.file);
      if (!fh) handles.set(s.file, (fh = await open(s.file, 'r')));
      yield await readSegment(fh, s);
    }
  } finally {
    await Promise.all([...handles.values()].map((fh) => fh.close()));
  }
}
