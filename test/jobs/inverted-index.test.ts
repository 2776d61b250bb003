import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tableFromIPC, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { runSequential } from 'quiver-engine';
import { textChunks } from '../../dist/src/datasets/text.js';
import { writeTextFolder } from '../../dist/src/datasets/text-folder.js';
import { runCli } from '../helpers/cli.js';
import { enginesFor } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

interface Posting {
  file: string;
  line: number;
}
interface Entry {
  word: string;
  postings: Posting[];
}

/**
 * The index built naively: each file read whole, split into lines (\n or \r\n, no line after a final
 * newline), each line lower-cased and cut into runs of letters, digits and marks; files in path order.
 */
function reference(files: Record<string, string>, minLength = 1, stopwords: string[] = []): Entry[] {
  const index = new Map<string, Posting[]>();
  for (const file of Object.keys(files).sort()) {
    const lines = files[file]!.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    lines.forEach((text, i) => {
      for (const word of new Set(text.toLowerCase().match(/[\p{L}\p{N}\p{M}]+/gu) ?? [])) {
        if ([...word].length < minLength || stopwords.includes(word)) continue;
        if (!index.has(word)) index.set(word, []);
        index.get(word)!.push({ file, line: i + 1 });
      }
    });
  }
  return [...index.keys()].sort().map((word) => ({ word, postings: index.get(word)! }));
}

function entriesOf(table: Table): Entry[] {
  return JSON.parse(JSON.stringify(table.toArray())) as Entry[];
}

const dir = tempDir();
const engines = enginesFor([1, 2, 3]);

// Small files with the edges: CRLF, empty lines, a repeated word on a line, non-ASCII and astral
// letters, no final newline, an empty file, a file of empty lines.
const edges: Record<string, string> = {
  'a.txt':
    'Hello, world! hello HELLO\r\nÉcole école ÉCOLE 42 x42\r\n\r\nthe end. The End\r\n日本語 テキスト über naïve\n𝒜𝒜 ab 𝒜\nlast line, no newline',
  'b.txt': 'world\n\nhello there\nthe\r\n',
  'c-empty.txt': '',
  'd-blank.txt': '\n\n\r\n\n',
  'e.txt': 'one line only and it ends with a return\r',
};
const edgeDir = path.join(dir, 'edges');
mkdirSync(edgeDir);
const edgeFiles = Object.fromEntries(Object.entries(edges).map(([name, text]) => [path.join(edgeDir, name), text]));
for (const [file, text] of Object.entries(edgeFiles)) writeFileSync(file, text);

// Zipf words in files of unequal sizes, plus the edge files.
const corpusDir = path.join(dir, 'corpus');
mkdirSync(corpusDir);
const corpus: Record<string, string> = {};
for (const [i, bytes] of [3_000, 20_000, 9_000].entries()) {
  const file = path.join(corpusDir, `z${i}.txt`);
  corpus[file] = [...textChunks(bytes, 11 + i)]
    .join('')
    .replace(/ ([a-z]+) /g, (m, w: string) => (w.length === 5 ? ` ${w.toUpperCase()}, ` : m));
  writeFileSync(file, corpus[file]!);
}
Object.assign(corpus, edgeFiles);

describe('inverted-index', () => {
  const layouts = [
    { label: '5-byte splits (lines straddle splits) over the edge files', input: edgeDir, files: edgeFiles, options: { splitSize: 5 } },
    { label: '1KB splits and 7-line batches', input: [corpusDir, edgeDir], files: corpus, options: { splitSize: '1KB', batchRows: 7 } },
    { label: 'one split per file', input: [corpusDir, edgeDir], files: corpus, options: { splitSize: '10MB' } },
  ];
  for (const workers of [1, 2, 3]) {
    for (const layout of layouts) {
      it(`lists each word's (file, line) postings, sorted, with ${workers} worker(s), ${layout.label}`, async () => {
        const { table, report } = await engines.get(workers)!.run('inverted-index', { input: layout.input, ...layout.options });
        expect(entriesOf(table)).toEqual(reference(layout.files));
        expect(String(table.schema.fields[1]!.type)).toBe('List<Struct<{file:Dictionary<Int32, Utf8>, line:Int32}>>');
        const lines = Object.values(layout.files).reduce((n, t) => n + t.split(/\r?\n/).length - (t === '' || t.endsWith('\n') ? 1 : 0), 0);
        expect(report.counters.lines).toBe(lines);
      });
    }
  }

  it("gives the same index in the sequential baseline (quiver speedup's T_seq)", async () => {
    const { table } = await runSequential('inverted-index', { input: [corpusDir, edgeDir], splitSize: '2KB', batchRows: 5 });
    expect(entriesOf(table)).toEqual(reference(corpus));
  });

  it('leaves out short words (counting characters, not UTF-16 units) and stopwords in any case', async () => {
    const params = { minLength: 3, stopwords: ['The', 'ÉCOLE', 'there'] };
    const { table } = await engines.get(2)!.run('inverted-index', { input: edgeDir, params, splitSize: 16 });
    const want = reference(edgeFiles, 3, ['the', 'école', 'there']);
    expect(entriesOf(table)).toEqual(want);
    expect(want.map((e) => e.word)).not.toContain('𝒜𝒜'); // 4 UTF-16 units, 2 characters
    expect(want.map((e) => e.word)).toContain('日本語');
  });

  it('gives an empty index of the same columns for empty input', async () => {
    const { table } = await engines
      .get(2)!
      .run('inverted-index', { input: [path.join(edgeDir, 'c-empty.txt'), path.join(edgeDir, 'd-blank.txt')] });
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => `${f.name}: ${String(f.type)}`)).toEqual([
      'word: Utf8',
      'postings: List<Struct<{file:Dictionary<Int32, Utf8>, line:Int32}>>',
    ]);
  });

  it('writes the nested postings to .parquet, as arrays of {file, line} to .json, as JSON text in a CSV cell', async () => {
    const want = reference(edgeFiles);
    for (const ext of ['parquet', 'json', 'csv']) {
      const output = path.join(dir, `edges.${ext}`);
      await engines.get(2)!.run('inverted-index', { input: edgeDir, splitSize: 9, output });
      const text = readFileSync(output, 'utf8');
      if (ext === 'parquet') expect(entriesOf(await readParquet(output))).toEqual(want);
      if (ext === 'json') expect(JSON.parse(text)).toEqual(want);
      if (ext === 'csv') {
        const [header, ...rows] = text.trimEnd().split('\n');
        expect(header).toBe('word,postings');
        expect(
          rows
            .map((r) => /^([^,"]+),"(.*)"$/.exec(r)!)
            .map(([, word, cell]) => ({ word, postings: JSON.parse(cell!.replace(/""/g, '"')) })),
        ).toEqual(want);
      }
    }
  });

  it('indexes a generated folder from the CLI into an .arrow file', async () => {
    const folder = path.join(dir, 'texts');
    await writeTextFolder(folder, 60_000, 3, 3);
    const out = path.join(dir, 'index.arrow');
    const r = await runCli([
      'run',
      'inverted-index',
      '-i',
      folder,
      '-w',
      '2',
      '--split-size',
      '4KB',
      '-p',
      'minLength=2',
      '-p',
      'stopwords=a,of',
      '-o',
      out,
      '--quiet',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const texts = Object.fromEntries(
      ['part-00.txt', 'part-01.txt', 'part-02.txt'].map((f) => [path.join(folder, f), readFileSync(path.join(folder, f), 'utf8')]),
    );
    expect(entriesOf(tableFromIPC(readFileSync(out)))).toEqual(reference(texts, 2, ['a', 'of']));
  });
});

async function readParquet(file: string): Promise<Table> {
  const pq = await import('parquet-wasm/node');
  return tableFromIPC(pq.readParquet(readFileSync(file)).intoIPCStream());
}
