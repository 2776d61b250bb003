// Memory after watchdog cancels: converts test/fixtures/corrupt/equal-names.csv (40,000 columns) to
// Parquet six times on one Engine whose stall limit (argv[2], ms; 3000 by default) cancels each
// conversion, and prints RSS and the main thread's heap after each. Found by fuzz campaign 8 (seed 8:
// a runner reached 10.3 GB over twelve such converts). RSS grew 659 → 1,125 → 5,873 → 9,972 → 11,442 →
// 12,369 MB with a 14 MB heap: no leak, but glibc keeping the memory each cancelled thread freed in its
// malloc arena, while the replacement, started before the old thread ended, took a fresh arena. Since
// the pool starts it after (src/executor/pool.ts, `untilGone`): 380 → 1,094 → 1,870 → 2,470 → 2,648 →
// 3,283 MB (one arena reused, still fragmenting). With GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072
// (buffers of 128 KB and more get mappings of their own, unmapped when freed): 233, 193, 199, 184, 143,
// 184 MB. bench/worker-arena.mjs shows the same with plain worker_threads.
//
// Run: npm run build && node --expose-gc bench/soak-wide-cancel.mjs [stallMs]
import { Engine } from '../dist/src/index.js';
import { convertFiles } from '../dist/src/coordinator/convert-files.js';
const engine = new Engine({ workers: 2, stallTimeoutMs: Number(process.argv[2] ?? 3000) });
await engine.ready();
const mb = (b) => Math.round(b / 2 ** 20);
for (let i = 0; i < 6; i++) {
  const t0 = performance.now();
  let how = 'ok';
  try {
    await convertFiles(['test/fixtures/corrupt/equal-names.csv'], '/tmp/wide-out.parquet', { overwrite: true, engine });
  } catch (e) {
    how = e.message.slice(0, 90);
  }
  globalThis.gc?.();
  const m = process.memoryUsage();
  console.log(i, ((performance.now() - t0) / 1000).toFixed(1), 's', 'rss', mb(m.rss), 'heap', mb(m.heapUsed), 'ext', mb(m.external), how);
}
await engine.close();
