// The hand-written single-threaded Node program of bench/peers.mjs: what a Node user writes without a
// library. NDJSON: readline + JSON.parse; CSV: readline + split(','); Arrow IPC: apache-arrow's
// tableFromIPC and a loop over each batch's typed arrays; text: bench/baselines/wordcount.mjs. A Map
// from the key (the value itself, or the key columns joined) to an accumulator per aggregate.
// It does not read Parquet: a user without a library has no Parquet decoder.
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tableFromIPC } from 'apache-arrow';
import { utf8Strings } from './baselines/common.mjs';
import { wordcount } from './baselines/wordcount.mjs';

/** An aggregate of `--param agg` syntax as start / add / finish functions over a plain accumulator. */
function aggregateOf(spec) {
  const [op, a, b] = spec.split(':');
  const n = op === 'top' ? Number(a) : 0;
  const col = op === 'top' ? b : a;
  switch (op) {
    case 'count':
      return { cols: [], names: ['count'], start: () => [0], add: (s) => s[0]++, finish: (s) => [s[0]] };
    case 'sum':
      return { cols: [a], names: [`sum_${a}`], start: () => [0], add: (s, x) => (s[0] += x), finish: (s) => [s[0]] };
    case 'mean':
      return { cols: [a], names: [`mean_${a}`], start: () => [0, 0], add: (s, x) => ((s[0] += x), s[1]++), finish: (s) => [s[0] / s[1]] };
    case 'median':
      return { cols: [a], names: [`median_${a}`], start: () => [], add: (s, x) => s.push(x), finish: (s) => [medianOf(s)] };
    case 'sd':
      return { cols: [a], names: [`sd_${a}`], start: () => [], add: (s, x) => s.push(x), finish: (s) => [sdOf(s)] };
    case 'range':
      return {
        cols: [a, b],
        names: [`range_${a}_${b}`],
        start: () => [-Infinity, Infinity],
        add: (s, x, y) => ((s[0] = Math.max(s[0], x)), (s[1] = Math.min(s[1], y))),
        finish: (s) => [s[0] - s[1]],
      };
    case 'r2':
      return { cols: [a, b], names: [`r2_${a}_${b}`], start: () => [0, 0, 0, 0, 0, 0], add: addPair, finish: (s) => [r2Of(s)] };
    case 'top':
      return {
        cols: [col],
        names: ['largest'],
        start: () => [],
        add: (s, x) => s.push(x),
        finish: (s) => s.sort((p, q) => q - p).slice(0, n),
      };
  }
  throw new Error(`peers-hand: no aggregate ${spec}`);
}

function medianOf(xs) {
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sdOf(xs) {
  if (xs.length < 2) return null;
  const mean = xs.reduce((p, x) => p + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((p, x) => p + (x - mean) ** 2, 0) / (xs.length - 1));
}

function addPair(s, x, y) {
  s[0]++;
  s[1] += x;
  s[2] += y;
  s[3] += x * x;
  s[4] += y * y;
  s[5] += x * y;
}

function r2Of([n, sx, sy, sxx, syy, sxy]) {
  const cov = sxy - (sx * sy) / n;
  const vx = sxx - (sx * sx) / n;
  const vy = syy - (sy * sy) / n;
  return n < 2 || vx === 0 || vy === 0 ? null : (cov * cov) / (vx * vy);
}

/**
 * Calls `row(get)` for every row, where get(j) is the row's value of column names[j], read the format's
 * way; a CSV cell is a string for the first `strings` names, else a number.
 */
async function eachRow(kind, file, names, strings, row) {
  if (kind === 'arrow') {
    for (const batch of tableFromIPC(readFileSync(file)).batches) {
      const cols = names.map((n) => batch.getChild(n).data[0]);
      const values = cols.map((d) => (d.valueOffsets ? utf8Strings(d) : d.values));
      for (let i = 0; i < batch.numRows; i++) row((j) => values[j][i]);
    }
    return;
  }
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  if (kind === 'ndjson') {
    for await (const line of lines) {
      if (line === '') continue;
      const o = JSON.parse(line);
      row((j) => o[names[j]]);
    }
    return;
  }
  let at;
  for await (const line of lines) {
    if (line === '') continue;
    const cells = line.split(',');
    if (!at) {
      at = names.map((n) => cells.indexOf(n));
      continue;
    }
    row((j) => (j < strings ? cells[at[j]] : Number(cells[at[j]])));
  }
}

/** Runs a case the hand-written way and writes its answer as CSV. */
export async function runHand(c, kind, file, out) {
  if (c.kind === 'wordcount') return writeCsv(out, ['word', 'count'], [...wordcount(file)]);
  if (c.kind !== 'groupby' || kind === 'parquet') throw new Error(`peers-hand: no hand-written ${c.kind} for ${kind}`);
  const aggs = c.agg.split(',').map(aggregateOf);
  const names = [...c.by, ...new Set(aggs.flatMap((g) => g.cols))];
  const strings = c.by.filter((k) => k <= 'id3').length; // G1's id1–id3 are strings, and come first in every `by`
  const colAt = aggs.map((g) => g.cols.map((n) => names.indexOf(n)));
  const groups = new Map();
  const one = c.by.length === 1;
  await eachRow(kind, file, names, strings, (get) => {
    const key = one ? get(0) : c.by.map((_, j) => get(j)).join('\u0001');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = aggs.map((a) => a.start())));
    for (let k = 0; k < aggs.length; k++) {
      const at = colAt[k];
      aggs[k].add(g[k], at.length ? get(at[0]) : 0, at.length > 1 ? get(at[1]) : 0);
    }
  });
  const rows = [];
  for (const [key, g] of groups) {
    const keys = one ? [key] : key.split('\u0001');
    const values = aggs.flatMap((a, k) => a.finish(g[k]));
    // q8 (top): db-benchmark's answer has one row per value, not one per group.
    if (c.long) for (const v of values) rows.push([...keys, v]);
    else rows.push([...keys, ...values]);
  }
  writeCsv(out, [...c.by, ...aggs.flatMap((a) => a.names)], rows);
}

function writeCsv(out, head, rows) {
  const chunks = [head.join(',')];
  for (const r of rows) chunks.push(r.map((x) => (x === null ? '' : x)).join(','));
  writeFileSync(out, chunks.join('\n') + '\n');
}
