// Corrupt copies of a Parquet file, as issue 26's fuzz campaign made them: used by the Parquet tests and
// bench/parquet-readers.mjs (plain JavaScript so the benchmark can share it).
import { parquetMetadata } from 'hyparquet';

/**
 * A copy of `bytes` whose first column's first data page header says `delta` more values (issue 26:
 * 20,000 → 19,999), or with `overwrite` the byte after that count's first byte overwritten instead
 * (which makes parquet-wasm trap). The count is a Thrift compact varint; it is rewritten at the same
 * length (a varint may carry redundant continuation bytes), so nothing else moves.
 */
export function pageValueCount(bytes, delta, overwrite = false) {
  const md = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let at = Number(md.row_groups[0].columns[0].meta_data.data_page_offset);
  // PageHeader: 1 type, 2 uncompressed size, 3 compressed size, [4 crc], then 5 DataPageHeader whose
  // field 1 is num_values: skip i32 fields (header byte 0x?5 + varint) up to the struct header 0x?c.
  while ((bytes[at] & 0x0f) === 0x05) for (at++; bytes[at++] & 0x80; );
  if ((bytes[at] & 0x0f) !== 0x0c || bytes[at + 1] !== 0x15) throw new Error('no data page header where the metadata says');
  const start = at + 2;
  let end = start;
  let zigzag = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[end++];
    zigzag += (b & 0x7f) * 2 ** shift;
    if (!(b & 0x80)) break;
  }
  const out = Buffer.from(bytes);
  if (overwrite) {
    out[start + 1] = 0xfe;
    return out;
  }
  let z = (zigzag / 2 + delta) * 2;
  for (let k = start; k < end; k++, z = Math.floor(z / 128)) out[k] = (z & 0x7f) | (k < end - 1 ? 0x80 : 0);
  return out;
}

/** A copy of `bytes` whose footer length field says `length`. */
export function withFooterLength(bytes, length) {
  const out = Buffer.from(bytes);
  out.writeUInt32LE(length >>> 0, out.length - 8);
  return out;
}
