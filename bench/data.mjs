// Benchmark data: generated once and cached in bench/data/ (gitignored), reused by every benchmark.
//
// Hypothesis: none — this file only makes inputs. It uses the engine's own deterministic generators
// (dist/src/datasets), so the baseline, the engine and the peers all read byte-identical files.
//
//   node bench/data.mjs                 full scale: groupby 10M rows, text 200 MB and 100 MB
//   node bench/data.mjs --scale small   quick checks: groupby 1M rows, text 20 MB and 10 MB
//   BENCH_SCALE=small node bench/...    the same, for every bench script
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.dirname(BENCH_DIR);
export const DATA_DIR = path.join(BENCH_DIR, 'data');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');
export const CLI = path.join(ROOT, 'dist/bundle/cli.mjs');

/** Sizes of each scale: groupby rows, text MB for in-process word count, text MB for the CLI run. */
export const SCALES = {
  full: { rows: 10_000_000, textMb: 200, cliTextMb: 100 },
  small: { rows: 1_000_000, textMb: 20, cliTextMb: 10 },
};

/** The scale asked for by `--scale <name>` or BENCH_SCALE; `full` by default. */
export function scaleName(argv = process.argv) {
  const i = argv.indexOf('--scale');
  const name = i >= 0 ? argv[i + 1] : (process.env.BENCH_SCALE ?? 'full');
  if (!(name in SCALES)) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}, got "${name}"`);
  return name;
}

/** Paths of the data files of a scale (they may not exist yet; see ensureData). */
export function dataFiles(scale = scaleName()) {
  const s = SCALES[scale];
  return {
    scale,
    ...s,
    groupby: path.join(DATA_DIR, `groupby-${s.rows}.arrow`),
    text: path.join(DATA_DIR, `text-${s.textMb}mb.txt`),
    cliText: path.join(DATA_DIR, `text-${s.cliTextMb}mb.txt`),
  };
}

const dist = (p) => import(pathToFileURL(path.join(ROOT, 'dist/src', p)).href);

/** Writes `file` through `write(tmp)` unless it exists; the rename keeps a half-written file from being cached. */
async function once(file, write) {
  if (existsSync(file)) return;
  const t = performance.now();
  const tmp = `${file}.tmp-${process.pid}`;
  await write(tmp);
  renameSync(tmp, file);
  process.stderr.write(
    `bench/data: wrote ${path.relative(ROOT, file)} (${(statSync(file).size / 2 ** 20).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s\n`,
  );
}

/** Generates the data files of a scale if they are missing, and returns their paths. */
export async function ensureData(scale = scaleName()) {
  const files = dataFiles(scale);
  mkdirSync(DATA_DIR, { recursive: true });
  const { groupbyBatches, writeArrowFile } = await dist('datasets/groupby.js');
  const { writeTextFile } = await dist('datasets/text.js');
  await once(files.groupby, (tmp) => writeArrowFile(tmp, groupbyBatches(files.rows, 1)));
  await once(files.text, (tmp) => writeTextFile(tmp, files.textMb * 2 ** 20, 1));
  await once(files.cliText, (tmp) => writeTextFile(tmp, files.cliTextMb * 2 ** 20, 1));
  return files;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const files = await ensureData();
  for (const f of [files.groupby, files.text, files.cliText])
    console.log(`${path.relative(ROOT, f)}\t${(statSync(f).size / 2 ** 20).toFixed(1)} MB`);
}
