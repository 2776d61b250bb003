// Soak test (not part of the test suite): 200 jobs back to back on one Engine while worker threads are
// killed at random, every answer checked against a sequential count, and memory checked for growth.
//
// Hypothesis: a worker death costs a retry, never a wrong or missing answer, and the engine's memory
// (coordinator heap, and RSS with its worker threads) returns to the same level between runs however
// many threads it has replaced.
//
// Kills come two ways, as in production: from outside, a random worker thread is terminated at a random
// moment of a run (as the OS would kill it), and from inside, a job calls process.exit() on one split
// the first time it sees it (test/fixtures/jobs/exit-on-split.ts). Runs that used a fixture job and runs of
// the built-in wordcount alternate; the answer is compared with a plain sequential word count each time.
//
// Run: npm run build && node --expose-gc bench/soak.mjs [runs=200] [workers=2] [kills=on|off]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from '../dist/src/index.js';
import { textChunks } from '../dist/src/datasets/text.js';

const RUNS = Number(process.argv[2] ?? 200);
const WORKERS = Number(process.argv[3] ?? 2);
/** `off` runs the same jobs without any kill: the baseline for the memory check. */
const KILLS = process.argv[4] !== 'off';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXIT_JOB = path.join(ROOT, 'test/fixtures/jobs/exit-on-split.ts');
if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc bench/soak.mjs, so memory can be measured after a full GC');
  process.exit(2);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'quiver-soak-'));
let seed = 12345;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

/** Three corpora of different sizes, with their counts as `word,count` text (what the engine's rows must match). */
const corpora = [200_000, 400_000, 120_000].map((bytes, i) => {
  const file = path.join(dir, `corpus-${i}.txt`);
  writeFileSync(file, [...textChunks(bytes, 100 + i)].join(''));
  const counts = new Map();
  for (const w of readFileSync(file, 'utf8').split(/\s+/)) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
  const expected = [...counts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([w, c]) => `${w},${c}`)
    .join('\n');
  return { file, expected };
});

function answerOf(table) {
  const words = table.getChild('word');
  const counts = table.getChild('count');
  const out = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) out[i] = `${words.get(i)},${counts.get(i)}`;
  return out.join('\n');
}

function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { heapMB: m.heapUsed / 2 ** 20, rssMB: m.rss / 2 ** 20 };
}

const engine = new Engine({ workers: WORKERS });
const samples = [];
let outsideKills = 0;
let insideKills = 0;
let retried = 0;
let failures = 0;
const t0 = performance.now();
try {
  for (let run = 0; run < RUNS; run++) {
    const corpus = corpora[run % corpora.length];
    const useExitJob = KILLS && run % 2 === 1;
    const marker = path.join(dir, `marker-${run}`);
    // Kill a random worker at a random moment of about half the runs.
    let timer;
    if (KILLS && random() < 0.5) {
      timer = setTimeout(
        () => {
          const live = engine.pool.all.filter((w) => !w.dead);
          const victim = live[Math.floor(random() * live.length)];
          if (victim) {
            outsideKills++;
            void victim.native.terminate();
          }
        },
        20 + random() * 300,
      );
    }
    try {
      const { table, report } = await engine.run(useExitJob ? EXIT_JOB : 'wordcount', {
        input: corpus.file,
        splitSize: '24KB',
        reducers: 1 + (run % 3),
        params: useExitJob ? { split: Math.floor(random() * 6), marker } : undefined,
        maxAttempts: 4,
      });
      retried += report.tasks.retried;
      if (answerOf(table) !== corpus.expected) {
        failures++;
        console.error(`run ${run}: WRONG ANSWER (${table.numRows} rows)`);
      }
    } catch (e) {
      failures++;
      console.error(`run ${run}: failed: ${e.message}`);
    } finally {
      clearTimeout(timer);
    }
    try {
      readFileSync(marker);
      insideKills++;
    } catch {
      // the split it would have died on was past the end of a small corpus
    }
    if (run % 20 === 19) {
      const m = memory();
      samples.push(m);
      console.log(
        `after ${run + 1} runs: heap ${m.heapMB.toFixed(1)} MB, rss ${m.rssMB.toFixed(1)} MB; kills ${outsideKills} outside + ${insideKills} inside, ${retried} tasks retried, ${failures} failures`,
      );
    }
  }
} finally {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
}

// Growth: the mean of the last three samples against the mean of the second to fourth (the first
// sample still includes warm-up: JIT code, caches, the job bundle).
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const early = samples.slice(1, 4);
const late = samples.slice(-3);
const heapGrowth = mean(late.map((s) => s.heapMB)) - mean(early.map((s) => s.heapMB));
const rssGrowth = mean(late.map((s) => s.rssMB)) - mean(early.map((s) => s.rssMB));
console.log(
  `${RUNS} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${outsideKills + insideKills} worker kills, ${retried} tasks retried, ${failures} wrong or failed`,
);
console.log(`memory growth from runs 40-80 to the last 60: heap ${heapGrowth.toFixed(1)} MB, rss ${rssGrowth.toFixed(1)} MB`);
const ok = failures === 0 && heapGrowth < 5 && rssGrowth < 50;
console.log(ok ? 'PASS' : 'FAIL');
process.exitCode = ok ? 0 : 1;
