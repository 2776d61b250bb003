import { truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePlan } from 'quiver-engine';
import { readSplit } from '../../dist/src/worker/read-split.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();

async function readAll(text: string, splitBytes: number) {
  const f = path.join(dir, `f${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(f, text);
  const plan = await makePlan({ inputs: [f], workers: 2, splitBytes });
  const rows: Array<Record<string, unknown>> = [];
  let types: Record<string, string> = {};
  for (const s of plan.splits) {
    for (const b of await readSplit(s, 4, undefined)) {
      types = Object.fromEntries(b.schema.fields.map((x) => [x.name, String(x.type)]));
      for (let i = 0; i < b.numRows; i++) rows.push({ ...b.get(i)!.toJSON() });
    }
  }
  return { rows, types, splits: plan.splits.length };
}

describe('NDJSON', () => {
  it('flattens nested objects to a.b columns, reads arrays as lists, infers types and reads every line once at any split size', async () => {
    const objs = Array.from({ length: 120 }, (_, i) => ({
      id: i,
      user: { name: `u${i % 4}`, geo: { lat: i / 8 } },
      ok: i % 2 === 0,
      tags: ['x', i],
      note: i % 9 === 0 ? null : `n${i} ✓`,
    }));
    const text = objs.map((o) => JSON.stringify(o)).join('\r\n') + '\n';
    const want = objs.map((o) => ({
      id: o.id,
      'user.name': o.user.name,
      'user.geo.lat': o.user.geo.lat,
      ok: o.ok,
      // A list of a string and a number: a List<Utf8>, the number as its text.
      tags: ['x', String(o.id)],
      note: o.note,
    }));
    for (const split of [7, 100, 1000, 1 << 20]) {
      const { rows, types, splits } = await readAll(text, split);
      if (split < 1000) expect(splits).toBeGreaterThan(1);
      expect(rows.map((r) => ({ ...r, tags: [...(r.tags as Iterable<unknown>)] }))).toEqual(want);
      expect(types).toEqual({
        id: 'Int32',
        'user.name': 'Dictionary<Int32, Utf8>',
        'user.geo.lat': 'Float64',
        ok: 'Bool',
        tags: 'List<Utf8>',
        note: 'Utf8',
      });
    }
  });

  it('treats keys missing from a line as null and skips blank lines', async () => {
    const { rows } = await readAll('{"a":1,"b":"x"}\n\n{"a":2}\n   \n{"b":"y"}\n', 1 << 20);
    expect(rows).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: null },
      { a: null, b: 'y' },
    ]);
  });

  it('fails a split whose file was cut after the run was planned, instead of losing its lines', async () => {
    const f = path.join(dir, 'cut.ndjson');
    writeFileSync(f, Array.from({ length: 400 }, (_, i) => JSON.stringify({ i })).join('\n') + '\n');
    const plan = await makePlan({ inputs: [f], workers: 2, splitBytes: 1000 });
    truncateSync(f, 1500);
    const last = plan.splits[plan.splits.length - 1]!;
    await expect(readSplit(last, 100, undefined)).rejects.toThrow(
      /cut\.ndjson, bytes \d+–\d+: the file ends at byte 1500, but it had \d+ bytes or more when the run was planned/,
    );
  });
});
