import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Dictionary, Int32, Table, Utf8, makeVector, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { makeVocabulary, textChunks } from '../../dist/src/datasets/text.js';
import { runCli } from '../helpers/cli.js';
import { rowsOf } from '../helpers/reference.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

/** The lines of a text file as the job sees them: split on \n or \r\n, no empty line after a final newline. */
function linesOf(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Lines containing each key, counted with a plain loop over every line and key. */
function reference(lines: string[], keys: string[], ignoreCase = false) {
  const fold = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  return keys.map((key) => ({ key, lines: lines.filter((l) => fold(l).includes(fold(key))).length }));
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);
const words = makeVocabulary(5);
const corpus = path.join(dir, 'corpus.txt');
const mixed = path.join(dir, 'mixed.txt');
const texts: Record<string, string> = {
  // Zipf words, then lines that test the edges: CRLF, empty lines, non-ASCII, a last line without newline.
  [corpus]: [...textChunks(60_000, 5)].join('') + 'ab Q\r\nZ cd\n\nüber é ab\nabab abab\r\nlast ' + words[0],
  // Mixed case, ASCII and not: the ignoreCase paths for both.
  [mixed]: 'Alpha beta\nALPHA\nalphabet\nÄrger über ÉCLAIR\néclair ärger\nGAMMA Über\n\nbeta\n'.repeat(40),
};
for (const [f, t] of Object.entries(texts)) writeFileSync(f, t);
// Frequent and rare words, a substring of many words, a string only found across a line end, one found nowhere.
const keys = [words[0]!, words[3]!, words[500]!, 'ab', 'QZ', 'é', 'xyzzyq'];

describe('string-match', () => {
  const layouts = [
    { label: '4KB splits', options: { splitSize: '4KB' } },
    { label: '7-line batches', options: { batchRows: 7 } },
    { label: 'one split bigger than the input', options: { splitSize: '10MB' } },
  ];
  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`counts the lines holding each key, in the order given, with ${workers} worker(s), ${layout.label}`, async () => {
        const { table, value } = await engines.get(workers)!.run('string-match', { input: corpus, params: { keys }, ...layout.options });
        const want = reference(linesOf(texts[corpus]!), keys);
        expect(rowsOf(table)).toEqual(want);
        expect(value).toEqual(want);
        expect(want.find((r) => r.key === 'QZ')!.lines).toBe(0);
      });
      it(`ignores case on ASCII and non-ASCII lines with ${workers} worker(s), ${layout.label}`, async () => {
        const ci = ['alpha', 'ÄRGER', 'éclair', 'über', 'Gamma', 'zeta'];
        const { table } = await engines
          .get(workers)!
          .run('string-match', { input: [corpus, mixed], params: { keys: ci, ignoreCase: true }, ...layout.options });
        expect(rowsOf(table)).toEqual(reference([...linesOf(texts[corpus]!), ...linesOf(texts[mixed]!)], ci, true));
        const exact = await engines.get(workers)!.run('string-match', { input: mixed, params: { keys: ci }, ...layout.options });
        expect(rowsOf(exact.table)).toEqual(reference(linesOf(texts[mixed]!), ci));
      });
    }
  }

  it('counts a line once however often it holds the key', async () => {
    const { table } = await engines.get(2)!.run('string-match', { input: corpus, params: { keys: ['ab', 'abab'] }, splitSize: '1KB' });
    expect(rowsOf(table)).toEqual(reference(linesOf(texts[corpus]!), ['ab', 'abab']));
  });

  it('searches plain, dictionary-encoded and nullable string columns of an in-memory table', async () => {
    const names = Array.from({ length: 600 }, (_, i) => (i % 13 === 0 ? null : `name-${(i * 7) % 60}-Ü`));
    const table = new Table({
      plain: vectorFromArray(names, new Utf8()),
      dict: vectorFromArray(names, new Dictionary(new Utf8(), new Int32())),
      n: makeVector(Int32Array.from(names, (_, i) => i)),
    });
    const lines = names.map((s) => s ?? '');
    for (const column of ['plain', 'dict']) {
      for (const ignoreCase of [false, true]) {
        const ks = ['-1', 'name-5', '-ü', 'name'];
        const { table: out } = await engines
          .get(3)!
          .run('string-match', { table, params: { keys: ks, column, ignoreCase }, batchRows: 64 });
        expect(rowsOf(out)).toEqual(reference(lines, ks, ignoreCase));
      }
    }
  });

  it('gives 0 for every key on an empty file', async () => {
    const empty = path.join(dir, 'empty.txt');
    writeFileSync(empty, '');
    const { table } = await engines.get(2)!.run('string-match', { input: empty, params: { keys: ['a', 'b'] } });
    expect(rowsOf(table)).toEqual([
      { key: 'a', lines: 0 },
      { key: 'b', lines: 0 },
    ]);
  });

  it('says what is wrong with the keys and the column', async () => {
    const run = (params: Record<string, unknown>) => engines.get(1)!.run('string-match', { input: corpus, params });
    await expect(run({})).rejects.toThrow(/needs --param keys=<list>/);
    await expect(run({ keys: '' })).rejects.toThrow(/--param keys needs at least one key/);
    await expect(run({ keys: 'a,b,a' })).rejects.toThrow(/--param keys lists "a" twice/);
    await expect(run({ keys: 'a', column: 'text' })).rejects.toThrow(/no column "text"/);
    await expect(run({ keys: 'a', case: 'true' })).rejects.toThrow(/unknown --param "case".*"ignoreCase"/);
    const table = new Table({ n: makeVector(new Int32Array([1, 2])) });
    await expect(engines.get(1)!.run('string-match', { table, params: { keys: 'a', column: 'n' } })).rejects.toThrow(/not strings/);
  });

  it('runs from the CLI', async () => {
    const r = await runCli([
      'run',
      'string-match',
      '-i',
      corpus,
      '-w',
      '2',
      '--split-size',
      '8KB',
      '-p',
      `keys=${keys.join(',')}`,
      '--format',
      'csv',
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const want = reference(linesOf(texts[corpus]!), keys);
    expect(r.stdout.trim().split('\n')).toEqual(['key,lines', ...want.map((w) => `${w.key},${w.lines}`)]);
  });
});
