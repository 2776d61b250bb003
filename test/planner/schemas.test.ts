import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Int32, Table, TimestampMillisecond, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { readSchemas } from '../../dist/src/planner/schemas.js';
import { tableToParquet } from '../../dist/src/io/parquet-sink.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const write = (name: string, bytes: string | Uint8Array) => {
  writeFileSync(path.join(dir, name), bytes);
  return path.join(dir, name);
};
const fieldsOf = (s: { schema: { fields: Array<{ name: string; type: unknown }> } }) =>
  s.schema.fields.map((f) => `${f.name}: ${String(f.type)}`);

describe('readSchemas', () => {
  const table = new Table({
    id: vectorFromArray([1, 2], new Int32()),
    at: vectorFromArray([new Date(0), new Date(1000)], new TimestampMillisecond()),
    name: vectorFromArray(['a', null], new Utf8()),
  });
  const want = ['id: Int32', 'at: Timestamp<MILLISECOND>', 'name: Utf8'];

  it('reads the schema of Arrow files, Arrow streams and Parquet files from their metadata, also with no rows', async () => {
    const files = [
      write('t.arrow', tableToIPC(table, 'file')),
      write('t.arrows', tableToIPC(table, 'stream')),
      write('empty.arrow', tableToIPC(new Table(table.schema), 'file')),
    ];
    const schemas = await readSchemas(files);
    expect(schemas.map((s) => s.file)).toEqual(files);
    for (const s of schemas) expect(fieldsOf(s)).toEqual(want);
    const [pq] = await readSchemas([write('t.parquet', await tableToParquet(table))]);
    expect(fieldsOf(pq!).map((f) => f.split(':')[0])).toEqual(['id', 'at', 'name']);
    expect(fieldsOf(pq!)[0]).toBe('id: Int32');
  });

  it('types CSV and NDJSON columns as a run decodes them, widened across the files of one input', async () => {
    const a = write('a.csv', 'id,v,name\n1,2,x\n3,4,y\n');
    const b = write('b.csv', 'id,v,name\n1,2.5,x\n');
    const schemas = await readSchemas([a, b]);
    for (const s of schemas) expect(fieldsOf(s)).toEqual(['id: Int32', 'v: Float64', 'name: Utf8']);
    const [nd] = await readSchemas([write('c.ndjson', '{"id":1,"v":0.5}\n{"id":2,"v":1}\n')]);
    expect(fieldsOf(nd!)).toEqual(['id: Int32', 'v: Float64']);
    const [text] = await readSchemas([write('d.txt', 'one line\n')]);
    expect(fieldsOf(text!)).toEqual(['line: Utf8']);
  });

  it('names an input that does not exist', async () => {
    await expect(readSchemas([path.join(dir, 'nope.arrow')])).rejects.toThrow(/nope\.arrow does not exist/);
  });
});
