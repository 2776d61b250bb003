import {
  DataType,
  Dictionary,
  Field,
  Int32,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Utf8,
  vectorFromArray,
  type Data,
  type Vector,
} from 'apache-arrow';
import { InternalError } from '../errors.js';

/**
 * One dictionary per dictionary-encoded column for a whole output, so a Categorical (Polars) or
 * ENUM-like column is written to Arrow and Parquet as a dictionary rather than as plain text.
 *
 * Every split (and every Parquet row group, every Arrow record batch of the input) has a dictionary of
 * its own. An Arrow IPC file cannot replace a dictionary between batches ("The Arrow File format does
 * not support replacement dictionaries"), and pyarrow's file reader refuses deltas too, so the output
 * holds one dictionary written before the first batch: `add` sees every batch first (the words in the
 * order they first appear, which keeps an Enum's order when every batch has the same one), then
 * `remap` gives each batch with its codes into that dictionary. The output type is
 * Dictionary<Int32, Utf8> whatever the input's (Polars' Uint32 and Utf8View, Arrow JS's Int32 and Utf8):
 * the one every reader takes (DuckDB as VARCHAR, Polars as Categorical).
 */
export class DictionaryUnifier {
  /** Per dictionary column (by position): each word's code in the output dictionary. */
  private readonly codes = new Map<number, Map<string, number>>();
  private readonly types = new Map<number, Dictionary<Utf8, Int32>>();
  private readonly words = new Map<number, Vector<Utf8>>();
  /** Dictionaries already added, and each one's codes into the output's: batches of one stream share theirs. */
  private readonly seen = new WeakMap<object, Int32Array>();

  /** Whether a batch has a dictionary column of text (the only kind unified; others are left as they are). */
  static applies(schema: Schema): boolean {
    return schema.fields.some((f) => isTextDictionary(f.type));
  }

  /** Whether a type is a dictionary of text (Utf8, LargeUtf8 or Utf8View words). */
  static textDictionary(type: DataType): type is Dictionary {
    return isTextDictionary(type);
  }

  /** Takes in the words of a batch's dictionaries. Call for every batch before the first `remap`. */
  add(batch: RecordBatch): void {
    batch.schema.fields.forEach((f, c) => {
      if (!isTextDictionary(f.type)) return;
      let codes = this.codes.get(c);
      if (!codes) this.codes.set(c, (codes = new Map()));
      const data = batch.data.children[c]!;
      if (!data.dictionary || this.seen.has(data.dictionary)) return;
      const words = dictionaryWords(data);
      for (const word of words) if (word !== null && !codes.has(word)) codes.set(word, codes.size);
      this.seen.set(
        data.dictionary,
        Int32Array.from(words, (w) => (w === null ? -1 : codes.get(w)!)),
      );
    });
  }

  /** The batch with each dictionary column's codes into the output dictionary (the same rows and values). */
  remap(batch: RecordBatch): RecordBatch {
    if (!DictionaryUnifier.applies(batch.schema)) return batch;
    const fields: Field[] = [];
    const children = batch.data.children.map((data, c) => {
      const f = batch.schema.fields[c]!;
      if (!isTextDictionary(f.type)) return (fields.push(f), data);
      const type = this.typeOf(c);
      fields.push(new Field(f.name, type, f.nullable, f.metadata));
      return this.remapped(data, c, type);
    });
    const schema = new Schema(fields, batch.schema.metadata);
    return new RecordBatch(schema, makeData({ type: new Struct(fields), length: batch.numRows, nullCount: 0, children }));
  }

  /** The output schema for a schema of the input (its text dictionaries as Dictionary<Int32, Utf8>). */
  schemaOf(schema: Schema): Schema {
    if (!DictionaryUnifier.applies(schema)) return schema;
    const fields = schema.fields.map((f, c) => (isTextDictionary(f.type) ? new Field(f.name, this.typeOf(c), f.nullable, f.metadata) : f));
    return new Schema(fields, schema.metadata);
  }

  /** One type object per column: batches of one table must share their dictionary types (and ids). */
  private typeOf(c: number): Dictionary<Utf8, Int32> {
    let type = this.types.get(c);
    if (!type) this.types.set(c, (type = new Dictionary(new Utf8(), new Int32())));
    return type;
  }

  private remapped(data: Data, c: number, type: Dictionary<Utf8, Int32>): Data {
    const codes = this.codes.get(c) ?? new Map<string, number>();
    let words = this.words.get(c);
    if (!words || words.length !== codes.size) this.words.set(c, (words = vectorFromArray([...codes.keys()], new Utf8())));
    // A word's code here, from its code in the batch's own dictionary (a null word: a null row). A part
    // file read again gives new dictionary objects with words `add` has seen: mapped here, once each.
    let local = data.dictionary && this.seen.get(data.dictionary);
    if (!local) {
      local = Int32Array.from(dictionaryWords(data), (w) => (w === null ? -1 : (codes.get(w) ?? unseen(w))));
      if (data.dictionary) this.seen.set(data.dictionary, local);
    }
    const indices = data.values as ArrayLike<number>;
    const out = new Int32Array(data.length);
    let nullBitmap: Uint8Array | undefined;
    let nullCount = 0;
    for (let i = 0; i < data.length; i++) {
      const code = data.getValid(i) ? (local[Number(indices[i])] ?? -1) : -1;
      if (code >= 0) {
        out[i] = code;
        continue;
      }
      nullBitmap ??= validityOf(data.length);
      nullBitmap[i >> 3]! &= ~(1 << (i & 7));
      nullCount++;
    }
    return makeData({ type, length: data.length, nullCount, nullBitmap, data: out, dictionary: words });
  }
}

function unseen(word: string): never {
  throw new InternalError(`the dictionary word ${JSON.stringify(word)} was not added before its batch was remapped`);
}

function isTextDictionary(type: DataType): type is Dictionary {
  return (
    DataType.isDictionary(type) &&
    (DataType.isUtf8(type.dictionary) || DataType.isLargeUtf8(type.dictionary) || DataType.isUtf8View(type.dictionary))
  );
}

/** The words of a dictionary column's dictionary (all its chunks), null for a null word. */
function dictionaryWords(data: Data): Array<string | null> {
  return data.dictionary ? ([...data.dictionary] as Array<string | null>) : [];
}

/** A validity bitmap of `n` rows, all valid. */
function validityOf(n: number): Uint8Array {
  return new Uint8Array((n + 7) >> 3).fill(0xff);
}

/** Batches held in memory (a job's result table) with one dictionary per text dictionary column. */
export function withOneDictionary(batches: RecordBatch[]): RecordBatch[] {
  if (!batches.some((b) => DictionaryUnifier.applies(b.schema))) return batches;
  const unifier = new DictionaryUnifier();
  for (const b of batches) unifier.add(b);
  return batches.map((b) => unifier.remap(b));
}
