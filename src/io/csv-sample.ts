import type { CsvDialect } from './csv-decode.js';

const NL = 10;
const CR = 13;

/** A field read for sniffing: its text, and whether it was quoted (a quoted empty string is not null). */
export interface SampleField {
  text: string;
  quoted: boolean;
}

/**
 * Splits the first records of `buf[from, to)` into fields, for the header and for type inference.
 * Simple and not fast: it only ever sees a sample. An unfinished record at `to` is dropped unless
 * `atEof`. Returns the records and the offset after the last complete one.
 */
export function sampleRecords(
  buf: Buffer,
  from: number,
  to: number,
  atEof: boolean,
  dialect: CsvDialect,
  maxRecords: number,
): { records: SampleField[][]; end: number } {
  const d = dialect.delimiter.charCodeAt(0);
  const q = dialect.quote === '' ? -1 : dialect.quote.charCodeAt(0);
  const records: SampleField[][] = [];
  let pos = from;
  let end = from;
  while (pos < to && records.length < maxRecords) {
    if (buf[pos] === NL) {
      pos++;
      end = pos;
      continue;
    }
    if (buf[pos] === CR && buf[pos + 1] === NL) {
      pos += 2;
      end = pos;
      continue;
    }
    const fields: SampleField[] = [];
    let complete = false;
    for (;;) {
      if (buf[pos] === q && pos < to) {
        let p = pos + 1;
        let text = '';
        let closed = false;
        while (p < to) {
          const at = buf.indexOf(q, p);
          if (at < 0 || at >= to) break;
          text += buf.toString('utf8', p, at);
          if (buf[at + 1] === q && at + 1 < to) {
            text += dialect.quote;
            p = at + 2;
            continue;
          }
          p = at + 1;
          closed = true;
          break;
        }
        if (!closed) break;
        fields.push({ text, quoted: true });
        pos = p;
        // Tolerate junk between the closing quote and the delimiter here; the decoder reports it.
        while (pos < to && buf[pos] !== d && buf[pos] !== NL) pos++;
      } else {
        let p = pos;
        while (p < to && buf[p] !== d && buf[p] !== NL) p++;
        const e = p < to && buf[p] === NL && p > pos && buf[p - 1] === CR ? p - 1 : p;
        fields.push({ text: buf.toString('utf8', pos, e), quoted: false });
        pos = p;
      }
      if (pos >= to) {
        complete = atEof;
        break;
      }
      if (buf[pos] === d) {
        pos++;
        continue;
      }
      pos++;
      complete = true;
      break;
    }
    if (!complete) break;
    records.push(fields);
    end = pos;
  }
  return { records, end };
}
