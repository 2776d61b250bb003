// Mutations for bench/fuzz.mjs: blind ones (bit flips, overwritten bytes, truncation, inserted and
// duplicated regions) for every format, and targeted ones that set a length or offset field the format
// keeps to 0, -1, 2^31-1, 2^53 or one off its value: Arrow message lengths, footer blocks and the
// numbers inside record batch headers; the Parquet footer length; the gzip CRC and size; and for text
// formats the shapes that broke readers before (Latin-1 bytes, deep NDJSON nesting, a repeated NDJSON
// key, a header of many equal names, CR-only line ends). A mutation of a compressed file may change its decompressed text and
// compress it again, so the text reader is fuzzed behind the decompressor too.
import { execFileSync } from 'node:child_process';
import { gunzipSync, gzipSync } from 'node:zlib';

const INT32 = [0, -1, 2 ** 31 - 1];
const INT64 = [0, -1, 2 ** 31 - 1, 2 ** 53];

/** Blind mutations: every format gets them. */
const BLIND = {
  bitflip(b, r) {
    const out = Buffer.from(b);
    const n = 1 + r.int(4);
    for (let i = 0; i < n && out.length; i++) out[r.int(out.length)] ^= 1 << r.int(8);
    return { bytes: out, what: `${n} bit flip(s)` };
  },
  overwrite(b, r) {
    const out = Buffer.from(b);
    const at = r.int(Math.max(1, out.length));
    const n = 1 + r.int(16);
    for (let i = at; i < Math.min(out.length, at + n); i++) out[i] = r.int(256);
    return { bytes: out, what: `${n} bytes overwritten at ${at}` };
  },
  truncate(b, r) {
    const at = r.next() < 0.1 ? r.pick([0, 1, b.length - 1]) : r.int(b.length);
    return { bytes: b.subarray(0, Math.max(0, at)), what: `cut to ${at} bytes` };
  },
  insert(b, r) {
    const at = r.int(b.length + 1);
    const n = 1 + r.int(64);
    const ins = Buffer.from(Array.from({ length: n }, () => r.int(256)));
    return { bytes: Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]), what: `${n} random bytes inserted at ${at}` };
  },
  duplicate(b, r) {
    const from = r.int(b.length);
    const len = 1 + r.int(Math.min(512, b.length - from));
    const at = r.int(b.length + 1);
    return {
      bytes: Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)]),
      what: `${len} bytes from ${from} copied to ${at}`,
    };
  },
};

/** Positions of length-like numbers in an Arrow file or stream: [{ at, width, value, label }]. */
function arrowFields(b) {
  const fields = [];
  // Message prefixes: 0xFFFFFFFF then the int32 metadata length, at 8-byte-aligned positions.
  for (let p = 0; p + 8 <= b.length; p += 8) {
    if (b.readUInt32LE(p) !== 0xffffffff) continue;
    const len = b.readInt32LE(p + 4);
    if (len <= 0 || p + 8 + len > b.length) continue;
    fields.push({ at: p + 4, width: 4, value: len, label: `message length at ${p}` });
    // Inside the flatbuffer: every aligned int64 that looks like a count, offset or length.
    for (let q = p + 8; q + 8 <= p + 8 + len; q += 8) {
      const v = Number(b.readBigInt64LE(q));
      if (v > 0 && v < b.length) fields.push({ at: q, width: 8, value: v, label: `header number ${v} at ${q}` });
    }
  }
  if (b.subarray(b.length - 6).toString('latin1') === 'ARROW1' && b.length > 10) {
    const footerLength = b.readInt32LE(b.length - 10);
    fields.push({ at: b.length - 10, width: 4, value: footerLength, label: 'footer length' });
    // Footer Block structs {offset: int64, metaDataLength: int32, pad, bodyLength: int64}.
    const start = b.length - 10 - footerLength;
    for (let q = Math.max(8, start); q + 24 <= b.length - 10; q += 8) {
      const offset = Number(b.readBigInt64LE(q));
      const meta = b.readInt32LE(q + 8);
      const body = Number(b.readBigInt64LE(q + 16));
      if (offset >= 8 && offset < b.length && meta > 0 && meta % 8 === 0 && meta < 4096 && body >= 0 && offset + meta + body <= b.length) {
        fields.push({ at: q, width: 8, value: offset, label: `footer block offset at ${q}` });
        fields.push({ at: q + 8, width: 4, value: meta, label: `footer block metadata length at ${q + 8}` });
        fields.push({ at: q + 16, width: 8, value: body, label: `footer block body length at ${q + 16}` });
      }
    }
  }
  return fields;
}

function parquetFields(b) {
  if (b.length < 12 || b.subarray(b.length - 4).toString('latin1') !== 'PAR1') return [];
  return [{ at: b.length - 8, width: 4, value: b.readInt32LE(b.length - 8), label: 'footer length' }];
}

function gzipFields(b) {
  if (b.length < 18) return [];
  return [
    { at: b.length - 8, width: 4, value: b.readInt32LE(b.length - 8), label: 'CRC32' },
    { at: b.length - 4, width: 4, value: b.readInt32LE(b.length - 4), label: 'ISIZE' },
  ];
}

/** Sets a length field to 0, -1, 2^31-1, 2^53 (int64) or one off its value. */
function setField(b, r, fields) {
  if (fields.length === 0) return BLIND.bitflip(b, r);
  const f = r.pick(fields);
  const choices = [...(f.width === 8 ? INT64 : INT32), f.value - 1, f.value + 1, f.value * 2];
  const v = r.pick(choices);
  const out = Buffer.from(b);
  if (f.width === 8) out.writeBigInt64LE(BigInt(v), f.at);
  else out.writeInt32LE(v | 0, f.at);
  return { bytes: out, what: `${f.label} set to ${v} (was ${f.value})` };
}

/** Text-shaped mutations of CSV / TSV / NDJSON / text content. */
function textMutation(b, r, format) {
  const s = b.toString('latin1');
  const kinds = ['latin1', 'crOnly', 'blankLines', 'quote'];
  if (format === 'ndjson' || format === 'json') kinds.push('deep', 'deep', 'notObject', 'duplicateKey', 'duplicateKey');
  if (format === 'csv' || format === 'tsv') kinds.push('equalNames', 'equalNames', 'headerOnly');
  const kind = r.pick(kinds);
  const lines = s.split('\n');
  const at = 1 + r.int(Math.max(1, lines.length - 2));
  switch (kind) {
    case 'latin1':
      lines[at] = lines[at] + '\xe9caf\xe9';
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `Latin-1 bytes on line ${at + 1}` };
    case 'crOnly':
      return { bytes: Buffer.from(s.replace(/\n/g, '\r'), 'latin1'), what: 'CR-only line ends' };
    case 'blankLines':
      lines.splice(at, 0, '', '');
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `blank lines at line ${at + 1}` };
    case 'quote':
      lines[at] = '"' + lines[at];
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `unmatched quote on line ${at + 1}` };
    case 'deep': {
      const depth = r.pick([1000, 10_000, 100_000]);
      lines[at] = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `an object nested ${depth} deep on line ${at + 1}` };
    }
    case 'duplicateKey': {
      // A key of the line again, with another value, first in the object that holds it (top level or
      // nested): JSON.parse keeps the last value, DuckDB refuses the record (was: exit 0, answer by the last).
      const keys = [...lines[at].matchAll(/"(\w+)":/g)];
      if (keys.length === 0) return { bytes: b, what: `no key on line ${at + 1} to repeat` };
      const k = r.pick(keys);
      const brace = lines[at].lastIndexOf('{', k.index);
      const value = r.pick(['999', '"dup"', 'null', '{"x":1}']);
      lines[at] = `${lines[at].slice(0, brace + 1)}"${k[1]}":${value},${lines[at].slice(brace + 1)}`;
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `the key "${k[1]}" repeated on line ${at + 1}` };
    }
    case 'notObject':
      lines[at] = r.pick(['[1,2]', '42', 'null', '"x"']);
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `line ${at + 1} is not an object` };
    case 'equalNames': {
      const n = r.pick([2, 1000, 40_000]);
      lines[0] = Array(n)
        .fill('x')
        .join(format === 'tsv' ? '\t' : ',');
      return { bytes: Buffer.from(lines.join('\n'), 'latin1'), what: `a header of ${n} equal names` };
    }
    default:
      return { bytes: Buffer.from(lines[0] + '\n', 'latin1'), what: 'header only' };
  }
}

/** A compressed file's text, mutated and compressed again (the decompressor then passes it on intact). */
function innerMutation(b, r, seed) {
  const gz = seed.name.endsWith('.gz');
  const inner = gz ? gunzipSync(b) : execFileSync('zstd', ['-q', '-d', '-c'], { input: b });
  const m = textMutation(inner, r, seed.format);
  const bytes = gz ? gzipSync(m.bytes) : execFileSync('zstd', ['-q', '--check', '-c'], { input: m.bytes, maxBuffer: 1 << 28 });
  return { bytes, what: `decompressed text: ${m.what}` };
}

/** One mutation of a seed's bytes: `{ bytes, kind, what }`, a function of the PRNG state alone. */
export function mutate(b, r, seed) {
  const compressed = /\.(gz|zst)$/.test(seed.name);
  const kinds = ['bitflip', 'bitflip', 'overwrite', 'overwrite', 'truncate', 'insert', 'duplicate'];
  if (seed.format === 'arrow' || seed.format === 'parquet' || seed.name.endsWith('.gz')) kinds.push('field', 'field', 'field');
  if (seed.format !== 'arrow' && seed.format !== 'parquet') kinds.push(compressed ? 'inner' : 'text', compressed ? 'inner' : 'text');
  if (seed.name.endsWith('.gz') || seed.name.endsWith('.zst')) kinds.push('tail');
  const kind = r.pick(kinds);
  let m;
  if (kind === 'field') {
    const fields = seed.format === 'arrow' ? arrowFields(b) : seed.format === 'parquet' ? parquetFields(b) : gzipFields(b);
    m = setField(b, r, fields);
  } else if (kind === 'text') m = textMutation(b, r, seed.format);
  else if (kind === 'inner') m = innerMutation(b, r, seed);
  else if (kind === 'tail') {
    // The checksum and size trailer of a gzip member or zstd frame.
    const out = Buffer.from(b);
    const at = out.length - 1 - r.int(Math.min(8, out.length));
    out[at] ^= 1 << r.int(8);
    m = { bytes: out, what: `bit flipped in the trailer at ${at}` };
  } else m = BLIND[kind](b, r);
  return { ...m, kind };
}
